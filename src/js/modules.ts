/**
 * Following a name to its definition across modules (docs/ARCHITECTURE.md): other modules
 * of the app are read, parsed and walked once, and cached by path with their
 * size and modification time, so an edited file is never served stale.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, resolve as resolvePath } from 'node:path'
import type { ResolverFactory } from 'oxc-resolver'
import { lazyPackage } from '../util/lazy.js'

const oxcResolver = lazyPackage<typeof import('oxc-resolver')>('oxc-resolver')
import type { File, Node } from '@babel/types'
import type { ModuleCacheHandle, Resolver } from '../types.js'
import { parseModule } from './parse.js'
import { type Scope } from './scope.js'
import { walk, type CallIndex, type WalkOptions, type WalkResult } from './walk.js'
import { stripQuery } from '../util/ids.js'

export interface ModuleAnalysis extends WalkResult {
  id: string
  code: string
  ast: File
  /** The names the module changes after building them (`chains/writes.ts`), computed when first asked. */
  mutations?: unknown
  /** Its calls indexed (`callIndexOf`), built when first asked. */
  callIndex?: CallIndex
  /** What its functions return (`returnsOf`), built when first asked. */
  returnIndex?: Map<Node, Array<{ node: Node; scope: Scope }>>
}

/**
 * The build's summary of parameters whose callers are in other modules (an exported function's, a
 * method's): which receive a chain (the family, and the module that passes it), and which a
 * module was built taking to receive none. A chain passed to a parameter already built that way
 * is a conflict the passing module reports. Keyed by file, function position and index.
 */
export class ParamSummary {
  private readonly passed = new Map<string, { family: string; by: string }>()
  private readonly assumed = new Map<string, string>()

  /** The key of parameter `index` of the function at `[start, end)` of `code`: its text's hash keeps a key from an edited file from naming another function. */
  static key(file: string, code: string, start: number, end: number, index: number): string {
    let hash = 0x811c9dc5
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ code.charCodeAt(i), 0x01000193)
    return `${file}\0${start}\0${index}\0${(hash >>> 0).toString(36)}`
  }

  /** The family of the chain some module of the build passes here, or null. */
  chainOf(key: string): string | null {
    return this.passed.get(key)?.family ?? null
  }

  /** `module` is built taking this parameter to receive no chain. */
  assume(key: string, module: string): void {
    if (!this.assumed.has(key)) this.assumed.set(key, module)
  }

  /** `module` no longer takes this parameter to receive no chain (it analyses itself again). */
  unassume(key: string, module: string): void {
    if (this.assumed.get(key) === module) this.assumed.delete(key)
  }

  /** `by` passes a chain here: the module already built taking it to receive none, if one was. */
  pass(key: string, family: string, by: string): string | null {
    if (!this.passed.has(key)) this.passed.set(key, { family, by })
    const assumedBy = this.assumed.get(key)
    return assumedBy ?? null
  }

  /** Every chain passed so far, for the persistent cache to keep between builds. */
  passes(): Array<[string, string]> {
    return [...this.passed].map(([key, { family }]) => [key, family])
  }

  /** Chains earlier builds saw passed (the persistent cache): known from the start, so no module is built too early for them. */
  seed(passes: Iterable<[string, string]>): void {
    if (this.seeded) return
    this.seeded = true
    for (const [key, family] of passes) if (!this.passed.has(key)) this.passed.set(key, { family, by: '' })
  }
  private seeded = false

  /** A module is built again (an edit): what it assumed and passed goes. */
  forget(file: string): void {
    for (const [key, who] of this.assumed) if (who === file || key.startsWith(file + '\0')) this.assumed.delete(key)
    for (const [key, { by }] of this.passed) if (by === file || key.startsWith(file + '\0')) this.passed.delete(key)
  }

  clear(): void {
    this.passed.clear()
    this.assumed.clear()
  }
}

