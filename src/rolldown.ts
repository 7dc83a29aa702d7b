import { unplugin } from './plugin/index.js'

export default unplugin.rolldown
