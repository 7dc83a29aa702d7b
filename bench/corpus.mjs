// Deterministic generator of realistic modules for the benchmark (bench/README.md).
//
// Everything here is driven by one seeded PRNG, so the same seed gives the same
// corpus byte for byte on every run and machine. Three families of modules:
//
//   - point0 modules (.ts: actions, queries, mutations, channels; .tsx: pages
//     and layouts) with 1..200 chains in every notation (short `root.lets.page()`,
//     verb `root.lets('GET', '/x')`, explicit `root.lets('page', 'name', '/x')`,
//     long action form, a chain split over a `const`), whose server segments use
//     prisma, stripe, secrets and server helpers that only they use, and shared
//     helpers that the kept render code uses too;
//   - TailorKit action files (`createActions().context<T>()`, `.input().output()
//     .handler()`, nested objects, `createTailorKit({ actions })`);
//   - plain React components and utility modules with no chain at all.
//
// Two "modes": `single` modules are self-contained (the point0 root is built in
// the module from `Point0` of '@point0/core', the TailorKit builder from
// `createActions()`), so the core recognises every chain without a cross-module
// lookup; `app` modules import `root`, `action`, prisma, auth... from the shared
// files of a generated app (see `writeApp`), as a real project does.
//
// Server-only code is always spelled with one of SERVER_MARKERS, and nothing the
// client keeps ever is, so "no marker in the client output" is the leak check.

import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'

/** Strings that only ever appear in server-only code of the corpus. */
export const SERVER_MARKERS = ['prisma', 'PrismaClient', 'stripe', 'Stripe', 'SECRET', 'sendEmail', 'requireAdmin', 'serverAuth', '.server']

// ---------------------------------------------------------------------------
// PRNG

export function mulberry32(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export class Rng {
  constructor(seed) {
    this.next = mulberry32(seed)
  }
  int(lo, hi) {
    return lo + Math.floor(this.next() * (hi - lo + 1))
  }
  pick(list) {
    return list[Math.floor(this.next() * list.length)]
  }
  chance(p) {
    return this.next() < p
  }
  /** Log-uniform in [lo, hi]: as many 1-2 KB modules as 50-100 KB ones. */
  logUniform(lo, hi) {
    return Math.exp(Math.log(lo) + this.next() * (Math.log(hi) - Math.log(lo)))
  }
  shuffle(list) {
    const out = list.slice()
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1))
      ;[out[i], out[j]] = [out[j], out[i]]
    }
    return out
  }
}

// ---------------------------------------------------------------------------
// vocabulary (no word here contains a filter hint such as "lets" or "handler")

const ENTITIES = [
  'idea', 'project', 'invoice', 'comment', 'team', 'order', 'product', 'ticket', 'article', 'review',
  'member', 'task', 'event', 'note', 'folder', 'customer', 'coupon', 'shipment', 'message', 'board',
  'sprint', 'release', 'budget', 'vendor', 'contract', 'lead', 'campaign', 'asset', 'report', 'device',
]
const FIELDS = ['title', 'status', 'createdAt', 'updatedAt', 'ownerId', 'teamId', 'score', 'priority', 'dueAt', 'amount', 'slug', 'archived']
const VERBS = ['create', 'update', 'archive', 'restore', 'publish', 'assign', 'close', 'reopen', 'duplicate', 'export', 'sync', 'approve']
const HTTP = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH']
const UI_WORDS = ['Card', 'Row', 'Badge', 'Panel', 'Summary', 'Header', 'Footer', 'Toolbar', 'Empty', 'Avatar', 'Stat', 'Chart']

const cap = (s) => s[0].toUpperCase() + s.slice(1)
const plural = (s) => (s.endsWith('y') ? s.slice(0, -1) + 'ies' : s + 's')

// ---------------------------------------------------------------------------
// module state: what the generated code used, so the header imports exactly that
// (an import that was already unused before the cut is kept by design: chaincut
// only prunes what the cut made unused, so the generator never writes one)

class ModuleState {
  constructor(rng, mode, ext, base) {
    this.rng = rng
    this.mode = mode
    this.ext = ext
    // app mode: how the module names the app's shared files (`..` from src/sNN/, `@` through the alias, `../..` from src/sNN/gNN/)
    this.base = base ?? (mode === 'app' ? '..' : '.')
    this.names = new Set()
    this.used = new Set() // prisma, stripe, auth, requireAdmin, sendEmail, secrets, z, format..., react hooks
    this.serverHelpers = new Map() // name -> source (top-level, used by server code only)
    this.sharedHelpers = new Map() // name -> source (used by kept code and server code)
    this.components = new Map() // name -> source (plain components used by kept render code)
    this.reactHooks = new Set()
    this.chains = 0
  }
  unique(base) {
    let name = base
    for (let i = 2; this.names.has(name); i++) name = base.replace(/([A-Z][a-z]*)$/, `${i}$1`)
    this.names.add(name)
    return name
  }
}

// ---------------------------------------------------------------------------
// server-only code

function serverHelper(st, entity) {
  const E = cap(entity)
  const name = `load${E}WithOwner`
  if (!st.serverHelpers.has(name)) {
    st.used.add('prisma')
    // a helper used only by another server helper: pruning must repeat
    const guard = `assertCanRead${E}`
    st.serverHelpers.set(
      guard,
      `function ${guard}(me: { id: string; teamId: string }, row: { ownerId: string; teamId: string } | null) {\n` +
        `  if (!row) throw new Response('Not found', { status: 404 })\n` +
        `  if (row.teamId !== me.teamId && row.ownerId !== me.id) throw new Response('Forbidden', { status: 403 })\n` +
        `  return row\n}\n`,
    )
    st.serverHelpers.set(
      name,
      `async function ${name}(id: string, me: { id: string; teamId: string }) {\n` +
        `  const row = await prisma.${entity}.findUnique({ where: { id }, include: { owner: true, team: true } })\n` +
        `  return ${guard}(me, row)\n}\n`,
    )
  }
  return name
}

