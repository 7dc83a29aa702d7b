/**
 * The persistent cache (docs/reference.md "Cache"): results of the core `transform()` kept on disk between
 * builds (a CI job with a restored cache, a restarted dev server).
 *
 * A wrong hit would ship server code to the browser, so an entry is used only when everything the
 * result came from is the same:
 *
 * - the entry's key: chaincut's version and the hash of its own code, a fingerprint of the
 *   options (the resolved chain families included), the side, the environment, the module id and
 *   the hash of the module's text;
 * - checked on every hit, from what the transform says it used (`inputs`): the content hash of
 *   every file a cross-module lookup read (followed modules, package.json files, engine scans),
 *   and every import resolution, re-run with the resolver the transform would use now.
 *
 * Anything unreadable, corrupt, or different is a miss. An entry is written only when no file it
 * depends on was modified after its transform started (the "racy git" rule): a file edited during
 * the transform could otherwise be stored with the hash of its new text beside a result made from
 * the old one.
 *
 * Entries live in pack files, many entries each: a build reads every pack of the folder once (at
 * its first lookup) and writes the entries it made as one new pack when it ends, so a build makes
 * a handful of file system calls, not a few per module. Packs are never changed once written: a
 * build that finds too many of them, or too many bytes or entries, merges the ones it read into
 * one and deletes those, never a pack it did not read.
 *
 * Options that cannot be serialized (a function, a class instance) turn the cache off: a function's
 * source text does not say what it closes over, so it cannot be fingerprinted soundly.
 */
import * as crypto from 'node:crypto'
import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join, relative, resolve as resolvePath } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ChaincutOptions, ModuleReport, Resolver, Side, SourceMapJSON, TransformOptions, TransformResult } from '../types.js'
import { ModuleCache, Suspend, type ParamSummary } from '../js/modules.js'
import { resolveFamilies } from '../config/config.js'
import { EDITS, emit, withOutput, type StoredEdits } from '../rewrite/emit.js'
import { stableText } from '../util/stable.js'
import { transform, type ReportListener } from '../pipeline/transform.js'
import { stripQuery } from '../util/ids.js'

/** Bumped when the layout changes: packs of another format are never read (and deleted when the folder is compacted). */
const FORMAT = 3
const HEADER = `chaincut-cache ${FORMAT} `
/** Past this many packs in the folder, the end of a build merges them into one. */
const MAX_PACKS = 8

/** What the transform used besides the module's text and the options: `result.inputs`, and for a null result its report's `dependencies` and `resolutions`. */
export type TransformInputs = TransformResult['inputs']

export interface DiskCacheOptions {
  /** The folder of the packs. */
  dir: string
  /** chaincut's identity in the keys. Default: its package.json version and the hash of its own code. */
  version?: string
  /** Past this many bytes of packs, the least recently used entries are dropped. Default: 100 MB. */
  maxBytes?: number
  /** Past this many entries, the least recently used are dropped. Default: 20,000. */
  maxEntries?: number
  /** A file modified within this many ms before a transform started makes its result unsafe to store (mtime granularity). Default: 2000. */
  margin?: number
  /**
   * Entries not yet written are written this many ms after the first of them, without waiting for
   * `flush()` (a dev server may run for hours and be killed). Default: 5000; `Infinity`: only `flush()` writes.
   */
  writeDelay?: number
}

/** The parts of a key besides chaincut's version. */
export interface KeyParts {
  /** `optionsFingerprint(options)`. */
  options: string
  side: Side
  /** The bundler environment (`client`, `ssr`, a Vite environment name). */
  environment: string
  id: string
  code: string
}

/** A hit: the result (null: the module was analysed and left as it was) and its report. */
export interface Hit {
  result: TransformResult | null
  report: ModuleReport
}

/** Resolves an import as the transform would now (`null`: it does not resolve). */
export type VerifyResolve = (source: string, importer: string) => Promise<string | null>

