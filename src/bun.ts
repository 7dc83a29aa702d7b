/**
 * `Bun.build({ plugins: [chaincut()] })`, through unplugin's Bun target. The side is
 * the build's `target` (`browser`, Bun's default → client; `bun` / `node` → server)
 * unless `side` is given. `chaincutRuntime()` is the runtime plugin (`Bun.plugin`).
 */
import { unplugin } from './hosts/unplugin/index.js'
import type { ChaincutOptions } from './types.js'

/** Bun's `BunPlugin`, structurally (Bun's own types are not a dependency of chaincut). */
export interface ChaincutBunPlugin {
  name: string
  setup(build: any): void | Promise<void>
}

const chaincut: (options?: ChaincutOptions) => ChaincutBunPlugin = unplugin.bun as (options?: ChaincutOptions) => ChaincutBunPlugin

export default chaincut
export { chaincutRuntime, type ChaincutBunRuntimePlugin } from './hosts/bun-runtime.js'
