/**
 * Reading chaincut's input and output back with @babel/parser, independently
 * of chaincut's own walk: the dialect of a file, its top-level value
 * bindings, and the member-call runs ("chains") in it with the exact text
 * between each call's parentheses.
 */
import { parse, type ParserPlugin } from '@babel/parser'
import { VISITOR_KEYS } from '@babel/types'
import type * as t from '@babel/types'

/** The dialect chaincut reads and writes for a file name (docs/toolchains.md, sides). */
export function pluginsFor(id: string): ParserPlugin[] {
  const file = id.replace(/[?#].*$/, '')
  if (/\.[cm]?tsx$/.test(file)) return ['typescript', 'jsx', 'decorators-legacy', 'explicitResourceManagement']
  if (/\.[cm]?ts$/.test(file)) return ['typescript', 'decorators-legacy', 'explicitResourceManagement']
  if (/\.jsx$/.test(file)) return ['jsx', 'decorators-legacy', 'explicitResourceManagement']
  return ['decorators-legacy', 'explicitResourceManagement']
}

/**
 * Parses as chaincut reads the dialect. `allowUndeclaredExports` as chaincut's own parse: an
 * `export { x }` of an undeclared name is accepted there, so an output can only be held to it.
 */
export function parseAs(code: string, id: string): t.File {
  return parse(code, { sourceType: 'module', plugins: pluginsFor(id), errorRecovery: false, allowUndeclaredExports: true })
}

/** Module-scope value bindings: imports (not type-only), functions, classes, variables (patterns included), enums. */
export function topLevelNames(ast: t.File): string[] {
  const names: string[] = []
  const pattern = (node: t.Node | null | undefined): void => {
    if (!node) return
    switch (node.type) {
      case 'Identifier':
        names.push(node.name)
        break
      case 'ObjectPattern':
        for (const p of node.properties) pattern(p.type === 'RestElement' ? p.argument : (p.value as t.Node))
        break
      case 'ArrayPattern':
        for (const e of node.elements) pattern(e)
        break
      case 'AssignmentPattern':
        pattern(node.left)
        break
      case 'RestElement':
        pattern(node.argument)
        break
    }
  }
  const declaration = (node: t.Node | null | undefined): void => {
    if (!node) return
    if (node.type === 'FunctionDeclaration' || node.type === 'ClassDeclaration') {
      if (node.id) names.push(node.id.name)
    } else if (node.type === 'VariableDeclaration') {
      for (const d of node.declarations) pattern(d.id)
    } else if (node.type === 'TSEnumDeclaration') {
      names.push(node.id.name)
    }
  }
  for (const statement of ast.program.body) {
    if (statement.type === 'ImportDeclaration') {
      if (statement.importKind === 'type' || statement.importKind === 'typeof') continue
      for (const s of statement.specifiers) {
        if (s.type === 'ImportSpecifier' && (s.importKind === 'type' || s.importKind === 'typeof')) continue
        names.push(s.local.name)
      }
    } else if (statement.type === 'ExportNamedDeclaration' || statement.type === 'ExportDefaultDeclaration') {
      declaration(statement.declaration as t.Node)
    } else {
      declaration(statement)
    }
  }
  return names
}

export function unwrapExpr(node: t.Node): t.Node {
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

export interface FoundCall {
  /** The method name; `lets.page` for the short form `X.lets.page(...)`. */
  name: string
  call: t.CallExpression
  /** The text strictly between the call's parentheses. */
  inner: string
  innerStart: number
}

export interface FoundRun {
  base: string
  calls: FoundCall[]
  start: number
}

/** Pre-order walk over Babel nodes. */
export function walkNodes(node: t.Node, visit: (node: t.Node) => void): void {
  const stack: t.Node[] = [node]
  while (stack.length) {
    const current = stack.pop()!
    visit(current)
    const keys = VISITOR_KEYS[current.type] ?? []
    const children: t.Node[] = []
    for (const key of keys) {
      const value = (current as unknown as Record<string, unknown>)[key]
      if (Array.isArray(value)) {
        for (const v of value) if (v && typeof v === 'object' && 'type' in v) children.push(v as t.Node)
      } else if (value && typeof value === 'object' && 'type' in (value as object)) {
        children.push(value as t.Node)
      }
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i])
  }
}

function openParenOf(code: string, call: t.CallExpression): number {
  const typeArgs = (call as { typeParameters?: t.Node | null; typeArguments?: t.Node | null }).typeParameters ?? (call as { typeArguments?: t.Node | null }).typeArguments
  let i = typeArgs ? typeArgs.end! : call.callee.end!
  // skip whitespace and comments up to the `(`
  while (i < code.length) {
    const c = code[i]
    if (c === '(') return i
    if (c === '/' && code[i + 1] === '/') {
      // a line comment ends at any line terminator
      const end = code.slice(i).search(/[\n\r\u2028\u2029]/)
      i = end === -1 ? code.length : i + end + 1
    } else if (c === '/' && code[i + 1] === '*') i = code.indexOf('*/', i + 2) + 2
    else i++
  }
  throw new Error('no ( after callee')
}

/** Unwinds `base.m1(...).m2(...)` from its outermost call. */
function unwind(code: string, outer: t.CallExpression): { base: t.Node; calls: FoundCall[] } {
  const calls: FoundCall[] = []
  let node: t.Node = outer
  for (;;) {
    const current = unwrapExpr(node)
    if (current.type === 'CallExpression') {
      const callee = unwrapExpr(current.callee)
      if (callee.type === 'MemberExpression' && !callee.computed && callee.property.type === 'Identifier') {
        const object = unwrapExpr(callee.object)
        let name = callee.property.name
        let next: t.Node = callee.object
        if (object.type === 'MemberExpression' && !object.computed && object.property.type === 'Identifier' && object.property.name === 'lets') {
          name = 'lets.' + name
          next = object.object
        }
        const open = openParenOf(code, current)
        calls.push({ name, call: current, inner: code.slice(open + 1, current.end! - 1), innerStart: open + 1 })
        node = next
        continue
      }
    }
    calls.reverse()
    return { base: current, calls }
  }
}

/**
 * Every member-call run whose base text is one of `bases`, in source order
 * (outermost calls first). Runs are not searched inside other runs' callee
 * chain, but are searched inside arguments.
 */
export function findRuns(code: string, ast: t.File, bases: Set<string>, skipFirst = new Set<string>()): FoundRun[] {
  const runs: FoundRun[] = []
  const inner = new Set<t.Node>()
  walkNodes(ast.program, (node) => {
    if (node.type !== 'CallExpression' || inner.has(node)) return
    const callee = unwrapExpr(node.callee)
    if (callee.type !== 'MemberExpression') return
    const { base, calls } = unwind(code, node)
    if (!calls.length) return
    const baseText = code.slice(base.start!, base.end!)
    for (const c of calls) inner.add(c.call)
    if (!bases.has(baseText) || skipFirst.has(calls[0].name)) return
    runs.push({ base: baseText, calls, start: node.start! })
  })
  return runs
}

/** The source text of each argument of a call. */
export function argTexts(code: string, call: t.CallExpression): string[] {
  return call.arguments.map((a) => code.slice(a.start!, a.end!))
}
