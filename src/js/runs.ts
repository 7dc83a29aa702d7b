/**
 * Runs of member calls (`a.b(..).c(..)`): what may be a chain. The walk records each run once,
 * from its outermost call; the analysis (`src/chains/`) reads them.
 */
import type * as t from '@babel/types'
import type { Scope } from './scope.js'

export interface Segment {
  /** The method name; null when it is a computed member that is not a string literal. */
  name: string | null
  call: t.CallExpression | t.OptionalCallExpression
  callee: t.MemberExpression | t.OptionalMemberExpression
  computed: boolean
  optional: boolean
  /** `X.lets.<name>(...)`: the short point notation; `lets` is this member. */
  viaMember: t.MemberExpression | null
}

/** A run of member calls, outermost call first found; segments in source order. */
export interface CallRun {
  outer: t.Node
  segments: Segment[]
  /** What the first segment is called on (unwrapped). */
  base: t.Node
  scope: Scope
  /** The variable the run is assigned to (`const ideaPage = ...`). */
  assignedTo: string | null
}

/** Looks through TypeScript wrappers and parentheses, which change no runtime value. */
export function unwrap(node: t.Node): t.Node {
  for (;;) {
    switch (node.type) {
      case 'ParenthesizedExpression':
      case 'TSAsExpression':
      case 'TSSatisfiesExpression':
      case 'TSNonNullExpression':
      case 'TSTypeAssertion':
      case 'TSInstantiationExpression':
        node = (node as { expression: t.Node }).expression
        break
      default:
        return node
    }
  }
}

export function memberName(member: t.MemberExpression | t.OptionalMemberExpression): string | null {
  const property = member.property
  if (!member.computed) return property.type === 'Identifier' ? property.name : null
  if (property.type === 'StringLiteral') return property.value
  if (property.type === 'NumericLiteral') return String(property.value)
  if (property.type === 'TemplateLiteral' && property.expressions.length === 0) {
    return property.quasis[0].value.cooked ?? null
  }
  return null
}

/**
 * Whether the run of member calls ending in `outer` has a segment worth recording (one named in
 * `segmentNames`, computed, optional, or via a point member), found without allocating: most
 * calls are not.
 */
export function runMatters(outer: t.Node, segmentNames: Set<string>, pointMembers: Set<string>): boolean {
  let node: t.Node = outer
  for (;;) {
    const current = unwrap(node)
    if (current.type !== 'CallExpression' && current.type !== 'OptionalCallExpression') break
    const callee = unwrap(current.callee)
    if (callee.type !== 'MemberExpression' && callee.type !== 'OptionalMemberExpression') break
    if (callee.computed || (current.type === 'OptionalCallExpression' && current.optional) || (callee.type === 'OptionalMemberExpression' && callee.optional)) return true
    const name = memberName(callee)
    if (name === null || segmentNames.has(name)) return true
    const object = unwrap(callee.object)
    if (object.type === 'MemberExpression' || object.type === 'OptionalMemberExpression') {
      const member = memberName(object)
      if (member !== null && pointMembers.has(member)) return true
    }
    node = callee.object
  }
  return false
}

/** Whether `node` is a method call (`x.m()`): as the object of another method call, it is an inner call of that run. */
export function isMethodCall(node: t.Node): boolean {
  const current = unwrap(node)
  if (current.type !== 'CallExpression' && current.type !== 'OptionalCallExpression') return false
  const callee = unwrap(current.callee)
  return callee.type === 'MemberExpression' || callee.type === 'OptionalMemberExpression'
}

/**
 * Unwinds a run of member calls from its outermost call: the segments in
 * source order and what the first one is called on. `X.lets.page(...)` is one
 * segment (`page`, via `lets`) on `X`. With `inner`, the inner calls are
 * added to it so the walk does not start a run at each of them (O(n), not O(n²)).
 */
export function unwindRun(outer: t.Node, pointMembers: Set<string>, inner?: Set<t.Node>): { segments: Segment[]; base: t.Node } {
  const segments: Segment[] = []
  let node: t.Node = outer
  for (;;) {
    const current = unwrap(node)
    if (current.type === 'CallExpression' || current.type === 'OptionalCallExpression') {
      const callee = unwrap(current.callee)
      if (callee.type === 'MemberExpression' || callee.type === 'OptionalMemberExpression') {
        if (inner && current !== outer) inner.add(current)
        const object = unwrap(callee.object)
        let viaMember: t.MemberExpression | null = null
        if (object.type === 'MemberExpression' || object.type === 'OptionalMemberExpression') {
          const member = memberName(object)
          // `X.lets.page()`, also written `X?.lets.page()` or `X['lets']['page']()`: found, then refused as unsafe
          if (member !== null && pointMembers.has(member)) viaMember = object as t.MemberExpression
        }
        // Babel marks every link after a `?.` as optional-typed: only a real `?.` counts
        const optional =
          (current.type === 'OptionalCallExpression' && current.optional) ||
          (callee.type === 'OptionalMemberExpression' && callee.optional) ||
          (viaMember !== null && (viaMember as t.Node).type === 'OptionalMemberExpression' && (viaMember as unknown as t.OptionalMemberExpression).optional)
        const computed = callee.computed || (viaMember !== null && viaMember.computed)
        segments.push({ name: memberName(callee), call: current, callee, computed, optional, viaMember })
        node = viaMember ? viaMember.object : callee.object
        continue
      }
    }
    segments.reverse()
    return { segments, base: current }
  }
}
