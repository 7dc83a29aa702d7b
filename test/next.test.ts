/**
 * Next.js 16 with `withChaincut` in `next.config.ts`: a tiny App Router app whose
 * client component imports a module of TailorKit actions (the handler uses a
 * `.server.ts` module and a secret), and a route handler that runs the action.
 * `next build` with Turbopack (Next 16's default: `chaincut/loader` in
 * `turbopack.rules`) and with `--webpack` (`chaincut/webpack` in each compiler):
 * no handler body, secret or server-only module in `.next/static`; `next start`
 * answers the action with the handler's result.
 *
 * The app lives in the repository's ignored `.tmp/` folder: Turbopack compiles only
 * files under its root (the repository, found by the lock file), and the app finds
 * next and react in the repository's node_modules; `chaincut` is a symlink in the
 * app's own node_modules, as an install would put it.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '..')
const NEXT = join(ROOT, 'node_modules/next/dist/bin/next')
const SECRETS = ['NEXT_HANDLER_SECRET_', 'NEXT_DB_URL_hunter3', 'hashNextPassword']

const files: Record<string, string> = {
  'package.json': JSON.stringify({ name: 'chaincut-next-app', private: true }),
  'next.config.ts': `import { withChaincut } from 'chaincut/next'

// '#builder' is an alias only the bundler knows: chaincut follows the TailorKit builder through it
// with Turbopack's resolver (the loader's getResolve) or webpack's
export default withChaincut(
  {
    typescript: { ignoreBuildErrors: true },
    turbopack: { resolveAlias: { '#builder': './lib/builder.ts' } },
    webpack(config: any) {
      config.resolve.alias = { ...config.resolve.alias, '#builder': __dirname + '/lib/builder.ts' }
      return config
    },
  },
  { report: false },
)
`,
  // a stand-in TailorKit runtime: .handler(fn) keeps fn so the route can run it
  'node_modules/tailorkit/package.json': JSON.stringify({ name: 'tailorkit', version: '1.0.0', type: 'module', main: 'index.js' }),
  'node_modules/tailorkit/index.js': `function builder(calls) {
  return {
    calls,
    input: () => builder([...calls, 'input']),
    output: () => builder([...calls, 'output']),
    handler: (fn) => ({ calls: [...calls, 'handler'], run: (input) => (fn ? fn({ input }) : { error: 'no handler here' }) }),
  }
}
export function createActions() { return builder([]) }
`,
  'lib/db.server.ts': `export const db = { url: 'NEXT_DB_URL_hunter3' }
export async function hashNextPassword(value: string) { return 'hashed:' + value.length }
`,
  'lib/builder.ts': `import { createActions } from 'tailorkit'
export const action = createActions()
`,
  'lib/actions.ts': `import { action } from '#builder'
import { db, hashNextPassword } from './db.server'

export const messageActions = {
  send: action
    .input({ text: 'string' })
    .handler(async ({ input }: { input: { text: string } }) => ({ echoed: input.text, code: 'NEXT_HANDLER_SECRET_' + (await hashNextPassword(db.url)) })),
}
`,
  'app/layout.tsx': `export default function RootLayout({ children }: { children: React.ReactNode }) {
  return <html><body>{children}</body></html>
}
`,
  'app/widget.tsx': `'use client'
import { messageActions } from '../lib/actions'

export function Widget() {
  return <p id="actions">{Object.keys(messageActions).join(',')}:{messageActions.send.calls.join('.')}</p>
}
`,
  'app/page.tsx': `import { Widget } from './widget'

export default function Page() {
  return <main><Widget /></main>
}
`,
  'app/api/send/route.ts': `import { messageActions } from '../../../lib/actions'

export const dynamic = 'force-dynamic'

export async function POST(request: Request) {
  const input = await request.json()
  return Response.json(await messageActions.send.run(input))
}
`,
}

function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const visit = (d: string) => {
    for (const entry of readdirSync(d)) {
      const full = join(d, entry)
      if (statSync(full).isDirectory()) visit(full)
      else if (/\.(js|map|html|json|txt|rsc)$/.test(entry)) out[full] = readFileSync(full, 'utf8')
    }
  }
  if (existsSync(dir)) visit(dir)
  return out
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port
      server.close(() => resolve(port))
    })
    server.on('error', reject)
  })

const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' }

async function nextBuild(dir: string, bundler: 'turbopack' | 'webpack'): Promise<string> {
  rmSync(join(dir, '.next'), { recursive: true, force: true })
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [NEXT, 'build', ...(bundler === 'webpack' ? ['--webpack'] : [])], {
    cwd: dir,
    env,
    maxBuffer: 64 * 1024 * 1024,
  })
  return stdout + stderr
}

/** `next start` on a free loopback port; resolves when it answers. */
async function nextStart(dir: string): Promise<{ url: string; server: ChildProcess }> {
  const port = await freePort()
  const server = spawn(process.execPath, [NEXT, 'start', '-H', '127.0.0.1', '-p', String(port)], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  server.stdout!.on('data', (d) => (output += d))
  server.stderr!.on('data', (d) => (output += d))
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; i < 150; i++) {
    if (server.exitCode !== null) throw new Error(`next start exited ${server.exitCode}\n${output}`)
    try {
      await fetch(url + '/api/send', { method: 'OPTIONS' })
      return { url, server }
    } catch {
      await new Promise((r) => setTimeout(r, 200))
    }
  }
  server.kill()
  throw new Error(`next start did not answer\n${output}`)
}

