/**
 * The values of the chain analysis: what an expression is, chain-wise (a chain of a family,
 * not a chain with a reason, or unknown), and how values join. See docs/ARCHITECTURE.md,
 * "Soundness".
 */
import type * as t from '@babel/types'
import type { ChainFamily, ContainerSpec } from '../types.js'
import type { ModuleAnalysis } from '../js/modules.js'
import { type Scope } from '../js/scope.js'
import { unwrap, type CallRun, type Segment } from '../js/runs.js'

/** The state of a point as its chain is read: flags that change how it is cut. */
export interface PointState {
  type: string
  /** `.ssr(false)` anywhere in its chain or a parent's (point-wide). */
  ssrOff: boolean
  /** A `.clientOnly()` has been seen so far (its own chain, or any parent). */
  clientOnly: boolean
}

/** What an expression is, as far as chains go. */
export type Value =
  /** A function that starts a chain when called (`createActions`, `Point0`). */
  | { kind: 'head'; family: ChainFamily }
  | { kind: 'chain'; family: ChainFamily; point: PointState | null }
  /** `X.lets` read as a value: calling it opens a point. */
  | { kind: 'lets'; family: ChainFamily; point: PointState | null }
  | { kind: 'container'; family: ChainFamily; container: ContainerSpec }
  | { kind: 'pkgNamespace'; source: string }
  | { kind: 'appNamespace'; file: string }
  /** An object or array literal, or a class (its static fields), or an instance of a local class. */
  /** `open`: why code chaincut does not see may set its members (then a member is also unknown). */
  | { kind: 'object'; node: t.Node; scope: Scope; module: ModuleAnalysis; instance?: boolean; name?: string; open?: string; exported?: boolean }
  | { kind: 'function'; node: t.Node; scope: Scope; module: ModuleAnalysis; open?: string; exported?: boolean }
  /** `fn.call` / `fn.apply` / `fn.bind` of a known function. */
  | { kind: 'invoke'; fn: Value; mode: 'call' | 'apply' | 'bind' }
  /** A method read off a chain (`p.loader`). */
  | { kind: 'method'; name: string; of: Value }
  /** A chain handed to code chaincut does not know (`wrap(chain)`): what comes back is unknown. */
  | { kind: 'escaped'; family: ChainFamily; node: t.Node }
  /** An array a built-in made (`map`, `Array.from`, `concat`): any element is `element`. */
  | { kind: 'list'; element: Value; collection?: 'map' | 'set' }
  /** A promise of `value` (`Promise.resolve`, `.then`, an async function's result): `await` gives `value`. */
  | { kind: 'promise'; value: Value }
  /** `open`: a proven non-chain whose members code chaincut does not see may set (a package object aliased or changed): its members are unknown. */
  | { kind: 'not'; reason: string; open?: string }
  /**
   * Nothing is known. `evidence`: the family it may be a chain of, because it comes from where that
   * family can be reached (a package that depends on it, code that may return its chains): on the
   * client, a cut method called on it is cut; without evidence it is refused.
   */
  | { kind: 'unknown'; reason: string; evidence?: string; unseenCallers?: true; globalObject?: true }
  | { kind: 'union'; values: Value[] }
  /** A cycle: no information of its own (a join ignores it). */
  | { kind: 'bottom' }

/** One segment of a recognised chain. */
export interface ChainSegment {
  segment: Segment
  family: ChainFamily
  /** The point it belongs to (shared by all its segments, so `ssrOff` is point-wide). */
  point: PointState | null
  /** Whether a `.clientOnly()` came before it (positional). */
  clientOnlyBefore: boolean
  /** This call opens a point (`X.lets(...)`/`X.lets.page(...)`): its arguments define the point, never cut. */
  opener: 'explicit' | 'short' | null
  /** For a short-form opener: the point type to write when desugaring. */
  pointType?: string
}

/** A call or read of a cut method that is not cut: why, or why it is a finding. */
export type Decision =
  | { kind: 'notChain'; method: string; node: t.Node; reason: string }
  | { kind: 'takenOff'; method: string; family: ChainFamily; node: t.Node; destructured: boolean }
  | { kind: 'untraced'; method: string; node: t.Node; reason: string; families: string[] }
  /** A chain passed to a parameter of a module built earlier in this build taking it to receive none. */
  | { kind: 'lateParam'; method: string; node: t.Node; family: ChainFamily; function: string; builtFirst: string }
  /** Unknown, and this side keeps what it cannot prove (the server): left alone, no finding. */
  | { kind: 'unknown'; method: string; node: t.Node; reason: string }

export interface RecognisedChain {
  run: CallRun
  segments: ChainSegment[]
  /** Why the chain was assumed (its receiver could not be traced: cut to fail safe), or null. */
  assumed: string | null
}

export const NOT_LITERAL: Value = { kind: 'not', reason: 'a literal value' }
export const BOTTOM: Value = { kind: 'bottom' }

export const isStringish = (node: t.Node | undefined | null): string | null => {
  if (!node) return null
  if (node.type === 'StringLiteral') return node.value
  if (node.type === 'TemplateLiteral' && node.expressions.length === 0) return node.quasis[0].value.cooked ?? null
  return null
}

