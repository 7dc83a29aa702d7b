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
 *
 * Vite bundles a worker and copies an asset from `new URL('…', import.meta.url)` with its own
 * resolver, asking no plugin's `resolveId`: the client's code after the cut is scanned for them
 * (`guardOutput`), and the bundle's assets made from a guarded file (a CSS `url()`, an HTML
 * `<img src>`) are checked before it is written.
 */
import { basename, dirname, isAbsolute, join, resolve as resolvePath } from 'node:path'
import type { UnpluginOptions } from 'unplugin'
import { defaultResolve } from '../../js/modules.js'
import { positionAt, readImporter, type GuardError } from '../../guard/guard.js'
import { NEW_URL, urlReferences } from '../../guard/imports.js'
import type { Resolver } from '../../types.js'
import type { Shared, GuardHit } from './context.js'
import { bundlerResolver } from './resolve.js'
import type { BundlerContext, ModuleInfoLike, ModuleInfoReader, OutputGuard, ViteModuleNodeLike } from './types.js'
import { stripQuery } from '../../util/ids.js'

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

const clean = stripQuery
/** `https:`, `data:`, `blob:`…: a URL the bundler leaves alone */
const SCHEME = /^[a-z][a-z\d+.-]*:/i
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** The file of `new URL(source, import.meta.url)`: a URL is relative without `../../plugin` too (`new URL('w.ts', …)`). */
async function urlFile(resolve: Resolver, source: string, importer: string): Promise<string | null> {
  for (const specifier of /^\.{0,2}\//.test(source) ? [source] : [source, `./${source}`]) {
    const file = await Promise.resolve(resolve(specifier, importer)).catch(() => null)
    if (file) return clean(file)
  }
  return null
}

/** The module of the bundle whose text names `file` (a CSS `url()`, an HTML attribute): the reference as written, and where. */
function referrer(context: BundlerContext, file: string): { importer: string; source: string; at: { line: number; column: number } } | null {
  const name = new RegExp(`(?:^|['"\`(\\s=])([^'"\`()\\s=]*${escapeRegExp(basename(file))})(?=[?#'"\`)\\s]|$)`)
  for (const id of context.getModuleIds?.() ?? []) {
    if (id.startsWith('\0') || clean(id) === file) continue
    const text = readImporter(id)
    const match = name.exec(text)
    if (match) return { importer: clean(id), source: match[1], at: positionAt(text, match.index + match[0].length - match[1].length) }
  }
  return null
}

/** What the client's output folder is, as Rollup and Rolldown hand their output options to `renderStart`. */
interface OutputOptionsLike {
  dir?: string
  file?: string
}

/** Vite's resolved config, as far as chaincut reads it. */
interface ViteResolvedLike {
  root: string
  command?: string
  publicDir?: string | false
  build?: { outDir?: string; ssr?: unknown }
  environments?: Record<string, { consumer?: string; build?: { outDir?: string } }>
}

/** Rollup, Rolldown (`renderStart`): the client's output folder, checked before the HTML audit is written. */
function auditAtRender(shared: Shared) {
  return (outputOptions: OutputOptionsLike) => {
    if (shared.options.side === 'client') {
      const name = shared.meta.framework === 'rollup' ? 'Rollup' : 'Rolldown'
      if (outputOptions?.dir) shared.outputFolder(resolvePath(outputOptions.dir), `${name} output.dir of the client build`)
      else if (outputOptions?.file) shared.outputFolder(dirname(resolvePath(outputOptions.file)), `the folder of ${name}'s output.file, the client build's`)
    }
    shared.flushAudit()
  }
}

/** Vite: the folders the client's files are served or deployed from, where the HTML audit (server code) is never written. */
function viteOutputFolders(shared: Shared, resolved: ViteResolvedLike) {
  if (resolved.publicDir) shared.outputFolder(resolved.publicDir, "Vite's publicDir, served and copied into the client's output as is")
  // `vite build --ssr`: the folders configured are the server's (the client's is the client build's to check)
  if (resolved.command !== 'build' || resolved.build?.ssr) return
  shared.outputFolder(resolvePath(resolved.root, resolved.build?.outDir ?? 'dist'), 'Vite build.outDir of the client environment')
  for (const [name, environment] of Object.entries(resolved.environments ?? {})) {
    if (environment?.consumer === 'client' && environment.build?.outDir) shared.outputFolder(resolvePath(resolved.root, environment.build.outDir), `Vite environments.${name}.build.outDir`)
  }
}

