/**
 * chaincut inspect <file> [--client|--server]   the transformed file and what was cut
 * chaincut check <glob...>                      both sides of every file; exit 1 on any error
 * chaincut report --html <out> [glob...]        the same, and the HTML audit (docs/audit.md)
 */
import { existsSync, readFileSync } from 'node:fs'
import { relative, resolve } from 'node:path'
import { parseArgs, styleText } from 'node:util'
import { glob } from 'tinyglobby'
import { defaultResolve, ModuleCache } from '../js/modules.js'
import { resolveConfig } from '../config/config.js'
import { ChaincutError } from '../findings/errors.js'
import { describe, type FindingCode, type FindingParams } from '../findings/catalog.js'
import { parseModule } from '../js/parse.js'
import { transform } from '../pipeline/transform.js'
import { formatViolation, violationAt, type GuardViolation } from '../guard/guard.js'
import { point0 } from '../presets/point0/preset.js'
import { BUILTIN_PRESETS, DEFAULT_PRESETS } from '../presets/index.js'
import { tailorkit } from '../presets/tailorkit.js'
import type { ChaincutOptions, Finding, ModuleReport, Side } from '../types.js'
import { EDITS, type StoredEdits } from '../rewrite/emit.js'
import { BuildReport, type BuildErrors } from '../report/json.js'
import { AuditRecorder } from '../report/audit.js'
import { refuseInsideOutput, writeAuditHtml } from '../report/html.js'
import { DEFAULT_HTML_REPORT } from '../config/options.js'

/** The options the commands use: the persistent cache is the bundler plugins' (docs/reference.md "Cache"), never the CLI's. */
type CliOptions = Omit<ChaincutOptions, 'cache'>

/** The files `chaincut report` reads when given no glob. */
const DEFAULT_REPORT_GLOBS = ['src/**/*.{js,jsx,ts,tsx,mjs,cjs,mts,cts}']

const HELP = `chaincut — cut server-only code out of builder chains

Usage:
  chaincut inspect <file> [--client | --server] [options]
      Print the file as chaincut transforms it for one side (default: client),
      then what was cut, desugared and removed, and any findings.

  chaincut check <glob...> [options]
      Transform every matched file for both sides. Lists each error-level finding
      and each surviving import of a guarded module as "file:line:col  message".
      Exit 0: clean. Exit 1: findings or files that could not be checked.
      Exit 2: bad usage, or the globs matched no file.

  chaincut report [--html <out>] [glob...] [options]
      What check does, and writes the HTML audit (docs/audit.md): every module's
      original, client and server text side by side, each cut, "not a chain" and
      finding where it is. Default out: ${DEFAULT_HTML_REPORT};
      default globs: ${DEFAULT_REPORT_GLOBS.join(' ')}. The file holds the
      server's code: keep it out of every folder that is deployed.
      Exit codes as check's.

Options:
  --client            inspect the client build (default)
  --server            inspect the server build
  --preset <names>    chain families, comma-separated: point0,tailorkit (default: the
                      vite.config's chaincut() options, else both)
  --ssr               point0 points server-render (point0({ ssr: true }))
  --no-ssr            point0 points do not server-render (point0({ ssr: false }));
                      without either, read from the app's Engine.create({ ssr })
  --cut-schemas       TailorKit: also cut .input/.output on the client
  --server-only <p>   extra server-only module pattern (repeatable; /re/ for a RegExp)
  --config <file>     read chaincut() options from this Vite config (default: vite.config.*
                      in the current folder, when present)
  --no-config         ignore any Vite config
  --json              machine-readable output
  --no-color          plain output (also when not on a TTY)
  -h, --help          this help
  -v, --version       the version
`

type Paint = (style: Parameters<typeof styleText>[0], text: string) => string

