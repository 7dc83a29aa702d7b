/**
 * The import guard (README "Import guard"): in the client build, an import that survives
 * cutting and pruning and reaches a server-only module fails the build —
 * naming the importer and the line of the import, the denied module and the
 * rule that denied it, the chain of importers from the entry, and a hint.
 * The mirror (`*.client.*`, `client-only`) guards the server build.
 */
import { readFileSync } from 'node:fs'
import picomatch from 'picomatch'
import { ChaincutBaseError, displayPath } from './core/errors.js'
import { FINDINGS } from './core/findings.js'
import { codeFrame } from './core/lines.js'
import { isRegExp } from './core/options.js'
import type { Resolver, ServerOnlyPattern, Side } from './types.js'

/** Whether a module is guarded: the rule that matched, or null. */
export type GuardMatcher = ((source: string) => string | null) & {
  /**
   * A RegExp that every id this matcher can match also matches (queries included),
   * for a bundler's hook filter; null when a custom glob or RegExp cannot be prefiltered.
   */
  readonly pathFilter: RegExp | null
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')

/**
 * README "Import guard": a module is server-only when its path matches `*.server.*` or sits
 * in a `.server/` folder, or it matches a `serverOnly` pattern (a package
 * name, a glob or a RegExp). Returns the rule that matched, or null.
 *
 * The one compiled matcher set: the plugin's `resolveId`, `load` and webpack
 * `afterResolve` checks, esbuild's `onResolve`, pruning and the CLI all use it.
 */
const SERVER_ENTRIES = ['tailorkit/server', '@tailorkit/core/server', '@tailorkit/app/server'].map((specifier) => ({
  specifier,
  label: `TailorKit's server entry (${specifier})`,
}))

export function guardMatcher(kind: 'server' | 'client', patterns: ServerOnlyPattern | ServerOnlyPattern[] = []): GuardMatcher {
  const suffix = new RegExp(`(^|[\\\\/])[^\\\\/]*\\.${kind}(\\.[^\\\\/]*)?$`)
  const folder = new RegExp(`(^|[\\\\/])\\.${kind}[\\\\/]`)
  const marker = kind === 'server' ? ['server-only', '@point0/core/server-only'] : ['client-only']
  // the server halves of the frameworks: handlers as plain functions, never for the browser
  const entries = kind === 'server' ? SERVER_ENTRIES : []
  // what a prefilter must let through: the path rules (`.server` then a dot, a slash or the end), the markers, package names
  const prefilter = [`\\.${kind}\\b`, ...marker.map((m) => `^${escapeRegExp(m)}(?:[?#]|$)`), ...entries.map((e) => `^${escapeRegExp(e.specifier)}(?:[/?#]|$)`)]
  let exact = true
  const custom = [patterns].flat().map((pattern) => {
    if (isRegExp(pattern)) {
      exact = false
      // `test` on a `g` or `y` RegExp starts at the `lastIndex` the previous match left: a copy without them
      const re = /[gy]/.test(pattern.flags) ? new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')) : pattern
      return { test: (s: string) => re.test(s), label: String(pattern) }
    }
    if (/[*?{}[\]!]/.test(pattern)) {
      exact = false
      const glob = picomatch(pattern, { dot: true })
      return { test: (s: string) => glob(s), label: pattern }
    }
    // a package name matches itself and its subpaths
    prefilter.push(`^${escapeRegExp(pattern)}(?:[/?#]|$)`)
    return { test: (s: string) => s === pattern || s.startsWith(pattern + '/'), label: pattern }
  })
  const match = (source: string) => {
    const clean = source.replace(/[?#].*$/, '')
    if (marker.includes(clean)) return `the "${clean}" marker`
    for (const entry of entries) if (clean === entry.specifier || clean.startsWith(entry.specifier + '/')) return entry.label
    if (suffix.test(clean)) return `*.${kind}.* file`
    if (folder.test(clean)) return `.${kind}/ folder`
    for (const rule of custom) if (rule.test(clean)) return `${kind}Only pattern ${rule.label}`
    return null
  }
  return Object.assign(match, { pathFilter: exact ? new RegExp(prefilter.join('|')) : null })
}

/**
 * One prefilter for ids that any of these matchers may match (a bundler's `load`
 * filter, the webpack `afterResolve` check), or null: every id must be checked.
 */
export function guardPrefilter(...matchers: Array<(source: string) => string | null>): RegExp | null {
  const filters = matchers.map((m) => (m as Partial<GuardMatcher>).pathFilter ?? null)
  if (filters.some((f) => f === null)) return null
  return new RegExp(filters.map((f) => f!.source).join('|'))
}

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
 */
export class GuardError extends ChaincutBaseError {
  readonly violation: GuardViolation
  readonly id: string
  readonly loc: { file: string; line: number; column: number }
  readonly frame: string
  readonly code = 'E_GUARD'
  constructor(violation: GuardViolation, root = process.cwd(), { frameInMessage = true }: { frameInMessage?: boolean } = {}) {
    super(formatViolation(frameInMessage ? violation : { ...violation, frame: '' }, root))
    this.name = 'ChaincutGuardError'
    this.violation = violation
    this.id = violation.importer
    this.loc = { file: violation.importer, line: violation.line, column: violation.column + 1 }
    this.frame = violation.frame
  }
}

const rel = (root: string, file: string) => displayPath(file, root)

/** The violation as text: the importer's path relative to `root`, 1-based line:column, then the frame (if any), the chain and a hint. */
export function formatViolation(v: GuardViolation, root = process.cwd()): string {
  const kind = v.side === 'client' ? 'server-only' : 'client-only'
  const marker = v.rule.endsWith('marker')
  const lines = [
    marker
      ? `[chaincut] ${rel(root, v.importer)}:${v.line}:${v.column + 1} is marked ${kind} (it imports "${v.source}") but is part of the ${v.side} build — denied by ${v.rule}`
      : `[chaincut] ${rel(root, v.importer)}:${v.line}:${v.column + 1} imports ${kind} module "${v.source}"${v.resolved && v.resolved !== v.source ? ` (${rel(root, v.resolved)})` : ''} into the ${v.side} build — denied by ${v.rule}`,
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

const clean = (id: string) => id.replace(/[?#].*$/, '')

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
