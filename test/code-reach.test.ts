/**
 * "Declared is not imported" (chains/code-reach.ts): an app whose package.json lists tailorkit but
 * whose code never imports it builds no tailorkit chain, so an unknown receiver of `.handler(...)`
 * there is not a chain and the client build leaves it alone. Each near miss, an app where some
 * code can reach the family after all, is refused at the line as before: an import of the family
 * (by its name, through a package that depends on it, through a bundler alias, through a computed
 * `import()`/`require()`, a `createRequire`, a folder of files loaded by a template). Through
 * `transform()` for the variants, and through real `vite build`s for the bundler's resolver.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { build } from 'vite'
import { afterAll, describe, expect, it } from 'vitest'
import chaincut from '../dist/vite.js'
import { ChaincutError, ModuleCache, transform, type ModuleReport } from '../src/index.js'
import { readAll } from './bundler-app.js'

const TAILORKIT = `
const builder = () => new Proxy(function () {}, { get: (_, p) => (p === 'then' ? undefined : () => builder()) })
export const createActions = () => builder()
`

/** An app that lists tailorkit and never imports it: a registry of jobs, filled by a package's hook, whose handlers run from a Map. */
const APP: Record<string, string> = {
  'package.json': JSON.stringify({ name: 'jobs-app', private: true, type: 'module', dependencies: { tailorkit: '*', 'left-pad': '*' } }),
  'node_modules/tailorkit/package.json': JSON.stringify({ name: 'tailorkit', version: '1.0.0', type: 'module', main: 'index.js' }),
  'node_modules/tailorkit/index.js': TAILORKIT,
  'node_modules/left-pad/package.json': JSON.stringify({ name: 'left-pad', version: '1.0.0', type: 'module', main: 'index.js' }),
  'node_modules/left-pad/index.js': 'export default (s) => s\n',
  'src/registry.ts': `import pad from 'left-pad'
import type { Options } from './types'

type Job = { id: string; handler: (input: { payload: unknown }) => Promise<string> }
const jobs = new Map<string, Job>()
;(pad as unknown as { onJob: unknown }).onJob = (job: Job) => {
  jobs.set(job.id, job)
}
export async function run(id: string, payload: unknown, options?: Options) {
  // the registry is read back: \`jobs.get(id)\` is a value chaincut cannot trace
  const job = jobs.get(pad(id))!
  return job.handler({ payload: REGISTRY_KEEP(payload, options) })
}
function REGISTRY_KEEP(p: unknown, _o?: Options) {
  return p
}
`,
  'src/types.ts': 'export type Options = { retries: number }\n',
  'src/main.ts': `import { run } from './registry'
export const sent = run('mail', 'MAIN_KEEP')
`,
}

const temp = mkdtempSync(join(tmpdir(), 'chaincut-code-reach-'))
afterAll(() => {
  if (!process.env.KEEP_TMP) rmSync(temp, { recursive: true, force: true })
})

let count = 0
function app(extra: Record<string, string> = {}): string {
  const dir = join(temp, `app-${++count}`)
  for (const [file, text] of Object.entries({ ...APP, ...extra })) {
    mkdirSync(dirname(join(dir, file)), { recursive: true })
    writeFileSync(join(dir, file), text)
  }
  return dir
}

async function clientOf(dir: string): Promise<{ error: ChaincutError | null; report: ModuleReport | null; changed: boolean }> {
  const file = join(dir, 'src/registry.ts')
  let report: ModuleReport | null = null
  try {
    const result = await transform(readFileSync(file, 'utf8'), file, { side: 'client', cache: new ModuleCache(), onReport: (r) => (report = r) })
    return { error: null, report: result?.report ?? report, changed: result !== null }
  } catch (error) {
    if (!(error instanceof ChaincutError)) throw error
    return { error, report, changed: false }
  }
}