function sharedHelper(st, kind) {
  if (st.mode === 'app') {
    st.used.add('format:' + kind)
    return kind
  }
  const sources = {
    formatTitle: `function formatTitle(value: string): string {\n  return value.trim().replace(/\\s+/g, ' ').slice(0, 120)\n}\n`,
    slugify: `function slugify(value: string): string {\n  return value.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')\n}\n`,
    formatMoney: `function formatMoney(cents: number, currency = 'USD'): string {\n  return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(cents / 100)\n}\n`,
  }
  st.sharedHelpers.set(kind, sources[kind])
  return kind
}

/** One awaited server statement; pushes its variable name on `vars`. */
function serverStatement(st, entity, input, vars, i) {
  const r = st.rng
  const other = r.pick(ENTITIES)
  const v = `${other}Rows${i}`
  switch (r.int(0, 6)) {
    case 0:
      st.used.add('prisma')
      vars.push(v)
      return `const ${v} = await prisma.${other}.findMany({ where: { ${entity}Id: ${input}.id, archived: false }, orderBy: { ${r.pick(FIELDS)}: 'desc' }, take: ${r.int(5, 100)} })`
    case 1:
      st.used.add('prisma')
      vars.push(v)
      return `const ${v} = await prisma.${other}.aggregate({ _count: { _all: true }, _sum: { amount: true }, where: { teamId: ctx.me.teamId, ${r.pick(FIELDS.filter((f) => f !== 'teamId'))}: { not: null } } })`
    case 2:
      st.used.add('stripe')
      vars.push(v)
      return `const ${v} = await stripe.paymentIntents.list({ customer: ctx.me.stripeCustomerId, limit: ${r.int(3, 30)} })`
    case 3:
      st.used.add('secrets')
      vars.push(v)
      return `const ${v} = await fetch(\`\${INTERNAL_API_URL}/${plural(other)}/\${${input}.id}\`, { headers: { authorization: \`Bearer \${SECRET_API_TOKEN}\` } }).then((res) => res.json())`
    case 4: {
      const helper = serverHelper(st, entity)
      vars.push(v)
      return `const ${v} = await ${helper}(${input}.id, ctx.me)`
    }
    case 5:
      st.used.add('sendEmail')
      return `await sendEmail({ to: ctx.me.email, template: '${entity}-${r.pick(VERBS)}', data: { id: ${input}.id } })`
    default: {
      const helper = sharedHelper(st, 'formatTitle')
      vars.push(v)
      return `const ${v} = ${helper}(String(${input}.${r.pick(FIELDS)} ?? '${entity}'))`
    }
  }
}

/** An async server function body of about `budget` bytes. */
function serverBody(st, entity, input, budget, indent) {
  const lines = []
  const vars = []
  let size = 0
  for (let i = 0; size < budget || lines.length === 0; i++) {
    const line = serverStatement(st, entity, input, vars, i)
    lines.push(line)
    size += line.length + indent.length + 1
  }
  lines.push(`return { ${vars.length ? vars.join(', ') : `ok: true`} }`)
  return lines.map((l) => indent + l).join('\n')
}

function schema(st, fields) {
  st.used.add('z')
  const r = st.rng
  const parts = fields.map((f) =>
    `${f}: ${r.pick(['z.string().min(1)', 'z.string().optional()', 'z.number().int().min(0)', 'z.boolean().default(false)', "z.enum(['draft', 'open', 'closed'])"])}`,
  )
  return `z.object({ ${parts.join(', ')} })`
}

function ctxSegment(st) {
  st.used.add('auth')
  return `.ctx(async ({ request }) => ({ me: await serverAuth(request) }))`
}

function middlewareSegment(st) {
  st.used.add('requireAdmin')
  return `.middleware(async ({ ctx, next }) => {\n    await requireAdmin(ctx.me)\n    return next()\n  })`
}

// ---------------------------------------------------------------------------
// render code (kept on the client)

function component(st, entity) {
  let name = `${cap(entity)}${st.rng.pick(UI_WORDS)}`
  if (!st.components.has(name)) {
    if (st.names.has(name)) name = st.unique(name)
    else st.names.add(name)
    const helper = sharedHelper(st, 'formatTitle')
    st.components.set(
      name,
      `function ${name}({ item }: { item: { id: string; title: string; status?: string } }) {\n` +
        `  return (\n    <article className="${entity}-card" data-id={item.id}>\n` +
        `      <h3>{${helper}(item.title)}</h3>\n      {item.status ? <span className="badge">{item.status}</span> : null}\n    </article>\n  )\n}\n`,
    )
  }
  return name
}

function jsxBody(st, entity, budget, indent) {
  const r = st.rng
  const card = component(st, entity)
  const helper = sharedHelper(st, 'formatTitle')
  const lines = [`<main className="${entity}-page">`, `  <h1>{${helper}(data.title ?? '${cap(entity)}')}</h1>`]
  let size = 0
  for (let i = 0; size < budget; i++) {
    const line = r.pick([
      `  <section className="${r.pick(FIELDS)}">{(data.items ?? []).map((item) => <${card} key={item.id} item={item} />)}</section>`,
      `  <p className="muted">{String(data.${r.pick(FIELDS)} ?? '')} · {data.count ?? 0} ${plural(r.pick(ENTITIES))}</p>`,
      `  <nav><a href="/${plural(entity)}?page={String(${i + 1})}">Next</a> <a href="/${plural(entity)}">All ${plural(entity)}</a></nav>`,
      `  <ul>{(data.tags ?? []).map((tag) => <li key={tag}>{tag.toUpperCase()}</li>)}</ul>`,
    ])
    lines.push(line)
    size += line.length + indent.length
  }
  lines.push(`</main>`)
  return lines.map((l) => indent + l).join('\n')
}

// ---------------------------------------------------------------------------
// point0 chains

function declareChain(st, name, body, exported = true) {
  st.chains++
  return `${exported ? 'export ' : ''}const ${name} = ${body}\n`
}

