/**
 * The accounting of a module: every call (and read) of a method that some family cuts on this
 * side is part of a chain (cut), proven not a chain (with its reason), or a finding.
 */
import type * as t from '@babel/types'
import type { ChainFamily, Side, SideRule } from '../types.js'
import type { Config } from '../config/config.js'
import type { ModuleAnalysis } from '../js/modules.js'
import { type Scope } from '../js/scope.js'
import { memberName, unwrap, type CallRun } from '../js/runs.js'
import { READ_FUEL, READ_POOL, RUN_FUEL, type Classifier } from './classifier.js'
import { familiesOf } from './families.js'
import { NOT_REACHED_BY_CODE, reachedByCode, type CodeReach } from './code-reach.js'
import { brief, describe, isChainish, isStringish, settle, type ChainSegment, type Decision, type RecognisedChain } from './values.js'
import { wouldCut } from './would-cut.js'

/** The chains of the module being transformed, and the accounting of every other cut-method call. */
export function recognise(c: Classifier, module: ModuleAnalysis, side: Side): RecognisedChain[] {
  const { config } = c.ctx
  const cutNames = config.cutNames[side]
  const chains: RecognisedChain[] = []
  const decisions: Decision[] = []
  c.decisions = decisions
  const claimed = new Set<CallRun>()
  c.root = module.id
  c.rootModule = module
  const { families: activity } = familiesOf(module.id, config)
  const active = (family: ChainFamily) => activity.find((a) => a.family === family)?.active ?? true
  const reachByFamily = new Map<ChainFamily, CodeReach>()
  const codeReach = (family: ChainFamily): CodeReach => {
    let found = reachByFamily.get(family)
    const packages = config.familyPackages.get(family)
    const packageDir = familiesOf(module.id, config).packageDir
    if (!found) reachByFamily.set(family, (found = packages?.size && packageDir ? reachedByCode(module.id, module.code, packageDir, packages, c.ctx.cache.scripts, (pairs) => c.ctx.cache.resolveAll(c.ctx.resolve, pairs)) : { reaches: true, why: 'its heads name no package, or no package.json is above this module' }))
    return found
  }
  const inactiveWhy = (method: string) => [...new Set(cutNames.get(method)!.map((f) => activity.find((a) => a.family === f.family)?.why ?? ''))].join('; ')

  // one run at a time: the cycle check above relies on a single path of evaluation
  for (let i = 0; i < module.runs.length; i++) {
    const run = module.runs[i]
    // a run with nothing to cut, open or desugar here (`cache?.has(key)`) needs no reading
    if (!run.segments.some((s) => s.viaMember || (s.computed && s.name === null) || (s.name !== null && (cutNames.has(s.name) || config.pointFamilies.has(s.name) || config.memberHeadNames.has(s.name))))) continue
    // each run gets at most its share of the budget: one tangled run cannot starve the others
    const budget = c.fuel
    c.fuel = Math.min(budget, RUN_FUEL)
    const reading = c.run(run.segments, run.base, run.scope, module, null)
    c.fuel = budget - (Math.min(budget, RUN_FUEL) - Math.max(c.fuel, 0))
    let segments = reading.segments
    let assumed = reading.assumed
    // every segment of the run that some family cuts here and no chain claimed
    const inChain = new Set(segments.map((s) => s.segment))
    for (let k = 0; k < run.segments.length; k++) {
      const segment = run.segments[k]
      if (inChain.has(segment) || !segment.name || !cutNames.has(segment.name)) continue
      const receiver = settle(reading.receivers[k])
      const method = segment.name
      const node = segment.callee.property
      if (receiver.kind === 'escaped') {
        // a chain went into code chaincut does not follow and may be what comes back: evidence of its family
        if (side === 'server') {
          decisions.push({ kind: 'unknown', method, node, reason: brief(`kept: a ${receiver.family.name} chain handed to code chaincut does not follow may come back here, and the server build keeps what it cannot prove`) })
          continue
        }
        const family = cutNames.get(method)!.find((f) => f.family === receiver.family)?.family
        if (!family) {
          decisions.push({ kind: 'notChain', method, node, reason: brief(`${receiver.family.name} does not cut .${method} here`) })
          continue
        }
        const rest = run.segments.slice(k).map((s) => ({ segment: s, family, point: null, clientOnlyBefore: false, opener: null }) as ChainSegment)
        segments = [...segments, ...rest]
        assumed = brief(`a ${family.name} chain handed to code chaincut does not follow may come back here`)
        break
      }
      if (receiver.kind === 'unknown') {
        const families = cutNames.get(method)!.filter((f) => active(f.family))
        if (!families.length) {
          decisions.push({ kind: 'notChain', method, node, reason: brief(`no family that cuts .${method} here can be reached from this module's package (${inactiveWhy(method)})`) })
          continue
        }
        if (side === 'server') {
          // shipping client code to the server is harmless, cutting what the server needs is not
          decisions.push({ kind: 'unknown', method, node, reason: brief(`kept: only proven chains lose client-only segments on the server (${receiver.reason})`) })
          continue
        }
        const lenient = onlyConditional(config, method, side)
        if (!families.some(({ rule }) => wouldCut(rule, segment.call))) {
          decisions.push({ kind: 'notChain', method, node, reason: brief(`nothing to cut: a chain's .${method} would keep these arguments as they are`) })
        } else if (lenient) decisions.push({ kind: 'notChain', method, node, reason: brief(`${lenient}; this receiver shows no such point (${receiver.reason})`) })
        else if (receiver.evidence) {
          // fail safe: evidence of a family (a package that depends on it), so cut the rest of the run as its chain, with a warning;
          // evidence that names another family's package is evidence of that family, which does not cut this method here
          const named = (f: ChainFamily) => [...(config.familyPackages.get(f) ?? [])].some((p) => receiver.evidence!.includes(p))
          const shown = config.families.filter(named)
          const family = shown.length ? families.find((f) => shown.includes(f.family))?.family : families[0].family
          if (!family) {
            decisions.push({ kind: 'notChain', method, node, reason: brief(`${receiver.evidence}, and ${shown.map((f) => f.name).join(' and ')} does not cut .${method} here`) })
            continue
          }
          const rest = run.segments.slice(k).map((s) => ({ segment: s, family, point: null, clientOnlyBefore: false, opener: null }) as ChainSegment)
          segments = [...segments, ...rest]
          assumed = brief(`${receiver.reason}; ${receiver.evidence}`)
          break
        } else if (markedNotChain(module, segment.call)) decisions.push({ kind: 'notChain', method, node, reason: 'marked `chaincut-not-a-chain` in a comment' })
        else {
          // declared is not imported: a family no code of the app can reach makes no chain here
          const reached = families.filter((f) => codeReach(f.family).reaches)
          if (reached.length) decisions.push({ kind: 'untraced', method, node, reason: `${brief(receiver.reason)}; and the app can reach ${reached[0].family.name}: ${brief(codeReach(reached[0].family).why)}`, families: reached.map((f) => f.family.name) })
          else {
            decisions.push({ kind: 'notChain', method, node, reason: brief(`${NOT_REACHED_BY_CODE}: ${[...new Set(families.map((f) => `${f.family.name}: ${codeReach(f.family).why}`))].join('; ')}`) })
            for (const f of families) c.appScans.add(`no code of the app imports ${f.family.name}`)
          }
        }
        continue
      }
      decisions.push({ kind: 'notChain', method, node, reason: receiver.kind === 'not' ? receiver.reason : describe(receiver) })
    }
    // on the server `assumed` is only ever point0's short form on an untraced head (`X.lets.page(...)`):
    // the notation itself, as the explicit `X.lets('page', ...)` it desugars to is by spelling, so the
    // two read alike and a second pass over the desugared output changes nothing (no warning there)
    if (segments.length) {
      chains.push({ run, segments, assumed: side === 'server' ? null : assumed })
      claimed.add(run)
    }
  }

  // every builder chain inside a container (`createTailorKit({ actions })`) is cut on the client,
  // even when its head cannot be traced (the server cuts only proven chains)
  for (const { call, callee, scope } of side === 'client' ? module.containerCalls : []) {
    const value = c.expression(callee, scope, module, null)
    if (value?.kind !== 'container') continue
    const options = call.arguments[0] && unwrap(call.arguments[0])
    if (!options || options.type !== 'ObjectExpression') continue
    for (const property of options.properties) {
      if (property.type !== 'ObjectProperty' || property.computed) continue
      const key = property.key.type === 'Identifier' ? property.key.name : isStringish(property.key)
      if (key !== value.container.property) continue
      // the actions object, and every object of this module it names (`actions`, `{ messages: messageActions }`)
      const ranges: Array<[number, number]> = []
      const seen = new Set<t.Node>()
      const collect = (node: t.Node, at: Scope) => {
        const n = unwrap(node)
        if (seen.has(n)) return
        seen.add(n)
        if (n.type === 'Identifier') {
          const binding = at.lookup(n.name)
          if (binding?.init && binding.kind !== 'import') collect(binding.init, binding.scope)
          return
        }
        if (n.type !== 'ObjectExpression' && n.type !== 'ArrayExpression') return
        ranges.push([n.start!, n.end!])
        const values = n.type === 'ObjectExpression' ? n.properties.map((p) => (p.type === 'ObjectProperty' ? p.value : p.type === 'SpreadElement' ? p.argument : null)) : n.elements
        for (const v of values) if (v && v.type !== 'SpreadElement') collect(v as t.Node, at)
      }
      collect(property.value, scope)
      for (const run of module.runs) {
        if (claimed.has(run)) continue
        const at = run.outer.start!
        if (!ranges.some(([start, end]) => at >= start && at < end)) continue
        if (!run.segments.some((s) => s.name && value.container.anyChainCalling.includes(s.name))) continue
        chains.push({
          run,
          segments: run.segments.map((segment) => ({ segment, family: value.family, point: null, clientOnlyBefore: false, opener: null })),
          assumed: null,
        })
        claimed.add(run)
        // the container's chains are cut: drop what the accounting said of their segments
        for (let d = decisions.length - 1; d >= 0; d--) {
          const node = decisions[d].node
          if (node.start! >= run.outer.start! && node.end! <= run.outer.end!) decisions.splice(d, 1)
        }
      }
    }
  }
  // methods read off a value rather than called on it (`const load = p.loader`)
  let readPool = READ_POOL
  for (const { pattern, init, scope } of module.destructured) {
    // only a pattern that takes a method some family cuts here
    if (!pattern.properties.some((p) => p.type === 'ObjectProperty' && !p.computed && p.key.type === 'Identifier' && cutNames.has(p.key.name))) continue
    if (readPool <= 0) break
    c.fuel = Math.min(readPool, READ_FUEL)
    const spent = c.fuel
    const value = settle(c.expression(init, scope, module, null))
    readPool -= spent - Math.max(c.fuel, 0)
    if (!isChainish(value) || value.kind === 'escaped') continue
    for (const p of pattern.properties) {
      const name = p.type === 'ObjectProperty' && !p.computed && p.key.type === 'Identifier' ? p.key.name : null
      if (name === null) continue
      if (name !== '...' && !cutNames.get(name)?.some((f) => f.family === value.family)) continue
      decisions.push({ kind: 'takenOff', method: name, family: value.family, node: pattern, destructured: true })
      break
    }
  }

  for (const { member, scope } of module.reads) {
    const method = memberName(member)!
    const families = cutNames.get(method)
    if (!families) continue
    // a read is a finding only when it is off a chain: a small budget each, from a pool of their own
    // (last, so what a spent budget leaves unknown cannot change a cut)
    if (readPool <= 0) break
    c.fuel = Math.min(readPool, READ_FUEL)
    const spent = c.fuel
    const object = settle(c.expression(member.object, scope, module, null))
    readPool -= spent - Math.max(c.fuel, 0)
    if (isChainish(object) && object.kind !== 'escaped' && families.some((f) => f.family === object.family)) {
      decisions.push({ kind: 'takenOff', method, family: object.family, node: member, destructured: false })
    } else if (object.kind === 'escaped') {
      // a read is not a call: nothing to cut, whatever it is read off
      decisions.push({ kind: 'unknown', method, node: member.property, reason: brief(`read as a value, not called, on what may be a ${object.family.name} chain handed to code chaincut does not follow`) })
    } else if (object.kind === 'unknown') {
      decisions.push({ kind: 'unknown', method, node: member.property, reason: brief(`read as a value, not called, on a value chaincut cannot trace (${object.reason})`) })
    } else {
      decisions.push({ kind: 'notChain', method, node: member.property, reason: brief(`read as a value, not called: ${describe(object)}`) })
    }
  }

  for (const late of c.lateParams) {
    decisions.push({ kind: 'lateParam', method: '', node: late.node ?? module.ast.program, family: late.family, function: late.function, builtFirst: late.builtFirst })
  }

  chains.sort((a, b) => a.run.outer.start! - b.run.outer.start!)
  return chains
}

/** A method cut only on some point types (point0's `params`/`search` on actions): the condition, or null. */
function onlyConditional(config: Config, method: string, side: Side): string | null {
  const rules = config.cutNames[side].get(method) ?? []
  const conditions: string[] = []
  for (const { family, rule } of rules) {
    const r = rule as SideRule
    if (typeof r === 'object' && 'rule' in r && r.pointTypes) conditions.push(`\`.${method}\` is cut only on ${family.name} ${r.pointTypes.join('/')} points`)
    else if (typeof r === 'object' && 'rule' in r && r.unlessServerRendered && (family.points?.ssr ?? !!family.points?.engine)) conditions.push(`\`.${method}\` is cut only on ${family.name} points that do not server-render`)
    else return null
  }
  return conditions.length ? conditions.join('; ') : null
}

/** `// chaincut-not-a-chain` on the call's line or the line before it. */
function markedNotChain(module: ModuleAnalysis, call: t.Node): boolean {
  const comments = module.ast.comments
  if (!comments?.length) return false
  const line = call.loc?.start.line ?? -1
  return comments.some((c) => c.value.includes('chaincut-not-a-chain') && c.loc && (c.loc.end.line === line || c.loc.end.line === line - 1))
}