export async function main(argv: string[]): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        client: { type: 'boolean' },
        server: { type: 'boolean' },
        preset: { type: 'string' },
        ssr: { type: 'boolean' },
        'no-ssr': { type: 'boolean' },
        'cut-schemas': { type: 'boolean' },
        'server-only': { type: 'string', multiple: true },
        config: { type: 'string' },
        'no-config': { type: 'boolean' },
        json: { type: 'boolean' },
        html: { type: 'string' },
        'no-color': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    })
  } catch (error) {
    process.stderr.write(`chaincut: ${(error as Error).message}\n\n${HELP}`)
    return 2
  }
  const { values, positionals } = parsed
  if (values.version) {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))
    process.stdout.write(`${pkg.version}\n`)
    return 0
  }
  const [command, ...rest] = positionals
  if (values.help || !command) {
    process.stdout.write(HELP)
    return command || values.help ? 0 : 2
  }
  const color = !values['no-color'] && !values.json && process.stdout.isTTY === true && !process.env.NO_COLOR
  const paint: Paint = (style, text) => (color ? styleText(style, text) : text)

  if (values.html !== undefined && command !== 'report') {
    process.stderr.write(`chaincut: --html is chaincut report's option\n\n${HELP}`)
    return 2
  }
  let options: CliOptions
  /** the client's output folders the Vite config names: the audit is never written there */
  const folders: OutputFolder[] = []
  try {
    options = await loadOptions(values, folders)
    resolveConfig(options)
  } catch (error) {
    process.stderr.write(`chaincut: ${(error as Error).message}\n`)
    return 2
  }

  if (command === 'inspect') {
    if (rest.length !== 1) {
      process.stderr.write(`chaincut inspect: give exactly one file\n\n${HELP}`)
      return 2
    }
    if (values.client && values.server) {
      process.stderr.write('chaincut inspect: --client or --server, not both\n')
      return 2
    }
    return inspect(resolve(rest[0]), values.server ? 'server' : 'client', options, paint, values.json === true)
  }
  if (command === 'check') {
    if (!rest.length) {
      process.stderr.write(`chaincut check: give one or more globs\n\n${HELP}`)
      return 2
    }
    return check(rest, options, paint, values.json === true)
  }
  if (command === 'report') {
    const out = resolve(values.html || DEFAULT_HTML_REPORT)
    try {
      for (const { folder, what } of folders) refuseInsideOutput(String(values.html ?? DEFAULT_HTML_REPORT), out, folder, what)
    } catch (error) {
      process.stderr.write(`chaincut report: ${(error as Error).message}\n`)
      return 2
    }
    return check(rest.length ? rest : DEFAULT_REPORT_GLOBS, options, paint, values.json === true, out)
  }
  process.stderr.write(`chaincut: unknown command "${command}"\n\n${HELP}`)
  return 2
}

interface OutputFolder {
  folder: string
  what: string
}

async function loadOptions(values: Record<string, unknown>, folders: OutputFolder[] = []): Promise<CliOptions> {
  let options: ChaincutOptions = {}
  if (!values['no-config']) {
    const file =
      (values.config as string | undefined) ??
      ['vite.config.ts', 'vite.config.mts', 'vite.config.js', 'vite.config.mjs', 'vite.config.cjs', 'vite.config.cts'].find((f) => existsSync(f))
    if (file) options = (await optionsFromViteConfig(resolve(file), folders)) ?? {}
  }
  const presetNames = values.preset ? String(values.preset).split(',').map((s) => s.trim()).filter(Boolean) : null
  if (values.ssr && values['no-ssr']) throw new Error('--ssr and --no-ssr contradict each other: give one')
  if (presetNames || values.ssr || values['no-ssr'] || values['cut-schemas']) {
    const names = presetNames ?? [...DEFAULT_PRESETS]
    options = {
      ...options,
      presets: names.map((name) => {
        if (name === 'point0') return values.ssr ? point0({ ssr: true }) : values['no-ssr'] ? point0({ ssr: false }) : point0()
        if (name === 'tailorkit') return values['cut-schemas'] ? tailorkit({ cutSchemas: true }) : tailorkit()
        throw new Error(`unknown preset "${name}" (known: ${Object.keys(BUILTIN_PRESETS).join(', ')})`)
      }),
    }
  }
  const serverOnly = (values['server-only'] as string[] | undefined)?.map((p) => {
    const m = /^\/(.+)\/([a-z]*)$/.exec(p)
    return m ? new RegExp(m[1], m[2]) : p
  })
  if (serverOnly?.length) options = { ...options, serverOnly: [...[options.serverOnly ?? []].flat(), ...serverOnly] }
  const { cache: _, ...rest } = options
  return rest
}

