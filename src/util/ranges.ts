/**
 * Ranges of the original text that cut and prune remove: a whole statement with its
 * own lines and the comments above it, the items of a comma-separated list, and the
 * line and comment scanning they share.
 */
import type * as t from '@babel/types'

/**
 * Ranges that remove the flagged items of a comma-separated list (object
 * properties, declarators) and keep the list well-formed. An item owns its
 * comma and a comment on the rest of its line; a kept item keeps its own.
 * `listEnd` is the offset of the closing bracket; `trailingComma` says
 * whether the list may end with a comma (not so for declarators).
 */
export function listRemovalRanges(
  code: string,
  items: ReadonlyArray<t.Node>,
  remove: boolean[],
  listEnd: number,
  trailingComma = true,
): Array<[number, number]> {
  const n = items.length
  const ranges: Array<[number, number]> = []
  const spaceOrTab = (at: number) => code.charCodeAt(at) === 32 || code.charCodeAt(at) === 9
  const commaAfter = (k: number) => {
    let p = items[k].end!
    while (p < code.length && spaceOrTab(p)) p++
    return code.charCodeAt(p) === 44 /* , */ ? p : -1
  }
  /** The end of item k with its comma and a comment on the rest of its line. */
  const extentEnd = (k: number) => {
    const comma = commaAfter(k)
    const p = comma === -1 ? items[k].end! : comma + 1
    let q = p
    while (q < code.length && spaceOrTab(q)) q++
    if (code.startsWith('//', q)) return lineEnd(code, q)
    if (code.startsWith('/*', q)) {
      const close = code.indexOf('*/', q)
      if (close !== -1 && close < lineEnd(code, q)) return close + 2
    }
    return p
  }
  const ownLineStart = (pos: number) => {
    let p = pos
    while (p > 0 && spaceOrTab(p - 1)) p--
    return p === 0 || isLineBreak(code.charCodeAt(p - 1)) ? p : -1
  }
  const ownLineEnd = (pos: number) => {
    let p = pos
    while (p < code.length && spaceOrTab(p)) p++
    return p >= code.length ? code.length : isLineBreak(code.charCodeAt(p)) ? pastBreak(code, p) : -1
  }
  let i = 0
  while (i < n) {
    if (!remove[i]) {
      i++
      continue
    }
    let j = i
    while (j + 1 < n && remove[j + 1]) j++
    if (i === 0 && j === n - 1) {
      ranges.push([items[0].start!, listEnd])
      break
    }
    let start = items[i].start!
    let end = extentEnd(j)
    const lineStart = ownLineStart(start)
    const lineEnd = ownLineEnd(end)
    if (lineStart !== -1 && lineEnd !== -1) {
      // the items own their lines: the lines go
      start = lineStart
      end = lineEnd
    } else if (j + 1 < n) {
      while (end < items[j + 1].start! && spaceOrTab(end)) end++
    }
    if (j === n - 1) {
      // the last items went: so does the comma before them, unless the list ended with one (and may)
      const comma = commaAfter(i - 1)
      if (comma !== -1 && (!trailingComma || commaAfter(j) === -1)) {
        if (code.slice(comma + 1, start).trim() === '') start = comma
        else ranges.push([comma, comma + 1])
      }
    }
    ranges.push([start, end])
    i = j + 1
  }
  return ranges.sort((a, b) => a[0] - b[0])
}

/** The comments lying in [from, to), from the module's sorted comment list. */
function commentsBetween(comments: ReadonlyArray<t.Comment>, from: number, to: number): t.Comment[] {
  let lo = 0
  let hi = comments.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (comments[mid].start! < from) lo = mid + 1
    else hi = mid
  }
  const out: t.Comment[] = []
  for (let i = lo; i < comments.length && comments[i].end! <= to; i++) out.push(comments[i])
  return out
}

const isBlank = (code: number) => code === 32 || code === 9 || code === 11 || code === 12
/** JavaScript's line terminators: LF, CR, LS, PS (a CR LF pair is one break). */
export const isLineBreak = (code: number) => code === 10 || code === 13 || code === 0x2028 || code === 0x2029
const BLANK_LINE = /(?:\r\n|[\n\r\u2028\u2029])[ \t\v\f]*(?:\r\n|[\n\r\u2028\u2029])/
/** The offset just past the line break at `at` (two characters for CR LF). */
export const pastBreak = (code: string, at: number) => (code.charCodeAt(at) === 13 && code.charCodeAt(at + 1) === 10 ? at + 2 : at + 1)
/** The first line terminator at or after `from`, or the end. */
export function lineEnd(code: string, from: number): number {
  for (let i = from; i < code.length; i++) if (isLineBreak(code.charCodeAt(i))) return i
  return code.length
}

/** Comments that configure tools, not describe the code below them: never removed with it. */
const PRAGMA = /@jsx|@license|@preserve|@refresh|@vite-ignore|@ts-|eslint|biome-ignore|prettier-ignore|istanbul|c8 ignore|#__|^\/\s*<reference|^!/

/**
 * A whole statement's range, widened to its own lines and to the comments
 * directly above it (a JSDoc that may describe server code), but never past a
 * blank line or a pragma, and never past `floor`.
 */
export function statementRange(code: string, node: t.Node, floor: number, allComments: ReadonlyArray<t.Comment> | null): [number, number] {
  let start = node.start!
  if (allComments) {
    const comments = commentsBetween(allComments, floor, node.start!)
    for (let k = comments.length - 1; k >= 0; k--) {
      const comment = comments[k]
      if (BLANK_LINE.test(code.slice(comment.end!, start)) || PRAGMA.test(comment.value)) break
      start = comment.start!
    }
  }
  let end = node.end!
  // swallow the indentation before and the line break after, when the statement owns its lines
  let s = start
  while (s > floor && isBlank(code.charCodeAt(s - 1))) s--
  let e = end
  while (e < code.length && isBlank(code.charCodeAt(e))) e++
  const ownsStart = s === 0 || isLineBreak(code.charCodeAt(s - 1))
  const ownsEnd = e === code.length || isLineBreak(code.charCodeAt(e))
  if (ownsStart && ownsEnd) {
    start = s
    end = e < code.length ? pastBreak(code, e) : e
  }
  return [start, end]
}
