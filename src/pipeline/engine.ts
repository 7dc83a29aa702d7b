/**
 * Whether the app server-renders, read from where the app sets it (point0: `Engine.create({ ssr })`
 * from `@point0/engine`), for a points family whose `ssr` is not given. Asked only when the
 * server build would cut a render method, in this order:
 *
 * 1. the module being transformed;
 * 2. the modules its chains were followed into;
 * 3. the app: once per build, every script under the nearest folder whose package.json depends on
 *    the engine's package (`node_modules`, build output, hidden folders and tests aside).
 *
 * The first of these that has such a call decides; calls that disagree, or one whose options
 * chaincut cannot read (not literals), decide nothing: `serverRenderingOf` reports `W_SSR_UNKNOWN`.
 */
import { readFile, stat } from 'node:fs/promises'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import type * as t from '@babel/types'
import { lazyPackage } from '../util/lazy.js'
import { VISITOR_KEYS } from '../js/visitor-keys.js'
import { SCAN_IGNORE, SCAN_LIMIT, SCRIPT_GLOBS } from '../js/app-files.js'

const tinyglobby = lazyPackage<typeof import('tinyglobby')>('tinyglobby')
import type { ChainFamily, ModuleReport, PointsSpec, Side } from '../types.js'
import type { RecognisedChain } from '../chains/index.js'
import { ruleOf } from '../rewrite/cut.js'
import type { ModuleAnalysis, ModuleCache } from '../js/modules.js'
import { packageName } from '../js/packages.js'
import { parseModule } from '../js/parse.js'
import type { ModuleFindings } from './checks.js'
import { unwrap } from '../js/runs.js'
import { pointsNotation } from '../presets/index.js'

export type EngineSpec = NonNullable<PointsSpec['engine']>

/** One call that sets the engine: what it says about server rendering (null: chaincut cannot read it, `why`). */
export interface EngineReading {
  ssr: boolean | null
  why?: string
  file: string
  line: number
}

/** What was found, and the app files a scan read it from (`files`, when the app was scanned). */
export type Detection = ({ ssr: boolean; from: string } | { ssr: null; reason: string }) & { files?: string[] }


/** Every `<import>.<method>(...)` call of the engine in a parsed module. */
export function readEngines(ast: t.File, file: string, spec: EngineSpec): EngineReading[] {
  const from = typeof spec.from === 'string' ? [spec.from] : spec.from
  const locals = new Set<string>()
  const namespaces = new Set<string>()
  for (const statement of ast.program.body) {
    if (statement.type !== 'ImportDeclaration' || statement.importKind === 'type' || !from.includes(statement.source.value)) continue
    for (const s of statement.specifiers) {
      if (s.type === 'ImportNamespaceSpecifier') namespaces.add(s.local.name)
      else if (s.type === 'ImportSpecifier' && s.importKind !== 'type') {
        const imported = s.imported.type === 'Identifier' ? s.imported.name : s.imported.value
        if (imported === spec.import) locals.add(s.local.name)
      }
    }
  }
  if (!locals.size && !namespaces.size) return []
  const isEngine = (node: t.Node): boolean => {
    const n = unwrap(node)
    if (n.type === 'Identifier') return locals.has(n.name)
    if (n.type !== 'MemberExpression' || n.computed || n.property.type !== 'Identifier' || n.property.name !== spec.import) return false
    const object = unwrap(n.object)
    return object.type === 'Identifier' && namespaces.has(object.name)
  }
  const readings: EngineReading[] = []
  const stack: t.Node[] = [ast.program]
  while (stack.length) {
    const node = stack.pop()!
    if (node.type === 'CallExpression') {
      const callee = unwrap(node.callee)
      if (callee.type === 'MemberExpression' && !callee.computed && callee.property.type === 'Identifier' && callee.property.name === spec.method && isEngine(callee.object)) {
        const { ssr, why } = pointsNotation.serverRendersFrom(node.arguments)
        readings.push({ ssr, why, file, line: node.loc?.start.line ?? 1 })
      }
    }
    for (const key of VISITOR_KEYS[node.type] ?? []) {
      const child = (node as any)[key]
      if (Array.isArray(child)) {
        for (let i = child.length - 1; i >= 0; i--) if (child[i] && typeof child[i].type === 'string') stack.push(child[i])
      } else if (child && typeof child.type === 'string') stack.push(child)
    }
  }
  return readings
}

