/**
 * Recognising chains (SPEC 3): which call runs are builder chains, which
 * family each belongs to, which point each segment is part of, and what a
 * binding holds — followed through aliases, namespaces, `const` splits and
 * other modules of the app.
 */
import type * as t from '@babel/types'
import type { ChainFamily, ContainerSpec, Resolver } from '../types.js'
import { isFollowable, type ModuleAnalysis, type ModuleCache } from './bindings.js'
import type { Config } from './config.js'
import { memberName, unwindRun, unwrap, type Binding, type CallRun, type Scope, type Segment } from './scope.js'

/** The state of a point as its chain is read: flags that change how it is cut (SPEC 4.1). */
export interface PointState {
  type: string
  /** `.ssr(false)` anywhere in its chain or a parent's (point-wide). */
  ssrOff: boolean
  /** A `.clientOnly()` has been seen so far (its own chain, or any parent). */
  clientOnly: boolean
}

/** What an expression is, as far as chains go. */
export type Value =
  | { kind: 'head'; family: ChainFamily }
  | { kind: 'chain'; family: ChainFamily; point: PointState | null }
  | { kind: 'container'; family: ChainFamily; container: ContainerSpec }
  | { kind: 'pkgNamespace'; source: string }
  | { kind: 'appNamespace'; file: string }
  /** An import that could not be resolved or read: nothing is known. */
  | { kind: 'unknown'; source: string }
  /** A chain passed into something chaincut does not know (`wrap(chain)`): what comes back is unknown. */
  | { kind: 'escaped'; family: ChainFamily; node: t.Node }
  | null

/** One segment of a recognised chain. */
export interface ChainSegment {
  segment: Segment
  family: ChainFamily
  /** The point it belongs to (shared by all its segments, so `ssrOff` is point-wide). */
  point: PointState | null
  /** Whether a `.clientOnly()` came before it (positional). */
  clientOnlyBefore: boolean
  /** This call opens a point (`X.lets(...)`/`X.lets.page(...)`): its arguments define the point, never cut. */
  opener: 'explicit' | 'short' | null
  /** For a short-form opener: the point type to write when desugaring. */
  pointType?: string
}

/** Something the walk found that a chain could hide behind (SPEC 7.1). */
export interface Suspect {
  kind: 'escaped' | 'destructured'
  family: ChainFamily
  /** The method names involved, checked against the family's table for the side. */
  names: string[]
  node: t.Node
}

export interface RecognisedChain {
  run: CallRun
  segments: ChainSegment[]
  /** The head was an import we could not follow; the chain was assumed (conservatively). */
  assumed: boolean
}

export interface LookupContext {
  config: Config
  cache: ModuleCache
  resolve: Resolver
  readFile?: (file: string) => Promise<string | null>
}

const isStringish = (node: t.Node | undefined): string | null => {
  if (!node) return null
  if (node.type === 'StringLiteral') return node.value
  if (node.type === 'TemplateLiteral' && node.expressions.length === 0) return node.quasis[0].value.cooked ?? null
  return null
}

const isFalseLiteral = (node: t.Node | undefined): boolean => {
  if (!node) return false
  const n = unwrap(node)
  if (n.type === 'BooleanLiteral') return !n.value
  if (n.type === 'ObjectExpression') {
    for (const p of n.properties) {
      if (p.type !== 'ObjectProperty' || p.computed) continue
      const key = p.key.type === 'Identifier' ? p.key.name : isStringish(p.key)
      if (key === 'enabled' && unwrap(p.value).type === 'BooleanLiteral') return !(unwrap(p.value) as t.BooleanLiteral).value
    }
  }
  return false
}

export class Classifier {
  private readonly memo = new Map<Binding, Promise<Value>>()
  private readonly active = new Set<Binding>()
  private readonly exportMemo = new Map<string, Promise<Value>>()
  /** Other modules read while following heads: a change to any of them changes this module's output. */
  readonly dependencies = new Set<string>()

  constructor(private readonly ctx: LookupContext) {}

  /** What a binding holds. Cycles resolve to null. */
  binding(binding: Binding, module: ModuleAnalysis): Promise<Value> {
    let found = this.memo.get(binding)
    if (!found) {
      if (this.active.has(binding)) return Promise.resolve(null)
      this.active.add(binding)
      found = this.computeBinding(binding, module).finally(() => this.active.delete(binding))
      this.memo.set(binding, found)
    }
    return found
  }

