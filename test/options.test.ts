/**
 * Options never fail open: every mistake in the options is a
 * ChaincutOptionsError naming the option and the value, through the plugin
 * factory (at config time) and through `transform()`.
 */
import { describe, expect, it } from 'vitest'
import chaincut from '../src/vite.js'
import { ChaincutOptionsError, ModuleCache, point0, tailorkit, transform } from '../src/index.js'
import { validateOptions } from '../src/config/options.js'
import { caseOptions, loadFixtures } from './helpers.js'

const CODE = `import { Point0 } from '@point0/core'\nexport const a = Point0.lets('GET', '/x').loader(() => 'SECRET').action()\n`

const rpc = (segments: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  chains: [{ name: 'rpc', heads: [{ import: 'createRpc', from: 'my-rpc' }], segments, ...extra }],
})

interface BadCase {
  title: string
  options: Record<string, unknown>
  option: string
  /** The value as the message shows it. */
  shown: string
  suggestion?: string
  /** Only the plugin sees it (`transform()` checks its own `side` first). */
  pluginOnly?: boolean
}

const BAD: BadCase[] = [
  { title: 'a misspelt option (case)', options: { serveronly: ['@prisma/client'] }, option: 'serveronly', shown: '["@prisma/client"]', suggestion: 'serverOnly' },
  { title: 'a misspelt option (typo)', options: { onUsafe: 'warn' }, option: 'onUsafe', shown: '"warn"', suggestion: 'onUnsafe' },
  { title: 'an unknown option', options: { minify: true }, option: 'minify', shown: 'true' },
  { title: 'onUnsafe not error/warn', options: { onUnsafe: 'ignore' }, option: 'onUnsafe', shown: '"ignore"' },
  { title: 'onUnsafe in the wrong case', options: { onUnsafe: 'Warn' }, option: 'onUnsafe', shown: '"Warn"', suggestion: 'warn' },
  { title: 'side not client/server', options: { side: 'browser' }, option: 'side', shown: '"browser"', pluginOnly: true },
  { title: 'presets not an array', options: { presets: 'point0' }, option: 'presets', shown: '"point0"' },
  { title: 'an unknown preset name', options: { presets: ['Point0'] }, option: 'presets[0]', shown: '"Point0"', suggestion: 'point0' },
  { title: 'a preset that is neither a name nor an object', options: { presets: ['point0', 7] }, option: 'presets[1]', shown: '7' },
  { title: 'a preset object without heads', options: { presets: [{ name: 'x', heads: [], segments: {} }] }, option: 'presets[0].heads', shown: '[]' },
  { title: 'a preset object with a bad rule', options: { presets: [{ ...point0(), segments: { loader: { client: 'cut' } } }] }, option: 'presets[0].segments.loader.client', shown: '"cut"' },
  { title: 'chains not an array', options: { chains: { name: 'rpc' } }, option: 'chains', shown: '{"name":"rpc"}' },
  { title: 'a chain entry that is not an object', options: { chains: ['rpc'] }, option: 'chains[0]', shown: '"rpc"' },
  { title: 'a chain without a name', options: { chains: [{ heads: [{ member: 'define' }], segments: {} }] }, option: 'chains[0].name', shown: 'undefined' },
  { title: 'a misspelt chain key', options: { chains: [{ name: 'rpc', heads: [{ member: 'define' }], segment: {} }] }, option: 'chains[0].segment', shown: '{}', suggestion: 'segments' },
  { title: 'heads not an array', options: { chains: [{ name: 'rpc', heads: { member: 'define' }, segments: {} }] }, option: 'chains[0].heads', shown: '{"member":"define"}' },
  { title: 'a head whose from is not a string', options: { chains: [{ name: 'rpc', heads: [{ import: 'createRpc', from: 3 }], segments: {} }] }, option: 'chains[0].heads[0].from', shown: '3' },
  { title: 'a head of neither form', options: { chains: [{ name: 'rpc', heads: [{ memebr: 'define' }], segments: {} }] }, option: 'chains[0].heads[0]', shown: '{"memebr":"define"}', suggestion: 'member' },
  { title: 'a head with firstArg not strings', options: { chains: [{ name: 'rpc', heads: [{ member: 'define', firstArg: 'GET' }], segments: {} }] }, option: 'chains[0].heads[0].firstArg', shown: '"GET"' },
  { title: 'segments not an object', options: { chains: [{ name: 'rpc', heads: [{ member: 'define' }], segments: ['resolve'] }] }, option: 'chains[0].segments', shown: '["resolve"]' },
  { title: 'a misspelt cut rule', options: rpc({ loader: { client: 'arg' } }), option: 'chains[0].segments.loader.client', shown: '"arg"', suggestion: 'args' },
  { title: 'a misspelt side of a segment', options: rpc({ loader: { clinet: 'args' } }), option: 'chains[0].segments.loader.clinet', shown: '"args"', suggestion: 'client' },
  { title: 'a segment rule that is a string', options: rpc({ loader: 'args' }), option: 'chains[0].segments.loader', shown: '"args"' },
  { title: 'keys that are not an array of strings', options: rpc({ options: { client: { keys: 'secret' } } }), option: 'chains[0].segments.options.client.keys', shown: '"secret"' },
  { title: 'a misspelt condition', options: rpc({ params: { client: { rule: 'args', pointType: ['action'] } } }), option: 'chains[0].segments.params.client.pointType', shown: '["action"]', suggestion: 'pointTypes' },
  { title: 'a condition with a bad inner rule', options: rpc({ page: { server: { rule: 'argz', unlessServerRendered: true } } }), option: 'chains[0].segments.page.server.rule', shown: '"argz"', suggestion: 'args' },
  { title: 'unlessServerRendered not a boolean', options: rpc({ page: { server: { rule: 'args', unlessServerRendered: 'yes' } } }), option: 'chains[0].segments.page.server.unlessServerRendered', shown: '"yes"' },
  { title: 'a rule object of neither form', options: rpc({ page: { server: { key: ['a'] } } }), option: 'chains[0].segments.page.server', shown: '{"key":["a"]}', suggestion: 'keys' },
  { title: 'closers not strings', options: rpc({ resolve: { client: 'args' } }, { closers: 'done' }), option: 'chains[0].closers', shown: '"done"' },
  { title: 'hints with a non-string', options: rpc({ resolve: { client: 'args' } }, { hints: ['resolve', null] }), option: 'chains[0].hints[1]', shown: 'null' },
  { title: 'a container without its property', options: rpc({ resolve: { client: 'args' } }, { containers: [{ import: 'createKit', from: 'kit', anyChainCalling: ['resolve'] }] }), option: 'chains[0].containers[0].property', shown: 'undefined' },
  { title: 'points with a misspelt key', options: rpc({ resolve: { client: 'args' } }, { points: { ...point0().points, verb: ['GET'] } }), option: 'chains[0].points.verb', shown: '["GET"]', suggestion: 'verbs' },
  { title: 'a serverOnly pattern that is a number', options: { serverOnly: ['stripe', 42] }, option: 'serverOnly[1]', shown: '42' },
  { title: 'an empty serverOnly pattern', options: { serverOnly: [''] }, option: 'serverOnly[0]', shown: '""' },
  { title: 'clientOnly an object', options: { clientOnly: { window: true } }, option: 'clientOnly', shown: '{"window":true}' },
  { title: 'include a function', options: { include: () => true }, option: 'include', shown: 'a function' },
  { title: 'exclude with a non-pattern', options: { exclude: [/node_modules/, 1] }, option: 'exclude[1]', shown: '1' },
  { title: 'report a number', options: { report: 3 }, option: 'report', shown: '3' },
  { title: 'cache a string', options: { cache: 'yes' }, option: 'cache', shown: '"yes"' },
]

