/**
 * What every bundler adapter shares: the options resolved once, side detection, the
 * per-build cache, the import guard's errors, the transform call, the source map
 * redactions and the report. Everything kept per module is keyed by module id, plain
 * data, and released when the build ends (`finish`).
 */
import { isAbsolute, resolve as resolvePath } from 'node:path'
import type { UnpluginContextMeta } from 'unplugin'
import { ModuleCache, defaultResolve } from '../../js/modules.js'
import { RESOLVED_CONFIG, type Config } from '../../config/config.js'
import { ChaincutError, formatFindings } from '../../findings/errors.js'
import { prepareHost } from '../setup.js'
import { EDITS, type StoredEdits } from '../../rewrite/emit.js'
import { cachedTransform, openCache, resolveThrough, type OpenCache } from '../../cache/disk-cache.js'
import { guardPrefilter } from '../../config/guard-matcher.js'
import { GuardError, importerChain, readImporter, violationAt, writtenImport } from '../../guard/guard.js'
import { BuildReport, type BuildErrors } from '../../report/json.js'
import { AuditRecorder, guardDecision, type AuditData } from '../../report/audit.js'
import { refuseInsideOutput, writeAuditHtml } from '../../report/html.js'
import { reportFile } from '../../config/options.js'
import type { ChaincutOptions, Side, SourceMapJSON } from '../../types.js'
import { SourceRedactions } from './redact.js'
import { bundlerResolver } from './resolve.js'
import { detectSide } from './sides.js'
import type { BundlerContext, ModuleInfoReader, SideOf } from './types.js'
import { stripQuery } from '../../util/ids.js'

/** An import the guard denies: the importer (null: not known yet), the import as seen, the file it reached. */
export interface GuardHit extends SideOf {
  importer: string | null
  source: string
  resolved: string | null
  rule: string
  /** where the reference is, when no literal in the importer names the file (a `require.context`, a glob) */
  at?: { line: number; column: number }
}

export interface Shared {
  readonly meta: UnpluginContextMeta
  readonly options: ChaincutOptions
  readonly config: Config
  /** the bundler's root (Vite's `root`), paths in messages are relative to it */
  root: string
  /** Vite's dev server: no bundle, no summary */
  dev: boolean
  readonly cache: ModuleCache
  readonly redactions: SourceRedactions
  /** dependency file → modules whose output depends on it (they followed a head into it) */
  readonly dependents: Map<string, Set<string>>
  /** ids the import guard may deny (a hook filter); null when a custom pattern needs every id */
  readonly guardedPath: RegExp | null
  /** whether the bundler prints an error's `frame` itself (then the message leaves it out) */
  readonly bundlerPrintsFrame: boolean
  sideOf(context: BundlerContext | undefined, hookOptions?: { ssr?: boolean }): SideOf
  /** the guard's rule for `id` on `side`, or null */
  ruleFor(side: Side, id: string): string | null
  /** The denied import as the importer wrote it (through an alias: the specifier in the code, and the file it reached). */
  asWritten<H extends GuardHit & { importer: string }>(context: BundlerContext, hit: H): Promise<H>
  /** The error for a denied import, with the import as written and the chain of importers. */
  guardError(context: BundlerContext, hit: GuardHit & { importer: string }, moduleInfo?: ModuleInfoReader): Promise<GuardError>
  /** The same for an import known as written (esbuild's and Bun's `onResolve`). */
  errorAt(hit: GuardHit & { importer: string }, moduleInfo?: ModuleInfoReader, code?: string): GuardError
  /** Fails the build with `error`, or warns with `onUnsafe: 'warn'`; counted for the summary either way. */
  raise(context: BundlerContext, error: GuardError, environment: string): void
  /** A guard decision for the HTML audit (`raise` records its own), also one made after the build ended (a bundle's asset). */
  recordGuard(environment: string, violation: GuardError['violation'], level: 'error' | 'warn'): void
  transform(context: BundlerContext, code: string, id: string, hookOptions?: { ssr?: boolean }): Promise<{ code: string; map: SourceMapJSON | null } | null>
  /** A file changed (no argument: a build starts): the persistent cache hashes it again. */
  forget(file?: string): void
  /** The build ended: the persistent cache's writes, the summary (unless in dev), the JSON report or the HTML audit, then everything kept for it is released. */
  finish(environments: string[] | undefined): Promise<void>
  /**
   * A folder the client's files are deployed or served from (an output folder of the client
   * build, Vite's `publicDir`): the HTML audit is never written inside one. Throws now if the
   * `report` path is inside; checked again before each write.
   */
  outputFolder(folder: string | null | undefined, what: string): void
  /**
   * Rollup and Rolldown name their output folder after the build ends (`renderStart`), Vite
   * empties its output folder after it: their adapter sets this, `finish` then keeps the HTML
   * audit for `flushAudit`, called once the output is written (or when none will be).
   */
  deferAudit: boolean
  /** Writes the HTML audit `finish` kept (see `deferAudit`); nothing when none is kept. */
  flushAudit(): void
}

