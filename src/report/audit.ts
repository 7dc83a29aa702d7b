/**
 * The data of the HTML audit (docs/audit.md): per environment, every module's report as the
 * JSON report has it, and for a module chaincut changed (or whose findings stopped the build)
 * its text and the edits that make this side's output from it; the import guard's decisions;
 * the build's summary. Nothing is analysed again: the texts and edits are what the transform
 * returned, kept by `AuditRecorder` only when an HTML report is asked for, until the build ends.
 */
import { createHash } from 'node:crypto'
import type { Finding, ModuleReport, Side } from '../types.js'
import type { GuardViolation } from '../guard/guard.js'
import { stripQuery } from '../util/ids.js'
import type { BuildErrors, BuildReport, Summary } from './json.js'

/** One edit as the output applies it: `[start, end)` of the module's text, what it is, the text put in its place. */
export type AuditEdit = [start: number, end: number, kind: 'cut' | 'desugar' | 'prune', text: string]

/** A module on one side: its report, and when it changed (or failed) its text and edits. */
export interface AuditModule extends ModuleReport {
  /** The module's text as chaincut received it: a key of `AuditData.texts` (changed or failed modules only). */
  source?: string
  /** The edits that make this side's output from `source`, in the order they apply (none overlap). */
  edits?: AuditEdit[]
  /** The output as a key of `AuditData.texts`: only when applying `edits` to `source` would not give it. */
  output?: string
  /** Its findings stopped the build (its `findings` are those errors): no output. */
  failed?: boolean
}

/** An import the guard denied: where, what, by which rule, through which importers, and whether it stopped the build. */
export interface AuditGuardDecision {
  level: 'error' | 'warn'
  side: Side
  importer: string
  source: string
  resolved: string | null
  rule: string
  line: number
  column: number
  chain: string[]
}

export interface AuditEnvironment {
  side: Side | null
  /** `vite`, `webpack`, `esbuild`…, `cli`, `babel` */
  bundler: string
  builtAt: string
  summary: Summary
  errors: BuildErrors
  modules: AuditModule[]
  guard: AuditGuardDecision[]
}

export interface AuditData {
  generatedBy: 'chaincut'
  kind: 'audit'
  format: 1
  /** Paths are shown relative to it. */
  root: string
  environments: Record<string, AuditEnvironment>
  /** Texts by the hash of their content: a module's text is kept once for both sides. */
  texts: Record<string, string>
}

interface Kept {
  code: string
  /** null: the module failed */
  output: string | null
  edits: AuditEdit[]
  failed?: { side: Side; findings: Finding[] }
}

/**
 * What the HTML audit needs beyond the build report, kept per environment and module id until
 * the environment's build ends: the module's text, its output and edits (a changed module), the
 * findings that stopped it (a failed one), and the import guard's decisions.
 */
export class AuditRecorder {
  private readonly environments = new Map<string, { modules: Map<string, Kept>; guard: AuditGuardDecision[] }>()

  private environment(name: string) {
    let env = this.environments.get(name)
    if (!env) this.environments.set(name, (env = { modules: new Map(), guard: [] }))
    return env
  }

  /** A module chaincut changed: its text, its output and the edits (the `EDITS` of the transform's result). */
  changed(environment: string, id: string, code: string, output: string, edits: ReadonlyArray<readonly [number, number, string, AuditEdit[2]]> | null): void {
    this.environment(environment).modules.set(stripQuery(id), { code, output, edits: ordered(edits ?? []) })
  }

  /** A module whose findings stopped the build. */
  failed(environment: string, id: string, side: Side, code: string, findings: Finding[]): void {
    this.environment(environment).modules.set(stripQuery(id), { code, output: null, edits: [], failed: { side, findings } })
  }

  /** An import the guard denied (an error stops the build; `onUnsafe: 'warn'` only warns). */
  guard(environment: string, violation: GuardViolation, level: 'error' | 'warn'): void {
    this.environment(environment).guard.push(guardDecision(violation, level))
  }

  /** Forgets what was kept for these environments (their build ended). */
  release(names: Iterable<string>): void {
    for (const name of names) this.environments.delete(name)
  }

