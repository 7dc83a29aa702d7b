/**
 * esbuild and Bun: the import guard by specifier in a native `onResolve` (chaincut's own
 * head lookups run every plugin's `onResolve` through `build.resolve`, and only a native
 * callback sees their `pluginData`), and by path in `load`. Neither says who imports a
 * file: the imports seen by `onResolve` (kept for the build, released at its end) are
 * resolved again only when a guarded file needs its importer named.
 *
 * esbuild bundles the files a glob `import()`/`require()` matches (`import(\`./${name}.js\`)`)
 * without asking any `onResolve`: a guarded file loaded with no import seen is looked for in
 * the globs of the modules loaded before it.
 */
import { dirname, relative, resolve as resolvePath, sep } from 'node:path'
import type { UnpluginOptions } from 'unplugin'
import { defaultResolve } from '../../js/modules.js'
import { GuardError, positionAt, readImporter } from '../../guard/guard.js'
import type { GuardHit, Shared } from './context.js'
import { bundlerResolver, LOOKUP, lookup } from './resolve.js'
import type { BundlerContext, EsbuildLike } from './types.js'
import { stripQuery } from '../../util/ids.js'

interface SeenImport {
  path: string
  importer: string
  resolveDir?: string
  kind?: string
}

interface OnResolveArgs {
  path: string
  importer?: string
  resolveDir?: string
  kind?: string
  pluginData?: Record<string, unknown>
}

/** A glob `import()`/`require()` as esbuild reads one: a template with `${}`, or a string `+` something; its folder prefix. */
const GLOB = /\b(?:import|require)\s*\(\s*(?:`([^`$]*)\$\{|(['"])([^'"]*)\2\s*\+)/g

/** The loaded module whose glob matches `id`: the file as a relative path from it, and where the glob is. */
function globImporter(loaded: Iterable<string>, id: string): Pick<GuardHit, 'source' | 'at'> & { importer: string } | null {
  for (const importer of loaded) {
    if (importer === id) continue
    const text = readImporter(importer)
    for (const match of text.matchAll(GLOB)) {
      const prefix = match[1] ?? match[3]
      if (!/^\.{1,2}\//.test(prefix)) continue
      const folder = resolvePath(dirname(importer), prefix.slice(0, prefix.lastIndexOf('/') + 1))
      if (!id.startsWith(folder + sep)) continue
      const path = relative(dirname(importer), id).replace(/\\/g, '/')
      return { importer, source: path.startsWith('../..') ? path : `./${path}`, at: positionAt(text, match.index!) }
    }
  }
  return null
}

export function esbuildAdapter(shared: Shared, bun: boolean): Partial<UnpluginOptions> {
  const { meta } = shared
  let build: EsbuildLike | undefined
  const imports: SeenImport[] = []
  /** esbuild: the modules loaded, in order (a glob's importer is one of them) */
  const loaded = new Set<string>()

  /** The import seen that resolves to `id`, as chaincut's lookups resolve it. */
  const importerOf = async (context: BundlerContext, id: string): Promise<{ importer: string; source: string } | null> => {
    const candidates = imports.filter((i) => i.importer !== id)
    if (!bun) {
      if (!build?.resolve) return null
      const resolved = await Promise.all(candidates.map((i) => lookup(build!, i.path, i.importer, i.resolveDir, i.kind).then((r) => r.path, () => undefined)))
      const at = resolved.indexOf(id)
      return at < 0 ? null : { importer: candidates[at].importer, source: candidates[at].path }
    }
    const resolve = bundlerResolver(context, meta) ?? defaultResolve
    for (const i of candidates) {
      let resolved: string | null | undefined
      try {
        resolved = await resolve(i.path, i.importer)
      } catch {
        resolved = null
      }
      if (resolved && stripQuery(resolved) === id) return { importer: i.importer, source: i.path }
    }
    return null
  }

  /** The guard by specifier: a denied import fails the build at its importer (esbuild: as an error result, Bun: thrown). */
  function setup(native: EsbuildLike) {
    build = native
    // the HTML audit holds server code: never in the client's output folder
    if (shared.sideOf({ getNativeBuildContext: () => ({ framework: meta.framework, build: native }) }).side === 'client') {
      const cwd = native.initialOptions?.absWorkingDir ?? process.cwd()
      const { outdir, outfile } = native.initialOptions ?? {}
      const name = bun ? 'Bun' : 'esbuild'
      if (outdir) shared.outputFolder(resolvePath(cwd, outdir), `${name} outdir of the client build`)
      else if (outfile) shared.outputFolder(dirname(resolvePath(cwd, outfile)), `the folder of ${name}'s outfile, the client build's`)
      if (bun && native.config?.outdir) shared.outputFolder(resolvePath(cwd, native.config.outdir), 'Bun.build outdir of the client build')
    }
    native.onStart?.(() => {
      imports.length = 0 // a rebuild of an esbuild context sees its imports again
      loaded.clear()
    })
    const warnings: string[] = []
    const context: BundlerContext = {
      getNativeBuildContext: () => ({ framework: meta.framework, build: native }),
      warn: (message) => (bun ? console.warn(message) : warnings.push(message)),
    }
    native.onResolve({ filter: /.*/ }, (args: OnResolveArgs) => {
      if (!args.importer || /^entry-point/.test(args.kind ?? '') || args.pluginData?.[LOOKUP]) return undefined
      imports.push({ path: args.path, importer: args.importer, resolveDir: args.resolveDir, kind: args.kind })
      const { side, environment } = shared.sideOf(context)
      const rule = shared.ruleFor(side, args.path)
      if (!rule) return undefined
      warnings.length = 0
      // the import as written: no alias to see through
      const error = shared.errorAt({ side, environment, importer: args.importer, source: args.path, resolved: null, rule })
      // Bun fails the build with a thrown error's message, at the importer
      if (bun) return shared.raise(context, error, environment)
      try {
        shared.raise(context, error, environment)
      } catch (thrown) {
        if (thrown instanceof GuardError) return { errors: [{ text: thrown.message, pluginName: 'chaincut', detail: thrown.violation }] }
        throw thrown
      }
      return { warnings: warnings.map((text) => ({ text, pluginName: 'chaincut' })) }
    })
  }

  return {
    // the import guard by path: a guarded file reached through an alias, or (esbuild) a glob
    load: {
      // esbuild asks unplugin's `onLoad` for every module anyway (the filter is tested in JavaScript): each is recorded
      ...(shared.guardedPath && bun ? { filter: { id: shared.guardedPath } } : {}),
      async handler(id) {
        if (!bun) loaded.add(id)
        if (shared.guardedPath && !shared.guardedPath.test(id)) return null
        const context = this as BundlerContext
        const { side, environment } = shared.sideOf(context)
        const rule = shared.ruleFor(side, id)
        const found = rule ? await importerOf(context, id) : null
        if (rule && found) shared.raise(context, await shared.guardError(context, { side, environment, importer: found.importer, source: found.source, resolved: id, rule }), environment)
        // no import seen: an entry, or a file a glob matched
        const glob = rule && !found && !bun ? globImporter(loaded, id) : null
        if (rule && glob) shared.raise(context, shared.errorAt({ side, environment, ...glob, resolved: id, rule }), environment)
        return null
      },
    },
    buildEnd() {
      imports.length = 0
      loaded.clear()
      return shared.finish(undefined)
    },
    [bun ? 'bun' : 'esbuild']: { setup },
  }
}
