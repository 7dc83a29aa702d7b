import { isAbsolute, relative } from 'node:path'
import type { Finding } from '../types.js'
import { describe } from './catalog.js'

/**
 * What every chaincut error is: an `Error` with a finding code (`findings/catalog.ts`) —
 * `ChaincutError` (a module's findings), `ChaincutOptionsError` (`E_OPTIONS`), the import
 * guard's `GuardError` (`E_GUARD`).
 */
export abstract class ChaincutBaseError extends Error {
  abstract readonly code: string
}

/**
 * An error that stops the build, carrying the findings that caused it. Its message says
 * each finding's path relative to the working folder and 1-based line:column, as editors
 * show them (`formatFindings`); the plugin says them relative to the bundler's root.
 */
export class ChaincutError extends ChaincutBaseError {
  readonly findings: Finding[]
  readonly id: string
  /** Rollup/Vite read these to point at the source: the first finding, 1-based line and column as in the message. */
  readonly loc?: { file: string; line: number; column: number }
  readonly frame?: string
  readonly code: string
  constructor(id: string, findings: Finding[]) {
    const first = findings[0]
    super(formatFindings(findings))
    this.name = 'ChaincutError'
    this.id = id
    this.findings = findings
    this.code = first?.code ?? 'E_CHAINCUT'
    if (first) {
      this.loc = { file: first.file, line: first.line, column: first.column + 1 }
      this.frame = first.frame
    }
  }
}

/**
 * Options never fail open: a misspelt option, an unknown cut rule or a pattern of the
 * wrong type is this error (`config/options.ts`), naming the option, the value and, for a
 * near miss, what was meant.
 */
export class ChaincutOptionsError extends ChaincutBaseError {
  /** Where the bad value sits: `serverOnly[1]`, `chains[0].segments.loader.client`. */
  readonly option: string
  readonly value: unknown
  /** The name (or value) that was probably meant. */
  readonly suggestion?: string
  readonly code = 'E_OPTIONS'
  constructor(option: string, value: unknown, problem: string, suggestion?: string) {
    const { message, hint } = describe('E_OPTIONS', { problem, suggestion })
    super(`[chaincut] ${message}${hint ? `; ${hint}` : ''}`)
    this.name = 'ChaincutOptionsError'
    this.option = option
    this.value = value
    if (suggestion !== undefined) this.suggestion = suggestion
  }
}

/** A path as people read it: relative to `root` when inside it, else as given. */
export function displayPath(file: string, root = process.cwd()): string {
  const path = relative(root, file)
  return path && !path.startsWith('..') && !isAbsolute(path) ? path : file
}

/** Where a finding is, as people read it: `displayPath`, 1-based line:column (the finding's column is 0-based). */
export function findingPlace(finding: Pick<Finding, 'file' | 'line' | 'column'>, root = process.cwd()): string {
  return `${displayPath(finding.file, root)}:${finding.line}:${finding.column + 1}`
}

/** A finding as every toolchain prints it: code, place, message, then its own frame and its hint. */
export function formatFinding(finding: Finding, root = process.cwd(), frame = true): string {
  return [`[chaincut] ${finding.code} ${findingPlace(finding, root)} ${finding.message}`, ...(frame && finding.frame ? [finding.frame] : []), `  hint: ${finding.hint}`].join('\n')
}

/**
 * The findings as text. `firstFrame: false` leaves the first finding's frame out, for the
 * bundlers that print the error's `frame` themselves (Vite, Rollup, Rolldown).
 */
export function formatFindings(findings: Finding[], root = process.cwd(), { firstFrame = true }: { firstFrame?: boolean } = {}): string {
  return findings.map((f, i) => formatFinding(f, root, i > 0 || firstFrame)).join('\n\n')
}
