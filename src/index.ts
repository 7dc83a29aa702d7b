/**
 * chaincut — cut server-only code out of builder chains in the client bundle,
 * and client-only code out of the server bundle.
 */
export { transform } from './pipeline/transform.js'
export type { ReportListener } from './pipeline/transform.js'
export { point0, type Point0PresetOptions } from './presets/point0/preset.js'
export { tailorkit, type TailorkitPresetOptions } from './presets/tailorkit.js'
export { ChaincutError, ChaincutOptionsError } from './findings/errors.js'
export { ModuleCache } from './js/modules.js'
export type * from './types.js'
