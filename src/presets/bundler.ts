import type { SideConstant } from '../types.js'

/**
 * Side constants every build has, whatever the presets: Vite's `import.meta.env.SSR` (true in
 * the server build, false in the client build), folded like a preset's.
 */
export const BUNDLER_SIDE_CONSTANTS: SideConstant[] = [
  { root: 'import.meta', path: ['env', 'SSR'], client: false, server: true },
]
