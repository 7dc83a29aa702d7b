/**
 * The pipeline: filter → parse → walk → recognise chains → cut → prune → emit.
 */
import type { ChainFamily, Finding, ModuleReport, Resolver, TransformOptions, TransformResult } from '../types.js'
import { join } from 'node:path'
import { analyzeModule, defaultResolve, ModuleCache, Suspend } from './modules.js'
import { Classifier } from './chains.js'
import { resolveConfig, type Config } from './config.js'
import { cutChains, declaredServerRendering, ruleOf } from './cut.js'
import { detectServerRendering } from './engine.js'
import { foldSides } from './sides.js'
import { ChaincutOptionsError, validateOptions } from './options.js'
import { emit, normalizeEdits, type Edit } from './emit.js'
import { ChaincutError } from './errors.js'
import { LineIndex } from './lines.js'
import { cleanId } from './parse.js'
import { liveBindings, moduleReferences, prune, RangeSet, stayingUnits } from './prune.js'
import type { Binding } from './scope.js'
import type * as t from '@babel/types'

const defaultCaches = new WeakMap<object, ModuleCache>()

/** The module was analysed: its report, also when nothing changed (the plugin's summary uses it). */
export type ReportListener = (report: ModuleReport) => void

const now = () => performance.now()

export async function transform(
  code: string,
  id: string,
  options: TransformOptions & { onReport?: ReportListener },
): Promise<TransformResult | null> {
  const started = now()
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
  // The work that needs the syntax tree is synchronous. A lookup the bundler has not answered yet
  // suspends it: the tree is dropped, the answer awaited, and the module analysed again with it
  // cached, so no tree is held while the bundler hands over other modules.
  const resolve = options.resolve ?? defaultResolve
  const ahead = cache.prefetch(resolve, code, cleanId(id))
  if (ahead) await ahead
  for (let attempt = 0; ; attempt++) {
    const outcome = transformNow(code, id, options, config, cache, resolve, started)
    if (!(outcome instanceof Suspend)) return outcome
    if (attempt > MAX_ATTEMPTS) throw new Error(`[chaincut] ${id}: the lookups of this module never settled`)
    await outcome.pending
  }
}

/** A module waits on the bundler at most once per import it follows: past this, something keeps changing under it. */
const MAX_ATTEMPTS = 10_000

