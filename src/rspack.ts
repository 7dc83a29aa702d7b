import { unplugin } from './hosts/unplugin/index.js'

export default unplugin.rspack
