/**
 * `chaincut/loader`: chaincut as a webpack-style loader, for Turbopack's
 * `turbopack.rules` (which `chaincut/next` sets up) and for any bundler that runs
 * webpack loaders (webpack and Rspack have the fuller `chaincut/webpack` and
 * `chaincut/rspack` plugins).
 *
 * The side is the `side` option, else the loader context's `target` (`web*` → client,
 * `node*` → server). Cross-module lookups go through the bundler's `getResolve`
 * (Turbopack's resolver under Next), falling back to chaincut's default resolver.
 * Options arrive as JSON (RegExps encoded by `toJsonOptions`).
 */
import { dirname } from 'node:path'
import { ModuleCache } from './core/modules.js'
import { resolveConfig, RESOLVED_CONFIG } from './core/config.js'
import { ChaincutError } from './core/errors.js'
import { validateOptions } from './core/options.js'
import { transform } from './core/transform.js'
import { GuardError, violationAt } from './guard.js'
import { firstGuardedImport } from './guard-imports.js'
import { idFilter } from './id-filter.js'
import { fromJsonOptions } from './json-options.js'
import type { ChaincutOptions, Resolver, Side } from './types.js'

/** The part of a webpack loader context chaincut uses (webpack, Rspack and Turbopack all have it). */
export interface LoaderContextLike {
  resourcePath: string
  target?: string
  async(): (error: Error | null, code?: string, map?: unknown) => void
  getOptions?(): unknown
  query?: unknown
  getResolve?(options?: Record<string, unknown>): (context: string, request: string, callback?: (error: Error | null | undefined, result?: string | false) => void) => unknown
  addDependency?(file: string): void
  emitWarning?(warning: Error): void
}

/** Per process: one set of resolved options per options text, one module cache per side. */
const prepared = new Map<string, { options: ChaincutOptions; config: ReturnType<typeof resolveConfig>; included: (id: string) => boolean }>()
const caches = new Map<string, ModuleCache>()

function prepare(raw: unknown) {
  const key = JSON.stringify(raw ?? {})
  let found = prepared.get(key)
  if (!found) {
    const options = fromJsonOptions(raw)
    validateOptions(options)
    found = { options, config: resolveConfig(options), included: idFilter(options) }
    prepared.set(key, found)
  }
  return found
}

/** sides for a loader (README "Install"): the `target` of the compilation (webpack, Rspack; Turbopack's is not documented). */
export function sideFromTarget(target: string | undefined): Side | null {
  if (!target) return null
  if (/^(node|async-node|electron-main)/.test(target)) return 'server'
  if (/^(web|webworker|browser|browserslist|electron-renderer|electron-preload|nwjs|es\d)/.test(target)) return 'client'
  return null
}

function loaderResolver(context: LoaderContextLike): Resolver | undefined {
  if (typeof context.getResolve !== 'function') return undefined
  let resolve: ReturnType<NonNullable<LoaderContextLike['getResolve']>>
  try {
    resolve = context.getResolve({ dependencyType: 'esm' })
  } catch {
    return undefined
  }
  return (source, importer) =>
    new Promise<string | null>((done) => {
      try {
        // a failed lookup is "not known", never a build error
        const returned = resolve(dirname(importer), source, (error, result) => done(!error && typeof result === 'string' ? result : null)) as Promise<unknown> | undefined
        if (returned && typeof (returned as Promise<unknown>).then === 'function') (returned as Promise<unknown>).catch(() => done(null))
      } catch {
        done(null)
      }
    })
}

export default function chaincutLoader(this: LoaderContextLike, code: string, map?: unknown): void {
  const callback = this.async()
  run(this, code).then(
    (result) => (result ? callback(null, result.code, result.map) : callback(null, code, map)),
    (error) => callback(error as Error),
  )
}

async function run(context: LoaderContextLike, code: string): Promise<{ code: string; map: unknown } | null> {
  const raw = typeof context.getOptions === 'function' ? context.getOptions() : context.query
  const { options, config, included } = prepare(typeof raw === 'object' ? raw : {})
  const id = context.resourcePath
  if (!included(id)) return null
  const side = options.side ?? sideFromTarget(context.target)
  if (!side) {
    throw new Error(
      `[chaincut] the loader cannot tell which bundle ${id} is built for (target: ${JSON.stringify(context.target)}): pass { side: 'client' } or { side: 'server' } in the loader's options`,
    )
  }
  let cache = caches.get(side)
  if (!cache) caches.set(side, (cache = new ModuleCache()))
  let result
  try {
    result = await transform(code, id, <Parameters<typeof transform>[2]>{
      ...options,
      [RESOLVED_CONFIG]: config,
      side,
      resolve: loaderResolver(context),
      cache,
      onReport: (report) => {
        for (const finding of report.findings) {
          if (finding.level === 'warn') context.emitWarning?.(new Error(`[chaincut] ${finding.file}:${finding.line}:${finding.column + 1} ${finding.code}: ${finding.message}\n  ${finding.hint}`))
        }
      },
    })
  } catch (error) {
    if (error instanceof ChaincutError) error.stack = error.message
    throw error
  }
  const output = result?.code ?? code
  if (result) for (const dependency of result.report.dependencies) context.addDependency?.(dependency)

  // the import guard by specifier (README "Import guard") on what survived (this loader sees one file, not the graph)
  const guard = side === 'client' ? config.isServerOnly : config.isClientOnly
  if (!guard(id)) {
    const found = firstGuardedImport(output, id, guard)
    if (found) {
      const error = new GuardError(violationAt(side, id, found.source, null, found.rule, [id, found.source], code))
      if (config.onUnsafe === 'warn') context.emitWarning?.(error)
      else {
        error.stack = error.message
        throw error
      }
    }
  }
  return result ? { code: result.code, map: result.map } : null
}
