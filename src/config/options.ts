/**
 * Options never fail open: a misspelt option, an unknown cut rule or a
 * pattern of the wrong type would otherwise be ignored and leave server code
 * in the client bundle. Every option is checked once, when its config is
 * built, and a mistake is a `ChaincutOptionsError` naming the option, the
 * value and, for a near miss, what was meant.
 */
import { ChaincutOptionsError } from '../findings/errors.js'
import { isRegExp } from '../util/stable.js'
import { ModuleCache } from '../js/modules.js'

export const CUT_RULES = ['keep', 'args', 'argsUnlessBoolean', 'afterFirst', 'firstToNoop', 'toEmptyObjectFn', 'lastArg', 'ssrEnabledOnly'] as const
const PRESET_NAMES = ['point0', 'tailorkit']
const PLUGIN_KEYS = ['presets', 'chains', 'side', 'include', 'exclude', 'serverOnly', 'clientOnly', 'report', 'onUnsafe', 'cache']
/** `transform()` also takes these (see `TransformOptions`). */
const TRANSFORM_KEYS = [...PLUGIN_KEYS, 'resolve', 'readFile', 'onReport']
const CHAIN_KEYS = ['name', 'heads', 'segments', 'closers', 'runtime', 'hints', 'containers', 'points', 'sideConstants', 'serverModules']
const CONTAINER_KEYS = ['import', 'from', 'property', 'anyChainCalling']
const POINTS_KEYS = ['member', 'types', 'verbs', 'verbType', 'desugar', 'ssr', 'engine', 'ssrMethod', 'clientOnlyMethod', 'extraSuffixes']

/**
 * Throws a `ChaincutOptionsError` for anything chaincut would not use as meant.
 * `api: 'transform'` also accepts the keys only `transform()` takes
 * (`resolve`, `readFile`, `onReport`, a `ModuleCache` as `cache`).
 */
export function validateOptions(options: unknown, api: 'plugin' | 'transform' = 'plugin'): void {
  if (options === undefined) return
  if (!isObject(options)) fail('options', options, `the options must be an object like chaincut({ serverOnly: [...] })`)
  const known = api === 'transform' ? TRANSFORM_KEYS : PLUGIN_KEYS
  checkKeys('', options, known, 'option')
  const o = options as Record<string, unknown>

  if (o.presets !== undefined) {
    if (!Array.isArray(o.presets)) fail('presets', o.presets, `presets must be an array of 'point0', 'tailorkit' or preset objects`)
    o.presets.forEach((preset, i) => {
      const path = `presets[${i}]`
      if (typeof preset === 'string') {
        if (!PRESET_NAMES.includes(preset)) fail(path, preset, `${path} must be 'point0', 'tailorkit' or a preset object`, nearest(preset, PRESET_NAMES))
      } else if (isObject(preset)) checkFamily(path, preset)
      else fail(path, preset, `${path} must be 'point0', 'tailorkit' or a preset object`)
    })
  }
  if (o.chains !== undefined) {
    if (!Array.isArray(o.chains)) fail('chains', o.chains, 'chains must be an array of chain families ({ name, heads, segments })')
    o.chains.forEach((chain, i) => {
      const path = `chains[${i}]`
      if (!isObject(chain)) fail(path, chain, `${path} must be a chain family { name, heads: [...], segments: {...} }`)
      checkFamily(path, chain)
    })
  }
  if (o.side !== undefined) oneOf('side', o.side, ['client', 'server'])
  if (o.onUnsafe !== undefined) oneOf('onUnsafe', o.onUnsafe, ['error', 'warn'])
  for (const key of ['include', 'exclude', 'serverOnly', 'clientOnly']) checkPatterns(key, o[key])
  if (o.report !== undefined && typeof o.report !== 'boolean' && !(typeof o.report === 'string' && o.report.trim() !== '')) {
    fail('report', o.report, `report must be true, false, the path of the JSON report to write, or of the HTML audit ('html', or a path ending in .html)`)
  }
  if (typeof o.report === 'string' && /\.htm$/i.test(o.report)) {
    fail('report', o.report, 'report: the HTML audit is written to a path ending in .html', o.report + 'l')
  }
  if (o.cache !== undefined && typeof o.cache !== 'boolean' && !(api === 'transform' && o.cache instanceof ModuleCache)) {
    fail('cache', o.cache, api === 'transform' ? 'cache must be a boolean or a ModuleCache' : 'cache must be a boolean')
  }
  if (api === 'transform') {
    for (const key of ['resolve', 'readFile', 'onReport']) {
      if (o[key] !== undefined && typeof o[key] !== 'function') fail(key, o[key], `${key} must be a function`)
    }
  }
}