function actionChain(st, budget) {
  const r = st.rng
  const entity = r.pick(ENTITIES)
  const verb = r.pick(VERBS)
  const method = r.pick(HTTP)
  const route = `/api/${plural(entity)}/:id/${verb}`
  const name = st.unique(`${entity}${cap(verb)}Action`)
  const form = r.int(0, 9)
  let head
  if (form < 6) head = `root.lets\n  .action('${method}', '${route}')`
  else if (form < 9) head = `root.lets('${r.chance(0.2) ? method.toLowerCase() : method}', '${route}')`
  else head = `root.lets('action', '${entity}${cap(verb)}', 'REPORT', '${route}')`
  const segs = []
  segs.push(`.params(z.object({ id: z.string().min(1) }))`)
  st.used.add('z')
  if (r.chance(0.4)) segs.push(`.search(${schema(st, ['cursor', 'limit'])})`)
  if (r.chance(0.3)) segs.push(`.headers(z.object({ 'x-request-id': z.string().optional() }))`)
  if (method !== 'GET' && r.chance(0.8)) segs.push(`.body(${schema(st, FIELDS.slice(0, r.int(1, 5)))})`)
  segs.push(ctxSegment(st))
  if (r.chance(0.25)) segs.push(middlewareSegment(st))
  if (r.chance(0.2)) segs.push(`.description('${cap(verb)} a ${entity} (${method} ${route})')`)
  const split = r.chance(0.08) && form >= 6 && form < 9
  const body = serverBody(st, entity, 'params', budget, '    ')
  const tail = r.chance(0.7)
    ? [`.loader(async ({ params, ctx }) => {\n${body}\n  })`, `.action()`]
    : [`.action(async ({ params, ctx }) => {\n${body}\n  })`]
  if (split) {
    // a chain split over a `const` (a chain continued from a binding): the draft is not exported, the action is
    const draft = st.unique(`${entity}${cap(verb)}Draft`)
    return (
      declareChain(st, draft, `${head}\n  ${segs.join('\n  ')}`, false) +
      `export const ${name} = ${draft}\n  ${tail.join('\n  ')}\n`
    )
  }
  return declareChain(st, name, `${head}\n  ${[...segs, ...tail].join('\n  ')}`)
}

function queryChain(st, budget) {
  const r = st.rng
  const entity = r.pick(ENTITIES)
  const kind = r.pick(['query', 'query', 'mutation', 'infiniteQuery'])
  const name = st.unique(kind === 'mutation' ? `${entity}${cap(r.pick(VERBS))}Mutation` : `${entity}${cap(r.pick(['list', 'detail', 'stats', 'feed']))}${kind === 'query' ? 'Query' : 'InfiniteQuery'}`)
  const head = r.chance(0.8) ? `root.lets.${kind}()` : `root.lets('${kind}', '${name.replace(/(Infinite)?Query$|Mutation$/, '')}')`
  const segs = [`.input(${schema(st, ['id', ...FIELDS.slice(0, r.int(0, 3))])})`]
  segs.push(ctxSegment(st))
  if (r.chance(0.3)) segs.push(`.${kind === 'mutation' ? 'mutation' : 'query'}Options({ staleTime: ${r.int(1, 60) * 1000}, retry: ${r.int(0, 3)} })`)
  segs.push(`.loader(async ({ input, ctx }) => {\n${serverBody(st, entity, 'input', budget, '    ')}\n  })`)
  segs.push(`.${kind}()`)
  return declareChain(st, name, `${head}\n  ${segs.join('\n  ')}`)
}

function channelChain(st, budget) {
  const r = st.rng
  const entity = r.pick(ENTITIES)
  const name = st.unique(`${entity}UpdatesChannel`)
  st.used.add('prisma')
  const body = serverBody(st, entity, 'message', Math.max(0, budget - 300), '        ')
  return declareChain(
    st,
    name,
    `root.lets.channel('/ws/${plural(entity)}')\n` +
      `  .channelOptions({\n    server: { heartbeatMs: ${r.int(5, 60) * 1000}, maxPayload: ${r.int(1, 64) * 1024} },\n    client: { reconnect: true, backoffMs: ${r.int(1, 10) * 100} },\n  })\n` +
      `  .channel({\n    server: {\n      onMessage: async ({ message, ctx }) => {\n${body}\n      },\n    },\n` +
      `    client: {\n      onMessage: (message) => console.info('${entity} update', message),\n    },\n  })`,
  )
}

function pageChain(st, budget) {
  const r = st.rng
  const entity = r.pick(ENTITIES)
  const isLayout = r.chance(0.15)
  const kind = isLayout ? 'layout' : 'page'
  const name = st.unique(isLayout ? `${entity}Layout` : `${entity}${r.pick(['', 'Detail', 'List', 'Edit'])}Page`)
  const route = isLayout ? `/${plural(entity)}` : `/${plural(entity)}/:id`
  const head = r.chance(0.75) ? `root.lets.${kind}('${route}')` : `root.lets('${kind}', '${name.replace(/Page$|Layout$/, '')}', '${route}')`
  const segs = []
  if (!isLayout) {
    // params and search build hrefs on a page: kept on the client
    segs.push(`.params(z.object({ id: z.string() }))`)
    st.used.add('z')
  }
  if (r.chance(0.3)) segs.push(r.pick([`.ssr(false)`, `.ssr({ enabled: true, streaming: true })`, `.ssr(true)`]))
  segs.push(ctxSegment(st))
  const input = isLayout ? 'ctx.me' : 'params'
  segs.push(`.loader(async ({ ${isLayout ? 'ctx' : 'params, ctx'} }) => {\n${serverBody(st, entity, input, budget * 0.5, '    ')}\n  })`)
  if (r.chance(0.3)) segs.push(`.head(({ data }) => <title>{String(data.title ?? '${cap(entity)}')}</title>)`)
  if (r.chance(0.2)) segs.push(`.loading(() => <p className="loading">Loading ${plural(entity)}…</p>)`)
  if (isLayout) {
    segs.push(`.layout(({ children }) => (\n    <div className="${entity}-layout">\n      <aside>{'${cap(plural(entity))}'}</aside>\n      {children}\n    </div>\n  ))`)
  } else {
    let hook = ''
    if (r.chance(0.4)) {
      st.reactHooks.add('useState')
      hook = `    const [tab, setTab] = useState('overview')\n`
    }
    segs.push(`.page(({ data }) => {\n${hook}    return (\n${jsxBody(st, entity, budget * 0.5, '      ')}\n    )\n  })`)
  }
  return declareChain(st, name, `${head}\n  ${segs.join('\n  ')}`)
}

// ---------------------------------------------------------------------------
// TailorKit chains

