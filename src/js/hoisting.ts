/**
 * `var` hoisting and block scoping: which names a statement declares ahead of its place, and
 * whether a block needs a scope of its own.
 */
import type * as t from '@babel/types'
import { Scope } from './scope.js'

/** Whether a statement list declares anything block-scoped (let, const, class, function, ...). */
export function declaresLexically(body: ReadonlyArray<t.Node>): boolean {
  for (let i = 0; i < body.length; i++) {
    const s = body[i]
    switch (s.type) {
      case 'VariableDeclaration':
        if (s.kind !== 'var') return true
        break
      case 'ClassDeclaration':
      case 'FunctionDeclaration':
      case 'TSEnumDeclaration':
      case 'TSModuleDeclaration':
      case 'TSImportEqualsDeclaration':
        return true
    }
  }
  return false
}

/** Declares the `var`s of a top-level compound statement in the module scope (functions aside). */
export function hoistVars(statement: t.Node | null | undefined, module: Scope): void {
  if (!statement) return
  switch (statement.type) {
    case 'VariableDeclaration':
      if (statement.kind === 'var' && !statement.declare) {
        for (const d of statement.declarations) declareNames(d.id, module)
      }
      return
    case 'BlockStatement':
      for (const s of statement.body) hoistVars(s, module)
      return
    case 'IfStatement':
      hoistVars(statement.consequent, module)
      hoistVars(statement.alternate, module)
      return
    case 'ForStatement':
      hoistVars(statement.init, module)
      hoistVars(statement.body, module)
      return
    case 'ForInStatement':
    case 'ForOfStatement':
      hoistVars(statement.left, module)
      hoistVars(statement.body, module)
      return
    case 'WhileStatement':
    case 'DoWhileStatement':
    case 'LabeledStatement':
      hoistVars(statement.body, module)
      return
    case 'TryStatement':
      hoistVars(statement.block, module)
      hoistVars(statement.handler?.body, module)
      hoistVars(statement.finalizer, module)
      return
    case 'SwitchStatement':
      for (const c of statement.cases) for (const s of c.consequent) hoistVars(s, module)
      return
  }
}

function declareNames(pattern: t.Node | null | undefined, scope: Scope): void {
  if (!pattern) return
  switch (pattern.type) {
    case 'Identifier':
      scope.declare({ name: pattern.name, kind: 'var', scope, id: pattern, init: null, importSource: null, imported: null, unit: null, exported: false, hoisted: true })
      return
    case 'ObjectPattern':
      for (const p of pattern.properties) declareNames(p.type === 'RestElement' ? p.argument : p.value, scope)
      return
    case 'ArrayPattern':
      for (const e of pattern.elements) declareNames(e, scope)
      return
    case 'AssignmentPattern':
      declareNames(pattern.left, scope)
      return
    case 'RestElement':
      declareNames(pattern.argument, scope)
      return
  }
}
