/**
 * Pruning (docs/reference.md "How it decides"): after the cut, remove the imports and top-level
 * declarations that only the cut code used — and nothing that was already
 * unused before, except imports of guarded (server-only) modules.
 */
import type * as t from '@babel/types'
import type { Edit } from './emit.js'
import { listRemovalRanges, statementRange } from '../util/ranges.js'
import type { Binding, Reference, Unit } from '../js/scope.js'
import type { WalkResult } from '../js/walk.js'

export interface PruneResult {
  edits: Edit[]
  removedImports: Array<{ source: string; names: string[]; start: number }>
  removedDeclarations: Array<{ name: string; start: number }>
}

/** Sorted, non-overlapping ranges with a fast "is this offset inside one" test. */
export class RangeSet {
  private readonly starts: number[] = []
  private readonly ends: number[] = []
  constructor(ranges: Array<[number, number]>) {
    const sorted = [...ranges].filter(([a, b]) => b > a).sort((a, b) => a[0] - b[0] || b[1] - a[1])
    for (const [start, end] of sorted) {
      const last = this.ends.length - 1
      if (last >= 0 && start < this.ends[last]) {
        if (end > this.ends[last]) this.ends[last] = end
        continue
      }
      this.starts.push(start)
      this.ends.push(end)
    }
  }
  get size(): number {
    return this.starts.length
  }
  ranges(): Array<[number, number]> {
    return this.starts.map((start, i) => [start, this.ends[i]])
  }
  has(offset: number): boolean {
    let lo = 0
    let hi = this.starts.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      if (offset < this.starts[mid]) hi = mid - 1
      else if (offset >= this.ends[mid]) lo = mid + 1
      else return true
    }
    return false
  }
}

export interface ModuleReferences {
  /** References that resolve to a module-scope binding, with that binding. */
  refs: Reference[]
  bindings: Binding[]
  byOwner: Map<Unit | null, number[]>
}

/** Resolves every reference once; only module-scope bindings matter for pruning. */
export function moduleReferences(walk: WalkResult): ModuleReferences {
  const names = walk.module.names
  const refs: Reference[] = []
  const bindings: Binding[] = []
  const byOwner = new Map<Unit | null, number[]>()
  if (!names) return { refs, bindings, byOwner }
  // the walk records only references to names declared at the top level
  for (const ref of walk.references) {
    const binding = ref.scope.lookup(ref.name)
    if (!binding || binding.scope !== walk.module) continue
    const index = refs.length
    refs.push(ref)
    bindings.push(binding)
    let list = byOwner.get(ref.owner)
    if (!list) byOwner.set(ref.owner, (list = []))
    list.push(index)
  }
  return { refs, bindings, byOwner }
}

/**
 * Which module-scope bindings are live, given the code removed by `cut` (or none).
 * `conditions`: reference → the names of the destructuring element it sits in (a default
 * value, a computed key); it counts only once one of them is live, since pruning removes the
 * element, and the reference with it, when none is.
 */
export function liveBindings(
  walk: WalkResult,
  mr: ModuleReferences,
  cut: RangeSet | null,
  keptUnits: Unit[] = [],
  conditions?: Map<number, Binding[]>,
): Set<Binding> {
  const live = new Set<Binding>()
  const liveUnits = new Set<Unit>()
  const queue: Unit[] = []
  /** binding → references waiting for it to be live; then `ready` */
  const waiting = new Map<Binding, number[]>()
  const ready: number[] = []
  const mark = (binding: Binding) => {
    if (live.has(binding)) return
    live.add(binding)
    const unit = binding.unit
    if (unit && !liveUnits.has(unit)) {
      liveUnits.add(unit)
      queue.push(unit)
    }
    const deferred = waiting.get(binding)
    if (deferred) {
      waiting.delete(binding)
      ready.push(...deferred)
    }
  }
  const visit = (indices: number[] | undefined, always = false) => {
    if (!indices) return
    for (const i of indices) {
      if (cut && cut.has(mr.refs[i].start)) continue
      const needs = always ? undefined : conditions?.get(i)
      if (needs && !needs.some((b) => live.has(b))) {
        for (const b of needs) {
          let list = waiting.get(b)
          if (!list) waiting.set(b, (list = []))
          list.push(i)
        }
        continue
      }
      mark(mr.bindings[i])
    }
  }
  for (const binding of walk.module.names?.values() ?? []) {
    if (binding.exported || !binding.unit) mark(binding)
  }
  visit(mr.byOwner.get(null))
  // declarations that stay whatever happens (already unused: pruning leaves them) keep what they use
  for (const unit of keptUnits) visit(mr.byOwner.get(unit), true)
  while (queue.length || ready.length) {
    if (ready.length) visit(ready.splice(0), true)
    else visit(mr.byOwner.get(queue.pop()!))
  }
  return live
}

