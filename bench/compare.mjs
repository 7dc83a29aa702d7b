// Interleaved `vite build`s of the bench app with several builds of chaincut side by side: the
// before/after of a change without stashing anything (bench/README.md, "Comparing builds").
//
//   node bench/compare.mjs --dist=before=/tmp/a/dist,after=dist [--builds=7] [--modes=nocache,warm,cold]
//                          [--app=real|legacy] [--resolve=alias|tsconfig] [--sourcemap] [--modules=2000]
//
// Each `--dist` entry is `<label>=<folder of a compiled chaincut>` (a `dist/`; chaincut keys its
// persistent cache with the package.json beside that folder and a hash of the folder's code, so
// each label gets its own copy of the app and its own cache). Every round builds `without`,
// `parse-only` (with the first dist's filter) and, for each label, each mode:
//   nocache  chaincut({ cache: false })
//   warm     the persistent cache as that label's cold build wrote it
//   cold     the persistent cache deleted first (then written)
// in an order that rotates every round. Figures as run.mjs gives them: added time over the
// same round's `without` build, its ratio to the parse-only plugin's, and warm % over `without`.

import { spawn } from 'node:child_process'
import { cpSync, existsSync, rmSync } from 'node:fs'
import os from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { appDirFor, writeApp } from './corpus.mjs'

const here = fileURLToPath(new URL('.', import.meta.url))
const argv = process.argv.slice(2)
const value = (name, fallback) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback
const BUILDS = Number(value('builds', 7))
const MODES = value('modes', 'nocache,warm').split(',')
const MODULES = Number(value('modules', 2000))
const shape = value('app', 'real')
const kind = { resolveVia: value('resolve', 'alias'), sourcemap: argv.includes('--sourcemap') }
const dists = value('dist', '')
  .split(',')
  .filter(Boolean)
  .map((entry) => {
    const at = entry.indexOf('=')
    if (at < 1) throw new Error(`--dist: <label>=<dist folder>, got ${JSON.stringify(entry)}`)
    const dir = resolve(entry.slice(at + 1))
    if (!existsSync(join(dir, 'vite.js'))) throw new Error(`--dist: no vite.js in ${dir}`)
    return { label: entry.slice(0, at), dir, plugin: join(dir, 'vite.js') }
  })
if (!dists.length) throw new Error('give at least one --dist=<label>=<dist folder>')
for (const mode of MODES) if (!['nocache', 'warm', 'cold'].includes(mode)) throw new Error(`--modes: unknown mode ${mode}`)

const VARIANT_OF = { nocache: 'chaincut-nocache', warm: 'chaincut-warm', cold: 'chaincut' }
const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b)
  return s.length ? (s.length % 2 ? s[s.length >> 1] : (s[(s.length >> 1) - 1] + s[s.length >> 1]) / 2) : NaN
}

function child(appDir, variant, plugin, env) {
  return new Promise((done) => {
    const out = join(appDir, `out-${variant}`)
    const p = spawn(process.execPath, [join(here, 'vite-child.mjs'), appDir, variant, out, plugin], { stdio: ['ignore', 'pipe', 'pipe'], env: env ? { ...process.env, ...env } : process.env })
    let stdout = ''
    let stderr = ''
    p.stdout.on('data', (d) => (stdout += d))
    p.stderr.on('data', (d) => (stderr += d))
    p.on('close', () => {
      rmSync(out, { recursive: true, force: true })
      try {
        done(JSON.parse(stdout.trim().split('\n').pop()))
      } catch {
        done({ ok: false, error: (stdout + stderr).slice(0, 2000) })
      }
    })
  })
}

const base = appDirFor(MODULES, shape, kind)
const app = writeApp(base, { modules: MODULES, shape, ...kind })
console.log(`app: ${app.modules} modules (${app.withChains} with chains), shape ${app.shape}${app.sourcemap ? ', build.sourcemap: true' : ''}, in ${base}`)
for (const d of dists) {
  d.app = `${base}-cmp-${d.label}`
  rmSync(d.app, { recursive: true, force: true })
  // the timestamps too: chaincut stores no entry that depends on a file modified within 2 s of its transform (DiskCache `margin`)
  cpSync(base, d.app, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true })
}

