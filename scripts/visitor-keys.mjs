// Writes src/js/visitor-keys.ts: @babel/types' VISITOR_KEYS as a plain table, so chaincut does
// not load @babel/types at run time (it costs more to load than the parse of a module). A test
// (test/oracle.test.ts) checks the table against the installed @babel/types.
//
//   node scripts/visitor-keys.mjs
import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { VISITOR_KEYS } = require('@babel/types')
const { version } = require('@babel/types/package.json')
const entries = Object.keys(VISITOR_KEYS)
  .sort()
  .map((type) => `  ${type}: ${JSON.stringify(VISITOR_KEYS[type]).replace(/"/g, "'").replace(/,/g, ', ')},`)
writeFileSync(
  new URL('../src/js/visitor-keys.ts', import.meta.url),
  `/**
 * The child keys of every node type, as @babel/types ${version} lists them (\`VISITOR_KEYS\`),
 * written out by \`scripts/visitor-keys.mjs\` so nothing loads @babel/types at run time.
 * \`test/oracle.test.ts\` checks it against the installed @babel/types.
 */
export const VISITOR_KEYS: Readonly<Record<string, readonly string[]>> = {
${entries.join('\n')}
}
`,
)
