/**
 * The single walk: one pass over Babel's AST that records
 *  - every scope and the names declared in it,
 *  - every value reference (name, scope, offset, and which top-level
 *    declaration it sits in), resolved lazily at the end,
 *  - every run of member calls that may be a chain (`a.b(..).c(..)`),
 *  - the module's imports and exports, for cross-module lookups.
 *
 * It is iterative (an explicit stack), so a 10,000-segment chain or deeply
 * nested code cannot overflow the call stack, and it allocates only for what
 * it records. It writes nothing onto Babel's nodes (they may be shared, cached
 * across builds): what it notes about a node is in its own tables. `@babel/traverse`'s
 * scope analysis is the test oracle for it.
 */
import type * as t from '@babel/types'
import { VISITOR_KEYS } from '@babel/types'
import { declaresLexically, hoistVars } from './hoisting.js'
import { isMethodCall, memberName, runMatters, unwindRun, unwrap, type CallRun } from './runs.js'
import { EACH, KEY, Scope, type Access, type AccessStep, type Binding, type BindingKind, type ExportTarget, type Reference, type Unit } from './scope.js'

export interface WalkResult {
  module: Scope
  references: Reference[]
  units: Unit[]
  runs: CallRun[]
  /** Calls of a name listed in `containerNames` (e.g. `createTailorKit(...)`). */
  containerCalls: Array<{ call: t.CallExpression; callee: t.Node; scope: Scope }>
  /** `const { loader } = <expr>`: methods taken off a value, checked against chains (E_DESTRUCTURED_SEGMENT). */
  destructured: Array<{ pattern: t.ObjectPattern; init: t.Node; scope: Scope }>
  exports: Map<string, ExportTarget>
  stars: string[]
  importDeclarations: t.ImportDeclaration[]
  /** Reads of a cut method name that are not calls (`const load = p.loader`), for the soundness check. */
  reads: Array<{ member: t.MemberExpression | t.OptionalMemberExpression; scope: Scope }>
  /** Every returned expression (an arrow's expression body included), its function and its scope, in walk order: indexed when first asked (`returnsOf`). */
  returned: { fns: t.Node[]; nodes: t.Node[]; scopes: Scope[] }
  /** Every call and `new`, in walk order, with its scope (`callScopes`): indexed when first asked (`callIndex`). */
  callSites: Array<t.CallExpression | t.OptionalCallExpression | t.NewExpression>
  callScopes: Scope[]
  /**
   * Every write to a plain name after its declaration, in every form: `x = v`, `x ??= v`, `x += v`
   * (the node itself: an operator's primitive result), `({ x } = v)` and `[x] = v` (the steps into
   * `v`), `(x as T) = v`, `for (x of v)` (`EACH`), `for (x in v)` (`KEY`). A binding's value is the
   * join of its initializer and these.
   */
  assignments: Array<{ name: string; scope: Scope; value: t.Node; steps: readonly AccessStep[] }>
  /** A direct `eval(...)` or a `with` statement: names can change in ways no walk sees. */
  dynamicScope: boolean
  /**
   * Every member write (`o.p = v`, `o.a[k] ??= v`, `[o.p] = v`, `for (o.p of v)`): the name at its
   * root, `this`, or null when the root is not a name (`mk().p = v`).
   */
  memberWrites: MemberWrite[]
  /** Object method → the object literal it belongs to (what `this` is when it is called on it). */
  methodObjects: Map<t.Node, { object: t.ObjectExpression; scope: Scope }>
  /** Reads of a member named like the end of a side constant (`x.server`), when `sideNames` is given. */
  sideReads: Array<{ node: t.MemberExpression | t.OptionalMemberExpression; scope: Scope }>
  /** Calls of a method named like the end of a side constant call (`x.define(...)`), when `sideCallNames` is given. */
  sideCalls: Array<{ node: t.CallExpression | t.OptionalCallExpression; scope: Scope }>
}

type AnyCall = t.CallExpression | t.OptionalCallExpression | t.NewExpression

/**
 * A member write: the name at its root (`this`, or null when the root is not a name), the member
 * path from it (null for a computed key), what is written (the assignment itself for `+=` and the
 * other operators, whose result is a primitive; null when the walk cannot name it), and its scope.
 */
export interface MemberWrite {
  root: string | null
  scope: Scope
  path: Array<string | null>
  value: t.Node | null
}

/** What the analysis asks of a module's calls, each part built from `callSites` when it first asks for it (most modules never do). */
export interface CallIndex {
  /** Function → the call it is passed to as an argument (a callback), and at which position. */
  callbacks?: Map<t.Node, { call: AnyCall; index: number; scope: Scope }>
  /** Start offset of an identifier callee → its call: tells a call of a function from other uses of its name. */
  calls?: Map<number, AnyCall>
  /** Start offset of an identifier passed as an argument → its call and position (a container handed on). */
  argumentOf?: Map<number, { call: AnyCall; index: number }>
}

type Indexed = Pick<WalkResult, 'callSites' | 'callScopes'> & { callIndex?: CallIndex }

/** One part of a module's call index, built by `build` the first time it is asked for. */
function indexPart<K extends keyof CallIndex>(module: Indexed, part: K, build: () => NonNullable<CallIndex[K]>): NonNullable<CallIndex[K]> {
  const index = (module.callIndex ??= {})
  return (index[part] ??= build()) as NonNullable<CallIndex[K]>
}

