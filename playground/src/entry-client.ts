import { homePage } from './home'
import { describeChains } from './chains'

homePage.mount(document.querySelector<HTMLElement>('#app')!)

// For the end-to-end test: the chains as the browser built them.
;(window as unknown as { __chains: unknown }).__chains = describeChains()
