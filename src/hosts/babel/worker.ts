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
import type { ChaincutOptions, Finding, ModuleReport, Resolver, Side } from '../../types.js'
import { aliasResolver, type AliasConfig } from './module-resolver.js'

export type BabelWorkerResult =
  | { kind: 'unchanged'; report: ModuleReport | null }
  | { kind: 'transformed'; code: string; map: { sources: string[]; sourcesContent?: Array<string | null>; [key: string]: unknown }; report: ModuleReport | null }
  | { kind: 'error'; name: string; message: string; code?: string; findings?: Finding[]; stack?: string }

const caches = new Map<string, ModuleCache>()
/** One resolver per module-resolver configuration (by its text). */
const resolvers = new Map<string, Resolver>()

runAsWorker(async (code: string, id: string, options: ChaincutOptions, side: Side, aliases: AliasConfig | null): Promise<BabelWorkerResult> => {
  const aliasKey = aliases ? JSON.stringify(aliases) : ''
  // resolutions differ with the aliases: a module cache per side and configuration
  const key = `${side}\0${aliasKey}`
  let cache = caches.get(key)
  if (!cache) caches.set(key, (cache = new ModuleCache()))
  let resolve = aliases ? resolvers.get(aliasKey) : undefined
  if (aliases && !resolve) resolvers.set(aliasKey, (resolve = aliasResolver(aliases)))
  let report: ModuleReport | null = null
  try {
    const result = await transform(code, id, { ...options, side, cache, ...(resolve ? { resolve } : {}), onReport: (r) => (report = r) })
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