/**
 * The references inside a destructuring element that pruning removes whole when its names die
 * (`const [a = f(), b] = x`, `const { KEY = read() } = env`), with those names. Only elements
 * whose names were all live before the cut: only such names can die, so an element with any
 * other name stays, and so must what it uses.
 */
function elementConditions(walk: WalkResult, mr: ModuleReferences, before: Set<Binding>): Map<number, Binding[]> {
  const conditions = new Map<number, Binding[]>()
  for (const unit of walk.units) {
    if (unit.kind !== 'declarator') continue
    const indices = mr.byOwner.get(unit)
    if (!indices) continue
    const pattern = (unit.node as t.VariableDeclarator).id
    const groups: Array<{ node: t.Node; ids: t.Identifier[] }> = []
    if (pattern.type === 'ArrayPattern') {
      for (const element of pattern.elements) {
        const ids = element ? patternIdentifiers(element) : null
        if (element && ids?.length) groups.push({ node: element, ids })
      }
    } else if (pattern.type === 'ObjectPattern' && !pattern.properties.some((p) => p.type === 'RestElement')) {
      // what `pruneVariables` takes out of an object pattern: `KEY`, `KEY = x`, `k: v`, `k: v = x`
      for (const p of pattern.properties) {
        if (p.type !== 'ObjectProperty') continue
        const value = p.value.type === 'AssignmentPattern' ? p.value.left : p.value
        if (value.type === 'Identifier') groups.push({ node: p, ids: [value] })
      }
    }
    for (const { node, ids } of groups) {
      const bindings = ids.map((id) => unit.bindings.find((b) => b.id === id))
      if (!bindings.every((b): b is Binding => !!b && before.has(b))) continue
      for (const i of indices) {
        const start = mr.refs[i].start
        if (start >= node.start! && start < node.end!) conditions.set(i, bindings as Binding[])
      }
    }
  }
  return conditions
}

/**
 * "Already unused" (left alone by pruning): declarations no reference reaches from outside their own code in the
 * original module. Such a declaration is never touched, so it stays, and what it uses (outside cuts) too.
 */
export function stayingUnits(walk: WalkResult, mr: ModuleReferences): Unit[] {
  const referenced = new Set<Binding>()
  for (let i = 0; i < mr.refs.length; i++) {
    const binding = mr.bindings[i]
    if (mr.refs[i].owner !== binding.unit) referenced.add(binding)
  }
  return walk.units.filter((u) => u.kind !== 'import' && u.bindings.some((b) => !referenced.has(b)))
}

export function prune(
  code: string,
  walk: WalkResult,
  mr: ModuleReferences,
  cut: RangeSet,
  isGuarded: (source: string) => string | null,
  comments: ReadonlyArray<t.Comment>,
): PruneResult {
  const result: PruneResult = { edits: [], removedImports: [], removedDeclarations: [] }
  const staying = stayingUnits(walk, mr)
  // a name goes when it was in use before the cut and is not after it (also through chains of helpers)
  const before = liveBindings(walk, mr, null, staying)
  const after = cut.size ? liveBindings(walk, mr, cut, staying, elementConditions(walk, mr, before)) : before
  const guardCache = new Map<string, boolean>()
  const guarded = (source: string) => {
    let hit = guardCache.get(source)
    if (hit === undefined) guardCache.set(source, (hit = isGuarded(source) !== null))
    return hit
  }

  /** Only what the cut made unreferenced goes; guarded imports go even if unused before. */
  const dies = (binding: Binding, statement: t.Node) => {
    if (after.has(binding)) return false
    if (before.has(binding)) return true
    return statement.type === 'ImportDeclaration' && guarded(statement.source.value)
  }

  // group units by statement, in source order
  const byStatement = new Map<t.Node, Unit[]>()
  for (const unit of walk.units) {
    let list = byStatement.get(unit.statement)
    if (!list) byStatement.set(unit.statement, (list = []))
    list.push(unit)
  }
  const statements = [...byStatement.keys()].sort((a, b) => a.start! - b.start!)
  for (const statement of statements) {
    const units = byStatement.get(statement)!
    if (statement.type === 'ImportDeclaration') pruneImport(code, statement, units, dies, result, comments)
    else if (statement.type === 'VariableDeclaration') pruneVariables(code, statement, units, dies, result, comments)
    else {
      const unit = units[0]
      if (unit.bindings.length && unit.bindings.every((b) => dies(b, statement))) {
        removeStatement(code, statement, result, comments)
        result.removedDeclarations.push({ name: unit.bindings[0].name, start: statement.start! })
      }
    }
  }
  return result
}

