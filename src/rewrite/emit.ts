/**
 * Applying the text edits over the original source, with magic-string: untouched text
 * stays byte-identical and the code and its source map come from the same edits. In the client build the cut and
 * removed ranges are also blanked in the map's `sourcesContent` (docs/reference.md "How it decides", source maps).
 */
import type MagicString from 'magic-string'
import { lazyPackage } from '../util/lazy.js'

/** Only a source map that is read needs it. */
const magicString = lazyPackage<typeof import('magic-string')>('magic-string')
import { lineEnd, pastBreak } from '../util/ranges.js'
import type { SourceMapJSON } from '../types.js'

export interface Edit {
  start: number
  end: number
  text: string
  kind: 'cut' | 'desugar' | 'prune'
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
function removedRanges(edits: Edit[]): Array<[number, number]> {
  return edits.filter((e) => e.kind !== 'desugar' && e.end > e.start).map((e) => [e.start, e.end])
}

/** Replaces every character of the ranges with a space, keeping line breaks so positions stay valid. */
function blank(code: string, ranges: Array<[number, number]>): string {
  if (!ranges.length) return code
  let out = ''
  let last = 0
  for (const [start, end] of ranges) {
    if (start < last) continue
    out += code.slice(last, start)
    // spaces for everything but line breaks, so every position stays where it was
    for (let i = start; i < end; ) {
      const stop = Math.min(lineEnd(code, i), end)
      out += ' '.repeat(stop - i)
      if (stop >= end) break
      const next = Math.min(pastBreak(code, stop), end)
      out += code.slice(stop, next)
      i = next
    }
    last = end
  }
  return out + code.slice(last)
}

/** Where an emitted output keeps its edits (a persistent cache stores them, not the output). */
export const EDITS = Symbol('chaincut.edits')

/** What reproduces an output from its module's text: the edits and whether the map is redacted. */
export interface StoredEdits {
  edits: Array<[number, number, string, Edit['kind']]>
  redact: boolean
}

/**
 * Edits in the order they apply: by start, and at one position an insertion before the range
 * that starts there (an insertion at the start of a removal stays before the text that replaces
 * it); otherwise in the order given.
 */
function inOrder(edits: ReadonlyArray<Edit>): Edit[] {
  let sorted = true
  for (let i = 1; i < edits.length && sorted; i++) sorted = rank(edits[i - 1]!, edits[i]!) <= 0
  return sorted ? (edits as Edit[]) : [...edits].sort(rank)
}
const rank = (a: Edit, b: Edit) => a.start - b.start || (a.start === a.end ? 0 : 1) - (b.start === b.end ? 0 : 1)

/**
 * The edited code, and its source map when a bundler reads it. The code is the text between the
 * edits with each edit's text in its place (untouched text is byte-identical); the map comes from a
 * MagicString given the same edits in the same order, built only on the first read of `map`, so a
 * build without source maps never pays for one. `test/emit.test.ts` checks that both say the same.
 */
export function emit(code: string, id: string, edits: ReadonlyArray<Edit>, redact: boolean): { code: string; map: SourceMapJSON } {
  const ordered = inOrder(edits)
  let text = ''
  let last = 0
  for (const edit of ordered) {
    // an edit inside a range already replaced (normalizeEdits drops these) has nothing left to edit
    if (edit.start < last) continue
    text += code.slice(last, edit.start) + edit.text
    last = edit.end
  }
  text += code.slice(last)
  return new Emitted(text, code, ordered, id, redact)
}

/** The edits applied by a MagicString: what the source map is made from. */
function magic(code: string, edits: ReadonlyArray<Edit>): MagicString {
  const s = new (magicString().default ?? (magicString() as unknown as typeof MagicString))(code)
  let last = 0
  for (const edit of edits) {
    if (edit.start < last) continue
    if (edit.start === edit.end) s.appendLeft(edit.start, edit.text)
    else if (edit.text) s.overwrite(edit.start, edit.end, edit.text)
    else s.remove(edit.start, edit.end)
    last = edit.end
  }
  return s
}

/**
 * The module's text as a client map embeds it: the removed code blanked (null when nothing was
 * removed or the map is not redacted). Positions stay where they were.
 */
export function redactedSource(code: string, stored: StoredEdits): string | null {
  if (!stored.redact) return null
  const ranges = removedRanges(stored.edits.map(([start, end, text, kind]) => ({ start, end, text, kind })))
  return ranges.length ? blank(code, ranges) : null
}

/**
 * An output: its code, its edits, and its map made on first read of `map` (a build without
 * source maps never pays for it). It holds the module's text and the edits only, never a
 * caller's scope. Plain fields only: a computed (symbol) field per instance costs more than
 * the rest of the output; the stored form of the edits is made when first asked.
 */
class Emitted {
  declare private stored: StoredEdits | undefined
  declare private made: SourceMapJSON | undefined

  constructor(
    readonly code: string,
    private readonly original: string,
    private readonly edits: ReadonlyArray<Edit>,
    private readonly id: string,
    private readonly redact: boolean,
  ) {
    this.stored = undefined
    this.made = undefined
  }

  get [EDITS](): StoredEdits {
    return (this.stored ??= { edits: this.edits.map((e) => [e.start, e.end, e.text, e.kind]), redact: this.redact })
  }

  get map(): SourceMapJSON {
    if (!this.made) {
      const map = magic(this.original, this.edits).generateMap({ source: this.id, file: this.id, includeContent: true, hires: 'boundary' }) as unknown as SourceMapJSON
      if (this.redact) map.sourcesContent = [blank(this.original, removedRanges(this.edits as Edit[]))]
      this.made = map
    }
    return this.made
  }
}

/** Where a result keeps its output: a symbol, so it is no field a caller sees or copies. */
const OUTPUT = Symbol('chaincut.output')
type WithOutput = { [OUTPUT]: { map: SourceMapJSON; [EDITS]?: StoredEdits } }

// The getters are shared functions that read the output off the result. A new closure per
// result would give every result its own hidden class: V8 allocates each one in the old
// generation, and a build of a thousand modules made a thousand of them for the collector.
function readMap(this: WithOutput): SourceMapJSON {
  return this[OUTPUT].map
}
function readEdits(this: WithOutput): StoredEdits {
  return this[OUTPUT][EDITS]!
}

/**
 * A result that hands on `out`'s code edits and its map, built when the bundler first reads it.
 * The result holds `out` only, never a caller's scope (which would keep a module's syntax tree
 * alive as long as the result).
 */
export function withOutput<R extends object>(result: R, out: { map: SourceMapJSON }): R & { map: SourceMapJSON } {
  Object.defineProperty(result, OUTPUT, { value: out })
  Object.defineProperty(result, 'map', { enumerable: true, get: readMap })
  if (EDITS in out) Object.defineProperty(result, EDITS, { get: readEdits })
  return result as R & { map: SourceMapJSON }
}
