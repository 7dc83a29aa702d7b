/**
 * Side constants (the presets' `sideConstants`, `import.meta.env.SSR`): expressions whose value
 * each side knows at build time. Each one is replaced by its value on this side, and the code it
 * makes dead goes as a cut range — so pruning then removes the imports and helpers only that code
 * used, as it does for a cut segment's arguments:
 *
 * - `if (C) A else B`: the test becomes `true`/`false`, the dead branch goes (`if (false) {} else B`,
 *   `if (true) A`); a `var` it declared is kept, without its value;
 * - `C ? a : b`: the test becomes the literal, the dead branch `undefined`;
 * - `C && x`, `C || x`, `C ?? x`: the whole becomes the literal when `x` is dead, else `C` does;
 * - `!C`, `C === 'literal'` (and `!==`, `==`, `!=`) fold too;
 * - a call constant (`env.side.define.server(v)`) becomes its argument, a key of its object
 *   literal, or `undefined`.
 *
 * Every replacement is a literal, a kept argument or `undefined`: the output holds no side
 * constant, so a second pass changes nothing.
 */
import type * as t from '@babel/types'
import { VISITOR_KEYS } from '@babel/types'
import type { SideCallResult, SideConstant, Side } from '../types.js'
import type { ModuleAnalysis } from '../js/modules.js'
import type { SideTable } from '../config/config.js'
import type { Edit } from './emit.js'
import { type Scope } from '../js/scope.js'
import { memberName, unwrap } from '../js/runs.js'
import { quote } from '../util/ids.js'

type Const = boolean | string

export interface FoldResult {
  edits: Edit[]
  folded: Array<{ expression: string; value: string; start: number }>
}

const literal = (value: Const) => (typeof value === 'boolean' ? String(value) : quote(value))
const truthy = (value: Const) => (typeof value === 'boolean' ? value : value !== '')
/** `undefined`, unless the module shadows it where it is written. */
const undefinedAt = (scope: Scope) => (scope.lookup('undefined') ? '(void 0)' : 'undefined')

const WRAPPERS = new Set(['ParenthesizedExpression', 'TSAsExpression', 'TSSatisfiesExpression', 'TSNonNullExpression', 'TSTypeAssertion'])
const COMPARE = new Set(['===', '!==', '==', '!='])

/** The names of `root.a.b.c` (`['a', 'b', 'c']`) and its root, through parentheses and TS wrappers. */
function memberPath(node: t.Node): { names: string[]; root: t.Node } | null {
  const names: string[] = []
  let current: t.Node = node
  while (current.type === 'MemberExpression' || current.type === 'OptionalMemberExpression') {
    const name = memberName(current)
    if (name === null) return null
    names.push(name)
    current = unwrap(current.object)
  }
  return { names: names.reverse(), root: current }
}

const sources = (from: string | string[]) => (typeof from === 'string' ? [from] : from)

/** `await import('x')`, `import('x')`, `require('x')`: the module loaded, or null. */
function loadedModule(init: t.Node): string | null {
  let node = unwrap(init)
  if (node.type === 'AwaitExpression') node = unwrap(node.argument)
  if (node.type !== 'CallExpression' || node.arguments.length !== 1 || node.arguments[0].type !== 'StringLiteral') return null
  const callee = node.callee
  if (callee.type === 'Import' || (callee.type === 'Identifier' && callee.name === 'require')) return node.arguments[0].value
  return null
}

/** Whether `names` off `root` (seen from `scope`) is the constant's expression. */
function matches(constant: SideConstant, names: string[], root: t.Node, scope: Scope): boolean {
  const spec = constant.root
  const path = constant.path
  const same = (list: string[], offset: number) => list.length - offset === path.length && path.every((n, i) => list[i + offset] === n)
  if (spec === 'import.meta') return root.type === 'MetaProperty' && root.meta.name === 'import' && root.property.name === 'meta' && same(names, 0)
  if (root.type !== 'Identifier') return false
  // the name point0's compiler gives `env` is trusted by spelling, as point0 does
  if (spec.names?.includes(root.name) && same(names, 0)) return true
  const binding = scope.lookup(root.name)
  if (!binding) return false
  const from = sources(spec.from)
  if (binding.kind === 'import' && binding.importSource !== null && from.includes(binding.importSource)) {
    if (binding.imported === spec.import) return same(names, 0)
    // `import * as core from '@point0/core'` … `core.env.side.is.server`
    if (binding.imported === '*') return names[0] === spec.import && same(names, 1)
    return false
  }
  // `const { env } = await import('@point0/core')`, `const { env } = require('@point0/core')`
  if (binding.kind === 'const' && binding.access?.from.kind === 'init' && binding.access.steps.length === 1 && binding.access.steps[0] === spec.import) {
    const loaded = loadedModule(binding.access.from.init)
    return loaded !== null && from.includes(loaded) && same(names, 0)
  }
  return false
}