interface StoredFile {
  file: string
  /** sha256 of the content. (null is read as "could not be read", which `set` never stores.) */
  hash: string | null
}

interface Entry {
  format: number
  key: string
  id: string
  codeHash: string
  created: number
  /** When a build last used it (a hit), for dropping the least recently used; absent: `created`. */
  used?: number
  files: StoredFile[]
  resolutions: TransformInputs['resolutions']
  /**
   * The output as the edits that make it from the module's text (null: the transform returned
   * null): a hit applies them again, which is cheap, and the source map is built only if the
   * bundler asks for one — storing the output and its map would make every cold build build maps.
   */
  edits: StoredEdits | null
  report: ModuleReport
}

/** A pack of the folder this process knows: read at the listing, or written since. */
interface Pack {
  name: string
  bytes: number
  /** Entries it holds (0: unreadable). */
  entries: number
}

/** Node's one-shot hash (20.12+) costs about half of a Hash object for a module's text; older Node uses the Hash object. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string | Buffer, encoding: 'hex') => string }).hash
const sha256 = oneShot ? (text: string | Buffer) => oneShot('sha256', text, 'hex') : (text: string | Buffer) => createHash('sha256').update(text).digest('hex')

/** The folder of the cache under a project root. */
export const cacheDir = (root: string) => join(root, 'node_modules', '.cache', 'chaincut')

export class DiskCache {
  readonly dir: string
  readonly version: string
  readonly maxBytes: number
  readonly maxEntries: number
  readonly margin: number
  readonly writeDelay: number
  /** What happened in this process: the tests and the report read it (`writes`: entries written). */
  readonly stats = { hits: 0, misses: 0, writes: 0, unsafe: 0, errors: 0 }

  /** file → its hash as last read, with the stat it was read under (reused while the stat is the same). */
  private readonly hashes = new Map<string, { stamp: string; hash: Promise<string | null> }>()
  private readonly pending = new Set<Promise<unknown>>()
  /**
   * key → entry: every pack of the folder, read at the first lookup of a build (a lookup is then
   * a Map lookup), and the entries this process made since. Dropped by `flush()`: the next build
   * reads the folder again. Packs another build writes meanwhile are only misses.
   */
  private index: Map<string, Entry> | null = null
  /** The packs the entries of `index` come from: those a compaction may merge and delete. */
  private packs: Pack[] = []
  /** Temp files and entries of the old format (one file per entry) seen at the listing: removed at the end of the build. */
  private stale: string[] = []
  /** Entries made and not yet written, as JSON (each serialized once, when it is made). */
  private fresh: Array<{ key: string; text: string }> = []
  private freshBytes = 0
  private timer: ReturnType<typeof setTimeout> | null = null

  constructor(options: DiskCacheOptions) {
    this.dir = options.dir
    this.version = options.version ?? chaincutVersion()
    this.maxBytes = options.maxBytes ?? 100 * 1024 * 1024
    this.maxEntries = options.maxEntries ?? 20_000
    this.margin = options.margin ?? 2000
    this.writeDelay = options.writeDelay ?? 5000
  }

  key(parts: KeyParts): string {
    const codeHash = sha256(parts.code)
    const key = sha256(JSON.stringify([FORMAT, this.version, parts.options, parts.side, parts.environment, parts.id, codeHash]))
    // read and write check the entry against the text again: hashed once, here
    if (this.codeHashes.size > 50_000) this.codeHashes.clear() // a long dev session
    this.codeHashes.set(key, codeHash)
    return key
  }

  /** key → the hash of the module text it was made from (each module's text is hashed once per build). */
  private readonly codeHashes = new Map<string, string>()

  private codeHash(key: string, code: string): string {
    return this.codeHashes.get(key) ?? sha256(code)
  }

