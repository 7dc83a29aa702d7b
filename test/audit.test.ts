/**
 * The HTML audit (docs/audit.md): a real `vite build` of an app with point0 and TailorKit chains,
 * client then SSR, writing `report: 'html'`; the data the page is built from (every cut,
 * decision and finding at its line, each side's output as the bundler received it), the page in
 * Chromium (search, a module's page, the cut spans, a "not a chain" proof, a finding's link, the
 * escaping of the code it shows), and where the audit may be written.
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { build as esbuild } from 'esbuild'
import { chromium, type Browser, type Page } from 'playwright-core'
import { rollup } from 'rollup'
import { build, type Plugin } from 'vite'
import webpack from 'webpack'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import chaincut from '../dist/vite.js'
import chaincutEsbuild from '../dist/esbuild.js'
import chaincutRollup from '../dist/rollup.js'
import chaincutWebpack from '../dist/webpack.js'
import { readAuditHtml, renderAuditHtml } from '../dist/report/html.js'
import { applyEdits, mergeAudit, type AuditData, type AuditModule } from '../dist/report/audit.js'
import { DEFAULT_HTML_REPORT, reportFile, validateOptions } from '../dist/config/options.js'
import { SECRETS, appAliases, writeApp } from './app-fixture.js'
import { ROOT } from './helpers.js'

const CHROMIUM = '/usr/bin/chromium'
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
const EVIL = `</script><img src=x onerror=alert(1)>`

/** A module with a cut, a "not a chain" call, a finding and a string that would end a script element. */
const AUDIT_MODULE = `import { root } from '../lib/root'
import { readLocale } from './locales'

export const config = { apiKey: 'sk_live_EXPORTED_AUDIT' }
export const q = root.lets('query', 'q').loader(() => config.apiKey).query()

const i18n = {
  loader(f: (locale: string) => unknown) {
    return this
  },
}
i18n.loader((locale) => readLocale(locale))
export const evil = '${EVIL} $& $\\''
`

function entry(side: 'client' | 'server') {
  return `import { points } from './points/ideas'
import { tailorKit } from './tailorkit'
import { q, evil } from './points/audit'
export const summary = { points: points.length, actions: Object.keys(tailorKit.actions), q, evil }
export const calls = (globalThis as any).__chaincutCalls
export const side = '${side}'
`
}

/** The offset of a 1-based line and 0-based column. */
function offsetOf(text: string, line: number, column: number): number {
  let at = 0
  for (let l = 1; l < line; l++) {
    at = text.indexOf('\n', at) + 1
    if (at === 0) throw new Error(`no line ${line}`)
  }
  return at + column
}
const lineOf = (text: string, line: number) => text.split('\n')[line - 1] ?? ''

