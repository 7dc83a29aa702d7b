/**
 * How point0's engine says whether it server-renders: the options of `Engine.create({ ... })`,
 * read as point0's engine config resolves them. The app scan that finds the call is the
 * pipeline's (`pipeline/engine.ts`); what its options mean is point0's, so it lives here.
 */
import type * as t from '@babel/types'
import { unwrap } from '../../js/runs.js'

/** An object literal's property: its value node, `absent`, or `unknown` (a spread, a computed key or an accessor could set it). */
function property(object: t.ObjectExpression, key: string): t.Node | 'absent' | 'unknown' {
  let found: t.Node | 'absent' | 'unknown' = 'absent'
  for (const p of object.properties) {
    if (p.type === 'SpreadElement') {
      found = 'unknown'
      continue
    }
    const name = p.computed
      ? p.key.type === 'StringLiteral' ? p.key.value : null
      : p.key.type === 'Identifier' ? p.key.name : p.key.type === 'StringLiteral' ? p.key.value : p.key.type === 'NumericLiteral' ? String(p.key.value) : null
    if (name === null) {
      found = 'unknown'
      continue
    }
    if (name !== key) continue
    found = p.type === 'ObjectProperty' ? unwrap(p.value) : 'unknown'
  }
  return found
}

type Tri = boolean | null

/** point0's `ssr: boolean | { enabled?: boolean, ... }` (an object is on unless `enabled: false`). */
function ssrValue(node: t.Node): Tri {
  if (node.type === 'BooleanLiteral') return node.value
  if (node.type !== 'ObjectExpression') return null
  const enabled = property(node, 'enabled')
  if (enabled === 'absent') return true
  return enabled !== 'unknown' && enabled.type === 'BooleanLiteral' ? enabled.value : null
}

/** `compiler: { ssr }` (a boolean `compiler` sets nothing): the value, `absent`, or null. */
function compilerSsr(compiler: t.Node | 'absent' | 'unknown'): Tri | 'absent' {
  if (compiler === 'absent') return 'absent'
  if (compiler === 'unknown') return null
  if (compiler.type === 'BooleanLiteral') return 'absent'
  if (compiler.type !== 'ObjectExpression') return null
  const ssr = property(compiler, 'ssr')
  if (ssr === 'absent') return 'absent'
  return ssr !== 'unknown' && ssr.type === 'BooleanLiteral' ? ssr.value : null
}

/**
 * Whether point0 renders pages in the server bundle, from `Engine.create`'s options, as point0's
 * engine config resolves them: the server's compile flag (`server.compiler.ssr`, then
 * `compiler.ssr`) when one is written; else the server's `ssr`, then the engine's `ssr`
 * (default false), or any client's (`client`, `clients`) that renders. One deviation: a missing
 * `server` block is read as `{}` (point0 defaults it to `{ ssr: false }`, while its clients still
 * follow the engine's `ssr`), so `Engine.create({ ssr: true })` keeps the render code.
 */
export function serverRendersFrom(args: ReadonlyArray<t.Node>): { ssr: Tri; why?: string } {
  const first = args[0] ? unwrap(args[0]) : null
  if (first && first.type !== 'ObjectExpression') return { ssr: null, why: 'its options are not an object literal' }
  const options = first ?? ({ type: 'ObjectExpression', properties: [] } as unknown as t.ObjectExpression)
  const unreadable = (what: string) => ({ ssr: null, why: `its \`${what}\` is not written as a literal` })

  const server = property(options, 'server')
  if (server !== 'absent' && (server === 'unknown' || server.type !== 'ObjectExpression')) return unreadable('server')
  const serverBlock = server === 'absent' ? null : (server as t.ObjectExpression)
  // the compile flag, when written, is what point0's compiler assumes for the server build
  if (serverBlock) {
    const flag = compilerSsr(property(serverBlock, 'compiler'))
    if (flag === null) return unreadable('server.compiler.ssr')
    if (flag !== 'absent') return { ssr: flag }
  }
  const flag = compilerSsr(property(options, 'compiler'))
  if (flag === null) return unreadable('compiler.ssr')
  if (flag !== 'absent') return { ssr: flag }

  const engineNode = property(options, 'ssr')
  if (engineNode === 'unknown') return unreadable('ssr')
  const engine: Tri = engineNode === 'absent' ? false : ssrValue(engineNode)
  if (engine === null) return unreadable('ssr')

  const sides: Tri[] = []
  const sideSsr = (block: t.ObjectExpression): Tri => {
    const own = property(block, 'ssr')
    if (own === 'unknown') return null
    return own === 'absent' ? engine : ssrValue(own)
  }
  sides.push(serverBlock ? sideSsr(serverBlock) : engine)
  const client = property(options, 'client')
  if (client === 'unknown' || (client !== 'absent' && client.type !== 'ObjectExpression')) return unreadable('client')
  if (client !== 'absent') sides.push(sideSsr(client as t.ObjectExpression))
  const clients = property(options, 'clients')
  if (clients !== 'absent') {
    if (clients === 'unknown' || clients.type !== 'ArrayExpression') return unreadable('clients')
    for (const element of clients.elements) {
      const block = element ? unwrap(element) : null
      if (!block || block.type !== 'ObjectExpression') return unreadable('clients')
      sides.push(sideSsr(block))
    }
  }
  if (sides.includes(true)) return { ssr: true }
  if (sides.includes(null)) return { ssr: null, why: 'an `ssr` of its server or clients is not written as a literal' }
  return { ssr: false }
}