function tkAction(st, budget, indent) {
  const r = st.rng
  const entity = r.pick(ENTITIES)
  st.used.add('z')
  st.used.add('tkdb')
  const lines = []
  const vars = []
  let size = 0
  for (let i = 0; size < budget || lines.length === 0; i++) {
    const other = r.pick(ENTITIES)
    const v = `${other}${i}`
    const line = r.pick([
      () => (vars.push(v), `const ${v} = await db.${other}.findMany({ where: { teamId: context.user.teamId, ${entity}Ref: input.id }, take: ${r.int(5, 50)} })`),
      () => (vars.push(v), `const ${v} = await db.${entity}.update({ where: { id: input.id }, data: { ${r.pick(FIELDS.filter((f) => f !== 'updatedBy'))}: input.value, updatedBy: context.user.id } })`),
      () => (st.used.add('sendEmail'), `await sendEmail({ to: context.user.email, template: '${entity}-changed', data: { id: input.id } })`),
      () => (st.used.add('secrets'), vars.push(v), `const ${v} = await fetch(\`\${INTERNAL_API_URL}/${plural(entity)}\`, { method: 'POST', headers: { authorization: \`Bearer \${SECRET_API_TOKEN}\` } }).then((res) => res.json())`),
    ])()
    lines.push(line)
    size += line.length + indent.length + 4
  }
  lines.push(`return { id: input.id, ok: true${vars.length ? `, count: [${vars.join(', ')}].length` : ''} }`)
  st.chains++
  return (
    `builder\n${indent}  .input(z.object({ id: z.string(), value: z.string().optional() }))\n` +
    `${indent}  .output(z.object({ id: z.string(), ok: z.boolean(), count: z.number().optional() }))\n` +
    `${indent}  .handler(async ({ input, context }) => {\n` +
    lines.map((l) => `${indent}    ${l}`).join('\n') +
    `\n${indent}  })`
  )
}

function tkGroup(st, count, budget) {
  const r = st.rng
  const group = r.pick(ENTITIES)
  const name = st.unique(`${group}Actions`)
  const entries = []
  for (let i = 0; i < count; i++) {
    const key = st.unique(r.pick(VERBS) + cap(r.pick(ENTITIES)))
    if (r.chance(0.2) && i + 1 < count) {
      // nested actions
      entries.push(`  ${key}: {\n    run: ${tkAction(st, budget, '    ')},\n    preview: ${tkAction(st, budget, '    ')},\n  },`)
      i++
    } else {
      entries.push(`  ${key}: ${tkAction(st, budget, '  ')},`)
    }
  }
  return { name, code: `export const ${name} = {\n${entries.join('\n')}\n}\n` }
}

// ---------------------------------------------------------------------------
// plain code (no chain)

function plainComponent(st) {
  const r = st.rng
  const entity = r.pick(ENTITIES)
  const name = st.unique(`${cap(entity)}${r.pick(UI_WORDS)}${r.pick(['', 'List', 'View', 'Section'])}`)
  st.reactHooks.add('useState')
  st.reactHooks.add('useMemo')
  const rows = r.int(2, 8)
  const extra = []
  for (let i = 0; i < rows; i++) {
    extra.push(
      r.pick([
        `      <li key={item.id + '-${i}'} className={item.${r.pick(FIELDS)} ? 'on' : 'off'}>{item.title}</li>`,
        `      <p>{filtered.length} ${plural(entity)} · sorted by ${r.pick(FIELDS)}</p>`,
        `      <button type="button" onClick={() => setQuery('')}>Clear</button>`,
        `      <input value={query} onChange={(e) => setQuery(e.target.value)} placeholder="Search ${plural(entity)}" />`,
      ]),
    )
  }
  return (
    `export function ${name}({ items, onSelect }: { items: Array<{ id: string; title: string; ${r.pick(FIELDS)}?: string }>; onSelect?: (id: string) => void }) {\n` +
    `  const [query, setQuery] = useState('')\n` +
    `  const filtered = useMemo(() => items.filter((item) => item.title.toLowerCase().includes(query.toLowerCase())), [items, query])\n` +
    `  return (\n    <div className="${entity}-${name.length}">\n${extra.join('\n')}\n      <ul>{filtered.map((item) => <li key={item.id} onClick={() => onSelect?.(item.id)}>{item.title}</li>)}</ul>\n    </div>\n  )\n}\n`
  )
}

function plainUtil(st) {
  const r = st.rng
  const entity = r.pick(ENTITIES)
  const field = r.pick(FIELDS)
  const name = st.unique(`${r.pick(['sort', 'group', 'count', 'pick', 'index'])}${cap(plural(entity))}By${cap(field)}`)
  return (
    `export function ${name}<T extends { id: string; ${field}?: unknown }>(rows: T[]): Map<string, T[]> {\n` +
    `  const out = new Map<string, T[]>()\n  for (const row of rows) {\n    const key = String(row.${field} ?? 'none')\n` +
    `    const list = out.get(key)\n    if (list) list.push(row)\n    else out.set(key, [row])\n  }\n` +
    `  return out\n}\n`
  )
}

// ---------------------------------------------------------------------------
// headers: exactly the imports the generated code uses