/** The child of `node` whose range holds `target`. */
function childHolding(node: t.Node, target: t.Node): t.Node | null {
  const keys = VISITOR_KEYS[node.type] ?? []
  for (const key of keys) {
    const child = (node as any)[key]
    const list: Array<t.Node | null> = Array.isArray(child) ? child : [child]
    for (const c of list) {
      if (c && typeof c.type === 'string' && c.start! <= target.start! && target.end! <= c.end!) return c
    }
  }
  return null
}

/** The ancestors of `target`, from the program down to its parent (one descent by ranges). */
function ancestorsOf(program: t.Node, target: t.Node): t.Node[] {
  const path: t.Node[] = []
  let node: t.Node | null = program
  while (node && node !== target) {
    path.push(node)
    node = childHolding(node, target)
  }
  return node === target ? path : []
}

/** The names a `var` in this code declares in its function (not in nested functions). */
function varNames(node: t.Node, out: string[] = []): string[] {
  const stack: t.Node[] = [node]
  while (stack.length) {
    const n = stack.pop()!
    switch (n.type) {
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
      case 'ObjectMethod':
      case 'ClassMethod':
      case 'ClassPrivateMethod':
      case 'StaticBlock':
      case 'ClassProperty':
      case 'ClassPrivateProperty':
        continue
      case 'VariableDeclaration':
        if (n.kind === 'var') for (const d of n.declarations) patternNames(d.id, out)
        for (const d of n.declarations) if (d.init) stack.push(d.init)
        continue
    }
    for (const key of VISITOR_KEYS[n.type] ?? []) {
      const child = (n as any)[key]
      if (Array.isArray(child)) for (const c of child) c && typeof c.type === 'string' && stack.push(c)
      else if (child && typeof child.type === 'string') stack.push(child)
    }
  }
  return out
}

function patternNames(node: t.Node, out: string[]): void {
  switch (node.type) {
    case 'Identifier':
      if (!out.includes(node.name)) out.push(node.name)
      return
    case 'AssignmentPattern':
      return patternNames(node.left, out)
    case 'RestElement':
      return patternNames(node.argument, out)
    case 'ArrayPattern':
      for (const e of node.elements) if (e) patternNames(e, out)
      return
    case 'ObjectPattern':
      for (const p of node.properties) patternNames(p.type === 'RestElement' ? p : p.value, out)
      return
  }
}

/** A constant read in a place it is written to (`x.server = 1`, `x.server++`, `delete x.server`, a pattern). */
function isWritten(node: t.Node, ancestors: t.Node[]): boolean {
  let child = node
  for (let i = ancestors.length - 1; i >= 0; i--) {
    const parent = ancestors[i]
    if (WRAPPERS.has(parent.type)) {
      child = parent
      continue
    }
    switch (parent.type) {
      case 'AssignmentExpression':
        return parent.left === child
      case 'UpdateExpression':
        return true
      case 'UnaryExpression':
        return parent.operator === 'delete'
      case 'ForInStatement':
      case 'ForOfStatement':
        return parent.left === child
      case 'ArrayPattern':
      case 'ObjectPattern':
      case 'RestElement':
        return true
      case 'AssignmentPattern':
        return parent.left === child
      case 'ObjectProperty':
        return ancestors[i - 1]?.type === 'ObjectPattern'
      default:
        return false
    }
  }
  return false
}

