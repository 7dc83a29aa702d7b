import type { Point } from '@point0/core'
import { root } from './root'
import { homePage } from './home'
import { ideaUpdateAction, ideasQuery } from './ideas'
import { tailorKit } from './tailorkit'

/**
 * What every chain looks like once constructed: the client bundle (server
 * segments emptied) and the server bundle (client segments emptied) must
 * build the same points, with the same calls in the same order.
 */
export function describeChains() {
  const point = (p: Point) => ({ type: p.type, name: p.name, method: p.method, route: p.route, calls: p.calls })
  return {
    root: point(root),
    home: point(homePage),
    ideaUpdate: point(ideaUpdateAction),
    ideas: point(ideasQuery),
    'messages.send': tailorKit.actions.messages.send.calls,
    'projects.archive': tailorKit.actions.projects.archive.calls,
  }
}
