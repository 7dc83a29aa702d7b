/**
 * The bundler's own resolver for cross-module head lookups, so aliases, extensions
 * and conditions configured in that bundler apply (docs/reference.md "Options"). `undefined`
 * falls back to Node-style resolution with tsconfig `paths`.
 */
import { dirname } from 'node:path'
import type { UnpluginContextMeta } from 'unplugin'
import { defaultResolve } from '../../js/modules.js'
import type { Resolver } from '../../types.js'
import type { BundlerContext, EsbuildLike } from './types.js'

/** Marks `build.resolve` calls that are chaincut's own head lookups, so the import guard lets them through. */
export const LOOKUP = 'chaincutLookup'

// one object each: webpack caches the child resolver by the options object
const WEBPACK_RESOLVE = { dependencyType: 'esm' }
const RSPACK_RESOLVE = {}

/** Set once Bun's `build.resolve` has said it is not implemented. */
let bunResolveMissing = false

/** esbuild's (and Bun's) `build.resolve` as chaincut's lookups call it. */
export const lookup = (build: EsbuildLike, source: string, importer: string, resolveDir = dirname(importer), kind = 'import-statement') =>
  build.resolve!(source, { importer, resolveDir, kind, pluginData: { [LOOKUP]: true } })

export function bundlerResolver(context: BundlerContext | undefined, meta: UnpluginContextMeta): Resolver | undefined {
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
          resolve(dirname(importer), source, (error, result) => done(!error && typeof result === 'string' ? result : null))
        })
    }
    case 'esbuild': {
      const build = context?.getNativeBuildContext?.()?.build
      if (typeof build?.resolve !== 'function') return undefined
      return async (source, importer) => {
        const result = await lookup(build, source, importer)
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
            const result = await lookup(build, source, importer)
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
        const resolved = await context.resolve!(source, importer, { skipSelf: true })
        return resolved && !resolved.external ? resolved.id : null
      }
  }
}
