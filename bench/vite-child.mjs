// One `vite build` of the generated app, in its own process so that its peak
// memory (maxRSS) and its garbage collections are its own. Prints one JSON
// line on stdout.
//
//   node bench/vite-child.mjs <appDir> <variant> <outDir> [path/to/dist/vite.js]
//
// variants (see bench/README.md, "The `vite build` variants"):
//   without        no plugin
//   parse-only     a plugin with chaincut's own transform filter (include/exclude
//                  and code filter) and, past it, chaincut's pre-parse test for the
//                  client side; it parses each module with `@babel/parser` and the
//                  options chaincut uses (src/js/parse.ts), and returns null. The
//                  first such build of an app records the filter and the ids it parsed
//                  (`.bench-parse-only.json` in the app); later ones read that and load
//                  only @babel/parser, not chaincut
//   chaincut       chaincut with default options, cold: the app's persistent cache
//                  (node_modules/.cache/chaincut) is deleted before the build
//   chaincut-warm  chaincut with default options, the persistent cache left as the
//                  previous chaincut build wrote it
//   chaincut-nocache  chaincut with `cache: false`: no persistent cache read or written
//                  (what `chaincut` costs without the cache's hashing and writing)
//   outputs-only   chaincut's effect at no cost: the outputs a chaincut build of this app
//                  recorded (`.bench-chaincut-outputs.json`), returned from a plain Map;
//                  it builds the smaller graph chaincut leaves (server code cut and
//                  pruned), so `chaincut-warm` is better compared with it than with `without`
//   with           the same as `chaincut` (the name older scripts use)
//
// The timed part (`ms`, `cpuMs`) starts before the plugin is imported, as `vite build` loads
// its config's plugins before building (`loadMs` is that part); Vite itself is imported first.
// The app's own `vite.config.mjs` (corpus.mjs writeApp: `resolve.alias` for `@/` and the
// workspace packages, `build.sourcemap`) is imported and its `resolve` and `build.sourcemap`
// merged into the inline config (not loaded through Vite's config loader, which would bundle
// it on every build).
//
// CHAINCUT_BENCH_TRACE=1 times every `this.resolve` a transform hook makes (see `traced`).

import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { PerformanceObserver } from 'node:perf_hooks'
import { fileURLToPath, pathToFileURL } from 'node:url'

// strings that only exist in the app's server-only code (see corpus.mjs STUBS / APP_FILES)
const BUNDLE_MARKERS = ['PRISMA_ENGINE_SECRET', 'prisma-query-engine-stub', 'SECRET_MAIL_KEY', 'mail.internal', 'STRIPE_SECRET_KEY', 'SECRET_API_TOKEN', 'paymentIntents']

const [appDir, variantArg, outDir, pluginFile] = process.argv.slice(2)
const variant = variantArg === 'with' ? 'chaincut' : variantArg
const VARIANTS = ['without', 'parse-only', 'chaincut', 'chaincut-warm', 'chaincut-nocache', 'outputs-only']

/** Where chaincut keeps its persistent cache for this app (on by default; `cache: false` turns it off). */
const cacheDirOf = (dir) => join(dir, 'node_modules/.cache/chaincut')

function walk(dir, out = []) {
  if (!existsSync(dir)) return out
  for (const name of readdirSync(dir)) {
    const file = join(dir, name)
    if (statSync(file).isDirectory()) walk(file, out)
    else out.push(file)
  }
  return out
}
const dirStats = (dir) => {
  const files = walk(dir)
  return { exists: existsSync(dir), files: files.length, bytes: files.reduce((n, f) => n + statSync(f).size, 0) }
}