function header(st, kind) {
  const u = st.used
  const out = []
  const rel = st.base
  if (st.reactHooks.size) out.push(`import { ${[...st.reactHooks].sort().join(', ')} } from 'react'`)
  if (kind === 'point0') {
    if (st.mode === 'app') out.push(`import { root } from '${rel}/lib/root'`)
    else out.push(`import { Point0 } from '@point0/core'`)
  }
  if (kind === 'tailorkit') {
    const style = st.tkStyle
    if (st.mode === 'app' && style === 'imported') out.push(`import { action as builder } from '${rel}/lib/tailorkit'`)
    else if (style === 'alias') out.push(`import { createActions as makeActions${st.tkKit ? ', createTailorKit' : ''} } from 'tailorkit'`)
    else if (style === 'namespace') out.push(`import * as tk from 'tailorkit'`)
    else out.push(`import { createActions${st.tkKit ? ', createTailorKit' : ''} } from 'tailorkit'`)
    if (st.mode === 'app' && style === 'imported' && st.tkKit) out.push(`import { createTailorKit } from 'tailorkit'`)
  }
  if (u.has('z')) out.push(`import { z } from 'zod'`)
  const fmt = [...u].filter((x) => x.startsWith('format:')).map((x) => x.slice(7)).sort()
  if (fmt.length) out.push(`import { ${fmt.join(', ')} } from '${rel}/lib/format'`)
  if (st.mode === 'app') {
    if (u.has('prisma')) out.push(`import { prisma } from '${rel}/server/db.server'`)
    if (u.has('tkdb')) out.push(`import { prisma as db } from '${rel}/server/db.server'`)
    if (u.has('stripe')) out.push(`import { stripe } from '${rel}/server/payments.server'`)
    if (u.has('auth') || u.has('requireAdmin')) {
      out.push(`import { ${[u.has('requireAdmin') && 'requireAdmin', u.has('auth') && 'serverAuth'].filter(Boolean).join(', ')} } from '${rel}/server/auth.server'`)
    }
    if (u.has('sendEmail')) out.push(`import { sendEmail } from '${rel}/server/email.server'`)
    if (u.has('secrets')) out.push(`import { INTERNAL_API_URL, SECRET_API_TOKEN } from '${rel}/server/env.server'`)
  } else {
    if (u.has('prisma') || u.has('tkdb')) out.push(`import { PrismaClient } from '@prisma/client'`)
    if (u.has('stripe')) out.push(`import Stripe from 'stripe'`)
    if (u.has('auth') || u.has('requireAdmin')) {
      out.push(`import { ${[u.has('requireAdmin') && 'requireAdmin', u.has('auth') && 'serverAuth'].filter(Boolean).join(', ')} } from './server/auth'`)
    }
    if (u.has('sendEmail')) out.push(`import { sendEmail } from './server/email'`)
  }
  out.push('')
  if (st.mode === 'single') {
    if (u.has('prisma')) out.push(`const prisma = new PrismaClient()`)
    if (u.has('tkdb')) out.push(`const db = new PrismaClient({ log: ['warn'] })`)
    if (u.has('stripe')) out.push(`const stripe = new Stripe(process.env.STRIPE_SECRET_KEY!, { apiVersion: '2024-06-20' })`)
    if (u.has('secrets')) out.push(`const { INTERNAL_API_URL, SECRET_API_TOKEN } = process.env`)
    if (kind === 'point0') out.push(`const root = Point0.lets('root', 'main').root()`)
  }
  if (kind === 'tailorkit' && st.tkStyle !== 'imported') {
    const call = st.tkStyle === 'alias' ? 'makeActions()' : st.tkStyle === 'namespace' ? 'tk.createActions()' : 'createActions()'
    out.push(`const builder = ${call}.context<{ user: { id: string; name: string; email: string; teamId: string } }>()`)
  }
  out.push('')
  return out.join('\n')
}

function assemble(st, kind, body) {
  const parts = [header(st, kind)]
  if (st.mode === 'app' && kind === 'tailorkit' && st.tkStyle !== 'imported' && (st.used.has('tkdb') || st.used.has('secrets'))) {
    // nothing: app-mode server deps come from imports
  }
  for (const src of st.sharedHelpers.values()) parts.push(src)
  for (const src of st.serverHelpers.values()) parts.push(src)
  for (const src of st.components.values()) parts.push(src)
  parts.push(body)
  return parts.join('\n')
}

// ---------------------------------------------------------------------------
// module generators

/**
 * A point0 module. `chains` chains, about `size` bytes in all.
 * `flavor`: 'api' (.ts: actions, queries, mutations, channels) or 'pages' (.tsx).
 */
export function point0Module(seed, { chains, size, flavor = 'api', mode = 'single', base }) {
  const ext = flavor === 'pages' ? 'tsx' : 'ts'
  const st = new ModuleState(new Rng(seed), mode, ext, base)
  const r = st.rng
  const perChain = Math.max(120, Math.min(8000, (size * 0.8) / chains - 350))
  const blocks = []
  for (let i = 0; i < chains; i++) {
    if (flavor === 'pages') blocks.push(r.chance(0.8) ? pageChain(st, perChain) : queryChain(st, perChain))
    else {
      const k = r.int(0, 19)
      blocks.push(k < 10 ? actionChain(st, perChain) : k < 19 ? queryChain(st, perChain) : channelChain(st, perChain))
    }
  }
  let code = assemble(st, 'point0', blocks.join('\n'))
  // fill up to the size with plain code that stays
  const filler = []
  while (code.length + filler.join('\n').length < size) filler.push(ext === 'tsx' ? plainComponent(st) : plainUtil(st))
  if (filler.length) code = assemble(st, 'point0', blocks.join('\n') + '\n' + filler.join('\n'))
  return { code, ext, chains: st.chains }
}

/** A TailorKit action file. */
export function tailorkitModule(seed, { chains, size, mode = 'single', base }) {
  const st = new ModuleState(new Rng(seed), mode, 'ts', base)
  const r = st.rng
  st.tkStyle = mode === 'app' && r.chance(0.6) ? 'imported' : r.pick(['plain', 'plain', 'alias', 'namespace'])
  st.tkKit = r.chance(0.5) && st.tkStyle !== 'namespace'
  const perChain = Math.max(100, Math.min(6000, (size * 0.8) / chains - 300))
  const groups = []
  let left = chains
  while (left > 0) {
    const n = Math.min(left, r.int(1, 6))
    groups.push(tkGroup(st, n, perChain))
    left -= n
  }
  let body = groups.map((g) => g.code).join('\n')
  if (st.tkKit) {
    const kit = st.tkStyle === 'namespace' ? 'tk.createTailorKit' : 'createTailorKit'
    const extra = tkAction(st, perChain, '    ')
    body += `\nexport const tailorKit = ${kit}({\n  components: {},\n  actions: {\n${groups.map((g) => `    ${g.name.replace(/Actions$/, '')}: ${g.name},`).join('\n')}\n    echo: ${extra},\n  },\n})\n`
  }
  let code = assemble(st, 'tailorkit', body)
  const filler = []
  while (code.length + filler.join('\n').length < size) filler.push(plainUtil(st))
  if (filler.length) code = assemble(st, 'tailorkit', body + '\n' + filler.join('\n'))
  return { code, ext: 'ts', chains: st.chains }
}

