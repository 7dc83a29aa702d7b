/**
 * Hostile input (issue 7, item 4): syntax errors, a 5 MB file, a chain of
 * 10,000 segments, deep nesting, unicode, BOM and CRLF, U+2028 in strings,
 * files that are not JavaScript, and mutated modules. Each must end in a
 * correct output or a ChaincutError (with file, line and column) within a
 * bounded time: never a hang, never another exception.
 *
 * Every transform runs in a worker with a time limit (test/support/guarded.ts),
 * so a hang fails the test instead of freezing the run.
 */
import { parse } from '@babel/parser'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { parseAs, pluginsFor } from './gen/inspect.js'
import { moduleArb, renderModule } from './gen/modules.js'
import { Guard, type GuardedOptions, type GuardedResult } from './support/guarded.js'
import { ChaincutError, transform } from '../src/index.js'

// CI runs one fixed seed so a result is reproducible; locally every run explores a new one
if (process.env.CI && !process.env.CHAINCUT_FUZZ_SEED) fc.configureGlobal({ seed: 20261122 })

const guard = new Guard()
afterAll(() => guard.close())

const SIDES = ['client', 'server'] as const
/** fast-check settings of the two fuzz tests below: 150 runs, 2,000 with CHAINCUT_FUZZ_RUNS >= 5000; replay with CHAINCUT_FUZZ_SEED/PATH (printed on failure) */
const FUZZ = {
  numRuns: Number(process.env.CHAINCUT_FUZZ_RUNS ?? 0) >= 5000 ? 2000 : 150,
  ...(process.env.CHAINCUT_FUZZ_SEED ? { seed: Number(process.env.CHAINCUT_FUZZ_SEED), path: process.env.CHAINCUT_FUZZ_PATH, endOnFailure: true } : {}),
}
/** Generous: a small module takes milliseconds. */
const SMALL = 10_000

/** The error position @babel/parser itself reports (1-based line, 0-based column). */
function babelErrorLoc(code: string, id: string): { line: number; column: number } | null {
  try {
    parse(code, { sourceType: 'module', plugins: pluginsFor(id) })
    return null
  } catch (error) {
    const loc = (error as { loc?: { line: number; column: number } }).loc
    return loc ? { line: loc.line, column: loc.column } : null
  }
}

/** A result is a correct output (parses, idempotent) or a ChaincutError naming the file and a position. */
async function expectOutputOrChaincutError(r: GuardedResult, code: string, id: string, options: GuardedOptions, limitMs = SMALL): Promise<'output' | 'null' | 'error'> {
  if (r.kind === 'timeout') throw new Error(`transform did not finish within ${limitMs} ms (a hang) for ${id} [${options.side}]`)
  if (r.kind === 'error') {
    expect(r.name, `${id} [${options.side}] threw ${r.name}: ${r.message.slice(0, 500)}`).toBe('ChaincutError')
    expect(r.findings!.length).toBeGreaterThan(0)
    const f = r.findings![0]
    expect(f.file).toBe(id)
    expect(f.line).toBeGreaterThanOrEqual(1)
    expect(f.column).toBeGreaterThanOrEqual(0)
    expect(r.message.startsWith(`[chaincut] ${f.code} ${id}:${f.line}:${f.column + 1} `), r.message.slice(0, 300)).toBe(true)
    return 'error'
  }
  if (r.code === null) return 'null'
  // parsed in the worker: the same stack the transform had
  const parsed = await guard.parse(r.code, pluginsFor(id))
  expect(parsed, `the ${options.side} output of ${id} does not parse`).toEqual({ kind: 'ok' })
  const again = await guard.run(r.code, id, options, limitMs)
  if (again.kind !== 'ok') throw new Error(`the second pass failed: ${again.kind === 'error' ? again.message.slice(0, 500) : 'timeout'}`)
  expect(again.code === null || again.code === r.code, `a second pass changed the ${options.side} output of ${id}`).toBe(true)
  return 'output'
}

/** The client keeps no `.loader(() => db)`: cut, or the build refused (named: which finding). */
function expectLoaderGoneOrRefused(r: GuardedResult, code: string): void {
  if (r.kind === 'ok') expect(r.code ?? code, 'client output').not.toContain('loader(() => db)')
  else expect(r.kind === 'error' ? r.code : r.kind, 'client refusal').toMatch(/^E_[A-Z_]+$/)
}