  private async computeBinding(binding: Binding, module: ModuleAnalysis): Promise<Value> {
    if (binding.kind === 'import') return this.imported(binding.importSource!, binding.imported!, module.id, new Set())
    if (binding.init && (binding.kind === 'const' || binding.kind === 'let' || binding.kind === 'var')) {
      return this.expression(binding.init, binding.scope, module)
    }
    return null
  }

  /** A name imported from `source` by `importer`. */
  private async imported(source: string, name: string, importer: string, seen: Set<string>): Promise<Value> {
    const { config } = this.ctx
    const heads = config.headImports.get(source)
    const containers = config.containerImports.get(source)
    if (heads || containers) {
      if (name === '*') return { kind: 'pkgNamespace', source }
      const family = heads?.get(name)
      if (family) return { kind: 'head', family }
      const container = containers?.get(name)
      if (container) return { kind: 'container', ...container }
      return null
    }
    const file = await this.ctx.cache.resolve(this.ctx.resolve, source, importer)
    if (!file) return { kind: 'unknown', source }
    if (!isFollowable(file)) return null
    if (name === '*') return { kind: 'appNamespace', file }
    return this.exported(file, name, seen)
  }

  /** An export of another module of the app: named, default, re-exported, or through `export *`. */
  exported(file: string, name: string, seen: Set<string>): Promise<Value> {
    const key = file + '\0' + name
    if (seen.has(key)) return Promise.resolve(null) // an import cycle
    let found = this.exportMemo.get(key)
    if (!found) {
      const next = new Set(seen).add(key)
      found = this.computeExported(file, name, next)
      this.exportMemo.set(key, found)
    }
    return found
  }

  private async computeExported(file: string, name: string, seen: Set<string>): Promise<Value> {
    this.dependencies.add(file)
    const module = await this.ctx.cache.get(file, this.ctx.config.walkOptions, this.ctx.readFile)
    if (!module) return { kind: 'unknown', source: file }
    const target = module.exports.get(name)
    if (target) {
      if (target.kind === 'local') {
        const binding = module.module.names?.get(target.local)
        return binding ? this.binding(binding, module) : null
      }
      if (target.kind === 'expression') return this.expression(target.node, module.module, module)
      return this.imported(target.source, target.imported, file, seen)
    }
    if (name === 'default') return null
    for (const star of module.stars) {
      const value = await this.imported(star, name, file, seen)
      if (value && value.kind !== 'unknown') return value
    }
    return null
  }

  /** What an expression evaluates to, chain-wise. */
  async expression(node: t.Node, scope: Scope, module: ModuleAnalysis): Promise<Value> {
    const n = unwrap(node)
    switch (n.type) {
      case 'Identifier': {
        const binding = scope.lookup(n.name)
        return binding ? this.binding(binding, module) : null
      }
      case 'MemberExpression': {
        const name = n.computed ? isStringish(n.property) : n.property.type === 'Identifier' ? n.property.name : null
        if (name === null) return null
        const object = await this.expression(n.object, scope, module)
        return this.member(object, name, module.id)
      }
      case 'CallExpression': {
        const callee = unwrap(n.callee)
        if (callee.type === 'MemberExpression' || callee.type === 'OptionalMemberExpression') {
          const run = unwindRun(n, this.ctx.config.walkOptions.pointMembers)
          const { base, from } = await this.runBase(run.segments, run.base, scope, module)
          return interpret(this.ctx.config, from ? run.segments.slice(from) : run.segments, base).value
        }
        const value = await this.expression(callee, scope, module)
        if (value?.kind === 'head') return { kind: 'chain', family: value.family, point: null }
        // SPEC 7.1: a chain handed to an unknown function escapes; segments on the result are suspect
        for (const arg of n.arguments) {
          if (arg.type === 'SpreadElement' || arg.type === 'ArgumentPlaceholder') continue
          const argValue = await this.expression(arg, scope, module)
          if (argValue && (argValue.kind === 'chain' || argValue.kind === 'head')) return { kind: 'escaped', family: argValue.family, node: arg }
        }
        return null
      }
      default:
        return null
    }
  }

  /**
   * What a run's segments are called on. A run that starts by calling a
   * namespace member (`tk.createActions().context()`) starts at that call: the
   * head function's result is the chain's base, and the call is not a segment.
   */
  async runBase(segments: Segment[], baseNode: t.Node, scope: Scope, module: ModuleAnalysis): Promise<{ base: Value; from: number }> {
    const base = await this.expression(baseNode, scope, module)
    const first = segments[0]
    if (base && (base.kind === 'pkgNamespace' || base.kind === 'appNamespace') && first?.name && !first.viaMember && !first.computed) {
      const head = await this.member(base, first.name, module.id)
      if (head?.kind === 'head') return { base: { kind: 'chain', family: head.family, point: null }, from: 1 }
      return { base: null, from: 1 }
    }
    return { base, from: 0 }
  }

