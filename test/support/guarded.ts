/**
 * Runs chaincut's `transform` in a worker thread with a time limit, so a hostile
 * input that hangs it (a synchronous infinite loop, which no test timeout can
 * interrupt) fails the test instead of freezing the run.
 *
 * The worker runs src/ bundled with esbuild (packages stay external and
 * resolve from the project's node_modules), so it tests the same code as the
 * rest of the suite, not a possibly stale dist/.
 */
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { build } from 'esbuild'
import { ROOT } from '../helpers.js'

export type GuardedResult =
  | { kind: 'ok'; code: string | null; cuts: number; ms: number }
  | { kind: 'error'; name: string; code: string | undefined; message: string; findings: Array<{ code: string; file: string; line: number; column: number; frame: string }> | null; ms: number }
  | { kind: 'timeout'; ms: number }

/** What @babel/parser says of a text, run in the worker (same stack as the transform). */
export type ParseResult = { kind: 'ok' } | { kind: 'error'; name: string; message: string }

export interface GuardedOptions {
  side: 'client' | 'server'
  presets?: Array<'point0' | 'tailorkit'>
  onUnsafe?: 'error' | 'warn'
  /** point0({ ssr }): whether the app server-renders (these modules have no engine to read it from). */
  ssr?: boolean
}

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads')
import(workerData.bundle).then(({ transform, ChaincutError, parse, point0 }) => {
  parentPort.on('message', async ({ seq, code, id, options, parsePlugins }) => {
    const started = performance.now()
    if (parsePlugins) {
      try {
        parse(code, { sourceType: 'module', plugins: parsePlugins, allowUndeclaredExports: true })
        parentPort.postMessage({ seq, result: { kind: 'ok' } })
      } catch (error) {
        parentPort.postMessage({ seq, result: { kind: 'error', name: error.constructor.name, message: String(error.message) } })
      }
      return
    }
    try {
      const { ssr, ...rest } = options
      const presets = ssr === undefined ? rest.presets : (rest.presets ?? ['point0', 'tailorkit']).map((p) => (p === 'point0' ? point0({ ssr }) : p))
      const result = await transform(code, id, { ...rest, ...(presets ? { presets } : {}), resolve: () => null })
      parentPort.postMessage({ seq, result: { kind: 'ok', code: result ? result.code : null, cuts: result ? result.report.cuts.length : 0, ms: performance.now() - started } })
    } catch (error) {
      const findings = error instanceof ChaincutError ? error.findings.map((f) => ({ code: f.code, file: f.file, line: f.line, column: f.column, frame: f.frame })) : null
      parentPort.postMessage({ seq, result: { kind: 'error', name: error && error.constructor ? error.constructor.name : typeof error, code: error && error.code, message: String(error && error.message), findings, ms: performance.now() - started } })
    }
  })
  parentPort.postMessage({ ready: true })
})
`

let bundlePromise: Promise<string> | null = null
function bundle(): Promise<string> {
  bundlePromise ??= (async () => {
    const dir = join(ROOT, 'node_modules', '.cache', 'chaincut-tests')
    mkdirSync(dir, { recursive: true })
    const outfile = join(dir, `chaincut-${process.pid}.mjs`)
    await build({
      stdin: { contents: `export * from './src/index.ts'\nexport { parse } from '@babel/parser'\n`, resolveDir: ROOT, loader: 'ts' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      outfile,
      logLevel: 'error',
    })
    return outfile
  })()
  return bundlePromise
}

export class Guard {
  private worker: Worker | null = null
  private ready: Promise<void> | null = null
  private seq = 0
  private pending = new Map<number, (r: unknown) => void>()

  private async start(): Promise<void> {
    const file = await bundle()
    // the stack of a main thread (Node's default), where bundlers run plugins; a worker's default is 4 MB
    const worker = new Worker(WORKER, { eval: true, workerData: { bundle: 'file://' + file }, resourceLimits: { stackSizeMb: 1 } })
    this.worker = worker
    this.ready = new Promise((resolve, reject) => {
      worker.once('error', reject)
      worker.on('message', (message: { ready?: true; seq?: number; result?: unknown }) => {
        if (message.ready) return resolve()
        const done = this.pending.get(message.seq!)
        this.pending.delete(message.seq!)
        done?.(message.result!)
      })
    })
    await this.ready
  }

  /** Parses in the worker with @babel/parser. */
  async parse(code: string, plugins: unknown[], limitMs = 60_000): Promise<ParseResult> {
    const r = (await this.send({ code, parsePlugins: plugins }, limitMs)) as ParseResult | { kind: 'timeout' }
    if (r.kind === 'timeout') throw new Error('parsing the output timed out')
    return r
  }

  /** Transforms in the worker; a call still running after `limitMs` kills the worker and reports a timeout. */
  run(code: string, id: string, options: GuardedOptions, limitMs: number): Promise<GuardedResult> {
    return this.send({ code, id, options }, limitMs) as Promise<GuardedResult>
  }

  private async send(message: object, limitMs: number): Promise<unknown> {
    if (!this.worker) await this.start()
    const seq = this.seq++
    const started = performance.now()
    return new Promise<unknown>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(seq)
        const worker = this.worker
        this.worker = null
        void worker?.terminate()
        resolve({ kind: 'timeout', ms: performance.now() - started })
      }, limitMs)
      this.pending.set(seq, (r) => {
        clearTimeout(timer)
        resolve(r)
      })
      this.worker!.postMessage({ seq, ...message })
    })
  }

  async close(): Promise<void> {
    await this.worker?.terminate()
    this.worker = null
    if (bundlePromise) rmSync(await bundlePromise, { force: true })
    bundlePromise = null
  }
}
