/**
 * Real-world sweep (issue 7, item 3): every .ts/.tsx/.js/.mjs file (up to 2 MB)
 * of a few installed packages, code no one here wrote, through both sides:
 *
 * - with the default presets (what a user runs): no crash, and a module without
 *   chains returns null; a genuine parse error (a dialect mismatch) is a
 *   ChaincutError E_PARSE, counted and listed;
 * - with two "probe" chain families that make ordinary code look like chains
 *   (`x.then(...).catch(...)`, `x.map(...).filter(...)`), so chaincut really cuts
 *   and prunes real code: every changed output parses in the same dialect and a
 *   second pass changes nothing.
 *
 * Prints files, MB and ms/MB. CHAINCUT_SWEEP_MB sets the budget (default 24 MB).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ChaincutError, transform, type ChainFamily, type TransformOptions } from '../src/index.js'
import { parseAs } from './gen/inspect.js'
import { ROOT } from './helpers.js'

const BUDGET = Number(process.env.CHAINCUT_SWEEP_MB ?? 24) * 1024 * 1024
const MAX_FILE = 2 * 1024 * 1024
const PACKAGES = [
  'vite/dist',
  'rollup/dist/es',
  '@babel/types/lib',
  'typescript/lib',
  'vitest/dist',
  'terser/lib',
  'postcss/lib',
  'fast-check/lib/esm',
  '@rspack/core/dist',
  'webpack/lib',
  'rolldown/dist',
]

function collect(): Array<{ file: string; size: number }> {
  const files: Array<{ file: string; size: number }> = []
  let total = 0
  for (const pkg of PACKAGES) {
    const stack = [join(ROOT, 'node_modules', pkg)]
    const found: Array<{ file: string; size: number }> = []
    while (stack.length) {
      const dir = stack.pop()!
      let entries
      try {
        entries = readdirSync(dir, { withFileTypes: true })
      } catch {
        continue
      }
      for (const e of entries) {
        const path = join(dir, e.name)
        if (e.isDirectory()) stack.push(path)
        else if (/\.(ts|tsx|js|mjs)$/.test(e.name)) {
          const size = statSync(path).size
          if (size <= MAX_FILE) found.push({ file: path, size })
        }
      }
    }
    found.sort((a, b) => a.file.localeCompare(b.file))
    for (const f of found) {
      if (total + f.size > BUDGET) return files
      total += f.size
      files.push(f)
    }
  }
  return files
}

/** Ordinary code as chains: promise chains and array pipelines, with every kind of rule but the non-idempotent lastArg. */
const PROBES: ChainFamily[] = [
  {
    name: 'probe-promise',
    heads: [{ member: 'then' }],
    segments: {
      then: { server: 'afterFirst' },
      catch: { client: 'args' },
      finally: { server: 'firstToNoop' },
    },
  },
  {
    name: 'probe-array',
    heads: [{ member: 'map' }],
    segments: {
      filter: { client: 'args' },
      forEach: { server: 'firstToNoop' },
      join: { client: 'toEmptyObjectFn' },
      slice: { server: 'argsUnlessBoolean' },
      some: { client: 'afterFirst' },
      reduce: { server: 'args' },
      sort: { client: { keys: ['compare'] } },
    },
  },
]

const DEFAULT: Record<'client' | 'server', TransformOptions> = {
  client: { side: 'client' },
  server: { side: 'server' },
}
const PROBE: Record<'client' | 'server', TransformOptions> = {
  client: { side: 'client', presets: [], chains: PROBES, onUnsafe: 'warn' },
  server: { side: 'server', presets: [], chains: PROBES, onUnsafe: 'warn' },
}

interface Tally {
  files: number
  bytes: number
  ms: number
  parsed: number
  changed: number
  cuts: number
  removed: number
  parseErrors: Array<{ file: string; message: string }>
  /** Calls of a cut method on a value chaincut cannot trace, refused (fail closed) rather than guessed. */
  refusals: string[]
  failures: string[]
}

const fresh = (): Tally => ({ files: 0, bytes: 0, ms: 0, parsed: 0, changed: 0, cuts: 0, removed: 0, parseErrors: [], refusals: [], failures: [] })