const where = (r: EngineReading) => `${relative(process.cwd(), r.file) || r.file}:${r.line}`
const callText = (spec: EngineSpec) => `${spec.import}.${spec.method}(...)`

/** What a set of readings decides, or null when there are none. */
function decide(readings: EngineReading[], spec: EngineSpec, place: string): Detection | null {
  if (!readings.length) return null
  const unreadable = readings.find((r) => r.ssr === null)
  if (unreadable) return { ssr: null, reason: `${callText(spec)} at ${where(unreadable)} sets it, but ${unreadable.why}` }
  const values = new Set(readings.map((r) => r.ssr))
  if (values.size > 1) {
    const list = readings.map((r) => `${where(r)} (${r.ssr ? 'server-renders' : 'does not'})`).join(', ')
    return { ssr: null, reason: `the ${callText(spec)} calls in ${place} disagree: ${list}` }
  }
  return { ssr: readings[0].ssr as boolean, from: where(readings[0]) }
}

const mayHoldEngine = (code: string, spec: EngineSpec) =>
  code.includes(spec.method) && (typeof spec.from === 'string' ? [spec.from] : spec.from).some((f) => code.includes(f))

/** The app a file belongs to: the nearest folder above it whose package.json depends on the engine's package. */
export function appRoot(file: string, spec: EngineSpec): string | null {
  const packages = new Set((typeof spec.from === 'string' ? [spec.from] : spec.from).map((f) => packageName(f) ?? f))
  let dir = dirname(file)
  for (;;) {
    const manifest = join(dir, 'package.json')
    if (existsSync(manifest)) {
      try {
        const json = JSON.parse(readFileSync(manifest, 'utf8'))
        for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
          const deps = json?.[field]
          if (deps && typeof deps === 'object' && [...packages].some((p) => Object.prototype.hasOwnProperty.call(deps, p))) return dir
        }
      } catch {
        // not JSON: not the app's manifest
      }
    }
    const parent = dirname(dir)
    if (parent === dir) return null
    dir = parent
  }
}


export interface EngineScan {
  readings: EngineReading[]
  /** The files the readings came from, as they were read: a change to one rescans. */
  files: Array<{ file: string; mtimeMs: number; size: number }>
  /** Why the app could not be scanned (too many files), or null. */
  skipped: string | null
}

/** Every engine call in the app's scripts, once per build (the cache revalidates the files it found them in). */
export async function scanApp(root: string, spec: EngineSpec): Promise<EngineScan> {
  const files = await tinyglobby().glob(SCRIPT_GLOBS, { cwd: root, absolute: true, ignore: SCAN_IGNORE, followSymbolicLinks: false })
  if (files.length > SCAN_LIMIT) return { readings: [], files: [], skipped: `the app at ${relative(process.cwd(), root) || '.'} has more than ${SCAN_LIMIT} scripts to look through` }
  const scan: EngineScan = { readings: [], files: [], skipped: null }
  const batch = 64
  for (let i = 0; i < files.length; i += batch) {
    await Promise.all(
      files.slice(i, i + batch).map(async (file) => {
        let code: string
        try {
          code = await readFile(file, 'utf8')
        } catch {
          return
        }
        if (!mayHoldEngine(code, spec)) return
        let ast: t.File
        try {
          ast = parseModule(code, file)
        } catch {
          return // a module that does not parse is reported when the bundler transforms it
        }
        const readings = readEngines(ast, file, spec)
        if (!readings.length) return
        scan.readings.push(...readings)
        try {
          const info = await stat(file)
          scan.files.push({ file, mtimeMs: info.mtimeMs, size: info.size })
        } catch {
          // gone since: the next build scans again
        }
      }),
    )
  }
  scan.readings.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line))
  // in path order, whatever order the reads finished in: the report's dependencies are deterministic
  scan.files.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))
  return scan
}

