/**
 * point0's naming rule for a desugared point (`X.lets.action(...)` → `X.lets('action', '<name>', ...)`):
 * the variable without its type suffix, else the file's name (docs/reference.md "Decisions").
 */
import { basename, dirname } from 'node:path'

/** The name a desugared point gets: the variable without its type suffix, else the file's (docs/reference.md "Decisions"). */
const suffixCache = new Map<string, string[]>()
function suffixes(type: string, extra: string[]): string[] {
  const key = type + '\0' + extra.join('\0')
  let found = suffixCache.get(key)
  if (!found) {
    const snake = type.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())
    found = [type[0].toUpperCase() + type.slice(1), type, '_' + type, '_' + snake, ...extra]
      .filter((c, i, all) => all.indexOf(c) === i)
      .sort((a, b) => b.length - a.length)
    suffixCache.set(key, found)
  }
  return found
}

export function pointName(variable: string | null, type: string, file: string, extra: string[] = []): string {
  if (variable) {
    const candidates = suffixes(type, extra)
    let name = variable
    for (const candidate of candidates) {
      // the bare lowercase type is a suffix only as the whole name: `transaction` is no `trans` action
      if (candidate === type && variable !== type && /^[a-z]/.test(type)) continue
      if (variable.endsWith(candidate)) {
        name = variable.slice(0, -candidate.length)
        break
      }
    }
    if (name) return name
    // a root is a scope: `const root = X.lets.root()` is named 'root' whatever its file (point0's own rule)
    if (type === 'root') return 'root'
  }
  const base = basename(file).replace(/\.[^.]*$/, '')
  if (base === 'index') return basename(dirname(file))
  return base
}
