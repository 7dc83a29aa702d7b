// Builds the playground with Vite's JS API and scans the output for the planted secrets.
// Used by demo.mjs and by test/e2e.test.ts.
import { readFile, readdir } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'

export const playgroundDir = fileURLToPath(new URL('.', import.meta.url))

/**
 * The client build, then the SSR build, into `<outDir>/client` and `<outDir>/server`.
 * `chaincut: false` builds without the plugin (Vite mode `without-chaincut`).
 */
export async function buildPlayground({ outDir = join(playgroundDir, 'dist'), chaincut = true, ssr = true, logLevel } = {}) {
  const common = {
    configFile: join(playgroundDir, 'vite.config.ts'),
    mode: chaincut ? 'production' : 'without-chaincut',
    logLevel,
  }
  const clientDir = join(outDir, 'client')
  const serverDir = join(outDir, 'server')
  await build({ ...common, build: { outDir: clientDir, emptyOutDir: true } })
  if (ssr) await build({ ...common, build: { ssr: 'src/entry-server.ts', outDir: serverDir, emptyOutDir: true } })
  return { outDir, clientDir, serverDir }
}

/** The planted secrets: [{ value, kind, plantedIn }]. */
export async function readSecrets() {
  return JSON.parse(await readFile(join(playgroundDir, 'secrets.json'), 'utf8')).secrets
}

async function* walk(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) yield* walk(path)
    else yield path
  }
}

/** Every file under `dir` (JS, source maps, HTML, anything) whose text contains a secret. */
export async function findSecrets(dir, secrets) {
  const hits = []
  for await (const file of walk(dir)) {
    const text = await readFile(file, 'utf8')
    for (const secret of secrets) {
      if (text.includes(secret.value)) hits.push({ file: relative(dir, file), secret: secret.value })
    }
  }
  return hits
}

/**
 * The verdict: `leaks` lists client files holding a secret; `missing` lists
 * secrets the server bundle lost (it must keep every one of them).
 */
export async function scanBuild({ clientDir, serverDir }, secrets) {
  const leaks = await findSecrets(clientDir, secrets)
  const files = []
  for await (const file of walk(clientDir)) files.push(relative(clientDir, file))
  const inServer = serverDir ? await findSecrets(serverDir, secrets) : []
  const missing = serverDir ? secrets.map((s) => s.value).filter((v) => !inServer.some((h) => h.secret === v)) : []
  return { ok: leaks.length === 0 && missing.length === 0, leaks, missing, files }
}
