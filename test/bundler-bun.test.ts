/**
 * Bun: `chaincut/bun` in `Bun.build`, run by the real Bun binary (the `bun` npm
 * package) as a child process `bun run build.ts`. No `side`: the client build is
 * `target: 'browser'`, the server builds `target: 'node'` and `target: 'bun'`.
 *
 * Bun has no `alias` option: an app aliases with tsconfig `paths`, which Bun reads
 * and so does chaincut's default resolver (Bun 1.4's `build.resolve` throws "not
 * implemented yet", so chaincut cannot ask Bun). The app's `~app/*` and framework
 * aliases are written into its tsconfig.json for that reason.
 *
 * Then the runtime plugin: `bun run` of the server entry with a `bunfig.toml`
 * preload that registers `chaincutRuntime()`, and the import guard in both.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundlerAliases, describeAppBuild } from './bundler-app.js'
import { BUN } from './bun-binary.js'

const ROOT = join(import.meta.dirname, '..')
const DIST = join(ROOT, 'dist/bun.js')

/** The app's aliases as tsconfig `paths` (Bun's own way to alias). */
function writeTsconfig(dir: string) {
  const paths: Record<string, string[]> = {}
  for (const [find, replacement] of Object.entries(bundlerAliases(dir))) {
    if (/\.[cm]?js$/.test(replacement)) paths[find] = [replacement]
    else paths[`${find}/*`] = [`${replacement}/*`]
  }
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { baseUrl: '.', paths } }, null, 2))
}

/** Runs a script with the Bun binary in `dir`; throws with Bun's output when it fails. */
function bun(dir: string, args: string[]): { stdout: string; stderr: string } {
  const run = spawnSync(BUN, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } })
  if (run.status !== 0) throw new Error(`bun ${args.join(' ')} exited ${run.status}\n${run.stdout}\n${run.stderr}`)
  return { stdout: run.stdout, stderr: run.stderr }
}

const buildScript = (targets: Array<[string, string]>) => `
import chaincut from ${JSON.stringify(DIST)}
for (const [name, target] of ${JSON.stringify(targets)}) {
  const side = name.startsWith('client') ? 'client' : 'server'
  const result = await Bun.build({
    entrypoints: [\`./src/bundle-\${side}.ts\`],
    outdir: \`./dist/\${name}\`,
    target,
    format: 'esm',
    sourcemap: 'linked',
    naming: '[name].mjs',
    plugins: [chaincut({ report: \`\${process.cwd()}/report-\${name}.json\` })],
  })
  if (!result.success) throw new AggregateError(result.logs, 'build failed')
}
`

describe('bun', () => {
  it('is the Bun binary of the bun npm package', () => {
    expect(existsSync(BUN)).toBe(true)
    expect(execFileSync(BUN, ['--version'], { encoding: 'utf8' })).toMatch(/^1\.\d+\.\d+/)
  })
})

describeAppBuild('Bun.build', async (dir) => {
  writeTsconfig(dir)
  writeFileSync(join(dir, 'build.ts'), buildScript([['client', 'browser'], ['server', 'node']]))
  bun(dir, ['run', 'build.ts'])
  return {
    client: join(dir, 'dist/client'),
    server: join(dir, 'dist/server'),
    clientEntry: join(dir, 'dist/client/bundle-client.mjs'),
    serverEntry: join(dir, 'dist/server/bundle-server.mjs'),
    clientReport: join(dir, 'report-client.json'),
    serverReport: join(dir, 'report-server.json'),
  }
})

const SERVER_ONLY = 'BUN_LOADER_SERVER_ONLY'
const CLIENT_ONLY = 'BUN_CLIENTLOADER_CLIENT_ONLY'

