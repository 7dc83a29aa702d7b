import type { ParserPlugin } from '@babel/parser'
import { lazyPackage } from '../util/lazy.js'

const babelParser = lazyPackage<typeof import('@babel/parser')>('@babel/parser')
import type { File } from '@babel/types'
import { ChaincutError } from '../findings/errors.js'
import { fatal, type Dialect } from '../findings/catalog.js'
import { codeFrame } from '../util/lines.js'
import { stripQuery } from '../util/ids.js'

export type { Dialect }

/** sides (docs/toolchains.md): the dialect follows the extension, as tsc and Vite do. */
export function dialectOf(id: string): Dialect {
  const file = cleanId(id)
  if (/\.[cm]?tsx$/.test(file)) return 'tsx'
  if (/\.[cm]?ts$/.test(file)) return 'ts'
  if (/\.jsx$/.test(file)) return 'jsx'
  return 'js'
}

/** A module id's file (`util/ids.ts`). */
export const cleanId = stripQuery

const PLUGINS: Record<Dialect, ParserPlugin[]> = {
  ts: ['typescript', 'decorators-legacy', 'explicitResourceManagement'],
  tsx: ['typescript', 'jsx', 'decorators-legacy', 'explicitResourceManagement'],
  jsx: ['jsx', 'decorators-legacy', 'explicitResourceManagement'],
  js: ['decorators-legacy', 'explicitResourceManagement'],
}

/** The one parse of a module. A file that does not parse is an error, never a pass-through. */
export function parseModule(code: string, id: string): File {
  const dialect = dialectOf(id)
  try {
    return babelParser().parse(code, {
      sourceType: 'module',
      plugins: PLUGINS[dialect],
      // real nodes for parentheses, so cut ranges of `(fn)` arguments are exact
      createParenthesizedExpressions: true,
      // comments are read from `ast.comments` where needed; attaching them to nodes costs ~7% of a parse
      attachComment: false,
      allowReturnOutsideFunction: false,
      allowUndeclaredExports: true,
      errorRecovery: false,
    })
  } catch (error) {
    const err = error as Error & { loc?: { line: number; column: number } }
    const loc = err.loc ?? { line: 1, column: 0 }
    const parserMessage = error instanceof RangeError ? null : err.message.replace(/\s*\(\d+:\d+\)$/, '')
    const file = cleanId(id)
    throw new ChaincutError(file, [fatal('E_PARSE', { dialect, parserMessage }, { file, line: loc.line, column: loc.column, frame: codeFrame(code, loc) })])
  }
}
