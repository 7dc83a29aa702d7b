// `npm run bench`: chaincut's performance budgets (bench/README.md), on a generated corpus.
//
//   node bench/run.mjs [--quick] [--only=transform,scaling,vite] [--rounds=N] [--builds=N] [--modules=N] [--gc=all|both|alternate|blocks|stream]
//                      [--app=real|legacy] [--resolve=alias|tsconfig] [--sourcemap] [--variants=without,parse-only,chaincut,chaincut-warm,chaincut-nocache]
//
// Contenders run interleaved in one process (warm-up first, then rounds that
// visit every module in a new order and rotate which contender goes first),
// each measured over enough repetitions to reach ~2 ms, and every figure is a
// median. See bench/README.md for what each figure means.

import { execFileSync, spawn } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import v8 from 'node:v8'
import vm from 'node:vm'
import { parse } from '@babel/parser'
import { APP_SHAPES, appDirFor, buildCorpus, buildScalingCorpus, Rng, SERVER_MARKERS, writeApp } from './corpus.mjs'
import { createBaseline } from './baseline.mjs'

const here = fileURLToPath(new URL('.', import.meta.url))
const root = join(here, '..')

// ---------------------------------------------------------------------------
// options

const argv = process.argv.slice(2)
const flag = (name) => argv.includes(`--${name}`)
const value = (name, fallback) => {
  const hit = argv.find((a) => a.startsWith(`--${name}=`))
  return hit ? hit.slice(name.length + 3) : fallback
}
const quick = flag('quick')
const only = new Set(value('only', 'transform,scaling,vite').split(','))
const ROUNDS = Number(value('rounds', quick ? 3 : 7))
const BUILDS = Number(value('builds', quick ? 2 : 5)) // rounds of one `vite build` per variant
const APP_MODULES = Number(value('modules', quick ? 300 : 2000))
// the generated app's shape (bench/README.md, "The app"): `real` (aliases, workspace packages) or `legacy`
const APP_SHAPE = value('app', 'real')
if (!APP_SHAPES.includes(APP_SHAPE)) throw new Error(`--app=${APP_SHAPE}: use ${APP_SHAPES.join(' or ')}`)
const APP_RESOLVE = value('resolve', 'alias')
const APP_SOURCEMAP = flag('sourcemap')
const TARGET_MS = quick ? 1 : 2 // each measurement repeats a call until ~this long
const MAX_REPS = 1000

// ---------------------------------------------------------------------------
// contenders

// a snapshot of dist/ taken now, so that a rebuild during the run (npm test
// wipes dist/) cannot change or break the code under test halfway through
const snapshot = join(here, 'results/dist-snapshot')
let distIndex = join(root, 'dist/index.js')
let distVite = join(root, 'dist/vite.js')
// `npm run build` starts with `rm -rf dist`: if dist/ is half-built, give it a minute
if (existsSync(join(root, 'dist')) && !(existsSync(distIndex) && existsSync(distVite))) {
  console.log('waiting for dist/ (a build is running)...')
  for (let i = 0; i < 60 && !(existsSync(distIndex) && existsSync(distVite)); i++) await new Promise((r) => setTimeout(r, 1000))
  await new Promise((r) => setTimeout(r, 3000)) // let tsc finish writing
}
if (existsSync(distIndex)) {
  rmSync(snapshot, { recursive: true, force: true })
  cpSync(join(root, 'dist'), snapshot, { recursive: true })
  distIndex = join(snapshot, 'index.js')
  distVite = join(snapshot, 'vite.js')
}
let chaincut = null
let chaincutNote = ''
if (existsSync(distIndex)) {
  try {
    chaincut = (await import(distIndex)).transform
    if (typeof chaincut !== 'function') throw new Error('dist/index.js has no transform export')
  } catch (error) {
    chaincut = null
    chaincutNote = `dist/index.js failed to load (${error.message})`
  }
} else chaincutNote = 'dist/index.js not found: run `npm run build` first'
if (!chaincut) console.log(`note: ${chaincutNote} — chaincut columns are skipped, parse and baseline only.\n`)

const baseline = await createBaseline({ side: 'client' })

const pluginsFor = (id) => (/\.[cm]?tsx$/.test(id) ? ['typescript', 'jsx'] : /\.[cm]?ts$/.test(id) ? ['typescript'] : /\.jsx$/.test(id) ? ['jsx'] : [])
let sink = 0 // keeps results alive
const contenders = {
  parse: { sync: true, run: (m) => (sink ^= parse(m.code, { sourceType: 'module', plugins: m.plugins }).program.body.length) },
  baseline: { sync: true, run: (m) => (sink ^= baseline.transform(m.code, m.id)?.code.length ?? 0) },
}
const CHAINCUT_OPTIONS = { side: 'client' }
if (chaincut) contenders.chaincut = { sync: false, run: async (m) => (sink ^= (await chaincut(m.code, m.id, CHAINCUT_OPTIONS))?.code.length ?? 0) }

