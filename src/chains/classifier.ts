/**
 * The evaluation of chain values: what each expression is, followed through bindings and their
 * writes, members, calls and their returns, parameters, other modules and packages.
 */
import { builtinModules } from 'node:module'
import type * as t from '@babel/types'
import type { ChainFamily } from '../types.js'
import { isFollowable, ParamSummary, Suspend, type FileReader, type ModuleAnalysis, type ModuleCache } from '../js/modules.js'
import type { Config } from '../config/config.js'
import type { Resolver } from '../types.js'
import { PLATFORM_GLOBALS } from '../js/globals.js'
import { dirname } from 'node:path'
import { appRoot, canReach, nearestPackageDir, packageName, packageOfFile } from '../js/packages.js'
import { appScripts, type AppScripts } from './callers.js'
import { commonJsReach } from '../js/commonjs.js'
import { EACH, KEY, type Access, type Binding, type Scope } from '../js/scope.js'
import { memberName, unwindRun, unwrap, type Segment } from '../js/runs.js'
import { argumentsOf, callbacksOf, callsOf, returnsOf } from '../js/walk.js'
import { interpret } from './interpret.js'
import { BOTTOM, NOT_LITERAL, brief, describe, functionTypes, isChainish, isStringish, join, settle, signature, type ChainSegment, type Decision, type Value } from './values.js'
import { READ_ONLY_CALLS, escapesInText, escapingUse, handedOn, mutated, writesThis } from './writes.js'

export interface LookupContext {
  config: Config
  cache: ModuleCache
  resolve: Resolver
  readFile?: FileReader
}

/** Parameters bound by a call being evaluated (a helper that returns a chain built from its argument). */
interface Frame {
  fn: t.Node
  /** The arguments' values; null from a spread on. */
  args: ReadonlyArray<Value | null>
  env: Frame | null
  depth: number
}

/** How much evaluation one module's recognition may spend before what is left is unknown (fail closed, never hang). */
const FUEL = 100_000
export const RUN_FUEL = 20_000
export const READ_FUEL = 200
export const READ_POOL = 20_000

const MAX_CALL_DEPTH = 8
const NODE_BUILTINS = new Set(builtinModules)
const GLOBAL_OBJECTS = new Set(['globalThis', 'window', 'self', 'global'])
const GLOBAL_NAMES = [...GLOBAL_OBJECTS].join('|')

/** Array methods whose result is one of the elements, or the array itself (approximately). */
/** The platform's collections, by constructor, and the methods that read one (or change it only by removing). */
const COLLECTIONS = new Map<string, 'map' | 'set'>([['Map', 'map'], ['Set', 'set'], ['WeakMap', 'map'], ['WeakSet', 'set']])
const READ_COLLECTION = new Set(['get', 'has', 'forEach', 'values', 'keys', 'entries', 'delete', 'clear', 'set', 'add'])

/** Globals whose static methods are modelled (`Array.from`, `Promise.all`, `Object.values`). */
const STATIC_BUILTINS = new Set(['Array', 'Promise', 'Object'])
const NUMBER: Value = { kind: 'not', reason: 'a number' }
const UNDEFINED: Value = { kind: 'not', reason: 'undefined (no argument fills it)' }
/** Initializers whose value, proven not a chain, may still be an object whose members code can set (a literal cannot). */
const HAS_MEMBERS = new Set(['CallExpression', 'OptionalCallExpression', 'NewExpression', 'Identifier', 'MemberExpression', 'OptionalMemberExpression', 'AwaitExpression'])
/** What a callee that is not a chain, given no argument that holds one, passes its callbacks. */
const PASSED_BY_CALLEE: Value = { kind: 'not', reason: 'an argument a function that is not a chain passes to its callback, given nothing that holds a chain' }
const UNKNOWN_ERROR: Value = { kind: 'unknown', reason: 'a rejection reason: whatever the code threw' }
const ITERATING_METHODS = new Set(['map', 'forEach', 'filter', 'find', 'findLast', 'findIndex', 'some', 'every', 'flatMap'])

export class Classifier {
  private readonly memo = new Map<Binding, Value>()
  private readonly active = new Set<Binding>()
  private readonly exportMemo = new Map<string, Value>()
  private readonly activeExports = new Set<string>()
  private readonly invocations = new Map<t.Node, Map<string, Value | 'active'>>()
  /** What is left of the budget (the accounting gives each run its share). */
  fuel = FUEL
  private readonly nodeMemo = new Map<t.Node, Value>()
  private readonly activeProperties = new Map<t.Node, Set<string>>()
  private readonly activeNodes = new Set<t.Node>()
  private readonly activeElements = new Set<t.Node>()
  private readonly fnBindings = new Map<ModuleAnalysis, Map<t.Node, Binding>>()
  /** The module being built (set by `recognise`): only it decides what its own parameters are taken to be. */
  root: string | null = null
  rootModule: ModuleAnalysis | null = null
  /** Parameters this module was built taking to receive no chain (the build's summary keys). */
  readonly assumedParams: string[] = []
  /** Chains this module passes to parameters whose callers are in other modules (key, family). */
  readonly passedParams: Array<[string, string]> = []
  /** Chains this module passes to parameters of modules already built taking them to receive none. */
  readonly lateParams: Array<{ family: ChainFamily; function: string; builtFirst: string; node: t.Node | null }> = []
  /** The call being applied (where a late parameter is reported). */
  private applying: t.Node | null = null
  /** Other modules read while following values: a change to any of them changes this module's output. */
  readonly dependencies = new Set<string>()
  /** Proofs that read the whole app (what no script does): a file added later can change them, so no persistent cache keeps the result. */
  readonly appScans = new Set<string>()
  /** Packages (their folders) whose package.json decided whether they can reach a family. */
  readonly manifests = new Set<string>()
  /** The imports resolved while following values, and where they led. */
  readonly resolutions: Array<{ source: string; importer: string; file: string | null }> = []
  /** The accounting of the last `recognise`: every cut-method call or read that is not cut. */
  decisions: Decision[] = []

  constructor(readonly ctx: LookupContext) {}

  // ---------------------------------------------------------------- bindings and modules

  /** What a binding holds. */
  binding(binding: Binding, module: ModuleAnalysis, env: Frame | null): Value {
    // a module-level binding is independent of the parameters being bound; others are when none are
    const memoable = env === null || binding.scope.parent === null
    // evaluation is sequential, so a binding still being computed is one this very path depends on: a cycle
    if (this.active.has(binding)) return BOTTOM
    if (memoable) {
      const found = this.memo.get(binding)
      if (found) return found
    }
    this.active.add(binding)
    let value: Value
    try {
      value = this.computeBinding(binding, module, env)
    } finally {
      this.active.delete(binding)
    }
    if (memoable) this.memo.set(binding, value)
    return value
  }

  private computeBinding(binding: Binding, module: ModuleAnalysis, env: Frame | null): Value {
    // `eval` or `with` can change any name in ways no walk sees (an import or a const excepted)
    if (module.dynamicScope && binding.kind !== 'import' && binding.kind !== 'const') return { kind: 'unknown', reason: 'this module uses `eval` or `with`, which can change any name' }
    const value = this.bindingValue(binding, module, env)
    const values = [value]
    for (const d of binding.defaults ?? []) values.push(this.expression(d.node, d.scope, module, env))
    // every other write of the name: `x = v`, `x ??= v`, `({ x } = v)`, `for (x of v)`, ... (a const, import or enum has none)
    if (binding.kind !== 'const' && binding.kind !== 'import' && binding.kind !== 'using' && binding.kind !== 'enum') {
      for (const a of this.writesTo(binding, module)) values.push(this.steps(this.expression(a.value, a.scope, module, env), a.steps, binding.id))
    }
    return values.length === 1 ? value : join(values)
  }

  private readonly writeIndex = new Map<ModuleAnalysis, Map<string, ModuleAnalysis['assignments']>>()

  /** The writes of a binding after its declaration, indexed by name once per module. */
  private writesTo(binding: Binding, module: ModuleAnalysis): ModuleAnalysis['assignments'] {
    if (!module.assignments.length) return module.assignments
    return (byName(this.writeIndex, module, module.assignments).get(binding.name) ?? []).filter((a) => a.scope.lookup(a.name) === binding)
  }

  private bindingValue(binding: Binding, module: ModuleAnalysis, env: Frame | null): Value {
    switch (binding.kind) {
      case 'import':
        return this.imported(binding.importSource!, binding.imported!, module.id, new Set())
      case 'function': {
        const node = functionOf(binding)
        if (!functionTypes.has(node.type)) return { kind: 'unknown', reason: 'a function chaincut cannot read' }
        return this.opened({ kind: 'function', node, scope: binding.scope, module }, binding, module)
      }
      case 'class': {
        const node = classOf(binding)
        if (!node.type.startsWith('Class')) return { kind: 'unknown', reason: 'a class chaincut cannot read' }
        return this.opened({ kind: 'object', node, scope: binding.scope, module, name: binding.name }, binding, module)
      }
      case 'catch':
        // any code the try block calls may throw a chain
        return { kind: 'unknown', reason: 'a caught exception: whatever the code in the try block threw' }
      case 'enum':
        return { kind: 'not', reason: 'an enum (its members are numbers and strings)' }
      case 'namespace':
        return { kind: 'unknown', reason: brief(`\`${binding.name}\` is a TypeScript namespace, whose members chaincut does not follow`) }
      case 'param':
        return this.parameter(binding, module, env)
    }
    let value: Value
    if (binding.access) {
      const source = binding.access.from
      if (source.kind === 'param') value = this.parameter(binding, module, env)
      else value = this.steps(this.expression(source.init, binding.scope, module, env), binding.access.steps, binding.id)
    } else if (binding.init) {
      value = this.expression(binding.init, binding.scope, module, env)
      if (value.kind === 'object' || value.kind === 'function') return this.opened(value, binding, module)
      // a Map or Set filled only by its own `set`/`add`: what it holds is what they put in
      const collection = value.kind === 'not' ? this.collection(binding, module) : null
      if (collection) return collection
      // a platform object changed after it is built (`m.set(k, chain)`, `o.p = chain`)
      if (value.kind === 'not' && !value.open && HAS_MEMBERS.has(unwrap(binding.init).type) && !(unwrap(binding.init).type === 'Identifier' && (unwrap(binding.init) as t.Identifier).name === 'undefined')) {
        // what it is stays proven; what its members hold does not, once code chaincut does not see may set them
        const why = mutated(module, binding.name, false) ? `\`${binding.name}\` is changed after it is built` : this.writesThroughAlias(binding, module)
        if (why) return { ...value, open: brief(why) }
      }
    } else if (binding.kind === 'var' || binding.kind === 'let') {
      value = { kind: 'not', reason: 'a variable declared without a value' }
    } else {
      return { kind: 'unknown', reason: brief(`\`${binding.name}\` has no value chaincut can read`) }
    }
    return value
  }

  /**
   * A container or function bound to a name: its members are what it declares only when every
   * write to them is seen. Written by name (`o.p = v`, `reg.push(v)`, `Object.assign(o, ...)`),
   * aliased, returned, exported or handed to code that may change it, it is open: a member is
   * then what it declares joined with unknown.
   */
  private opened<V extends Extract<Value, { kind: 'object' | 'function' }>>(value: V, binding: Binding, module: ModuleAnalysis): V {
    if (value.open) return value
    const container = value.kind === 'object'
    // exported, other modules may add members (a declared one keeps its value: see `property`)
    if (binding.exported && !value.exported) value = { ...value, exported: true }
    const why = mutated(module, binding.name, container)
        ? `\`${binding.name}\` is changed after it is built`
        : handedOn(module, binding.name) && this.handedToMutator(binding, module)
          ? `\`${binding.name}\` is handed to code that may change it`
          : this.writesReaching(value.node, binding, module)
    return why ? { ...value, open: brief(why) } : value
  }

