/**
 * The persistent cache's store (src/core/disk-cache.ts) on real files in temp folders: hits
 * round-trip a real transform's result, every recorded input is checked, corrupt entries are
 * misses, writes are atomic under concurrent builds, and the folder is pruned.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { defaultResolve } from '../src/core/modules.js'
import { cacheDir, cachedTransform, chaincutVersion, DiskCache, openCache, optionsFingerprint, type TransformInputs } from '../src/core/disk-cache.js'
import { transform } from '../src/core/transform.js'
import { EDITS } from '../src/core/emit.js'
import type { ModuleReport, TransformResult } from '../src/types.js'
import { ROOT, writeEdited } from './helpers.js'

const temps: string[] = []
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true })
})

/** Files written with an mtime a minute ago: edited before the build, as a real app's files are. */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'chaincut-cache-'))
  temps.push(dir)
  for (const [name, text] of Object.entries(files)) write(dir, name, text)
  return dir
}

const write = writeEdited

const ROOT_TS = `import { Point0 } from '@point0/core'\nexport const root = Point0.lets.root('main').root()\n`
const POINTS_TS = `import { root } from './root'\nimport { db } from './db.server'\nexport const listAction = root.lets('GET', '/api/list').loader(() => db.secretQuery()).action()\n`

async function realResult(dir: string): Promise<{ code: string; id: string; result: TransformResult; report: ModuleReport; inputs: TransformInputs }> {
  const id = join(dir, 'src/points.ts')
  const code = readFileSync(id, 'utf8')
  let report: ModuleReport | undefined
  const result = await transform(code, id, { side: 'client', onReport: (r) => (report = r) })
  expect(result).not.toBeNull()
  expect(result!.code).not.toContain('secretQuery')
  // what the core reports it used: the module it followed `root` into, and that import
  expect(result!.inputs).toEqual({ files: [join(dir, 'src/root.ts')], resolutions: [{ source: './root', importer: id, file: join(dir, 'src/root.ts') }] })
  // and, as if a package had been judged, the app's package.json
  const inputs: TransformInputs = { files: [...result!.inputs.files, join(dir, 'package.json')], resolutions: result!.inputs.resolutions }
  return { code, id, result: result!, report: report!, inputs }
}

const resolve = async (source: string, importer: string) => (await defaultResolve(source, importer)) ?? null
const keyOf = (disk: DiskCache, id: string, code: string, side: 'client' | 'server' = 'client') =>
  disk.key({ options: optionsFingerprint({})!, side, environment: side, id, code })