// ---------------------------------------------------------------------------
// statistics

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (!s.length) return NaN
  const mid = s.length >> 1
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}
const quantile = (xs, q) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN
}
const sum = (xs) => xs.reduce((a, b) => a + b, 0)
const fmt = (x, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a')
const pct = (x, digits = 1) => (Number.isFinite(x) ? `${(x * 100).toFixed(digits)}%` : 'n/a')

// How garbage is attributed. Babel-based contenders allocate a lot (the
// baseline most), and whoever runs next pays for collecting it. Two schedules:
//  - "alternate": each module is measured for every contender in turn (the
//    contender order rotates per round), with a young-generation GC before each
//    measurement, so the previous contender's short-lived garbage is not on the
//    next one's clock (a full GC is not used: V8's forced full GC leaves the
//    next calls several times slower);
//  - "blocks": each round runs every contender over all modules in turn, so
//    each pays its own collections, old generation included, as it would in a
//    build; only the first module of a block inherits another's garbage.
//  - "stream": as a build calls a transform: each round runs every contender
//    over all modules in turn, each module once (no repetition, so no tight
//    loop over one module warms caches and branch predictors for the next
//    call), no forced GC. Single calls are noisier, so it runs three times the
//    rounds. It is printed for what a build sees; the budgets are judged on the
//    two schedules above (a module without chains takes a few µs, close to what
//    one timer read and one await cost, so its stream figure is not a budget figure).
// The transform figures are measured all three ways (--gc=all|both|alternate|blocks|stream; both = alternate and blocks).
v8.setFlagsFromString('--expose-gc')
const collect = vm.runInNewContext('gc')
const GC_MODES = { all: ['alternate', 'blocks', 'stream'], both: ['alternate', 'blocks'], alternate: ['alternate'], blocks: ['blocks'], stream: ['stream'] }[value('gc', 'all')] ?? ['alternate', 'blocks', 'stream']
/** The schedules the budgets are judged on (stream only when it is the only one run). */
const judged = (modes) => (modes.some((m) => m !== 'stream') ? modes.filter((m) => m !== 'stream') : modes)

async function measure(contender, m, reps, minorGC) {
  const { run, sync } = contenders[contender]
  if (minorGC) collect({ type: 'minor' })
  const t0 = performance.now()
  if (sync) for (let i = 0; i < reps; i++) run(m)
  else for (let i = 0; i < reps; i++) await run(m)
  return (performance.now() - t0) / reps
}

/**
 * Interleaved benchmark of `names` over `modules`: warm-up, calibration of
 * repetitions per (module, contender), then `rounds` rounds in a shuffled module
 * order with the contender order rotating. Returns per-module medians in ms.
 */
async function interleave(modules, names, rounds, label, mode = 'alternate') {
  const isolate = mode === 'alternate'
  const once = mode === 'stream'
  const rng = new Rng(99)
  const reps = new Map()
  const t0 = performance.now()
  // warm-up: JIT every path twice, then calibrate on a third call
  for (let pass = 0; pass < 2; pass++) for (const m of modules) for (const n of names) await measure(n, m, 1, isolate)
  for (const m of modules) {
    for (const n of names) {
      const once = await measure(n, m, 1, isolate)
      reps.set(`${m.id}|${n}`, Math.max(1, Math.min(MAX_REPS, Math.ceil(TARGET_MS / Math.max(once, 1e-4)))))
    }
  }
  const samples = new Map(modules.map((m) => [m.id, Object.fromEntries(names.map((n) => [n, []]))]))
  for (let round = 0; round < rounds; round++) {
    const order = names.map((_, i) => names[(i + round) % names.length])
    const shuffled = rng.shuffle(modules)
    if (mode === 'blocks' || once) {
      for (const n of order) for (const m of shuffled) samples.get(m.id)[n].push(await measure(n, m, once ? 1 : reps.get(`${m.id}|${n}`), false))
    } else {
      for (const m of shuffled) for (const n of order) samples.get(m.id)[n].push(await measure(n, m, reps.get(`${m.id}|${n}`), true))
    }
    process.stdout.write(`\r  ${label}: round ${round + 1}/${rounds} (${((performance.now() - t0) / 1000).toFixed(0)} s)   `)
  }
  process.stdout.write('\n')
  return modules.map((m) => ({ module: m, ...Object.fromEntries(names.map((n) => [n, median(samples.get(m.id)[n])])) }))
}

// ---------------------------------------------------------------------------
// machine

function machine() {
  const cpus = os.cpus()
  let viteVersion = 'n/a'
  try {
    viteVersion = JSON.parse(readFileSync(join(root, 'node_modules/vite/package.json'), 'utf8')).version
  } catch {}
  let commit = 'n/a'
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim()
  } catch {}
  return {
    date: new Date().toISOString(),
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadavg: os.loadavg().map((x) => +x.toFixed(2)),
    vite: viteVersion,
    commit,
  }
}

// ---------------------------------------------------------------------------
// correctness first: a fast contender that is wrong is not a result

