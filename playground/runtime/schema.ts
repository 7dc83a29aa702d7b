// Minimal stand-in schema library for the demo; not zod (zod is not installed here).
// Just enough for the playground: s.object / s.string / s.number, each with `.parse`.

export class SchemaError extends Error {
  status = 400
  code = 'BAD_INPUT'
}

export interface Schema<T> {
  parse(value: unknown, path?: string): T
}

function string(options: { min?: number; max?: number } = {}): Schema<string> {
  return {
    parse(value, path = 'value') {
      if (typeof value !== 'string') throw new SchemaError(`${path}: expected a string`)
      if (options.min !== undefined && value.length < options.min) {
        throw new SchemaError(`${path}: at least ${options.min} characters`)
      }
      if (options.max !== undefined && value.length > options.max) {
        throw new SchemaError(`${path}: at most ${options.max} characters`)
      }
      return value
    },
  }
}

function number(): Schema<number> {
  return {
    parse(value, path = 'value') {
      if (typeof value !== 'number' || Number.isNaN(value)) throw new SchemaError(`${path}: expected a number`)
      return value
    },
  }
}

function object<S extends Record<string, Schema<unknown>>>(shape: S): Schema<{ [K in keyof S]: ReturnType<S[K]['parse']> }> {
  return {
    parse(value, path = 'value') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new SchemaError(`${path}: expected an object`)
      }
      const out: Record<string, unknown> = {}
      for (const key of Object.keys(shape)) {
        out[key] = shape[key].parse((value as Record<string, unknown>)[key], `${path}.${key}`)
      }
      return out as { [K in keyof S]: ReturnType<S[K]['parse']> }
    },
  }
}

export const s = { string, number, object }