function transformNow(
  code: string,
  id: string,
  options: TransformOptions & { onReport?: ReportListener },
  config: Config,
  cache: ModuleCache,
  resolve: Resolver,
  started: number,
): TransformResult | null | Suspend {
  const side = options.side
  const file = cleanId(id)
  // side constants (`env.side.is.server`, `import.meta.env.SSR`): the walk records their reads only where the text may hold one
  const sides = config.sides[side]
  const folding = sides.mayContain(code)
  const module = analyzeModule(code, file, folding ? sides.walkOptions : config.walkOptions)
  const classifier = new Classifier({ config, cache, resolve, readFile: options.readFile })
  let chains
  try {
    chains = classifier.recognise(module, side)
  } catch (error) {
    if (error instanceof Suspend) return error
    // following a head through thousands of nested aliases or members: refuse, never crash
    if (!(error instanceof RangeError)) throw error
    throw new ChaincutError(file, [
      {
        level: 'error',
        code: 'E_TOO_DEEP',
        message: 'a chain head here is nested too deeply (aliases or members) for chaincut to follow',
        hint: 'import or declare the head directly: `const root = ...` then `root.lets...`',
        file,
        line: 1,
        column: 0,
        frame: '',
      },
    ])
  }

  const lines = new LineIndex(code)
  const findings: Finding[] = []
  // A leak is server code in the browser. On the server an unprovable cut only leaves client
  // code in the server bundle (an exported React page used by `.page(Page)`, say): reported, never fatal.
  const level = side === 'client' ? config.onUnsafe : 'warn'
  const addFinding = (f: { level: 'error' | 'warn'; code: string; message: string; hint: string; start: number; end: number }) => {
    const pos = lines.position(f.start)
    findings.push(lazyFrame({ level: f.level, code: f.code, message: f.message, hint: f.hint, file, line: pos.line, column: pos.column } as Finding, lines, f.start, f.end))
  }

  // whether each points family server-renders: its `ssr`, else what the app's engine says — asked only
  // when this side would cut a render method that server rendering keeps
  const rendering = new Map<ChainFamily, boolean>()
  const engineFiles = new Set<string>()
  let serverRendering: ModuleReport['serverRendering']
  for (const chain of chains) {
    for (const entry of chain.segments) {
      const points = entry.family.points
      if (!points || points.ssr !== undefined || !points.engine || rendering.has(entry.family)) continue
      if (!entry.segment.call.arguments.length || ruleOf(entry, side, true) !== 'keep' || ruleOf(entry, side, false) === 'keep') continue
      let found: ReturnType<typeof detectServerRendering>
      try {
        found = detectServerRendering(module, classifier.dependencies, points.engine, (f) => cache.get(f, config.walkOptions, options.readFile), cache)
      } catch (error) {
        if (error instanceof Suspend) return error
        throw error
      }
      for (const f of found.files ?? []) engineFiles.add(f)
      if (found.ssr !== null) {
        rendering.set(entry.family, found.ssr)
        serverRendering = { ssr: found.ssr, from: found.from }
        continue
      }
      // never silently: a warning, and point0's own engine default (no server rendering); refusing the
      // build would stop every app whose engine chaincut cannot see
      rendering.set(entry.family, false)
      const property = entry.segment.callee.property
      addFinding({
        level: 'warn',
        code: 'W_SSR_UNKNOWN',
        message: `chaincut cannot tell whether this ${entry.family.name} app server-renders, which decides whether .${entry.segment.name}(...) stays in the server bundle: ${found.reason}; it is cut, as ${entry.family.name}'s engine does without \`ssr\``,
        hint: `say it in the preset: \`chaincut({ presets: [point0({ ssr: true }), 'tailorkit'] })\` if the app server-renders (\`Engine.create({ ssr: true })\`), \`point0({ ssr: false })\` if it does not`,
        start: property.start!,
        end: property.end!,
      })
    }
  }
  const cut = cutChains(code, file, chains, side, (family) => rendering.get(family) ?? declaredServerRendering(family))
  for (const f of cut.findings) addFinding({ ...f, level })

  // side constants: folded, their dead branches cut (and pruned below like any cut code)
  let fold: ReturnType<typeof foldSides> | null = null
  try {
    if (folding) fold = foldSides(code, module, sides, side)
  } catch (error) {
    // an expression nested past the stack: left as written (a runtime read, as without folding), never a crash
    if (!(error instanceof RangeError)) throw error
  }
  if (fold) cut.edits.push(...fold.edits)
  const warnedBases = new Set<string>()
  for (const chain of chains) {
    if (!chain.assumed) continue
    const base = chain.run.base
    // one warning per untraced receiver, not per chain
    const key = code.slice(base.start!, base.end!)
    if (warnedBases.has(key)) continue
    warnedBases.add(key)
    addFinding({
      level: 'warn',
      code: 'W_UNRESOLVED_HEAD',
      message: `chaincut cannot trace what this ${chain.segments[0]?.family.name ?? ''} chain is built on (${chain.assumed}), so it is cut as one (fail-safe)`,
      hint: 'make it traceable (a resolvable import: tsconfig paths or a bundler alias; a const or a helper in the app) so chaincut can prove it',
      start: base.start!,
      end: base.end!,
    })
  }
  // cut ranges, outermost only; desugaring inside a cut argument is dropped with it
  let edits = normalizeEdits(cut.edits)
  const cutRanges = new RangeSet(edits.filter((e) => e.kind === 'cut' && e.end > e.start).map((e) => [e.start, e.end]))
  const mr = moduleReferences(module)
  const isGuarded = side === 'client' ? config.isServerOnly : config.isClientOnly
  const pruned = prune(code, module, mr, cutRanges, isGuarded, module.ast.comments ?? [])

  // every call or read of a cut method outside the cut: proven not a chain, or a finding
  const notChains: ModuleReport['notChains'] = []
  for (const decision of classifier.decisions) {
    const node = decision.node
    if (cutRanges.has(node.start!)) continue
    switch (decision.kind) {
      case 'notChain':
        notChains.push({ method: decision.method, reason: decision.reason, ...lines.position(node.start!) })
        break
      case 'escaped':
        addFinding({
          level,
          code: 'E_CHAIN_ESCAPES',
          message: `this ${decision.family.name} chain is passed to a function chaincut does not know before .${decision.method}(...), so it cannot prove that segment is part of the chain`,
          hint: `call .${decision.method}(...) on the chain itself, before handing it to other code`,
          start: node.start!,
          end: node.end!,
        })
        break
      case 'takenOff': {
        const rest = decision.method === '...'
        addFinding({
          level,
          code: decision.destructured ? 'E_DESTRUCTURED_SEGMENT' : 'E_SEGMENT_TAKEN_OFF',
          message: decision.destructured
            ? `${rest ? 'a rest element takes' : `.${decision.method} is taken`} off a ${decision.family.name} chain, so chaincut cannot see the call to cut`
            : `.${decision.method} is read off a ${decision.family.name} chain instead of called on it, so chaincut cannot see the call to cut`,
          hint: `call the segment on the chain: chain.${rest ? 'loader' : decision.method}(...)`,
          start: node.start!,
          end: node.end!,
        })
        break
      }
      case 'untraced':
        addFinding({
          level,
          code: 'E_UNTRACED_RECEIVER',
          message: `chaincut cannot tell whether this .${decision.method}(...) is called on a ${decision.families.join(' or ')} chain: ${decision.reason}`,
          hint: `build or pass the chain where chaincut can follow it (a const, a helper that returns it, an import of the app); if this is not a chain, put a \`// chaincut-not-a-chain\` comment on the line before`,
          start: node.start!,
          end: node.end!,
        })
        break
    }
  }

  // a cut argument that uses exported code: that code cannot be removed and would ship
  if (cutRanges.size) {
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
        let value: ReturnType<Classifier['binding']>
        try {
          value = classifier.binding(binding, module, null)
        } catch (error) {
          if (error instanceof Suspend) return error
          throw error
        }
        if (value.kind === 'chain' || value.kind === 'head' || value.kind === 'lets') continue
        addFinding({
          level: 'warn',
          code: 'W_EXPORTED_DATA_IN_CUT',
          message: `\`${binding.name}\` is exported and used in this module only by code cut from the ${side} build; if it holds anything ${side === 'client' ? 'server' : 'client'}-only it still ships wherever the ${side} bundle imports it`,
          hint: `if \`${binding.name}\` is server-only, move it into a ${side === 'client' ? '`.server.ts`' : '`.client.ts`'} module; if it is shared (a schema), this warning is safe to ignore`,
          start: ref.start,
          end: ref.end,
        })
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
        const what = guarded ? `the ${side === 'client' ? 'server' : 'client'}-only import \`${used.name}\` (${used.importSource}, ${guarded})` : `\`${used.name}\` (otherwise used only by code cut from the ${side} build)`
        addFinding({
          level,
          code: 'E_EXPORTED_IN_CUT',
          message: `\`${binding.name}\` is used by code cut from the ${side} build and stays because it is exported, and keeping it keeps ${what} in the ${side} bundle`,
          hint: `move \`${binding.name}\` (or what it uses) into a ${side === 'client' ? '`.server.ts`' : '`.client.ts`'} module and import it where it is needed, or stop exporting it`,
          start: ref.start,
          end: ref.end,
        })
      }
    }
  }

  const errors = findings.filter((f) => f.level === 'error')
  if (errors.length) throw new ChaincutError(file, errors)

  const report: ModuleReport = {
    id: file,
    side,
    cuts: cut.cuts.map((c) => ({ method: c.method, rule: c.rule, family: c.family, ...lines.position(c.start) })),
    desugared: cut.desugared.map((d) => ({ type: d.type, name: d.name, line: lines.position(d.start).line })),
    removedImports: pruned.removedImports.map((r) => ({ source: r.source, names: r.names, line: lines.position(r.start).line })),
    removedDeclarations: pruned.removedDeclarations.map((r) => ({ name: r.name, line: lines.position(r.start).line })),
    findings,
    notChains,
    ...(fold?.folded.length ? { folded: fold.folded.map((f) => ({ expression: f.expression, value: f.value, ...lines.position(f.start) })) } : {}),
    ...(serverRendering ? { serverRendering } : {}),
    dependencies: [...new Set([...classifier.dependencies, ...[...classifier.manifests].map((dir) => join(dir, 'package.json')), ...engineFiles])],
    resolutions: classifier.resolutions,
    time: 0,
  }

  edits = normalizeEdits([...edits, ...pruned.edits])
  if (!edits.length) {
    report.time = now() - started
    options.onReport?.(report)
    return null
  }
  const out = emit(code, file, edits as Edit[], side === 'client')
  report.time = now() - started
  options.onReport?.(report)
  return withMap({ code: out.code, report, inputs: { files: report.dependencies, resolutions: report.resolutions } } as TransformResult, out)
}

// The getters below are made outside `transformNow` on purpose: a closure made inside it would keep
// its whole scope alive — the syntax tree, the walk, the analysis — for as long as a bundler or the
// report holds the result or the finding.

/** The code frame splits the whole file: built only when someone reads it. */
function lazyFrame(finding: Finding, lines: LineIndex, start: number, end: number): Finding {
  let frame: string | undefined
  Object.defineProperty(finding, 'frame', { enumerable: true, get: () => (frame ??= lines.frame(start, end)) })
  return finding
}

/** The result's map, built when the bundler asks for it. */
function withMap(result: TransformResult, out: { map: TransformResult['map'] }): TransformResult {
  Object.defineProperty(result, 'map', { enumerable: true, get: () => out.map })
  return result
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