const caught = (fn: () => unknown) => {
  try {
    fn()
  } catch (error) {
    return error
  }
  return null
}

function expectNamed(error: unknown, c: BadCase) {
  expect(error).toBeInstanceOf(ChaincutOptionsError)
  const e = error as ChaincutOptionsError
  expect(e.option).toBe(c.option)
  expect(e.message.startsWith('[chaincut] ')).toBe(true)
  expect(e.message).toContain(c.option)
  expect(e.message).toContain(c.shown)
  expect(e.suggestion).toBe(c.suggestion)
  if (c.suggestion) expect(e.message).toContain(`did you mean \`${c.suggestion}\`?`)
  // the structured value is the value given
  const given = c.option.split(/\.|\[(\d+)\]/).filter(Boolean).reduce<any>((at, key) => at?.[key], c.options)
  expect(e.value).toBe(given)
}

describe('options validation', () => {
  describe('through the Vite plugin factory', () => {
    for (const c of BAD) {
      it(`refuses ${c.title}`, () => {
        expectNamed(
          caught(() => chaincut(c.options as any)),
          c,
        )
      })
    }
  })

  describe('through transform()', () => {
    for (const c of BAD.filter((c) => !c.pluginOnly)) {
      it(`refuses ${c.title}`, async () => {
        const error = await transform(CODE, '/app/a.ts', { ...(c.options as any), side: 'client' }).then(
          () => null,
          (e: unknown) => e,
        )
        expectNamed(error, c)
      })
    }
  })

  it('names the meant option in the message: serveronly → serverOnly', () => {
    const error = caught(() => chaincut({ serveronly: ['stripe'] } as any)) as ChaincutOptionsError
    expect(error.message).toBe('[chaincut] unknown option `serveronly` (set to ["stripe"]); did you mean `serverOnly`?')
    expect(error.name).toBe('ChaincutOptionsError')
  })

  it('keeps the message the rollup and rolldown entries printed for a bad side', () => {
    expect(() => chaincut({ side: 'browser' as any })).toThrow(/side must be 'client' or 'server' \(got "browser"\)/)
  })

  it('refuses options that are not an object, never with a TypeError', () => {
    for (const options of ['point0', 42, true, [{ serverOnly: ['x'] }], () => ({})]) {
      const error = caught(() => chaincut(options as any))
      expect(error, String(options)).toBeInstanceOf(ChaincutOptionsError)
      expect((error as ChaincutOptionsError).option).toBe('options')
      expect((error as ChaincutOptionsError).value).toBe(options)
    }
    expect(caught(() => validateOptions(null))).toBeInstanceOf(ChaincutOptionsError)
  })

  it('refuses the transform-only options in the plugin', () => {
    const error = caught(() => chaincut({ onReport: () => {} } as any)) as ChaincutOptionsError
    expect(error).toBeInstanceOf(ChaincutOptionsError)
    expect(error.option).toBe('onReport')
    expect(caught(() => chaincut({ cache: new ModuleCache() } as any))).toBeInstanceOf(ChaincutOptionsError)
  })

  describe('accepts valid options', () => {
    const valid: Array<[string, unknown]> = [
      ['none', undefined],
      ['an empty object', {}],
      ['undefined values', { presets: undefined, chains: undefined, onUnsafe: undefined, serverOnly: undefined, cache: undefined }],
      ['preset names and objects', { presets: ['point0', point0({ ssr: true, desugar: false }), tailorkit({ cutSchemas: true })] }],
      ['every option', {
        presets: ['point0'],
        side: 'client',
        include: [/\.ts$/, 'src/**'],
        exclude: /node_modules/,
        serverOnly: ['@prisma/client', /^node:/g, '**/secret/**'],
        clientOnly: 'window-only',
        report: 'chaincut-report.json',
        onUnsafe: 'warn',
        cache: false,
      }],
      ['the README custom chain', {
        chains: [{
          name: 'rpc',
          heads: [{ import: 'createRpc', from: 'my-rpc' }, { member: 'define', firstArg: ['query'] }],
          segments: {
            resolve: { client: 'args' },
            guard: { client: 'args' },
            optimistic: { server: 'args' },
            options: { client: { keys: ['secret'] } },
            params: { client: { rule: 'args', pointTypes: ['action'] } },
            render: { server: { rule: 'args', unlessServerRendered: true } },
            nothing: {},
          },
          closers: ['done'],
          hints: ['resolve'],
        }],
        report: true,
        cache: true,
      }],
      ['the built-in presets as chains', { presets: [], chains: [point0(), tailorkit()] }],
    ]
    for (const [title, options] of valid) {
      it(title, async () => {
        expect(() => validateOptions(options)).not.toThrow()
        if (!(options as { side?: string } | undefined)?.side) expect(() => chaincut(options as any)).not.toThrow()
        // analysed and answered: a result, or null when nothing changes (never a throw)
        let reported = false
        const result = await transform(CODE, '/app/a.ts', { ...(options as object), side: 'client', resolve: () => null, onReport: () => (reported = true) })
        expect(result === null || typeof result.code === 'string').toBe(true)
        expect(reported, 'the module was analysed').toBe(true)
      })
    }

    it('transform() takes its own options: resolve, readFile, onReport, a ModuleCache', async () => {
      const result = await transform(CODE, '/app/a.ts', {
        side: 'client',
        resolve: () => null,
        readFile: async () => null,
        onReport: () => {},
        cache: new ModuleCache(),
      })
      expect(result?.code).not.toContain('SECRET')
    })

    it('every fixture case', () => {
      for (const c of loadFixtures()) expect(() => validateOptions(caseOptions(c.spec), 'transform'), `${c.family}/${c.name}`).not.toThrow()
    })
  })
})

