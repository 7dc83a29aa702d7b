/**
 * What the walk (`walk.ts`) finds, as data: scopes and the bindings declared in them, value
 * references, the top-level declarations pruning may remove, and exports. Chain runs are in
 * `runs.ts`, `var` hoisting in `hoisting.ts`.
 */
import type * as t from '@babel/types'

export type BindingKind =
  | 'import'
  | 'const'
  | 'let'
  | 'var'
  | 'using'
  | 'function'
  | 'class'
  | 'enum'
  | 'namespace'
  | 'param'
  | 'catch'
  | 'other'

export class Scope {
  names: Map<string, Binding> | null = null
  readonly fn: Scope
  constructor(
    readonly parent: Scope | null,
    isFunction: boolean,
    /** The function (or class, or class field) this scope is the body of: what `this` and `return` refer to. */
    readonly node: t.Node | null = null,
  ) {
    this.fn = isFunction || !parent ? this : parent.fn
  }
  declare(binding: Binding): void {
    const names = (this.names ??= new Map())
    // the first declaration wins (function overloads, var redeclarations); a `var` hoisted out of a
    // block up front gives way to its real declaration, which carries the initializer
    const existing = names.get(binding.name)
    if (!existing || (existing.hoisted && binding.kind === 'var')) names.set(binding.name, binding)
  }
  lookup(name: string): Binding | null {
    for (let scope: Scope | null = this; scope; scope = scope.parent) {
      const found = scope.names?.get(name)
      if (found) return found
    }
    return null
  }
}

export interface Binding {
  name: string
  kind: BindingKind
  scope: Scope
  /** The declaring identifier. */
  id: t.Identifier
  /** For `const x = <init>` (identifier ids only): the initializer. */
  init: t.Node | null
  /** For imports: where from and which name (`default`, `*` or a name). */
  importSource: string | null
  imported: string | null
  /** The top-level removable declaration this binding belongs to, if any. */
  unit: Unit | null
  exported: boolean
  /**
   * Where a parameter or a destructured name gets its value: parameter `index` of `fn`, or the
   * declarator's initializer, then the property/element steps of the pattern (null: a rest or a
   * computed key). Null for plain `const x = init` (see `init`).
   */
  access?: Access | null
  /** For functions and classes: the declaration node. */
  declaration?: t.Node
  /** Default values (`p = dflt`), each with the scope it is evaluated in. */
  defaults?: Array<{ node: t.Node; scope: Scope }>
  /** A `var` declared ahead of its statement (hoisted out of a top-level block). */
  hoisted?: boolean
}

/**
 * One step into a value: a property name or index, null for a rest or a computed key, `EACH`
 * for any element of an iterable (`for (x of list)`), `KEY` for a property name (`for (k in o)`).
 */
export type AccessStep = string | number | null | typeof EACH | typeof KEY
export const EACH: unique symbol = Symbol('each')
export const KEY: unique symbol = Symbol('key')

export interface Access {
  from: { kind: 'param'; fn: t.Node; index: number } | { kind: 'init'; init: t.Node }
  readonly steps: readonly AccessStep[]
}

/** A top-level declaration that pruning may remove (docs/reference.md "How it decides"). */
export interface Unit {
  kind: 'import' | 'function' | 'class' | 'enum' | 'declarator'
  /** The statement holding it (the ImportDeclaration, the VariableDeclaration, ...). */
  statement: t.Node
  /** The node removed when the unit dies: the specifier, declarator, function, ... */
  node: t.Node
  bindings: Binding[]
}

export interface Reference {
  name: string
  scope: Scope
  start: number
  end: number
  /** The top-level removable declaration it sits in; null for code that always runs. */
  owner: Unit | null
}

export type ExportTarget =
  | { kind: 'local'; local: string }
  | { kind: 'expression'; node: t.Node }
  | { kind: 'reexport'; source: string; imported: string }
