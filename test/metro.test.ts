/**
 * Metro (React Native's bundler) with a `babel.config.js` that uses
 * `chaincut/babel` beside `@react-native/babel-preset`: the shared app of
 * `app-fixture.ts` bundled for `ios` (Metro's Babel caller says
 * `platform: 'ios'`: the client) and, with `side: 'server'` in the Babel config,
 * for the server. Each build runs `Metro.runBuild` in a child process (Metro
 * starts its own transform workers; chaincut's Babel plugin its worker thread in
 * each). Aliases: Metro's `resolveRequest` and the app's tsconfig `paths`
 * (which chaincut's default resolver reads; Babel has no bundler resolver to ask).
 *
 * The app's `node_modules` sits one folder above it, outside Metro's project
 * root: `chaincut` and the preset are symlinks there, as an install would put them.
 */
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { runInNewContext } from 'node:vm'
import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SECRETS, appAliases, writeApp } from './app-fixture.js'

const ROOT = join(import.meta.dirname, '..')

let base: string
let app: string

type Aliases = 'tsconfig' | 'module-resolver' | 'none'

/**
 * The app with its aliases written one of three ways: tsconfig `paths` plus Metro's
 * `resolveRequest` (the default); `babel-plugin-module-resolver` in babel.config.js before
 * chaincut (as React Native apps write them: the plugin rewrites the imports, so Metro needs no
 * resolver); or none of it, for the control.
 */
function metroApp(aliasesBy: Aliases = 'tsconfig'): string {
  base = mkdtempSync(join(tmpdir(), 'chaincut-metro-'))
  app = join(base, 'app')
  renameSync(writeApp(), app)
  mkdirSync(join(base, 'node_modules/@react-native'), { recursive: true })
  symlinkSync(ROOT, join(base, 'node_modules/chaincut'))
  symlinkSync(join(ROOT, 'node_modules/@react-native/babel-preset'), join(base, 'node_modules/@react-native/babel-preset'))
  // Metro resolves only files its file map watches: metro-runtime (imported by the bundle) is a watched copy
  cpSync(join(ROOT, 'node_modules/metro-runtime'), join(base, 'node_modules/metro-runtime'), { recursive: true, dereference: true })

  const aliases = Object.fromEntries(appAliases(app).map((a) => [a.find, a.replacement]))
  const paths: Record<string, string[]> = {}
  for (const [find, replacement] of Object.entries(aliases)) {
    if (/\.js$/.test(replacement)) paths[find] = [replacement]
    else paths[`${find}/*`] = [`${replacement}/*`]
  }
  if (aliasesBy === 'tsconfig') writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { baseUrl: '.', paths } }, null, 2))
  // module-resolver's own words: paths from the app's folder
  const moduleResolver = { root: ['./src'], alias: Object.fromEntries(Object.entries(aliases).map(([find, to]) => [find, './' + relative(app, to)])) }
  if (aliasesBy !== 'tsconfig') symlinkSync(join(ROOT, 'node_modules/babel-plugin-module-resolver'), join(base, 'node_modules/babel-plugin-module-resolver'))
  writeFileSync(
    join(app, 'babel.config.js'),
    `// the side comes from Metro's caller (platform: the client) unless CHAINCUT_SIDE says server
const side = process.env.CHAINCUT_SIDE
module.exports = {
  presets: [['module:@react-native/babel-preset', { enableBabelRuntime: false }]],
  plugins: [${aliasesBy !== 'tsconfig' ? `['module-resolver', ${JSON.stringify(aliasesBy === 'module-resolver' ? moduleResolver : { root: [] })}], ` : ''}['chaincut/babel', side ? { side } : {}]],
}
`,
  )
  writeFileSync(
    join(app, 'metro.config.js'),
    `const aliases = ${JSON.stringify(aliases)}
const finds = Object.keys(aliases).sort((a, b) => b.length - a.length)
module.exports = {
  projectRoot: __dirname,
  watchFolders: ${JSON.stringify([join(base, 'node_modules/metro-runtime'), realpathSync(join(ROOT, 'node_modules/metro-runtime'))])},
  cacheStores: [],
  maxWorkers: 1,
  resolver: {
    sourceExts: ['ts', 'tsx', 'js', 'jsx', 'json'],
    resolveRequest: ${aliasesBy === 'tsconfig' ? '' : 'undefined && '}function (context, moduleName, platform) {
      for (const find of finds) {
        if (moduleName === find || moduleName.startsWith(find + '/')) return context.resolveRequest(context, aliases[find] + moduleName.slice(find.length), platform)
      }
      return context.resolveRequest(context, moduleName, platform)
    },
  },
}
`,
  )
  writeFileSync(
    join(app, 'build.cjs'),
    `const Metro = require(${JSON.stringify(join(ROOT, 'node_modules/metro'))})
const { dirname, basename } = require('path')
const bundle = require(${JSON.stringify(join(ROOT, 'node_modules/metro/src/shared/output/bundle'))})
const [entry, out, platform, excludeSource] = process.argv.slice(2)
require('fs').mkdirSync(dirname(out), { recursive: true })
// Metro's excludeSource bundle option (excludeSource=true on a dev server URL)
const output = excludeSource ? { ...bundle, build: (server, options, extra) => bundle.build(server, { ...options, excludeSource: true }, extra) } : bundle
;(async () => {
  const config = await Metro.loadConfig({ config: __dirname + '/metro.config.js', cwd: __dirname })
  await Metro.runBuild(config, { entry, out, platform, output, dev: false, minify: false, sourceMap: true, sourceMapUrl: basename(out).replace(/\\.js$/, '.map') })
})().catch((e) => { console.error(e); process.exit(1) })
`,
  )
  return app
}

