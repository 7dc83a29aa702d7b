/**
 * The import guard (docs/reference.md "Import guard") against the ways a bundler reaches a file other
 * than a plain import, in real builds: workers and assets from `new URL('…', import.meta.url)`
 * (issue #25), Vite's query imports, globs and HTML, webpack's and Rspack's context modules,
 * esbuild's glob imports. Each refused form fails the client build with an error naming the
 * importer and the server-only module; a worker of a plain module still builds.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { rspack, type RspackOptions } from '@rspack/core'
import { build as esbuild } from 'esbuild'
import { rolldown, type RolldownOptions } from 'rolldown'
import { rollup, type Plugin } from 'rollup'
import { build as viteBuild, createLogger, createServer } from 'vite'
import webpack, { type Configuration } from 'webpack'
import { afterEach, describe, expect, it } from 'vitest'
import chaincutEsbuild from '../dist/esbuild.js'
import chaincutLoader from '../dist/loader.js'
import chaincutRolldown from '../dist/rolldown.js'
import chaincutRollup from '../dist/rollup.js'
import chaincutRspack from '../dist/rspack.js'
import chaincutVite from '../dist/vite.js'
import chaincutWebpack from '../dist/webpack.js'
import { rollupTs } from './bundler-plugins.js'

const SECRET = 'sk_live_WORKER_GUARD_25'
const PLAIN = 'PLAIN_WORKER_MARKER_25'
const POINT0 = `export const Point0 = { lets: Object.assign((...a) => new Proxy({}, { get: (_, p) => () => Point0.lets() }), {}) }\n`

/** Each form of issue #25, as the entry module's code. */
const WORKER_FORMS: Record<string, string> = {
  'new Worker(new URL(…))': `export const w = new Worker(new URL('./w.server.ts', import.meta.url), { type: 'module' })\n`,
  'new SharedWorker(new URL(…))': `export const w = new SharedWorker(new URL('./w.server.ts', import.meta.url), { type: 'module' })\n`,
  'new URL(…) asset': `export const u = new URL('./w.server.ts', import.meta.url).href\n`,
}
const PLAIN_WORKER = `export const w = new Worker(new URL('./w.ts', import.meta.url), { type: 'module' })\n`

let dirs: string[] = []
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
  dirs = []
})

/** An app in a temp folder: `src/entry.ts` (the given code), the server-only worker and a plain one. */
function app(entry: string, more: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'chaincut-guard-urls-'))
  dirs.push(dir)
  const files: Record<string, string> = {
    'src/entry.ts': entry,
    'src/w.server.ts': `export const key = '${SECRET}'\nself.onmessage = () => postMessage(key)\n`,
    'src/w.ts': `self.onmessage = () => postMessage('${PLAIN}')\n`,
    'index.html': `<!doctype html><script type="module" src="/src/entry.ts"></script>\n`,
    'point0.js': POINT0,
    ...more,
  }
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true })
    writeFileSync(join(dir, file), text)
  }
  return dir
}

/** Every output file's text, joined. */
function output(dir: string): string {
  const texts: string[] = []
  const visit = (d: string) => {
    for (const entry of readdirSync(d)) {
      const full = join(d, entry)
      if (statSync(full).isDirectory()) visit(full)
      else texts.push(readFileSync(full, 'utf8'))
    }
  }
  visit(dir)
  return texts.join('\n')
}

const failure = (p: Promise<unknown>) => p.then(() => null, (e: Error) => e)

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** The guard error names the importer (with its line) and the server-only module. */
function expectNamed(message: string | undefined, importer = 'entry.ts', module = './w.server.ts') {
  expect(message).toContain('[chaincut]')
  // line:column; the line only from Vite's dev server, which states the column itself
  expect(message).toMatch(new RegExp(`${escape(importer)}:\\d+(?::\\d+)? imports server-only module "${escape(module)}"`))
  expect(message).toContain('denied by *.server.* file')
}

