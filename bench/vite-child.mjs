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
//                  options chaincut uses (src/core/parse.ts), and returns null
//   chaincut       chaincut with default options, cold: the app's persistent cache
//                  (node_modules/.cache/chaincut) is deleted before the build
//   chaincut-warm  chaincut with default options, the persistent cache left as the
//                  previous chaincut build wrote it
//   with           the same as `chaincut` (the name older scripts use)

import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { PerformanceObserver } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'

// strings that only exist in the app's server-only code (see corpus.mjs STUBS / APP_FILES)
const BUNDLE_MARKERS = ['PRISMA_ENGINE_SECRET', 'prisma-query-engine-stub', 'SECRET_MAIL_KEY', 'mail.internal', 'STRIPE_SECRET_KEY', 'SECRET_API_TOKEN', 'paymentIntents']

const [appDir, variantArg, outDir, pluginFile] = process.argv.slice(2)
const variant = variantArg === 'with' ? 'chaincut' : variantArg
const VARIANTS = ['without', 'parse-only', 'chaincut', 'chaincut-warm']

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

/** Wraps a plugin's transform hook (keeping its filter) to count the calls that got past the filter. */
function counted(plugin, stats) {
  const hook = plugin.transform
  const handler = typeof hook === 'function' ? hook : hook?.handler
  if (!handler) return plugin
  // the summed durations (pluginMs) overlap, since async calls wait on each other, so
  // they are kept in the JSON but are no measure of the plugin's share (use
  // `node bench/profile.mjs --vite` for that)
  const timed = async function (...args) {
    const t = performance.now()
    try {
      return await handler.apply(this, args)
    } finally {
      stats.pluginMs += performance.now() - t
      stats.pluginCalls++
    }
  }
  return { ...plugin, transform: typeof hook === 'function' ? timed : { ...hook, handler: timed } }
}

try {
  if (!VARIANTS.includes(variant)) throw new Error(`unknown variant ${JSON.stringify(variantArg)}: use ${VARIANTS.join(', ')}`)
  const vite = await import('vite')
  const plugins = []
  const stats = { pluginMs: 0, pluginCalls: 0, parsed: 0, statements: 0 }
  const cacheDir = cacheDirOf(appDir)
  let filterFrom = null
  if (variant === 'chaincut') rmSync(cacheDir, { recursive: true, force: true }) // cold: no persistent cache
  const cacheBefore = dirStats(cacheDir)
  if (variant !== 'without') {
    const vitePlugin = pluginFile ? pathToFileURL(pluginFile).href : new URL('../dist/vite.js', import.meta.url).href
    const { default: chaincut } = await import(vitePlugin)
    const options = { report: false }
    const instances = [].concat(chaincut(options))
    if (variant === 'parse-only') {
      const { parse } = await import('@babel/parser')
      // the same filters as chaincut: its transform hook's own filter object (include/exclude
      // and the code filter of both sides), then its pre-parse test for the side, read from
      // the resolved config in dist (the test `transform()` runs before it parses)
      const own = instances.find((p) => p.name === 'chaincut' && p.transform)
      const filter = own?.transform?.filter
      if (!filter) throw new Error(`chaincut's vite plugin in ${vitePlugin} has no transform.filter to reuse`)
      let mayContainChain = null
      try {
        const { resolveConfig } = await import(new URL('core/config.js', vitePlugin).href)
        mayContainChain = resolveConfig(options).mayContainChain
        filterFrom = 'chaincut transform.filter + resolveConfig().mayContainChain'
      } catch (error) {
        filterFrom = `chaincut transform.filter only (core/config.js: ${String(error?.message ?? error).split('\n')[0]})`
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
                if (mayContainChain && !mayContainChain[side](code)) return null
                stats.parsed++
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
    } else {
      for (const plugin of instances) plugins.push(counted(plugin, stats))
    }
  }

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

  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  await vite.build({
    root: appDir,
    configFile: false,
    logLevel: 'silent',
    plugins,
    build: { outDir, emptyOutDir: true, write: true },
  })
  const ms = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  await new Promise((r) => setImmediate(r))
  record(observer.takeRecords())
  observer.disconnect()

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
      cpuMs: (cpu.user + cpu.system) / 1000,
      maxRSS: process.resourceUsage().maxRSS,
      gc,
      bytes,
      leaks: [...leaks],
      pluginMs: stats.pluginMs,
      pluginCalls: stats.pluginCalls,
      parsed: variant === 'parse-only' ? stats.parsed : undefined,
      filterFrom: filterFrom ?? undefined,
      cache: variant.startsWith('chaincut') ? { before: cacheBefore, after: dirStats(cacheDir) } : undefined,
      vite: vite.version,
    }) + '\n',
  )
} catch (error) {
  process.stdout.write(JSON.stringify({ ok: false, variant, error: String(error?.stack ?? error).slice(0, 4000) }) + '\n')
  process.exitCode = 1
}
