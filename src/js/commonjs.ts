/**
 * A CommonJS module of a package that can reach a family: its exports read the way Node reads
 * them (`cjs-module-lexer`, the lexer Node itself uses), and what it requires followed through
 * the package's own files. It can hand out a chain only when some file it requires reaches a
 * family's package; otherwise what it exports is proven not a chain.
 */
import { createRequire } from 'node:module'
import { readFileSync } from 'node:fs'
import { lazyPackage } from '../util/lazy.js'
import { canReach, packageName, packageOfFile } from './packages.js'

/** The WASM lexer, started on the first CommonJS package read. */
const lexer = lazyPackage<typeof import('cjs-module-lexer')>('cjs-module-lexer')
let started = false
function lex(code: string): ReturnType<typeof import('cjs-module-lexer').parse> {
  const { initSync, parse } = lexer()
  if (!started) {
    initSync()
    started = true
  }
  return parse(code)
}

export type CommonJsReach =
  | { kind: 'exportsNo' }
  | { kind: 'cannotReach' }
  | { kind: 'reaches'; via: string }
  | { kind: 'unknown'; why: string }

const REQUIRE = /\brequire\s*\(\s*(?:(['"`])([^'"`\n]+)\1\s*\)|)/g
const MAX_FILES = 200

/** Whether `name` of the CommonJS module `file` can be a chain: exported at all, and reaching a family's package. */
export function commonJsReach(file: string, code: string, name: string, headPackages: ReadonlySet<string>, headPackagesKey: string): CommonJsReach {
  let lexed: { exports: string[]; reexports: string[] }
  try {
    lexed = lex(code)
  } catch {
    return { kind: 'unknown', why: 'its exports cannot be read' }
  }
  if (name !== '*' && name !== 'default' && !lexed.exports.includes(name) && !lexed.reexports.length) return { kind: 'exportsNo' }
  const seen = new Set<string>([file])
  const queue: Array<{ file: string; code: string }> = [{ file, code }]
  while (queue.length) {
    const at = queue.shift()!
    const req = createRequire(at.file)
    for (const m of at.code.matchAll(REQUIRE)) {
      const specifier = m[2]
      if (specifier === undefined) return { kind: 'unknown', why: `${at.file} requires a computed specifier` }
      const bare = packageName(specifier)
      if (bare && headPackages.has(bare)) return { kind: 'reaches', via: bare }
      let target: string
      try {
        target = req.resolve(specifier)
      } catch {
        continue // not installed: never loaded
      }
      if (!target.startsWith('/') && !/^[a-zA-Z]:[\\/]/.test(target)) continue // a Node built-in
      const pkg = packageOfFile(target)
      const own = packageOfFile(file)
      if (pkg && own && pkg.dir !== own.dir) {
        const reach = canReach(pkg.dir, headPackages, headPackagesKey)
        if (reach.reaches === true) return { kind: 'reaches', via: pkg.name }
        if (reach.reaches === 'unknown') return { kind: 'unknown', why: reach.why }
        continue
      }
      if (seen.has(target) || !/\.[cm]?js$/.test(target)) continue
      if (seen.size >= MAX_FILES) return { kind: 'unknown', why: 'it requires too many files to follow' }
      seen.add(target)
      try {
        queue.push({ file: target, code: readFileSync(target, 'utf8') })
      } catch {
        return { kind: 'unknown', why: `${target} cannot be read` }
      }
    }
  }
  return { kind: 'cannotReach' }
}
