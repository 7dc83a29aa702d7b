/**
 * `chaincut/babel`: chaincut as a Babel plugin (`@babel/core` 7 or 8), for Metro,
 * babel-loader, Next's Babel mode, `@rollup/plugin-babel`, Jest…
 *
 * Babel plugins are synchronous and chaincut's transform is not: following a chain
 * head into another module resolves and reads files, asynchronously. The plugin
 * runs the transform in a worker thread (synckit: `Atomics.wait` until the worker
 * answers), then replaces the program with a parse of chaincut's output, before any
 * other plugin's visitor runs (in `pre`), its nodes placed through chaincut's source
 * map where their code is in the original file: Babel's output map (and Metro's, made
 * from the returned AST) points at the original, and merges with an incoming map as usual.
 */
import { createSyncFn } from 'synckit'
import { formatViolation, violationAt } from '../../guard/guard.js'
import { runtimeSource } from '../../guard/imports.js'
import { prepareHost, reportAtExit, sideOfTargets } from '../setup.js'
import type { BabelWorkerResult } from './worker.js'
import { aliasResolver, readModuleResolver, type AliasConfig } from './module-resolver.js'
import { transformSync, WOULD_WAIT } from '../../pipeline/transform.js'
import { defaultResolve } from '../../js/modules.js'
import { ChaincutError } from '../../findings/errors.js'
import { formatFinding } from '../../findings/errors.js'
import type { ChaincutOptions, Finding, ModuleReport, Resolver, Side } from '../../types.js'

/** What chaincut reads of Babel's `caller`: Metro / Expo / Next set `isServer` and `platform`, babel-loader `target`. */
export interface BabelCallerLike {
  name?: string
  isServer?: boolean
  platform?: string | null
  target?: string | string[]
  [key: string]: unknown
}

/** The part of Babel's plugin API chaincut uses. */
export interface BabelApiLike {
  version?: string
  assertVersion?(range: number | string): void
  caller?<T>(callback: (caller: BabelCallerLike | undefined) => T): T
  parseSync?(code: string, options: Record<string, unknown>): { program: any; comments?: any[] } | null
}

export interface ChaincutBabelPlugin {
  name: string
  pre(this: unknown, file: any): void
  visitor: Record<string, never>
}

type RunWorker = (code: string, id: string, options: ChaincutOptions, side: Side, aliases: AliasConfig | null) => BabelWorkerResult
let worker: RunWorker | undefined
function runWorker(code: string, id: string, options: ChaincutOptions, side: Side, aliases: AliasConfig | null): BabelWorkerResult {
  // no inherited --import/--loader/--require of the host (a test runner, Metro's workers)
  worker ??= createSyncFn<RunWorker>(new URL('./worker.js', import.meta.url), { execArgv: [] })
  return worker(code, id, options, side, aliases)
}

/**
 * sides for Babel (docs/toolchains.md): the `side` option, else what the tool that calls Babel says —
 * `isServer` (Metro/Expo, Next), babel-loader's `target` (`web*` / `node*`), a
 * `platform` (`ios`, `android`, `web`, … are clients; `node`/`server` the server).
 */
export function sideFromCaller(caller: BabelCallerLike | undefined): { side: Side; from: string } | null {
  if (!caller) return null
  if (typeof caller.isServer === 'boolean') return { side: caller.isServer ? 'server' : 'client', from: `${caller.name ?? 'caller'} isServer: ${caller.isServer}` }
  const fromTarget = sideOfTargets(caller.target)
  if (fromTarget) return { side: fromTarget.side, from: `${caller.name ?? 'caller'} target: ${fromTarget.targets}` }
  if (typeof caller.platform === 'string' && caller.platform) {
    const server = /^(node|server|bun|deno)$/.test(caller.platform)
    return { side: server ? 'server' : 'client', from: `${caller.name ?? 'caller'} platform: ${caller.platform}` }
  }
  return null
}

const BABEL_ERROR = 'ChaincutBabelError'

