/**
 * The cut tables of docs/reference.md "How it decides" and the pruning rule of docs/reference.md "How it decides", pruning, written out
 * again from the spec (not imported from src/presets), as the model the
 * property tests compare chaincut against.
 */
export type Side = 'client' | 'server'

export type Rule =
  | 'keep'
  | 'args'
  | 'argsUnlessBoolean'
  | 'afterFirst'
  | 'firstToNoop'
  | 'toEmptyObjectFn'
  | 'lastArg'
  | 'ssrEnabledOnly'
  | { keys: string[] }

export const SOCKET_METHODS = [
  'channel', 'channelOptions', 'space', 'spaceOptions',
  'serverHandler', 'serverHandlerOptions', 'clientHandler', 'clientHandlerOptions',
]
export const SUBSCRIPTION_METHODS = ['subscription', 'subscriptionOptions']
export const SUBSCRIPTION_KEYS = ['onMessageFromServer', 'onConnect', 'onDisconnect', 'onError']

export const P0_CLIENT_ARGS = [
  'input', 'loader', 'connector', 'joiner', 'enroller', 'action', 'headers', 'cookies', 'body',
  'ctx', 'serverOn', 'serverOnPrefetchPage', 'middleware', 'response', 'description', 'openapi',
  'models', 'clientSend', 'serverReply',
]
export const P0_ACTION_ONLY_CLIENT_ARGS = ['params', 'search']
export const P0_SERVER_ARGS = [
  'serverSend', 'scrollPosition', 'scrollRestore', 'prefetchPageOnNavigate',
  'prefetchPageOnLinkHover', 'prefetchPagePolicy', 'clientOnPrefetchPage',
]
/** Render methods: the bases and some of their page/layout/component variants. */
export const RENDER_METHODS = [
  'page', 'layout', 'component', 'provider', 'with', 'mapper', 'wrapper', 'head', 'loading', 'error',
  'pageLoading', 'pageError', 'layoutLoading', 'layoutError', 'componentLoading', 'componentError',
]
/** Kept on both sides (docs/reference.md "How it decides"), plus names the table does not know. */
export const P0_KEPT = [
  'on', 'tag', 'use', 'sharedInput', 'fetchOptions', 'transformer', 'serverUrl', 'clientUrl',
  'basePath', 'rsc', 'relatedQuery', 'clientOnly', 'onPrefetchPage', 'schemaHelper', 'errorClass',
  'queryOptions', 'mutationOptions', 'infiniteQueryOptions', 'query', 'infiniteQuery', 'mutation',
  'root', 'base', 'plugin', 'meta', 'customThing',
]
export const P0_SPECIAL = ['ssr', 'clientReply', 'clientLoader', 'clientInput', 'clientOn']

/** The pool segments are drawn from: cut ones first, so shrinking heads for them. */
export const P0_POOL = [
  'loader', ...P0_CLIENT_ARGS.filter((m) => m !== 'loader'), ...P0_ACTION_ONLY_CLIENT_ARGS, ...P0_SPECIAL,
  ...P0_SERVER_ARGS, ...SOCKET_METHODS, ...SUBSCRIPTION_METHODS, ...RENDER_METHODS, ...P0_KEPT,
]
/** TailorKit: handler/input/output/context, plus point0 names that mean nothing on a TailorKit chain. */
export const TK_POOL = ['handler', 'input', 'output', 'context', 'use', 'meta', 'loader', 'page', 'middleware', 'ssr']

export interface PointContext {
  pointType: string | null
  /** The point server-renders at this segment (preset ssr on, no ssr(false) point-wide, no clientOnly before). */
  serverRenders: boolean
}

/** docs/reference.md "How it decides" */
export function point0Rule(method: string, side: Side, ctx: PointContext): Rule {
  if (side === 'client') {
    if (P0_CLIENT_ARGS.includes(method)) return 'args'
    if (P0_ACTION_ONLY_CLIENT_ARGS.includes(method)) return ctx.pointType === 'action' ? 'args' : 'keep'
    if (method === 'clientReply') return 'afterFirst'
    if (SOCKET_METHODS.includes(method)) return { keys: ['server'] }
    if (method === 'ssr') return 'ssrEnabledOnly'
    return 'keep'
  }
  if (method === 'clientLoader') return 'argsUnlessBoolean'
  if (method === 'clientInput') return 'toEmptyObjectFn'
  if (P0_SERVER_ARGS.includes(method)) return 'args'
  if (method === 'clientOn') return 'lastArg'
  if (method === 'clientReply') return 'firstToNoop'
  if (SOCKET_METHODS.includes(method)) return { keys: ['client'] }
  if (SUBSCRIPTION_METHODS.includes(method)) return { keys: SUBSCRIPTION_KEYS }
  if (RENDER_METHODS.includes(method)) return ctx.serverRenders ? 'keep' : 'args'
  return 'keep'
}

