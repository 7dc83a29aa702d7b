/**
 * A real `vite build` (client and SSR) of a small point0 app that server-renders:
 * its engine says `Engine.create({ ssr: true })` (in `src/engine.ts`, which no point
 * imports), and chaincut runs with its defaults, so it has to find that setting by
 * itself. The server bundle is then imported and its page rendered: the render
 * functions (`.page`, `.head`, `.loading`) are still there and produce the HTML. The
 * client bundle still has no server code. With `point0({ ssr: false })` given, the
 * server bundle loses the render functions, as before. Shared code branching on
 * point0's `env.side.is.server` keeps only its own side's branch in each bundle.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { build } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import chaincut from '../dist/vite.js'
import { point0 } from '../dist/index.js'

const DB_SECRET = 'SSR_APP_DB_SECRET_71'

// a stand-in for @point0/core (not the real framework): each point keeps the arguments of its
// segments, so the test can run a page's loader and render functions the way point0's server would
const point0Runtime = `
function builder(point) {
  return new Proxy({}, {
    get(_, prop) {
      if (prop === 'then') return undefined
      if (prop === 'point') return point
      if (prop === 'lets') return lets()
      return (...args) => { point.segments[String(prop)] = args; return builder(point) }
    },
  })
}
function lets() {
  const open = (type, name, route) => builder({ type: String(type), name: String(name), route, segments: {} })
  return new Proxy(open, { get(_, prop) { throw new Error('lets.' + String(prop) + ' needs the compiler') } })
}
export const Point0 = { lets: lets() }
// point0's env helper, read at run time (chaincut folds env.side per side at build time)
export const env = { side: { is: { server: typeof window === 'undefined', client: typeof window !== 'undefined' } } }
`

const files: Record<string, string> = {
  // a point0 app: its package.json names the engine, which is where chaincut looks for `ssr`
  'package.json': JSON.stringify({ name: 'chaincut-ssr-app', private: true, type: 'module', dependencies: { '@point0/core': '*', '@point0/engine': '*' } }, null, 2),
  'node_modules/@point0/core/package.json': JSON.stringify({ name: '@point0/core', version: '1.0.0', type: 'module', main: 'index.js' }),
  'node_modules/@point0/core/index.js': point0Runtime,
  'node_modules/@point0/engine/package.json': JSON.stringify({ name: '@point0/engine', version: '1.0.0', type: 'module', main: 'index.js' }),
  'node_modules/@point0/engine/index.js': `export const Engine = { create: (options) => ({ options }) }\n`,
  // as point0's create-app template writes it
  'src/engine.ts': `import { Engine } from '@point0/engine'

export const engine = Engine.create({
  file: import.meta.url,
  ssr: true,
  server: { scope: 'root', entry: { main: './index.server.ts' } },
  client: { scope: 'root', indexHtml: './index.html' },
})
`,
  'src/lib/root.ts': `import { Point0 } from '@point0/core'\n\nexport const root = Point0.lets.root().root()\n`,
  'src/lib/db.server.ts': `export const db = {\n  idea: async (id: string) => ({ id, title: 'Idea #' + id, owner: '${DB_SECRET}' }),\n  count: async () => 7,\n}\n`,
  // shared code with a server branch: folded per side, the branch and its import leave the client
  'src/lib/stats.ts': `import { env } from '@point0/core'
import { db } from './db.server'

export async function ideaCount(): Promise<number> {
  if (env.side.is.server) {
    return db.count()
  } else {
    return fetch('/api/ideas/count').then((r) => r.json())
  }
}
`,
  'src/ui/idea-view.ts': `export const IdeaView = ({ idea }: { idea: { id: string; title: string } }) =>\n  '<article data-id="' + idea.id + '"><h1>' + idea.title + '</h1></article>'\n`,
  'src/ui/spinner.ts': `export const Spinner = () => '<p class="spinner">Loading idea…</p>'\n`,
  'src/pages/idea.ts': `import { root } from '../lib/root'
import { db } from '../lib/db.server'
import { IdeaView } from '../ui/idea-view'
import { Spinner } from '../ui/spinner'
import { env } from '@point0/core'
import { ideaCount } from '../lib/stats'

export const ideaPage = root.lets
  .page('/ideas/:id')
  .loader(async ({ params }: { params: { id: string } }) => ({ idea: await db.idea(params.id), count: await ideaCount() }))
  .head(({ data }: any) => ({ title: data.idea.title + ' | Ideas' }))
  .loading(() => Spinner())
  .page(({ data }: any) => '<main>' + IdeaView({ idea: data.idea }) + '<footer>' + data.count + ' ideas, ' + (env.side.is.server ? 'rendered on the server' : 'rendered in the browser') + '</footer></main>')
`,
  // the server entry: renders a page as point0's server does (loader, then head and page)
  'src/entry-server.ts': `import { engine } from './engine'
import { ideaPage } from './pages/idea'

export { engine }

export async function render(url: string) {
  const point = (ideaPage as any).point
  const id = url.split('/').pop()!
  const data = await point.segments.loader[0]({ params: { id } })
  const page = point.segments.page?.[0]
  const head = point.segments.head?.[0]
  const loading = point.segments.loading?.[0]
  if (!page || !head || !loading) return { html: null, renders: Object.keys(point.segments).filter((s) => point.segments[s].length) }
  return { html: '<title>' + head({ data }).title + '</title>' + page({ data }), fallback: loading() }
}
`,
  'src/entry-client.ts': `import { ideaPage } from './pages/idea'\nimport { ideaCount } from './lib/stats'\n\nexport const point = (ideaPage as any).point\nexport { ideaCount }\n`,
}

function readAll(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const visit = (d: string) => {
    for (const entry of readdirSync(d)) {
      const full = join(d, entry)
      if (statSync(full).isDirectory()) visit(full)
      else if (/\.(m?js|map)$/.test(entry)) out[full] = readFileSync(full, 'utf8')
    }
  }
  visit(dir)
  return out
}

async function buildApp(dir: string, name: string, options: Parameters<typeof chaincut>[0] = {}) {
  const shared = { root: dir, configFile: false as const, logLevel: 'silent' as const }
  await build({
    ...shared,
    plugins: [chaincut({ report: join(dir, `report-${name}-client.json`), ...options })],
    build: { outDir: `dist/${name}/client`, sourcemap: true, minify: false, lib: { entry: 'src/entry-client.ts', formats: ['es'], fileName: 'client' } },
  })
  await build({
    ...shared,
    plugins: [chaincut({ report: join(dir, `report-${name}-server.json`), ...options })],
    build: { outDir: `dist/${name}/server`, sourcemap: true, minify: false, ssr: 'src/entry-server.ts' },
  })
  return { client: readAll(join(dir, `dist/${name}/client`)), server: readAll(join(dir, `dist/${name}/server`)) }
}

const serverEntry = (files: Record<string, string>) => Object.keys(files).find((f) => /entry-server\.m?js$/.test(f))!
const render = async (file: string, url: string) => (await import(pathToFileURL(file).href + `?t=${Date.now()}`)).render(url)

describe('vite build of a point0 app with Engine.create({ ssr: true }), chaincut with its defaults', () => {
  let dir: string
  let detected: { client: Record<string, string>; server: Record<string, string> }
  let explicit: { client: Record<string, string>; server: Record<string, string> }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chaincut-ssr-'))
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, file)), { recursive: true })
      writeFileSync(join(dir, file), text)
    }
    detected = await buildApp(dir, 'detected')
    explicit = await buildApp(dir, 'explicit', { presets: [point0({ ssr: false }), 'tailorkit'] })
  })

  afterAll(() => {
    if (dir && !process.env.KEEP_TMP) rmSync(dir, { recursive: true, force: true })
  })

  it('server-renders the page from the built server bundle: loader, head and page run, the loading fallback is there', async () => {
    const result = await render(serverEntry(detected.server), '/ideas/42')
    expect(result.html).toBe('<title>Idea #42 | Ideas</title><main><article data-id="42"><h1>Idea #42</h1></article><footer>7 ideas, rendered on the server</footer></main>')
    expect(result.fallback).toBe('<p class="spinner">Loading idea…</p>')
  })

  it('says where it read the setting: the server report names src/engine.ts', () => {
    const report = JSON.parse(readFileSync(join(dir, 'report-detected-server.json'), 'utf8'))
    const modules = Object.values(report.environments).flat() as Array<{ id: string; serverRendering?: { ssr: boolean; from: string } }>
    const page = modules.find((m) => m.id.endsWith('src/pages/idea.ts'))!
    expect(page.serverRendering?.ssr).toBe(true)
    expect(page.serverRendering?.from).toMatch(/src[\\/]engine\.ts:3$/)
  })

  it('keeps the server code out of the client bundle, maps included', () => {
    for (const [file, text] of Object.entries(detected.client)) {
      expect(text, file).not.toContain(DB_SECRET)
      expect(text, file).not.toContain('db.server')
      expect(text, file).not.toContain('db.count')
    }
    expect(Object.values(detected.client).join('\n')).toContain('Loading idea…')
    expect(Object.values(detected.server).join('\n')).toContain(DB_SECRET)
  })

  it('warns, saying what to set, when the app has no engine chaincut can read, and cuts as point0 does without ssr', async () => {
    const bare = mkdtempSync(join(tmpdir(), 'chaincut-ssr-bare-'))
    try {
      for (const [file, text] of Object.entries(files)) {
        if (file === 'src/engine.ts' || file === 'package.json') continue
        mkdirSync(dirname(join(bare, file)), { recursive: true })
        writeFileSync(join(bare, file), file === 'src/entry-server.ts' ? text.replace(/^import \{ engine \}.*\n/m, '').replace('export { engine }\n', '') : text)
      }
      await build({
        root: bare,
        configFile: false,
        logLevel: 'silent',
        plugins: [chaincut({ report: join(bare, 'report.json') })],
        build: { outDir: 'dist/server', minify: false, ssr: 'src/entry-server.ts' },
      })
      const report = JSON.parse(readFileSync(join(bare, 'report.json'), 'utf8'))
      const findings = JSON.stringify(report)
      expect(findings).toContain('W_SSR_UNKNOWN')
      expect(findings).toContain('point0({ ssr: true })')
    } finally {
      rmSync(bare, { recursive: true, force: true })
    }
  })

  it('folds env.side.is.server per side: each bundle keeps only its own branch', () => {
    const js = (files: Record<string, string>) => Object.entries(files).filter(([f]) => !f.endsWith('.map')).map(([, t]) => t).join('\n')
    expect(js(detected.client)).toContain('/api/ideas/count')
    expect(js(detected.client)).toContain('rendered in the browser')
    expect(js(detected.client)).not.toContain('rendered on the server')
    expect(js(detected.client)).not.toContain('env.side')
    expect(js(detected.server)).toMatch(/db\.count\(\)/)
    expect(js(detected.server)).toContain('rendered on the server')
    expect(js(detected.server)).not.toContain('rendered in the browser')
    expect(js(detected.server)).not.toContain('/api/ideas/count')
  })

  it('with point0({ ssr: false }) given, the server bundle loses the render functions, as before', async () => {
    const result = await render(serverEntry(explicit.server), '/ideas/42')
    expect(result.html).toBeNull()
    expect(result.renders).toEqual(['loader'])
    const text = Object.values(explicit.server).filter((_, i) => !Object.keys(explicit.server)[i].endsWith('.map')).join('\n')
    expect(text).not.toContain('Loading idea…')
    expect(text).not.toContain('<h1>')
    expect(text).toContain(DB_SECRET)
  })
})
