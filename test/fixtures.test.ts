import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from '@babel/parser'
import { describe, expect, it } from 'vitest'
import { ChaincutError, transform, type ModuleReport } from '../src/index.js'
import { caseOptions, loadFixtures } from './helpers.js'

const cases = loadFixtures()
const sides = ['client', 'server'] as const

const parses = (code: string, ext: string) => {
  const plugins: any[] = /tsx$/.test(ext) ? ['typescript', 'jsx'] : /ts$/.test(ext) ? ['typescript'] : /jsx$/.test(ext) ? ['jsx'] : []
  parse(code, { sourceType: 'module', plugins })
}

describe('fixtures', () => {
  it('has at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40)
  })

  for (const c of cases) {
    describe(`${c.family}/${c.name}`, () => {
      const code = readFileSync(c.input, 'utf8')
      const options = caseOptions(c.spec)

      if (c.spec.error) {
        const { side, code: errorCode } = c.spec.error
        it(`${c.spec.title} (fails the ${side} build with ${errorCode})`, async () => {
          const error = await transform(code, c.input, { ...options, side }).then(
            () => null,
            (e: unknown) => e,
          )
          expect(error).toBeInstanceOf(ChaincutError)
          const findings = (error as ChaincutError).findings
          expect(findings.map((f) => f.code)).toContain(errorCode)
          const finding = findings.find((f) => f.code === errorCode)!
          expect(finding.file).toBe(c.input)
          // the exact message, hint and position users will read
          const expected = c.spec.error as { message?: string; hint?: string; line?: number; column?: number }
          if (expected.message !== undefined) expect(finding.message).toBe(expected.message)
          if (expected.hint !== undefined) expect(finding.hint).toBe(expected.hint)
          if (expected.line !== undefined) expect({ line: finding.line, column: finding.column }).toEqual({ line: expected.line, column: expected.column })
          expect(finding.line).toBeGreaterThan(0)
          expect(finding.frame).toContain('>')
          expect((error as Error).message).toMatch(/^\[chaincut\] .+:\d+:\d+ /)
        })
        return
      }

      for (const side of sides) {
        it(`${c.spec.title} — ${side}`, async () => {
          let report: ModuleReport | null = null
          const first = await transform(code, c.input, { ...options, side, onReport: (r) => (report = r) })
          const out = first?.code ?? code
          // a fixture without its expected output fails everywhere (a snapshot would write it outside CI)
          const expectedFile = join(c.dir, `${side}${c.ext}`)
          expect(existsSync(expectedFile), `${expectedFile} exists`).toBe(true)
          await expect(out).toMatchFileSnapshot(expectedFile)

          if (c.spec.unchanged) expect(first).toBeNull()
          const mustNot = side === 'client' ? c.spec.clientMustNotContain : c.spec.serverMustNotContain
          const must = side === 'client' ? c.spec.clientMustContain : c.spec.serverMustContain
          for (const secret of mustNot ?? []) expect(out, `${side} output must not contain ${secret}`).not.toContain(secret)
          for (const kept of must ?? []) expect(out, `${side} output must contain ${kept}`).toContain(kept)

          // the report's accounting: calls proven not chains (with their reasons) and warnings
          const notChains = c.spec.notChains?.[side]
          const warnings = c.spec.warnings?.[side]
          if (notChains) expect(report, `${side} report`).not.toBeNull()
          const reasons = (report as ModuleReport | null)?.notChains.map((n) => n.reason) ?? []
          for (const reason of notChains ?? []) expect(reasons.some((r) => r.includes(reason)), `a notChains reason containing ${reason} in ${JSON.stringify(reasons)}`).toBe(true)
          // exactly these finding codes (`[]`: none — every cut was proven, no fail-safe); no report: the module was not even parsed
          const codes = [...new Set((report as ModuleReport | null)?.findings.map((f) => f.code) ?? [])].sort()
          if (warnings) expect(codes, `${side} findings`).toEqual([...new Set(warnings)].sort())

          if (first) {
            // the output is valid code of the same dialect
            expect(() => parses(first.code, c.ext)).not.toThrow()
            // docs/reference.md "How it decides", source maps: the client map's sources carry none of the cut code
            if (side === 'client') {
              const embedded = first.map.sourcesContent?.join('\n') ?? ''
              for (const secret of mustNot ?? []) expect(embedded, `client map must not embed ${secret}`).not.toContain(secret)
            }
            // docs/reference.md "How it decides", output: idempotent
            const second = await transform(first.code, c.input, { ...options, side })
            expect(second?.code ?? first.code).toBe(first.code)
          }
        })
      }
    })
  }
})
