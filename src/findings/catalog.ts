/**
 * Every finding chaincut reports, in one place (docs/ARCHITECTURE.md, "Findings"; the
 * README's "Fail closed" table): its code, its level policy, and how its message and hint
 * read, built from typed parameters. Callers name a code and pass the parameters; they
 * never write a message themselves.
 */
import type { Finding, Side } from '../types.js'

/** The syntax a module is parsed as (from its extension). */
export type Dialect = 'ts' | 'tsx' | 'jsx' | 'js'

/**
 * How a code's level is decided:
 * - `error`: always an error — the module (or the options) cannot be read or analysed;
 * - `unsafe`: a cut chaincut cannot prove — `onUnsafe` on the client side, a warning on the
 *   server side (there it only leaves client code in the server bundle, never server code
 *   in the browser);
 * - `guard`: an import the import guard denies — `onUnsafe`, on both sides;
 * - `warn`: always a warning.
 */
export type LevelPolicy = 'error' | 'unsafe' | 'guard' | 'warn'

interface Entry<P> {
  level: LevelPolicy
  message: (params: P) => string
  hint: (params: P) => string
}

const entry = <P>(level: LevelPolicy, message: (params: P) => string, hint: (params: P) => string): Entry<P> => ({ level, message, hint })

type None = Record<never, never>
/** The family and the method of a segment. */
type Segment = { family: string; method: string }
type KeysArgument = Segment & { keys: string[] }

const other = (side: Side) => (side === 'client' ? 'server' : 'client')
const keysTemplate = (keys: string[]) => keys.map((k) => `${k}: ...`).join(', ')
/** `...` is a rest element: the hint names a segment instead. */
const callOnChain = ({ method }: Segment) => `call the segment on the chain: chain.${method === '...' ? 'loader' : method}(...)`
const moveTo = (side: Side) => (side === 'client' ? '`.server.ts`' : '`.client.ts`')

