import { unplugin } from './plugin.js'

export default unplugin.rolldown
