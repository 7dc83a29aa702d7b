/**
 * webpack: `chaincut/webpack` with no `side` — the client build is
 * `target: 'web'`, the server build `target: 'node'` — TypeScript through a
 * loader that runs after chaincut, aliases in `resolve.alias` only, which
 * chaincut reaches through the loader's resolver.
 */
import { join } from 'node:path'
import webpack, { type Configuration } from 'webpack'
import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import chaincut from '../dist/webpack.js'
import { ALIASED_SECRETS, bundlerAliases, describeAppBuild, readAll, runBundle, writeBundlerApp } from './bundler-app.js'
import { SECRETS } from './app-fixture.js'

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

// without `devtool` the loader context says no source map is made: chaincut makes none either
describe('webpack: a client build without source maps', () => {
  let dir: string
  let client: Record<string, string>

  beforeAll(async () => {
    dir = writeBundlerApp()
    await runWebpack(
      webpackConfig(dir, join(dir, 'src/bundle-client.ts'), join(dir, 'dist/client'), {
        entry: { 'bundle-client': join(dir, 'src/bundle-client.ts') },
        target: 'web',
        devtool: false,
        plugins: [chaincut({ report: false, cache: false })],
      }),
    )
    client = readAll(join(dir, 'dist/client'))
  })

  afterAll(() => {
    if (dir && !process.env.KEEP_TMP) rmSync(dir, { recursive: true, force: true })
  })

  it('writes no map and keeps every secret out, and every chain still constructs', async () => {
    expect(Object.keys(client).filter((f) => f.endsWith('.map'))).toEqual([])
    for (const [file, text] of Object.entries(client)) for (const secret of [...SECRETS, ...ALIASED_SECRETS]) expect(text, file).not.toContain(secret)
    const run = await runBundle(join(dir, 'dist/client/bundle-client.mjs'), 'client')
    expect(run.calls.length).toBeGreaterThanOrEqual(8)
  })
})
