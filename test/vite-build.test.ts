/**
 * A real `vite build` of a small app, client and SSR, into a temp folder: the
 * client files (JS and source maps) hold none of the app's secrets, the
 * server files hold all of them, and every chain has the same calls in the
 * same order when each bundle runs.
 */
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { build } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import chaincut from '../dist/vite.js'
import { SECRETS, appAliases, writeApp } from './app-fixture.js'

function readAll(dir: string, filter = /\.(js|mjs|map)$/): Record<string, string> {
  const out: Record<string, string> = {}
  const visit = (d: string) => {
    for (const entry of readdirSync(d)) {
      const full = join(d, entry)
      if (statSync(full).isDirectory()) visit(full)
      else if (filter.test(entry)) out[full] = readFileSync(full, 'utf8')
    }
  }
  visit(dir)
  return out
}

async function runBundle(file: string, side: 'client' | 'server') {
  ;(globalThis as any).__chaincutCalls = undefined
  ;(globalThis as any).__chaincutServer = side === 'server'
  const mod = await import(pathToFileURL(file).href + `?t=${Date.now()}`)
  return { summary: mod.summary, calls: JSON.parse(JSON.stringify(mod.calls)) as Array<{ type: string; name: string; calls: string[] }> }
}

describe('vite build (client and SSR) of an app with point0 and TailorKit chains', () => {
  let dir: string
  let client: Record<string, string>
  let server: Record<string, string>

  beforeAll(async () => {
    dir = writeApp()
    const shared = {
      root: dir,
      configFile: false as const,
      logLevel: 'silent' as const,
      resolve: { alias: appAliases(dir) },
      plugins: [chaincut({ report: join(dir, 'chaincut-report.json') })],
    }
    await build({
      ...shared,
      build: {
        outDir: 'dist/client',
        sourcemap: true,
        minify: false,
        lib: { entry: 'src/entry-client.ts', formats: ['es'], fileName: 'client' },
      },
    })
    await build({
      ...shared,
      build: { outDir: 'dist/server', sourcemap: true, minify: false, ssr: 'src/entry-server.ts' },
    })
    client = readAll(join(dir, 'dist/client'))
    server = readAll(join(dir, 'dist/server'))
  })

  afterAll(() => {
    if (dir && !process.env.KEEP_TMP) rmSync(dir, { recursive: true, force: true })
  })

  it('writes a client bundle and its source map', () => {
    expect(Object.keys(client).some((f) => /\.m?js$/.test(f))).toBe(true)
    expect(Object.keys(client).some((f) => f.endsWith('.map'))).toBe(true)
  })

  for (const secret of SECRETS) {
    it(`keeps ${secret} out of every client file, maps included`, () => {
      for (const [file, text] of Object.entries(client)) expect(text, file).not.toContain(secret)
    })
    it(`keeps ${secret} in the server bundle`, () => {
      expect(Object.values(server).some((text) => text.includes(secret))).toBe(true)
    })
  }

  it('leaves the server-only module out of the client graph', () => {
    for (const [file, text] of Object.entries(client)) {
      if (file.endsWith('.map')) expect(JSON.parse(text).sources.join(' ')).not.toContain('db.server')
    }
  })

  it('constructs every chain in both bundles with the same calls in the same order', async () => {
    const clientRun = await runBundle(Object.keys(client).find((f) => /client\.m?js$/.test(f))!, 'client')
    const serverFile = Object.keys(server).find((f) => /entry-server\.m?js$/.test(f))!
    const serverRun = await runBundle(serverFile, 'server')
    expect(clientRun.summary).toEqual(serverRun.summary)
    expect(clientRun.calls.length).toBeGreaterThanOrEqual(8)
    expect(clientRun.calls).toEqual(serverRun.calls)
    // the desugared short form carries its inferred name on both sides
    expect(clientRun.calls.map((c) => c.name)).toEqual(expect.arrayContaining(['root', 'ideaUpdate', 'idea']))
  })

  it('writes the JSON report with the client cuts', () => {
    const report = JSON.parse(readFileSync(join(dir, 'chaincut-report.json'), 'utf8'))
    const modules = Object.values(report.environments).flat() as Array<{ side: string; cuts: Array<{ method: string }> }>
    const clientCuts = modules.filter((m) => m.side === 'client').flatMap((m) => m.cuts.map((c) => c.method))
    expect(clientCuts).toEqual(expect.arrayContaining(['loader', 'ctx', 'body', 'middleware', 'handler', 'action']))
  })
})

// Vite's build without `build.sourcemap` gets no transform maps from chaincut (nothing reads
// them); an output that asks for maps anyway (Vite warns, and writes them) still gets them, blanked.
describe('vite build: source maps asked for by the output, not by build.sourcemap', () => {
  let dir: string
  const builds: Record<string, Record<string, string>> = {}

  beforeAll(async () => {
    dir = writeApp()
    for (const [name, output] of [['off', {}], ['output', { sourcemap: true }]] as const) {
      await build({
        root: dir,
        configFile: false,
        logLevel: 'silent',
        resolve: { alias: appAliases(dir) },
        plugins: [chaincut({ report: false, cache: false })],
        build: {
          outDir: `dist/${name}`,
          sourcemap: false,
          minify: false,
          rolldownOptions: { output },
          lib: { entry: 'src/entry-client.ts', formats: ['es'], fileName: 'client' },
        },
      })
      builds[name] = readAll(join(dir, `dist/${name}`))
    }
  })

  afterAll(() => {
    if (dir && !process.env.KEEP_TMP) rmSync(dir, { recursive: true, force: true })
  })

  it('writes no map without one asked for, and one when the output asks', () => {
    expect(Object.keys(builds.off!).filter((f) => f.endsWith('.map'))).toEqual([])
    expect(Object.keys(builds.output!).some((f) => f.endsWith('.map'))).toBe(true)
  })

  it('keeps every secret out of both builds, maps included', () => {
    for (const files of Object.values(builds)) {
      for (const [file, text] of Object.entries(files)) for (const secret of SECRETS) expect(text, file).not.toContain(secret)
    }
  })

  it('builds the same client code either way', async () => {
    const code = (files: Record<string, string>) => Object.entries(files).find(([f]) => /client\.m?js$/.test(f))![1].replace(/\n\/\/# sourceMappingURL=.*\n?$/, '')
    expect(code(builds.output!).trim()).toBe(code(builds.off!).trim())
    const run = await runBundle(Object.keys(builds.off!).find((f) => /client\.m?js$/.test(f))!, 'client')
    expect(run.calls.length).toBeGreaterThanOrEqual(8)
  })
})