function vite(dir: string, options: Parameters<typeof chaincutVite>[0] = {}) {
  return viteBuild({
    root: dir,
    configFile: false,
    logLevel: 'silent',
    customLogger: createLogger('silent'),
    resolve: { alias: { '@point0/core': join(dir, 'point0.js') } },
    plugins: [chaincutVite({ report: false, ...options })],
    build: { outDir: 'dist', assetsInlineLimit: 0 },
  })
}

describe('Vite build: workers and assets from new URL(…, import.meta.url)', () => {
  for (const [form, entry] of Object.entries(WORKER_FORMS)) {
    it(`refuses ${form} of a server-only module, naming the importer and the module`, async () => {
      const dir = app(entry)
      const error = await failure(vite(dir))
      expectNamed(error?.message)
      expect(error?.message).toContain('src/entry.ts')
      expect(error?.message).toMatch(/imported through: index\.html → src\/entry\.ts/)
    })
  }

  it('still builds a worker of a plain module (into its own chunk)', async () => {
    const dir = app(PLAIN_WORKER)
    await vite(dir)
    expect(output(join(dir, 'dist'))).toContain(PLAIN)
  })

  it('guards every client module, whatever `include` says chaincut transforms', async () => {
    const dir = app(WORKER_FORMS['new Worker(new URL(…))'])
    expectNamed((await failure(vite(dir, { include: [/nothing-matches/] })))?.message)
  })

  it('lets a reference that only a cut segment holds, or a comment, through', async () => {
    const dir = app(
      `import { Point0 } from '@point0/core'\n` +
        `// new Worker(new URL('./w.server.ts', import.meta.url))\n` +
        `export const idea = Point0.lets('GET', '/x').loader(() => new URL('./w.server.ts', import.meta.url).href).action()\n` +
        PLAIN_WORKER,
    )
    await vite(dir)
    const built = output(join(dir, 'dist'))
    expect(built).not.toContain(SECRET)
    expect(built).toContain(PLAIN)
  })

  it("warns once per reference with onUnsafe: 'warn' (the URL, not its asset again)", async () => {
    const dir = app(WORKER_FORMS['new URL(…) asset'])
    const warnings: string[] = []
    const logger = createLogger('silent')
    logger.warn = (message) => void warnings.push(message)
    await viteBuild({ root: dir, configFile: false, logLevel: 'silent', customLogger: logger, plugins: [chaincutVite({ report: false, onUnsafe: 'warn' })], build: { outDir: 'dist', assetsInlineLimit: 0 } })
    expect(warnings.filter((w) => w.includes('[chaincut]'))).toHaveLength(1)
    expectNamed(warnings.join('\n'))
  })

  it('leaves the server build alone: it bundles nothing from new URL', async () => {
    const dir = app(WORKER_FORMS['new Worker(new URL(…))'])
    await expect(
      viteBuild({ root: dir, configFile: false, logLevel: 'silent', plugins: [chaincutVite({ report: false })], build: { outDir: 'dist/server', ssr: 'src/entry.ts' } }),
    ).resolves.toBeDefined()
  })
})