function checkCorrectness(corpus) {
  return (async () => {
    const out = { modules: corpus.length, baselineLeaks: [], chaincutLeaks: [], chaincutNullOnChains: [], chaincutChangedNoChain: [], chaincutErrors: [], findings: 0, importDiffs: [] }
    const importSources = (code) => [...code.matchAll(/^\s*import\s[^'"]*?from\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm)].map((x) => x[1] ?? x[2]).sort()
    for (const m of corpus) {
      const b = baseline.transform(m.code, m.id)
      const bCode = b ? b.code : m.code
      if (SERVER_MARKERS.some((x) => bCode.includes(x))) out.baselineLeaks.push(m.id)
      if (!chaincut) continue
      let c
      try {
        c = await chaincut(m.code, m.id, CHAINCUT_OPTIONS)
      } catch (error) {
        out.chaincutErrors.push(`${m.id}: ${String(error.message).split('\n')[0]}`)
        continue
      }
      if (m.chains && !c) out.chaincutNullOnChains.push(m.id)
      if (!m.chains && c && c.code !== m.code) out.chaincutChangedNoChain.push(m.id)
      out.findings += c?.report?.findings?.length ?? 0
      const cCode = c ? c.code : m.code
      const hit = SERVER_MARKERS.filter((x) => cCode.includes(x))
      if (hit.length) out.chaincutLeaks.push(`${m.id} (${hit.join(', ')})`)
      const bi = importSources(bCode).join(',')
      const ci = importSources(cCode).join(',')
      if (bi !== ci) out.importDiffs.push(`${m.id}: baseline [${bi}] chaincut [${ci}]`)
    }
    return out
  })()
}

// ---------------------------------------------------------------------------
// figures 1-3: transform vs parse vs baseline

function summarizeTransform(rows) {
  const withChains = rows.filter((r) => r.module.chains > 0)
  const noChains = rows.filter((r) => r.module.chains === 0)
  const res = {}
  // the stream schedule runs without the baseline
  const hasBaseline = withChains.every((r) => r.baseline !== undefined)
  if (hasBaseline) res.baselineOverParse = { median: median(withChains.map((r) => r.baseline / r.parse)) }
  if (chaincut) {
    const ratio = withChains.map((r) => r.chaincut / r.parse)
    res.chaincutOverParse = {
      median: median(ratio),
      p90: quantile(ratio, 0.9),
      max: Math.max(...ratio),
      aggregate: sum(withChains.map((r) => r.chaincut)) / sum(withChains.map((r) => r.parse)),
      byKind: Object.fromEntries(['point0-api', 'point0-pages', 'tailorkit'].map((k) => [k, median(withChains.filter((r) => r.module.kind === k).map((r) => r.chaincut / r.parse))])),
      worst: withChains.map((r) => ({ id: r.module.id, kb: r.module.bytes / 1024, chains: r.module.chains, ratio: r.chaincut / r.parse })).sort((a, b) => b.ratio - a.ratio).slice(0, 5),
    }
    const noChainRatio = noChains.map((r) => r.chaincut / r.parse)
    res.noChainOverParse = {
      median: median(noChainRatio),
      p90: quantile(noChainRatio, 0.9),
      parsedByFilter: noChainRatio.filter((x) => x > 0.1).length, // let through the code filter (text says "handler")
      medianRejected: median(noChainRatio.filter((x) => x <= 0.1)),
    }
    if (hasBaseline) {
      const speedup = withChains.map((r) => r.baseline / r.chaincut)
      res.baselineOverChaincut = { median: median(speedup), min: Math.min(...speedup), aggregate: sum(withChains.map((r) => r.baseline)) / sum(withChains.map((r) => r.chaincut)) }
    }
  }
  res.perModule = rows.map((r) => ({ id: r.module.id, kind: r.module.kind, bytes: r.module.bytes, chains: r.module.chains, parseMs: r.parse, chaincutMs: r.chaincut ?? null, baselineMs: r.baseline }))
  return res
}

async function transformFigures() {
  const corpus = buildCorpus({ quick }).map((m) => ({ ...m, plugins: pluginsFor(m.id) }))
  console.log(`corpus: ${corpus.length} modules, ${(sum(corpus.map((m) => m.bytes)) / 1024).toFixed(0)} KB, ${sum(corpus.map((m) => m.chains))} chains`)
  const correctness = await checkCorrectness(corpus)
  console.log(
    `correctness: baseline leaks ${correctness.baselineLeaks.length}` +
      (chaincut
        ? `, chaincut leaks ${correctness.chaincutLeaks.length}, errors ${correctness.chaincutErrors.length}, null on chain modules ${correctness.chaincutNullOnChains.length}, changed no-chain modules ${correctness.chaincutChangedNoChain.length}, findings ${correctness.findings}, import-set differences vs baseline ${correctness.importDiffs.length}`
        : ''),
  )
  for (const list of ['baselineLeaks', 'chaincutLeaks', 'chaincutErrors', 'chaincutNullOnChains', 'importDiffs']) {
    for (const line of correctness[list].slice(0, 5)) console.log(`  ${list}: ${line}`)
  }
  const names = chaincut ? ['parse', 'chaincut', 'baseline'] : ['parse', 'baseline']
  // modules chaincut errors on are left out of its timings (listed above)
  const failed = new Set(correctness.chaincutErrors.map((e) => e.split(':')[0]))
  const timed = corpus.filter((m) => !failed.has(m.id))
  const res = { modules: timed.length, withChains: timed.filter((m) => m.chains).length, noChains: timed.filter((m) => !m.chains).length, rounds: ROUNDS, gcModes: GC_MODES, correctness }
  for (const mode of GC_MODES) {
    // the stream schedule is about chaincut against the parse: the baseline (~8× slower) would triple its time
    const stream = mode === 'stream'
    const rows = await interleave(timed, stream ? names.filter((n) => n !== 'baseline') : names, stream ? 3 * ROUNDS : ROUNDS, `transform (${mode})`, mode)
    res[mode] = summarizeTransform(rows)
  }
  Object.assign(res, res[GC_MODES[0]]) // the headline figures: the first mode
  return res
}

// ---------------------------------------------------------------------------
// figure 5a: scaling

async function scalingFigures() {
  const { bySize, byChains } = buildScalingCorpus({ quick })
  const prep = (list) => list.map((m) => ({ ...m, plugins: pluginsFor(m.id) }))
  const names = chaincut ? ['parse', 'chaincut', 'baseline'] : ['parse', 'baseline']
  // few modules: more rounds for the same stability
  const rounds = Math.max(ROUNDS, quick ? 5 : 15)
  const sizeRows = await interleave(prep(bySize), names, rounds, 'scaling by size', 'blocks')
  const chainRows = await interleave(prep(byChains), names, rounds, 'scaling by chains', 'blocks')
  const row = (r) => ({
    kb: +(r.module.bytes / 1024).toFixed(1),
    chains: r.module.chains,
    parseUsPerKB: (r.parse * 1000) / (r.module.bytes / 1024),
    chaincutUsPerKB: chaincut ? (r.chaincut * 1000) / (r.module.bytes / 1024) : null,
    baselineUsPerKB: (r.baseline * 1000) / (r.module.bytes / 1024),
    chaincutOverParse: chaincut ? r.chaincut / r.parse : null,
    chaincutUsPerChain: chaincut ? (r.chaincut * 1000) / r.module.chains : null,
  })
  // growth exponent b of time ∝ size^b (least squares in log-log over the whole
  // series): 1 is linear, above 1 superlinear. Compared with parse's own b, since
  // a constant cost per call pulls b below 1 for everyone.
  const exponent = (rows, ms) => {
    const pts = rows.map((r) => [Math.log(r.module.bytes), Math.log(ms(r))])
    const mx = sum(pts.map((p) => p[0])) / pts.length
    const my = sum(pts.map((p) => p[1])) / pts.length
    return sum(pts.map(([x, y]) => (x - mx) * (y - my))) / sum(pts.map(([x]) => (x - mx) ** 2))
  }
  const series = (rows) => ({
    rows: rows.map(row),
    exponent: chaincut ? exponent(rows, (r) => r.chaincut) : null,
    parseExponent: exponent(rows, (r) => r.parse),
    baselineExponent: exponent(rows, (r) => r.baseline),
  })
  return { bySize: series(sizeRows), byChains: series(chainRows), rounds }
}

// ---------------------------------------------------------------------------
// figures 4 and 5b: vite build without a plugin, with a parse-only plugin, and
// with chaincut cold and warm

const ALL_VITE_VARIANTS = ['without', 'parse-only', 'chaincut', 'chaincut-warm', 'chaincut-nocache', 'outputs-only']
// `without`, `parse-only`, `chaincut` and `chaincut-warm` are always built (the figures need them), `outputs-only`
// by default, `chaincut-nocache` only when asked (the warm-up builds `chaincut` before `outputs-only`, which replays its outputs)
const VITE_VARIANTS = (() => {
  const asked = new Set(value('variants', 'without,parse-only,chaincut,chaincut-warm,outputs-only').split(','))
  for (const v of asked) if (!ALL_VITE_VARIANTS.includes(v)) throw new Error(`--variants: unknown variant ${v} (${ALL_VITE_VARIANTS.join(', ')})`)
  for (const v of ['without', 'parse-only', 'chaincut', 'chaincut-warm']) asked.add(v)
  return ALL_VITE_VARIANTS.filter((v) => asked.has(v))
})()
const VARIANT_DESCRIPTIONS = {
  without: 'no plugin',
  'parse-only': "a plugin with chaincut's transform filter and pre-parse test that only parses (`@babel/parser`, chaincut's options) and returns null",
  chaincut: 'chaincut, default options, no persistent cache (`node_modules/.cache/chaincut` deleted before each build)',
  'chaincut-warm': 'chaincut, default options, the persistent cache as the previous chaincut build left it',
  'chaincut-nocache': 'chaincut with `cache: false`: no persistent cache read or written',
  'outputs-only': "chaincut's outputs (recorded by a chaincut build) handed back by a plugin that does nothing else: chaincut's effect on the build at no cost",
}

function runChild(appDir, variant, outDir, env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(here, 'vite-child.mjs'), appDir, variant, outDir, distVite], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: env ? { ...process.env, ...env } : process.env })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', () => {
      const line = stdout.trim().split('\n').pop()
      try {
        resolve(JSON.parse(line))
      } catch {
        resolve({ ok: false, variant, error: (stdout + stderr).slice(0, 2000) })
      }
    })
  })
}