/** A React module or a utility module with no chain. */
export function plainModule(seed, { size, flavor = 'react', mode = 'single', base }) {
  const st = new ModuleState(new Rng(seed), mode, flavor === 'react' ? 'tsx' : 'ts', base)
  const r = st.rng
  const blocks = []
  let total = 200
  // a realistic share of plain modules say "handler" somewhere: the code filter
  // lets those through to a parse (reported separately by the bench)
  if (r.chance(0.1)) blocks.push(`// keyboard handlers are registered once per mount\nexport const shortcuts = { save: 'mod+s', close: 'esc' }\n`)
  while (total < size) {
    const block = flavor === 'react' ? (r.chance(0.8) ? plainComponent(st) : plainUtil(st)) : plainUtil(st)
    blocks.push(block)
    total += block.length + 1
  }
  if (mode === 'app' && r.chance(0.5)) {
    st.used.add('format:formatTitle')
    blocks.push(`export const displayName = (value: string) => formatTitle(value)\n`)
  }
  const code = header(st, 'plain') + blocks.join('\n')
  return { code, ext: st.ext, chains: 0 }
}

// ---------------------------------------------------------------------------
// the corpora

/**
 * The transform corpus: modules with and without chains, 1 KB to 100 KB.
 * Each entry: { id, code, ext, kind, chains, bytes }.
 */
export function buildCorpus({ seed = 20250101, quick = false } = {}) {
  const r = new Rng(seed)
  const mix = quick
    ? { api: 10, pages: 8, tk: 6, react: 8, util: 4 }
    : { api: 40, pages: 30, tk: 20, react: 30, util: 10 }
  const out = []
  const add = (kind, i, mod) => out.push({ id: `/bench/corpus/${kind}-${String(i).padStart(3, '0')}.${mod.ext}`, kind, ...mod, bytes: mod.code.length })
  for (let i = 0; i < mix.api; i++) {
    const chains = Math.round(r.logUniform(1, 40))
    add('point0-api', i, point0Module(r.int(1, 2 ** 30), { chains, size: r.logUniform(Math.max(1024, chains * 450), 100 * 1024), flavor: 'api' }))
  }
  for (let i = 0; i < mix.pages; i++) {
    const chains = Math.round(r.logUniform(1, 40))
    add('point0-pages', i, point0Module(r.int(1, 2 ** 30), { chains, size: r.logUniform(Math.max(1024, chains * 600), 100 * 1024), flavor: 'pages' }))
  }
  for (let i = 0; i < mix.tk; i++) {
    const chains = Math.round(r.logUniform(1, 40))
    add('tailorkit', i, tailorkitModule(r.int(1, 2 ** 30), { chains, size: r.logUniform(Math.max(1024, chains * 450), 100 * 1024) }))
  }
  for (let i = 0; i < mix.react; i++) add('react', i, plainModule(r.int(1, 2 ** 30), { size: r.logUniform(1024, 100 * 1024), flavor: 'react' }))
  for (let i = 0; i < mix.util; i++) add('util', i, plainModule(r.int(1, 2 ** 30), { size: r.logUniform(1024, 100 * 1024), flavor: 'util' }))
  return out
}

/** Scaling series: same kind of code, growing size, and growing chain count. */
export function buildScalingCorpus({ seed = 777, quick = false } = {}) {
  const sizes = quick ? [1, 10, 100] : [1, 2, 5, 10, 20, 50, 100]
  const counts = quick ? [1, 20, 200] : [1, 2, 5, 10, 20, 50, 100, 200]
  const bySize = sizes.map((kb) => {
    // constant density: one chain per ~2.5 KB
    const mod = point0Module(seed + kb, { chains: Math.max(1, Math.round(kb / 2.5)), size: kb * 1024, flavor: 'api' })
    return { id: `/bench/scaling/size-${kb}kb.ts`, kb, ...mod, bytes: mod.code.length }
  })
  const byChains = counts.map((n) => {
    // constant chain size (~600 B), no filler
    const mod = point0Module(seed + 1000 + n, { chains: n, size: n * 600, flavor: 'api' })
    return { id: `/bench/scaling/chains-${n}.ts`, n, ...mod, bytes: mod.code.length }
  })
  return { bySize, byChains }
}

// ---------------------------------------------------------------------------
// the generated app for the `vite build` figure

const STUBS = {
  '@point0/core': `
const chain = () => new Proxy(function point() {}, { get: (_t, key) => (key === 'then' ? undefined : chain()), apply: () => chain() })
export const Point0 = chain()
`,
  zod: `
const schema = () => new Proxy(function schema() {}, { get: (_t, key) => (key === 'then' ? undefined : schema()), apply: () => schema() })
export const z = schema()
`,
  tailorkit: `
const builder = () => new Proxy(function builder() {}, { get: (_t, key) => (key === 'then' ? undefined : builder()), apply: () => builder() })
export function createActions() { return builder() }
export function createTailorKit(config) { return { config, handler: () => new Response(null) } }
`,
  '@prisma/client': `
// stands in for the real client: a big server-only module
export class PrismaClient {
  constructor(options) { this.options = options; this.engine = 'prisma-query-engine-stub' }
${Array.from({ length: 60 }, (_, i) => `  model${i}(args) { return { model: ${i}, args, secret: 'PRISMA_ENGINE_SECRET_${i}' } }`).join('\n')}
}
`,
  stripe: `
export default class Stripe {
  constructor(key) { this.key = key; this.paymentIntents = { list: async () => [], create: async () => ({}) } }
}
`,
  react: `
export function useState(v) { return [v, () => {}] }
export function useMemo(fn) { return fn() }
export function useEffect() {}
export default { useState, useMemo, useEffect }
`,
  'react/jsx-runtime': `
export function jsx(type, props, key) { return { type, props, key } }
export const jsxs = jsx
export const Fragment = Symbol.for('react.fragment')
`,
}