describe('the HTML audit of a vite build, client then SSR', () => {
  let dir: string
  let file: string
  let data: AuditData
  /** environment → module id → the code chaincut handed on (the next plugin's input) */
  const received: Record<string, Record<string, string>> = {}
  let browser: Browser
  let page: Page
  const dialogs: string[] = []
  const pageErrors: string[] = []

  const capture: Plugin = {
    name: 'capture-chaincut-output',
    enforce: 'pre',
    transform(code, id) {
      const env = (this as { environment?: { name: string } }).environment?.name ?? 'client'
      ;(received[env] ??= {})[id.replace(/[?#].*$/, '')] = code
      return null
    },
  }
  const buildClient = () =>
    build({
      root: dir,
      configFile: false,
      logLevel: 'silent',
      resolve: { alias: appAliases(dir) },
      plugins: [chaincut({ report: 'html' }), capture],
      build: { outDir: 'dist/client', minify: false, lib: { entry: 'src/entry-client.ts', formats: ['es'], fileName: 'client' } },
    })
  const buildServer = () =>
    build({
      root: dir,
      configFile: false,
      logLevel: 'silent',
      resolve: { alias: appAliases(dir) },
      plugins: [chaincut({ report: 'html' }), capture],
      build: { outDir: 'dist/server', minify: false, ssr: 'src/entry-server.ts' },
    })
  const moduleOf = (env: string, suffix: string): AuditModule => {
    const found = data.environments[env]!.modules.find((m) => m.id.endsWith(suffix))
    if (!found) throw new Error(`no ${suffix} in ${env}`)
    return found
  }

  beforeAll(async () => {
    dir = writeApp()
    writeFileSync(join(dir, 'src/points/audit.ts'), AUDIT_MODULE)
    writeFileSync(join(dir, 'src/points/locales.ts'), `export const readLocale = (locale: string) => locale\n`)
    writeFileSync(join(dir, 'src/entry-client.ts'), entry('client'))
    writeFileSync(join(dir, 'src/entry-server.ts'), entry('server'))
    await buildClient()
    await buildServer()
    file = join(dir, DEFAULT_HTML_REPORT)
    data = readAuditHtml(file)!
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS })
    page = await browser.newPage({ viewport: { width: 1500, height: 1000 } })
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message())
      void dialog.dismiss()
    })
    page.on('pageerror', (error) => pageErrors.push(error.message))
  }, 240_000)

  afterAll(async () => {
    await browser?.close()
    if (dir && !process.env.KEEP_TMP) rmSync(dir, { recursive: true, force: true })
  })

  describe('the data the page is built from', () => {
    it("is written to node_modules/.cache/chaincut/report.html for report: 'html', with both builds' environments", () => {
      expect(existsSync(file)).toBe(true)
      expect(Object.keys(data.environments).sort()).toEqual(['client', 'ssr'])
      expect(data.environments.client!.side).toBe('client')
      expect(data.environments.ssr!.side).toBe('server')
      expect(data.environments.client!.bundler).toBe('vite')
      expect(data.root).toBe(dir)
    })

    it('keeps the text of the modules chaincut changed, and lists the unchanged ones without it', () => {
      const client = data.environments.client!
      const ideas = moduleOf('client', 'src/points/ideas.ts')
      expect(ideas.source && data.texts[ideas.source]).toBe(readFileSync(join(dir, 'src/points/ideas.ts'), 'utf8'))
      const unchanged = client.modules.filter((m) => !m.cuts.length && !m.desugared.length && !m.removedImports.length && !m.removedDeclarations.length && !m.folded?.length)
      expect(unchanged.length).toBeGreaterThan(0)
      for (const m of unchanged) expect(m.source, m.id).toBeUndefined()
      // one copy of a text both sides changed
      expect(moduleOf('ssr', 'src/points/ideas.ts').source).toBe(ideas.source)
    })

    it("gives each side's output as the original with its edits applied, exactly what the bundler received", () => {
      let checked = 0
      for (const [env, e] of Object.entries(data.environments)) {
        for (const m of e.modules) {
          if (!m.source) continue
          const output = m.output ? data.texts[m.output]! : applyEdits(data.texts[m.source]!, m.edits ?? [])
          expect(output, `${env} ${m.id}`).toBe(received[env]![m.id])
          checked++
        }
      }
      expect(checked).toBeGreaterThanOrEqual(7)
    })

    it('places every cut, "not a chain", unknown and finding at its line and column in the original', () => {
      let cuts = 0
      let notChains = 0
      let findings = 0
      for (const [env, e] of Object.entries(data.environments)) {
        for (const m of e.modules) {
          const text = m.source ? data.texts[m.source]! : readFileSync(m.id, 'utf8')
          for (const c of m.cuts) {
            expect(text.slice(offsetOf(text, c.line, c.column)).startsWith(c.method), `${env} ${m.id} cut .${c.method} at ${c.line}:${c.column}`).toBe(true)
            cuts++
          }
          for (const n of [...m.notChains, ...m.unknowns]) {
            expect(text.slice(offsetOf(text, n.line, n.column)).startsWith(n.method), `${env} ${m.id} .${n.method} at ${n.line}:${n.column}`).toBe(true)
            notChains++
          }
          for (const f of m.findings) {
            // the frame marks the finding's line: the same text as the original's line
            const marked = f.frame.split('\n').find((l) => l.startsWith('>'))!
            expect(marked.replace(/^>\s*\d+\s\|\s?/, ''), `${env} ${m.id} ${f.code}`).toBe(lineOf(text, f.line))
            findings++
          }
          for (const r of m.removedImports) expect(lineOf(text, r.line)).toContain(r.source)
          for (const r of m.removedDeclarations) expect(lineOf(text, r.line)).toContain(r.name)
          for (const d of m.desugared) expect(lineOf(text, d.line)).toContain(d.type)
          for (const f of m.folded ?? []) expect(lineOf(text, f.line)).toContain(f.expression.slice(0, 10))
        }
      }
      expect(cuts).toBeGreaterThanOrEqual(15)
      expect(notChains).toBeGreaterThanOrEqual(1)
      expect(findings).toBeGreaterThanOrEqual(1)
      const audit = moduleOf('client', 'src/points/audit.ts')
      expect(audit.notChains).toEqual([expect.objectContaining({ method: 'loader', line: 12, reason: 'an object literal' })])
      expect(audit.findings.map((f) => [f.code, f.line])).toEqual([['W_EXPORTED_DATA_IN_CUT', 5]])
      expect(audit.cuts.map((c) => [c.method, c.line, c.rule, c.family])).toEqual([['loader', 5, 'args', 'point0']])
    })

    it("holds the server code in the client's cut spans, and none of it in the client output", () => {
      const ideas = moduleOf('client', 'src/points/ideas.ts')
      const text = data.texts[ideas.source!]!
      const output = applyEdits(text, ideas.edits!)
      const removed = ideas.edits!.filter((e) => e[2] !== 'desugar').map((e) => text.slice(e[0], e[1])).join('\n')
      const inApp = SECRETS.filter((s) => text.includes(s))
      expect(inApp.length).toBeGreaterThanOrEqual(3)
      for (const secret of inApp) {
        expect(removed, secret).toContain(secret)
        expect(output, secret).not.toContain(secret)
      }
      // the loader's cut: its arguments, a 'cut' edit inside the call
      const loader = ideas.cuts.find((c) => c.method === 'loader')!
      const at = offsetOf(text, loader.line, loader.column) + 'loader('.length
      expect(ideas.edits!.some((e) => e[2] === 'cut' && e[0] === at)).toBe(true)
    })
  })

  describe('the page in Chromium', () => {
    it('opens on the summary: environments, families, findings, and the module list', async () => {
      await page.goto(pathToFileURL(file).href)
      await page.waitForSelector('body[data-ready=home]', { state: 'attached' })
      expect(await page.textContent('#environments')).toContain('ssr')
      expect(await page.textContent('#families')).toContain('point0')
      expect(await page.textContent('#findings')).toContain('W_EXPORTED_DATA_IN_CUT')
      expect(await page.locator('#module-list tr.module-row').count()).toBe(new Set(Object.values(data.environments).flatMap((e) => e.modules.map((m) => m.id))).size)
    })

    it('searches a module and opens its page', async () => {
      await page.fill('#search', 'points/aud')
      await expect.poll(() => page.locator('#module-list tr.module-row').count()).toBe(1)
      await page.click('#module-list tr.module-row a')
      await page.waitForSelector('body[data-ready=module]', { state: 'attached' })
      expect(await page.textContent('h2')).toBe('src/points/audit.ts')
      // the original, the client output and the server output side by side
      expect(await page.locator('.col').evaluateAll((cols) => cols.map((c) => c.getAttribute('data-column')))).toEqual(['original', 'client', 'ssr'])
    })

    it('shows a "not a chain" call with its proof, under its line', async () => {
      const note = page.locator('.note.n-not')
      await expect.poll(() => note.count()).toBeGreaterThan(0)
      expect(await note.first().textContent()).toContain('not a chain: an object literal')
      expect(await note.first().getAttribute('data-line')).toBe('12')
      expect(await page.textContent('#decisions')).toContain('not a chain: an object literal')
    })

    it('highlights a known cut span on the client side, and its text is not in the client column', async () => {
      await page.goto(pathToFileURL(file).href + '#/')
      await page.waitForSelector('body[data-ready=home]', { state: 'attached' })
      await page.fill('#search', 'points/ideas')
      await page.click('#module-list tr.module-row a')
      await page.waitForSelector('body[data-ready=module]', { state: 'attached' })
      const cut = 'charge(5)'
      const highlighted = await page.locator('[data-column=original] .m-cut.side-client').allTextContents()
      expect(highlighted.join('')).toContain(cut)
      expect(highlighted.join('')).toContain('hashPasswordServerOnly')
      const client = (await page.textContent('[data-column=client] .code'))!
      expect(client).toContain('.loader(')
      expect(client).not.toContain(cut)
      for (const secret of SECRETS) expect(client, secret).not.toContain(secret)
      // where the cut was, marked in the client column
      expect(await page.locator('[data-column=client] .pt.k-cut').count()).toBeGreaterThan(0)
      // the server keeps it
      expect(await page.textContent('[data-column=ssr] .code')).toContain(cut)
    })

    it('links a finding to its line', async () => {
      await page.goto(pathToFileURL(file).href + '#/')
      await page.waitForSelector('body[data-ready=home]', { state: 'attached' })
      const link = page.locator('#findings tr.finding', { hasText: 'W_EXPORTED_DATA_IN_CUT' }).locator('a')
      expect(await link.getAttribute('href')).toMatch(/^#\/m\/\d+\/L5$/)
      await link.click()
      await page.waitForSelector('body[data-ready=module]', { state: 'attached' })
      const line = page.locator('#L5')
      expect(await line.getAttribute('class')).toContain('hit')
      expect(await line.textContent()).toContain('config.apiKey')
      expect(await page.locator('.note.n-finding[data-line="5"]').textContent()).toContain('W_EXPORTED_DATA_IN_CUT')
    })

    it(`escapes the code it shows: ${EVIL} is text`, async () => {
      const html = readFileSync(file, 'utf8')
      expect(html).not.toContain('<img')
      expect(html.split('</script>').length - 1).toBe(3)
      await page.goto(pathToFileURL(file).href + '#/')
      await page.waitForSelector('body[data-ready=home]', { state: 'attached' })
      await page.fill('#search', 'points/audit')
      await page.click('#module-list tr.module-row a')
      await page.waitForSelector('body[data-ready=module]', { state: 'attached' })
      expect(await page.textContent('[data-column=original] .code')).toContain(`export const evil = '${EVIL} $& $\\''`)
      expect(await page.textContent('[data-column=client] .code')).toContain(EVIL)
      expect(await page.evaluate(() => document.querySelectorAll('img').length)).toBe(0)
      expect(await page.evaluate(() => document.querySelectorAll('script').length)).toBe(3)
      expect(dialogs).toEqual([])
      expect(pageErrors).toEqual([])
    })
  })

  it('a client build again replaces the client environment and keeps the SSR one', async () => {
    const before = data
    writeFileSync(join(dir, 'src/points/audit.ts'), AUDIT_MODULE.replace("'q')", "'q2')"))
    await buildClient()
    const after = readAuditHtml(file)!
    expect(Object.keys(after.environments).sort()).toEqual(['client', 'ssr'])
    expect(after.environments.ssr).toEqual(before.environments.ssr)
    expect(after.environments.client!.builtAt).not.toBe(before.environments.client!.builtAt)
    const audit = after.environments.client!.modules.find((m) => m.id.endsWith('src/points/audit.ts'))!
    expect(after.texts[audit.source!]).toContain("'q2'")
    // the SSR build's texts are still there
    for (const m of after.environments.ssr!.modules) if (m.source) expect(after.texts[m.source], m.id).toBeDefined()
  }, 120_000)
})