function removeStatement(code: string, statement: t.Node, result: PruneResult, comments: ReadonlyArray<t.Comment>) {
  // never reach back into the previous statement's text
  const floor = previousEnd(code, statement.start!, comments)
  // an import's comments stay: the file's header and pragmas sit above the first import
  const [start, end] = statementRange(code, statement, floor, statement.type === 'ImportDeclaration' ? null : comments)
  result.edits.push({ start, end, text: '', kind: 'prune' })
}

/** The end of the code before `offset`: back over whitespace and comments (exact, from the parser's comment list). */
function previousEnd(code: string, offset: number, comments: ReadonlyArray<t.Comment>): number {
  let i = offset
  for (;;) {
    while (i > 0 && /\s/.test(code[i - 1])) i--
    // a comment ending here? (binary search on the sorted list)
    let lo = 0
    let hi = comments.length - 1
    let found: t.Comment | null = null
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const end = comments[mid].end!
      if (end === i) {
        found = comments[mid]
        break
      }
      if (end < i) lo = mid + 1
      else hi = mid - 1
    }
    if (!found) return i
    i = found.start!
  }
}

function specifierText(code: string, node: t.Node) {
  return code.slice(node.start!, node.end!)
}

function pruneImport(
  code: string,
  statement: t.ImportDeclaration,
  units: Unit[],
  dies: (b: Binding, s: t.Node) => boolean,
  result: PruneResult,
  comments: ReadonlyArray<t.Comment>,
) {
  const dead = new Set<t.Node>()
  for (const unit of units) if (dies(unit.bindings[0], statement)) dead.add(unit.node)
  if (!dead.size) return
  result.removedImports.push({
    source: statement.source.value,
    names: [...dead].map((n) => (n as t.ImportSpecifier).local.name),
    start: statement.start!,
  })
  const kept = statement.specifiers.filter((s) => !dead.has(s))
  if (!kept.length) {
    removeStatement(code, statement, result, comments)
    return
  }
  const def = kept.find((s) => s.type === 'ImportDefaultSpecifier')
  const ns = kept.find((s) => s.type === 'ImportNamespaceSpecifier')
  const named = kept.filter((s): s is t.ImportSpecifier => s.type === 'ImportSpecifier')
  // only type specifiers left: keep them as a type import, which no bundler loads
  const typeOnly = !def && !ns && named.every((s) => s.importKind === 'type' || s.importKind === 'typeof')
  const parts: string[] = []
  if (def) parts.push(specifierText(code, def))
  if (ns) parts.push(specifierText(code, ns))
  if (named.length) {
    const texts = named.map((s) => (typeOnly ? specifierText(code, s).replace(/^type\s+/, '') : specifierText(code, s)))
    parts.push(`{ ${texts.join(', ')} }`)
  }
  const text = `import ${typeOnly ? 'type ' : ''}${parts.join(', ')} from ${code.slice(statement.source.start!, statement.end!)}`
  result.edits.push({ start: statement.start!, end: statement.end!, text, kind: 'prune' })
}

