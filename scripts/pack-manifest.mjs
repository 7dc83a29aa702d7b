// node scripts/pack-manifest.mjs strip | restore
//
// `prepack` runs `strip`, `postpack` runs `restore`: the package.json that goes into the
// tarball (`npm pack`, `npm publish`) has no `prepare` script, and the checkout's is put back
// byte for byte right after.
//
// Why: `prepare` builds dist/ when the package is installed from a git checkout
// (`npm install` there, or `npm install github:…`, which clones and runs it). In a tarball it
// has nothing to build (dist/ is in it, src/ is not), but npm still lists it: installing a
// tarball is a "non-registry source", and npm 11 warns every consumer about its `prepare`
// ("install scripts not yet covered by allowScripts"). Without the script, the install is quiet.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'

const MANIFEST = 'package.json'
// .tmp/ is git-ignored and outside `files`: never packed
const BACKUP = '.tmp/package.json.prepack'

const mode = process.argv[2]
if (mode === 'strip') {
  // a backup left by an interrupted pack is the checkout's manifest: put it back first
  if (existsSync(BACKUP)) copyFileSync(BACKUP, MANIFEST)
  const text = readFileSync(MANIFEST, 'utf8')
  const pkg = JSON.parse(text)
  if (pkg.scripts?.prepare !== undefined) {
    mkdirSync('.tmp', { recursive: true })
    copyFileSync(MANIFEST, BACKUP)
    delete pkg.scripts.prepare
    writeFileSync(MANIFEST, JSON.stringify(pkg, null, 2) + (text.endsWith('\n') ? '\n' : ''))
  }
} else if (mode === 'restore') {
  if (existsSync(BACKUP)) {
    copyFileSync(BACKUP, MANIFEST)
    rmSync(BACKUP)
  }
} else {
  console.error('usage: node scripts/pack-manifest.mjs strip | restore')
  process.exit(2)
}
