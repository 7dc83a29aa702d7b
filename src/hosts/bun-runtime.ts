/**
 * chaincut as a Bun runtime plugin (`Bun.plugin`, from a `bunfig.toml` preload):
 * the modules `bun run` / `bun test` load are cut before Bun transpiles them.
 * unplugin's Bun target needs the bundler's `onStart`/`onEnd`/`config`, which a
 * runtime plugin's builder does not have (`target`, `onResolve`, `onLoad`, `module`
 * only), so this one is written against that smaller API and shares the rest:
 * option checks, the resolved config, the core transform, the import guard.
 */
import { readFile } from 'node:fs/promises'
import { defaultResolve } from '../js/modules.js'
import { transform } from '../pipeline/transform.js'
import { GuardError, violationAt } from '../guard/guard.js'
import { prepareHost, reportAtExit } from './setup.js'
import type { ChaincutOptions, Side } from '../types.js'

/** The part of Bun's `PluginBuilder` a runtime plugin gets. */
interface RuntimeBuilder {
  target?: string
  onResolve(
    constraints: { filter: RegExp; namespace?: string },
    callback: (args: { path: string; importer: string; kind?: string }) => unknown,
  ): unknown
  onLoad(constraints: { filter: RegExp; namespace?: string }, callback: (args: { path: string; loader?: string }) => unknown): unknown
}

export interface ChaincutBunRuntimePlugin {
  name: string
  target?: string
  setup(build: RuntimeBuilder): void
}

const SCRIPT = /\.[cm]?[jt]sx?$/
const SCRIPT_OUTSIDE_NODE_MODULES = /^(?!.*[\\/]node_modules[\\/]).*\.[cm]?[jt]sx?$/
const LOADERS: Record<string, string> = { '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.jsx': 'jsx', '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx' }

/**
 * `Bun.plugin(chaincutRuntime(options))` in a preload: the side is the runtime's
 * `target` (`bun` → server; `browser` → client), or `options.side`. Findings throw
 * when the module is imported (client side; warnings on the server), an import of a
 * server-only module on the client (or client-only on the server) throws the guard's
 * error, and `report: 'file.json'` writes the JSON report when the process exits.
 */
export function chaincutRuntime(rawOptions?: ChaincutOptions): ChaincutBunRuntimePlugin {
  const host = prepareHost(rawOptions)
  const { options, included } = host
  const report = reportAtExit(options.report, 'bun (runtime)')
  const imports: Array<{ path: string; importer: string }> = []
  return {
    name: 'chaincut',
    setup(build) {
      const target = build.target ?? 'bun'
      const side: Side = options.side ?? (target === 'browser' ? 'client' : 'server')
      const environment = `${side} (${target})`
      const guard = host.guardOf(side)
      const refuse = (importer: string, source: string, resolved: string | null, rule: string) => {
        const error = new GuardError(violationAt(side, importer, source, resolved, rule, [importer, resolved ?? source]))
        if (host.guardWarns(side)) console.warn(error.message)
        else throw error
      }

      // the import guard by specifier (docs/reference.md "Import guard")
      build.onResolve({ filter: /.*/ }, (args) => {
        if (!args.importer || args.kind === 'entry-point') return undefined
        imports.push({ path: args.path, importer: args.importer })
        const rule = guard(args.path)
        if (rule) refuse(args.importer, args.path, null, rule)
        return undefined
      })

      // a runtime onLoad must return contents: leave node_modules to Bun in the filter itself
      // (unless `exclude` is the user's, which then decides)
      build.onLoad({ filter: options.exclude === undefined ? SCRIPT_OUTSIDE_NODE_MODULES : SCRIPT }, async (args) => {
        const id = args.path
        const extension = /\.[cm]?[jt]sx?$/.exec(id)![0]
        const loader = LOADERS[extension] ?? 'js'
        const code = await readFile(id, 'utf8')
        // the import guard by path (docs/reference.md "Import guard"): a guarded file reached through an alias (tsconfig `paths`)
        const rule = guard(id)
        if (rule) {
          const found = imports.find((i) => i.importer !== id && safeResolve(i.path, i.importer) === id)
          if (found) refuse(found.importer, found.path, id, rule)
        }
        if (!included(id)) return { contents: code, loader }
        const result = await transform(code, id, <Parameters<typeof transform>[2]>{
          ...host.transformOptions(side),
          cache: host.cacheFor(environment),
          onReport: (r) => report?.add(environment, r),
        })
        if (!result) return { contents: code, loader }
        const map = Buffer.from(JSON.stringify(result.map)).toString('base64')
        return { contents: `${result.code}\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,${map}\n`, loader }
      })
    },
  }
}

function safeResolve(source: string, importer: string): string | null {
  try {
    const found = defaultResolve(source, importer)
    return typeof found === 'string' ? found : null
  } catch {
    return null
  }
}
