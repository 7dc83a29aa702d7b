// Minimal stand-in runtime for the demo; not the real framework.
//
// Mimics the part of point0's builder API the playground uses (see
// ../../../shared/seeds/point0-action.md): `Point0.lets('root', 'main')`,
// `root.lets('<type>', '<name>', ...)`, the verb form `root.lets('PUT', route)`,
// the long action form `root.lets('action', name, 'PUT', route)`, and — like
// point0 — the short form `root.lets.action(...)` throws unless a compiler
// (chaincut) rewrote it to the explicit form.
//
// Every builder call is recorded in `point.calls` (in order), so the playground
// can check that a chain constructs with the same calls in the browser (where
// chaincut emptied the server segments) as on the server.

import type { Schema } from './schema'

export const POINT_TYPES = [
  'page', 'layout', 'component', 'provider', 'query', 'infiniteQuery', 'mutation', 'action',
  'subscription', 'channel', 'space', 'serverHandler', 'clientHandler', 'root', 'base', 'plugin',
] as const
export type PointType = (typeof POINT_TYPES)[number]
const VERBS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']

/** An error a `.ctx` / `.loader` can return or throw; its status becomes the HTTP status. */
export class ErrorPoint0 extends Error {
  status: number
  code: string
  constructor(message: string, options: { status?: number; code?: string } = {}) {
    super(message)
    this.status = options.status ?? 500
    this.code = options.code ?? 'POINT0_ERROR'
  }
}

export interface EndpointInput {
  request: Request
  params: any
  body: any
  ctx: any
}
type Fn<A, R = unknown> = (input: A) => R | Promise<R>

type Lets = ((type: string, ...args: unknown[]) => Point) & {
  [T in PointType]: (...args: unknown[]) => Point
}

/** `X.lets` is callable; `X.lets.<type>` only works after a compiler rewrote it. */
function makeLets(parent: Point | null): Lets {
  const lets = (type: string, ...args: unknown[]) => new Point(parent, type, args)
  return new Proxy(lets, {
    get(target, key) {
      if (typeof key === 'string' && !(key in target)) {
        throw new Error('lets[type] notation can not work without compiler')
      }
      return Reflect.get(target, key)
    },
  }) as Lets
}

/** Every action point that was closed, for the server to route. */
export const registry: Point[] = []

export class Point {
  readonly type: PointType
  readonly name: string
  readonly method?: string
  readonly route?: string
  readonly parent: Point | null
  /** Method names of every builder call, in order. */
  readonly calls: string[] = []
  readonly lets: Lets = makeLets(this)

  // stored arguments (absent on a side where chaincut emptied the call)
  paramsSchema?: Schema<unknown>
  bodySchema?: Schema<unknown>
  ctxFn?: Fn<Omit<EndpointInput, 'ctx'>>
  loaderFn?: Fn<EndpointInput>
  renderFn?: (root: HTMLElement) => void

  constructor(parent: Point | null, type: string, args: unknown[]) {
    this.parent = parent
    if (VERBS.includes(type.toUpperCase())) {
      // verb form: X.lets('PUT', '/api/ideas/:id')
      this.type = 'action'
      this.method = type.toUpperCase()
      this.route = String(args[0])
      this.name = this.route
    } else if (type === 'action') {
      // long form: X.lets('action', 'ideaUpdate', 'PUT', '/api/ideas/:id')
      this.type = 'action'
      this.name = String(args[0])
      this.method = String(args[1]).toUpperCase()
      this.route = String(args[2])
    } else if ((POINT_TYPES as readonly string[]).includes(type)) {
      // X.lets('page', 'home', '/')
      this.type = type as PointType
      this.name = String(args[0])
      if (typeof args[1] === 'string') this.route = args[1]
    } else {
      throw new Error(`unknown point type "${type}"`)
    }
  }

  private record(method: string): this {
    this.calls.push(method)
    return this
  }

