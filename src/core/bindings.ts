/**
 * Following a name to its definition across modules (docs/ARCHITECTURE.md): other modules
 * of the app are read, parsed and walked once, and cached by path with their
 * size and modification time, so an edited file is never served stale.
 */
import { readFile as fsReadFile, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import { ResolverFactory } from 'oxc-resolver'
import type { File } from '@babel/types'
import type { Resolver } from '../types.js'
import type { EngineScan } from './engine.js'
import { parseModule } from './parse.js'
import { walk, type WalkOptions, type WalkResult } from './scope.js'

export interface ModuleAnalysis extends WalkResult {
  id: string
  code: string
  ast: File
}

export function analyzeModule(code: string, id: string, options: WalkOptions): ModuleAnalysis {
  const ast = parseModule(code, id)
  return { id, code, ast, ...walk(ast, options, code.includes('typeof')) }
}

interface CacheEntry {
  mtimeMs: number
  size: number
  analysis: Promise<ModuleAnalysis | null>
}

/**
 * Other modules' analyses for one build (one plugin instance). Entries are
 * checked against the file's size and mtime on every use and can be
 * invalidated explicitly from a bundler's watch hook.
 */
export class ModuleCache {
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

  /** Resolved imports of this build (`folder \0 source` → file); cleared whenever any file changes. */
  readonly resolutions = new Map<string, Promise<string | null>>()

  /** The app scans for the engine's server rendering (`core/engine.ts`), by app: one per build, revalidated by the files they read it from. */
  readonly engineScans = new Map<string, Promise<EngineScan>>()

  async get(
    file: string,
    options: WalkOptions,
    readFile?: (file: string) => Promise<string | null>,
  ): Promise<ModuleAnalysis | null> {
    let info: { mtimeMs: number; size: number }
    try {
      info = await stat(file)
    } catch {
      return null
    }
    const cached = this.entries.get(file)
    if (cached && cached.mtimeMs === info.mtimeMs && cached.size === info.size) return cached.analysis
    if (cached) this.resolutions.clear() // a file changed: imports may now resolve elsewhere
    const analysis = (async () => {
      try {
        const code = readFile ? await readFile(file) : await fsReadFile(file, 'utf8')
        if (code === null) return null
        return analyzeModule(code, file, options)
      } catch {
        // a module that does not parse is reported when the bundler transforms it
        return null
      }
    })()
    this.entries.set(file, { mtimeMs: info.mtimeMs, size: info.size, analysis })
    return analysis
  }

  invalidate(file: string): void {
    this.entries.delete(file)
    this.resolutions.clear()
    for (const child of this.children.values()) child.resolutions.clear()
  }

  clear(): void {
    this.entries.clear()
    this.resolutions.clear()
    this.engineScans.clear()
    for (const child of this.children.values()) child.resolutions.clear()
  }

  /** One resolution per folder and specifier per build: modules side by side resolve alike. */
  resolve(resolver: Resolver, source: string, importer: string): Promise<string | null> {
    const key = dirname(importer) + '\0' + source
    let found = this.resolutions.get(key)
    if (!found) {
      found = (async () => {
        try {
          const file = await resolver(source, importer)
          return file ? file.replace(/[?#].*$/, '') : null
        } catch {
          return null
        }
      })()
      this.resolutions.set(key, found)
    }
    return found
  }
}

const SCRIPT = /\.[cm]?[jt]sx?$/

let defaultResolverFactory: ResolverFactory | null = null

/** Node-style resolution with tsconfig `paths` (the nearest tsconfig.json of the importer). */
export const defaultResolve: Resolver = (source, importer) => {
  defaultResolverFactory ??= new ResolverFactory({
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