async function viteFigures() {
  const hasPlugin = Boolean(chaincut) && existsSync(distVite)
  const appDir = appDirFor(APP_MODULES, APP_SHAPE, { resolveVia: APP_RESOLVE, sourcemap: APP_SOURCEMAP })
  const t0 = performance.now()
  const app = writeApp(appDir, { modules: APP_MODULES, shape: APP_SHAPE, resolveVia: APP_RESOLVE, sourcemap: APP_SOURCEMAP })
  const appInfo = { modules: app.modules, withChains: app.withChains, bytes: app.bytes, dir: appDir, shape: app.shape, folders: app.folders, resolveVia: app.resolveVia, sourcemap: app.sourcemap }
  const shapeText = app.shape === 'real' ? `real shape: ${app.folders} folders, \`@/\` through ${app.resolveVia === 'tsconfig' ? 'resolve.tsconfigPaths' : 'resolve.alias'}, frameworks aliased to packages/` : `legacy shape: ${app.folders} folders, relative imports, stubs in node_modules`
  console.log(`app: ${app.modules} modules (${app.withChains} with chains), ${(app.bytes / 1024 / 1024).toFixed(1)} MB of source, ${shapeText}${app.sourcemap ? ', build.sourcemap: true' : ''}, in ${appDir} (${((performance.now() - t0) / 1000).toFixed(1)} s to write)`)
  const variants = hasPlugin ? VITE_VARIANTS : ['without']
  if (!hasPlugin) console.log('note: dist/vite.js not found — building without a plugin only, no ratio.')
  const outDir = (v) => join(appDir, `out-${v}`)
  const build = async (v) => {
    const r = await runChild(appDir, v, outDir(v))
    if (!r.ok) console.log(`\nvite build (${v}) failed:\n${r.error}`)
    return r
  }
  // one unrecorded build per variant warms the file-system cache; `chaincut` runs
  // before `chaincut-warm`, so the warm variant starts with a populated cache
  for (const v of variants) {
    const r = await build(v)
    if (!r.ok) return { error: r.error, variant: v, app: appInfo }
  }
  // rounds of one build per variant, the order rotating each round, so drift
  // (thermal, page cache, another process) hits every variant alike; a warm
  // build always follows at least one cold chaincut build (the warm-up's)
  const runs = Object.fromEntries(variants.map((v) => [v, []]))
  for (let i = 0; i < BUILDS; i++) {
    const order = variants.map((_, k) => variants[(k + i) % variants.length])
    for (const v of order) {
      const r = await build(v)
      if (!r.ok) return { error: r.error, variant: v, app: appInfo }
      runs[v].push(r)
    }
    process.stdout.write(`\r  vite build: round ${i + 1}/${BUILDS} (${order.join(' → ')}; ${((performance.now() - t0) / 1000).toFixed(0)} s)   `)
  }
  process.stdout.write('\n')
  // not timed: one more warm build writing chaincut's JSON report (\`report\` is not in the cache key),
  // to count the modules that came from the persistent cache (every one of them should)
  let warmCheck = null
  if (hasPlugin) {
    const reportFile = join(appDir, 'chaincut-warm-report.json')
    const r = await runChild(appDir, 'chaincut-warm', outDir('chaincut-warm'), { CHAINCUT_BENCH_REPORT: reportFile })
    warmCheck = r.ok ? r.report ?? null : { error: r.error }
    if (warmCheck?.modules !== undefined) console.log(`warm build check: ${warmCheck.cached} of ${warmCheck.modules} modules chaincut reported came from the persistent cache`)
  }
  for (const v of variants) rmSync(outDir(v), { recursive: true, force: true })

  const summary = (v) => {
    const rs = runs[v]
    const s = {
      description: VARIANT_DESCRIPTIONS[v],
      medianMs: median(rs.map((r) => r.ms)),
      medianCpuMs: median(rs.map((r) => r.cpuMs)),
      medianMaxRSSMB: median(rs.map((r) => r.maxRSS / 1024)),
      medianGcMs: median(rs.map((r) => r.gc?.ms)),
      medianGcCount: median(rs.map((r) => r.gc?.count)),
      bundleBytes: rs[0].bytes,
      leaks: rs[0].leaks,
      pluginCalls: rs[0].pluginCalls,
      runs: rs.map((r) => r.ms),
    }
    if (v === 'parse-only') Object.assign(s, { parsed: rs[0].parsed, filterFrom: rs[0].filterFrom })
    if (v.startsWith('chaincut')) s.cache = rs[rs.length - 1].cache
    if (v !== 'without') {
      // per round: this build's time minus the `without` build of the same round
      s.addedMsPerRound = rs.map((r, i) => r.ms - runs.without[i].ms)
      s.addedMs = median(s.addedMsPerRound)
      s.addedRatio = median(rs.map((r, i) => r.ms / runs.without[i].ms)) - 1
      s.addedCpuMs = median(rs.map((r, i) => r.cpuMs - runs.without[i].cpuMs))
    }
    return s
  }
  const res = { app: appInfo, builds: BUILDS, vite: runs.without[0].vite, variants: Object.fromEntries(variants.map((v) => [v, summary(v)])), warmCheck }
  if (hasPlugin) {
    const V = res.variants
    // is there a persistent cache at all? (until it lands, the warm variant is just a second build)
    const cache = V['chaincut-warm'].cache
    res.persistentCache = Boolean(cache?.before?.exists && cache.before.files > 0)
    const parseAdded = V['parse-only'].addedMs
    // the budget: chaincut's added time ≤ 1.25 × the parse-only plugin's added time
    res.chaincutOverParseOnlyAdded = parseAdded > 0 ? V.chaincut.addedMs / parseAdded : NaN
    res.chaincutOverParseOnlyAddedPerRound = median(
      runs.chaincut.map((r, i) => {
        const p = runs['parse-only'][i].ms - runs.without[i].ms
        return p > 0 ? (r.ms - runs.without[i].ms) / p : NaN
      }),
    )
    res.chaincutOverParseOnlyCpuAdded = V['parse-only'].addedCpuMs > 0 ? V.chaincut.addedCpuMs / V['parse-only'].addedCpuMs : NaN
    if (V['chaincut-nocache']) res.nocacheOverParseOnlyAdded = parseAdded > 0 ? V['chaincut-nocache'].addedMs / parseAdded : NaN
    if (V['outputs-only']) {
      // the warm build against chaincut's own effect at no cost (the smaller graph its cuts leave)
      res.warmOverOutputsOnly = median(runs['chaincut-warm'].map((r, i) => r.ms / runs['outputs-only'][i].ms)) - 1
      res.warmOverOutputsOnlyMs = median(runs['chaincut-warm'].map((r, i) => r.ms - runs['outputs-only'][i].ms))
    }
    res.rssOverParseOnly = V.chaincut.medianMaxRSSMB / V['parse-only'].medianMaxRSSMB
    res.warmRssOverParseOnly = V['chaincut-warm'].medianMaxRSSMB / V['parse-only'].medianMaxRSSMB
    res.warmAdded = V['chaincut-warm'].addedRatio
    // the figures older results/latest.json readers know
    res.addedTime = V.chaincut.addedRatio
    res.addedRSS = V.chaincut.medianMaxRSSMB / V.without.medianMaxRSSMB - 1
  }
  return res
}

