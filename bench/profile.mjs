// Where does chaincut's transform time go? Runs the transform over the bench
// corpus's modules with chains under `node --cpu-prof` and prints the top
// functions by self time and by total time.
//
//   node bench/profile.mjs [--seconds=10] [--top=25] [--target=chaincut|baseline|parse] [--kind=point0-pages] [--max-kb=8]
//   node bench/profile.mjs --vite[=<appDir>] [--variant=chaincut|parse-only|chaincut-warm|chaincut-nocache|outputs-only|without] [--app=real|legacy] [--resolve=alias|tsconfig] [--sourcemap]
//                                            one `vite build` of the bench app (variants as in run.mjs; the app
//                                            of that shape is written if missing)
//   ... [--label=before]                     names the profile (bench/results/profiles/<target>-<label>.cpuprofile)
//   node bench/profile.mjs --analyze=<file.cpuprofile>   the tables of a profile already taken, no run
//   node bench/profile.mjs --diff=<before.cpuprofile>,<after.cpuprofile>
//                                            compares two profiles (self time per package/file, GC), no run
//
// The raw profile is kept in bench/results/profiles/ (open it in Chrome DevTools).
// The garbage collector's share is printed from the profile's "(garbage collector)"
// samples and, for --vite, from the build's own GC entries (vite-child.mjs).

import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = fileURLToPath(new URL('.', import.meta.url))
const root = join(here, '..')
const argv = process.argv.slice(2)
const value = (name, fallback) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback
const seconds = Number(value('seconds', 10))
const top = Number(value('top', 25))
const target = value('target', 'chaincut')
const kind = value('kind', '')
const maxKB = Number(value('max-kb', Infinity))

if (argv.includes('--child')) {
  const { buildCorpus } = await import('./corpus.mjs')
  const corpus = buildCorpus().filter((m) => m.chains > 0 && (!kind || m.kind === kind) && m.bytes <= maxKB * 1024)
  let run
  if (target === 'parse') {
    const { parse } = await import('@babel/parser')
    run = async (m) => parse(m.code, { sourceType: 'module', plugins: m.ext === 'tsx' ? ['typescript', 'jsx'] : ['typescript'] })
  } else if (target === 'baseline') {
    const { createBaseline } = await import('./baseline.mjs')
    const b = await createBaseline()
    run = async (m) => b.transform(m.code, m.id)
  } else {
    const { transform } = await import(join(here, 'results/dist-profile/index.js'))
    run = (m) => transform(m.code, m.id, { side: 'client' })
  }
  for (const m of corpus) await run(m) // warm-up
  const until = performance.now() + seconds * 1000
  let n = 0
  while (performance.now() < until) for (const m of corpus) (await run(m), n++)
  console.log(`${n} transforms of ${corpus.length} modules`)
  process.exit(0)
}

const dir = join(here, 'results/profiles')
mkdirSync(dir, { recursive: true })

