/** `chaincut/loader`: the webpack/Turbopack loader (Next.js). */
export { default, sideFromTarget, type LoaderContextLike } from './hosts/loader.js'
