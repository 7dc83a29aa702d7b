/**
 * What a user sees of the plugin, through real bundler builds and a real dev server in
 * temp folders: Vite's dependency scanner is not the client bundle; a guard error for an
 * aliased import points at the import as written; a finding prints its frame once, with
 * one convention for paths and columns; the summary says when a build fails, what it
 * counts, and stays quiet when a dev server closes.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { rollup } from 'rollup'
import { build, createLogger, createServer, type Logger } from 'vite'
import { afterEach, describe, expect, it, vi } from 'vitest'
import chaincutRollup from '../dist/rollup.js'
import chaincut from '../dist/vite.js'
import { rollupTs } from './bundler-plugins.js'
import { writeFiles } from './helpers.js'

const DIST = resolve(import.meta.dirname, '../dist')
const VITE_BIN = resolve(import.meta.dirname, '../node_modules/vite/bin/vite.js')

let dirs: string[] = []
afterEach(() => {
  vi.restoreAllMocks()
  if (!process.env.KEEP_TMP) for (const d of dirs) rmSync(d, { recursive: true, force: true })
  dirs = []
})

function app(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'chaincut-front-'))
  dirs.push(dir)
  return writeFiles(dir, files)
}

/** `vite build` of `src/entry.ts` as a library, in memory, the point0 stub aliased. */
const viteLib = (dir: string, plugin: ReturnType<typeof chaincut>) =>
  build({
    root: dir,
    configFile: false,
    logLevel: 'silent',
    resolve: { alias: { '@point0/core': join(dir, 'point0.js') } },
    plugins: [plugin],
    build: { write: false, lib: { entry: 'src/entry.ts', formats: ['es'], fileName: 'client' } },
  })

const POINT0 = `export const Point0 = { lets: Object.assign((...a) => new Proxy({}, { get: (_, p) => () => Point0.lets() }), {}) }\n`

/** A logger that keeps every line Vite writes. */
function capture(): { logger: Logger; lines: string[] } {
  const lines: string[] = []
  const logger = createLogger('info')
  logger.info = (m) => void lines.push(m)
  logger.warn = (m) => void lines.push(m)
  logger.warnOnce = (m) => void lines.push(m)
  logger.error = (m) => void lines.push(m)
  return { logger, lines }
}

type BuildError = Error & { loc?: unknown; frame?: unknown; errors?: BuildError[] }
/** The error a build failed with: Vite 8 (Rolldown) wraps the plugin's errors in one "Build failed" error. */
const failure = (p: Promise<unknown>) => p.then(() => null, (e: BuildError) => e.errors?.[0] ?? e)

/** Everything printed with `console.log` while `run` runs. */
async function logged<T>(run: () => Promise<T>): Promise<{ result: T | Error; text: string }> {
  const lines: string[] = []
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')))
  const result = await run().catch((e: Error) => e)
  vi.restoreAllMocks()
  return { result, text: lines.join('\n') }
}

describe('vite dev: the dependency scanner', () => {
  it('scans an app whose loader imports a .server module without failing, and serves the cut module', async () => {
    const dir = app({
      'point0.js': POINT0,
      'index.html': `<!doctype html><script type="module" src="/src/main.ts"></script>\n`,
      'src/main.ts': `import { home } from './home'\nconsole.log(home)\n`,
      'src/db.server.ts': `export const db = { url: 'postgres://SCAN_SECRET' }\n`,
      'src/home.ts': `import { Point0 } from '@point0/core'\nimport { db } from './db.server'\nexport const home = Point0.lets('GET', '/').loader(() => db.url).action()\n`,
    })
    const { logger, lines } = capture()
    const server = await createServer({
      root: dir,
      configFile: false,
      customLogger: logger,
      resolve: { alias: { '@point0/core': join(dir, 'point0.js') } },
      server: { middlewareMode: true, ws: false },
      appType: 'custom',
      plugins: [chaincut({ report: false })],
    })
    try {
      const optimizer = server.environments.client.depsOptimizer
      // the scanner is on (optimizeDeps not disabled) and ran over the uncut source
      expect(optimizer).toBeTruthy()
      await optimizer!.scanProcessing
      const served = await server.environments.client.transformRequest('/src/home.ts')
      expect(served!.code).toContain('.loader()')
      expect(served!.code).not.toContain('db.server')
      expect(served!.code).not.toContain('db.url')
    } finally {
      await server.close()
    }
    const text = lines.join('\n')
    expect(text).not.toContain('Failed to run dependency scan')
    expect(text).not.toContain('server-only module')
  })
})