  /**
   * `new Map(...)`/`new Set(...)` (the globals) bound to a name that is changed only through its
   * own `set`/`add` calls, never aliased, handed on or written to: a collection whose elements are
   * the values those calls and the constructor's entries put in. Null for anything else.
   */
  private collection(binding: Binding, module: ModuleAnalysis): Value | null {
    const init = unwrap(binding.init!)
    if (init.type !== 'NewExpression' || init.callee.type !== 'Identifier') return null
    const kind = COLLECTIONS.get(init.callee.name)
    if (!kind || binding.scope.lookup(init.callee.name) || binding.exported) return null
    if (this.escapes(binding, module) || module.memberWrites.some((w) => w.root === binding.name && w.scope.lookup(w.root) === binding)) return null
    const values: Value[] = []
    const first = init.arguments[0]
    if (first) {
      const entries = this.iterated(first.type === 'SpreadElement' ? { kind: 'unknown', reason: 'a spread argument' } : this.expression(first, binding.scope, module, null))
      values.push(kind === 'map' ? this.member(entries, '1', first) : entries)
    }
    for (let i = 0; i < module.callSites.length; i++) {
      const call = module.callSites[i]
      const callee = call.type === 'NewExpression' ? call.callee : unwrap(call.callee)
      // handed to a call (`fill(m)`, `Object.assign(m, ...)`): changed where chaincut does not look
      if (call.arguments.some((a) => a.type === 'Identifier' && a.name === binding.name && module.callScopes[i].lookup(a.name) === binding)) return null
      if (callee.type !== 'MemberExpression' && callee.type !== 'OptionalMemberExpression') continue
      const object = unwrap(callee.object)
      if (object.type !== 'Identifier' || object.name !== binding.name || module.callScopes[i].lookup(object.name) !== binding) continue
      const method = memberName(callee)
      if (method === (kind === 'map' ? 'set' : 'add')) {
        const arg = call.arguments[kind === 'map' ? 1 : 0]
        values.push(!arg ? { kind: 'not', reason: 'undefined' } : arg.type === 'SpreadElement' ? { kind: 'unknown', reason: 'a spread argument' } : this.expression(arg, module.callScopes[i], module, null))
      } else if (method === null || !READ_COLLECTION.has(method)) return null
    }
    return { kind: 'list', element: values.length ? join(values) : { kind: 'not', reason: `an element of an empty ${init.callee.name}` }, collection: kind }
  }

  /**
   * Why a member write of the module may land on the object built at `target` through another
   * name (`const a = o; a.p = v`, a parameter, a value chaincut cannot name), or null: every
   * write's root is a name whose value cannot hold it.
   */
  private writesReaching(target: t.Node, binding: Binding, module: ModuleAnalysis): string | null {
    for (const write of module.memberWrites) {
      if (write.root === 'this') continue // its own methods: `setsOwnMembers`
      if (write.root === null) return 'a member is written on a value chaincut cannot name'
      const root = write.scope.lookup(write.root)
      if (!root) return brief(`a member of the global \`${write.root}\` is written`)
      // its own name, in any form the walk sees (`(f as any).v = x`, which the text scan does not)
      if (root === binding) return brief(`a member of \`${binding.name}\` is written after it is built`)
      const held = this.binding(root, module, null)
      if (this.mayHold(held, target, 0)) return brief(`a member of \`${write.root}\` is written, and \`${write.root}\` may be it or hold it`)
      // or a part of it (`const a = box.inner; a.p = v` changes `box.inner.p`)
      const part = settle(held)
      if (part.kind === 'object' && part.node !== target && this.holdsNode(binding, module, part.node)) return brief(`a member of \`${write.root}\` is written, and \`${write.root}\` is a part of \`${binding.name}\``)
    }
    return null
  }

  /** Whether the container a binding holds has the object built at `node` among its members (a few levels deep). */
  private holdsNode(binding: Binding, module: ModuleAnalysis, node: t.Node): boolean {
    const start = binding.init ? unwrap(binding.init) : binding.declaration ?? null
    if (!start) return false
    const search = (n: t.Node, depth: number): boolean => {
      if (n === node) return true
      if (depth > 3) return false
      if (n.type === 'ObjectExpression') return n.properties.some((p) => (p.type === 'ObjectProperty' ? search(unwrap(p.value as t.Node), depth + 1) : p.type === 'SpreadElement' ? search(unwrap(p.argument), depth + 1) : false))
      if (n.type === 'ArrayExpression') return n.elements.some((e) => e !== null && search(unwrap(e.type === 'SpreadElement' ? e.argument : e), depth + 1))
      if (n.type === 'ClassDeclaration' || n.type === 'ClassExpression') return n.body.body.some((m) => (m.type === 'ClassProperty' && m.value ? search(unwrap(m.value), depth + 1) : false))
      return false
    }
    return search(start, 0)
  }

  /**
   * Whether another name of this module may hold a name's value: it is used as a value (aliased,
   * returned, put in a container) or handed to a call. (An export is read-only to other modules;
   * what they write on its members is the limit the README states.)
   */
  private mayBeHeldElsewhere(binding: Binding, module: ModuleAnalysis): boolean {
    return this.escapes(binding, module) !== null || handedOn(module, binding.name)
  }

  /**
   * Why a member write of the module may land on what a name holds that is proven not a chain
   * (a package's object: no identity to compare), through another name: an alias of it, a value
   * chaincut cannot trace or name. Null when no write can.
   */
  private writesThroughAlias(binding: Binding, module: ModuleAnalysis): string | null {
    // another name can hold it only if it is used as a value (aliased, returned, handed on)
    if (!this.mayBeHeldElsewhere(binding, module)) return null
    for (const write of module.memberWrites) {
      if (write.root === 'this') continue
      if (write.root === null) return 'a member is written on a value chaincut cannot name'
      const root = write.scope.lookup(write.root)
      if (!root) continue
      if (root === binding) return brief(`a member of \`${binding.name}\` is written after it is built`)
      const init = root.init && unwrap(root.init)
      if (init?.type === 'Identifier' && init.name === binding.name) return brief(`\`${binding.name}\` is aliased as \`${root.name}\`, whose members are written`)
      const held = settle(this.binding(root, module, null))
      if (held.kind === 'unknown' || held.kind === 'bottom') return brief(`a member of \`${write.root}\` is written, and chaincut cannot tell what \`${write.root}\` holds`)
    }
    return null
  }

  /** Whether a value may be the object built at `target`, or hold it (a few levels deep). */
  private mayHold(value: Value, target: t.Node, depth: number): boolean {
    switch (value.kind) {
      case 'union':
        return value.values.some((v) => this.mayHold(v, target, depth))
      case 'unknown':
      case 'escaped':
      case 'bottom':
        return true
      case 'not':
        return Boolean(value.open)
      case 'list':
        return depth < 3 && this.mayHold(value.element, target, depth + 1)
      case 'promise':
        return depth < 3 && this.mayHold(value.value, target, depth + 1)
      case 'function':
        return Boolean(value.open)
      case 'object': {
        if (value.node === target) return true
        if (value.open || depth >= 3) return true
        if (value.node.type !== 'ObjectExpression' && value.node.type !== 'ArrayExpression') return false
        const parts: t.Node[] = []
        if (value.node.type === 'ObjectExpression') for (const p of value.node.properties) parts.push(p.type === 'ObjectProperty' ? (p.value as t.Node) : p.type === 'SpreadElement' ? p.argument : p)
        else for (const e of value.node.elements) if (e) parts.push(e.type === 'SpreadElement' ? e.argument : e)
        return parts.some((part) => part.type !== 'ObjectMethod' && this.mayHold(this.expression(part, value.scope, value.module, null), target, depth + 1))
      }
      default:
        return false
    }
  }

  /**
   * Why a binding's value may be changed by code chaincut does not see: a use other than reading
   * or calling through it (`const a = o`, `return o`, `export { o }`, `[o]`, `o as T`). A
   * module-level name's uses are the walk's references; a local's, a scan of its function's text.
   */
  private escapes(binding: Binding, module: ModuleAnalysis, depth = 0): string | null {
    if (binding.scope.parent === null) {
      for (const ref of this.referencesTo(binding.name, module)) {
        if (ref.scope.lookup(ref.name) !== binding) continue
        const why = escapingUse(module.code, ref.start, ref.end)
        if (!why) continue
        // `const alias = o`: an alias of the module that is itself only read is no escape
        const alias = this.aliasOf(ref.start, module)
        if (alias && alias !== binding && depth < 8) {
          const through = alias.exported ? `\`${alias.name}\` is exported` : mutated(module, alias.name, true) ? `\`${alias.name}\` is changed after it is built` : this.escapes(alias, module, depth + 1)
          if (!through) continue
          return brief(`\`${binding.name}\` is aliased as \`${alias.name}\`, and ${through}`)
        }
        return brief(why)
      }
      return null
    }
    const fn = binding.scope.fn.node
    const why = escapesInText(module.code, binding.name, fn?.start ?? 0, fn?.end ?? module.code.length)
    return why && brief(why)
  }

  private readonly aliases = new Map<ModuleAnalysis, Map<number, Binding>>()

  /** The module-level const whose initializer is exactly the name at `start` (`const alias = o`). */
  private aliasOf(start: number, module: ModuleAnalysis): Binding | null {
    let index = this.aliases.get(module)
    if (!index) {
      index = new Map()
      for (const b of module.module.names?.values() ?? []) {
        if (b.kind === 'const' && b.init && unwrap(b.init).type === 'Identifier') index.set(unwrap(b.init).start!, b)
      }
      this.aliases.set(module, index)
    }
    return index.get(start) ?? null
  }

  /**
   * A container handed to a call: to code of the app whose body leaves that parameter alone, or to
   * a platform function that only reads, it stays as built; anything else may change it.
   */
  private handedToMutator(binding: Binding, module: ModuleAnalysis): boolean {
    // only a module-level name's uses are all known (the walk records references to those)
    if (binding.scope.parent !== null) return true
    for (const ref of this.referencesTo(binding.name, module)) {
      if (ref.scope.lookup(ref.name) !== binding) continue
      const use = argumentsOf(module).get(ref.start)
      if (!use) continue
      const callee = unwrap(use.call.callee)
      const text = module.code.slice(callee.start!, callee.end!).replace(/\s+/g, '')
      if (READ_ONLY_CALLS.test(text) && !ref.scope.lookup(text.split('.')[0])) continue
      const fn = settle(this.expression(callee, ref.scope, module, null))
      if (fn.kind !== 'function' || !functionTypes.has(fn.node.type)) return true
      const param = (fn.node as t.Function).params[use.index]
      if (!param || param.type !== 'Identifier') return true
      const body = (fn.node as t.Function).body
      // the helper changes it, or hands it on in turn
      const inner = { code: fn.module.code.slice(body.start!, body.end!) }
      if (mutated(inner, param.name, true) || handedOn(inner, param.name)) return true
    }
    return false
  }

  /** The value at `steps` into `value` (a destructuring pattern's path). */
  private steps(value: Value, steps: Access['steps'], at: t.Node): Value {
    let v = value
    for (const step of steps) {
      if (step === null) {
        if (isChainish(settle(v))) return { kind: 'escaped', family: (settle(v) as { family: ChainFamily }).family, node: at }
        v = this.restOf(v)
        continue
      }
      if (step === EACH) {
        v = this.iterated(v)
        continue
      }
      if (step === KEY) {
        v = { kind: 'not', reason: 'a property name (what `for…in` gives)' }
        continue
      }
      v = this.member(v, String(step), at)
    }
    return v
  }

  /** A rest element `...rest` of an object/array: unknown if the source held a chain, else not. */
  private restOf(v: Value): Value {
    const s = settle(v)
    if (s.kind === 'unknown' || s.kind === 'bottom' || s.kind === 'not') return s
    if (s.kind === 'object' && (this.holdsChain(s))) return { kind: 'unknown', reason: 'a rest of a container that holds chains' }
    return { kind: 'not', reason: 'the rest of ' + describe(s) }
  }

