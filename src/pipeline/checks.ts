/**
 * The checks that turn what the analysis found into findings (docs/ARCHITECTURE.md,
 * "Findings"): chains cut to fail safe, every cut-method call outside a cut accounted for,
 * and exported code or data that cut code uses. Their words and levels are the catalog's
 * (`findings/catalog.ts`).
 */
import type * as t from '@babel/types'
import type { Finding, ModuleReport, Side } from '../types.js'
import type { Classifier, Decision, RecognisedChain } from '../chains/index.js'
import { ChaincutError } from '../findings/errors.js'
import { describe, levelOf, type FindingCode, type FindingParams, type FindingText } from '../findings/catalog.js'
import type { LineIndex } from '../util/lines.js'
import type { ModuleAnalysis } from '../js/modules.js'
import { liveBindings, RangeSet, stayingUnits, type ModuleReferences } from '../rewrite/prune.js'
import type { Binding } from '../js/scope.js'

/**
 * The findings of one module: the catalog's words, the level its policy gives on this side,
 * and a place; the code frame is built when read.
 */
export class ModuleFindings {
  readonly list: Finding[] = []
  constructor(
    private readonly file: string,
    private readonly lines: LineIndex,
    private readonly side: Side,
    private readonly onUnsafe: 'error' | 'warn',
  ) {}

  add<C extends FindingCode>(code: C, params: FindingParams<C>, start: number, end: number): void {
    this.push(describe(code, params), start, end)
  }

  /** A finding described elsewhere (`rewrite/cut.ts`). */
  push(text: FindingText, start: number, end: number): void {
    const pos = this.lines.position(start)
    const level = levelOf(text.code, this.side, this.onUnsafe)
    this.list.push(lazyFrame({ level, code: text.code, message: text.message, hint: text.hint, file: this.file, line: pos.line, column: pos.column } as Finding, this.lines, start, end))
  }

  /** Stops the build with every error of the module, if there is one. */
  throwErrors(): void {
    const errors = this.list.filter((f) => f.level === 'error')
    if (errors.length) throw new ChaincutError(this.file, errors)
  }
}

/** Where a finding keeps what its code frame is made from (a symbol: no field a caller sees). */
const FRAME = Symbol('chaincut.frame')
type FrameSource = { lines: LineIndex; start: number; end: number; frame?: string }

// A shared getter, never a closure: a closure made inside the transform would keep its whole
// scope alive (the syntax tree, the walk) as long as a bundler or the report holds the finding,
// and a new getter per finding gives each finding its own hidden class.
function readFrame(this: { [FRAME]: FrameSource }): string {
  const source = this[FRAME]
  return (source.frame ??= source.lines.frame(source.start, source.end))
}

/** The code frame splits the whole file: built only when someone reads it. */
function lazyFrame(finding: Finding, lines: LineIndex, start: number, end: number): Finding {
  Object.defineProperty(finding, FRAME, { value: { lines, start, end } satisfies FrameSource })
  Object.defineProperty(finding, 'frame', { enumerable: true, get: readFrame })
  return finding
}

/** Chains cut to fail safe on a receiver chaincut cannot trace: one warning per receiver, not per chain. */
export function unresolvedHeads(code: string, chains: RecognisedChain[], findings: ModuleFindings): void {
  const warnedBases = new Set<string>()
  for (const chain of chains) {
    if (!chain.assumed) continue
    const base = chain.run.base
    const key = code.slice(base.start!, base.end!)
    if (warnedBases.has(key)) continue
    warnedBases.add(key)
    findings.add('W_UNRESOLVED_HEAD', { family: chain.segments[0]?.family.name ?? '', assumed: chain.assumed }, base.start!, base.end!)
  }
}

/** Every call or read of a cut method outside the cut: proven not a chain (returned for the report), or a finding. */
export function accountDecisions(decisions: Decision[], cutRanges: RangeSet, lines: LineIndex, findings: ModuleFindings): Pick<ModuleReport, 'notChains' | 'unknowns'> {
  const notChains: ModuleReport['notChains'] = []
  const unknowns: ModuleReport['unknowns'] = []
  for (const decision of decisions) {
    const node = decision.node
    if (cutRanges.has(node.start!)) continue
    switch (decision.kind) {
      case 'notChain':
        notChains.push({ method: decision.method, reason: decision.reason, ...lines.position(node.start!) })
        break
      case 'lateParam':
        findings.add('E_CHAIN_PARAM_LATE', { family: decision.family.name, function: decision.function, builtFirst: decision.builtFirst }, node.start!, node.end!)
        break
      case 'unknown':
        unknowns.push({ method: decision.method, reason: decision.reason, ...lines.position(node.start!) })
        break
      case 'takenOff':
        findings.add(decision.destructured ? 'E_DESTRUCTURED_SEGMENT' : 'E_SEGMENT_TAKEN_OFF', { family: decision.family.name, method: decision.method }, node.start!, node.end!)
        break
      case 'untraced':
        findings.add('E_UNTRACED_RECEIVER', { method: decision.method, families: decision.families, reason: decision.reason }, node.start!, node.end!)
        break
    }
  }
  return { notChains, unknowns }
}

