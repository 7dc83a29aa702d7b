/**
 * Rspack: `chaincut/rspack` with no `side` — the client build is
 * `target: 'web'`, the server build `target: 'node'` — TypeScript through
 * Rspack's builtin swc loader after chaincut, aliases in `resolve.alias`
 * only, which chaincut reaches through the loader's resolver.
 */
import { join } from 'node:path'
import { rspack, type RspackOptions, type Stats } from '@rspack/core'
import chaincut from '../dist/rspack.js'
import { bundlerAliases, describeAppBuild } from './bundler-app.js'

export function rspackConfig(dir: string, outDir: string, extra: RspackOptions): RspackOptions {
  return {
    mode: 'production',
    context: dir,
    devtool: 'source-map',
    optimization: { minimize: false },
    output: { path: outDir, filename: '[name].mjs', module: true, library: { type: 'module' }, chunkFormat: 'module' },
    resolve: { extensions: ['.ts', '.js'], alias: bundlerAliases(dir) },
    module: {
      rules: [{ test: /\.ts$/, loader: 'builtin:swc-loader', options: { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }, type: 'javascript/auto' }],
    },
    infrastructureLogging: { level: 'error' },
    ...extra,
  }
}

export function runRspack(config: RspackOptions): Promise<Stats> {
  return new Promise((resolve, reject) => {
    rspack(config, (error, stats) => {
      if (error) return reject(error)
      if (stats!.hasErrors()) return reject(new Error(stats!.toString({ all: false, errors: true })))
      resolve(stats!)
    })
  })
}

async function buildSide(dir: string, side: 'client' | 'server') {
  await runRspack(
    rspackConfig(dir, join(dir, 'dist', side), {
      entry: { [`bundle-${side}`]: join(dir, `src/bundle-${side}.ts`) },
      target: side === 'client' ? 'web' : 'node',
      plugins: [chaincut({ report: join(dir, `report-${side}.json`) })],
    }),
  )
}

describeAppBuild('rspack', async (dir) => {
  await buildSide(dir, 'client')
  await buildSide(dir, 'server')
  return {
    client: join(dir, 'dist/client'),
    server: join(dir, 'dist/server'),
    clientEntry: join(dir, 'dist/client/bundle-client.mjs'),
    serverEntry: join(dir, 'dist/server/bundle-server.mjs'),
    clientReport: join(dir, 'report-client.json'),
    serverReport: join(dir, 'report-server.json'),
  }
})
