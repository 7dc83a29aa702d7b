/**
 * Options through JSON, for the tools that carry loader options as JSON (Turbopack's
 * `turbopack.rules`): a RegExp pattern becomes `{ chaincutRegExp: [source, flags] }`
 * and back. Everything else in `ChaincutOptions` is JSON already.
 */
import type { ChaincutOptions } from '../types.js'

const KEY = 'chaincutRegExp'

export function toJsonOptions(options: ChaincutOptions): Record<string, unknown> {
  return JSON.parse(JSON.stringify(options, (_key, value) => (value instanceof RegExp ? { [KEY]: [value.source, value.flags] } : value)))
}

export function fromJsonOptions(json: unknown): ChaincutOptions {
  const revive = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(revive)
    if (value && typeof value === 'object') {
      const encoded = (value as Record<string, unknown>)[KEY]
      if (Array.isArray(encoded) && Object.keys(value).length === 1) return new RegExp(String(encoded[0]), String(encoded[1] ?? ''))
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v)]))
    }
    return value
  }
  return (revive(json ?? {}) ?? {}) as ChaincutOptions
}