  async member(object: Value, name: string, importer: string): Promise<Value> {
    if (!object) return null
    if (object.kind === 'pkgNamespace') return this.imported(object.source, name, importer, new Set())
    if (object.kind === 'appNamespace') return this.exported(object.file, name, new Set())
    return null
  }

  /** Escapes and destructured methods found by the last `recognise`. */
  suspects: Suspect[] = []

  /** The chains of the module being transformed. */
  async recognise(module: ModuleAnalysis): Promise<RecognisedChain[]> {
    const { config } = this.ctx
    const chains: RecognisedChain[] = []
    this.suspects = []
    const claimed = new Set<CallRun>()

    const bases = await Promise.all(module.runs.map((run) => this.runBase(run.segments, run.base, run.scope, module)))
    for (let i = 0; i < module.runs.length; i++) {
      const run = module.runs[i]
      const { base, from } = bases[i]
      const segments = from ? run.segments.slice(from) : run.segments
      const result = interpret(config, segments, base)
      if (result.segments.length) {
        chains.push({ run, segments: result.segments, assumed: result.assumed })
        claimed.add(run)
      } else if (base?.kind === 'escaped') {
        this.suspects.push({ kind: 'escaped', family: base.family, names: segments.map((s) => s.name!).filter(Boolean), node: run.base })
      }
    }
    for (const { pattern, init, scope } of module.destructured) {
      const value = await this.expression(init, scope, module)
      if (!value || (value.kind !== 'chain' && value.kind !== 'head')) continue
      const names = pattern.properties.flatMap((p) =>
        p.type === 'ObjectProperty' && !p.computed && p.key.type === 'Identifier' ? [p.key.name] : p.type === 'RestElement' ? ['...'] : [],
      )
      this.suspects.push({ kind: 'destructured', family: value.family, names, node: pattern })
    }

    // SPEC 3.2: every builder chain inside a container (`createTailorKit({ actions })`) is cut,
    // even when its head cannot be traced
    for (const { call, callee, scope } of module.containerCalls) {
      const value = await this.expression(callee, scope, module)
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
            assumed: false,
          })
          claimed.add(run)
        }
      }
    }
    chains.sort((a, b) => a.run.outer.start! - b.run.outer.start!)
    return chains
  }
}

interface Interpretation {
  segments: ChainSegment[]
  value: Value
  assumed: boolean
}

/**
 * Reads a run's segments left to right from what its base is: which family
 * and point each segment belongs to. Points open at `X.lets(...)`: the
 * explicit form whatever `X` is, the short form only when `X` traces to the
 * family (or to an import that could not be followed — assumed, to fail safe).
 */
export function interpret(config: Config, segments: Segment[], base: Value): Interpretation {
  let family: ChainFamily | null = base && (base.kind === 'head' || base.kind === 'chain') ? base.family : null
  let point: PointState | null = base?.kind === 'chain' && base.point ? { ...base.point } : null
  const unknownBase = base?.kind === 'unknown'
  let assumed = false
  const out: ChainSegment[] = []

  for (const segment of segments) {
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
      if (pointFamily) {
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
    const points = family.points
    if (points && point && name && !opener) {
      if (name === points.ssrMethod && isFalseLiteral(segment.call.arguments[0])) point.ssrOff = true
      if (name === points.clientOnlyMethod) point.clientOnly = true
    }
  }
  // Fail safe: a builder whose import could not be followed, calling two or more of a family's
  // methods of which one is cut somewhere (`.input(...).handler(fn)`), is taken for that family.
  if (!family && unknownBase && !out.length) {
    for (const candidate of config.families) {
      if (candidate.points) continue
      const known = segments.filter((s) => s.name && (Object.prototype.hasOwnProperty.call(candidate.segments, s.name) || candidate.closers?.includes(s.name)))
      const cuts = known.some((s) => {
        const row = candidate.segments[s.name!]
        return row && ((row.client && row.client !== 'keep') || (row.server && row.server !== 'keep'))
      })
      if (known.length >= 2 && cuts) {
        family = candidate
        assumed = true
        for (const segment of segments) out.push({ segment, family, point: null, clientOnlyBefore: false, opener: null })
        break
      }
    }
  }
  const value: Value = family ? { kind: 'chain', family, point } : base
  return { segments: out, value, assumed }
}
