/**
 * The unplugin factory: one plugin for every bundler. Filters, side
 * detection (README "Install", sides), the bundler's resolver for cross-module lookups, the
 * per-build cache and the report live here; the work is in `core/`.
 */
import { dirname } from 'node:path'
import { createUnplugin, type UnpluginContextMeta, type UnpluginFactory } from 'unplugin'
import { defaultResolve, ModuleCache } from './core/bindings.js'
import { resolveConfig, RESOLVED_CONFIG } from './core/config.js'
import { validateOptions } from './core/options.js'
import { ChaincutError } from './core/errors.js'
import { transform } from './core/transform.js'
import { BuildReport } from './report.js'
import { GuardError, guardPrefilter, importerChain, violationAt } from './guard.js'
import type { ChaincutOptions, Resolver, ServerOnlyPattern, Side } from './types.js'

const DEFAULT_INCLUDE = [/\.[cm]?[jt]sx?(?:$|\?)/]
const DEFAULT_EXCLUDE = [/[\\/]node_modules[\\/]/, /^\0/, /^virtual:/]

const list = (p: ServerOnlyPattern | ServerOnlyPattern[] | undefined) => (p === undefined ? undefined : Array.isArray(p) ? p : [p])

/**
 * sides for webpack and Rspack (README "Install"): the compiler's `target` — `web*` (and the
 * other browser-like targets) is the client, `node*`/`async-node*` (and
 * `electron-main`) the server. Without a target the bundlers build for the
 * web; with only `browserslist`/`es*` targets, the platform the compiler
 * resolved from them decides, and anything unclear is the client (it cuts more).
 */
function compilerSide(compiler: any): { side: Side; targets: string } {
  const raw = compiler?.options?.target
  const targets = [raw].flat().filter((t): t is string => typeof t === 'string')
  if (targets.some((t) => /^(node|async-node|electron-main)/.test(t))) return { side: 'server', targets: targets.join(', ') }
  const client = targets.some((t) => /^(web|electron-renderer|electron-preload|nwjs)/.test(t))
  if (!client && compiler?.platform?.node === true && !compiler.platform.web) return { side: 'server', targets: targets.join(', ') || 'node' }
  return { side: 'client', targets: targets.join(', ') || 'web' }
}

/** sides (README "Install"): which side this module is compiled for, asked of the bundler each time (never cached across environments). */
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
      const compiler = context?.getNativeBuildContext?.()?.compiler ?? (meta as any)[meta.framework]?.compiler
      const side = compilerSide(compiler)
      return { side: side.side, environment: `${side.side} (${side.targets})` }
    }
    case 'esbuild': {
      const native = context?.getNativeBuildContext?.()
      const platform = native?.build?.initialOptions?.platform ?? 'browser'
      const side: Side = platform === 'browser' ? 'client' : 'server'
      return { side, environment: `${side} (${platform})` }
    }
    case 'bun': {
      // `Bun.build({ target })`: 'browser' (Bun's default) is the client, 'bun' and 'node' the server
      const build = context?.getNativeBuildContext?.()?.build
      const target: string = build?.config?.target ?? build?.target ?? 'browser'
      const side: Side = target === 'browser' ? 'client' : 'server'
      return { side, environment: `${side} (${target})` }
    }
    default:
      throw new Error(
        `[chaincut] ${meta.framework} does not say which bundle it builds: pass chaincut({ side: 'client' }) for the browser bundle or chaincut({ side: 'server' }) for the server bundle`,
      )
  }
}

// one object each: webpack caches the child resolver by the options object
const WEBPACK_RESOLVE = { dependencyType: 'esm' }
const RSPACK_RESOLVE = {}

/** Set once Bun's `build.resolve` has said it is not implemented. */
let bunResolveMissing = false

/** Marks `build.resolve` calls that are chaincut's own head lookups, so the import guard lets them through. */
const LOOKUP = 'chaincutLookup'

/**
 * The bundler's own resolver for cross-module head lookups, so aliases, extensions
 * and conditions configured in that bundler apply (README "Options"). `undefined` falls back
 * to Node-style resolution with tsconfig `paths`.
 */
