// Server-only module (`.server.` in the name). After chaincut has cut the
// client build, nothing the browser loads imports it any more; if something
// still did, chaincut's import guard would fail the build.

const DATABASE_URL = process.env.PLAYGROUND_DATABASE_URL ?? 'postgres://admin:hunter2@db.internal/ideas'

export interface Idea {
  id: string
  title: string
  updatedBy: string
  version: number
}

/** A pretend database "connected" to DATABASE_URL: in memory, for the demo. */
const db = {
  url: DATABASE_URL,
  ideas: new Map<string, Idea>(),
  outbox: [] as Array<{ id: string; channelId: string; from: string; body: string; authorization: string }>,
}

export function saveIdea(id: string, title: string, updatedBy: string): Idea {
  const idea = { id, title, updatedBy, version: (db.ideas.get(id)?.version ?? 0) + 1 }
  db.ideas.set(id, idea)
  return idea
}

export function listIdeas(): Idea[] {
  return [...db.ideas.values()]
}

export function queueMessage(message: Omit<(typeof db.outbox)[number], 'id'>) {
  const id = `msg_${db.outbox.length + 1}`
  db.outbox.push({ id, ...message })
  return id
}