/** Function → the call it is passed to as an argument, and at which position (built once per module). */
export const callbacksOf = (module: Indexed) =>
  indexPart(module, 'callbacks', () => {
    const callbacks: NonNullable<CallIndex['callbacks']> = new Map()
    for (let c = 0; c < module.callSites.length; c++) {
      const node = module.callSites[c]!
      for (let i = 0; i < node.arguments.length; i++) {
        const arg = unwrap(node.arguments[i]!)
        if (arg.type === 'ArrowFunctionExpression' || arg.type === 'FunctionExpression') callbacks.set(arg, { call: node, index: i, scope: module.callScopes[c]! })
      }
    }
    return callbacks
  })

/** Start offset of an identifier callee → its call (built once per module). */
export const callsOf = (module: Indexed) =>
  indexPart(module, 'calls', () => {
    const calls: NonNullable<CallIndex['calls']> = new Map()
    for (const node of module.callSites) {
      const callee = node.type === 'NewExpression' ? node.callee : unwrap(node.callee)
      if (callee.type === 'Identifier') calls.set(callee.start!, node)
    }
    return calls
  })

/** Start offset of an identifier passed as an argument → its call and position (built once per module). */
export const argumentsOf = (module: Indexed) =>
  indexPart(module, 'argumentOf', () => {
    const argumentOf: NonNullable<CallIndex['argumentOf']> = new Map()
    for (const node of module.callSites) {
      for (let i = 0; i < node.arguments.length; i++) {
        const arg = unwrap(node.arguments[i]!)
        if (arg.type === 'Identifier') argumentOf.set(arg.start!, { call: node, index: i })
      }
    }
    return argumentOf
  })

/** Function → the expressions it returns, with their scopes: built once (kept on the module as `returnIndex`). */
export function returnsOf(module: Pick<WalkResult, 'returned'> & { returnIndex?: Map<t.Node, Array<{ node: t.Node; scope: Scope }>> }): Map<t.Node, Array<{ node: t.Node; scope: Scope }>> {
  if (module.returnIndex) return module.returnIndex
  const index = new Map<t.Node, Array<{ node: t.Node; scope: Scope }>>()
  const { fns, nodes, scopes } = module.returned
  for (let i = 0; i < fns.length; i++) {
    let list = index.get(fns[i]!)
    if (!list) index.set(fns[i]!, (list = []))
    list.push({ node: nodes[i]!, scope: scopes[i]! })
  }
  return (module.returnIndex = index)
}

export interface WalkOptions {
  /** Method names that make a call run worth recording. */
  segmentNames: Set<string>
  /** Members that open a point (`lets`), for the short notation. */
  pointMembers: Set<string>
  /** Function names whose calls are recorded as containers. */
  containerNames: Set<string>
  /** Method names some family cuts on some side: their non-call reads are recorded. */
  cutNames?: Set<string>
  /** The last names of side constants read as values: such reads are recorded (`sideReads`). */
  sideNames?: Set<string>
  /** The last names of side constants that are calls: such calls are recorded (`sideCalls`). */
  sideCallNames?: Set<string>
}

const EXPR = 0
const TYPE = 1
/** An assignment target: identifiers are (write) references, object keys are not. */
const TARGET = 2
/**
 * An expression that is a method call and the object of another method call (`a.b()` in
 * `a.b().c()`): an inner call of the run recorded from the outer call, never a run (or a
 * container call) of its own. Otherwise an expression.
 */
const INNER = 3

/** Keys of Babel nodes that hold TypeScript types, never runtime values. */
const TYPE_KEYS = new Set([
  'typeAnnotation',
  'typeParameters',
  'typeArguments',
  'returnType',
  'superTypeParameters',
  'superTypeArguments',
  'implements',
  'predicate',
])

/** The path of a whole value: shared, never changed (a step further is a new array). */
const NO_STEPS: readonly AccessStep[] = []

/** The access one step further into a destructured value (null: not traced). */
const stepInto = (access: Access | null, step: AccessStep): Access | null => (access ? { from: access.from, steps: [...access.steps, step] } : null)

/** An assignment target under TypeScript wrappers and parentheses: `(x as T) = v`, `x! = v`. */
function unwrapTarget(node: t.Node): t.Node {
  let n = node
  while (n.type === 'TSAsExpression' || n.type === 'TSSatisfiesExpression' || n.type === 'TSNonNullExpression' || n.type === 'TSTypeAssertion' || n.type === 'ParenthesizedExpression') n = n.expression
  return n
}

/** `<div>` is an intrinsic element, `<Card>` a reference. */
const isLowerAscii = (code: number) => code >= 97 && code <= 122

const KEYS = new Map<string, { expr: string[]; type: string[] }>()
function keysOf(type: string) {
  let keys = KEYS.get(type)
  if (!keys) {
    const all = VISITOR_KEYS[type] ?? []
    KEYS.set(type, (keys = {
      expr: all.filter((k) => !TYPE_KEYS.has(k)),
      type: all.filter((k) => TYPE_KEYS.has(k)),
    }))
  }
  return keys
}


/**
 * `typeQueries: false` skips type annotations altogether: only `typeof x` in a
 * type can reference a value, so a module whose text has no `typeof` needs none.
 */
