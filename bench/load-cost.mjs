// What loading chaincut costs before it does anything: the time to import its Vite plugin
// (dist/vite.js) and each of its dependencies, each in a fresh process, the fastest of
// --runs (a warm build from the persistent cache parses nothing, yet pays all of it when the
// bundler loads its config). `vite` is for comparison.
//
//   node bench/load-cost.mjs [--runs=5]

import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const here = fileURLToPath(new URL('.', import.meta.url))
const runs = Number(process.argv.find((a) => a.startsWith('--runs='))?.slice(7) ?? 5)
const plugin = pathToFileURL(join(here, '../dist/vite.js')).href
const targets = [
  ['chaincut/vite (dist/vite.js, all of it)', plugin],
  ['@babel/parser', '@babel/parser'],
  ['@babel/types', '@babel/types'],
  ['@babel/code-frame', '@babel/code-frame'],
  ['magic-string', 'magic-string'],
  ['oxc-resolver', 'oxc-resolver'],
  ['cjs-module-lexer', 'cjs-module-lexer'],
  ['tinyglobby', 'tinyglobby'],
  ['picomatch', 'picomatch'],
  ['synckit', 'synckit'],
  ['unplugin', 'unplugin'],
  ['vite (for comparison)', 'vite'],
]
/** The packages dist/vite.js imports at load time: its static import graph (relative imports followed). */
function loadedPackages(entry) {
  const seen = new Set()
  const packages = new Set()
  const visit = (file) => {
    if (seen.has(file)) return
    seen.add(file)
    const text = readFileSync(file, 'utf8')
    for (const m of text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm)) {
      const spec = m[1] ?? m[2]
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec))
      else if (!spec.startsWith('node:')) packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0])
    }
  }
  visit(entry)
  return { files: seen.size, packages }
}
const graph = loadedPackages(fileURLToPath(plugin))
console.log(`dist/vite.js loads ${graph.files} of chaincut's files and these packages at import: ${[...graph.packages].sort().join(', ')}`)

// the child imports from this folder, so the packages resolve as chaincut's own imports do
const child = `const t = performance.now(); await import(process.argv[1]); process.stdout.write(String(performance.now() - t))`
console.log(`import time, fastest of ${runs} fresh processes (Node ${process.version}):`)
for (const [label, specifier] of targets) {
  const times = []
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', child, specifier], { cwd: here, encoding: 'utf8' })
    if (r.status !== 0) {
      times.push(NaN)
      break
    }
    times.push(Number(r.stdout))
  }
  const ok = times.filter(Number.isFinite)
  const note = label === specifier && !graph.packages.has(specifier) ? ' (not loaded by dist/vite.js)' : ''
  console.log(`${(ok.length ? `${Math.min(...ok).toFixed(0)} ms` : 'failed').padStart(9)}  ${label}${note}${ok.length > 1 ? `  (median ${ok.sort((a, b) => a - b)[ok.length >> 1].toFixed(0)} ms)` : ''}`)
}