/**
 * Whether the bundler will read a transform's source map. A Vite build says it will not with
 * `build.sourcemap` off and no output asking for one (Vite's dev server always maps); webpack
 * and Rspack with a loader context whose `sourceMap` is false (no `devtool`). Rollup, Rolldown
 * and esbuild decide at output time, after the transforms: they always get one.
 */
export function usesMaps(context: BundlerContext | undefined): boolean {
  if (context?.getNativeBuildContext?.()?.loaderContext?.sourceMap === false) return false
  const environment = context?.environment
  if (!environment || environment.mode !== 'build') return true
  const build = environment.config?.build
  if (!build || build.sourcemap) return true
  const outputs = build.rolldownOptions?.output ?? build.rollupOptions?.output
  return [outputs].flat().some((output) => !!(output as { sourcemap?: unknown } | undefined)?.sourcemap)
}

export function createShared(rawOptions: ChaincutOptions | undefined, meta: UnpluginContextMeta): Shared {
  // at config time, before anything reads them: a mistake in the options never fails open
  const host = prepareHost(rawOptions)
  const { options, config } = host
  const webpackFamily = meta.framework === 'webpack' || meta.framework === 'rspack'
  const report = new BuildReport()
  const reportOption = options.report ?? true
  const target = reportFile(reportOption)
  // the HTML audit: its texts and edits are kept only when it is asked for (nothing is kept otherwise)
  const audit = target?.kind === 'html' ? new HtmlAudit(target.path, String(reportOption), () => shared.root) : null
  /** environment → errors that stop the build, for the summary */
  const failures = new Map<string, BuildErrors>()
  // the persistent cache (docs/reference.md "Cache"), opened at the first transform: Vite's root is known by then
  let disk: OpenCache | null | undefined
  const diskCache = () => {
    if (disk === undefined) {
      const opened = openCache(shared.root, options)
      disk = 'off' in opened ? null : opened
    }
    return disk
  }
  const failed = (environment: string) => {
    let counts = failures.get(environment)
    if (!counts) failures.set(environment, (counts = { modules: 0, findings: 0, guard: 0 }))
    return counts
  }

  const shared: Shared = {
    meta,
    options,
    config,
    root: process.cwd(),
    dev: false,
    cache: new ModuleCache(),
    // Vite: only in `vite build` (set in `configResolved`)
    redactions: new SourceRedactions(meta.framework === 'rollup'),
    dependents: new Map(),
    guardedPath: guardPrefilter(config.isServerOnly, config.isClientOnly),
    bundlerPrintsFrame: meta.framework === 'vite' || meta.framework === 'rollup' || meta.framework === 'rolldown',

    sideOf: (context, hookOptions) => detectSide(context, meta, options, hookOptions),
    ruleFor: (side, id) => host.guardOf(side)(id),

    async asWritten(context, hit) {
      // an alias hands the guard the rewritten specifier or the file: name the import as written
      const resolve = bundlerResolver(context, meta) ?? defaultResolve
      const written = await writtenImport(readImporter(hit.importer), hit.importer, hit.source, hit.resolved, resolve)
      // an alias into the app: name the file it reached too
      if (!written.resolved && !/^\.{1,2}\//.test(written.source) && !isAbsolute(written.source)) {
        const file = await Promise.resolve(resolve(written.source, hit.importer)).catch(() => null)
        if (file && isAbsolute(file) && !/[\\/]node_modules[\\/]/.test(file)) written.resolved = stripQuery(file)
      }
      return { ...hit, ...written }
    },

    async guardError(context, hit, moduleInfo) {
      return shared.errorAt(await shared.asWritten(context, hit), moduleInfo)
    },

    errorAt(hit, moduleInfo, code) {
      const chain = importerChain(moduleInfo, hit.importer)
      const violation = violationAt(hit.side, hit.importer, hit.source, hit.resolved, hit.rule, [...chain, hit.resolved ?? hit.source], code, hit.at)
      // Vite's dev server re-locates an import's error at its own (0-based) column: the message gives the line only
      return new GuardError(violation, shared.root, { frameInMessage: !shared.bundlerPrintsFrame, columnInMessage: !(shared.dev && meta.framework === 'vite') })
    },

    raise(context, error, environment) {
      const warns = host.guardWarns(error.violation.side)
      audit?.guard(environment, error.violation, warns ? 'warn' : 'error')
      if (warns) {
        if (typeof context.warn === 'function') context.warn(error.message)
        else console.warn(error.message)
        return
      }
      failed(environment).guard++
      throw error
    },

    async transform(context, code, id, hookOptions) {
      const { side, environment } = shared.sideOf(context, hookOptions)
      const resolve = bundlerResolver(context, meta)
      const cache = shared.cache.scoped(environment)
      // a hit's resolutions are asked again as the transform asks them
      const scope = { environment, resolve: resolveThrough(cache, resolve ?? defaultResolve) }
      report.enter(environment)
      try {
        const result = await cachedTransform(diskCache(), code, id, <Parameters<typeof cachedTransform>[3]>{
          ...options,
          // the options were resolved once, when the plugin was created
          [RESOLVED_CONFIG]: config,
          side,
          resolve,
          cache,
          onReport: (r) => {
            report.add(environment, r)
            for (const dependency of r.dependencies) {
              let ids = shared.dependents.get(dependency)
              if (!ids) shared.dependents.set(dependency, (ids = new Set()))
              ids.add(r.id)
            }
          },
        }, scope)
        if (!result) return null
        const edits = (result as { [EDITS]?: StoredEdits })[EDITS] ?? null
        audit?.recorder.changed(environment, id, code, result.code, edits?.edits ?? null)
        shared.redactions.record(environment, id, code, edits)
        if (typeof context.addWatchFile === 'function') {
          for (const dependency of result.report.dependencies) context.addWatchFile(dependency)
        }
        // a map nothing reads is not made (Vite's own transforms return none then either)
        if (!usesMaps(context)) return { code: result.code, map: null }
        // webpack names a loader map's sources from absolute paths (as babel-loader writes them);
        // the file-relative name would lose its folder (`webpack:///ideas.ts`)
        if (webpackFamily) return { code: result.code, map: { ...result.map, sources: [stripQuery(id)] } }
        return { code: result.code, map: result.map }
      } catch (error) {
        if (error instanceof ChaincutError) {
          audit?.recorder.failed(environment, id, side, code, error.findings)
          const counts = failed(environment)
          counts.modules++
          counts.findings += error.findings.filter((f) => f.level === 'error').length || 1
          // paths relative to the root; each frame once, under its own finding: Vite and Rollup print
          // `frame` after the whole message, so it is theirs to print only when there is one finding
          const own = shared.bundlerPrintsFrame && error.findings.length === 1
          error.message = formatFindings(error.findings, shared.root, { firstFrame: !own })
          if (!own) (error as { frame?: string }).frame = undefined
          ;(error as { plugin?: string }).plugin = 'chaincut'
        }
        throw error
      } finally {
        report.leave(environment)
      }
    },

    forget(file) {
      disk?.disk.forget(file)
    },

    deferAudit: false,

    recordGuard: (environment, violation, level) => audit?.guard(environment, violation, level),
    outputFolder: (folder, what) => audit?.outputFolder(folder, what),
    flushAudit: () => audit?.flush(),

    async finish(environments) {
      // the entries written in the background, before the bundler exits
      await disk?.disk.flush()
      const names = environments ?? [...new Set([...report.environmentNames(), ...failures.keys()])]
      if (reportOption && !shared.dev) {
        for (const name of names) {
          const errors = failures.get(name)
          if (!report.summary(name).modules && !errors) continue
          console.log(report.format(name, shared.root, errors))
        }
      }
      try {
        if (target?.kind === 'json') report.write(target.path, shared.root)
        audit?.finish(report, { bundler: meta.framework, errors: (name) => failures.get(name), environments: names }, shared.deferAudit)
      } finally {
        audit?.recorder.release(names)
        for (const name of names) {
          report.release(name)
          failures.delete(name)
        }
        shared.cache.clear()
        shared.dependents.clear()
      }
    },
  }
  return shared
}

