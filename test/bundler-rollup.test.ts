/**
 * Rollup: `chaincut/rollup` with the required `side`, one build per side, and
 * Rollup's own resolver (`this.resolve`, here an alias plugin) for
 * cross-module head lookups. Rollup embeds a module's original text in the
 * bundle map whatever the transform maps say, so the client maps are also
 * checked written inline.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { rollup, type OutputOptions } from 'rollup'
import { describe, expect, it } from 'vitest'
import chaincut from '../dist/rollup.js'
import { SECRETS } from './app-fixture.js'
import { ALIASED_SECRETS, bundlerAliases, describeAppBuild, readAll, writeBundlerApp } from './bundler-app.js'
import { rollupTs } from './bundler-plugins.js'

async function buildSide(dir: string, side: 'client' | 'server', output: OutputOptions = {}) {
  const bundle = await rollup({
    input: join(dir, `src/bundle-${side}.ts`),
    plugins: [chaincut({ side, report: join(dir, `report-${side}.json`) }), rollupTs(bundlerAliases(dir))],
    onwarn(warning, warn) {
      if (warning.code !== 'CIRCULAR_DEPENDENCY') warn(warning)
    },
  })
  await bundle.write({ dir: join(dir, 'dist', side), format: 'es', sourcemap: true, entryFileNames: '[name].mjs', ...output })
  await bundle.close()
}

describeAppBuild('rollup', async (dir) => {
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

describe('rollup: side and source maps', () => {
  it('fails at config time with a clear error when side is not given', () => {
    expect(() => chaincut()).toThrow(/rollup does not say which bundle it builds: pass chaincut\(\{ side: 'client' \}\).*chaincut\(\{ side: 'server' \}\)/)
    expect(() => chaincut({ report: false })).toThrow(/side/)
  })

  it('keeps the cut code out of inline client source maps', async () => {
    const dir = writeBundlerApp()
    try {
      await buildSide(dir, 'client', { sourcemap: 'inline', dir: join(dir, 'inline') })
      const files = readAll(join(dir, 'inline'))
      const code = Object.values(files).join('\n')
      expect(code).toContain('sourceMappingURL=data:application/json')
      const maps = [...code.matchAll(/sourceMappingURL=data:application\/json;charset=utf-8;base64,([A-Za-z0-9+/=]+)/g)].map((m) => Buffer.from(m[1], 'base64').toString())
      expect(maps.length).toBeGreaterThan(0)
      for (const map of maps) {
        expect(map).toContain('points/ideas.ts') // the app's sources are in the map…
        for (const secret of [...SECRETS, ...ALIASED_SECRETS]) expect(map).not.toContain(secret) // …without the cut code
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