/** Whether the files a scan found its readings in are unchanged. */
function fresh(scan: EngineScan): boolean {
  for (const entry of scan.files) {
    const info = statSync(entry.file, { throwIfNoEntry: false })
    if (!info || info.mtimeMs !== entry.mtimeMs || info.size !== entry.size) return false
  }
  return true
}

/**
 * Whether the app `module` belongs to server-renders, per the order above. Synchronous: the app
 * scan, once per build, suspends the analysis (`Suspend`) until it is done.
 */
export function detectServerRendering(
  module: ModuleAnalysis,
  dependencies: Iterable<string>,
  spec: EngineSpec,
  lookup: (file: string) => ModuleAnalysis | null,
  cache: ModuleCache,
): Detection {
  const own = mayHoldEngine(module.code, spec) ? decide(readEngines(module.ast, module.id, spec), spec, 'this module') : null
  if (own) return own
  const followed: EngineReading[] = []
  for (const file of dependencies) {
    const analysis = lookup(file)
    if (analysis && mayHoldEngine(analysis.code, spec)) followed.push(...readEngines(analysis.ast, file, spec))
  }
  const fromFollowed = decide(followed, spec, 'the modules its chains come from')
  if (fromFollowed) return fromFollowed

  const root = appRoot(module.id, spec)
  const packages = (typeof spec.from === 'string' ? [spec.from] : spec.from).join(' or ')
  if (!root) return { ssr: null, reason: `no ${callText(spec)} in this module or the modules its chains come from, and no package.json above it depends on ${packages} (where chaincut would look for the app's)` }
  const key = `${root}\0${spec.import}\0${spec.method}\0${packages}`
  const scan = cache.appScan<EngineScan>(key, () => scanApp(root, spec), (found) => !fresh(found), { readings: [], files: [], skipped: 'the app could not be scanned' })
  if (scan.skipped) return { ssr: null, reason: scan.skipped, files: scan.files.map((f) => f.file) }
  const found = decide(scan.readings, spec, `the app at ${relative(process.cwd(), root) || '.'}`)
  return { ...(found ?? { ssr: null, reason: `no ${callText(spec)} from ${packages} in the app at ${relative(process.cwd(), root) || '.'}` }), files: scan.files.map((f) => f.file) }
}

/**
 * Whether each points family of the module's chains server-renders where its preset does not
 * say (`points.ssr`): asked of the app's engine only when this side would cut a render method
 * that server rendering keeps. Never silently unknown: `W_SSR_UNKNOWN`, and point0's own engine
 * default (no server rendering) — refusing the build would stop every app whose engine chaincut
 * cannot see. May throw `Suspend` (the app scan).
 */
export function serverRenderingOf(
  chains: RecognisedChain[],
  side: Side,
  module: ModuleAnalysis,
  dependencies: Iterable<string>,
  lookup: (file: string) => ModuleAnalysis | null,
  cache: ModuleCache,
  findings: ModuleFindings,
): { rendering: Map<ChainFamily, boolean>; serverRendering?: ModuleReport['serverRendering']; engineFiles: Set<string> } {
  const rendering = new Map<ChainFamily, boolean>()
  const engineFiles = new Set<string>()
  let serverRendering: ModuleReport['serverRendering']
  for (const chain of chains) {
    for (const entry of chain.segments) {
      const points = entry.family.points
      if (!points || points.ssr !== undefined || !points.engine || rendering.has(entry.family)) continue
      if (!entry.segment.call.arguments.length || ruleOf(entry, side, true) !== 'keep' || ruleOf(entry, side, false) === 'keep') continue
      const found = detectServerRendering(module, dependencies, points.engine, lookup, cache)
      for (const f of found.files ?? []) engineFiles.add(f)
      if (found.ssr !== null) {
        rendering.set(entry.family, found.ssr)
        serverRendering = { ssr: found.ssr, from: found.from }
        continue
      }
      rendering.set(entry.family, false)
      const property = entry.segment.callee.property
      findings.add('W_SSR_UNKNOWN', { family: entry.family.name, method: entry.segment.name!, reason: found.reason }, property.start!, property.end!)
    }
  }
  return { rendering, serverRendering, engineFiles }
}
