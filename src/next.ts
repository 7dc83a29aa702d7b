/** `chaincut/next`: `withChaincut(nextConfig, options)`. */
export { default, withChaincut, turbopackContentFilter, LOADER, TURBOPACK_GLOB, type NextConfigLike, type NextWebpackContextLike } from './hosts/next.js'