/**
 * The HTML audit of the plugin's builds (docs/audit.md): what the transforms return, kept by
 * `recorder` until a build ends, then written, or kept until the output is written
 * (`deferAudit`: Vite, Rollup, Rolldown), never inside a folder the client is deployed from.
 */
class HtmlAudit {
  readonly recorder = new AuditRecorder()
  /** folders the client's files are deployed or served from */
  private readonly folders: Array<{ folder: string; what: string }> = []
  /** the audit a build made, waiting for its output */
  private pending: AuditData | null = null

  constructor(
    private readonly path: string,
    private readonly option: string,
    private readonly root: () => string,
  ) {}

  /** Throws when the audit's path is inside a folder the client is deployed from. */
  private check(): void {
    const file = resolvePath(this.root(), this.path)
    for (const { folder, what } of this.folders) refuseInsideOutput(this.option, file, folder, what, this.root())
  }

  outputFolder(folder: string | null | undefined, what: string): void {
    if (!folder) return
    const absolute = resolvePath(this.root(), folder)
    if (!this.folders.some((known) => known.folder === absolute)) this.folders.push({ folder: absolute, what })
    try {
      this.check()
    } catch (error) {
      // refused: the audit this build made is written nowhere
      this.pending = null
      throw error
    }
  }

  /** A guard decision; one made after its build ended (a bundle's asset) goes into the audit that build made. */
  guard(environment: string, violation: GuardError['violation'], level: 'error' | 'warn'): void {
    const made = this.pending?.environments[environment]
    if (made) made.guard.push(guardDecision(violation, level))
    else this.recorder.guard(environment, violation, level)
  }

  /** A build ended: its audit written now, or with `defer` kept for `flush`. */
  finish(report: BuildReport, context: { bundler: string; errors: (environment: string) => BuildErrors | undefined; environments: string[] }, defer: boolean): void {
    const data = this.recorder.collect(report, { root: this.root(), ...context })
    if (!defer) return this.write(data)
    const pending = this.pending
    this.pending = pending ? { ...data, environments: { ...pending.environments, ...data.environments }, texts: { ...pending.texts, ...data.texts } } : data
  }

  flush(): void {
    const data = this.pending
    this.pending = null
    if (data) this.write(data)
  }

  private write(data: AuditData): void {
    this.check()
    writeAuditHtml(this.path, data, { root: this.root() })
  }
}