describe('the audit of a build that fails', () => {
  let dir: string
  beforeAll(() => {
    dir = writeApp()
    writeFileSync(join(dir, 'src/leak.ts'), `import { db } from './server/db.server'\nexport const show = () => db.url\n`)
    writeFileSync(join(dir, 'src/computed.ts'), `import { root } from './lib/root'\n\nexport const bad = root.lets('GET', '/x')\n  ['loader'](() => 'COMPUTED_SECRET')\n  .action()\n`)
  })
  afterAll(() => {
    if (dir && !process.env.KEEP_TMP) rmSync(dir, { recursive: true, force: true })
  })
  const failing = (entryText: string, report: string) => {
    writeFileSync(join(dir, 'src/entry-client.ts'), entryText)
    return build({
      root: dir,
      configFile: false,
      logLevel: 'silent',
      resolve: { alias: appAliases(dir) },
      plugins: [chaincut({ report })],
      build: { outDir: 'dist/client', minify: false, lib: { entry: 'src/entry-client.ts', formats: ['es'], fileName: 'client' } },
    }).then(() => null, (e: Error) => e)
  }

  it('records the import guard decisions, with the chain of importers', async () => {
    const error = await failing(`import { show } from './leak'\nexport const x = show\n`, 'audit/guard.html')
    expect(error?.message).toContain('E_GUARD')
    const data = readAuditHtml(join(dir, 'audit/guard.html'))!
    const [decision] = data.environments.client!.guard
    expect(decision).toMatchObject({ level: 'error', side: 'client', importer: join(dir, 'src/leak.ts'), source: './server/db.server', line: 1 })
    // from the entry to the import as written (denied by its specifier, before it was resolved)
    expect(decision!.chain).toEqual([join(dir, 'src/entry-client.ts'), join(dir, 'src/leak.ts'), './server/db.server'])
    expect(data.environments.client!.errors.guard).toBe(1)
  })

  it("records an asset the bundle makes of a server-only file, refused after the build's end", async () => {
    writeFileSync(join(dir, 'src/style.css'), `body {\n  background: url(./server/db.server.ts);\n}\n`)
    writeFileSync(join(dir, 'index.html'), `<!doctype html><script type="module" src="/src/entry-client.ts"></script>\n`)
    writeFileSync(join(dir, 'src/entry-client.ts'), `import './style.css'\nexport const x = 1\n`)
    const error = await build({
      root: dir,
      configFile: false,
      logLevel: 'silent',
      plugins: [chaincut({ report: 'audit/asset.html' })],
      build: { outDir: 'dist/web', assetsInlineLimit: 0 },
    }).then(() => null, (e: Error) => e)
    expect(error?.message).toContain('E_GUARD')
    const data = readAuditHtml(join(dir, 'audit/asset.html'))!
    expect(data.environments.client!.guard).toEqual([expect.objectContaining({ level: 'error', importer: join(dir, 'src/style.css'), line: 2 })])
  })

  it('keeps a module whose findings stopped the build, with its text and the findings', async () => {
    const error = await failing(`import { bad } from './computed'\nexport const x = bad\n`, 'audit/failed.html')
    expect(error?.message).toContain('E_COMPUTED_SEGMENT')
    const data = readAuditHtml(join(dir, 'audit/failed.html'))!
    const failed = data.environments.client!.modules.find((m) => m.failed)!
    expect(failed.id).toBe(join(dir, 'src/computed.ts'))
    expect(failed.findings.map((f) => [f.level, f.code, f.line])).toEqual([['error', 'E_COMPUTED_SEGMENT', 4]])
    expect(data.texts[failed.source!]).toContain('COMPUTED_SECRET')
    expect(data.environments.client!.errors).toMatchObject({ modules: 1, findings: 1 })
  })
})