const HEAD = `import { Point0 } from '@point0/core'\nimport { db } from './db'\nconst root = Point0.lets('root', 'main').root()\n`

describe('syntax errors: a ChaincutError E_PARSE with file, line and column', () => {
  const cases: Array<[string, string, string]> = [
    ['unterminated call', '/app/broken.ts', `${HEAD}export const a = root.lets('GET', '/x').loader(\n`],
    ['unterminated string', '/app/string.ts', `${HEAD}export const a = root.lets('GET', '/x).loader(() => db)\n`],
    ['TypeScript in a .js file', '/app/typed.js', `${HEAD}export const a: number = root.lets('GET', '/x')\n`],
    ['JSX in a .ts file', '/app/view.ts', `${HEAD}export const a = root.lets.page('/x').page(() => <div />)\n`],
    ['missing closing brace', '/app/brace.tsx', `${HEAD}export function f() {\n  return root.lets.page('/x')\n`],
    ['error after astral characters on the line', '/app/astral.ts', `${HEAD}const s = '𝒳😀𝒳'; export const a = root.lets('GET', '/x') +* 1\n`],
    ['error after a U+2028 inside a string', '/app/ls.ts', `${HEAD}const s = 'a\u2028b'\nexport const a = root.lets('GET', '/x').loader(() => db) )\n`],
    ['a stray closing bracket in a cut argument', '/app/cut.ts', `${HEAD}export const a = root.lets('GET', '/x').loader(() => db])\n`],
    ['duplicate declaration', '/app/dup.ts', `${HEAD}const root = 1\nexport const a = root.lets('GET', '/x')\n`],
  ]
  for (const [title, id, code] of cases) {
    it(title, async () => {
      const expected = babelErrorLoc(code, id)
      expect(expected, 'the case must be a syntax error').not.toBeNull()
      for (const side of SIDES) {
        const r = await guard.run(code, id, { side }, SMALL)
        expect(r.kind).toBe('error')
        if (r.kind !== 'error') return
        expect(r.name).toBe('ChaincutError')
        expect(r.code).toBe('E_PARSE')
        const f = r.findings![0]
        expect({ file: f.file, line: f.line, column: f.column }).toEqual({ file: id, ...expected })
        expect(r.message.startsWith(`[chaincut] E_PARSE ${id}:${f.line}:${f.column + 1} cannot parse`)).toBe(true)
        expect(f.frame).toContain('>')
      }
    })
  }
})

