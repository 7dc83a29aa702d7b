/**
 * `chaincut/babel` on every fixture, both sides, through `@babel/core`'s
 * `transformAsync` with the TypeScript syntax plugin only (no other transform):
 * the output is the core transform's, compared after both are printed by
 * `@babel/generator` from a fresh parse; the client output and its map carry no
 * `clientMustNotContain` string; errors are Babel errors at the finding with
 * chaincut's message. Then the side from Babel's `caller`, the source map, and the
 * synchronous API (the plugin waits on a worker).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { transformAsync, transformSync, type TransformOptions as BabelOptions } from '@babel/core'
import _generate from '@babel/generator'
import { parse } from '@babel/parser'
import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { point0, transform } from '../src/index.js'
import { sideFromCaller } from '../dist/babel.js'
import { caseOptions, loadFixtures } from './helpers.js'

const generate = ((_generate as any).default ?? _generate) as typeof _generate
const PLUGIN = join(import.meta.dirname, '../dist/babel.js')
const cases = loadFixtures()
const sides = ['client', 'server'] as const

const parserPlugins = (ext: string): any[] => (/tsx$/.test(ext) ? ['typescript', 'jsx'] : /ts$/.test(ext) ? ['typescript'] : /jsx$/.test(ext) ? ['jsx'] : [])
/**
 * The same code printed the same way: parse, then @babel/generator, without blank lines (the
 * generator keeps a blank line after a comment where the original positions had a gap, and the
 * plugin's nodes sit at their original positions).
 */
const normalise = (code: string, ext: string) =>
  generate(parse(code, { sourceType: 'module', plugins: parserPlugins(ext) }) as any, { retainLines: false, comments: true }).code.replace(/\n[ \t]*(?=\n)/g, '')

function babelOptions(file: string, ext: string, pluginOptions: Record<string, unknown> | undefined, extra: BabelOptions = {}): BabelOptions {
  return {
    filename: file,
    babelrc: false,
    configFile: false,
    retainLines: false,
    sourceMaps: true,
    // plain code frames: Babel colours them wherever it thinks the terminal can (CI=true does)
    highlightCode: false,
    plugins: [['@babel/plugin-syntax-typescript', { isTSX: /tsx$/.test(ext) }], pluginOptions ? [PLUGIN, pluginOptions] : PLUGIN],
    ...extra,
  }
}

let warn: ReturnType<typeof vi.spyOn>
beforeAll(() => {
  // fail-safe cuts print W_ warnings: expected on some fixtures
  warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
})
afterAll(() => warn.mockRestore())

describe('chaincut/babel on the fixtures (@babel/core, TypeScript syntax only)', () => {
  for (const c of cases) {
    describe(`${c.family}/${c.name}`, () => {
      const code = readFileSync(c.input, 'utf8')
      const options = caseOptions(c.spec)
      const pluginOptions = JSON.parse(JSON.stringify({ ...options, report: false }))

      if (c.spec.error) {
        const { side, code: errorCode } = c.spec.error
        it(`${c.spec.title} — a Babel error with chaincut's ${errorCode} (${side})`, async () => {
          const error = (await transformAsync(code, babelOptions(c.input, c.ext, { ...pluginOptions, side })).then(
            () => null,
            (e: unknown) => e,
          )) as (Error & { code?: string; findings?: Array<{ code: string; message: string; line: number; column: number }> }) | null
          expect(error).toBeInstanceOf(Error)
          if (errorCode === 'E_PARSE') {
            // Babel parses the file before any plugin runs: its own parse error, naming the file
            expect(error!.code).toBe('BABEL_PARSE_ERROR')
            expect(error!.message).toContain(c.input)
            return
          }
          expect(error!.code).toBe(errorCode)
          const finding = error!.findings!.find((f) => f.code === errorCode)!
          // Babel's error: the file, chaincut's message, and Babel's code frame at the finding
          expect(error!.message).toContain(c.input)
          expect(error!.message).toContain(`[chaincut] ${errorCode}: ${finding.message}`)
          expect(error!.message).toMatch(new RegExp(`>\\s*${finding.line} \\|`))
          const expected = c.spec.error as { message?: string; line?: number; column?: number }
          if (expected.message !== undefined) expect(finding.message).toBe(expected.message)
          if (expected.line !== undefined) expect({ line: finding.line, column: finding.column }).toEqual({ line: expected.line, column: expected.column })
        })
        return
      }

      for (const side of sides) {
        it(`${c.spec.title} — ${side}: the core transform's output`, async () => {
          const core = await transform(code, c.input, { ...options, side })
          const babel = await transformAsync(code, babelOptions(c.input, c.ext, { ...pluginOptions, side })).catch((error: Error & { code?: string }) => {
            // the import guard (which the core transform has not): a bundle with this output fails too
            if (error.code !== 'E_GUARD') throw error
            const source = /imports (?:server|client)-only module "([^"]+)"/.exec(error.message)![1]
            expect(core?.code ?? code).toMatch(new RegExp(`from '${source.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}'`))
            return null
          })
          if (babel === null) return
          expect(babel?.code).toBeTypeOf('string')
          expect(normalise(babel!.code!, c.ext)).toBe(normalise(core?.code ?? code, c.ext))
          if (side === 'client') {
            const embedded = (babel!.map?.sourcesContent ?? []).join('\n')
            for (const secret of c.spec.clientMustNotContain ?? []) {
              expect(babel!.code, `client output must not contain ${secret}`).not.toContain(secret)
              expect(embedded, `client map must not embed ${secret}`).not.toContain(secret)
            }
          }
        })
      }
    })
  }
})

