// The server bundle: what playground/server.mjs routes requests to.
import './ideas' // registers the point0 actions

export { registry as actions } from '@point0/core'
export { tailorKit } from './tailorkit'
export { describeChains } from './chains'