export function analyzeModule(code: string, id: string, options: WalkOptions): ModuleAnalysis {
  const ast = parseModule(code, id)
  // the walk's own result, completed (spreading its twenty fields into a new object is a slow runtime copy)
  const analysis = walk(ast, options, code.includes('typeof')) as ModuleAnalysis
  analysis.id = id
  analysis.code = code
  analysis.ast = ast
  analysis.mutations = undefined
  return analysis
}

/**
 * A lookup that needs the bundler (an asynchronous resolver or file reader) and has not
 * answered yet. The analysis is synchronous: it throws this, the transform drops the
 * module's syntax tree, awaits `pending` and runs again, now finding the answer cached.
 */
export class Suspend {
  constructor(readonly pending: Promise<unknown>) {}
}

/** A value that is known, or still coming. */
type Settled<T> = { done: true; value: T } | { done: false; pending: Promise<unknown> }

const isThenable = (v: unknown): v is PromiseLike<unknown> => typeof (v as PromiseLike<unknown>)?.then === 'function'

/** The value, or a `Suspend` until it comes. */
function take<T>(entry: Settled<T>): T {
  if (entry.done) return entry.value
  throw new Suspend(entry.pending)
}

/**
 * A value computed now when `compute` is synchronous; else an entry that settles when it
 * answers (failures are `fallback`).
 */
function settle<T, R>(compute: () => R | PromiseLike<R>, finish: (raw: R) => T, fallback: T): Settled<T> {
  let raw: R | PromiseLike<R>
  try {
    raw = compute()
  } catch {
    return { done: true, value: fallback }
  }
  if (!isThenable(raw)) {
    try {
      return { done: true, value: finish(raw) }
    } catch {
      return { done: true, value: fallback }
    }
  }
  const entry: Settled<T> = {
    done: false,
    pending: Promise.resolve(raw).then(
      (r) => {
        let value = fallback
        try {
          value = finish(r)
        } catch {
          // unreadable: the fallback
        }
        Object.assign(entry, { done: true, value, pending: undefined })
      },
      () => Object.assign(entry, { done: true, value: fallback, pending: undefined }),
    ),
  }
  return entry
}

interface CacheEntry {
  mtimeMs: number
  size: number
  analysis: Settled<ModuleAnalysis | null>
}

/**
 * Other modules' analyses for one build (one plugin instance). Entries are
 * checked against the file's size and mtime on every use and can be
 * invalidated explicitly from a bundler's watch hook. Everything here answers
 * synchronously once known (a `Suspend` until then), so a module's syntax tree
 * never waits on the bundler.
 */
export class ModuleCache implements ModuleCacheHandle {
  /** `ModuleCacheHandle`'s mark: a declaration only, nothing at run time. */
  declare readonly __chaincutModuleCache?: never
  private readonly children = new Map<string, ModuleCache>()

  constructor(private readonly entries = new Map<string, CacheEntry>()) {}

  /**
   * A view for one environment: the parsed modules are shared, the resolutions
   * are not (a browser and a server build may resolve the same import apart).
   */
  scoped(environment: string): ModuleCache {
    let child = this.children.get(environment)
    if (!child) this.children.set(environment, (child = new ModuleCache(this.entries)))
    return child
  }

  /** Resolved imports of this build (see `resolutionKey`); cleared whenever any file changes. */
  readonly resolutions = new Map<string, Settled<string | null>>()

  /** Which parameters of the app's functions receive chains, across the modules of this build (`ParamSummary`). */
  readonly params = new ParamSummary()

  /** The app's scripts by root, read when a parameter's callers in other modules are looked for (`chains/callers.ts`). */
  readonly scripts = new Map<string, unknown>()

  /** Scans of a whole app (the points engine's server rendering, `pipeline/engine.ts`), by key: one per build, revalidated by the files they read. */
  readonly appScans = new Map<string, Settled<unknown>>()