describe('Vite build: the other ways to reach a module', () => {
  const forms: Record<string, { entry?: string; files?: Record<string, string>; importer?: string; module?: string }> = {
    '?raw': { entry: `import text from './w.server.ts?raw'\nexport const t = text\n`, module: './w.server.ts?raw' },
    '?url': { entry: `import url from './w.server.ts?url'\nexport const t = url\n`, module: './w.server.ts?url' },
    '?inline': { entry: `import url from './w.server.ts?inline'\nexport const t = url\n`, module: './w.server.ts?inline' },
    '?worker': { entry: `import W from './w.server.ts?worker'\nexport const t = new W()\n`, module: './w.server.ts?worker' },
    '?sharedworker': { entry: `import W from './w.server.ts?sharedworker'\nexport const t = new W()\n`, module: './w.server.ts?sharedworker' },
    'import.meta.glob': { entry: `export const t = import.meta.glob('./*.ts', { eager: true })\n` },
    'import.meta.glob with a query': { entry: `export const t = import.meta.glob('./*.ts', { query: '?raw', eager: true })\n`, module: './w.server.ts?raw' },
    'a template import()': { entry: `export const t = (name: string) => import(\`./\${name}.ts\`)\n` },
    'a template new URL(…)': { entry: `export const t = (name: string) => new URL(\`./\${name}.ts\`, import.meta.url)\n`, module: './w.server.ts?url' },
    'a <script> in index.html': {
      entry: `export {}\n`,
      files: { 'index.html': `<!doctype html><script type="module" src="/src/entry.ts"></script><script type="module" src="/src/w.server.ts"></script>\n` },
      importer: 'index.html',
      module: '/src/w.server.ts',
    },
    'a CSS url()': {
      entry: `import './style.css'\n`,
      files: { 'src/style.css': `body {\n  background: url(./w.server.ts);\n}\n` },
      importer: 'style.css',
    },
    'an <img src> in index.html': {
      entry: `export {}\n`,
      files: { 'index.html': `<!doctype html><script type="module" src="/src/entry.ts"></script>\n<img src="./src/w.server.ts">\n` },
      importer: 'index.html',
      module: './src/w.server.ts',
    },
  }
  for (const [form, { entry = '', files, importer, module }] of Object.entries(forms)) {
    it(`refuses ${form}`, async () => {
      const dir = app(entry, files)
      const error = await failure(vite(dir))
      expectNamed(error?.message, importer, module)
    })
  }
})

describe('Vite dev server: workers and assets from new URL(…, import.meta.url)', () => {
  it('fails the importer\'s request, naming it and the module, and serves a plain worker', async () => {
    const dir = app(WORKER_FORMS['new Worker(new URL(…))'], { 'src/ok.ts': PLAIN_WORKER, 'src/asset.ts': WORKER_FORMS['new URL(…) asset'] })
    const server = await createServer({
      root: dir,
      configFile: false,
      logLevel: 'silent',
      server: { middlewareMode: true, ws: false, watch: null },
      appType: 'custom',
      plugins: [chaincutVite({ report: false })],
    })
    try {
      expectNamed((await failure(server.environments.client.transformRequest('/src/entry.ts')))?.message)
      expectNamed((await failure(server.environments.client.transformRequest('/src/asset.ts')))?.message, 'asset.ts')
      const ok = await server.environments.client.transformRequest('/src/ok.ts')
      expect(ok!.code).toContain('w.ts?worker_file')
      // the server's module graph may point at it
      await expect(server.environments.ssr.transformRequest('/src/entry.ts')).resolves.toBeTruthy()
    } finally {
      await server.close()
    }
  })
})

function runWebpack(config: Configuration): Promise<string> {
  return new Promise((resolve, reject) => {
    webpack(config, (error, stats) => (error ? reject(error) : resolve(stats!.hasErrors() ? stats!.toString({ all: false, errors: true }) : '')))
  })
}

function runRspack(config: RspackOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    rspack(config, (error, stats) => (error ? reject(error) : resolve(stats!.hasErrors() ? stats!.toString({ all: false, errors: true }) : '')))
  })
}

const TS_LOADER = join(import.meta.dirname, 'support/esbuild-ts-loader.cjs')

const webpackLike = {
  webpack: (dir: string) =>
    runWebpack({
      mode: 'production',
      context: dir,
      entry: join(dir, 'src/entry.ts'),
      target: 'web',
      output: { path: join(dir, 'dist') },
      resolve: { extensions: ['.ts', '.js'] },
      module: { rules: [{ test: /\.ts$/, use: [{ loader: TS_LOADER }] }] },
      infrastructureLogging: { level: 'error' },
      plugins: [chaincutWebpack({ report: false })],
    }),
  rspack: (dir: string) =>
    runRspack({
      mode: 'production',
      context: dir,
      entry: join(dir, 'src/entry.ts'),
      target: 'web',
      output: { path: join(dir, 'dist') },
      resolve: { extensions: ['.ts', '.js'] },
      module: { rules: [{ test: /\.ts$/, loader: 'builtin:swc-loader', options: { jsc: { parser: { syntax: 'typescript' } } }, type: 'javascript/auto' }] },
      infrastructureLogging: { level: 'error' },
      plugins: [chaincutRspack({ report: false })],
    }),
}