describe('guard errors for aliased imports', () => {
  const files = {
    'point0.js': POINT0,
    'src/server/db.server.ts': `export const db = 'postgres://ALIAS_GUARD'\n`,
    'src/view.ts': `// the view\nimport { db } from '@/server/db.server'\nexport const show = () => db\n`,
    'src/entry.ts': `export { show } from './view'\n`,
  }

  it('vite build (resolve.alias): the line and column of the import, the specifier as written and the file it reached', async () => {
    const dir = app(files)
    const error = await failure(
      build({
        root: dir,
        configFile: false,
        logLevel: 'silent',
        resolve: { alias: [{ find: '@point0/core', replacement: join(dir, 'point0.js') }, { find: '@', replacement: join(dir, 'src') }] },
        plugins: [chaincut({ report: false })],
        build: { write: false, lib: { entry: 'src/entry.ts', formats: ['es'], fileName: 'client' } },
      }),
    )
    expect(error?.message).toContain('[chaincut] E_GUARD src/view.ts:2:20 imports server-only module "@/server/db.server" (src/server/db.server.ts) into the client build')
    expect(error?.message).toMatch(/imported through: src\/entry\.ts → src\/view\.ts → src\/server\/db\.server\.ts/)
    expect(error?.loc).toMatchObject({ line: 2, column: 20 })
    expect(String(error?.frame)).toContain(`> 2 | import { db } from '@/server/db.server'`)
  })

  it('vite build (a custom glob matched by path, through a subpath import): the import as written', async () => {
    const dir = app({
      'point0.js': POINT0,
      'package.json': JSON.stringify({ name: 'front-door', type: 'module', imports: { '#vault': './src/secret/db.ts' } }),
      'src/secret/db.ts': `export const db = 'postgres://GLOB_GUARD'\n`,
      'src/view.ts': `// the view\nimport { db } from '#vault'\nexport const show = () => db\n`,
      'src/entry.ts': `export { show } from './view'\n`,
    })
    const error = await failure(
      build({
        root: dir,
        configFile: false,
        logLevel: 'silent',
        plugins: [chaincut({ report: false, serverOnly: ['**/secret/**'] })],
        build: { write: false, lib: { entry: 'src/entry.ts', formats: ['es'], fileName: 'client' } },
      }),
    )
    expect(error?.message).toContain('[chaincut] E_GUARD src/view.ts:2:20 imports server-only module "#vault" (src/secret/db.ts)')
  })

  it('rollup (an alias plugin): the same', async () => {
    const dir = app(files)
    const error = await failure(
      rollup({
        input: join(dir, 'src/entry.ts'),
        plugins: [chaincutRollup({ side: 'client', report: false }), rollupTs({ '@point0/core': join(dir, 'point0.js'), '@': join(dir, 'src') })],
      }).then((bundle) => bundle.close()),
    )
    // no root: paths are relative to the working folder, absolute outside it
    expect(error?.message).toContain(`${join(dir, 'src/view.ts')}:2:20 imports server-only module "@/server/db.server" (${join(dir, 'src/server/db.server.ts')})`)
    expect(error?.message).toContain(`imported through: ${join(dir, 'src/entry.ts')} → ${join(dir, 'src/view.ts')}`)
  })
})

