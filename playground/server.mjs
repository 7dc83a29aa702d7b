// The playground's server: a plain Node `http` server around the SSR bundle.
// It routes point0 actions (method + route → .params/.body → .ctx → .loader),
// hands /api/tailorkit/* to TailorKit's handler, and serves the client build.
//
//   node playground/server.mjs            (after a build; PORT=3000 to pick the port)
import { createServer } from 'node:http'
import { readFile } from 'node:fs/promises'
import { extname, join, normalize, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const here = fileURLToPath(new URL('.', import.meta.url))
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css',
  '.map': 'application/json', '.json': 'application/json', '.svg': 'image/svg+xml', '.ico': 'image/x-icon',
}

export async function startServer({ distDir = join(here, 'dist'), port = 0, host = '127.0.0.1' } = {}) {
  const app = await import(pathToFileURL(join(distDir, 'server', 'entry-server.js')).href)
  const clientDir = join(distDir, 'client')

  // TailorKit asks the host app who is calling; here the demo header is the "session".
  const authenticate = (request) => {
    const user = request.headers.get('x-demo-user')
    return user ? { actionContext: { user: { id: user, name: user } }, scopeId: user } : null
  }

  async function route(request) {
    const { pathname } = new URL(request.url)
    for (const action of app.actions) {
      const params = action.match(request.method, pathname)
      if (params) return action.execute(request, params)
    }
    if (pathname.startsWith('/api/tailorkit/')) {
      return app.tailorKit.handler(request, { authenticate: () => authenticate(request) })
    }
    // for the end-to-end test: the chains as the server built them
    if (pathname === '/__playground/chains') return Response.json(app.describeChains())
    if (pathname.startsWith('/api/')) return Response.json({ message: 'Not Found' }, { status: 404 })
    return serveStatic(pathname)
  }

  async function serveStatic(pathname) {
    const file = normalize(join(clientDir, pathname === '/' ? 'index.html' : decodeURIComponent(pathname)))
    if (!file.startsWith(clientDir + sep)) return new Response('Forbidden', { status: 403 })
    try {
      const type = TYPES[extname(file)] ?? 'application/octet-stream'
      return new Response(await readFile(file), { headers: { 'content-type': type } })
    } catch {
      return new Response('Not Found', { status: 404 })
    }
  }

  const server = createServer(async (req, res) => {
    try {
      const headers = new Headers()
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1])
      const chunks = []
      for await (const chunk of req) chunks.push(chunk)
      const body = chunks.length ? Buffer.concat(chunks) : undefined
      const request = new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers, body })
      const response = await route(request)
      res.writeHead(response.status, Object.fromEntries(response.headers))
      res.end(Buffer.from(await response.arrayBuffer()))
    } catch (error) {
      console.error(error)
      res.writeHead(500, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ message: 'Internal error' }))
    }
  })
  await new Promise((resolve, reject) => server.once('error', reject).listen(port, host, resolve))
  const url = `http://127.0.0.1:${server.address().port}/`
  return { url, server, close: () => new Promise((resolve) => server.close(resolve)) }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { url } = await startServer({ port: Number(process.env.PORT ?? 0) })
  console.log(`chaincut playground running at ${url}`)
}