function bundlerResolver(context: any, meta: UnpluginContextMeta): Resolver | undefined {
  switch (meta.framework) {
    case 'webpack':
    case 'rspack': {
      // the loader's resolver: `resolve.alias`, `extensions`, `byDependency.esm`, tsconfig plugins…
      const loader = context?.getNativeBuildContext?.()?.loaderContext
      if (typeof loader?.getResolve !== 'function') return undefined
      const resolve = loader.getResolve(meta.framework === 'webpack' ? WEBPACK_RESOLVE : RSPACK_RESOLVE)
      return (source, importer) =>
        new Promise<string | null>((done) => {
          // a failed lookup is "not known", never a build error
          resolve(dirname(importer), source, (error: unknown, result: unknown) => done(!error && typeof result === 'string' ? result : null))
        })
    }
    case 'esbuild': {
      const build = context?.getNativeBuildContext?.()?.build
      if (typeof build?.resolve !== 'function') return undefined
      return async (source, importer) => {
        const result = await build.resolve(source, {
          importer,
          resolveDir: dirname(importer),
          kind: 'import-statement',
          pluginData: { [LOOKUP]: true },
        })
        return !result.errors?.length && !result.external && result.namespace === 'file' && result.path ? result.path : null
      }
    }
    case 'bun': {
      // Bun's `build.resolve` (esbuild's API) when it works; Bun 1.4 has it but throws "not
      // implemented yet" (oven-sh/bun#2771): then Node-style resolution with tsconfig `paths`,
      // which is also how Bun itself aliases (it has no `alias` option)
      const build = context?.getNativeBuildContext?.()?.build
      if (typeof build?.resolve !== 'function' || bunResolveMissing) return undefined
      return async (source, importer) => {
        if (!bunResolveMissing) {
          try {
            const result = await build.resolve(source, {
              importer,
              resolveDir: dirname(importer),
              kind: 'import-statement',
              pluginData: { [LOOKUP]: true },
            })
            return result && !result.external && (result.namespace ?? 'file') === 'file' && typeof result.path === 'string' ? result.path : null
          } catch (error) {
            if (!/not implemented/i.test(String((error as Error)?.message))) return null
            bunResolveMissing = true
          }
        }
        return defaultResolve(source, importer)
      }
    }
    default:
      // Rollup, Rolldown, Vite: the plugin pipeline's own `this.resolve`, without chaincut's guard
      if (typeof context?.resolve !== 'function') return undefined
      return async (source, importer) => {
        const resolved = await context.resolve(source, importer, { skipSelf: true })
        return resolved && !resolved.external ? resolved.id : null
      }
  }
}

