/**
 * The import guard (SPEC 7.2): in the client build, an import that survives
 * cutting and pruning and reaches a server-only module fails the build —
 * naming the importer and the line of the import, the denied module and the
 * rule that denied it, the chain of importers from the entry, and a hint.
 * The mirror (`*.client.*`, `client-only`) guards the server build.
 */
import { readFileSync } from 'node:fs'
import { relative } from 'node:path'
import { codeFrame } from './core/errors.js'
import type { Side } from './types.js'

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

export class GuardError extends Error {
  readonly violation: GuardViolation
  readonly id: string
  readonly loc: { file: string; line: number; column: number }
  readonly frame: string
  readonly code = 'E_GUARD'
  constructor(violation: GuardViolation, root = process.cwd()) {
    super(formatViolation(violation, root))
    this.name = 'ChaincutGuardError'
    this.violation = violation
    this.id = violation.importer
    this.loc = { file: violation.importer, line: violation.line, column: violation.column }
    this.frame = violation.frame
  }
}

const rel = (root: string, file: string) => {
  const r = relative(root, file)
  return r && !r.startsWith('..') ? r : file
}

export function formatViolation(v: GuardViolation, root = process.cwd()): string {
  const kind = v.side === 'client' ? 'server-only' : 'client-only'
  const marker = v.rule.endsWith('marker')
  const lines = [
    marker
      ? `[chaincut] ${rel(root, v.importer)}:${v.line}:${v.column + 1} is marked ${kind} (it imports "${v.source}") but is part of the ${v.side} build — denied by ${v.rule}`
      : `[chaincut] ${rel(root, v.importer)}:${v.line}:${v.column + 1} imports ${kind} module "${v.source}"${v.resolved && v.resolved !== v.source ? ` (${rel(root, v.resolved)})` : ''} into the ${v.side} build — denied by ${v.rule}`,
    v.frame,
  ]
  if (v.chain.length > 1) lines.push(`  imported through: ${v.chain.map((f) => rel(root, f)).join(' → ')}`)
  lines.push(
    v.side === 'client'
      ? '  hint: use it only inside a server-only segment (.loader, .ctx, .handler, …) so chaincut cuts the import, or move the code that needs it into a `.server.ts` module'
      : '  hint: use it only inside a client-only segment (.clientLoader, .page, …) so chaincut cuts the import, or move the code that needs it into a `.client.ts` module',
  )
  return lines.join('\n')
}

/** Where `source` is imported in `code`: the offset of its string literal, or 0. */
export function importPosition(code: string, source: string): { line: number; column: number; offset: number } {
  const quoted = [`'${source}'`, `"${source}"`, `\`${source}\``]
  let offset = -1
  for (const q of quoted) {
    const at = code.indexOf(q)
    if (at !== -1 && (offset === -1 || at < offset)) offset = at
  }
  if (offset === -1) offset = 0
  let line = 1
  let lineStart = 0
  for (let i = code.indexOf('\n'); i !== -1 && i < offset; i = code.indexOf('\n', i + 1)) {
    line++
    lineStart = i + 1
  }
  return { line, column: offset - lineStart, offset }
}

export function violationAt(
  side: Side,
  importer: string,
  source: string,
  resolved: string | null,
  rule: string,
  chain: string[],
  code?: string,
): GuardViolation {
  let text = code
  if (text === undefined) {
    try {
      text = readFileSync(importer.replace(/[?#].*$/, ''), 'utf8')
    } catch {
      text = ''
    }
  }
  const { line, column } = importPosition(text, source)
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