function checkFamily(path: string, family: object) {
  checkKeys(path, family, CHAIN_KEYS, 'key')
  const f = family as Record<string, unknown>
  if (typeof f.name !== 'string' || f.name === '') fail(`${path}.name`, f.name, `${path}.name must be a non-empty string (the family's name in reports)`)

  if (!Array.isArray(f.heads)) fail(`${path}.heads`, f.heads, `${path}.heads must be an array of { import, from } or { member, firstArg? }`)
  f.heads.forEach((head, i) => checkHead(`${path}.heads[${i}]`, head))
  if (!f.heads.length && !(Array.isArray(f.containers) && f.containers.length)) {
    fail(`${path}.heads`, f.heads, `${path}.heads is empty: the family would never match a chain`)
  }

  if (!isObject(f.segments)) fail(`${path}.segments`, f.segments, `${path}.segments must be an object: segment name → { client?, server? }`)
  for (const [name, rule] of Object.entries(f.segments)) {
    const at = `${path}.segments.${name}`
    if (!isObject(rule)) fail(at, rule, `${at} must be an object { client?: rule, server?: rule }`)
    checkKeys(at, rule, ['client', 'server'], 'side')
    for (const side of ['client', 'server'] as const) {
      const sideRule = (rule as Record<string, unknown>)[side]
      if (sideRule !== undefined) checkSideRule(`${at}.${side}`, sideRule)
    }
  }

  for (const key of ['closers', 'runtime', 'hints', 'serverModules']) if (f[key] !== undefined) strings(`${path}.${key}`, f[key])
  if (f.containers !== undefined) {
    if (!Array.isArray(f.containers)) fail(`${path}.containers`, f.containers, `${path}.containers must be an array of { import, from, property, anyChainCalling }`)
    f.containers.forEach((container, i) => {
      const at = `${path}.containers[${i}]`
      if (!isObject(container)) fail(at, container, `${at} must be an object { import, from, property, anyChainCalling }`)
      checkKeys(at, container, CONTAINER_KEYS, 'key')
      const c = container as Record<string, unknown>
      name(`${at}.import`, c.import)
      from(`${at}.from`, c.from)
      name(`${at}.property`, c.property)
      strings(`${at}.anyChainCalling`, c.anyChainCalling)
    })
  }
  if (f.points !== undefined) checkPoints(`${path}.points`, f.points)
  if (f.sideConstants !== undefined) {
    if (!Array.isArray(f.sideConstants)) fail(`${path}.sideConstants`, f.sideConstants, `${path}.sideConstants must be an array of { root, path, client?, server?, call? }`)
    f.sideConstants.forEach((constant, i) => checkSideConstant(`${path}.sideConstants[${i}]`, constant))
  }
}

function checkSideConstant(path: string, constant: unknown) {
  if (!isObject(constant)) fail(path, constant, `${path} must be an object { root, path, client?, server?, call? }`)
  checkKeys(path, constant, ['root', 'path', 'client', 'server', 'call'], 'key')
  const c = constant as Record<string, unknown>
  if (c.root !== 'import.meta') {
    if (!isObject(c.root)) fail(`${path}.root`, c.root, `${path}.root must be 'import.meta' or { import, from, names? }`)
    checkKeys(`${path}.root`, c.root, ['import', 'from', 'names'], 'key')
    const root = c.root as Record<string, unknown>
    name(`${path}.root.import`, root.import)
    from(`${path}.root.from`, root.from)
    if (root.names !== undefined) strings(`${path}.root.names`, root.names)
  }
  strings(`${path}.path`, c.path, false)
  if (c.call !== undefined && typeof c.call !== 'boolean') fail(`${path}.call`, c.call, `${path}.call must be a boolean`)
  for (const side of ['client', 'server'] as const) {
    const value = c[side]
    if (value === undefined) continue
    const at = `${path}.${side}`
    if (c.call) {
      if (value === 'argument' || value === 'undefined') continue
      if (isObject(value) && Object.keys(value).length === 1 && typeof (value as { key?: unknown }).key === 'string') continue
      fail(at, value, `${at} must be 'argument', 'undefined' or { key: 'name' } (what the call gives on that side)`)
    } else if (typeof value !== 'boolean' && typeof value !== 'string') {
      fail(at, value, `${at} must be a boolean or a string (the value on that side)`)
    }
  }
}