// ---------------------------------------------------------------------------
// report

function budgetRows(r) {
  const rows = []
  const t = r.transform
  const ok = (pass) => (pass === null ? '' : pass ? '✅' : '❌')
  if (t) {
    const n = `${t.withChains} modules with chains`
    if (t.chaincutOverParse) {
      // every schedule, each named (see the GC note in measure()); judged on all but stream
      const each = (f, has = () => true) =>
        t.gcModes
          .filter((m) => has(t[m]))
          .map((m) => `${t.gcModes.length > 1 ? `${m}${judged(t.gcModes).includes(m) ? '' : ' (not judged)'}: ` : ''}${f(t[m])}`)
          .join('; ')
      const worst = (f, pick) => pick(...judged(t.gcModes).map((m) => f(t[m])))
      rows.push(['chaincut transform ÷ `@babel/parser` parse', `${n}, median`, each((o) => `${fmt(o.chaincutOverParse.median)}× (p90 ${fmt(o.chaincutOverParse.p90)}×, aggregate ${fmt(o.chaincutOverParse.aggregate)}×)`), '≤ 1.5×', ok(worst((o) => o.chaincutOverParse.median, Math.max) <= 1.5)])
      rows.push(['module without chains ÷ parse', `${t.noChains} modules, median`, `${each((o) => pct(o.noChainOverParse.median, 2))}${t.noChainOverParse.parsedByFilter ? ` (${t.noChainOverParse.parsedByFilter} mention "handler" and are parsed)` : ''}`, '≤ 2%', ok(worst((o) => o.noChainOverParse.median, Math.max) <= 0.02)])
      if (t.gcModes.some((m) => t[m].baselineOverChaincut)) rows.push(['Babel baseline ÷ chaincut', `${n}, median`, each((o) => `${fmt(o.baselineOverChaincut.median, 1)}× faster (min ${fmt(o.baselineOverChaincut.min, 1)}×)`, (o) => o.baselineOverChaincut), '≥ 4×', ok(worst((o) => o.baselineOverChaincut?.median ?? Infinity, Math.min) >= 4)])
    } else {
      rows.push(['Babel baseline ÷ parse', `${n}, median`, `${fmt(t.baselineOverParse?.median, 1)}×`, '—', ''])
    }
  }
  const v = r.vite
  if (v && !v.error) {
    const shape = (v.app.shape === 'real' ? `real-shaped app (${v.app.folders} folders, \`@/\` and the frameworks through ${v.app.resolveVia === 'tsconfig' ? 'tsconfig paths' : 'resolve.alias'})` : v.app.shape ? `${v.app.shape} app` : 'app') + (v.app.sourcemap ? ', `build.sourcemap: true`' : '')
    const what = `${v.app.modules.toLocaleString('en-US')} modules (${v.app.withChains} with chains), ${shape}, ${v.builds} rounds of ${Object.keys(v.variants).length} interleaved builds, medians`
    const V = v.variants
    const secs = (ms) => `${fmt(ms / 1000)} s`
    const plus = (ms) => `${ms >= 0 ? '+' : '−'}${fmt(Math.abs(ms) / 1000)} s`
    if (V.chaincut) {
      const ratio = Number.isFinite(v.chaincutOverParseOnlyAdded) ? `${fmt(v.chaincutOverParseOnlyAdded)}×` : 'n/a (parse-only added ≤ 0)'
      rows.push([
        '`vite build`: time chaincut adds ÷ time a parse-only plugin adds',
        what,
        `${ratio}: ${plus(V.chaincut.addedMs)} vs ${plus(V['parse-only'].addedMs)} over ${secs(V.without.medianMs)} without a plugin (per-round median ${fmt(v.chaincutOverParseOnlyAddedPerRound)}×; CPU time ${fmt(v.chaincutOverParseOnlyCpuAdded)}×)`,
        '≤ 1.25×',
        ok(Number.isFinite(v.chaincutOverParseOnlyAdded) ? v.chaincutOverParseOnlyAdded <= 1.25 : null),
      ])
      rows.push([
        'peak memory (maxRSS) of that build: chaincut ÷ parse-only',
        'median of the build child',
        `${fmt(v.rssOverParseOnly)}× (${fmt(V.chaincut.medianMaxRSSMB, 0)} MB vs ${fmt(V['parse-only'].medianMaxRSSMB, 0)} MB; ${fmt(V.without.medianMaxRSSMB, 0)} MB without a plugin)`,
        '≤ 1.5×',
        ok(v.rssOverParseOnly <= 1.5),
      ])
      rows.push([
        v.persistentCache ? '`vite build` with a warm persistent cache: time added over no plugin' : '`vite build`, second chaincut build (no persistent cache found in this dist): time added over no plugin',
        v.persistentCache ? `cache populated by the previous chaincut build (${V['chaincut-warm'].cache.before.files} file${V['chaincut-warm'].cache.before.files === 1 ? '' : 's'} in its folder, ${fmt(V['chaincut-warm'].cache.before.bytes / 2 ** 20, 1)} MB${v.warmCheck?.modules !== undefined ? `; ${v.warmCheck.cached} of ${v.warmCheck.modules} modules from it` : ''})` : 'nothing in `node_modules/.cache/chaincut` after a chaincut build',
        `${v.warmAdded >= 0 ? '+' : ''}${pct(v.warmAdded)} (${secs(V.without.medianMs)} → ${secs(V['chaincut-warm'].medianMs)})`,
        '≤ 10%',
        ok(v.warmAdded <= 0.1),
      ])
      if (V['outputs-only']) {
        rows.push([
          '`vite build` with a warm persistent cache: time added over the same outputs at no cost',
          "for reference: `outputs-only` hands back chaincut's recorded outputs and does nothing else; the cut graph is smaller, so it builds faster than `without`",
          `${v.warmOverOutputsOnly >= 0 ? '+' : ''}${pct(v.warmOverOutputsOnly)} (${plus(v.warmOverOutputsOnlyMs)}; outputs-only ${secs(V['outputs-only'].medianMs)}, ${plus(V['outputs-only'].addedMs)} over without)`,
          '—',
          '',
        ])
      }
      if (V['chaincut-nocache']) {
        rows.push([
          '`vite build` with `cache: false`: time chaincut adds ÷ time a parse-only plugin adds',
          'for reference: the cold build without the cache\'s hashing and writing',
          `${fmt(v.nocacheOverParseOnlyAdded)}×: ${plus(V['chaincut-nocache'].addedMs)} vs ${plus(V['parse-only'].addedMs)}`,
          '—',
          '',
        ])
      }
      rows.push([
        '`vite build`: time chaincut adds (cold) over no plugin',
        'for reference',
        `${v.addedTime >= 0 ? '+' : ''}${pct(v.addedTime)} (${secs(V.without.medianMs)} → ${secs(V.chaincut.medianMs)}); parse-only ${V['parse-only'].addedRatio >= 0 ? '+' : ''}${pct(V['parse-only'].addedRatio)}`,
        '—',
        '',
      ])
    } else {
      rows.push(['`vite build` without a plugin', what, `${secs(V.without.medianMs)}, ${fmt(V.without.medianMaxRSSMB, 0)} MB`, 'parse-only / chaincut ratios', 'skipped'])
    }
  }
  const s = r.scaling
  if (s) {
    for (const [key, label] of [['bySize', 'scaling 1 KB → 100 KB'], ['byChains', 'scaling 1 → 200 chains']]) {
      const rs = s[key].rows
      const first = rs[0]
      const last = rs[rs.length - 1]
      if (s[key].exponent !== null) {
        rows.push([`${label}: chaincut µs per KB`, `${first.kb} KB → ${last.kb} KB`, `${fmt(first.chaincutUsPerKB, 1)} → ${fmt(last.chaincutUsPerKB, 1)} µs/KB; time ∝ size^${fmt(s[key].exponent)} (parse ^${fmt(s[key].parseExponent)}, baseline ^${fmt(s[key].baselineExponent)})`, 'flat (exponent ≤ parse + 0.1)', ok(s[key].exponent <= s[key].parseExponent + 0.1)])
      } else {
        rows.push([`${label}: baseline µs per KB`, `${first.kb} KB → ${last.kb} KB`, `${fmt(first.baselineUsPerKB, 1)} → ${fmt(last.baselineUsPerKB, 1)} µs/KB`, 'flat', ''])
      }
    }
  }
  return rows
}