export function rollupAdapter(shared: Shared): Partial<UnpluginOptions> & { guardOutput: OutputGuard } {
  const { meta } = shared
  // the HTML audit is written once the output is: Rollup and Rolldown name their output folder after
  // the build ends, and Vite empties its output folder then (an audit in the SSR build's would go)
  shared.deferAudit = true
  const renderStart = auditAtRender(shared)
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

  // docs/reference.md "Import guard": ids the guard may deny, as a hook filter; a custom glob or RegExp needs every id
  const idFilter = shared.guardedPath ? { filter: { id: shared.guardedPath } } : {}
  /** files whose URL reference was already reported (`onUnsafe: 'warn'`): their asset is not reported again */
  const reportedUrls = new Set<string>()

  /** `new URL('…', import.meta.url)` in the client's code after the cut: the file, checked as an import of it would be. */
  const guardOutput: OutputGuard = {
    code: NEW_URL,
    async check(context, code, id, hookOptions) {
      const { side, environment } = shared.sideOf(context, hookOptions)
      // the server builds bundle nothing from it (Vite applies its worker and asset plugins to the client only)
      if (side !== 'client') return
      const references = urlReferences(code, id)
      if (!references.length) return
      const resolve = bundlerResolver(context, meta) ?? defaultResolve
      for (const { source } of references) {
        if (SCHEME.test(source)) continue
        const resolved = await urlFile(resolve, source, id)
        const rule = shared.ruleFor(side, source) ?? (resolved && shared.ruleFor(side, resolved))
        if (!rule) continue
        if (resolved && !isDev(context)) reportedUrls.add(resolved)
        await deny(context, { side, environment, importer: id, source, resolved, rule })
      }
    },
  }

  /** The client bundle's assets made from a guarded file, which no import names (the URL references are reported at `buildEnd`). */
  function guardAssets(context: BundlerContext, bundle: Record<string, object>) {
    const { side, environment } = shared.sideOf(context)
    const reported = new Set(reportedUrls)
    reportedUrls.clear()
    if (side !== 'client') return
    for (const file of Object.values(bundle) as Array<{ type?: string; originalFileNames?: readonly string[] }>) {
      for (const name of file.type === 'asset' ? (file.originalFileNames ?? []) : []) {
        const path = isAbsolute(name) ? name : join(shared.root, name)
        const rule = shared.ruleFor(side, name) ?? shared.ruleFor(side, path)
        const found = rule && !reported.has(path) ? referrer(context, path) : null
        if (!rule || !found) continue
        const error = shared.errorAt({ side, environment, ...found, resolved: path, rule }, moduleInfoOf(context))
        // the build's summary is printed (`buildEnd`): an error now is not counted for it
        if (shared.config.onUnsafe === 'warn') shared.raise(context, error, environment)
        else {
          shared.recordGuard(environment, error.violation, 'error')
          throw error
        }
      }
    }
  }

  function generateBundle(this: BundlerContext, _output: unknown, bundle: Record<string, object>) {
    guardAssets(this, bundle)
    shared.redactions.redact(shared.sideOf(this).environment, bundle)
  }

  return {
    guardOutput,

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
      // no bundle is written: nothing is left to check against the URLs reported
      if (errors.length || error) reportedUrls.clear()
      await shared.finish(environment === undefined ? undefined : [environment])
      // no output will be written (or Vite's dev server closes): the HTML audit has nothing to wait for
      if (errors.length || error || isDev(context)) shared.flushAudit()
      // another error already fails the build; the summary counted these
      if (errors.length && !error) throw errors[0]
    },

    rollup: { renderStart, generateBundle, closeBundle: () => (shared.redactions.clear(), shared.flushAudit()) } as UnpluginOptions['rollup'],
    rolldown: {
      renderStart,
      generateBundle(this: BundlerContext, _output: unknown, bundle: Record<string, object>) {
        guardAssets(this, bundle)
      },
      closeBundle: () => shared.flushAudit(),
    } as UnpluginOptions['rolldown'],
    vite: {
      generateBundle,
      closeBundle(this: BundlerContext) {
        shared.redactions.clear(this?.environment?.name ?? undefined)
        shared.flushAudit()
      },
      configResolved(resolved: ViteResolvedLike) {
        shared.root = resolved.root
        shared.dev = resolved.command === 'serve'
        shared.redactions.enabled = resolved.command === 'build'
        viteOutputFolders(shared, resolved)
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
