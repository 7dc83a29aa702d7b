/**
 * Shared by the bundler tests (Rollup, Rolldown, webpack, Rspack, esbuild):
 * the app of `app-fixture.ts` plus a module that reaches its point0 root and
 * TailorKit builder only through `~app/*`, an alias that exists in the
 * bundler's config alone (no tsconfig), so chaincut can only follow it with
 * the bundler's own resolver. `describeAppBuild` holds the assertions every
 * bundler must pass, the same ones `vite-build.test.ts` makes for Vite.
 */
import { readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SECRETS, appAliases, writeApp } from './app-fixture.js'

/** Strings only the module behind the bundler-only alias uses, all in server-only segments. */
export const ALIASED_SECRETS = ['aliasedLoaderSecret_K2', 'aliasedPageSecret_P3', 'aliasedHandlerSecret_H4', 'jobsServerSecret_J5']

const extraFiles: Record<string, string> = {
  // every head here is imported through `~app/*`, which only the bundler knows
  'src/points/aliased.ts': `
import { root } from '~app/lib/root'
import { apiBase } from '~app/lib'
import { action } from '~app/actions'
import { db } from '../server/db.server'
import { jobs } from '../server/jobs.server'

export const aliasedAction = root.lets('POST', '/api/aliased').loader(() => ({ k: 'aliasedLoaderSecret_K2', db: db.url })).action()
export const aliasedPage = apiBase.lets.page('/aliased').loader(() => 'aliasedPageSecret_P3').page(() => 'page')
export const aliasedTk = action.input({}).handler(() => 'aliasedHandlerSecret_H4' + db.table)
// chaincut looks \`jobs\` up (it heads a call chain) in a server-only module whose import the client
// build then drops: the lookup goes through the bundler's resolver but must not trip the import guard
export const jobAction = root.lets('POST', '/api/jobs').loader(() => jobs.input(1).handler(() => 'x')).action()
`,
  'src/server/jobs.server.ts': `
export const jobs = { input: (_: unknown) => jobs, handler: (f: () => string) => f() + 'jobsServerSecret_J5' }
`,
  'src/bundle-client.ts': `
export { summary, calls } from './entry-client'
export { aliasedAction, aliasedPage, aliasedTk, jobAction } from './points/aliased'
`,
  'src/bundle-server.ts': `
export { summary, calls } from './entry-server'
export { aliasedAction, aliasedPage, aliasedTk, jobAction } from './points/aliased'
`,
}

/** Writes the app into a temp folder; entries are `src/bundle-client.ts` and `src/bundle-server.ts`. */
export function writeBundlerApp(): string {
  const dir = writeApp()
  for (const [file, text] of Object.entries(extraFiles)) writeFileSync(join(dir, file), text.trimStart())
  return dir
}

/** The app's aliases plus `~app` → `src`, as a `find → replacement` record (longest first). */
export function bundlerAliases(dir: string): Record<string, string> {
  const out: Record<string, string> = { '~app': join(dir, 'src') }
  for (const { find, replacement } of appAliases(dir)) out[find] = replacement
  return out
}

