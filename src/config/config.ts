/**
 * Options → the tables the hot path uses: the chain families, the names the
 * walk records, the pre-parse code filter and the import-guard matchers.
 * Built once per options object.
 */
import { guardMatcher, type GuardMatcher } from './guard-matcher.js'
import { BUILTIN_PRESETS, BUNDLER_SIDE_CONSTANTS, DEFAULT_PRESETS } from '../presets/index.js'
import type { ChainFamily, ChaincutOptions, ContainerSpec, Side, SideConstant, SideRule } from '../types.js'
import { packageName } from '../js/packages.js'
import type { WalkOptions } from '../js/walk.js'
import { validateOptions } from './options.js'
import { stableText } from '../util/stable.js'

export interface Config {
  families: ChainFamily[]
  walkOptions: WalkOptions
  /** source → imported name → family whose head it is */
  headImports: Map<string, Map<string, ChainFamily>>
  /** source → imported name → container */
  containerImports: Map<string, Map<string, { family: ChainFamily; container: ContainerSpec }>>
  /** Syntactic member heads (`X.lets(...)`, `X.define(...)`). */
  memberHeads: Array<{ family: ChainFamily; member: string; firstArg: Set<string> | null }>
  memberHeadNames: Set<string>
  /** Families with the point notation, by their opening member. */
  pointFamilies: Map<string, ChainFamily>
  /** Pre-parse test per side: can this text hold a chain? */
  mayContainChain: Record<Side, (code: string) => boolean>
  /** The same test as a RegExp, for bundlers' `transform.filter.code`. */
  codeFilter: Record<Side, RegExp>
  /** Per side: method name → the families that cut it there, with the rule. */
  cutNames: Record<Side, Map<string, Array<{ family: ChainFamily; rule: SideRule }>>>
  /** Package names that a chain can start from (head and container imports): what a package must reach to hand out a chain. */
  headPackages: Set<string>
  headPackagesKey: string
  /** Per family: the packages its chains start from; a module's package must reach one for the family's method names to count there. */
  familyPackages: Map<ChainFamily, Set<string>>
  /** Families the user named in the options (`presets`, `chains`): they count in every module. */
  namedFamilies: Set<ChainFamily>
  isServerOnly: GuardMatcher
  isClientOnly: GuardMatcher
  onUnsafe: 'error' | 'warn'
  /** Per side: the side constants with a value there (the families' and the bundler's), and the walk options that record them. */
  sides: Record<Side, SideTable>
}

/** The side constants of one side, indexed for the walk and the fold (`rewrite/fold.ts`). */
export interface SideTable {
  /** Last member name → the constants ending with it (reads and calls apart). */
  reads: Map<string, SideConstant[]>
  calls: Map<string, SideConstant[]>
  /** The pre-parse test: can this text hold one of them? */
  mayContain: (code: string) => boolean
  /** `walkOptions` plus the names the walk records for them. */
  walkOptions: WalkOptions
}

/** How far a destructuring pattern's `{` may be from a cut method's name, and the name from its `}` (the code filter's pattern). */
const DESTRUCTURED_SPAN = 240
const PATTERN_END = /\}\s*=/g

/**
 * Whether the text has `{ ... name ... } =` with no `{`, `}` or `=` inside the braces (the code
 * filter's destructuring pattern): each `} =` is taken back to the nearest `{`, and only that span
 * is searched for a name. Accepts everything the pattern accepts (a span may be as long as the
 * pattern's two spans and the longest name; a little more is let through, never less).
 */
function destructuresName(code: string, names: RegExp, longest: number): boolean {
  const span = 2 * DESTRUCTURED_SPAN + longest
  PATTERN_END.lastIndex = 0
  for (let m = PATTERN_END.exec(code); m !== null; m = PATTERN_END.exec(code)) {
    const close = m.index
    // back to the `{`, at most `span` characters: a `}` or `=` first means no pattern ends here
    // (bounded, so a text with many `} =` and no `{` near them stays linear)
    const floor = Math.max(-1, close - span - 2)
    let open = -1
    for (let i = close - 1; i > floor; i--) {
      const c = code.charCodeAt(i)
      if (c === 123 /* { */) {
        open = i
        break
      }
      if (c === 125 /* } */ || c === 61 /* = */) break
    }
    if (open !== -1 && names.test(code.slice(open + 1, close))) return true
  }
  return false
}

