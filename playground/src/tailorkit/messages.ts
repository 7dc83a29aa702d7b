import { s } from '@demo/schema'
import { action } from './action'
import { queueMessage } from '../server/store.server'

// Only the handler uses it; chaincut cuts the handler on the client and then
// drops this declaration (and the store import) because nothing else uses them.
const MAIL_API_KEY = 'sk_live_PLAYGROUND_9f8e7d'

export const messageActions = {
  send: action
    .input(s.object({ body: s.string({ min: 1 }), channelId: s.string() }))
    .output(s.object({ id: s.string(), channelId: s.string() }))
    .handler(({ input, context }) => {
      const id = queueMessage({
        channelId: input.channelId,
        from: context.user.id,
        body: input.body,
        authorization: `Bearer ${MAIL_API_KEY}`,
      })
      return { id, channelId: input.channelId }
    }),
}
