/**
 * Vite, Rollup and Rolldown: the import guard in `resolveId` (by specifier, behind a hook
 * filter) and `load` (by path, a guarded file reached through an alias), source map
 * redaction, and Vite's dev server (HMR dependants, the dependency scanner).
 *
 * The importer chain is read from the bundler's module info only when a guard error needs
 * it. While a build runs, a module's importers are not known yet (Rollup and Rolldown
 * record them after the importer's dependencies are loaded): a denied import found then
 * is kept (as data) and fails the build at `buildEnd`, when the graph is complete. The dev
 * server knows its importers (its module graph) and fails the request at once.
 */
import type { UnpluginOptions } from 'unplugin'
import type { GuardError } from '../guard.js'
import type { Shared, GuardHit } from './context.js'
import type { BundlerContext, ModuleInfoLike, ModuleInfoReader, ViteModuleNodeLike } from './types.js'

/** The module graph as the bundler knows it now: its module info, else Vite dev's module graph. */
function moduleInfoOf(context: BundlerContext): ModuleInfoReader {
  return (id) => {
    let known: ModuleInfoLike | null = null
    try {
      const info = context.getModuleInfo?.(id)
      // Vite dev throws on reading `importers` of a ModuleInfo: read it here, once
      known = info ? { importers: info.importers, dynamicImporters: info.dynamicImporters, isEntry: info.isEntry } : null
    } catch {
      known = null
    }
    if (known?.importers?.length || known?.dynamicImporters?.length || known?.isEntry) return known
    const node = context.environment?.moduleGraph?.getModuleById?.(id)
    const importers = [...(node?.importers ?? [])].map((m) => m.id).filter((m): m is string => !!m)
    return importers.length ? { importers, isEntry: false } : known
  }
}

const firstImporter = (info: ModuleInfoLike | null) => info?.importers?.[0] ?? info?.dynamicImporters?.[0] ?? null

export function rollupAdapter(shared: Shared): Partial<UnpluginOptions> {
  const { meta } = shared
  /** environment → denied imports found while building, failed at `buildEnd` */
  const pending = new Map<string, GuardHit[]>()
  const isDev = (context: BundlerContext) => shared.dev || context.environment?.mode === 'dev'

  const deny = async (context: BundlerContext, hit: GuardHit) => {
    if (!isDev(context)) {
      let hits = pending.get(hit.environment)
      if (!hits) pending.set(hit.environment, (hits = []))
      hits.push(hit)
      return
    }
    const moduleInfo = moduleInfoOf(context)
    const importer = hit.importer ?? firstImporter(moduleInfo(hit.resolved ?? hit.source))
    if (importer) shared.raise(context, await shared.guardError(context, { ...hit, importer }, moduleInfo), hit.environment)
  }

  /** `buildEnd`: the denied imports of this build, with the graph complete; one error per import. */
  const settle = async (context: BundlerContext, environment: string | undefined): Promise<GuardError[]> => {
    const hits = environment === undefined ? [...pending.values()].flat() : (pending.get(environment) ?? [])
    if (environment === undefined) pending.clear()
    else pending.delete(environment)
    const moduleInfo = moduleInfoOf(context)
    const errors: GuardError[] = []
    const seen = new Set<string>()
    for (const hit of hits) {
      // by path: the importer is the module that imports the guarded file (none: an entry, allowed)
      const importer = hit.importer ?? firstImporter(moduleInfo(hit.resolved ?? hit.source))
      if (!importer) continue
      const error = await shared.guardError(context, { ...hit, importer }, moduleInfo)
      // an import denied by specifier reaches `load` too: one error for it
      const key = `${importer}\0${error.violation.source}`
      if (seen.has(key)) continue
      seen.add(key)
      try {
        shared.raise(context, error, hit.environment)
      } catch {
        errors.push(error)
      }
    }
    return errors
  }

  // README "Import guard": ids the guard may deny, as a hook filter; a custom glob or RegExp needs every id
  const idFilter = shared.guardedPath ? { filter: { id: shared.guardedPath } } : {}

  function redact(this: BundlerContext, _output: unknown, bundle: Record<string, object>) {
    shared.redactions.redact(shared.sideOf(this).environment, bundle)
  }

  return {
    // the import guard by specifier: only imports that survived cutting reach the resolver
    resolveId: {
      ...idFilter,
      async handler(source, importer, hookOptions) {
        // Vite's dependency scanner resolves the uncut source: not the client bundle
        if (!importer || (hookOptions as { scan?: boolean } | undefined)?.scan) return null
        const { side, environment } = shared.sideOf(this as BundlerContext, hookOptions as { ssr?: boolean })
        const rule = shared.ruleFor(side, source)
        if (rule) await deny(this as BundlerContext, { side, environment, importer, source, resolved: null, rule })
        return null
      },
    },

    // the import guard by path: a guarded file reached through an alias
    load: {
      ...idFilter,
      async handler(id) {
        const { side, environment } = shared.sideOf(this as BundlerContext)
        const rule = shared.ruleFor(side, id)
        if (rule) await deny(this as BundlerContext, { side, environment, importer: null, source: id, resolved: id, rule })
        return null
      },
    },

    async buildEnd(this: unknown, error?: Error) {
      const context = this as BundlerContext
      const environment = context.environment?.name
      const errors = await settle(context, environment)
      await shared.finish(environment === undefined ? undefined : [environment])
      // another error already fails the build; the summary counted these
      if (errors.length && !error) throw errors[0]
    },

    rollup: { generateBundle: redact, closeBundle: () => shared.redactions.clear() },
    vite: {
      generateBundle: redact,
      closeBundle(this: BundlerContext) {
        shared.redactions.clear(this?.environment?.name ?? undefined)
      },
      configResolved(resolved: { root: string; command?: string }) {
        shared.root = resolved.root
        shared.dev = resolved.command === 'serve'
        shared.redactions.enabled = resolved.command === 'build'
      },
      // A module's output depends on its parents in other modules (`.ssr(false)`, `.clientOnly()`,
      // whether a head traces at all). Vite only soft-invalidates importers, which would serve the
      // old transform: re-transform every dependant, in every environment, when a parent changes.
      hotUpdate(this: BundlerContext, update: { file: string; timestamp: number; modules: ViteModuleNodeLike[] }) {
        shared.cache.invalidate(update.file)
        shared.forget(update.file)
        const ids = shared.dependents.get(update.file)
        const graph = this.environment?.moduleGraph
        if (!ids?.size || !graph) return
        const extra: ViteModuleNodeLike[] = []
        for (const id of ids) {
          for (const mod of graph.getModulesByFile?.(id) ?? []) {
            graph.invalidateModule?.(mod, new Set(), update.timestamp, true)
            extra.push(mod)
          }
        }
        return [...update.modules, ...extra.filter((m) => !update.modules.includes(m))]
      },
    } as UnpluginOptions['vite'],
  }
}