describe('one way to print a finding', () => {
  it('a failing `vite build` prints the frame once, and Vite\'s location agrees with the message', () => {
    const dir = app({
      'point0.js': POINT0,
      'src/entry.ts': `import { Point0 } from '@point0/core'\n\nconst fn = () => 1\n// a computed segment\nexport const idea = Point0.lets('GET', '/x')['loader'](fn).action()\n`,
      'vite.config.mjs': `import { fileURLToPath } from 'node:url'
import chaincut from ${JSON.stringify(join(DIST, 'vite.js'))}
export default {
  resolve: { alias: { '@point0/core': fileURLToPath(new URL('./point0.js', import.meta.url)) } },
  plugins: [chaincut()],
  build: { lib: { entry: 'src/entry.ts', formats: ['es'], fileName: 'client' } },
}
`,
    })
    const run = spawnSync(process.execPath, [VITE_BIN, 'build'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } })
    const output = `${run.stdout}\n${run.stderr}`
    expect(run.status, output).not.toBe(0)
    // the code frame: once
    expect(output.match(/> 5 \| export const idea/g)?.length, output).toBe(1)
    // our message: path relative to the root, 1-based line:column; Vite's header from `loc`: the same line and column
    const ours = output.match(/\[chaincut\] E_COMPUTED_SEGMENT src\/entry\.ts:(\d+):(\d+) a point0 chain segment/)
    const vites = output.match(/\[plugin chaincut\] \S*src\/entry\.ts:(\d+):(\d+)/)
    expect(ours, output).not.toBeNull()
    expect(vites, output).not.toBeNull()
    expect(ours!.slice(1)).toEqual(['5', '46'])
    expect(vites!.slice(1)).toEqual(ours!.slice(1))
    // the column is where the frame's caret is: `'loader'` starts at the 46th character
    expect(`export const idea = Point0.lets('GET', '/x')['loader'](fn).action()`.indexOf(`'loader'`) + 1).toBe(46)
    // and the summary says the build failed (not "findings 0" as if all went well)
    expect(output).toContain('[chaincut] client build failed')
    expect(output).toMatch(/errors\s+1 \(1 unsafe code\)/)
    expect(output).toMatch(/modules parsed\s+1/)
  })

  it('a guard error in a vite build prints its frame once too', async () => {
    const dir = app({
      'point0.js': POINT0,
      'src/secrets.server.ts': `export const apiKey = 'sk_live_FRONT_1'\n`,
      'src/entry.ts': `import { apiKey } from './secrets.server'\nexport const k = apiKey\n`,
    })
    const error = await failure(viteLib(dir, chaincut({ report: false })))
    // Vite prints `frame` after the message: the message itself has none
    expect(error?.message).toContain('[chaincut] E_GUARD src/entry.ts:1:24 imports server-only module "./secrets.server"')
    expect(error?.message).not.toContain('> 1 |')
    expect(String(error?.frame)).toContain('> 1 |')
    expect(error?.loc).toMatchObject({ line: 1, column: 24 })
  })
})