function stop(server: ChildProcess | undefined) {
  if (server && server.exitCode === null) server.kill('SIGTERM')
}

for (const bundler of ['turbopack', 'webpack'] as const) {
  describe(`Next.js 16 with withChaincut: next build${bundler === 'webpack' ? ' --webpack' : ' (Turbopack)'}`, () => {
    let dir: string
    let log: string
    let staticFiles: Record<string, string>
    let server: ChildProcess | undefined
    let url: string

    beforeAll(async () => {
      mkdirSync(join(ROOT, '.tmp'), { recursive: true })
      dir = mkdtempSync(join(ROOT, '.tmp', `next-${bundler}-`))
      for (const [file, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, file)), { recursive: true })
        writeFileSync(join(dir, file), text)
      }
      symlinkSync(ROOT, join(dir, 'node_modules/chaincut'))
      log = await nextBuild(dir, bundler)
      staticFiles = readTree(join(dir, '.next/static'))
      ;({ url, server } = await nextStart(dir))
    }, 300_000)

    afterAll(() => {
      stop(server)
      if (dir && !process.env.KEEP_TMP) rmSync(dir, { recursive: true, force: true })
    })

    it('builds the client chunks, with the action module in them', () => {
      expect(log).toMatch(/Compiled successfully|Compiled/)
      const chunks = Object.entries(staticFiles).filter(([file]) => file.endsWith('.js'))
      expect(chunks.length).toBeGreaterThan(0)
      // the client component's chain is there, its handler cut to `.handler()`
      expect(chunks.some(([, text]) => /\.handler\(\)/.test(text) && text.includes('text:"string"'))).toBe(true)
    })

    it('follows the builder through the alias only the bundler knows (no fail-safe warning)', () => {
      // the loader's warnings are printed in the Turbopack build's log
      expect(log).not.toContain('W_UNRESOLVED_HEAD')
      expect(log).not.toContain('[chaincut]')
    })

    it('leaves no handler body, secret or server-only module in .next/static', () => {
      for (const [file, text] of Object.entries(staticFiles)) {
        for (const secret of SECRETS) expect(text, `${secret} in ${file}`).not.toContain(secret)
        expect(text, file).not.toContain('echoed')
        expect(text, file).not.toContain('db.server')
      }
    })

    it('renders the page on the server (the client component, server side)', async () => {
      const html = await (await fetch(url + '/')).text()
      // React separates text parts with empty comments
      expect(html.replaceAll('<!-- -->', '')).toContain('<p id="actions">send:input.handler</p>')
    })

    it('answers the action from the route handler with the handler\'s result', async () => {
      const response = await fetch(url + '/api/send', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'hi' }) })
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ echoed: 'hi', code: 'NEXT_HANDLER_SECRET_hashed:19' })
    })
  })
}

describe('Next.js 16 with withChaincut: the import guard stops the build', () => {
  const dirs: string[] = []
  afterAll(() => {
    if (!process.env.KEEP_TMP) for (const d of dirs) rmSync(d, { recursive: true, force: true })
  })

  for (const bundler of ['turbopack', 'webpack'] as const) {
    it(`fails ${bundler === 'webpack' ? 'next build --webpack' : 'the Turbopack build'} when a client component keeps a server-only import`, async () => {
      const dir = mkdtempSync(join(ROOT, '.tmp', `next-guard-${bundler}-`))
      dirs.push(dir)
      const leaking = {
        ...files,
        'app/widget.tsx': `'use client'
import { db } from '../lib/db.server'

export function Widget() {
  return <p>{db.url.length}</p>
}
`,
      }
      for (const [file, text] of Object.entries(leaking)) {
        mkdirSync(dirname(join(dir, file)), { recursive: true })
        writeFileSync(join(dir, file), text)
      }
      symlinkSync(ROOT, join(dir, 'node_modules/chaincut'))
      const error = await nextBuild(dir, bundler).then(
        () => null,
        (e: Error & { stdout?: string; stderr?: string }) => `${e.message}\n${e.stdout}\n${e.stderr}`,
      )
      expect(error).not.toBeNull()
      expect(error).toContain('imports server-only module "../lib/db.server" into the client build')
    }, 300_000)
  }
})
