/**
 * chaincut — cut server-only code out of builder chains in the client bundle,
 * and client-only code out of the server bundle.
 */
export { transform } from './core/transform.js'
export type { ReportListener } from './core/transform.js'
export { point0, type Point0PresetOptions } from './presets/point0.js'
export { tailorkit, type TailorkitPresetOptions } from './presets/tailorkit.js'
export { ChaincutError, ChaincutOptionsError } from './core/errors.js'
export { ModuleCache } from './core/modules.js'
export type * from './types.js'