  /** Another module's analysis, or null when it cannot be read or parsed. Throws `Suspend` while `readFile` is still reading. */
  get(file: string, options: WalkOptions, readFile?: FileReader): ModuleAnalysis | null {
    const info = statSync(file, { throwIfNoEntry: false })
    if (!info) return null
    const cached = this.entries.get(file)
    if (cached && cached.mtimeMs === info.mtimeMs && cached.size === info.size) return take(cached.analysis)
    if (cached) this.clearResolutions() // a file changed: imports may now resolve elsewhere
    const analysis = settle<ModuleAnalysis | null, string | null>(
      () => (readFile ? readFile(file) : readFileSync(file, 'utf8')),
      // a module that does not parse is reported when the bundler transforms it
      (code) => (code === null ? null : analyzeModule(code, file, options)),
      null,
    )
    this.entries.set(file, { mtimeMs: info.mtimeMs, size: info.size, analysis })
    return take(analysis)
  }

  invalidate(file: string): void {
    this.params.forget(file)
    this.scripts.clear()
    this.entries.delete(file)
    this.clearResolutions()
  }

  clear(): void {
    this.params.clear()
    this.scripts.clear()
    this.entries.clear()
    this.appScans.clear()
    this.clearResolutions()
  }

  private clearResolutions(): void {
    // a new package.json or tsconfig.json may change where a folder's imports resolve
    clearResolutionScopes()
    this.resolutions.clear()
    for (const child of this.children.values()) child.resolutions.clear()
  }

  /** Where `source` imported by `importer` leads, or null. Throws `Suspend` while the bundler's resolver is answering. */
  resolve(resolver: Resolver, source: string, importer: string): string | null {
    this.needed.add(source)
    return take(this.resolution(resolver, source, importer))
  }

  /** Every pair resolved, asked all at once: their files, or a `Suspend` until every one has answered. */
  resolveAll(resolver: Resolver, pairs: ReadonlyArray<readonly [source: string, importer: string]>): Array<string | null> {
    const found = pairs.map(([source, importer]) => this.resolution(resolver, source, importer))
    const pending = found.flatMap((f) => (f.done ? [] : [f.pending]))
    if (pending.length) throw new Suspend(Promise.all(pending))
    return found.map((f) => (f.done ? f.value : null))
  }

  private resolution(resolver: Resolver, source: string, importer: string): Settled<string | null> {
    const key = resolutionKey(source, importer)
    let found = this.resolutions.get(key)
    if (!found) {
      found = settle(
        () => resolver(source, importer),
        (file) => (file ? stripQuery(file) : null),
        null,
      )
      this.resolutions.set(key, found)
    }
    return found
  }

  /** Import specifiers some module's analysis had to resolve (`../lib/root`, `@/root`): others that import them will too. */
  private readonly needed = new Set<string>()

  /**
   * Before a module is parsed: the lookups it will most likely make, answered. Its imports that
   * other modules' analyses needed are resolved now (or their resolution under way awaited), so
   * that the analysis rarely suspends with its syntax tree built (when a bundler hands over
   * hundreds of modules while the first one waits on its root's import, they wait here, holding
   * only their text). Only a matter of speed: what is missed suspends as usual.
   */
  prefetch(resolver: Resolver, code: string, importer: string): Promise<unknown> | null {
    let waits: Promise<unknown>[] | null = null
    if (this.needed.size) {
      for (const m of code.matchAll(IMPORT_SPECIFIER)) {
        const source = m[2]
        if (!this.needed.has(source)) continue
        const found = this.resolution(resolver, source, importer)
        if (!found.done) (waits ??= []).push(found.pending)
      }
    }
    return waits && Promise.all(waits)
  }

