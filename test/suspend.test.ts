/**
 * The analysis is synchronous and suspends on a lookup an asynchronous bundler resolver (or
 * file reader) has not answered yet: the transform drops the syntax tree, awaits, and runs
 * again. Every fixture must give the same output, report and findings whether lookups answer
 * at once or later, and modules transformed concurrently must not see each other's lookups
 * half done.
 */
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { ChaincutError, transform, type ModuleReport, type TransformOptions } from '../src/index.js'
import { defaultResolve, ModuleCache } from '../src/js/modules.js'
import { caseOptions, loadFixtures } from './helpers.js'

const cases = loadFixtures()
const sides = ['client', 'server'] as const

/** A resolver and reader that answer on a later turn of the event loop, as Vite's `this.resolve` does. */
function slow(counter: { resolves: number; reads: number }): Pick<TransformOptions, 'resolve' | 'readFile'> {
  return {
    resolve: async (source, importer) => {
      counter.resolves++
      await new Promise((r) => setTimeout(r, 1))
      return defaultResolve(source, importer)
    },
    readFile: async (file) => {
      counter.reads++
      await new Promise((r) => setTimeout(r, 1))
      return readFile(file, 'utf8').catch(() => null)
    },
  }
}

type Outcome = { code: string | null; report: Omit<ModuleReport, 'time' | 'cpu'> | null; error: string[] | null }

async function run(code: string, id: string, options: TransformOptions): Promise<Outcome> {
  let report: ModuleReport | null = null
  try {
    const result = await transform(code, id, { ...options, onReport: (r) => (report = r) } as TransformOptions)
    const { time: _time, cpu: _cpu, ...rest } = (report ?? { time: 0 }) as ModuleReport
    return { code: result?.code ?? null, report: report ? rest : null, error: null }
  } catch (error) {
    if (!(error instanceof ChaincutError)) throw error
    return { code: null, report: null, error: error.findings.map((f) => `${f.code} ${f.line}:${f.column} ${f.message}`) }
  }
}

describe('lookups that answer later', () => {
  it('every fixture gives the same result with a synchronous and an asynchronous resolver and reader', async () => {
    const counter = { resolves: 0, reads: 0 }
    let compared = 0
    for (const c of cases) {
      const code = readFileSync(c.input, 'utf8')
      const options = caseOptions(c.spec)
      for (const side of sides) {
        const now = await run(code, c.input, { ...options, side, cache: new ModuleCache() })
        const later = await run(code, c.input, { ...options, side, cache: new ModuleCache(), ...slow(counter) })
        expect(later, `${c.family}/${c.name} (${side})`).toEqual(now)
        compared++
      }
    }
    expect(compared).toBeGreaterThan(80)
    // the fixtures do follow imports: the asynchronous path was taken
    expect(counter.resolves).toBeGreaterThan(20)
    expect(counter.reads).toBeGreaterThan(10)
  })

  it('modules transformed concurrently with one shared cache match one at a time', async () => {
    const counter = { resolves: 0, reads: 0 }
    const jobs = cases.flatMap((c) => sides.map((side) => ({ c, side, code: readFileSync(c.input, 'utf8'), options: caseOptions(c.spec) })))
    const alone: Outcome[] = []
    for (const j of jobs) alone.push(await run(j.code, j.c.input, { ...j.options, side: j.side, cache: new ModuleCache() }))
    const shared = new Map<string, ModuleCache>()
    const together = await Promise.all(
      jobs.map((j) => {
        // one cache per options (as one plugin instance has), shared by every module that uses them
        const key = JSON.stringify(j.c.spec.options ?? {}) + j.side
        if (!shared.has(key)) shared.set(key, new ModuleCache())
        return run(j.code, j.c.input, { ...j.options, side: j.side, cache: shared.get(key), ...slow(counter) })
      }),
    )
    expect(together).toEqual(alone)
    expect(counter.resolves).toBeGreaterThan(0)
  })

  it('a resolver that fails or rejects is "cannot be resolved", never a crash or "not a chain"', async () => {
    const code = `import { root } from './somewhere'\nexport const p = root.lets.action('PUT', '/x').loader(async () => SECRET_KEY).action()\n`
    for (const resolve of [async () => Promise.reject(new Error('no')), () => { throw new Error('no') }]) {
      const out = await transform(code, '/app/src/page.ts', { side: 'client', resolve: resolve as TransformOptions['resolve'], cache: new ModuleCache() })
      expect(out?.code).not.toContain('SECRET_KEY')
      expect(out?.report.findings.map((f) => f.code)).toContain('W_UNRESOLVED_HEAD')
    }
  })
})