/**
 * A cut argument that uses exported code or data of its module: that code cannot be removed
 * and ships. Exported data only cut code uses is a warning (`W_EXPORTED_DATA_IN_CUT`, never for
 * a chain); exported code is an error (`E_EXPORTED_IN_CUT`) only when nothing kept uses it and
 * keeping it keeps a guarded import or a name only cut code used. May throw `Suspend` (reading
 * a binding's value).
 */
export function exportedInCut(
  module: ModuleAnalysis,
  mr: ModuleReferences,
  cutRanges: RangeSet,
  side: Side,
  isGuarded: (source: string) => string | null,
  classifier: Classifier,
  findings: ModuleFindings,
): void {
  if (!cutRanges.size) return
  const flagged = new Set<string>()
  let liveNow: Set<Binding> | undefined
  let exportLists: RangeSet | undefined
  let staying: ReturnType<typeof stayingUnits> | undefined
  for (let i = 0; i < mr.refs.length; i++) {
    const ref = mr.refs[i]
    const binding = mr.bindings[i]
    if (!binding.exported || flagged.has(binding.name) || !cutRanges.has(ref.start)) continue
    if (!isExportedCode(binding.id, module.ast.program)) {
      // exported data (a schema shared with client code, a config object): a warning when
      // nothing kept in this module uses it, since then it is likely server-only
      if (binding.kind === 'import' || mr.refs.some((r, k) => mr.bindings[k] === binding && !cutRanges.has(r.start))) continue
      flagged.add(binding.name)
      // a chain is not data: an exported point another point builds on is what chains are made of
      const value = classifier.binding(binding, module, null)
      if (value.kind === 'chain' || value.kind === 'head' || value.kind === 'lets') continue
      findings.add('W_EXPORTED_DATA_IN_CUT', { name: binding.name, side }, ref.start, ref.end)
      continue
    }
    flagged.add(binding.name)
    // exported code ships anyway (other modules import it): keeping it is fine, unless it is what
    // keeps something this side must not have — a guarded import, or a name only cut code used
    const declaration = exportedCodeNode(binding.id, module.ast.program)!
    const inside = (at: number) => at >= declaration.start! && at < declaration.end!
    // what stays only because this exported code stays: live now, dead were it cut too
    staying ??= stayingUnits(module, mr)
    liveNow ??= liveBindings(module, mr, cutRanges, staying)
    const live = liveNow
    const stays = staying
    // kept code of this module uses it too: it stays for that, with what it needs
    // (`export { name }` is no use)
    exportLists ??= new RangeSet(module.ast.program.body.filter((st) => st.type === 'ExportNamedDeclaration' && !st.declaration && !st.source).map((st) => [st.start!, st.end!]))
    const lists = exportLists
    const usedByKept = mr.refs.some((r, j) => mr.bindings[j] === binding && !cutRanges.has(r.start) && !inside(r.start) && !lists.has(r.start) && (r.owner === null || stays.includes(r.owner) || r.owner.bindings.some((b) => live.has(b))))
    if (usedByKept) continue
    const liveWithout = liveBindings(module, mr, new RangeSet([...cutRanges.ranges(), [declaration.start!, declaration.end!]]), staying)
    const kept = new Set<string>()
    for (let k = 0; k < mr.refs.length; k++) {
      const used = mr.bindings[k]
      const at = mr.refs[k].start
      if (!inside(at) || cutRanges.has(at) || used === binding || used.exported || kept.has(used.name)) continue
      const guarded = used.kind === 'import' && used.importSource !== null ? isGuarded(used.importSource) : null
      const onlyHere = liveNow.has(used) && !liveWithout.has(used)
      if (!guarded && !onlyHere) continue
      kept.add(used.name)
      const guard = guarded ? { source: used.importSource!, rule: guarded } : null
      findings.add('E_EXPORTED_IN_CUT', { name: binding.name, side, kept: used.name, guard }, ref.start, ref.end)
    }
  }
}

/** An exported function, class, or const holding a function: code, not data or a chain. */
function isExportedCode(id: t.Identifier, program: t.Program): boolean {
  return exportedCodeNode(id, program) !== null
}

/** The declaration of exported code (the function, the class, the declarator), or null. */
function exportedCodeNode(id: t.Identifier, program: t.Program): t.Node | null {
  for (const statement of program.body) {
    const decl = statement.type === 'ExportNamedDeclaration' ? statement.declaration : statement
    if (!decl) continue
    if ((decl.type === 'FunctionDeclaration' || decl.type === 'ClassDeclaration') && decl.id === id) return decl
    if (decl.type === 'VariableDeclaration') {
      for (const d of decl.declarations) {
        if (d.id !== id || !d.init) continue
        let init: t.Node = d.init
        while (init.type === 'TSAsExpression' || init.type === 'TSSatisfiesExpression' || init.type === 'ParenthesizedExpression') init = init.expression
        return init.type === 'ArrowFunctionExpression' || init.type === 'FunctionExpression' || init.type === 'ClassExpression' ? d : null
      }
    }
  }
  return null
}