/** A Babel plugin: `plugins: [['chaincut/babel', options]]`. */
export default function chaincutBabel(api: BabelApiLike, rawOptions?: ChaincutOptions | null): ChaincutBabelPlugin {
  api.assertVersion?.('^7.12.0 || ^8.0.0-0')
  const host = prepareHost({ ...(rawOptions ?? {}) })
  const { options, config, included } = host
  // Babel caches the config per caller value: the callback returns a plain string
  const fromCaller = api.caller ? api.caller((caller) => sideFromCaller(caller)?.side ?? null) : null
  const side = options.side ?? fromCaller ?? undefined
  if (!side) {
    const name = api.caller?.((caller) => (typeof caller?.name === 'string' ? caller.name : null)) ?? 'none'
    throw new Error(
      `[chaincut] Babel's caller (${name}) does not say which bundle this is (no isServer, target or platform): ` +
        `pass the side, ['chaincut/babel', { side: 'client' }] for the browser bundle or ['chaincut/babel', { side: 'server' }] for the server`,
    )
  }
  const report = reportAtExit(options.report, 'babel')
  // what the worker gets: data only (RegExps survive structured cloning)
  const workerOptions: ChaincutOptions = { ...options, report: false }

  /**
   * the import guard by specifier (docs/reference.md "Import guard"), on the module's imports that survived the cut: Babel sees one file,
   * not the bundle's graph, so a server-only module reached through an alias, or by `require()` /
   * `import()`, is not caught here (the bundler plugins catch those by path).
   */
  const guard = host.guardOf(side)
  const guardImports = (file: any, id: string) => {
    // a guarded file in this build is its importer's violation, reported there
    if (guard(id)) return
    for (const node of file.ast.program.body as any[]) {
      const source = runtimeSource(node)
      if (!source) continue
      const rule = guard(source.value)
      if (!rule) continue
      const violation = violationAt(side, id, source.value, null, rule, [id, source.value], file.code)
      const message = formatViolation({ ...violation, frame: '' }, file.opts?.cwd ?? process.cwd()).replace(/\n\n/, '\n')
      if (host.guardWarns(side)) {
        console.warn(message)
        continue
      }
      const error: Error & { code?: string } = file.buildCodeFrameError(source, message.replace(/^\[chaincut\] E_GUARD \S+ /, '[chaincut] E_GUARD: '))
      error.code = 'E_GUARD'
      throw error
    }
  }

  /**
   * The analysis in this thread, when every lookup it makes answers at once (Babel has no
   * bundler resolver: chaincut's own resolver is synchronous): no trip to the worker. Null when a
   * lookup would wait (a scan of the app): the worker, which can wait, does it.
   */
  const resolvers = new Map<string, Resolver>()
  const analyseHere = (code: string, id: string, aliases: AliasConfig | null): BabelWorkerResult | null => {
    const aliasKey = aliases ? JSON.stringify(aliases) : ''
    let resolve = resolvers.get(aliasKey)
    if (!resolve) resolvers.set(aliasKey, (resolve = aliases ? aliasResolver(aliases) : defaultResolve))
    let moduleReport: ModuleReport | null = null
    try {
      const result = transformSync(code, id, {
        ...host.transformOptions(side),
        report: false,
        resolve,
        cache: host.cacheFor(`${side}\0${aliasKey}`),
        onReport: (r) => (moduleReport = r),
      })
      if (result === WOULD_WAIT) return null
      if (!result) return { kind: 'unchanged', report: moduleReport }
      return { kind: 'transformed', code: result.code, map: result.map as unknown as Extract<BabelWorkerResult, { kind: 'transformed' }>['map'], report: moduleReport }
    } catch (error) {
      if (!(error instanceof ChaincutError)) throw error
      return { kind: 'error', name: error.name, message: error.message, code: error.code, findings: error.findings }
    }
  }

  return {
    name: 'chaincut',
    // before any plugin's visitor (and the `pre` of plugins listed after chaincut) sees the program
    pre(file: any) {
      const id: string | undefined = file.opts?.filename ?? undefined
      const code: string = file.code
      if (!id) {
        throw new Error('[chaincut] chaincut/babel needs the file name (Babel\'s `filename` option): chain heads are followed from it into other modules')
      }
      if (!included(id)) return
      // sides (docs/toolchains.md): a module whose text cannot hold a chain costs no parse, and no trip to the worker
      if (!config.mayContainChain[side](code)) return guardImports(file, id)
      const aliases = readModuleResolver(file)
      const result = analyseHere(code, id, aliases) ?? runWorker(code, id, workerOptions, side, aliases)
      if (result.kind === 'error') throw babelError(file, result)
      if (result.report) {
        report?.add(`${side} (babel)`, result.report)
        for (const finding of result.report.findings) if (finding.level === 'warn') console.warn(formatWarning(finding))
      }
      if (result.kind === 'unchanged') return guardImports(file, id)

      const parsed = parse(api, file, result.code, id)
      // positions: the new nodes are placed where their code is in the original file, through
      // chaincut's map, so any map made from the AST (Babel's, or Metro's from the returned AST)
      // points at the original file; on the client the file's text becomes the original with the cut
      // code blanked (same length and lines), so a map's embedded source carries no server code
      const original = result.map.sourcesContent?.[0]
      remapPositions(parsed, result.map.mappings as string, code)
      const program = file.ast.program
      program.body = parsed.program.body
      program.directives = parsed.program.directives
      program.interpreter = parsed.program.interpreter ?? null
      file.ast.comments = parsed.comments ?? []
      if (typeof original === 'string' && original.length === code.length) file.code = original
      file.path?.scope?.crawl()
      guardImports(file, id)
    },
    visitor: {},
  }
}

