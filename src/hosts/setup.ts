/**
 * What every toolchain shares, done once: the options validated (a mistake never fails open),
 * the tables built, the `include`/`exclude` filter, one module cache per side or environment,
 * the import guard of each side with its warn-or-stop level, the JSON report, and the side read
 * from a bundler's target. The hosts (unplugin, Babel, the loader, Bun's runtime, the CLI) add
 * only what their toolchain needs.
 */
import { resolveConfig, RESOLVED_CONFIG, type Config } from '../config/config.js'
import { idFilter } from '../config/id-filter.js'
import type { GuardMatcher } from '../config/guard-matcher.js'
import { reportFile, validateOptions } from '../config/options.js'
import { levelOf } from '../findings/catalog.js'
import { ModuleCache } from '../js/modules.js'
import { BuildReport } from '../report/json.js'
import { AuditRecorder } from '../report/audit.js'
import { writeAuditHtml } from '../report/html.js'
import type { ChaincutOptions, Side } from '../types.js'

export interface Host {
  options: ChaincutOptions
  config: Config
  /** Whether chaincut looks at a module (`include` / `exclude`). */
  included: (id: string) => boolean
  /** The module cache of a side or environment, for the host's life. */
  cacheFor: (key: string) => ModuleCache
  /** The import guard of a side: server-only modules in the client build, client-only ones in the server build. */
  guardOf: (side: Side) => GuardMatcher
  /** Whether a guard violation on this side warns (`onUnsafe: 'warn'`) rather than stopping the build. */
  guardWarns: (side: Side) => boolean
  /** The options `transform()` gets on a side, the tables already built. */
  transformOptions: (side: Side) => ChaincutOptions & { side: Side }
}

export function prepareHost(rawOptions: ChaincutOptions | null | undefined): Host {
  const options: ChaincutOptions = rawOptions ?? {}
  validateOptions(options)
  const config = resolveConfig(options)
  const caches = new Map<string, ModuleCache>()
  return {
    options,
    config,
    included: idFilter(options),
    cacheFor: (key) => {
      let cache = caches.get(key)
      if (!cache) caches.set(key, (cache = new ModuleCache()))
      return cache
    },
    guardOf: (side) => (side === 'client' ? config.isServerOnly : config.isClientOnly),
    guardWarns: (side) => levelOf('E_GUARD', side, config.onUnsafe) === 'warn',
    transformOptions: (side) => <ChaincutOptions & { side: Side }>{ ...options, [RESOLVED_CONFIG]: config, side },
  }
}

const SERVER_TARGET = /^(node|async-node|electron-main)/
const BROWSER_TARGET = /^(web|webworker|browser(?!slist)|electron-renderer|electron-preload|nwjs)/
/** Targets that name no platform: the browserslist config or the ES version says what runs it. */
const UNSPECIFIC_TARGET = /^(browserslist|es\d)/

/**
 * The side a bundler's `target` builds for (webpack, Rspack, babel-loader, a loader): a Node
 * target is the server, a browser one the client; `certain: false` when only `browserslist` or
 * `es*` targets are given (taken as the client unless the host knows the platform). Null: no target.
 */
export function sideOfTargets(target: string | readonly string[] | undefined | false): { side: Side; certain: boolean; targets: string } | null {
  const targets = [target].flat().filter((t): t is string => typeof t === 'string' && t !== '')
  if (!targets.length) return null
  const text = targets.join(', ')
  if (targets.some((t) => SERVER_TARGET.test(t))) return { side: 'server', certain: true, targets: text }
  if (targets.some((t) => BROWSER_TARGET.test(t))) return { side: 'client', certain: true, targets: text }
  if (targets.some((t) => UNSPECIFIC_TARGET.test(t))) return { side: 'client', certain: false, targets: text }
  return null
}

/**
 * `report: 'file.json'` for a host with no end of build (Babel, Bun's runtime): written when the
 * process exits. A path ending in `.html` writes the HTML audit from the reports (these hosts
 * keep no texts: the modules are listed with their decisions).
 */
export function reportAtExit(option: ChaincutOptions['report'], bundler: string): BuildReport | null {
  const target = reportFile(option)
  if (!target) return null
  const report = new BuildReport()
  process.once('exit', () => {
    if (target.kind === 'json') report.write(target.path)
    else writeAuditHtml(target.path, new AuditRecorder().collect(report, { root: process.cwd(), bundler }))
  })
  return report
}