  /** A name imported from `source` by `importer`. */
  private imported(source: string, name: string, importer: string, seen: Set<string>): Value {
    const { config } = this.ctx
    const heads = config.headImports.get(source)
    const containers = config.containerImports.get(source)
    if (heads || containers) {
      if (name === '*') return { kind: 'pkgNamespace', source }
      const family = heads?.get(name)
      if (family) return { kind: 'head', family }
      const container = containers?.get(name)
      if (container) return { kind: 'container', ...container }
      return { kind: 'not', reason: brief(`\`${name}\` from ${source} is not one of its chain heads`) }
    }
    if (source.startsWith('node:') || NODE_BUILTINS.has(source)) return { kind: 'not', reason: brief(`${source} is a Node.js built-in module`) }
    const file = this.ctx.cache.resolve(this.ctx.resolve, source, importer)
    this.resolutions.push({ source, importer, file })
    if (!file) {
      return /^\0|^virtual:/.test(source)
        ? { kind: 'unknown', reason: brief(`the virtual module ${source} cannot be read`) }
        : { kind: 'unknown', reason: brief(`the import ${JSON.stringify(source)} cannot be resolved`) }
    }
    const pkg = packageOfFile(file)
    if (pkg) {
      // a package: proven not a chain when it cannot reach any head package; else followed
      const name0 = packageName(source) ?? pkg.name
      const reach = canReach(pkg.dir, config.headPackages, config.headPackagesKey)
      this.manifests.add(pkg.dir)
      if (reach.reaches === false) return { kind: 'not', reason: brief(`it comes from the package ${name0}, which cannot reach any chain family's package`) }
      if (reach.reaches === 'unknown') return { kind: 'unknown', reason: brief(`it comes from the package ${name0}, and ${reach.why}`), evidence: brief(`the package ${name0} may depend on a chain family's package`) }
      if (!/\.[cm]?[jt]sx?$/.test(file) || file.endsWith('.d.ts')) return { kind: 'unknown', reason: brief(`the package ${name0} depends on ${reach.via.at(-1)} and its code cannot be read`), evidence: brief(`the package ${name0} depends on ${reach.via.at(-1)}`) }
      if (name === '*') return { kind: 'appNamespace', file }
      return this.exported(file, name, seen, true)
    }
    if (!isFollowable(file)) {
      if (/^\0|^virtual:/.test(file)) return { kind: 'unknown', reason: brief(`the virtual module ${source} cannot be read`) }
      return { kind: 'not', reason: brief(`it is imported from ${source}, which is not a script`) }
    }
    if (name === '*') return { kind: 'appNamespace', file }
    return this.exported(file, name, seen, false)
  }

  /** An export of another module: named, default, re-exported, or through `export *`. */
  exported(file: string, name: string, seen: Set<string>, external = false): Value {
    const key = file + '\0' + name
    if (seen.has(key) || this.activeExports.has(key)) return BOTTOM // an import cycle
    let found = this.exportMemo.get(key)
    if (!found) {
      const next = new Set(seen).add(key)
      this.activeExports.add(key)
      try {
        found = this.computeExported(file, name, next, external)
      } finally {
        this.activeExports.delete(key)
      }
      this.exportMemo.set(key, found)
    }
    return found
  }

  private computeExported(file: string, name: string, seen: Set<string>, external: boolean): Value {
    this.dependencies.add(file)
    const module = this.ctx.cache.get(file, this.ctx.config.walkOptions, this.ctx.readFile)
    if (!module) return { kind: 'unknown', reason: brief(`${file} cannot be read or parsed`), evidence: external ? brief(`${file} is in a package that can reach a chain family`) : undefined }
    const target = module.exports.get(name)
    if (target) {
      if (target.kind === 'local') {
        const binding = module.module.names?.get(target.local)
        return binding ? this.binding(binding, module, null) : { kind: 'unknown', reason: brief(`\`${name}\` is not declared in ${file}`) }
      }
      if (target.kind === 'expression') return this.expression(target.node, module.module, module, null)
      return this.imported(target.source, target.imported, file, seen)
    }
    const values: Value[] = []
    for (const star of module.stars) {
      const value = this.imported(star, name, file, seen)
      if (value.kind === 'not' || value.kind === 'bottom') continue
      values.push(value)
    }
    if (values.length) return values[0]
    // a CommonJS module of the app (`module.exports = { list: chain }`): its exports are read, not evaluated
    if (!external && module.exports.size === 0 && module.stars.length === 0 && module.importDeclarations.length === 0 && /\b(?:module\.exports|exports\.[\w$]+)\s*=/.test(module.code)) {
      const { config } = this.ctx
      const reach = commonJsReach(file, module.code, name, config.headPackages, config.headPackagesKey)
      if (reach.kind === 'exportsNo') return { kind: 'not', reason: brief(`the CommonJS module ${file} exports no \`${name}\``) }
      return { kind: 'unknown', reason: brief(`\`${name}\` of the CommonJS module ${file}, which chaincut does not evaluate`), evidence: reach.kind === 'reaches' ? brief(`${file} requires ${reach.via}`) : undefined }
    }
    // a CommonJS module declares no exports chaincut can read
    if (external && module.exports.size === 0 && module.stars.length === 0) {
      // CommonJS: its exports as Node reads them, and whether what it requires reaches a family
      const { config } = this.ctx
      const reach = commonJsReach(file, module.code, name, config.headPackages, config.headPackagesKey)
      switch (reach.kind) {
        case 'exportsNo':
          return { kind: 'not', reason: brief(`the CommonJS module ${file} exports no \`${name}\``) }
        case 'cannotReach':
          return { kind: 'not', reason: brief(`the CommonJS module ${file} requires nothing that reaches a chain family's package`) }
        case 'reaches':
          return { kind: 'unknown', reason: brief(`the CommonJS module ${file} requires ${reach.via}, and chaincut does not evaluate CommonJS`), evidence: brief(`${file} requires ${reach.via}`) }
        case 'unknown':
          return { kind: 'unknown', reason: brief(`the CommonJS module ${file}: ${reach.why}`), evidence: brief(`${file} is in a package that can reach a chain family`) }
      }
    }
    return { kind: 'not', reason: brief(`${file} exports no \`${name}\``) }
  }

  // ---------------------------------------------------------------- expressions

  /** What an expression evaluates to, chain-wise. */
  expression(node: t.Node, scope: Scope, module: ModuleAnalysis, env: Frame | null): Value {
    if (--this.fuel < 0) return { kind: 'unknown', reason: 'this module is too large or tangled for chaincut to follow every value' }
    if (env !== null) return this.evaluate(node, scope, module, env)
    // outside a helper's call, an expression has one value: computed once (a node still being computed is a cycle)
    if (this.activeNodes.has(node)) return BOTTOM
    let found = this.nodeMemo.get(node)
    if (!found) {
      this.activeNodes.add(node)
      try {
        found = this.evaluate(node, scope, module, null)
      } finally {
        this.activeNodes.delete(node)
      }
      this.nodeMemo.set(node, found)
    }
    return found
  }

  private evaluate(node: t.Node, scope: Scope, module: ModuleAnalysis, env: Frame | null): Value {
    const n = unwrap(node)
    switch (n.type) {
      case 'Identifier': {
        const binding = scope.lookup(n.name)
        if (binding) return this.binding(binding, module, env)
        if (n.name === 'undefined') return { kind: 'not', reason: 'undefined' }
        // a function's own arguments object holds whatever its callers pass
        if (n.name === 'arguments') return { kind: 'unknown', reason: 'the `arguments` of a function: what its callers pass' }
        if (GLOBAL_OBJECTS.has(n.name)) return { kind: 'unknown', reason: brief(`\`${n.name}\` is the global object, which any module can change`), globalObject: true }
        if (PLATFORM_GLOBALS.has(n.name)) return { kind: 'not', reason: brief(`\`${n.name}\` is a JavaScript or platform global`) }
        return this.globalMember(n.name, n.name, module) ?? { kind: 'unknown', reason: brief(`\`${n.name}\` is not declared in this module (a global or an auto-import)`) }
      }
      case 'MemberExpression':
      case 'OptionalMemberExpression': {
        const name = n.computed && n.property.type === 'NumericLiteral' ? String(n.property.value) : memberName(n)
        const object = this.expression(n.object, scope, module, env)
        if (name === null) {
          // `arr[i]`: any element
          const s = settle(object)
          if (s.kind === 'object' && s.node.type === 'ArrayExpression') return this.elements(s)
          if (s.kind === 'list') return s.element
          if (s.kind === 'object' && (s.open ?? this.setsOwnMembers(s))) return { kind: 'unknown', reason: 'a computed member of an object that code chaincut does not see may change' }
          if (s.kind === 'not') return s.open ? { kind: 'unknown', reason: brief(`a member of ${s.reason}: ${s.open}`) } : s
          if (s.kind === 'object' && s.node.type === 'ObjectExpression') {
            // any of its members, and anything its methods write on `this`
            const declared: Value = this.holdsChain(s) ? { kind: 'unknown', reason: 'a computed member of an object that holds chains' } : { kind: 'not', reason: brief(`a computed member of ${describe(s)} that holds no chain`) }
            return join([declared, ...this.ownWrites(s, null)])
          }
          if (s.kind === 'object') return join([this.anyClassMember(s), ...this.ownWrites(s, null)])
          return { kind: 'unknown', reason: 'a computed member chaincut cannot read' }
        }
        return this.member(object, name, n)
      }
      case 'CallExpression':
      case 'OptionalCallExpression':
        return this.call(n, scope, module, env)
      case 'NewExpression': {
        const callee = settle(this.expression(n.callee, scope, module, env))
        if (callee.kind === 'head') return { kind: 'chain', family: callee.family, point: null }
        // an instance of a class of the app: what its constructor keeps is read through its members
        if (callee.kind === 'object' && callee.node.type.startsWith('Class')) return { ...callee, instance: true }
        const escaped = this.escapingArgument(n.arguments, scope, module, env)
        if (escaped) return escaped
        // a constructor function's prototype can be changed anywhere; a promise's value comes from its executor
        if (callee.kind === 'function') return { kind: 'unknown', reason: 'an object built by a constructor function of this app' }
        if (callee.kind === 'not' && n.arguments.some((a) => a.type === 'ArrowFunctionExpression' || a.type === 'FunctionExpression')) return { kind: 'unknown', reason: 'an object whose value a callback provides (a promise)' }
        if (callee.kind === 'not') return callee
        return { kind: 'unknown', reason: brief(`an instance of something chaincut cannot trace (${describe(callee)})`) }
      }
      case 'ConditionalExpression':
        return join([this.expression(n.consequent, scope, module, env), this.expression(n.alternate, scope, module, env)])
      case 'LogicalExpression':
        return join([this.expression(n.left, scope, module, env), this.expression(n.right, scope, module, env)])
      case 'SequenceExpression':
        return this.expression(n.expressions[n.expressions.length - 1], scope, module, env)
      case 'AssignmentExpression':
        if (n.operator === '=') return this.expression(n.right, scope, module, env)
        // `a ??= b` is `a` or `b`; `a += b` and the other operators give a number, string or bigint
        if (n.operator === '??=' || n.operator === '||=' || n.operator === '&&=') return join([this.expression(n.left, scope, module, env), this.expression(n.right, scope, module, env)])
        return { kind: 'not', reason: 'the result of an arithmetic assignment' }
      case 'AwaitExpression':
        return awaited(this.expression(n.argument, scope, module, env))
      case 'ObjectExpression':
      case 'ArrayExpression':
      case 'ClassExpression':
        return { kind: 'object', node: n, scope, module }
      case 'ArrowFunctionExpression':
      case 'FunctionExpression':
        return { kind: 'function', node: n, scope, module }
      case 'ThisExpression':
        return this.thisValue(scope, module)
      case 'StringLiteral':
      case 'NumericLiteral':
      case 'BooleanLiteral':
      case 'NullLiteral':
      case 'BigIntLiteral':
      case 'RegExpLiteral':
      case 'TemplateLiteral':
        return NOT_LITERAL
      case 'UnaryExpression':
      case 'BinaryExpression':
      case 'UpdateExpression':
        return { kind: 'not', reason: 'the result of an operator' }
      case 'JSXElement':
      case 'JSXFragment':
        return { kind: 'not', reason: 'a JSX element' }
      case 'MetaProperty':
        // a bundler puts modules on it (`import.meta.glob(..., { eager: true })`)
        return { kind: 'unknown', reason: brief(`${n.meta.name}.${n.property.name}, which a bundler fills`) }
      case 'TaggedTemplateExpression': {
        const tag = settle(this.expression(n.tag, scope, module, env))
        if (tag.kind === 'not') return tag
        return { kind: 'unknown', reason: 'the result of a tagged template chaincut cannot follow' }
      }
      case 'YieldExpression':
        return { kind: 'unknown', reason: 'a value sent into a generator' }
      default:
        return { kind: 'unknown', reason: brief(`a ${n.type} chaincut does not evaluate`) }
    }
  }

