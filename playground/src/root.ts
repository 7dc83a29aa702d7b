import { Point0 } from '@point0/core'

/** The root point every other point of the app grows from. */
export const root = Point0.lets('root', 'main')
