/** Which bundle a module is being compiled for. */
export type Side = 'client' | 'server'

/**
 * What happens to one segment (one call of a chain) on one side (docs/ARCHITECTURE.md, "Presets are data").
 * The call itself always stays; only its arguments change.
 */
export type CutRule =
  | 'keep'
  | 'args'
  | 'argsUnlessBoolean'
  | 'afterFirst'
  | 'firstToNoop'
  | 'toEmptyObjectFn'
  | 'lastArg'
  | 'ssrEnabledOnly'
  | { keys: string[] }

/** A cut rule that applies only under a condition of the point it belongs to. */
export interface ConditionalCutRule {
  rule: CutRule
  /** Only on points of these types (point0: `params`/`search` only on an action). */
  pointTypes?: string[]
  /** Only when the point does not server-render (point0 render methods). */
  unlessServerRendered?: boolean
}

export type SideRule = CutRule | ConditionalCutRule

/** The rule of one segment name, per side. A missing side means `keep`. */
export interface SegmentRule {
  client?: SideRule
  server?: SideRule
}

/**
 * Where a chain starts (docs/reference.md "How it decides").
 * - `{ import, from }`: a binding imported from a package (any alias, namespace
 *   import or re-export through the app's own modules). Calling it or chaining
 *   on it starts a chain.
 * - `{ member }`: a syntactic head: any `X.<member>(...)` call starts a chain,
 *   whatever `X` is; `firstArg` restricts it to calls whose first argument is a
 *   string literal from the list (compared case-insensitively).
 */
export type HeadSpec =
  | { import: string; from: string | string[] }
  | { member: string; firstArg?: string[] }

/**
 * The point notation of point0 (`X.lets('page', ...)`, `X.lets.page(...)`),
 * as data: which member opens a point, the point types, the verbs that mean
 * "action", which segments render, and how a point's server rendering is switched.
 */
export interface PointsSpec {
  /** The member that opens a point: `lets`. */
  member: string
  /** Point types accepted as `X.lets('<type>')` and `X.lets.<type>()`. */
  types: string[]
  /** Verbs accepted as `X.lets('<VERB>', route)`: an action point. */
  verbs: string[]
  /** The point type a verb opens. */
  verbType: string
  /** Rewrite `X.lets.<type>(args)` to `X.lets('<type>', '<name>', args)`. */
  desugar: boolean
  /**
   * Whether points server-render by default (point0's `ssr` option). Left out: read from the
   * app's engine (`engine`) when the server build would cut a render method; when that cannot
   * be read either, the finding `W_SSR_UNKNOWN`. Left out without `engine`: false.
   */
  ssr?: boolean
  /**
   * Where the app sets server rendering: a call `<import>.<method>({ ssr, server: { ssr }, ... })`
   * of a binding imported from `from` (point0: `Engine.create` from `@point0/engine`), read as
   * point0's engine reads it.
   */
  engine?: { import: string; from: string | string[]; method: string }
  /** `.ssr(false)` / `.ssr({ enabled: false })` turns server rendering off point-wide. */
  ssrMethod?: string
  /** Render methods after `.clientOnly()` are not server-rendered (positional). */
  clientOnlyMethod?: string
  /** Extra name suffixes dropped per type when naming a desugared point. */
  extraSuffixes?: Record<string, string[]>
}

/**
 * Chains that are recognised when they sit inside a container call even if
 * their head cannot be traced: TailorKit's `createTailorKit({ actions })`.
 */
export interface ContainerSpec {
  import: string
  from: string | string[]
  /** The property of the first argument whose value holds the chains. */
  property: string
  /** A member-call run inside it that calls one of these is treated as a chain. */
  anyChainCalling: string[]
}

/**
 * One family of builder chains — "family" is chaincut's one name for it: a built-in preset,
 * a preset object or a user-defined `chains` entry (docs/ARCHITECTURE.md, "Presets are data").
 */
