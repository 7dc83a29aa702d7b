// End to end: build the playground with chaincut, start its server, drive a
// real Chromium through the page, and check that the actions work and that no
// planted secret reaches the browser.
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromium, type Browser, type Page } from 'playwright-core'
import { buildPlayground, findSecrets, readSecrets, scanBuild } from '../playground/build.mjs'
import { startServer } from '../playground/server.mjs'
import { Point0 } from '../playground/runtime/point0'

const CHROMIUM = '/usr/bin/chromium'
const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
]
const SCREENSHOT = fileURLToPath(new URL('../test-results/e2e.png', import.meta.url))

const NO_CHROMIUM =
  `Chromium not found at ${CHROMIUM}: the end-to-end test needs it. ` +
  'Install it with: apt-get update && apt-get install -y chromium'

type Secret = { value: string; kind: string; plantedIn: string }

// Never skipped: without Chromium this test, and the suite below, fail with how to install it.
it(`finds Chromium at ${CHROMIUM}`, () => {
  if (!existsSync(CHROMIUM)) throw new Error(NO_CHROMIUM)
})

describe('playground end to end', () => {
  let tmp: string
  let out: { outDir: string; clientDir: string; serverDir: string }
  let secrets: Secret[]
  let server: { url: string; close(): Promise<void> }
  let browser: Browser
  let page: Page
  const received: Array<{ url: string; body: string }> = []
  const pendingBodies: Promise<unknown>[] = []
  const pageErrors: string[] = []

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(NO_CHROMIUM)
    secrets = await readSecrets()
    tmp = await mkdtemp(join(tmpdir(), 'chaincut-e2e-'))
    out = await buildPlayground({ outDir: join(tmp, 'with-chaincut'), logLevel: 'warn' })
    server = await startServer({ distDir: out.outDir })
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS })
    page = await browser.newPage()
    page.on('pageerror', (error) => pageErrors.push(error.message))
    page.on('response', (response) => {
      pendingBodies.push(
        response.body().then(
          (body) => received.push({ url: response.url(), body: body.toString('utf8') }),
          () => {}, // redirects and aborted requests have no body
        ),
      )
    })
    await page.goto(server.url)
    await page.waitForSelector('#idea-form')
  }, 120_000)

  afterAll(async () => {
    if (page) {
      // the test artifact: the page as the last test left it
      await mkdir(join(SCREENSHOT, '..'), { recursive: true })
      await page.screenshot({ path: SCREENSHOT, fullPage: true })
    }
    await browser?.close()
    await server?.close()
    if (tmp) await rm(tmp, { recursive: true, force: true })
  })

  it('builds a client bundle (source maps included) without any planted secret, and a server bundle with all of them', async () => {
    const result = await scanBuild(out, secrets)
    expect(result.leaks).toEqual([])
    expect(result.missing).toEqual([])
    expect(result.files.some((f: string) => f.endsWith('.js.map'))).toBe(true)
  })

  it('the scan is not vacuous: the same app built without chaincut leaks every secret', async () => {
    const bare = await buildPlayground({ outDir: join(tmp, 'without-chaincut'), chaincut: false, ssr: false, logLevel: 'silent' })
    const leaked = new Set((await findSecrets(bare.clientDir, secrets)).map((hit: { secret: string }) => hit.secret))
    expect([...leaked].sort()).toEqual(secrets.map((s) => s.value).sort())
  }, 60_000)

  it('submits the form: the action answers and the page shows the reply', async () => {
    await page.fill('#idea-form [name=id]', '42')
    await page.fill('#idea-form [name=title]', 'Ship the playground')
    await page.fill('#idea-form [name=user]', 'ada')
    await page.click('#idea-form button')
    await expect.poll(() => page.textContent('#reply')).toContain('"version": 1')
    const reply = JSON.parse((await page.textContent('#reply'))!)
    expect(reply).toEqual({ id: '42', title: 'Ship the playground', updatedBy: 'ada', version: 1 })
    // the query point lists what the loader stored
    await expect.poll(() => page.textContent('#ideas')).toContain('#42 Ship the playground (by ada, v1)')
  })

  it('refuses a request without the x-demo-user header in .ctx, before the loader runs', async () => {
    const refused = await page.evaluate(async () => {
      const response = await fetch('/api/ideas/42', {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'sneaky' }),
      })
      return { status: response.status, body: await response.json() }
    })
    expect(refused).toEqual({ status: 403, body: { message: 'Forbidden: send the x-demo-user header', code: 'FORBIDDEN' } })
    const ideas = await page.evaluate(() => fetch('/api/ideas').then((r) => r.json()))
    expect(ideas).toEqual([{ id: '42', title: 'Ship the playground', updatedBy: 'ada', version: 1 }])

    // the same through the form: an empty header field shows the refusal
    await page.fill('#idea-form [name=user]', '')
    await page.click('#idea-form button')
    await expect.poll(() => page.textContent('#reply')).toBe('Error 403: Forbidden: send the x-demo-user header')
    // and with the header again, the action goes through (a second write: version 2)
    await page.fill('#idea-form [name=user]', 'ada')
    await page.click('#idea-form button')
    await expect.poll(() => page.textContent('#reply')).toContain('"version": 2')
  })

  it('validates the body on the server (.body schema)', async () => {
    const status = await page.evaluate(() =>
      fetch('/api/ideas/1', {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'x-demo-user': 'ada' },
        body: JSON.stringify({ title: 7 }),
      }).then((r) => r.status),
    )
    expect(status).toBe(400)
  })

  it('runs nested TailorKit actions with validated input and the authenticated context', async () => {
    await page.click('#message-form button')
    await expect.poll(() => page.textContent('#message-reply')).toContain('"id": "msg_1"')
    expect(JSON.parse((await page.textContent('#message-reply'))!)).toEqual({ id: 'msg_1', channelId: 'general' })

    const calls = await page.evaluate(async () => {
      const post = (path: string, input: unknown, headers: Record<string, string> = {}) =>
        fetch(`/api/tailorkit/${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(input),
        }).then(async (r) => ({ status: r.status, body: await r.json() }))
      return {
        archive: await post('projects.archive', { projectId: 'p1' }, { 'x-demo-user': 'ada' }),
        anonymous: await post('projects.archive', { projectId: 'p1' }),
        invalid: await post('messages.send', { body: '' }, { 'x-demo-user': 'ada' }),
        unknown: await post('projects.delete', {}, { 'x-demo-user': 'ada' }),
      }
    })
    expect(calls.archive).toEqual({
      status: 200,
      body: { projectId: 'p1', archivedBy: 'ada', billing: 'no billing key configured' },
    })
    expect(calls.anonymous.status).toBe(401)
    expect(calls.invalid.status).toBe(400)
    expect(calls.unknown.status).toBe(404)
  })

  it('constructs every chain in the browser with the same calls, in the same order, as on the server', async () => {
    const inBrowser = await page.evaluate(() => (window as unknown as { __chains: unknown }).__chains)
    const onServer = await (await fetch(new URL('/__playground/chains', server.url))).json()
    expect(JSON.parse(JSON.stringify(inBrowser))).toEqual(onServer)
    expect(onServer.ideaUpdate).toEqual({
      type: 'action',
      name: 'ideaUpdate',
      method: 'PUT',
      route: '/api/ideas/:id',
      calls: ['params', 'body', 'ctx', 'loader', 'action'],
    })
    expect(onServer.home).toMatchObject({ type: 'page', name: 'home', calls: ['page'] })
    expect(onServer['messages.send']).toEqual(['context', 'input', 'output', 'handler'])
    expect(onServer['projects.archive']).toEqual(['context', 'input', 'output', 'handler'])
  })

  it('no response the browser received contains a planted secret, and the page threw nothing', async () => {
    // also fetch the client source maps, as a curious visitor could
    const maps = await page.evaluate(async () => {
      const scripts = [...document.querySelectorAll<HTMLScriptElement>('script[src]')].map((s) => s.src)
      return Promise.all(scripts.map((src) => fetch(`${src}.map`).then((r) => r.status)))
    })
    expect(maps.length).toBeGreaterThan(0)
    expect(maps.every((status) => status === 200)).toBe(true)

    await Promise.all(pendingBodies)
    expect(received.length).toBeGreaterThan(8)
    expect(received.some((r) => r.url.endsWith('.js.map'))).toBe(true)
    const leaks = received.flatMap(({ url, body }) =>
      secrets.filter((s) => body.includes(s.value)).map((s) => `${s.value} in ${url}`),
    )
    expect(leaks).toEqual([])
    expect(pageErrors).toEqual([])
  })
})

describe('stand-in point0 runtime', () => {
  it('refuses the short form without a compiler, like point0', () => {
    const root = Point0.lets('root', 'test')
    expect(() => (root.lets as any).page('/x')).toThrow('lets[type] notation can not work without compiler')
    expect(() => (Point0.lets as any).root()).toThrow('lets[type] notation can not work without compiler')
  })

  it('refuses a bare .action() with no loader', () => {
    const root = Point0.lets('root', 'test')
    expect(() => root.lets('POST', '/api/test-no-loader').action()).toThrow('an action needs a .loader')
    // an emptied `.loader()` (what chaincut leaves on the client) still counts
    expect(() => root.lets('POST', '/api/test-emptied').loader().action()).not.toThrow()
  })
})