  /** The stored result for `key` when every input it recorded is unchanged, else undefined (a miss). */
  async get(key: string, code: string, resolve: VerifyResolve): Promise<Hit | undefined> {
    const entry = this.loaded().get(key)
    if (
      !entry ||
      !isEntry(entry, code.length) ||
      entry.format !== FORMAT ||
      entry.key !== key ||
      entry.codeHash !== this.codeHash(key, code) ||
      !(await this.verify(entry, resolve))
    ) {
      this.stats.misses++
      return undefined
    }
    this.stats.hits++
    // least recently used goes first when the folder is compacted
    entry.used = Date.now()
    const report = entry.report
    if (entry.edits === null) return { result: null, report }
    const out = emit(code, report.id, entry.edits.edits.map(([start, end, text, kind]) => ({ start, end, text, kind })), entry.edits.redact)
    return { result: withOutput({ code: out.code, report } as TransformResult, out), report }
  }

  /**
   * The index, made at the first call of a build: the folder listed once and every pack read
   * synchronously (a read through the thread pool would wait behind the bundler's own file
   * reads). A pack whose body does not match its hash is left out whole; of two entries with one
   * key, the newer.
   */
  private loaded(): Map<string, Entry> {
    if (this.index) return this.index
    const index = (this.index = new Map<string, Entry>())
    this.packs = []
    this.stale = []
    let names: string[]
    try {
      names = readdirSync(this.dir)
    } catch {
      return index // no folder yet: every lookup is a miss
    }
    for (const name of names) {
      if (name.endsWith('.pack')) {
        const pack = readPack(join(this.dir, name))
        if (!pack) continue // gone meanwhile (another build compacted the folder), or not readable
        this.packs.push({ name, bytes: pack.bytes, entries: pack.entries.length })
        for (const entry of pack.entries as Entry[]) {
          if (typeof entry !== 'object' || entry === null || typeof entry.key !== 'string' || typeof entry.created !== 'number') continue
          const known = index.get(entry.key)
          if (!known || entry.created > known.created) index.set(entry.key, entry)
        }
      } else if (name.endsWith('.tmp') || name.endsWith('.json')) this.stale.push(name)
    }
    return index
  }

  private async verify(entry: Entry, resolve: VerifyResolve): Promise<boolean> {
    try {
      const checks = [
        ...entry.files.map(async (f) => (await this.hash(f.file)).hash === f.hash),
        ...entry.resolutions.map(async (r) => normalize(await resolve(r.source, r.importer)) === r.file),
      ]
      return (await Promise.all(checks)).every(Boolean)
    } catch {
      return false
    }
  }

  /**
   * A file's content hash and its mtime; null and Infinity when it cannot be read (the transform
   * read it, so it is gone since: never stored, and a miss where it was read). The hash is reused while the file's
   * stat is unchanged, and only for a file whose change time is older than `margin` (a file edited
   * twice within the timestamps' granularity keeps its stat).
   */
  private async hash(file: string): Promise<{ hash: string | null; mtimeMs: number }> {
    const before = stamp(file)
    const known = before && this.hashes.get(file)
    if (!before || (known && known.stamp !== before.stamp)) this.hashes.delete(file)
    if (!before) return { hash: null, mtimeMs: Infinity }
    if (known && known.stamp === before.stamp) return { hash: await known.hash, mtimeMs: before.mtimeMs }
    const hash = readFile(file).then(sha256, () => null)
    if (before.changed < Date.now() - this.margin) this.hashes.set(file, { stamp: before.stamp, hash })
    const read = await hash
    const after = stamp(file)
    if (after?.stamp === before.stamp) return { hash: read, mtimeMs: before.mtimeMs }
    // modified (or gone) while it was read: unsafe to store, and read again next time
    this.hashes.delete(file)
    return { hash: after ? read : null, mtimeMs: Infinity }
  }

  /** Forget the hashes read in this process (a file changed, a new build starts). */
  forget(file?: string): void {
    if (file === undefined) this.hashes.clear()
    else this.hashes.delete(file)
  }

