/**
 * Parameters whose callers are in other modules, through a real `vite build`: a chain helper
 * (`withAuth(c)` that calls `c.ctx(...)`) gets its segment cut in the client because a module of
 * the build passes it a chain, while an ordinary helper on a parameter (`post(req)` calling
 * `req.body(...)`) builds unchanged. Transformed helper-first, the caller stops the build.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { build } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import chaincut from '../dist/vite.js'
import { ChaincutError, ModuleCache, transform } from '../src/index.js'
import { readAll } from './bundler-app.js'

const files: Record<string, string> = {
  'package.json': JSON.stringify({ name: 'params-app', private: true, type: 'module', dependencies: { '@point0/core': '*' } }),
  'node_modules/@point0/core/package.json': JSON.stringify({ name: '@point0/core', version: '1.0.0', type: 'module', main: 'index.js' }),
  'node_modules/@point0/core/index.js': `
const builder = () => new Proxy({}, { get: (_, p) => (p === 'then' ? undefined : p === 'lets' ? lets : () => builder()) })
const lets = (...args) => builder()
export const Point0 = { lets }
`,
  'src/root.ts': `import { Point0 } from '@point0/core'\nexport const root = Point0.lets('root', 'main').root()\n`,
  'src/db.server.ts': `export const db = { q: (s: string) => s + 'postgres://params:hunter4@db' }\n`,
  'src/helpers.ts': `import { db } from './db.server'

export function withAuth(c: any) {
  return c.ctx(async () => ({ me: db.q('PARAM_HELPER_SECRET') }))
}

export function post(req: any) {
  return req.body('x')
}
`,
  'src/routes.ts': `import { root } from './root'\nimport { withAuth } from './helpers'\n\nexport const ideas = withAuth(root.lets('GET', '/api/ideas')).loader(async () => 'ok').action()\n`,
  'src/entry-client.ts': `import { ideas } from './routes'\nimport { post } from './helpers'\n\nexport const out = [ideas, post({ body: (s: string) => s.toUpperCase() })]\n`,
}

const write = (dir: string) => {
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true })
    writeFileSync(join(dir, file), text)
  }
}

describe('vite build: parameters of exported functions, resolved across the build', () => {
  let dir: string
  let client: Record<string, string>
  let report: { environments: Record<string, Array<{ id: string; findings: Array<{ code: string }>; cuts: Array<{ method: string }>; notChains: Array<{ method: string; reason: string }> }>> }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chaincut-params-'))
    write(dir)
    await build({
      root: dir,
      configFile: false,
      logLevel: 'silent',
      plugins: [chaincut({ report: join(dir, 'report.json'), cache: false })],
      build: { outDir: 'dist', minify: false, lib: { entry: 'src/entry-client.ts', formats: ['es'], fileName: 'client' } },
    })
    client = readAll(join(dir, 'dist'))
    report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'))
  })

  afterAll(() => {
    if (dir && !process.env.KEEP_TMP) rmSync(dir, { recursive: true, force: true })
  })

  it('cuts the chain helper segment from the client: no secret, no server module', () => {
    const js = Object.values(client).join('\n')
    expect(js).not.toContain('PARAM_HELPER_SECRET')
    expect(js).not.toContain('hunter4')
    expect(js).toMatch(/c\.ctx\(\)/)
  })

  it('keeps the ordinary helper on a parameter as written, with no finding', () => {
    const js = Object.values(client).join('\n')
    expect(js).toContain('req.body("x")')
    const modules = Object.values(report.environments).flat()
    const helpers = modules.find((m) => m.id.endsWith('helpers.ts'))!
    expect(helpers.findings).toEqual([])
    expect(helpers.cuts.map((c) => c.method)).toEqual(['ctx'])
    expect(helpers.notChains.find((n) => n.method === 'body')?.reason).toContain('no module of this build has passed a chain')
    for (const m of modules) expect(m.findings.map((f) => f.code), m.id).toEqual([])
  })
})

describe('transform order: a helper built before the module that passes it a chain', () => {
  it('built first, the helper is cut all the same: the app\'s scripts show the module that passes it a chain', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chaincut-params-order-'))
    try {
      write(dir)
      const cache = new ModuleCache()
      const read = (f: string) => readFileSync(join(dir, f), 'utf8')
      const helpers = await transform(read('src/helpers.ts'), join(dir, 'src/helpers.ts'), { side: 'client', cache })
      expect(helpers?.code).not.toContain('PARAM_HELPER_SECRET')
      expect(helpers?.code).toContain("req.body('x')")
      expect(helpers?.report.dependencies).toContain(join(dir, 'src/routes.ts'))
      await expect(transform(read('src/routes.ts'), join(dir, 'src/routes.ts'), { side: 'client', cache })).resolves.not.toBeNull()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('a caller the scripts do not show (the helper read off an object), built after the helper, stops the build at its call', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chaincut-params-order-'))
    try {
      write(dir)
      const routes = `import { root } from './root'\nimport { withAuth } from './helpers'\nconst h = { withAuth }\nexport const ideas = h.withAuth(root.lets('GET', '/api/ideas')).loader(async () => 'ok').action()\n`
      writeFileSync(join(dir, 'src/routes.ts'), routes)
      const cache = new ModuleCache()
      const read = (f: string) => readFileSync(join(dir, f), 'utf8')
      // nothing shows a chain passed yet: the helper is built as it is
      expect(await transform(read('src/helpers.ts'), join(dir, 'src/helpers.ts'), { side: 'client', cache })).toBeNull()
      const error = await transform(routes, join(dir, 'src/routes.ts'), { side: 'client', cache }).then(
        () => null,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(ChaincutError)
      const finding = (error as ChaincutError).findings.find((f) => f.code === 'E_CHAIN_PARAM_LATE')!
      expect(finding.message).toContain('`withAuth`')
      expect(finding.message).toContain('helpers.ts was built first')
      expect(finding.line).toBe(4)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('a caller through a namespace import or a barrel that renames it is seen by the scan', async () => {
    for (const [extra, routes] of [
      [{}, `import { root } from './root'\nimport * as h from './helpers'\nexport const ideas = h.withAuth(root.lets('GET', '/api/ideas')).loader(async () => 'ok').action()\n`],
      [{ 'src/barrel.ts': `export { withAuth as secured } from './helpers'\n` }, `import { root } from './root'\nimport { secured } from './barrel'\nexport const ideas = secured(root.lets('GET', '/api/ideas')).loader(async () => 'ok').action()\n`],
    ] as const) {
      const dir = mkdtempSync(join(tmpdir(), 'chaincut-params-scan-'))
      try {
        write(dir)
        for (const [f, text] of Object.entries(extra)) writeFileSync(join(dir, f), text)
        writeFileSync(join(dir, 'src/routes.ts'), routes)
        const cache = new ModuleCache()
        const helpers = await transform(readFileSync(join(dir, 'src/helpers.ts'), 'utf8'), join(dir, 'src/helpers.ts'), { side: 'client', cache })
        expect(helpers?.code, routes).not.toContain('PARAM_HELPER_SECRET')
        await expect(transform(routes, join(dir, 'src/routes.ts'), { side: 'client', cache })).resolves.not.toBeNull()
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }
  })

  it('in the order a bundler builds (the caller first), cuts the helper', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chaincut-params-order-'))
    try {
      write(dir)
      const cache = new ModuleCache()
      const read = (f: string) => readFileSync(join(dir, f), 'utf8')
      const routes = await transform(read('src/routes.ts'), join(dir, 'src/routes.ts'), { side: 'client', cache })
      expect(routes?.report.params?.passed.length).toBe(1)
      const helpers = await transform(read('src/helpers.ts'), join(dir, 'src/helpers.ts'), { side: 'client', cache })
      expect(helpers?.code).not.toContain('PARAM_HELPER_SECRET')
      expect(helpers?.code).toContain("req.body('x')")
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