export const FINDINGS = {
  // the module cannot be analysed
  E_PARSE: entry<{ dialect: Dialect; /** null: the parser's call stack ran out */ parserMessage: string | null }>(
    'error',
    ({ dialect, parserMessage }) =>
      `cannot parse this ${dialect === 'js' ? 'JavaScript' : dialect.toUpperCase()} module: ${parserMessage ?? 'the code is nested too deeply for the parser (its call stack ran out)'}`,
    () => `chaincut parses .ts/.mts/.cts as TypeScript, .tsx as TypeScript + JSX, .jsx as JSX and .js as plain JavaScript; fix the syntax or give the file the extension of its dialect.`,
  ),
  E_TOO_DEEP: entry<None>(
    'error',
    () => 'a chain head here is nested too deeply (aliases or members) for chaincut to follow',
    () => 'import or declare the head directly: `const root = ...` then `root.lets...`',
  ),
  // the cut rules (`rewrite/cut.ts`)
  E_COMPUTED_SEGMENT: entry<{ family: string; method: string | null }>(
    'unsafe',
    ({ family, method }) => `a ${family} chain segment is reached through a computed member${method ? ` ([${JSON.stringify(method)}])` : ''}, so chaincut cannot prove what it calls`,
    ({ method }) => (method ? `write it as a plain call: .${method}(...)` : 'call the segment by its name (e.g. `.loader(fn)`), not through `chain[name](...)`'),
  ),
  E_OPTIONAL_SEGMENT: entry<{ family: string; method: string | null }>(
    'unsafe',
    ({ family }) => `a ${family} chain segment is called optionally (\`?.\`), so chaincut cannot prove it runs as a segment`,
    ({ method }) => `write it as a plain call: .${method ?? 'segment'}(...)`,
  ),
  E_KEYS_NOT_OBJECT: entry<KeysArgument>(
    'unsafe',
    ({ family, method, keys }) => `.${method}(...) of a ${family} chain must get an object literal so chaincut can drop its ${keys.join('/')} part; this argument is not one`,
    ({ method, keys }) => `write the options inline: .${method}({ ${keysTemplate(keys)} })`,
  ),
  E_KEYS_SPREAD: entry<KeysArgument>(
    'unsafe',
    ({ family, method, keys }) => `.${method}({ ...spread }) of a ${family} chain: a spread could hide a ${keys.join('/')} key that must be cut`,
    ({ method, keys }) => `list the keys explicitly: .${method}({ ${keysTemplate(keys)} })`,
  ),
  E_KEYS_COMPUTED: entry<KeysArgument>(
    'unsafe',
    ({ family, method, keys }) => `.${method}({ [key]: ... }) of a ${family} chain: a computed key could be ${keys.join('/')}`,
    () => `write the key literally`,
  ),
  // the accounting of every cut-method call outside a cut (`pipeline/checks.ts`)
  E_DESTRUCTURED_SEGMENT: entry<Segment>(
    'unsafe',
    ({ family, method }) => `${method === '...' ? 'a rest element takes' : `.${method} is taken`} off a ${family} chain, so chaincut cannot see the call to cut`,
    callOnChain,
  ),
  E_SEGMENT_TAKEN_OFF: entry<Segment>(
    'unsafe',
    ({ family, method }) => `.${method} is read off a ${family} chain instead of called on it, so chaincut cannot see the call to cut`,
    callOnChain,
  ),
  E_UNTRACED_RECEIVER: entry<{ method: string; families: string[]; reason: string }>(
    'unsafe',
    ({ method, families, reason }) => `chaincut cannot tell whether this .${method}(...) is called on a ${families.join(' or ')} chain: ${reason}`,
    () =>
      `build or pass the chain where chaincut can follow it (a const, a helper that returns it, an import of the app); if this is not a chain, put a \`// chaincut-not-a-chain\` comment on the line before`,
  ),
  E_CHAIN_PARAM_LATE: entry<{ family: string; function: string; builtFirst: string }>(
    'unsafe',
    ({ family, function: fn, builtFirst }) =>
      `this call passes a ${family} chain to ${fn}, but ${builtFirst} was built first in this build, taking that parameter to receive no chain, so the segments called on it there were not cut`,
    () =>
      'build the chain where it is used (call its segments in this module), or pass it to a helper of this module; chaincut learns which functions receive chains as a build runs, so a module built before its callers cannot know',
  ),
  W_UNRESOLVED_HEAD: entry<{ family: string; assumed: string }>(
    'warn',
    ({ family, assumed }) => `chaincut cannot trace what this ${family} chain is built on (${assumed}), so it is taken as one to fail safe: the segments its table cuts on this side are cut`,
    () => 'make it traceable (a resolvable import: tsconfig paths or a bundler alias; a const or a helper in the app) so chaincut can prove it',
  ),
  // exported code and data that cut code uses (`pipeline/checks.ts`)
  E_EXPORTED_IN_CUT: entry<{ name: string; side: Side; kept: string; guard: { source: string; rule: string } | null }>(
    'unsafe',
    ({ name, side, kept, guard }) =>
      `\`${name}\` is used by code cut from the ${side} build and stays because it is exported, and keeping it keeps ${
        guard ? `the ${other(side)}-only import \`${kept}\` (${guard.source}, ${guard.rule})` : `\`${kept}\` (otherwise used only by code cut from the ${side} build)`
      } in the ${side} bundle`,
    ({ name, side }) => `move \`${name}\` (or what it uses) into a ${moveTo(side)} module and import it where it is needed, or stop exporting it`,
  ),
  W_EXPORTED_DATA_IN_CUT: entry<{ name: string; side: Side }>(
    'warn',
    ({ name, side }) =>
      `\`${name}\` is exported and used in this module only by code cut from the ${side} build; if it holds anything ${other(side)}-only it still ships wherever the ${side} bundle imports it`,
    ({ name, side }) => `if \`${name}\` is server-only, move it into a ${moveTo(side)} module; if it is shared (a schema), this warning is safe to ignore`,
  ),
  // whether point0 points server-render (`pipeline/engine.ts`)
  W_SSR_UNKNOWN: entry<{ family: string; method: string; reason: string }>(
    'warn',
    ({ family, method, reason }) =>
      `chaincut cannot tell whether this ${family} app server-renders, which decides whether .${method}(...) stays in the server bundle: ${reason}; it is cut, as ${family}'s engine does without \`ssr\``,
    () =>
      `say it in the preset: \`chaincut({ presets: [point0({ ssr: true }), 'tailorkit'] })\` if the app server-renders (\`Engine.create({ ssr: true })\`), \`point0({ ssr: false })\` if it does not`,
  ),
  // the import guard (`src/guard.ts`; its full message is `formatViolation`, this is the CLI's line)
  E_GUARD: entry<{ side: Side; source: string; rule: string }>(
    'guard',
    ({ side, source, rule }) => `imports ${other(side)}-only module "${source}" (${rule})`,
    ({ side }) =>
      side === 'client'
        ? 'use it only inside a server-only segment (.loader, .ctx, .handler, …) so chaincut cuts the import, or move the code that needs it into a `.server.ts` module'
        : 'use it only inside a client-only segment (.clientLoader, .page, …) so chaincut cuts the import, or move the code that needs it into a `.client.ts` module',
  ),
  // the options (`config/options.ts`: a `ChaincutOptionsError`, whose message ends with the hint)
  E_OPTIONS: entry<{ problem: string; suggestion?: string }>(
    'error',
    ({ problem }) => problem,
    ({ suggestion }) => (suggestion !== undefined ? `did you mean \`${suggestion}\`?` : ''),
  ),
  // the CLI's `check` (`src/cli.ts`), which prints no hints
  E_READ: entry<{ reason: string }>(
    'error',
    ({ reason }) => `cannot read the file: ${reason}`,
    () => 'check that the file exists and is readable',
  ),
  E_BINARY: entry<None>(
    'error',
    () => 'a binary file, not JavaScript or TypeScript',
    () => 'give chaincut JavaScript or TypeScript files only',
  ),
}

export type FindingCode = keyof typeof FINDINGS
export type FindingParams<C extends FindingCode> = (typeof FINDINGS)[C] extends Entry<infer P> ? P : never

/** A finding's words, before it has a place. */
export interface FindingText {
  code: FindingCode
  message: string
  hint: string
}

/** The code's message and hint from its parameters. */
export function describe<C extends FindingCode>(code: C, params: FindingParams<C>): FindingText {
  const e = FINDINGS[code] as Entry<FindingParams<C>>
  return { code, message: e.message(params), hint: e.hint(params) }
}

/** The level of a finding of this code on this side, under the `onUnsafe` option (`LevelPolicy`). */
export function levelOf(code: FindingCode, side: Side, onUnsafe: 'error' | 'warn'): Finding['level'] {
  switch (FINDINGS[code].level) {
    case 'error':
      return 'error'
    case 'warn':
      return 'warn'
    case 'guard':
      return onUnsafe
    case 'unsafe':
      return side === 'client' ? onUnsafe : 'warn'
  }
}

/** A finding that is an error whatever the side (`LevelPolicy` `error`), at a known place. */
export function fatal<C extends FindingCode>(code: C, params: FindingParams<C>, where: Pick<Finding, 'file' | 'line' | 'column' | 'frame'>): Finding {
  const { message, hint } = describe(code, params)
  return { level: 'error', code, message, hint, file: where.file, line: where.line, column: where.column, frame: where.frame }
}