  /**
   * Stores a result (null: the module was analysed and left as it was) with what it used: in
   * memory at once (a later lookup in this process finds it), on disk in the pack `flush()` writes,
   * or `writeDelay` after the first unwritten entry. `started` is `Date.now()` before the transform.
   */
  set(key: string, id: string, code: string, result: TransformResult | null, report: ModuleReport, inputs: TransformInputs, started: number): void {
    this.track(this.add(key, id, code, result, report, inputs, started))
  }

  private async add(key: string, id: string, code: string, result: TransformResult | null, report: ModuleReport, inputs: TransformInputs, started: number) {
    try {
      const files = await Promise.all(
        [...new Set(inputs.files)].sort().map(async (file) => ({ file, ...(await this.hash(file)) })),
      )
      // modified since (or just before) the transform started: the result may come from the old text
      if (files.some((f) => f.mtimeMs >= started - this.margin)) {
        this.stats.unsafe++
        return
      }
      const edits = result ? ((result as { [EDITS]?: StoredEdits })[EDITS] ?? null) : null
      // an output without its edits (never from transform()) is not stored
      if (result && !edits) return
      const entry: Entry = {
        format: FORMAT,
        key,
        id,
        codeHash: this.codeHash(key, code),
        created: Date.now(),
        files: files.map((f) => ({ file: f.file, hash: f.hash })),
        resolutions: inputs.resolutions.map((r) => ({ source: r.source, importer: r.importer, file: normalize(r.file) })),
        edits,
        report: { ...report, time: 0 },
      }
      // serialized now, as it is (the one JSON.stringify of it on the way to a pack)
      const text = JSON.stringify(entry)
      this.loaded().set(key, entry)
      this.fresh.push({ key, text })
      this.freshBytes += text.length + 1
      if (!this.timer && Number.isFinite(this.writeDelay)) {
        this.timer = setTimeout(() => {
          this.timer = null
          this.save()
        }, Math.min(this.writeDelay, 2 ** 31 - 1))
        // a dev server's process exits when it is done, not when its last entries are written
        this.timer.unref?.()
      }
    } catch {
      this.stats.errors++
    }
  }

  private track(promise: Promise<unknown>) {
    this.pending.add(promise)
    void promise.finally(() => this.pending.delete(promise))
  }

  /**
   * The end of a build: waits for the entries being made, writes them as one pack (compacting the
   * folder when it is past its bounds), removes stale files, and drops the index, so the next
   * build reads the folder again.
   */
  private params: Map<string, Map<string, string>> | null = null
  private paramsChanged = false

  /** Which parameters earlier builds saw receive chains, per side and environment (`params.summary`). */
  knownPasses(side: string, environment: string): Array<[string, string]> {
    if (!this.params) {
      this.params = new Map()
      try {
        const json = JSON.parse(readFileSync(join(this.dir, PARAMS_FILE), 'utf8'))
        if (json?.version === PARAMS_VERSION && json.scopes && typeof json.scopes === 'object') {
          for (const [scope, passes] of Object.entries(json.scopes)) {
            if (passes && typeof passes === 'object') this.params.set(scope, new Map(Object.entries(passes as Record<string, string>).filter(([, f]) => typeof f === 'string')))
          }
        }
      } catch {
        // none yet, or unreadable: learnt again
      }
    }
    return [...(this.params.get(`${side}\0${environment}`) ?? [])]
  }

  /** Chains passed in this build, kept at `flush`. */
  notePasses(side: string, environment: string, passes: Array<[string, string]>): void {
    this.knownPasses(side, environment)
    const scope = `${side}\0${environment}`
    let known = this.params!.get(scope)
    if (!known) this.params!.set(scope, (known = new Map()))
    for (const [key, family] of passes) {
      if (known.get(key) === family) continue
      known.set(key, family)
      this.paramsChanged = true
    }
  }

