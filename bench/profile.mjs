// Where does chaincut's transform time go? Runs the transform over the bench
// corpus's modules with chains under `node --cpu-prof` and prints the top
// functions by self time and by total time.
//
//   node bench/profile.mjs [--seconds=10] [--top=25] [--target=chaincut|baseline|parse] [--kind=point0-pages] [--max-kb=8]
//   node bench/profile.mjs --vite[=<appDir>] [--variant=chaincut|parse-only|chaincut-warm|without]
//                                            one `vite build` of the bench app (variants as in run.mjs)
//   ... [--label=before]                     names the profile (bench/results/profiles/<target>-<label>.cpuprofile)
//   node bench/profile.mjs --diff=<before.cpuprofile>,<after.cpuprofile>
//                                            compares two profiles (self time per package/file, GC), no run
//
// The raw profile is kept in bench/results/profiles/ (open it in Chrome DevTools).
// The garbage collector's share is printed from the profile's "(garbage collector)"
// samples and, for --vite, from the build's own GC entries (vite-child.mjs).

import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
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
  return { all, gc, idle, selfBy, totalBy, fileBy }
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
  for (const [title, key] of [['self time per package / file', 'fileBy'], ['self time per function', 'selfBy']]) {
    console.log(`\n${title}: before → after (change)`)
    const keys = new Set([...a[key].keys(), ...b[key].keys()])
    const rows = [...keys].map((k) => [k, a[key].get(k) ?? 0, b[key].get(k) ?? 0]).sort((x, y) => Math.max(y[1], y[2]) - Math.max(x[1], x[2])).slice(0, top)
    for (const [k, x, y] of rows) console.log(`${ms(x)} → ${ms(y)}  (${y - x >= 0 ? '+' : '−'}${(Math.abs(y - x) / 1000).toFixed(0)} ms)  ${k}`)
  }
  process.exit(0)
}

// profile a snapshot of dist/, so a concurrent rebuild cannot break the run
rmSync(join(here, 'results/dist-profile'), { recursive: true, force: true })
cpSync(join(root, 'dist'), join(here, 'results/dist-profile'), { recursive: true })
const viteApp = argv.find((a) => a.startsWith('--vite')) !== undefined ? value('vite', '') || join(tmpdir(), 'chaincut-bench-app-2000') : null
const variant = value('variant', 'chaincut')
const what = viteApp ? `vite-${variant}` : target
const name = `${what}-${value('label', new Date().toISOString().replace(/[:.]/g, '-'))}.cpuprofile`
const pluginFile = join(here, 'results/dist-profile/vite.js')
const childArgs = viteApp
  ? [join(here, 'vite-child.mjs'), viteApp, variant, join(viteApp, 'out-profile'), pluginFile]
  : [fileURLToPath(import.meta.url), '--child', ...argv]
if (viteApp && !existsSync(join(viteApp, 'index.html'))) {
  const { writeApp } = await import('./corpus.mjs')
  writeApp(viteApp, { modules: 2000 })
}
if (viteApp && variant === 'chaincut-warm') {
  // a warm build needs the cache a chaincut build leaves: one unprofiled cold build first
  console.log('chaincut-warm: one unprofiled chaincut build first, to populate node_modules/.cache/chaincut...')
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
show('by file / package (self time)', a.fileBy)
show('top functions by self time', a.selfBy)
show('top functions by total time', a.totalBy)