for (const [name, run] of Object.entries(webpackLike)) {
  describe(`${name}: workers, URLs and context modules`, () => {
    for (const [form, entry] of Object.entries(WORKER_FORMS)) {
      it(`refuses ${form} of a server-only module, naming the importer and the module`, async () => {
        const errors = await run(app(entry))
        expectNamed(errors)
      })
    }

    it('still builds a worker of a plain module (into its own chunk)', async () => {
      const dir = app(PLAIN_WORKER)
      expect(await run(dir)).toBe('')
      expect(output(join(dir, 'dist'))).toContain(PLAIN)
      expect(output(join(dir, 'dist'))).not.toContain(SECRET)
    })

    it('refuses a module a require.context reaches, at the require.context', async () => {
      const errors = await run(app(`export {}\n\nconst all = require.context('./', false, /\\.ts$/)\nexport const modules = all.keys().map(all)\n`))
      expectNamed(errors)
      expect(errors).toMatch(/entry\.ts:3:\d+ imports/)
    })

    it('refuses a module a template import() reaches', async () => {
      const errors = await run(app(`export const load = (name: string) => import(\`./\${name}.ts\`)\n`))
      expectNamed(errors)
    })

    it('lets a context that reaches no server-only module through', async () => {
      const dir = app(`export const load = (name: string) => import(\`./pages/\${name}.ts\`)\n`, { 'src/pages/home.ts': `export const home = 'HOME_PAGE_25'\n` })
      expect(await run(dir)).toBe('')
      expect(output(join(dir, 'dist'))).toContain('HOME_PAGE_25')
    })
  })
}

describe('Rollup and Rolldown: new URL(…, import.meta.url)', () => {
  const rollupBuild = async (dir: string) => {
    const bundle = await rollup({ input: join(dir, 'src/entry.ts'), plugins: [chaincutRollup({ side: 'client', report: false }), rollupTs({})], logLevel: 'silent' })
    await bundle.write({ dir: join(dir, 'dist') })
  }
  const rolldownBuild = async (dir: string, experimental: RolldownOptions['experimental'] = {}) => {
    const bundle = await rolldown({ input: join(dir, 'src/entry.ts'), cwd: dir, platform: 'browser', logLevel: 'silent', experimental, plugins: [chaincutRolldown({ side: 'client', report: false })] })
    await bundle.write({ dir: join(dir, 'dist') })
    await bundle.close()
  }
  const builds = {
    rollup: rollupBuild,
    rolldown: (dir: string) => rolldownBuild(dir),
    // Rolldown copies the file as an asset with this option
    'rolldown (resolveNewUrlToAsset)': (dir: string) => rolldownBuild(dir, { resolveNewUrlToAsset: true }),
  }
  for (const [name, run] of Object.entries(builds)) {
    for (const [form, entry] of Object.entries(WORKER_FORMS)) {
      it(`${name}: refuses ${form} of a server-only module (a plugin after chaincut may bundle or copy it)`, async () => {
        expectNamed((await failure(run(app(entry))))?.message)
      })
    }
    it(`${name}: still builds a reference to a plain module`, async () => {
      const dir = app(PLAIN_WORKER)
      await run(dir)
      expect(output(join(dir, 'dist'))).not.toContain(SECRET)
    })
  }
})

