/**
 * Side constants (`core/sides.ts`): point0's `env.side` and Vite's
 * `import.meta.env.SSR` folded per side, dead branches cut and pruned; exact
 * maps, valid and idempotent output, the code filter, the table as data.
 */
import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping'
import { describe, expect, it } from 'vitest'
import { ChaincutOptionsError, transform, type ChainFamily } from '../src/index.js'
import { parseModule } from '../src/js/parse.js'

const position = (text: string, at: number) => ({ line: text.slice(0, at).split('\n').length, column: at - text.lastIndexOf('\n', at - 1) - 1 })

const MODULE = `import { env } from '@point0/core'
import { db } from './db.server'
import { track } from './analytics'

export async function load(id: string) {
  if (env.side.is.server) {
    return db.find(id, 'SIDES_SERVER_SECRET')
  } else {
    return fetch('/api/' + id)
  }
}
export const tracker = env.side.is.client ? track : null
export const KEPT_MARKER = 'KEPT_AFTER_FOLDS'
`

describe('folding side constants', () => {
  it('maps kept code and the folded literals to their original positions, and blanks the dead branch in the client map', async () => {
    const result = await transform(MODULE, '/app/load.ts', { side: 'client' })
    const out = result!.code
    expect(out).not.toContain('SIDES_SERVER_SECRET')
    expect(out).not.toContain('./db.server')
    const map = new TraceMap(result!.map as any)
    for (const token of ["fetch('/api/' + id)", "'KEPT_AFTER_FOLDS'", '? track']) {
      const original = originalPositionFor(map, position(out, out.indexOf(token)))
      expect({ line: original.line, column: original.column }, token).toEqual(position(MODULE, MODULE.indexOf(token)))
    }
    // the literal stands where the constant was
    const literal = originalPositionFor(map, position(out, out.indexOf('if (false)') + 4))
    expect({ line: literal.line, column: literal.column }).toEqual(position(MODULE, MODULE.indexOf('env.side.is.server')))
    const embedded = result!.map.sourcesContent![0]!
    expect(embedded).not.toContain('SIDES_SERVER_SECRET')
    expect(embedded.length).toBe(MODULE.length)
  })

  it('is idempotent on both sides and leaves the text after the last fold byte-identical', async () => {
    for (const side of ['client', 'server'] as const) {
      const first = await transform(MODULE, '/app/load.ts', { side })
      expect(() => parseModule(first!.code, '/app/load.ts')).not.toThrow()
      expect(await transform(first!.code, '/app/load.ts', { side })).toBeNull()
      expect(first!.code.endsWith("export const KEPT_MARKER = 'KEPT_AFTER_FOLDS'\n")).toBe(true)
      expect(first!.report.folded!.map((f) => [f.expression, f.value, f.line])).toEqual([
        ['env.side.is.server', String(side === 'server'), 6],
        ['env.side.is.client', String(side === 'client'), 12],
      ])
    }
  })

  it('lets a module with only import.meta.env.SSR through the code filter, and returns null for one with nothing to fold', async () => {
    const only = await transform(`export const streaming = import.meta.env.SSR ? 'node' : 'web'\n`, '/app/flag.ts', { side: 'server' })
    expect(only!.code).toBe(`export const streaming = 'node'\n`)
    expect(await transform(`export const side = options.side\nexport const server = config.server\n`, '/app/plain.ts', { side: 'client' })).toBeNull()
  })

  it('keeps a value as written where a statement would otherwise continue the line before it', async () => {
    const code = `import { env } from '@point0/core'\nlet x = init()\nenv.side.define.server(() => { x = 2 })\nexport { x }\n`
    const server = await transform(code, '/app/asi.ts', { side: 'server' })
    expect(server!.code).toBe(`let x = init()\n;(() => { x = 2 })\nexport { x }\n`)
    const client = await transform(code, '/app/asi.ts', { side: 'client' })
    expect(client!.code).toBe(`let x = init()\nundefined\nexport { x }\n`)
  })

  it('writes (void 0) where `undefined` is shadowed', async () => {
    const code = `import { env } from '@point0/core'\nexport function f(undefined: unknown) {\n  return env.side.define.server('S')\n}\n`
    expect((await transform(code, '/app/void.ts', { side: 'client' }))!.code).toContain('return (void 0)')
  })

  it('leaves env.side.define alone when its object cannot be read at build time', async () => {
    const code = `import { env } from '@point0/core'\nexport const a = env.side.define({ ...impls })\nexport const b = env.side.define({ [k]: 1, server: 2 })\nexport const c = env.side.define(impls)\n`
    expect(await transform(code, '/app/define.ts', { side: 'client' })).toBeNull()
  })

  it('takes side constants from a chain family, as data', async () => {
    const family: ChainFamily = {
      name: 'my-rpc',
      heads: [{ import: 'createRpc', from: 'my-rpc' }],
      segments: { resolve: { client: 'args' } },
      sideConstants: [
        { root: { import: 'runtime', from: 'my-rpc' }, path: ['onServer'], client: false, server: true },
        { root: { import: 'runtime', from: 'my-rpc' }, path: ['pick'], call: true, client: { key: 'browser' }, server: { key: 'node' } },
      ],
    }
    const code = `import { runtime } from 'my-rpc'\nimport { secret } from './secret'\nexport const s = runtime.onServer && secret\nexport const impl = runtime.pick({ browser: 'B', node: secret })\n`
    const client = await transform(code, '/app/rpc.ts', { side: 'client', presets: [family] })
    expect(client!.code).toBe(`export const s = false\nexport const impl = 'B'\n`)
    const server = await transform(code, '/app/rpc.ts', { side: 'server', presets: [family] })
    expect(server!.code).toBe(`import { secret } from './secret'\nexport const s = true && secret\nexport const impl = secret\n`)
  })

  it('checks side constants in the options', async () => {
    const bad = (sideConstants: unknown) =>
      transform('', '/app/x.ts', { side: 'client', chains: [{ name: 'x', heads: [{ member: 'x' }], segments: {}, sideConstants } as any] }).catch((e) => e)
    expect(await bad([{ root: 'import.meta', path: ['env', 'X'], client: 1 }])).toBeInstanceOf(ChaincutOptionsError)
    expect(await bad([{ root: 'import.meta', path: [], client: true }])).toBeInstanceOf(ChaincutOptionsError)
    expect(await bad([{ root: { import: 'e' }, path: ['a'], client: true }])).toBeInstanceOf(ChaincutOptionsError)
    expect(await bad([{ root: 'import.meta', path: ['a'], call: true, client: 'first' }])).toBeInstanceOf(ChaincutOptionsError)
    const typo = await bad([{ root: 'import.meta', path: ['a'], clinet: true }])
    expect((typo as ChaincutOptionsError).suggestion).toBe('client')
  })
})
