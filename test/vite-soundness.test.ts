/**
 * A real `vite build` (client and SSR) of an app whose chains are only found by
 * following values: a base chain continued in a module with no `.lets` and no
 * framework import, an exported helper of another module that returns a chain,
 * and a TailorKit builder exported by a package in node_modules that depends on
 * `tailorkit`. The client files (JS and source maps) hold no secret and no
 * server-only module, the server files hold every secret, every cut is proven
 * (no fail-safe warning), and both bundles construct the same chains.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { build } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import chaincut from '../dist/vite.js'
import { readAll, runBundle } from './bundler-app.js'

const SECRETS = ['SOUNDNESS_BASE_SECRET_1', 'SOUNDNESS_HELPER_SECRET_2', 'SOUNDNESS_PACKAGE_SECRET_3', 'postgres://soundness:hunter3@db.internal/app']

// stand-in runtimes (not the real frameworks): every chain records its calls, so both bundles can be compared
const point0Runtime = `
function builder(entry) {
  return new Proxy({}, {
    get(_, prop) {
      if (prop === 'then') return undefined
      if (prop === 'lets') return lets()
      return (...args) => { entry.calls.push(String(prop)); return builder(entry) }
    },
  })
}
function lets() {
  const fn = (type, ...rest) => {
    const entry = { type: String(type), name: String(rest[0]), calls: [] }
    ;(globalThis.__chaincutCalls ??= []).push(entry)
    return builder(entry)
  }
  // point0 refuses the short form without a compile step
  return new Proxy(fn, { get(_, prop) { throw new Error('lets.' + String(prop) + ' needs the compiler') } })
}
export const Point0 = { lets: lets() }
`

const tailorkitRuntime = `
function builder(entry) {
  const b = {}
  for (const m of ['context', 'input', 'output', 'handler']) b[m] = (...args) => { entry.calls.push(m); return builder(entry) }
  return b
}
export function createActions() {
  const entry = { type: 'tailorkit', name: 'actions', calls: [] }
  ;(globalThis.__chaincutCalls ??= []).push(entry)
  return builder(entry)
}
`

const pkg = (name: string, extra: Record<string, unknown> = {}) => JSON.stringify({ name, version: '1.0.0', type: 'module', main: 'index.js', ...extra }, null, 2)

const files: Record<string, string> = {
  'node_modules/@point0/core/package.json': pkg('@point0/core'),
  'node_modules/@point0/core/index.js': point0Runtime,
  'node_modules/tailorkit/package.json': pkg('tailorkit'),
  'node_modules/tailorkit/index.js': tailorkitRuntime,
  // a package that depends on tailorkit and hands the app a builder: chaincut follows it into its code
  'node_modules/@acme/actions-pkg/package.json': pkg('@acme/actions-pkg', { dependencies: { tailorkit: '^1.0.0' } }),
  'node_modules/@acme/actions-pkg/index.js': `import { createActions } from 'tailorkit'\n\nexport const action = createActions().context()\n`,
  'src/root.ts': `import { Point0 } from '@point0/core'\n\nexport const root = Point0.lets.root('main').root()\n`,
  'src/base.ts': `import { root } from './root'\n\nexport const apiBase = root.lets('GET', '/api/x')\n`,
  'src/helpers.ts': `import { root } from './root'\n\nexport function makeGet(r: string) {\n  return root.lets('GET', r)\n}\n`,
  'src/db.server.ts': `export const db = {\n  url: 'postgres://soundness:hunter3@db.internal/app',\n  q: async (secret: string) => ({ rows: [], secret }),\n}\n`,
  // no `.lets`, no framework import: every chain here is known only by following values
  'src/points.ts': `import { apiBase } from './base'
import { makeGet } from './helpers'
import { action } from '@acme/actions-pkg'
import { db } from './db.server'

export const fromBase = apiBase.loader(async () => db.q('SOUNDNESS_BASE_SECRET_1')).action()

export const fromHelper = makeGet('/api/y')
  .loader(async () => ({ rows: await db.q('SOUNDNESS_HELPER_SECRET_2'), url: db.url }))
  .action()

export const noteActions = {
  create: action.input({ body: 'string' }).handler(async ({ input }: any) => db.q('SOUNDNESS_PACKAGE_SECRET_3' + input.body)),
}
`,
  'src/entry-client.ts': `import { fromBase, fromHelper, noteActions } from './points'\nexport const summary = { points: [fromBase, fromHelper].length, actions: Object.keys(noteActions) }\nexport const calls = (globalThis as any).__chaincutCalls\n`,
  'src/entry-server.ts': `import { fromBase, fromHelper, noteActions } from './points'\nexport const summary = { points: [fromBase, fromHelper].length, actions: Object.keys(noteActions) }\nexport const calls = (globalThis as any).__chaincutCalls\n`,
}

type ModuleReport = { id: string; side: string; cuts: Array<{ method: string }>; findings: Array<{ code: string }>; dependencies: string[] }
const reportModules = (file: string): ModuleReport[] =>
  Object.values(JSON.parse(readFileSync(file, 'utf8')).environments as Record<string, ModuleReport[]>).flat()
const slash = (p: string) => p.replace(/\\/g, '/')

describe('vite build of an app whose chains are found only by following values', () => {
  let dir: string
  let client: Record<string, string>
  let server: Record<string, string>

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chaincut-soundness-'))
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, file)), { recursive: true })
      writeFileSync(join(dir, file), text)
    }
    const shared = { root: dir, configFile: false as const, logLevel: 'silent' as const }
    await build({
      ...shared,
      plugins: [chaincut({ report: join(dir, 'report-client.json') })],
      build: {
        outDir: 'dist/client',
        sourcemap: true,
        minify: false,
        lib: { entry: 'src/entry-client.ts', formats: ['es'], fileName: 'client' },
      },
    })
    await build({
      ...shared,
      plugins: [chaincut({ report: join(dir, 'report-server.json') })],
      build: { outDir: 'dist/server', sourcemap: true, minify: false, ssr: 'src/entry-server.ts' },
    })
    client = readAll(join(dir, 'dist/client'))
    server = readAll(join(dir, 'dist/server'))
  })

  afterAll(() => {
    if (dir && !process.env.KEEP_TMP) rmSync(dir, { recursive: true, force: true })
  })

  it('writes a client bundle and its source map, which embeds the app sources', () => {
    expect(Object.keys(client).some((f) => /\.m?js$/.test(f))).toBe(true)
    const maps = Object.entries(client).filter(([f]) => f.endsWith('.map'))
    expect(maps.length).toBeGreaterThan(0)
    const sources = maps.flatMap(([, text]) => JSON.parse(text).sources as string[]).join(' ')
    expect(sources).toContain('points.ts')
  })

  for (const secret of SECRETS) {
    it(`keeps ${secret} out of every client file, source maps included`, () => {
      for (const [file, text] of Object.entries(client)) expect(text, file).not.toContain(secret)
    })
    it(`keeps ${secret} in the server bundle`, () => {
      const all = Object.entries(server)
        .filter(([f]) => !f.endsWith('.map'))
        .map(([, text]) => text)
        .join('\n')
      expect(all).toContain(secret)
    })
  }

  it('leaves the server-only module out of the client graph', () => {
    for (const [file, text] of Object.entries(client)) {
      expect(text, file).not.toContain('db.server')
      expect(text, file).not.toContain('hunter3')
      if (file.endsWith('.map')) expect(JSON.parse(text).sources.join(' '), file).not.toContain('db.server')
    }
    // the server bundle does use it
    expect(Object.values(server).join('\n')).toContain('hunter3')
  })

  it('keeps every call of every chain in the client bundle', () => {
    const js = Object.entries(client)
      .filter(([f]) => !f.endsWith('.map'))
      .map(([, text]) => text)
      .join('\n')
    expect(js).toMatch(/apiBase\.loader\(\)\.action\(\)/)
    expect(js).toMatch(/makeGet\("\/api\/y"\)\s*\.loader\(\)\s*\.action\(\)/)
    expect(js).toMatch(/action\.input\(\{ body: "string" \}\)\.handler\(\)/)
  })

  it('proves every cut: no fail-safe warning, and the heads were followed into base.ts, helpers.ts and the package', () => {
    const modules = reportModules(join(dir, 'report-client.json'))
    const points = modules.filter((m) => slash(m.id).endsWith('src/points.ts'))
    expect(points.length).toBeGreaterThan(0)
    for (const m of points) {
      expect(m.side).toBe('client')
      expect(m.findings.map((f) => f.code)).toEqual([])
      expect(m.cuts.map((c) => c.method).sort()).toEqual(['handler', 'loader', 'loader'])
      const deps = m.dependencies.map(slash)
      for (const p of ['src/base.ts', 'src/helpers.ts', 'src/root.ts', 'node_modules/@acme/actions-pkg/index.js']) expect(deps, p).toContain(slash(join(dir, p)))
    }
    // no module of either build needed a fail-safe cut or raised a finding
    for (const file of ['report-client.json', 'report-server.json']) {
      for (const m of reportModules(join(dir, file))) expect(m.findings.map((f) => f.code), `${file}: ${m.id}`).toEqual([])
    }
  })

  it('constructs every chain when the client bundle runs, with the same calls as the server bundle', async () => {
    const clientRun = await runBundle(Object.keys(client).find((f) => /client\.m?js$/.test(f))!, 'client')
    const serverRun = await runBundle(Object.keys(server).find((f) => /entry-server\.m?js$/.test(f))!, 'server')
    expect(clientRun.summary).toEqual({ points: 2, actions: ['create'] })
    expect(clientRun.summary).toEqual(serverRun.summary)
    // the server bundle imports the packages it leaves external before its own code runs: compare regardless of order
    const sorted = (calls: typeof clientRun.calls) => calls.map((c) => JSON.stringify(c)).sort()
    expect(sorted(clientRun.calls)).toEqual(sorted(serverRun.calls))
    expect(clientRun.calls.map((c) => c.calls.join('.'))).toEqual(
      expect.arrayContaining(['root', 'loader.action', 'context.input.handler']),
    )
  })
})
