/**
 * The one compiled matcher set of the import guard: which module specifiers or paths are
 * server-only (or client-only). Built with the rest of the options' tables; the guard
 * (`guard/guard.ts`) and pruning use it.
 */
import picomatch from 'picomatch'
import type { ChainFamily, ServerOnlyPattern } from '../types.js'
import { isRegExp } from '../util/stable.js'
import { stripQuery } from '../util/ids.js'

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')

/** Whether a module is guarded: the rule that matched, or null. */
export type GuardMatcher = ((source: string) => string | null) & {
  /**
   * A RegExp that every id this matcher can match also matches (queries included),
   * for a bundler's hook filter; null when a custom glob or RegExp cannot be prefiltered.
   */
  readonly pathFilter: RegExp | null
}


/**
 * docs/reference.md "Import guard": a module is server-only when its path matches `*.server.*` or sits
 * in a `.server/` folder, or it matches a `serverOnly` pattern (a package
 * name, a glob or a RegExp). Returns the rule that matched, or null.
 *
 * The one compiled matcher set: the plugin's `resolveId`, `load` and webpack
 * `afterResolve` checks, esbuild's `onResolve`, pruning and the CLI all use it.
 */
export function guardMatcher(kind: 'server' | 'client', patterns: ServerOnlyPattern | ServerOnlyPattern[] = [], families: readonly ChainFamily[] = []): GuardMatcher {
  const suffix = new RegExp(`(^|[\\\\/])[^\\\\/]*\\.${kind}(\\.[^\\\\/]*)?$`)
  const folder = new RegExp(`(^|[\\\\/])\\.${kind}[\\\\/]`)
  const marker = kind === 'server' ? ['server-only'] : ['client-only']
  // the frameworks' own server-only modules (their presets' `serverModules`)
  const entries = kind === 'server' ? families.flatMap((f) =>
          (f.serverModules ?? []).map((specifier) => ({
            specifier,
            // a module named `server-only` is a marker: importing it marks the importer (`@point0/core/server-only`)
            label: /(^|\/)server-only$/.test(specifier) ? `the "${specifier}" marker` : `${f.name}'s server module (${specifier})`,
          })),
        ) : []
  // what a prefilter must let through: the path rules (`.server` then a dot, a slash or the end), the markers, package names
  const prefilter = [`\\.${kind}\\b`, ...marker.map((m) => `^${escapeRegExp(m)}(?:[?#]|$)`), ...entries.map((e) => `^${escapeRegExp(e.specifier)}(?:[/?#]|$)`)]
  let exact = true
  const custom = [patterns].flat().map((pattern) => {
    if (isRegExp(pattern)) {
      exact = false
      // `test` on a `g` or `y` RegExp starts at the `lastIndex` the previous match left: a copy without them
      const re = /[gy]/.test(pattern.flags) ? new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')) : pattern
      return { test: (s: string) => re.test(s), label: String(pattern) }
    }
    if (/[*?{}[\]!]/.test(pattern)) {
      exact = false
      const glob = picomatch(pattern, { dot: true })
      return { test: (s: string) => glob(s), label: pattern }
    }
    // a package name matches itself and its subpaths
    prefilter.push(`^${escapeRegExp(pattern)}(?:[/?#]|$)`)
    return { test: (s: string) => s === pattern || s.startsWith(pattern + '/'), label: pattern }
  })
  const match = (source: string) => {
    const clean = stripQuery(source)
    if (marker.includes(clean)) return `the "${clean}" marker`
    for (const entry of entries) if (clean === entry.specifier || clean.startsWith(entry.specifier + '/')) return entry.label
    if (suffix.test(clean)) return `*.${kind}.* file`
    if (folder.test(clean)) return `.${kind}/ folder`
    for (const rule of custom) if (rule.test(clean)) return `${kind}Only pattern ${rule.label}`
    return null
  }
  return Object.assign(match, { pathFilter: exact ? new RegExp(prefilter.join('|')) : null })
}

/**
 * One prefilter for ids that any of these matchers may match (a bundler's `load`
 * filter, the webpack `afterResolve` check), or null: every id must be checked.
 */
export function guardPrefilter(...matchers: Array<(source: string) => string | null>): RegExp | null {
  const filters = matchers.map((m) => (m as Partial<GuardMatcher>).pathFilter ?? null)
  if (filters.some((f) => f === null)) return null
  return new RegExp(filters.map((f) => f!.source).join('|'))
}