export const unpluginFactory: UnpluginFactory<ChaincutOptions | undefined, false> = (rawOptions, meta) => {
  const options: ChaincutOptions = rawOptions ?? {}
  // at config time, before anything reads them: a mistake in the options never fails open
  validateOptions(options)
  const config = resolveConfig(options)
  // the import guard by path (README "Import guard"): ids that may be guarded, from the same compiled matchers; null (a custom
  // glob or RegExp, which no prefilter can stand for) checks every id
  const guardedPath = guardPrefilter(config.isServerOnly, config.isClientOnly)
  // sides (README "Install"): Rollup and Rolldown builds do not say which side they are; fail at config time, not mid-build
  if ((meta.framework === 'rollup' || meta.framework === 'rolldown') && !options.side) {
    throw new Error(
      `[chaincut] ${meta.framework} does not say which bundle it builds: pass chaincut({ side: 'client' }) in the browser build's plugins and chaincut({ side: 'server' }) in the server build's`,
    )
  }
  const webpackFamily = meta.framework === 'webpack' || meta.framework === 'rspack'
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
  /** webpack and Rspack have no `getModuleInfo`: the compilation's module graph (each module's issuer) stands in */
  let currentCompilation: any
  const compilationModuleInfo = (context: any) => {
    const native = context?.getNativeBuildContext?.()
    const compilation = native?.compilation ?? currentCompilation
    const moduleGraph = compilation?.moduleGraph
    if (typeof moduleGraph?.getIssuer !== 'function') return undefined
    const clean = (resource: unknown) => (typeof resource === 'string' ? resource.replace(/[?#].*$/, '') : undefined)
    const find = (id: string) => {
      const loading = native?.loaderContext?._module
      if (loading && clean(loading.resource) === id) return loading
      for (const module of compilation.modules ?? []) if (clean(module.resource) === id) return module
      return undefined
    }
    return (id: string) => {
      try {
        const module = find(id)
        if (!module) return null
        const issuer = moduleGraph.getIssuer(module)
        const importer = clean(issuer?.resource)
        return { importers: importer ? [importer] : [], isEntry: !issuer }
      } catch {
        return null
      }
    }
  }

  /** esbuild: every import seen, to name the importer of a guarded file reached through an alias */
  let esbuildBuild: any
  const esbuildImports: Array<{ path: string; importer: string; resolveDir: string; kind: string }> = []
  const esbuildImporterOf = async (id: string): Promise<{ importer: string; source: string } | null> => {
    if (!esbuildBuild) return null
    const candidates = esbuildImports.filter((i) => i.importer !== id)
    const resolved = await Promise.all(
      candidates.map((i) =>
        esbuildBuild
          .resolve(i.path, { importer: i.importer, resolveDir: i.resolveDir, kind: i.kind, pluginData: { [LOOKUP]: true } })
          .then((r: { path?: string }) => r.path, () => undefined),
      ),
    )
    const at = resolved.indexOf(id)
    return at < 0 ? null : { importer: candidates[at].importer, source: candidates[at].path }
  }

  /**
   * Bun: every import seen (Bun's `onResolve` runs before resolution), to name the importer of a
   * guarded file reached through an alias; resolved as chaincut's lookups resolve.
   */
  const bunImports: Array<{ path: string; importer: string }> = []
  const bunImporterOf = async (context: any, id: string): Promise<{ importer: string; source: string } | null> => {
    const resolve = bundlerResolver(context, meta) ?? defaultResolve
    for (const i of bunImports) {
      if (i.importer === id) continue
      let resolved: string | null | undefined
      try {
        resolved = await resolve(i.path, i.importer)
      } catch {
        resolved = null
      }
      if (resolved && resolved.replace(/[?#].*$/, '') === id) return { importer: i.importer, source: i.path }
    }
    return null
  }

  /**
   * webpack and Rspack: remember the compilation (for the importer chain), and catch a
   * server-only file reached through an alias (the import guard by path, README "Import guard") where its resolution is
   * known with the import and its issuer (Rspack's module graph cannot be read while built).
   */
  function webpackLike(compiler: any) {
    compiler.hooks.thisCompilation.tap('chaincut', (compilation: any, params: any) => {
      currentCompilation = compilation
      params?.normalModuleFactory?.hooks?.afterResolve?.tapPromise('chaincut', async (data: any) => {
        const resource = data?.createData?.resource
        const issuer = data?.contextInfo?.issuer
        if (typeof resource !== 'string' || !issuer) return
        const id = resource.replace(/[?#].*$/, '')
        if (guardedPath && !guardedPath.test(id)) return
        const context = { getNativeBuildContext: () => ({ framework: meta.framework, compiler, compilation }) }
        const { side } = detectSide(context, meta, options, undefined)
        const rule = (side === 'client' ? config.isServerOnly : config.isClientOnly)(id)
        if (rule) guardViolation(context, side, issuer, typeof data.request === 'string' ? data.request : id, id, rule)
      })
    })
  }

  const moduleInfo = (context: any, environment: string) => {
    const graph = graphs.get(environment)
    const fromCompilation = webpackFamily ? compilationModuleInfo(context) : undefined
    return (id: string) => {
      let known: { importers?: readonly string[]; isEntry?: boolean } | null | undefined
      try {
        const info = context.getModuleInfo?.(id) ?? fromCompilation?.(id)
        // Vite dev throws on reading `importers` of a ModuleInfo: read it here, once
        known = info ? { importers: info.importers, isEntry: info.isEntry } : null
      } catch {
        known = null
      }
      if (known?.importers?.length || known?.isEntry) return known
      // Vite dev: the environment's module graph knows the importers
      const devNode = context.environment?.moduleGraph?.getModuleById?.(id)
      if (devNode?.importers?.size) {
        const importers = [...devNode.importers].map((m: { id?: string | null }) => m.id).filter(Boolean) as string[]
        if (importers.length) return { importers, isEntry: false }
      }
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

  /**
   * README "How it decides", source maps: the original text of a transformed module → its output. Rollup embeds a
   * module's original text in the bundle's map (not the transform map's `sourcesContent`,
   * which chaincut blanks), so the cut code is blanked again in the written maps.
   */
  const outputs = new Map<string, { map: unknown }>()
  let collectOutputs = meta.framework === 'rollup' // Vite: only in `vite build` (Rollup before Vite 8)
  function redactBundleMaps(this: unknown, _output: unknown, bundle: Record<string, any>) {
    if (!outputs.size) return
    for (const chunk of Object.values(bundle)) {
      const map = chunk?.type === 'chunk' ? chunk.map : null
      if (!Array.isArray(map?.sourcesContent)) continue
      let changed = false
      const contents = map.sourcesContent.map((original: string | null) => {
        const redacted = original == null ? undefined : (outputs.get(original)?.map as { sourcesContent?: Array<string | null> } | undefined)?.sourcesContent?.[0]
        if (redacted == null || redacted === original) return original
        changed = true
        return redacted
      })
      if (!changed) continue
      const text = () => (typeof map.toString === 'function' && map.toString !== Object.prototype.toString ? map.toString() : JSON.stringify(map))
      const dataUrl = (json: string) => `data:application/json;charset=utf-8;base64,${Buffer.from(json).toString('base64')}`
      const before = text()
      map.sourcesContent = contents
      const after = text()
      // the map file was emitted before this hook, and an inline map is in the code
      const asset = bundle[chunk.sourcemapFileName ?? `${chunk.fileName}.map`]
      if (asset?.type === 'asset' && typeof asset.source === 'string') asset.source = after
      if (typeof chunk.code === 'string' && chunk.code.includes(dataUrl(before))) chunk.code = chunk.code.replace(dataUrl(before), dataUrl(after))
    }
  }

  const codeFilter = new RegExp(`${config.codeFilter.client.source}|${config.codeFilter.server.source}`)

  return {
    name: 'chaincut',
    enforce: 'pre',
    // read by `chaincut inspect/check` from a Vite config
    ...({ api: { options } } as object),

    buildStart() {
      cache.clear()
      outputs.clear()
    },

    // the import guard by specifier (README "Import guard"): only imports that survived cutting reach the resolver.
    // esbuild has its own below: its `build.resolve` (chaincut's head lookups) runs every
    // plugin's `onResolve`, and only a native callback sees the lookup's `pluginData`.
    resolveId:
      meta.framework === 'esbuild' || meta.framework === 'bun'
        ? undefined
        : function (this: any, source: string, importer: string | undefined, hookOptions: unknown) {
            // webpack's resolver as the loader's `getResolve` (chaincut's lookups) has no issuer either
            if (!importer) return null
            const { side } = detectSide(this, meta, options, hookOptions as { ssr?: boolean })
            const rule = (side === 'client' ? config.isServerOnly : config.isClientOnly)(source)
            if (rule) guardViolation(this, side, importer, source, null, rule)
            return null
          },

    // the import guard by path (README "Import guard"): a server-only file reached through an alias
    // (webpack and Rspack: at `afterResolve`, where the import is known, see `webpackLike`)
    load: webpackFamily ? undefined : {
      ...(guardedPath ? { filter: { id: guardedPath } } : {}),
      async handler(id: string) {
        const context = this as any
        const { side, environment } = detectSide(context, meta, options, undefined)
        const rule = (side === 'client' ? config.isServerOnly : config.isClientOnly)(id)
        if (!rule) return null
        const info = moduleInfo(context, environment)(id)
        const importer = info?.importers?.[0] ?? (info as { dynamicImporters?: string[] } | undefined)?.dynamicImporters?.[0]
        if (importer) guardViolation(context, side, importer, id, id, rule)
        else if (meta.framework === 'esbuild') {
          // esbuild says nothing about who imports a file: find the import that resolves to it
          const found = await esbuildImporterOf(id)
          if (found) guardViolation(context, side, found.importer, found.source, id, rule)
        }
        else if (meta.framework === 'bun') {
          const found = await bunImporterOf(context, id)
          if (found) guardViolation(context, side, found.importer, found.source, id, rule)
        }
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
        const resolve = bundlerResolver(context, meta)
        try {
          const result = await transform(code, id, <Parameters<typeof transform>[2]>{
            ...options,
            // the options were resolved once, when the plugin was created
            [RESOLVED_CONFIG]: config,
            side,
            resolve,
            cache: cache.scoped(environment),
            onReport: (r) => {
              report.add(environment, r)
              recordDependencies(r.id, r.dependencies)
            },
          })
          if (!result) return null
          if (collectOutputs) outputs.set(code, result)
          if (typeof context.addWatchFile === 'function') {
            for (const dependency of result.report.dependencies) context.addWatchFile(dependency)
          }
          if (webpackFamily) {
            // webpack names a loader map's sources from absolute paths (as babel-loader writes them);
            // the file-relative name would lose its folder (`webpack:///ideas.ts`)
            const map = result.map as any
            return { code: result.code, map: { ...map, sources: [id.replace(/[?#].*$/, '')] } }
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

    webpack: webpackLike,
    rspack: webpackLike,
    rollup: { moduleParsed, generateBundle: redactBundleMaps } as any,
    rolldown: { moduleParsed } as any,
    esbuild: {
      setup(build: any) {
        esbuildBuild = build
        build.onStart(() => {
          esbuildImports.length = 0 // a rebuild of an esbuild context sees its imports again
        })
        const context = {
          getNativeBuildContext: () => ({ framework: 'esbuild', build }),
          warnings: [] as string[],
          warn(message: string) {
            this.warnings.push(message)
          },
        }
        build.onResolve({ filter: /.*/ }, (args: { path: string; importer: string; resolveDir: string; kind: string; pluginData?: Record<string, unknown> }) => {
          if (args.kind === 'entry-point' || !args.importer || args.pluginData?.[LOOKUP]) return undefined
          esbuildImports.push({ path: args.path, importer: args.importer, resolveDir: args.resolveDir, kind: args.kind })
          const { side } = detectSide(context, meta, options, undefined)
          const rule = (side === 'client' ? config.isServerOnly : config.isClientOnly)(args.path)
          if (!rule) return undefined
          context.warnings = []
          try {
            guardViolation(context, side, args.importer, args.path, null, rule)
          } catch (error) {
            if (error instanceof GuardError) return { errors: [{ text: error.message, pluginName: 'chaincut', detail: error.violation }] }
            throw error
          }
          return { warnings: context.warnings.map((text) => ({ text, pluginName: 'chaincut' })) }
        })
      },
    } as any,
    bun: {
      // the import guard by specifier (README "Import guard"), as for esbuild: unplugin's `resolveId` would also see chaincut's own
      // lookups once Bun implements `build.resolve`; only a native callback sees their `pluginData`
      setup(build: any) {
        build.onStart?.(() => {
          bunImports.length = 0
        })
        const context = {
          getNativeBuildContext: () => ({ framework: 'bun', build }),
          warn: (message: string) => console.warn(message),
        }
        build.onResolve({ filter: /.*/ }, (args: { path: string; importer?: string; kind?: string; pluginData?: Record<string, unknown> }) => {
          if (!args.importer || /^entry-point/.test(args.kind ?? '') || args.pluginData?.[LOOKUP]) return undefined
          bunImports.push({ path: args.path, importer: args.importer })
          const { side } = detectSide(context, meta, options, undefined)
          const rule = (side === 'client' ? config.isServerOnly : config.isClientOnly)(args.path)
          // a violation throws: Bun fails the build with the message, at the importer
          if (rule) guardViolation(context, side, args.importer, args.path, null, rule)
          return undefined
        })
      },
    } as any,
    vite: {
      moduleParsed,
      generateBundle: redactBundleMaps,
      configResolved(resolved: { root: string; command?: string }) {
        root = resolved.root
        collectOutputs = resolved.command === 'build'
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