  /** The app scan for `key`, started by `start` when there is none (or `stale` says the one there is out of date); `failed` when it throws. */
  appScan<T>(key: string, start: () => Promise<T>, stale: (scan: T) => boolean, failed: T): T {
    let found = this.appScans.get(key) as Settled<T> | undefined
    if (found?.done && stale(found.value)) found = undefined
    if (!found) {
      found = settle(start, (scan) => scan, failed)
      this.appScans.set(key, found)
    }
    return take(found)
  }
}

/**
 * One resolution per target: a relative import from the app's code leads to the same file from
 * every folder that names the same path (`../lib/root` from `a/x/` and `./lib/root` from `a/`),
 * so it is keyed by that path. A package or an alias (`@/lib/root`) resolves the same from every
 * folder below the nearest one that can change how it resolves (a `package.json`, a
 * `tsconfig.json`/`jsconfig.json`, a `node_modules`): it is keyed by that folder, so an app
 * whose 200 folders import `@/lib/root` asks the bundler once, not 200 times.
 */
function resolutionKey(source: string, importer: string): string {
  if (source.startsWith('..') && !importer.includes('/node_modules/') && !importer.includes('\\node_modules\\')) {
    return '\0' + resolvePath(dirname(importer), source)
  }
  if (source.startsWith('.')) return dirname(importer) + '\0' + source
  return resolutionScope(dirname(importer)) + '\0' + source
}

const RESOLUTION_MARKERS = ['package.json', 'tsconfig.json', 'jsconfig.json', 'node_modules']
const scopes = new Map<string, string>()

/** The nearest folder at or above `dir` holding something that changes how a bare specifier resolves. */
function resolutionScope(dir: string): string {
  const known = scopes.get(dir)
  if (known !== undefined) return known
  const parent = dirname(dir)
  const scope = parent === dir || hasMarker(dir) ? dir : resolutionScope(parent)
  // a folder gains a marker rarely; a long-lived process (a dev server) forgets with `clearResolutionScopes`
  if (scopes.size > 100_000) scopes.clear()
  scopes.set(dir, scope)
  return scope
}

/** Whether `dir` holds a resolution marker: one listing of the folder rather than a lookup per marker (a lookup of a missing file costs as much as a listing, and most folders have none). */
function hasMarker(dir: string): boolean {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return RESOLUTION_MARKERS.some((m) => existsSync(join(dir, m)))
  }
  return names.some((name) => RESOLUTION_MARKERS.includes(name))
}

/** A file was added or removed: the folders' scopes are found again. */
export function clearResolutionScopes(): void {
  scopes.clear()
}

/** The specifier of a static or dynamic import or re-export, as written (a text scan: a miss only costs speed). */
const IMPORT_SPECIFIER = /(?:\bfrom|\bimport\s*\(?)\s*(['"])([^'"\n]+)\1/g

/** Reads a file for a lookup: its text, null when it cannot be read; may answer later. */
export type FileReader = (file: string) => string | null | Promise<string | null>

const SCRIPT = /\.[cm]?[jt]sx?$/

let defaultResolverFactory: ResolverFactory | null = null

/** Node-style resolution with tsconfig `paths` (the nearest tsconfig.json of the importer). */
export const defaultResolve: Resolver = (source, importer) => {
  defaultResolverFactory ??= new (oxcResolver().ResolverFactory)({
    tsconfig: 'auto',
    extensions: ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs', '.json'],
    extensionAlias: { '.js': ['.ts', '.tsx', '.js', '.jsx'], '.mjs': ['.mts', '.mjs'], '.cjs': ['.cts', '.cjs'] },
    conditionNames: ['import', 'module', 'default'],
    mainFields: ['module', 'main'],
  })
  const result = defaultResolverFactory.resolveFileSync(importer, source)
  return result.path ?? null
}

/** Whether a resolved file is one of the app's modules worth following. */
export function isFollowable(file: string): boolean {
  return SCRIPT.test(file) && !file.includes('/node_modules/') && !file.includes('\\node_modules\\') && !file.endsWith('.d.ts')
}
