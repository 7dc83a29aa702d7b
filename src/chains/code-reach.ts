/**
 * Whether the app's code can reach a family, not only its package.json. A chain is made only by
 * calling a family's head, and a head comes only from the family's package: so when no script
 * of the app imports that package, no package the app depends on (other than the family itself)
 * depends on it, and no import of the app leads anywhere chaincut cannot read, no value in the
 * app can be a chain of that family, whatever the package.json declares. This is the proof
 * "a package that cannot reach any family" carried to the app's own code: an app that lists
 * `tailorkit` among its dependencies but never imports it builds no tailorkit chain.
 *
 * It is asked only for an unknown receiver of a cut method on the client, in a module whose
 * package declares the family (`families.ts`), and answered once per package folder and family.
 * Every doubt keeps the family reachable: an import that resolves nowhere (an alias chaincut
 * cannot read, a missing or generated file), an import or `require` of a computed name, a
 * `createRequire`, too many files. A module decided by it is never stored in the persistent
 * cache (its answer depends on files that may not exist yet).
 */
import { readFileSync, realpathSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { dirname, isAbsolute, join, resolve as resolvePath, sep } from 'node:path'
import { lazyPackage } from '../util/lazy.js'
import { stripQuery } from '../util/ids.js'
import { SCAN_IGNORE, SCAN_LIMIT } from '../js/app-files.js'
import { appRoot, canReach, dependenciesOf, locate, nearestPackageDir, packageName, packageOfFile } from '../js/packages.js'
import { defaultResolve } from '../js/modules.js'

const tinyglobby = lazyPackage<typeof import('tinyglobby')>('tinyglobby')

/** Every file that can hold an import the bundler follows: scripts, and the markup formats with script blocks. */
const SOURCE_GLOBS = ['**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs,vue,svelte,astro,mdx,html}']
/** Files reached by an import that hold no import of their own. */
const INERT = /\.(?:css|scss|sass|less|styl|pcss|postcss|json|json5|ya?ml|toml|txt|md|csv|svg|png|jpe?g|gif|webp|avif|ico|bmp|woff2?|ttf|otf|eot|mp[34]|webm|ogg|wav|pdf|wasm|graphql|gql|d\.[cm]?ts)$/i
const BUILTINS = new Set(builtinModules)
/** Besides what the app scan leaves out: the folders served as they are (a file there is bundled only when an import leads to it). */
const LIST_IGNORE = [...SCAN_IGNORE, '**/public/**', '**/static/**']

/** How a decision made by this proof begins (the persistent cache does not store a module decided by it). */
export const NOT_REACHED_BY_CODE = "no code of the app reaches the family that cuts this method"

export interface CodeReach {
  reaches: boolean
  /** What reaches the family (a file and its import), or why nothing can. */
  why: string
}

/** Type-only imports and re-exports (`import type { A } from '…'`, `export type * from '…'`): erased, they load nothing. */
const TYPE_ONLY = /(?<![\w$.])(?:import|export)\s+type\s+(?!from\s*['"])[^'";]*?\bfrom\s*(['"])([^'"\n]+)\1/g
/** Static imports, re-exports and side-effect imports: `from '…'`, `import '…'`. */
const STATIC = /(?:(?<![\w$.])from|(?<![\w$.])import)\s*(['"])([^'"\n]+)\1/g
/**
 * The other ways code loads a module: `import(…)`, `require(…)`, `require.resolve/context(…)`,
 * `import.meta.glob(…)`; and `require` or `createRequire` used as a value, which can load anything.
 * A literal first argument is read; anything else is a doubt.
 */
const DYNAMIC = /(?<![\w$.])(?:(import\s*\(|require\s*\(|require\s*\.\s*(?:resolve|context)\s*\(|import\s*\.\s*meta\s*\.\s*glob(?:Eager)?\s*(?:<[^>]*>)?\s*\()\s*(?:(['"])([^'"\n]*)\2|`([^`]*)`|\[\s*(['"])([^'"\n]*)\5)?|(require\s*(?=[)\],;}]|$)|createRequire\b|__non_webpack_require__\b|module\s*\.\s*require\b))/gm

/** Resolves what the walk could not, all at once, with the build's resolver (may throw `Suspend` until it answers). */
export type ResolveLater = (pairs: ReadonlyArray<readonly [source: string, importer: string]>) => Array<string | null>

/**
 * Can the code of the app whose package is at `packageDir` (the module `file` included, which
 * may be a test the app's scan leaves out) reach one of `packages`? Memoised in `memo` (the
 * build's module cache: cleared when files change); a walk waiting on the bundler's resolver
 * is kept there and goes on where it stopped.
 */
export function reachedByCode(file: string, code: string, packageDir: string, packages: ReadonlySet<string>, memo: Map<string, unknown>, resolveLater?: ResolveLater): CodeReach {
  const targetsKey = [...packages].sort().join(',')
  // a chain can come into the module's package from any code that imports it (a parameter, a
  // callback): the whole app, its repository's every package
  const root = appRoot(packageDir)
  const key = `\0reach:${root}\0${packageDir}\0${targetsKey}`
  let base = memo.get(key) as Walk | undefined
  if (!base) {
    memo.set(key, (base = new Walk(packages, targetsKey, 'no script of the app')))
    base.scope = packageDir
    base.addPackage(root, true)
    base.addPackage(packageDir, true)
  }
  const reach = base.finish(resolveLater)
  if (reach.reaches || base.files.has(file)) return reach
  // the module itself, when the package's scan does not list it (a test, a file under dist/):
  // what the package's files import is read already, only what it imports beyond that is new
  const own = new Walk(packages, targetsKey, 'neither this module nor any script of the app', base)
  own.scope = packageDir
  own.starts.add(file)
  own.addFile(file, code)
  return own.finish(resolveLater)
}

interface Doubt {
  file: string
  what: string
}

/** A walk over the app's files and what they import, breadth first, stopping at the first import that reaches a family or leaves a doubt. */
class Walk {
  readonly files: Set<string>
  readonly packages: Set<string>
  private readonly queue: Array<[string, string | null]> = []
  /** Imports the walk's own resolver could not resolve: asked of the build's resolver, all at once. */
  private unresolved: Array<readonly [string, string]> = []
  private doubt: Doubt | null = null
  /** Doubts by file, decided at the end (`doubtIn`). */
  private readonly pendingDoubts = new Map<string, string>()
  /** Each file's imports that lead to files of the app. */
  private readonly edges = new Map<string, Set<string>>()
  /** The module's package folder: its files can hand the module anything. */
  scope: string | null = null
  /** Files the walk started from (the module itself). */
  readonly starts = new Set<string>()
  private reaching: string | null = null
  private done: CodeReach | null = null

  constructor(
    private readonly targets: ReadonlySet<string>,
    private readonly targetsKey: string,
    private readonly where: string,
    readAlready?: Walk,
  ) {
    this.files = new Set(readAlready?.files)
    this.packages = new Set(readAlready?.packages)
  }

  private get stopped(): boolean {
    return this.doubt !== null || this.reaching !== null
  }

  /** The answer: the queue read, then what the walk's resolver missed resolved by the build's, until nothing is left. */
  finish(resolveLater?: ResolveLater): CodeReach {
    while (!this.done) {
      this.run()
      if (!this.stopped && this.unresolved.length) {
        const pairs = this.unresolved
        // nothing better to ask: each stays unresolved, a module the build cannot load
        const files = resolveLater ? resolveLater(pairs) : pairs.map(() => null)
        this.unresolved = []
        pairs.forEach(([source, importer], i) => this.landed(source, importer, files[i], true))
        continue
      }
      const names = [...this.targets].join(', ')
      if (!this.reaching && !this.doubt) this.doubt = this.doubtReaching()
      if (this.reaching) this.done = { reaches: true, why: this.reaching }
      else if (this.doubt) this.done = { reaches: true, why: `${this.doubt.file}: ${this.doubt.what}` }
      else this.done = { reaches: false, why: `${this.where} imports ${names} (${this.files.size} file${this.files.size === 1 ? '' : 's'} read, every import followed), and no package it depends on does: no value here can be a chain of it` }
    }
    return this.done
  }

  addFile(file: string, text: string | null): void {
    if (this.files.has(file)) return
    this.files.add(file)
    this.queue.push([file, text])
  }

  /**
   * A package folder of the app: what it depends on (any of which a framework may load without
   * an import of the app naming it), and with `everyFile` every file in it (the starting package,
   * any of whose files may be an entry); of another package, only the files imports lead to.
   */
  addPackage(dir: string, everyFile: boolean): void {
    if (this.packages.has(dir) || this.stopped) return
    this.packages.add(dir)
    for (const dep of dependenciesOf(dir)) {
      if (this.targets.has(dep)) continue
      const at = locate(dep, dir)
      if (!at) continue
      const real = realOrSelf(at)
      if (!inNodeModules(real)) {
        this.addPackage(real, false)
        continue
      }
      this.judgePackage(at, join(dir, 'package.json'), `depends on ${dep}`)
      if (this.stopped) return
    }
    if (!everyFile) return
    let listed: string[]
    try {
      listed = tinyglobby().globSync([...SOURCE_GLOBS, '**/package.json'], { cwd: dir, absolute: true, ignore: LIST_IGNORE, followSymbolicLinks: false })
    } catch {
      this.doubt = { file: dir, what: 'its files cannot be listed' }
      return
    }
    listed.sort()
    // every package of the workspace: what each depends on counts as the root's does
    for (const f of listed) if (f.endsWith('/package.json') || f.endsWith('\\package.json')) this.addPackage(dirname(f), false)
    for (const f of listed) if (!f.endsWith('package.json')) this.addFile(f, null)
  }

  /** An installed package (not of the workspace): reaches the family when its package.json's dependencies do. */
  private judgePackage(dir: string, file: string, what: string): void {
    const reach = canReach(dir, this.targets, this.targetsKey)
    if (reach.reaches === true) this.reaching = `${file} ${what}, which depends on ${reach.via.slice(1).join(' → ') || reach.via[0]}`
    else if (reach.reaches === 'unknown') this.doubt = { file, what: `it ${what}: ${reach.why}` }
  }

  private run(): void {
    while (this.queue.length && !this.stopped) {
      if (this.files.size > SCAN_LIMIT) {
        this.doubt = { file: this.queue[0][0], what: `the app has more than ${SCAN_LIMIT} files to look through` }
        return
      }
      const [file, given] = this.queue.shift()!
      let text = given
      if (text === null) {
        try {
          text = readFileSync(file, 'utf8')
        } catch (error) {
          // gone since it was listed or resolved: the bundler cannot load it either
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.doubt = { file, what: 'it cannot be read' }
          continue
        }
      }
      this.read(file, text)
    }
  }

  /** Every import of one file's text. */
  private read(file: string, text: string): void {
    const erased = new Set<number>()
    if (text.includes('type')) {
      TYPE_ONLY.lastIndex = 0
      for (let m = TYPE_ONLY.exec(text); m; m = TYPE_ONLY.exec(text)) erased.add(m.index + m[0].length)
    }
    STATIC.lastIndex = 0
    for (let m = STATIC.exec(text); m && !this.stopped; m = STATIC.exec(text)) if (!erased.has(m.index + m[0].length)) this.follow(m[2], file)
    DYNAMIC.lastIndex = 0
    for (let m = DYNAMIC.exec(text); m && !this.stopped; m = DYNAMIC.exec(text)) {
      // prose in a comment (`the historical import (the live path…)`, `we require that`): no doubt
      if (m[3] === undefined && m[6] === undefined && inComment(text, m.index)) continue
      if (m[7]?.startsWith('createRequire')) {
        // `import { createRequire } from 'node:module'`: the name, not a use
        if (/^\s*(?:,|\}|as\b)/.test(text.slice(m.index + m[0].length))) continue
        // `const req = createRequire(import.meta.url)`: followed when every use of `req` loads a literal
        const made = /^\s*(?:const|let|var)\s+([\w$]+)\s*=\s*$/.exec(text.slice(Math.max(0, text.lastIndexOf('\n', m.index) + 1), m.index))
        const uses = made ? requireUses(text, made[1]) : null
        if (uses) {
          for (const used of uses) this.follow(used, file)
          continue
        }
      }
      if (m[7]) {
        this.doubtIn(file, `it uses ${m[7].replace(/\s+/g, '')} as a value, which can load any module`)
        return
      }
      const literal = m[3] ?? m[6]
      if (literal !== undefined) {
        if (/^\s*import\s*\.\s*meta/.test(m[1])) {
          // a glob of the app's own files (`./pages/*.ts`, `/src/**`) is listed by the package scan
          const pattern = literal.replace(/^!/, '')
          if (/node_modules/.test(pattern) || !/^(?:\.\.?\/|\/)/.test(pattern)) this.doubtIn(file, `it globs ${quoteSpec(literal)}, which chaincut cannot list`)
          continue
        }
        this.follow(literal, file)
        continue
      }
      if (m[4] !== undefined) {
        const hole = m[4].indexOf('${')
        if (hole < 0) this.follow(m[4], file)
        // `require(\`@/locales/${locale}.json\`)`: data, wherever it is
        else if (INERT.test(stripQuery(m[4]))) continue
        else if (/^\.\.?\//.test(m[4])) this.follow(m[4].slice(0, hole), file, true)
        else this.doubtIn(file, `it calls ${m[1].replace(/\s+/g, '')}\`${m[4]}\`) with a name chaincut cannot read`)
        continue
      }
      this.doubtIn(file, `it calls ${m[1].replace(/\s+/g, '')}…) with a name chaincut cannot read`)
    }
  }

  /** One import of `file`. */
  private follow(specifier: string, file: string, dynamicPrefix = false): void {
    if (this.stopped) return
    const source = stripQuery(specifier)
    // prose in a comment (`apart from "no custom style"`): no package or alias has a space in its name
    if (!source || (/\s/.test(source) && !/^\.\.?\//.test(source))) return
    const name = packageName(source)
    if (source.startsWith('node:') || (name && BUILTINS.has(name) && !source.includes('/'))) return
    if (name && this.targets.has(name)) {
      this.reaching = `${file} imports ${quoteSpec(specifier)}`
      return
    }
    // a stylesheet, an image, a JSON file: it loads nothing, wherever it is
    if (INERT.test(source)) return
    if (dynamicPrefix) {
      // `import(\`./locales/${lang}\`)`: a file of the app below that folder, each one listed by its package's scan
      const folder = resolvePath(dirname(file), source)
      const owner = nearestPackageDir(join(folder, 'x.js'))
      if (inNodeModules(folder) || !owner) this.doubtIn(file, `it loads ${quoteSpec(specifier + '…')}, which chaincut cannot list`)
      else this.addPackage(owner, true)
      return
    }
    if (name) {
      const at = locate(name, dirname(file))
      // an installed package: its package.json says; a package of the workspace: its files are followed from where this import leads
      if (at && inNodeModules(realOrSelf(at))) return this.judgePackage(at, file, `imports ${quoteSpec(specifier)}`)
    }
    let target: string | null = null
    try {
      const found = defaultResolve(source, file)
      target = typeof found === 'string' ? found : null
    } catch {
      target = null
    }
    this.landed(source, file, target, false)
  }

  /** Where an import led: `final` when no resolver is left to ask. */
  private landed(source: string, file: string, target: string | null, final: boolean): void {
    if (this.stopped) return
    if (target === null) {
      // neither resolver finds it: a module the bundler cannot load (a generated file exists before the build transforms, when this is asked)
      if (!final) this.unresolved.push([source, file])
      return
    }
    target = stripQuery(target)
    if (!isAbsolute(target)) {
      this.doubtIn(file, `its import ${quoteSpec(source)} is the module ${quoteSpec(target)}, which chaincut cannot read`)
      return
    }
    const inPackage = packageOfFile(target)
    if (inPackage && inNodeModules(target)) {
      if (this.targets.has(inPackage.name)) this.reaching = `${file} imports ${quoteSpec(source)}, which is ${inPackage.name}`
      else this.judgePackage(inPackage.dir, file, `imports ${quoteSpec(source)}`)
      return
    }
    const real = realOrSelf(target)
    const owner = nearestPackageDir(real)
    if (owner) this.addPackage(owner, false)
    if (!INERT.test(real)) {
      this.addFile(real, null)
      let to = this.edges.get(file)
      if (!to) this.edges.set(file, (to = new Set()))
      to.add(real)
    }
  }

  /**
   * A doubt in one file: it counts when that file can hand a value to the module's package, i.e.
   * is in it, or imports something that leads into it (decided when the walk is over). A script
   * elsewhere in the repository (a seed, a docs build script) that loads a computed name cannot
   * hand the module anything without importing its package.
   */
  private doubtIn(file: string, what: string): void {
    if (!this.pendingDoubts.has(file)) this.pendingDoubts.set(file, what)
  }

  /** The first pending doubt of a file that can reach the module's package by its imports, or null. */
  private doubtReaching(): Doubt | null {
    if (!this.pendingDoubts.size) return null
    const inside = (f: string) => this.scope !== null && (f === this.scope || f.startsWith(this.scope + '/') || f.startsWith(this.scope + '\\'))
    const reaches = new Set<string>([...this.files].filter(inside))
    for (const f of this.starts) reaches.add(f)
    // backwards over the imports: whoever imports a file that reaches, reaches
    for (let grew = true; grew; ) {
      grew = false
      for (const [from, to] of this.edges) {
        if (reaches.has(from)) continue
        for (const t of to) {
          if (reaches.has(t)) {
            reaches.add(from)
            grew = true
            break
          }
        }
      }
    }
    for (const [file, what] of [...this.pendingDoubts].sort((a, b) => (a[0] < b[0] ? -1 : 1))) if (reaches.has(file)) return { file, what }
    return null
  }
}

/** What every use of a `require` made by `createRequire` loads (`req('x')`, `req.resolve('x')`), or null when one is anything else. */
function requireUses(text: string, name: string): string[] | null {
  const escaped = name.replace(/\$/g, '\\$')
  const use = new RegExp(`(?<![\\w$.])${escaped}(?![\\w$])(\\s*(?:\\.\\s*resolve\\s*)?\\(\\s*(['"])([^'"\\n]*)\\2)?`, 'g')
  const loaded: string[] = []
  let declarations = 0
  for (let m = use.exec(text); m; m = use.exec(text)) {
    if (m[1]) loaded.push(m[3])
    else if (inComment(text, m.index)) continue
    else if (/^\s*=\s*createRequire\b/.test(text.slice(m.index + name.length)) && declarations++ === 0) continue
    else return null
  }
  return loaded
}

/**
 * Whether `at` is inside a comment: after `//` on its line, or after a `/*` not closed before it.
 * (A `//` in a string before it on the same line would hide a doubt: only doubts are dropped this way.)
 */
function inComment(text: string, at: number): boolean {
  const lineStart = text.lastIndexOf('\n', at) + 1
  const line = text.slice(lineStart, at)
  if (/(?:^|[^:'"`\\])\/\//.test(line) || /^\s*\*/.test(line)) return true
  const open = text.lastIndexOf('/*', at)
  return open >= 0 && text.lastIndexOf('*/', at) < open
}

const quoteSpec = (s: string): string => `"${s}"`
const inNodeModules = (path: string): boolean => path.includes(`${sep}node_modules${sep}`) || path.includes('/node_modules/')

function realOrSelf(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    return path
  }
}
