// `chaincut/babel`'s cost: @babel/core's transformSync over every module of the bench app
// (TypeScript and React JSX transforms, as a React Native/Expo app's Babel runs), without and
// with chaincut/babel (the client side) first in `plugins`. Each variant runs in a fresh
// process (module loading and chaincut's worker start-up included), in interleaved rounds;
// medians. The goal: chaincut/babel adds ≤ 10%.
//
//   node bench/babel.mjs [--app=/tmp/chaincut-bench-app-2000] [--rounds=5]
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = fileURLToPath(new URL('.', import.meta.url))
const argv = process.argv.slice(2)
const value = (name, fallback) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback
const app = value('app', '/tmp/chaincut-bench-app-2000')
const rounds = Number(value('rounds', 5))
if (!existsSync(join(app, 'src'))) {
  console.error(`no bench app at ${app}: run \`node bench/run.mjs --only=vite\` once to generate it`)
  process.exit(2)
}

const child = `
import { transformSync } from '@babel/core'
import { readFileSync } from 'node:fs'
import { globSync } from 'tinyglobby'
import { createRequire } from 'node:module'
const require = createRequire(process.cwd() + '/')
const [app, variant, plugin] = process.argv.slice(1)
const files = globSync(['src/**/*.{ts,tsx}'], { cwd: app, absolute: true }).sort()
const started = performance.now()
let changed = 0
for (const file of files) {
  const code = readFileSync(file, 'utf8')
  const out = transformSync(code, {
    filename: file, cwd: app, babelrc: false, configFile: false, sourceMaps: true,
    plugins: [
      ...(variant === 'chaincut' ? [[plugin, { side: 'client', report: false }]] : []),
      [require.resolve('@babel/plugin-transform-typescript'), { isTSX: file.endsWith('.tsx'), allowDeclareFields: true }],
      [require.resolve('@babel/plugin-transform-react-jsx'), { runtime: 'automatic' }],
    ],
  })
  if (out.code.length !== code.length) changed++
}
process.stdout.write(JSON.stringify({ ms: performance.now() - started, files: files.length }))
`
const plugin = join(here, '../dist/babel.js')
const times = { babel: [], chaincut: [] }
let files = 0
for (let round = 0; round < rounds; round++) {
  for (const variant of round % 2 ? ['chaincut', 'babel'] : ['babel', 'chaincut']) {
    const t = performance.now()
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', child, app, variant, plugin], { cwd: join(here, '..'), encoding: 'utf8' })
    if (run.status !== 0) throw new Error(run.stderr)
    const wall = performance.now() - t
    files = JSON.parse(run.stdout).files
    times[variant].push(wall)
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const base = median(times.babel)
const withChaincut = median(times.chaincut)
console.log(`Babel transformSync of ${files} modules (TypeScript + React JSX), ${rounds} interleaved rounds, medians, each in a fresh process:`)
console.log(`  Babel alone             ${(base / 1000).toFixed(2)} s`)
console.log(`  with chaincut/babel     ${(withChaincut / 1000).toFixed(2)} s  (${((withChaincut / base - 1) * 100).toFixed(1)}% added; goal ≤ 10%)`)
