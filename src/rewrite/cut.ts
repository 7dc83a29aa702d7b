/**
 * The cut rules (docs/reference.md "Your own builder"; the presets' tables) and the desugaring of
 * point0's short form (README "Before and after"), as text edits.
 * A segment's call always stays, in its place; only what is between its
 * parentheses changes.
 */
import type * as t from '@babel/types'
import { pointsNotation } from '../presets/index.js'
import type { ChainFamily, CutRule, Side, SideRule } from '../types.js'
import type { ChainSegment, RecognisedChain } from '../chains/index.js'
import type { Edit } from './emit.js'
import { describe, type FindingCode, type FindingParams, type FindingText } from '../findings/catalog.js'
import { isLineBreak, listRemovalRanges } from '../util/ranges.js'
import { unwrap } from '../js/runs.js'
import { quote } from '../util/ids.js'

export interface CutResult {
  edits: Edit[]
  cuts: Array<{ method: string; rule: string; start: number; family: string }>
  desugared: Array<{ type: string; name: string; start: number }>
  /** Their level is the transform's to decide (`findings/catalog.ts`, `levelOf`). */
  findings: Array<FindingText & { start: number; end: number }>
}

/** The first position at or after `from` that is not whitespace or a comment. */
export function skipTrivia(code: string, from: number): number {
  let i = from
  while (i < code.length) {
    const c = code.charCodeAt(i)
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12 || c === 0x2028 || c === 0x2029 || c === 0xa0 || c === 0xfeff) {
      i++
      continue
    }
    if (c === 47 /* / */ && code.charCodeAt(i + 1) === 47) {
      while (i < code.length && !isLineBreak(code.charCodeAt(i))) i++
      continue
    }
    if (c === 47 && code.charCodeAt(i + 1) === 42) {
      const close = code.indexOf('*/', i + 2)
      i = close === -1 ? code.length : close + 2
      continue
    }
    return i
  }
  return i
}

/** Position of the `(` of a call, skipping whitespace, comments and `?.`. */
export function openParen(code: string, call: t.CallExpression | t.OptionalCallExpression): number {
  const typeArgs = (call as { typeParameters?: t.Node | null; typeArguments?: t.Node | null }).typeParameters ?? call.typeArguments
  let i = typeArgs ? typeArgs.end! : call.callee.end!
  while (i < code.length) {
    const c = code.charCodeAt(i)
    if (c === 40 /* ( */) return i
    if (c === 47 /* / */) {
      const next = code.charCodeAt(i + 1)
      if (next === 47) {
        while (i < code.length && !isLineBreak(code.charCodeAt(i))) i++
        continue
      }
      if (next === 42) {
        const close = code.indexOf('*/', i + 2)
        i = close === -1 ? code.length : close + 2
        continue
      }
    }
    i++
  }
  return -1
}

const literalKey = (node: t.Node): string | null => {
  if (node.type === 'Identifier') return node.name
  if (node.type === 'StringLiteral') return node.value
  if (node.type === 'NumericLiteral') return String(node.value)
  return null
}

const isLiteral = (node: t.Node) => {
  const n = unwrap(node)
  return (
    n.type === 'StringLiteral' ||
    n.type === 'NumericLiteral' ||
    n.type === 'BooleanLiteral' ||
    n.type === 'NullLiteral' ||
    (n.type === 'TemplateLiteral' && n.expressions.length === 0)
  )
}

const isEmptyArrow = (node: t.Node, objectBody: boolean) => {
  if (node.type !== 'ArrowFunctionExpression' || node.params.length || node.async) return false
  const body = unwrap(node.body)
  return objectBody
    ? body.type === 'ObjectExpression' && body.properties.length === 0
    : body.type === 'BlockStatement' && body.body.length === 0
}

