/**
 * The unplugin factory: one plugin for every bundler. Filters, side
 * detection (SPEC 6), the bundler's resolver for cross-module lookups, the
 * per-build cache and the report live here; the work is in `core/`.
 */
import { createUnplugin, type UnpluginContextMeta, type UnpluginFactory } from 'unplugin'
import { ModuleCache } from './core/bindings.js'
import { resolveConfig } from './core/config.js'
import { ChaincutError } from './core/errors.js'
import { transform } from './core/transform.js'
import { BuildReport } from './report.js'
import { GuardError, importerChain, violationAt } from './guard.js'
import type { ChaincutOptions, Resolver, ServerOnlyPattern, Side } from './types.js'

const DEFAULT_INCLUDE = [/\.[cm]?[jt]sx?(?:$|\?)/]
const DEFAULT_EXCLUDE = [/[\\/]node_modules[\\/]/, /^\0/, /^virtual:/]
const GUARDED_PATH = /\.(server|client)(\.[^\\/]*)?(?:$|\?)|[\\/]\.(server|client)[\\/]/

const list = (p: ServerOnlyPattern | ServerOnlyPattern[] | undefined) => (p === undefined ? undefined : Array.isArray(p) ? p : [p])

/** SPEC 6: which side this module is compiled for, asked of the bundler each time (never cached across environments). */
function detectSide(
  context: any,
  meta: UnpluginContextMeta,
  options: ChaincutOptions,
  hookOptions: { ssr?: boolean } | undefined,
): { side: Side; environment: string } {
  if (options.side) return { side: options.side, environment: options.side }
  switch (meta.framework) {
    case 'vite': {
      const env = context?.environment
      const consumer = env?.config?.consumer
      if (consumer === 'client' || consumer === 'server') return { side: consumer, environment: env.name ?? consumer }
      const side: Side = hookOptions?.ssr ? 'server' : 'client'
      return { side, environment: side }
    }
    case 'webpack':
    case 'rspack': {
      const native = context?.getNativeBuildContext?.()
      const target = native?.compiler?.options?.target
      const targets = [target].flat().filter((t): t is string => typeof t === 'string')
      const server = targets.some((t) => /^(node|async-node|electron-main)/.test(t))
      const side: Side = server ? 'server' : 'client'
      return { side, environment: `${side} (${targets.join(', ') || 'web'})` }
    }
    case 'esbuild': {
      const native = context?.getNativeBuildContext?.()
      const platform = native?.build?.initialOptions?.platform ?? 'browser'
      const side: Side = platform === 'browser' ? 'client' : 'server'
      return { side, environment: `${side} (${platform})` }
    }
    default:
      throw new Error(
        `[chaincut] ${meta.framework} does not say which bundle it builds: pass chaincut({ side: 'client' }) for the browser bundle or chaincut({ side: 'server' }) for the server bundle`,
      )
  }
}