describe('where the audit may be written', () => {
  let dir: string
  beforeAll(() => {
    dir = writeApp()
    mkdirSync(join(dir, 'public'), { recursive: true })
  })
  afterAll(() => {
    if (dir && !process.env.KEEP_TMP) rmSync(dir, { recursive: true, force: true })
  })

  const viteBuild = (report: string, extra: Record<string, unknown> = {}) =>
    build({
      root: dir,
      configFile: false,
      logLevel: 'silent',
      resolve: { alias: appAliases(dir) },
      plugins: [chaincut({ report })],
      build: { outDir: 'dist/client', emptyOutDir: true, minify: false, lib: { entry: 'src/entry-client.ts', formats: ['es'], fileName: 'client' }, ...extra },
    })

  it("refuses the client's Vite build.outDir, naming the path, the folder and what to write instead", async () => {
    const error = await viteBuild('dist/client/chaincut-report.html').then(() => null, (e: Error) => e)
    expect(error).not.toBeNull()
    expect(error!.message).toContain('dist/client/chaincut-report.html')
    expect(error!.message).toContain('inside dist/client (Vite build.outDir of the client environment)')
    expect(error!.message).toContain("report: 'node_modules/.cache/chaincut/report.html'")
    expect(existsSync(join(dir, 'dist/client/chaincut-report.html'))).toBe(false)
  })

  it("refuses Vite's publicDir", async () => {
    const error = await viteBuild('public/audit.html').then(() => null, (e: Error) => e)
    expect(error?.message).toContain("inside public (Vite's publicDir")
    expect(existsSync(join(dir, 'public/audit.html'))).toBe(false)
  })

  it("writes beside them, and in the SSR build's own folder", async () => {
    await viteBuild('audit/client.html')
    expect(readAuditHtml(join(dir, 'audit/client.html'))?.environments.client).toBeDefined()
    await build({
      root: dir,
      configFile: false,
      logLevel: 'silent',
      resolve: { alias: appAliases(dir) },
      plugins: [chaincut({ report: 'dist/server/audit.html' })],
      build: { outDir: 'dist/server', minify: false, ssr: 'src/entry-server.ts' },
    })
    expect(readAuditHtml(join(dir, 'dist/server/audit.html'))?.environments.ssr).toBeDefined()
  })

  it("refuses esbuild's outdir of the client build", async () => {
    const report = join(dir, 'out-esbuild/audit.html')
    const error = await esbuild({
      absWorkingDir: dir,
      entryPoints: [join(dir, 'src/lib/root.ts')],
      bundle: true,
      write: false,
      outdir: 'out-esbuild',
      logLevel: 'silent',
      platform: 'browser',
      external: ['@point0/core'],
      plugins: [chaincutEsbuild({ report })],
    }).then(() => null, (e: Error) => e)
    expect(error?.message).toContain('esbuild outdir of the client build')
    expect(existsSync(report)).toBe(false)
  })

  it("refuses Rollup's output.dir of the client build, and writes the audit once the output is known", async () => {
    const plain = join(dir, 'plain.js')
    writeFileSync(plain, `export const x = 1\n`)
    const inside = join(dir, 'out-rollup/audit.html')
    let bundle = await rollup({ input: plain, plugins: [chaincutRollup({ side: 'client', report: inside })] })
    const error = await bundle.write({ dir: join(dir, 'out-rollup') }).then(() => null, (e: Error) => e)
    await bundle.close()
    expect(error?.message).toContain('Rollup output.dir of the client build')
    expect(existsSync(inside)).toBe(false)

    const outside = join(dir, 'audit/rollup.html')
    bundle = await rollup({ input: join(dir, 'src/lib/root.ts'), external: ['@point0/core'], plugins: [chaincutRollup({ side: 'client', report: outside })] })
    // the build ended, the output folder is not known yet: not written
    expect(existsSync(outside)).toBe(false)
    await bundle.write({ dir: join(dir, 'out-rollup') })
    await bundle.close()
    expect(readAuditHtml(outside)?.environments.client?.bundler).toBe('rollup')
  })

  it("refuses webpack's output.path of the client build", () => {
    writeFileSync(join(dir, 'plain.js'), `export const x = 1\n`)
    const report = join(dir, 'out-webpack/audit.html')
    expect(() =>
      webpack({ mode: 'production', context: dir, entry: join(dir, 'plain.js'), target: 'web', output: { path: join(dir, 'out-webpack') }, plugins: [chaincutWebpack({ report })] }),
    ).toThrow(/webpack output\.path of the client build/)
  })
})