describe('Bun: the side from the target, the import guard, the runtime plugin', () => {
  let dir: string
  const files: Record<string, string> = {
    // records each call with its first argument's source, so a run shows what was cut
    'runtime/point0.js': `export const calls = []
const chain = new Proxy({}, { get: (_, p) => (...args) => (calls.push([p, args.map(String).join()]), chain) })
export const Point0 = { lets: () => chain }
`,
    'src/entry.ts': `import { Point0 } from '@point0/core'
export const home = Point0.lets('page', 'home', '/').loader(() => '${SERVER_ONLY}').clientLoader(() => '${CLIENT_ONLY}').page(() => 'home')
console.log(JSON.stringify({ loaded: 'entry' }))
`,
    // the app's engine: no server rendering, so the server build cuts `.page(...)` (chaincut reads it here)
    'package.json': JSON.stringify({ name: 'chaincut-bun-sides', private: true, dependencies: { '@point0/engine': '*' } }),
    'src/engine.ts': `import { Engine } from '@point0/engine'\nexport const engine = Engine.create({ ssr: false })\n`,
    'src/secrets.server.ts': `export const apiKey = 'BUN_GUARD_SECRET'\n`,
    'src/leak.ts': `import { apiKey } from './secrets.server'\nexport const leaked = () => apiKey\n`,
    'src/leak-alias.ts': `import { apiKey } from '#secrets'\nexport const leaked = () => apiKey\n`,
    'src/cut.ts': `import { Point0 } from '@point0/core'\nimport { apiKey } from './secrets.server'\nexport const idea = Point0.lets('GET', '/x').loader(() => apiKey).action()\n`,
    'src/widget.client.ts': `export const widget = 'BUN_CLIENT_WIDGET'\n`,
    'src/server-uses-client.ts': `import { widget } from './widget.client'\nconsole.log(widget)\n`,
    'tsconfig.json': JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@point0/core': ['./runtime/point0.js'], '#secrets': ['./src/secrets.server.ts'] } } }),
  }

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'chaincut-bun-'))
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, file)), { recursive: true })
      writeFileSync(join(dir, file), text)
    }
  })
  afterAll(() => {
    if (dir && !process.env.KEEP_TMP) rmSync(dir, { recursive: true, force: true })
  })

  let n = 0
  /** `Bun.build` of one entry; the output text, or the build's error messages. */
  function build(entry: string, target: string | undefined, options: Record<string, unknown> = {}): { ok: boolean; text: string } {
    const out = `out-${n++}`
    const script = `build-${n}.ts`
    writeFileSync(
      join(dir, script),
      `import chaincut from ${JSON.stringify(DIST)}
try {
  const result = await Bun.build({ entrypoints: ['./src/${entry}'], outdir: './${out}', ${target ? `target: '${target}',` : ''} plugins: [chaincut(${JSON.stringify({ report: false, ...options })})] })
  console.log(JSON.stringify({ ok: result.success, text: result.success ? await result.outputs[0].text() : result.logs.map(String).join('\\n') }))
} catch (error) {
  console.log(JSON.stringify({ ok: false, text: [error.message, ...(error.errors ?? []).map((e) => e.message ?? String(e))].join('\\n') }))
}
`,
    )
    return JSON.parse(bun(dir, ['run', script]).stdout.trim().split('\n').pop()!)
  }
  const sideOf = (text: string) => (text.includes(SERVER_ONLY) && !text.includes(CLIENT_ONLY) ? 'server' : text.includes(CLIENT_ONLY) && !text.includes(SERVER_ONLY) ? 'client' : 'unclear')

  it('builds the client for target browser (and for no target: Bun builds for the browser by default)', () => {
    expect(sideOf(build('entry.ts', 'browser').text)).toBe('client')
    expect(sideOf(build('entry.ts', undefined).text)).toBe('client')
  })

  it('builds the server for target bun and target node', () => {
    expect(sideOf(build('entry.ts', 'bun').text)).toBe('server')
    expect(sideOf(build('entry.ts', 'node').text)).toBe('server')
  })

  it('takes the side option over the target', () => {
    expect(sideOf(build('entry.ts', 'browser', { side: 'server' }).text)).toBe('server')
    expect(sideOf(build('entry.ts', 'bun', { side: 'client' }).text)).toBe('client')
  })

  it('fails the client build on a kept import of a server-only module, by specifier and through an alias', () => {
    const direct = build('leak.ts', 'browser')
    expect(direct.ok).toBe(false)
    expect(direct.text).toContain('imports server-only module "./secrets.server" into the client build')
    expect(direct.text).toContain('src/leak.ts:1:')
    const aliased = build('leak-alias.ts', 'browser')
    expect(aliased.ok).toBe(false)
    expect(aliased.text).toMatch(/src\/leak-alias\.ts:1:\d+ imports server-only module "#secrets" \(.*secrets\.server\.ts\)/)
  })

  it('passes the client build when the server-only import is used only in a cut segment, and the server build keeps it', () => {
    const client = build('cut.ts', 'browser')
    expect(client.ok).toBe(true)
    expect(client.text).not.toContain('BUN_GUARD_SECRET')
    const server = build('cut.ts', 'bun')
    expect(server.text).toContain('BUN_GUARD_SECRET')
  })

  it('fails the server build on a client-only import', () => {
    const server = build('server-uses-client.ts', 'node')
    expect(server.ok).toBe(false)
    expect(server.text).toContain('imports client-only module "./widget.client" into the server build')
  })

  describe('runtime plugin (Bun.plugin from a bunfig.toml preload)', () => {
    const preload = (options: Record<string, unknown>) => {
      writeFileSync(
        join(dir, 'preload.ts'),
        `import { plugin } from 'bun'\nimport { chaincutRuntime } from ${JSON.stringify(DIST)}\nplugin(chaincutRuntime(${JSON.stringify(options)}))\n`,
      )
      writeFileSync(join(dir, 'bunfig.toml'), `preload = ["./preload.ts"]\n`)
    }
    afterAll(() => rmSync(join(dir, 'bunfig.toml'), { force: true }))

    const runScript = `import { calls } from '@point0/core'\nimport './src/entry'\nconsole.log(JSON.stringify(calls))\n`
    const lastLine = (text: string) => JSON.parse(text.trim().split('\n').pop()!)

    it('cuts the modules `bun run` loads for the server (runtime target bun), and writes the report at exit', () => {
      preload({ report: join(dir, 'runtime-report.json') })
      writeFileSync(join(dir, 'run.ts'), runScript)
      const calls = lastLine(bun(dir, ['run', 'run.ts']).stdout) as Array<[string, string]>
      expect(calls.map(([method]) => method)).toEqual(['loader', 'clientLoader', 'page'])
      expect(calls[0][1]).toContain(SERVER_ONLY)
      expect(calls[1][1]).toBe('')
      const report = JSON.parse(readFileSync(join(dir, 'runtime-report.json'), 'utf8'))
      const modules = Object.values(report.environments as Record<string, Array<{ id: string; side: string; cuts: Array<{ method: string }> }>>).flat()
      const entry = modules.find((m) => m.id.endsWith('src/entry.ts'))!
      expect(entry.side).toBe('server')
      expect(entry.cuts.map((c) => c.method)).toEqual(['clientLoader', 'page'])
    })

    it('cuts for the client with side: client (the loader runs without its server-only argument)', () => {
      preload({ side: 'client', report: false })
      writeFileSync(join(dir, 'run.ts'), runScript)
      const calls = lastLine(bun(dir, ['run', 'run.ts']).stdout) as Array<[string, string]>
      expect(calls.map(([method]) => method)).toEqual(['loader', 'clientLoader', 'page'])
      expect(calls[0][1]).toBe('')
      expect(calls[1][1]).toContain(CLIENT_ONLY)
      expect(JSON.stringify(calls)).not.toContain(SERVER_ONLY)
    })

    it('refuses a client-only import in the server runtime (the guard)', () => {
      preload({ report: false })
      expect(() => bun(dir, ['run', 'src/server-uses-client.ts'])).toThrow(/imports client-only module "\.\/widget\.client" into the server build/)
    })
  })
})
