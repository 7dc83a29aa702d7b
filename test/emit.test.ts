/**
 * Applying the edits (`core/emit.ts`): the code and its source map come from the same
 * edits, so they agree, also where an insertion sits at the start of a removal.
 */
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping'
import MagicString from 'magic-string'
import { describe, expect, it } from 'vitest'
import { transform } from '../src/index.js'
import { emit, normalizeEdits, type Edit } from '../src/rewrite/emit.js'

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

describe('outputs and findings share one shape', () => {
  // A getter made per result (a closure) gives every result its own hidden class, which V8
  // allocates in the old generation: a thousand modules, a thousand classes for the collector.
  // Checked on the built code with V8's own test (`%HaveSameMap`), in a child process.
  it('two modules give results, and findings, of one hidden class', () => {
    const script = `
      const { transform } = await import(${JSON.stringify(pathToFileURL(join(process.cwd(), 'dist/index.js')).href)})
      const head = "import { Point0 } from '@point0/core'\\nconst root = Point0.lets('root', 'main').root()\\n"
      const module = (n) => head + "import { db } from './db'\\nexport const config = { apiKey: 'KEY_" + n + "' }\\nexport const q" + n + " = root.lets('query', 'q" + n + "').loader(() => config.apiKey + db.rows()).query()\\n"
      const a = await transform(module(1), '/app/a.ts', { side: 'client' })
      const b = await transform(module(2), '/app/b.ts', { side: 'client' })
      const fa = a.report.findings[0], fb = b.report.findings[0]
      console.log(JSON.stringify({ results: %HaveSameMap(a, b), findings: %HaveSameMap(fa, fb), codes: [fa.code, fb.code], map: typeof a.map.mappings, frame: fa.frame.includes('KEY_1'), keys: Object.keys(a) }))
    `
    const out = JSON.parse(execFileSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', script], { encoding: 'utf8' }))
    expect(out).toEqual({ results: true, findings: true, codes: ['W_EXPORTED_DATA_IN_CUT', 'W_EXPORTED_DATA_IN_CUT'], map: 'string', frame: true, keys: ['code', 'report', 'inputs', 'map'] })
  })
})
