/**
 * Rolldown: `chaincut/rolldown` with the required `side`, TypeScript and
 * `resolve.alias` handled by Rolldown itself, whose resolver (`this.resolve`)
 * chaincut uses for cross-module head lookups.
 */
import { join } from 'node:path'
import { rolldown } from 'rolldown'
import { describe, expect, it } from 'vitest'
import chaincut from '../dist/rolldown.js'
import { bundlerAliases, describeAppBuild } from './bundler-app.js'

async function buildSide(dir: string, side: 'client' | 'server') {
  const bundle = await rolldown({
    input: join(dir, `src/bundle-${side}.ts`),
    cwd: dir,
    platform: side === 'client' ? 'browser' : 'node',
    resolve: { alias: bundlerAliases(dir) },
    plugins: [chaincut({ side, report: join(dir, `report-${side}.json`) })],
    logLevel: 'warn',
  })
  await bundle.write({ dir: join(dir, 'dist', side), format: 'esm', sourcemap: true, entryFileNames: '[name].mjs' })
  await bundle.close()
}

describeAppBuild('rolldown', async (dir) => {
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

describe('rolldown: side', () => {
  it('fails at config time with a clear error when side is not given', () => {
    expect(() => chaincut()).toThrow(/rolldown does not say which bundle it builds: pass chaincut\(\{ side: 'client' \}\).*chaincut\(\{ side: 'server' \}\)/)
  })

  it('rejects a side that is neither client nor server', () => {
    expect(() => chaincut({ side: 'browser' as any })).toThrow(/side must be 'client' or 'server'/)
  })
})
