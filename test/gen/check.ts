/**
 * The invariants of issue 7 item 1, checked on one rendered module and one side.
 * Throws an Error naming the invariant, the side and the module's code.
 */
import { ChaincutError, point0, tailorkit, transform, type TransformOptions } from '../../src/index.js'
import { findRuns, parseAs, topLevelNames, type FoundRun } from './inspect.js'
import { expectedRemovals, type SegExpect, type Side } from './model.js'
import type { ExpectedRun, RenderedModule } from './modules.js'

const optionCache = new Map<string, TransformOptions>()
/** One options object per combination, so chaincut's per-options config is built once. */
export function optionsFor(side: Side, ssr: boolean, cutSchemas: boolean): TransformOptions {
  const key = `${side}/${ssr}/${cutSchemas}`
  let options = optionCache.get(key)
  if (!options) {
    options = { side, presets: [point0({ ssr }), tailorkit({ cutSchemas })], resolve: () => null }
    optionCache.set(key, options)
  }
  return options
}

export class InvariantError extends Error {}
export class GeneratorError extends Error {}

const SKIP_FIRST = new Set(['createTailorKit'])

function compareRuns(code: string, found: FoundRun[], expected: ExpectedRun[], which: 'input' | Side): void {
  const fail = (msg: string) => {
    if (which === 'input') throw new GeneratorError(`generator/input mismatch: ${msg}`)
    throw new InvariantError(`[${which}] ${msg}`)
  }
  const show = (runs: Array<{ base: string; names: string[] }>) => runs.map((r) => `${r.base}: ${r.names.join('.')}`).join('\n    ')
  const foundShort = found.map((r) => ({ base: r.base, names: r.calls.map((c) => c.name) }))
  const expectedShort = expected.map((r) => ({ base: r.base, names: r.segs.map((s) => (which === 'input' ? s.inName : s.outName)) }))
  if (JSON.stringify(foundShort) !== JSON.stringify(expectedShort)) {
    fail(`each chain keeps its calls, in order:\n  expected runs:\n    ${show(expectedShort)}\n  found:\n    ${show(foundShort)}`)
  }
  found.forEach((run, r) => {
    run.calls.forEach((call, i) => {
      const seg = expected[r].segs[i]
      const where = `run ${r} (${run.base}) segment ${i} .${call.name}(...)`
      if (which === 'input') {
        if (call.inner !== seg.inInner) fail(`${where}: input text ${JSON.stringify(call.inner)} != generated ${JSON.stringify(seg.inInner)}`)
        return
      }
      const expect: SegExpect = seg.expect[which]
      if (expect.kind === 'exact') {
        if (call.inner !== expect.inner) {
          fail(`${where}: the text between the parentheses must be ${JSON.stringify(expect.inner)} (input: ${JSON.stringify(seg.inInner)}), got ${JSON.stringify(call.inner)}`)
        }
        return
      }
      // keys(...): the object keeps exactly the other properties, byte-identical, in order
      const args = call.call.arguments
      if (args.length !== expect.args.length) fail(`${where}: keys rule must keep ${expect.args.length} arguments, got ${args.length}: ${JSON.stringify(call.inner)}`)
      expect.args.forEach((e, k) => {
        const arg = args[k]
        const text = code.slice(arg.start!, arg.end!)
        if ('literal' in e) {
          if (text !== e.literal) fail(`${where}: literal argument ${k} must stay ${JSON.stringify(e.literal)}, got ${JSON.stringify(text)}`)
          return
        }
        if (arg.type !== 'ObjectExpression') fail(`${where}: argument ${k} must stay an object literal, got ${JSON.stringify(text)}`)
        const props = (arg as { properties: Array<{ start?: number | null; end?: number | null }> }).properties.map((p) => code.slice(p.start!, p.end!))
        if (JSON.stringify(props) !== JSON.stringify(e.props)) {
          fail(`${where}: object argument must keep exactly ${JSON.stringify(e.props)} (input: ${JSON.stringify(seg.inInner)}), got ${JSON.stringify(props)}`)
        }
      })
    })
  })
}

/** The input matches what the generator meant (a check of the generator, not of chaincut). */
export function checkInput(m: RenderedModule): string[] {
  const ast = parseAs(m.code, m.id)
  compareRuns(m.code, findRuns(m.code, ast, m.bases, SKIP_FIRST), m.runs, 'input')
  return topLevelNames(ast)
}

/** Which side, if any, must fail with E_EXPORTED_IN_CUT: cut code on it uses exported code of the module. */
export function expectedError(m: RenderedModule, side: Side): string | null {
  // findings are fatal only in the client build (README: decisions)
  if (side !== 'client') return null
  // exported code that cut code uses stays (it ships anyway); it is an error only when nothing kept
  // uses it and keeping it keeps a guarded import or a name that would otherwise be removed
  const removals = expectedRemovals(m.bindings, m.keptRefs[side], m.cutRefs[side], side)
  for (const e of new Set(m.cutRefs[side])) {
    const helper = m.bindings[e]
    if (!helper?.exportedCode) continue
    const usedByKept = m.keptRefs[side].includes(e) || helper.fromHelpers.some((h) => !removals.has(h))
    if (usedByKept) continue
    if (m.bindings.some((b) => b.fromHelpers.includes(e) && !b.exported && b.guarded[side])) return 'E_EXPORTED_IN_CUT'
    const without = expectedRemovals(m.bindings.map((b, i) => (i === e ? { ...b, exported: false } : b)), m.keptRefs[side], m.cutRefs[side], side)
    for (const i of without) if (i !== e && !removals.has(i)) return 'E_EXPORTED_IN_CUT'
  }
  return null
}