/** Folds the module's side constants for `side`. */
export function foldSides(code: string, module: ModuleAnalysis, table: SideTable, side: Side): FoldResult {
  const result: FoldResult = { edits: [], folded: [] }
  const program = module.ast.program
  /** Read constants found, by node: their value on this side. */
  const values = new Map<t.Node, Const>()
  const reads: Array<{ node: t.Node; scope: Scope; ancestors: t.Node[] }> = []
  for (const { node, scope } of module.sideReads) {
    const path = memberPath(node)
    if (!path) continue
    const constant = table.reads.get(path.names[path.names.length - 1])?.find((c) => matches(c, path.names, path.root, scope))
    if (!constant) continue
    const ancestors = ancestorsOf(program, node)
    // a constant written to (`env.side.is.server = x`) is left alone
    if (!ancestors.length || isWritten(node, ancestors)) continue
    values.set(node, constant[side] as Const)
    reads.push({ node, scope, ancestors })
  }
  const calls: Array<{ node: t.CallExpression | t.OptionalCallExpression; scope: Scope; result: SideCallResult }> = []
  for (const { node, scope } of module.sideCalls) {
    const path = memberPath(node.callee)
    if (!path) continue
    const constant = table.calls.get(path.names[path.names.length - 1])?.find((c) => matches(c, path.names, path.root, scope))
    if (!constant) continue
    calls.push({ node, scope, result: constant[side] as SideCallResult })
  }
  if (!reads.length && !calls.length) return result

  const starts = [...values.keys()].map((n) => [n.start!, n.end!] as const).sort((a, b) => a[0] - b[0])
  /** Whether a node holds a constant read (only such code is rewritten). */
  const holds = (node: t.Node) => {
    let lo = 0
    let hi = starts.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (starts[mid][0] < node.start!) lo = mid + 1
      else hi = mid
    }
    return lo < starts.length && starts[lo][1] <= node.end!
  }
  const cut = (start: number, end: number, text: string) => result.edits.push({ start, end, text, kind: 'cut' })
  const folded: Array<FoldResult['folded'][number] & { end: number }> = []
  const record = (node: t.Node, value: string, expression = code.slice(node.start!, node.end!)) =>
    folded.push({ expression: expression.length > 80 ? expression.slice(0, 77) + '...' : expression, value, start: node.start!, end: node.end! })

  /** The value of an expression made of constants and literals, or undefined. */
  const evaluate = (node: t.Node): Const | undefined => {
    const known = values.get(node)
    if (known !== undefined) return known
    switch (node.type) {
      case 'BooleanLiteral':
      case 'StringLiteral':
        return node.value
      case 'UnaryExpression': {
        if (node.operator !== '!') return undefined
        const v = evaluate(node.argument)
        return v === undefined ? undefined : !truthy(v)
      }
      case 'BinaryExpression': {
        if (!COMPARE.has(node.operator) || node.left.type === 'PrivateName') return undefined
        const l = evaluate(node.left)
        const r = l === undefined ? undefined : evaluate(node.right)
        if (l === undefined || r === undefined) return undefined
        // booleans and strings: `==` is `===` unless the types differ (then it converts; leave it)
        if ((node.operator === '==' || node.operator === '!=') && typeof l !== typeof r) return undefined
        return node.operator === '===' || node.operator === '==' ? l === r : l !== r
      }
      case 'LogicalExpression': {
        const l = evaluate(node.left)
        if (l === undefined) return undefined
        if (node.operator === '&&') return truthy(l) ? evaluate(node.right) : l
        if (node.operator === '||') return truthy(l) ? l : evaluate(node.right)
        return l // `??`: a boolean or a string is never nullish
      }
      case 'ConditionalExpression': {
        const test = evaluate(node.test)
        return test === undefined ? undefined : evaluate(truthy(test) ? node.consequent : node.alternate)
      }
      default:
        return WRAPPERS.has(node.type) ? evaluate((node as t.ParenthesizedExpression).expression) : undefined
    }
  }

  /** Rewrites the constants in `node` (reached from a site through foldable links only). */
  const emit = (node: t.Node, scope: Scope) => {
    if (!holds(node)) return
    const value = evaluate(node)
    if (value !== undefined) {
      cut(node.start!, node.end!, literal(value))
      record(node, literal(value))
      return
    }
    switch (node.type) {
      case 'UnaryExpression':
        emit(node.argument, scope)
        return
      case 'BinaryExpression':
        emit(node.left, scope)
        emit(node.right, scope)
        return
      case 'LogicalExpression':
        // a constant left whose right stays (`true && x`): only the left is rewritten
        emit(node.left, scope)
        emit(node.right, scope)
        return
      case 'ConditionalExpression': {
        const test = evaluate(node.test)
        if (test === undefined) {
          emit(node.test, scope)
          return
        }
        emit(node.test, scope)
        const dead = truthy(test) ? node.alternate : node.consequent
        cut(dead.start!, dead.end!, undefinedAt(scope))
        return
      }
      default:
        if (WRAPPERS.has(node.type)) emit((node as t.ParenthesizedExpression).expression, scope)
    }
  }

  /** Whether `parent` folds with its child `child` (the site grows through it). */
  const foldsWith = (parent: t.Node, child: t.Node) => {
    if (WRAPPERS.has(parent.type)) return true
    switch (parent.type) {
      case 'UnaryExpression':
        return parent.operator === '!'
      case 'BinaryExpression':
        return COMPARE.has(parent.operator)
      case 'LogicalExpression':
        return true
      case 'ConditionalExpression':
        return parent.test === child
      default:
        return false
    }
  }

  const sites = new Set<t.Node>()
  for (const { node, scope, ancestors } of reads) {
    let top: t.Node = node
    let i = ancestors.length - 1
    while (i >= 0 && foldsWith(ancestors[i], top)) top = ancestors[i--]
    if (sites.has(top)) continue
    sites.add(top)
    const parent = ancestors[i] ?? null
    if (parent?.type === 'IfStatement' && parent.test === top) {
      const test = evaluate(top)
      if (test === undefined) {
        emit(top, scope)
        continue
      }
      cut(top.start!, top.end!, String(truthy(test)))
      record(top, String(truthy(test)))
      const dead = truthy(test) ? parent.alternate : parent.consequent
      if (!dead) continue
      // a `var` in the dead branch is declared in the whole function: it stays, without its value
      const vars = varNames(dead)
      const kept = vars.length ? `{ var ${vars.join(', ')}; }` : '{}'
      if (dead === parent.consequent) cut(dead.start!, dead.end!, kept)
      else if (vars.length) cut(dead.start!, dead.end!, kept)
      else cut(parent.consequent.end!, dead.end!, '') // ` else …` goes whole
      continue
    }
    emit(top, scope)
  }

  for (const { node, scope, result: outcome } of calls) {
    const ancestors = ancestorsOf(program, node)
    if (!ancestors.length) continue
    let kept: t.Node | null = null
    if (outcome === 'argument') {
      const arg = node.arguments[0]
      if (arg && arg.type === 'SpreadElement') continue
      kept = arg && arg.type !== 'ArgumentPlaceholder' ? arg : null
    } else if (outcome !== 'undefined') {
      const arg = node.arguments[0] ? unwrap(node.arguments[0]) : null
      // only an object literal whose every key is plain can be read at build time
      if (!arg || arg.type !== 'ObjectExpression' || node.arguments.length > 1) continue
      let found: t.Node | null = null
      let plain = true
      for (const p of arg.properties) {
        if (p.type !== 'ObjectProperty' || p.computed && p.key.type !== 'StringLiteral') {
          plain = false
          break
        }
        const key = p.key.type === 'Identifier' ? p.key.name : p.key.type === 'StringLiteral' ? p.key.value : p.key.type === 'NumericLiteral' ? String(p.key.value) : null
        if (key === outcome.key) found = p.value // the last one wins, as in JavaScript
      }
      if (!plain) continue
      kept = found
    }
    const calleeText = code.slice(node.callee.start!, node.callee.end!)
    if (!kept) {
      cut(node.start!, node.end!, undefinedAt(scope))
      record(node, 'undefined', `${calleeText}(…)`)
      continue
    }
    // the kept value stays where it is written (its own constants are folded in place)
    const bare = kept.type === 'Identifier' || kept.type === 'StringLiteral' || kept.type === 'BooleanLiteral' || kept.type === 'NullLiteral' || kept.type === 'ThisExpression' || kept.type === 'ParenthesizedExpression'
    // `(value)` at the start of a statement would continue the line before it
    const statement = [...ancestors].reverse().find((a) => a.type === 'ExpressionStatement')
    const open = bare ? '' : statement && statement.start === node.start ? ';(' : '('
    cut(node.start!, kept.start!, open)
    cut(kept.end!, node.end!, bare ? '' : ')')
    record(node, outcome === 'argument' ? 'its argument' : `its \`${(outcome as { key: string }).key}\``, `${calleeText}(…)`)
  }
  // what was folded, less what sits in code another fold made dead (or folded twice)
  const seen = new Set<string>()
  for (const f of folded.sort((a, b) => a.start - b.start || b.end - a.end)) {
    const key = `${f.start}:${f.end}`
    if (seen.has(key) || result.edits.some((e) => e.start <= f.start && f.end <= e.end && (e.start !== f.start || e.end !== f.end))) continue
    seen.add(key)
    result.folded.push({ expression: f.expression, value: f.value, start: f.start })
  }
  return result
}
