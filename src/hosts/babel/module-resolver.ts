/**
 * The app's own import aliases when chaincut runs as a Babel plugin. React Native and Expo apps
 * write `@/…` imports through `babel-plugin-module-resolver`, which rewrites them in its visitor,
 * after chaincut's `pre` has read the module: chaincut reads that plugin's options from the same
 * Babel config (`root`, `alias`, `cwd`) and resolves as it would, before tsconfig `paths` and
 * Node's resolution (the default resolver).
 */
import { existsSync } from 'node:fs'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { defaultResolve } from '../../js/modules.js'
import type { Resolver } from '../../types.js'

/** `babel-plugin-module-resolver`'s options, made absolute: data, so it crosses to the worker. */
export interface AliasConfig {
  /** Folders a bare specifier is looked up in first (`root`). */
  roots: string[]
  /** `[find, replacement]`: a prefix (`@` matches `@` and `@/…`) or, starting with `^`, a RegExp. */
  alias: Array<[string, string]>
  /** The folder relative replacements are taken from (`cwd`). */
  cwd: string
}

const MODULE_RESOLVER = /(^|[\\/])(babel-plugin-)?module-resolver([\\/]|$)/

interface BabelPluginLike {
  key?: unknown
  options?: unknown
}

/** The options of `babel-plugin-module-resolver` in the Babel config of the file, or null. */
export function readModuleResolver(file: { opts?: { plugins?: BabelPluginLike[]; cwd?: string; filename?: string | null } }): AliasConfig | null {
  const plugin = file.opts?.plugins?.find((p) => typeof p?.key === 'string' && MODULE_RESOLVER.test(p.key))
  if (!plugin) return null
  const options = (plugin.options ?? {}) as { root?: unknown; alias?: unknown; cwd?: unknown }
  const cwd = baseFolder(options.cwd, file.opts?.cwd ?? process.cwd(), file.opts?.filename ?? null)
  const roots = [options.root ?? []]
    .flat()
    .filter((r): r is string => typeof r === 'string' && r !== '')
    // a glob root (`./src/**`) is read as its folder
    .map((r) => resolve(cwd, r.replace(/[\\/]\*\*?(\/\*)?$/, '')))
  const alias: AliasConfig['alias'] = []
  if (options.alias && typeof options.alias === 'object') {
    for (const [find, replacement] of Object.entries(options.alias as Record<string, unknown>)) {
      if (typeof replacement === 'string') alias.push([find, replacement])
    }
  }
  return { roots, alias, cwd }
}

/** module-resolver's `cwd`: unset (Babel's working folder), `babelrc`, `packagejson`, or a folder. */
function baseFolder(option: unknown, babelCwd: string, filename: string | null): string {
  if (option === 'packagejson' || option === 'babelrc') {
    const markers = option === 'packagejson' ? ['package.json'] : ['.babelrc', '.babelrc.js', '.babelrc.json', 'babel.config.js', 'babel.config.json', 'babel.config.cjs']
    for (let dir = filename ? dirname(filename) : babelCwd; ; dir = dirname(dir)) {
      if (markers.some((m) => existsSync(join(dir, m)))) return dir
      if (dirname(dir) === dir) return babelCwd
    }
  }
  return typeof option === 'string' ? resolve(babelCwd, option) : babelCwd
}

/** `source` as module-resolver rewrites it, or null when no alias applies. */
function aliased(source: string, config: AliasConfig): string | null {
  for (const [find, replacement] of config.alias) {
    if (find.startsWith('^')) {
      const pattern = new RegExp(find)
      // module-resolver writes captures as `\1`
      if (pattern.test(source)) return source.replace(pattern, replacement.replace(/\\(\d)/g, '$$$1'))
    } else if (source === find || source.startsWith(find.endsWith('/') ? find : find + '/')) {
      return replacement + source.slice(find.length)
    }
  }
  return null
}

const isBare = (source: string) => !source.startsWith('.') && !isAbsolute(source)

/** A resolver that applies the aliases, then the roots, then the default resolver. */
export function aliasResolver(config: AliasConfig): Resolver {
  return (source, importer) => {
    const mapped = aliased(source, config)
    if (mapped !== null) {
      // a replacement is a path from `cwd` (`./app/src`) or a package name
      const target = mapped.startsWith('.') ? resolve(config.cwd, mapped) : mapped
      return defaultResolve(target, importer)
    }
    if (isBare(source)) {
      for (const root of config.roots) {
        const found = defaultResolve(join(root, source), importer)
        if (typeof found === 'string') return found
      }
    }
    return defaultResolve(source, importer)
  }
}
