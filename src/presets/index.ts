/**
 * The built-in presets by name, and what the points notation needs that is not data. The
 * notation (`X.lets.<type>(...)`, `Engine.create({ ssr })`) is point0's: a family with
 * `points` is named and reads its engine as point0 does.
 */
import type { ChainFamily } from '../types.js'
import { point0 } from './point0/preset.js'
import { serverRendersFrom } from './point0/engine.js'
import { pointName } from './point0/naming.js'
import { tailorkit } from './tailorkit.js'

export const BUILTIN_PRESETS: Readonly<Record<string, () => ChainFamily>> = { point0, tailorkit }

/** The presets a build uses when the options name none. */
export const DEFAULT_PRESETS = ['point0', 'tailorkit'] as const

/** The points notation's rules: the name a desugared point gets, and how the engine's options say it server-renders. */
export const pointsNotation = { pointName, serverRendersFrom }

export { BUNDLER_SIDE_CONSTANTS } from './bundler.js'
