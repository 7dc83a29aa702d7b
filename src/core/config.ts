/**
 * Options → the tables the hot path uses: the chain families, the names the
 * walk records, the pre-parse code filter and the import-guard matchers.
 * Built once per options object.
 */
import { guardMatcher } from '../guard.js'
import { point0 } from '../presets/point0.js'
import { tailorkit } from '../presets/tailorkit.js'
import type { ChainFamily, ChaincutOptions, ContainerSpec, ServerOnlyPattern, Side, SideRule } from '../types.js'
import { packageName } from './packages.js'
import type { WalkOptions } from './scope.js'
import { validateOptions } from './options.js'

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
  isServerOnly: (source: string) => string | null
  isClientOnly: (source: string) => string | null
  onUnsafe: 'error' | 'warn'
}

const cache = new WeakMap<object, Config>()

export function resolveFamilies(options: ChaincutOptions): ChainFamily[] {
  const presets = options.presets ?? ['point0', 'tailorkit']
  const families: ChainFamily[] = []
  for (const preset of presets) {
    if (preset === 'point0') families.push(point0())
    else if (preset === 'tailorkit') families.push(tailorkit())
    else if (preset && typeof preset === 'object') families.push(preset)
    else throw new Error(`[chaincut] unknown preset ${JSON.stringify(preset)}: use 'point0', 'tailorkit' or a preset object`)
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

const defaults = new Map<string, Config>()

/** A caller that resolved the options already (the plugin, once) hands the result to `transform()` under this key. */
export const RESOLVED_CONFIG = Symbol('chaincut.resolvedConfig')

export function resolveConfig(options: ChaincutOptions): Config {
  const given = (options as { [RESOLVED_CONFIG]?: Config })[RESOLVED_CONFIG]
  if (given) return given
  const cached = cache.get(options)
  if (cached) return cached
  validateOptions(options, 'transform') // once per options object: a mistake never fails open
  // `transform(code, id, { side })` with a fresh object each call: the default tables, built once
  if (!options.presets && !options.chains && !options.serverOnly && !options.clientOnly) {
    const key = options.onUnsafe ?? 'error'
    let config = defaults.get(key)
    if (!config) defaults.set(key, (config = buildConfig(options)))
    cache.set(options, config)
    return config
  }
  const config = buildConfig(options)
  cache.set(options, config)
  return config
}

function buildConfig(options: ChaincutOptions): Config {
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
  const addPackage = (from: string) => {
    const name = packageName(from)
    if (name) headPackages.add(name)
  }

  for (const family of families) {
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
  // a cut method destructured off a value (`const { loader } = base`) is analysed too
  for (const side of ['client', 'server'] as const) {
    const names = [...cutNames[side].keys()].sort().map(escape)
    if (names.length) hints[side].add(`\\{[^{}=]{0,240}\\b(?:${names.join('|')})\\b[^{}=]{0,240}\\}\\s*=`)
  }

  const codeFilter = {} as Record<Side, RegExp>
  const mayContainChain = {} as Config['mayContainChain']
  for (const side of ['client', 'server'] as const) {
    const all = [...hints[side]].sort()
    const methods = all.filter((h) => h.startsWith('\0')).map((h) => escape(h.slice(1)))
    const parts = all.filter((h) => !h.startsWith('\0'))
    // a call or read of a method by that name: `.loader`, `?.loader`, `['loader']` (refused later, but seen)
    if (methods.length) parts.unshift(`(?:\\.\\s*|\\[\\s*['"\`])(?:${methods.join('|')})\\b`)
    // a module with none of these cannot hold a chain worth cutting on this side
    codeFilter[side] = parts.length ? new RegExp(parts.join('|')) : /(?!)/
    const re = codeFilter[side]
    mayContainChain[side] = (code) => re.test(code)
  }

  const config: Config = {
    families,
    walkOptions: { segmentNames, pointMembers, containerNames, cutNames: new Set([...cutNames.client.keys(), ...cutNames.server.keys()]) },
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
    isServerOnly: guardMatcher('server', options.serverOnly ?? []),
    isClientOnly: guardMatcher('client', options.clientOnly ?? []),
    onUnsafe: options.onUnsafe ?? 'error',
  }
  return config
}