describe('the report option and the audit data', () => {
  it("takes 'html' and paths ending in .html as the HTML audit, and refuses .htm", () => {
    expect(reportFile('html')).toEqual({ kind: 'html', path: 'node_modules/.cache/chaincut/report.html' })
    expect(reportFile('out/Audit.HTML')).toEqual({ kind: 'html', path: 'out/Audit.HTML' })
    expect(reportFile('chaincut-report.json')).toEqual({ kind: 'json', path: 'chaincut-report.json' })
    expect(reportFile(true)).toBeNull()
    expect(() => validateOptions({ report: 'audit.htm' })).toThrow(/ending in \.html.*did you mean `audit\.html`/)
    expect(() => validateOptions({ report: '  ' })).toThrow(/report must be/)
  })

  it('merges over the file already there: an environment built again replaces its own, the texts follow', () => {
    const env = (name: string, text: string) => ({
      side: name === 'client' ? ('client' as const) : ('server' as const),
      bundler: 'vite',
      builtAt: name,
      summary: { environment: name, modules: 1, transformed: 1, segmentsCut: 0, byMethod: {}, importsRemoved: 0, declarationsRemoved: 0, findings: 0, cached: 0, time: 0 },
      errors: { modules: 0, findings: 0, guard: 0 },
      modules: [{ id: '/app/a.ts', side: 'client' as const, cuts: [], desugared: [], removedImports: [], removedDeclarations: [], findings: [], notChains: [], unknowns: [], families: [], dependencies: [], resolutions: [], time: 0, source: text, edits: [] }],
      guard: [],
    })
    const base = { generatedBy: 'chaincut' as const, kind: 'audit' as const, format: 1 as const, root: '/app' }
    const previous: AuditData = { ...base, environments: { client: env('client', 'old'), ssr: env('ssr', 'kept') }, texts: { old: 'old text', kept: 'kept text' } }
    const current: AuditData = { ...base, environments: { client: env('client', 'new') }, texts: { new: 'new text' } }
    const merged = mergeAudit(previous, current)
    expect(Object.keys(merged.environments)).toEqual(['client', 'ssr'])
    expect(merged.environments.client!.modules[0]!.source).toBe('new')
    expect(merged.texts).toEqual({ new: 'new text', kept: 'kept text' })
    // the page round-trips the data (the reports and the texts apart, compressed)
    const dir = join(ROOT, '.tmp')
    mkdirSync(dir, { recursive: true })
    const html = join(dir, `audit-roundtrip-${process.pid}.html`)
    writeFileSync(html, renderAuditHtml(merged))
    expect(readAuditHtml(html)).toEqual(merged)
    rmSync(html)
  })
})

