/**
 * Packages loaded on first use. A warm build served from the persistent cache parses nothing,
 * so it loads no parser, no Babel types, no resolver and no glob (docs/ARCHITECTURE.md
 * "Start-up"): they cost more to load than `vite` itself. They are CommonJS (or ship a CommonJS
 * build), so `require` loads them synchronously where they are first needed.
 */
import { createRequire } from 'node:module'

const load = createRequire(import.meta.url)

/** `load(name)` the first time the result is asked for, then the same module. */
export function lazyPackage<T>(name: string): () => T {
  let module: T | undefined
  return () => (module ??= load(name) as T)
}