  // --- segments (any argument may be missing: chaincut empties them on one side)
  params(schema?: Schema<unknown>) { this.paramsSchema = schema; return this.record('params') }
  body(schema?: Schema<unknown>) { this.bodySchema = schema; return this.record('body') }
  ctx(fn?: Fn<Omit<EndpointInput, 'ctx'>>) { this.ctxFn = fn; return this.record('ctx') }
  loader(fn?: Fn<EndpointInput>) { this.loaderFn = fn; return this.record('loader') }
  tag(..._tags: string[]) { return this.record('tag') }
  description(_text?: string) { return this.record('description') }
  ssr(_options?: unknown) { return this.record('ssr') }
  page(render?: (root: HTMLElement) => void) { this.renderFn = render; return this.record('page') }

  // --- closers
  action(fn?: Fn<EndpointInput>) {
    if (!fn && !this.calls.includes('loader')) throw new Error('an action needs a .loader')
    if (fn) this.loaderFn = fn
    return this.close('action')
  }
  query() {
    if (!this.calls.includes('loader')) throw new Error('a query needs a .loader')
    return this.close('query')
  }

  private close(closer: string) {
    this.record(closer)
    if (this.type !== 'action') throw new Error(`.${closer}() closes an action, not a ${this.type}`)
    const clash = registry.find((p) => p.method === this.method && samePattern(p.route!, this.route!))
    if (clash) throw new Error(`Conflicted endpoint routes for method "${this.method}"`)
    registry.push(this)
    return this
  }

  // --- client side
  /** Builds the path of this action's route: `/api/ideas/:id` + `{ id: 1 }` → `/api/ideas/1`. */
  path(params: Record<string, string | number> = {}) {
    return this.route!.replace(/:(\w+)/g, (_, key) => encodeURIComponent(String(params[key])))
  }

  /** Calls the action over HTTP; resolves with the JSON reply, rejects with the server's message. */
  async fetch(input: { params?: Record<string, string | number>; body?: unknown } = {}, init: RequestInit = {}) {
    const response = await fetch(this.path(input.params), {
      ...init,
      method: this.method,
      headers: { 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
      body: input.body === undefined ? undefined : JSON.stringify(input.body),
    })
    const data = await response.json()
    if (!response.ok) throw Object.assign(new Error(data.message), { status: response.status, data })
    return data
  }

  /** Renders a page point into the DOM (client only: the server build has no render fn). */
  mount(root: HTMLElement) {
    if (!this.renderFn) throw new Error(`page "${this.name}" has no render function on this side`)
    this.renderFn(root)
  }

  // --- server side: the endpoint executor
  /** `params`/`body` validated, then `.ctx`, then `.loader`; the result is the JSON reply. */
  async execute(request: Request, rawParams: Record<string, string>): Promise<Response> {
    try {
      if (!this.loaderFn) throw new ErrorPoint0(`action "${this.name}" has no loader on this side`)
      const params = this.paramsSchema ? this.paramsSchema.parse(rawParams, 'params') : rawParams
      const text = await request.text()
      const raw = text ? JSON.parse(text) : undefined
      const body = this.bodySchema ? this.bodySchema.parse(raw, 'body') : raw
      let ctx: unknown = {}
      if (this.ctxFn) {
        ctx = await this.ctxFn({ request, params, body })
        if (ctx instanceof Error) throw ctx
      }
      return Response.json(await this.loaderFn({ request, params, body, ctx }))
    } catch (error) {
      const e = error as { message?: string; status?: number; code?: string }
      return Response.json(
        { message: e.message ?? 'Internal error', code: e.code ?? 'POINT0_ERROR' },
        { status: e.status ?? 500 },
      )
    }
  }

  /** `/api/ideas/:id` matches `/api/ideas/7` → `{ id: '7' }`; otherwise null. */
  match(method: string, pathname: string): Record<string, string> | null {
    if (method !== this.method || !this.route) return null
    const want = this.route.split('/')
    const got = pathname.split('/')
    if (want.length !== got.length) return null
    const params: Record<string, string> = {}
    for (let i = 0; i < want.length; i++) {
      if (want[i].startsWith(':')) params[want[i].slice(1)] = decodeURIComponent(got[i])
      else if (want[i] !== got[i]) return null
    }
    return params
  }
}

function samePattern(a: string, b: string) {
  return a.replace(/:\w+/g, ':') === b.replace(/:\w+/g, ':')
}

/** The entry point of every point tree: `Point0.lets('root', 'main')`. */
export class Point0 {
  static lets: Lets = makeLets(null)
}
