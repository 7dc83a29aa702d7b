/**
 * the import guard by specifier (docs/reference.md "Import guard") for the entries that see one file and not the bundle's graph
 * (Babel, the webpack-style loader under Turbopack): the static imports and re-exports
 * that survive the cut, checked against the guard's matchers. Also the references by a
 * literal that are not imports (`new URL('…', import.meta.url)`), which Vite bundles or copies
 * without asking any plugin's `resolveId`.
 */
import { parseModule } from '../js/parse.js'

/** The source of a static import or re-export that stays at run time (not `import type`), if `node` is one. */
export function runtimeSource(node: any): { value: string; start?: number | null; loc?: unknown } | null {
  const source = node?.source
  if (!source || typeof source.value !== 'string') return null
  if (node.type === 'ImportDeclaration') {
    if (node.importKind === 'type' || node.importKind === 'typeof') return null
    const specifiers = node.specifiers ?? []
    if (specifiers.length && specifiers.every((s: any) => s.importKind === 'type' || s.importKind === 'typeof')) return null
    return source
  }
  if (node.type === 'ExportNamedDeclaration' || node.type === 'ExportAllDeclaration') {
    if (node.exportKind === 'type') return null
    const specifiers = node.specifiers ?? []
    if (specifiers.length && specifiers.every((s: any) => s.exportKind === 'type')) return null
    return source
  }
  return null
}

/**
 * Every quoted string after `from`, a bare `import`, `import(`, `require(` or `new URL(`:
 * candidates only (comments and strings included).
 */
const SPECIFIER = /(?:\bfrom|\bimport|\bimport\s*\(|\brequire\s*\(|\bnew\s+URL\s*\()\s*(['"`])([^'"`\r\n]+)\1/g

/** A module that may build a URL from `import.meta.url` (a bundler's hook filter): candidates only. */
export const NEW_URL = /\bnew\s+URL\s*\(\s*['"`][^'"`\r\n]+['"`]\s*,\s*import\.meta\.url\b/

/** A reference in code to another file by a literal: `import('…')`, `require('…')`, `new URL('…', import.meta.url)`. */
export interface Reference {
  kind: 'import' | 'require' | 'url'
  source: string
  /** the offset of the literal */
  offset: number
}

/** The literal's text: a string, or a template without `${}`. */
function literal(node: any): string | null {
  if (node?.type === 'StringLiteral') return node.value
  if (node?.type === 'TemplateLiteral' && node.expressions.length === 0) return node.quasis[0]?.value.cooked ?? null
  return null
}

const isImportMetaUrl = (node: any) =>
  node?.type === 'MemberExpression' && !node.computed && node.property?.name === 'url' && node.object?.type === 'MetaProperty' && node.object.meta?.name === 'import' && node.object.property?.name === 'meta'

/** The reference `node` makes, if it is one. */
function referenceOf(node: any): Reference | null {
  const first = node.arguments?.[0]
  const source = literal(first)
  if (source === null) return null
  if (node.type === 'NewExpression' && node.callee?.type === 'Identifier' && node.callee.name === 'URL' && isImportMetaUrl(node.arguments[1])) return { kind: 'url', source, offset: first.start }
  if (node.type === 'ImportExpression' || (node.type === 'CallExpression' && node.callee?.type === 'Import')) return { kind: 'import', source, offset: first.start }
  if (node.type === 'CallExpression' && node.callee?.type === 'Identifier' && node.callee.name === 'require') return { kind: 'require', source, offset: first.start }
  return null
}

/** Every reference by a literal in a parsed module, in no particular order. */
function references(ast: unknown): Reference[] {
  const found: Reference[] = []
  const stack: unknown[] = [ast]
  while (stack.length) {
    const node = stack.pop() as any
    if (!node || typeof node !== 'object') continue
    if (Array.isArray(node)) {
      for (const child of node) stack.push(child)
      continue
    }
    if (node.type === 'NewExpression' || node.type === 'CallExpression' || node.type === 'ImportExpression') {
      const reference = referenceOf(node)
      if (reference) found.push(reference)
    }
    for (const key in node) if (key !== 'loc' && key !== 'extra') stack.push(node[key])
  }
  return found
}

const TEXT_URL = /\bnew\s+URL\s*\(\s*(['"`])([^'"`\r\n]+)\1\s*,\s*import\.meta\.url\b/g

/**
 * The files `code` builds a URL to from `import.meta.url`: `new URL('./w.ts', import.meta.url)`,
 * alone or in `new Worker(…)` / `new SharedWorker(…)`, which Vite, webpack and Rspack bundle
 * or copy. A text scan finds candidates; only then is the code parsed, so one in a comment or
 * a string is not taken. A module that does not parse keeps the text's candidates (fail closed).
 */
export function urlReferences(code: string, id: string): Reference[] {
  const candidates: Reference[] = []
  for (const match of code.matchAll(TEXT_URL)) {
    if (match[1] === '`' && match[2].includes('${')) continue
    candidates.push({ kind: 'url', source: match[2], offset: match.index! + match[0].indexOf(match[1]) })
  }
  if (!candidates.length) return candidates
  let ast
  try {
    ast = parseModule(code, id)
  } catch {
    return candidates
  }
  return references(ast)
    .filter((r) => r.kind === 'url')
    .sort((a, b) => a.offset - b.offset)
}

/**
 * The first guarded import that survives in `code` (a module's output), or null: a static
 * import or re-export, then an `import('…')`, a `require('…')` or a `new URL('…', import.meta.url)`
 * (a worker or an asset the bundler builds from it). A text scan finds candidates; only then
 * is the code parsed, so a look-alike in a comment or a string never fails a build and most
 * modules cost no parse.
 */
export function firstGuardedImport(code: string, id: string, guard: (source: string) => string | null): { source: string; rule: string } | null {
  let candidate = false
  for (const match of code.matchAll(SPECIFIER)) {
    if (guard(match[2])) {
      candidate = true
      break
    }
  }
  if (!candidate) return null
  const ast = parseModule(code, id)
  for (const node of ast.program.body) {
    const source = runtimeSource(node)
    const rule = source && guard(source.value)
    if (source && rule) return { source: source.value, rule }
  }
  for (const reference of references(ast.program).sort((a, b) => a.offset - b.offset)) {
    const rule = guard(reference.source)
    if (rule) return { source: reference.source, rule }
  }
  return null
}
