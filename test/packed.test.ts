/**
 * From outside: `npm pack` the package (as built, with its pack scripts), unpack it into a
 * fresh project's node_modules, and load every entry by its package name in a plain
 * Node process — each bundler entry's default export makes that bundler's
 * plugin; the core entry exports `transform` and the preset factories; every
 * file `exports`/`bin` name is in the tarball. Then `npm install` the tarball as a
 * consumer would: no warning, and the package loads with what npm installed.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BUN } from './bun-binary.js'

const ROOT = join(import.meta.dirname, '..')

const check = `
const out = {}
const entries = {
  vite: [{}],
  rollup: [{ side: 'client' }],
  rolldown: [{ side: 'server' }],
  webpack: [{}],
  rspack: [{}],
  esbuild: [{}],
}
for (const [name, [options]] of Object.entries(entries)) {
  const mod = await import('chaincut/' + name)
  const plugin = mod.default(options)
  const plugins = Array.isArray(plugin) ? plugin : [plugin]
  out[name] = { type: typeof mod.default, keys: plugins.flatMap((p) => Object.keys(p)).sort(), names: plugins.map((p) => p.name ?? null) }
}
const core = await import('chaincut')
out.core = Object.keys(core).sort()
const result = await core.transform("import { Point0 } from '@point0/core'\\nexport const a = Point0.lets('GET', '/x').loader(() => 'PACKED_SECRET').action()\\n", '/app/a.ts', { side: 'client' })
out.transformed = result.code
try { (await import('chaincut/rollup')).default() } catch (e) { out.rollupWithoutSide = e.message }
out.version = (await import('chaincut/package.json', { with: { type: 'json' } })).default.version
// chaincut/bun loads in Node (its bundler plugin needs Bun to be made; the runtime plugin is plain data)
const bunEntry = await import('chaincut/bun')
out.bun = { type: typeof bunEntry.default, runtime: Object.keys(bunEntry.chaincutRuntime({ report: false })).sort() }
try { bunEntry.default() } catch (e) { out.bunInNode = e.message }
// chaincut/babel: by import, and by require as Babel loads a plugin named in a config
const babelEntry = await import('chaincut/babel')
const { createRequire } = await import('node:module')
const required = createRequire(import.meta.url)('chaincut/babel')
// the app's @babel/core (here: the one installed beside chaincut)
const babel = createRequire(import.meta.resolve('chaincut/babel').replace('file://', ''))('@babel/core')
const babelOut = babel.transformSync("import { Point0 } from '@point0/core'\\nexport const a = Point0.lets('GET', '/x').loader(() => 'PACKED_BABEL_SECRET').action()\\n", {
  filename: '/app/b.ts', babelrc: false, configFile: false, caller: { name: 'metro', platform: 'ios' }, plugins: ['chaincut/babel'],
})
out.babel = { type: typeof babelEntry.default, required: typeof (required.default ?? required), code: babelOut.code }
// chaincut/next and chaincut/loader (Next and Turbopack load them by name)
const nextEntry = await import('chaincut/next')
const nextConfig = nextEntry.withChaincut({ reactStrictMode: true })
const loaderEntry = createRequire(import.meta.url)('chaincut/loader')
out.next = {
  withChaincut: typeof nextEntry.withChaincut,
  default: nextEntry.default === nextEntry.withChaincut,
  rules: Object.keys(nextConfig.turbopack.rules),
  loaders: nextConfig.turbopack.rules[nextEntry.TURBOPACK_GLOB].map((r) => r.loaders[0].loader + ':' + r.loaders[0].options.side),
  webpack: typeof nextConfig.webpack,
  loader: typeof (loaderEntry.default ?? loaderEntry),
}
console.log(JSON.stringify(out))
`

describe('the packed package', () => {
  let dir: string
  let stage: string
  let tarball: string
  let pkgDir: string
  let result: any
  let bunResult: any

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'chaincut-packed-'))
    // packed from a copy of the checkout without src/: the pack scripts run as in a release
    // (`prepack` strips `prepare` from the packed package.json, `postpack` puts it back) but
    // build nothing, so dist/ is not rebuilt while other test files import it
    stage = join(dir, 'stage')
    mkdirSync(stage)
    for (const entry of ['package.json', 'README.md', 'CHANGELOG.md', 'dist', 'scripts']) cpSync(join(ROOT, entry), join(stage, entry), { recursive: true })
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: stage, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
    )
    tarball = join(dir, packed[0].filename)
    const project = join(dir, 'project')
    mkdirSync(join(project, 'node_modules'), { recursive: true })
    execFileSync('tar', ['xzf', tarball, '-C', dir])
    pkgDir = join(project, 'node_modules/chaincut')
    renameSync(join(dir, 'package'), pkgDir)
    // the package's dependencies, as an install would provide them
    symlinkSync(join(ROOT, 'node_modules'), join(pkgDir, 'node_modules'), 'dir')
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'packed-consumer', private: true, type: 'module' }))
    writeFileSync(join(project, 'check.mjs'), check)
    result = JSON.parse(execFileSync(process.execPath, ['check.mjs'], { cwd: project, encoding: 'utf8' }))
    // and in Bun itself: the bundler plugin is made and used by Bun.build
    writeFileSync(join(project, 'a.ts'), "import { Point0 } from '@point0/core'\nexport const a = Point0.lets('GET', '/x').loader(() => 'PACKED_BUN_SECRET').action()\n")
    writeFileSync(
      join(project, 'check-bun.mjs'),
      `import chaincut from 'chaincut/bun'
const plugin = chaincut({ report: false })
const built = await Bun.build({ entrypoints: ['./a.ts'], external: ['@point0/core'], plugins: [plugin] })
console.log(JSON.stringify({ name: plugin.name, keys: Object.keys(plugin).sort(), code: await built.outputs[0].text() }))
`,
    )
    bunResult = JSON.parse(execFileSync(BUN, ['check-bun.mjs'], { cwd: project, encoding: 'utf8' }))
  })

  afterAll(() => {
    if (dir && !process.env.KEEP_TMP) rmSync(dir, { recursive: true, force: true })
  })

  it('ships every file that exports, types and bin name, and no sources or tests', () => {
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'))
    const targets = [pkg.main, pkg.types, ...Object.values(pkg.bin as Record<string, string>)]
    for (const value of Object.values(pkg.exports as Record<string, string | Record<string, string>>)) {
      targets.push(...(typeof value === 'string' ? [value] : Object.values(value)))
    }
    for (const target of targets) expect(existsSync(join(pkgDir, target)), target).toBe(true)
    // the HTML audit's page, which no export names (read beside dist/report/html.js)
    expect(existsSync(join(pkgDir, 'dist/report/audit-page.html'))).toBe(true)
    expect(readdirSync(pkgDir).sort()).toEqual(['CHANGELOG.md', 'README.md', 'dist', 'node_modules', 'package.json'].sort())
  })

  it('packs a package.json without install scripts, and leaves the checkout\'s as it was', () => {
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'))
    // npm lists these (prepare: for a tarball, git or folder) to everyone who installs the tarball
    for (const script of ['preinstall', 'install', 'postinstall', 'prepare']) expect(pkg.scripts?.[script], script).toBeUndefined()
    const source = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
    expect(pkg.scripts).toEqual(Object.fromEntries(Object.entries(source.scripts).filter(([name]) => name !== 'prepare')))
    expect(readFileSync(join(stage, 'package.json'), 'utf8')).toBe(readFileSync(join(ROOT, 'package.json'), 'utf8'))
    expect(existsSync(join(stage, '.tmp/package.json.prepack'))).toBe(false)
  })

  it('installs from the tarball without a warning, and loads with the dependencies npm installed', { timeout: 300_000 }, () => {
    const consumer = join(dir, 'consumer')
    mkdirSync(consumer)
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'tarball-consumer', private: true, type: 'module' }))
    const install = spawnSync('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel', 'warn'], { cwd: consumer, encoding: 'utf8' })
    const output = install.stdout + install.stderr
    expect(install.status, output).toBe(0)
    expect(output).not.toMatch(/npm warn|npm WARN|install-scripts|prepare/)
    const loaded = execFileSync(process.execPath, ['--input-type=module', '-e', "const m = await import('chaincut'); const v = await import('chaincut/vite'); console.log(typeof m.transform, typeof v.default)"], { cwd: consumer, encoding: 'utf8' })
    expect(loaded.trim()).toBe('function function')
  })

  it('makes a plugin from every bundler entry', () => {
    expect(result.vite.type).toBe('function')
    expect(result.vite.names).toContain('chaincut')
    expect(result.vite.keys).toEqual(expect.arrayContaining(['transform', 'resolveId', 'enforce']))
    expect(result.rollup.names).toEqual(['chaincut'])
    expect(result.rollup.keys).toEqual(expect.arrayContaining(['transform', 'resolveId', 'generateBundle']))
    expect(result.rolldown.names).toEqual(['chaincut'])
    expect(result.rolldown.keys).toContain('transform')
    expect(result.webpack.keys).toEqual(['apply'])
    expect(result.rspack.keys).toEqual(['apply'])
    expect(result.esbuild.names).toEqual(['chaincut'])
    expect(result.esbuild.keys).toEqual(['name', 'setup'])
  })

  it('exports the core transform and the preset factories', () => {
    expect(result.core).toEqual(expect.arrayContaining(['transform', 'point0', 'tailorkit', 'ChaincutError', 'ModuleCache']))
    expect(result.transformed).toContain(".loader()")
    expect(result.transformed).not.toContain('PACKED_SECRET')
    expect(result.version).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version)
  })

  it('loads chaincut/bun in Node (runtime plugin) and in Bun (the bundler plugin cuts in Bun.build)', () => {
    expect(result.bun.type).toBe('function')
    expect(result.bun.runtime).toEqual(['name', 'setup'])
    expect(result.bunInNode).toMatch(/Bun is not supported/)
    expect(bunResult.name).toBe('chaincut')
    expect(bunResult.keys).toEqual(['name', 'setup'])
    expect(bunResult.code).toContain('.loader()')
    expect(bunResult.code).not.toContain('PACKED_BUN_SECRET')
  })

  it('loads chaincut/babel by import and by require, and Babel runs it by name from the package', () => {
    expect(result.babel.type).toBe('function')
    expect(result.babel.required).toBe('function')
    expect(result.babel.code).toContain('.loader()')
    expect(result.babel.code).not.toContain('PACKED_BABEL_SECRET')
  })

  it('loads chaincut/next (withChaincut) and chaincut/loader (by require, as loader runners load it)', () => {
    expect(result.next).toEqual({
      withChaincut: 'function',
      default: true,
      rules: ['*.{js,jsx,ts,tsx,mjs,mts,cjs,cts}'],
      loaders: ['chaincut/loader:client', 'chaincut/loader:server'],
      webpack: 'function',
      loader: 'function',
    })
  })

  it('asks Rollup users for side', () => {
    expect(result.rollupWithoutSide).toMatch(/pass chaincut\(\{ side: 'client' \}\)/)
  })
})
