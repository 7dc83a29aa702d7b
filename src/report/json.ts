/**
 * The build report (docs/reference.md "Report"): per module what was cut and removed, and after
 * a build one summary table per environment; optionally the JSON.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { findingPlace } from '../findings/errors.js'
import type { ModuleReport } from '../types.js'

export interface Summary {
  environment: string
  modules: number
  transformed: number
  segmentsCut: number
  byMethod: Record<string, number>
  importsRemoved: number
  declarationsRemoved: number
  findings: number
  /** Modules whose result came from the persistent cache (docs/reference.md "Cache"). */
  cached: number
  /** Wall-clock milliseconds during which at least one chaincut transform was running (overlapping transforms counted once). */
  wall: number
  /** Milliseconds of analysis on the main thread, summed over modules (parse to emit; cache hits cost none). */
  cpu: number
}

/** What stops a build, counted by the plugin for the summary: modules whose findings threw, those findings, import guard violations. */
export interface BuildErrors {
  modules: number
  findings: number
  guard: number
}

export class BuildReport {
  /** environment → module id → report (a re-transform replaces the module's entry) */
  private readonly environments = new Map<string, Map<string, ModuleReport>>()

  /** environment → the transforms running now, since when the first of them started, and the time with any running */
  private readonly busy = new Map<string, { running: number; since: number; wall: number }>()

  /** A transform starts in `environment`: with `leave`, the wall-clock time during which any ran (a union of intervals). */
  enter(environment: string): void {
    let busy = this.busy.get(environment)
    if (!busy) this.busy.set(environment, (busy = { running: 0, since: 0, wall: 0 }))
    if (busy.running++ === 0) busy.since = performance.now()
  }

  leave(environment: string): void {
    const busy = this.busy.get(environment)
    if (busy && busy.running > 0 && --busy.running === 0) busy.wall += performance.now() - busy.since
  }

  add(environment: string, report: ModuleReport): void {
    let modules = this.environments.get(environment)
    if (!modules) this.environments.set(environment, (modules = new Map()))
    modules.set(report.id, report)
  }

  /** Environments this report has written to its JSON file, whose entries a later write keeps. */
  private readonly written = new Set<string>()

  /** Forgets an environment's modules (its build ended and was reported): nothing stays reachable after a build. */
  release(environment: string): void {
    this.environments.delete(environment)
    this.busy.delete(environment)
  }

  environmentNames(): string[] {
    return [...this.environments.keys()]
  }

  summary(environment: string): Summary {
    const modules = [...(this.environments.get(environment)?.values() ?? [])]
    const byMethod: Record<string, number> = {}
    let segmentsCut = 0
    for (const m of modules) {
      for (const cut of m.cuts) {
        byMethod[cut.method] = (byMethod[cut.method] ?? 0) + 1
        segmentsCut++
      }
    }
    return {
      environment,
      modules: modules.length,
      transformed: modules.filter((m) => m.cuts.length || m.desugared.length || m.removedImports.length || m.removedDeclarations.length).length,
      segmentsCut,
      byMethod,
      importsRemoved: modules.reduce((n, m) => n + m.removedImports.reduce((k, r) => k + r.names.length, 0), 0),
      declarationsRemoved: modules.reduce((n, m) => n + m.removedDeclarations.length, 0),
      findings: modules.reduce((n, m) => n + m.findings.length, 0),
      cached: modules.filter((m) => m.cached).length,
      wall: this.busy.get(environment)?.wall ?? 0,
      cpu: modules.reduce((n, m) => n + (m.cpu ?? 0), 0),
    }
  }

  /**
   * The summary as text. `errors` counts what stops the build (findings that threw, import
   * guard violations): with any, the header says the build failed and a row counts them.
   */
  format(environment: string, root = process.cwd(), errors: BuildErrors = { modules: 0, findings: 0, guard: 0 }): string {
    const s = this.summary(environment)
    const failed = errors.findings + errors.guard
    const methods = Object.entries(s.byMethod)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([m, n]) => `${m} ${n}`)
      .join(', ')
    const rows: Array<[string, string]> = [
      // a module whose findings stopped the build has no report: it was parsed all the same; one
      // from the persistent cache was not parsed (its own row says how many)
      ['modules parsed', String(s.modules - s.cached + errors.modules)],
      ['modules changed', String(s.transformed)],
      ['segments cut', `${s.segmentsCut}${methods ? ` (${methods})` : ''}`],
      ['imports removed', String(s.importsRemoved)],
      ['declarations removed', String(s.declarationsRemoved)],
      ...(failed
        ? [['errors', `${failed} (${[errors.guard && `${errors.guard} import guard`, errors.findings && `${errors.findings} unsafe code`].filter(Boolean).join(', ')})`] as [string, string]]
        : []),
      ['findings', String(s.findings)],
      ['time with a transform running', `${s.wall.toFixed(1)} ms (wall clock)`],
      ['analysis', `${s.cpu.toFixed(1)} ms (CPU, main thread)`],
    ]
    if (s.cached) rows.splice(rows.length - 2, 0, ['from the cache', `${s.cached} of ${s.modules} modules`])
    const width = Math.max(...rows.map((r) => r[0].length))
    const lines = [`[chaincut] ${environment} build${failed ? ' failed' : ''}`]
    for (const [k, v] of rows) lines.push(`  ${k.padEnd(width)}  ${v}`)
    const warned = [...(this.environments.get(environment)?.values() ?? [])].flatMap((m) => m.findings)
    for (const f of warned) lines.push(`  ${f.level}: ${f.code} ${findingPlace(f, root)} ${f.message}`, `    hint: ${f.hint}`)
    return lines.join('\n')
  }

  toJSON(): Record<string, ModuleReport[]> {
    const out: Record<string, ModuleReport[]> = {}
    for (const [env, modules] of [...this.environments].sort((a, b) => a[0].localeCompare(b[0]))) {
      out[env] = [...modules.values()].sort((a, b) => a.id.localeCompare(b.id))
    }
    return out
  }

  /**
   * Writes the JSON report (docs/reference.md "Report": absolute paths, 1-based lines, 0-based columns).
   * The environments the file already holds are kept, each replaced when this build reports it:
   * a Vite build ends its client and server environments one after the other, and a client
   * `vite build` and a `vite build --ssr` are two processes writing the same file.
   */
  write(path: string, root = process.cwd()): string {
    const file = resolve(root, path)
    const environments: Record<string, ModuleReport[]> = {}
    let previous: Record<string, ModuleReport[]> = {}
    try {
      const json = JSON.parse(readFileSync(file, 'utf8'))
      // only a report chaincut wrote: any other file there is replaced whole
      if (json?.generatedBy === 'chaincut' && json.environments && typeof json.environments === 'object') previous = json.environments
    } catch {
      previous = {}
    }
    const current = this.toJSON()
    for (const name of [...new Set([...this.written, ...Object.keys(previous), ...Object.keys(current)])].sort()) {
      const modules = current[name] ?? previous[name]
      if (modules) environments[name] = modules
      this.written.add(name)
    }
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, JSON.stringify({ generatedBy: 'chaincut', environments }, null, 2) + '\n')
    return file
  }
}