const APP_FILES = {
  'src/lib/root.ts': `import { Point0 } from '@point0/core'\n\nexport const root = Point0.lets('root', 'main').root()\n`,
  'src/lib/tailorkit.ts': `import { createActions } from 'tailorkit'\n\nexport const action = createActions().context<{ user: { id: string; name: string; email: string; teamId: string } }>()\n`,
  'src/lib/format.ts':
    `export function formatTitle(value: string): string {\n  return value.trim().replace(/\\s+/g, ' ').slice(0, 120)\n}\n` +
    `export function slugify(value: string): string {\n  return value.toLowerCase().replace(/[^a-z0-9]+/g, '-')\n}\n` +
    `export function formatMoney(cents: number, currency = 'USD'): string {\n  return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(cents / 100)\n}\n`,
  'src/server/db.server.ts': `import { PrismaClient } from '@prisma/client'\n\nexport const prisma = new PrismaClient({ datasourceUrl: process.env.DATABASE_URL })\n`,
  'src/server/payments.server.ts': `import Stripe from 'stripe'\n\nexport const stripe = new Stripe(process.env.STRIPE_SECRET_KEY!)\n`,
  'src/server/auth.server.ts':
    `import { prisma } from './db.server'\n\n` +
    `export async function serverAuth(request: Request) {\n  const token = request.headers.get('authorization') ?? ''\n  return prisma.session.findUnique({ where: { token } }).then((s: any) => s.user)\n}\n` +
    `export async function requireAdmin(me: { role?: string }) {\n  if (me.role !== 'admin') throw new Response('Forbidden', { status: 403 })\n}\n`,
  'src/server/email.server.ts': `export async function sendEmail(message: { to: string; template: string; data: unknown }) {\n  return fetch('https://mail.internal/send?key=' + process.env.SECRET_MAIL_KEY, { method: 'POST', body: JSON.stringify(message) })\n}\n`,
  'src/server/env.server.ts': `export const INTERNAL_API_URL = process.env.INTERNAL_API_URL ?? 'http://internal'\nexport const SECRET_API_TOKEN = process.env.SECRET_API_TOKEN ?? ''\n`,
}

/** The framework packages a monorepo keeps as its own workspace packages (the `real` shape): folder → package name. */
const WORKSPACE_PACKAGES = { 'point0-core': '@point0/core', tailorkit: 'tailorkit' }

/** App shapes (bench/README.md, "The app"): `real` is the default. */
export const APP_SHAPES = ['real', 'legacy']

/**
 * The folder of the generated app: `$TMPDIR/chaincut-bench-app-<modules>` for the default (real
 * shape, `@/` through `resolve.alias`, no source maps), with `-legacy`, `-tsconfig`, `-sourcemap`
 * appended for the others, so an app of another kind is never profiled by mistake.
 */
export const appDirFor = (modules, shape = 'real', { resolveVia = 'alias', sourcemap = false } = {}) =>
  join(tmpdir(), `chaincut-bench-app-${modules}${shape === 'real' ? '' : `-${shape}`}${shape === 'real' && resolveVia === 'tsconfig' ? '-tsconfig' : ''}${sourcemap ? '-sourcemap' : ''}`)

/**
 * Writes a Vite app of `modules` generated modules (a third with chains) into `dir`. Returns a summary.
 *
 * `shape` (bench/README.md, "The app"):
 *   - `real` (default), shaped as apps are: modules in feature folders of ~`perFolder` files
 *     (`src/sNN/gNN/mNNN.tsx`), most imports of the app's own files written `@/…` (a
 *     `resolve.alias` in `vite.config.mjs`, and `paths` in `tsconfig.json`), plain modules
 *     importing each other, and the frameworks (`@point0/core`, `tailorkit`) as workspace
 *     packages in `packages/` aliased to their source (linked into node_modules as a workspace
 *     install links them), so every head chaincut follows is resolved through an alias;
 *   - `legacy`: the earlier app: 100 modules per folder, relative imports only, every
 *     package a stub in node_modules, no package.json, no config.
 * The modules' own text is the same in both shapes (same seed), only their imports differ.
 * `resolveVia` (real shape): `alias` (default: `resolve.alias` for `@/`) or `tsconfig`
 * (`resolve.tsconfigPaths: true` and no `@` alias; the packages stay aliased).
 * `sourcemap`: `build.sourcemap: true` in the app's config (any shape), as apps that upload
 * their maps to an error tracker have it.
 */
