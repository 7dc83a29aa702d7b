// npm run demo [-- --no-serve] [-- --without-chaincut]
//
// 1. builds the playground with chaincut: the client bundle, then the server (SSR) bundle
//    (chaincut prints its report after each build);
// 2. scans every file of dist/client, source maps included, for the planted secrets
//    (secrets.json) and checks the server bundle still has every one of them;
// 3. prints the verdict (exit 1 on a leak), then serves the app unless --no-serve.
//
// --without-chaincut builds the same app without the plugin, to see what it prevents.
import { relative } from 'node:path'
import { buildPlayground, readSecrets, scanBuild } from './build.mjs'
import { startServer } from './server.mjs'

const args = process.argv.slice(2)
const serve = !args.includes('--no-serve')
const chaincut = !args.includes('--without-chaincut')

const out = await buildPlayground({ chaincut })
const secrets = await readSecrets()
const result = await scanBuild(out, secrets)
const where = (dir) => relative(process.cwd(), dir) || '.'

console.log(`\nSecret scan: ${result.files.length} files in ${where(out.clientDir)} (JS, HTML, source maps) for ${secrets.length} planted secrets`)
for (const leak of result.leaks) console.log(`  LEAK  ${leak.secret}  in ${where(out.clientDir)}/${leak.file}`)
for (const secret of result.missing) console.log(`  MISSING  ${secret}  not in ${where(out.serverDir)} (the server bundle lost code it needs)`)
if (!result.ok) {
  console.log(`\nVerdict: ${result.leaks.length ? 'LEAK' : 'FAIL'}${chaincut ? '' : ' (built --without-chaincut)'}`)
  process.exit(1)
}
console.log(`  none in the client bundle; all ${secrets.length} still in the server bundle`)
console.log('\nVerdict: PASS')

if (serve) {
  const { url } = await startServer({ distDir: out.outDir, port: Number(process.env.PORT ?? 0) })
  console.log(`\nchaincut playground running at ${url}  (Ctrl+C to stop)`)
}
