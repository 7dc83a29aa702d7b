/**
 * The fast walk's reference resolution, checked against @babel/traverse's
 * scope analysis (the oracle): for every module-scope binding, the offsets of
 * the identifiers that refer to it must be the same.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from '@babel/parser'
import _traverse, { type NodePath } from '@babel/traverse'
import type * as t from '@babel/types'
import { describe, expect, it } from 'vitest'
import { walk } from '../src/js/walk.js'
import { parseModule } from '../src/js/parse.js'
import { FIXTURES, ROOT } from './helpers.js'

// Babel's CommonJS default export under ESM: the one shim
const traverse = ((_traverse as any).default ?? _traverse) as typeof _traverse

const WALK = { segmentNames: new Set<string>(), pointMembers: new Set<string>(), containerNames: new Set<string>() }

function isInPureType(path: NodePath): boolean {
  for (let p: NodePath | null = path.parentPath; p; p = p.parentPath) {
    if (p.isTSTypeQuery()) return true // compared separately: Babel is not consistent about these
    if (p.node.type.startsWith('TS') && (p.isTSType() || p.isTSTypeAnnotation() || p.isTSInterfaceDeclaration() || p.isTSTypeAliasDeclaration() || p.isTSTypeParameterInstantiation() || p.isTSExpressionWithTypeArguments() || p.isTSDeclareFunction() || p.isTSTypeParameterDeclaration())) return true
    if (p.isStatement()) return false
  }
  return false
}

function oracle(code: string, id: string): Map<string, number[]> {
  const ast = parseModule(code, id)
  const out = new Map<string, number[]>()
  traverse(ast, {
    Program(path) {
      for (const [name, binding] of Object.entries(path.scope.bindings)) {
        if ((binding.path.node as any).importKind === 'type' || (binding.path.parentPath?.node as any)?.importKind === 'type') continue
        const offsets: number[] = []
        for (const ref of binding.referencePaths) {
          if (ref.node === binding.identifier || ref.isExportDeclaration()) continue // Babel lists `export const x` as a reference to x
          if (ref.parentPath?.isJSXClosingElement() || ref.findParent((p) => p.isJSXClosingElement())) continue
          if (isInPureType(ref)) continue
          offsets.push(ref.node.start!)
        }
        for (const violation of binding.constantViolations) {
          if (violation.isAssignmentExpression() || violation.isUpdateExpression() || violation.isForXStatement()) {
            const target = violation.isUpdateExpression() ? violation.get('argument') : violation.get('left')
            for (const idNode of Object.values((target as NodePath).getBindingIdentifiers(true) as Record<string, t.Identifier[]>).flat()) {
              if (idNode.name === name) offsets.push(idNode.start!)
            }
          }
        }
        // a read-write (`x++`) is both a reference and a violation in Babel: one use here
        out.set(name, [...new Set(offsets)].sort((a, b) => a - b))
      }
      path.stop()
    },
  })
  return out
}

/** docs/reference.md "How it decides", pruning counts \`typeof x\` in a type as a use; Babel does not: those are left out of the comparison. */
function typeQueryRanges(ast: t.File): Array<[number, number]> {
  const ranges: Array<[number, number]> = []
  traverse(ast, { TSTypeQuery(path) { ranges.push([path.node.start!, path.node.end!]) } })
  return ranges
}

function mine(code: string, id: string): Map<string, number[]> {
  const ast = parseModule(code, id)
  const typeQueries = typeQueryRanges(parseModule(code, id))
  const result = walk(ast, WALK)
  const out = new Map<string, number[]>()
  for (const [name, binding] of result.module.names ?? []) {
    if (binding.kind === 'other' && binding.unit === null && binding.init === null && binding.importSource === null) {
      // TS namespace/import-equals: Babel tracks these differently; checked by fixtures instead
    }
    out.set(name, [])
  }
  for (const ref of result.references) {
    const binding = ref.scope.lookup(ref.name)
    if (typeQueries.some(([a, b]) => ref.start >= a && ref.start < b)) continue
    if (binding && binding.scope === result.module) out.get(ref.name)!.push(ref.start)
  }
  for (const list of out.values()) list.sort((a, b) => a - b)
  return out
}

