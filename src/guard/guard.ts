/**
 * The import guard (docs/reference.md "Import guard"): in the client build, an import that survives
 * cutting and pruning and reaches a server-only module fails the build —
 * naming the importer and the line of the import, the denied module and the
 * rule that denied it, the chain of importers from the entry, and a hint.
 * The mirror (`*.client.*`, `client-only`) guards the server build.
 */
import { readFileSync } from 'node:fs'
import { ChaincutBaseError, displayPath } from '../findings/errors.js'
import { FINDINGS } from '../findings/catalog.js'
import { codeFrame } from '../util/lines.js'
import type { Resolver, ServerOnlyPattern, Side } from '../types.js'
import { stripQuery } from '../util/ids.js'

export interface GuardViolation {
  side: Side
  importer: string
  source: string
  resolved: string | null
  rule: string
  line: number
  column: number
  frame: string
  chain: string[]
}

/**
 * A guard violation as the bundlers read an error: `id`, `loc` (1-based line and column,
 * as the message says them) and `frame`. `frameInMessage: false` for the bundlers that
 * print `frame` themselves (Vite, Rollup, Rolldown), so the frame shows once.
 * `columnInMessage: false` where the bundler states the place itself in another convention
 * (Vite's dev server: its import analysis reports the import at a 0-based column), so the
 * message never contradicts it.
 */
export class GuardError extends ChaincutBaseError {
  readonly violation: GuardViolation
  readonly id: string
  readonly loc: { file: string; line: number; column: number }
  readonly frame: string
  readonly code = 'E_GUARD'
  constructor(violation: GuardViolation, root = process.cwd(), { frameInMessage = true, columnInMessage = true }: { frameInMessage?: boolean; columnInMessage?: boolean } = {}) {
    super(formatViolation(frameInMessage ? violation : { ...violation, frame: '' }, root, { column: columnInMessage }))
    this.name = 'ChaincutGuardError'
    this.violation = violation
    this.id = violation.importer
    this.loc = { file: violation.importer, line: violation.line, column: violation.column + 1 }
    this.frame = violation.frame
  }
}

const rel = (root: string, file: string) => displayPath(file, root)

/** The violation as text: the importer's path relative to `root`, 1-based line:column, then the frame (if any), the chain and a hint. */
export function formatViolation(v: GuardViolation, root = process.cwd(), { column = true }: { column?: boolean } = {}): string {
  const kind = v.side === 'client' ? 'server-only' : 'client-only'
  const place = column ? `${v.line}:${v.column + 1}` : `${v.line}`
  const marker = v.rule.endsWith('marker')
  const lines = [
    marker
      ? `[chaincut] E_GUARD ${rel(root, v.importer)}:${place} is marked ${kind} (it imports "${v.source}") but is part of the ${v.side} build — denied by ${v.rule}`
      : `[chaincut] E_GUARD ${rel(root, v.importer)}:${place} imports ${kind} module "${v.source}"${v.resolved && v.resolved !== v.source ? ` (${rel(root, v.resolved)})` : ''} into the ${v.side} build — denied by ${v.rule}`,
  ]
  if (v.frame) lines.push(v.frame)
  if (v.chain.length > 1) lines.push(`  imported through: ${v.chain.map((f) => rel(root, f)).join(' → ')}`)
  lines.push(`  hint: ${FINDINGS.E_GUARD.hint(v)}`)
  return lines.join('\n')
}

/** Where `source` is imported in `code`: the offset of its string literal, or 0. */
export function importPosition(code: string, source: string): { line: number; column: number; offset: number; found: boolean } {
  const quoted = [`'${source}'`, `"${source}"`, `\`${source}\``]
  let offset = -1
  for (const q of quoted) {
    const at = code.indexOf(q)
    if (at !== -1 && (offset === -1 || at < offset)) offset = at
  }
  const found = offset !== -1
  if (!found) offset = 0
  return { ...positionAt(code, offset), offset, found }
}

/** The 1-based line and 0-based column of `offset` in `code`. */
export function positionAt(code: string, offset: number): { line: number; column: number } {
  let line = 1
  let lineStart = 0
  for (let i = code.indexOf('\n'); i !== -1 && i < offset; i = code.indexOf('\n', i + 1)) {
    line++
    lineStart = i + 1
  }
  return { line, column: offset - lineStart }
}

/** Every specifier a module imports (static, re-export, dynamic with a literal, `require`): a text scan, candidates only. */
const IMPORTED = /(?:\bfrom|\bimport|\bimport\s*\(|\brequire\s*\()\s*(['"`])([^'"`\r\n]+)\1/g

const clean = stripQuery

/**
 * The import as the importer wrote it. A bundler alias (Vite's `resolve.alias`, tsconfig
 * `paths` through a resolver plugin) hands the guard the rewritten specifier or the
 * resolved file; the specifier whose resolution is that file is the one in the code.
 * `resolved` is the guarded file when known. Nothing found: `source` as given.
 */
export async function writtenImport(
  code: string,
  importer: string,
  source: string,
  resolved: string | null,
  resolve: Resolver,
): Promise<{ source: string; resolved: string | null }> {
  if (!code || importPosition(code, source).found) return { source, resolved }
  const target = clean(resolved ?? (await safely(resolve, source, importer)) ?? source)
  const seen = new Set<string>()
  for (const match of code.matchAll(IMPORTED)) {
    const candidate = match[2]
    if (seen.has(candidate)) continue
    seen.add(candidate)
    const file = await safely(resolve, candidate, importer)
    if (file && clean(file) === target) return { source: candidate, resolved: target }
  }
  return { source, resolved }
}

async function safely(resolve: Resolver, source: string, importer: string): Promise<string | null> {
  try {
    return (await resolve(source, importer)) ?? null
  } catch {
    return null
  }
}

/** The importer's text as on disk, or '' (a virtual module). */
export function readImporter(importer: string): string {
  try {
    return readFileSync(clean(importer), 'utf8')
  } catch {
    return ''
  }
}

export function violationAt(
  side: Side,
  importer: string,
  source: string,
  resolved: string | null,
  rule: string,
  chain: string[],
  code?: string,
  at?: { line: number; column: number },
): GuardViolation {
  const text = code ?? readImporter(importer)
  // `at`: where the bundler says the reference is (a `require.context`, a glob): no literal names the file
  const { line, column } = at ?? importPosition(text, source)
  return { side, importer, source, resolved, rule, line, column, frame: text ? codeFrame(text, { line, column }) : '', chain }
}

/** The importers from an entry down to `id`, through the bundler's module graph. */
export function importerChain(getModuleInfo: ((id: string) => { importers?: readonly string[]; dynamicImporters?: readonly string[]; isEntry?: boolean } | null) | undefined, id: string): string[] {
  if (!getModuleInfo) return [id]
  const seen = new Set<string>([id])
  const previous = new Map<string, string>()
  let queue = [id]
  while (queue.length) {
    const next: string[] = []
    for (const current of queue) {
      const info = getModuleInfo(current)
      if (!info) continue
      if (info.isEntry && current !== id) {
        const chain = [current]
        for (let at = previous.get(current); at; at = previous.get(at)) chain.push(at)
        return chain
      }
      for (const importer of [...(info.importers ?? []), ...(info.dynamicImporters ?? [])]) {
        if (seen.has(importer)) continue
        seen.add(importer)
        previous.set(importer, current)
        next.push(importer)
      }
    }
    queue = next
  }
  return [id]
}