describe('chaincut/babel: the side', () => {
  const file = join(import.meta.dirname, '../fixtures/point0/client-loader-cut-on-server-but-boolean-kept/input.tsx')
  const code = readFileSync(file, 'utf8')
  // the fixture's app does not server-render (its case.json says so: there is no engine to read it from)
  const run = (caller: Record<string, unknown> | undefined, options?: Record<string, unknown>) =>
    transformSync(code, { ...babelOptions(file, '.tsx', { report: false, presets: [point0({ ssr: false }), 'tailorkit'], ...options }), caller: caller as any })!.code!

  it('reads Babel callers: Metro/Expo/Next isServer, babel-loader target, platform', () => {
    expect(sideFromCaller({ name: 'metro', platform: 'ios' })).toEqual(expect.objectContaining({ side: 'client' }))
    expect(sideFromCaller({ name: 'metro', platform: 'android', isServer: true })).toEqual(expect.objectContaining({ side: 'server' }))
    expect(sideFromCaller({ name: 'next-babel-turbo-loader', isServer: false })).toEqual(expect.objectContaining({ side: 'client' }))
    expect(sideFromCaller({ name: 'babel-loader', target: 'web' })).toEqual(expect.objectContaining({ side: 'client' }))
    expect(sideFromCaller({ name: 'babel-loader', target: 'node' })).toEqual(expect.objectContaining({ side: 'server' }))
    expect(sideFromCaller({ name: 'babel-loader', target: ['es2020', 'node18'] })).toEqual(expect.objectContaining({ side: 'server' }))
    expect(sideFromCaller({ name: '@rollup/plugin-babel' })).toBeNull()
    expect(sideFromCaller(undefined)).toBeNull()
  })

  it('cuts per the caller, synchronously (transformSync waits on the worker)', () => {
    const client = run({ name: 'metro', platform: 'ios' })
    const server = run({ name: 'metro', platform: 'ios', isServer: true })
    expect(client).not.toBe(server)
    expect(run({ name: 'babel-loader', target: 'web' })).toBe(client)
    expect(run({ name: 'babel-loader', target: 'node' })).toBe(server)
  })

  it('takes the side option over the caller', () => {
    expect(run({ name: 'metro', platform: 'ios' }, { side: 'server' })).toBe(run({ name: 'metro', isServer: true }))
  })

  it('refuses to guess without side or a caller that says', () => {
    expect(() => run(undefined)).toThrow(/does not say which bundle this is.*pass the side, \['chaincut\/babel', \{ side: 'client' \}\]/s)
    expect(() => run({ name: '@rollup/plugin-babel' })).toThrow(/caller \(@rollup\/plugin-babel\)/)
  })

  it('checks its options as the other entries do', () => {
    expect(() => run({ name: 'metro', platform: 'ios' }, { serveronly: ['x'] })).toThrow(/serverOnly/)
  })
})

