/**
 * The import guard (docs/reference.md "Import guard") in real Vite builds: a server-only module that
 * survives cutting in the client graph fails the build, naming the importer,
 * the line, the rule and the chain of importers; one used only inside a cut
 * segment does not.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { build, createLogger } from 'vite'
import webpack from 'webpack'
import { afterEach, describe, expect, it } from 'vitest'
import chaincut from '../dist/vite.js'
import chaincutWebpack from '../dist/webpack.js'
import { guardMatcher, guardPrefilter } from '../src/config/guard-matcher.js'

let dirs: string[] = []
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
  dirs = []
})

function app(files: Record<string, string>, avoid?: RegExp) {
  let dir = mkdtempSync(join(tmpdir(), 'chaincut-guard-'))
  // a RegExp pattern under test also sees the absolute paths: keep it off the random folder name
  while (avoid?.test(dir)) {
    rmSync(dir, { recursive: true, force: true })
    dir = mkdtempSync(join(tmpdir(), 'chaincut-guard-'))
  }
  dirs.push(dir)
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, f)), { recursive: true })
    writeFileSync(join(dir, f), text)
  }
  return dir
}

const POINT0 = `export const Point0 = { lets: Object.assign((...a) => new Proxy({}, { get: (_, p) => () => Point0.lets() }), {}) }\n`

async function buildClient(
  dir: string,
  options: Parameters<typeof chaincut>[0] = {},
  ssr = false,
  more: { alias?: Array<{ find: string; replacement: string }>; warnings?: string[] } = {},
) {
  const logger = createLogger('silent')
  if (more.warnings) logger.warn = (message) => void more.warnings!.push(message)
  return build({
    root: dir,
    configFile: false,
    logLevel: 'silent',
    customLogger: logger,
    resolve: {
      alias: [...(more.alias ?? []), { find: '@point0/core', replacement: join(dir, 'point0.js') }, { find: '@', replacement: join(dir, 'src') }],
    },
    plugins: [chaincut({ report: false, ...options })],
    build: ssr
      ? { outDir: 'dist/server', ssr: 'src/entry.ts' }
      : { outDir: 'dist/client', lib: { entry: 'src/entry.ts', formats: ['es'], fileName: 'client' } },
  })
}

const failure = (p: Promise<unknown>) => p.then(() => null, (e: Error) => e)

describe('import guard', () => {
  it('fails the client build when kept code imports a secrets.server.ts module', async () => {
    const dir = app({
      'point0.js': POINT0,
      'src/secrets.server.ts': `export const apiKey = 'sk_live_GUARD_1'\n`,
      'src/ideas.ts': `import { Point0 } from '@point0/core'\nimport { apiKey } from './secrets.server'\n\nexport const idea = Point0.lets('GET', '/x').loader(() => 1).action()\nexport const leaked = () => apiKey\n`,
      'src/entry.ts': `export * from './ideas'\n`,
    })
    const error = await failure(buildClient(dir))
    expect(error).not.toBeNull()
    expect(error!.message).toContain('src/ideas.ts:2:')
    expect(error!.message).toContain('./secrets.server')
    expect(error!.message).toContain('*.server.* file')
    expect(error!.message).toMatch(/imported through: .*entry\.ts → .*ideas\.ts/)
    expect(error!.message).toContain('hint:')
  })

  it('lets the build pass when the server-only import is used only inside a cut segment', async () => {
    const dir = app({
      'point0.js': POINT0,
      'src/secrets.server.ts': `export const apiKey = 'sk_live_GUARD_2'\n`,
      'src/ideas.ts': `import { Point0 } from '@point0/core'\nimport { apiKey } from './secrets.server'\n\nexport const idea = Point0.lets('GET', '/x').loader(() => apiKey).action()\n`,
      'src/entry.ts': `export * from './ideas'\n`,
    })
    await expect(buildClient(dir)).resolves.toBeDefined()
    // and the server build keeps it
    await expect(buildClient(dir, {}, true)).resolves.toBeDefined()
  })

  it('catches a server-only file reached through an alias', async () => {
    const dir = app({
      'point0.js': POINT0,
      'src/db.server.ts': `export const db = 'postgres://guard'\n`,
      'src/view.ts': `import { db } from '@/db.server'\nexport const show = () => db\n`,
      'src/entry.ts': `export { show } from './view'\n`,
    })
    const error = await failure(buildClient(dir))
    expect(error?.message).toContain('db.server')
    expect(error?.message).toContain('src/view.ts:1:')
  })

  it('treats a module that imports the server-only marker as server-only', async () => {
    const dir = app({
      'point0.js': POINT0,
      'src/vault.ts': `import 'server-only'\nexport const vault = 'GUARD_VAULT'\n`,
      'src/entry.ts': `import { vault } from './vault'\nexport const v = vault\n`,
    })
    const error = await failure(buildClient(dir))
    expect(error?.message).toContain('src/vault.ts:1:')
    expect(error?.message).toContain('"server-only" marker')
    expect(error?.message).toMatch(/entry\.ts → .*vault\.ts/)
  })

  it('applies serverOnly patterns from the options (package names and RegExps)', async () => {
    const dir = app({
      'point0.js': POINT0,
      'src/entry.ts': `import { readFileSync } from 'node:fs'\nexport const read = () => readFileSync\n`,
    })
    const error = await failure(buildClient(dir, { serverOnly: [/^node:/] }))
    expect(error?.message).toContain('serverOnly pattern /^node:/')
    const pass = await failure(buildClient(dir))
    expect(pass?.message ?? '').not.toContain('chaincut')
  })

  it('guards the server build against client-only modules (the mirror)', async () => {
    const dir = app({
      'point0.js': POINT0,
      'src/widget.client.ts': `export const widget = () => 'window-only'\n`,
      'src/entry.ts': `import { widget } from './widget.client'\nexport const w = widget\n`,
    })
    const error = await failure(buildClient(dir, {}, true))
    expect(error?.message).toContain('client-only module "./widget.client"')
    await expect(buildClient(dir)).resolves.toBeDefined()
  })

  it("reports instead of failing with onUnsafe: 'warn'", async () => {
    const dir = app({
      'point0.js': POINT0,
      'src/secrets.server.ts': `export const apiKey = 'sk_live_GUARD_3'\n`,
      'src/entry.ts': `import { apiKey } from './secrets.server'\nexport const k = apiKey\n`,
    })
    await expect(buildClient(dir, { onUnsafe: 'warn' })).resolves.toBeDefined()
  })

  it('guards every import with a g-flag RegExp pattern, not every other one (lastIndex)', async () => {
    const dir = app(
      {
        'point0.js': POINT0,
        'src/db/users.ts': `export const users = 'GUARD_USERS'\n`,
        'src/db/orders.ts': `export const orders = 'GUARD_ORDERS'\n`,
        'src/entry.ts': `import { users } from './db/users'\nimport { orders } from './db/orders'\nexport const both = () => users + orders\n`,
      },
      /db/,
    )
    const warnings: string[] = []
    await buildClient(dir, { serverOnly: [/db/g], onUnsafe: 'warn' }, false, { warnings })
    const text = warnings.join('\n')
    expect(text).toContain('imports server-only module "./db/users"')
    expect(text).toContain('imports server-only module "./db/orders"')
    expect(text).toContain('serverOnly pattern /db/g')
    // and in the failing mode, a second build with the same options fails too
    const options = { serverOnly: [/db/g] }
    expect((await failure(buildClient(dir, options)))?.message).toContain('serverOnly pattern /db/g')
    expect((await failure(buildClient(dir, options)))?.message).toContain('serverOnly pattern /db/g')
  })

  it('guards a file a custom glob pattern matches by path, reached through an alias (Vite)', async () => {
    const dir = app({
      'point0.js': POINT0,
      // a subpath-import alias: Vite's resolver (after chaincut's `resolveId`) follows it
      'package.json': JSON.stringify({ name: 'guarded-app', type: 'module', imports: { '#vault': './src/secret/db.ts' } }),
      'src/secret/db.ts': `export const db = 'postgres://GUARD_ALIAS'\n`,
      'src/view.ts': `import { db } from '#vault'\nexport const show = () => db\n`,
      'src/entry.ts': `export { show } from './view'\n`,
    })
    // the specifier says nothing: only the resolved path matches the pattern
    const error = await failure(buildClient(dir, { serverOnly: ['**/secret/**'] }))
    expect(error?.message).toContain('src/view.ts:1:')
    expect(error?.message).toContain('src/secret/db.ts')
    expect(error?.message).toContain('serverOnly pattern **/secret/**')
    expect(error?.message).toMatch(/imported through: .*entry\.ts → .*view\.ts/)
    await expect(buildClient(dir)).resolves.toBeDefined()
  })

  it('guards a file a custom glob matches through a resolve.alias too (Vite)', async () => {
    const dir = app({
      'point0.js': POINT0,
      'src/secret/db.ts': `export const db = 'postgres://GUARD_ALIAS_2'\n`,
      'src/view.ts': `import { db } from '~vault'\nexport const show = () => db\n`,
      'src/entry.ts': `export { show } from './view'\n`,
    })
    const alias = [{ find: '~vault', replacement: join(dir, 'src/secret/db.ts') }]
    const error = await failure(buildClient(dir, { serverOnly: ['**/secret/**'] }, false, { alias }))
    expect(error?.message).toContain('src/view.ts:1:')
    expect(error?.message).toContain('serverOnly pattern **/secret/**')
  })

  it('guards a file a custom glob pattern matches by path, reached through an alias (webpack)', async () => {
    const dir = app({
      'src/secret/db.js': `export const db = 'postgres://GUARD_WEBPACK'\n`,
      'src/view.js': `import { db } from '#vault'\nexport const show = () => db\n`,
      'src/entry.js': `export { show } from './view.js'\n`,
    })
    const run = (options: Parameters<typeof chaincutWebpack>[0]) =>
      new Promise<string>((resolve, reject) => {
        webpack(
          {
            mode: 'production',
            context: dir,
            entry: join(dir, 'src/entry.js'),
            target: 'web',
            output: { path: join(dir, 'dist') },
            resolve: { alias: { '#vault': join(dir, 'src/secret/db.js') } },
            infrastructureLogging: { level: 'error' },
            plugins: [chaincutWebpack({ report: false, ...options })],
          },
          (error, stats) => (error ? reject(error) : resolve(stats!.hasErrors() ? stats!.toString({ all: false, errors: true }) : '')),
        )
      })
    const errors = await run({ serverOnly: ['**/secret/**'] })
    expect(errors).toContain('src/view.js:1:')
    expect(errors).toContain('serverOnly pattern **/secret/**')
    expect(await run({})).toBe('')
  })
})

describe('the compiled guard matchers', () => {
  it('match a g or y RegExp every time, and leave the RegExp alone', () => {
    const g = /db/g
    const server = guardMatcher('server', [g, /^secret/y])
    for (let i = 0; i < 3; i++) {
      expect(server('./db/users')).toBe('serverOnly pattern /db/g')
      expect(server('./db/orders')).toBe('serverOnly pattern /db/g')
      expect(server('secret/keys')).toBe('serverOnly pattern /^secret/y')
    }
    expect(g.lastIndex).toBe(0)
  })

  it('prefilter every id they may match, or none when a glob or RegExp cannot be prefiltered', () => {
    const defaults = guardPrefilter(guardMatcher('server'), guardMatcher('client', ['window-only']))!
    for (const id of ['/app/db.server.ts', '/app/db.server.ts?v=1', '/app/.server/keys.ts', '/app/w.client.tsx', 'server-only', 'window-only/x']) expect(defaults.test(id), id).toBe(true)
    expect(defaults.test('/app/serverless.ts')).toBe(false)
    expect(guardPrefilter(guardMatcher('server', ['**/secret/**']), guardMatcher('client'))).toBeNull()
    expect(guardPrefilter(guardMatcher('server', [/db/]), guardMatcher('client'))).toBeNull()
  })
})
