#!/usr/bin/env node
/**
 * The precision sweep (issue #21, "Proof that it works"): run chaincut's `transform` over every
 * script of real apps that build no chains, on both sides, and count what it does. On such an app
 * chaincut must do nothing: no module changed, no cut, no error, no warning, no crash.
 *
 * It needs no network: it takes folders already extracted (bench/sweep-repos.json lists the
 * repositories, their commits and how to bring them), one per argument, `name=folder` or `folder`.
 *
 *   npm run build
 *   node bench/sweep.mjs --out=bench/results/sweep.json /tmp/sweep/dub /tmp/sweep/plane ...
 *
 * A target `name=folder#sub/a,sub/b` sweeps only those subfolders of the folder (the whole folder is
 * still what setup b copies, so tsconfig files and package.json files above them are there).
 *
 * Options:
 *   --out=<file>          write the JSON results there
 *   --dist=<folder>       the chaincut build to measure (default: ./dist beside this script's package)
 *   --concurrency=<n>     transforms in flight (default 16)
 *   --setups=a,b          a: the app as it is; b: the app declared as depending on `@point0/core` and
 *                         `tailorkit` (every package.json of the app gets both in `dependencies`)
 *   --sides=client,server
 *   --examples=<n>        examples kept per class (default 20)
 *   --limit=<n>           at most n files per folder (a smoke run)
 *   --keep                keep setup b's tree (under the OS temp folder) after the run
 *   --deps=none|stub      none (default): the folders as extracted, no node_modules, so imports of
 *                         packages do not resolve; stub: both setups run on a twin with a node_modules
 *                         as an install would make it: every dependency the package.json files name
 *                         is a stub package (its package.json, no dependencies, an empty index.js that
 *                         every subpath leads to),
 *                         every workspace package is a symlink to its folder at the root (as npm and
 *                         yarn workspaces hoist them),
 *                         and in setup b `@point0/core` and `tailorkit` are installed stubs too
 *   --chain-apps=a,b      targets that do build chains (point0's examples, template, engine tests):
 *                         their cuts and changes are expected, only refusals and crashes count;
 *                         they are tallied apart from the apps that build none
 *
 * Setup b is a twin of the folder made of hard links (a copy where links are not possible) in which
 * only the package.json files differ, so the module ids are real paths whose nearest package.json
 * declares the families, as in an app that installed them; resolution does not follow the link
 * back to the original tree (a symlink would).
 */
import { existsSync, linkSync, symlinkSync, copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdtempSync } from 'node:fs'
import { basename, dirname, join, relative, resolve } from 'node:path'
import { tmpdir } from 'node:os'
import { pathToFileURL, fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))

// ---------- arguments ----------
const flags = {}
const targets = []
for (const arg of process.argv.slice(2)) {
  const m = /^--([\w-]+)(?:=(.*))?$/.exec(arg)
  if (m) flags[m[1]] = m[2] ?? true
  else {
    const eq = arg.indexOf('=')
    const [name, spec] = eq > 0 && !arg.startsWith('/') && !arg.startsWith('.') ? [arg.slice(0, eq), arg.slice(eq + 1)] : [basename(resolve(arg.split('#')[0])), arg]
    const [dir, subs] = spec.split('#')
    targets.push({ name, dir: resolve(dir), only: subs ? subs.split(',').filter(Boolean) : null })
  }
}
if (!targets.length || flags.help) {
  console.error('usage: node bench/sweep.mjs [--out=file] [--dist=folder] [--concurrency=n] [--setups=a,b] [--sides=client,server] <name=folder | folder>...')
  console.error('The folders are extracted checkouts of the repositories in bench/sweep-repos.json.')
  process.exit(targets.length ? 0 : 2)
}
const distDir = resolve(flags.dist ?? join(here, '..', 'dist'))
const concurrency = Number(flags.concurrency ?? 16)
const setups = String(flags.setups ?? 'a,b').split(',').filter(Boolean)
const sides = String(flags.sides ?? 'client,server').split(',').filter(Boolean)
const maxExamples = Number(flags.examples ?? 20)
const limit = flags.limit ? Number(flags.limit) : Infinity
const chainApps = new Set(String(flags['chain-apps'] ?? '').split(',').filter(Boolean))
const MAX_SIZE = 1024 * 1024
const FAMILY_DEPS = { '@point0/core': '*', tailorkit: '*' }
const deps = String(flags.deps ?? 'none')
if (deps !== 'none' && deps !== 'stub') {
  console.error(`--deps takes none or stub (got ${deps})`)
  process.exit(2)
}

