/**
 * The house rules a reader relies on, checked: no function over about 150 lines unless
 * docs/ARCHITECTURE.md ("Long functions") names it and says why. (The layers — no cycle, no
 * upward import — are checked by dependency-cruiser before the tests: `npm run check:layers`.)
 */
import { readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { parse } from '@babel/parser'
import { globSync } from 'tinyglobby'
import { describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '..')
const LIMIT = 150

function longFunctions(): string[] {
  const found: string[] = []
  for (const file of globSync(['src/**/*.ts'], { cwd: ROOT, absolute: true }).sort()) {
    const ast = parse(readFileSync(file, 'utf8'), { sourceType: 'module', plugins: ['typescript'] })
    const visit = (node: any, name: string) => {
      if (!node || typeof node !== 'object') return
      if (Array.isArray(node)) return node.forEach((child) => visit(child, name))
      if (/Function|Method/.test(node.type) && node.body && node.loc) {
        const lines = node.loc.end.line - node.loc.start.line + 1
        const own = node.id?.name ?? node.key?.name ?? name
        if (lines > LIMIT) found.push(`${relative(ROOT, file)}:${own}`)
      }
      const next = node.type === 'VariableDeclarator' && node.id?.type === 'Identifier' ? node.id.name : node.type === 'ObjectProperty' && node.key?.name ? node.key.name : name
      for (const key of Object.keys(node)) if (key !== 'loc' && node[key] && typeof node[key] === 'object') visit(node[key], next)
    }
    visit(ast.program, '(anonymous)')
  }
  return found
}

/** `file:function` entries of docs/ARCHITECTURE.md's "Long functions" section, each with its reason. */
function allowed(): string[] {
  const doc = readFileSync(join(ROOT, 'docs/ARCHITECTURE.md'), 'utf8')
  const section = /## Long functions\n([^]*?)(?=\n## |$)/.exec(doc)?.[1] ?? ''
  return [...section.matchAll(/^- `([^`]+:[^`]+)`: \S/gm)].map((m) => m[1])
}

describe('the house', () => {
  it(`has no function over ${LIMIT} lines that docs/ARCHITECTURE.md does not name with a reason`, () => {
    const long = longFunctions()
    const named = allowed()
    expect(long.filter((f) => !named.includes(f)), 'long functions not named in docs/ARCHITECTURE.md "Long functions"').toEqual([])
    // an entry whose function got short is taken out of the document
    expect(named.filter((f) => !long.includes(f)), 'entries of "Long functions" that are no longer long').toEqual([])
  })
})
