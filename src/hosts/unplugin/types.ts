/**
 * The few parts of each bundler's plugin context that chaincut reads, as small
 * structural interfaces (the bundlers' own types are not dependencies of chaincut).
 */
import type { Side } from '../../types.js'

/** What chaincut reads of a module's place in the graph. */
export interface ModuleInfoLike {
  importers?: readonly string[]
  dynamicImporters?: readonly string[]
  isEntry?: boolean
}
export type ModuleInfoReader = (id: string) => ModuleInfoLike | null

export interface ViteModuleNodeLike {
  id?: string | null
  importers?: Set<ViteModuleNodeLike>
}

/** A Vite environment (Vite 6+): its name, what it builds for, and in dev its module graph. */
export interface ViteEnvironmentLike {
  name?: string
  mode?: string
  config?: {
    consumer?: string
    /** whether the build writes source maps (`build.sourcemap`; an output's `sourcemap` overrides it) */
    build?: { sourcemap?: unknown; rolldownOptions?: { output?: unknown }; rollupOptions?: { output?: unknown } }
  }
  moduleGraph?: {
    getModuleById?(id: string): ViteModuleNodeLike | undefined
    getModulesByFile?(file: string): Iterable<ViteModuleNodeLike> | undefined
    invalidateModule?(module: ViteModuleNodeLike, seen: Set<unknown>, timestamp: number, isHmr: boolean): void
  }
}

export interface WebpackModuleLike {
  resource?: unknown
}

export interface CompilationLike {
  moduleGraph?: { getIssuer?(module: WebpackModuleLike): WebpackModuleLike | null | undefined }
  modules?: Iterable<WebpackModuleLike>
  errors?: unknown[]
  hooks?: { finishModules?: { tapPromise(name: string, fn: (modules: Iterable<WebpackModuleLike>) => Promise<void>): void } }
}

export interface CompilerLike {
  /** `output.path`: the folder the bundle is written to */
  options?: { target?: unknown; output?: { path?: unknown } }
  platform?: { node?: boolean; web?: boolean }
  hooks: {
    thisCompilation: {
      tap(name: string, fn: (compilation: CompilationLike, params: { normalModuleFactory?: NormalModuleFactoryLike }) => void): void
    }
  }
}

export interface AfterResolveData {
  request?: unknown
  contextInfo?: { issuer?: string }
  createData?: { resource?: unknown }
}

export interface NormalModuleFactoryLike {
  hooks?: { afterResolve?: { tapPromise(name: string, fn: (data: AfterResolveData) => Promise<void>): void } }
}

export type ResolveCallback = (error: unknown, result?: unknown) => void

export interface LoaderContextLike {
  getResolve?(options: object): (context: string, request: string, callback: ResolveCallback) => void
  /** whether the compilation makes source maps (webpack's and Rspack's `devtool`) */
  sourceMap?: boolean
  _module?: WebpackModuleLike
}

/** esbuild's `build` (and Bun's, which follows esbuild's plugin API). */
export interface EsbuildLike {
  initialOptions?: { platform?: string; outdir?: string; outfile?: string; absWorkingDir?: string }
  /** Bun's `Bun.build` config */
  config?: { target?: string; outdir?: string }
  target?: string
  resolve?(path: string, options: { importer: string; resolveDir: string; kind: string; pluginData?: unknown }): Promise<{
    path?: string
    namespace?: string
    external?: boolean
    errors?: unknown[]
  }>
  onStart?(fn: () => void): void
  onResolve(
    options: { filter: RegExp },
    fn: (args: { path: string; importer?: string; resolveDir?: string; kind?: string; pluginData?: Record<string, unknown> }) => unknown,
  ): void
}

export interface NativeBuildContext {
  framework?: string
  compiler?: CompilerLike
  compilation?: CompilationLike
  loaderContext?: LoaderContextLike
  build?: EsbuildLike
}

/** The `this` of a hook, in any bundler: only what chaincut uses of it. */
export interface BundlerContext {
  environment?: ViteEnvironmentLike
  getModuleInfo?(id: string): ModuleInfoLike | null
  resolve?(source: string, importer: string, options: { skipSelf: boolean }): Promise<{ id: string; external?: unknown } | null>
  addWatchFile?(id: string): void
  getModuleIds?(): Iterable<string>
  warn?(message: string): void
  getNativeBuildContext?(): NativeBuildContext | undefined
}

export interface SideOf {
  side: Side
  /** the report's and the per-environment caches' key */
  environment: string
}

/**
 * docs/reference.md "Import guard": what a bundler builds from a module's code other than its imports
 * (Vite's workers and assets from `new URL('…', import.meta.url)`), checked on the code after the cut.
 */
export interface OutputGuard {
  /** code that may hold such a reference: the transform's hook filter lets it in */
  code: RegExp
  check(context: BundlerContext, code: string, id: string, hookOptions?: { ssr?: boolean }): Promise<void>
}
