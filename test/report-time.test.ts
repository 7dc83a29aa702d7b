/**
 * The summary's times say what they are: the wall-clock time during which any transform ran
 * (overlapping transforms counted once), and the analysis's own CPU time summed over modules.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { BuildReport } from '../src/report/json.js'
import type { ModuleReport } from '../src/types.js'

const moduleReport = (id: string, time: number, cpu: number): ModuleReport =>
  ({ id, side: 'client', cuts: [], desugared: [], removedImports: [], removedDeclarations: [], findings: [], notChains: [], unknowns: [], dependencies: [], resolutions: [], time, cpu }) as unknown as ModuleReport

describe('build report times', () => {
  afterEach(() => vi.restoreAllMocks())

  it('counts overlapping transforms once in the wall-clock time, and sums the CPU time', () => {
    let clock = 0
    vi.spyOn(performance, 'now').mockImplementation(() => clock)
    const report = new BuildReport()
    // a: 0–100, b: 50–150, c: 300–350 → union 200 ms, while their durations add up to 250
    report.enter('client') // a
    clock = 50
    report.enter('client') // b
    clock = 100
    report.leave('client') // a
    report.add('client', moduleReport('/a.ts', 100, 30))
    clock = 150
    report.leave('client') // b
    report.add('client', moduleReport('/b.ts', 100, 40))
    clock = 300
    report.enter('client') // c
    clock = 350
    report.leave('client')
    report.add('client', moduleReport('/c.ts', 50, 20))
    const s = report.summary('client')
    expect(s.wall).toBe(200)
    expect(s.cpu).toBe(90)
    const text = report.format('client')
    expect(text).toMatch(/time with a transform running\s+200\.0 ms \(wall clock\)/)
    expect(text).toMatch(/analysis\s+90\.0 ms \(CPU, main thread\)/)
    // another environment keeps its own clock
    expect(report.summary('ssr').wall).toBe(0)
  })
})