if (!existsSync(join(distDir, 'index.js'))) {
  console.error(`no chaincut build at ${distDir} (run npm run build, or pass --dist)`)
  process.exit(2)
}
const chaincut = await import(pathToFileURL(join(distDir, 'index.js')).href)
const { transform, ChaincutError, ModuleCache } = chaincut

// ---------- the files ----------
const SKIP_DIRS = new Set(['node_modules', 'dist', 'build', '.next', '.nuxt', '.output', '.turbo', '.vercel', '.svelte-kit', 'coverage', '.git', '.cache'])
const SCRIPT = /\.(?:tsx?|jsx?|mts)$/
function listFiles(root, only) {
  const out = []
  const skipped = { large: 0 }
  const walk = (dir) => {
    let entries
    try {
      entries = readdirSync(dir, { withFileTypes: true })
    } catch {
      return
    }
    for (const e of entries) {
      const p = join(dir, e.name)
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) walk(p)
      } else if (e.isFile() && SCRIPT.test(e.name) && !e.name.endsWith('.d.ts') && !e.name.endsWith('.d.mts')) {
        if (statSync(p).size > MAX_SIZE) skipped.large++
        else out.push(p)
      }
    }
  }
  if (only) for (const sub of only) walk(join(root, sub))
  else walk(root)
  out.sort()
  return { files: out.slice(0, limit), skipped }
}

/**
 * A twin of `root` (hard links): for setup b its package.json files (outside node_modules) depend on
 * the families; with `--deps=stub`, a node_modules as an install would make it.
 */
function twin(root, into, { families, stubs }) {
  let manifests = 0
  const workspaces = new Map() // package name -> its folder in the twin
  const wanted = new Set()
  const walk = (from, to) => {
    mkdirSync(to, { recursive: true })
    for (const e of readdirSync(from, { withFileTypes: true })) {
      const src = join(from, e.name)
      const dst = join(to, e.name)
      if (e.isDirectory()) {
        if (e.name !== '.git') walk(src, dst)
      } else if (e.isFile()) {
        if (e.name === 'package.json' && !src.includes('/node_modules/')) {
          let json
          try {
            json = JSON.parse(readFileSync(src, 'utf8'))
          } catch {
            json = null
          }
          if (json && typeof json === 'object') {
            if (typeof json.name === 'string') workspaces.set(json.name, to)
            for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
              for (const dep of Object.keys(json[field] ?? {})) wanted.add(dep)
            }
            if (families) {
              json.dependencies = { ...(json.dependencies ?? {}), ...FAMILY_DEPS }
              writeFileSync(dst, JSON.stringify(json, null, 2) + '\n')
              manifests++
              continue
            }
          }
        }
        try {
          linkSync(src, dst)
        } catch {
          copyFileSync(src, dst)
        }
      }
    }
  }
  walk(root, into)
  let stubbed = 0
  let linked = 0
  if (stubs) {
    if (families) for (const dep of Object.keys(FAMILY_DEPS)) wanted.add(dep)
    // every workspace package is linked at the root, as npm and yarn workspaces hoist them
    // (a tsconfig's `extends` of a workspace package resolves then, as in the installed app)
    for (const name of workspaces.keys()) wanted.add(name)
    for (const dep of [...wanted].sort()) {
      const at = join(into, 'node_modules', dep)
      if (existsSync(at)) continue
      mkdirSync(dirname(at), { recursive: true })
      const ws = workspaces.get(dep)
      if (ws) {
        symlinkSync(ws, at, 'dir')
        linked++
      } else {
        mkdirSync(at, { recursive: true })
        writeFileSync(join(at, 'package.json'), JSON.stringify({ name: dep, version: '0.0.0', type: 'module', main: './index.js', exports: { '.': './index.js', './*': './index.js' } }) + '\n')
        writeFileSync(join(at, 'index.js'), 'export {}\n')
        stubbed++
      }
    }
  }
  return { manifests, stubbed, linked }
}

