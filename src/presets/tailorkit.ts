import type { ChainFamily, SegmentRule } from '../types.js'

export interface TailorkitPresetOptions {
  /** Also cut `.input(...)` and `.output(...)` schemas on the client. Default: false. */
  cutSchemas?: boolean
}

/** The TailorKit preset (README "Before and after", TailorKit). */
export function tailorkit(options: TailorkitPresetOptions = {}): ChainFamily {
  // the contract (input, output, context) stays on both sides unless cutSchemas
  const segments: Record<string, SegmentRule> = {
    handler: { client: 'args' },
    input: options.cutSchemas ? { client: 'args' } : {},
    output: options.cutSchemas ? { client: 'args' } : {},
    context: {},
  }
  return {
    name: 'tailorkit',
    // the `tailorkit` package re-exports its builders from `@tailorkit/core`
    heads: [{ import: 'createActions', from: ['tailorkit', '@tailorkit/core', '@tailorkit/core/schema'] }],
    segments,
    closers: ['handler'],
    containers: [
      { import: 'createTailorKit', from: ['tailorkit', '@tailorkit/core'], property: 'actions', anyChainCalling: ['handler'] },
    ],
    // method names: a builder imported from another module of the app shows only its segments
    hints: ['handler', ...(options.cutSchemas ? ['input', 'output'] : [])],
    // the server halves: handlers as plain functions, never for the browser
    serverModules: ['tailorkit/server', '@tailorkit/core/server', '@tailorkit/app/server'],
  }
}