// the parse options of src/core/parse.ts (`parseModule`), dialect by extension as chaincut's `dialectOf`
const PARSE_PLUGINS = {
  ts: ['typescript', 'decorators-legacy', 'explicitResourceManagement'],
  tsx: ['typescript', 'jsx', 'decorators-legacy', 'explicitResourceManagement'],
  jsx: ['jsx', 'decorators-legacy', 'explicitResourceManagement'],
  js: ['decorators-legacy', 'explicitResourceManagement'],
}
const dialectOf = (id) => {
  const file = id.replace(/[?#].*$/, '')
  return /\.[cm]?tsx$/.test(file) ? 'tsx' : /\.[cm]?ts$/.test(file) ? 'ts' : /\.jsx$/.test(file) ? 'jsx' : 'js'
}

/**
 * With CHAINCUT_BENCH_TRACE=1: every `this.resolve` a transform asks of the bundler (chaincut's
 * cross-module head lookups, and the persistent cache re-checking an entry's resolutions), each
 * timed from the call to its answer. Off in the timed builds of run.mjs.
 */
const TRACE = process.env.CHAINCUT_BENCH_TRACE === '1'
const kindOf = (source) => (source.startsWith('@/') ? 'alias @/' : /^\.{1,2}\//.test(source) ? 'relative' : /^[/\0]/.test(source) ? 'absolute/virtual' : 'bare (package or package alias)')
function traced(context, stats) {
  if (!TRACE || typeof context?.resolve !== 'function') return context
  const resolve = async (source, importer, options) => {
    const t = performance.now()
    try {
      return await context.resolve(source, importer, options)
    } finally {
      const ms = performance.now() - t
      stats.resolve.calls++
      stats.resolve.ms += ms
      stats.resolve.max = Math.max(stats.resolve.max, ms)
      const kind = (stats.resolve.byKind[kindOf(source)] ??= { calls: 0, ms: 0, sources: new Set(), pairs: new Set() })
      kind.calls++
      kind.ms += ms
      kind.sources.add(source)
      kind.pairs.add(`${importer.replace(/\/[^/]*$/, '')}\0${source}`)
      stats.resolve.intervals.push([t, t + ms])
    }
  }
  return new Proxy(context, {
    get(target, key) {
      if (key === 'resolve') return resolve
      const value = Reflect.get(target, key, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

const percentiles = (xs) => {
  const s = xs.slice().sort((a, b) => a - b)
  const at = (q) => (s.length ? Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))]) : null)
  return { min: at(0), p10: at(0.1), p50: at(0.5), p90: at(0.9), max: at(1) }
}

/** The length of the union of [start, end] intervals: the wall time during which at least one was open. */
function union(intervals) {
  let total = 0
  let end = -Infinity
  for (const [a, b] of intervals.slice().sort((x, y) => x[0] - y[0])) {
    if (b <= end) continue
    total += b - Math.max(a, end)
    end = b
  }
  return total
}

/** The parse-only plugin's record of what to parse, in the app folder (deleted with it when the app is written again). */
const PARSE_LIST = '.bench-parse-only.json'
/** The outputs of a chaincut build (module id → code), for the `outputs-only` variant: chaincut's effect on the build at no cost. */
const OUTPUTS = '.bench-chaincut-outputs.json'
const readOutputsStamp = (appDir) => {
  try {
    return JSON.parse(readFileSync(join(appDir, OUTPUTS), 'utf8')).plugin
  } catch {
    return null
  }
}
/** chaincut's config module (`resolveConfig`) beside its vite.js: `config/config.js`, or `core/config.js` before src/ was split into layers. */
function configModuleOf(pluginFile) {
  const dir = dirname(pluginFile ?? fileURLToPath(new URL('../dist/vite.js', import.meta.url)))
  return [join(dir, 'config/config.js'), join(dir, 'core/config.js')].find((f) => existsSync(f)) ?? join(dir, 'config/config.js')
}
/** What the list depends on: the plugin file and its config module, by path, size and mtime. */
function pluginStamp(pluginFile) {
  const file = pluginFile ?? fileURLToPath(new URL('../dist/vite.js', import.meta.url))
  return [file, configModuleOf(pluginFile)].map((f) => (existsSync(f) ? `${f}:${statSync(f).size}:${statSync(f).mtimeMs}` : f)).join('|')
}
const toJSON = (filter) => JSON.stringify(filter, (_k, v) => (v instanceof RegExp ? { $re: v.source, flags: v.flags } : v))
const fromJSON = (text) => JSON.parse(text, (_k, v) => (v && typeof v === 'object' && typeof v.$re === 'string' ? new RegExp(v.$re, v.flags) : v))
function readParseList(appDir, pluginFile) {
  try {
    const list = fromJSON(readFileSync(join(appDir, PARSE_LIST), 'utf8'))
    return list.plugin === pluginStamp(pluginFile) && Array.isArray(list.parse) ? list : null
  } catch {
    return null
  }
}
function writeParseList(appDir, pluginFile, filter, ids) {
  writeFileSync(join(appDir, PARSE_LIST), toJSON({ plugin: pluginStamp(pluginFile), filter, parse: ids }))
}

/**
 * Wraps a plugin's transform hook (keeping its filter) to count the calls that got past the filter.
 * `pluginMs` sums each call's duration: the calls overlap (they are async and wait on the bundler
 * and on each other), so the sum counts the same wall time many times over (chaincut's own report
 * row "time in plugin" is such a sum too, see bench/README.md). `pluginWallMs` is the union of
 * the calls' intervals: the wall time during which at least one call was in flight, an upper
 * bound of the plugin's share of the build (`node bench/profile.mjs --vite` gives the CPU share).
 */
function counted(plugin, stats) {
  const hook = plugin.transform
  const handler = typeof hook === 'function' ? hook : hook?.handler
  if (!handler) return plugin
  const timed = async function (...args) {
    const t = performance.now()
    try {
      const result = await handler.apply(traced(this, stats), args)
      if (stats.outputs && typeof result?.code === 'string') stats.outputs[args[1]] = result.code
      return result
    } finally {
      const end = performance.now()
      stats.pluginMs += end - t
      stats.pluginCalls++
      stats.intervals.push([t, end])
    }
  }
  return { ...plugin, transform: typeof hook === 'function' ? timed : { ...hook, handler: timed } }
}

try {
  if (!VARIANTS.includes(variant)) throw new Error(`unknown variant ${JSON.stringify(variantArg)}: use ${VARIANTS.join(', ')}`)
  const vite = await import('vite')
  // garbage collections of this process (the main thread's V8 heap; Rolldown's native threads are not in it)
  const gc = { count: 0, ms: 0, major: 0, majorMs: 0 }
  const record = (list) => {
    for (const entry of list.getEntries ? list.getEntries() : list) {
      gc.count++
      gc.ms += entry.duration
      // NODE_PERFORMANCE_GC_MAJOR = 4
      if ((entry.detail?.kind ?? entry.kind) === 4) (gc.major++, (gc.majorMs += entry.duration))
    }
  }
  const observer = new PerformanceObserver(record)
  observer.observe({ entryTypes: ['gc'] })

  // The timed part starts here, before the plugin is imported: `vite build` imports the config's
  // plugins (and everything they import at load time) before it builds, so loading chaincut's
  // modules is part of what a build costs. Vite itself is loaded before (the same for every variant).
  const cacheDir = cacheDirOf(appDir)
  if (variant === 'chaincut') rmSync(cacheDir, { recursive: true, force: true }) // cold: no persistent cache
  const cacheBefore = dirStats(cacheDir)
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const plugins = []
  const stats = { recordParsed: null, pluginMs: 0, pluginCalls: 0, parsed: 0, statements: 0, intervals: [], resolve: { calls: 0, ms: 0, max: 0, byKind: {}, intervals: [] } }
  let filterFrom = null
  const vitePlugin = pluginFile ? pathToFileURL(pluginFile).href : new URL('../dist/vite.js', import.meta.url).href
  const options = variant === 'chaincut-nocache' ? { report: false, cache: false } : { report: false }
  // run.mjs's untimed check of a warm build: chaincut's JSON report (not part of the cache key) says which modules were cached
  if (process.env.CHAINCUT_BENCH_REPORT && variant.startsWith('chaincut')) {
    rmSync(process.env.CHAINCUT_BENCH_REPORT, { force: true })
    options.report = process.env.CHAINCUT_BENCH_REPORT
  }
  if (variant === 'parse-only') {
    // The modules to parse are chaincut's (its hook filter, then its pre-parse test), but the
    // floor must not pay for loading chaincut (its Babel packages, its 49 files): a build that
    // finds the list a parse-only build wrote for this plugin and app (`parseList`, written by
    // the first one, run.mjs's unrecorded warm-up) loads only @babel/parser.
    const known = readParseList(appDir, pluginFile)
    const { parse } = await import('@babel/parser')
    let filter
    let parseThis
    if (known) {
      filter = known.filter
      const ids = new Set(known.parse)
      parseThis = (code, id) => ids.has(id)
      filterFrom = `chaincut transform.filter + resolveConfig().mayContainChain, as recorded in ${PARSE_LIST} (chaincut not loaded)`
    } else {
      // the same filters as chaincut: its transform hook's own filter object (include/exclude
      // and the code filter of both sides), then its pre-parse test for the side, read from
      // the resolved config in dist (the test `transform()` runs before it parses)
      const { default: chaincut } = await import(vitePlugin)
      const own = [].concat(chaincut(options)).find((p) => p.name === 'chaincut' && p.transform)
      filter = own?.transform?.filter
      if (!filter) throw new Error(`chaincut's vite plugin in ${vitePlugin} has no transform.filter to reuse`)
      let mayContainChain = null
      const configModule = configModuleOf(pluginFile)
      try {
        const { resolveConfig } = await import(pathToFileURL(configModule).href)
        mayContainChain = resolveConfig(options).mayContainChain
        filterFrom = 'chaincut transform.filter + resolveConfig().mayContainChain (chaincut loaded: no recorded list yet)'
      } catch (error) {
        filterFrom = `chaincut transform.filter only (${configModule}: ${String(error?.message ?? error).split('\n')[0]})`
      }
      parseThis = (code, id, side) => !mayContainChain || mayContainChain[side](code)
      stats.recordParsed = { filter, ids: [], complete: Boolean(mayContainChain) }
    }
    plugins.push(
      counted(
        {
          name: 'bench-parse-only',
          enforce: 'pre',
          transform: {
            filter,
            handler(code, id) {
              const side = this?.environment?.config?.consumer === 'server' ? 'server' : 'client'
              if (!parseThis(code, id, side)) return null
              stats.parsed++
              stats.recordParsed?.ids.push(id)
              const ast = parse(code, {
                sourceType: 'module',
                plugins: PARSE_PLUGINS[dialectOf(id)],
                createParenthesizedExpressions: true,
                attachComment: false,
                allowReturnOutsideFunction: false,
                allowUndeclaredExports: true,
                errorRecovery: false,
              })
              stats.statements += ast.program.body.length // keeps the AST's use
              return null
            },
          },
        },
        stats,
      ),
    )
  } else if (variant === 'outputs-only') {
    // chaincut at no cost: the outputs a chaincut build recorded (OUTPUTS), handed back as they are
    const outputs = JSON.parse(readFileSync(join(appDir, OUTPUTS), 'utf8'))
    if (outputs.plugin !== pluginStamp(pluginFile)) throw new Error(`${OUTPUTS} was recorded by another chaincut build: run a chaincut build first`)
    const ids = Object.keys(outputs.code)
    plugins.push(
      counted(
        {
          name: 'bench-outputs-only',
          enforce: 'pre',
          transform: {
            filter: { id: { include: [new RegExp(`^(?:${ids.map((id) => id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`)] } },
            handler: (_code, id) => (id in outputs.code ? { code: outputs.code[id], map: null } : null),
          },
        },
        stats,
      ),
    )
  } else if (variant !== 'without') {
    const { default: chaincut } = await import(vitePlugin)
    for (const plugin of [].concat(chaincut(options))) plugins.push(counted(plugin, stats))
    // every chaincut build records its outputs for `outputs-only` (after the timed part)
    stats.outputs = {}
  }

  // the app's config (resolve.alias, resolve.tsconfigPaths, build.sourcemap), as its own `vite build` would read it
  const appConfigFile = join(appDir, 'vite.config.mjs')
  const appConfig = existsSync(appConfigFile) ? (await import(pathToFileURL(appConfigFile).href)).default : {}

  const loadMs = performance.now() - t0
  await vite.build({
    root: appDir,
    configFile: false,
    logLevel: 'silent',
    ...(appConfig.resolve ? { resolve: appConfig.resolve } : {}),
    plugins,
    build: { ...(appConfig.build?.sourcemap !== undefined ? { sourcemap: appConfig.build.sourcemap } : {}), outDir, emptyOutDir: true, write: true },
  })
  const ms = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  if (stats.recordParsed?.complete) writeParseList(appDir, pluginFile, stats.recordParsed.filter, stats.recordParsed.ids)
  if (stats.outputs && readOutputsStamp(appDir) !== pluginStamp(pluginFile)) writeFileSync(join(appDir, OUTPUTS), JSON.stringify({ plugin: pluginStamp(pluginFile), code: stats.outputs }))
  await new Promise((r) => setImmediate(r))
  record(observer.takeRecords())
  observer.disconnect()

  let report
  if (process.env.CHAINCUT_BENCH_REPORT && variant.startsWith('chaincut')) {
    try {
      const json = JSON.parse(readFileSync(process.env.CHAINCUT_BENCH_REPORT, 'utf8'))
      const modules = Object.values(json.environments ?? {}).flat()
      report = { modules: modules.length, cached: modules.filter((m) => m.cached).length }
    } catch (error) {
      report = { error: String(error?.message ?? error) }
    }
  }

  let bytes = 0
  const leaks = new Set()
  for (const file of walk(outDir)) {
    if (!file.endsWith('.js')) continue
    const text = readFileSync(file, 'utf8')
    bytes += text.length
    for (const marker of BUNDLE_MARKERS) if (text.includes(marker)) leaks.add(marker)
  }
  process.stdout.write(
    JSON.stringify({
      ok: true,
      variant,
      ms,
      loadMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      maxRSS: process.resourceUsage().maxRSS,
      gc,
      bytes,
      leaks: [...leaks],
      pluginMs: stats.pluginMs,
      pluginWallMs: union(stats.intervals),
      pluginCalls: stats.pluginCalls,
      resolve: TRACE
        ? {
            calls: stats.resolve.calls,
            summedMs: stats.resolve.ms,
            wallMs: union(stats.resolve.intervals),
            maxMs: stats.resolve.max,
            // latency percentiles, and when (ms after the timed part started) the calls were made and answered
            latencyMs: percentiles(stats.resolve.intervals.map(([a, b]) => b - a)),
            askedAtMs: percentiles(stats.resolve.intervals.map(([a]) => a - t0)),
            answeredAtMs: percentiles(stats.resolve.intervals.map(([, b]) => b - t0)),
            transformsAtMs: percentiles(stats.intervals.map(([a]) => a - t0)),
            transformsDoneAtMs: percentiles(stats.intervals.map(([, b]) => b - t0)),
            byKind: Object.fromEntries(Object.entries(stats.resolve.byKind).map(([k, v]) => [k, { calls: v.calls, summedMs: v.ms, specifiers: v.sources.size, folderSpecifierPairs: v.pairs.size }])),
          }
        : undefined,
      parsed: variant === 'parse-only' ? stats.parsed : undefined,
      filterFrom: filterFrom ?? undefined,
      cache: variant.startsWith('chaincut') ? { before: cacheBefore, after: dirStats(cacheDir) } : undefined,
      report,
      vite: vite.version,
    }) + '\n',
  )
} catch (error) {
  process.stdout.write(JSON.stringify({ ok: false, variant, error: String(error?.stack ?? error).slice(0, 4000) }) + '\n')
  process.exitCode = 1
}