describe('chaincut/babel: source maps', () => {
  const file = join(import.meta.dirname, '../fixtures/point0/action-update-cuts-body-response-openapi-and-inline-action/input.ts')
  const code = readFileSync(file, 'utf8')

  /** Every kept token of `names` maps back to where it is in the original. */
  function expectMapsBack(output: string, map: any, names: string[]) {
    const traced = new TraceMap(map)
    for (const token of names) {
      // `.body(`: the member name is what Babel maps
      const name = token.replace(/^\.|\($/g, '')
      const at = output.indexOf(token) + token.indexOf(name)
      expect(at, name).toBeGreaterThanOrEqual(0)
      const before = output.slice(0, at).split('\n')
      const original = originalPositionFor(traced, { line: before.length, column: before[before.length - 1].length })
      const lines = code.split('\n')
      expect(original.line, `${name} line`).not.toBeNull()
      expect(lines[original.line! - 1].slice(original.column!, original.column! + name.length), name).toBe(name)
    }
  }

  it("points Babel's output map at the original file (the new nodes sit at their original positions)", async () => {
    const out = await transformAsync(code, babelOptions(file, '.ts', { side: 'client', report: false }))
    expect(out!.map!.sources).toEqual(['input.ts'])
    expectMapsBack(out!.code!, out!.map, ['ideaUpdateAction', '.body(', '.response(', '.openapi(', "'/api/ideas/:id'"])
  })

  it('composes with a map that came in (inputSourceMap)', async () => {
    // a first pass (Babel itself, reformatting) stands in for an earlier tool
    const first = await transformAsync(code, { filename: file, babelrc: false, configFile: false, sourceMaps: true, retainLines: false, compact: true, plugins: [['@babel/plugin-syntax-typescript', {}]] })
    const out = await transformAsync(first!.code!, babelOptions(file, '.ts', { side: 'client', report: false }, { inputSourceMap: first!.map as any }))
    expect(out!.code).not.toContain('prisma')
    expectMapsBack(out!.code!, out!.map, ['ideaUpdateAction', '.response(', '.openapi('])
  })
})

describe('chaincut/babel: the import guard (by specifier, on the imports that survive the cut)', () => {
  const file = join(import.meta.dirname, '../fixtures/point0/guard-app.ts')
  const run = (code: string, side: 'client' | 'server', options: Record<string, unknown> = {}) =>
    transformSync(code, babelOptions(file, '.ts', { side, report: false, ...options }))!.code!

  it('fails the client build on a kept import of a server-only module, at the import', () => {
    const code = `import { apiKey } from './secrets.server'\nexport const leaked = () => apiKey\n`
    let error: (Error & { code?: string }) | undefined
    try {
      run(code, 'client')
    } catch (e) {
      error = e as Error
    }
    expect(error?.code).toBe('E_GUARD')
    expect(error?.message).toContain('[chaincut] E_GUARD: imports server-only module "./secrets.server" into the client build — denied by')
    expect(error?.message).toMatch(/> 1 \| import \{ apiKey \} from '\.\/secrets\.server'/)
    expect(error?.message).toContain('hint: use it only inside a server-only segment')
    // the server build takes it
    expect(run(code, 'server')).toContain('./secrets.server')
  })

  it('passes when the import is only used in a cut segment (it is pruned first), and ignores type-only imports', () => {
    const code = `import { Point0 } from '@point0/core'\nimport type { Db } from './db.server'\nimport { apiKey } from './secrets.server'\nexport const idea = Point0.lets('GET', '/x').loader(() => apiKey).action()\n`
    const out = run(code, 'client')
    expect(out).not.toContain('secrets.server')
    expect(out).toContain('.loader()')
  })

  it('refuses client-only imports on the server, the server-only marker on the client, and warns with onUnsafe: warn', () => {
    expect(() => run(`import { w } from './widget.client'\nconsole.log(w)\n`, 'server')).toThrow(/imports client-only module "\.\/widget\.client" into the server build/)
    expect(() => run(`import 'server-only'\nexport const x = 1\n`, 'client')).toThrow(/is marked server-only/)
    warn.mockClear()
    expect(run(`import { apiKey } from './secrets.server'\nexport const k = apiKey\n`, 'client', { onUnsafe: 'warn' })).toContain('secrets.server')
    expect(String(warn.mock.calls.at(-1)?.[0])).toContain('imports server-only module "./secrets.server"')
  })
})

describe('chaincut/babel resolves what the Babel config resolves (babel-plugin-module-resolver)', () => {
  const SECRET = 'sk_live_MODRES_4q7'
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'chaincut-modres-'))
    const files: Record<string, string> = {
      // a React Native app's package.json names its frameworks
      'package.json': JSON.stringify({ name: 'rn-app', private: true, dependencies: { tailorkit: '1.0.0' }, devDependencies: { 'babel-plugin-module-resolver': '5.0.3' } }),
      'node_modules/tailorkit/package.json': JSON.stringify({ name: 'tailorkit', version: '1.0.0', type: 'module', main: 'index.js' }),
      'node_modules/tailorkit/index.js': 'export const createActions = () => { const b = { input: () => b, output: () => b, handler: (f) => f }; return b }\n',
      'app/src/tk/builder.ts': `import { createActions } from 'tailorkit'\nexport const action = createActions()\n`,
      'app/src/db.ts': `export const db = { key: '${SECRET}' }\n`,
      // `@/…` through the alias, `tk/builder` through the root
      'app/src/actions/save.ts': `import { action } from '@/tk/builder'\nimport { db } from '@/db'\nexport const save = action.handler(async () => db.key)\n`,
      'app/src/actions/load.ts': `import { action } from 'tk/builder'\nimport { db } from '@/db'\nexport const load = action.handler(async () => db.key)\n`,
    }
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, file)), { recursive: true })
      writeFileSync(join(dir, file), text)
    }
    // installed as the app would have them: Babel finds `module-resolver` by name from the app's folder
    for (const pkg of ['babel-plugin-module-resolver', '@babel/plugin-syntax-typescript']) {
      mkdirSync(dirname(join(dir, 'node_modules', pkg)), { recursive: true })
      symlinkSync(join(import.meta.dirname, '../node_modules', pkg), join(dir, 'node_modules', pkg))
    }
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  const run = (file: string, side: 'client' | 'server', resolver = true) => {
    const warnings: string[] = []
    warn.mockImplementation((message: unknown) => void warnings.push(String(message)))
    try {
      const out = transformSync(readFileSync(join(dir, file), 'utf8'), {
        filename: join(dir, file),
        cwd: dir,
        babelrc: false,
        configFile: false,
        highlightCode: false,
        plugins: [
          ['@babel/plugin-syntax-typescript', {}],
          ...(resolver ? [['module-resolver', { root: ['./app/src'], alias: { '@': './app/src' } }]] : []),
          [PLUGIN, { side, presets: ['tailorkit'], report: false }],
        ],
      })!.code!
      return { out, warnings }
    } finally {
      warn.mockImplementation(() => {})
    }
  }

  it('follows an `@/` alias and a root to the builder: the handler is cut on the client, with no warning', () => {
    for (const file of ['app/src/actions/save.ts', 'app/src/actions/load.ts']) {
      const { out, warnings } = run(file, 'client')
      expect(warnings.join('\n'), file).not.toContain('W_UNRESOLVED_HEAD')
      expect(out, file).toMatch(/action\.handler\(\)/)
      expect(out, file).not.toContain('db.key')
      // module-resolver ran after chaincut: the import it kept is rewritten
      expect(out, file).not.toContain("'@/db'")
    }
  })

  it('keeps the handler on the server', () => {
    const { out, warnings } = run('app/src/actions/save.ts', 'server')
    expect(warnings.join('\n')).not.toContain('W_UNRESOLVED_HEAD')
    expect(out).toContain('db.key')
  })

  it('without the module-resolver entry the same import is unresolved, and the client build stops (the control)', () => {
    expect(() => run('app/src/actions/save.ts', 'client', false)).toThrow(/E_UNTRACED_RECEIVER[^]*the import "@\/tk\/builder" cannot be resolved/)
  })
})
