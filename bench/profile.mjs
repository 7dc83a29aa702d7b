// Where does chaincut's transform time go? Runs the transform over the bench
// corpus's modules with chains under `node --cpu-prof` and prints the top
// functions by self time and by total time.
//
//   node bench/profile.mjs [--seconds=10] [--top=25] [--target=chaincut|baseline|parse] [--kind=point0-pages] [--max-kb=8]
//   node bench/profile.mjs --vite[=<appDir>]   one `vite build` of the bench app with the plugin
//
// The raw profile is kept in bench/results/profiles/ (open it in Chrome DevTools).

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

// profile a snapshot of dist/, so a concurrent rebuild cannot break the run
rmSync(join(here, 'results/dist-profile'), { recursive: true, force: true })
cpSync(join(root, 'dist'), join(here, 'results/dist-profile'), { recursive: true })
const dir = join(here, 'results/profiles')
mkdirSync(dir, { recursive: true })
const started = Date.now()
const viteApp = argv.find((a) => a.startsWith('--vite')) !== undefined ? value('vite', '') || join(tmpdir(), 'chaincut-bench-app-2000') : null
const childArgs = viteApp
  ? [join(here, 'vite-child.mjs'), viteApp, 'with', join(viteApp, 'out-profile'), join(here, 'results/dist-profile/vite.js')]
  : [fileURLToPath(import.meta.url), '--child', ...argv]
if (viteApp && !existsSync(join(viteApp, 'index.html'))) {
  const { writeApp } = await import('./corpus.mjs')
  writeApp(viteApp, { modules: 2000 })
}
const child = spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...childArgs], { stdio: 'inherit' })
if (child.status !== 0) process.exit(child.status ?? 1)
const file = readdirSync(dir)
  .filter((f) => f.endsWith('.cpuprofile'))
  .map((f) => join(dir, f))
  .filter((f) => statSync(f).mtimeMs >= started - 1000)
  .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]
const profile = JSON.parse(readFileSync(file, 'utf8'))

// self time per node from the samples
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
  const url = shortUrl(cf.url)
  return `${cf.functionName || '(anonymous)'} ${url ? `${url.replace(/^node_modules\//, '')}:${cf.lineNumber + 1}` : ''}`.trim()
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
  const fileKey = url.includes('node_modules/') ? url.replace(/.*node_modules\/((@[^/]+\/)?[^/]+).*/, '$1') : shortUrl(url)
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
const show = (title, map) => {
  console.log(`\n${title}`)
  for (const [k, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((us / all) * 100).toFixed(1).padStart(6)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`)
  }
}
console.log(`profile: ${relative(root, file)} (${(all / 1e6).toFixed(1)} s sampled, target ${viteApp ? `vite build of ${viteApp}` : target})`)
show('by file / package (self time)', fileBy)
show('top functions by self time', selfBy)
show('top functions by total time', totalBy)