/** docs/reference.md "How it decides" */
export function tailorkitRule(method: string, side: Side, cutSchemas: boolean): Rule {
  if (side === 'server') return 'keep'
  if (method === 'handler') return 'args'
  if (cutSchemas && (method === 'input' || method === 'output')) return 'args'
  return 'keep'
}

/** README "Before and after", the short form: the name of a desugared point. */
export function expectedPointName(variable: string | null, type: string, file: string): string {
  if (variable) {
    const snake = type.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())
    const extra = type === 'infiniteQuery' ? ['Query'] : type.endsWith('Handler') ? ['Handler'] : []
    const candidates = [type[0].toUpperCase() + type.slice(1), type, '_' + type, '_' + snake, ...extra]
      .filter((c, i, all) => all.indexOf(c) === i)
      .sort((a, b) => b.length - a.length)
    let name = variable
    for (const candidate of candidates) {
      if (variable.endsWith(candidate)) {
        name = variable.slice(0, -candidate.length)
        break
      }
    }
    if (name) return name
    // a root that strips to nothing is named 'root', whatever its file
    if (type === 'root') return 'root'
  }
  const base = file.replace(/^.*\//, '').replace(/\.[^.]*$/, '')
  if (base === 'index') return file.replace(/\/[^/]*$/, '').replace(/^.*\//, '')
  return base
}

// ---------------------------------------------------------------------------
// Arguments and what a rule leaves of them

export interface ArgProp {
  key: string
  text: string
  refs: number[]
  markers: string[]
}

export interface Arg {
  kind: 'fn' | 'str' | 'bool' | 'obj' | 'ident' | 'expr' | 'num'
  text: string
  refs: number[]
  markers: string[]
  bool?: boolean
  props?: ArgProp[]
}

export type SegExpect =
  | { kind: 'exact'; inner: string }
  | { kind: 'keys'; args: Array<{ literal: string } | { props: string[] }> }

export interface Applied {
  expect: SegExpect
  keptRefs: number[]
  cutRefs: number[]
  keptMarkers: string[]
  cutMarkers: string[]
}

const isLiteralArg = (a: Arg) => a.kind === 'str' || a.kind === 'bool' || a.kind === 'num'

/**
 * A call's argument list as written: `(` prefix a0 sep1 a1 ... suffix `)`, where
 * prefix/seps/suffix are whitespace, commas and comments. With no arguments the
 * list is empty: `()`.
 */
export interface ArgList {
  args: Arg[]
  prefix: string
  /** seps[i] goes between args[i] and args[i + 1] */
  seps: string[]
  suffix: string
}

export function listText(list: ArgList): string {
  if (!list.args.length) return ''
  let text = list.prefix
  list.args.forEach((a, i) => {
    if (i) text += list.seps[i - 1]
    text += a.text
  })
  return text + list.suffix
}

/** The text from `(` up to the end of argument k. */
function textThrough(list: ArgList, k: number): string {
  let text = list.prefix
  for (let i = 0; i <= k; i++) {
    if (i) text += list.seps[i - 1]
    text += list.args[i].text
  }
  return text
}

/** What a cut rule leaves of a call's arguments (docs/reference.md "How it decides"), computed on the generator's own data. */
export function applyRule(rule: Rule, list: ArgList): Applied {
  const args = list.args
  const inner = listText(list)
  const keepAll = (): Applied => ({
    expect: { kind: 'exact', inner },
    keptRefs: args.flatMap((a) => a.refs),
    cutRefs: [],
    keptMarkers: args.flatMap((a) => a.markers),
    cutMarkers: [],
  })
  const split = (kept: Arg[], cut: Arg[], text: string): Applied => ({
    expect: { kind: 'exact', inner: text },
    keptRefs: kept.flatMap((a) => a.refs),
    cutRefs: cut.flatMap((a) => a.refs),
    keptMarkers: kept.flatMap((a) => a.markers),
    cutMarkers: cut.flatMap((a) => a.markers),
  })
  // nothing between the parentheses: nothing to cut, whatever the rule
  if (rule === 'keep' || args.length === 0) return keepAll()
  if (typeof rule === 'object') {
    const keys = new Set(rule.keys)
    const out: Applied = { expect: { kind: 'keys', args: [] }, keptRefs: [], cutRefs: [], keptMarkers: [], cutMarkers: [] }
    for (const a of args) {
      if (a.kind === 'obj') {
        const kept: string[] = []
        for (const p of a.props!) {
          if (keys.has(p.key)) {
            out.cutRefs.push(...p.refs)
            out.cutMarkers.push(...p.markers)
          } else {
            kept.push(p.text)
            out.keptRefs.push(...p.refs)
            out.keptMarkers.push(...p.markers)
          }
        }
        ;(out.expect as { args: unknown[] }).args.push({ props: kept })
      } else {
        if (!isLiteralArg(a)) throw new Error('generator: keys rule over a non-literal, non-object argument')
        ;(out.expect as { args: unknown[] }).args.push({ literal: a.text })
        out.keptMarkers.push(...a.markers)
      }
    }
    return out
  }
  switch (rule) {
    case 'args':
      return split([], args, '')
    case 'argsUnlessBoolean':
      return args.length === 1 && args[0].kind === 'bool' ? keepAll() : split([], args, '')
    case 'afterFirst':
      return args.length <= 1 ? keepAll() : split([args[0]], args.slice(1), textThrough(list, 0))
    case 'firstToNoop':
      return split(args.slice(1), [args[0]], list.prefix + '() => {}' + inner.slice(textThrough(list, 0).length))
    case 'toEmptyObjectFn':
      return split([], args, '() => ({})')
    case 'lastArg':
      // docs/reference.md "Decisions": a single argument is what an earlier pass left (the event)
      // and stays; with more, everything after the first goes (`.clientOn('event', fn)` → `.clientOn('event')`)
      if (args.length < 2) return keepAll()
      return split([args[0]], args.slice(1), textThrough(list, 0))
    case 'ssrEnabledOnly': {
      if (args.length === 1 && args[0].kind === 'bool') return keepAll()
      const first = args[0]
      let text = '{}'
      if (first.kind === 'obj') {
        const enabled = first.props!.find((p) => p.key === 'enabled')
        if (enabled && (enabled.text === 'enabled: true' || enabled.text === 'enabled: false')) text = enabled.text.slice('enabled: '.length)
      }
      // already collapsed (a second pass): nothing to do
      if (args.length === 1 && inner.trim() === text) return keepAll()
      return split([], args, text)
    }
  }
}

/** `.ssr(false)` / `.ssr({ enabled: false })`: the point does not server-render. */
export function isSsrOff(args: Arg[]): boolean {
  const first = args[0]
  if (!first) return false
  if (first.kind === 'bool') return first.bool === false
  if (first.kind === 'obj') return first.props!.some((p) => p.text === 'enabled: false')
  return false
}

// ---------------------------------------------------------------------------
// Pruning (docs/reference.md "How it decides", pruning)

export interface BindingModel {
  name: string
  exported: boolean
  /** Exported code (function, class, function-valued const): using it in cut code is E_EXPORTED_IN_CUT. */
  exportedCode?: boolean
  /** An import whose module the guard matches on this side (removed even if already unused). */
  guarded: Record<Side, boolean>
  /** Names of the module-scope bindings (helpers) whose bodies reference this one. */
  fromHelpers: number[]
}

/**
 * Which bindings a side removes: a binding goes when it is not exported and every
 * reference to it (there was at least one before the cut, unless the guard
 * matches its module) is in cut code or in a removed binding's code; repeatedly.
 */
export function expectedRemovals(
  bindings: BindingModel[],
  keptRefs: number[],
  cutRefs: number[],
  side: Side,
): Set<number> {
  const kept = new Map<number, number>()
  const cut = new Map<number, number>()
  for (const r of keptRefs) kept.set(r, (kept.get(r) ?? 0) + 1)
  for (const r of cutRefs) cut.set(r, (cut.get(r) ?? 0) + 1)
  const removed = new Set<number>()
  for (let changed = true; changed; ) {
    changed = false
    bindings.forEach((b, i) => {
      if (removed.has(i) || b.exported) return
      if (kept.get(i)) return
      const live = b.fromHelpers.filter((h) => !removed.has(h))
      if (live.length) return
      const hadRefs = (cut.get(i) ?? 0) + b.fromHelpers.length > 0
      if (!hadRefs && !b.guarded[side]) return
      removed.add(i)
      changed = true
    })
  }
  return removed
}
