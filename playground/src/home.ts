import { root } from './root'
import { ideaUpdateAction, ideasQuery } from './ideas'
import { tailorKit } from './tailorkit'

// A page point. Its render function is client-only: points don't server-render
// here, so chaincut empties `.page(...)` in the server build (the mirror cut).
export const homePage = root.lets.page('/').page(renderHome)

function renderHome(app: HTMLElement) {
  app.innerHTML = `
    <h1>chaincut playground</h1>
    <p>The actions below are declared in modules that both the browser bundle and the
      server bundle import. chaincut removed their server code from what your browser loaded.</p>

    <form id="idea-form">
      <h2>Update an idea <code>PUT /api/ideas/:id</code></h2>
      <label>Idea id <input name="id" value="1" required></label>
      <label>Title <input name="title" value="Cut the server code out" required></label>
      <label>x-demo-user header <input name="user" value="ada" placeholder="empty: refused by .ctx"></label>
      <button type="submit">Save idea</button>
    </form>
    <h3>Server reply</h3>
    <pre id="reply">(nothing yet)</pre>
    <h3>Ideas <code>GET /api/ideas</code></h3>
    <ul id="ideas"></ul>

    <form id="message-form">
      <h2>Send a message <code>TailorKit: messages.send</code></h2>
      <label>Channel <input name="channelId" value="general" required></label>
      <label>Message <input name="body" value="hello from the browser" required></label>
      <button type="submit">Send</button>
    </form>
    <pre id="message-reply">(nothing yet)</pre>`

  const $ = <T extends HTMLElement>(selector: string) => app.querySelector<T>(selector)!
  const show = (el: HTMLElement, data: unknown) => {
    el.textContent = JSON.stringify(data, null, 2)
  }
  const showError = (el: HTMLElement, error: { status?: number; message: string }) => {
    el.textContent = `Error ${error.status ?? ''}: ${error.message}`
  }

  async function refreshIdeas() {
    const ideas: Array<{ id: string; title: string; updatedBy: string; version: number }> = await ideasQuery.fetch()
    $('#ideas').replaceChildren(
      ...ideas.map((idea) => {
        const li = document.createElement('li')
        li.textContent = `#${idea.id} ${idea.title} (by ${idea.updatedBy}, v${idea.version})`
        return li
      }),
    )
  }

  $<HTMLFormElement>('#idea-form').addEventListener('submit', async (event) => {
    event.preventDefault()
    const form = new FormData(event.target as HTMLFormElement)
    const user = String(form.get('user'))
    try {
      const reply = await ideaUpdateAction.fetch(
        { params: { id: String(form.get('id')) }, body: { title: String(form.get('title')) } },
        { headers: user ? { 'x-demo-user': user } : {} },
      )
      show($('#reply'), reply)
    } catch (error) {
      showError($('#reply'), error as Error)
    }
    await refreshIdeas()
  })

  $<HTMLFormElement>('#message-form').addEventListener('submit', async (event) => {
    event.preventDefault()
    const form = new FormData(event.target as HTMLFormElement)
    const user = String(($<HTMLInputElement>('#idea-form [name=user]')).value)
    try {
      const input = { channelId: String(form.get('channelId')), body: String(form.get('body')) }
      show($('#message-reply'), await tailorKit.call('messages.send', input, { headers: { 'x-demo-user': user } }))
    } catch (error) {
      showError($('#message-reply'), error as Error)
    }
  })

  void refreshIdeas()
}