// ---------- the tally ----------
function newTally() {
  return {
    files: 0,
    transformed: 0, // transform returned or threw a ChaincutError (it was looked at past the text filter)
    filtered: 0, // null without a report: the text filter said no chain can be here
    changed: 0,
    cuts: 0,
    errors: {}, // code -> count
    warnings: {},
    crashes: 0,
    notChains: 0,
    cutMethods: {}, // family:method -> cuts
    examples: { changed: [], errors: [], warnings: [], crashes: [] },
  }
}
function push(list, item) {
  if (list.length < maxExamples) list.push(item)
}
function lineText(code, line) {
  return (code.split('\n')[line - 1] ?? '').trim().slice(0, 200)
}
function addFindings(t, findings, rel, code, repo) {
  for (const f of findings) {
    const bucket = f.level === 'error' ? t.errors : t.warnings
    bucket[f.code] = (bucket[f.code] ?? 0) + 1
    push(f.level === 'error' ? t.examples.errors : t.examples.warnings, {
      repo,
      at: `${rel}:${f.line}`,
      code: f.code,
      message: String(f.message).slice(0, 300),
      source: lineText(code, f.line),
    })
  }
}
function merge(into, t) {
  for (const k of ['files', 'transformed', 'filtered', 'changed', 'cuts', 'crashes', 'notChains']) into[k] += t[k]
  for (const k of ['errors', 'warnings', 'cutMethods']) for (const [c, n] of Object.entries(t[k])) into[k][c] = (into[k][c] ?? 0) + n
  for (const k of Object.keys(into.examples)) for (const e of t.examples[k]) push(into.examples[k], e)
}

async function pool(items, n, fn) {
  let next = 0
  const workers = Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) {
      const i = next++
      await fn(items[i], i)
    }
  })
  await Promise.all(workers)
}

async function sweepOne(repo, root, files, side, t) {
  const cache = new ModuleCache()
  await pool(files, concurrency, async (file) => {
    const rel = relative(root, file)
    let code
    try {
      code = readFileSync(file, 'utf8')
    } catch {
      return
    }
    t.files++
    let report = null
    try {
      const result = await transform(code, file, { side, cache, onReport: (r) => (report = r) })
      if (result) report = result.report
      if (report) {
        t.transformed++
        t.cuts += report.cuts.length
        for (const c of report.cuts) t.cutMethods[`${c.family}:${c.method}`] = (t.cutMethods[`${c.family}:${c.method}`] ?? 0) + 1
        t.notChains += report.notChains.length
        addFindings(t, report.findings, rel, code, repo)
      } else t.filtered++
      if (result) {
        t.changed++
        const first = report?.cuts[0]
        push(t.examples.changed, {
          repo,
          at: `${rel}:${first?.line ?? report?.removedImports[0]?.line ?? report?.folded?.[0]?.line ?? 1}`,
          cuts: report?.cuts.map((c) => `${c.family}:${c.method}@${c.line}`).slice(0, 8),
          source: first ? lineText(code, first.line) : '',
        })
      }
    } catch (error) {
      if (error instanceof ChaincutError) {
        t.transformed++
        addFindings(t, error.findings, rel, code, repo)
      } else {
        t.crashes++
        push(t.examples.crashes, { repo, at: rel, message: String(error?.stack ?? error).split('\n').slice(0, 4).join(' | ').slice(0, 400) })
      }
    }
  })
}