  private saveParams(): void {
    if (!this.paramsChanged || !this.params) return
    this.paramsChanged = false
    try {
      mkdirSync(this.dir, { recursive: true })
      const scopes: Record<string, Record<string, string>> = {}
      for (const [scope, passes] of this.params) scopes[scope] = Object.fromEntries(passes)
      writeAtomic(this.dir, join(this.dir, PARAMS_FILE), JSON.stringify({ version: PARAMS_VERSION, scopes }))
    } catch {
      this.stats.errors++
    }
  }

  async flush(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending])
    this.saveParams()
    if (this.timer) {
      clearTimeout(this.timer)
      this.timer = null
    }
    if (!this.index) return // no lookup, nothing made: this build never touched the folder
    this.save()
    this.removeStale()
    this.index = null
    this.packs = []
  }

  /**
   * Writes the entries made and not yet written as a new pack. When that would leave the folder
   * with more than `MAX_PACKS` packs, or past `maxBytes` or `maxEntries`, it compacts instead:
   * one pack with the most recently used of every entry it knows, under 80% of both bounds, and
   * the packs those came from deleted (never one another build wrote since the listing: that one
   * is not among them). A full disk or a read-only folder costs the entries, never the build.
   */
  private save(): void {
    try {
      this.write()
    } catch {
      // never the build's (or a dev server's) failure
      this.stats.errors++
    }
  }

  private write(): void {
    const index = this.index
    if (!index) return
    const fresh = this.fresh
    const freshBytes = this.freshBytes
    this.fresh = []
    this.freshBytes = 0
    const packs = this.packs.length + (fresh.length ? 1 : 0)
    const bytes = this.packs.reduce((n, p) => n + p.bytes, 0) + freshBytes
    const entries = this.packs.reduce((n, p) => n + p.entries, 0) + fresh.length
    if (packs <= MAX_PACKS && bytes <= this.maxBytes && entries <= this.maxEntries) {
      if (!fresh.length) return
      try {
        this.packs.push({ ...this.writePack(fresh.map((f) => f.text)), entries: fresh.length })
        this.stats.writes += fresh.length
      } catch {
        this.stats.errors++
      }
      return
    }
    this.compact(index, new Set(fresh.map((f) => f.key)))
  }

  /** `fresh`: the keys of the entries made since the last pack was written (counted as writes when kept). */
  private compact(index: Map<string, Entry>, fresh: Set<string>): void {
    const used = (e: Entry) => (typeof e.used === 'number' ? e.used : e.created)
    const candidates = [...index.values()].filter((e) => e.format === FORMAT && isEntry(e, Infinity)).sort((a, b) => used(b) - used(a))
    const kept: Entry[] = []
    const texts: string[] = []
    // the header and the body's wrapping
    let bytes = HEADER.length + 64 + 1 + `{"format":${FORMAT},"entries":[]}`.length
    let made = 0
    for (const entry of candidates) {
      if (kept.length + 1 > this.maxEntries * 0.8) break
      const text = JSON.stringify(entry)
      const size = Buffer.byteLength(text) + 1
      if (bytes + size > this.maxBytes * 0.8) break
      kept.push(entry)
      texts.push(text)
      bytes += size
      if (fresh.has(entry.key)) made++
    }
    let written: Pack | null = null
    if (texts.length) {
      try {
        written = { ...this.writePack(texts), entries: texts.length }
        this.stats.writes += made
      } catch {
        // nothing is deleted: the packs stay as they were (the new entries are lost)
        this.stats.errors++
        return
      }
    }
    for (const pack of this.packs) {
      try {
        unlinkSync(join(this.dir, pack.name))
      } catch {
        // deleted by another build's compaction
      }
    }
    this.packs = written ? [written] : []
    this.index = new Map(kept.map((e) => [e.key, e]))
  }

  /** One pack of these entries (each a JSON text), written atomically: its name and size. */
  private writePack(texts: string[]): { name: string; bytes: number } {
    const body = `{"format":${FORMAT},"entries":[${texts.join(',')}]}`
    const text = `${HEADER}${sha256(body)}\n${body}`
    mkdirSync(this.dir, { recursive: true })
    const name = `${Date.now().toString(36)}-${process.pid}-${randomBytes(6).toString('hex')}.pack`
    writeAtomic(this.dir, join(this.dir, name), text)
    return { name, bytes: Buffer.byteLength(text) }
  }

  /** Temp files left by a build that died (after an hour), and the entry files of the old format (one per entry). */
  private removeStale(): void {
    const now = Date.now()
    for (const name of this.stale) {
      const path = join(this.dir, name)
      try {
        if (name.endsWith('.tmp') && (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? now) >= now - 3600_000) continue
        unlinkSync(path)
      } catch {
        // gone meanwhile
      }
    }
    this.stale = []
  }
}

