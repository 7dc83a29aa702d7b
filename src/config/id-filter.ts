/**
 * The `include` / `exclude` options for the entries that are not unplugin's
 * (the Bun runtime plugin, Babel, the webpack-style loader), read as unplugin reads
 * them: a RegExp tests the id, a glob is matched with picomatch (relative globs
 * from the working folder), and the defaults are the plugin's.
 */
import picomatch from 'picomatch'
import type { ChaincutOptions, ServerOnlyPattern } from '../types.js'

export const DEFAULT_INCLUDE = [/\.[cm]?[jt]sx?(?:$|\?)/]
export const DEFAULT_EXCLUDE = [/[\\/]node_modules[\\/]/, /^\0/, /^virtual:/]

const slash = (path: string) => path.replace(/\\/g, '/')

function idMatcher(pattern: ServerOnlyPattern): (id: string) => boolean {
  if (pattern instanceof RegExp) return (id) => ((pattern.lastIndex = 0), pattern.test(slash(id)))
  const glob =
    pattern.startsWith('**') || /^(?:\/|(?:[A-Z]:)?[/\\|])/i.test(pattern)
      ? slash(pattern)
      : `${slash(process.cwd()).replace(/[\\^$*+?.()|[\]{}]/g, '\\$&')}/${slash(pattern).replace(/^\.\//, '')}`
  const match = picomatch(glob, { dot: true })
  return (id) => match(slash(id))
}

const list = (p: ServerOnlyPattern | ServerOnlyPattern[] | undefined) => (p === undefined ? undefined : Array.isArray(p) ? p : [p])

/** Whether chaincut looks at a module, from `include` / `exclude` (exclude wins). */
export function idFilter(options: Pick<ChaincutOptions, 'include' | 'exclude'>): (id: string) => boolean {
  const include = (list(options.include) ?? DEFAULT_INCLUDE).map(idMatcher)
  const exclude = (list(options.exclude) ?? DEFAULT_EXCLUDE).map(idMatcher)
  return (id) => !exclude.some((m) => m(id)) && include.some((m) => m(id))
}