describe('DiskCache', () => {
  let dir: string
  let disk: DiskCache
  beforeEach(() => {
    dir = project({ 'package.json': '{"name":"app","dependencies":{"@point0/core":"*"}}', 'src/root.ts': ROOT_TS, 'src/points.ts': POINTS_TS, 'src/db.server.ts': 'export const db = {}\n' })
    disk = new DiskCache({ dir: cacheDir(dir) })
  })

  /** A real result stored as a build would: its key and the entry's file. */
  async function stored() {
    const r = await realResult(dir)
    const key = keyOf(disk, r.id, r.code)
    disk.set(key, r.id, r.code, r.result, r.report, r.inputs, Date.now())
    await disk.flush()
    expect(disk.stats.writes).toBe(1)
    return { ...r, key, file: join(cacheDir(dir), `${key}.json`) }
  }

  it('stores a real result and gives it back: code, map with its methods, report', async () => {
    const { code, id, result, report, inputs } = await realResult(dir)
    const key = keyOf(disk, id, code)
    expect(await disk.get(key, code, resolve)).toBeUndefined()
    disk.set(key, id, code, result, report, inputs, Date.now())
    await disk.flush()
    expect(disk.stats.writes).toBe(1)
    const entries = readdirSync(cacheDir(dir)).filter((f) => f.endsWith('.json'))
    expect(entries).toHaveLength(1)
    // the entry holds the edits, not the output and its map: a cold build builds no map for it
    const stored = readFileSync(join(cacheDir(dir), entries[0]), 'utf8')
    expect(stored).toContain('"edits"')
    expect(stored).not.toContain('"mappings"')

    const fresh = new DiskCache({ dir: cacheDir(dir) }) // another build
    const hit = await fresh.get(key, code, resolve)
    expect(fresh.stats).toMatchObject({ hits: 1, misses: 0 })
    expect(hit!.result!.code).toBe(result.code)
    expect(hit!.result!.map.mappings).toBe(result.map.mappings)
    expect(hit!.result!.map.sourcesContent).toEqual(result.map.sourcesContent)
    expect(JSON.parse(hit!.result!.map.toString())).toEqual(JSON.parse(JSON.stringify(result.map)))
    expect(hit!.result!.map.toUrl()).toMatch(/^data:application\/json;charset=utf-8;base64,/)
    expect(hit!.report.cuts).toEqual(report.cuts)
    expect(hit!.report.dependencies).toEqual(report.dependencies)
  })

  it('stores a null result (analysed, nothing to do) with its report', async () => {
    const id = join(dir, 'src/plain.ts')
    const code = `export const x = { loader: () => 1 }\nx.loader()\n`
    const report = { id, side: 'client', cuts: [], desugared: [], removedImports: [], removedDeclarations: [], findings: [], notChains: [], dependencies: [], time: 3 } as ModuleReport
    const key = keyOf(disk, id, code)
    disk.set(key, id, code, null, report, { files: [], resolutions: [] }, Date.now())
    await disk.flush()
    const hit = await new DiskCache({ dir: cacheDir(dir) }).get(key, code, resolve)
    expect(hit).toEqual({ result: null, report: { ...report, time: 0 } })
  })

  describe('a recorded input that changed is a miss', () => {
    it('the content of a followed module (same size, older mtime)', async () => {
      const { key, code } = await stored()
      const before = readFileSync(join(dir, 'src/root.ts'), 'utf8')
      const after = before.replace("'main'", "'mai2'")
      expect(after.length).toBe(before.length)
      write(dir, 'src/root.ts', after)
      expect(await new DiskCache({ dir: cacheDir(dir) }).get(key, code, resolve)).toBeUndefined()
      write(dir, 'src/root.ts', before)
      expect(await new DiskCache({ dir: cacheDir(dir) }).get(key, code, resolve)).toBeDefined()
    })

    it('a read file that is gone', async () => {
      const { key, code } = await stored()
      rmSync(join(dir, 'package.json'))
      expect(await new DiskCache({ dir: cacheDir(dir) }).get(key, code, resolve)).toBeUndefined()
    })

    it('a file the transform read that is gone before the entry is written: not stored', async () => {
      const { id, code, result, report } = await realResult(dir)
      const key = keyOf(disk, id, code)
      disk.set(key, id, code, result, report, { files: [join(dir, 'src/missing.ts')], resolutions: [] }, Date.now())
      await disk.flush()
      expect(disk.stats).toMatchObject({ writes: 0, unsafe: 1 })
      expect(await new DiskCache({ dir: cacheDir(dir) }).get(key, code, resolve)).toBeUndefined()
    })

    it('a resolution: a new file that now wins, or a resolver (bundler alias) that answers otherwise', async () => {
      const { key, code } = await stored()
      expect(await new DiskCache({ dir: cacheDir(dir) }).get(key, code, resolve)).toBeDefined()
      // `./root` now resolves to a folder's index? no: a file with a preferred extension is not it; an alias is
      const aliased = async (source: string, importer: string) => (source === './root' ? join(dir, 'src/db.server.ts') : resolve(source, importer))
      expect(await new DiskCache({ dir: cacheDir(dir) }).get(key, code, aliased)).toBeUndefined()
      rmSync(join(dir, 'src/root.ts'))
      write(dir, 'src/root/index.ts', ROOT_TS)
      expect(await new DiskCache({ dir: cacheDir(dir) }).get(key, code, resolve)).toBeUndefined()
    })

    it('a resolver that throws', async () => {
      const { key, code } = await stored()
      const broken = async () => {
        throw new Error('resolver down')
      }
      expect(await new DiskCache({ dir: cacheDir(dir) }).get(key, code, broken)).toBeUndefined()
    })

    it('the module text under the same key', async () => {
      const { key, code } = await stored()
      expect(await new DiskCache({ dir: cacheDir(dir) }).get(key, code + ' ', resolve)).toBeUndefined()
    })
  })

  it('keys differ by text, id, side, environment, options and chaincut version', async () => {
    const parts = { options: optionsFingerprint({})!, side: 'client' as const, environment: 'client', id: '/a.ts', code: 'x' }
    const base = disk.key(parts)
    expect(disk.key({ ...parts })).toBe(base)
    for (const change of [{ code: 'y' }, { id: '/b.ts' }, { side: 'server' as const }, { environment: 'ssr' }, { options: optionsFingerprint({ onUnsafe: 'warn' })! }]) {
      expect(disk.key({ ...parts, ...change })).not.toBe(base)
    }
    expect(new DiskCache({ dir: cacheDir(dir), version: '0.1.1' }).key(parts)).not.toBe(new DiskCache({ dir: cacheDir(dir), version: '0.1.0' }).key(parts))
  })

  it('a new chaincut version misses what the old one stored', async () => {
    const { code, id, result, report, inputs } = await realResult(dir)
    const old = new DiskCache({ dir: cacheDir(dir), version: '0.1.0+aaaa' })
    old.set(keyOf(old, id, code), id, code, result, report, inputs, Date.now())
    await old.flush()
    expect(await new DiskCache({ dir: cacheDir(dir), version: '0.1.0+aaaa' }).get(keyOf(old, id, code), code, resolve)).toBeDefined()
    const next = new DiskCache({ dir: cacheDir(dir), version: '0.2.0+aaaa' })
    expect(await next.get(keyOf(next, id, code), code, resolve)).toBeUndefined()
    const patched = new DiskCache({ dir: cacheDir(dir), version: '0.1.0+bbbb' })
    expect(await patched.get(keyOf(patched, id, code), code, resolve)).toBeUndefined()
  })

  it("chaincut's version: package.json's and a hash of its own code", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
    expect(chaincutVersion()).toMatch(new RegExp(`^${pkg.version.replace(/\./g, '\\.')}\\+[0-9a-f]{16}$`))
  })

  it('a file modified after the transform started: the result is not stored', async () => {
    const { code, id, result, report, inputs } = await realResult(dir)
    const started = Date.now()
    writeFileSync(join(dir, 'src/root.ts'), ROOT_TS.replace('root()', 'root() ')) // now: during the transform
    disk.set(keyOf(disk, id, code), id, code, result, report, inputs, started)
    await disk.flush()
    expect(disk.stats).toMatchObject({ writes: 0, unsafe: 1 })
    expect(await new DiskCache({ dir: cacheDir(dir) }).get(keyOf(disk, id, code), code, resolve)).toBeUndefined()
  })

  describe('a corrupt entry is a miss', () => {    const cases: Array<[string, (text: string) => string]> = [
      ['truncated', (t) => t.slice(0, Math.floor(t.length / 2))],
      ['empty', () => ''],
      ['a byte of the body changed', (t) => t.replace('"edits"', '"editz"')],
      ['not JSON under a matching hash', () => `chaincut-cache 2 ${'0'.repeat(64)}\n{`],
      ['another format', (t) => t.replace(/^chaincut-cache 2 /, 'chaincut-cache 9 ')],
      ['binary garbage', () => '\u0000\uffff'.repeat(100)],
    ]
    for (const [name, corrupt] of cases) {
      it(name, async () => {
        const { key, code, file, id, result, report, inputs } = await stored()
        writeFileSync(file, corrupt(readFileSync(file, 'utf8')))
        const reader = new DiskCache({ dir: cacheDir(dir) })
        expect(await reader.get(key, code, resolve)).toBeUndefined()
        expect(reader.stats.misses).toBe(1)
        // and the next write replaces it
        reader.set(key, id, code, result, report, inputs, Date.now())
        await reader.flush()
        expect(await new DiskCache({ dir: cacheDir(dir) }).get(key, code, resolve)).toBeDefined()
      })
    }

    it('a body with a valid hash but the wrong shape', async () => {
      const { key, code, file } = await stored()
      const { createHash } = await import('node:crypto')
      const body = JSON.stringify({ format: 2, key, codeHash: 'x', files: 'nope' })
      writeFileSync(file, `chaincut-cache 2 ${createHash('sha256').update(body).digest('hex')}\n${body}`)
      expect(await new DiskCache({ dir: cacheDir(dir) }).get(key, code, resolve)).toBeUndefined()
    })
  })

  it('prunes the least recently used entries past the bound, and old temp files', async () => {
    const writer = new DiskCache({ dir: cacheDir(dir) })
    const small = new DiskCache({ dir: cacheDir(dir), maxEntries: 10 })
    const report = { id: 'x', side: 'client', cuts: [], desugared: [], removedImports: [], removedDeclarations: [], findings: [], notChains: [], dependencies: [], time: 0 } as ModuleReport
    const keys: string[] = []
    for (let i = 0; i < 12; i++) {
      const key = keyOf(writer, `/m${i}.ts`, String(i))
      keys.push(key)
      writer.set(key, `/m${i}.ts`, String(i), null, report, { files: [], resolutions: [] }, Date.now())
      await writer.flush()
      // m0 the least recently used, m11 the most
      const t = Date.now() / 1000 - 3600 * 2 - (12 - i) * 60
      utimesSync(join(cacheDir(dir), `${key}.json`), t, t)
    }
    writeFileSync(join(cacheDir(dir), '.123-dead.tmp'), 'partial')
    utimesSync(join(cacheDir(dir), '.123-dead.tmp'), Date.now() / 1000 - 7200, Date.now() / 1000 - 7200)
    writeFileSync(join(cacheDir(dir), '.456-live.tmp'), 'being written')
    // a hit refreshes an old entry: m0 becomes the most recently used
    expect(await small.get(keys[0], '0', resolve)).toBeDefined()
    await small.prune()
    const left = readdirSync(cacheDir(dir))
    const entries = left.filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5))
    expect(entries.length).toBe(8) // pruned to 80% of the bound
    expect(entries).toContain(keys[0])
    for (const i of [1, 2, 3, 4]) expect(entries).not.toContain(keys[i])
    for (const i of [5, 6, 7, 8, 9, 10, 11]) expect(entries).toContain(keys[i])
    expect(left).not.toContain('.123-dead.tmp')
    expect(left).toContain('.456-live.tmp')
  })

  it('prunes by bytes', async () => {
    const bounded = new DiskCache({ dir: cacheDir(dir), maxBytes: 20_000 })
    const report = { id: 'x', side: 'client', cuts: [], desugared: [], removedImports: [], removedDeclarations: [], findings: [], notChains: [], dependencies: [], time: 0 } as ModuleReport
    for (let i = 0; i < 10; i++) {
      const code = 'x'.repeat(3000) + i
      // an output is stored as the edits that make it from the module's text
      const result = { code: 'y'.repeat(1500), map: undefined as never, report, [EDITS]: { edits: [[0, code.length, 'y'.repeat(1500), 'cut']], redact: false } } as unknown as TransformResult
      bounded.set(keyOf(bounded, `/m${i}.ts`, code), `/m${i}.ts`, code, result, report, { files: [], resolutions: [] }, Date.now())
    }
    await bounded.flush() // it wrote: it prunes
    const sizes = readdirSync(cacheDir(dir)).map((f) => readFileSync(join(cacheDir(dir), f)).length)
    expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(16_000)
    expect(sizes.length).toBeGreaterThan(0)
  })

  it('a folder that cannot be written: no entry, no error', async () => {
    const file = join(dir, 'not-a-folder')
    writeFileSync(file, '')
    const broken = new DiskCache({ dir: join(file, 'cache') })
    const { code, id, result, report, inputs } = await realResult(dir)
    broken.set(keyOf(broken, id, code), id, code, result, report, inputs, Date.now())
    await broken.flush()
    expect(broken.stats).toMatchObject({ writes: 0, errors: 1 })
    expect(await broken.get(keyOf(broken, id, code), code, resolve)).toBeUndefined()
  })
})