  /** A property of a value. */
  member(object: Value, name: string, at: t.Node): Value {
    switch (object.kind) {
      case 'bottom':
        return BOTTOM
      case 'union': {
        const values: Value[] = []
        for (const v of object.values) values.push(this.member(v, name, at))
        return join(values)
      }
      case 'pkgNamespace':
        return this.imported(object.source, name, object.source, new Set())
      case 'appNamespace':
        return this.exported(object.file, name, new Set())
      case 'chain':
      case 'head':
      case 'lets': {
        const family = object.family
        if (object.kind !== 'lets' && family.points && name === family.points.member) {
          return { kind: 'lets', family, point: object.kind === 'chain' ? object.point : null }
        }
        return { kind: 'method', name, of: object }
      }
      case 'object':
        return this.property(object, name)
      case 'function': {
        if (name === 'call' || name === 'apply' || name === 'bind') return { kind: 'invoke', fn: object, mode: name }
        if (name === 'name' || name === 'length') return { kind: 'not', reason: `the ${name} of a function` }
        // an expando (`api.list = chain`) is a write chaincut sees by name only: unknown when there is one
        if (object.open) return { kind: 'unknown', reason: brief(`a property of a function of this app: ${object.open}`) }
        return { kind: 'not', reason: 'a property of a function of this app that no code sets' }
      }
      case 'list':
        if (/^\d+$/.test(name)) return object.element
        if (name === 'length') return { kind: 'not', reason: 'the length of an array' }
        return { kind: 'unknown', reason: brief(`.${name} of an array a built-in returns`) }
      case 'promise':
        return { kind: 'unknown', reason: brief(`.${name} of a promise`) }
      case 'method':
        if (name === 'call' || name === 'apply' || name === 'bind') return { kind: 'invoke', fn: object, mode: name }
        return { kind: 'unknown', reason: brief(`a property of .${object.name} read off a chain`) }
      case 'invoke':
        return { kind: 'unknown', reason: 'a property of a bound function' }
      case 'container':
        return { kind: 'not', reason: brief(`a property of ${describe(object)}`) }
      case 'escaped':
        return object
      case 'not':
        return object.open ? { kind: 'unknown', reason: brief(`a member of ${object.reason}: ${object.open}`) } : object
      case 'unknown':
        // a member of the global object (`window.Sentry`): proven not a chain when no script of the app sets it
        if (object.globalObject) return this.globalMember(name, `${at.type === 'MemberExpression' || at.type === 'OptionalMemberExpression' ? (at.object.type === 'Identifier' ? at.object.name : 'globalThis') : 'globalThis'}.${name}`, null) ?? { kind: 'unknown', reason: brief(`a member of the global object, which the app's scripts set`) }
        return object
    }
  }

