import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
// in your app: import chaincut from 'chaincut/vite'
import chaincut from '../dist/vite.js'
// in your app: import { point0 } from 'chaincut'
import { point0 } from '../dist/index.js'

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig(({ mode, isSsrBuild }) => ({
  root: here('.'),
  resolve: {
    // point0 and TailorKit are not on npm here: the app imports minimal
    // stand-ins by the real packages' names (chaincut recognises them by name).
    alias: [
      { find: /^@point0\/core$/, replacement: here('runtime/point0.ts') },
      { find: /^tailorkit$/, replacement: here('runtime/tailorkit.ts') },
      { find: /^@demo\/schema$/, replacement: here('runtime/schema.ts') },
    ],
  },
  // `--mode without-chaincut` builds the same app without the plugin, to see what it prevents.
  // The playground has no point0 engine (no `Engine.create({ ssr })` for chaincut to read), and its
  // pages do not server-render: said here, so the server build cuts their render functions.
  plugins: mode === 'without-chaincut' ? [] : [chaincut({ report: true, presets: [point0({ ssr: false }), 'tailorkit'] })],
  build: {
    outDir: isSsrBuild ? 'dist/server' : 'dist/client',
    sourcemap: !isSsrBuild,
  },
}))