export const unpluginFactory: UnpluginFactory<ChaincutOptions | undefined, false> = (rawOptions, meta) => {
  const options: ChaincutOptions = rawOptions ?? {}
  const config = resolveConfig(options) // validates the options at config time
  const cache = new ModuleCache()
  const report = new BuildReport()
  const reportOption = options.report ?? true
  let root = process.cwd()

  /** dependency file → modules whose output depends on it (they followed a head into it) */
  const dependents = new Map<string, Set<string>>()
  const recordDependencies = (id: string, dependencies: string[]) => {
    for (const dependency of dependencies) {
      let ids = dependents.get(dependency)
      if (!ids) dependents.set(dependency, (ids = new Set()))
      ids.add(id)
    }
  }

  /** environment → module → the first module seen importing it, and the entries (for the importer chain) */
  const graphs = new Map<string, { importedBy: Map<string, string>; entries: Set<string> }>()
  const graphOf = (environment: string) => {
    let graph = graphs.get(environment)
    if (!graph) graphs.set(environment, (graph = { importedBy: new Map(), entries: new Set() }))
    return graph
  }
  const moduleParsed = function (this: any, info: { id: string; isEntry: boolean; importedIds: readonly string[]; dynamicallyImportedIds?: readonly string[] }) {
    const graph = graphOf(detectSide(this, meta, options, undefined).environment)
    if (info.isEntry) graph.entries.add(info.id)
    for (const child of [...info.importedIds, ...(info.dynamicallyImportedIds ?? [])]) {
      if (!graph.importedBy.has(child)) graph.importedBy.set(child, info.id)
    }
  }
  const moduleInfo = (context: any, environment: string) => {
    const graph = graphs.get(environment)
    return (id: string) => {
      const known = context.getModuleInfo?.(id)
      if (known?.importers?.length || known?.isEntry) return known
      const parent = graph?.importedBy.get(id)
      return { importers: parent ? [parent] : [], isEntry: graph?.entries.has(id) ?? false }
    }
  }

  const guardViolation = (context: any, side: Side, importer: string, source: string, resolved: string | null, rule: string) => {
    const chain = importerChain(moduleInfo(context, detectSide(context, meta, options, undefined).environment), importer)
    const violation = violationAt(side, importer, source, resolved, rule, [...chain, resolved ?? source])
    const error = new GuardError(violation, root)
    if (config.onUnsafe === 'warn') {
      if (typeof context.warn === 'function') context.warn(error.message)
      else console.warn(error.message)
      return
    }
    throw error
  }

  const codeFilter = new RegExp(`${config.codeFilter.client.source}|${config.codeFilter.server.source}`)

  return {
    name: 'chaincut',
    enforce: 'pre',
    // read by `chaincut inspect/check` from a Vite config
    ...({ api: { options } } as object),

    buildStart() {
      cache.clear()
    },

    // SPEC 7.2, by specifier: only imports that survived cutting reach the resolver
    resolveId(source, importer, hookOptions) {
      if (!importer) return null
      const context = this as any
      const { side } = detectSide(context, meta, options, hookOptions as { ssr?: boolean })
      const rule = (side === 'client' ? config.isServerOnly : config.isClientOnly)(source)
      if (rule) guardViolation(context, side, importer, source, null, rule)
      return null
    },

    // SPEC 7.2, by path: a server-only file reached through an alias
    load: {
      filter: { id: GUARDED_PATH },
      handler(id) {
        const context = this as any
        const { side } = detectSide(context, meta, options, undefined)
        const rule = (side === 'client' ? config.isServerOnly : config.isClientOnly)(id)
        if (!rule) return null
        const info = context.getModuleInfo?.(id)
        const importer = info?.importers?.[0] ?? info?.dynamicImporters?.[0]
        if (importer) guardViolation(context, side, importer, id, id, rule)
        return null
      },
    },

    watchChange(id) {
      cache.invalidate(id)
    },

    transform: {
      filter: {
        id: { include: list(options.include) ?? DEFAULT_INCLUDE, exclude: list(options.exclude) ?? DEFAULT_EXCLUDE },
        code: { include: codeFilter },
      },
      async handler(code, id, ...rest: unknown[]) {
        const context = this as any
        const { side, environment } = detectSide(context, meta, options, rest[0] as { ssr?: boolean } | undefined)
        const resolve: Resolver | undefined =
          typeof context.resolve === 'function'
            ? async (source, importer) => {
                const resolved = await context.resolve(source, importer, { skipSelf: true })
                return resolved && !resolved.external ? resolved.id : null
              }
            : undefined
        try {
          const result = await transform(code, id, {
            ...options,
            side,
            resolve,
            cache,
            onReport: (r) => {
              report.add(environment, r)
              recordDependencies(r.id, r.dependencies)
            },
          })
          if (!result) return null
          if (typeof context.addWatchFile === 'function') {
            for (const dependency of result.report.dependencies) context.addWatchFile(dependency)
          }
          return { code: result.code, map: result.map as any }
        } catch (error) {
          if (error instanceof ChaincutError) {
            // Vite and Rollup print `frame` and point the overlay at `loc`
            ;(error as any).id = error.id
            ;(error as any).plugin = 'chaincut'
          }
          throw error
        }
      },
    },

    rollup: { moduleParsed } as any,
    rolldown: { moduleParsed } as any,
    vite: {
      moduleParsed,
      configResolved(resolved: { root: string }) {
        root = resolved.root
      },
      // A module's output depends on its parents in other modules (`.ssr(false)`, `.clientOnly()`,
      // whether a head traces at all). Vite only soft-invalidates importers, which would serve the
      // old transform: re-transform every dependant, in every environment, when a parent changes.
      hotUpdate(this: any, update: { file: string; timestamp: number; modules: any[] }) {
        cache.invalidate(update.file)
        const ids = dependents.get(update.file)
        if (!ids?.size) return
        const graph = this.environment?.moduleGraph
        if (!graph) return
        const extra: any[] = []
        for (const id of ids) {
          for (const mod of graph.getModulesByFile(id) ?? []) {
            graph.invalidateModule(mod, new Set(), update.timestamp, true)
            extra.push(mod)
          }
        }
        return [...update.modules, ...extra.filter((m) => !update.modules.includes(m))]
      },
    } as any,

    buildEnd() {
      if (!reportOption) return
      const environment = (this as any)?.environment?.name
      const names = environment ? [environment] : [...Object.keys(report.toJSON())]
      for (const name of names) {
        if (!report.summary(name).modules) continue
        console.log(report.format(name, root))
      }
      if (typeof reportOption === 'string') report.write(reportOption, root)
    },
  }
}

export const unplugin = /* #__PURE__ */ createUnplugin(unpluginFactory)
export default unplugin