export interface ChainFamily {
  name: string
  heads: HeadSpec[]
  segments: Record<string, SegmentRule>
  /** Methods that finish the builder. Kept on both sides unless `segments` names them. */
  closers?: string[]
  /**
   * The runtime API of a finished chain (point0: `fetchServerDetailed`, `connect`, `useQuery`):
   * what such a call returns is not a chain.
   */
  runtime?: string[]
  points?: PointsSpec
  containers?: ContainerSpec[]
  /** Expressions whose value each side knows at build time (point0's `env.side.is.server`): folded, dead branches cut. */
  sideConstants?: SideConstant[]
  /**
   * The framework's server-only modules (a marker like `@point0/core/server-only`, a server entry
   * like `tailorkit/server`, with their subpaths): the import guard refuses them in the client
   * build, like `server-only`.
   */
  serverModules?: string[]
  /**
   * Method names for the quick pre-parse test: a module whose text calls none of these
   * (and imports none of the heads' packages) cannot hold this family's chain. Default:
   * every method the family cuts.
   */
  hints?: string[]
}

/**
 * What a side constant is read off: a binding imported from a package (any alias, a namespace
 * import's member, `const { env } = await import(from)` or `require(from)`; `names`: also these
 * identifiers by spelling, whatever they are bound to), or `import.meta`.
 */
export type SideConstantRoot = { import: string; from: string | string[]; names?: string[] } | 'import.meta'

/**
 * What a side constant call gives on one side: its first argument, `undefined`, or the value of
 * that key of its object-literal argument (`undefined` when the key is missing).
 */
export type SideCallResult = 'argument' | 'undefined' | { key: string }

/**
 * An expression whose value is known on each side, as data (point0's `env.side.is.server`,
 * Vite's `import.meta.env.SSR`). A read (`root.path...`) is a literal per side; with `call`, a
 * call of `root.path...(...)` gives a `SideCallResult` per side. A side left out is not folded there.
 */
export type SideConstant =
  | { root: SideConstantRoot; path: string[]; call?: false; client?: boolean | string; server?: boolean | string }
  | { root: SideConstantRoot; path: string[]; call: true; client?: SideCallResult; server?: SideCallResult }

/** The same as `ChainFamily` (the name of the `presets` option's objects). */
export type Preset = ChainFamily
export type PresetName = 'point0' | 'tailorkit'

export type ServerOnlyPattern = string | RegExp

export interface ChaincutOptions {
  /** Chain families to recognise. Default: both built-ins. */
  presets?: Array<PresetName | ChainFamily>
  /** Extra user-defined chain families (docs/reference.md "Your own builder"). */
  chains?: ChainFamily[]
  /** Force a side instead of detecting it. */
  side?: Side
  /** Module ids to look at (globs or RegExps). Default: `.[cm]?[jt]sx?` files. */
  include?: ServerOnlyPattern | ServerOnlyPattern[]
  /** Module ids to skip. Default: `node_modules`. */
  exclude?: ServerOnlyPattern | ServerOnlyPattern[]
  /** Extra server-only module patterns for the import guard (docs/reference.md "Import guard"). */
  serverOnly?: ServerOnlyPattern | ServerOnlyPattern[]
  /** Extra client-only module patterns (the mirror of `serverOnly`). */
  clientOnly?: ServerOnlyPattern | ServerOnlyPattern[]
  /** `true` prints a summary after a build; a path also writes the JSON report, or the HTML audit for `'html'` or a path ending in `.html` (docs/audit.md). */
  report?: boolean | string
  /** What to do with code that cannot be proven safe (docs/reference.md "Fail closed"). */
  onUnsafe?: 'error' | 'warn'
  /** The persistent cache under `node_modules/.cache/chaincut` (docs/reference.md "Cache"). Default: on; `false` turns it off. */
  cache?: boolean
}

export type Resolver = (
  source: string,
  importer: string,
) => Promise<string | null | undefined> | string | null | undefined