export async function checkSide(m: RenderedModule, side: Side, inputNames: string[]): Promise<void> {
  const options = optionsFor(side, m.options.ssr, m.options.cutSchemas)
  const fail = (msg: string): never => {
    throw new InvariantError(`[${side}] ${msg}`)
  }
  let first: Awaited<ReturnType<typeof transform>>
  try {
    first = await transform(m.code, m.id, options)
  } catch (error) {
    const code = error instanceof ChaincutError ? error.findings.map((f) => f.code).join(',') : 'unhandled'
    const wanted = expectedError(m, side)
    if (wanted && error instanceof ChaincutError && error.findings.some((f) => f.code === wanted)) return
    return fail(`transform threw (${code}): ${(error as Error).stack ?? error}`)
  }
  const wanted = expectedError(m, side)
  if (wanted) fail(`expected a ChaincutError ${wanted} (cut code uses exported code), got ${first ? 'an output' : 'null'}`)
  const out = first ? first.code : m.code

  // 0. deterministic: the same input gives the same bytes again
  const repeat = await transform(m.code, m.id, options)
  if ((repeat?.code ?? null) !== (first?.code ?? null)) fail(`a second transform of the same input gave different bytes`)

  // 1. the output parses, in the same dialect
  let ast
  try {
    ast = parseAs(out, m.id)
  } catch (error) {
    return fail(`the output does not parse: ${(error as Error).message}\n--- output ---\n${out}`)
  }

  // 2. a second pass changes nothing
  let second: Awaited<ReturnType<typeof transform>>
  try {
    second = await transform(out, m.id, options)
  } catch (error) {
    return fail(`the second pass threw: ${(error as Error).message}\n--- output ---\n${out}`)
  }
  if (second && second.code !== out) fail(`a second pass changed the output:\n--- first ---\n${out}\n--- second ---\n${second.code}`)

  // 3. every chain: calls in order; cut segments cut as their rule says; every other argument byte-identical
  try {
    compareRuns(out, findRuns(out, ast, m.bases, SKIP_FIRST), m.runs, side)
  } catch (error) {
    fail(`${(error as Error).message}\n--- output ---\n${out}`)
  }

  // 4. pruning: exactly the bindings the cut made unreferenced are gone
  const removed = expectedRemovals(m.bindings, m.keptRefs[side], m.cutRefs[side], side)
  const removedNames = new Set([...removed].map((i) => m.bindings[i].name))
  const expectedNames = inputNames.filter((n) => !removedNames.has(n)).sort()
  const actualNames = topLevelNames(ast).sort()
  if (JSON.stringify(expectedNames) !== JSON.stringify(actualNames)) {
    const missing = expectedNames.filter((n) => !actualNames.includes(n))
    const extra = actualNames.filter((n) => !expectedNames.includes(n))
    fail(
      `module-scope bindings: ${missing.length ? `removed but used by kept code (or already unused): ${missing.join(', ')}; ` : ''}` +
        `${extra.length ? `kept but only cut code used them: ${extra.join(', ')}` : ''}\n--- output ---\n${out}`,
    )
  }

  // 4b. the report lists exactly what was cut and removed (docs/reference.md "Report")
  if (first) {
    const changedSegs = m.runs.flatMap((r) => r.segs).filter((seg) => {
      if (seg.inName.startsWith('lets')) return false // openers are desugared, not cut
      const e = seg.expect[side]
      return e.kind === 'exact' ? e.inner !== seg.inInner : e.args.some((a, k) => 'props' in a && a.props.length !== propCount(seg.inInner, k))
    })
    const cutNames = first.report.cuts.map((c) => c.method).sort()
    const wantCut = changedSegs.map((seg) => seg.inName).sort()
    if (JSON.stringify(cutNames) !== JSON.stringify(wantCut)) fail(`report.cuts lists ${JSON.stringify(cutNames)}, the segments cut are ${JSON.stringify(wantCut)}`)
    const reported = [
      ...first.report.removedImports.flatMap((r) => r.names),
      ...first.report.removedDeclarations.map((d) => d.name),
    ].sort()
    const wantRemoved = [...removedNames].sort()
    if (JSON.stringify(reported) !== JSON.stringify(wantRemoved)) fail(`the report lists removed ${JSON.stringify(reported)}, removed are ${JSON.stringify(wantRemoved)}`)
  }

  // 5. markers: what the side cuts is gone from the whole output; what it keeps is there
  for (const marker of m.cutMarkers[side]) if (out.includes(marker)) fail(`cut code leaked: ${marker} is still in the output\n--- output ---\n${out}`)
  for (const marker of m.keptMarkers[side]) if (!out.includes(marker)) fail(`kept code lost: ${marker} is missing\n--- output ---\n${out}`)
  for (const [index, marker] of m.helperMarkers) {
    const gone = removed.has(index)
    if (gone && out.includes(marker)) fail(`removed helper ${m.bindings[index].name} leaked (${marker})\n--- output ---\n${out}`)
    if (!gone && !out.includes(marker)) fail(`kept helper ${m.bindings[index].name} lost (${marker})\n--- output ---\n${out}`)
  }

  // 6. code that is not a chain is byte-identical
  for (const text of m.verbatim) if (!out.includes(text)) fail(`not-a-chain code changed:\n${text}\n--- output ---\n${out}`)
}

/** How many properties the k-th argument (an object literal) of a call's argument text has. */
function propCount(inner: string, k: number): number {
  const ast = parseAs(`f(${inner})`, '/x.tsx')
  const call = (ast.program.body[0] as { expression: { arguments: Array<{ type: string; properties?: unknown[] }> } }).expression
  return call.arguments[k]?.properties?.length ?? 0
}
