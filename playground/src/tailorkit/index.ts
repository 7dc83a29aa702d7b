import { createTailorKit } from 'tailorkit'
import { s } from '@demo/schema'
import { action } from './action'
import { messageActions } from './messages'

export const tailorKit = createTailorKit({
  components: {},
  actions: {
    // messages.send: defined in its own module
    messages: messageActions,
    // projects.archive: defined inline, nested
    projects: {
      archive: action
        .input(s.object({ projectId: s.string({ min: 1 }) }))
        .output(s.object({ projectId: s.string(), archivedBy: s.string(), billing: s.string() }))
        .handler(({ input, context }) => {
          const billingKey = process.env.PLAYGROUND_STRIPE_SECRET
          return {
            projectId: input.projectId,
            archivedBy: context.user.id,
            billing: billingKey ? 'subscription cancelled' : 'no billing key configured',
          }
        }),
    },
  },
})
