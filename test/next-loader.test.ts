/**
 * `chaincut/loader` called as webpack, Rspack and Turbopack call a loader (a
 * loader context with `async`, `getOptions`, `getResolve`, `target`), and
 * `withChaincut`'s Next config: the Turbopack rules and the webpack hook.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import chaincutLoader, { sideFromTarget } from '../dist/loader.js'
import { withChaincut, TURBOPACK_GLOB, LOADER, turbopackContentFilter } from '../dist/next.js'
import { fromJsonOptions, toJsonOptions } from '../dist/config/json-options.js'

let dir: string
const files: Record<string, string> = {
  'runtime/point0.js': `export const Point0 = { lets: () => ({}) }\n`,
  'src/root.ts': `import { Point0 } from '@point0/core'\nexport const root = Point0.lets('root', 'main').root()\n`,
  'src/page.ts': `import { root } from '~/root'\nimport { db } from './db.server'\nexport const list = root.lets('GET', '/list').loader(() => db.url + 'LOADER_SECRET_Q').action()\n`,
  'src/db.server.ts': `export const db = { url: 'x' }\n`,
  'src/leak.ts': `import { db } from './db.server'\nexport const leaked = () => db\n`,
  'src/comment.ts': `// import { db } from './db.server' — only a comment\nexport const fine = 1\n`,
}
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'chaincut-loader-'))
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true })
    writeFileSync(join(dir, file), text)
  }
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Runs the loader with a context like the bundlers give; `~/` and `@point0/core` exist only in its resolver. */
function runLoader(file: string, code: string, options: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return new Promise<{ code: string; map: any; dependencies: string[]; warnings: Error[] }>((resolve, reject) => {
    const dependencies: string[] = []
    const warnings: Error[] = []
    const context = {
      resourcePath: join(dir, file),
      getOptions: () => options,
      // Turbopack's getResolve: a promise when no callback is given, the callback otherwise
      getResolve: () => (lookup: string, request: string, callback?: (e: Error | null, r?: string) => void) => {
        const path = request === '@point0/core' ? join(dir, 'runtime/point0.js') : request.startsWith('~/') ? join(dir, 'src', request.slice(2) + '.ts') : join(lookup, request + '.ts')
        if (callback) callback(null, path)
        else return Promise.resolve(path)
      },
      addDependency: (file: string) => dependencies.push(file),
      emitWarning: (warning: Error) => warnings.push(warning),
      async: () => (error: Error | null, out?: string, map?: unknown) => (error ? reject(error) : resolve({ code: out!, map, dependencies, warnings })),
      ...extra,
    }
    ;(chaincutLoader as any).call(context, code, undefined)
  })
}

describe('chaincut/loader', () => {
  it('cuts for the side in its options, following heads through the loader context\'s resolver', async () => {
    const out = await runLoader('src/page.ts', files['src/page.ts'], { side: 'client' })
    expect(out.code).toContain(".loader().action()")
    expect(out.code).not.toContain('LOADER_SECRET_Q')
    expect(out.code).not.toContain('db.server')
    expect(out.map.sources[0]).toContain('page.ts')
    expect(out.dependencies).toContain(join(dir, 'src/root.ts'))
    const server = await runLoader('src/page.ts', files['src/page.ts'], { side: 'server' })
    expect(server.code).toContain('LOADER_SECRET_Q')
  })

  it('takes the side from the target without the option, and asks for it when the target says nothing', async () => {
    expect((await runLoader('src/page.ts', files['src/page.ts'], {}, { target: 'web' })).code).not.toContain('LOADER_SECRET_Q')
    expect((await runLoader('src/page.ts', files['src/page.ts'], {}, { target: 'node' })).code).toContain('LOADER_SECRET_Q')
    await expect(runLoader('src/page.ts', files['src/page.ts'], {})).rejects.toThrow(/cannot tell which bundle .* pass \{ side: 'client' \}/)
    expect(sideFromTarget('webworker')).toBe('client')
    expect(sideFromTarget('async-node18')).toBe('server')
    expect(sideFromTarget(undefined)).toBeNull()
  })

  it('refuses a kept import of a server-only module (by specifier), but not one in a comment', async () => {
    await expect(runLoader('src/leak.ts', files['src/leak.ts'], { side: 'client' })).rejects.toThrow(/imports server-only module "\.\/db\.server" into the client build/)
    expect((await runLoader('src/comment.ts', files['src/comment.ts'], { side: 'client' })).code).toBe(files['src/comment.ts'])
    const warned = await runLoader('src/leak.ts', files['src/leak.ts'], { side: 'client', onUnsafe: 'warn' })
    expect(warned.warnings[0]?.message).toContain('server-only module "./db.server"')
  })

  it('reads RegExps from JSON options, and checks its options', async () => {
    const json = toJsonOptions({ side: 'client', serverOnly: [/secret-pkg/i, 'stripe'] })
    expect(JSON.parse(JSON.stringify(json))).toEqual(json)
    expect(fromJsonOptions(json).serverOnly).toEqual([/secret-pkg/i, 'stripe'])
    await expect(runLoader('src/comment.ts', `import 'SECRET-PKG/x'\n`, json)).rejects.toThrow(/serverOnly pattern \/secret-pkg\/i/)
    await expect(runLoader('src/page.ts', files['src/page.ts'], { side: 'client', serveronly: [] })).rejects.toThrow(/serverOnly/)
  })
})

