/**
 * The persistent cache's store (src/cache/disk-cache.ts) on real files in temp folders: hits
 * round-trip a real transform's result, every recorded input is checked, corrupt packs are
 * misses, packs are written atomically under concurrent builds, and the folder is compacted.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createHash } from 'node:crypto'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { defaultResolve, ModuleCache } from '../src/js/modules.js'
import { ChaincutError } from '../src/findings/errors.js'
import { cacheDir, cachedTransform, chaincutVersion, DiskCache, openCache, optionsFingerprint, type TransformInputs } from '../src/cache/disk-cache.js'
import { transform } from '../src/pipeline/transform.js'
import { EDITS } from '../src/rewrite/emit.js'
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
  // what the core reports it used: the module it followed `root` into, that import, and the app's
  // package.json (which families count in the module)
  expect(result!.inputs).toEqual({ files: [join(dir, 'src/root.ts'), join(dir, 'package.json')], resolutions: [{ source: './root', importer: id, file: join(dir, 'src/root.ts') }] })
  const inputs: TransformInputs = { files: result!.inputs.files, resolutions: result!.inputs.resolutions }
  return { code, id, result: result!, report: report!, inputs }
}

/** The pack files of a cache folder. */
const packs = (folder: string) => (existsSync(folder) ? readdirSync(folder).filter((f) => f.endsWith('.pack')) : [])
/** The entries of every pack of a cache folder (a key twice if two packs hold it). */
const packed = (folder: string): Array<{ key: string; id: string; created: number; used?: number }> =>
  packs(folder).flatMap((name) => {
    const text = readFileSync(join(folder, name), 'utf8')
    return JSON.parse(text.slice(text.indexOf('\n') + 1)).entries
  })
