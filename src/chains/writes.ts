/**
 * What a module changes after building it: the names it writes members of, hands to mutating
 * methods, or passes to calls. A text scan once per module, kept on the module.
 */
const MUTATING_METHODS = 'push|unshift|splice|set|add|fill|copyWithin|assign|defineProperty|defineProperties|setPrototypeOf'

/**
 * The names a module changes after building what they hold: a member assignment, a mutating
 * method, `Object.assign(name, ...)`; for containers also handing it to a function or touching
 * its prototype. A text scan once per module: a shadowing local only makes chaincut more careful.
 */
interface Mutations {
  any: Set<string>
  container: Set<string>
  argument: Set<string>
}
const ID = '[A-Za-z_$][\\w$]*'
const MUTATION_ANY = new RegExp(
  [
    `(?<![\\w$.])(${ID})\\s*(?:\\??\\.\\s*[\\w$]+|\\[[^\\]\\n]*\\])\\s*(?:[-+*/%&|^]|\\*\\*|<<|>>>?|&&|\\|\\||\\?\\?)?=(?!=)`,
    `(?<![\\w$.])(${ID})\\s*\\.\\s*(?:${MUTATING_METHODS})\\s*\\(`,
    `(?:Object|Reflect)\\s*\\.\\s*(?:${MUTATING_METHODS})\\s*\\(\\s*(${ID})(?![\\w$])`,
  ].join('|'),
  'g',
)
const MUTATION_CONTAINER = new RegExp(`(?<![\\w$.])(${ID})\\s*\\.\\s*prototype\\b`, 'g')
const AS_ARGUMENT = new RegExp(`[(,]\\s*(${ID})\\s*(?=[,)])`, 'g')

/**
 * Kept on the module (never in a WeakMap keyed by it: the young-generation collector keeps such
 * keys alive, and with them every module's syntax tree, until a full collection).
 */
function mutationsOf(module: { code: string; mutations?: unknown }): Mutations {
  let found = module.mutations as Mutations | undefined
  if (!found) {
    found = { any: new Set(), container: new Set(), argument: new Set() }
    for (const m of module.code.matchAll(MUTATION_ANY)) found.any.add(m[1] ?? m[2] ?? m[3])
    for (const m of module.code.matchAll(MUTATION_CONTAINER)) found.container.add(m[1])
    for (const m of module.code.matchAll(AS_ARGUMENT)) found.argument.add(m[1])
    module.mutations = found
  }
  return found
}

export function mutated(module: { code: string; mutations?: unknown }, name: string, container: boolean): boolean {
  const found = mutationsOf(module)
  return found.any.has(name) || (container && found.container.has(name))
}

/** Whether `name` is ever handed to a call (by the text; see `Classifier.handedToMutator`). */
export function handedOn(module: { code: string; mutations?: unknown }, name: string): boolean {
  return mutationsOf(module).argument.has(name)
}

/** Platform functions that read their arguments and never change them. */
export const READ_ONLY_CALLS = /^(?:console\.\w+|JSON\.stringify|Object\.(?:keys|values|entries|freeze|isFrozen|getOwnPropertyNames)|Array\.isArray|String|Number|Boolean|structuredClone)$/