describe('size', () => {
  it('a text with 300,000 `} =` and no `{` near them: the pre-parse test stays linear', async () => {
    // each `} =` is taken back to its `{` over a bounded span: searching the whole text before it
    // for a `{` would make this quadratic (minutes)
    const code = 'x} ='.repeat(300_000)
    for (const side of SIDES) {
      const r = await guard.run(code, '/app/braces.ts', { side }, SMALL)
      expect(r.kind, `${side}: ${r.kind}`).toBe('ok')
      if (r.kind === 'ok') expect(r.code).toBeNull()
    }
  })
  it('a 5 MB generated file with chains: both sides correct, idempotent, and well within time', async () => {
    let code = HEAD + `import { z } from 'zod'\n`
    let n = 0
    while (code.length < 5 * 1024 * 1024) {
      code +=
        `function helper${n}() {\n  return db.q${n}('SECRET_H${n}')\n}\n` +
        `export const p${n}Page = root.lets.page('/p${n}')\n  .loader(async () => helper${n}())\n  .page(() => 'VIEW_${n}')\n` +
        `export const a${n} = root.lets('POST', '/a${n}').body(z.object({ s: 'SECRET_B${n}' })).action(async () => db.w${n}('SECRET_A${n}'))\n`
      n++
    }
    const id = '/app/huge.ts'
    const parseStarted = performance.now()
    parseAs(code, id)
    const parseMs = performance.now() - parseStarted
    const limit = 120_000
    const client = await guard.run(code, id, { side: 'client' }, limit)
    const server = await guard.run(code, id, { side: 'server', ssr: false }, limit)
    console.log(`[hostile] ${(code.length / 1024 / 1024).toFixed(1)} MB, ${n} points × 2: @babel/parser ${parseMs.toFixed(0)} ms, client ${client.ms.toFixed(0)} ms, server ${server.ms.toFixed(0)} ms`)
    expect(client.kind).toBe('ok')
    expect(server.kind).toBe('ok')
    if (client.kind !== 'ok' || server.kind !== 'ok') return
    const c = client.code!
    const s = server.code!
    expect(c).not.toMatch(/SECRET_|db\.|helper\d|from 'zod'|from '\.\/db'/)
    expect(c.match(/\.loader\(\)/g)).toHaveLength(n)
    expect(c.match(/\.action\(\)/g)).toHaveLength(n)
    expect(c).toContain(`root.lets('page', 'p${n - 1}', '/p${n - 1}')`)
    expect(c).toContain(`'VIEW_${n - 1}'`)
    expect(s.match(/SECRET_A/g)).toHaveLength(n)
    expect(s).not.toContain('VIEW_')
    expect(s.match(/\.page\(\)/g)).toHaveLength(n)
    for (const [r, side] of [[client, 'client'], [server, 'server']] as const) {
      expect(() => parseAs(r.code!, id)).not.toThrow()
      const again = await guard.run(r.code!, id, { side }, limit)
      expect(again.kind === 'ok' && (again.code === null || again.code === r.code), `second pass of the ${side} output`).toBe(true)
    }
  })

  it('a chain of 10,000 segments: both sides cut per the table, in order, idempotent', async () => {
    let code = HEAD + `export const a = root.lets('GET', '/x')`
    for (let i = 0; i < 10_000; i++) {
      code += [`.loader(() => db.q${i}('S${i}'))`, `\n  .tag('t${i}')`, `.page(() => 'V${i}')`, ` /* ${i} */ .clientLoader(() => 'C${i}')`][i % 4]
    }
    code += '.action()\n'
    const id = '/app/long.ts'
    const client = await guard.run(code, id, { side: 'client' }, 60_000)
    const server = await guard.run(code, id, { side: 'server', ssr: false }, 60_000)
    expect(client.kind === 'ok' && server.kind === 'ok').toBe(true)
    if (client.kind !== 'ok' || server.kind !== 'ok') return
    expect(client.cuts).toBe(2_500)
    expect(client.code).not.toMatch(/db\.|'S\d/)
    expect(client.code!.match(/\.loader\(\)/g)).toHaveLength(2_500)
    expect(client.code!.match(/'V\d+'/g)).toHaveLength(2_500)
    expect(server.cuts).toBe(5_000)
    expect(server.code!.match(/'V\d+'|'C\d+'/g)).toBeNull()
    expect(server.code!.match(/'S\d+'/g)).toHaveLength(2_500)
    // the calls, in order
    const names = (out: string) => [...out.matchAll(/\.(loader|tag|page|clientLoader)\(/g)].map((m) => m[1]).join(',')
    expect(names(client.code!)).toBe(names(code))
    expect(names(server.code!)).toBe(names(code))
    for (const [r, side] of [[client, 'client'], [server, 'server']] as const) await expectOutputOrChaincutError(r, code, id, { side }, 60_000)
  })

  it('10,000 helpers, each used only by the next, the last only by cut code: all removed on the client', async () => {
    let code = HEAD + 'function h0() {\n  return db\n}\n'
    for (let i = 1; i < 10_000; i++) code += `function h${i}() {\n  return h${i - 1}()\n}\n`
    code += `export const a = root.lets('GET', '/x').loader(() => h9999()).action()\n`
    const r = await guard.run(code, '/app/helpers.ts', { side: 'client' }, 60_000)
    expect(r.kind).toBe('ok')
    if (r.kind !== 'ok') return
    expect(r.code).toBe(`import { Point0 } from '@point0/core'\nconst root = Point0.lets('root', 'main').root()\nexport const a = root.lets('GET', '/x').loader().action()\n`)
  })
})

describe('deep nesting', () => {
  const shapes: Record<string, (n: number) => string> = {
    arrays: (n) => '['.repeat(n) + 'db' + ']'.repeat(n),
    parens: (n) => '('.repeat(n) + 'db' + ')'.repeat(n),
    arrows: (n) => '() => '.repeat(n) + 'db',
    objects: (n) => '{ a: '.repeat(n) + 'db' + ' }'.repeat(n),
    calls: (n) => 'f('.repeat(n) + 'db' + ')'.repeat(n),
    ternaries: (n) => 'c ? db : '.repeat(n) + 'db',
    binaries: (n) => 'db + '.repeat(n) + 'db',
    blocks: (n) => '() => ' + '{ '.repeat(n) + 'db; ' + '}'.repeat(n),
    ifs: (n) => '() => { ' + 'if (c) '.repeat(n) + 'db; }',
    templates: (n) => '`${'.repeat(n) + 'db' + '}`'.repeat(n),
    members: (n) => 'db' + '.x'.repeat(n),
    unaries: (n) => '!'.repeat(n) + 'db',
    functions: (n) => 'function () { return '.repeat(n) + 'db' + ' }'.repeat(n),
    classes: (n) => 'class { m() { return '.repeat(n) + 'db' + ' } }'.repeat(n),
    jsx: (n) => '() => ' + '<a>'.repeat(n) + '{db}' + '</a>'.repeat(n),
  }

  it('1,000-deep arrays: a ChaincutError E_PARSE ("nested too deeply"), not a RangeError', async () => {
    const id = '/app/deep.tsx'
    const code = `${HEAD}export const a = root.lets('GET', '/x').loader(${shapes.arrays(1000)}).action()\n`
    for (const side of SIDES) {
      const r = await guard.run(code, id, { side }, SMALL)
      expect(r.kind === 'error' && r.name).toBe('ChaincutError')
      if (r.kind !== 'error') return
      expect(r.code).toBe('E_PARSE')
      expect(r.message).toMatch(/nested too deeply/)
    }
  })

  for (const depth of [1_000, 10_000]) {
    it(`${depth.toLocaleString('en')}-deep nesting of every kind, in a cut and in a kept argument: an output or a ChaincutError`, async () => {
      const id = '/app/deep.tsx'
      for (const [shape, make] of Object.entries(shapes)) {
        const code = `${HEAD}export const a = root.lets('GET', '/x').loader(${make(depth)}).tag(${make(depth)}).action()\n`
        for (const side of SIDES) {
          const r = await guard.run(code, id, { side }, SMALL)
          const outcome = await expectOutputOrChaincutError(r, code, id, { side })
          if (outcome === 'output' && side === 'client' && r.kind === 'ok') {
            // the cut argument is gone, the kept one byte-identical
            expect(r.code, shape).toContain(`.loader().tag(${make(depth)}).action()`)
          }
        }
      }
    })
  }

  it('a chain head behind 10,000 const aliases: an output or a ChaincutError, not a RangeError', async () => {
    let code = HEAD + 'const a0 = root\n'
    for (let i = 1; i < 10_000; i++) code += `const a${i} = a${i - 1}\n`
    code += `export const p = a9999.lets.page('/x').loader(() => db)\n`
    for (const side of SIDES) {
      const r = await guard.run(code, '/app/aliases.ts', { side }, SMALL)
      await expectOutputOrChaincutError(r, code, '/app/aliases.ts', { side })
      // the client never keeps the loader: cut, or refused as too deep to follow
      if (side === 'client') expectLoaderGoneOrRefused(r, code)
    }
  })

  it('in this process, a head behind 10,000 aliases is refused on the client as E_TOO_DEEP, naming the file', async () => {
    let code = HEAD + 'const a0 = root\n'
    for (let i = 1; i < 10_000; i++) code += `const a${i} = a${i - 1}\n`
    code += `export const p = a9999.lets.page('/x').loader(() => db)\n`
    const error = await transform(code, '/app/aliases.ts', { side: 'client' }).then(
      () => null,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(ChaincutError)
    expect((error as ChaincutError).code).toBe('E_TOO_DEEP')
    expect((error as Error).message).toContain('/app/aliases.ts:1:1')
  })

  it('a chain on a 10,000-deep member expression: an output or a ChaincutError, not a RangeError', async () => {
    const code = `${HEAD}export const p = db${'.x'.repeat(10_000)}.lets.page('/x').loader(() => db)\n`
    for (const side of SIDES) {
      const r = await guard.run(code, '/app/members.ts', { side }, SMALL)
      await expectOutputOrChaincutError(r, code, '/app/members.ts', { side })
      if (side === 'client') expectLoaderGoneOrRefused(r, code)
    }
  })

  it('a chain split over 10,000 consts: every part cut, idempotent', async () => {
    let code = HEAD + `const d0 = root.lets('GET', '/x')\n`
    for (let i = 1; i < 10_000; i++) code += `const d${i} = d${i - 1}.loader(() => db.q${i})\n`
    code += 'export const p = d9999.action()\n'
    const r = await guard.run(code, '/app/split.ts', { side: 'client' }, 60_000)
    // an output, not a refusal: every part is a proven chain
    expect(await expectOutputOrChaincutError(r, code, '/app/split.ts', { side: 'client' }, 60_000)).toBe('output')
    expect(r.kind === 'ok' ? r.code : '(no output)').not.toContain('db.')
  })
})

describe('text encodings', () => {
  it('unicode identifiers and strings, astral characters included: exact output on both sides', async () => {
    const code =
      `import { Point0 } from '@point0/core'\n` +
      `import { 𝒟b, café } from './db'\n` +
      `import { ℌelper } from './ui'\n` +
      `const root = Point0.lets('root', 'main').root()\n` +
      `const 𝒳 = (s) => 𝒟b.q(s, 'секрет 😀')\n` +
      `export const 𝒴Page = root.lets.page('/𝒴/😀').loader(async () => 𝒳('密码 🔑' + café)).page(() => ℌelper('見る 👀'))\n` +
      `export const ünïcödeAction = root.lets.action('POST', '/ü').body('𝒷𝑜𝒹𝓎').action()\n`
    const id = '/app/ユニコード.ts'
    const client = await guard.run(code, id, { side: 'client' }, SMALL)
    expect(client.kind === 'ok' && client.code).toBe(
      `import { Point0 } from '@point0/core'\n` +
        `import { ℌelper } from './ui'\n` +
        `const root = Point0.lets('root', 'main').root()\n` +
        `export const 𝒴Page = root.lets('page', '𝒴', '/𝒴/😀').loader().page(() => ℌelper('見る 👀'))\n` +
        `export const ünïcödeAction = root.lets('action', 'ünïcöde', 'POST', '/ü').body().action()\n`,
    )
    const server = await guard.run(code, id, { side: 'server', ssr: false }, SMALL)
    expect(server.kind === 'ok' && server.code).toBe(
      `import { Point0 } from '@point0/core'\n` +
        `import { 𝒟b, café } from './db'\n` +
        `const root = Point0.lets('root', 'main').root()\n` +
        `const 𝒳 = (s) => 𝒟b.q(s, 'секрет 😀')\n` +
        `export const 𝒴Page = root.lets('page', '𝒴', '/𝒴/😀').loader(async () => 𝒳('密码 🔑' + café)).page()\n` +
        `export const ünïcödeAction = root.lets('action', 'ünïcöde', 'POST', '/ü').body('𝒷𝑜𝒹𝓎').action()\n`,
    )
    for (const [r, side] of [[client, 'client'], [server, 'server']] as const) await expectOutputOrChaincutError(r, code, id, { side })
  })

  it('a BOM and CRLF line endings are kept where untouched, and the output stays valid', async () => {
    const lines = [
      `import { db } from './db'`,
      `import { Point0 } from '@point0/core'`,
      `import { View } from './view'`,
      `const root = Point0.lets('root', 'main').root()`,
      `// a comment line\tthat stays`,
      `export const ideaPage = root.lets`,
      `  .page('/ideas/:id')`,
      `  .loader(async ({ params }) => {`,
      `    return db.idea.find(params.id)`,
      `  })`,
      `  .page(() => View)`,
      `export const tail = 'untouched'`,
    ]
    const code = '\uFEFF' + lines.join('\r\n') + '\r\n'
    const id = '/app/bom.ts'
    for (const side of SIDES) {
      const r = await guard.run(code, id, { side, ssr: false }, SMALL)
      expect(r.kind).toBe('ok')
      if (r.kind !== 'ok') return
      const out = r.code!
      expect(out.startsWith('\uFEFF'), `${side}: the BOM stays`).toBe(true)
      expect(out.slice(1)).not.toContain('\uFEFF')
      expect(out.replace(/\r\n/g, ''), `${side}: no bare LF or CR`).not.toMatch(/[\r\n]/)
      expect(out).toContain(`\r\n// a comment line\tthat stays\r\nexport const ideaPage = root.lets('page', 'idea', '/ideas/:id')\r\n`)
      expect(out.endsWith(`\r\nexport const tail = 'untouched'\r\n`)).toBe(true)
      if (side === 'client') expect(out).not.toContain('db')
      else expect(out).not.toContain('View)')
      await expectOutputOrChaincutError(r, code, id, { side })
    }
  })

  it('U+2028 and U+2029 inside strings, templates and comments, in cut and kept arguments', async () => {
    const code =
      HEAD +
      `const ls = 'line\u2028separator'\n` +
      `/* a block comment with \u2029 in it */\n` +
      `export const a = root.lets('GET', '/x')\n` +
      `  .loader(() => db.q('cut\u2028me', \`tmpl\u2029\${ls}\`))\n` +
      `  .tag('kept\u2028tag')\n` +
      `  .action()\n` +
      `export const after = 'still\u2029here'\n`
    const id = '/app/separators.js'
    const client = await guard.run(code, id, { side: 'client' }, SMALL)
    expect(client.kind === 'ok' && client.code).toBe(
      `import { Point0 } from '@point0/core'\nconst root = Point0.lets('root', 'main').root()\n` +
        `/* a block comment with \u2029 in it */\n` +
        `export const a = root.lets('GET', '/x')\n  .loader()\n  .tag('kept\u2028tag')\n  .action()\n` +
        `export const after = 'still\u2029here'\n`,
    )
    const server = await guard.run(code, id, { side: 'server', ssr: false }, SMALL)
    expect(server.kind === 'ok' ? server.code : server).toBeNull()
    await expectOutputOrChaincutError(client, code, id, { side: 'client' })
  })

  // JavaScript ends a line comment at any line terminator: CR, U+2028, U+2029, not only LF.
  // What follows on the same "line" is code, and code that stays must stay.
  for (const [name, eol] of [['a lone CR (classic Mac line endings)', '\r'], ['U+2028', '\u2028'], ['U+2029', '\u2029']] as const) {
    it(`a line comment ended by ${name}, above a removed helper: the code after the terminator stays`, async () => {
      const code = `import { Point0 } from '@point0/core'\nimport { db } from './db'\n// note${eol}console.log('KEEP')\nfunction helper() {\n  return db\n}\nexport const a = Point0.lets('GET', '/x').loader(() => helper())\n`
      const r = await guard.run(code, '/app/terminators.js', { side: 'client' }, SMALL)
      expect(r.kind === 'ok' && r.code).toBe(`import { Point0 } from '@point0/core'\n// note${eol}console.log('KEEP')\nexport const a = Point0.lets('GET', '/x').loader()\n`)
    })
  }

  it('a file with CR-only line endings that starts with a comment: removing a helper removes only the helper', async () => {
    const lines = [
      '// header',
      `import { Point0 } from '@point0/core'`,
      `import { db } from './db'`,
      `console.log('KEEP')`,
      'function helper() { return db }',
      `export const a = Point0.lets('GET', '/x').loader(() => helper())`,
      '',
    ]
    const code = lines.join('\r')
    const r = await guard.run(code, '/app/mac.js', { side: 'client' }, SMALL)
    expect(r.kind === 'ok' && r.code).toBe(
      ['// header', `import { Point0 } from '@point0/core'`, `console.log('KEEP')`, `export const a = Point0.lets('GET', '/x').loader()`, ''].join('\r'),
    )
  })
})

describe('not JavaScript at all', () => {
  // a real PNG header and chunk layout, with a `.lets(` that passes the code filter
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89]),
    Buffer.from('root.lets(\u0000\u0001\u00ff'),
    Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)),
    Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]),
  ])
  const inputs: Array<[string, string, string]> = [
    ['a PNG as latin1 text', '/app/logo.ts', png.toString('latin1')],
    ['a PNG as UTF-8 text (replacement characters)', '/app/logo.js', png.toString('utf8')],
    ['Markdown with a chain in a code fence', '/app/README.tsx', "# Actions\n\nUse `root.lets.page('/x')`:\n\n```ts\nexport const p = root.lets.page('/x').loader(() => db)\n```\n\n- item with .handler(fn)\n"],
    ['JSON mentioning .lets(', '/app/data.ts', '{ "a": "x.lets(1)", "b": [1, 2, { "c": null }] }\n'],
    ['CSS mentioning .lets(', '/app/style.mjs', '.lets(.a) { color: red; }\n.handler > a { margin: 0 }\n'],
    ['HTML with an inline script', '/app/page.jsx', '<!doctype html>\n<html><body><script>root.lets.page("/x").loader(() => db)</script></body></html>\n'],
    ['shell script', '/app/run.ts', '#!/bin/sh\nset -e\necho "root.lets(\'GET\', \'/x\')" | tee out.txt && exit 1\n'],
    ['a hashbang module (valid JavaScript)', '/app/bin.mjs', `#!/usr/bin/env node\n${HEAD}export const a = root.lets('GET', '/x').loader(() => db).action()\n`],
    ['NUL bytes and control characters around a chain', '/app/nul.ts', `\u0000\u0007${HEAD}\u0000export const a = root.lets('GET', '/x')\u0000\n`],
    ['only `.lets(`', '/app/only.ts', '.lets('],
    ['a lone surrogate in a string and an identifier', '/app/surrogate.ts', `${HEAD}export const a = root.lets('GET', '/\ud800').loader(() => db)\nconst \udc00x = 1\n`],
    ['a million spaces between a dot and a name', '/app/spaces.ts', 'x.' + ' '.repeat(1_000_000) + 'y\n[' + ' '.repeat(1_000_000) + "'lets'\n"],
    ['ten thousand `.lets` without a call', '/app/lets.ts', 'a.lets\n'.repeat(10_000)],
  ]
  for (const [title, id, code] of inputs) {
    it(`${title}: null, a correct output, or a ChaincutError, in bounded time`, async () => {
      for (const side of SIDES) await expectOutputOrChaincutError(await guard.run(code, id, { side }, SMALL), code, id, { side })
    })
  }

  it('random text with a chain-looking token injected (fast-check)', async () => {
    const arb = fc.record({
      text: fc.oneof(fc.string({ unit: 'binary', maxLength: 400 }), fc.string({ unit: 'grapheme', maxLength: 400 }), fc.string({ unit: 'binary-ascii', maxLength: 400 })),
      token: fc.constantFrom('.lets(', ".lets.page('/x')", '.handler(', "import { createActions } from 'tailorkit'\n", 'root.lets("GET", "/x").loader(() => 1)'),
      at: fc.nat(),
      ext: fc.constantFrom('.ts', '.tsx', '.js', '.jsx', '.mjs'),
    })
    await fc.assert(
      fc.asyncProperty(arb, async ({ text, token, at, ext }) => {
        const i = at % (text.length + 1)
        const code = text.slice(0, i) + token + text.slice(i)
        const id = `/app/fuzz${ext}`
        for (const side of SIDES) await expectOutputOrChaincutError(await guard.run(code, id, { side }, SMALL), code, id, { side })
      }),
      FUZZ,
    )
  })

  it('generated modules with random mutations (deletions, duplications, hostile tokens): an output or a ChaincutError', async () => {
    // whitespace and comments mostly keep the module valid (positions shift); the rest mostly break it
    const TOKENS = [' ', '\n  ', '/* c */', '\r\n', '\t', '(', ')', '{', '}', '[', ']', "'", '"', '`', '/*', '*/', '//', '\n', '\r', '\u2028', '\uFEFF', '\\', '<', '>', '?.', '!', '...', ',', ';', '.lets.', '.loader(', '.handler(', 'export ', 'import ', 'as any', '${', '😀', '\u0000']
    const mutation = fc.record({ kind: fc.nat({ max: 2 }), at: fc.nat(), len: fc.nat({ max: 40 }), token: fc.constantFrom(...TOKENS) })
    const arb = fc.record({ g: moduleArb, mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }) })
    let errors = 0
    let outputs = 0
    await fc.assert(
      fc.asyncProperty(arb, async ({ g, mutations }) => {
        const m = renderModule(g)
        let code = m.code
        for (const mu of mutations) {
          const i = mu.at % (code.length + 1)
          if (mu.kind === 0) code = code.slice(0, i) + code.slice(i + mu.len)
          else if (mu.kind === 1) code = code.slice(0, i) + code.slice(i, i + mu.len) + code.slice(i)
          else code = code.slice(0, i) + mu.token + code.slice(i)
        }
        for (const side of SIDES) {
          const r = await guard.run(code, m.id, { side }, SMALL)
          const outcome = await expectOutputOrChaincutError(r, code, m.id, { side })
          if (outcome === 'error') errors++
          else outputs++
        }
      }),
      FUZZ,
    )
    console.log(`[hostile] mutated modules: ${outputs} outputs, ${errors} ChaincutErrors`)
  })
})
