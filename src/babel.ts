/** `chaincut/babel`: the Babel plugin (Metro, Expo, babel-loader). */
export { default, sideFromCaller, type BabelApiLike, type BabelCallerLike, type ChaincutBabelPlugin } from './hosts/babel/plugin.js'