/** A pack file as chaincut writes it, from its body. */
const packText = (body: string) => `chaincut-cache 3 ${createHash('sha256').update(body).digest('hex')}\n${body}`
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms))
const nullReport = { id: 'x', side: 'client', cuts: [], desugared: [], removedImports: [], removedDeclarations: [], findings: [], notChains: [], dependencies: [], time: 0 } as unknown as ModuleReport

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

  /** A real result stored as a build would: its key and the pack it was written to. */
  async function stored() {
    const r = await realResult(dir)
    const key = keyOf(disk, r.id, r.code)
    disk.set(key, r.id, r.code, r.result, r.report, r.inputs, Date.now())
    await disk.flush()
    expect(disk.stats.writes).toBe(1)
    expect(packs(cacheDir(dir))).toHaveLength(1)
    return { ...r, key, file: join(cacheDir(dir), packs(cacheDir(dir))[0]) }
  }

  it('stores a real result and gives it back: code, map with its methods, report', async () => {
    const { code, id, result, report, inputs } = await realResult(dir)
    const key = keyOf(disk, id, code)
    expect(await disk.get(key, code, resolve)).toBeUndefined()
    disk.set(key, id, code, result, report, inputs, Date.now())
    await disk.flush()
    expect(disk.stats.writes).toBe(1)
    // one pack, nothing else
    expect(readdirSync(cacheDir(dir))).toEqual(packs(cacheDir(dir)))
    expect(packed(cacheDir(dir)).map((e) => e.key)).toEqual([key])
    // the entry holds the edits, not the output and its map: a cold build builds no map for it
    const stored = readFileSync(join(cacheDir(dir), packs(cacheDir(dir))[0]), 'utf8')
    expect(stored).toMatch(/^chaincut-cache 3 [0-9a-f]{64}\n\{/)
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

  describe('a corrupt pack is a miss', () => {
    const cases: Array<[string, (text: string) => string]> = [
      ['truncated', (t) => t.slice(0, Math.floor(t.length / 2))],
      ['the last bytes cut', (t) => t.slice(0, t.length - 2)],
      ['empty', () => ''],
      ['a byte of the body changed', (t) => t.replace('"edits"', '"editz"')],
      ['a wrong hash', (t) => t.replace(/^chaincut-cache 3 [0-9a-f]/, (m) => m.slice(0, -1) + (m.endsWith('0') ? '1' : '0'))],
      ['not JSON under a matching hash', () => packText('{')],
      ['entries that are not a list', () => packText('{"format":3,"entries":{}}')],
      ['another format', (t) => t.replace(/^chaincut-cache 3 /, 'chaincut-cache 9 ')],
      ['the old format (one entry per file)', (t) => t.replace(/^chaincut-cache 3 /, 'chaincut-cache 2 ')],
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

    it('an entry with a valid hash but the wrong shape', async () => {
      const { key, code, file } = await stored()
      const text = readFileSync(file, 'utf8')
      const entry = JSON.parse(text.slice(text.indexOf('\n') + 1)).entries[0]
      const variants = [
        { format: 3, key, codeHash: 'x', files: 'nope' },
        { ...entry, files: 'nope' },
        { ...entry, resolutions: [{ source: 1 }] },
        { ...entry, edits: { redact: false, edits: [[0, code.length + 1, 'x', 'cut']] } }, // past the module's end
        { ...entry, report: null },
        { ...entry, format: 2 },
        { ...entry, codeHash: createHash('sha256').update(code + ' ').digest('hex') },
        { ...entry, key: 'another' },
      ]
      for (const variant of variants) {
        writeFileSync(file, packText(JSON.stringify({ format: 3, entries: [variant] })))
        expect(await new DiskCache({ dir: cacheDir(dir) }).get(key, code, resolve)).toBeUndefined()
      }
      // the entry as it was, in the same wrapping: a hit
      writeFileSync(file, packText(JSON.stringify({ format: 3, entries: [entry] })))
      expect(await new DiskCache({ dir: cacheDir(dir) }).get(key, code, resolve)).toBeDefined()
    })

    it('a corrupt pack is ignored whole; the entries of the other packs still hit', async () => {
      const { key, code, file } = await stored()
      const other = new DiskCache({ dir: cacheDir(dir) })
      const plainId = join(dir, 'src/plain.ts')
      const plainCode = 'export const x = 1\n'
      const plainKey = keyOf(other, plainId, plainCode)
      await other.get(plainKey, plainCode, resolve)
      other.set(plainKey, plainId, plainCode, null, nullReport, { files: [], resolutions: [] }, Date.now())
      await other.flush()
      expect(packs(cacheDir(dir))).toHaveLength(2)
      writeFileSync(file, readFileSync(file, 'utf8').replace('"edits"', '"editz"'))
      const reader = new DiskCache({ dir: cacheDir(dir) })
      expect(await reader.get(key, code, resolve)).toBeUndefined()
      expect(await reader.get(plainKey, plainCode, resolve)).toBeDefined()
      expect(reader.stats).toMatchObject({ hits: 1, misses: 1, errors: 0 })
    })
  })

  /** Stores a null result for `/m<i>.ts` (text `i`) and writes it as a pack of its own: its key. */
  async function storeOne(cache: DiskCache, i: number): Promise<string> {
    const key = keyOf(cache, `/m${i}.ts`, String(i))
    await cache.get(key, String(i), resolve) // a build looks up before it stores
    cache.set(key, `/m${i}.ts`, String(i), null, nullReport, { files: [], resolutions: [] }, Date.now())
    await cache.flush()
    await sleep(3) // the next entry is newer
    return key
  }

  it('a build writes one pack for all its entries, and the next build reads them', async () => {
    const keys: string[] = []
    for (let i = 0; i < 30; i++) {
      const key = keyOf(disk, `/m${i}.ts`, String(i))
      keys.push(key)
      expect(await disk.get(key, String(i), resolve)).toBeUndefined()
      disk.set(key, `/m${i}.ts`, String(i), null, nullReport, { files: [], resolutions: [] }, Date.now())
    }
    // before the end of the build: nothing on disk, but a lookup in this process finds the entry
    await sleep(20)
    expect(packs(cacheDir(dir))).toEqual([])
    expect(await disk.get(keys[0], '0', resolve)).toBeDefined()
    await disk.flush()
    expect(disk.stats).toMatchObject({ writes: 30, errors: 0 })
    expect(readdirSync(cacheDir(dir))).toHaveLength(1)
    expect(packed(cacheDir(dir))).toHaveLength(30)
    const next = new DiskCache({ dir: cacheDir(dir) })
    for (let i = 0; i < 30; i++) expect(await next.get(keys[i], String(i), resolve)).toBeDefined()
    expect(next.stats).toMatchObject({ hits: 30, misses: 0 })
    // a build that only read writes nothing
    await next.flush()
    expect(readdirSync(cacheDir(dir))).toHaveLength(1)
  })

  it('two builds writing the same folder: a third reads both packs; of one key in two packs, the newer', async () => {
    const a = new DiskCache({ dir: cacheDir(dir) })
    const b = new DiskCache({ dir: cacheDir(dir) })
    const keyA = keyOf(a, '/a.ts', 'a')
    const keyB = keyOf(b, '/b.ts', 'b')
    const both = keyOf(a, '/both.ts', 'both')
    // both list the (empty) folder before either writes
    expect(await a.get(keyA, 'a', resolve)).toBeUndefined()
    expect(await b.get(keyB, 'b', resolve)).toBeUndefined()
    const reportOf = (id: string) => ({ ...nullReport, id })
    a.set(keyA, '/a.ts', 'a', null, reportOf('/a.ts'), { files: [], resolutions: [] }, Date.now())
    a.set(both, '/both.ts', 'both', null, reportOf('from a'), { files: [], resolutions: [] }, Date.now())
    await sleep(5)
    b.set(keyB, '/b.ts', 'b', null, reportOf('/b.ts'), { files: [], resolutions: [] }, Date.now())
    b.set(both, '/both.ts', 'both', null, reportOf('from b'), { files: [], resolutions: [] }, Date.now())
    // the newer entry is written first: the order of the packs is not what decides
    await b.flush()
    await a.flush()
    expect(packs(cacheDir(dir))).toHaveLength(2)
    const third = new DiskCache({ dir: cacheDir(dir) })
    expect(await third.get(keyA, 'a', resolve)).toMatchObject({ result: null, report: { id: '/a.ts' } })
    expect(await third.get(keyB, 'b', resolve)).toMatchObject({ result: null, report: { id: '/b.ts' } })
    expect(await third.get(both, 'both', resolve)).toMatchObject({ report: { id: 'from b' } })
  })

  it('a build reads the folder once; after its end, the next build (same process) reads it again', async () => {
    const watcher = new DiskCache({ dir: cacheDir(dir) })
    const other = new DiskCache({ dir: cacheDir(dir) })
    const key = keyOf(watcher, '/w.ts', 'w')
    expect(await watcher.get(key, 'w', resolve)).toBeUndefined() // lists the folder
    await other.get(key, 'w', resolve)
    other.set(key, '/w.ts', 'w', null, nullReport, { files: [], resolutions: [] }, Date.now())
    await other.flush()
    // written after this build's listing: a miss in this build
    expect(await watcher.get(key, 'w', resolve)).toBeUndefined()
    await watcher.flush()
    expect(await watcher.get(key, 'w', resolve)).toBeDefined()
  })

  it('a dev server writes its entries a moment after making them, without waiting for flush', async () => {
    const dev = new DiskCache({ dir: cacheDir(dir), writeDelay: 50 })
    const keys = [0, 1, 2].map((i) => keyOf(dev, `/d${i}.ts`, `d${i}`))
    for (const [i, key] of keys.entries()) {
      await dev.get(key, `d${i}`, resolve)
      dev.set(key, `/d${i}.ts`, `d${i}`, null, nullReport, { files: [], resolutions: [] }, Date.now())
    }
    for (let waited = 0; !packs(cacheDir(dir)).length && waited < 5000; waited += 20) await sleep(20)
    expect(packs(cacheDir(dir))).toHaveLength(1)
    expect(dev.stats.writes).toBe(3)
    // another process (the dev server killed, started again) reads them
    const restarted = new DiskCache({ dir: cacheDir(dir) })
    for (const [i, key] of keys.entries()) expect(await restarted.get(key, `d${i}`, resolve)).toBeDefined()
    // entries made later go to a later pack; flush writes what is left, nothing twice
    const later = keyOf(dev, '/d3.ts', 'd3')
    dev.set(later, '/d3.ts', 'd3', null, nullReport, { files: [], resolutions: [] }, Date.now())
    await dev.flush()
    expect(dev.stats.writes).toBe(4)
    expect(packed(cacheDir(dir))).toHaveLength(4)
    // the default waits a few seconds: a build that ends sooner writes one pack
    expect(new DiskCache({ dir: cacheDir(dir) }).writeDelay).toBe(5000)
  })

  it('compacts past the bound: the most recently used entries (a hit counts) in one pack, under 80% of the bound', async () => {
    const writer = new DiskCache({ dir: cacheDir(dir) })
    const keys: string[] = []
    // m0 the oldest, m11 the newest: one pack each (past 8 packs, the writer merged them)
    for (let i = 0; i < 12; i++) keys.push(await storeOne(writer, i))
    expect(packs(cacheDir(dir)).length).toBeLessThanOrEqual(8)
    expect(packed(cacheDir(dir)).map((e) => e.key).sort()).toEqual([...keys].sort())

    const small = new DiskCache({ dir: cacheDir(dir), maxEntries: 10 })
    // a hit makes the oldest entry the most recently used
    expect(await small.get(keys[0], '0', resolve)).toBeDefined()
    await small.flush()
    expect(packs(cacheDir(dir))).toHaveLength(1)
    const left = packed(cacheDir(dir)).map((e) => e.key)
    expect(left).toHaveLength(8) // 80% of the bound
    expect(left).toContain(keys[0])
    for (const i of [1, 2, 3, 4]) expect(left).not.toContain(keys[i])
    for (const i of [5, 6, 7, 8, 9, 10, 11]) expect(left).toContain(keys[i])
    // the hit is recorded: m0 outlives the entries made before the hit in the next compaction
    expect(packed(cacheDir(dir)).find((e) => e.key === keys[0])!.used).toBeGreaterThan(packed(cacheDir(dir)).find((e) => e.key === keys[11])!.created)
    const reader = new DiskCache({ dir: cacheDir(dir) })
    for (const i of [0, 5, 11]) expect(await reader.get(keys[i], String(i), resolve)).toBeDefined()
    expect(await reader.get(keys[1], '1', resolve)).toBeUndefined()
  })

  it('compacts past 8 packs, keeping every entry under the bounds', async () => {
    const writer = new DiskCache({ dir: cacheDir(dir) })
    const keys: string[] = []
    for (let i = 0; i < 20; i++) keys.push(await storeOne(writer, i))
    expect(packs(cacheDir(dir)).length).toBeLessThanOrEqual(8)
    const entries = packed(cacheDir(dir))
    expect(entries.map((e) => e.key).sort()).toEqual([...keys].sort()) // each once
  })

  it('compacts by bytes', async () => {
    const bounded = new DiskCache({ dir: cacheDir(dir), maxBytes: 20_000 })
    for (let i = 0; i < 10; i++) {
      const code = 'x'.repeat(3000) + i
      // an output is stored as the edits that make it from the module's text
      const result = { code: 'y'.repeat(3000), map: undefined as never, report: nullReport, [EDITS]: { edits: [[0, code.length, 'y'.repeat(3000), 'cut']], redact: false } } as unknown as TransformResult
      const key = keyOf(bounded, `/m${i}.ts`, code)
      await bounded.get(key, code, resolve)
      bounded.set(key, `/m${i}.ts`, code, result, nullReport, { files: [], resolutions: [] }, Date.now())
    }
    await bounded.flush() // past the bound: the pack it writes is compacted
    const sizes = readdirSync(cacheDir(dir)).map((f) => readFileSync(join(cacheDir(dir), f)).length)
    expect(sizes).toHaveLength(1)
    expect(sizes[0]).toBeLessThanOrEqual(16_000)
    expect(packed(cacheDir(dir)).length).toBeGreaterThan(0)
    expect(bounded.stats.writes).toBe(packed(cacheDir(dir)).length)
  })

  it('a compaction deletes only the packs it read, never one written after its listing', async () => {
    const writer = new DiskCache({ dir: cacheDir(dir) })
    const keys: string[] = []
    for (let i = 0; i < 7; i++) keys.push(await storeOne(writer, i))
    expect(packs(cacheDir(dir))).toHaveLength(7)
    const compacting = new DiskCache({ dir: cacheDir(dir), maxEntries: 7 })
    const mine = keyOf(compacting, '/mine.ts', 'mine')
    await compacting.get(mine, 'mine', resolve) // lists the 7 packs
    // another build writes its pack after that listing
    const other = new DiskCache({ dir: cacheDir(dir) })
    const theirs = await storeOne(other, 100)
    expect(packs(cacheDir(dir))).toHaveLength(8)
    compacting.set(mine, '/mine.ts', 'mine', null, nullReport, { files: [], resolutions: [] }, Date.now())
    await compacting.flush() // 8 entries past 7: compacts what it read
    expect(compacting.stats).toMatchObject({ writes: 1, errors: 0 })
    expect(packs(cacheDir(dir))).toHaveLength(2)
    const reader = new DiskCache({ dir: cacheDir(dir) })
    expect(await reader.get(theirs, '100', resolve)).toBeDefined()
    expect(await reader.get(mine, 'mine', resolve)).toBeDefined()
    expect(packed(cacheDir(dir))).toHaveLength(6) // theirs, and 5 (80% of 7) of the 8 the compaction knew
  })

  it('removes the entry files of the old format and old temp files at the end of a build', async () => {
    const folder = cacheDir(dir)
    await storeOne(disk, 1)
    const old = join(folder, `${'a'.repeat(64)}.json`)
    writeFileSync(old, `chaincut-cache 2 ${'0'.repeat(64)}\n{}`)
    writeFileSync(join(folder, '.123-dead.tmp'), 'partial')
    utimesSync(join(folder, '.123-dead.tmp'), Date.now() / 1000 - 7200, Date.now() / 1000 - 7200)
    writeFileSync(join(folder, '.456-live.tmp'), 'being written')
    const build = new DiskCache({ dir: folder })
    expect(await build.get(keyOf(build, '/x.ts', 'x'), 'x', resolve)).toBeUndefined()
    await build.flush()
    const left = readdirSync(folder)
    expect(left).not.toContain(`${'a'.repeat(64)}.json`)
    expect(left).not.toContain('.123-dead.tmp')
    expect(left).toContain('.456-live.tmp')
    expect(packs(folder)).toHaveLength(1)
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
  it('never leave a corrupt pack, and compact without failing each other: every read is a miss or the whole entry', async () => {
    const dist = join(ROOT, 'dist/cache/disk-cache.js')
    if (!existsSync(dist)) throw new Error('npm run build first: the writers run dist/cache/disk-cache.js')
    const dir = project({ 'dep.ts': 'export const x = 1\n' })
    const script = `
      import { DiskCache } from ${JSON.stringify(pathToFileURL(dist).href)}
      import { EDITS } from ${JSON.stringify(pathToFileURL(join(ROOT, 'dist/rewrite/emit.js')).href)}
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
    expect({ ...second.report, time: 0, cpu: 0, cached: undefined }).toEqual({ ...first.report, time: 0, cpu: 0 })
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

describe('the build summary of parameters, kept between builds', () => {
  const files = {
    'package.json': JSON.stringify({ name: 'app', dependencies: { '@point0/core': '*' } }),
    'src/root.ts': ROOT_TS,
    'src/helpers.ts': `export function withAuth(c: any) {\n  return c.ctx(() => 'PARAM_SECRET')\n}\n`,
    // reads the helper off an object: a caller the scripts scan does not see
    'src/routes.ts': `import { root } from './root'\nimport { withAuth } from './helpers'\nconst h = { withAuth }\nexport const x = h.withAuth(root.lets('GET', '/x')).loader(() => 1).action()\n`,
  }

  async function build(dir: string) {
    const open = openCache(dir, {})
    if ('off' in open) throw new Error(open.off)
    const cache = new ModuleCache()
    const one = async (file: string) =>
      cachedTransform(open, readFileSync(join(dir, file), 'utf8'), join(dir, file), { side: 'client', cache }, { environment: 'client', resolve }).then(
        (r) => ({ code: r?.code ?? null, error: null as ChaincutError | null }),
        (e: unknown) => ({ code: null, error: e as ChaincutError }),
      )
    // the helper first: the order a bundler may take when another module imports it earlier
    const helpers = await one('src/helpers.ts')
    const routes = await one('src/routes.ts')
    await open.disk.flush()
    return { helpers, routes }
  }

  it('a build that learns too late stops; the next, from the kept summary, cuts the helper and passes', async () => {
    const dir = project(files)
    const first = await build(dir)
    expect(first.helpers.code).toBeNull() // built taking `c` to receive no chain
    expect(first.routes.error?.findings.map((f) => f.code)).toEqual(['E_CHAIN_PARAM_LATE'])
    expect(readdirSync(cacheDir(dir))).toContain('params.summary')
    const second = await build(dir)
    // the cached entry that took `c` to receive none is stale now: built again, and cut
    expect(second.helpers.code).toContain('c.ctx()')
    expect(second.helpers.code).not.toContain('PARAM_SECRET')
    expect(second.routes.error).toBeNull()
  })
})
