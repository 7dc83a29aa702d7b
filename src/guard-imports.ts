/**
 * the import guard by specifier (README "Import guard") for the entries that see one file and not the bundle's graph
 * (Babel, the webpack-style loader under Turbopack): the static imports and re-exports
 * that survive the cut, checked against the guard's matchers.
 */
import { parseModule } from './core/parse.js'

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

/** Every quoted string after `from` or a bare `import`: candidates only (comments and strings included). */
const SPECIFIER = /(?:\bfrom|\bimport)\s*(['"])([^'"\r\n]+)\1/g

/**
 * The first guarded import that survives in `code` (a module's output), or null. A text
 * scan finds candidates; only then is the code parsed, so a look-alike in a comment or a
 * string never fails a build and most modules cost no parse.
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
  for (const node of parseModule(code, id).program.body) {
    const source = runtimeSource(node)
    const rule = source && guard(source.value)
    if (source && rule) return { source: source.value, rule }
  }
  return null
}