export function writeApp(dir, { modules = 2000, seed = 4242, sections = 20, shape = 'real', perFolder = 10, resolveVia = 'alias', sourcemap = false } = {}) {
  if (!APP_SHAPES.includes(shape)) throw new Error(`unknown app shape ${JSON.stringify(shape)}: use ${APP_SHAPES.join(', ')}`)
  const real = shape === 'real'
  rmSync(dir, { recursive: true, force: true })
  const r = new Rng(seed)
  // the shape's own choices draw from their own generator, so the modules' text matches the legacy shape's
  const sr = new Rng(seed ^ 0x5eed5)
  const write = (rel, text) => {
    const file = join(dir, rel)
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, text)
  }
  for (const [pkg, src] of Object.entries(STUBS)) {
    const [name, sub] = pkg.startsWith('@') ? [pkg.split('/').slice(0, 2).join('/'), pkg.split('/')[2]] : [pkg.split('/')[0], pkg.split('/')[1]]
    const workspace = real ? Object.entries(WORKSPACE_PACKAGES).find(([, n]) => n === name)?.[0] : undefined
    if (workspace) {
      // a workspace package: its TypeScript source in packages/<folder>/src, linked into node_modules
      write(`packages/${workspace}/package.json`, JSON.stringify({ name, version: '0.0.0', private: true, type: 'module', main: 'src/index.ts', exports: { '.': './src/index.ts' } }, null, 2))
      write(`packages/${workspace}/src/index.ts`, src)
      const link = join(dir, 'node_modules', name)
      mkdirSync(dirname(link), { recursive: true })
      symlinkSync(relative(dirname(link), join(dir, 'packages', workspace)), link, 'dir')
    } else if (sub) write(`node_modules/${name}/${sub}.js`, src)
    else {
      write(`node_modules/${name}/package.json`, JSON.stringify({ name, version: '0.0.0', type: 'module', main: 'index.js', exports: { '.': './index.js', './jsx-runtime': './jsx-runtime.js' } }))
      write(`node_modules/${name}/index.js`, src)
    }
  }
  const appFiles = real
    ? Object.fromEntries(Object.entries(APP_FILES).map(([rel, src]) => [rel, src.replace(/from '\.\/([\w.]+)'/g, `from '@/server/$1'`)]))
    : APP_FILES
  for (const [rel, src] of Object.entries(appFiles)) write(rel, src)
  write('index.html', `<!doctype html>\n<html><head><title>bench app</title></head><body><div id="app"></div><script type="module" src="/src/main.tsx"></script></body></html>\n`)
  const packagePaths = Object.fromEntries(Object.entries(WORKSPACE_PACKAGES).map(([folder, name]) => [name, [`packages/${folder}/src/index.ts`]]))
  write(
    'tsconfig.json',
    JSON.stringify(
      {
        compilerOptions: {
          jsx: 'react-jsx',
          target: 'ES2022',
          module: 'ESNext',
          moduleResolution: 'Bundler',
          strict: false,
          ...(real ? { baseUrl: '.', paths: { '@/*': ['src/*'], ...packagePaths } } : {}),
        },
        ...(real ? { include: ['src', 'packages/*/src'] } : {}),
      },
      null,
      2,
    ),
  )
  if (real) {
    write(
      'package.json',
      JSON.stringify(
        {
          name: 'bench-app',
          private: true,
          type: 'module',
          workspaces: ['packages/*'],
          dependencies: { '@point0/core': 'workspace:*', tailorkit: 'workspace:*', '@prisma/client': '0.0.0', react: '0.0.0', stripe: '0.0.0', zod: '0.0.0' },
        },
        null,
        2,
      ),
    )
  }
  if (real || sourcemap) {
    // read by vite-child.mjs (its `resolve` and `build.sourcemap`, merged into the inline config)
    const aliases = real
      ? [
          ...Object.entries(WORKSPACE_PACKAGES).map(([folder, name]) => `      { find: /^${name.replace('/', '\\/')}$/, replacement: here('packages/${folder}/src/index.ts') },`),
          ...(resolveVia === 'tsconfig' ? [] : [`      { find: '@', replacement: here('src') },`]),
        ]
      : []
    const resolve = real ? `  resolve: {\n${resolveVia === 'tsconfig' ? '    tsconfigPaths: true,\n' : ''}    alias: [\n${aliases.join('\n')}\n    ],\n  },\n` : ''
    write(
      'vite.config.mjs',
      `// the bench app's config (bench/corpus.mjs writeApp, shape '${shape}'${real ? ': `@/` is src/, the frameworks are the workspace\'s packages' : ''})\n` +
        `import { fileURLToPath } from 'node:url'\n\nconst here = (path) => fileURLToPath(new URL(path, import.meta.url))\n\n` +
        `export default {\n${resolve}${sourcemap ? '  build: { sourcemap: true },\n' : ''}}\n`,
    )
  }

  let withChains = 0
  let bytes = 0
  const perSection = Math.ceil(modules / sections)
  const sectionNames = []
  /** plain modules written so far: their path under src/ (no extension) and the functions they export */
  const exporters = []
  const folders = new Set()
  /** How a module in folder `from` (under src/) names `target` (under src/, no extension): mostly `@/…` in the real shape. */
  const specifier = (from, target) => {
    if (real && sr.chance(0.85)) return `@/${target}`
    const rel = relative(from, target)
    return rel.startsWith('.') ? rel : `./${rel}`
  }
  for (let s = 0; s < sections; s++) {
    const section = `s${String(s).padStart(2, '0')}`
    const names = []
    const paths = []
    for (let i = 0; i < perSection && s * perSection + i < modules; i++) {
      const k = (s * perSection + i) % 3 // a third of the modules carry chains
      const mseed = r.int(1, 2 ** 30)
      const size = r.logUniform(1024, 8 * 1024)
      const name = `m${String(i).padStart(3, '0')}`
      const folder = real ? `${section}/g${String(Math.floor(i / perFolder)).padStart(2, '0')}` : section
      folders.add(folder)
      // the shared files (lib/, server/): through the alias mostly, else relative
      const base = real ? (sr.chance(0.85) ? '@' : relative(folder, '.')) : '..'
      let mod
      if (k === 0) {
        const which = r.int(0, 9)
        const chains = r.int(1, 6)
        mod = which < 4
          ? point0Module(mseed, { chains, size, flavor: 'api', mode: 'app', base })
          : which < 8
            ? point0Module(mseed, { chains, size, flavor: 'pages', mode: 'app', base })
            : tailorkitModule(mseed, { chains, size, mode: 'app', base })
        withChains++
      } else {
        mod = plainModule(mseed, { size, flavor: r.chance(0.75) ? 'react' : 'util', mode: 'app', base })
      }
      let code = mod.code
      if (real) {
        // the app's modules import each other's components and utilities (earlier ones: no cycles)
        const deps = []
        const n = exporters.length ? sr.int(0, 3) : 0
        for (let d = 0; d < n; d++) {
          const from = exporters[Math.floor(sr.next() * exporters.length)]
          const fn = from.functions[Math.floor(sr.next() * from.functions.length)]
          deps.push({ local: `dep${d}_${fn}`, fn, source: specifier(folder, from.path) })
        }
        if (deps.length) {
          code =
            deps.map((d) => `import { ${d.fn} as ${d.local} } from '${d.source}'`).join('\n') +
            '\n' +
            code +
            `\nexport const related = [${deps.map((d) => d.local).join(', ')}]\n`
        }
        if (k !== 0) {
          const functions = [...mod.code.matchAll(/^export function (\w+)/gm)].map((m) => m[1])
          if (functions.length) exporters.push({ path: `${folder}/${name}`, functions })
        }
      }
      write(`src/${folder}/${name}.${mod.ext}`, code)
      bytes += code.length
      names.push(name)
      paths.push(real ? `./${folder.slice(section.length + 1)}/${name}` : `./${name}`)
    }
    write(`src/${section}/index.ts`, names.map((n, j) => `import * as ${n} from '${paths[j]}'`).join('\n') + `\n\nexport const section = [${names.join(', ')}]\n`)
    sectionNames.push(section)
  }
  write(
    'src/main.tsx',
    sectionNames.map((n) => `import { section as ${n} } from '${real ? `@/${n}/index` : `./${n}/index`}'`).join('\n') +
      `\n\nconst sections = [${sectionNames.join(', ')}]\n;(globalThis as any).__benchApp = sections\ndocument.getElementById('app')!.textContent = String(sections.length)\n`,
  )
  return { dir, modules, withChains, bytes, shape, folders: folders.size, resolveVia: real ? resolveVia : undefined, sourcemap }
}