const cache = new WeakMap<object, Config>()

export function resolveFamilies(options: Omit<ChaincutOptions, 'cache'>): ChainFamily[] {
  const presets = options.presets ?? DEFAULT_PRESETS
  const families: ChainFamily[] = []
  for (const preset of presets) {
    if (typeof preset === 'string' && Object.prototype.hasOwnProperty.call(BUILTIN_PRESETS, preset)) families.push(BUILTIN_PRESETS[preset]())
    else if (preset && typeof preset === 'object') families.push(preset)
    else throw new Error(`[chaincut] unknown preset ${JSON.stringify(preset)}: use ${Object.keys(BUILTIN_PRESETS).map((n) => `'${n}'`).join(', ')} or a preset object`)
  }
  for (const chain of options.chains ?? []) {
    if (!chain || typeof chain.name !== 'string' || !Array.isArray(chain.heads) || typeof chain.segments !== 'object') {
      throw new Error(`[chaincut] a \`chains\` entry needs { name, heads: [...], segments: {...} }; got ${JSON.stringify(chain)}`)
    }
    families.push(chain)
  }
  return families
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
/** A method call or member access by that name: `.lets`, `?.lets`, `['lets']` (refused later, but seen). */
/** A method name for the filter; all of them are joined behind one `.`/`['` prefix (one alternation, not one per name). */
const method = (name: string) => '\0' + name
/** A pattern that joins the method names behind their prefix (a side constant's `side\s*\.\s*is`). */
const raw = (pattern: string) => '\u0001' + pattern

const defaults = new Map<string, Config>()

/** A caller that resolved the options already (the plugin, once) hands the result to `transform()` under this key. */
export const RESOLVED_CONFIG = Symbol('chaincut.resolvedConfig')

export function resolveConfig(options: Omit<ChaincutOptions, 'cache'>): Config {
  const given = (options as { [RESOLVED_CONFIG]?: Config })[RESOLVED_CONFIG]
  if (given) return given
  const cached = cache.get(options)
  if (cached) return cached
  // `transform(code, id, { ...options, side })` with a fresh object each call: the tables are
  // built once per distinct options (equal as data), not once per object
  const key = optionsKey(options)
  const known = key === null ? undefined : defaults.get(key)
  if (known) {
    cache.set(options, known)
    return known
  }
  validateOptions(options, 'transform') // once per distinct options: a mistake never fails open
  const config = buildConfig(options)
  cache.set(options, config)
  if (key !== null) {
    if (defaults.size >= MAX_KEYED) defaults.delete(defaults.keys().next().value!)
    defaults.set(key, config)
  }
  return config
}

/** How many distinct options keep their tables (a process that builds with many configurations). */
const MAX_KEYED = 32

/** What a `transform()` call adds to the options that does not change the tables. */
const TRANSIENT = new Set(['side', 'resolve', 'readFile', 'cache', 'onReport', 'report'])

/** The options that shape the tables, as text; null when they hold anything but data (compared by identity only). */
function optionsKey(options: Omit<ChaincutOptions, 'cache'>): string | null {
  const relevant: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(options)) if (!TRANSIENT.has(key)) relevant[key] = value
  try {
    return stableText(relevant)
  } catch {
    return null
  }
}

