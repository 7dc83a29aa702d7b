/**
 * A small app written into a temp folder for real bundler builds: point0 and
 * TailorKit chains in every notation, a `.server.ts` module, tsconfig-style
 * aliases, and secrets as string literals and env names used only by server
 * code. Stand-in runtimes for `@point0/core` and `tailorkit` record every
 * chain's calls so a test can run both bundles and compare them.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

export const SECRETS = [
  'sk_live_APPFIXTURE_51x9',
  'postgres://admin:hunter2@db.internal/app',
  'APP_FIXTURE_STRIPE_SECRET',
  'hashPasswordServerOnly',
  'prismaClientSecretTable',
  'TK_HANDLER_SECRET_7',
  'middlewareCorsSecret',
]

const files: Record<string, string> = {
  // minimal stand-in runtimes (not the real frameworks): every call is recorded
  'runtime/point0.js': `
const registry = (globalThis.__chaincutCalls ??= [])
function builder(entry) {
  return new Proxy({}, {
    get(_, prop) {
      if (prop === 'then') return undefined
      if (prop === 'lets') return lets(entry)
      if (prop === 'calls') return entry.calls
      return (...args) => {
        entry.calls.push(String(prop))
        if (globalThis.__chaincutServer && prop === 'action' && !entry.calls.includes('loader') && args.length === 0 && entry.type === 'action') {
          // point0 checks this where the endpoint runs: a bare .action() needs a prior loader
          throw new Error('an action needs a .loader')
        }
        return builder(entry)
      }
    },
  })
}
function lets(parent) {
  const fn = (type, ...rest) => {
    const entry = { type: ['GET','POST','PUT','DELETE','PATCH','OPTIONS','HEAD'].includes(String(type).toUpperCase()) ? 'action' : type, name: rest[0], calls: [] }
    registry.push(entry)
    return builder(entry)
  }
  return new Proxy(fn, { get(_, prop) { throw new Error('lets[type] notation can not work without compiler: lets.' + String(prop)) } })
}
export const Point0 = { lets: lets(null) }
`,
  'runtime/tailorkit.js': `
const registry = (globalThis.__chaincutCalls ??= [])
function builder(entry) {
  const b = {}
  for (const m of ['context', 'input', 'output', 'handler']) b[m] = (...args) => { entry.calls.push(m); if (m === 'handler') entry.fn = args[0]; return builder(entry) }
  b.calls = entry.calls
  return b
}
export function createActions() { const entry = { type: 'tailorkit', calls: [] }; registry.push(entry); return builder(entry) }
export function createTailorKit({ actions }) { return { actions, handler: () => new Response('ok') } }
`,
  'runtime/zod.js': `
const schema = () => new Proxy(function () {}, { get: (_, p) => (p === 'parse' ? (v) => v : () => schema()), apply: () => schema() })
export const z = schema()
`,
  // a point0 app: its package.json names the engine, and its engine says pages are not
  // server-rendered, so chaincut cuts render methods from the server build (read from here)
  'package.json': JSON.stringify({ name: 'chaincut-app-fixture', private: true, dependencies: { '@point0/core': '*', '@point0/engine': '*' } }, null, 2),
  'src/engine.ts': `
import { Engine } from '@point0/engine'
export const engine = Engine.create({ ssr: false, server: { scope: 'root' }, client: { scope: 'root' } })
`,
  'src/lib/root.ts': `
import { Point0 } from '@point0/core'
export const root = Point0.lets.root('main').serverUrl('http://localhost').root()
`,
  'src/lib/base.ts': `
import { root as appRoot } from './root'
export const base = appRoot.lets('base', 'api').basePath('/api').base()
`,
  'src/lib/index.ts': `
export * from './root'
export { base as apiBase } from './base'
`,
  'src/server/db.server.ts': `
export const db = { url: 'postgres://admin:hunter2@db.internal/app', table: 'prismaClientSecretTable' }
export async function hashPasswordServerOnly(p: string) { return 'hashed:' + p }
`,
  'src/server/cors.ts': `
export const cors = () => ({ name: 'middlewareCorsSecret' })
`,
  'src/points/ideas.ts': `
import { z } from 'zod'
import { root } from '@/lib'
import { apiBase } from '@/lib/index'
import { db, hashPasswordServerOnly } from '../server/db.server'
import { cors } from '../server/cors'

const STRIPE_KEY = 'sk_live_APPFIXTURE_51x9'
const { APP_FIXTURE_STRIPE_SECRET } = process.env
async function charge(amount: number) {
  return { amount, key: STRIPE_KEY, env: APP_FIXTURE_STRIPE_SECRET }
}

export const ideaUpdateAction = root.lets
  .action('PUT', '/api/ideas/:id')
  .params(z.object({ id: z.string() }))
  .body(z.object({ title: z.string() }))
  .middleware(cors())
  .ctx(async ({ request }: any) => ({ me: await hashPasswordServerOnly(request.headers.user) }))
  .loader(async ({ params, body }: any) => ({ id: params.id, body, db: db.url, paid: await charge(5) }))
  .action()

export const healthAction = root.lets('GET', '/api/health').action(() => db.table)

export const reportAction = root.lets('action', 'report', 'REPORT', '/api/report').loader(() => charge(1)).action()

const draft = apiBase.lets('POST', '/echo').body(z.object({ msg: z.string() }))
export const echoAction = draft.loader(({ body }: any) => ({ body, key: STRIPE_KEY })).action()

export const ideaPage = (root.lets.page('/ideas/:id') as any)
  .params(z.object({ id: z.string() }))
  .loader(async () => ({ secret: db.url }))
  .page(() => 'Idea page')

export const points = [ideaUpdateAction, healthAction, reportAction, echoAction, ideaPage]
`,
  'src/actions/builder.ts': `
import { createActions as ca } from 'tailorkit'
export const action = ca().context<{ user: { id: string } }>()
`,
  'src/actions/index.ts': `
export { action } from './builder'
`,
  'src/actions/messages.ts': `
import { z } from 'zod'
import { action } from './index'
import { db } from '../server/db.server'

export const messageActions = {
  send: action
    .input(z.object({ body: z.string() }))
    .output(z.object({ id: z.string() }))
    .handler(async ({ input }: any) => ({ id: 'TK_HANDLER_SECRET_7' + input.body + db.url })),
  nested: { deeper: { archive: action.input(z.string()).handler(() => db.table) } },
}
`,
  'src/tailorkit.ts': `
import * as tk from 'tailorkit'
import { messageActions } from './actions/messages'

export const tailorKit = tk.createTailorKit({
  components: {},
  actions: {
    messages: messageActions,
    echo: tk.createActions().input(z.string()).handler(({ input }: any) => input + 'TK_HANDLER_SECRET_7'),
  },
})
import { z } from 'zod'
`,
  'src/entry-client.ts': `
import { points } from './points/ideas'
import { tailorKit } from './tailorkit'
export const summary = { points: points.length, actions: Object.keys(tailorKit.actions) }
export const calls = (globalThis as any).__chaincutCalls
`,
  'src/entry-server.ts': `
import { points } from './points/ideas'
import { tailorKit } from './tailorkit'
export const summary = { points: points.length, actions: Object.keys(tailorKit.actions) }
export const calls = (globalThis as any).__chaincutCalls
`,
}

export function writeApp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'chaincut-app-'))
  for (const [file, text] of Object.entries(files)) {
    const full = join(dir, file)
    mkdirSync(dirname(full), { recursive: true })
    writeFileSync(full, text.trimStart())
  }
  return dir
}

/** Aliases as an app would configure them (Vite `resolve.alias`, tsconfig paths). */
export function appAliases(dir: string): Array<{ find: string; replacement: string }> {
  return [
    { find: '@point0/core', replacement: join(dir, 'runtime/point0.js') },
    { find: 'tailorkit', replacement: join(dir, 'runtime/tailorkit.js') },
    { find: 'zod', replacement: join(dir, 'runtime/zod.js') },
    { find: '@', replacement: join(dir, 'src') },
  ]
}
