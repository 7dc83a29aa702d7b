// One `vite build` of the generated app, in its own process so that its peak
// memory (maxRSS) is its own. Prints one JSON line on stdout.
//
//   node bench/vite-child.mjs <appDir> <with|without> <outDir> [path/to/vite.js]

import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

// strings that only exist in the app's server-only code (see corpus.mjs STUBS / APP_FILES)
const BUNDLE_MARKERS = ['PRISMA_ENGINE_SECRET', 'prisma-query-engine-stub', 'SECRET_MAIL_KEY', 'mail.internal', 'STRIPE_SECRET_KEY', 'SECRET_API_TOKEN', 'paymentIntents']

const [appDir, variant, outDir, pluginFile] = process.argv.slice(2)

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const file = join(dir, name)
    if (statSync(file).isDirectory()) walk(file, out)
    else out.push(file)
  }
  return out
}

try {
  const { build } = await import('vite')
  const plugins = []
  let pluginMs = 0
  let pluginCalls = 0
  if (variant === 'with') {
    const { default: chaincut } = await import(pluginFile ? pathToFileURL(pluginFile).href : new URL('../dist/vite.js', import.meta.url).href)
    // count the transform calls that got past the hook filter; the summed
    // durations (pluginMs) overlap, since async calls wait on each other, so
    // they are kept in the JSON but are no measure of the plugin's share
    // (use `node bench/profile.mjs --vite` for that)
    for (const plugin of [].concat(chaincut({ report: false }))) {
      const hook = plugin.transform
      const handler = typeof hook === 'function' ? hook : hook?.handler
      if (handler) {
        const timed = async function (...args) {
          const t = performance.now()
          try {
            return await handler.apply(this, args)
          } finally {
            pluginMs += performance.now() - t
            pluginCalls++
          }
        }
        plugin.transform = typeof hook === 'function' ? timed : { ...hook, handler: timed }
      }
      plugins.push(plugin)
    }
  }
  const t0 = performance.now()
  await build({
    root: appDir,
    configFile: false,
    logLevel: 'silent',
    plugins,
    build: { outDir, emptyOutDir: true, write: true },
  })
  const ms = performance.now() - t0
  let bytes = 0
  const leaks = new Set()
  for (const file of walk(outDir)) {
    if (!file.endsWith('.js')) continue
    const text = readFileSync(file, 'utf8')
    bytes += text.length
    for (const marker of BUNDLE_MARKERS) if (text.includes(marker)) leaks.add(marker)
  }
  process.stdout.write(JSON.stringify({ ok: true, variant, ms, maxRSS: process.resourceUsage().maxRSS, bytes, leaks: [...leaks], pluginMs, pluginCalls }) + '\n')
} catch (error) {
  process.stdout.write(JSON.stringify({ ok: false, variant, error: String(error?.stack ?? error).slice(0, 4000) }) + '\n')
  process.exitCode = 1
}
