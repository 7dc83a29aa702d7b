import { codeFrameColumns } from '@babel/code-frame'
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

/** An error that stops the build, carrying the findings that caused it. */
export class ChaincutError extends Error {
  readonly findings: Finding[]
  readonly id: string
  /** Rollup/Vite read these to point at the source. */
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
      this.loc = { file: first.file, line: first.line, column: first.column }
      this.frame = first.frame
    }
  }
}

export function formatFinding(finding: Finding): string {
  return (
    `[chaincut] ${finding.file}:${finding.line}:${finding.column + 1} ${finding.message}\n` +
    `${finding.frame}\n` +
    `  ${finding.hint}`
  )
}

export function formatFindings(findings: Finding[]): string {
  return findings.map(formatFinding).join('\n\n')
}