describe('declared, not imported: no value can be a chain of the family', () => {
  it('the registry builds unchanged on the client, and the report gives the proof', async () => {
    const { error, report, changed } = await clientOf(app())
    expect(error).toBeNull()
    expect(changed).toBe(false)
    const decision = report!.notChains.find((n) => n.method === 'handler')
    expect(decision?.reason).toMatch(/^no code of the app reaches the family/)
    expect(decision?.reason).toMatch(/imports tailorkit/)
  })

  it('type-only imports of the family load nothing: still unchanged', async () => {
    const { error, changed } = await clientOf(app({ 'src/types.ts': "import type { createActions } from 'tailorkit'\nexport type Options = { retries: number; make?: typeof createActions }\n" }))
    expect(error).toBeNull()
    expect(changed).toBe(false)
  })

  it('prose in comments and an import of a file that does not exist (made at build time) change nothing', async () => {
    const { error, changed } = await clientOf(
      app({ 'src/notes.ts': "// the historical import (see below) and what we require of it\n/* import (x) */\nexport { routes } from './routes.gen'\n" }),
    )
    expect(error).toBeNull()
    expect(changed).toBe(false)
  })

  // each near miss: some code of the app can reach tailorkit, so the unknown receiver is refused at its line
  const nearMisses: Record<string, Record<string, string>> = {
    'a script imports the family': { 'src/actions.ts': "import { createActions } from 'tailorkit'\nexport const actions = createActions()\n" },
    'a script imports it only under a subpath': { 'src/actions.ts': "export * from 'tailorkit/server'\n" },
    'an import leads to a file outside the scanned folders that imports it': {
      'src/main.ts': APP['src/main.ts'] + "import '../shared/boot'\n",
      'shared/boot.ts': "import { createActions } from 'tailorkit'\nexport const a = createActions()\n",
    },
    'a package it imports depends on it': {
      'package.json': JSON.stringify({ name: 'jobs-app', private: true, type: 'module', dependencies: { tailorkit: '*', 'left-pad': '*' } }),
      'node_modules/left-pad/package.json': JSON.stringify({ name: 'left-pad', version: '1.0.0', type: 'module', main: 'index.js', dependencies: { tailorkit: '*' } }),
    },
    'a package it depends on (never imported) depends on it': {
      'package.json': JSON.stringify({ name: 'jobs-app', private: true, type: 'module', dependencies: { tailorkit: '*', 'left-pad': '*', 'tk-framework': '*' } }),
      'node_modules/tk-framework/package.json': JSON.stringify({ name: 'tk-framework', version: '1.0.0', dependencies: { tailorkit: '*' } }),
    },
    'a computed import()': { 'src/plugins.ts': 'export const load = (name: string) => import(name)\n' },
    'a computed require()': { 'src/plugins.ts': 'export const load = (name: string) => require(name)\n' },
    'require handed around as a value': { 'src/plugins.ts': 'export const loader = [require]\n' },
    'a createRequire whose require loads a computed name': {
      'src/plugins.ts': "import { createRequire } from 'node:module'\nconst req = createRequire(import.meta.url)\nexport const load = (n: string) => req(n)\n",
    },
    'a template import() of a folder where one file imports it': {
      'src/plugins.ts': 'export const load = (n: string) => import(`./plugins/${n}.ts`)\n',
      'src/plugins/a.ts': "export { createActions } from 'tailorkit'\n",
    },
    'a glob outside the app': { 'src/plugins.ts': "export const all = import.meta.glob('/node_modules/tailorkit/*.js')\n" },
  }
  for (const [name, extra] of Object.entries(nearMisses)) {
    it(`near miss, refused: ${name}`, async () => {
      const { error } = await clientOf(app(extra))
      expect(error, 'refused at the line').toBeInstanceOf(ChaincutError)
      expect(error!.findings.map((f) => f.code)).toEqual(['E_UNTRACED_RECEIVER'])
      expect(error!.findings[0].line).toBe(12)
      expect(error!.message).toMatch(/the app can reach tailorkit/)
    })
  }

  describe('a package of the workspace that never imports the family, called by the app', () => {
    const ui = {
      'packages/ui/package.json': JSON.stringify({ name: 'ui', private: true, type: 'module', dependencies: { tailorkit: '*' } }),
      'packages/ui/mount.ts': "export function mount(action: any) {\n  return action.handler({ payload: 'UI_SECRET' })\n}\n",
    }
    const mountOf = async (dir: string) => {
      const file = join(dir, 'packages/ui/mount.ts')
      try {
        const result = await transform(readFileSync(file, 'utf8'), file, { side: 'client', cache: new ModuleCache() })
        return { error: null, changed: result !== null, code: result?.code ?? readFileSync(file, 'utf8') }
      } catch (error) {
        if (!(error instanceof ChaincutError)) throw error
        return { error, changed: false, code: '' }
      }
    }
    it('when the app hands it a chain (the app is read, not only the package): cut', async () => {
      const { error, code } = await mountOf(app({ ...ui, 'src/use-ui.ts': "import { createActions } from 'tailorkit'\nimport { mount } from '../packages/ui/mount'\nexport const m = mount(createActions())\n" }))
      expect(error).toBeNull()
      expect(code).toContain('action.handler()')
      expect(code).not.toContain('UI_SECRET')
    })
    it('when the app hands it something untraced and imports the family elsewhere: refused', async () => {
      const { error } = await mountOf(
        app({
          ...ui,
          'src/use-ui.ts': "import { mount } from '../packages/ui/mount'\nexport const m = (x: any) => mount(x)\n",
          'src/actions.ts': "import { createActions } from 'tailorkit'\nexport const actions = createActions()\n",
        }),
      )
      expect(error, 'refused').toBeInstanceOf(ChaincutError)
      expect(error!.findings.map((f) => `${f.code}:${f.line}`)).toEqual(['E_UNTRACED_RECEIVER:2'])
      expect(error!.message).toMatch(/actions\.ts imports "tailorkit"/)
    })
    it('a computed require in a script that does not lead into the package (a seed script): unchanged', async () => {
      const { error, changed } = await mountOf(
        app({ ...ui, 'scripts/seed.ts': "import path from 'node:path'\nexport const load = (f: string) => require(path.join(__dirname, f))\n" }),
      )
      expect(error).toBeNull()
      expect(changed).toBe(false)
    })
    it('a computed import in a script that imports the package (it can hand it what it loads): refused', async () => {
      const { error } = await mountOf(
        app({ ...ui, 'src/use-ui.ts': "import { mount } from '../packages/ui/mount'\nexport const m = async (n: string) => mount(await import(n))\n" }),
      )
      expect(error, 'refused').toBeInstanceOf(ChaincutError)
      expect(error!.message).toMatch(/use-ui\.ts: it calls import/)
    })
    it('when no code of the app imports the family, it builds unchanged', async () => {
      const { error, changed } = await mountOf(app({ ...ui, 'src/use-ui.ts': "import { mount } from '../packages/ui/mount'\nexport const m = mount({ handler: (x: unknown) => x })\n" }))
      expect(error).toBeNull()
      expect(changed).toBe(false)
    })
  })

  it('the server keeps the unknown receiver either way (it never cuts what it cannot prove)', async () => {
    const dir = app(nearMisses['a script imports the family'])
    const file = join(dir, 'src/registry.ts')
    const result = await transform(readFileSync(file, 'utf8'), file, { side: 'server', cache: new ModuleCache() })
    expect(result).toBeNull()
  })
})

