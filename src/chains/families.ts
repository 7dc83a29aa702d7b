/**
 * Which families count in a module: a family's method names mean something only where the app
 * can reach the family — the dependency closure of the module's nearest package.json reaches one
 * of its packages, or the user named it in the options. Without a readable package.json, every
 * family counts. Proven chains are cut whatever this says; it decides what an unknown receiver of
 * a cut method may be.
 */
import type { ChainFamily } from '../types.js'
import type { Config } from '../config/config.js'
import { canReach, nearestPackageDir } from '../js/packages.js'

export interface FamilyActivity {
  family: ChainFamily
  active: boolean
  why: string
}

export interface Families {
  packageDir: string | null
  families: FamilyActivity[]
  /** As the module report gives them (shared by every module of the package: never changed). */
  reported: ReadonlyArray<{ name: string; active: boolean; why: string }>
}

const memo = new WeakMap<Config, Map<string, Families>>()

/** The families of the config, each active or not in the package that holds `file`, and why: once per package. */
export function familiesOf(file: string, config: Config): Families {
  const packageDir = nearestPackageDir(file)
  let byDir = memo.get(config)
  if (!byDir) memo.set(config, (byDir = new Map()))
  const key = packageDir ?? ''
  let found = byDir.get(key)
  if (!found) {
    const families = config.families.map((family) => activity(family, packageDir, config))
    found = { packageDir, families, reported: Object.freeze(families.map((f) => Object.freeze({ name: f.family.name, active: f.active, why: f.why }))) }
    byDir.set(key, found)
  }
  return found
}

function activity(family: ChainFamily, dir: string | null, config: Config): FamilyActivity {
  if (config.namedFamilies.has(family)) return { family, active: true, why: 'named in the options' }
  const packages = config.familyPackages.get(family) ?? new Set<string>()
  if (!packages.size) return { family, active: true, why: 'its heads name no package, so it counts everywhere' }
  if (!dir) return { family, active: true, why: 'no package.json above this module says what the app depends on' }
  const reach = canReach(dir, packages, [...packages].sort().join(','), true)
  if (reach.reaches === true) return { family, active: true, why: `the app depends on it: ${reach.via.join(' → ')}` }
  if (reach.reaches === 'unknown') return { family, active: true, why: reach.why }
  return { family, active: false, why: `${dir}/package.json does not depend on ${[...packages].join(', ')}, directly or through its dependencies` }
}
