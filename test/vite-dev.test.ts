/**
 * `vite dev`: the browser gets the client version of a module and the SSR
 * graph the server version, from one dev server; editing a parent point in
 * another module re-transforms its dependants with fresh results.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createServer, type ViteDevServer } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import chaincut from '../dist/vite.js'
import { point0 } from '../dist/index.js'
import { appAliases, writeApp } from './app-fixture.js'

describe('vite dev server', () => {
  let dir: string
  let server: ViteDevServer

  beforeAll(async () => {
    dir = writeApp()
    // a page whose server rendering depends on its parent in another module
    writeFileSync(
      join(dir, 'src/points/home.ts'),
      `import { root } from '../lib/root'\nimport { db } from '../server/db.server'\nexport const homePage = root.lets.page('/').loader(() => db.url).page(() => 'HomeComponentMarker')\n`,
    )
    server = await createServer({
      root: dir,
      configFile: false,
      logLevel: 'silent',
      resolve: { alias: appAliases(dir) },
      server: { middlewareMode: true, ws: false, watch: { usePolling: true, interval: 50 } },
      appType: 'custom',
      plugins: [chaincut({ presets: [point0({ ssr: true }), 'tailorkit'], report: false })],
    })
  })

  afterAll(async () => {
    await server?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('serves the browser the client version of a module with chains', async () => {
    const result = await server.environments.client.transformRequest('/src/points/ideas.ts')
    expect(result!.code).toContain(".loader()")
    expect(result!.code).not.toContain('sk_live_APPFIXTURE_51x9')
    expect(result!.code).not.toContain('db.server')
  })

  it('gives the SSR module graph the server version of the same module', async () => {
    const result = await server.environments.ssr.transformRequest('/src/points/ideas.ts')
    expect(result!.code).toContain('sk_live_APPFIXTURE_51x9')
    expect(result!.code).toContain('db.server')
  })

  it('reports an import-guard violation for the browser as an error, and keeps serving', async () => {
    writeFileSync(join(dir, 'src/leaky.ts'), `import { db } from './server/db.server'\nexport const leak = () => db.url\n`)
    const error = await server.environments.client.transformRequest('/src/leaky.ts').then(
      () => null,
      (e: Error) => e,
    )
    expect(error?.message).toContain('imports server-only module "./server/db.server"')
    // the SSR graph may import it, and the dev server still serves other modules
    await expect(server.environments.ssr.transformRequest('/src/leaky.ts')).resolves.toBeTruthy()
    await expect(server.environments.client.transformRequest('/src/points/ideas.ts')).resolves.toBeTruthy()
  })

  it('re-transforms a child point after its parent in another module changes', async () => {
    const before = await server.environments.ssr.transformRequest('/src/points/home.ts')
    expect(before!.code).toContain('HomeComponentMarker') // ssr: true and the root does not opt out

    const rootFile = join(dir, 'src/lib/root.ts')
    const changed = readFileSync(rootFile, 'utf8').replace('.root()', '.ssr(false).root()')
    writeFileSync(rootFile, changed)
    // the watcher reports the edit; the dependant is invalidated with it
    await new Promise<void>((resolve) => {
      const onChange = (file: string) => {
        if (file.endsWith('root.ts')) {
          server.watcher.off('change', onChange)
          resolve()
        }
      }
      server.watcher.on('change', onChange)
    })
    await new Promise((r) => setTimeout(r, 100))
    const after = await server.environments.ssr.transformRequest('/src/points/home.ts')
    expect(after!.code).not.toContain('HomeComponentMarker')
    expect(after!.code).toContain('.page()')

    const client = await server.environments.client.transformRequest('/src/points/home.ts')
    expect(client!.code).toContain('HomeComponentMarker')
    expect(client!.code).not.toContain('db.url')
  })
})

describe('vite dev server, over HTTP', () => {
  let dir: string
  let server: ViteDevServer
  let base: string

  beforeAll(async () => {
    dir = writeApp()
    writeFileSync(join(dir, 'index.html'), `<!doctype html><html><body><script type="module" src="/src/points/ideas.ts"></script></body></html>\n`)
    writeFileSync(join(dir, 'src/leaky.ts'), `export const x = 1\nimport { db } from './server/db.server'\nexport const leak = () => db.url\n`)
    server = await createServer({
      root: dir,
      configFile: false,
      logLevel: 'silent',
      resolve: { alias: appAliases(dir) },
      server: { port: 0, strictPort: false, ws: false },
      plugins: [chaincut({ presets: [point0({ ssr: true }), 'tailorkit'], report: false })],
    })
    await server.listen()
    const address = server.httpServer!.address() as { port: number }
    base = `http://localhost:${address.port}`
  })

  afterAll(async () => {
    await server?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('refuses a request for a server-only module with a 403 that names it, not a 500 that blames index.html', async () => {
    const response = await fetch(`${base}/src/server/db.server.ts`)
    const body = await response.text()
    expect(response.status, body).toBe(403)
    expect(body).toContain('[chaincut] E_GUARD the browser requested /src/server/db.server.ts, a server-only module (denied by *.server.* file)')
    expect(body).toContain('hint: ')
    expect(body).not.toContain('index.html')
    expect(body).not.toContain('sk_live_APPFIXTURE_51x9')
    // with a query, as the browser asks for it after an import
    expect((await fetch(`${base}/src/server/db.server.ts?import`)).status).toBe(403)
    // the other modules are served
    expect((await fetch(`${base}/src/points/ideas.ts`)).status).toBe(200)
  })

  it("names the import's line in the message, and Vite's location of it agrees (its column is its own)", async () => {
    const response = await fetch(`${base}/src/leaky.ts`)
    const page = await response.text()
    expect(response.status).toBe(500)
    const error = JSON.parse(/const error = (\{.*?\});?\n/s.exec(page)![1]) as { message: string; loc: { file: string; line: number; column: number } }
    expect(error.message).toContain('[chaincut] E_GUARD src/leaky.ts:2 imports server-only module "./server/db.server"')
    expect(error.loc.file).toBe(join(dir, 'src/leaky.ts'))
    expect(error.loc.line).toBe(2)
    // no column in the message that could contradict the overlay's
    expect(error.message).not.toMatch(/src\/leaky\.ts:2:\d/)
  })
})