function checkHead(path: string, head: unknown) {
  const shape = `${path} must be { import: 'name', from: 'package' } or { member: 'name', firstArg?: [...] }`
  if (!isObject(head)) fail(path, head, shape)
  const h = head as Record<string, unknown>
  if ('import' in h || 'from' in h) {
    checkKeys(path, h, ['import', 'from'], 'key')
    name(`${path}.import`, h.import)
    from(`${path}.from`, h.from)
  } else if ('member' in h) {
    checkKeys(path, h, ['member', 'firstArg'], 'key')
    name(`${path}.member`, h.member)
    if (h.firstArg !== undefined) strings(`${path}.firstArg`, h.firstArg)
  } else {
    const key = Object.keys(h)[0]
    const suggestion = key === undefined ? undefined : nearest(key, ['import', 'from', 'member', 'firstArg'])
    fail(path, head, shape, suggestion)
  }
}

function checkSideRule(path: string, rule: unknown) {
  const shape = `${path} must be one of ${CUT_RULES.map((r) => `'${r}'`).join(', ')}, { keys: [...] } or { rule, pointTypes?, unlessServerRendered? }`
  if (typeof rule === 'string') {
    if (!(CUT_RULES as readonly string[]).includes(rule)) fail(path, rule, shape, nearest(rule, CUT_RULES))
    return
  }
  if (!isObject(rule)) fail(path, rule, shape)
  const r = rule as Record<string, unknown>
  if ('rule' in r) {
    checkKeys(path, r, ['rule', 'pointTypes', 'unlessServerRendered'], 'key')
    // the inner rule is a plain cut rule: conditions do not nest
    if (isObject(r.rule) && 'rule' in r.rule) fail(`${path}.rule`, r.rule, `${path}.rule must be a cut rule; conditions do not nest`)
    checkSideRule(`${path}.rule`, r.rule)
    if (r.pointTypes !== undefined) strings(`${path}.pointTypes`, r.pointTypes)
    if (r.unlessServerRendered !== undefined && typeof r.unlessServerRendered !== 'boolean') {
      fail(`${path}.unlessServerRendered`, r.unlessServerRendered, `${path}.unlessServerRendered must be a boolean`)
    }
    return
  }
  if ('keys' in r) {
    checkKeys(path, r, ['keys'], 'key')
    strings(`${path}.keys`, r.keys, false)
    return
  }
  const key = Object.keys(r)[0]
  fail(path, rule, shape, key === undefined ? undefined : nearest(key, ['rule', 'keys']))
}

function checkPoints(path: string, points: unknown) {
  if (!isObject(points)) fail(path, points, `${path} must be an object { member, types, verbs, verbType, ... }`)
  checkKeys(path, points, POINTS_KEYS, 'key')
  const p = points as Record<string, unknown>
  name(`${path}.member`, p.member)
  strings(`${path}.types`, p.types)
  strings(`${path}.verbs`, p.verbs)
  name(`${path}.verbType`, p.verbType)
  for (const key of ['desugar', 'ssr']) {
    if (p[key] !== undefined && typeof p[key] !== 'boolean') fail(`${path}.${key}`, p[key], `${path}.${key} must be a boolean`)
  }
  for (const key of ['ssrMethod', 'clientOnlyMethod']) if (p[key] !== undefined) name(`${path}.${key}`, p[key])
  if (p.engine !== undefined) {
    if (!isObject(p.engine)) fail(`${path}.engine`, p.engine, `${path}.engine must be { import, from, method }`)
    checkKeys(`${path}.engine`, p.engine, ['import', 'from', 'method'], 'key')
    const engine = p.engine as Record<string, unknown>
    name(`${path}.engine.import`, engine.import)
    from(`${path}.engine.from`, engine.from)
    name(`${path}.engine.method`, engine.method)
  }
  if (p.extraSuffixes !== undefined) {
    if (!isObject(p.extraSuffixes)) fail(`${path}.extraSuffixes`, p.extraSuffixes, `${path}.extraSuffixes must be an object: point type → suffixes`)
    for (const [type, suffixes] of Object.entries(p.extraSuffixes)) strings(`${path}.extraSuffixes.${type}`, suffixes)
  }
}

