/** The value analysis: what is a chain, what is proven not to be, and what is unknown. */
export { Classifier, type LookupContext } from './classifier.js'
export { recognise } from './recognise.js'
export type { ChainSegment, Decision, PointState, RecognisedChain, Value } from './values.js'