// ---------- run ----------
const started = Date.now()
const results = { chaincut: distDir, deps, date: new Date().toISOString(), repos: {}, totals: {} }
const twinRoot = setups.includes('b') || deps === 'stub' ? mkdtempSync(join(tmpdir(), 'chaincut-sweep-b-')) : null
try {
  for (const { name, dir, only } of targets) {
    const { files, skipped } = listFiles(dir, only)
    results.repos[name] = { folder: dir, only, files: files.length, skippedLarge: skipped.large, setups: {} }
    for (const setup of setups) {
      let root = dir
      let list = files
      if (setup === 'b' || deps === 'stub') {
        root = join(twinRoot, `${name}-${setup}`)
        const made = twin(dir, root, { families: setup === 'b', stubs: deps === 'stub' })
        results.repos[name][`twin-${setup}`] = made
        list = files.map((f) => join(root, relative(dir, f)))
      }
      for (const side of sides) {
        const t = newTally()
        const t0 = Date.now()
        await sweepOne(name, root, list, side, t)
        t.seconds = (Date.now() - t0) / 1000
        ;(results.repos[name].setups[setup] ??= {})[side] = t
        const key = `${setup}/${side}`
        merge(((chainApps.has(name) ? (results.chainAppTotals ??= {}) : results.totals)[key] ??= newTally()), t)
        console.error(
          `${name} ${key}: ${t.files} files, ${t.transformed} transformed, ${t.changed} changed, ${t.cuts} cuts, ` +
            `${sum(t.errors)} errors, ${sum(t.warnings)} warnings, ${t.crashes} crashes (${t.seconds}s)`,
        )
      }
      if (root !== dir && !flags.keep) rmSync(root, { recursive: true, force: true })
    }
  }
} finally {
  if (twinRoot && !flags.keep) rmSync(twinRoot, { recursive: true, force: true })
}
results.seconds = (Date.now() - started) / 1000

function sum(o) {
  return Object.values(o).reduce((a, b) => a + b, 0)
}
function codes(o) {
  return Object.entries(o).sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c}×${n}`).join(' ') || '-'
}

// ---------- summary ----------
function table(totals) {
const rows = [['setup/side', 'files', 'transformed', 'changed', 'cuts', 'errors', 'warnings', 'crashes', 'error codes', 'warning codes']]
for (const [key, t] of Object.entries(totals)) {
  rows.push([key, t.files, t.transformed, t.changed, t.cuts, sum(t.errors), sum(t.warnings), t.crashes, codes(t.errors), codes(t.warnings)].map(String))
}
console.log('| ' + rows[0].join(' | ') + ' |')
console.log('|' + rows[0].map(() => '---').join('|') + '|')
for (const r of rows.slice(1)) console.log('| ' + r.join(' | ') + ' |')
}
const plain = targets.filter((t) => !chainApps.has(t.name)).map((t) => t.name)
console.log(`\nchaincut precision sweep, --deps=${deps} (${results.seconds.toFixed(0)}s)\n\napps that build no chains: ${plain.join(', ') || '-'}\n`)
table(results.totals)
if (results.chainAppTotals) {
  console.log(`\napps that build chains (cuts expected; refusals and crashes count): ${[...chainApps].join(', ')}\n`)
  table(results.chainAppTotals)
}
console.log('\nper repository (errors+warnings+changed, a/client a/server b/client b/server):')
for (const [name, r] of Object.entries(results.repos)) {
  const cells = []
  for (const setup of setups) for (const side of sides) {
    const t = r.setups[setup]?.[side]
    cells.push(t ? `${sum(t.errors)}+${sum(t.warnings)}+${t.changed}` : '-')
  }
  console.log(`  ${name} (${r.files} files): ${cells.join('  ')}`)
}
const bad =
  Object.values(results.totals).reduce((n, t) => n + t.changed + t.cuts + sum(t.errors) + sum(t.warnings) + t.crashes, 0) +
  Object.values(results.chainAppTotals ?? {}).reduce((n, t) => n + sum(t.errors) + t.crashes, 0)
results.clean = bad === 0
console.log(bad ? `\nNOT CLEAN: ${bad} changes, cuts, findings or crashes where there should be none` : '\nclean: nothing changed, nothing found')
if (flags.out) {
  mkdirSync(dirname(resolve(flags.out)), { recursive: true })
  writeFileSync(resolve(flags.out), JSON.stringify(results, null, 2) + '\n')
  console.log(`results: ${resolve(flags.out)}`)
}
process.exitCode = bad ? 1 : 0