function markdown(r) {
  const m = r.machine
  const lines = [
    `Measured ${m.date.slice(0, 10)} on ${m.cpu} (${m.cores} cores, ${m.memoryGB} GB), Node ${m.node}, Vite ${m.vite}, commit ${m.commit}${quick ? ' — quick run' : ''}; load average ${m.loadavg[0]} before, ${r.loadavgAfter?.[0] ?? 'n/a'} after.`,
    '',
    '| figure | measured on | result | budget | |',
    '|---|---|---|---|---|',
    ...budgetRows(r).map((row) => `| ${row.join(' | ')} |`),
  ]
  const v = r.vite
  if (v && !v.error && v.variants) {
    lines.push('', `\`vite build\` variants (Vite ${v.vite ?? m.vite}; each build in its own process; medians over ${v.builds} rounds; "added" is per round against that round's build without a plugin; GC is the build process's main-thread pauses):`, '')
    lines.push('| variant | build | added | CPU added | peak RSS | GC | transform calls |', '|---|---|---|---|---|---|---|')
    for (const [name, x] of Object.entries(v.variants)) {
      const label = name === 'chaincut-warm' && !v.persistentCache ? 'chaincut-warm (second build, no persistent cache yet)' : name
      const calls = name === 'without' ? '—' : name === 'parse-only' ? `${x.pluginCalls} (${x.parsed} parsed)` : `${x.pluginCalls}`
      const added = name === 'without' ? '—' : `${x.addedMs >= 0 ? '+' : '−'}${fmt(Math.abs(x.addedMs) / 1000)} s (${x.addedRatio >= 0 ? '+' : ''}${pct(x.addedRatio)})`
      const cpu = name === 'without' ? `${fmt(x.medianCpuMs / 1000)} s CPU` : `${x.addedCpuMs >= 0 ? '+' : '−'}${fmt(Math.abs(x.addedCpuMs) / 1000)} s`
      lines.push(`| ${label} | ${fmt(x.medianMs / 1000)} s | ${added} | ${cpu} | ${fmt(x.medianMaxRSSMB, 0)} MB | ${fmt(x.medianGcMs, 0)} ms in ${fmt(x.medianGcCount, 0)} | ${calls} |`)
    }
  }
  const s = r.scaling
  if (s && s.bySize.exponent !== null) {
    lines.push('', '| module | chains | parse µs/KB | chaincut µs/KB | chaincut ÷ parse | baseline µs/KB |', '|---|---|---|---|---|---|')
    for (const row of [...s.bySize.rows, ...s.byChains.rows]) {
      lines.push(`| ${row.kb} KB | ${row.chains} | ${fmt(row.parseUsPerKB, 1)} | ${fmt(row.chaincutUsPerKB, 1)} | ${fmt(row.chaincutOverParse)}× | ${fmt(row.baselineUsPerKB, 1)} |`)
    }
  }
  return lines.join('\n')
}