  /**
   * A name on the global object (`window.Sentry`, an undeclared `Sentry`): chains are built only
   * by the app's code, so one no script of the app sets there (a script tag, the platform, an
   * SDK's loader set it) is not a chain. Null when a script sets it, or sets members of the
   * global object by a computed name, or the app's scripts cannot be read.
   */
  private globalMember(name: string, shown: string, module: ModuleAnalysis | null): Value | null {
    const root = this.root ? appRoot(nearestPackageDir(this.root) ?? dirname(this.root)) : null
    if (!root) return null
    let scripts = this.ctx.cache.scripts.get(root) as AppScripts | undefined
    if (!scripts) this.ctx.cache.scripts.set(root, (scripts = appScripts(root)))
    if (scripts.skipped) return null
    const key = `\0global:${name}`
    let set = this.ctx.cache.scripts.get(key + root) as string | null | undefined
    if (set === undefined) {
      set = null
      const escaped = name.replace(/\$/g, '\\$')
      const write = new RegExp(
        `(?<![\\w$.])(?:${GLOBAL_NAMES})(?:\\s*!|\\s+as\\s+[^)\\n]+\\)|\\s*\\))?\\s*(?:\\??\\.\\s*${escaped}(?![\\w$])|\\[(?!\\s*\\d)[^\\]\\n]*\\])\\s*(?:[-+*/%&|^]|&&|\\|\\||\\?\\?)?=(?!=)|(?:Object|Reflect)\\s*\\.\\s*(?:assign|defineProperty|defineProperties|set)\\s*\\(\\s*(?:${GLOBAL_NAMES})\\b|(?<![\\w$.])${escaped}\\s*(?:[-+*/%&|^]|&&|\\|\\||\\?\\?)?=(?![=>])`,
      )
      const texts = scripts.files.map((f) => f)
      if (module && !texts.some((f) => f.file === module.id)) texts.push({ file: module.id, code: module.code })
      for (const { file, code } of texts) {
        if (!code.includes(name) && !/\[/.test(code)) continue
        if (write.test(code)) {
          set = file
          break
        }
      }
      this.ctx.cache.scripts.set(key + root, set)
    }
    if (set !== null) return null
    // the module being built, by its syntax tree: any member written on the global object
    const current = module ?? this.rootModule
    if (current?.memberWrites.some((w) => w.root !== null && GLOBAL_OBJECTS.has(w.root) && !w.scope.lookup(w.root))) return null
    return { kind: 'not', reason: brief(`\`${shown}\` is set by no script of the app (the platform or a script tag sets it), and chains are built only by the app's code`) }
  }

  /**
   * A property of an object literal, an array literal, a class (static) or a class instance. A
   * property asked again while it is being read (`o = { ...o, a }`, spread into itself) is a cycle.
   */
  private property(object: Extract<Value, { kind: 'object' }>, name: string): Value {
    let names = this.activeProperties.get(object.node)
    if (names?.has(name)) return BOTTOM
    if (!names) this.activeProperties.set(object.node, (names = new Set()))
    names.add(name)
    try {
      const declared = this.readProperty(object, name)
      // members set by code no declaration shows: by name elsewhere, or handed on as `this`
      const open = object.open ?? this.setsOwnMembers(object)
      if (open) return join([declared, { kind: 'unknown', reason: brief(`\`${name}\` of ${describe(object)}: ${open}`) }])
      // and what its own methods write on `this` (`this.list = chain`, `this.defs[id] = def`)
      const written = this.ownWrites(object, name)
      // a member it neither declares nor writes, on an exported object: another module may add it
      if (object.exported && !written.length && declared.kind === 'not' && /has no (property|member)/.test(declared.reason)) {
        return join([declared, { kind: 'unknown', reason: brief(`\`${name}\` of ${describe(object)}: it is exported, and another module may add it`) }])
      }
      // a member it declares, on an exported object: another module may write it (`routes.list = chain`)
      if (object.exported && declared.kind === 'not') {
        const elsewhere = this.writtenElsewhere(object.module, name)
        if (elsewhere) return join([declared, ...written, { kind: 'unknown', reason: brief(`\`${name}\` of ${describe(object)}: it is exported, and ${elsewhere}`) }])
        this.appScans.add(`no other script of the app writes \`.${name}\``)
        return written.length ? join([declared, ...written]) : declared
      }
      return written.length ? join([declared, ...written]) : declared
    } finally {
      names.delete(name)
    }
  }

  /**
   * What an object literal's or a class's own code writes on `this` at member `name` (`null`: at
   * any member, a computed one included): a write of the member is its value; a write deeper in it
   * (`this.defs[id] = def`) makes the member a container holding what is written.
   */
  private ownWrites(object: Extract<Value, { kind: 'object' }>, name: string | null): Value[] {
    const { node, module } = object
    if (node.type === 'ArrayExpression') return []
    const out: Value[] = []
    for (const write of module.memberWrites) {
      if (write.root !== 'this' || write.scope.fn.node === null || write.scope.fn.node.start! < node.start! || write.scope.fn.node.end! > node.end!) continue
      if (name !== null && write.path[0] !== name && write.path[0] !== null) continue
      const self = this.thisValue(write.scope, module)
      if (self.kind !== 'object' || self.node !== node || Boolean(self.instance) !== Boolean(object.instance)) continue
      const value: Value = write.value ? this.expression(write.value, write.scope, module, null) : { kind: 'unknown', reason: 'what a destructuring or a loop writes on `this`' }
      out.push(write.path.length === 1 || name === null ? value : { kind: 'list', element: value })
    }
    return out
  }

  /**
   * Whether a script of the app other than `module` may write member `name` of something
   * (`x.list = …`, `x['list'] ??= …`): a text scan, by the member's name only, so a write to
   * another object of the same member name counts too. Null when none does; why otherwise.
   */
  private writtenElsewhere(module: ModuleAnalysis, name: string): string | null {
    const scripts = this.scriptsOf(module)
    if (scripts.skipped) return scripts.skipped
    const key = `\0member-write:${name}`
    let writers = this.ctx.cache.scripts.get(key + (nearestPackageDir(module.id) ?? '')) as string[] | undefined
    if (!writers) {
      const escaped = name.replace(/[$]/g, '\\$')
      const write = new RegExp(`(?:\\.\\s*${escaped}(?![\\w$])|\\[\\s*(['"\`])${escaped}\\1\\s*\\])\\s*(?:[-+*/%&|^]|\\*\\*|<<|>>>?|&&|\\|\\||\\?\\?)?=(?![=>])`)
      writers = scripts.files.filter((f) => f.code.includes(name) && write.test(f.code)).map((f) => f.file)
      this.ctx.cache.scripts.set(key + (nearestPackageDir(module.id) ?? ''), writers)
    }
    const other = writers.find((f) => f !== module.id)
    return other ? `${other} writes a \`.${name}\`` : null
  }

  /** Why an object literal's or a class's own code may set members its declarations and writes do not show, or null. */
  private setsOwnMembers(object: Extract<Value, { kind: 'object' }>): string | null {
    const { node, module } = object
    if (node.type === 'ArrayExpression') return null
    if (writesThis(module.code, node.start!, node.end!)) return 'its methods hand `this` to code that may change it'
    if (object.instance && node.type !== 'ObjectExpression') {
      // TypeScript parameter properties: `constructor(public base: Base)`
      for (const member of (node as t.Class).body.body) {
        if (member.type === 'ClassMethod' && member.kind === 'constructor' && member.params.some((p) => p.type === 'TSParameterProperty')) return 'its constructor declares parameter properties'
      }
    }
    return null
  }

  private readProperty(object: Extract<Value, { kind: 'object' }>, name: string): Value {
    const { node, scope, module } = object
    if (node.type === 'ArrayExpression') {
      if (/^\d+$/.test(name)) {
        const element = node.elements[Number(name)]
        if (!element) return { kind: 'not', reason: 'a hole of an array literal' }
        if (element.type === 'SpreadElement') return this.elements(object)
        return this.expression(element, scope, module, null)
      }
      if (name === 'length') return { kind: 'not', reason: 'the length of an array' }
      return { kind: 'function', node, scope, module } // an array method, resolved at the call
    }
    if (node.type === 'ObjectExpression') {
      let proto: t.Node | null = null
      for (let i = node.properties.length - 1; i >= 0; i--) {
        const p = node.properties[i]
        if (p.type === 'SpreadElement') {
          const spread = this.member(this.expression(p.argument, scope, module, null), name, p)
          const s = settle(spread)
          if (s.kind === 'not' && /has no property/.test(s.reason)) continue
          return spread
        }
        const key = p.computed ? isStringish(p.key) : p.key.type === 'Identifier' ? p.key.name : p.key.type === 'StringLiteral' ? p.key.value : p.key.type === 'NumericLiteral' ? String(p.key.value) : null
        if (key === null) return { kind: 'unknown', reason: 'an object literal with a computed key' }
        // `{ __proto__: base }` links a prototype: a member it lacks is the prototype's
        if (key === '__proto__' && !p.computed && p.type === 'ObjectProperty') {
          proto = p.value as t.Node
          continue
        }
        if (key !== name) continue
        if (p.type === 'ObjectMethod') {
          if (p.kind === 'get') return this.invokeFunction({ kind: 'function', node: p, scope, module }, [], scope, module, null)
          return p.kind === 'method' ? { kind: 'function', node: p, scope, module } : { kind: 'not', reason: 'a setter' }
        }
        return this.expression(p.value as t.Node, scope, module, null)
      }
      if (proto) return this.member(this.expression(proto, scope, module, null), name, node)
      return { kind: 'not', reason: brief(`an object literal that has no property \`${name}\``) }
    }
    // a class: its static fields and methods, or an instance's fields and methods
    const cls = node as t.Class
    for (const member of cls.body.body) {
      if (member.type !== 'ClassProperty' && member.type !== 'ClassMethod') continue
      if (Boolean(member.static) !== !object.instance || member.computed) continue
      const key = member.key.type === 'Identifier' ? member.key.name : isStringish(member.key)
      if (key !== name) continue
      if (member.type === 'ClassMethod') {
        if (member.kind === 'get') return this.invokeFunction({ kind: 'function', node: member, scope, module }, [], scope, module, null)
        if (member.kind !== 'method') continue
        return { kind: 'function', node: member, scope, module }
      }
      if (member.value) return this.expression(member.value, scope, module, null)
      if (object.instance) break
      return { kind: 'not', reason: 'a class field without a value' }
    }
    if (cls.body.body.some((m) => (m.type === 'ClassProperty' || m.type === 'ClassMethod') && m.computed)) return { kind: 'unknown', reason: 'a member of a class with computed member names' }
    if (cls.superClass) {
      const base = settle(this.expression(cls.superClass, scope, module, null))
      if (base.kind === 'not') return base
      return { kind: 'unknown', reason: brief(`a member of a class that extends ${describe(base)}`) }
    }
    return { kind: 'not', reason: brief(`a class of this app that has no member \`${name}\``) }
  }

  /** Any member of a class (static) or an instance: a computed read (`this[key]`). */
  private anyClassMember(object: Extract<Value, { kind: 'object' }>): Value {
    const cls = object.node as t.Class
    if (cls.superClass) return { kind: 'unknown', reason: 'a computed member of a class that extends another' }
    const values: Value[] = [{ kind: 'not', reason: 'a member a class does not declare (undefined)' }]
    for (const member of cls.body.body) {
      if (member.type === 'ClassProperty' || member.type === 'ClassMethod') {
        if (Boolean(member.static) !== !object.instance) continue
        if (member.type === 'ClassMethod') {
          if (member.kind === 'get') return { kind: 'unknown', reason: 'a computed member of a class with getters' }
          if (member.kind === 'method') values.push({ kind: 'function', node: member, scope: object.scope, module: object.module })
        } else if (member.value) values.push(this.expression(member.value, object.scope, object.module, null))
      } else if (member.type !== 'StaticBlock' && member.type !== 'TSIndexSignature' && member.type !== 'TSDeclareMethod') {
        return { kind: 'unknown', reason: 'a computed member of a class with private or accessor members' }
      }
    }
    return join(values)
  }

  /** Any element of an array literal. */
  private elements(array: Extract<Value, { kind: 'object' }>): Value {
    // an array spread into itself (`list = [...list, x]`): a cycle adds nothing
    if (this.activeElements.has(array.node)) return BOTTOM
    this.activeElements.add(array.node)
    try {
      return this.elementsOf(array)
    } finally {
      this.activeElements.delete(array.node)
    }
  }

  private elementsOf(array: Extract<Value, { kind: 'object' }>): Value {
    const node = array.node as t.ArrayExpression
    const values: Value[] = []
    if (array.open) values.push({ kind: 'unknown', reason: brief(`an element of an array: ${array.open}`) })
    for (const element of node.elements) {
      if (!element) continue
      if (element.type === 'SpreadElement') {
        values.push(this.iterated(this.expression(element.argument, array.scope, array.module, null)))
        continue
      }
      values.push(this.expression(element, array.scope, array.module, null))
    }
    return values.length ? join(values) : { kind: 'not', reason: 'an element of an empty array' }
  }

  /** Any value iterating `value` gives (`for…of`, a spread): an array's elements. */
  iterated(value: Value): Value {
    if (value.kind === 'union') return join(value.values.map((v) => this.iterated(v)))
    if (value.kind === 'object' && value.node.type === 'ArrayExpression') return this.elements(value)
    if (value.kind === 'list') return value.element
    if (value.kind === 'not' || value.kind === 'bottom' || value.kind === 'unknown') return value
    if (isChainish(value)) return { kind: 'unknown', reason: 'what iterating a chain gives' }
    return { kind: 'unknown', reason: brief(`what iterating ${describe(value)} gives`) }
  }

  /** Whether a container holds a chain (one level of its properties or elements). */
  private holdsChain(object: Extract<Value, { kind: 'object' }>): boolean {
    const node = object.node
    const values: t.Node[] = []
    if (node.type === 'ObjectExpression') for (const p of node.properties) values.push(p.type === 'ObjectProperty' ? (p.value as t.Node) : p.type === 'SpreadElement' ? p.argument : p)
    else if (node.type === 'ArrayExpression') for (const e of node.elements) if (e) values.push(e.type === 'SpreadElement' ? e.argument : e)
    else return false
    for (const v of values) {
      if (v.type === 'ObjectMethod') continue
      const s = settle(this.expression(v, object.scope, object.module, null))
      if (isChainish(s) || s.kind === 'unknown') return true
      if (s.kind === 'object' && s.node !== node && (s.node.type === 'ObjectExpression' || s.node.type === 'ArrayExpression') && (this.holdsChain(s))) return true
    }
    return false
  }

  /** What `this` is where `scope` is. */
  private thisValue(scope: Scope, module: ModuleAnalysis): Value {
    let fn: Scope | null = scope.fn
    while (fn && fn.node?.type === 'ArrowFunctionExpression') fn = fn.parent?.fn ?? null
    const node = fn?.node
    if (!node) return { kind: 'not', reason: '`this` at the top of a module (undefined)' }
    switch (node.type) {
      case 'ClassMethod':
      case 'ClassPrivateMethod':
      case 'ClassProperty':
      case 'ClassPrivateProperty':
      case 'ClassAccessorProperty':
      case 'StaticBlock': {
        const cls = fn!.parent?.node
        if (!cls || !(cls.type === 'ClassDeclaration' || cls.type === 'ClassExpression')) return { kind: 'unknown', reason: '`this` in a class chaincut cannot place' }
        const isStatic = node.type === 'StaticBlock' || Boolean((node as { static?: boolean }).static)
        return { kind: 'object', node: cls, scope: fn!.parent!.parent ?? fn!.parent!, module, instance: !isStatic }
      }
      case 'ObjectMethod': {
        // called on its object, as methods are; `obj.m.call(other)` is the exception chaincut does not follow
        const owner = module.methodObjects.get(node)
        if (owner) return { kind: 'object', node: owner.object, scope: owner.scope, module }
        return { kind: 'unknown', reason: '`this` in an object method' }
      }
      default:
        return { kind: 'unknown', reason: '`this` in a function: whatever it is called on' }
    }
  }

  // ---------------------------------------------------------------- calls

  private call(n: t.CallExpression | t.OptionalCallExpression, scope: Scope, module: ModuleAnalysis, env: Frame | null): Value {
    const callee = unwrap(n.callee)
    if (callee.type === 'MemberExpression' || callee.type === 'OptionalMemberExpression') {
      const run = unwindRun(n, this.ctx.config.walkOptions.pointMembers)
      return (this.run(run.segments, run.base, scope, module, env)).value
    }
    if (callee.type === 'Import') return this.dynamicImport(n.arguments[0], module)
    if (callee.type === 'Identifier' && callee.name === 'require' && !scope.lookup('require') && n.arguments.length === 1) {
      return this.dynamicImport(n.arguments[0], module)
    }
    const fn = this.expression(callee, scope, module, env)
    return this.apply(fn, n, n.arguments, scope, module, env)
  }

  private dynamicImport(arg: t.Node | undefined, module: ModuleAnalysis): Value {
    const source = arg ? isStringish(unwrap(arg)) : null
    if (source === null) return { kind: 'unknown', reason: 'a dynamic import of a computed specifier' }
    return this.imported(source, '*', module.id, new Set())
  }

  /** Calling a value with arguments. */
  private apply(fn: Value, call: t.Node, args: ReadonlyArray<t.Node>, scope: Scope, module: ModuleAnalysis, env: Frame | null): Value {
    switch (fn.kind) {
      case 'bottom':
        return BOTTOM
      case 'union': {
        const values: Value[] = []
        for (const v of fn.values) values.push(this.apply(v, call, args, scope, module, env))
        return join(values)
      }
      case 'head':
        return { kind: 'chain', family: fn.family, point: null }
      case 'lets': {
        // `lets('GET', '/x')` with `const lets = root.lets`: opens a point
        const points = fn.family.points!
        const first = isStringish(args[0] && unwrap(args[0]))
        let type: string | null = null
        if (first !== null) {
          if (points.types.includes(first)) type = first
          else if (points.verbs.some((v) => v.toLowerCase() === first.toLowerCase())) type = points.verbType
        }
        return {
          kind: 'chain',
          family: fn.family,
          point: type ? { type, ssrOff: fn.point?.ssrOff ?? false, clientOnly: fn.point?.clientOnly ?? false } : fn.point,
        }
      }
      case 'function':
        this.applying = call
        if (functionTypes.has(fn.node.type)) return this.invokeFunction(fn, args, scope, module, env)
        return { kind: 'unknown', reason: 'the result of an array method' }
      case 'invoke': {
        if (fn.fn.kind !== 'function') return { kind: 'unknown', reason: brief(`a method read off a chain, called through .${fn.mode}`) }
        if (fn.mode === 'call') return this.invokeFunction(fn.fn, args.slice(1), scope, module, env)
        if (fn.mode === 'bind') return args.length <= 1 ? fn.fn : { kind: 'unknown', reason: 'a function bound with arguments' }
        const list = args[1] && unwrap(args[1])
        if (list?.type === 'ArrayExpression' && list.elements.every((e) => e && e.type !== 'SpreadElement')) return this.invokeFunction(fn.fn, list.elements as t.Node[], scope, module, env)
        return { kind: 'unknown', reason: 'a function applied to arguments chaincut cannot read' }
      }
      case 'object':
        return { kind: 'not', reason: 'the result of calling a class' }
      case 'method':
        return { kind: 'unknown', reason: brief(`the result of .${fn.name} read off a chain`) }
      case 'not':
      case 'unknown':
        // a platform or unknown function hands back what its arguments hold, or what its callbacks return
        return this.escapingArgument(args, scope, module, env) ?? fn
      case 'list':
      case 'promise':
        return { kind: 'unknown', reason: brief(`the result of calling ${describe(fn)}`) }
      case 'container':
      case 'pkgNamespace':
      case 'appNamespace':
        return { kind: 'not', reason: brief(`the result of ${describe(fn)}`) }
      case 'chain':
        return { kind: 'unknown', reason: 'the result of calling a chain' }
      case 'escaped':
        return fn
    }
  }

  /**
   * A chain handed to code chaincut does not model, in an argument or returned by a callback
   * argument: what comes back may be it (escaped). An unknown argument makes the result unknown.
   */
  private escapingArgument(args: ReadonlyArray<t.Node>, scope: Scope, module: ModuleAnalysis, env: Frame | null): Value | null {
    let unknown: Value | null = null
    const callbacks: Array<{ arg: t.Node; fn: Extract<Value, { kind: 'function' }> }> = []
    for (const arg of args) {
      if (arg.type === 'ArgumentPlaceholder') continue
      const value = this.expression(arg.type === 'SpreadElement' ? arg.argument : arg, scope, module, env)
      if (value.kind === 'function' && functionTypes.has(value.node.type)) {
        callbacks.push({ arg, fn: value })
        continue
      }
      const family = this.chainWithin(value, 0)
      if (family) return { kind: 'escaped', family, node: arg }
      // an untraced argument may be a chain, and what comes back may be it
      const s = settle(value)
      if (s.kind === 'unknown') unknown ??= { kind: 'unknown', reason: 'the result of a call given a value chaincut cannot trace', evidence: s.evidence }
    }
    if (unknown) return unknown
    // no argument holds a chain, so what the callee passes its callbacks holds none: what a callback returns, it may hand back
    for (const { arg, fn } of callbacks) {
      const returned = this.invokeWith(fn, (fn.node as t.Function).params.map(() => PASSED_BY_CALLEE), env)
      const family = this.chainWithin(returned, 0)
      if (family) return { kind: 'escaped', family, node: arg }
      const s = settle(returned)
      if (s.kind === 'unknown') unknown ??= { kind: 'unknown', reason: brief(`the result of a call whose callback returns a value chaincut cannot trace (${s.reason})`), evidence: s.evidence }
    }
    return unknown
  }

  /** A chain in a value or inside it (a container's properties and elements, a few levels deep): its family. */
  private chainWithin(value: Value, depth: number): ChainFamily | null {
    const s = settle(value)
    if (isChainish(s)) return s.family
    if (value.kind === 'union') {
      for (const v of value.values) {
        const family = this.chainWithin(v, depth)
        if (family) return family
      }
      return null
    }
    if (depth > 3) return null
    if (s.kind === 'list') return this.chainWithin(s.element, depth + 1)
    if (s.kind === 'promise') return this.chainWithin(s.value, depth + 1)
    if (s.kind !== 'object' || s.instance) return null
    const node = s.node
    const parts: t.Node[] = []
    if (node.type === 'ObjectExpression') for (const p of node.properties) parts.push(p.type === 'ObjectProperty' ? (p.value as t.Node) : p.type === 'SpreadElement' ? p.argument : p)
    else if (node.type === 'ArrayExpression') for (const e of node.elements) if (e) parts.push(e.type === 'SpreadElement' ? e.argument : e)
    for (const part of parts) {
      if (part.type === 'ObjectMethod') continue
      const family = this.chainWithin(this.expression(part, s.scope, s.module, null), depth + 1)
      if (family) return family
    }
    return null
  }

  /** The value a function of the app returns when called with `args`. */
  private invokeFunction(fn: Extract<Value, { kind: 'function' }>, args: ReadonlyArray<t.Node>, scope: Scope, module: ModuleAnalysis, env: Frame | null): Value {
    const node = fn.node as t.Function
    const values: Array<Value | null> = []
    let spread = false
    for (let i = 0; i < args.length && i < node.params.length; i++) {
      if (args[i].type === 'SpreadElement') {
        spread = true
        break
      }
      values.push(this.expression(args[i], scope, module, env))
    }
    // a parameter no argument fills is undefined (its default, if any, is joined in by the binding)
    if (!spread) while (values.length < node.params.length) values.push(UNDEFINED)
    return this.invokeWith(fn, values, env)
  }

  /** Tells the build's summary which of a function's parameters this call hands a chain (see `fromSummary`). */
  private passChains(fn: Extract<Value, { kind: 'function' }>, values: ReadonlyArray<Value | null>): void {
    for (let i = 0; i < values.length; i++) {
      const family = values[i] && this.chainWithin(values[i]!, 0)
      if (!family) continue
      const key = ParamSummary.key(fn.module.id, fn.module.code, fn.node.start!, fn.node.end!, i)
      this.passedParams.push([key, family.name])
      const builtFirst = this.ctx.cache.params.pass(key, family.name, this.root!)
      if (builtFirst === this.root) {
        // this very module took it to receive none earlier in its own analysis: analyse it again, knowing
        this.ctx.cache.params.unassume(key, builtFirst!)
        throw new Suspend(Promise.resolve())
      }
      if (builtFirst !== null) this.lateParams.push({ family, function: describeFunction(fn), builtFirst, node: this.applying })
    }
  }

  /** The value a function of the app returns when its parameters hold `values` (one evaluation per function and kind of arguments). */
  invokeWith(fn: Extract<Value, { kind: 'function' }>, values: ReadonlyArray<Value | null>, env: Frame | null): Value {
    const depth = (env?.depth ?? 0) + 1
    if (depth > MAX_CALL_DEPTH) return { kind: 'unknown', reason: 'helpers nested too deeply to follow' }
    const node = fn.node as t.Function
    if (node.generator) return { kind: 'unknown', reason: "a generator's values" }
    const returns = returnsOf(fn.module).get(node)
    if (!returns?.length) return node.async ? { kind: 'promise', value: { kind: 'not', reason: 'undefined' } } : { kind: 'not', reason: 'a function that returns nothing' }
    let key = ''
    for (const v of values) key += (v ? signature(v) : '-') + ';'
    let memo = this.invocations.get(node)
    if (!memo) this.invocations.set(node, (memo = new Map()))
    const found = memo.get(key)
    if (found) return found === 'active' ? BOTTOM : found
    memo.set(key, 'active')
    if (this.root !== null) this.passChains(fn, values)
    const frame: Frame = { fn: node, args: values, env: null, depth }
    const results: Value[] = []
    for (const r of returns) results.push(this.expression(r.node, r.scope, fn.module, frame))
    // an async function's result is a promise of what it returns (awaited)
    const result = node.async ? { kind: 'promise', value: awaited(join(results)) } as Value : join(results)
    memo.set(key, result)
    return result
  }

  // ---------------------------------------------------------------- parameters

  /** What a parameter (or a name destructured from one) holds. */
  private parameter(binding: Binding, module: ModuleAnalysis, env: Frame | null): Value {
    const access = binding.access
    if (!access || access.from.kind !== 'param') return { kind: 'unknown', reason: brief(`the parameter \`${binding.name}\``) }
    const { fn, index } = access.from
    // bound by a call being evaluated
    for (let frame = env; frame; frame = frame.env) {
      if (frame.fn !== fn) continue
      if (index >= frame.args.length) return { kind: 'unknown', reason: 'a parameter filled by a spread or left undefined' }
      return this.steps(frame.args[index]!, access.steps, binding.id)
    }
    let value = this.callersOf(fn, index, binding, module)
    if (value.kind === 'unknown' && value.unseenCallers) value = this.fromSummary(value, fn, index, binding, module)
    return access.steps.length ? this.steps(value, access.steps, binding.id) : value
  }

  /**
   * A parameter whose callers are in other modules (an exported function's, a method's): what the
   * build's summary says they pass. A chain some module passed makes it a chain; with none, the
   * module being built takes it to receive none and says so to the summary, so a module that passes
   * one later stops the build instead of shipping what it cut (`lateParam`).
   */
  private fromSummary(value: Extract<Value, { kind: 'unknown' }>, fn: t.Node, index: number, binding: Binding, module: ModuleAnalysis): Value {
    const summary = this.ctx.cache.params
    const key = ParamSummary.key(module.id, module.code, fn.start!, fn.end!, index)
    const family = summary.chainOf(key)
    if (family !== null) {
      const found = this.ctx.config.families.find((f) => f.name === family)
      if (found) return { kind: 'chain', family: found, point: null }
    }
    // only the module being built decides what its own parameters are taken to be
    if (module.id !== this.root) return value
    // the callers the app's scripts show: what they pass decides, in whatever order the bundler builds
    const scripts = this.scriptsOf(module)
    if (scripts.skipped) return { ...value, reason: brief(`${value.reason}; ${scripts.skipped}, so its callers are not looked for`) }
    const owner = this.bindingOfFunction(fn, module)
    const defaultExport = module.exports.get('default')
    const exportedAs = owner?.exported ? owner.name : defaultExport?.kind === 'expression' && unwrap(defaultExport.node) === fn ? 'default' : null
    const method = fn.type === 'ClassMethod' || fn.type === 'ObjectMethod' ? memberKey(fn as t.ClassMethod | t.ObjectMethod) : null
    let passed: Value | null
    if (exportedAs !== null) passed = this.callersInApp(exportedAs, index, fn, module)
    else if (method !== null) passed = this.methodCallersInApp(method, index, fn)
    // a function passed around without a name chaincut can look for: its callers stay unknown
    else return value
    if (passed) return passed
    summary.assume(key, module.id)
    this.assumedParams.push(key)
    return { kind: 'not', reason: brief(`no module of this build has passed a chain to \`${binding.name}\` (${value.reason}); a module that does after this one is built stops the build`) }
  }

  /**
   * What other modules of the app pass to parameter `index` of the exported function `name` of
   * `module`: every script whose text names it, imports it from this module and calls it. A chain
   * or an unknown value passed decides; null when no caller passes either.
   */
  private callersInApp(name: string, index: number, fn: t.Node, module: ModuleAnalysis): Value | null {
    const scripts = this.scriptsOf(module)
    // the same function, whichever parse of its module the value comes from
    const isIt = (v: Value) => {
      const s = settle(v)
      return s.kind === 'function' && s.module.id === module.id && s.node.start === fn.start
    }
    // the names it may be imported under: its own, and what barrels re-export it as (a few hops)
    const names = new Set([name])
    const values: Value[] = []
    const done = new Set<string>()
    for (let round = 0; round < 4; round++) {
      const before = names.size
      for (const { file, code } of scripts.files) {
        if (file === module.id || done.has(file) || ![...names].some((n) => code.includes(n))) continue
        const caller = this.ctx.cache.get(file, this.ctx.config.walkOptions, this.ctx.readFile)
        if (!caller) continue
        done.add(file)
        this.dependencies.add(file)
        for (const [exported, target] of caller.exports) {
          if (target.kind === 'reexport' && names.has(target.imported) && !names.has(exported) && isIt(this.exported(file, exported, new Set()))) names.add(exported)
        }
        for (const binding of caller.module.names?.values() ?? []) {
          if (binding.kind !== 'import') continue
          if (binding.imported === '*') {
            // `import * as h from './helpers'; h.withAuth(chain)`
            for (let i = 0; i < caller.callSites.length; i++) {
              const call = caller.callSites[i]
              const callee = call.type === 'NewExpression' ? call.callee : unwrap(call.callee)
              if (callee.type !== 'MemberExpression' || callee.object.type !== 'Identifier' || callee.object.name !== binding.name) continue
              const member = memberName(callee)
              if (member === null || !names.has(member) || caller.callScopes[i].lookup(binding.name) !== binding) continue
              if (!isIt(this.member(this.imported(binding.importSource!, '*', file, new Set()), member, callee))) continue
              values.push(this.argumentAt(call, index, caller.callScopes[i], caller))
            }
            continue
          }
          if (!names.has(binding.imported!)) continue
          const imported = this.imported(binding.importSource!, binding.imported!, file, new Set())
          // a relative import that does not resolve may be this very module (not on disk yet): its calls count
          const maybeIt = imported.kind === 'unknown' && binding.importSource!.startsWith('.') && /cannot be resolved/.test(imported.reason)
          if (!maybeIt && !isIt(imported)) continue
          for (const ref of this.referencesTo(binding.name, caller)) {
            if (ref.scope.lookup(ref.name) !== binding) continue
            const call = callsOf(caller).get(ref.start)
            if (!call || unwrap(call.callee).start !== ref.start) continue
            values.push(this.argumentAt(call, index, ref.scope, caller))
          }
        }
      }
      if (names.size === before) break
    }
    const passed = settle(join(values))
    if (isChainish(passed)) return passed.kind === 'escaped' ? { kind: 'unknown', reason: brief(`a caller passes \`${name}\` a chain handed to code chaincut does not follow`), evidence: `a ${passed.family.name} chain is passed here` } : passed
    if (passed.kind === 'unknown') return { ...passed, reason: brief(`a caller of \`${name}\` passes ${passed.reason}`) }
    return null
  }

  /** The app's scripts (read once per build and app root). */
  private scriptsOf(module: ModuleAnalysis): AppScripts {
    // callers and writers can be anywhere in the app: its repository's every package
    const root = appRoot(nearestPackageDir(module.id) ?? dirname(module.id))
    let scripts = this.ctx.cache.scripts.get(root) as AppScripts | undefined
    if (!scripts) this.ctx.cache.scripts.set(root, (scripts = appScripts(root)))
    return scripts
  }

  /**
   * What the app's scripts pass to parameter `index` of a method named `name`: every call
   * `x.name(...)` anywhere in the app (its module included), whatever `x` is, since an instance
   * or object travels where chaincut does not follow it. A chain or an unknown value decides.
   */
  private methodCallersInApp(name: string, index: number, fn: t.Node): Value | null {
    const root = this.rootModule!
    const scripts = this.scriptsOf(root)
    const needle = '.' + name
    const values: Value[] = []
    const texts: Array<{ file: string; code: string }> = scripts.files.some((f) => f.file === root.id) ? scripts.files : [...scripts.files, { file: root.id, code: root.code }]
    for (const { file, code } of texts) {
      if (!code.includes(needle)) continue
      const caller = file === root.id ? root : this.ctx.cache.get(file, this.ctx.config.walkOptions, this.ctx.readFile)
      if (!caller) continue
      if (caller !== root) this.dependencies.add(file)
      for (let i = 0; i < caller.callSites.length; i++) {
        const call = caller.callSites[i]
        if (call.type === 'NewExpression') continue
        const callee = unwrap(call.callee)
        if ((callee.type !== 'MemberExpression' && callee.type !== 'OptionalMemberExpression') || memberName(callee) !== name) continue
        // the method's own recursive calls pass what it already holds
        if (call.start! >= fn.start! && call.end! <= fn.end! && caller === root) continue
        values.push(this.argumentAt(call, index, caller.callScopes[i], caller))
      }
    }
    const passed = settle(join(values))
    if (isChainish(passed)) return passed.kind === 'escaped' ? { kind: 'unknown', reason: brief(`a call of .${name}(...) passes a chain handed to code chaincut does not follow`), evidence: `a ${passed.family.name} chain is passed here` } : passed
    if (passed.kind === 'unknown') return { ...passed, reason: brief(`a call of .${name}(...) in the app passes ${passed.reason}`) }
    return null
  }

  /** What a call passes at `index` (a spread: unknown; nothing: not a chain). */
  private argumentAt(call: t.CallExpression | t.OptionalCallExpression | t.NewExpression, index: number, scope: Scope, module: ModuleAnalysis): Value {
    if (call.arguments.slice(0, index + 1).some((a) => a.type === 'SpreadElement')) return { kind: 'unknown', reason: 'a parameter filled by a spread' }
    const arg = call.arguments[index]
    return arg ? this.expression(arg, scope, module, null) : { kind: 'not', reason: 'a parameter a call leaves undefined' }
  }

  /** A parameter's value from every call of its function that chaincut can see. */
  private callersOf(fn: t.Node, index: number, binding: Binding, module: ModuleAnalysis): Value {
    const callback = callbacksOf(module).get(fn)
    if (callback) {
      const call = callback.call
      const callee = unwrap(call.callee)
      if (callee.type === 'MemberExpression' || callee.type === 'OptionalMemberExpression') {
        const method = memberName(callee) ?? '?'
        const receiver = settle(this.expression(callee.object, callback.scope, module, null))
        if (receiver.kind === 'promise' && method === 'then' && callback.index === 0 && index === 0) return receiver.value
        if (method === 'then' || method === 'catch' || method === 'finally') return { kind: 'unknown', reason: "a promise's value, passed to a callback" }
        if (isChainish(receiver) && receiver.kind !== 'escaped') return { kind: 'not', reason: brief(`an argument ${receiver.family.name} passes to the callback of .${method}`) }
        if (((receiver.kind === 'object' && receiver.node.type === 'ArrayExpression') || receiver.kind === 'list') && ITERATING_METHODS.has(method)) {
          const element = receiver.kind === 'list' ? receiver.element : this.elements(receiver as Extract<Value, { kind: 'object' }>)
          return index === 0 ? element : { kind: 'not', reason: brief(`an index or array passed by .${method}`) }
        }
        if (receiver.kind === 'not') return { kind: 'not', reason: brief(`a parameter of a callback given to .${method} of something that is not a chain (${receiver.reason})`) }
        if (receiver.kind === 'object' || receiver.kind === 'function') return { kind: 'not', reason: brief(`a parameter of a callback given to .${method} of ${describe(receiver)}`) }
        return { kind: 'unknown', reason: brief(`a parameter of a callback given to .${method} of a value chaincut cannot trace (${describe(receiver)})`) }
      }
      const target = settle(this.expression(callee, callback.scope, module, null))
      if (target.kind === 'not') return { kind: 'not', reason: brief(`a parameter of a callback given to a function that is not a chain (${target.reason})`) }
      if (target.kind === 'head' || target.kind === 'container') return { kind: 'not', reason: brief(`an argument the ${target.family.name} runtime passes to a callback`) }
      return { kind: 'unknown', reason: brief(`a parameter of a callback given to ${describe(target)} that chaincut does not follow`) }
    }
    const owner = this.bindingOfFunction(fn, module)
    const name = owner?.name ?? 'an anonymous function'
    if (!owner) {
      if (fn.type === 'ClassMethod' || fn.type === 'ClassPrivateMethod' || fn.type === 'ObjectMethod') return { kind: 'unknown', reason: brief(`\`${binding.name}\` is a parameter of a method: its callers are not followed`), unseenCallers: true }
      return { kind: 'unknown', reason: brief(`\`${binding.name}\` is a parameter of ${name} whose callers chaincut cannot see`), unseenCallers: true }
    }
    const values: Value[] = []
    // an exported function's callers are here and in other modules: both count
    if (owner.exported) values.push({ kind: 'unknown', reason: brief(`\`${binding.name}\` is a parameter of the exported function \`${name}\`: its callers are in other modules`), unseenCallers: true })
    for (const ref of this.referencesTo(owner.name, module)) {
      if (ref.scope.lookup(ref.name) !== owner) continue
      const call = callsOf(module).get(ref.start)
      const callee = call && unwrap(call.callee)
      if (!call || callee?.start !== ref.start) return { kind: 'unknown', reason: brief(`\`${binding.name}\` is a parameter of \`${name}\`, which is passed around, not only called`) }
      const arg = call.arguments[index]
      if (!arg) {
        values.push({ kind: 'not', reason: 'a parameter a call leaves undefined' })
        continue
      }
      if (call.arguments.slice(0, index + 1).some((a) => a.type === 'SpreadElement')) return { kind: 'unknown', reason: 'a parameter filled by a spread' }
      values.push(this.expression(arg, ref.scope, module, null))
    }
    if (!values.length) return { kind: 'not', reason: brief(`\`${name}\` is never called`) }
    if (owner.exported) {
      // a chain from a caller here decides; otherwise what other modules pass (`fromSummary`)
      const local = join(values.slice(1))
      if (local.kind !== 'bottom' && (isChainish(settle(local)) || settle(local).kind === 'unknown')) return local
      return values[0]
    }
    return join(values)
  }

  private readonly referenceIndex = new Map<ModuleAnalysis, Map<string, ModuleAnalysis['references']>>()

  /** The module's references to a top-level name, indexed once. */
  private referencesTo(name: string, module: ModuleAnalysis): ModuleAnalysis['references'] {
    return byName(this.referenceIndex, module, module.references).get(name) ?? []
  }

  /** The module-level name a function is declared as (`function f`, `const f = () => ...`). */
  private bindingOfFunction(fn: t.Node, module: ModuleAnalysis): Binding | null {
    let map = this.fnBindings.get(module)
    if (!map) {
      map = new Map()
      for (const binding of module.module.names?.values() ?? []) {
        if (binding.kind === 'function') map.set(functionOf(binding), binding)
        else if (binding.init) {
          const init = unwrap(binding.init)
          if (init.type === 'ArrowFunctionExpression' || init.type === 'FunctionExpression') map.set(init, binding)
        }
      }
      this.fnBindings.set(module, map)
    }
    return map.get(fn) ?? null
  }

  // ---------------------------------------------------------------- runs

  /**
   * Reads a run of member calls left to right: what each segment is called on
   * (`receivers`), which segments belong to a chain, and what the run yields.
   */
  run(segments: Segment[], baseNode: t.Node, scope: Scope, module: ModuleAnalysis, env: Frame | null): RunReading {
    const base = this.expression(baseNode, scope, module, env)
    // `Array.from(...)`, `Promise.resolve(...)`: a built-in's static method, when the name is the global's
    const b = unwrap(baseNode)
    const global = b.type === 'Identifier' && STATIC_BUILTINS.has(b.name) && !scope.lookup(b.name) ? b.name : null
    return this.readRun(segments, base, scope, module, env, global)
  }

  private readRun(segments: Segment[], base: Value, scope: Scope, module: ModuleAnalysis, env: Frame | null, global: string | null = null): RunReading {
    const { config } = this.ctx
    const receivers: Value[] = []
    const out: ChainSegment[] = []
    let value = base
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i]
      receivers.push(value)
      const s = settle(value)
      if (s.kind === 'chain' || (segment.viaMember && (s.kind === 'unknown' || s.kind === 'head' || s.kind === 'lets')) || this.opensPoint(segment)) {
        // chain mode from here on: the rest of the run is read by the point state machine, up to a runtime method
        const start = s.kind === 'head' ? ({ kind: 'chain', family: s.family, point: null } as Value) : s
        const reading = interpret(config, segments.slice(i), start)
        if (reading.segments.length || reading.read < segments.length - i) {
          out.push(...reading.segments)
          for (let k = 1; k < reading.read; k++) receivers.push(reading.value)
          const assumed = reading.assumed ? describe(s) : null
          if (i + reading.read >= segments.length) return { receivers, segments: out, value: reading.value, assumed }
          // a finished point's runtime method (`mutation.fetchServerDetailed()`): what it returns is not a chain
          value = reading.value
          i += reading.read - 1
          continue
        }
      }
      if (segment.name === null) {
        value = { kind: 'unknown', reason: 'a computed method' }
        continue
      }
      const builtin = i === 0 && global ? this.staticCall(global, segment, scope, module, env) : this.builtinCall(s, segment, scope, module, env)
      if (builtin) {
        value = builtin
        continue
      }
      const fn = this.member(value, segment.name, segment.callee)
      value = this.apply(fn, segment.call, segment.call.arguments, scope, module, env)
    }
    return { receivers, segments: out, value, assumed: null }
  }

  // ---------------------------------------------------------------- built-ins

  /** What a callback argument returns when a built-in calls it with `params` (unknown when it is not a function of the app). */
  private callbackResult(arg: t.Node | undefined, params: Value[], scope: Scope, module: ModuleAnalysis, env: Frame | null): Value {
    if (!arg || arg.type === 'SpreadElement') return { kind: 'unknown', reason: 'a callback chaincut cannot read' }
    const fn = settle(this.expression(arg, scope, module, env))
    if (fn.kind === 'function' && functionTypes.has(fn.node.type)) {
      const values = params.slice(0, (fn.node as t.Function).params.length)
      while (values.length < (fn.node as t.Function).params.length) values.push(UNDEFINED)
      return this.invokeWith(fn, values, env)
    }
    if (fn.kind === 'not') return fn
    return { kind: 'unknown', reason: brief(`what ${describe(fn)} returns`) }
  }

  private argument(arg: t.Node | undefined, scope: Scope, module: ModuleAnalysis, env: Frame | null): Value {
    if (!arg) return { kind: 'not', reason: 'undefined' }
    if (arg.type === 'SpreadElement') return { kind: 'unknown', reason: 'a spread argument' }
    return this.expression(arg, scope, module, env)
  }

  /**
   * A method of an array (literal or built) or a promise, by the table of what each returns
   * (`map` gives its callback's returns, `find` an element, `then` a promise of the callback's
   * return): null when the receiver is neither, or the method is not in the table.
   */
  private builtinCall(s: Value, segment: Segment, scope: Scope, module: ModuleAnalysis, env: Frame | null): Value | null {
    const name = segment.name!
    const args = segment.call.arguments as t.Node[]
    const arg = (i: number) => this.argument(args[i], scope, module, env)
    if (s.kind === 'promise') {
      if (name === 'then') {
        const fulfilled = args[0] ? awaited(this.callbackResult(args[0], [s.value], scope, module, env)) : s.value
        const rejected = args[1] ? awaited(this.callbackResult(args[1], [UNKNOWN_ERROR], scope, module, env)) : BOTTOM
        return { kind: 'promise', value: join([fulfilled, rejected]) }
      }
      if (name === 'catch') return { kind: 'promise', value: join([s.value, awaited(this.callbackResult(args[0], [UNKNOWN_ERROR], scope, module, env))]) }
      if (name === 'finally') return s
      return null
    }
    if (s.kind === 'list' && s.collection) {
      switch (name) {
        case 'get':
          return join([s.element, { kind: 'not', reason: 'undefined (a key it does not hold)' }])
        case 'values':
          return { kind: 'list', element: s.element }
        case 'entries':
          return { kind: 'list', element: { kind: 'list', element: s.collection === 'set' ? s.element : { kind: 'unknown', reason: 'a key of a Map' } } }
        case 'keys':
          return { kind: 'list', element: s.collection === 'set' ? s.element : { kind: 'unknown', reason: 'a key of a Map' } }
        case 'set':
        case 'add':
          return s
        case 'has':
        case 'delete':
        case 'clear':
        case 'forEach':
          return { kind: 'not', reason: brief(`what .${name} of a ${s.collection === 'map' ? 'Map' : 'Set'} returns`) }
        default:
          return { kind: 'unknown', reason: brief(`.${name} of a collection`) }
      }
    }
    const isArray = (s.kind === 'object' && s.node.type === 'ArrayExpression') || s.kind === 'list'
    // an element called (`[mk][0]()`) is read as a member, not a method of the array
    if (!isArray || /^\d+$/.test(name)) return null
    const element = () => (s.kind === 'list' ? s.element : this.elements(s as Extract<Value, { kind: 'object' }>))
    const list = (v: Value): Value => ({ kind: 'list', element: v })
    switch (name) {
      case 'find':
      case 'findLast':
      case 'at':
      case 'pop':
      case 'shift':
        return element()
      case 'filter':
      case 'slice':
      case 'reverse':
      case 'sort':
      case 'toSorted':
      case 'toReversed':
      case 'splice':
      case 'copyWithin':
        return list(element())
      case 'fill':
        return list(join([element(), arg(0)]))
      case 'with':
        return list(join([element(), arg(1)]))
      case 'toSpliced':
        return list(join([element(), ...args.slice(2).map((_, k) => arg(k + 2))]))
      case 'concat':
        // array arguments are flattened one level, others appended
        return list(join([element(), ...args.map((_, k) => this.spreadOrValue(arg(k)))]))
      case 'flat':
        return list(join([element(), this.spreadOrValue(element())]))
      case 'map':
        return list(this.callbackResult(args[0], [element(), NUMBER, s], scope, module, env))
      case 'flatMap': {
        const r = this.callbackResult(args[0], [element(), NUMBER, s], scope, module, env)
        return list(join([r, this.spreadOrValue(r)]))
      }
      case 'reduce':
      case 'reduceRight': {
        const acc: Value = { kind: 'unknown', reason: 'the accumulator of a reduce' }
        return join([args.length > 1 ? arg(1) : element(), this.callbackResult(args[0], [acc, element(), NUMBER, s], scope, module, env)])
      }
      case 'values':
        return list(element())
      case 'entries':
        return list(list(join([NUMBER, element()])))
      case 'forEach':
        return { kind: 'not', reason: 'undefined (what .forEach returns)' }
      case 'some':
      case 'every':
      case 'includes':
      case 'indexOf':
      case 'lastIndexOf':
      case 'findIndex':
      case 'findLastIndex':
      case 'join':
      case 'toString':
      case 'toLocaleString':
      case 'push':
      case 'unshift':
      case 'keys':
        return { kind: 'not', reason: brief(`what .${name} of an array returns (a boolean, number, string or index)`) }
      default:
        return { kind: 'unknown', reason: brief(`what .${name} of an array returns, which chaincut does not model`) }
    }
  }

  /** An array argument's elements (`concat`, `flat`), else the value itself. */
  private spreadOrValue(v: Value): Value {
    const s = settle(v)
    if ((s.kind === 'object' && s.node.type === 'ArrayExpression') || s.kind === 'list') return this.iterated(s)
    if (v.kind === 'union') return join(v.values.map((x) => this.spreadOrValue(x)))
    return v
  }

  /** `Array.from`, `Array.of`, `Promise.resolve`/`all`/`race`/`any`, `Object.values`/`entries`: null for any other. */
  private staticCall(global: string, segment: Segment, scope: Scope, module: ModuleAnalysis, env: Frame | null): Value | null {
    const name = segment.name!
    const args = segment.call.arguments as t.Node[]
    const arg = (i: number) => this.argument(args[i], scope, module, env)
    const list = (v: Value): Value => ({ kind: 'list', element: v })
    if (global === 'Array') {
      if (name === 'from') {
        const items = this.iterated(arg(0))
        return list(args.length > 1 ? this.callbackResult(args[1], [items, NUMBER], scope, module, env) : items)
      }
      if (name === 'of') return list(args.length ? join(args.map((_, k) => arg(k))) : { kind: 'not', reason: 'an element of an empty array' })
      if (name === 'isArray') return { kind: 'not', reason: 'a boolean' }
      return null
    }
    if (global === 'Promise') {
      if (name === 'resolve') return { kind: 'promise', value: args.length ? awaited(arg(0)) : { kind: 'not', reason: 'undefined' } }
      if (name === 'all') return { kind: 'promise', value: list(awaited(this.iterated(arg(0)))) }
      if (name === 'race' || name === 'any') return { kind: 'promise', value: awaited(this.iterated(arg(0))) }
      return null
    }
    if (global === 'Object' && (name === 'values' || name === 'entries')) {
      const o = settle(arg(0))
      if (o.kind !== 'object' || o.node.type !== 'ObjectExpression') return null
      const values = this.propertyValues(o)
      return list(name === 'values' ? values : list(join([{ kind: 'not', reason: 'a property name' }, values])))
    }
    return null
  }

  /** Any property value of an object literal (its spreads' too). */
  private propertyValues(o: Extract<Value, { kind: 'object' }>): Value {
    const node = o.node as t.ObjectExpression
    const values: Value[] = []
    if (o.open ?? this.setsOwnMembers(o)) values.push({ kind: 'unknown', reason: brief(`a property of an object: ${o.open ?? 'its methods set members'}`) })
    for (const p of node.properties) {
      if (p.type === 'ObjectMethod') values.push({ kind: 'function', node: p, scope: o.scope, module: o.module })
      else if (p.type === 'SpreadElement') {
        const spread = settle(this.expression(p.argument, o.scope, o.module, null))
        values.push(spread.kind === 'object' && spread.node.type === 'ObjectExpression' ? this.propertyValues(spread) : spread.kind === 'not' ? spread : { kind: 'unknown', reason: 'a spread chaincut cannot read' })
      } else values.push(this.expression(p.value as t.Node, o.scope, o.module, null))
    }
    return values.length ? join(values) : { kind: 'not', reason: 'a property of an empty object' }
  }

  /** `X.lets('page', ...)` and other syntactic heads: a point opens whatever X is. */
  private opensPoint(segment: Segment): boolean {
    const name = segment.name
    if (!name || segment.computed || segment.viaMember) return false
    const { config } = this.ctx
    const first = isStringish(segment.call.arguments[0] && unwrap(segment.call.arguments[0] as t.Node))
    const pointFamily = config.pointFamilies.get(name)
    if (pointFamily && first !== null) {
      const points = pointFamily.points!
      if (points.types.includes(first) || points.verbs.some((v) => v.toLowerCase() === first.toLowerCase())) return true
    }
    for (const head of config.memberHeads) {
      if (head.member !== name || head.family.points) continue
      if (head.firstArg && (first === null || !head.firstArg.has(first.toLowerCase()))) continue
      return true
    }
    return false
  }

}

