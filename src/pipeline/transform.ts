/**
 * The pipeline: filter → parse → walk → recognise chains → cut → fold → prune → findings → emit.
 * The checks that make findings are `pipeline/checks.ts`'s, their words `findings/catalog.ts`'s.
 */
import type { ModuleReport, Resolver, Side, TransformOptions, TransformResult } from '../types.js'
import { join } from 'node:path'
import { analyzeModule, defaultResolve, ModuleCache, Suspend, type ModuleAnalysis } from '../js/modules.js'
import { Classifier, recognise, type RecognisedChain } from '../chains/index.js'
import { familiesOf } from '../chains/families.js'
import { nearestPackageDir } from '../js/packages.js'
import { resolveConfig, type Config, type SideTable } from '../config/config.js'
import { cutChains, declaredServerRendering } from '../rewrite/cut.js'
import { serverRenderingOf } from './engine.js'
import { foldSides } from '../rewrite/fold.js'
import { validateOptions } from '../config/options.js'
import { emit, normalizeEdits, withOutput } from '../rewrite/emit.js'
import { ChaincutError, ChaincutOptionsError } from '../findings/errors.js'
import { fatal } from '../findings/catalog.js'
import { LineIndex } from '../util/lines.js'
import { cleanId } from '../js/parse.js'
import { accountDecisions, exportedInCut, ModuleFindings, unresolvedHeads } from './checks.js'
import { moduleReferences, prune, RangeSet } from '../rewrite/prune.js'

const defaultCaches = new WeakMap<object, ModuleCache>()

/** The module was analysed: its report, also when nothing changed (the plugin's summary uses it). */
export type ReportListener = (report: ModuleReport) => void

const now = () => performance.now()

type Options = TransformOptions & { onReport?: ReportListener }

/** What every transform starts with: the options checked, the tables, the module cache; null when the text cannot hold a chain. */
function prepare(code: string, options: Options): { config: Config; cache: ModuleCache; resolve: Resolver } | null {
  if (options === null || typeof options !== 'object') validateOptions(options, 'transform')
  const side = options.side
  if (side !== 'client' && side !== 'server') {
    throw new ChaincutOptionsError('side', side, `transform() needs options.side: 'client' or 'server' (got ${JSON.stringify(side)})`)
  }
  const config = resolveConfig(options)
  // a module whose text cannot hold a chain costs no parse
  if (!config.mayContainChain[side](code)) return null
  // (the plugin's `cache` option is the persistent cache, not a module cache)
  let cache = options.cache instanceof ModuleCache ? options.cache : undefined
  if (!cache) {
    cache = defaultCaches.get(config)
    if (!cache) defaultCaches.set(config, (cache = new ModuleCache()))
  }
  return { config, cache, resolve: options.resolve ?? defaultResolve }
}

/** `transformSync`'s answer when a lookup would have to wait (a resolver that returns a promise, a scan of the app). */
export const WOULD_WAIT = Symbol('chaincut.wouldWait')

/**
 * The transform without waiting, for a host that cannot wait (a Babel plugin) and a resolver that
 * answers at once: the result, or `WOULD_WAIT` when a lookup is not answered yet (the host then
 * runs `transform()`, elsewhere). Nothing is lost by trying: the answers asked for are kept.
 */
export function transformSync(code: string, id: string, options: Options): TransformResult | null | typeof WOULD_WAIT {
  const started = now()
  const prepared = prepare(code, options)
  if (!prepared) return null
  const { config, cache, resolve } = prepared
  if (cache.prefetch(resolve, code, cleanId(id))) return WOULD_WAIT
  try {
    return transformNow(code, id, options, config, cache, resolve, started, now())
  } catch (error) {
    if (error instanceof Suspend) return WOULD_WAIT
    throw error
  }
}

export async function transform(code: string, id: string, options: Options): Promise<TransformResult | null> {
  const started = now()
  const prepared = prepare(code, options)
  if (!prepared) return null
  const { config, cache, resolve } = prepared
  // The work that needs the syntax tree is synchronous. A lookup the bundler has not answered yet
  // suspends it: the tree is dropped, the answer awaited, and the module analysed again with it
  // cached, so no tree is held while the bundler hands over other modules.
  const ahead = cache.prefetch(resolve, code, cleanId(id))
  if (ahead) await ahead
  for (let attempt = 0; ; attempt++) {
    let suspended: Suspend
    try {
      return transformNow(code, id, options, config, cache, resolve, started, now())
    } catch (error) {
      if (!(error instanceof Suspend)) throw error
      suspended = error
    }
    if (attempt > MAX_ATTEMPTS) throw new Error(`[chaincut] ${id}: the lookups of this module never settled`)
    await suspended.pending
  }
}

/** A module waits on the bundler at most once per import it follows: past this, something keeps changing under it. */
const MAX_ATTEMPTS = 10_000

/**
 * One analysis of the module, synchronous: the pipeline. A lookup the bundler has not answered
 * throws `Suspend` (from recognition, the engine's scan, the exported-in-cut check).
 */
