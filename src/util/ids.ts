/** Module ids and the text chaincut writes: once each, used everywhere. */

/** The file of a bundler's module id: the query and hash taken off (`a.ts?v=1#x` → `a.ts`). */
export const stripQuery = (id: string): string => id.replace(/[?#].*$/, '')

/** A JavaScript string literal of `s`, in single quotes: every character that ends a line or the literal escaped. */
export const quote = (s: string): string =>
  "'" + s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029') + "'"