/**
 * What tells a file's versions apart without reading it, its mtime, and its latest change time; null: gone.
 * Synchronous: a stat is a few microseconds, an asynchronous one a trip through the thread pool
 * that the bundler's own reads wait behind, for every dependency of every module stored or checked.
 */
function stamp(file: string): { stamp: string; mtimeMs: number; changed: number } | null {
  try {
    const info = statSync(file, { throwIfNoEntry: false })
    if (!info) return null
    return { stamp: `${info.size}:${info.mtimeMs}:${info.ctimeMs}:${info.ino}`, mtimeMs: info.mtimeMs, changed: Math.max(info.mtimeMs, info.ctimeMs) }
  } catch {
    return null
  }
}

/**
 * A temp file in the same folder, then a rename: readers see the whole pack or none of it.
 * Synchronous: one write is cheaper than two trips through the thread pool.
 */
function writeAtomic(dir: string, path: string, text: string) {
  const temp = join(dir, `.${process.pid}-${randomBytes(6).toString('hex')}.tmp`)
  try {
    writeFileSync(temp, text)
    renameSync(temp, path)
  } catch (error) {
    try {
      unlinkSync(temp)
    } catch {
      // never written
    }
    throw error
  }
}

/**
 * A pack's entries (not checked one by one yet), and its size; no entry when its header or its
 * body's hash does not match (truncated, altered, another format); undefined when it cannot be
 * read (deleted meanwhile).
 */
function readPack(path: string): { bytes: number; entries: unknown[] } | undefined {
  let data: Buffer
  try {
    data = readFileSync(path)
  } catch {
    return undefined
  }
  const unreadable = { bytes: data.length, entries: [] }
  const newline = data.indexOf(10)
  if (newline < 0 || data.toString('latin1', 0, HEADER.length) !== HEADER || data.toString('latin1', HEADER.length, newline) !== sha256(data.subarray(newline + 1))) return unreadable
  try {
    const body = JSON.parse(data.toString('utf8', newline + 1)) as { format?: unknown; entries?: unknown }
    if (body?.format === FORMAT && Array.isArray(body.entries)) return { bytes: data.length, entries: body.entries }
  } catch {
    // not JSON under a matching hash
  }
  return unreadable
}

const normalize = (file: string | null | undefined) => (file ? stripQuery(file) : null)

function isEntry(value: unknown, codeLength: number): value is Entry {
  const e = value as Entry
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.key === 'string' &&
    typeof e.codeHash === 'string' &&
    Array.isArray(e.files) &&
    e.files.every((f) => typeof f?.file === 'string' && (typeof f.hash === 'string' || f.hash === null)) &&
    Array.isArray(e.resolutions) &&
    e.resolutions.every((r) => typeof r?.source === 'string' && typeof r.importer === 'string' && (typeof r.file === 'string' || r.file === null)) &&
    (e.edits === null ||
      (typeof e.edits === 'object' &&
        typeof e.edits.redact === 'boolean' &&
        Array.isArray(e.edits.edits) &&
        e.edits.edits.every((x) => Array.isArray(x) && typeof x[0] === 'number' && typeof x[1] === 'number' && x[0] <= x[1] && x[1] <= codeLength && typeof x[2] === 'string' && typeof x[3] === 'string'))) &&
    typeof e.report === 'object' &&
    e.report !== null &&
    typeof e.report.id === 'string' &&
    Array.isArray(e.report.findings) &&
    Array.isArray(e.report.dependencies)
  )
}