export interface TransformOptions extends Omit<ChaincutOptions, 'cache'> {
  side: Side
  /** Follows an import to a file. Default: Node-style resolution with tsconfig `paths`. */
  resolve?: Resolver
  /** Reads a file that a cross-module lookup needs (synchronously, or a promise). Default: `fs.readFileSync`. */
  readFile?: (file: string) => string | null | Promise<string | null>
  /** Cache of other modules' analyses, shared by one build: a `ModuleCache`. */
  cache?: ModuleCacheHandle
}

/**
 * What `TransformOptions.cache` takes: a `ModuleCache` (exported beside `transform`), opaque
 * to its callers. Declared here so these public types need nothing from chaincut's core.
 */
export interface ModuleCacheHandle {
  /** A mark on the type only: `ModuleCache` is what has it. */
  readonly __chaincutModuleCache?: never
}

export interface Finding {
  level: 'error' | 'warn'
  code: string
  message: string
  file: string
  line: number
  column: number
  frame: string
  hint: string
}

export interface CutEntry {
  method: string
  rule: string
  line: number
  column: number
  family: string
}

export interface ModuleReport {
  id: string
  side: Side
  cuts: CutEntry[]
  desugared: Array<{ type: string; name: string; line: number }>
  removedImports: Array<{ source: string; names: string[]; line: number }>
  removedDeclarations: Array<{ name: string; line: number }>
  findings: Finding[]
  /** Calls and reads of cut methods left alone because they are proven not chains, with the reason. */
  notChains: Array<{ method: string; reason: string; line: number; column: number }>
  /** Calls of cut methods on values chaincut cannot trace, left alone because this side keeps what it cannot prove (the server), with the reason. */
  unknowns: Array<{ method: string; reason: string; line: number; column: number }>
  /** The families and whether they count in this module (the app's package reaches them, or the options name them), with why. */
  families: Array<{ name: string; active: boolean; why: string }>
  /** Side constants replaced by their value on this side (`env.side.is.server` → `false`); dead branches are cut. */
  folded?: Array<{ expression: string; value: string; line: number; column: number }>
  /** How the server build decided that point0 points server-render, when it read the app's engine: the value and where it was read. */
  serverRendering?: { ssr: boolean; from: string }
  /** Files read to decide this module's output: modules followed to its chain heads, package.json files of packages judged, app files read for the engine's server rendering (a change to one re-transforms it). */
  dependencies: string[]
  /** The imports resolved to follow its chain heads, and where each led (null: unresolved). */
  resolutions: Array<{ source: string; importer: string; file: string | null }>
  /**
   * Milliseconds from the transform's start to its end (on a cache hit: reading and checking the
   * entry), waits on the bundler's resolver included: transforms overlap, so these do not add up
   * to a build's time.
   */
  time: number
  /** Milliseconds of the analysis itself, synchronous on the main thread (parse to emit; 0 on a cache hit). */
  cpu?: number
  /** Proofs this module's output rests on that read the whole app (no script imports a family, no other script writes a member): a file added later can change them, so the persistent cache does not keep this module. */
  appScans?: string[]
  /** Parameters whose callers are in other modules: the build-summary keys this module took to receive no chain, and the chains it passes (see docs/ARCHITECTURE.md, "Parameters"). */
  params?: { assumed: string[]; passed: Array<[string, string]> }
  /** Read from the persistent cache (docs/reference.md "Cache") instead of transformed. */
  cached?: boolean
}

export interface SourceMapJSON {
  version: number
  file?: string
  sources: string[]
  sourcesContent?: (string | null)[]
  names: string[]
  mappings: string
  toString(): string
  toUrl(): string
}

export interface TransformResult {
  code: string
  map: SourceMapJSON
  report: ModuleReport
  /** What the output depends on besides the module's text and the options (the report's `dependencies` and `resolutions`): a persistent cache revalidates these. */
  inputs: { files: string[]; resolutions: ModuleReport['resolutions'] }
}
