/**
 * Core behaviours beyond the fixtures: the code filter, output stability,
 * source maps, scale, and the report.
 */
import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping'
import { describe, expect, it } from 'vitest'
import { ChaincutError, point0, tailorkit, transform } from '../src/index.js'
import { pointName } from '../src/presets/point0/naming.js'
import { guardMatcher } from '../src/config/guard-matcher.js'
import { parseModule } from '../src/js/parse.js'

const ACTION = `import { Point0 } from '@point0/core'
import { prisma } from './db'
import { cors } from './cors'

const root = Point0.lets('root', 'main').root()

export const ideaUpdateAction = root.lets
  .action('PUT', '/api/ideas/:id')
  .middleware(cors())
  .loader(async ({ params }) => prisma.idea.update({ where: { id: params.id }, token: 'SECRET_TOKEN' }))
  .action()
export const marker = 'AFTER_THE_CHAIN'
`

describe('the code filter', () => {
  it('skips a module that cannot hold a chain without parsing it', async () => {
    // not even valid JavaScript: a parse would throw, so a null proves it was never parsed
    expect(await transform('this is {{{ not code', '/app/notes.ts', { side: 'client' })).toBeNull()
  })

  it('parses a module that might hold a chain and reports its syntax error with file and position', async () => {
    const error = await transform('export const x = root.lets(\n', '/app/broken.ts', { side: 'client' }).catch((e) => e)
    expect(error).toBeInstanceOf(ChaincutError)
    expect((error as ChaincutError).findings[0]).toMatchObject({ code: 'E_PARSE', file: '/app/broken.ts', line: 2 })
  })

  it('returns null for a module with nothing to cut', async () => {
    expect(await transform(`export const lets = 1\nexport const handler = () => lets\n`, '/app/plain.ts', { side: 'client' })).toBeNull()
    expect(await transform('', '/app/empty.ts', { side: 'client' })).toBeNull()
    expect(await transform('// lets talk\n/* handler */\n', '/app/comments.ts', { side: 'server' })).toBeNull()
  })
})

describe('output stability (docs/reference.md "How it decides", output)', () => {
  it('is deterministic and idempotent, and leaves untouched text byte-identical', async () => {
    const a = await transform(ACTION, '/app/ideas.ts', { side: 'client' })
    const b = await transform(ACTION, '/app/ideas.ts', { side: 'client' })
    expect(a!.code).toBe(b!.code)
    expect(await transform(a!.code, '/app/ideas.ts', { side: 'client' })).toBeNull()
    // everything after the chain is the original text
    expect(a!.code.endsWith(ACTION.slice(ACTION.indexOf('export const marker')))).toBe(true)
    expect(a!.code).not.toContain('SECRET_TOKEN')
    expect(a!.code).not.toContain('prisma')
    expect(a!.code).not.toContain('cors')
  })

  it('maps kept code exactly and blanks the cut code in the client map sources', async () => {
    const result = await transform(ACTION, '/app/ideas.ts', { side: 'client' })
    const map = new TraceMap(result!.map as any)
    const generated = result!.code
    const at = generated.indexOf("'AFTER_THE_CHAIN'")
    const line = generated.slice(0, at).split('\n').length
    const column = at - generated.lastIndexOf('\n', at - 1) - 1
    const original = originalPositionFor(map, { line, column })
    const expectedAt = ACTION.indexOf("'AFTER_THE_CHAIN'")
    expect(original.line).toBe(ACTION.slice(0, expectedAt).split('\n').length)
    expect(original.column).toBe(expectedAt - ACTION.lastIndexOf('\n', expectedAt - 1) - 1)
    const embedded = result!.map.sourcesContent![0]!
    expect(embedded).not.toContain('SECRET_TOKEN')
    expect(embedded).not.toContain('prisma')
    expect(embedded.length).toBe(ACTION.length) // blanked, not removed: positions stay valid
    expect(embedded.split('\n').length).toBe(ACTION.split('\n').length)
  })

  it('keeps the cut code in the server map sources (nothing is cut there)', async () => {
    const result = await transform(ACTION, '/app/ideas.ts', { side: 'server' })
    expect(result!.map.sourcesContent![0]).toBe(ACTION)
  })
})