/** Vite's user config, as far as `chaincut report` reads it for the client's output folders. */
interface ViteUserConfigLike {
  root?: string
  publicDir?: string | false
  build?: { outDir?: string }
  environments?: Record<string, { consumer?: string; build?: { outDir?: string } }>
}

/** The options given to chaincut() in a Vite config, found on the plugin it returned; `folders` gets the client's output folders it names. */
async function optionsFromViteConfig(file: string, folders: OutputFolder[] = []): Promise<ChaincutOptions | null> {
  let vite: typeof import('vite')
  try {
    vite = await import('vite')
  } catch {
    return null
  }
  const loaded = await vite.loadConfigFromFile({ command: 'build', mode: 'production' }, file, undefined, 'silent')
  const config = (loaded?.config ?? {}) as ViteUserConfigLike
  // as Vite resolves them: `root` from the working folder, the others from `root`
  const root = resolve(config.root ?? process.cwd())
  folders.push({ folder: resolve(root, config.build?.outDir ?? 'dist'), what: `Vite build.outDir of ${rel(file)}` })
  if (config.publicDir !== false) folders.push({ folder: resolve(root, config.publicDir ?? 'public'), what: `Vite publicDir of ${rel(file)}` })
  for (const [name, environment] of Object.entries(config.environments ?? {})) {
    if (environment?.consumer === 'client' && environment.build?.outDir) folders.push({ folder: resolve(root, environment.build.outDir), what: `Vite environments.${name}.build.outDir of ${rel(file)}` })
  }
  const plugins: unknown[] = []
  const flatten = async (list: unknown): Promise<void> => {
    const value = await list
    if (Array.isArray(value)) for (const item of value) await flatten(item)
    else if (value) plugins.push(value)
  }
  await flatten(loaded?.config.plugins)
  const ours = plugins.find((p) => (p as { name?: string }).name === 'chaincut') as { api?: { options?: ChaincutOptions } } | undefined
  return ours?.api?.options ?? null
}

const rel = (file: string) => {
  const r = relative(process.cwd(), file)
  return r && !r.startsWith('..') ? r : file
}

async function inspect(file: string, side: Side, options: CliOptions, paint: Paint, json: boolean): Promise<number> {
  let code: string
  try {
    code = readFileSync(file, 'utf8')
  } catch (error) {
    process.stderr.write(`chaincut: cannot read ${rel(file)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`)
    return 1
  }
  let report: ModuleReport | null = null
  try {
    const result = await transform(code, file, { ...options, side, onReport: (r) => (report = r) })
    const violations = guardImports(result?.code ?? code, file, side, options)
    if (json) {
      process.stdout.write(JSON.stringify({ file, side, changed: result !== null, code: result?.code ?? code, report, violations }, null, 2) + '\n')
      return violations.length || (report as ModuleReport | null)?.findings.some((f) => f.level === 'error') ? 1 : 0
    }
    process.stdout.write(paint('bold', `// ${rel(file)} — ${side} build${result ? '' : ' (unchanged)'}\n`))
    process.stdout.write((result?.code ?? code) + (code.endsWith('\n') ? '' : '\n'))
    process.stdout.write('\n' + summarize(report, paint) + '\n')
    for (const v of violations) process.stdout.write('\n' + paint('red', formatViolation(v)) + '\n')
    return violations.length ? 1 : 0
  } catch (error) {
    if (error instanceof ChaincutError) {
      if (json) process.stdout.write(JSON.stringify({ file, side, findings: error.findings }, null, 2) + '\n')
      else process.stderr.write(paint('red', error.message) + '\n')
      return 1
    }
    throw error
  }
}

