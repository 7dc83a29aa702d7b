/**
 * Whether a package in node_modules can reach a chain family's head package:
 * its package.json dependencies (and peer and optional ones), followed
 * transitively. A package that cannot reach any head package cannot hand the
 * app a chain, so a value imported from it is proven not a chain.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, sep } from 'node:path'

/** The package name of a bare specifier (`@scope/name/sub` → `@scope/name`), or null for a path or an alias. */
export function packageName(specifier: string): string | null {
  if (/^[./]|^[a-zA-Z]:[\\/]|^\0|^[a-z]+:/.test(specifier)) return null
  const parts = specifier.split('/')
  if (specifier.startsWith('@')) {
    if (parts.length < 2 || parts[0].length < 2 || !parts[1]) return null
    return `${parts[0]}/${parts[1]}`
  }
  return /^[a-z0-9][\w.-]*$/i.test(parts[0]) ? parts[0] : null
}

/** The package a file under node_modules belongs to: its folder and name. */
export function packageOfFile(file: string): { dir: string; name: string } | null {
  const marker = `${sep}node_modules${sep}`
  const normal = file.split('/').join(sep)
  const at = normal.lastIndexOf(marker)
  if (at < 0) return null
  const rest = normal.slice(at + marker.length).split(sep)
  const name = rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]
  if (!name || name.startsWith('.')) return null
  return { dir: normal.slice(0, at + marker.length) + name.split('/').join(sep), name }
}

interface Manifest {
  name: string
  dependencies: string[]
  /** devDependencies: an app's own package lists its build-time frameworks there too. */
  devDependencies: string[]
}

const manifests = new Map<string, Manifest | null>()

function readManifest(dir: string): Manifest | null {
  let found = manifests.get(dir)
  if (found !== undefined) return found
  try {
    const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
    const deps = new Set<string>()
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      const value = json?.[field]
      if (value && typeof value === 'object') for (const name of Object.keys(value)) deps.add(name)
    }
    const dev = json?.devDependencies && typeof json.devDependencies === 'object' ? Object.keys(json.devDependencies).sort() : []
    found = { name: typeof json?.name === 'string' ? json.name : '', dependencies: [...deps].sort(), devDependencies: dev }
  } catch {
    found = null
  }
  manifests.set(dir, found)
  return found
}

/** Where Node would find package `name` from folder `from`: the nearest node_modules/name. */
export function locate(name: string, from: string): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name)
    if (existsSync(join(candidate, 'package.json'))) return candidate
    const up = dirname(dir)
    if (up === dir) return null
  }
}

/** The packages the package.json in `dir` lists: dependencies (peer and optional too) and devDependencies; none when it cannot be read. */
export function dependenciesOf(dir: string): string[] {
  const manifest = readManifest(dir)
  return manifest ? [...manifest.dependencies, ...manifest.devDependencies] : []
}

export type Reach = { reaches: true; via: string[] } | { reaches: false } | { reaches: 'unknown'; why: string }

const reachCache = new Map<string, Reach>()

/**
 * Can the package in `dir` reach one of `targets` (package names)? Breadth-first over
 * installed dependencies; a dependency that is not installed cannot be loaded, so it
 * reaches nothing. An unreadable package.json on the way is "unknown".
 */
export function canReach(dir: string, targets: ReadonlySet<string>, targetsKey: string, dev = false): Reach {
  const key = dir + '\0' + targetsKey + (dev ? '\0dev' : '')
  const cached = reachCache.get(key)
  if (cached) return cached
  const start = readManifest(dir)
  let result: Reach
  if (!start) result = { reaches: 'unknown', why: `its package.json at ${dir} cannot be read` }
  else {
    result = { reaches: false }
    const seen = new Set<string>([dir])
    const queue: Array<{ dir: string; manifest: Manifest; via: string[] }> = [{ dir, manifest: start, via: [start.name] }]
    outer: while (queue.length) {
      const { dir: at, manifest, via } = queue.shift()!
      if (targets.has(manifest.name)) {
        result = { reaches: true, via }
        break
      }
      // the starting package's devDependencies count when asked (an app's), never a dependency's
      for (const dep of at === dir && dev ? [...manifest.dependencies, ...manifest.devDependencies] : manifest.dependencies) {
        if (targets.has(dep)) {
          result = { reaches: true, via: [...via, dep] }
          break outer
        }
        const depDir = locate(dep, at)
        if (!depDir || seen.has(depDir)) continue
        seen.add(depDir)
        const depManifest = readManifest(depDir)
        if (!depManifest) {
          result = { reaches: 'unknown', why: `the package.json of ${dep} cannot be read` }
          break outer
        }
        queue.push({ dir: depDir, manifest: depManifest, via: [...via, dep] })
      }
    }
  }
  reachCache.set(key, result)
  return result
}

const packageDirs = new Map<string, string | null>()

/** The folder of the nearest package.json above a file (its package, or the app's), or null. Asked per module: answered per folder. */
export function nearestPackageDir(file: string): string | null {
  const start = dirname(file)
  const known = packageDirs.get(start)
  if (known !== undefined) return known
  const inPackage = packageOfFile(file)
  if (inPackage) {
    packageDirs.set(start, inPackage.dir)
    return inPackage.dir
  }
  const walked: string[] = []
  let found: string | null = null
  for (let dir = start; ; dir = dirname(dir)) {
    const known = packageDirs.get(dir)
    if (known !== undefined) {
      found = known
      break
    }
    walked.push(dir)
    if (existsSync(join(dir, 'package.json'))) {
      found = dir
      break
    }
    const up = dirname(dir)
    if (up === dir) break
  }
  for (const dir of walked) packageDirs.set(dir, found)
  return found
}

/**
 * The folder of the whole app a folder belongs to: the highest folder with a package.json at or
 * above it, up to the repository's root (a folder with `.git`, `pnpm-workspace.yaml`, or a
 * package.json listing `workspaces`), so a monorepo's packages share one app and a package.json
 * in a home folder is never the app.
 */
export function appRoot(dir: string): string {
  const known = appRoots.get(dir)
  if (known !== undefined) return known
  const root = climbToAppRoot(dir)
  appRoots.set(dir, root)
  return root
}
const appRoots = new Map<string, string>()

function climbToAppRoot(dir: string): string {
  let found = dir
  for (let at = dir; ; at = dirname(at)) {
    const hasManifest = existsSync(join(at, 'package.json'))
    if (hasManifest) found = at
    if (existsSync(join(at, '.git')) || existsSync(join(at, 'pnpm-workspace.yaml')) || (hasManifest && declaresWorkspaces(at))) return found
    const up = dirname(at)
    if (up === at) return found
  }
}

function declaresWorkspaces(dir: string): boolean {
  try {
    return Boolean(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))?.workspaces)
  } catch {
    return false
  }
}

/** Forget cached manifests (a watch rebuild after `npm install`). */
export function clearPackageCache(): void {
  manifests.clear()
  reachCache.clear()
  appRoots.clear()
  packageDirs.clear()
}
