/**
 * Applying the edits (`core/emit.ts`): the code and its source map come from the same
 * edits, so they agree, also where an insertion sits at the start of a removal.
 */
import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping'
import { describe, expect, it } from 'vitest'
import { transform } from '../src/index.js'
import { emit } from '../src/core/emit.js'

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
})
