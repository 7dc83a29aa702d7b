/**
 * The point state machine: reads a run's segments left to right from what its base is, and
 * says which family and point each segment belongs to.
 */
import type { ChainFamily } from '../types.js'
import type { Config } from '../config/config.js'
import { memberName, type Segment } from '../js/runs.js'
import { isFalseLiteral, isStringish, type ChainSegment, type PointState, type Value } from './values.js'

interface Interpretation {
  segments: ChainSegment[]
  value: Value
  assumed: boolean
  /** How many segments were read: all of them, or up to a finished point's runtime method. */
  read: number
}

/**
 * Reads a run's segments left to right from what its base is: which family
 * and point each segment belongs to. Points open at `X.lets(...)`: the
 * explicit form whatever `X` is, the short form only when `X` traces to the
 * family (or to something chaincut cannot trace — assumed, to fail safe).
 */
export function interpret(config: Config, segments: Segment[], base: Value): Interpretation {
  let family: ChainFamily | null = base.kind === 'head' || base.kind === 'chain' || base.kind === 'lets' ? base.family : null
  let point: PointState | null = (base.kind === 'chain' || base.kind === 'lets') && base.point ? { ...base.point } : null
  const unknownBase = base.kind === 'unknown'
  let assumed = false
  const out: ChainSegment[] = []

  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]
    let opener: ChainSegment['opener'] = null
    let pointType: string | undefined
    const name = segment.name

    if (segment.viaMember && name) {
      // X.lets.<type>(...)
      const member = memberName(segment.viaMember)
      const pointFamily = member === null ? undefined : config.pointFamilies.get(member)
      if (pointFamily && pointFamily.points!.types.includes(name)) {
        const traced = family === pointFamily
        if (traced || unknownBase) {
          if (!traced) assumed = true
          family = pointFamily
          opener = 'short'
          pointType = name
        }
      }
    } else if (name && !segment.computed) {
      const pointFamily = config.pointFamilies.get(name)
      if (pointFamily && (!family || family === pointFamily)) {
        const first = isStringish(segment.call.arguments[0])
        const points = pointFamily.points!
        if (first !== null) {
          if (points.types.includes(first)) pointType = first
          else if (points.verbs.some((v) => v.toLowerCase() === first.toLowerCase())) pointType = points.verbType
        }
        if (pointType) {
          family = pointFamily
          opener = 'explicit'
        }
      }
      if (!opener && !family) {
        for (const head of config.memberHeads) {
          if (head.member !== name || head.family.points) continue
          const first = isStringish(segment.call.arguments[0])
          if (head.firstArg && (first === null || !head.firstArg.has(first.toLowerCase()))) continue
          family = head.family
          opener = 'explicit'
          break
        }
      }
    }

    if (opener && family?.points && pointType) {
      point = { type: pointType, ssrOff: point?.ssrOff ?? false, clientOnly: point?.clientOnly ?? false }
    }
    if (!family) continue
    out.push({ segment, family, point, clientOnlyBefore: point?.clientOnly ?? false, opener, pointType })
    // the runtime API of a finished point (`fetchServerDetailed`, `connect`): what it returns is not a chain
    if (!opener && name && family.runtime?.includes(name)) {
      return { segments: out, value: { kind: 'not', reason: `the result of ${family.name}'s runtime method .${name}` }, assumed, read: i + 1 }
    }
    const points = family.points
    if (points && point && name && !opener) {
      if (name === points.ssrMethod && isFalseLiteral(segment.call.arguments[0])) point.ssrOff = true
      if (name === points.clientOnlyMethod) point.clientOnly = true
    }
  }
  const value: Value = family ? { kind: 'chain', family, point } : base
  return { segments: out, value, assumed, read: segments.length }
}