function summarize(report: ModuleReport | null, paint: Paint): string {
  if (!report) return paint('dim', '// nothing here can hold a chain: not parsed')
  const lines: string[] = [paint('bold', '// what chaincut did')]
  if (!report.cuts.length && !report.desugared.length && !report.removedImports.length && !report.removedDeclarations.length && !report.folded?.length) {
    lines.push(paint('dim', '//   nothing to cut on this side'))
  }
  if (report.serverRendering) {
    lines.push(`//   ${paint('dim', `point0 points ${report.serverRendering.ssr ? 'server-render' : 'do not server-render'} (read from ${report.serverRendering.from})`)}`)
  }
  for (const f of report.folded ?? []) lines.push(`//   ${paint('cyan', 'fold')}     line ${f.line}  ${f.expression} → ${f.value}`)
  for (const d of report.desugared) lines.push(`//   ${paint('cyan', 'desugar')}  line ${d.line}  lets.${d.type}() → lets('${d.type}', '${d.name}', …)`)
  for (const c of report.cuts) lines.push(`//   ${paint('yellow', 'cut')}      line ${c.line}  .${c.method}(…)  ${paint('dim', `${c.family} ${c.rule}`)}`)
  for (const r of report.removedImports) lines.push(`//   ${paint('magenta', 'import')}   line ${r.line}  { ${r.names.join(', ')} } from '${r.source}'`)
  for (const r of report.removedDeclarations) lines.push(`//   ${paint('magenta', 'removed')}  line ${r.line}  ${r.name}`)
  for (const n of report.notChains ?? []) lines.push(`//   ${paint('green', 'kept')}     line ${n.line}  .${n.method}  ${paint('dim', `not a chain: ${n.reason}`)}`)
  for (const f of report.findings) lines.push(`//   ${paint(f.level === 'error' ? 'red' : 'yellow', f.level)}  ${f.line}:${f.column + 1}  ${f.message}`)
  return lines.join('\n')
}

/** the import guard for a single file outside a bundler: surviving imports of guarded modules. */
function guardImports(code: string, file: string, side: Side, options: CliOptions): GuardViolation[] {
  const config = resolveConfig(options)
  const guard = side === 'client' ? config.isServerOnly : config.isClientOnly
  // a side-effect import of a guarded module (`import 'server-only'`, a preset's marker) makes the importing module guarded too
  const marked = (text: string) => {
    for (const m of text.matchAll(/(?:^|\n)\s*import\s+['"]([^'"\n]+)['"]/g)) if (guard(m[1])) return true
    return false
  }
  // the build's own parse (same dialects and syntax plugins): a file it builds is never skipped here.
  // A file that does not parse is a ChaincutError (E_PARSE), never "no imports"
  const ast = parseModule(code, file)
  const sources: string[] = []
  for (const s of ast.program.body) {
    if (s.type === 'ImportDeclaration' && s.importKind !== 'type') sources.push(s.source.value)
    if ((s.type === 'ExportNamedDeclaration' || s.type === 'ExportAllDeclaration') && s.source && s.exportKind !== 'type') sources.push(s.source.value)
  }
  // `import('./x.server')` reaches the bundler's resolver too
  dynamicImports(ast.program, sources)
  const violations: GuardViolation[] = []
  for (const source of new Set(sources)) {
    let rule = guard(source)
    let resolved: string | null = null
    if (!rule) {
      try {
        resolved = (defaultResolve(source, file) as string | null) ?? null
      } catch {
        resolved = null
      }
      if (resolved) {
        rule = guard(resolved)
        if (!rule && /\.[cm]?[jt]sx?$/.test(resolved) && !resolved.includes('node_modules')) {
          try {
            if (marked(readFileSync(resolved, 'utf8'))) rule = `the module's own "${side === 'client' ? 'server-only' : 'client-only'}" marker import`
          } catch {
            /* unreadable: the bundler will say */
          }
        }
      }
    }
    if (rule) violations.push(violationAt(side, file, source, resolved, rule, [file, resolved ?? source], code))
  }
  return violations
}

/** The string-literal sources of `import(...)` calls anywhere in the code. */
function dynamicImports(root: object, out: string[]) {
  const stack: unknown[] = [root]
  while (stack.length) {
    const node = stack.pop() as Record<string, any> | null
    if (!node || typeof node !== 'object') continue
    if (Array.isArray(node)) {
      for (const child of node) stack.push(child)
      continue
    }
    const call = node.type === 'CallExpression' && node.callee?.type === 'Import'
    if (call || node.type === 'ImportExpression') {
      const arg = call ? node.arguments[0] : node.source
      if (arg?.type === 'StringLiteral') out.push(arg.value)
      else if (arg?.type === 'TemplateLiteral' && !arg.expressions.length) out.push(arg.quasis[0].value.cooked)
    }
    for (const key in node) {
      if (key === 'loc' || key === 'start' || key === 'end' || key === 'extra') continue
      const value = node[key]
      if (value && typeof value === 'object') stack.push(value)
    }
  }
}