/** Options keys that do not change what `transform()` produces. */
const IRRELEVANT = new Set(['report', 'cache'])

/**
 * A stable text of everything in the options that can change a result, with the chain families
 * resolved (the built-in presets' tables): keys sorted, RegExps by source and flags. Null when an
 * option cannot be serialized (a function, a class instance, a cycle): the cache is then off.
 */
export function optionsFingerprint(options: ChaincutOptions): string | null {
  const relevant: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(options)) if (!IRRELEVANT.has(key)) relevant[key] = value
  try {
    return sha256(stableText({ options: relevant, families: resolveFamilies(options) }))
  } catch {
    return null
  }
}


/** A cache opened for one plugin instance: its store and the fingerprint of its options. */
export interface OpenCache {
  disk: DiskCache
  options: string
}

/**
 * The cache of a plugin instance under `root`, or null with the reason: turned off (`cache: false`),
 * options that cannot be fingerprinted, or chaincut's own files unreadable.
 */
export function openCache(root: string, options: ChaincutOptions, store?: Partial<DiskCacheOptions>): OpenCache | { off: string } {
  if (options.cache === false) return { off: 'cache: false' }
  const fingerprint = optionsFingerprint(options)
  if (fingerprint === null) return { off: 'the options hold a value that cannot be fingerprinted (a function or a class instance)' }
  try {
    return { disk: new DiskCache({ dir: cacheDir(root), ...store }), options: sha256(fingerprint + '\0' + installState(root)) }
  } catch (error) {
    return { off: `chaincut's own files cannot be read to key the cache (${(error as Error).message})` }
  }
}

/**
 * The package manager's record of what is installed under `root`: whether a package reaches a
 * chain family is judged from installed packages, and a package installed since is not among
 * the files the transform read (it was not there). Any install that changes the record misses
 * every entry; `npm ci` from the same lockfile writes the same record.
 */
function installState(root: string): string {
  const hash = createHash('sha256')
  for (const name of ['.package-lock.json', '.modules.yaml', '.yarn-state.yml', '.yarn-integrity']) {
    try {
      hash.update(name).update('\0').update(readFileSync(join(root, 'node_modules', name))).update('\0')
    } catch {
      // not this package manager
    }
  }
  return hash.digest('hex')
}

/**
 * Whether the result rests on a scan of the app's files (the server rendering the engine file
 * gives, or "no code of the app imports the family"): the scan's
 * answer also depends on files that did not exist (a new `Engine.create` file), which no entry
 * can check, so such a result is not stored.
 */
function fromAppScan(report: ModuleReport): boolean {
  if (report.findings.some((f) => f.code === 'W_SSR_UNKNOWN')) return true
  // "no code of the app imports the family", "no other script writes the member": a file added later may
  if (report.appScans?.length) return true
  const from = report.serverRendering?.from
  if (from === undefined) return false
  const file = resolvePath(from.replace(/:\d+$/, ''))
  // the module itself, or a module its chains come from (reached through an import it resolved)
  return file !== report.id && !report.resolutions.some((r) => r.file === file)
}

/**
 * A resolver for `CacheScope`: through the build's `ModuleCache`, as the transform's lookups
 * resolve (the same memo, the same normalisation), waiting where the bundler has not answered.
 */
export function resolveThrough(cache: ModuleCache, resolver: Resolver): VerifyResolve {
  return async (source, importer) => {
    for (;;) {
      try {
        return cache.resolve(resolver, source, importer)
      } catch (error) {
        if (!(error instanceof Suspend)) return null
        await error.pending
      }
    }
  }
}

/** Where one module is transformed: the environment, and the resolver its lookups would use now. */
export interface CacheScope {
  environment: string
  /** As the transform resolves (the bundler's resolver through the build's `ModuleCache`). */
  resolve: VerifyResolve
}

