/**
 * The persistent cache in real `vite build`s of a small app (docs/reference.md "Cache"): a second build reads
 * every module from the cache; a change to a module, to a module a lookup followed (the builder a
 * chain is built on turning into a plain object and back), to the options, or a corrupt entry
 * is a miss, and the secret never reaches the client bundle; `cache: false` writes nothing. A
 * build writes its entries as one pack file; a corrupt pack is a miss.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import chaincut from '../dist/vite.js'
import { writeEdited } from './helpers.js'
import type { ChaincutOptions, ModuleReport } from '../src/types.js'

const SECRET = 'sk_live_CACHE_TEST_SECRET'
const SERVER_ONLY = 'cacheTestServerOnlyTable'

const HEAD_BUILDER = `import { createActions } from 'tailorkit'\nexport const action = createActions().context()\n`
const PLAIN_BUILDER = `export const action = { input: (schema: unknown) => ({ handler: (fn: () => unknown) => ({ schema, fn }) }) }\n`

const FILES: Record<string, string> = {
  'package.json': '{ "name": "cache-app", "type": "module", "dependencies": { "tailorkit": "*" } }\n',
  'runtime/tailorkit.js': `export function createActions() {\n  const b = { calls: [] }\n  for (const m of ['context', 'input', 'output', 'handler']) b[m] = (...args) => { b.calls.push(m); if (m === 'handler') b.fn = args[0]; return b }\n  return b\n}\n`,
  'src/builder.ts': HEAD_BUILDER,
  'src/db.ts': `export const db = { table: '${SERVER_ONLY}' }\n`,
  'src/actions.ts': `import { action } from './builder'\nimport { db } from './db'\nexport const send = action.input('body').handler(async () => '${SECRET}' + db.table)\n`,
  'src/other.ts': `import { action } from './builder'\nexport const ping = action.input('none').handler(async () => 'pong')\n`,
  'src/main.ts': `export * from './actions'\nexport * from './other'\n`,
}

const temps: string[] = []
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true })
})

const write = writeEdited

function app(): string {
  const dir = mkdtempSync(join(tmpdir(), 'chaincut-cache-vite-'))
  temps.push(dir)
  for (const [name, text] of Object.entries(FILES)) write(dir, name, text)
  return dir
}

interface Built {
  code: string
  modules: ModuleReport[]
  /** Module (file name under src/) → read from the cache. */
  cached: Record<string, boolean>
  ms: number
}

async function viteBuild(dir: string, options: ChaincutOptions = {}, alias: Array<{ find: RegExp; replacement: string }> = []): Promise<Built> {
  const report = join(dir, 'report.json')
  rmSync(report, { force: true })
  const started = performance.now()
  await build({
    root: dir,
    configFile: false,
    logLevel: 'silent',
    resolve: { alias: [{ find: /^tailorkit$/, replacement: join(dir, 'runtime/tailorkit.js') }, ...alias] },
    plugins: [chaincut({ report, ...options })],
    build: { outDir: 'dist', emptyOutDir: true, minify: false, lib: { entry: 'src/main.ts', formats: ['es'], fileName: 'main' } },
  })
  const ms = performance.now() - started
  const code = readdirSync(join(dir, 'dist'))
    .filter((f) => f.endsWith('.js'))
    .map((f) => readFileSync(join(dir, 'dist', f), 'utf8'))
    .join('\n')
  const modules: ModuleReport[] = JSON.parse(readFileSync(report, 'utf8')).environments.client
  const cached = Object.fromEntries(modules.filter((m) => m.id.includes('/src/')).map((m) => [m.id.slice(m.id.indexOf('/src/') + 5), m.cached === true]))
  return { code, modules, cached, ms }
}

const folderOf = (dir: string) => join(dir, 'node_modules/.cache/chaincut')
/** The pack files of the app's cache. */
const packs = (dir: string) => (existsSync(folderOf(dir)) ? readdirSync(folderOf(dir)).filter((f) => f.endsWith('.pack')) : [])
/** The entries of the app's cache (a key once per pack that holds it). */
const entries = (dir: string): Array<{ key: string; id: string }> =>
  packs(dir).flatMap((name) => {
    const text = readFileSync(join(folderOf(dir), name), 'utf8')
    return JSON.parse(text.slice(text.indexOf('\n') + 1)).entries
  })

