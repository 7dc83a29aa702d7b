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
import { ChaincutError, formatFinding } from '../findings/errors.js'
import { transform } from '../pipeline/transform.js'
import { GuardError, violationAt } from '../guard/guard.js'
import { firstGuardedImport } from '../guard/imports.js'
import { fromJsonOptions } from '../config/json-options.js'
import type { Resolver, Side } from '../types.js'
import { prepareHost, sideOfTargets, type Host } from './setup.js'

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

/** Per process: one host (resolved options, module caches per side) per options text. */
const prepared = new Map<string, Host>()

function prepare(raw: unknown) {
  const key = JSON.stringify(raw ?? {})
  let found = prepared.get(key)
  if (!found) {
    found = prepareHost(fromJsonOptions(raw))
    prepared.set(key, found)
  }
  return found
}

/** sides for a loader (docs/toolchains.md): the `target` of the compilation (webpack, Rspack; Turbopack's is not documented). */
export function sideFromTarget(target: string | undefined): Side | null {
  return sideOfTargets(target)?.side ?? null
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
  const host = prepare(typeof raw === 'object' ? raw : {})
  const { options, included } = host
  const id = context.resourcePath
  if (!included(id)) return null
  const side = options.side ?? sideFromTarget(context.target)
  if (!side) {
    throw new Error(
      `[chaincut] the loader cannot tell which bundle ${id} is built for (target: ${JSON.stringify(context.target)}): pass { side: 'client' } or { side: 'server' } in the loader's options`,
    )
  }
  let result
  try {
    result = await transform(code, id, <Parameters<typeof transform>[2]>{
      ...host.transformOptions(side),
      resolve: loaderResolver(context),
      cache: host.cacheFor(side),
      onReport: (report) => {
        for (const finding of report.findings) {
          if (finding.level === 'warn') context.emitWarning?.(new Error(formatFinding(finding)))
        }
      },
    })
  } catch (error) {
    if (error instanceof ChaincutError) error.stack = error.message
    throw error
  }
  const output = result?.code ?? code
  if (result) for (const dependency of result.report.dependencies) context.addDependency?.(dependency)

  // the import guard by specifier (docs/reference.md "Import guard") on what survived (this loader sees one file, not the graph)
  const guard = host.guardOf(side)
  if (!guard(id)) {
    const found = firstGuardedImport(output, id, guard)
    if (found) {
      const error = new GuardError(violationAt(side, id, found.source, null, found.rule, [id, found.source], code))
      if (host.guardWarns(side)) context.emitWarning?.(error)
      else {
        error.stack = error.message
        throw error
      }
    }
  }
  return result ? { code: result.code, map: result.map } : null
}
