/**
 * docs/toolchains.md, sides per bundler, on a one-module app whose page has a server-only
 * `.loader(...)` and a client-only `.clientLoader(...)`: the output tells
 * which side chaincut compiled for. webpack and Rspack take it from the
 * compiler's `target`, esbuild from `platform`, all unless `side` is given.
 * Also the import guard (docs/reference.md "Import guard") where these bundlers resolve: a kept import
 * of a server-only module fails the client build, by specifier and through an
 * alias, with the importer named.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { rspack, type RspackOptions } from '@rspack/core'
import { build as esbuild, type BuildOptions } from 'esbuild'
import webpack, { type Configuration } from 'webpack'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import chaincutEsbuild from '../dist/esbuild.js'
import chaincutRspack from '../dist/rspack.js'
import chaincutWebpack from '../dist/webpack.js'

const SERVER_ONLY = 'SIDE_LOADER_SERVER_ONLY'
const CLIENT_ONLY = 'SIDE_CLIENTLOADER_CLIENT_ONLY'

const files: Record<string, string> = {
  'runtime/point0.js': `export const Point0 = { lets: () => new Proxy({}, { get: (t, p) => () => t }) }\n`,
  'src/entry.js': `import { Point0 } from '@point0/core'
export const home = Point0.lets('page', 'home', '/').loader(() => '${SERVER_ONLY}').clientLoader(() => '${CLIENT_ONLY}').page(() => 'home')
`,
  // the app's engine: no server rendering, so the server build cuts `.page(...)` (chaincut reads it here)
  'package.json': JSON.stringify({ name: 'chaincut-sides', private: true, dependencies: { '@point0/engine': '*' } }),
  'src/engine.js': `import { Engine } from '@point0/engine'\nexport const engine = Engine.create({ ssr: false })\n`,
  'src/secrets.server.js': `export const apiKey = 'GUARD_SECRET_KEY'\n`,
  // kept code imports a server-only module: by specifier, and through an alias that hides the name
  'src/leak.js': `import { apiKey } from './secrets.server'\nexport const leaked = () => apiKey\n`,
  'src/leak-alias.js': `import { apiKey } from '#secrets'\nexport const leaked = () => apiKey\n`,
  'src/via.js': `import { leaked } from './leak-alias'\nexport const v = leaked\n`,
  // the server-only import is used only inside a cut segment: the client build passes
  'src/cut.js': `import { Point0 } from '@point0/core'\nimport { apiKey } from './secrets.server'\nexport const idea = Point0.lets('GET', '/x').loader(() => apiKey).action()\n`,
}

let dir: string
let out = 0
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'chaincut-sides-'))
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true })
    writeFileSync(join(dir, file), text)
  }
})
afterAll(() => {
  if (dir && !process.env.KEEP_TMP) rmSync(dir, { recursive: true, force: true })
})

const aliases = () => ({ '@point0/core': join(dir, 'runtime/point0.js'), '#secrets': join(dir, 'src/secrets.server.js') })

function readOutput(outDir: string): string {
  return readdirSync(outDir)
    .filter((f) => /\.[cm]?js$/.test(f))
    .map((f) => readFileSync(join(outDir, f), 'utf8'))
    .join('\n')
}

/** Which side the output was compiled for, from what was cut. */
function sideOf(text: string): string {
  const server = text.includes(SERVER_ONLY)
  const client = text.includes(CLIENT_ONLY)
  if (server && !client) return 'server'
  if (client && !server) return 'client'
  return `unclear (server-only ${server ? 'kept' : 'cut'}, client-only ${client ? 'kept' : 'cut'})`
}

function compile(run: (done: (error?: Error | null, stats?: any) => void) => void): Promise<void> {
  return new Promise((resolve, reject) =>
    run((error, stats) => {
      if (error) return reject(error)
      if (stats?.hasErrors()) return reject(new Error(stats.toString({ all: false, errors: true })))
      resolve()
    }),
  )
}

function webpackBuild(entry: string, target: Configuration['target'], side?: 'client' | 'server'): Promise<string> {
  const outDir = join(dir, `out-webpack-${out++}`)
  const config: Configuration = {
    mode: 'none',
    context: dir,
    entry: join(dir, entry),
    target,
    output: { path: outDir },
    resolve: { alias: aliases() },
    infrastructureLogging: { level: 'error' },
    plugins: [chaincutWebpack({ side, report: false })],
  }
  return compile((done) => webpack(config, done)).then(() => readOutput(outDir))
}

function rspackBuild(entry: string, target: RspackOptions['target'], side?: 'client' | 'server'): Promise<string> {
  const outDir = join(dir, `out-rspack-${out++}`)
  const config: RspackOptions = {
    mode: 'none',
    context: dir,
    entry: join(dir, entry),
    target,
    output: { path: outDir },
    resolve: { alias: aliases() },
    infrastructureLogging: { level: 'error' },
    plugins: [chaincutRspack({ side, report: false })],
  }
  return compile((done) => rspack(config, done)).then(() => readOutput(outDir))
}

