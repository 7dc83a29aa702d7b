import { ErrorPoint0 } from '@point0/core'
import { s } from '@demo/schema'
import { root } from './root'
import { listIdeas, saveIdea } from './server/store.server'

// PUT /api/ideas/:id — everything between `.lets(...)` and `.action()` except
// the calls themselves is server-only: chaincut empties those calls in the
// client build, and the imports they used (the store, the schemas) go too.
export const ideaUpdateAction = root.lets
  .action('PUT', '/api/ideas/:id')
  .params(s.object({ id: s.string({ min: 1 }) }))
  .body(s.object({ title: s.string({ min: 1, max: 80 }) }))
  .ctx(({ request }) => {
    // the gate: runs on the server before the loader, on every request
    const user = request.headers.get('x-demo-user')
    if (!user) return new ErrorPoint0('Forbidden: send the x-demo-user header', { status: 403, code: 'FORBIDDEN' })
    return { user }
  })
  .loader(({ params, body, ctx }) => saveIdea(params.id, body.title, ctx.user))
  .action()

// GET /api/ideas — the verb form, closed as a query
export const ideasQuery = root.lets('GET', '/api/ideas')
  .loader(() => listIdeas())
  .query()