export function walk(ast: t.File, options: WalkOptions, typeQueries = true): WalkResult {
  const module = new Scope(null, true)
  /** Calls inside a run already recorded from its outermost call. */
  const innerCalls = new Set<t.Node>()
  /** A declarator's initializer (unwrapped) → the name it is assigned to (`const ideaPage = ...`). */
  const assignedNames = new Map<t.Node, string>()
  const references: Reference[] = []
  const units: Unit[] = []
  const runs: CallRun[] = []
  const containerCalls: WalkResult['containerCalls'] = []
  const destructured: WalkResult['destructured'] = []
  const exports = new Map<string, ExportTarget>()
  const stars: string[] = []
  const importDeclarations: t.ImportDeclaration[] = []
  const exportedLocals: string[] = []
  const reads: WalkResult['reads'] = []
  const returned: WalkResult['returned'] = { fns: [], nodes: [], scopes: [] }
  const callSites: WalkResult['callSites'] = []
  const callScopes: Scope[] = []
  const assignments: WalkResult['assignments'] = []
  const methodObjects: WalkResult['methodObjects'] = new Map()
  const sideReads: WalkResult['sideReads'] = []
  const sideCalls: WalkResult['sideCalls'] = []
  let dynamicScope = false
  const memberWrites: WalkResult['memberWrites'] = []
  /** `value`: what is written, null when the walk cannot name it (a destructuring or `for…of` target). */
  const recordMemberWrite = (member: t.Node, scope: Scope, value: t.Node | null) => {
    let root = member
    const path: Array<string | null> = []
    while (root.type === 'MemberExpression' || root.type === 'OptionalMemberExpression' || root.type === 'TSAsExpression' || root.type === 'TSSatisfiesExpression' || root.type === 'TSNonNullExpression' || root.type === 'TSTypeAssertion' || root.type === 'ParenthesizedExpression') {
      if (root.type === 'MemberExpression' || root.type === 'OptionalMemberExpression') {
        path.unshift(root.computed ? (root.property.type === 'StringLiteral' ? root.property.value : root.property.type === 'NumericLiteral' ? String(root.property.value) : null) : root.property.type === 'Identifier' ? root.property.name : null)
        root = root.object
      } else root = root.expression
    }
    memberWrites.push({ root: root.type === 'Identifier' ? root.name : root.type === 'ThisExpression' ? 'this' : null, scope, path, value })
  }
  const cutNames = options.cutNames
  const sideNames = options.sideNames
  const sideCallNames = options.sideCallNames
  const addReturn = (fn: t.Node | null, node: t.Node, scope: Scope) => {
    if (!fn) return
    returned.fns.push(fn)
    returned.nodes.push(node)
    returned.scopes.push(scope)
  }


  /** The names an assignment target writes, each with its path into the assigned value. */
  const recordWrites = (target: t.Node, scope: Scope, value: t.Node, steps: readonly AccessStep[]) => {
    const node = unwrapTarget(target)
    switch (node.type) {
      case 'Identifier':
        assignments.push({ name: node.name, scope, value, steps })
        return
      case 'ObjectPattern':
        for (const p of node.properties) {
          if (p.type === 'RestElement') recordWrites(p.argument, scope, value, [...steps, null])
          else {
            const key = p.computed ? (p.key.type === 'StringLiteral' ? p.key.value : null) : p.key.type === 'Identifier' ? p.key.name : p.key.type === 'StringLiteral' ? p.key.value : p.key.type === 'NumericLiteral' ? p.key.value : null
            recordWrites(p.value, scope, value, [...steps, key])
          }
        }
        return
      case 'ArrayPattern':
        for (let i = 0; i < node.elements.length; i++) {
          const e = node.elements[i]
          if (e) recordWrites(e, scope, value, [...steps, e.type === 'RestElement' ? null : i])
        }
        return
      case 'AssignmentPattern':
        recordWrites(node.left, scope, value, steps)
        // the default is another value the name may get
        recordWrites(node.left, scope, node.right, NO_STEPS)
        return
      case 'RestElement':
        recordWrites(node.argument, scope, value, steps)
        return
      case 'MemberExpression':
      case 'OptionalMemberExpression':
        recordMemberWrite(node, scope, steps.length ? null : value)
        return
    }
  }

  // the explicit stack: four parallel arrays
  const nodes: t.Node[] = []
  const scopes: Scope[] = []
  const owners: (Unit | null)[] = []
  const modes: number[] = []
  const push = (node: t.Node | null | undefined, scope: Scope, owner: Unit | null, mode: number) => {
    if (!node) return
    if (mode === TYPE) {
      if (!typeQueries) return
    } else {
      // leaves are handled here rather than pushed and popped: most children are leaves
      switch (node.type) {
        case 'Identifier':
          if (!(node as t.Identifier).typeAnnotation) {
            reference(node as t.Identifier, scope, owner)
            return
          }
          break
        case 'StringLiteral':
        case 'NumericLiteral':
        case 'BooleanLiteral':
        case 'NullLiteral':
        case 'TemplateElement':
        case 'ThisExpression':
        case 'JSXText':
          return
      }
    }
    nodes.push(node)
    scopes.push(scope)
    owners.push(owner)
    modes.push(mode)
  }
  const pushAll = (list: ReadonlyArray<t.Node | null | undefined> | null | undefined, scope: Scope, owner: Unit | null, mode: number) => {
    if (!list) return
    for (let i = list.length - 1; i >= 0; i--) push(list[i], scope, owner, mode)
  }
  // Only names declared at the top level can matter (pruning, exported-in-cut): the top-level
  // pass below declares them all before the walk, so every other reference costs nothing.
  let pending: Array<[{ name: string; start?: number | null; end?: number | null }, Scope, Unit | null]> | null = []
  const reference = (id: { name: string; start?: number | null; end?: number | null }, scope: Scope, owner: Unit | null) => {
    // during the top-level pass not every name is declared yet: decide afterwards
    if (pending) {
      pending.push([id, scope, owner])
      return
    }
    if (module.names === null || !module.names.has(id.name)) return
    references.push({ name: id.name, scope, start: id.start!, end: id.end!, owner })
  }
  const pushTypes = (node: t.Node, scope: Scope, owner: Unit | null) => {
    // without type queries nothing in a type is walked (as `push` does with TYPE)
    if (!typeQueries) return
    const keys = keysOf(node.type).type
    for (let i = 0; i < keys.length; i++) {
      const child = (node as any)[keys[i]]
      if (Array.isArray(child)) pushAll(child, scope, owner, TYPE)
      else push(child, scope, owner, TYPE)
    }
  }

  /** Declares the names of a binding pattern; pushes its runtime parts (defaults, computed keys). */
  const declarePattern = (
    pattern: t.Node | null | undefined,
    target: Scope,
    kind: BindingKind,
    unit: Unit | null,
    exprScope: Scope,
    owner: Unit | null,
    init: t.Node | null,
    access: Access | null = null,
  ) => {
    if (!pattern) return
    switch (pattern.type) {
      case 'Identifier': {
        const binding: Binding = {
          name: pattern.name,
          kind,
          scope: target,
          id: pattern,
          init,
          importSource: null,
          imported: null,
          unit,
          exported: false,
          access,
        }
        target.declare(binding)
        if (unit) unit.bindings.push(binding)
        if (pattern.typeAnnotation) push(pattern.typeAnnotation, exprScope, owner, TYPE)
        return
      }
      case 'ObjectPattern':
        for (const property of pattern.properties) {
          if (property.type === 'RestElement') {
            declarePattern(property.argument, target, kind, unit, exprScope, owner, null, stepInto(access, null))
          } else {
            if (property.computed) push(property.key, exprScope, owner, EXPR)
            const key = property.computed ? (property.key.type === 'StringLiteral' ? property.key.value : null) : property.key.type === 'Identifier' ? property.key.name : property.key.type === 'StringLiteral' ? property.key.value : property.key.type === 'NumericLiteral' ? property.key.value : null
            declarePattern(property.value, target, kind, unit, exprScope, owner, null, stepInto(access, key))
          }
        }
        if (pattern.typeAnnotation) push(pattern.typeAnnotation, exprScope, owner, TYPE)
        return
      case 'ArrayPattern':
        for (let i = 0; i < pattern.elements.length; i++) {
          const element = pattern.elements[i]
          declarePattern(element, target, kind, unit, exprScope, owner, null, stepInto(access, element?.type === 'RestElement' ? null : i))
        }
        if (pattern.typeAnnotation) push(pattern.typeAnnotation, exprScope, owner, TYPE)
        return
      case 'AssignmentPattern': {
        declarePattern(pattern.left, target, kind, unit, exprScope, owner, null, access)
        if (pattern.left.type === 'Identifier') {
          const binding = target.names?.get(pattern.left.name)
          if (binding && binding.id === pattern.left) (binding.defaults ??= []).push({ node: pattern.right, scope: exprScope })
        }
        push(pattern.right, exprScope, owner, EXPR)
        return
      }
      case 'RestElement':
        declarePattern(pattern.argument, target, kind, unit, exprScope, owner, null, access)
        if (pattern.typeAnnotation) push(pattern.typeAnnotation, exprScope, owner, TYPE)
        return
      case 'TSParameterProperty':
        pushAll(pattern.decorators, exprScope, owner, EXPR)
        declarePattern(pattern.parameter, target, kind, unit, exprScope, owner, null, access)
        return
      default:
        // a member expression in a pattern (`[a.b] = x`) is not a declaration
        push(pattern, exprScope, owner, TARGET)
    }
  }

  const declareFunctionParts = (
    fn: t.Function | t.TSDeclareMethod,
    outer: Scope,
    owner: Unit | null,
  ) => {
    const inner = new Scope(outer, true, fn)
    if ((fn as t.Node).type === 'FunctionExpression' && (fn as t.FunctionExpression).id) {
      declarePattern((fn as t.FunctionExpression).id!, inner, 'function', null, inner, owner, null)
    }
    for (let i = 0; i < fn.params.length; i++) {
      declarePattern(fn.params[i], inner, 'param', null, inner, owner, null, { from: { kind: 'param', fn, index: i }, steps: NO_STEPS })
    }
    pushTypes(fn, inner, owner)
    const body = (fn as t.Function).body
    if (!body) return
    if (body.type === 'BlockStatement') {
      pushAll(body.directives, inner, owner, EXPR)
      pushAll(body.body, inner, owner, EXPR)
    } else {
      addReturn(fn, body, inner)
      push(body, inner, owner, EXPR)
    }
  }

  /** `iterated`: the declaration heads a `for…of`/`for…in` over this value (`EACH`/`KEY` of it). */
  const declareVariables = (node: t.VariableDeclaration, scope: Scope, owner: Unit | null, topLevel: boolean, exported: boolean, iterated: { of: t.Node; step: AccessStep } | null = null) => {
    if (node.declare) return
    const kind: BindingKind = node.kind === 'var' ? 'var' : node.kind === 'let' ? 'let' : node.kind === 'const' ? 'const' : 'using'
    const target = kind === 'var' ? scope.fn : scope
    for (const declarator of node.declarations) {
      let unit: Unit | null = null
      if (topLevel && !exported) {
        unit = { kind: 'declarator', statement: node, node: declarator, bindings: [] }
        units.push(unit)
      }
      const declOwner = unit ?? owner
      const id = declarator.id
      const init = declarator.init ?? null
      // `var x = a; ... var x = b`: the second is another value of the first binding
      if (kind === 'var' && init && id.type === 'Identifier') {
        const existing = target.names?.get(id.name)
        if (existing && !existing.hoisted) assignments.push({ name: id.name, scope, value: init, steps: NO_STEPS })
      }
      const access: Access | null = iterated ? { from: { kind: 'init', init: iterated.of }, steps: [iterated.step] } : id.type !== 'Identifier' && init ? { from: { kind: 'init', init }, steps: NO_STEPS } : null
      declarePattern(id, target, kind, unit, scope, declOwner, id.type === 'Identifier' && !iterated ? init : null, access)
      if (exported) markExported(id)
      if (init) {
        const inner = unwrap(init)
        // only a call can be the outer call of a run
        if (id.type === 'Identifier') {
          if (inner.type === 'CallExpression' || inner.type === 'OptionalCallExpression') assignedNames.set(inner, id.name)
        }
        else if (id.type === 'ObjectPattern' && (inner.type === 'CallExpression' || inner.type === 'Identifier' || inner.type === 'MemberExpression')) {
          destructured.push({ pattern: id, init, scope })
        }
        push(init, scope, declOwner, EXPR)
      }
    }
  }

  const markExported = (pattern: t.Node) => {
    switch (pattern.type) {
      case 'Identifier':
        exportedLocals.push(pattern.name)
        exports.set(pattern.name, { kind: 'local', local: pattern.name })
        return
      case 'ObjectPattern':
        for (const p of pattern.properties) markExported(p.type === 'RestElement' ? p.argument : p.value)
        return
      case 'ArrayPattern':
        for (const e of pattern.elements) if (e) markExported(e)
        return
      case 'AssignmentPattern':
        markExported(pattern.left)
        return
      case 'RestElement':
        markExported(pattern.argument)
        return
    }
  }

  /** A named declaration (function/class/enum) at the top level becomes a removable unit. */
  const declareNamed = (
    node: t.FunctionDeclaration | t.ClassDeclaration | t.TSEnumDeclaration,
    scope: Scope,
    owner: Unit | null,
    topLevel: boolean,
    exported: boolean,
  ): Unit | null => {
    const kind: BindingKind = node.type === 'FunctionDeclaration' ? 'function' : node.type === 'ClassDeclaration' ? 'class' : 'enum'
    let unit: Unit | null = null
    if (topLevel && !exported && node.id) {
      unit = { kind: kind as Unit['kind'], statement: node, node, bindings: [] }
      units.push(unit)
    }
    if (node.id) {
      declarePattern(node.id, scope, kind, unit, scope, owner, null)
      const binding = scope.names?.get(node.id.name)
      if (binding && binding.id === node.id) binding.declaration = node
      if (exported) markExported(node.id)
    }
    return unit
  }

  /** Handles a declaration statement; returns false when it is not one. */
  const declaration = (node: t.Node, scope: Scope, owner: Unit | null, topLevel: boolean, exported: boolean): boolean => {
    switch (node.type) {
      case 'VariableDeclaration':
        declareVariables(node, scope, owner, topLevel, exported)
        return true
      case 'FunctionDeclaration': {
        const unit = declareNamed(node, scope, owner, topLevel, exported) ?? owner
        declareFunctionParts(node, scope, unit)
        return true
      }
      case 'ClassDeclaration': {
        if (node.declare) return true
        const unit = declareNamed(node, scope, owner, topLevel, exported) ?? owner
        classParts(node, scope, unit)
        return true
      }
      case 'TSEnumDeclaration': {
        if (node.declare) return true
        const unit = declareNamed(node, scope, owner, topLevel, exported) ?? owner
        const inner = new Scope(scope, false)
        for (const member of node.members) {
          if (member.id.type === 'Identifier') {
            inner.declare({ name: member.id.name, kind: 'other', scope: inner, id: member.id, init: null, importSource: null, imported: null, unit: null, exported: false })
          }
        }
        for (const member of node.members) push(member.initializer, inner, unit, EXPR)
        return true
      }
      case 'TSModuleDeclaration': {
        if (node.declare) return true
        if (node.id.type === 'Identifier') {
          declarePattern(node.id, scope, 'namespace', null, scope, owner, null)
          if (exported) markExported(node.id)
        }
        let body: t.Node | null | undefined = node.body
        const inner = new Scope(scope, true)
        while (body && body.type === 'TSModuleDeclaration') body = body.body
        if (body && body.type === 'TSModuleBlock') pushAll(body.body, inner, owner, EXPR)
        return true
      }
      case 'TSImportEqualsDeclaration': {
        if (node.importKind === 'type') return true
        declarePattern(node.id, scope, 'other', null, scope, owner, null)
        if (node.isExport) markExported(node.id)
        let ref: t.Node = node.moduleReference
        while (ref.type === 'TSQualifiedName') ref = ref.left
        if (ref.type === 'Identifier') reference(ref, scope, owner)
        return true
      }
      case 'TSTypeAliasDeclaration':
      case 'TSInterfaceDeclaration':
      case 'TSDeclareFunction':
        push(node, scope, owner, TYPE)
        return true
      default:
        return false
    }
  }

  const classParts = (node: t.ClassDeclaration | t.ClassExpression, outer: Scope, owner: Unit | null) => {
    pushAll(node.decorators, outer, owner, EXPR)
    push(node.superClass, outer, owner, EXPR)
    pushTypes(node, outer, owner)
    const inner = new Scope(outer, false, node)
    if (node.type === 'ClassExpression' && node.id) declarePattern(node.id, inner, 'class', null, inner, owner, null)
    for (const member of node.body.body) {
      switch (member.type) {
        case 'ClassMethod':
        case 'ClassPrivateMethod':
        case 'TSDeclareMethod':
          pushAll(member.decorators, inner, owner, EXPR)
          if (member.computed) push(member.key, inner, owner, EXPR)
          declareFunctionParts(member as t.Function, inner, owner)
          break
        case 'ClassProperty':
        case 'ClassPrivateProperty':
        case 'ClassAccessorProperty':
          pushAll(member.decorators, inner, owner, EXPR)
          if ((member as t.ClassProperty).computed) push(member.key, inner, owner, EXPR)
          if (member.typeAnnotation) push(member.typeAnnotation, inner, owner, TYPE)
          push(member.value, new Scope(inner, true, member), owner, EXPR)
          break
        case 'StaticBlock':
          pushAll(member.body, new Scope(inner, true, member), owner, EXPR)
          break
        default:
          push(member, inner, owner, TYPE)
      }
    }
  }

  /** A call not already part of a longer run: unwind the run of member calls beneath it. */
  const recordRun = (outer: t.CallExpression | t.OptionalCallExpression, scope: Scope) => {
    // one of its segments is named in `segmentNames`, computed, optional, or via a point member
    if (!runMatters(outer, options.segmentNames, options.pointMembers)) return
    const { segments, base } = unwindRun(outer, options.pointMembers, innerCalls)
    runs.push({ outer, segments, base, scope, assignedTo: assignedNames.get(outer) ?? null })
  }

  // top level: imports, exports and removable units
  const program = ast.program
  // `var` in a top-level block (`if (x) { var y }`) is a module-scope name too: declared up front
  for (const statement of program.body) if (statement.type !== 'VariableDeclaration') hoistVars(statement, module)
  for (let i = program.body.length - 1; i >= 0; i--) {
    const statement = program.body[i]
    switch (statement.type) {
      case 'ImportDeclaration': {
        importDeclarations.push(statement)
        if (statement.importKind === 'type' || statement.importKind === 'typeof') break
        for (const specifier of statement.specifiers) {
          if (specifier.type === 'ImportSpecifier' && (specifier.importKind === 'type' || specifier.importKind === 'typeof')) continue
          const unit: Unit = { kind: 'import', statement, node: specifier, bindings: [] }
          units.push(unit)
          const imported =
            specifier.type === 'ImportDefaultSpecifier'
              ? 'default'
              : specifier.type === 'ImportNamespaceSpecifier'
                ? '*'
                : specifier.imported.type === 'Identifier'
                  ? specifier.imported.name
                  : specifier.imported.value
          const binding: Binding = {
            name: specifier.local.name,
            kind: 'import',
            scope: module,
            id: specifier.local,
            init: null,
            importSource: statement.source.value,
            imported,
            unit,
            exported: false,
          }
          module.declare(binding)
          unit.bindings.push(binding)
        }
        break
      }
      case 'ExportNamedDeclaration': {
        if (statement.exportKind === 'type') break
        if (statement.declaration) {
          if (!declaration(statement.declaration, module, null, true, true)) push(statement.declaration, module, null, EXPR)
          break
        }
        const source = statement.source?.value
        for (const specifier of statement.specifiers) {
          if (specifier.type === 'ExportSpecifier' && specifier.exportKind === 'type') continue
          const exported = specifier.exported.type === 'Identifier' ? specifier.exported.name : specifier.exported.value
          if (specifier.type === 'ExportNamespaceSpecifier') {
            if (source) exports.set(exported, { kind: 'reexport', source, imported: '*' })
          } else if (specifier.type === 'ExportDefaultSpecifier') {
            if (source) exports.set(exported, { kind: 'reexport', source, imported: 'default' })
          } else if (source) {
            const local = specifier.local.type === 'Identifier' ? specifier.local.name : (specifier.local as unknown as t.StringLiteral).value
            exports.set(exported, { kind: 'reexport', source, imported: local })
          } else if (specifier.local.type === 'Identifier') {
            exportedLocals.push(specifier.local.name)
            exports.set(exported, { kind: 'local', local: specifier.local.name })
            reference(specifier.local, module, null)
          }
        }
        break
      }
      case 'ExportDefaultDeclaration': {
        const decl = statement.declaration
        if ((decl.type === 'FunctionDeclaration' || decl.type === 'ClassDeclaration') && decl.id) {
          declaration(decl, module, null, true, true)
          exports.set('default', { kind: 'local', local: decl.id.name })
        } else if ((decl as t.Node).type === 'TSInterfaceDeclaration' || decl.type === 'TSDeclareFunction') {
          // types only
        } else {
          exports.set('default', { kind: 'expression', node: decl })
          if (decl.type === 'FunctionDeclaration') declareFunctionParts(decl, module, null)
          else if (decl.type === 'ClassDeclaration') classParts(decl, module, null)
          else push(decl, module, null, EXPR)
        }
        break
      }
      case 'ExportAllDeclaration':
        if (statement.exportKind !== 'type') stars.push(statement.source.value)
        break
      case 'TSExportAssignment':
        push(statement.expression, module, null, EXPR)
        break
      default:
        if (!declaration(statement, module, null, true, false)) push(statement, module, null, EXPR)
    }
  }
  importDeclarations.reverse()
  stars.reverse()
  const early = pending
  pending = null
  for (const [id, scope, owner] of early) reference(id, scope, owner)

  // the walk proper
  while (nodes.length > 0) {
    const node = nodes.pop()!
    const scope = scopes.pop()!
    const owner = owners.pop()!
    const mode = modes.pop()!

    if (mode === TYPE) {
      if (node.type === 'TSTypeQuery') {
        let name: t.Node = node.exprName
        while (name.type === 'TSQualifiedName') name = name.left
        if (name.type === 'Identifier') reference(name, scope, owner)
        if (node.typeParameters) push(node.typeParameters, scope, owner, TYPE)
        continue
      }
      const keys = VISITOR_KEYS[node.type]
      if (!keys) continue
      for (let i = keys.length - 1; i >= 0; i--) {
        const child = (node as any)[keys[i]]
        if (Array.isArray(child)) pushAll(child, scope, owner, TYPE)
        else if (child && typeof child.type === 'string') push(child, scope, owner, TYPE)
      }
      continue
    }

    switch (node.type) {
      case 'Identifier':
        reference(node, scope, owner)
        if (node.typeAnnotation) push(node.typeAnnotation, scope, owner, TYPE)
        continue
      case 'MemberExpression':
      case 'OptionalMemberExpression':
        // only reads reach here: callees and assignment targets push their parts directly
        if (cutNames !== undefined || sideNames !== undefined) {
          const name = memberName(node)
          if (name !== null && cutNames?.has(name)) reads.push({ member: node, scope })
          if (name !== null && sideNames?.has(name)) sideReads.push({ node, scope })
        }
        if (node.computed) push(node.property, scope, owner, EXPR)
        push(node.object, scope, owner, EXPR)
        continue
      case 'ReturnStatement':
        if (node.argument) {
          addReturn(scope.fn.node, node.argument, scope)
          push(node.argument, scope, owner, EXPR)
        }
        continue
      case 'NewExpression':
        callSites.push(node)
        callScopes.push(scope)
        pushAll(node.arguments, scope, owner, EXPR)
        push(node.callee, scope, owner, EXPR)
        pushTypes(node, scope, owner)
        continue
      case 'CallExpression':
      case 'OptionalCallExpression': {
        if (mode !== INNER && !innerCalls.has(node)) {
          recordRun(node, scope)
          const callee = unwrap(node.callee)
          if (options.containerNames.size > 0) {
            const name =
              callee.type === 'Identifier'
                ? callee.name
                : callee.type === 'MemberExpression' && !callee.computed && callee.property.type === 'Identifier'
                  ? callee.property.name
                  : null
            if (name && options.containerNames.has(name) && node.type === 'CallExpression') {
              containerCalls.push({ call: node, callee, scope })
            }
          }
        }
        callSites.push(node)
        callScopes.push(scope)
        if (node.callee.type === 'Identifier' && node.callee.name === 'eval') dynamicScope = true
        pushAll(node.arguments, scope, owner, EXPR)
        const callee = node.callee
        if (callee.type === 'MemberExpression' || callee.type === 'OptionalMemberExpression') {
          if (sideCallNames !== undefined) {
            const name = memberName(callee)
            if (name !== null && sideCallNames.has(name)) sideCalls.push({ node, scope })
          }
          // a method call is not a read of the method
          if (callee.computed) push(callee.property, scope, owner, EXPR)
          push(callee.object, scope, owner, isMethodCall(callee.object) ? INNER : EXPR)
        } else push(callee, scope, owner, EXPR)
        pushTypes(node, scope, owner)
        continue
      }
      case 'StringLiteral':
      case 'NumericLiteral':
      case 'BooleanLiteral':
      case 'NullLiteral':
      case 'RegExpLiteral':
      case 'BigIntLiteral':
      case 'TemplateElement':
      case 'ThisExpression':
      case 'Super':
      case 'MetaProperty':
      case 'PrivateName':
      case 'EmptyStatement':
      case 'DebuggerStatement':
      case 'JSXText':
      case 'JSXEmptyExpression':
      case 'JSXClosingFragment':
      case 'JSXOpeningFragment':
      case 'Directive':
      case 'DirectiveLiteral':
      case 'ImportDeclaration':
      case 'ExportAllDeclaration':
        continue
      case 'ObjectProperty':
        if (mode === TARGET) {
          if (node.computed) push(node.key, scope, owner, EXPR)
          push(node.value, scope, owner, TARGET)
          continue
        }
        if (node.computed) push(node.key, scope, owner, EXPR)
        push(node.value, scope, owner, EXPR)
        continue
      case 'ObjectExpression':
        // last property first, as `pushAll`; a plain property's parts are pushed as its own visit
        // would push them (the computed key below its value), without a visit of its own
        for (let i = node.properties.length - 1; i >= 0; i--) {
          const p = node.properties[i]!
          if (p.type === 'ObjectProperty') {
            if (p.computed) push(p.key, scope, owner, EXPR)
            push(p.value, scope, owner, EXPR)
            continue
          }
          if (p.type === 'ObjectMethod') methodObjects.set(p, { object: node, scope })
          push(p, scope, owner, EXPR)
        }
        continue
      case 'ObjectMethod':
        if (node.computed) push(node.key, scope, owner, EXPR)
        declareFunctionParts(node, scope, owner)
        continue
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        declareFunctionParts(node, scope, owner)
        continue
      case 'ClassExpression':
        classParts(node, scope, owner)
        continue
      case 'BlockStatement': {
        // most blocks declare nothing block-scoped: they share the enclosing scope
        const inner = declaresLexically(node.body) ? new Scope(scope, false) : scope
        pushAll(node.body, inner, owner, EXPR)
        continue
      }
      case 'StaticBlock':
        pushAll(node.body, new Scope(scope, true), owner, EXPR)
        continue
      case 'ForStatement': {
        const inner = new Scope(scope, false)
        push(node.body, inner, owner, EXPR)
        push(node.update, inner, owner, EXPR)
        push(node.test, inner, owner, EXPR)
        if (node.init && node.init.type === 'VariableDeclaration') declareVariables(node.init, inner, owner, false, false)
        else push(node.init, inner, owner, EXPR)
        continue
      }
      case 'ForInStatement':
      case 'ForOfStatement': {
        const inner = new Scope(scope, false)
        push(node.body, inner, owner, EXPR)
        push(node.right, scope, owner, EXPR)
        const step = node.type === 'ForOfStatement' ? EACH : KEY
        if (node.left.type === 'VariableDeclaration') declareVariables(node.left, inner, owner, false, false, { of: node.right, step })
        else {
          recordWrites(node.left, scope, node.right, [step])
          push(node.left, inner, owner, TARGET)
        }
        continue
      }
      case 'CatchClause': {
        const inner = new Scope(scope, false)
        if (node.param) declarePattern(node.param, inner, 'catch', null, inner, owner, null)
        pushAll(node.body.body, inner, owner, EXPR)
        continue
      }
      case 'SwitchStatement': {
        const inner = new Scope(scope, false)
        pushAll(node.cases, inner, owner, EXPR)
        push(node.discriminant, scope, owner, EXPR)
        continue
      }
      case 'LabeledStatement':
        push(node.body, scope, owner, EXPR)
        continue
      case 'BreakStatement':
      case 'ContinueStatement':
        continue
      case 'WithStatement':
        dynamicScope = true
        break
      case 'AssignmentExpression': {
        push(node.right, scope, owner, EXPR)
        const left = unwrapTarget(node.left)
        const logical = node.operator === '??=' || node.operator === '||=' || node.operator === '&&='
        if (node.operator === '=' || logical) recordWrites(left, scope, node.right, NO_STEPS)
        else if (left.type === 'Identifier') assignments.push({ name: left.name, scope, value: node, steps: NO_STEPS })
        else if (left.type === 'MemberExpression' || left.type === 'OptionalMemberExpression') recordMemberWrite(left, scope, node)
        if (left.type === 'MemberExpression' || left.type === 'OptionalMemberExpression') {
          // a write, not a read of the member
          if (left.computed) push(left.property, scope, owner, EXPR)
          push(left.object, scope, owner, EXPR)
        } else push(left, scope, owner, left.type === 'Identifier' || left.type.endsWith('Pattern') ? TARGET : EXPR)
        continue
      }
      case 'ObjectPattern':
      case 'ArrayPattern':
      case 'AssignmentPattern':
      case 'RestElement':
        // only reached as an assignment target (declarations go through declarePattern)
        if (node.type === 'ObjectPattern') pushAll(node.properties, scope, owner, TARGET)
        else if (node.type === 'ArrayPattern') pushAll(node.elements, scope, owner, TARGET)
        else if (node.type === 'AssignmentPattern') {
          push(node.right, scope, owner, EXPR)
          push(node.left, scope, owner, TARGET)
        } else push(node.argument, scope, owner, TARGET)
        continue
      case 'ExportNamedDeclaration':
        // top-level exports are handled above; these sit in a `namespace` body
        if (node.declaration && !declaration(node.declaration, scope, owner, false, false)) push(node.declaration, scope, owner, EXPR)
        if (!node.source) for (const s of node.specifiers) if (s.type === 'ExportSpecifier' && s.local.type === 'Identifier') reference(s.local, scope, owner)
        continue
      case 'ExportDefaultDeclaration':
        push(node.declaration, scope, owner, EXPR)
        continue
      case 'JSXOpeningElement': {
        let name: t.Node = node.name
        if (name.type === 'JSXMemberExpression') {
          while (name.type === 'JSXMemberExpression') name = name.object
          if (name.type === 'JSXIdentifier') reference(name, scope, owner)
        } else if (name.type === 'JSXIdentifier' && !isLowerAscii(name.name.charCodeAt(0)) && name.name !== 'this') {
          reference(name, scope, owner)
        }
        pushAll(node.attributes, scope, owner, EXPR)
        pushTypes(node, scope, owner)
        continue
      }
      case 'JSXElement':
        pushAll(node.children, scope, owner, EXPR)
        push(node.openingElement, scope, owner, EXPR)
        continue
      case 'JSXAttribute':
        push(node.value, scope, owner, EXPR)
        continue
      case 'TSAsExpression':
      case 'TSSatisfiesExpression':
      case 'TSTypeAssertion':
        push(node.typeAnnotation, scope, owner, TYPE)
        push(node.expression, scope, owner, mode)
        continue
      case 'TSNonNullExpression':
      case 'ParenthesizedExpression':
        push(node.expression, scope, owner, mode)
        continue
      // the most common nodes with expression children only, in the generic order (last key pushed first)
      case 'ExpressionStatement':
      case 'JSXExpressionContainer':
        push(node.expression, scope, owner, EXPR)
        continue
      case 'BinaryExpression':
      case 'LogicalExpression':
        push(node.right, scope, owner, EXPR)
        push(node.left, scope, owner, EXPR)
        continue
      case 'ConditionalExpression':
      case 'IfStatement':
        push(node.alternate, scope, owner, EXPR)
        push(node.consequent, scope, owner, EXPR)
        push(node.test, scope, owner, EXPR)
        continue
      case 'TemplateLiteral':
        // its quasis are text
        pushAll(node.expressions, scope, owner, EXPR)
        continue
      case 'ArrayExpression':
        pushAll(node.elements, scope, owner, EXPR)
        continue
      case 'SpreadElement':
      case 'AwaitExpression':
      case 'UnaryExpression':
      case 'JSXSpreadAttribute':
      case 'ThrowStatement':
        push(node.argument, scope, owner, EXPR)
        continue
      case 'JSXFragment':
        pushAll(node.children, scope, owner, EXPR)
        continue
      default:
        if (declaration(node, scope, owner, false, false)) continue
    }
    // generic: every child is an expression or statement, types aside
    const keys = keysOf(node.type)
    const expr = keys.expr
    for (let i = expr.length - 1; i >= 0; i--) {
      const child = (node as any)[expr[i]]
      if (Array.isArray(child)) pushAll(child, scope, owner, EXPR)
      else if (child && typeof child.type === 'string') push(child, scope, owner, EXPR)
    }
    if (keys.type.length) pushTypes(node, scope, owner)
  }

  for (const name of exportedLocals) {
    const binding = module.names?.get(name)
    if (binding) binding.exported = true
  }
  return { module, references, units, runs, containerCalls, destructured, exports, stars, importDeclarations, reads, returned, callSites, callScopes, assignments, dynamicScope, memberWrites, methodObjects, sideReads, sideCalls }
}
