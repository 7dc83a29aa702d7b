/**
 * webpack: `chaincut/webpack` with no `side` — the client build is
 * `target: 'web'`, the server build `target: 'node'` — TypeScript through a
 * loader that runs after chaincut, aliases in `resolve.alias` only, which
 * chaincut reaches through the loader's resolver.
 */
import { join } from 'node:path'
import webpack, { type Configuration } from 'webpack'
import { describe, expect, it } from 'vitest'
import chaincut from '../dist/webpack.js'
import { bundlerAliases, describeAppBuild } from './bundler-app.js'

const LOADER = join(import.meta.dirname, 'support/esbuild-ts-loader.cjs')

export function webpackConfig(dir: string, entry: string, outDir: string, extra: Configuration): Configuration {
  return {
    mode: 'production',
    context: dir,
    entry,
    devtool: 'source-map',
    optimization: { minimize: false },
    output: { path: outDir, filename: '[name].mjs', module: true, library: { type: 'module' }, chunkFormat: 'module' },
    experiments: { outputModule: true },
    resolve: { extensions: ['.ts', '.js'], alias: bundlerAliases(dir) },
    module: { rules: [{ test: /\.ts$/, use: [{ loader: LOADER }] }] },
    infrastructureLogging: { level: 'error' },
    ...extra,
  }
}

export function runWebpack(config: Configuration): Promise<webpack.Stats> {
  return new Promise((resolve, reject) => {
    webpack(config, (error, stats) => {
      if (error) return reject(error)
      if (stats!.hasErrors()) return reject(new Error(stats!.toString({ all: false, errors: true, errorDetails: true })))
      resolve(stats!)
    })
  })
}

async function buildSide(dir: string, side: 'client' | 'server') {
  await runWebpack(
    webpackConfig(dir, join(dir, `src/bundle-${side}.ts`), join(dir, 'dist', side), {
      entry: { [`bundle-${side}`]: join(dir, `src/bundle-${side}.ts`) },
      target: side === 'client' ? 'web' : 'node',
      plugins: [chaincut({ report: join(dir, `report-${side}.json`) })],
    }),
  )
}

describeAppBuild('webpack', async (dir) => {
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