/**
 * `transform()` through the cache: a verified entry is its result (its report, marked `cached`,
 * goes to `onReport` as the transform's would); otherwise the transform runs and its result is
 * stored with the inputs it reports. Errors are never stored: a module that fails fails again.
 */
export async function cachedTransform(
  cache: OpenCache | null,
  code: string,
  id: string,
  options: TransformOptions & { onReport?: ReportListener },
  scope: CacheScope,
): Promise<TransformResult | null> {
  if (!cache) return transform(code, id, options)
  const lookedUp = performance.now()
  const key = cache.disk.key({ options: cache.options, side: options.side, environment: scope.environment, id, code })
  const summary = options.cache instanceof ModuleCache ? options.cache.params : null
  summary?.seed(cache.disk.knownPasses(options.side, scope.environment))
  const found = await cache.disk.get(key, code, scope.resolve)
  // an entry built taking a parameter to receive no chain is stale once one does; one that passes a chain replays it
  const hit = found && summary && !replayParams(found.report, id, summary) ? undefined : found
  if (hit) {
    const report = { ...hit.report, time: performance.now() - lookedUp, cpu: 0, cached: true }
    if (hit.result) hit.result.report = report
    options.onReport?.(report)
    return hit.result
  }
  const started = Date.now()
  let report: ModuleReport | undefined
  let result: TransformResult | null
  try {
    result = await transform(code, id, {
      ...options,
      onReport: (r) => {
        report = r
        options.onReport?.(r)
      },
    })
  } finally {
    // what this build learnt of which parameters receive chains, kept for the next (a failed module's included)
    if (summary) cache.disk.notePasses(options.side, scope.environment, summary.passes())
  }
  // a null result (analysed, nothing to change) has the same inputs in its report
  const inputs = result ? result.inputs : report && { files: report.dependencies, resolutions: report.resolutions }
  // a result without the inputs it used cannot be checked later: not stored
  if (report && inputs && !fromAppScan(report)) cache.disk.set(key, id, code, result, report, inputs, started)
  return result
}

/** Replays a cached module's parameter facts into the build's summary; false when the entry is stale or conflicts (then it is built again). */
function replayParams(report: ModuleReport, id: string, summary: ParamSummary): boolean {
  const params = report.params
  if (!params) return true
  if (params.assumed.some((key) => summary.chainOf(key) !== null)) return false
  for (const [key, family] of params.passed) if (summary.chainOf(key) === null && summary.pass(key, family, id) !== null) return false
  for (const key of params.assumed) summary.assume(key, id)
  return true
}

const PARAMS_VERSION = 1
const PARAMS_FILE = 'params.summary'

let ownVersion: string | undefined

/**
 * chaincut's identity: its package.json version and a hash of its own code (the folder this module
 * is built into: `dist`, or `src` under a test runner), so a linked or patched chaincut with an
 * unchanged version never reads entries another build of it wrote.
 */
export function chaincutVersion(): string {
  if (ownVersion !== undefined) return ownVersion
  const here = dirname(fileURLToPath(import.meta.url))
  const code = dirname(here)
  // the version when chaincut runs from its package; the hash of its code below is what tells builds apart
  let pkg: { version?: string } = {}
  try {
    pkg = JSON.parse(readFileSync(join(dirname(code), 'package.json'), 'utf8'))
  } catch {
    // a copy of the compiled code without its package.json (a snapshot, a vendored copy)
  }
  const hash = createHash('sha256')
  const visit = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name)
      if (statSync(path).isDirectory()) visit(path)
      else if (/\.[cm]?[jt]s$/.test(name) && !/\.d\.[cm]?ts$/.test(name)) hash.update(relative(code, path)).update('\0').update(readFileSync(path)).update('\0')
    }
  }
  visit(code)
  return (ownVersion = `${pkg.version ?? 'unknown'}+${hash.digest('hex').slice(0, 16)}`)
}