async function sweep(files: Array<{ file: string; size: number }>, options: Record<'client' | 'server', TransformOptions>, expectNull: boolean): Promise<Tally> {
  const tally = fresh()
  for (const { file, size } of files) {
    const code = readFileSync(file, 'utf8')
    const name = relative(join(ROOT, 'node_modules'), file)
    tally.files++
    tally.bytes += size
    for (const side of ['client', 'server'] as const) {
      let parsed = false
      const started = performance.now()
      let result: Awaited<ReturnType<typeof transform>>
      try {
        result = await transform(code, file, { ...options[side], onReport: () => (parsed = true) })
      } catch (error) {
        tally.ms += performance.now() - started
        if (error instanceof ChaincutError && error.code === 'E_PARSE') {
          if (side === 'client') tally.parseErrors.push({ file: name, message: error.findings[0].message })
          continue
        }
        if (error instanceof ChaincutError && error.findings.every((f) => f.code === 'E_UNTRACED_RECEIVER')) {
          for (const f of error.findings) tally.refusals.push(`${name}:${f.line}:${f.column + 1} [${side}] ${f.message}`)
          continue
        }
        tally.failures.push(`${name} [${side}]: crashed: ${(error as Error).stack ?? error}`)
        continue
      }
      tally.ms += performance.now() - started
      if (parsed) tally.parsed++
      if (!result) continue
      tally.changed++
      tally.cuts += result.report.cuts.length
      tally.removed += result.report.removedImports.length + result.report.removedDeclarations.length
      if (expectNull) tally.failures.push(`${name} [${side}]: a module without chains was changed (${result.report.cuts.map((c) => `.${c.method} line ${c.line}`).join(', ')})`)
      try {
        parseAs(result.code, file)
      } catch (error) {
        tally.failures.push(`${name} [${side}]: the output does not parse: ${(error as Error).message}`)
        continue
      }
      try {
        const again = await transform(result.code, file, options[side])
        if (again && again.code !== result.code) {
          const at = [...again.code].findIndex((c, i) => c !== result!.code[i])
          tally.failures.push(`${name} [${side}]: a second pass changed the output near ${JSON.stringify(result.code.slice(Math.max(0, at - 80), at + 80))}`)
        }
      } catch (error) {
        tally.failures.push(`${name} [${side}]: the second pass threw: ${(error as Error).message.slice(0, 400)}`)
      }
    }
  }
  return tally
}

function summary(label: string, t: Tally): string {
  const mb = t.bytes / 1024 / 1024
  return (
    `[sweep ${label}] ${t.files} files, ${mb.toFixed(1)} MB, both sides in ${(t.ms / 1000).toFixed(1)} s = ${(t.ms / mb / 2).toFixed(0)} ms/MB per side; ` +
    `parsed ${t.parsed} of ${t.files * 2} transforms, changed ${t.changed}, segments cut ${t.cuts}, imports/declarations removed ${t.removed}, ` +
    `parse errors ${t.parseErrors.length}, untraced refusals ${t.refusals.length}, failures ${t.failures.length}`
  )
}

describe('real-world sweep', () => {
  const files = collect()

  it(`collects a corpus of installed packages (${PACKAGES.join(', ')})`, () => {
    expect(files.length).toBeGreaterThan(200)
  })

  it('default presets, both sides: no crash, every module without chains returns null', async () => {
    const t = await sweep(files, DEFAULT, true)
    console.log(summary('default presets', t))
    for (const e of t.parseErrors) console.log(`  E_PARSE ${e.file}: ${e.message}`)
    for (const r of t.refusals) console.log(`  E_UNTRACED_RECEIVER ${r}`)
    expect(t.failures, t.failures.join('\n')).toEqual([])
    // library code is not app code, yet almost none of it trips the soundness check: every call of a
    // cut method on it is traced to something that is not a chain, or has nothing a cut would remove
    expect(t.refusals.length, t.refusals.join('\n')).toBeLessThanOrEqual(2)
  })

  it('probe chain families over ordinary code, both sides: every changed output parses and is idempotent', async () => {
    const t = await sweep(files, PROBE, false)
    console.log(summary('probe families', t))
    expect(t.failures, t.failures.join('\n')).toEqual([])
    // the probes really cut real code
    expect(t.changed).toBeGreaterThan(50)
    // a sweep of 1,464 files on both sides, not a timed test: room for a busy machine
  }, 360_000)
})
