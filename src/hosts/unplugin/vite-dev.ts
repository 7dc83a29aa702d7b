/**
 * Vite's dev server answers the browser's requests for modules by URL. A request for a
 * server-only module (`/src/db.server.ts`, typed in the address bar or made by a script) has
 * no importer to blame: it is refused here with a 403 that says what happened, before Vite
 * would transform the module and fail on its own entry HTML.
 */
import { join } from 'node:path'
import { stripQuery } from '../../util/ids.js'
import type { Shared } from './context.js'

interface DevServerLike {
  middlewares: { use(handler: (req: { url?: string }, res: DevResponseLike, next: () => void) => void): void }
}
interface DevResponseLike {
  statusCode: number
  setHeader(name: string, value: string): void
  end(body: string): void
}

export function devRequestGuard(shared: Shared): (server: DevServerLike) => void {
  return (server) => {
    server.middlewares.use((req, res, next) => {
      const url = req.url
      if (!url || url.startsWith('/@vite/') || url.startsWith('/@react-refresh')) return next()
      let path: string
      try {
        path = decodeURIComponent(stripQuery(url))
      } catch {
        return next()
      }
      const file = path.startsWith('/@fs/') ? path.slice('/@fs'.length) : join(shared.root, path)
      const rule = shared.ruleFor('client', file)
      if (!rule) return next()
      res.statusCode = 403
      res.setHeader('Content-Type', 'text/plain; charset=utf-8')
      res.end(
        `[chaincut] E_GUARD the browser requested ${path}, a server-only module (denied by ${rule}): the dev server does not send server code to the browser\n` +
          `  hint: the browser gets modules through the client bundle's imports; import this one only from server code (a .loader, .ctx, .handler, or the server entry)\n`,
      )
    })
  }
}
