/**
 * The worker behind `chaincut/babel`: Babel plugins are synchronous, chaincut's
 * transform is not (cross-module lookups read and resolve other files), so the
 * plugin hands each module to this worker through synckit and waits on
 * `Atomics.wait`. One worker per process; its module cache lives as long as it does
 * (entries are checked against each file's size and mtime).
 */
import { runAsWorker } from 'synckit'
import { ModuleCache } from '../../js/modules.js'
import { ChaincutError } from '../../findings/errors.js'
import { transform } from '../../pipeline/transform.js'
import type { ChaincutOptions, Finding, ModuleReport, Side } from '../../types.js'

export type BabelWorkerResult =
  | { kind: 'unchanged'; report: ModuleReport | null }
  | { kind: 'transformed'; code: string; map: { sources: string[]; sourcesContent?: Array<string | null>; [key: string]: unknown }; report: ModuleReport | null }
  | { kind: 'error'; name: string; message: string; code?: string; findings?: Finding[]; stack?: string }

const caches = new Map<Side, ModuleCache>()

runAsWorker(async (code: string, id: string, options: ChaincutOptions, side: Side): Promise<BabelWorkerResult> => {
  let cache = caches.get(side)
  if (!cache) caches.set(side, (cache = new ModuleCache()))
  let report: ModuleReport | null = null
  try {
    const result = await transform(code, id, { ...options, side, cache, onReport: (r) => (report = r) })
    if (!result) return { kind: 'unchanged', report }
    return { kind: 'transformed', code: result.code, map: JSON.parse(JSON.stringify(result.map)), report }
  } catch (error) {
    const e = error as Error & { code?: string }
    return {
      kind: 'error',
      name: e?.name ?? 'Error',
      message: e?.message ?? String(error),
      code: typeof e?.code === 'string' ? e.code : undefined,
      // plain data: the frame is a getter on a finding
      findings: error instanceof ChaincutError ? JSON.parse(JSON.stringify(error.findings)) : undefined,
      stack: e?.stack,
    }
  }
})
