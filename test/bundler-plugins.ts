/**
 * Tiny stand-ins for what an app's bundler config would bring (resolve aliases
 * and `.ts` extensions, strip TypeScript), for bundlers that do not do it
 * themselves. They run after chaincut, as a TypeScript plugin would.
 */
import { existsSync, statSync } from 'node:fs'
import { dirname, isAbsolute, resolve as resolvePath } from 'node:path'
import { transform } from 'esbuild'
import type { Plugin } from 'rollup'

const EXTENSIONS = ['', '.ts', '.tsx', '.mts', '.js', '.mjs', '/index.ts', '/index.js']

function applyAlias(source: string, aliases: Record<string, string>): string {
  for (const find of Object.keys(aliases).sort((a, b) => b.length - a.length)) {
    if (source === find) return aliases[find]
    if (source.startsWith(find + '/')) return aliases[find] + source.slice(find.length)
  }
  return source
}

function withExtension(path: string): string | null {
  for (const ext of EXTENSIONS) {
    const file = path + ext
    if (existsSync(file) && statSync(file).isFile()) return file
  }
  return null
}

/** Rollup: aliases, extensionless relative imports, TypeScript stripped by esbuild. */
export function rollupTs(aliases: Record<string, string>): Plugin {
  return {
    name: 'test-ts',
    resolveId(source, importer) {
      const aliased = applyAlias(source, aliases)
      if (isAbsolute(aliased)) return withExtension(aliased)
      if (aliased.startsWith('.') && importer) return withExtension(resolvePath(dirname(importer), aliased))
      return null
    },
    async transform(code, id) {
      if (!/\.[cm]?tsx?$/.test(id)) return null
      const out = await transform(code, { loader: id.endsWith('x') ? 'tsx' : 'ts', sourcemap: true, sourcefile: id, format: 'esm' })
      return { code: out.code, map: out.map }
    },
  }
}