/** Builds a bundle; returns what Metro printed (its workers' warnings included). Throws with that output when the build fails. */
function metroBuild(entry: string, out: string, platform: string, side?: 'server', excludeSource = false): string {
  const run = spawnSync(process.execPath, ['build.cjs', entry, out, platform, ...(excludeSource ? ['exclude-source'] : [])], {
    cwd: app,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CHAINCUT_SIDE: side ?? '' },
  })
  const output = `${run.stdout}\n${run.stderr}`
  if (run.status !== 0) throw new Error(`metro build of ${entry} failed:\n${output}`)
  return output
}

/** Runs a Metro bundle in a fresh context and returns the entry's exports and the chains' calls. */
function runMetroBundle(file: string, server: boolean) {
  const context: Record<string, unknown> = { __chaincutServer: server, console }
  context.globalThis = context
  runInNewContext(readFileSync(file, 'utf8'), context)
  const entry = (context.__r as (id: number) => { summary: unknown })(0)
  return { summary: JSON.parse(JSON.stringify(entry.summary)), calls: JSON.parse(JSON.stringify(context.__chaincutCalls)) }
}

describe('Metro: a React Native bundle with chaincut/babel in babel.config.js', () => {
  let client: string
  let clientMap: string
  let server: string

  beforeAll(() => {
    metroApp()
    metroBuild('src/entry-client.ts', 'dist/client.js', 'ios')
    metroBuild('src/entry-server.ts', 'dist/server.js', 'ios', 'server')
    client = readFileSync(join(app, 'dist/client.js'), 'utf8')
    clientMap = readFileSync(join(app, 'dist/client.map'), 'utf8')
    server = readFileSync(join(app, 'dist/server.js'), 'utf8')
  })

  afterAll(() => {
    if (base && !process.env.KEEP_TMP) rmSync(base, { recursive: true, force: true })
  })

  it('cuts the server code out of the ios bundle (the side from Metro\'s caller)', () => {
    expect(client).toContain("lets('action', 'ideaUpdate', 'PUT', '/api/ideas/:id')")
    expect(client).toContain('.loader().action()')
    expect(client).not.toMatch(/sourceMappingURL=data:/)
    for (const secret of SECRETS) expect(client, secret).not.toContain(secret)
    expect(client).not.toContain('db.server')
  })

  it('keeps every secret in the server bundle', () => {
    for (const secret of SECRETS) expect(server, secret).toContain(secret)
  })

  it('constructs every chain when the client bundle runs, with the same calls as the server bundle', () => {
    const clientRun = runMetroBundle(join(app, 'dist/client.js'), false)
    const serverRun = runMetroBundle(join(app, 'dist/server.js'), true)
    expect(clientRun.calls.length).toBeGreaterThanOrEqual(9)
    expect(clientRun.calls.map((c: { name: string }) => c.name)).toEqual(expect.arrayContaining(['ideaUpdate', 'idea']))
    expect(clientRun.summary).toEqual(serverRun.summary)
    expect(clientRun.calls).toEqual(serverRun.calls)
  })

  it("maps the client bundle back to the original files (the plugin's nodes keep their original positions)", () => {
    const map = JSON.parse(clientMap)
    const traced = new TraceMap(map)
    const lines = client.split('\n')
    const line = lines.findIndex((l) => l.includes('var ideaUpdateAction = exports.ideaUpdateAction'))
    expect(line).toBeGreaterThanOrEqual(0)
    const column = lines[line].indexOf('ideaUpdateAction')
    const original = originalPositionFor(traced, { line: line + 1, column })
    expect(original.source).toMatch(/points\/ideas\.ts$/)
    const ideas = readFileSync(join(app, 'src/points/ideas.ts'), 'utf8').split('\n')
    expect(ideas[original.line! - 1].slice(original.column!, original.column! + 'ideaUpdateAction'.length)).toBe('ideaUpdateAction')
  })

  it('embeds the original files in the source map unless excludeSource: Metro reads sourcesContent from disk, not from Babel (a documented limit)', () => {
    // Metro's serializer takes each module's source from the file, so a client map with
    // sources carries the server code; `excludeSource` (Metro's bundle option) leaves it out
    const embedded = (JSON.parse(clientMap).sourcesContent as string[]).join('\n')
    expect(embedded).toContain('sk_live_APPFIXTURE_51x9')
    metroBuild('src/entry-client.ts', 'dist/client-nosource.js', 'ios', undefined, true)
    const bare = readFileSync(join(app, 'dist/client-nosource.map'), 'utf8')
    for (const secret of SECRETS) expect(bare, secret).not.toContain(secret)
    expect(JSON.parse(bare).sources.join(' ')).toContain('points/ideas.ts')
  })
})