describe('Rollup and Rolldown: an asset another plugin emits from a server-only file', () => {
  /** A CSS plugin as Rollup apps use one: the stylesheet a module, each `url()` an emitted asset. */
  const css: Plugin = {
    name: 'test-css',
    transform(code, id) {
      if (!id.endsWith('.css')) return null
      for (const [, url] of code.matchAll(/url\(([^)]+)\)/g)) {
        const file = join(dirname(id), url)
        this.emitFile({ type: 'asset', name: basename(file), originalFileName: file, source: readFileSync(file) })
      }
      // Rolldown would read a `.css` module as CSS
      return { code: 'export default ""', moduleType: 'js' } as { code: string }
    },
  }

  const builds = {
    rollup: async (dir: string) => {
      const bundle = await rollup({ input: join(dir, 'src/entry.ts'), plugins: [chaincutRollup({ side: 'client', report: false }), rollupTs({}), css], logLevel: 'silent' })
      await bundle.write({ dir: join(dir, 'dist') })
    },
    rolldown: async (dir: string) => {
      const bundle = await rolldown({ input: join(dir, 'src/entry.ts'), cwd: dir, logLevel: 'silent', plugins: [chaincutRolldown({ side: 'client', report: false }), css as any] })
      await bundle.write({ dir: join(dir, 'dist') })
      await bundle.close()
    },
  }
  for (const [name, run] of Object.entries(builds)) {
    it(`${name}: refuses it at the module that names it (a CSS url()), and lets a plain one through`, async () => {
      const dir = app(`import './style.css'\n`, { 'src/style.css': `body {\n  background: url(./w.server.ts);\n}\n` })
      const error = await failure(run(dir))
      expectNamed(error?.message, 'style.css')
      expect(error?.message).toContain('src/style.css:2:')
      await run(app(`import './style.css'\n`, { 'src/style.css': `body {\n  background: url(./w.ts);\n}\n` }))
    })
  }
})

describe('esbuild', () => {
  const run = (dir: string) =>
    esbuild({ absWorkingDir: dir, entryPoints: ['src/entry.ts'], bundle: true, splitting: true, format: 'esm', outdir: 'dist', platform: 'browser', logLevel: 'silent', plugins: [chaincutEsbuild({ report: false })] })

  it('bundles nothing from new URL(…, import.meta.url): the worker forms build and ship no server code', async () => {
    for (const entry of Object.values(WORKER_FORMS)) {
      const dir = app(entry)
      await run(dir)
      expect(output(join(dir, 'dist'))).not.toContain(SECRET)
    }
  })

  it('refuses a server-only module a glob import() or require() matches, naming the importer', async () => {
    for (const entry of [`export const load = (name: string) => import(\`./\${name}.ts\`)\n`, `export const load = (name: string) => require('./' + name + '.ts')\n`]) {
      const error = await failure(run(app(entry)))
      expectNamed(error?.message)
    }
  })

  it('lets a glob that matches no server-only module through', async () => {
    const dir = app(`export const load = (name: string) => import(\`./pages/\${name}.ts\`)\n`, { 'src/pages/home.ts': `export const home = 'HOME_PAGE_25'\n` })
    await run(dir)
    expect(output(join(dir, 'dist'))).toContain('HOME_PAGE_25')
  })
})

describe('chaincut/loader (Turbopack): references by a literal', () => {
  const runLoader = (dir: string, code: string) =>
    new Promise<string>((resolve, reject) => {
      const context = {
        resourcePath: join(dir, 'src/entry.ts'),
        getOptions: () => ({ side: 'client' }),
        async: () => (error: Error | null, out?: string) => (error ? reject(error) : resolve(out!)),
      }
      ;(chaincutLoader as any).call(context, code, undefined)
    })

  it('refuses new URL(…), a worker, import() and require() of a server-only module; a plain worker passes', async () => {
    const dir = app('')
    const entries = [...Object.values(WORKER_FORMS), `export const load = () => import('./w.server.ts')\n`, `export const load = () => require('./w.server.ts')\n`]
    for (const entry of entries) expectNamed((await failure(runLoader(dir, entry)))?.message)
    await expect(runLoader(dir, PLAIN_WORKER)).resolves.toBe(PLAIN_WORKER)
    const comment = `// new Worker(new URL('./w.server.ts', import.meta.url))\nexport const x = 1\n`
    await expect(runLoader(dir, comment)).resolves.toBe(comment)
  })
})
