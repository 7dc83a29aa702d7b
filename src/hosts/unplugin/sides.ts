/** sides (docs/toolchains.md): which side a module is compiled for, asked of the bundler each time (never cached across environments). */
import type { UnpluginContextMeta } from 'unplugin'
import type { ChaincutOptions, Side } from '../../types.js'
import type { BundlerContext, CompilerLike, SideOf } from './types.js'
import { sideOfTargets } from '../setup.js'

/**
 * webpack and Rspack: the compiler's `target` — `web*` (and the other browser-like
 * targets) is the client, `node*`/`async-node*` (and `electron-main`) the server.
 * Without a target the bundlers build for the web; with only `browserslist`/`es*`
 * targets, the platform the compiler resolved from them decides, and anything
 * unclear is the client (it cuts more).
 */
export function compilerSide(compiler: CompilerLike | undefined): { side: Side; targets: string } {
  const found = sideOfTargets(compiler?.options?.target as string | string[] | undefined)
  if (found?.certain) return { side: found.side, targets: found.targets }
  // no target, or only `browserslist`/`es*`: the platform the compiler resolved decides
  if (compiler?.platform?.node === true && !compiler.platform.web) return { side: 'server', targets: found?.targets || 'node' }
  return { side: 'client', targets: found?.targets || 'web' }
}

export function detectSide(context: BundlerContext | undefined, meta: UnpluginContextMeta, options: ChaincutOptions, hookOptions?: { ssr?: boolean }): SideOf {
  if (options.side) return { side: options.side, environment: options.side }
  switch (meta.framework) {
    case 'vite': {
      const env = context?.environment
      const consumer = env?.config?.consumer
      if (consumer === 'client' || consumer === 'server') return { side: consumer, environment: env?.name ?? consumer }
      const side: Side = hookOptions?.ssr ? 'server' : 'client'
      return { side, environment: side }
    }
    case 'webpack':
    case 'rspack': {
      const fromMeta = (meta as { webpack?: { compiler?: CompilerLike }; rspack?: { compiler?: CompilerLike } })[meta.framework]?.compiler
      const { side, targets } = compilerSide(context?.getNativeBuildContext?.()?.compiler ?? fromMeta)
      return { side, environment: `${side} (${targets})` }
    }
    case 'esbuild': {
      const platform = context?.getNativeBuildContext?.()?.build?.initialOptions?.platform ?? 'browser'
      const side: Side = platform === 'browser' ? 'client' : 'server'
      return { side, environment: `${side} (${platform})` }
    }
    case 'bun': {
      // `Bun.build({ target })`: 'browser' (Bun's default) is the client, 'bun' and 'node' the server
      const build = context?.getNativeBuildContext?.()?.build
      const target = build?.config?.target ?? build?.target ?? 'browser'
      const side: Side = target === 'browser' ? 'client' : 'server'
      return { side, environment: `${side} (${target})` }
    }
    default:
      throw new Error(
        `[chaincut] ${meta.framework} does not say which bundle it builds: pass chaincut({ side: 'client' }) for the browser bundle or chaincut({ side: 'server' }) for the server bundle`,
      )
  }
}