describe('resolved options are shared by equal options', () => {
  it('a fresh but equal options object reuses the tables; a different one does not', async () => {
    const { resolveConfig } = await import('../src/config/config.js')
    const make = () => ({ presets: ['point0' as const], serverOnly: [/\.secret\./, 'db/**'], side: 'client' as const })
    const a = resolveConfig(make())
    expect(resolveConfig(make())).toBe(a)
    expect(resolveConfig({ ...make(), side: 'server' as const })).toBe(a)
    expect(resolveConfig({ ...make(), serverOnly: [/\.secret\./, 'api/**'] })).not.toBe(a)
    expect(resolveConfig({ ...make(), serverOnly: [/\.secrets\./, 'db/**'] })).not.toBe(a)
    expect(resolveConfig({ ...make(), onUnsafe: 'warn' })).not.toBe(a)
  })
})

describe('the pre-parse test agrees with the code filter', () => {
  // `transform()` tests a module in two steps (the pattern for `{ ... loader ... } =` runs only
  // between a `{` and a `} =`); the bundlers' hook filter is one RegExp. A module the filter lets
  // through and the pre-parse test drops would never be analysed: that must never happen.
  it('lets through every text the code filter lets through, on generated texts', async () => {
    const { resolveConfig } = await import('../src/config/config.js')
    const config = resolveConfig({ side: 'client' })
    let seed = 11
    const random = (n: number) => {
      seed = (seed + 0x6d2b79f5) | 0
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
      return ((t ^ (t >>> 14)) >>> 0) % n
    }
    // no `.` or `[`: only the destructuring pattern can let these texts through; half the
    // segments are attempts at `{ ... } =`, some spoilt by a brace, an `=` or a long span
    const inner = [' ', '\n', 'loader', 'Loader', 'xloader', 'loaders', 'handler', 'body', 'page', 'pages', 'clientLoader', 'a', ', ', ': ', 'x'.repeat(100), '=', '{', '}', '\t']
    const after = [' = ', '=', ' == ', '', ' =>', '\n=']
    const other = ['{', '}', ' = ', 'const ', 'loader', 'a', '\n', 'x'.repeat(60)]
    const counts = { filter: 0, both: 0, extra: 0 }
    for (const side of ['client', 'server'] as const) {
      for (let round = 0; round < 6000; round++) {
        let code = ''
        for (let k = 1 + random(6); k > 0; k--) {
          if (random(2)) code += '{' + Array.from({ length: random(8) }, () => inner[random(inner.length)]).join('') + '}' + after[random(after.length)]
          else code += other[random(other.length)]
        }
        const filter = config.codeFilter[side].test(code)
        const pre = config.mayContainChain[side](code)
        if (filter) counts.filter++
        if (filter && !pre) throw new Error(`the pre-parse test drops a text the filter lets through: ${JSON.stringify(code)}`)
        if (filter && pre) counts.both++
        if (!filter && pre) counts.extra++
      }
    }
    // the generator reaches both answers, and the two tests agree on almost every text
    expect(counts.filter).toBeGreaterThan(1000)
    expect(counts.extra).toBeLessThan(counts.filter / 10)
  })

  it('finds a cut method destructured anywhere in a long module, and nothing in one without', async () => {
    const { resolveConfig } = await import('../src/config/config.js')
    const config = resolveConfig({ side: 'client' })
    const filler = 'const a = { b: 1 }\nexport function f({ x, y }: P) { return x + y }\n'.repeat(400)
    // the pattern's own limits: up to 240 characters on each side of the name
    const wide = `const { ${'a'.repeat(237)}, loader, ${'b'.repeat(237)} } = base\n`
    expect(wide.indexOf('loader') - wide.indexOf('{') - 1).toBe(240)
    expect(wide.indexOf('}') - wide.indexOf('loader') - 'loader'.length).toBe(240)
    for (const code of [filler + 'const { loader } = base\n', 'const {\n  loader,\n  x } = base\n' + filler, filler + 'let { a, handler: h } = api\n', filler + wide]) {
      expect(config.codeFilter.client.test(code)).toBe(true)
      expect(config.mayContainChain.client(code)).toBe(true)
    }
    for (const code of [filler, filler + 'const { loaders } = base\n', filler + '{ loader }\n', filler + 'const { a = loader } = b\n']) {
      expect(config.mayContainChain.client(code)).toBe(config.codeFilter.client.test(code))
    }
  })
})