interface CheckLine {
  file: string
  line: number
  column: number
  side: Side | 'both'
  level: 'error' | 'warn'
  code: string
  message: string
  hint: string
  /** The code frame at the finding (text output only). */
  frame?: string
}

/**
 * `check` over a set of files is a build: a first pass over the whole set learns which
 * parameters receive chains (docs/ARCHITECTURE.md, "Soundness"), so no file is judged before
 * the files that call it.
 */
async function learnParams(files: string[], options: CliOptions): Promise<Record<Side, ModuleCache>> {
  const caches = { client: new ModuleCache(), server: new ModuleCache() }
  for (const side of ['client', 'server'] as const) {
    const learning = new ModuleCache()
    for (const file of files) {
      try {
        await transform(readFileSync(file, 'utf8'), file, { ...options, side, cache: learning })
      } catch {
        // reported by the pass that checks
      }
    }
    caches[side].params.seed(learning.params.passes())
  }
  return caches
}

/**
 * `check`, and with `html` (`chaincut report`) the HTML audit of what it analysed: each side's
 * reports, the texts and edits of the files it changed, the findings that stopped a file, the
 * guarded imports that survive. The audit is written whole (the sides are analysed together).
 */
async function check(patterns: string[], options: CliOptions, paint: Paint, json: boolean, html?: string): Promise<number> {
  const command = html ? 'report' : 'check'
  const files = (await glob(patterns, { absolute: true, onlyFiles: true, ignore: ['**/node_modules/**'], expandDirectories: false })).sort()
  if (!files.length) {
    process.stderr.write(`chaincut ${command}: no file matches ${patterns.map((p) => JSON.stringify(p)).join(' ')}\n`)
    return 2
  }
  const audit = html ? { report: new BuildReport(), recorder: new AuditRecorder(), errors: { client: { modules: 0, findings: 0, guard: 0 }, server: { modules: 0, findings: 0, guard: 0 } } as Record<Side, BuildErrors> } : null
  const lines: CheckLine[] = []
  let checked = 0
  const caches = await learnParams(files, options)
  for (const file of files) {
    let buffer: Buffer
    try {
      buffer = readFileSync(file)
    } catch (error) {
      lines.push({ file, line: 0, column: 0, side: 'both', level: 'error', ...checkText('E_READ', { reason: (error as NodeJS.ErrnoException).code ?? (error as Error).message }) })
      continue
    }
    if (buffer.includes(0)) {
      lines.push({ file, line: 0, column: 0, side: 'both', level: 'error', ...checkText('E_BINARY', {}) })
      continue
    }
    const code = buffer.toString('utf8')
    checked++
    // a file the code filter skips is not parsed by the transform; `check` still reports syntax errors
    try {
      parseModule(code, file)
    } catch (error) {
      if (!(error instanceof ChaincutError)) throw error
      for (const f of error.findings) lines.push({ ...fromFinding(f, 'client'), side: 'both' })
      if (audit) {
        for (const side of ['client', 'server'] as const) {
          audit.recorder.failed(side, file, side, code, error.findings)
          audit.errors[side].modules++
          audit.errors[side].findings += error.findings.length
        }
      }
      continue
    }
    for (const side of ['client', 'server'] as const) {
      let output: string
      // the audit's wall-clock time of each side: the time its transforms ran
      audit?.report.enter(side)
      try {
        let report: ModuleReport | null = null
        const result = await transform(code, file, { ...options, side, cache: caches[side], onReport: (r) => (report = r) }).finally(() => audit?.report.leave(side))
        for (const f of (report as ModuleReport | null)?.findings ?? []) lines.push(fromFinding(f, side))
        output = result?.code ?? code
        if (audit && report) audit.report.add(side, report)
        if (audit && result) audit.recorder.changed(side, file, code, result.code, (result as { [EDITS]?: StoredEdits })[EDITS]?.edits ?? null)
      } catch (error) {
        if (!(error instanceof ChaincutError)) throw error
        for (const f of error.findings) lines.push(fromFinding(f, side))
        if (audit) {
          audit.recorder.failed(side, file, side, code, error.findings)
          audit.errors[side].modules++
          audit.errors[side].findings += error.findings.filter((f) => f.level === 'error').length || 1
        }
        if (error.findings.some((f) => f.code === 'E_PARSE')) break // one report of a parse error is enough
        // a finding must not hide a guard violation: check what survives once the provable cuts are made
        output = await relaxedOutput(code, file, side, options)
      }
      try {
        for (const v of guardImports(output, file, side, options)) {
          lines.push({ file, line: v.line, column: v.column, side, level: 'error', ...checkText('E_GUARD', { side, source: v.source, rule: v.rule }) })
          if (audit) {
            audit.recorder.guard(side, v, 'error')
            audit.errors[side].guard++
          }
        }
      } catch (error) {
        if (!(error instanceof ChaincutError)) throw error
        for (const f of error.findings) lines.push(fromFinding(f, side))
      }
    }
  }
  // the same finding on both sides is listed once
  const seen = new Set<string>()
  const unique = lines.filter((l) => {
    const key = `${l.file}:${l.line}:${l.column}:${l.code}:${l.message}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
  const errors = unique.filter((l) => l.level === 'error')
  let written: string | null = null
  if (audit) {
    const data = audit.recorder.collect(audit.report, { root: process.cwd(), bundler: 'cli', errors: (side) => audit.errors[side as Side] })
    written = writeAuditHtml(html!, data, { merge: false })
  }
  if (json) {
    process.stdout.write(JSON.stringify({ files: files.length, checked, findings: unique.map(({ frame: _, ...l }) => l), ...(written ? { report: written } : {}) }, null, 2) + '\n')
  } else {
    for (const l of unique) {
      const where = l.line ? `${rel(l.file)}:${l.line}:${l.column + 1}` : rel(l.file)
      // as every toolchain prints a finding: code, place, message, its own frame, its hint
      process.stdout.write(`${paint(l.level === 'error' ? 'red' : 'yellow', `${l.code} ${where}`)}  ${l.message}${l.side === 'both' ? '' : paint('dim', ` [${l.side}]`)}\n`)
      if (l.frame) process.stdout.write(l.frame + '\n')
      if (l.hint) process.stdout.write(`  hint: ${l.hint}\n`)
    }
    const summary = `${files.length} file${files.length === 1 ? '' : 's'} checked for both sides: ${errors.length} error${errors.length === 1 ? '' : 's'}, ${unique.length - errors.length} warning${unique.length - errors.length === 1 ? '' : 's'}`
    process.stdout.write((errors.length ? paint('red', summary) : paint('green', summary)) + '\n')
    if (written) process.stdout.write(`audit written to ${rel(written)} (it holds the server's code: keep it out of every deployed folder)\n`)
  }
  return errors.length ? 1 : 0
}

/**
 * The output of a file whose transform failed, as if its unprovable code were only a warning
 * (`onUnsafe: 'warn'` still makes every provable cut). If even that fails, the original code:
 * it reports every import, never fewer than the build would see.
 */
async function relaxedOutput(code: string, file: string, side: Side, options: CliOptions): Promise<string> {
  try {
    return (await transform(code, file, { ...options, side, onUnsafe: 'warn' }))?.code ?? code
  } catch (error) {
    if (!(error instanceof ChaincutError)) throw error
    return code
  }
}

/** A check line's code, message and hint from the findings catalog. */
function checkText<C extends FindingCode>(code: C, params: FindingParams<C>): Pick<CheckLine, 'code' | 'message' | 'hint'> {
  const { message, hint } = describe(code, params)
  return { code, message, hint }
}

const fromFinding = (f: Finding, side: Side): CheckLine => ({ file: f.file, line: f.line, column: f.column, side, level: f.level, code: f.code, message: f.message, hint: f.hint, frame: f.frame })
