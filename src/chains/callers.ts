/**
 * The app's scripts that name a function, for finding the callers of an exported function in
 * other modules (`Classifier.fromSummary`): listed and read once per build, only when some
 * module has such a parameter to decide. Tests and build output are left out, as the engine
 * scan leaves them (`js/app-files.ts`).
 */
import { readFileSync } from 'node:fs'
import { lazyPackage } from '../util/lazy.js'
import { SCAN_IGNORE, SCAN_LIMIT, SCRIPT_GLOBS } from '../js/app-files.js'

const tinyglobby = lazyPackage<typeof import('tinyglobby')>('tinyglobby')

export interface AppScripts {
  files: Array<{ file: string; code: string }>
  /** Why the app was not looked through (too many scripts), or null. */
  skipped: string | null
}

/** The scripts under `root`, with their text (kept on the build's module cache by the caller). */
export function appScripts(root: string): AppScripts {
  const listed = tinyglobby().globSync(SCRIPT_GLOBS, { cwd: root, absolute: true, ignore: SCAN_IGNORE, followSymbolicLinks: false })
  if (listed.length > SCAN_LIMIT) return { files: [], skipped: `the app has more than ${SCAN_LIMIT} scripts to look through` }
  const files: AppScripts['files'] = []
  for (const file of listed.sort()) {
    try {
      files.push({ file, code: readFileSync(file, 'utf8') })
    } catch {
      // unreadable: not a caller chaincut can see
    }
  }
  return { files, skipped: null }
}
