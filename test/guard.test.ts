/**
 * The import guard (SPEC 7.2) in real Vite builds: a server-only module that
 * survives cutting in the client graph fails the build, naming the importer,
 * the line, the rule and the chain of importers; one used only inside a cut
 * segment does not.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { build } from 'vite'
import { afterEach, describe, expect, it } from 'vitest'
import chaincut from '../dist/vite.js'

let dirs: string[] = []
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
  dirs = []
})

function app(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'chaincut-guard-'))
  dirs.push(dir)
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, f)), { recursive: true })
    writeFileSync(join(dir, f), text)
  }
  return dir
}

const POINT0 = `export const Point0 = { lets: Object.assign((...a) => new Proxy({}, { get: (_, p) => () => Point0.lets() }), {}) }\n`

async function buildClient(dir: string, options: Parameters<typeof chaincut>[0] = {}, ssr = false) {
  return build({
    root: dir,
    configFile: false,
    logLevel: 'silent',
    resolve: { alias: [{ find: '@point0/core', replacement: join(dir, 'point0.js') }, { find: '@', replacement: join(dir, 'src') }] },
    plugins: [chaincut({ report: false, ...options })],
    build: ssr
      ? { outDir: 'dist/server', ssr: 'src/entry.ts' }
      : { outDir: 'dist/client', lib: { entry: 'src/entry.ts', formats: ['es'], fileName: 'client' } },
  })
}

const failure = (p: Promise<unknown>) => p.then(() => null, (e: Error) => e)

describe('import guard', () => {
  it('fails the client build when kept code imports a secrets.server.ts module', async () => {
    const dir = app({
      'point0.js': POINT0,
      'src/secrets.server.ts': `export const apiKey = 'sk_live_GUARD_1'\n`,
      'src/ideas.ts': `import { Point0 } from '@point0/core'\nimport { apiKey } from './secrets.server'\n\nexport const idea = Point0.lets('GET', '/x').loader(() => 1).action()\nexport const leaked = () => apiKey\n`,
      'src/entry.ts': `export * from './ideas'\n`,
    })
    const error = await failure(buildClient(dir))
    expect(error).not.toBeNull()
    expect(error!.message).toContain('src/ideas.ts:2:')
    expect(error!.message).toContain('./secrets.server')
    expect(error!.message).toContain('*.server.* file')
    expect(error!.message).toMatch(/imported through: .*entry\.ts → .*ideas\.ts/)
    expect(error!.message).toContain('hint:')
  })

  it('lets the build pass when the server-only import is used only inside a cut segment', async () => {
    const dir = app({
      'point0.js': POINT0,
      'src/secrets.server.ts': `export const apiKey = 'sk_live_GUARD_2'\n`,
      'src/ideas.ts': `import { Point0 } from '@point0/core'\nimport { apiKey } from './secrets.server'\n\nexport const idea = Point0.lets('GET', '/x').loader(() => apiKey).action()\n`,
      'src/entry.ts': `export * from './ideas'\n`,
    })
    await expect(buildClient(dir)).resolves.toBeDefined()
    // and the server build keeps it
    await expect(buildClient(dir, {}, true)).resolves.toBeDefined()
  })

  it('catches a server-only file reached through an alias', async () => {
    const dir = app({
      'point0.js': POINT0,
      'src/db.server.ts': `export const db = 'postgres://guard'\n`,
      'src/view.ts': `import { db } from '@/db.server'\nexport const show = () => db\n`,
      'src/entry.ts': `export { show } from './view'\n`,
    })
    const error = await failure(buildClient(dir))
    expect(error?.message).toContain('db.server')
    expect(error?.message).toContain('src/view.ts:1:')
  })

  it('treats a module that imports the server-only marker as server-only', async () => {
    const dir = app({
      'point0.js': POINT0,
      'src/vault.ts': `import 'server-only'\nexport const vault = 'GUARD_VAULT'\n`,
      'src/entry.ts': `import { vault } from './vault'\nexport const v = vault\n`,
    })
    const error = await failure(buildClient(dir))
    expect(error?.message).toContain('src/vault.ts:1:')
    expect(error?.message).toContain('"server-only" marker')
    expect(error?.message).toMatch(/entry\.ts → .*vault\.ts/)
  })

  it('applies serverOnly patterns from the options (package names and RegExps)', async () => {
    const dir = app({
      'point0.js': POINT0,
      'src/entry.ts': `import { readFileSync } from 'node:fs'\nexport const read = () => readFileSync\n`,
    })
    const error = await failure(buildClient(dir, { serverOnly: [/^node:/] }))
    expect(error?.message).toContain('serverOnly pattern /^node:/')
    const pass = await failure(buildClient(dir))
    expect(pass?.message ?? '').not.toContain('chaincut')
  })

  it('guards the server build against client-only modules (the mirror)', async () => {
    const dir = app({
      'point0.js': POINT0,
      'src/widget.client.ts': `export const widget = () => 'window-only'\n`,
      'src/entry.ts': `import { widget } from './widget.client'\nexport const w = widget\n`,
    })
    const error = await failure(buildClient(dir, {}, true))
    expect(error?.message).toContain('client-only module "./widget.client"')
    await expect(buildClient(dir)).resolves.toBeDefined()
  })

  it("reports instead of failing with onUnsafe: 'warn'", async () => {
    const dir = app({
      'point0.js': POINT0,
      'src/secrets.server.ts': `export const apiKey = 'sk_live_GUARD_3'\n`,
      'src/entry.ts': `import { apiKey } from './secrets.server'\nexport const k = apiKey\n`,
    })
    await expect(buildClient(dir, { onUnsafe: 'warn' })).resolves.toBeDefined()
  })
})