function compare(code: string, id: string) {
  const expected = oracle(code, id)
  const actual = mine(code, id)
  for (const [name, offsets] of expected) {
    expect(actual.get(name) ?? [], `${id}: references to \`${name}\``).toEqual(offsets)
  }
}

function collect(dir: string, filter: RegExp, limit = Infinity): string[] {
  const files: string[] = []
  const visit = (d: string) => {
    for (const entry of readdirSync(d).sort()) {
      if (files.length >= limit) return
      const full = join(d, entry)
      if (statSync(full).isDirectory()) visit(full)
      else if (filter.test(entry)) files.push(full)
    }
  }
  visit(dir)
  return files
}

const SHADOWING = `
import { a, b, c, d, e, f, g, h, Comp, Other, type T } from 'x'
import def, * as ns from 'y'
let counter = 0
var hoisted = 1
function outer(a) { return a + b }
const arrow = (c = d) => { const e = c; return e + f }
class K extends g { [h] = 1; method(g) { return g + counter++ } static { hoisted = 2 } }
try { a() } catch (e) { e + b }
for (const f of [1]) f
for (let i = 0, g = i; i < 3; i++) g
label: { break label }
switch (a) { case 1: { let b = 2; b } }
const obj = { a, [b]: c, d: e, f() { return f }, get g() { return ns.h } }
;({ a: counter, ...hoisted } = obj)
;[counter, hoisted] = [1, 2]
const jsx = null
export { def as renamed, outer }
export default function (x: T): typeof a { return x }
function later() { return later2() }
function later2() { return later() + (typeof hoisted) }
const { p, q: [r = counter] } = obj
if (a) { function blocky() { return blocky } }
const fnExpr = function named() { return named }
const classExpr = class Named { m() { return Named } }
enum Color { Red, Green = Red + 1 }
namespace N { export const z = a }
let shadowUse = ((d) => d)(e)
`

describe('scope oracle: the fast walk resolves what @babel/traverse resolves', () => {
  it('agrees on a module built to exercise shadowing, hoisting and patterns', () => {
    compare(SHADOWING, '/virtual/shadowing.ts')
  })

  it('agrees on JSX components and intrinsic tags', () => {
    compare(
      `import { Panel, Item, lower } from './ui'\nconst ui = { Item }\nexport const view = () => <Panel title={lower}><ui.Item /><div /><Item>{Panel.name}</Item></Panel>\n`,
      '/virtual/view.tsx',
    )
  })

  const fixtureInputs = collect(FIXTURES, /^input\.[cm]?[jt]sx?$/)
  it(`agrees on all ${fixtureInputs.length} fixture inputs that parse`, () => {
    let checked = 0
    for (const file of fixtureInputs) {
      const code = readFileSync(file, 'utf8')
      try {
        parseModule(code, file)
      } catch {
        continue
      }
      compare(code, file)
      checked++
    }
    expect(checked).toBeGreaterThan(30)
  })

  const real = [
    ...collect(join(ROOT, 'node_modules/vite/dist/node'), /\.js$/, 6),
    ...collect(join(ROOT, 'node_modules/webpack/lib/optimize'), /\.js$/, 20),
    ...collect(join(ROOT, 'node_modules/magic-string/dist'), /\.mjs$/, 2),
    ...collect(join(ROOT, 'node_modules/@babel/parser/lib'), /\.js$/, 1),
    ...collect(join(ROOT, 'src'), /\.ts$/),
  ]
  it(`agrees on ${real.length} real files no one here wrote (and our own source)`, () => {
    for (const file of real) compare(readFileSync(file, 'utf8'), file)
    expect(real.length).toBeGreaterThan(10)
  })
})

describe('the visitor keys chaincut walks by', () => {
  it('are the installed @babel/types VISITOR_KEYS (node scripts/visitor-keys.mjs writes them)', async () => {
    const { VISITOR_KEYS: installed } = await import('@babel/types')
    const { VISITOR_KEYS: ours } = await import('../src/js/visitor-keys.js')
    expect(ours).toEqual(JSON.parse(JSON.stringify(installed)))
  })
})