/** `include`, `exclude`, `serverOnly`, `clientOnly`: a string, a RegExp, or an array of them. */
function checkPatterns(key: string, value: unknown) {
  if (value === undefined) return
  const check = (path: string, pattern: unknown) => {
    if (isRegExp(pattern)) return
    if (typeof pattern === 'string' && pattern !== '') return
    fail(path, pattern, `${path} must be a package name, a glob or a RegExp (or an array of them)`)
  }
  if (Array.isArray(value)) value.forEach((pattern, i) => check(`${key}[${i}]`, pattern))
  else check(key, value)
}

function checkKeys(path: string, object: object, known: readonly string[], what: 'option' | 'key' | 'side') {
  for (const key of Object.keys(object)) {
    if (known.includes(key)) continue
    const at = path ? `${path}.${key}` : key
    const value = (object as Record<string, unknown>)[key]
    const hint = what === 'side' ? ` (a segment rule has only \`client\` and \`server\`)` : ''
    fail(at, value, `unknown ${what} \`${at}\` (set to ${show(value)})${hint}`, nearest(key, known), true)
  }
}

function oneOf(path: string, value: unknown, allowed: readonly string[]) {
  if (typeof value === 'string' && allowed.includes(value)) return
  fail(path, value, `${path} must be ${allowed.map((a) => `'${a}'`).join(' or ')}`, typeof value === 'string' ? nearest(value, allowed) : undefined)
}

function name(path: string, value: unknown) {
  if (typeof value !== 'string' || value === '') fail(path, value, `${path} must be a non-empty string`)
}

function from(path: string, value: unknown) {
  if (typeof value === 'string' && value !== '') return
  if (Array.isArray(value) && value.length && value.every((v) => typeof v === 'string' && v !== '')) return
  fail(path, value, `${path} must be a package name or a non-empty array of package names`)
}

function strings(path: string, value: unknown, allowEmpty = true): asserts value is string[] {
  if (!Array.isArray(value)) fail(path, value, `${path} must be an array of strings`)
  value.forEach((item, i) => {
    if (typeof item !== 'string' || item === '') fail(`${path}[${i}]`, item, `${path}[${i}] must be a non-empty string`)
  })
  if (!allowEmpty && !value.length) fail(path, value, `${path} must name at least one key`)
}

function fail(option: string, value: unknown, problem: string, suggestion?: string, named = false): never {
  // "…must be X (got Y)", unless the problem already shows the value
  const text = named ? problem : `${problem} (got ${show(value)})`
  throw new ChaincutOptionsError(option, value, text, suggestion)
}

const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null && !Array.isArray(value) && !isRegExp(value)

/** A RegExp, also one made in another realm (a config loaded in a VM). */

/** A short, never-throwing rendering of a value for a message. */
function show(value: unknown): string {
  if (isRegExp(value)) return String(value)
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`
  if (typeof value === 'symbol' || typeof value === 'bigint') return String(value)
  if (value === undefined) return 'undefined'
  let text: string
  try {
    text = JSON.stringify(value, (_, v) => (isRegExp(v) ? String(v) : typeof v === 'function' ? '[function]' : v)) ?? String(value)
  } catch {
    text = Object.prototype.toString.call(value)
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}

/** The known name a near miss meant: the same but for case, or at most two edits away. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase()
  const sameCase = candidates.find((c) => c.toLowerCase() === lower)
  if (sameCase) return sameCase
  let best: string | undefined
  let bestDistance = 3
  for (const candidate of candidates) {
    const d = levenshtein(lower, candidate.toLowerCase())
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  // a one- or two-letter word is two edits from anything short
  return best !== undefined && bestDistance < Math.max(word.length, 2) ? best : undefined
}

function levenshtein(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]
}

/** Where `report: 'html'` writes the HTML audit: beside the persistent cache, never in an output folder (docs/audit.md). */
export const DEFAULT_HTML_REPORT = 'node_modules/.cache/chaincut/report.html'

/**
 * What the `report` option asks to write: nothing, the JSON report, or the HTML audit (a path
 * ending in `.html`; the literal `'html'` is `DEFAULT_HTML_REPORT`). The path is as given,
 * relative to the bundler's root.
 */
export function reportFile(option: unknown): { kind: 'json' | 'html'; path: string } | null {
  if (typeof option !== 'string' || option.trim() === '') return null
  if (option === 'html') return { kind: 'html', path: DEFAULT_HTML_REPORT }
  return { kind: /\.html$/i.test(option) ? 'html' : 'json', path: option }
}