describe('declared, not imported, through a real vite build', () => {
  const viteBuild = (dir: string, alias?: Record<string, string>) =>
    build({
      root: dir,
      configFile: false,
      logLevel: 'silent',
      resolve: alias ? { alias } : undefined,
      plugins: [chaincut({ cache: false })],
      build: { outDir: 'dist', minify: false, lib: { entry: 'src/main.ts', formats: ['es'], fileName: 'client' } },
    })

  it('builds the app as written: the handler call and its argument stay', async () => {
    const dir = app()
    await viteBuild(dir)
    const js = Object.values(readAll(join(dir, 'dist'))).join('\n')
    expect(js).toContain('.handler({ payload: REGISTRY_KEEP(payload, options) })')
    expect(js).toContain('MAIN_KEEP')
  })

  it('an import of the family under a bundler alias chaincut\'s own resolver does not know: refused, through the bundler\'s resolver', async () => {
    const dir = app({ 'src/actions.ts': "import { createActions } from 'tk'\nexport const actions = createActions()\n" })
    const error = await viteBuild(dir, { tk: join(dir, 'node_modules/tailorkit/index.js') }).then(
      () => null,
      (e: Error) => e,
    )
    expect(error?.message).toMatch(/E_UNTRACED_RECEIVER/)
    expect(error?.message).toMatch(/registry\.ts:12/)
    expect(error?.message).toMatch(/imports "tk", which is tailorkit/)
  })

  it('the same alias to a package that does not reach the family: builds', async () => {
    const dir = app({ 'src/actions.ts': "import pad from 'pad-alias'\nexport const padded = pad('x')\n" })
    await viteBuild(dir, { 'pad-alias': 'left-pad' })
    const js = Object.values(readAll(join(dir, 'dist'))).join('\n')
    expect(js).toContain('.handler({ payload: REGISTRY_KEEP(')
  })
})