export interface RunReading {
  /** What each segment is called on. */
  receivers: Value[]
  segments: ChainSegment[]
  value: Value
  /** Why the chain was assumed, or null. */
  assumed: string | null
}

const functionOf = (binding: Binding): t.Node => binding.declaration ?? binding.id
const classOf = (binding: Binding): t.Node => binding.declaration ?? binding.id

/** What `await` gives: a promise's value; anything else as it is. */
export function awaited(value: Value): Value {
  if (value.kind === 'promise') return value.value
  if (value.kind === 'union') return join(value.values.map(awaited))
  return value
}

/** A function's name for a message: its declared name, else where it is. */
function describeFunction(fn: Extract<Value, { kind: 'function' }>): string {
  const node = fn.node as t.Function & { id?: t.Identifier | null; key?: t.Node }
  const name = node.id?.name ?? (node.key?.type === 'Identifier' ? node.key.name : null)
  const line = node.loc?.start.line
  return `${name ? `\`${name}\`` : 'the function'} (${fn.module.id}${line ? `:${line}` : ''})`
}

/** A module's list indexed by name, built once per module into `indexes`. */
function byName<T extends { name: string }>(indexes: Map<ModuleAnalysis, Map<string, T[]>>, module: ModuleAnalysis, items: readonly T[]): Map<string, T[]> {
  let index = indexes.get(module)
  if (!index) {
    index = new Map()
    for (const item of items) {
      let list = index.get(item.name)
      if (!list) index.set(item.name, (list = []))
      list.push(item)
    }
    indexes.set(module, index)
  }
  return index
}

/** The name of a method (`m() {}`, `'m'() {}`), or null for a computed one. */
function memberKey(method: t.ClassMethod | t.ObjectMethod): string | null {
  if (method.computed) return method.key.type === 'StringLiteral' ? method.key.value : null
  return method.key.type === 'Identifier' ? method.key.name : method.key.type === 'StringLiteral' ? method.key.value : null
}
