/**
 * Server rendering read from the app's engine (`core/engine.ts`): how one
 * `Engine.create({...})` is read, as point0's engine config resolves it, and how
 * the app is found and scanned when neither the module nor the modules its chains
 * come from set it.
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { parse } from '@babel/parser'
import type * as t from '@babel/types'
import { afterAll, describe, expect, it } from 'vitest'
import { ChaincutError, ModuleCache, point0, transform } from '../src/index.js'
import { serverRendersFrom } from '../src/presets/point0/engine.js'

const read = (options: string) => {
  const ast = parse(`Engine.create(${options})`, { sourceType: 'module', plugins: ['typescript'], createParenthesizedExpressions: true })
  const call = (ast.program.body[0] as t.ExpressionStatement).expression as t.CallExpression
  return serverRendersFrom(call.arguments).ssr
}

describe("reading Engine.create's options as point0's engine does", () => {
  it.each([
    ['', false],
    ['{}', false],
    ['{ ssr: true }', true],
    ['{ ssr: false }', false],
    ['{ ssr: {} }', true],
    ['{ ssr: { allowedDiscoveryRenders: 1 } }', true],
    ['{ ssr: { enabled: false } }', false],
    ['{ "ssr": true }', true],
    ['{ ssr: true } satisfies object', true],
    // the server's own setting wins over the engine's
    ['{ ssr: true, server: { scope: "root", ssr: false } }', false],
    ['{ ssr: false, server: { ssr: true } }', true],
    ['{ ssr: true, server: { scope: "root" } }', true],
    // the compile flag, when written, is what point0's compiler assumes for the server build
    ['{ ssr: true, compiler: { ssr: false } }', false],
    ['{ ssr: false, server: { compiler: { ssr: true } } }', true],
    ['{ ssr: true, compiler: true }', true],
    // a client that renders on the server keeps the render code
    ['{ ssr: false, client: { scope: "root", ssr: true } }', true],
    ['{ ssr: false, clients: [{ scope: "a" }, { scope: "b", ssr: { enabled: true } }] }', true],
    ['{ ssr: false, clients: [{ scope: "a" }] }', false],
  ])('Engine.create(%s) → %s', (options, expected) => {
    expect(read(options)).toBe(expected)
  })

  it.each([
    'config',
    '{ ssr: process.env.SSR === "1" }',
    '{ ...base }',
    '{ ssr: true, ...base }',
    '{ [key]: true }',
    '{ ssr: { enabled: flag } }',
    '{ server }',
    '{ ssr: false, clients }',
    '{ ssr: false, client: { ssr: flag } }',
    '{ get ssr() { return true } }',
  ])('Engine.create(%s) cannot be read', (options) => {
    expect(read(options)).toBeNull()
  })

  it('reads a spread before a key as overridden by it, but the spread may still hold `server` or `compiler`', () => {
    expect(read('{ ...base, ssr: true }')).toBeNull()
    expect(read('{ ...base, ssr: true, server: {}, compiler: true, client: {}, clients: [] }')).toBe(true)
  })
})

describe('finding the setting for a module without one', () => {
  const dirs: string[] = []
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  })
  const app = (files: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'chaincut-engine-'))
    dirs.push(dir)
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, file)), { recursive: true })
      writeFileSync(join(dir, file), text)
    }
    return dir
  }
  const manifest = JSON.stringify({ name: 'app', dependencies: { '@point0/engine': '^0.3.0' } })
  const page = `import { Point0 } from '@point0/core'\nexport const homePage = Point0.lets('page', 'home', '/').page(() => 'HOME_RENDER')\n`
  const server = async (dir: string, cache = new ModuleCache()) => {
    const file = join(dir, 'src/pages/home.ts')
    return transform(page, file, { side: 'server', cache })
  }
  const warned = async (dir: string) => {
    const result = await server(dir)
    return { code: result!.code, findings: result!.report.findings }
  }

  it('scans the app under the nearest package.json that depends on @point0/engine', async () => {
    const dir = app({ 'package.json': manifest, 'src/engine.ts': `import { Engine } from '@point0/engine'\nexport const engine = Engine.create({ ssr: true })\n` })
    const result = await server(dir)
    // nothing to change on the server: the render stays
    expect(result).toBeNull()
    const off = app({ 'package.json': manifest, 'src/engine.ts': `import * as p from '@point0/engine'\nexport const engine = p.Engine.create({ ssr: false })\n` })
    const cut = await server(off)
    expect(cut!.code).toContain('.page()')
    expect(cut!.report.serverRendering).toEqual({ ssr: false, from: expect.stringMatching(/src[\\/]engine\.ts:2$/) })
  })

  it('skips tests, build output and node_modules when it scans', async () => {
    const dir = app({
      'package.json': manifest,
      'src/engine.ts': `import { Engine } from '@point0/engine'\nexport const engine = Engine.create({ ssr: true })\n`,
      'src/engine.test.ts': `import { Engine } from '@point0/engine'\nEngine.create({ ssr: false })\n`,
      'dist/server/engine.js': `import { Engine } from '@point0/engine'\nEngine.create({ ssr: false })\n`,
      'node_modules/x/engine.js': `import { Engine } from '@point0/engine'\nEngine.create({ ssr: false })\n`,
    })
    expect(await server(dir)).toBeNull()
  })

  it('warns when the app has engines that disagree, naming them, and cuts as point0 does without ssr', async () => {
    const dir = app({
      'package.json': manifest,
      'src/engine.ts': `import { Engine } from '@point0/engine'\nexport const engine = Engine.create({ ssr: true })\n`,
      'src/admin/engine.ts': `import { Engine } from '@point0/engine'\nexport const engine = Engine.create({ ssr: false })\n`,
    })
    const result = await warned(dir)
    expect(result.code).toContain('.page()')
    const finding = result.findings[0]
    expect(finding.code).toBe('W_SSR_UNKNOWN')
    expect(finding.level).toBe('warn')
    expect(finding.message).toMatch(/calls in the app at .* disagree: .*src[\\/]admin[\\/]engine\.ts:2 \(does not\), .*src[\\/]engine\.ts:2 \(server-renders\)/)
    expect(finding.hint).toContain('point0({ ssr: true })')
  })

  it('warns when the app has no engine, and an explicit point0({ ssr }) needs none', async () => {
    const dir = app({ 'package.json': manifest, 'src/other.ts': `export const x = 1\n` })
    const result = await warned(dir)
    expect(result.findings.map((f) => f.code)).toEqual(['W_SSR_UNKNOWN'])
    expect(result.findings[0].message).toMatch(/no Engine\.create\(\.\.\.\) from @point0\/engine in the app at /)
    const file = join(dir, 'src/pages/home.ts')
    expect(await transform(page, file, { side: 'server', presets: [point0({ ssr: true })] })).toBeNull()
    expect((await transform(page, file, { side: 'server', presets: [point0({ ssr: false })] }))!.code).toContain('.page()')
    // the client build never needs it
    expect((await transform(page, file, { side: 'client' }))?.report.findings ?? []).toEqual([])
  })

  it('reads the engine again when its file changes (one scan per build otherwise)', async () => {
    const dir = app({ 'package.json': manifest, 'src/engine.ts': `import { Engine } from '@point0/engine'\nexport const engine = Engine.create({ ssr: true })\n` })
    const cache = new ModuleCache()
    expect(await server(dir, cache)).toBeNull()
    writeFileSync(join(dir, 'src/engine.ts'), `import { Engine } from '@point0/engine'\nexport const engine = Engine.create({ ssr: false, server: {} })\n`)
    const later = new Date(Date.now() + 5000)
    utimesSync(join(dir, 'src/engine.ts'), later, later)
    expect((await server(dir, cache))!.code).toContain('.page()')
  })

  it('needs nothing when no render method would be cut', async () => {
    const dir = app({ 'package.json': manifest })
    const file = join(dir, 'src/pages/api.ts')
    const code = `import { Point0 } from '@point0/core'\nexport const a = Point0.lets('GET', '/a').loader(() => 1).page().action()\n`
    expect(await transform(code, file, { side: 'server' })).toBeNull()
  })
})
