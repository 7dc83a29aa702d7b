/** Whether a cut rule would change a call's arguments: if not, what the call is on does not matter. */
import type * as t from '@babel/types'
import type { SideRule } from '../types.js'
import { unwrap } from '../js/runs.js'
import { isStringish } from './values.js'

export function wouldCut(sideRule: SideRule, call: t.CallExpression | t.OptionalCallExpression): boolean {
  const rule = typeof sideRule === 'object' && 'rule' in sideRule ? sideRule.rule : sideRule
  const args = call.arguments
  if (args.length === 0 || rule === 'keep') return false
  if (typeof rule === 'object') {
    const arg = unwrap(args[0] as t.Node)
    if (arg.type !== 'ObjectExpression' || args.length > 1) return true
    return arg.properties.some((p) => p.type !== 'ObjectProperty' && p.type !== 'ObjectMethod' ? true : p.computed || rule.keys.includes(p.key.type === 'Identifier' ? p.key.name : (isStringish(p.key) ?? '')))
  }
  switch (rule) {
    case 'argsUnlessBoolean':
      return !(args.length === 1 && unwrap(args[0] as t.Node).type === 'BooleanLiteral')
    case 'afterFirst':
    case 'lastArg':
      return args.length >= 2
    case 'ssrEnabledOnly':
      return unwrap(args[0] as t.Node).type === 'ObjectExpression'
    default:
      return true
  }
}
