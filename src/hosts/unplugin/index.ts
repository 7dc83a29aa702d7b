/**
 * The unplugin factory: one plugin for every bundler. The shared context (`context.ts`)
 * holds the options, side detection, the per-build cache, the guard's errors and the
 * report; an adapter per bundler family adds its import guard and its own hooks
 * (`rollup.ts`: Vite, Rollup, Rolldown; `webpack.ts`: webpack, Rspack; `esbuild.ts`:
 * esbuild, Bun). The work on a module is in `core/`.
 */
import { createUnplugin, type UnpluginFactory, type UnpluginOptions } from 'unplugin'
import { DEFAULT_EXCLUDE, DEFAULT_INCLUDE, idFilter } from '../../config/id-filter.js'
import type { ChaincutOptions, ServerOnlyPattern } from '../../types.js'
import { createShared, type Shared } from './context.js'
import { esbuildAdapter } from './esbuild.js'
import { rollupAdapter } from './rollup.js'
import type { BundlerContext, OutputGuard } from './types.js'
import { webpackAdapter } from './webpack.js'
import { devRequestGuard } from './vite-dev.js'

const list = (p: ServerOnlyPattern | ServerOnlyPattern[] | undefined) => (p === undefined ? undefined : Array.isArray(p) ? p : [p])

function adapter(shared: Shared): Partial<UnpluginOptions> & { guardOutput?: OutputGuard } {
  switch (shared.meta.framework) {
    case 'webpack':
    case 'rspack':
      return webpackAdapter(shared)
    case 'esbuild':
      return esbuildAdapter(shared, false)
    case 'bun':
      return esbuildAdapter(shared, true)
    default:
      return rollupAdapter(shared)
  }
}

export const unpluginFactory: UnpluginFactory<ChaincutOptions | undefined, false> = (rawOptions, meta) => {
  const shared = createShared(rawOptions, meta)
  // sides (docs/toolchains.md): Rollup and Rolldown builds do not say which side they are; fail at config time, not mid-build
  if ((meta.framework === 'rollup' || meta.framework === 'rolldown') && !shared.options.side) {
    throw new Error(
      `[chaincut] ${meta.framework} does not say which bundle it builds: pass chaincut({ side: 'client' }) in the browser build's plugins and chaincut({ side: 'server' }) in the server build's`,
    )
  }
  const { options, config } = shared
  const codeFilter = new RegExp(`${config.codeFilter.client.source}|${config.codeFilter.server.source}`)
  const { guardOutput, ...hooks } = adapter(shared)
  const idInclude = list(options.include) ?? DEFAULT_INCLUDE
  const idExclude = list(options.exclude) ?? DEFAULT_EXCLUDE
  // the output guard sees every module (the guard is not limited by `include`): the id filter is asked in the handler then
  const cuts = guardOutput ? idFilter(options) : () => true

  return {
    name: 'chaincut',
    enforce: 'pre',
    // read by `chaincut inspect/check` from a Vite config
    ...({ api: { options } } as object),

    buildStart() {
      shared.cache.clear()
      shared.forget()
      shared.redactions.clear((this as BundlerContext).environment?.name)
    },

    watchChange(id) {
      shared.cache.invalidate(id)
      shared.forget(id)
    },

    transform: {
      filter: guardOutput
        ? { id: { exclude: [/^\0/] }, code: { include: [codeFilter, guardOutput.code] } }
        : { id: { include: idInclude, exclude: idExclude }, code: { include: codeFilter } },
      async handler(code, id, ...rest: unknown[]) {
        const context = this as BundlerContext
        const hookOptions = rest[0] as { ssr?: boolean } | undefined
        const urls = guardOutput?.code.test(code) ?? false
        // the hook filter let the module in for one of its tests: the chain test again only if the URL test passed
        const result = cuts(id) && (!urls || codeFilter.test(code)) ? await shared.transform(context, code, id, hookOptions) : null
        if (urls) await guardOutput!.check(context, result?.code ?? code, id, hookOptions)
        return result
      },
    },

    ...hooks,
    ...(meta.framework === 'vite' ? { vite: { ...hooks.vite, configureServer: devRequestGuard(shared) } } : {}),
  }
}

export const unplugin = /* #__PURE__ */ createUnplugin(unpluginFactory)
export default unplugin