describe('options fingerprint', () => {
  it('is stable under key order and tells RegExps, strings and presets apart', () => {
    expect(optionsFingerprint({ serverOnly: ['a'], onUnsafe: 'warn' })).toBe(optionsFingerprint({ onUnsafe: 'warn', serverOnly: ['a'] }))
    expect(optionsFingerprint({ serverOnly: [/a/] })).not.toBe(optionsFingerprint({ serverOnly: ['/a/'] }))
    expect(optionsFingerprint({ serverOnly: [/a/i] })).not.toBe(optionsFingerprint({ serverOnly: [/a/] }))
    expect(optionsFingerprint({ presets: ['point0'] })).not.toBe(optionsFingerprint({}))
    // what does not change a result is not in it
    expect(optionsFingerprint({ report: 'r.json', cache: true })).toBe(optionsFingerprint({}))
  })

  it('a custom family is fingerprinted by its data', () => {
    const family = (rule: 'args' | 'keep') => ({ name: 'mine', heads: [{ import: 'make', from: 'mine' }], segments: { run: { client: rule } } })
    expect(optionsFingerprint({ chains: [family('args')] })).toBe(optionsFingerprint({ chains: [family('args')] }))
    expect(optionsFingerprint({ chains: [family('args')] })).not.toBe(optionsFingerprint({ chains: [family('keep')] }))
  })

  it('options that cannot be serialized turn the cache off', () => {
    const withFunction = { chains: [{ name: 'f', heads: [], segments: {}, extra: () => 1 }] } as never
    expect(optionsFingerprint(withFunction)).toBeNull()
    const cyclic: Record<string, unknown> = { name: 'c', heads: [], segments: {} }
    cyclic.self = cyclic
    expect(optionsFingerprint({ chains: [cyclic] } as never)).toBeNull()
    expect(optionsFingerprint({ serverOnly: [new (class Pattern {})() as never] })).toBeNull()
    expect(openCache('/tmp', withFunction)).toEqual({ off: expect.stringContaining('cannot be fingerprinted') })
    expect(openCache('/tmp', { cache: false })).toEqual({ off: 'cache: false' })
    expect(openCache('/tmp', {})).toMatchObject({ disk: { dir: join('/tmp', 'node_modules', '.cache', 'chaincut') } })
  })
})

