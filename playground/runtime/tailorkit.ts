// Minimal stand-in runtime for the demo; not the real framework.
//
// Mimics TailorKit's action API (see ../../../shared/seeds/tailorkit-actions.txt):
// `createActions().context<T>()` returns a builder; `.input(schema)`,
// `.output(schema)`, `.handler(fn)` build an action; `createTailorKit({ actions })`
// takes (nested) actions and gives the host app `tailorKit.handler(request,
// { authenticate })`, which routes `POST /api/tailorkit/<dotted.path>`,
// validates the input and passes `actionContext` to the handler.
//
// Builders are immutable (one shared `action` builder makes many actions) and
// record every call in `calls`, in order.

import type { Schema } from './schema'

type Handler<C> = (args: { input: any; context: C }) => unknown

export interface ActionBuilder<C> {
  readonly calls: string[]
  readonly inputSchema?: Schema<unknown>
  readonly outputSchema?: Schema<unknown>
  readonly handlerFn?: Handler<C>
  context<T>(): ActionBuilder<T>
  input(schema?: Schema<unknown>): ActionBuilder<C>
  output(schema?: Schema<unknown>): ActionBuilder<C>
  /** The server fn. On the client chaincut leaves `.handler()` with no argument. */
  handler(fn?: Handler<C>): ActionBuilder<C>
}

function builder<C>(state: Omit<ActionBuilder<C>, 'context' | 'input' | 'output' | 'handler'>): ActionBuilder<C> {
  const next = (call: string, change: object) =>
    builder<any>({ ...state, ...change, calls: [...state.calls, call] })
  return {
    ...state,
    context: () => next('context', {}),
    input: (schema) => next('input', { inputSchema: schema }),
    output: (schema) => next('output', { outputSchema: schema }),
    handler: (fn) => next('handler', { handlerFn: fn }),
  }
}

export function createActions(): ActionBuilder<unknown> {
  return builder({ calls: [] })
}

export interface ActionTree {
  [name: string]: ActionBuilder<any> | ActionTree
}

export interface Authenticated<C> {
  actionContext: C
  scopeId: string
}

const json = (data: unknown, status = 200) => Response.json(data, { status })

export function createTailorKit<A extends ActionTree>(config: { components?: object; actions: A }) {
  /** `messages.send` → the action at actions.messages.send */
  const find = (path: string): ActionBuilder<any> | undefined => {
    let node: ActionTree | ActionBuilder<any> | undefined = config.actions
    for (const key of path.split('.')) {
      if (!node || 'calls' in node || !Object.hasOwn(node, key)) return undefined
      node = (node as ActionTree)[key]
    }
    return node && 'calls' in node ? (node as ActionBuilder<any>) : undefined
  }

  return {
    actions: config.actions,

    /** Server: the host app's route handler for `/api/tailorkit/*`. */
    async handler(
      request: Request,
      options: { authenticate: () => Promise<Authenticated<unknown> | null> | Authenticated<unknown> | null },
    ): Promise<Response> {
      const { pathname } = new URL(request.url)
      const match = /^\/api\/tailorkit\/([\w.]+)$/.exec(pathname)
      if (!match) return json({ message: 'Not Found' }, 404)
      if (request.method !== 'POST') return json({ message: 'Method Not Allowed' }, 405)
      const action = find(match[1])
      if (!action) return json({ message: `no action "${match[1]}"` }, 404)
      if (!action.handlerFn) return json({ message: `action "${match[1]}" has no handler on this side` }, 500)
      const session = await options.authenticate()
      if (!session) return json({ message: 'Unauthorized' }, 401)
      let input: unknown
      try {
        const text = await request.text()
        input = text ? JSON.parse(text) : undefined
        if (action.inputSchema) input = action.inputSchema.parse(input, 'input')
      } catch (error) {
        return json({ message: (error as Error).message }, 400)
      }
      try {
        let output = await action.handlerFn({ input, context: session.actionContext })
        if (action.outputSchema) output = action.outputSchema.parse(output, 'output')
        return json(output)
      } catch (error) {
        return json({ message: (error as Error).message }, 500)
      }
    },

    /** Client: what a TailorKit app does — validate against the contract, then POST to the host. */
    async call(path: string, input: unknown, init: RequestInit = {}) {
      const action = find(path)
      if (!action) throw new Error(`no action "${path}"`)
      if (action.inputSchema) action.inputSchema.parse(input, 'input')
      const response = await fetch(`/api/tailorkit/${path}`, {
        ...init,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
        body: JSON.stringify(input),
      })
      const data = await response.json()
      if (!response.ok) throw Object.assign(new Error(data.message), { status: response.status, data })
      return data
    },
  }
}
