/**
 * Which of an app's files a whole-app scan reads (the points engine's options, the callers of a
 * parameter): its scripts, without dependencies, build output, tests and declarations.
 */
export const SCRIPT_GLOBS = ['**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}']
export const SCAN_IGNORE = ['**/node_modules/**', '**/.*/**', '**/dist/**', '**/build/**', '**/coverage/**', '**/__tests__/**', '**/*.d.ts', '**/*.d.mts', '**/*.d.cts', '**/*.{test,spec}.*']
/** Past this many scripts an app is not looked through (the decision falls back to its safe default). */
export const SCAN_LIMIT = 20_000