// ---------------------------------------------------------------------------

const results = { machine: machine(), quick, chaincut: chaincut ? 'dist/index.js' : chaincutNote, baselineTables: baseline.tables }
console.log(`chaincut bench — ${results.machine.date}`)
console.log(`${results.machine.cpu} × ${results.machine.cores}, Node ${results.machine.node}, Vite ${results.machine.vite}${quick ? ' (quick)' : ''}`)
console.log(`baseline cut tables: ${baseline.tables}\n`)

const started = performance.now()
if (only.has('transform')) results.transform = await transformFigures()
if (only.has('scaling')) results.scaling = await scalingFigures()
if (only.has('vite')) results.vite = await viteFigures()
results.seconds = (performance.now() - started) / 1000
results.loadavgAfter = os.loadavg().map((x) => +x.toFixed(2))

mkdirSync(join(here, 'results'), { recursive: true })
writeFileSync(join(here, 'results/latest.json'), JSON.stringify(results, null, 2) + '\n')

console.log('\n' + markdown(results))
for (const mode of results.transform?.gcModes ?? []) {
  const t = results.transform[mode]
  if (!t.chaincutOverParse) continue
  console.log(`\n[${mode}] chaincut ÷ parse by kind: ${Object.entries(t.chaincutOverParse.byKind).map(([k, x]) => `${k} ${fmt(x)}×`).join(', ')}; aggregate ${fmt(t.chaincutOverParse.aggregate)}×`)
  console.log(`[${mode}] worst: ${t.chaincutOverParse.worst.map((w) => `${w.id.split('/').pop()} (${fmt(w.kb, 0)} KB, ${w.chains} chains) ${fmt(w.ratio)}×`).join('; ')}`)
}
const vv = results.vite?.variants
if (vv?.chaincut) {
  console.log(`vite: chaincut's transform hook ran on ${vv.chaincut.pluginCalls} of ~${results.vite.app.modules + 30} modules (${results.vite.app.withChains} carry chains), the parse-only plugin's on ${vv['parse-only'].pluginCalls} (${vv['parse-only'].parsed} parsed; filter: ${vv['parse-only'].filterFrom}); bundle ${(vv.without.bundleBytes / 1024).toFixed(0)} KB → ${(vv.chaincut.bundleBytes / 1024).toFixed(0)} KB; server-only strings in the client bundle: without a plugin [${vv.without.leaks.join(', ')}], parse-only [${vv['parse-only'].leaks.join(', ')}], chaincut [${vv.chaincut.leaks.join(', ')}], chaincut-warm [${vv['chaincut-warm'].leaks.join(', ')}]`)
  if (!results.vite.persistentCache) console.log('vite: no persistent cache in node_modules/.cache/chaincut after a chaincut build — chaincut-warm is a second build, not a warm-cache build.')
}
console.log(`\nresults: bench/results/latest.json (${results.seconds.toFixed(0)} s)`)
if (sink === 0.5) console.log('') // never true; uses the sink