export const isFalseLiteral = (node: t.Node | undefined): boolean => {
  if (!node) return false
  const n = unwrap(node)
  if (n.type === 'BooleanLiteral') return !n.value
  if (n.type === 'ObjectExpression') {
    for (const p of n.properties) {
      if (p.type !== 'ObjectProperty' || p.computed) continue
      const key = p.key.type === 'Identifier' ? p.key.name : isStringish(p.key)
      if (key === 'enabled' && unwrap(p.value).type === 'BooleanLiteral') return !(unwrap(p.value) as t.BooleanLiteral).value
    }
  }
  return false
}

export const has = (o: object, key: string) => Object.prototype.hasOwnProperty.call(o, key)

/** What distinguishes one argument value from another for a helper's result. */
export function signature(v: Value): string {
  switch (v.kind) {
    case 'chain':
    case 'head':
    case 'lets':
    case 'escaped':
      return `${v.kind}:${v.family.name}:${v.kind === 'chain' || v.kind === 'lets' ? JSON.stringify(v.point) : ''}`
    case 'object':
    case 'function':
      return `${v.kind}:${v.module.id}:${v.node.start}:${v.node.end}:${v.kind === 'object' ? (v.instance ?? '') : ''}`
    case 'union':
      return `(${v.values.map(signature).join('|')})`
    case 'pkgNamespace':
      return `ns:${v.source}`
    case 'appNamespace':
      return `ns:${v.file}`
    case 'method':
      return `method:${v.name}:${signature(v.of)}`
    case 'invoke':
      return `invoke:${v.mode}:${signature(v.fn)}`
    case 'container':
      return `container:${v.container.import}`
    case 'list':
      return `list:${signature(v.element)}`
    case 'promise':
      return `promise:${signature(v.value)}`
    case 'unknown':
      return v.evidence ? `unknown:${v.evidence}` : 'unknown'
    default:
      return v.kind
  }
}

/** Reasons quote other reasons: kept short, so deep flows do not build long strings. */
export const brief = (text: string) => (text.length > 160 ? text.slice(0, 157) + '…' : text)

export const isChainish = (v: Value): v is Extract<Value, { family: ChainFamily }> =>
  v.kind === 'chain' || v.kind === 'head' || v.kind === 'lets' || v.kind === 'escaped'

/** The join of two values: a union, flattened; a bottom adds nothing. */
export function join(values: Value[]): Value {
  const out: Value[] = []
  const add = (v: Value) => {
    if (v.kind === 'bottom') return
    if (v.kind === 'union') {
      for (const x of v.values) add(x)
      return
    }
    // one of each kind of "nothing here" is enough; chains and containers stay distinct
    for (const o of out) {
      if (o.kind !== v.kind) continue
      if (v.kind === 'not') {
        // one whose members code may set says more
        if (v.open && !(o as { open?: string }).open) out[out.indexOf(o)] = v
        return
      }
      if (v.kind === 'unknown') {
        // the one with evidence of a family says more
        if (v.evidence && !(o as { evidence?: string }).evidence) out[out.indexOf(o)] = v
        return
      }
      if ((v.kind === 'chain' || v.kind === 'head' || v.kind === 'lets' || v.kind === 'escaped') && (o as { family: ChainFamily }).family === v.family) return
      if ((v.kind === 'object' || v.kind === 'function') && (o as { node: t.Node }).node === v.node) return
    }
    out.push(v)
  }
  for (const v of values) add(v)
  if (!out.length) return BOTTOM
  if (out.length === 1) return out[0]
  if (out.length > 4) return settle({ kind: 'union', values: out })
  return { kind: 'union', values: out }
}

/** How a union reads as a receiver: a chain if any branch may be one; else unknown if any is; else not. */
export function settle(v: Value): Value {
  if (v.kind !== 'union') return v
  const chain = v.values.find((x) => x.kind === 'chain' || x.kind === 'lets' || x.kind === 'head')
  if (chain) return chain
  const escaped = v.values.find((x) => x.kind === 'escaped')
  if (escaped) return escaped
  const unknown = v.values.find((x) => x.kind === 'unknown' && x.evidence) ?? v.values.find((x) => x.kind === 'unknown')
  if (unknown) return unknown
  const reasons = [...new Set(v.values.map((x) => (x.kind === 'not' ? x.reason : describe(x))))]
  const open = v.values.find((x) => x.kind === 'not' && x.open) as { open?: string } | undefined
  return open ? { kind: 'not', reason: reasons.join('; or '), open: open.open } : { kind: 'not', reason: reasons.join('; or ') }
}

export function describe(v: Value): string {
  switch (v.kind) {
    case 'not':
    case 'unknown':
      return v.reason
    case 'object':
      return v.instance ? 'an instance of a class of this app' : v.node.type === 'ArrayExpression' ? 'an array literal' : v.node.type.startsWith('Class') ? 'a class' : 'an object literal'
    case 'function':
      return 'a function'
    case 'invoke':
      return 'a function'
    case 'container':
      return `${v.container.import}() from ${[v.container.from].flat()[0]}`
    case 'pkgNamespace':
      return `the namespace of ${v.source}`
    case 'appNamespace':
      return 'a module namespace'
    case 'bottom':
      return 'a value that only refers to itself'
    case 'list':
      return 'an array a built-in method returns'
    case 'promise':
      return 'a promise'
    default:
      return v.kind
  }
}

export const functionTypes = new Set(['ArrowFunctionExpression', 'FunctionExpression', 'FunctionDeclaration', 'ObjectMethod', 'ClassMethod', 'ClassPrivateMethod'])