function pruneVariables(
  code: string,
  statement: t.VariableDeclaration,
  units: Unit[],
  dies: (b: Binding, s: t.Node) => boolean,
  result: PruneResult,
  comments: ReadonlyArray<t.Comment>,
) {
  const declarators = statement.declarations
  const removeDeclarator: boolean[] = declarators.map(() => false)
  const partial: Edit[] = []
  for (const unit of units) {
    const index = declarators.indexOf(unit.node as t.VariableDeclarator)
    if (index === -1 || !unit.bindings.length) continue
    const dying = unit.bindings.filter((b) => dies(b, statement))
    if (!dying.length) continue
    // the declarator goes when every name in it dies; a name that was already unused stays
    if (unit.bindings.every((b) => dies(b, statement))) {
      removeDeclarator[index] = true
      for (const b of dying) result.removedDeclarations.push({ name: b.name, start: b.id.start! })
      continue
    }
    // `const { KEY, URL } = process.env` drops only the dead names
    const pattern = (unit.node as t.VariableDeclarator).id
    if (pattern.type === 'ArrayPattern') {
      pruneArrayPattern(code, pattern, dying, partial, result)
      continue
    }
    if (pattern.type !== 'ObjectPattern' || pattern.properties.some((p) => p.type === 'RestElement')) continue
    const remove = pattern.properties.map((p) => {
      if (p.type !== 'ObjectProperty') return false
      const value = p.value.type === 'AssignmentPattern' ? p.value.left : p.value
      return value.type === 'Identifier' && dying.some((b) => b.id === value)
    })
    if (!remove.some(Boolean)) continue
    for (const [start, end] of listRemovalRanges(code, pattern.properties, remove, pattern.end! - 1)) {
      partial.push({ start, end, text: '', kind: 'prune' })
    }
    for (const b of dying) if (remove[pattern.properties.findIndex((p) => p.type === 'ObjectProperty' && (p.value === b.id || (p.value.type === 'AssignmentPattern' && p.value.left === b.id)))]) result.removedDeclarations.push({ name: b.name, start: b.id.start! })
  }
  if (removeDeclarator.every(Boolean)) {
    removeStatement(code, statement, result, comments)
    return
  }
  if (removeDeclarator.some(Boolean)) {
    const last = declarators[declarators.length - 1]
    for (const [start, end] of listRemovalRanges(code, declarators, removeDeclarator, last.end!, false)) {
      result.edits.push({ start, end, text: '', kind: 'prune' })
    }
  }
  for (const edit of partial) result.edits.push(edit)
}

/**
 * For `const [a, b] = x`: an element whose names all die goes. Before the last kept
 * element its hole stays, so the kept names keep their positions (`const [, b] = x`); after
 * it, everything goes, holes too (`const [a] = x`).
 */
function pruneArrayPattern(code: string, pattern: t.ArrayPattern, dying: Binding[], edits: Edit[], result: PruneResult) {
  const elements = pattern.elements
  const removed = elements.map((element) => {
    if (!element) return null
    const ids = patternIdentifiers(element)
    const bindings = ids?.map((id) => dying.find((b) => b.id === id))
    return bindings?.length && bindings.every(Boolean) ? (bindings as Binding[]) : null
  })
  let lastKept = -1
  for (let i = 0; i < elements.length; i++) if (elements[i] && !removed[i]) lastKept = i
  // nothing stays: the declarator goes whole (the caller's case); nothing dies: nothing to do
  if (lastKept === -1 || !removed.some(Boolean)) return
  for (let i = 0; i < lastKept; i++) {
    const element = elements[i]
    if (element && removed[i]) edits.push({ start: element.start!, end: element.end!, text: '', kind: 'prune' })
  }
  const tail = elements.slice(lastKept + 1)
  if (tail.some((_, k) => removed[lastKept + 1 + k])) {
    // the closing bracket, before a type annotation (`[a, b]: [A, B]`)
    const close = pattern.typeAnnotation ? code.lastIndexOf(']', pattern.typeAnnotation.start!) : pattern.end! - 1
    const kept = elements[lastKept]!
    if (tail.every(Boolean) && /[\n\r\u2028\u2029]/.test(code.slice(kept.end!, close))) {
      // one element a line: the list machinery of object patterns (each element takes its line)
      const items = [kept, ...(tail as t.Node[])]
      for (const [start, end] of listRemovalRanges(code, items, items.map((_, k) => k > 0), close)) edits.push({ start, end, text: '', kind: 'prune' })
    } else {
      // on one line, or holes among them: everything from the last kept element to the bracket
      edits.push({ start: kept.end!, end: close, text: '', kind: 'prune' })
    }
  }
  for (let i = 0; i < elements.length; i++) {
    for (const b of removed[i] ?? []) result.removedDeclarations.push({ name: b.name, start: b.id.start! })
  }
}

/** The names a destructuring target declares, or null for a target this pruning does not take apart. */
function patternIdentifiers(node: t.Node, out: t.Identifier[] = []): t.Identifier[] | null {
  switch (node.type) {
    case 'Identifier':
      out.push(node)
      return out
    case 'AssignmentPattern':
      return patternIdentifiers(node.left, out)
    case 'RestElement':
      return patternIdentifiers(node.argument, out)
    case 'ArrayPattern':
      for (const element of node.elements) if (element && !patternIdentifiers(element, out)) return null
      return out
    case 'ObjectPattern':
      for (const property of node.properties) {
        if (!patternIdentifiers(property.type === 'RestElement' ? property : property.value, out)) return null
      }
      return out
    default:
      return null
  }
}