function buildConfig(options: Omit<ChaincutOptions, 'cache'>): Config {
  const families = resolveFamilies(options)
  const segmentNames = new Set<string>()
  const pointMembers = new Set<string>()
  const containerNames = new Set<string>()
  const headImports: Config['headImports'] = new Map()
  const containerImports: Config['containerImports'] = new Map()
  const memberHeads: Config['memberHeads'] = []
  const pointFamilies = new Map<string, ChainFamily>()
  const hints: Record<Side, Set<string>> = { client: new Set(), server: new Set() }
  const cutNames: Config['cutNames'] = { client: new Map(), server: new Map() }
  const headPackages = new Set<string>()
  const familyPackages: Config['familyPackages'] = new Map()
  let current: Set<string> = new Set()
  const addPackage = (from: string) => {
    const name = packageName(from)
    if (name) {
      headPackages.add(name)
      current.add(name)
    }
  }

  for (const family of families) {
    familyPackages.set(family, (current = new Set()))
    const cutsOn: Record<Side, boolean> = { client: false, server: false }
    for (const [name, rule] of Object.entries(family.segments)) {
      segmentNames.add(name)
      for (const side of ['client', 'server'] as const) {
        const r = rule[side]
        if (r && r !== 'keep') {
          cutsOn[side] = true
          let list = cutNames[side].get(name)
          if (!list) cutNames[side].set(name, (list = []))
          list.push({ family, rule: r })
          // every call of a method some family cuts is analysed, whatever its module imports
          hints[side].add(method(name))
        }
      }
    }
    for (const head of family.heads) {
      if ('import' in head) {
        for (const from of [head.from].flat()) {
          addPackage(from)
          let names = headImports.get(from)
          if (!names) headImports.set(from, (names = new Map()))
          names.set(head.import, family)
          for (const side of ['client', 'server'] as const) if (cutsOn[side]) hints[side].add(escape(from))
        }
      } else {
        segmentNames.add(head.member)
        memberHeads.push({
          family,
          member: head.member,
          firstArg: head.firstArg ? new Set(head.firstArg.map((a) => a.toLowerCase())) : null,
        })
        for (const side of ['client', 'server'] as const) if (cutsOn[side]) hints[side].add(method(head.member))
      }
    }
    if (family.points) {
      pointMembers.add(family.points.member)
      pointFamilies.set(family.points.member, family)
      segmentNames.add(family.points.member)
      // the short notation is rewritten on both sides
      if (family.points.desugar) {
        hints.client.add(method(family.points.member))
        hints.server.add(method(family.points.member))
      }
    }
    for (const container of family.containers ?? []) {
      containerNames.add(container.import)
      for (const from of [container.from].flat()) {
        addPackage(from)
        let names = containerImports.get(from)
        if (!names) containerImports.set(from, (names = new Map()))
        names.set(container.import, { family, container })
      }
    }
    for (const side of ['client', 'server'] as const) {
      if (cutsOn[side]) for (const hint of family.hints ?? []) hints[side].add(method(hint))
    }
  }
  // side constants: the families' and the bundler's (`import.meta.env.SSR`), per side where they have a value
  const constants = [...families.flatMap((f) => f.sideConstants ?? []), ...BUNDLER_SIDE_CONSTANTS]
  const sideHints: Record<Side, Set<string>> = { client: new Set(), server: new Set() }
  /** A word each constant's text holds (`side` in `.side.is.server`, `SSR` in `import.meta.env.SSR`): a plain scan for these comes first. */
  const sideWords: Record<Side, Set<string>> = { client: new Set(), server: new Set() }
  const sideTables = {} as Record<Side, Omit<SideTable, 'walkOptions' | 'mayContain'>>
  for (const side of ['client', 'server'] as const) {
    const table = (sideTables[side] = { reads: new Map(), calls: new Map() })
    for (const constant of constants) {
      if (constant[side] === undefined || !constant.path.length) continue
      const map = constant.call ? table.calls : table.reads
      const last = constant.path[constant.path.length - 1]
      let list = map.get(last)
      if (!list) map.set(last, (list = []))
      list.push(constant)
      // the text of the member path, as written (`.side.is`, `import.meta.env.SSR`), up to its second name
      const path = constant.root === 'import.meta' ? ['import', 'meta', ...constant.path] : constant.path.slice(0, 2)
      const text = path.map(escape).join('\\s*\\.\\s*')
      sideHints[side].add(constant.root === 'import.meta' ? `\\b${text}\\b` : `\\.\\s*${text}\\b`)
      sideWords[side].add(escape(constant.root === 'import.meta' ? path[path.length - 1] : path[0]))
      // in the code filter: behind the one `.` prefix of the method names, or on its own for `import.meta`
      hints[side].add(constant.root === 'import.meta' ? `\\b${text}\\b` : raw(text))
    }
  }

  const codeFilter = {} as Record<Side, RegExp>
  const mayContainChain = {} as Config['mayContainChain']
  for (const side of ['client', 'server'] as const) {
    const all = [...hints[side]].sort()
    const methods = [...all.filter((h) => h.startsWith('\0')).map((h) => escape(h.slice(1))), ...all.filter((h) => h.startsWith('\u0001')).map((h) => h.slice(1))]
    const parts = all.filter((h) => !h.startsWith('\0') && !h.startsWith('\u0001'))
    // a call or read of a method by that name: `.loader`, `?.loader`, `['loader']` (refused later, but seen)
    if (methods.length) parts.unshift(`(?:\\.\\s*|\\[\\s*['"\`])(?:${methods.join('|')})\\b`)
    const cut = [...cutNames[side].keys()].sort()
    const names = cut.map(escape).join('|')
    // a cut method destructured off a value (`const { loader } = base`) is analysed too
    const destructured = cut.length ? `\\{[^{}=]{0,${DESTRUCTURED_SPAN}}\\b(?:${names})\\b[^{}=]{0,${DESTRUCTURED_SPAN}}\\}\\s*=` : null
    // a module with none of these cannot hold a chain worth cutting on this side (the bundlers' hook filter)
    codeFilter[side] = parts.length || destructured ? new RegExp([...parts, ...(destructured ? [destructured] : [])].join('|')) : /(?!)/
    // the same test, in two steps: at every `{` the destructuring pattern tries each name over the
    // next 240 characters, most of a module's scan; it runs only between a `} =` and its `{`
    const others = parts.length ? new RegExp(parts.join('|')) : null
    const name = cut.length ? new RegExp(`\\b(?:${names})\\b`) : null
    const longest = Math.max(0, ...cut.map((n) => n.length))
    mayContainChain[side] = (code) => (others !== null && others.test(code)) || (name !== null && destructuresName(code, name, longest))
  }

  const walkOptions: WalkOptions = { segmentNames, pointMembers, containerNames, cutNames: new Set([...cutNames.client.keys(), ...cutNames.server.keys()]) }
  const sides = {} as Record<Side, SideTable>
  for (const side of ['client', 'server'] as const) {
    const { reads, calls } = sideTables[side]
    const hint = sideHints[side].size ? new RegExp([...sideHints[side]].sort().join('|')) : null
    // a scan for a few plain words is several times faster than the member-path pattern, which only runs where one is found
    const words = new RegExp([...sideWords[side]].sort().join('|'))
    sides[side] = {
      reads,
      calls,
      mayContain: hint ? (code) => words.test(code) && hint.test(code) : () => false,
      walkOptions: { ...walkOptions, sideNames: new Set(reads.keys()), sideCallNames: new Set(calls.keys()) },
    }
  }
  const config: Config = {
    families,
    walkOptions,
    headImports,
    containerImports,
    memberHeads,
    memberHeadNames: new Set(memberHeads.map((h) => h.member)),
    pointFamilies,
    mayContainChain,
    codeFilter,
    cutNames,
    headPackages,
    headPackagesKey: [...headPackages].sort().join(','),
    familyPackages,
    // built-ins chosen by default count where the app can reach them; anything the user wrote counts everywhere
    namedFamilies: new Set(options.presets === undefined ? families.filter((f) => (options.chains ?? []).includes(f)) : families),
    isServerOnly: guardMatcher('server', options.serverOnly ?? [], families),
    isClientOnly: guardMatcher('client', options.clientOnly ?? [], families),
    onUnsafe: options.onUnsafe ?? 'error',
    sides,
  }
  return config
}
