// The HTML audit on a large app (docs/audit.md, "Size"): generates the bench's 2,000-module
// Vite app (bench/corpus.mjs), builds its client and then its SSR bundle with
// `chaincut({ report: 'html' })`, and reports the file's size and how long Chromium takes to
// open it (from the start of navigation to the summary and module list shown), and to show a
// module page. Needs `npm run build` and Chromium at /usr/bin/chromium.
//
//   node bench/audit.mjs [--modules=2000] [--loads=5] [--keep]

import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { writeApp } from './corpus.mjs'

const arg = (name, fallback) => {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`))
  return found ? Number(found.split('=')[1]) : fallback
}
const MODULES = arg('modules', 2000)
const LOADS = arg('loads', 5)
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

const dir = mkdtempSync(join(tmpdir(), 'chaincut-audit-bench-'))
try {
  const app = writeApp(join(dir, 'app'), { modules: MODULES })
  const { build } = await import('vite')
  const { default: chaincut } = await import(new URL('../dist/vite.js', import.meta.url).href)
  const shared = { root: app.dir, configFile: false, logLevel: 'silent', plugins: [chaincut({ report: 'html', cache: false })] }
  const builds = {}
  let t = performance.now()
  await build({ ...shared, build: { outDir: 'dist/client', emptyOutDir: true } })
  builds.client = performance.now() - t
  t = performance.now()
  await build({ ...shared, build: { outDir: 'dist/server', emptyOutDir: true, ssr: 'src/main.tsx' } })
  builds.ssr = performance.now() - t
  const file = join(app.dir, 'node_modules/.cache/chaincut/report.html')
  const bytes = statSync(file).size
  const { readAuditHtml } = await import(new URL('../dist/report/html.js', import.meta.url).href)
  const data = readAuditHtml(file)

  const { chromium } = await import('playwright-core')
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS })
  const opens = []
  const pages = []
  let counts
  for (let i = 0; i < LOADS; i++) {
    const page = await browser.newPage()
    const errors = []
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(pathToFileURL(file).href)
    await page.waitForSelector('body[data-ready=home]')
    opens.push(Number(await page.getAttribute('body', 'data-ready-ms')))
    counts ??= {
      environments: Object.entries(data.environments).map(([name, e]) => `${name}: ${e.modules.length} modules, ${e.modules.filter((m) => m.source).length} with text`),
      texts: Object.keys(data.texts).length,
      textBytes: Object.values(data.texts).reduce((n, t) => n + t.length, 0),
      ...(await page.evaluate(() => ({ rows: document.querySelectorAll('#module-list tr.module-row').length, elements: document.getElementsByTagName('*').length }))),
    }
    // the module with the most cuts: its page, rendered on demand
    await page.selectOption('#sort', 'cuts')
    const started = await page.evaluate(() => performance.now())
    await page.click('#module-list tr.module-row a')
    await page.waitForSelector('body[data-ready=module]')
    pages.push(Number(await page.getAttribute('body', 'data-ready-ms')) - started)
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`)
    await page.close()
  }
  await browser.close()
  console.log(JSON.stringify({
    modules: MODULES,
    withChains: app.withChains,
    appBytes: app.bytes,
    buildMs: { client: Math.round(builds.client), ssr: Math.round(builds.ssr) },
    loadAverage: (await import('node:os')).loadavg().map((n) => +n.toFixed(1)),
    report: { bytes, mb: +(bytes / 1024 / 1024).toFixed(2), ...counts },
    openMs: { median: median(opens), all: opens },
    modulePageMs: { median: Math.round(median(pages)), all: pages.map(Math.round) },
  }, null, 2))
} finally {
  if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true })
  else console.log(`kept ${dir}`)
}
