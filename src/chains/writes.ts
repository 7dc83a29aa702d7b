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
    // a member written at any depth (`o.p = v`, `o.a.b ??= v`, `o[k] = v`) changes what `o` holds
    `(?<![\\w$.])(${ID})(?:\\s*(?:\\??\\.\\s*[\\w$]+|\\[[^\\]\\n]*\\]))+\\s*(?:[-+*/%&|^]|\\*\\*|<<|>>>?|&&|\\|\\||\\?\\?)?=(?!=)`,
    `(?<![\\w$.])(${ID})(?:\\s*(?:\\??\\.\\s*[\\w$]+|\\[[^\\]\\n]*\\]))*\\s*\\??\\.\\s*(?:${MUTATING_METHODS})\\s*\\(`,
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

/**
 * Code that hands `this` on (`Object.assign(this, ...)`, `register(this)`): in an object
 * literal's methods or a class's body, members are then set where chaincut does not look.
 * (Writes on `this` itself are the walk's `memberWrites`.)
 */
const OWN_METHOD_BOUND = /\bthis\s*\.\s*[\w$#]+\s*\.\s*(?:bind|call|apply)\s*\(\s*this\b/g
const THIS_HANDED = /(?:Object|Reflect)\s*\.\s*\w+\s*\(\s*this\b|[(,]\s*this\s*[,)]/

export function writesThis(code: string, start: number, end: number): boolean {
  // `this.m.bind(this)`: its own method gets it, and what that writes on `this` is seen
  return THIS_HANDED.test(code.slice(start, end).replace(OWN_METHOD_BOUND, ''))
}

const WORD_BEFORE = /(?:^|[^\w$])(const|let|var|function|class|typeof|new|in|instanceof|extends|delete|void)\s*$/

/**
 * Why the name at `[at, end)` is used as a value that may be changed where chaincut does not
 * look (aliased, returned, exported, put in a container, wrapped: `o as T`), or null when it is
 * only read or called through (`o.p`, `o[k]`, `o(...)`), declared, compared, or handed to a call
 * (`handedOn` checks those).
 */
export function escapingUse(code: string, at: number, end: number): string | null {
  // a line break does not end a member access (`o\n  .m()`): no semicolon is inserted before `.`, `(` or `[`
  let j = end
  while (j < code.length && /\s/.test(code[j])) j++
  const next = code[j] ?? ''
  const next3 = code.slice(j, j + 3)
  let i = at - 1
  while (i >= 0 && /\s/.test(code[i])) i--
  const prev = code[i] ?? ''
  if (next === '.' || next === '[' || next === '(' || next === '`' || next3.startsWith('?.')) return null
  if (next === '!' && code[j + 1] === '.') return null
  if (next === '=' && next3[1] !== '=' && next3[1] !== '>') return null // a write of the name itself: the walk records it
  if (next3 === '===' || next3 === '!==' || next3.startsWith('==') || next3.startsWith('!=')) return null
  if (next === ':' && (prev === '{' || prev === ',')) return null // an object key
  if (next === '<' && prev !== '<') return null // type arguments of a call (`o<T>(...)`)
  if ((prev === '(' || prev === ',') && (next === ')' || next === ',')) return null // an argument: `handedOn`
  if (prev === '<' || (prev === '/' && code[i - 1] === '<')) return null // a JSX tag
  if (WORD_BEFORE.test(code.slice(Math.max(0, i - 12), i + 1))) return null
  if (prev === '=' && (code[i - 1] === '=' || code[i - 1] === '!')) return null
  const lineStart = code.lastIndexOf('\n', at) + 1
  const lineEnd = code.indexOf('\n', at)
  const line = code.slice(lineStart, lineEnd === -1 ? code.length : lineEnd).trim()
  return `\`${code.slice(at, end)}\` is used as a value (\`${line.length > 60 ? line.slice(0, 57) + '…' : line}\`), so code chaincut does not see may change it`
}

/** `escapingUse` for every occurrence of `name` in `code` between `from` and `to` (a text scan: for names the walk keeps no references of). */
export function escapesInText(code: string, name: string, from: number, to: number): string | null {
  const re = new RegExp(`(?<![\\w$.#])${name.replace(/\$/g, '\\$')}(?![\\w$])`, 'g')
  re.lastIndex = from
  for (let m = re.exec(code); m && m.index < to; m = re.exec(code)) {
    const why = escapingUse(code, m.index, m.index + name.length)
    if (why) return why
  }
  return null
}