function transformNow(
  code: string,
  id: string,
  options: TransformOptions & { onReport?: ReportListener },
  config: Config,
  cache: ModuleCache,
  resolve: Resolver,
  started: number,
  attempted: number,
): TransformResult | null {
  const side = options.side
  const file = cleanId(id)
  // side constants (`env.side.is.server`, `import.meta.env.SSR`): the walk records their reads only where the text may hold one
  const sides = config.sides[side]
  const folding = sides.mayContain(code)
  const module = analyzeModule(code, file, folding ? sides.walkOptions : config.walkOptions)
  const classifier = new Classifier({ config, cache, resolve, readFile: options.readFile })
  const chains = recogniseOrRefuse(classifier, module, side)

  const lines = new LineIndex(code)
  const findings = new ModuleFindings(file, lines, side, config.onUnsafe)
  // whether each points family server-renders: its `ssr`, else what the app's engine says
  const engine = serverRenderingOf(chains, side, module, classifier.dependencies, (f) => cache.get(f, config.walkOptions, options.readFile), cache, findings)
  const cut = cutChains(code, file, chains, side, (family) => engine.rendering.get(family) ?? declaredServerRendering(family))
  for (const f of cut.findings) findings.push(f, f.start, f.end)

  // side constants: folded, their dead branches cut (and pruned below like any cut code)
  const fold = folding ? foldSidesOrLeave(code, module, sides, side) : null
  if (fold) cut.edits.push(...fold.edits)
  unresolvedHeads(code, chains, findings)
  // cut ranges, outermost only; desugaring inside a cut argument is dropped with it
  let edits = normalizeEdits(cut.edits)
  const cutRanges = new RangeSet(edits.filter((e) => e.kind === 'cut' && e.end > e.start).map((e) => [e.start, e.end]))
  const mr = moduleReferences(module)
  const isGuarded = side === 'client' ? config.isServerOnly : config.isClientOnly
  const pruned = prune(code, module, mr, cutRanges, isGuarded, module.ast.comments ?? [])

  const { notChains, unknowns } = accountDecisions(classifier.decisions, cutRanges, lines, findings)
  exportedInCut(module, mr, cutRanges, side, isGuarded, classifier, findings)
  findings.throwErrors()

  const report: ModuleReport = {
    id: file,
    side,
    cuts: cut.cuts.map((c) => {
      const at = lines.position(c.start)
      return { method: c.method, rule: c.rule, family: c.family, line: at.line, column: at.column }
    }),
    desugared: cut.desugared.map((d) => ({ type: d.type, name: d.name, line: lines.position(d.start).line })),
    removedImports: pruned.removedImports.map((r) => ({ source: r.source, names: r.names, line: lines.position(r.start).line })),
    removedDeclarations: pruned.removedDeclarations.map((r) => ({ name: r.name, line: lines.position(r.start).line })),
    findings: findings.list,
    notChains,
    unknowns,
    families: familiesOf(file, config).reported as ModuleReport['families'],
    ...(fold?.folded.length
      ? {
          folded: fold.folded.map((f) => {
            const at = lines.position(f.start)
            return { expression: f.expression, value: f.value, line: at.line, column: at.column }
          }),
        }
      : {}),
    ...(engine.serverRendering ? { serverRendering: engine.serverRendering } : {}),
    dependencies: [...new Set([...classifier.dependencies, ...[...classifier.manifests].map((dir) => join(dir, 'package.json')), ...engine.engineFiles, ...appManifest(file)])],
    resolutions: classifier.resolutions,
    ...(classifier.appScans.size ? { appScans: [...classifier.appScans].sort() } : {}),
    ...(classifier.assumedParams.length || classifier.passedParams.length ? { params: { assumed: classifier.assumedParams, passed: classifier.passedParams } } : {}),
    time: 0,
  }

  edits = normalizeEdits([...edits, ...pruned.edits])
  if (!edits.length) {
    report.time = now() - started
    report.cpu = now() - attempted
    options.onReport?.(report)
    return null
  }
  const out = emit(code, file, edits, side === 'client')
  report.time = now() - started
  report.cpu = now() - attempted
  options.onReport?.(report)
  return withOutput({ code: out.code, report, inputs: { files: report.dependencies, resolutions: report.resolutions } } as TransformResult, out)
}

/** The module's chains; following a head through thousands of nested aliases or members is refused (`E_TOO_DEEP`), never a crash. */
function recogniseOrRefuse(classifier: Classifier, module: ModuleAnalysis, side: Side): RecognisedChain[] {
  try {
    return recognise(classifier, module, side)
  } catch (error) {
    if (!(error instanceof RangeError)) throw error
    throw new ChaincutError(module.id, [fatal('E_TOO_DEEP', {}, { file: module.id, line: 1, column: 0, frame: '' })])
  }
}

/** The package.json that says which families count in this module (editing its dependencies changes the output). */
function appManifest(file: string): string[] {
  const dir = nearestPackageDir(file)
  return dir ? [join(dir, 'package.json')] : []
}

/** The side constants folded; an expression nested past the stack is left as written (a runtime read, as without folding), never a crash. */
function foldSidesOrLeave(code: string, module: ModuleAnalysis, sides: SideTable, side: Side): ReturnType<typeof foldSides> | null {
  try {
    return foldSides(code, module, sides, side)
  } catch (error) {
    if (!(error instanceof RangeError)) throw error
    return null
  }
}