describe('concurrent builds writing one folder', () => {
  it('never leave a corrupt entry: every read is a miss or the whole entry', async () => {
    const dist = join(ROOT, 'dist/core/disk-cache.js')
    if (!existsSync(dist)) throw new Error('npm run build first: the writers run dist/core/disk-cache.js')
    const dir = project({ 'dep.ts': 'export const x = 1\n' })
    const script = `
      import { DiskCache } from ${JSON.stringify(pathToFileURL(dist).href)}
      import { EDITS } from ${JSON.stringify(pathToFileURL(join(ROOT, 'dist/core/emit.js')).href)}
      const [dir, dep, writer] = process.argv.slice(1)
      const disk = new DiskCache({ dir, version: 'test', maxEntries: 40 })
      const report = { id: 'm', side: 'client', cuts: [], desugared: [], removedImports: [], removedDeclarations: [], findings: [], notChains: [], dependencies: [], time: 0 }
      let hits = 0, misses = 0, bad = 0
      for (let round = 0; round < 40; round++) {
        for (let k = 0; k < 5; k++) {
          const id = '/m' + k + '.ts', code = 'const m = ' + k
          const key = disk.key({ options: 'o', side: 'client', environment: 'client', id, code })
          const hit = await disk.get(key, code, async () => null)
          if (!hit) { misses++ } else if (hit.result.code !== 'cut ' + k + ' '.repeat(5000)) { bad++ } else hits++
          const out = 'cut ' + k + ' '.repeat(5000)
          disk.set(key, id, code, { code: out, report, [EDITS]: { edits: [[0, code.length, out, 'cut']], redact: false } }, report, { files: [dep], resolutions: [] }, Date.now())
        }
        await disk.flush()
      }
      process.stdout.write(JSON.stringify({ hits, misses, bad, errors: disk.stats.errors }))
    `
    const runs = await Promise.all(
      [0, 1, 2, 3].map(
        (writer) =>
          new Promise<{ hits: number; misses: number; bad: number; errors: number }>((done, fail) => {
            const child = spawn(process.execPath, ['--input-type=module', '-e', script, cacheDir(dir), join(dir, 'dep.ts'), String(writer)])
            let out = ''
            let err = ''
            child.stdout.on('data', (d) => (out += d))
            child.stderr.on('data', (d) => (err += d))
            child.on('close', (code) => (code === 0 ? done(JSON.parse(out)) : fail(new Error(err))))
          }),
      ),
    )
    for (const run of runs) {
      expect(run.bad).toBe(0)
      expect(run.errors).toBe(0)
      expect(run.hits).toBeGreaterThan(150) // 200 reads, the first few miss
    }
    expect(readdirSync(cacheDir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })
})

describe('cachedTransform', () => {
  const manifest = JSON.stringify({ name: 'app', dependencies: { '@point0/engine': '^0.3.0', '@point0/core': '*' } })
  const page = `import { root } from './root'\nexport const homePage = root.lets('page', 'home', '/').loader(() => 'LOADER_SECRET').page(() => 'HOME_RENDER')\n`

  async function run(dir: string, open: ReturnType<typeof openCache>, side: 'client' | 'server' = 'server') {
    if ('off' in open) throw new Error(open.off)
    const id = join(dir, 'src/home.ts')
    const reports: ModuleReport[] = []
    const result = await cachedTransform(open, page, id, { side, onReport: (r) => reports.push(r) }, { environment: side, resolve })
    await open.disk.flush()
    return { result, report: reports[0] }
  }

  it('stores a result with the inputs the core reports, and a hit reports like the transform', async () => {
    const dir = project({ 'package.json': manifest, 'src/root.ts': ROOT_TS, 'src/engine.ts': `import { Engine } from '@point0/engine'\nexport const engine = Engine.create({ ssr: false })\n` })
    const first = await run(dir, openCache(dir, {}), 'client')
    expect(first.result!.code).not.toContain('LOADER_SECRET')
    const second = await run(dir, openCache(dir, {}), 'client')
    expect(second.report.cached).toBe(true)
    expect(second.result!.code).toBe(first.result!.code)
    expect({ ...second.report, time: 0, cached: undefined }).toEqual({ ...first.report, time: 0 })
  })

  it('does not store a server result whose server rendering came from a scan of the app (a new file could change it)', async () => {
    const dir = project({ 'package.json': manifest, 'src/root.ts': ROOT_TS, 'src/engine.ts': `import { Engine } from '@point0/engine'\nexport const engine = Engine.create({ ssr: false })\n` })
    const open = openCache(dir, {})
    const { result, report } = await run(dir, open)
    expect(report.serverRendering).toMatchObject({ ssr: false, from: expect.stringContaining('engine.ts') })
    expect(result!.code).not.toContain('HOME_RENDER')
    expect((open as { disk: DiskCache }).disk.stats.writes).toBe(0)
    // the engine set where the chain comes from: no scan, stored
    const followed = project({ 'package.json': manifest, 'src/root.ts': ROOT_TS + `import { Engine } from '@point0/engine'\nexport const engine = Engine.create({ ssr: false })\n` })
    const again = openCache(followed, {})
    const second = await run(followed, again)
    expect(second.report.serverRendering?.from).toContain('root.ts')
    expect((again as { disk: DiskCache }).disk.stats.writes).toBe(1)
  })

  it("an install (the package manager's record in node_modules) changes every key", () => {
    const dir = project({ 'node_modules/.package-lock.json': '{"packages":{}}' })
    const before = openCache(dir, {}) as { options: string }
    expect((openCache(dir, {}) as { options: string }).options).toBe(before.options)
    write(dir, 'node_modules/.package-lock.json', '{"packages":{"node_modules/x":{}}}')
    expect((openCache(dir, {}) as { options: string }).options).not.toBe(before.options)
  })
})