/** Self time per function, per package/file, inclusive time, and the GC / idle shares of one profile. */
function analyze(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const self = new Map()
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  }
  const parent = new Map()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const shortUrl = (url) => (!url ? '' : url.startsWith('file:') ? relative(root, fileURLToPath(url)) : url)
  const label = (cf) => {
    const url = shortUrl(cf.url).replace(/^bench\/results\/dist-[^/]+\//, 'dist/')
    return `${cf.functionName || '(anonymous)'} ${url ? `${url.replace(/^.*?node_modules\//, '')}:${cf.lineNumber + 1}` : ''}`.trim()
  }
  const selfBy = new Map()
  const totalBy = new Map()
  const fileBy = new Map()
  let all = 0
  for (const [id, us] of self) {
    all += us
    const node = byId.get(id)
    const key = label(node.callFrame)
    selfBy.set(key, (selfBy.get(key) ?? 0) + us)
    const url = node.callFrame.url || node.callFrame.functionName
    // dist snapshots (results/dist-*) are chaincut's own code: one name, so before/after profiles compare
    const fileKey = url.includes('node_modules/') ? url.replace(/.*node_modules\/((@[^/]+\/)?[^/]+).*/, '$1') : shortUrl(url).replace(/^bench\/results\/dist-[^/]+\//, 'dist/')
    fileBy.set(fileKey, (fileBy.get(fileKey) ?? 0) + us)
    // inclusive: credit every distinct function on the stack once
    const seen = new Set()
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const k = label(byId.get(cur).callFrame)
      if (seen.has(k)) continue
      seen.add(k)
      totalBy.set(k, (totalBy.get(k) ?? 0) + us)
    }
  }
  const gc = selfBy.get('(garbage collector)') ?? 0
  const idle = selfBy.get('(idle)') ?? 0
  // categories: each sample once, by what is on its stack (see `categoryOf`)
  const categories = new Map()
  const underChaincut = new Map()
  for (const [id, us] of self) {
    const stack = []
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) stack.push(byId.get(cur).callFrame)
    const category = categoryOf(stack)
    categories.set(category, (categories.get(category) ?? 0) + us)
    if (category.startsWith('chaincut')) {
      const leaf = stack[0]
      const url = leaf.url || leaf.functionName
      const what = url.includes('node_modules/') ? url.replace(/.*node_modules\/((@[^/]+\/)?[^/]+).*/, '$1') : isChaincut(url) ? shortUrl(url).replace(/^bench\/results\/dist-[^/]+\//, 'dist/') : url.startsWith('node:') ? `node: ${url.slice(5).replace(/^internal\//, '')}` : url
      underChaincut.set(what, (underChaincut.get(what) ?? 0) + us)
    }
  }
  return { all, gc, idle, selfBy, totalBy, fileBy, categories, underChaincut }
}

/** chaincut's own compiled code: dist/ or a snapshot of it (bench/results/dist-*). */
function isChaincut(url) {
  return /\/dist\/[^]*\.js$/.test(url) && !url.includes('node_modules/') || /\/bench\/results\/dist-[^/]+\//.test(url)
}

/**
 * One sample's category, from its stack (leaf first): the engine's own states; loading modules
 * (anything under Node's module loader: compiling and evaluating modules at import, Node's
 * cjs-module-lexer reading a CommonJS package's exports for an ESM import); code that runs under
 * one of chaincut's frames (its own, and what it calls: @babel/parser, hashing, file reads),
 * split by chaincut's file that is nearest the leaf; the bench's parse-only plugin; the rest
 * (Vite, Rolldown's JS side, Node).
 */
function categoryOf(stack) {
  const leaf = stack[0]
  if (leaf.functionName === '(idle)' || leaf.functionName === '(garbage collector)' || leaf.functionName === '(program)') return leaf.functionName
  if (stack.some((f) => f.url.startsWith('node:internal/modules/'))) return 'module loading (import: compile, evaluate, cjs-module-lexer)'
  const own = stack.find((f) => isChaincut(f.url))
  if (own) {
    const file = own.url.replace(/^.*\/(dist|bench\/results\/dist-[^/]+)\//, '')
    // by file name, so the same table reads a build from before src/ was split into layers (core/*) and after (cache/, js/, rewrite/, hosts/…)
    const name = file.split('/').pop()
    const area =
      name === 'disk-cache.js'
        ? 'persistent cache (disk-cache.js)'
        : name === 'emit.js'
          ? 'emit (emit.js, magic-string)'
          : name === 'parse.js'
            ? 'parse (parse.js → @babel/parser)'
            : /^(plugin|hosts|guard|report)\//.test(file) || /^(vite|index|id-filter|guard|guard-imports|report)\.js$/.test(file) || /^config\/id-filter\.js$/.test(file)
              ? 'plugin glue (the unplugin host, guard, id filter, report)'
              : 'analysis (walk, chains, prune, cut, …)'
    return `chaincut: ${area}`
  }
  // the parse-only plugin's hook (its `handler`; vite-child.mjs's other frames are the build's caller)
  if (stack.some((f) => f.url.endsWith('bench/vite-child.mjs') && f.functionName === 'handler')) return 'bench parse-only plugin (@babel/parser)'
  return 'Vite / Rolldown / Node (the build itself)'
}

const ms = (us) => `${(us / 1000).toFixed(0).padStart(7)} ms`
const share = (part, whole) => `${((part / whole) * 100).toFixed(1).padStart(5)}%`
const gcLine = (a) => `garbage collector: ${(a.gc / 1000).toFixed(0)} ms = ${share(a.gc, a.all).trim()} of the samples, ${share(a.gc, a.all - a.idle).trim()} of the busy (non-idle) samples`

const diff = value('diff', '')
if (diff) {
  const files = diff.split(',')
  if (files.length !== 2) throw new Error('--diff=<before.cpuprofile>,<after.cpuprofile>')
  const [a, b] = files.map((f) => analyze(JSON.parse(readFileSync(f, 'utf8'))))
  console.log(`before: ${files[0]} (${(a.all / 1e6).toFixed(1)} s sampled, ${((a.all - a.idle) / 1e6).toFixed(1)} s busy)`)
  console.log(`after:  ${files[1]} (${(b.all / 1e6).toFixed(1)} s sampled, ${((b.all - b.idle) / 1e6).toFixed(1)} s busy)`)
  console.log(`before ${gcLine(a)}\nafter  ${gcLine(b)}`)
  for (const [title, key] of [['categories (each sample once, by its stack)', 'categories'], ['under chaincut\'s frames, by package / file', 'underChaincut'], ['self time per package / file', 'fileBy'], ['self time per function', 'selfBy']]) {
    console.log(`\n${title}: before → after (change)`)
    const keys = new Set([...a[key].keys(), ...b[key].keys()])
    const rows = [...keys].map((k) => [k, a[key].get(k) ?? 0, b[key].get(k) ?? 0]).sort((x, y) => Math.max(y[1], y[2]) - Math.max(x[1], x[2])).slice(0, top)
    for (const [k, x, y] of rows) console.log(`${ms(x)} → ${ms(y)}  (${y - x >= 0 ? '+' : '−'}${(Math.abs(y - x) / 1000).toFixed(0)} ms)  ${k}`)
  }
  process.exit(0)
}

// --analyze=<file.cpuprofile>: the tables of one profile already taken, no run
const analyzeOnly = value('analyze', '')
if (analyzeOnly) {
  const a = analyze(JSON.parse(readFileSync(analyzeOnly, 'utf8')))
  const show = (title, map) => {
    console.log(`\n${title}`)
    for (const [k, us] of [...map].sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`${share(us, a.all)}  ${ms(us)}  ${k}`)
  }
  console.log(`profile: ${analyzeOnly} (${(a.all / 1e6).toFixed(1)} s sampled, ${((a.all - a.idle) / 1e6).toFixed(1)} s busy)`)
  console.log(gcLine(a))
  show('where the time goes (each sample once, by its stack; see categoryOf in bench/profile.mjs)', a.categories)
  show('under chaincut\'s frames, by the leaf\'s package / file (self time)', a.underChaincut)
  show('by file / package (self time)', a.fileBy)
  show('top functions by self time', a.selfBy)
  show('top functions by total time', a.totalBy)
  process.exit(0)
}

// profile a snapshot of dist/, so a concurrent rebuild cannot break the run
rmSync(join(here, 'results/dist-profile'), { recursive: true, force: true })
cpSync(join(root, 'dist'), join(here, 'results/dist-profile'), { recursive: true })
const appShape = value('app', 'real')
const appKind = { resolveVia: value('resolve', 'alias'), sourcemap: argv.includes('--sourcemap') }
const { appDirFor } = await import('./corpus.mjs')
const viteApp = argv.find((a) => a.startsWith('--vite')) !== undefined ? value('vite', '') || appDirFor(2000, appShape, appKind) : null
const variant = value('variant', 'chaincut')
const what = viteApp ? `vite-${variant}` : target
const name = `${what}-${value('label', new Date().toISOString().replace(/[:.]/g, '-'))}.cpuprofile`
const pluginFile = join(here, 'results/dist-profile/vite.js')
const childArgs = viteApp
  ? [join(here, 'vite-child.mjs'), viteApp, variant, join(viteApp, 'out-profile'), pluginFile]
  : [fileURLToPath(import.meta.url), '--child', ...argv]
if (viteApp && !existsSync(join(viteApp, 'index.html'))) {
  const { writeApp } = await import('./corpus.mjs')
  writeApp(viteApp, { modules: 2000, shape: appShape, ...appKind })
}
if (viteApp && variant === 'parse-only') {
  // the parse-only plugin loads chaincut only to find what to parse, the first time (vite-child.mjs, PARSE_LIST): not in the profile
  console.log('parse-only: one unprofiled build first, to record which modules chaincut would parse...')
  const first = spawnSync(process.execPath, [join(here, 'vite-child.mjs'), viteApp, 'parse-only', join(viteApp, 'out-profile'), pluginFile], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' })
  if (first.status !== 0) (process.stdout.write(first.stdout), process.exit(first.status ?? 1))
}
if (viteApp && (variant === 'chaincut-warm' || variant === 'outputs-only')) {
  // a warm build needs the cache a chaincut build leaves, outputs-only the outputs it records: one unprofiled cold build first
  console.log(`${variant}: one unprofiled chaincut build first, to populate node_modules/.cache/chaincut and record its outputs...`)
  const cold = spawnSync(process.execPath, [join(here, 'vite-child.mjs'), viteApp, 'chaincut', join(viteApp, 'out-profile'), pluginFile], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' })
  if (cold.status !== 0) (process.stdout.write(cold.stdout), process.exit(cold.status ?? 1))
}
const child = spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}`, ...childArgs], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' })
if (viteApp) rmSync(join(viteApp, 'out-profile'), { recursive: true, force: true })
let build = null
if (viteApp) {
  try {
    build = JSON.parse(child.stdout.trim().split('\n').pop())
  } catch {}
  if (!build?.ok) (process.stdout.write(child.stdout), process.exit(child.status || 1))
} else process.stdout.write(child.stdout)
if (child.status !== 0) process.exit(child.status ?? 1)
const file = join(dir, name)
const a = analyze(JSON.parse(readFileSync(file, 'utf8')))

const show = (title, map) => {
  console.log(`\n${title}`)
  for (const [k, us] of [...map].sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`${share(us, a.all)}  ${ms(us)}  ${k}`)
}
console.log(`profile: ${relative(root, file)} (${(a.all / 1e6).toFixed(1)} s sampled, ${((a.all - a.idle) / 1e6).toFixed(1)} s busy, target ${viteApp ? `vite build (${variant}) of ${viteApp}` : target})`)
if (build) {
  const calls = build.pluginCalls ? `; transform hook past its filter ${build.pluginCalls}×${build.parsed !== undefined ? ` (${build.parsed} parsed)` : ''}` : ''
  console.log(`build: ${(build.ms / 1000).toFixed(2)} s under the profiler, ${(build.cpuMs / 1000).toFixed(2)} s CPU, peak RSS ${(build.maxRSS / 1024).toFixed(0)} MB; GC entries: ${build.gc.count} pauses, ${build.gc.ms.toFixed(0)} ms (${build.gc.major} major, ${build.gc.majorMs.toFixed(0)} ms)${calls}`)
}
console.log(gcLine(a))
show('where the time goes (each sample once, by its stack; see categoryOf in bench/profile.mjs)', a.categories)
show('under chaincut\'s frames, by the leaf\'s package / file (self time)', a.underChaincut)
show('by file / package (self time)', a.fileBy)
show('top functions by self time', a.selfBy)
show('top functions by total time', a.totalBy)