export function ruleOf(segment: ChainSegment, side: Side, serverRenders: boolean): CutRule {
  const name = segment.segment.name
  if (!name || segment.opener) return 'keep'
  const row = Object.prototype.hasOwnProperty.call(segment.family.segments, name) ? segment.family.segments[name] : undefined
  const rule: SideRule | undefined = row?.[side]
  if (!rule) return 'keep'
  if (typeof rule === 'string' || 'keys' in rule) return rule
  if (rule.pointTypes && (!segment.point || !rule.pointTypes.includes(segment.point.type))) return 'keep'
  if (rule.unlessServerRendered) {
    const point = segment.point
    const renders = serverRenders && !(point?.ssrOff ?? false) && !segment.clientOnlyBefore
    if (renders) return 'keep'
  }
  return rule.rule
}

const ruleLabel = (rule: CutRule) => (typeof rule === 'string' ? rule : `keys(${rule.keys.join(', ')})`)



/** Whether a family's points server-render by default: its `points.ssr`, else false. */
export const declaredServerRendering = (family: ChainFamily) => family.points?.ssr ?? false

export function cutChains(
  code: string,
  file: string,
  chains: RecognisedChain[],
  side: Side,
  /** Whether a family's points server-render by default (the preset's `ssr`, or what the app's engine says). */
  serverRenders: (family: ChainFamily) => boolean = declaredServerRendering,
): CutResult {
  const result: CutResult = { edits: [], cuts: [], desugared: [], findings: [] }
  const finding: Report = (code, node, params) => result.findings.push({ ...describe(code, params), start: node.start!, end: node.end! })

  for (const chain of chains) {
    for (const entry of chain.segments) {
      const { segment, family } = entry
      const call = segment.call

      if (segment.computed) {
        finding('E_COMPUTED_SEGMENT', segment.callee.property, { family: family.name, method: segment.name })
      }
      if (segment.optional) {
        finding('E_OPTIONAL_SEGMENT', segment.callee.property, { family: family.name, method: segment.name })
      }

      if (entry.opener === 'short' && family.points?.desugar && segment.viaMember && entry.pointType) {
        const open = openParen(code, call)
        if (open === -1) continue
        const name = pointsNotation.pointName(chain.run.assignedTo, entry.pointType, file, family.points.extraSuffixes?.[entry.pointType])
        // drop `.page` after `X.lets` (or after `(X.lets)`); comments in between stay where they are
        const from = segment.callee.object.end!
        const to = segment.callee.property.end! + (segment.callee.computed ? 1 : 0)
        const gap = code.slice(from, segment.callee.property.start!)
        if (gap.includes('//') || gap.includes('/*')) {
          const dot = skipTrivia(code, from) // the `.`, `?.` or `[` itself, past any comment
          const width = code.startsWith('?.', dot) ? 2 : 1
          result.edits.push({ start: dot, end: dot + width, text: '', kind: 'desugar' })
          result.edits.push({ start: segment.callee.property.start!, end: to, text: '', kind: 'desugar' })
        } else {
          result.edits.push({ start: from, end: to, text: '', kind: 'desugar' })
        }
        result.edits.push({
          start: open + 1,
          end: open + 1,
          text: `${quote(entry.pointType)}, ${quote(name)}${call.arguments.length ? ', ' : ''}`,
          kind: 'desugar',
        })
        result.desugared.push({ type: entry.pointType, name, start: segment.callee.property.start! })
        continue
      }

      const rule = ruleOf(entry, side, serverRenders(family))
      if (rule === 'keep') continue
      const applied = applyRule(code, call, rule, finding, family.name, segment.name!)
      if (applied.length) {
        for (const edit of applied) result.edits.push(edit)
        result.cuts.push({ method: segment.name!, rule: ruleLabel(rule), start: segment.callee.property.start!, family: family.name })
      }
    }
  }
  return result
}

type Report = <C extends FindingCode>(code: C, node: t.Node, params: FindingParams<C>) => void