export function readAll(dir: string, filter = /\.(c?js|mjs|map)$/): Record<string, string> {
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

export interface ChainRun {
  summary: unknown
  calls: Array<{ type: string; name: string; calls: string[] }>
}

/** Imports a built bundle (ESM) in this process and returns what its chains recorded. */
export async function runBundle(file: string, side: 'client' | 'server'): Promise<ChainRun> {
  ;(globalThis as any).__chaincutCalls = undefined
  ;(globalThis as any).__chaincutServer = side === 'server'
  const mod = await import(pathToFileURL(file).href + `?t=${Date.now()}`)
  return { summary: mod.summary, calls: JSON.parse(JSON.stringify(mod.calls)) }
}

export interface AppBuild {
  /** output folders */
  client: string
  server?: string
  /** the ESM files to import */
  clientEntry: string
  serverEntry?: string
  /** the JSON reports the plugin wrote */
  clientReport: string
  serverReport?: string
}

type ModuleReport = { id: string; side: string; cuts: Array<{ method: string }>; findings: Array<{ code: string }>; dependencies: string[] }
const reportModules = (file: string): ModuleReport[] =>
  Object.values(JSON.parse(readFileSync(file, 'utf8')).environments as Record<string, ModuleReport[]>).flat()

/** The assertions every bundler must pass on the app of `writeBundlerApp`. */
export function describeAppBuild(name: string, build: (dir: string) => Promise<AppBuild>): void {
  describe(`${name}: client and server builds of an app with point0 and TailorKit chains`, () => {
    let dir: string
    let result: AppBuild
    let client: Record<string, string>
    let server: Record<string, string>

    beforeAll(async () => {
      dir = writeBundlerApp()
      result = await build(dir)
      client = readAll(result.client)
      server = result.server ? readAll(result.server) : {}
    })

    afterAll(() => {
      if (dir && !process.env.KEEP_TMP) rmSync(dir, { recursive: true, force: true })
    })

    it('writes a client bundle and its source map', () => {
      expect(Object.keys(client).some((f) => /\.[cm]?js$/.test(f))).toBe(true)
      expect(Object.keys(client).some((f) => f.endsWith('.map'))).toBe(true)
      // the maps embed the app's own sources (so the next test's check of them means something)
      const embedded = Object.entries(client)
        .filter(([f]) => f.endsWith('.map'))
        .flatMap(([, text]) => {
          const map = JSON.parse(text) as { sources: string[]; sourcesContent?: Array<string | null> }
          return map.sources.map((source, i) => [source, map.sourcesContent?.[i] ?? ''] as const)
        })
      const ideas = embedded.find(([source]) => source.endsWith('points/ideas.ts'))
      expect(ideas?.[1]).toContain('root.lets')
    })

    it('keeps every secret out of every client file, source maps included', () => {
      for (const secret of [...SECRETS, ...ALIASED_SECRETS]) {
        for (const [file, text] of Object.entries(client)) expect(text, `${secret} in ${file}`).not.toContain(secret)
      }
    })

    it('leaves the server-only module out of the client graph', () => {
      for (const [file, text] of Object.entries(client)) {
        expect(text, file).not.toContain('hunter2')
        if (file.endsWith('.map')) expect(JSON.parse(text).sources.join(' ')).not.toContain('db.server')
      }
    })

    it('keeps every secret in the server bundle', () => {
      if (!result.server) return
      const all = Object.entries(server)
        .filter(([f]) => !f.endsWith('.map'))
        .map(([, text]) => text)
        .join('\n')
      for (const secret of [...SECRETS, ...ALIASED_SECRETS]) expect(all, secret).toContain(secret)
    })

    it('follows heads imported through an alias only the bundler knows (no unresolved-head fallback)', () => {
      const reports = [
        { file: result.clientReport, side: 'client' },
        { file: result.serverReport, side: 'server' },
      ].filter((r): r is { file: string; side: string } => !!r.file)
      for (const { file, side } of reports) {
        const modules = reportModules(file)
        const aliased = modules.filter((m) => m.id.endsWith('points/aliased.ts'))
        expect(aliased.length, file).toBeGreaterThan(0)
        for (const m of aliased) {
          expect(m.findings.map((f) => f.code)).not.toContain('W_UNRESOLVED_HEAD')
          const deps = m.dependencies.map((d) => d.replace(/\\/g, '/'))
          // the server build cuts nothing of TailorKit's: those runs need no lookup there
          const expected = side === 'client' ? ['src/lib/root.ts', 'src/lib/base.ts', 'src/actions/builder.ts', 'src/server/jobs.server.ts'] : ['src/lib/root.ts', 'src/lib/base.ts']
          expect(deps).toEqual(expect.arrayContaining(expected.map((p) => join(dir, p).replace(/\\/g, '/'))))
        }
        // `@/lib` is a bundler alias too: the point modules trace their root through it
        for (const m of modules.filter((m) => m.id.endsWith('points/ideas.ts'))) {
          expect(m.findings.map((f) => f.code)).not.toContain('W_UNRESOLVED_HEAD')
          expect(m.dependencies.map((d) => d.replace(/\\/g, '/'))).toContain(join(dir, 'src/lib/root.ts').replace(/\\/g, '/'))
        }
      }
    })

    it('reports the client cuts', () => {
      const modules = reportModules(result.clientReport)
      expect(modules.every((m) => m.side === 'client')).toBe(true)
      const cuts = modules.flatMap((m) => m.cuts.map((c) => c.method))
      expect(cuts).toEqual(expect.arrayContaining(['loader', 'ctx', 'body', 'middleware', 'handler', 'action']))
      if (result.serverReport) expect(reportModules(result.serverReport).every((m) => m.side === 'server')).toBe(true)
    })

    it('constructs every chain when the client bundle runs, with the same calls as the server bundle', async () => {
      const clientRun = await runBundle(result.clientEntry, 'client')
      expect(clientRun.calls.length).toBeGreaterThanOrEqual(11)
      expect(clientRun.calls.map((c) => c.name)).toEqual(expect.arrayContaining(['root', 'ideaUpdate', 'idea', 'aliased']))
      if (!result.serverEntry) return
      const serverRun = await runBundle(result.serverEntry, 'server')
      expect(clientRun.summary).toEqual(serverRun.summary)
      expect(clientRun.calls).toEqual(serverRun.calls)
    })
  })
}