describe('scale', () => {
  it('cuts a chain of 10,000 segments without a stack overflow', async () => {
    let code = `import { Point0 } from '@point0/core'\nimport { db } from './db'\nexport const a = Point0.lets('GET', '/x')`
    for (let i = 0; i < 10_000; i++) code += i % 2 ? `.loader(() => db.q${i})` : `.tag('t${i}')`
    code += '.action()\n'
    const result = await transform(code, '/app/long.ts', { side: 'client' })
    expect(result!.code).not.toContain('db.')
    expect(result!.report.cuts).toHaveLength(5_000)
    expect(result!.code.match(/\.loader\(\)/g)).toHaveLength(5_000)
    expect(result!.code.match(/\.tag\('/g)).toHaveLength(5_000)
  })
})

describe('naming a desugared point (README "Before and after", the short form)', () => {
  it.each([
    ['ideaPage', 'page', 'idea'],
    ['saveAction', 'action', 'save'],
    ['mainRoot', 'root', 'main'],
    ['listInfiniteQuery', 'infiniteQuery', 'list'],
    ['listQuery', 'infiniteQuery', 'list'],
    ['user_page', 'page', 'user'],
    ['user_infinite_query', 'infiniteQuery', 'user'],
    ['chatServerHandler', 'serverHandler', 'chat'],
    ['chatHandler', 'serverHandler', 'chat'],
    ['profile', 'page', 'profile'],
  ])('%s as a %s is named %s', (variable, type, name) => {
    const extra = type === 'infiniteQuery' ? ['Query'] : type.endsWith('Handler') ? ['Handler'] : []
    expect(pointName(variable, type, '/app/x.ts', extra)).toBe(name)
  })

  it('falls back to the file name, or the folder of an index file', () => {
    expect(pointName('page', 'page', '/app/ideas.tsx')).toBe('ideas')
    expect(pointName(null, 'page', '/app/ideas/index.tsx')).toBe('ideas')
  })
})

describe('the import guard rules', () => {
  // the frameworks' own server modules come from their presets (`serverModules`)
  const server = guardMatcher('server', ['@prisma/client', /^node:/, '**/secrets/**'], [point0(), tailorkit()])
  it.each([
    ['./db.server', '*.server.* file'],
    ['/app/src/db.server.ts', '*.server.* file'],
    ['../.server/keys', '.server/ folder'],
    ['server-only', 'the "server-only" marker'],
    ['@point0/core/server-only', 'the "@point0/core/server-only" marker'],
    ['@prisma/client', 'serverOnly pattern @prisma/client'],
    ['@prisma/client/edge', 'serverOnly pattern @prisma/client'],
    ['node:fs', 'serverOnly pattern /^node:/'],
    ['/app/src/secrets/stripe.ts', 'serverOnly pattern **/secrets/**'],
  ])('denies %s', (source, rule) => {
    expect(server(source)).toBe(rule)
  })
  it.each(['./db', './server', './serverless.ts', '@prisma/clientele', 'react'])('allows %s', (source) => {
    expect(server(source)).toBeNull()
  })
})

describe('exported bindings used by cut code (E_EXPORTED_IN_CUT)', () => {
  const head = `import { Point0 } from '@point0/core'\nconst root = Point0.lets('root', 'main').root()\n`
  it('keeps exported code that a cut loader uses when keeping it keeps nothing server-only', async () => {
    const result = await transform(head + `export async function loadRows() { return 'ROWS' }\nexport const q = root.lets('query', 'q').loader(() => loadRows()).query()\n`, '/app/q.ts', { side: 'client' })
    expect(result!.code).toContain('export async function loadRows()')
    expect(result!.code).toContain('.loader()')
    expect(result!.report.findings).toEqual([])
  })
  it('fails on exported code that a cut loader uses when keeping it keeps a server-only import', async () => {
    const code = head + `import { db } from './db.server'\nexport async function loadRows() { return db.rows() }\nexport const q = root.lets('query', 'q').loader(() => loadRows()).query()\n`
    const error = await transform(code, '/app/q.ts', { side: 'client' }).catch((e) => e)
    expect((error as ChaincutError).findings.map((f) => f.code)).toEqual(['E_EXPORTED_IN_CUT'])
    expect((error as ChaincutError).findings[0].message).toContain('the server-only import `db` (./db.server')
  })
  it('warns on exported data that only cut code uses, and says nothing when kept code shares it', async () => {
    const only = await transform(head + `export const config = { apiKey: 'sk_live_EXPORTED' }\nexport const q = root.lets('query', 'q').loader(() => config.apiKey).query()\n`, '/app/q.ts', { side: 'client' })
    expect(only!.report.findings.map((f) => [f.level, f.code])).toEqual([['warn', 'W_EXPORTED_DATA_IN_CUT']])
    const shared = await transform(head + `export const schema = { shape: 1 }\nexport const form = () => schema\nexport const a = root.lets('POST', '/a').body(schema).loader(() => 1).action()\n`, '/app/a.ts', { side: 'client' })
    expect(shared!.report.findings).toEqual([])
  })
})

describe('the server build never fails on an unprovable cut', () => {
  it('keeps building when an exported component is passed to a render method cut on the server', async () => {
    const code = `import { Point0 } from '@point0/core'\nconst root = Point0.lets('root', 'main').root()\nexport function IdeaView() { return 'view' }\nexport const ideaPage = root.lets.page('/idea').page(IdeaView)\n`
    // an app that does not server-render (said in the preset: there is no engine here to read it from)
    const server = await transform(code, '/app/idea.tsx', { side: 'server', presets: [point0({ ssr: false }), 'tailorkit'] })
    expect(server!.code).toContain(".page()")
    // the component is exported (it ships anyway) and keeps nothing client-only alive: no finding
    expect(server!.report.findings).toEqual([])
    // the client keeps the render method: nothing to report there
    const client = await transform(code, '/app/idea.tsx', { side: 'client' })
    expect(client!.code).toContain('.page(IdeaView)')
    expect(client!.report.findings).toEqual([])
  })
})

describe('pruning array patterns (docs/reference.md "How it decides", pruning)', () => {
  const head = `import { Point0 } from '@point0/core'\nimport { secret, other } from './secrets.server'\n`
  const cut = async (declaration: string, cutUses: string, keptUses: string) => {
    const code = `${head}${declaration}\nexport const x = Point0.lets('GET', '/x').loader(() => ${cutUses}).action()\nexport const y = () => ${keptUses}\n`
    const result = await transform(code, '/app/p.ts', { side: 'client', resolve: () => null })
    const out = result!.code
    expect(() => parseModule(out, '/app/p.ts')).not.toThrow()
    return out.slice(out.indexOf('\n', out.indexOf('@point0/core')) + 1, out.indexOf('\nexport const x'))
  }
  it.each([
    ['const [a, b] = x()', 'a', 'b', 'const [, b] = x()'],
    ['const [a, b] = x()', 'b', 'a', 'const [a] = x()'],
    ['const [a, b, c] = x()', '[a, c]', 'b', 'const [, b] = x()'],
    ['const [a, , b, ,] = x()', 'b', 'a', 'const [a] = x()'],
    ['const [a, b,] = x()', 'b', 'a', 'const [a] = x()'],
    ['const [\n  a,\n  , // a hole\n  b,\n] = x()', 'b', 'a', 'const [\n  a] = x()'],
    ['const [\n  a,\n  b, // the second\n] = x()', 'b', 'a', 'const [\n  a,\n] = x()'],
    ['const [a, b]: [string, number] = x()', 'b', 'a', 'const [a]: [string, number] = x()'],
    ['const [a, ...rest] = x()', 'rest', 'a', 'const [a] = x()'],
    ['const [a, ...rest] = x()', 'a', 'rest', 'const [, ...rest] = x()'],
    ['const [{ k: a }, [b]] = x()', 'a', 'b', 'const [, [b]] = x()'],
    ['const [a, b] = x(), c = 1', '[a, b]', 'c', 'const c = 1'],
  ])('%j, %s cut → %j', async (declaration, cutUses, keptUses, expected) => {
    expect(await cut(declaration, cutUses, keptUses)).toBe(expected)
  })
  it('removes what only a removed element default used, and nothing a kept element still uses', async () => {
    const code = `${head}const [a = secret(), b = other] = x()\nexport const q = Point0.lets('GET', '/q').loader(() => a).action()\nexport const y = () => b\n`
    const out = (await transform(code, '/app/p.ts', { side: 'client', resolve: () => null }))!.code
    expect(out).toContain(`import { other } from './secrets.server'`)
    expect(out).toContain('const [, b = other] = x()')
    expect(out).not.toContain('secret()')
  })
  it('keeps a default an unremovable element still needs', async () => {
    // `a` is used only by an unreachable pair of functions (already unused), so it stays, and so does `secret`
    const code = `${head}const [a = secret(), b] = x()\nfunction p() { return a + q() }\nfunction q() { return p() }\nexport const r = Point0.lets('GET', '/r').loader(() => secret()).action()\nexport const y = () => b\n`
    const out = (await transform(code, '/app/p.ts', { side: 'client', resolve: () => null }))!.code
    expect(out).toContain('const [a = secret(), b] = x()')
    expect(out).toContain(`import { secret } from './secrets.server'`)
  })
})

describe('values that refer to themselves', () => {
  it('an object spread into its own next value is a cycle, not an endless read', async () => {
    const code = `let opts = { a: 1 }\nopts = { ...opts, b: 2 }\nopts = { ...opts, c: 3 }\nexport const x = opts.loader(() => 1)\nexport const y = opts.b\n`
    let report: any = null
    const out = await transform(code, '/app/opts.ts', { side: 'client', resolve: () => null, onReport: (r) => (report = r) })
    expect(out).toBeNull()
    expect(report.notChains.map((n: { method: string; reason: string }) => n.method)).toEqual(['loader'])
    expect(report.notChains[0].reason).toMatch(/object literal/)
  })

  it('a chain kept in such an object is still followed: its loader is cut from the client', async () => {
    const code = `import { Point0 } from '@point0/core'\nconst root = Point0.lets('root', 'main').root()\nlet points = { idea: root.lets.action('PUT', '/x') }\npoints = { ...points, other: 1 }\nexport const a = points.idea.loader(async () => 'SECRET_TOKEN').action()\n`
    for (const side of ['client', 'server'] as const) {
      const out = await transform(code, '/app/points.ts', { side, resolve: () => null })
      if (side === 'client') {
        expect(out?.code).toBeDefined()
        expect(out!.code).not.toContain('SECRET_TOKEN')
      } else expect(out?.code ?? code).toContain('SECRET_TOKEN')
    }
  })
})