function applyRule(code: string, call: t.CallExpression | t.OptionalCallExpression, rule: Exclude<CutRule, 'keep'>, report: Report, family: string, method: string): Edit[] {
  const args = call.arguments
  const open = openParen(code, call)
  const close = call.end! - 1
  if (open === -1 || code.charCodeAt(close) !== 41 /* ) */) return []
  const inner = code.slice(open + 1, close)
  const cut = (start: number, end: number, text = ''): Edit[] => [{ start, end, text, kind: 'cut' }]
  const all = () => (args.length || inner.trim() ? cut(open + 1, close) : [])

  switch (rule) {
    case 'args':
      return all()
    case 'argsUnlessBoolean':
      if (args.length === 1 && unwrap(args[0]).type === 'BooleanLiteral') return []
      return all()
    case 'afterFirst':
      if (args.length === 0) return []
      if (args[0].type === 'SpreadElement') return all()
      return args.length > 1 || code.slice(args[0].end!, close).trim().replace(/^,/, '').trim() ? cut(args[0].end!, close) : []
    case 'firstToNoop':
      if (args.length === 0 || isEmptyArrow(args[0], false)) return []
      if (args[0].type === 'SpreadElement') return cut(open + 1, close, '() => {}')
      return cut(args[0].start!, args[0].end!, '() => {}')
    case 'toEmptyObjectFn':
      if (args.length === 0) return []
      if (args.length === 1 && isEmptyArrow(args[0], true) && inner.trim() === code.slice(args[0].start!, args[0].end!)) return []
      return cut(open + 1, close, '() => ({})')
    case 'lastArg': {
      // `.clientOn('event', handler)` → `.clientOn('event')`. A single argument is what an
      // earlier pass left (the event) and stays; with more than two, all after the first go,
      // so a second pass changes nothing either way (idempotent, docs/reference.md "Decisions")
      if (args.length < 2) return []
      return cut(args[0].end!, close)
    }
    case 'ssrEnabledOnly': {
      if (args.length === 0) return []
      const first = unwrap(args[0])
      if (args.length === 1 && first.type === 'BooleanLiteral') return []
      if (first.type === 'ObjectExpression') {
        let enabled: boolean | null = null
        let spreadAfter = false
        for (const p of first.properties) {
          if (p.type === 'SpreadElement') {
            if (enabled !== null) spreadAfter = true
            continue
          }
          if (p.type !== 'ObjectProperty' || p.computed) continue
          if (literalKey(p.key) === 'enabled') {
            const v = unwrap(p.value)
            enabled = v.type === 'BooleanLiteral' ? v.value : null
            spreadAfter = false
          }
        }
        const text = enabled !== null && !spreadAfter ? String(enabled) : '{}'
        if (args.length === 1 && inner.trim() === text) return []
        return cut(open + 1, close, text)
      }
      return inner.trim() === '{}' ? [] : cut(open + 1, close, '{}')
    }
    default: {
      const keys = new Set(rule.keys)
      const keysArgument = { family, method, keys: [...keys] }
      const edits: Edit[] = []
      for (const arg of args) {
        const value = unwrap(arg)
        if (isLiteral(value)) continue
        if (value.type !== 'ObjectExpression') {
          report('E_KEYS_NOT_OBJECT', arg, keysArgument)
          continue
        }
        const remove: boolean[] = []
        let unsafe = false
        for (const p of value.properties) {
          if (p.type === 'SpreadElement') {
            report('E_KEYS_SPREAD', p, keysArgument)
            unsafe = true
            remove.push(false)
            continue
          }
          const key = p.computed ? (p.key.type === 'StringLiteral' ? p.key.value : null) : literalKey(p.key)
          if (key === null) {
            report('E_KEYS_COMPUTED', p, keysArgument)
            unsafe = true
            remove.push(false)
            continue
          }
          remove.push(keys.has(key))
        }
        if (unsafe && !remove.some(Boolean)) continue
        const objectEnd = value.end! - 1 // the `}`
        for (const [start, end] of listRemovalRanges(code, value.properties, remove, objectEnd)) {
          edits.push({ start, end, text: '', kind: 'cut' })
        }
      }
      return edits
    }
  }
}
