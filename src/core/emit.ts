/**
 * Text edits over the original source with magic-string: untouched text stays
 * byte-identical and the source map is exact. In the client build the cut and
 * removed ranges are also blanked in the map's `sourcesContent` (SPEC 7.3).
 */
import MagicString from 'magic-string'
import type * as t from '@babel/types'
import type { SourceMapJSON } from '../types.js'

export interface Edit {
  start: number
  end: number
  text: string
  kind: 'cut' | 'desugar' | 'prune'
}

/**
 * Ranges that remove the flagged items of a comma-separated list (object
 * properties, arguments, declarators) and keep the list well-formed.
 * `listEnd` is the offset of the closing bracket (or the end of the list).
 */
export function listRemovalRanges(items: ReadonlyArray<t.Node>, remove: boolean[], listEnd: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = []
  const n = items.length
  let i = 0
  while (i < n) {
    if (!remove[i]) {
      i++
      continue
    }
    let j = i
    while (j + 1 < n && remove[j + 1]) j++
    if (j + 1 < n) ranges.push([items[i].start!, items[j + 1].start!])
    else if (i > 0) ranges.push([items[i - 1].end!, items[j].end!])
    else ranges.push([items[0].start!, listEnd])
    i = j + 1
  }
  return ranges
}

const isBlank = (code: number) => code === 32 || code === 9 || code === 13

/** A whole statement's range, widened to its own lines and its leading comments. */
export function statementRange(code: string, node: t.Node, floor: number): [number, number] {
  let start = node.start!
  for (const comment of node.leadingComments ?? []) {
    if (comment.start! >= floor && comment.start! < start) start = comment.start!
  }
  let end = node.end!
  // swallow the indentation before and the line break after, when the statement owns its lines
  let s = start
  while (s > floor && isBlank(code.charCodeAt(s - 1))) s--
  let e = end
  while (e < code.length && isBlank(code.charCodeAt(e))) e++
  const ownsStart = s === 0 || code.charCodeAt(s - 1) === 10
  const ownsEnd = e === code.length || code.charCodeAt(e) === 10
  if (ownsStart && ownsEnd) {
    start = s
    end = e < code.length ? e + 1 : e
  }
  return [start, end]
}

/** Drops edits that sit inside a larger removal or cut, so no two edits overlap. */
export function normalizeEdits(edits: Edit[]): Edit[] {
  const sorted = [...edits].sort((a, b) => a.start - b.start || b.end - a.end)
  const out: Edit[] = []
  let coverEnd = -1
  let coverStart = -1
  for (const edit of sorted) {
    if (edit.start === edit.end) {
      // an insertion: dropped when strictly inside a removed range
      if (edit.start > coverStart && edit.start < coverEnd) continue
      out.push(edit)
      continue
    }
    if (edit.start < coverEnd) {
      if (edit.end <= coverEnd) continue // nested in an earlier range
      // overlapping but not nested: cannot happen for well-formed edits; keep the earlier
      continue
    }
    out.push(edit)
    coverStart = edit.start
    coverEnd = edit.end
  }
  return out
}

/** The ranges whose code is gone (cut arguments, removed declarations): blanked in a client map. */
export function removedRanges(edits: Edit[]): Array<[number, number]> {
  return edits.filter((e) => e.kind !== 'desugar' && e.end > e.start).map((e) => [e.start, e.end])
}

/** Replaces every character of the ranges with a space, keeping line breaks so positions stay valid. */
export function blank(code: string, ranges: Array<[number, number]>): string {
  if (!ranges.length) return code
  let out = ''
  let last = 0
  for (const [start, end] of ranges) {
    if (start < last) continue
    out += code.slice(last, start)
    // spaces for everything but line breaks, so every position stays where it was
    for (let i = start; i < end; ) {
      let nl = code.indexOf('\n', i)
      if (nl === -1 || nl >= end) nl = end
      let stop = nl
      if (stop > i && code.charCodeAt(stop - 1) === 13) stop--
      out += ' '.repeat(stop - i) + code.slice(stop, nl === end ? end : nl + 1)
      i = nl === end ? end : nl + 1
    }
    last = end
  }
  return out + code.slice(last)
}

export function emit(
  code: string,
  id: string,
  edits: Edit[],
  redact: boolean,
): { code: string; map: SourceMapJSON } {
  // edits are sorted and never overlap: the output is the original slices between them
  let text = ''
  let last = 0
  for (const edit of edits) {
    text += code.slice(last, edit.start) + edit.text
    last = edit.end
  }
  text += code.slice(last)
  const out = { code: text } as { code: string; map: SourceMapJSON }
  // the map is built when a bundler asks for it: a build without source maps never pays for it
  let map: SourceMapJSON | undefined
  Object.defineProperty(out, 'map', {
    enumerable: true,
    get() {
      if (!map) {
        const s = new MagicString(code)
        for (const edit of edits) {
          if (edit.start === edit.end) s.appendLeft(edit.start, edit.text)
          else if (edit.text) s.overwrite(edit.start, edit.end, edit.text)
          else s.remove(edit.start, edit.end)
        }
        map = s.generateMap({ source: id, file: id, includeContent: true, hires: 'boundary' }) as unknown as SourceMapJSON
        if (redact) map.sourcesContent = [blank(code, removedRanges(edits))]
      }
      return map
    },
  })
  return out
}