// the builds of a round: [name, appDir, variant, plugin]
const jobs = [
  ['without', base, 'without', dists[0].plugin],
  ['parse-only', base, 'parse-only', dists[0].plugin],
  ...dists.flatMap((d) => MODES.map((m) => [`${d.label}:${m}`, d.app, VARIANT_OF[m], d.plugin])),
]
const runs = Object.fromEntries(jobs.map(([name]) => [name, []]))

// warm-up: the file cache, and each label's persistent cache written by a cold build
for (const [name, dir, variant, plugin] of jobs) {
  const r = await child(dir, variant === 'chaincut-warm' || variant === 'chaincut-nocache' ? 'chaincut' : variant, plugin)
  if (!r.ok) throw new Error(`${name}: ${r.error}`)
}
const t0 = performance.now()
for (let i = 0; i < BUILDS; i++) {
  const order = jobs.map((_, k) => jobs[(k + i) % jobs.length])
  for (const [name, dir, variant, plugin] of order) {
    const r = await child(dir, variant, plugin)
    if (!r.ok) throw new Error(`${name}: ${r.error}`)
    if (variant === 'chaincut-warm' && !(r.cache?.before?.files > 0)) throw new Error(`${name}: no persistent cache before a warm build`)
    runs[name].push(r)
  }
  process.stdout.write(`\r  round ${i + 1}/${BUILDS} (${((performance.now() - t0) / 1000).toFixed(0)} s)   `)
}
process.stdout.write('\n')
// not timed: how many modules each label's warm build took from its persistent cache (all of them, or its warm figure is not a warm build's)
if (MODES.includes('warm')) {
  for (const d of dists) {
    const r = await child(d.app, 'chaincut-warm', d.plugin, { CHAINCUT_BENCH_REPORT: join(d.app, 'chaincut-warm-report.json') })
    console.log(`${d.label}: warm build took ${r.report?.cached ?? '?'} of ${r.report?.modules ?? '?'} modules from the persistent cache`)
  }
}

const without = runs.without
const added = (name) => median(runs[name].map((r, i) => r.ms - without[i].ms))
const parseAdded = added('parse-only')
console.log(`\n${BUILDS} rounds of ${jobs.length} interleaved builds, medians; load average now ${os.loadavg()[0].toFixed(2)}\n`)
console.log('| build | median | added over without | ÷ parse-only added | % over without | CPU added | load (import) | GC |')
console.log('|---|---|---|---|---|---|---|---|')
for (const [name] of jobs) {
  const rs = runs[name]
  const ms = median(rs.map((r) => r.ms))
  const cpu = name === 'without' ? `${(median(rs.map((r) => r.cpuMs)) / 1000).toFixed(2)} s CPU` : `${(median(rs.map((r, i) => r.cpuMs - without[i].cpuMs)) / 1000).toFixed(2)} s`
  const add = name === 'without' ? '—' : `${(added(name) / 1000).toFixed(2)} s`
  const ratio = name === 'without' || name === 'parse-only' ? '—' : `${(added(name) / parseAdded).toFixed(2)}×`
  const pct = name === 'without' ? '—' : `${((median(rs.map((r, i) => r.ms / without[i].ms)) - 1) * 100).toFixed(1)}%`
  console.log(`| ${name} | ${(ms / 1000).toFixed(2)} s | ${add} | ${ratio} | ${pct} | ${cpu} | ${median(rs.map((r) => r.loadMs)).toFixed(0)} ms | ${median(rs.map((r) => r.gc?.ms)).toFixed(0)} ms |`)
}
const leaky = jobs.filter(([name]) => name.includes(':') && runs[name].some((r) => r.leaks?.length))
if (leaky.length) console.log(`\nserver-only strings in the client bundle of: ${leaky.map(([n]) => n).join(', ')}`)
for (const d of dists) rmSync(d.app, { recursive: true, force: true })