async function esbuildBuild(entry: string, platform: BuildOptions['platform'], side?: 'client' | 'server'): Promise<string> {
  const result = await esbuild({
    absWorkingDir: dir,
    entryPoints: [join(dir, entry)],
    bundle: true,
    write: false,
    format: 'esm',
    ...(platform ? { platform } : {}),
    alias: aliases(),
    logLevel: 'silent',
    plugins: [chaincutEsbuild({ side, report: false })],
  })
  return result.outputFiles.map((f) => f.text).join('\n')
}

describe('webpack: side from the compiler target', () => {
  const cases: Array<[Configuration['target'], 'client' | 'server']> = [
    ['web', 'client'],
    ['webworker', 'client'],
    [['web', 'es2020'], 'client'],
    ['browserslist:last 2 Chrome versions', 'client'],
    ['node', 'server'],
    ['node20', 'server'],
    ['async-node', 'server'],
    [['node18', 'es2022'], 'server'],
    ['browserslist:node 20', 'server'],
  ]
  for (const [target, side] of cases) {
    it(`target ${JSON.stringify(target)} builds the ${side}`, async () => {
      expect(sideOf(await webpackBuild('src/entry.js', target))).toBe(side)
    })
  }
  it('builds for the web (client) when no target is set', async () => {
    expect(sideOf(await webpackBuild('src/entry.js', undefined))).toBe('client')
  })
  it('lets side override the target', async () => {
    expect(sideOf(await webpackBuild('src/entry.js', 'node', 'client'))).toBe('client')
    expect(sideOf(await webpackBuild('src/entry.js', 'web', 'server'))).toBe('server')
  })
})

describe('rspack: side from the compiler target', () => {
  const cases: Array<[RspackOptions['target'], 'client' | 'server']> = [
    ['web', 'client'],
    ['webworker', 'client'],
    [['web', 'es2020'], 'client'],
    ['node', 'server'],
    ['node20', 'server'],
    ['async-node', 'server'],
  ]
  for (const [target, side] of cases) {
    it(`target ${JSON.stringify(target)} builds the ${side}`, async () => {
      expect(sideOf(await rspackBuild('src/entry.js', target))).toBe(side)
    })
  }
  it('lets side override the target', async () => {
    expect(sideOf(await rspackBuild('src/entry.js', 'node', 'client'))).toBe('client')
    expect(sideOf(await rspackBuild('src/entry.js', 'web', 'server'))).toBe('server')
  })
})

describe('esbuild: side from platform', () => {
  it('builds the client for platform browser, and by default (esbuild defaults to browser)', async () => {
    expect(sideOf(await esbuildBuild('src/entry.js', 'browser'))).toBe('client')
    expect(sideOf(await esbuildBuild('src/entry.js', undefined))).toBe('client')
  })
  it('builds the server for platform node and neutral', async () => {
    expect(sideOf(await esbuildBuild('src/entry.js', 'node'))).toBe('server')
    expect(sideOf(await esbuildBuild('src/entry.js', 'neutral'))).toBe('server')
  })
  it('lets side override the platform', async () => {
    expect(sideOf(await esbuildBuild('src/entry.js', 'node', 'client'))).toBe('client')
    expect(sideOf(await esbuildBuild('src/entry.js', 'browser', 'server'))).toBe('server')
  })
})

describe('import guard in webpack, Rspack and esbuild client builds', () => {
  const builds = {
    webpack: (entry: string) => webpackBuild(entry, 'web'),
    rspack: (entry: string) => rspackBuild(entry, 'web'),
    esbuild: (entry: string) => esbuildBuild(entry, 'browser'),
  }
  for (const [name, build] of Object.entries(builds)) {
    it(`${name}: a kept import of a .server module fails the build, naming the importer`, async () => {
      await expect(build('src/leak.js')).rejects.toThrow(/leak\.js:1:\d+ imports server-only module "\.\/secrets\.server"[\s\S]*hint:/)
    })
    it(`${name}: a .server module reached through an alias fails the build too`, async () => {
      const error = await build('src/via.js').then(() => null, (e: Error) => e)
      expect(error?.message).toMatch(/leak-alias\.js:1:24 imports server-only module "#secrets" \(.*secrets\.server\.js\) into the client build/)
      // webpack's module graph gives the chain from the entry
      if (name === 'webpack') expect(error?.message).toMatch(/imported through: .*via\.js → .*leak-alias\.js → .*secrets\.server\.js/)
    })
    it(`${name}: an import used only inside a cut segment passes, and the secret stays out`, async () => {
      const text = await build('src/cut.js')
      expect(text).not.toContain('GUARD_SECRET_KEY')
    })
  }
})