/** Parses chaincut's output as Babel parsed the file (same parser plugins and source type), with Babel's own parser. */
function parse(api: BabelApiLike, file: any, code: string, id: string): any {
  const parserOpts = { ...(file.opts?.parserOpts ?? {}), sourceFileName: undefined }
  if (typeof api.parseSync !== 'function') throw new Error('[chaincut] this version of Babel has no parseSync')
  const ast = api.parseSync(code, {
    filename: id,
    babelrc: false,
    configFile: false,
    sourceType: file.opts?.sourceType ?? parserOpts.sourceType,
    parserOpts,
    // a hosting tool's caller would pull its presets back in: none, the parser options above are all that matter
    plugins: [],
    presets: [],
  })
  if (!ast) throw new Error(`[chaincut] ${id}: Babel could not parse chaincut's output`)
  return ast
}

/** Base64 VLQ of a source map's `mappings`: per output line, [column, source, line, column] segments. */
function decodeMappings(mappings: string): number[][][] {
  const lines: number[][][] = []
  let line: number[][] = []
  const state = [0, 0, 0, 0]
  let segment: number[] = []
  let value = 0
  let shift = 0
  const flush = () => {
    if (!segment.length) return
    for (let i = 0; i < segment.length && i < 4; i++) segment[i] = state[i] += segment[i]
    if (segment.length >= 4) line.push(segment.slice(0, 4))
    segment = []
  }
  for (let i = 0; i <= mappings.length; i++) {
    const char = mappings[i]
    if (char === undefined || char === ';' || char === ',') {
      flush()
      if (char !== ',') {
        lines.push(line)
        line = []
        state[0] = 0
      }
      continue
    }
    const digit = BASE64.indexOf(char)
    value += (digit & 31) << shift
    if (digit & 32) {
      shift += 5
      continue
    }
    segment.push(value & 1 ? -(value >>> 1) : value >>> 1)
    value = 0
    shift = 0
  }
  return lines
}
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/**
 * Moves every node and comment of `ast` (parsed from chaincut's output) to its place in the
 * original text: the map segment at or before the position, plus the distance from it (chaincut's
 * edits keep untouched text byte-identical, so the distance holds within a segment).
 */
function remapPositions(ast: any, mappings: string, originalCode: string): void {
  const lines = decodeMappings(mappings)
  const starts = [0]
  for (let i = originalCode.indexOf('\n'); i !== -1; i = originalCode.indexOf('\n', i + 1)) starts.push(i + 1)
  const lineLength = (line: number) => (line + 1 < starts.length ? starts[line + 1] - 1 : originalCode.length) - starts[line]
  // the parser shares Position objects between nodes (a statement and its first expression): each is moved once
  const moved = new WeakSet<object>()
  const map = (position: { line: number; column: number; index?: number }) => {
    if (moved.has(position)) return starts[position.line - 1] + position.column
    moved.add(position)
    let l = position.line - 1
    let segments = lines[l]
    let column = position.column
    // a line with no segment (nothing of the original): the end of the nearest line above
    while (l > 0 && !segments?.length) {
      segments = lines[--l]
      column = Number.MAX_SAFE_INTEGER
    }
    if (!segments?.length) return
    let found = segments[0]
    for (const segment of segments) {
      if (segment[0] > column) break
      found = segment
    }
    const line = found[2]
    const col = Math.max(0, Math.min(lineLength(line), found[3] + (column === Number.MAX_SAFE_INTEGER ? 0 : column - found[0])))
    position.line = line + 1
    position.column = col
    if ('index' in position) position.index = starts[line] + col
    return starts[line] + col
  }
  const seen = new WeakSet<object>()
  const visit = (node: any) => {
    if (!node || typeof node !== 'object' || seen.has(node)) return
    seen.add(node)
    if (Array.isArray(node)) {
      for (const child of node) visit(child)
      return
    }
    if (typeof node.type === 'string' && node.loc) {
      const start = map(node.loc.start)
      const end = map(node.loc.end)
      if (start !== undefined) node.start = start
      if (end !== undefined) node.end = end
    }
    for (const key of Object.keys(node)) {
      if (key === 'loc' || key === 'extra' || key === 'tokens') continue
      const value = node[key]
      if (value && typeof value === 'object') visit(value)
    }
  }
  visit(ast)
}

/** A finding becomes Babel's error at the finding's position (Babel adds the file and code frame). */
function babelError(file: any, result: Extract<BabelWorkerResult, { kind: 'error' }>): Error {
  const findings = (result.findings ?? []).filter((f) => f.level === 'error')
  const first = findings[0]
  if (!first || typeof file.buildCodeFrameError !== 'function') {
    const error = new Error(result.message)
    error.name = result.name
    return Object.assign(error, { code: result.code })
  }
  const text = (f: Finding) => `[chaincut] ${f.code}: ${f.message}\n  hint: ${f.hint}`
  // Babel frames the first finding; the others carry their own frame, above their hint
  const more = findings.slice(1).map((f) => `\n\n${formatFinding(f)}`)
  const node = { loc: { start: { line: first.line, column: first.column }, end: { line: first.line, column: first.column + 1 } } }
  const error: Error & { code?: string; findings?: Finding[] } = file.buildCodeFrameError(node, text(first) + more.join(''))
  error.code = first.code
  error.findings = result.findings
  ;(error as any).chaincut = BABEL_ERROR
  return error
}

const formatWarning = (f: Finding): string => formatFinding(f)