describe('the persistent cache in vite build', () => {
  let dir: string
  let cold: Built
  let warm: Built
  beforeAll(async () => {
    dir = app()
    cold = await viteBuild(dir)
    warm = await viteBuild(dir)
  })

  it('a cold build transforms and stores; the next build reads every module from the cache, with the same output', () => {
    expect(cold.code).not.toContain(SECRET)
    expect(cold.code).not.toContain(SERVER_ONLY)
    expect(Object.values(cold.cached).some(Boolean)).toBe(false)
    expect(entries(dir).length).toBeGreaterThanOrEqual(2)
    // one pack for the build's entries, and nothing else in the folder; the warm build wrote nothing
    expect(packs(dir)).toHaveLength(1)
    expect(readdirSync(folderOf(dir))).toEqual(packs(dir))
    expect(entries(dir).map((e) => e.id.slice(e.id.indexOf('/src/') + 5)).sort()).toEqual(['actions.ts', 'builder.ts', 'other.ts'])
    expect(warm.cached).toEqual({ 'actions.ts': true, 'builder.ts': true, 'other.ts': true })
    expect(warm.code).toBe(cold.code)
    // the hit's report is the transform's
    const strip = (m: ModuleReport) => ({ ...m, time: 0, cpu: 0, cached: undefined })
    expect(warm.modules.map(strip)).toEqual(cold.modules.map(strip))
  })

  it('a change to the module misses for that module only', async () => {
    write(dir, 'src/other.ts', FILES['src/other.ts'].replace("'pong'", "'pong2'"))
    const built = await viteBuild(dir)
    expect(built.cached).toEqual({ 'actions.ts': true, 'builder.ts': true, 'other.ts': false })
    expect(built.code).toContain('handler()')
    expect(built.code).not.toContain('pong2')
    write(dir, 'src/other.ts', FILES['src/other.ts'])
  })

  it('a change to the module a lookup followed: the builder turns into a plain object and back, and the secret never ships', async () => {
    // head → plain object: `.handler` is no longer a chain's, so it stays as written
    write(dir, 'src/builder.ts', PLAIN_BUILDER)
    const plain = await viteBuild(dir)
    expect(plain.cached['actions.ts']).toBe(false)
    expect(plain.code).toContain(SECRET)
    const plainAgain = await viteBuild(dir)
    expect(plainAgain.code).toBe(plain.code)
    expect(plainAgain.cached['actions.ts']).toBe(true) // the null result (nothing to cut) is stored too

    // plain object → head: the entries made with the plain builder must not be used
    write(dir, 'src/builder.ts', HEAD_BUILDER)
    const head = await viteBuild(dir)
    expect(head.code).not.toContain(SECRET)
    expect(head.code).not.toContain(SERVER_ONLY)
    expect(head.cached['actions.ts']).toBe(false)
    expect(head.code).toBe(cold.code)
  })

  it('an import that resolves elsewhere (a bundler alias changed, no file changed) misses', async () => {
    const aliased = app()
    write(aliased, 'src/builder-plain.ts', PLAIN_BUILDER)
    write(aliased, 'src/builder-head.ts', HEAD_BUILDER)
    write(aliased, 'src/actions.ts', FILES['src/actions.ts'].replace("'./builder'", "'@lib/builder'"))
    const to = (file: string) => [{ find: /^@lib\/builder$/, replacement: join(aliased, 'src', file) }]
    const plain = await viteBuild(aliased, {}, to('builder-plain.ts'))
    expect(plain.code).toContain(SECRET)
    expect((await viteBuild(aliased, {}, to('builder-plain.ts'))).cached['actions.ts']).toBe(true)
    const head = await viteBuild(aliased, {}, to('builder-head.ts'))
    expect(head.code).not.toContain(SECRET)
    expect(head.code).not.toContain(SERVER_ONLY)
    expect(head.cached['actions.ts']).toBe(false)
  })

  it('a change to the options misses', async () => {
    const built = await viteBuild(dir, { serverOnly: ['some-server-package'] })
    expect(built.cached).toEqual({ 'actions.ts': false, 'builder.ts': false, 'other.ts': false })
    expect(built.code).not.toContain(SECRET)
    const again = await viteBuild(dir, { serverOnly: ['some-server-package'] })
    expect(again.cached).toEqual({ 'actions.ts': true, 'builder.ts': true, 'other.ts': true })
  })

  it('corrupt packs are misses, and the build is right', async () => {
    expect(packs(dir).length).toBeGreaterThan(1)
    for (const name of packs(dir)) {
      const file = join(folderOf(dir), name)
      const text = readFileSync(file, 'utf8')
      writeFileSync(file, text.slice(0, text.length - 40))
    }
    const built = await viteBuild(dir)
    expect(built.cached).toEqual({ 'actions.ts': false, 'builder.ts': false, 'other.ts': false })
    expect(built.code).toBe(cold.code)
    expect(built.code).not.toContain(SECRET)
    expect(built.code).not.toContain(SERVER_ONLY)
    expect((await viteBuild(dir)).cached).toEqual({ 'actions.ts': true, 'builder.ts': true, 'other.ts': true })
  })

  it('a pack altered in place (the edits dropped, so the secret would stay) no longer matches its hash: a miss', async () => {
    // the hash covers the body: an entry edited in place (its output made to keep the secret) is not read
    for (const name of packs(dir)) {
      const file = join(folderOf(dir), name)
      const text = readFileSync(file, 'utf8')
      writeFileSync(file, text.replace(/"edits":\{/g, '"edits":null,"x":{'))
    }
    const built = await viteBuild(dir)
    expect(built.cached['actions.ts']).toBe(false)
    expect(built.code).not.toContain(SECRET)
    expect(built.code).toBe(cold.code)
  })

  it('cache: false reads and writes nothing', async () => {
    const fresh = app()
    const built = await viteBuild(fresh, { cache: false })
    expect(built.code).not.toContain(SECRET)
    expect(existsSync(join(fresh, 'node_modules/.cache/chaincut'))).toBe(false)
    // nor does it read what a build with the cache on stored
    await viteBuild(fresh)
    expect(entries(fresh).length).toBeGreaterThan(0)
    expect(Object.values((await viteBuild(fresh, { cache: false })).cached).some(Boolean)).toBe(false)
  })
})

describe('the summary of a build served from the cache', () => {
  it('counts the modules it parsed apart from those that came from the cache', async () => {
    const { BuildReport } = await import('../src/report/json.js')
    const report = new BuildReport()
    const module = (id: string, cached: boolean) =>
      ({ id, side: 'client', cuts: [], desugared: [], removedImports: [], removedDeclarations: [], findings: [], notChains: [], dependencies: [], resolutions: [], time: 1, ...(cached ? { cached: true } : {}) }) as ModuleReport
    report.add('client', module('/app/a.ts', true))
    report.add('client', module('/app/b.ts', true))
    report.add('client', module('/app/c.ts', false))
    const text = report.format('client', '/app')
    expect(text).toMatch(/modules parsed\s+1\n/)
    expect(text).toMatch(/from the cache\s+2 of 3 modules/)
  })
})

describe('the JSON report of two builds', () => {
  it('keeps the client environment a separate process wrote when the server build writes the same file', async () => {
    const { BuildReport } = await import('../src/report/json.js')
    const dir = mkdtempSync(join(tmpdir(), 'chaincut-report-'))
    try {
      const module = (id: string, side: 'client' | 'server') =>
        ({ id, side, cuts: [], desugared: [], removedImports: [], removedDeclarations: [], findings: [], notChains: [], unknowns: [], families: [], dependencies: [], resolutions: [], time: 1 }) as ModuleReport
      // `vite build`, then `vite build --ssr`: two processes, two reports, one file
      const client = new BuildReport()
      client.add('client', module('/app/a.ts', 'client'))
      client.write('report.json', dir)
      const server = new BuildReport()
      server.add('ssr', module('/app/a.ts', 'server'))
      server.write('report.json', dir)
      const written = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'))
      expect(Object.keys(written.environments).sort()).toEqual(['client', 'ssr'])
      // a rebuild of one side replaces that side only
      const again = new BuildReport()
      again.add('client', module('/app/b.ts', 'client'))
      again.write('report.json', dir)
      const rewritten = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'))
      expect(rewritten.environments.client.map((m: ModuleReport) => m.id)).toEqual(['/app/b.ts'])
      expect(rewritten.environments.ssr.map((m: ModuleReport) => m.id)).toEqual(['/app/a.ts'])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
