/**
 * A stable text of plain data (strings, numbers, booleans, null, RegExps, arrays, plain
 * objects; keys sorted, undefined left out): equal data gives equal text. Anything else (a
 * function, a class instance, a cycle) throws, so a caller can fall back to identity.
 */

export function stableText(value: unknown): string {
  return stable(value, new Set())
}

function stable(value: unknown, stack: Set<object>): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value)
  if (value === undefined) return 'undefined'
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : String(value)
  if (typeof value !== 'object') throw new TypeError(`not serializable: ${typeof value}`)
  if (stack.has(value)) throw new TypeError('a cycle')
  // a form JSON never takes: a RegExp cannot pass for a string or an object
  if (isRegExp(value)) return `RegExp(${JSON.stringify(value.source)},${JSON.stringify(value.flags)})`
  stack.add(value)
  let text: string
  if (Array.isArray(value)) text = `[${value.map((v) => stable(v, stack)).join(',')}]`
  else {
    const proto = Object.getPrototypeOf(value)
    if (proto !== Object.prototype && proto !== null) throw new TypeError('not a plain object')
    const keys = Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
    text = `{${keys.map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k], stack)}`).join(',')}}`
  }
  stack.delete(value)
  return text
}

/** A RegExp, also one from another realm (a config loaded in a VM). */
export const isRegExp = (value: unknown): value is RegExp => value instanceof RegExp || Object.prototype.toString.call(value) === '[object RegExp]'