describe('the summary', () => {
  it('says the build failed and counts the guard error instead of printing "findings 0"', async () => {
    const dir = app({
      'point0.js': POINT0,
      'src/secrets.server.ts': `export const apiKey = 'sk_live_FRONT_2'\n`,
      'src/ideas.ts': `import { Point0 } from '@point0/core'\nimport { apiKey } from './secrets.server'\nexport const idea = Point0.lets('GET', '/x').loader(() => 1).action()\nexport const leaked = () => apiKey\n`,
      'src/entry.ts': `export * from './ideas'\n`,
    })
    const { result, text } = await logged(() => viteLib(dir, chaincut()))
    expect(result).toBeInstanceOf(Error)
    expect((result as Error).message).toContain('imports server-only module "./secrets.server"')
    expect(text).toContain('[chaincut] client build failed')
    expect(text).toMatch(/errors\s+1 \(1 import guard\)/)
    expect(text).not.toMatch(/\[chaincut\] client build\n/)
  })

  it('says what it counts: modules parsed and modules changed', async () => {
    const dir = app({
      'point0.js': POINT0,
      'src/ideas.ts': `import { Point0 } from '@point0/core'\nexport const idea = Point0.lets('GET', '/x').loader(() => 'FRONT_LOADER').action()\n`,
      // parsed (it calls a cut method name) but nothing to cut
      'src/plain.ts': `export const store = { loader: (f: () => number) => f() }\nexport const v = store.loader(() => 1)\n`,
      'src/entry.ts': `export * from './ideas'\nexport * from './plain'\n`,
    })
    const { result, text } = await logged(() => viteLib(dir, chaincut({ report: 'report.json' })))
    expect(result).not.toBeInstanceOf(Error)
    // the JSON report lists every module parsed; the changed ones have cuts
    const modules = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')).environments.client as Array<{ id: string; cuts: unknown[] }>
    expect(modules.map((m) => m.id)).toEqual(expect.arrayContaining([join(dir, 'src/ideas.ts'), join(dir, 'src/plain.ts')]))
    expect(modules.filter((m) => m.cuts.length).map((m) => m.id)).toEqual([join(dir, 'src/ideas.ts')])
    expect(text).toMatch(/\[chaincut\] client build\n/)
    expect(text).toMatch(new RegExp(`modules parsed\\s+${modules.length}\\n`))
    expect(text).toMatch(/modules changed\s+1\n/)
    expect(text).not.toContain('modules analysed')
    expect(text).not.toContain('failed')
  })

  it('is not printed when a dev server closes', async () => {
    const dir = app({
      'point0.js': POINT0,
      'src/ideas.ts': `import { Point0 } from '@point0/core'\nexport const idea = Point0.lets('GET', '/x').loader(() => 'FRONT_DEV').action()\n`,
    })
    const { text } = await logged(async () => {
      const server = await createServer({
        root: dir,
        configFile: false,
        logLevel: 'silent',
        resolve: { alias: { '@point0/core': join(dir, 'point0.js') } },
        server: { middlewareMode: true, ws: false },
        appType: 'custom',
        optimizeDeps: { noDiscovery: true },
        plugins: [chaincut()],
      })
      const served = await server.environments.client.transformRequest('/src/ideas.ts')
      expect(served!.code).not.toContain('FRONT_DEV')
      await server.close()
    })
    expect(text).not.toContain('[chaincut]')
  })
})

describe('hooks that cost nothing where they do nothing', () => {
  type Hook = { filter?: { id?: RegExp }; handler: unknown }
  const hooks = (options: Parameters<typeof chaincut>[0]) => chaincut(options) as unknown as { resolveId: Hook; load: Hook; moduleParsed?: unknown }

  it('resolveId and load carry the guard patterns as a native hook filter', () => {
    const { resolveId, load, moduleParsed } = hooks({ serverOnly: ['@acme/secrets'] })
    for (const hook of [resolveId, load]) {
      const id = hook.filter?.id
      expect(id).toBeInstanceOf(RegExp)
      for (const guarded of ['./db.server', '@/server/db.server', '/app/.server/keys.ts', 'server-only', '@acme/secrets/keys', '/app/w.client.tsx']) expect(id!.test(guarded), guarded).toBe(true)
      for (const other of ['./ideas', 'react', '/app/serverless.ts', '@acme/secretsauce']) expect(id!.test(other), other).toBe(false)
    }
    // no hook on every parsed module
    expect(moduleParsed).toBeUndefined()
  })

  it('has no filter when a custom glob or RegExp cannot be expressed as one (every import is checked)', () => {
    expect(hooks({ serverOnly: ['**/secret/**'] }).resolveId.filter).toBeUndefined()
    expect(hooks({ serverOnly: [/^node:/] }).load.filter).toBeUndefined()
  })
})
