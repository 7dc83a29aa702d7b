/**
 * `chaincut/babel`: chaincut as a Babel plugin (`@babel/core` 7 or 8), for Metro,
 * babel-loader, Next's Babel mode, `@rollup/plugin-babel`, Jest…
 *
 * Babel plugins are synchronous and chaincut's transform is not: following a chain
 * head into another module resolves and reads files, asynchronously. The plugin
 * runs the transform in a worker thread (synckit: `Atomics.wait` until the worker
 * answers), then replaces the program with a parse of chaincut's output, before any
 * other plugin's visitor runs (in `pre`), and hands chaincut's source map to Babel
 * as the file's input map, so Babel's own output map points at the original file
 * (through Babel's usual input-map merging).
 */
import { createRequire } from 'node:module'
import { basename } from 'node:path'
import { createSyncFn } from 'synckit'
import { resolveConfig } from './core/config.js'
import { validateOptions } from './core/options.js'
import { idFilter } from './id-filter.js'
import { BuildReport } from './report.js'
import type { BabelWorkerResult } from './babel-worker.js'
import type { ChaincutOptions, Finding, Side } from './types.js'

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

type RunWorker = (code: string, id: string, options: ChaincutOptions, side: Side) => BabelWorkerResult
let worker: RunWorker | undefined
function runWorker(code: string, id: string, options: ChaincutOptions, side: Side): BabelWorkerResult {
  // no inherited --import/--loader/--require of the host (a test runner, Metro's workers)
  worker ??= createSyncFn<RunWorker>(new URL('./babel-worker.js', import.meta.url), { execArgv: [] })
  return worker(code, id, options, side)
}

/**
 * SPEC 6 for Babel: the `side` option, else what the tool that calls Babel says —
 * `isServer` (Metro/Expo, Next), babel-loader's `target` (`web*` / `node*`), a
 * `platform` (`ios`, `android`, `web`, … are clients; `node`/`server` the server).
 */
export function sideFromCaller(caller: BabelCallerLike | undefined): { side: Side; from: string } | null {
  if (!caller) return null
  if (typeof caller.isServer === 'boolean') return { side: caller.isServer ? 'server' : 'client', from: `${caller.name ?? 'caller'} isServer: ${caller.isServer}` }
  const targets = [caller.target].flat().filter((t): t is string => typeof t === 'string')
  if (targets.some((t) => /^(node|async-node|electron-main)/.test(t))) return { side: 'server', from: `${caller.name ?? 'caller'} target: ${targets.join(', ')}` }
  if (targets.some((t) => /^(web|webworker|browserslist|electron-renderer|electron-preload|nwjs|es\d)/.test(t))) return { side: 'client', from: `${caller.name ?? 'caller'} target: ${targets.join(', ')}` }
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
  const options: ChaincutOptions = { ...(rawOptions ?? {}) }
  validateOptions(options)
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
  const config = resolveConfig(options)
  const included = idFilter(options)
  const report = typeof options.report === 'string' ? reportAtExit(options.report) : null
  // what the worker gets: data only (RegExps survive structured cloning)
  const workerOptions: ChaincutOptions = { ...options, report: false }

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
      // SPEC 6: a module whose text cannot hold a chain costs no parse, and no trip to the worker
      if (!config.mayContainChain[side](code)) return
      const result = runWorker(code, id, workerOptions, side)
      if (result.kind === 'error') throw babelError(file, result)
      if (result.report) {
        report?.add(`${side} (babel)`, result.report)
        for (const finding of result.report.findings) if (finding.level === 'warn') console.warn(formatWarning(finding))
      }
      if (result.kind === 'unchanged') return

      const parsed = parse(api, file, result.code, id)
      const program = file.ast.program
      program.body = parsed.program.body
      program.directives = parsed.program.directives
      program.interpreter = parsed.program.interpreter ?? null
      program.start = parsed.program.start
      program.end = parsed.program.end
      program.loc = parsed.program.loc
      file.ast.comments = parsed.comments ?? []
      file.ast.start = parsed.start
      file.ast.end = parsed.end
      file.ast.loc = parsed.loc
      // the new nodes' positions are in chaincut's output: it becomes the file's code, and
      // chaincut's map (output → original, server code blanked from its sources on the client)
      // goes in front of whatever map came in
      file.code = result.code
      const sourceFileName = file.opts?.sourceFileName ?? file.opts?.generatorOpts?.sourceFileName ?? basename(id)
      const map = { ...result.map, sources: [sourceFileName] }
      file.inputMap = inputMap(file.inputMap ? mergeMaps(file.inputMap.toObject(), map) : map)
      file.path?.scope?.crawl()
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

/**
 * `chaincut's map ∘ the map that came in`: the composed map reads chaincut's output
 * back to the first source. Babel ships `@jridgewell/remapping` with `@babel/core`;
 * when it cannot be loaded the incoming map is dropped and chaincut's map alone is used.
 */
function mergeMaps(incoming: any, map: any): any {
  const remapping = loadRemapping()
  if (!remapping) return map
  let used = false
  return JSON.parse(
    JSON.stringify(
      remapping(map, () => {
        if (used) return null
        used = true
        return incoming
      }),
    ),
  )
}

let remappingFn: ((map: any, loader: (source: string) => any) => unknown) | null | undefined
function loadRemapping() {
  if (remappingFn !== undefined) return remappingFn
  remappingFn = null
  try {
    const fromBabel = createRequire(createRequire(import.meta.url).resolve('@babel/core'))
    for (const name of ['@jridgewell/remapping', '@ampproject/remapping']) {
      try {
        const mod = fromBabel(name)
        remappingFn = (mod.default ?? mod) as typeof remappingFn
        break
      } catch {}
    }
  } catch {}
  return remappingFn
}

/** Babel reads the input map through `toObject()` (convert-source-map's object). */
function inputMap(map: any) {
  return {
    sourcemap: map,
    toObject: () => map,
    toJSON: () => JSON.stringify(map),
    toBase64: () => Buffer.from(JSON.stringify(map)).toString('base64'),
    toComment: () => `//# sourceMappingURL=data:application/json;charset=utf-8;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}`,
  }
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
  const text = (f: Finding) => `[chaincut] ${f.code}: ${f.message}\n  ${f.hint}`
  const more = findings.slice(1).map((f) => `\n\n${f.file}:${f.line}:${f.column + 1} ${text(f)}\n${f.frame}`)
  const node = { loc: { start: { line: first.line, column: first.column }, end: { line: first.line, column: first.column + 1 } } }
  const error: Error & { code?: string; findings?: Finding[] } = file.buildCodeFrameError(node, text(first) + more.join(''))
  error.code = first.code
  error.findings = result.findings
  ;(error as any).chaincut = BABEL_ERROR
  return error
}

function formatWarning(f: Finding): string {
  return `[chaincut] ${f.file}:${f.line}:${f.column + 1} ${f.code}: ${f.message}\n  ${f.hint}`
}

/** `report: 'file.json'`: Babel has no end of a build; the JSON report is written when the process exits. */
function reportAtExit(path: string): BuildReport {
  const report = new BuildReport()
  process.once('exit', () => report.write(path))
  return report
}
