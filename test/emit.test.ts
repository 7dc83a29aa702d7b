/**
 * Applying the edits (`core/emit.ts`): the code and its source map come from the same
 * edits, so they agree, also where an insertion sits at the start of a removal.
 */
import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping'
import MagicString from 'magic-string'
import { describe, expect, it } from 'vitest'
import { transform } from '../src/index.js'
import { emit, normalizeEdits, type Edit } from '../src/core/emit.js'

const position = (text: string, at: number) => ({ line: text.slice(0, at).split('\n').length, column: at - text.lastIndexOf('\n', at - 1) - 1 })
const original = (map: TraceMap, out: string, at: number) => {
  const found = originalPositionFor(map, position(out, at))
  return { line: found.line, column: found.column }
}

const ROOT = 'fixtures/point0/desugar-strips-type-suffix-from-variable-names/root.ts'

// the short form's desugaring inserts after `(`, where the folded conditional's dead part is removed
const MODULE = `import { env } from '@point0/core'
import { root } from './root'

export const aboutPage = root.lets.page(env.side.is.server ? '/server-about' : '/about').page(() => null)
`

describe('emit', () => {
  it('keeps an insertion at the start of a removal, in the code and in the map (transform)', async () => {
    const result = await transform(MODULE, '/app/about.ts', { side: 'client', resolve: (source) => (source === './root' ? `${process.cwd()}/${ROOT}` : null) })
    const out = result!.code
    expect(out).toContain(`root.lets('page', 'about', '/about').page(() => null)`)
    expect(out).not.toContain('server-about')
    const map = new TraceMap(result!.map as any)
    for (const token of ['.page(() => null)', 'export const aboutPage', 'root.lets']) {
      expect(original(map, out, out.indexOf(token)), token).toEqual(position(MODULE, MODULE.indexOf(token)))
    }
    // after the inserted arguments, the folded value stands where the conditional was
    expect(original(map, out, out.indexOf("'/about'"))).toEqual(position(MODULE, MODULE.indexOf('env.side.is.server')))
    expect(result!.map.sourcesContent![0]).not.toContain('server-about')
  })

  it('gives the same text in the code as the map describes (emit)', () => {
    const code = 'call(flag ? secret : open, rest)\n'
    const start = code.indexOf('flag')
    const edits = [
      { start, end: code.indexOf('open'), text: '', kind: 'cut' as const },
      { start, end: start, text: "'inserted', ", kind: 'desugar' as const },
    ]
    const out = emit(code, '/app/x.ts', edits, true)
    expect(out.code).toBe("call('inserted', open, rest)\n")
    const map = new TraceMap(out.map as any)
    expect(original(map, out.code, out.code.indexOf('open'))).toEqual(position(code, code.indexOf('open')))
    expect(original(map, out.code, out.code.indexOf(', rest'))).toEqual(position(code, code.indexOf(', rest')))
    expect(out.map.sourcesContent![0]).not.toContain('secret')
    expect(out.map.sourcesContent![0]!.length).toBe(code.length)
  })

  it('builds the same code as MagicString given the same edits (the map is made from MagicString)', () => {
    // mulberry32: a seeded PRNG whose low bits are usable
    let seed = 7
    const random = (n: number) => {
      seed = (seed + 0x6d2b79f5) | 0
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
      return (((t ^ (t >>> 14)) >>> 0) % n)
    }
    let sharedStarts = 0
    for (let round = 0; round < 2000; round++) {
      const code = Array.from({ length: 5 + random(60) }, () => 'ab\ncd ()'[random(9)]).join('')
      const edits: Edit[] = []
      for (let i = random(8); i > 0; i--) {
        const start = random(code.length + 1)
        const end = random(3) === 0 ? start : Math.min(code.length, start + random(10))
        edits.push({ start, end, text: ['', 'X', 'yy\n'][random(3)]!, kind: (['cut', 'desugar', 'prune'] as const)[random(3)]! })
      }
      const normal = normalizeEdits(edits)
      const s = new MagicString(code)
      // MagicString in the order the edits apply: by start, an insertion before the range that starts there
      for (const e of [...normal].sort((a, b) => a.start - b.start || (a.start === a.end ? 0 : 1) - (b.start === b.end ? 0 : 1))) {
        if (e.start === e.end) s.appendLeft(e.start, e.text)
        else if (e.text) s.overwrite(e.start, e.end, e.text)
        else s.remove(e.start, e.end)
      }
      for (let i = 1; i < normal.length; i++) if (normal[i]!.start === normal[i - 1]!.start && normal[i]!.text && normal[i - 1]!.text) sharedStarts++
      const out = emit(code, '/app/x.ts', normal, true)
      expect(out.code, JSON.stringify({ code, normal })).toBe(s.toString())
      expect(out.map.sourcesContent![0]!.length).toBe(code.length)
    }
    // the case that needs the order: an insertion and a replacement at one position
    expect(sharedStarts).toBeGreaterThan(20)
  })
})
