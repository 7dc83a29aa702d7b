/**
 * Positions in a module's text: line/column of an offset (a table of line starts built
 * once per module) and the code frame shown with a finding.
 */
import { lazyPackage } from './lazy.js'

/** Only an error or a finding needs a frame. */
const codeFrame_ = lazyPackage<typeof import('@babel/code-frame')>('@babel/code-frame')

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
  return codeFrame_().codeFrameColumns(
    code,
    {
      start: { line: start.line, column: start.column + 1 },
      end: end && end.line === start.line ? { line: end.line, column: end.column + 1 } : undefined,
    },
    { highlightCode: false, linesAbove: 2, linesBelow: 2 },
  )
}
