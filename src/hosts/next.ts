/**
 * `chaincut/next`: `withChaincut(nextConfig, options?)` for `next.config.ts`.
 *
 * - webpack (`next build --webpack`, `next dev --webpack`): `chaincut/webpack` in each of
 *   Next's compilers, the side from the `webpack(config, ctx)` hook — `ctx.isServer` (the
 *   Node.js and the edge server compilers) is the server, the browser compiler the client.
 * - Turbopack (Next 16's default): `chaincut/loader` in `turbopack.rules` for script files,
 *   twice, under Turbopack's built-in conditions — `browser` → `{ side: 'client' }`, not
 *   `browser` (Node.js and edge-light) → `{ side: 'server' }` — and never on `foreign`
 *   code (`node_modules`). A `content` condition lets only files that may hold a chain or a
 *   guarded import reach the loader (a Turbopack loader runs in a Node.js worker).
 */
import { resolveConfig } from '../config/config.js'
import { validateOptions } from '../config/options.js'
import { toJsonOptions } from '../config/json-options.js'
import type { ChaincutOptions } from '../types.js'
import { unplugin } from './unplugin/index.js'

/** What chaincut reads and writes of a Next config (Next's own types are not a dependency). */
export interface NextConfigLike {
  webpack?: ((config: any, context: NextWebpackContextLike) => any) | null
  turbopack?: { rules?: Record<string, unknown>; [key: string]: unknown }
  [key: string]: unknown
}

export interface NextWebpackContextLike {
  isServer: boolean
  nextRuntime?: 'nodejs' | 'edge'
  dev?: boolean
  [key: string]: unknown
}

/** The files the Turbopack rule covers. */
export const TURBOPACK_GLOB = '*.{js,jsx,ts,tsx,mjs,mts,cjs,cts}'
/** The loader, by package name: Turbopack resolves it from the project. */
export const LOADER = 'chaincut/loader'

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')

/**
 * A RegExp every module that may need the loader matches: the code filters of both sides
 * (a call of a cut method, `.lets`) and the text of a guarded import; null when a custom
 * glob or RegExp `serverOnly`/`clientOnly` pattern makes that unknowable (every file goes).
 */
export function turbopackContentFilter(options: ChaincutOptions): RegExp | null {
  const config = resolveConfig(options)
  const patterns = [options.serverOnly, options.clientOnly].flat().filter((p) => p !== undefined)
  if (patterns.some((p) => typeof p !== 'string' || /[*?{}[\]!]/.test(p))) return null
  const guarded = ['\\.(?:server|client)\\b', '(?:server|client)-only', 'tailorkit/server', '@tailorkit/(?:core|app)/server', ...(patterns as string[]).map(escape)]
  return new RegExp([config.codeFilter.client.source, config.codeFilter.server.source, ...guarded].join('|'))
}

export function withChaincut<T extends NextConfigLike>(nextConfig: T = {} as T, options: ChaincutOptions = {}): T {
  validateOptions(options)
  const content = turbopackContentFilter(options)
  const loaderOptions = (side: 'client' | 'server') => toJsonOptions({ ...options, side: options.side ?? side, report: false })
  const rule = (side: 'client' | 'server') => ({
    loaders: [{ loader: LOADER, options: loaderOptions(side) }],
    condition: {
      all: [side === 'client' ? 'browser' : { not: 'browser' }, { not: 'foreign' }, ...(content ? [{ content }] : [])],
    },
  })
  const rules = { ...(nextConfig.turbopack?.rules ?? {}) }
  const existing = rules[TURBOPACK_GLOB]
  rules[TURBOPACK_GLOB] = [...(existing === undefined ? [] : Array.isArray(existing) ? existing : [existing]), rule('client'), rule('server')]

  const userWebpack = nextConfig.webpack
  return {
    ...nextConfig,
    turbopack: { ...(nextConfig.turbopack ?? {}), rules },
    webpack(config: any, context: NextWebpackContextLike) {
      // the browser compiler is the client; the Node.js and edge compilers are the server
      const side = options.side ?? (context.isServer ? 'server' : 'client')
      config.plugins = [...(config.plugins ?? []), unplugin.webpack({ ...options, side })]
      return typeof userWebpack === 'function' ? userWebpack(config, context) : config
    },
  }
}

export default withChaincut
