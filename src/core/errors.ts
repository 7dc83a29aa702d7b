import { codeFrameColumns } from '@babel/code-frame'
import { isAbsolute, relative } from 'node:path'
import type { Finding } from '../types.js'

/** A position in the user's source: 1-based line, 0-based column (Babel's convention). */
export interface SourcePosition {
  line: number
  column: number
}

/** Line/column of an offset, computed from a table of line starts built once per module. */
export class LineIndex {
  private readonly starts: number[]
  constructor(private readonly code: string) {
    const starts = [0]
    for (let i = code.indexOf('\n'); i !== -1; i = code.indexOf('\n', i + 1)) starts.push(i + 1)
    this.starts = starts
  }
  position(offset: number): SourcePosition {
    let lo = 0
    let hi = this.starts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (this.starts[mid] <= offset) lo = mid
      else hi = mid - 1
    }
    return { line: lo + 1, column: offset - this.starts[lo] }
  }
  frame(offset: number, end?: number): string {
    return codeFrame(this.code, this.position(offset), end === undefined ? undefined : this.position(end))
  }
}

export function codeFrame(code: string, start: SourcePosition, end?: SourcePosition): string {
  return codeFrameColumns(
    code,
    {
      start: { line: start.line, column: start.column + 1 },
      end: end && end.line === start.line ? { line: end.line, column: end.column + 1 } : undefined,
    },
    { highlightCode: false, linesAbove: 2, linesBelow: 2 },
  )
}

/**
 * An error that stops the build, carrying the findings that caused it. Its message says
 * each finding's path relative to the working folder and 1-based line:column, as editors
 * show them (`formatFindings`); the plugin says them relative to the bundler's root.
 */
export class ChaincutError extends Error {
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

/** A path as people read it: relative to `root` when inside it, else as given. */
export function displayPath(file: string, root = process.cwd()): string {
  const path = relative(root, file)
  return path && !path.startsWith('..') && !isAbsolute(path) ? path : file
}

/** Where a finding is, as people read it: `displayPath`, 1-based line:column (the finding's column is 0-based). */
export function findingPlace(finding: Pick<Finding, 'file' | 'line' | 'column'>, root = process.cwd()): string {
  return `${displayPath(finding.file, root)}:${finding.line}:${finding.column + 1}`
}

export function formatFinding(finding: Finding, root = process.cwd(), frame = true): string {
  return [`[chaincut] ${findingPlace(finding, root)} ${finding.message}`, ...(frame && finding.frame ? [finding.frame] : []), `  ${finding.hint}`].join('\n')
}

/**
 * The findings as text. `firstFrame: false` leaves the first finding's frame out, for the
 * bundlers that print the error's `frame` themselves (Vite, Rollup, Rolldown).
 */
export function formatFindings(findings: Finding[], root = process.cwd(), { firstFrame = true }: { firstFrame?: boolean } = {}): string {
  return findings.map((f, i) => formatFinding(f, root, i > 0 || firstFrame)).join('\n\n')
}