describe('Metro: aliases from babel-plugin-module-resolver (no tsconfig paths, no Metro resolver)', () => {
  afterAll(() => {
    if (base && !process.env.KEEP_TMP) rmSync(base, { recursive: true, force: true })
  })

  it('builds the ios bundle secret-free with no W_UNRESOLVED_HEAD, and the server bundle with every secret', () => {
    metroApp('module-resolver')
    const clientOutput = metroBuild('src/entry-client.ts', 'dist/client.js', 'ios')
    const serverOutput = metroBuild('src/entry-server.ts', 'dist/server.js', 'ios', 'server')
    expect(clientOutput).not.toContain('W_UNRESOLVED_HEAD')
    expect(serverOutput).not.toContain('W_UNRESOLVED_HEAD')
    const client = readFileSync(join(app, 'dist/client.js'), 'utf8')
    const server = readFileSync(join(app, 'dist/server.js'), 'utf8')
    expect(client).toContain('.loader().action()')
    for (const secret of SECRETS) expect(client, secret).not.toContain(secret)
    for (const secret of SECRETS) expect(server, secret).toContain(secret)
  })

  it('the control: the same app with module-resolver given no aliases does not resolve `@/…`, and chaincut says so', () => {
    metroApp('none')
    let said: string
    try {
      said = metroBuild('src/entry-client.ts', 'dist/client.js', 'ios')
    } catch (error) {
      said = (error as Error).message
    }
    // Metro cannot bundle `@/…` either; chaincut's word on it comes first, from its Babel plugin
    expect(said).toMatch(/W_UNRESOLVED_HEAD|E_UNTRACED_RECEIVER/)
  })
})