describe('chaincut report (the CLI)', () => {
  let dir: string
  const run = promisify(execFile)
  const cli = async (args: string[]) => {
    try {
      const { stdout, stderr } = await run(process.execPath, [join(ROOT, 'dist/cli.js'), ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } })
      return { code: 0, stdout, stderr }
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string }
      return { code: e.code, stdout: e.stdout, stderr: e.stderr }
    }
  }
  beforeAll(() => {
    dir = writeApp()
    writeFileSync(join(dir, 'src/points/audit.ts'), AUDIT_MODULE)
    writeFileSync(join(dir, 'src/points/locales.ts'), `export const readLocale = (locale: string) => locale\n`)
  })
  afterAll(() => {
    if (dir && !process.env.KEEP_TMP) rmSync(dir, { recursive: true, force: true })
  })

  it('analyses both sides of the files and writes the audit', async () => {
    const result = await cli(['report', '--html', 'audit/report.html', '--no-config', 'src/**/*.ts'])
    expect(result.stderr).toBe('')
    expect(result.stdout).toContain('audit written to audit/report.html')
    const data = readAuditHtml(join(dir, 'audit/report.html'))!
    expect(Object.keys(data.environments)).toEqual(['client', 'server'])
    expect(data.environments.client!.bundler).toBe('cli')
    const audit = data.environments.client!.modules.find((m) => m.id.endsWith('src/points/audit.ts'))!
    expect(audit.notChains.map((n) => n.reason)).toEqual(['an object literal'])
    expect(applyEdits(data.texts[audit.source!]!, audit.edits!)).not.toContain('config.apiKey)')
  })

  it("refuses the Vite config's build.outDir and publicDir", async () => {
    writeFileSync(join(dir, 'vite.config.mjs'), `export default { build: { outDir: 'web' } }\n`)
    try {
      const result = await cli(['report', '--html', 'web/audit.html', 'src/**/*.ts'])
      expect(result.code).toBe(2)
      expect(result.stderr).toContain('inside web (Vite build.outDir of vite.config.mjs)')
      expect(existsSync(join(dir, 'web/audit.html'))).toBe(false)
      const pub = await cli(['report', '--html', 'public/a.html', 'src/**/*.ts'])
      expect(pub.stderr).toContain('Vite publicDir')
    } finally {
      rmSync(join(dir, 'vite.config.mjs'))
    }
  })
})
