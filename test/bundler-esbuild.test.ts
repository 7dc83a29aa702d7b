/**
 * esbuild: `chaincut/esbuild` with no `side` — the client build is
 * `platform: 'browser'`, the server build `platform: 'node'` — TypeScript and
 * `alias` handled by esbuild, whose `build.resolve` chaincut uses for
 * cross-module head lookups.
 */
import { join } from 'node:path'
import { build, type BuildOptions } from 'esbuild'
import chaincut from '../dist/esbuild.js'
import { bundlerAliases, describeAppBuild } from './bundler-app.js'

export function esbuildOptions(dir: string, extra: BuildOptions): BuildOptions {
  return {
    absWorkingDir: dir,
    bundle: true,
    format: 'esm',
    sourcemap: true,
    outExtension: { '.js': '.mjs' },
    alias: bundlerAliases(dir),
    logLevel: 'silent',
    ...extra,
  }
}

async function buildSide(dir: string, side: 'client' | 'server') {
  await build(
    esbuildOptions(dir, {
      entryPoints: [join(dir, `src/bundle-${side}.ts`)],
      outdir: join(dir, 'dist', side),
      platform: side === 'client' ? 'browser' : 'node',
      plugins: [chaincut({ report: join(dir, `report-${side}.json`) })],
    }),
  )
}

describeAppBuild('esbuild', async (dir) => {
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
