/**
 * webpack and Rspack: the import guard by specifier in `resolveId` (unplugin runs it in
 * the resolver), and by path at `afterResolve`, where the import and its issuer are known
 * (a guarded file reached through an alias; Rspack's module graph cannot be read while
 * built). The importer chain is read from the compilation's module graph (each module's
 * issuer) when an error needs it.
 *
 * `new Worker(new URL('…', import.meta.url))` and `new URL('…', import.meta.url)` are
 * dependencies like an import: the same two checks see them. A module a context module
 * reaches (`require.context`, a template `import()`) has no issuer at `afterResolve`: it is
 * checked when the graph is complete (`finishModules`), at the module that made the context.
 */
import { dirname, relative } from 'node:path'
import type { UnpluginOptions } from 'unplugin'
import { GuardError, positionAt, readImporter } from '../../guard/guard.js'
import type { GuardHit, Shared } from './context.js'
import type { BundlerContext, CompilationLike, CompilerLike, ModuleInfoReader, WebpackModuleLike } from './types.js'
import { stripQuery } from '../../util/ids.js'

const clean = (resource: unknown) => (typeof resource === 'string' ? stripQuery(resource) : undefined)

/** What makes a context module in code: `require.context`, `import.meta.webpackContext`, `import()`/`require()` of a non-literal, a template `new URL`. */
const CONTEXT_CALL = /\brequire\.context\s*\(|\bimport\.meta\.webpackContext\s*\(|\b(?:import|require)\s*\((?!\s*(['"])[^'"`]*\1\s*[,)])|\bnew\s+URL\s*\(\s*`[^`]*\$\{/

/**
 * The file whose context module reached `module` (none: an entry, or an import `afterResolve`
 * saw), the file as a relative path from it, and where the context is made: the first context
 * call in its text (webpack's `loc` is in the loaders' output, Rspack gives none).
 */
function contextImporter(compilation: CompilationLike, module: WebpackModuleLike, id: string): Pick<GuardHit, 'source' | 'at'> & { importer: string } | null {
  const graph = compilation.moduleGraph
  const context = graph?.getIssuer?.(module)
  if (!context || typeof context.resource === 'string') return null
  const importer = clean(graph?.getIssuer?.(context)?.resource)
  if (!importer) return null
  const path = relative(dirname(importer), id).replace(/\\/g, '/')
  const source = path.startsWith('../..') ? path : `./${path}`
  const text = readImporter(importer)
  const call = CONTEXT_CALL.exec(text)
  return { importer, source, at: call ? positionAt(text, call.index) : undefined }
}

/** webpack and Rspack have no `getModuleInfo`: the compilation's module graph stands in. */
function compilationModuleInfo(context: BundlerContext, current: CompilationLike | undefined): ModuleInfoReader | undefined {
  const native = context.getNativeBuildContext?.()
  const compilation = native?.compilation ?? current
  const moduleGraph = compilation?.moduleGraph
  if (typeof moduleGraph?.getIssuer !== 'function') return undefined
  const find = (id: string): WebpackModuleLike | undefined => {
    const loading = native?.loaderContext?._module
    if (loading && clean(loading.resource) === id) return loading
    for (const module of compilation?.modules ?? []) if (clean(module.resource) === id) return module
    return undefined
  }
  return (id) => {
    try {
      const module = find(id)
      if (!module) return null
      const issuer = moduleGraph.getIssuer!(module)
      const importer = clean(issuer?.resource)
      return { importers: importer ? [importer] : [], isEntry: !issuer }
    } catch {
      return null
    }
  }
}

export function webpackAdapter(shared: Shared): Partial<UnpluginOptions> {
  let currentCompilation: CompilationLike | undefined

  function webpackLike(compiler: CompilerLike) {
    // the HTML audit holds server code: never in the client's output folder
    const outputPath = compiler.options?.output?.path
    if (typeof outputPath === 'string' && shared.sideOf({ getNativeBuildContext: () => ({ framework: shared.meta.framework, compiler }) }).side === 'client') {
      shared.outputFolder(outputPath, `${shared.meta.framework === 'rspack' ? 'Rspack' : 'webpack'} output.path of the client build`)
    }
    compiler.hooks.thisCompilation.tap('chaincut', (compilation, params) => {
      currentCompilation = compilation
      params?.normalModuleFactory?.hooks?.afterResolve?.tapPromise('chaincut', async (data) => {
        const id = clean(data?.createData?.resource)
        const issuer = data?.contextInfo?.issuer
        if (!id || !issuer) return
        if (shared.guardedPath && !shared.guardedPath.test(id)) return
        const context: BundlerContext = { getNativeBuildContext: () => ({ framework: shared.meta.framework, compiler, compilation }) }
        const { side, environment } = shared.sideOf(context)
        const rule = shared.ruleFor(side, id)
        if (!rule) return
        const source = typeof data.request === 'string' ? data.request : id
        const error = await shared.guardError(context, { side, environment, importer: issuer, source, resolved: id, rule }, compilationModuleInfo(context, compilation))
        shared.raise(context, error, environment)
      })
      compilation.hooks?.finishModules?.tapPromise('chaincut', async (modules) => {
        const context: BundlerContext = { getNativeBuildContext: () => ({ framework: shared.meta.framework, compiler, compilation }) }
        const { side, environment } = shared.sideOf(context)
        for (const module of modules) {
          const id = clean(module.resource)
          if (!id || (shared.guardedPath && !shared.guardedPath.test(id))) continue
          const rule = shared.ruleFor(side, id)
          const found = rule && contextImporter(compilation, module, id)
          if (!rule || !found) continue
          try {
            shared.raise(context, shared.errorAt({ side, environment, ...found, resolved: id, rule }, compilationModuleInfo(context, compilation)), environment)
          } catch (error) {
            // the compilation's error, as the other modules' (a thrown one would stop webpack without its stats)
            if (!(error instanceof GuardError)) throw error
            compilation.errors?.push(error)
          }
        }
      })
    })
  }

  return {
    resolveId: {
      ...(shared.guardedPath ? { filter: { id: shared.guardedPath } } : {}),
      async handler(source, importer) {
        // webpack's resolver as the loader's `getResolve` (chaincut's lookups) has no issuer
        if (!importer) return null
        const context = this as BundlerContext
        const { side, environment } = shared.sideOf(context)
        const rule = shared.ruleFor(side, source)
        if (rule) shared.raise(context, await shared.guardError(context, { side, environment, importer, source, resolved: null, rule }, compilationModuleInfo(context, currentCompilation)), environment)
        return null
      },
    },
    buildEnd() {
      currentCompilation = undefined
      return shared.finish(undefined)
    },
    webpack: webpackLike as UnpluginOptions['webpack'],
    rspack: webpackLike as UnpluginOptions['rspack'],
  }
}