describe('chaincut/next: withChaincut', () => {
  it('adds the loader to turbopack.rules for browser and server code, never node_modules, keeping existing rules', () => {
    const config = withChaincut({ reactStrictMode: true, turbopack: { rules: { '*.svg': { loaders: ['@svgr/webpack'], as: '*.js' } } } }, { serverOnly: ['stripe'] })
    expect(config.reactStrictMode).toBe(true)
    const rules = config.turbopack!.rules as Record<string, any>
    expect(rules['*.svg']).toEqual({ loaders: ['@svgr/webpack'], as: '*.js' })
    const [client, server] = rules[TURBOPACK_GLOB]
    expect(client.loaders).toEqual([{ loader: LOADER, options: { serverOnly: ['stripe'], side: 'client', report: false } }])
    expect(server.loaders[0].options.side).toBe('server')
    expect(client.condition.all.slice(0, 2)).toEqual(['browser', { not: 'foreign' }])
    expect(server.condition.all.slice(0, 2)).toEqual([{ not: 'browser' }, { not: 'foreign' }])
    const content = client.condition.all[2].content as RegExp
    expect(content.test(`x.handler(fn)`)).toBe(true)
    expect(content.test(`import { db } from './db.server'`)).toBe(true)
    expect(content.test(`import Stripe from 'stripe'`)).toBe(true)
    expect(content.test(`export const a = 1`)).toBe(false)
    // a custom glob or RegExp pattern cannot be prefiltered: every file goes to the loader
    expect(turbopackContentFilter({ serverOnly: [/secret/] })).toBeNull()
  })

  it('puts chaincut/webpack in each Next compiler with the side from isServer, then runs the user\'s webpack hook', () => {
    const seen: string[] = []
    const config = withChaincut({ webpack: (c: any, ctx: any) => (seen.push(ctx.nextRuntime ?? 'browser'), c) })
    const sides: Record<string, string> = {}
    for (const ctx of [{ isServer: false }, { isServer: true, nextRuntime: 'nodejs' as const }, { isServer: true, nextRuntime: 'edge' as const }]) {
      const out = config.webpack!({ plugins: [] }, ctx)
      expect(out.plugins).toHaveLength(1)
      // unplugin's webpack plugin: the side it was made with is in its options
      sides[ctx.nextRuntime ?? 'browser'] = typeof out.plugins[0].apply === 'function' ? 'plugin' : 'none'
    }
    expect(sides).toEqual({ browser: 'plugin', nodejs: 'plugin', edge: 'plugin' })
    expect(seen).toEqual(['browser', 'nodejs', 'edge'])
    expect(() => withChaincut({}, { side: 'browser' as any })).toThrow(/side/)
  })
})
