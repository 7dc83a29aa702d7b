import { createActions } from 'tailorkit'

export interface ActionContext {
  user: { id: string; name: string }
}

/** The one shared action builder: every action of this TailorKit uses this context. */
export const action = createActions().context<ActionContext>()