  /**
   * The audit of the environments `report` holds (those this recorder saw fail, and `environments`
   * even with no module): each module's report with its text and edits when kept.
   */
  collect(report: BuildReport, context: { root: string; bundler: string; errors?: (environment: string) => BuildErrors | undefined; environments?: string[] }): AuditData {
    const texts: Record<string, string> = {}
    const keep = (text: string) => {
      const key = textKey(text)
      texts[key] = text
      return key
    }
    const environments: Record<string, AuditEnvironment> = {}
    const reports = report.toJSON()
    const builtAt = new Date().toISOString()
    for (const name of [...new Set([...Object.keys(reports), ...this.environments.keys(), ...(context.environments ?? [])])].sort()) {
      const kept = this.environments.get(name)
      const modules: AuditModule[] = []
      const seen = new Set<string>()
      for (const r of reports[name] ?? []) {
        seen.add(r.id)
        const k = kept?.modules.get(r.id)
        const entry: AuditModule = { ...r }
        if (k && k.output !== null) {
          entry.source = keep(k.code)
          entry.edits = k.edits
          if (applyEdits(k.code, k.edits) !== k.output) entry.output = keep(k.output)
        }
        modules.push(entry)
      }
      // modules whose findings stopped the build have no report: their findings are the entry
      for (const [id, k] of kept?.modules ?? []) {
        if (seen.has(id) || !k.failed) continue
        modules.push({ ...emptyReport(id, k.failed.side), findings: k.failed.findings, source: keep(k.code), failed: true })
      }
      modules.sort((a, b) => a.id.localeCompare(b.id))
      const guard = kept?.guard ?? []
      environments[name] = {
        side: modules[0]?.side ?? guard[0]?.side ?? null,
        bundler: context.bundler,
        builtAt,
        summary: report.summary(name),
        errors: context.errors?.(name) ?? { modules: 0, findings: 0, guard: 0 },
        modules,
        guard,
      }
    }
    return { generatedBy: 'chaincut', kind: 'audit', format: 1, root: context.root, environments, texts }
  }
}

/** A guard violation as the audit keeps it (its code frame is the module's text, shown by the page). */
export function guardDecision(violation: GuardViolation, level: 'error' | 'warn'): AuditGuardDecision {
  const { frame: _, ...rest } = violation
  return { level, ...rest }
}

/** A module's text or output as a key: the same text on both sides is kept once. */
const textKey = (text: string) => createHash('sha256').update(text).digest('base64url').slice(0, 16)

function emptyReport(id: string, side: Side): ModuleReport {
  return { id, side, cuts: [], desugared: [], removedImports: [], removedDeclarations: [], findings: [], notChains: [], unknowns: [], families: [], dependencies: [], resolutions: [], time: 0 }
}

/**
 * The edits in the order the output applies them (`rewrite/emit.ts`): by start, an insertion
 * before a range that starts at the same place, an edit inside one already applied dropped.
 */
function ordered(edits: ReadonlyArray<readonly [number, number, string, AuditEdit[2]]>): AuditEdit[] {
  const sorted = edits
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e[0] - b.e[0] || (a.e[0] === a.e[1] ? 0 : 1) - (b.e[0] === b.e[1] ? 0 : 1) || a.i - b.i)
  const out: AuditEdit[] = []
  let last = 0
  for (const { e } of sorted) {
    if (e[0] < last) continue
    out.push([e[0], e[1], e[3], e[2]])
    last = e[1]
  }
  return out
}

/** The output the edits make of `code` (the page does the same to show it). */
export function applyEdits(code: string, edits: ReadonlyArray<AuditEdit>): string {
  let text = ''
  let last = 0
  for (const [start, end, , replacement] of edits) {
    text += code.slice(last, start) + replacement
    last = end
  }
  return text + code.slice(last)
}

/**
 * `current` over `previous` (the data of the file already at the report's path): every
 * environment `current` holds replaces the one of that name, the others are kept, with the
 * texts they use.
 */
export function mergeAudit(previous: AuditData | null, current: AuditData): AuditData {
  if (!previous) return current
  const environments: Record<string, AuditEnvironment> = {}
  for (const name of [...new Set([...Object.keys(previous.environments), ...Object.keys(current.environments)])].sort()) {
    environments[name] = current.environments[name] ?? previous.environments[name]!
  }
  const texts: Record<string, string> = {}
  for (const env of Object.values(environments)) {
    for (const m of env.modules) {
      for (const key of [m.source, m.output]) {
        if (key === undefined) continue
        const text = current.texts[key] ?? previous.texts[key]
        if (text !== undefined) texts[key] = text
      }
    }
  }
  return { ...current, environments, texts }
}

/** Whether `value` is audit data chaincut wrote (anything else at the path is replaced whole). */
export function isAuditData(value: unknown): value is AuditData {
  const v = value as Partial<AuditData> | null
  return !!v && v.generatedBy === 'chaincut' && v.kind === 'audit' && v.format === 1 && typeof v.environments === 'object' && !!v.environments && typeof v.texts === 'object' && !!v.texts
}
