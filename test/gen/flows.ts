/**
 * Random small apps (one to three modules) in which a value flows from a chain head to a
 * cut-method call through a random composition of flows, for test/property-flows.test.ts.
 *
 * fast-check draws plain data (`AppGen`, `FakeGen`: small numbers that shrink well);
 * `renderApp` / `renderFake` turn it into module texts (the last one calls the cut method)
 * plus what the invariants need: the secrets planted in the cut arguments, whether every
 * flow is one the README documents as followed, and, for look-alikes, where each
 * `.loader` / `.handler` call is.
 *
 * The value goes through stages: a point0 root, `root.lets` read as a value, a chain (point0
 * or TailorKit), TailorKit's `createActions()` builder; or it is a look-alike object all along.
 * Each flow takes an expression of the current stage and gives another expression of the same
 * stage (adding declarations, helpers, imports or whole modules, up to three app modules).
 * A container or a function that holds the value (object, array, static field, thunk) can
 * have the next flows act on it before the value is read back (`id(box).v`): flows nest.
 * Transitions move from one stage to the next (`.lets`, `('GET', '/x')`,
 * `.lets('GET', '/x')`, `.lets.query()`, `.context()`), inline or inside a helper the value
 * is handed to, and a sink calls the cut method (directly, or inside a helper the value is
 * handed to). Decoys call the same helpers with look-alikes first.
 */
import fc from 'fast-check'

// ---------------------------------------------------------------------------
// The drawn data

export interface FlowGen {
  kind: number
  variant: number
  /** which stage of the value the flow applies to (taken modulo the number of stages) */
  stage: number
  /**
   * for a container or a function holding the value (object, array, static field, thunk): how
   * many of the next flows act on the container / function itself before the value is read
   * back out of it (`const box = { v: E }; id(box).v`): flows nest
   */
  span: number
}

export interface AppGen {
  tk: boolean
  /** point0: 0 `root.lets('GET', '/x')`, 1 `root.lets.query()`, 2 `const lets = root.lets` then `lets('GET', '/x')` */
  path: number
  /** point0 root spelling: 0 `Point0.lets('root', 'main').root()`, 1 `Point0.lets.root('main').root()` */
  rootForm: number
  /** TailorKit: 0 `.context()`, 1 `.context<{ userId: string }>()` */
  contextForm: number
  flows: FlowGen[]
  /**
   * how each transition between stages is written: 0 inline, 1 inside a local function the
   * value is handed to (`function open(p) { return p.lets('GET', '/x') }`), 2 the same as a
   * local arrow, 3 the same exported from the helpers module and imported
   */
  transit: number[]
  /**
   * 0 direct `E.loader(fn)`, 1 `function withLoader(p) { return p.loader(fn) }`, 2 the same as
   * an arrow; 3 the same but exported (its parameter is untraced: not a documented flow)
   */
  sink: number
  closer: boolean
  exportResult: boolean
  /**
   * every identity helper and the sink's helper are also called, earlier in the module, with a
   * look-alike object (`id(decoy).loader(() => 'DECOY')`): what chaincut learns about a helper
   * from one call must not decide another
   */
  decoy: boolean
}

export interface FakeGen {
  flows: FlowGen[]
  /** 0 direct, 1 local function helper, 2 local arrow helper */
  sink: number
  /** methods called on the look-alike in one run, 0 loader / 1 handler */
  methods: number[]
  exportResult: boolean
}

/**
 * The flows. `wrap` (a chain handed to a function from an import that cannot be resolved) is
 * the only one the README does not promise to follow: there chaincut may refuse (a finding)
 * or cut to fail safe, but never leak.
 */
export const FLOWS = [
  'alias', // const v = E; v
  'localIdArrow', // const id = (p) => p; id(E)
  'localIdFunction', // function id(p) { return p }; id(E)
  'localThunk', // const mk = () => E; mk()  |  function mk() { return E }; mk()
  'iife', // (() => E)()  |  (function () { return E })()
  'exportedId', // helpers.ts: export function id(p) { return p }; import { id }; id(E)
  'exportedThunk', // E moves to a module: export function mk() { return E }; import { mk }; mk()
  'object', // const box = { other: 1, v: E }; box.v  (nested, shorthand)
  'array', // const arr = [E]; arr[0]  |  [null, E]; arr[1]
  'staticField', // class K { static v = E }; K.v
  'conditional', // c ? E : E  |  flag ? null : E
  'nullish', // none ?? E  |  (undefined as any) ?? E  |  none || E
  'tsAs', // (E as any)  |  (<any>E)
  'tsSatisfies', // (E satisfies unknown)
  'tsNonNull', // E!
  'barrel', // E moves to a module, re-exported by a barrel, read off a namespace import
  'moduleExport', // E moves to a module: export const v = E (or export default E); import it
  'wrap', // import { wrap } from an unresolvable package; wrap(E)
  // every write form of a name
  'nullishAssign', // let v; v ??= E
  'destructAssign', // let v; ({ v } = { v: E })
  'tsTarget', // let v = 0; (v as any) = E
  'forOf', // let v; for (v of [E]) {}
  // built-ins by their table
  'arrayMap', // [0].map(() => E)[0]
  'arrayFrom', // Array.from({ length: 1 }, () => E)[0]
  'promiseThen', // await Promise.resolve(0).then(() => E)
  'protoLink', // const o = { __proto__: { v: E } }; o.v
  'staticBlock', // class K { static v; static { this.v = E } }; K.v
  'thisInMethod', // const o = { init() { this.v = E } }; o.init(); o.v
  // members set by code through other names: the proofs' near-misses, followed or refused, never a leak
  'expando', // function f() {}; f.v = E; f.v
  'aliasWrite', // const o = { v: null }; const a = o; a.v = E; o.v
  'mapSet', // const m = new Map(); m.set('k', E); m.get('k')
] as const
export type FlowKind = (typeof FLOWS)[number]

/** Flows where a member is set by code chaincut sees only by its shape: a finding or a cut, like `wrap`. */
const NEAR_MISSES: ReadonlySet<FlowKind> = new Set(['wrap', 'expando', 'aliasWrite', 'mapSet'])

/** The flows chaincut documents as followed (README, Soundness): all but `wrap` and the near-misses. */
export const FOLLOWED: ReadonlySet<FlowKind> = new Set(FLOWS.filter((f) => !NEAR_MISSES.has(f)))

/**
 * Exploring past an open bug: CHAINCUT_FUZZ_AVOID=<flow>,<flow> (names from FLOWS, or
 * `<stage>:<flow>` for one flow at one stage, e.g. `lets:array`, or `shortForm` / `letsValue`
 * for the point0 paths, `fakeRun` for one method call per look-alike run, `nest` for no nested
 * flows, `indexCall` for no call right on an array element `arr[0](...)`)
 * steers the generator around them so a long run can look for other failures while that bug
 * is open. Never set it in CI.
 */
const AVOID = new Set((process.env.CHAINCUT_FUZZ_AVOID ?? '').split(',').filter(Boolean))

const flowArb = (kinds: readonly FlowKind[]): fc.Arbitrary<FlowGen> => {
  const allowed = kinds.filter((k) => !AVOID.has(k))
  return fc.record({
    kind: fc.constantFrom(...allowed.map((k) => FLOWS.indexOf(k))),
    variant: fc.nat({ max: 5 }),
    stage: fc.nat({ max: 2 }),
    span: fc.nat({ max: 3 }),
  })
}

const FOLLOWED_KINDS = FLOWS.filter((f) => FOLLOWED.has(f))
const paths = [0, 1, 2].filter((p) => !(p === 1 && AVOID.has('shortForm')) && !(p === 2 && AVOID.has('letsValue')))

function appArb(kinds: readonly FlowKind[], sinks: number): fc.Arbitrary<AppGen> {
  return fc.record({
    tk: fc.boolean(),
    path: fc.constantFrom(...paths),
    rootForm: fc.nat({ max: 1 }),
    contextForm: fc.nat({ max: 1 }),
    flows: fc.array(flowArb(kinds), { minLength: 1, maxLength: 4 }),
    transit: fc.array(fc.nat({ max: 3 }), { minLength: 2, maxLength: 2 }),
    sink: fc.nat({ max: sinks - 1 }),
    closer: fc.boolean(),
    exportResult: fc.boolean(),
    decoy: fc.boolean(),
  })
}

/** Apps whose every flow is documented as followed: chaincut must cut, never refuse. */
export const followedAppArb = appArb(FOLLOWED_KINDS, 3)
/** Apps with any flow, `wrap(...)` included (drawn often enough to matter). */
export const anyAppArb = fc
  .record({ app: appArb(FLOWS, 4), wrapAt: fc.option(fc.nat({ max: 3 }), { nil: null, freq: 2 }), wrapVariant: fc.nat({ max: 2 }), wrapStage: fc.nat({ max: 2 }) })
  .map(({ app, wrapAt, wrapVariant, wrapStage }): AppGen => {
    if (wrapAt === null || AVOID.has('wrap')) return app
    // make sure a good share of apps hand the value to an unknown function somewhere
    const flows = [...app.flows]
    flows.splice(Math.min(wrapAt, flows.length, 3), 0, { kind: FLOWS.indexOf('wrap'), variant: wrapVariant, stage: wrapStage, span: 0 })
    return { ...app, flows: flows.slice(0, 4) }
  })

/** Look-alikes flow through everything that keeps them provably not a chain (not `wrap`). */
export const fakeArb: fc.Arbitrary<FakeGen> = fc.record({
  flows: fc.array(flowArb(FOLLOWED_KINDS), { minLength: 1, maxLength: 4 }),
  sink: fc.nat({ max: 2 }),
  methods: fc.array(fc.nat({ max: 1 }), { minLength: 1, maxLength: 2 }),
  exportResult: fc.boolean(),
})

// ---------------------------------------------------------------------------
// Rendering

export interface AppModule {
  /** file name inside the app folder, e.g. `a.ts` */
  name: string
  code: string
}

export interface RenderedApp {
  /** app modules in dependency order; the last one calls the cut method */
  modules: AppModule[]
  /** extra files the app imports that are not part of the flow (`db.server.ts`) */
  support: AppModule[]
  /** strings that must not survive in any client output */
  secrets: string[]
  /** the flows as applied (after falling back when out of modules), in order */
  applied: string[]
  /** every flow applied is one chaincut documents as followed */
  followed: boolean
}

export interface RenderedFake extends RenderedApp {
  /** the look-alike's `.loader` / `.handler` calls in the last module: method and 1-based line / 0-based column of the method name */
  calls: Array<{ method: string; line: number; column: number }>
}

interface Expr {
  text: string
  /** a member access or call can be written right after it without parentheses */
  atomic: boolean
}

/** what the value is; `box` / `fn`: a container or a function holding it (inside a nested flow) */
type Stage = 'root' | 'lets' | 'chain' | 'builder' | 'fake' | 'box' | 'fn'

interface Mod {
  name: string
  imports: string[]
  decls: string[]
}

const MAX_MODULES = 3
const FILE_NAMES = ['a', 'b', 'c']

class Writer {
  mods: Mod[] = []
  cur: Mod
  helpers: Mod | null = null
  n = 0
  applied: string[] = []
  /** the cut method decoys call, when the app has decoys */
  decoy: string | null = null
  private decoys = new Set<Mod>()
  constructor() {
    this.cur = this.newModule()
  }
  newModule(name?: string): Mod {
    const mod: Mod = { name: name ?? FILE_NAMES[this.mods.length], imports: [], decls: [] }
    this.mods.push(mod)
    return mod
  }
  /** modules still free under the budget */
  get free(): number {
    return MAX_MODULES - this.mods.length
  }
  id(): number {
    return ++this.n
  }
  /** A look-alike object in the current module, declared on first use. */
  decoyObject(): string {
    if (!this.decoys.has(this.cur)) {
      this.decoys.add(this.cur)
      this.cur.decls.push(`const decoy = {\n  loader(f: any) {\n    return this\n  },\n  handler(f: any) {\n    return this\n  },\n}`)
    }
    return 'decoy'
  }
  /** With decoys: `helper` is first called with a look-alike, whose cut-method call must stay as it is or be cut, never decide the chain's. */
  callDecoy(helper: string, n: number): void {
    if (!this.decoy) return
    const object = this.decoyObject()
    this.cur.decls.push(`const decoy${n} = ${helper}(${object}).${this.decoy}(() => 'DECOY_${n}')`)
  }
}

const paren = (e: Expr) => (e.atomic ? e.text : `(${e.text})`)
const atom = (text: string): Expr => ({ text, atomic: true })
const spec = (mod: Mod) => `./${mod.name}`

/**
 * Applies one flow to `e`; falls back to an in-module flow when out of modules. A container or
 * a function that holds the value gives it (`out`) with `unwrap`, which reads the value back.
 */
function applyFlow(w: Writer, flow: FlowGen, e: Expr, stage: Stage): { out: Expr; unwrap?: (x: Expr) => Expr; inner?: Stage } {
  let kind = FLOWS[flow.kind % FLOWS.length]
  const v = flow.variant
  // out of modules: the in-module flow closest in shape
  if (kind === 'barrel' && w.free < 2) kind = w.free >= 1 ? 'moduleExport' : 'object'
  if ((kind === 'moduleExport' || kind === 'exportedThunk') && w.free < 1) kind = kind === 'moduleExport' ? 'alias' : 'localThunk'
  if (kind === 'exportedId' && !w.helpers && w.free < 1) kind = 'localIdFunction'
  // CHAINCUT_FUZZ_AVOID=<stage>:<flow> steers around one flow at one stage only
  if (AVOID.has(`${stage}:${kind}`)) kind = 'alias'
  const n = w.id()
  const cur = w.cur
  let label: string = kind
  let out: Expr
  let unwrap: ((x: Expr) => Expr) | undefined
  let inner: Stage = 'box'
  switch (kind) {
    case 'alias':
      switch (v % 3) {
        case 0:
          cur.decls.push(`const v${n} = ${e.text}`)
          break
        case 1:
          cur.decls.push(`const { v${n} } = { v${n}: ${e.text} }`)
          label += '({ v } =)'
          break
        default:
          cur.decls.push(`const [v${n}] = [${e.text}]`)
          label += '([v] =)'
      }
      out = atom(`v${n}`)
      break
    case 'localIdArrow':
      cur.decls.push(v % 2 ? `const id${n} = <T>(p: T): T => p` : `const id${n} = (p: any) => p`)
      w.callDecoy(`id${n}`, n)
      out = atom(`id${n}(${e.text})`)
      label += v % 2 ? '(generic)' : ''
      break
    case 'localIdFunction':
      cur.decls.push(v % 2 ? `function id${n}<T>(p: T): T {\n  return p\n}` : `function id${n}(p: any) {\n  return p\n}`)
      w.callDecoy(`id${n}`, n)
      out = atom(`id${n}(${e.text})`)
      label += v % 2 ? '(generic)' : ''
      break
    case 'localThunk':
      cur.decls.push(v % 2 ? `function mk${n}() {\n  return ${e.text}\n}` : `const mk${n} = () => ${e.text}`)
      out = atom(`mk${n}`)
      unwrap = (x) => atom(`${paren(x)}()`)
      inner = 'fn'
      label += v % 2 ? '(function)' : '(arrow)'
      break
    case 'iife':
      out = atom(v % 2 ? `(function () {\n  return ${e.text}\n})()` : `(() => ${e.text})()`)
      label += v % 2 ? '(function)' : '(arrow)'
      break
    case 'exportedId': {
      if (!w.helpers) w.helpers = w.newModule('helpers')
      w.helpers.decls.push(v % 2 ? `export const id${n} = (p: any) => p` : `export function id${n}(p: any) {\n  return p\n}`)
      cur.imports.push(`import { id${n} } from '${spec(w.helpers)}'`)
      w.callDecoy(`id${n}`, n)
      out = atom(`id${n}(${e.text})`)
      label += v % 2 ? '(arrow)' : '(function)'
      break
    }
    case 'exportedThunk': {
      cur.decls.push(v % 2 ? `export const mk${n} = () => ${e.text}` : `export function mk${n}() {\n  return ${e.text}\n}`)
      const next = w.newModule()
      next.imports.push(`import { mk${n} } from '${spec(cur)}'`)
      w.cur = next
      out = atom(`mk${n}`)
      unwrap = (x) => atom(`${paren(x)}()`)
      inner = 'fn'
      label += v % 2 ? '(arrow)' : '(function)'
      break
    }
    case 'object':
      switch (v % 3) {
        case 0:
          cur.decls.push(`const box${n} = { other: 1, v${n}: ${e.text} }`)
          unwrap = (x) => atom(`${paren(x)}.v${n}`)
          break
        case 1:
          cur.decls.push(`const box${n} = { inner: { v: ${e.text} } }`)
          unwrap = (x) => atom(`${paren(x)}.inner.v`)
          label += '(nested)'
          break
        default:
          cur.decls.push(`const v${n} = ${e.text}`, `const box${n} = { v${n} }`)
          unwrap = (x) => atom(`${paren(x)}.v${n}`)
          label += '(shorthand)'
      }
      out = atom(`box${n}`)
      break
    case 'array':
      if (v % 2) cur.decls.push(`const arr${n} = [null, ${e.text}]`)
      else cur.decls.push(`const arr${n} = [${e.text}]`)
      label += `[${v % 2}]`
      unwrap = (x) => {
        const read = `${paren(x)}[${v % 2}]`
        if (!AVOID.has('indexCall')) return atom(read)
        // never call an element right where it is read: `arr[0](...)`
        w.cur.decls.push(`const el${n} = ${read}`)
        return atom(`el${n}`)
      }
      out = atom(`arr${n}`)
      break
    case 'nullishAssign':
      cur.decls.push(`let v${n}: any`, `v${n} ??= ${e.text}`)
      out = atom(`v${n}`)
      break
    case 'destructAssign':
      cur.decls.push(`let v${n}: any`, `;({ v${n} } = { v${n}: ${e.text} })`)
      out = atom(`v${n}`)
      break
    case 'tsTarget':
      cur.decls.push(`let v${n}: any = 0`, `;(v${n} as any) = ${e.text}`)
      out = atom(`v${n}`)
      break
    case 'forOf':
      cur.decls.push(`let v${n}: any`, `for (v${n} of [${e.text}]) {}`)
      out = atom(`v${n}`)
      break
    case 'arrayMap':
    case 'arrayFrom':
      cur.decls.push(kind === 'arrayMap' ? `const arr${n} = [0].map(() => ${e.text})` : `const arr${n} = Array.from({ length: 1 }, () => ${e.text})`)
      out = atom(`arr${n}`)
      unwrap = (x) => atom(`${paren(x)}[0]`)
      break
    case 'promiseThen':
      cur.decls.push(`const v${n} = await Promise.resolve(0).then(() => ${e.text})`)
      out = atom(`v${n}`)
      break
    case 'protoLink':
      cur.decls.push(`const box${n}: any = { __proto__: { v: ${e.text} } }`)
      out = atom(`box${n}`)
      unwrap = (x) => atom(`${paren(x)}.v`)
      break
    case 'staticBlock':
      cur.decls.push(`class K${n} {\n  static v: any\n  static {\n    this.v = ${e.text}\n  }\n}`)
      out = atom(`K${n}`)
      unwrap = (x) => atom(`${paren(x)}.v`)
      break
    case 'thisInMethod':
      cur.decls.push(`const box${n}: any = {\n  init() {\n    this.v = ${e.text}\n  },\n}`, `box${n}.init()`)
      out = atom(`box${n}`)
      unwrap = (x) => atom(`${paren(x)}.v`)
      break
    case 'expando':
      cur.decls.push(`function f${n}() {}`, `;(f${n} as any).v = ${e.text}`)
      out = atom(`(f${n} as any)`)
      unwrap = (x) => atom(`${paren(x)}.v`)
      break
    case 'aliasWrite':
      cur.decls.push(`const box${n}: any = { v: null }`, `const alias${n} = box${n}`, `alias${n}.v = ${e.text}`)
      out = atom(`box${n}`)
      unwrap = (x) => atom(`${paren(x)}.v`)
      break
    case 'mapSet':
      cur.decls.push(`const m${n} = new Map<string, any>()`, `m${n}.set('k', ${e.text})`)
      out = atom(`m${n}`)
      unwrap = (x) => atom(`${paren(x)}.get('k')`)
      break
    case 'staticField':
      cur.decls.push(`class K${n} {\n  static ${v % 2 ? 'readonly ' : ''}v = ${e.text}\n}`)
      out = atom(`K${n}`)
      unwrap = (x) => atom(`${paren(x)}.v`)
      break
    case 'conditional':
      switch (v % 3) {
        case 0:
          out = { text: `Math.random() > 0.5 ? ${paren(e)} : ${paren(e)}`, atomic: false }
          label += '(c ? E : E)'
          break
        case 1:
          cur.decls.push(`const flag${n} = typeof window === 'undefined'`)
          out = { text: `flag${n} ? ${paren(e)} : ${paren(e)}`, atomic: false }
          label += '(flag ? E : E)'
          break
        default:
          cur.decls.push(`const flag${n} = typeof window === 'undefined'`)
          out = { text: `flag${n} ? null : ${paren(e)}`, atomic: false }
          label += '(flag ? null : E)'
      }
      break
    case 'nullish':
      switch (v % 3) {
        case 0:
          cur.decls.push(`const none${n}: any = undefined`)
          out = { text: `none${n} ?? ${paren(e)}`, atomic: false }
          label += '(none ?? E)'
          break
        case 1:
          out = { text: `(undefined as any) ?? ${paren(e)}`, atomic: false }
          label += '(undefined ?? E)'
          break
        default:
          cur.decls.push(`const none${n}: any = undefined`)
          out = { text: `none${n} || ${paren(e)}`, atomic: false }
          label += '(none || E)'
      }
      break
    case 'tsAs':
      out = atom(v % 2 ? `(<any>${paren(e)})` : `(${paren(e)} as any)`)
      label += v % 2 ? '(<any>)' : '(as any)'
      break
    case 'tsSatisfies':
      out = atom(`(${paren(e)} satisfies unknown)`)
      break
    case 'tsNonNull':
      out = atom(`${paren(e)}!`)
      break
    case 'barrel': {
      cur.decls.push(`export const v${n} = ${e.text}`)
      const barrel = w.newModule('barrel')
      const star = v % 2 === 1
      barrel.decls.push(star ? `export * from '${spec(cur)}'` : `export { v${n} as w${n} } from '${spec(cur)}'`)
      const next = w.newModule()
      next.imports.push(`import * as ns${n} from '${spec(barrel)}'`)
      w.cur = next
      out = atom(star ? `ns${n}.v${n}` : `ns${n}.w${n}`)
      label += star ? '(export *)' : '(export { as })'
      break
    }
    case 'moduleExport': {
      const next = w.newModule()
      switch (v % 3) {
        case 0:
          cur.decls.push(`export const v${n} = ${e.text}`)
          next.imports.push(`import { v${n} } from '${spec(cur)}'`)
          out = atom(`v${n}`)
          break
        case 1:
          cur.decls.push(`export const v${n} = ${e.text}`)
          next.imports.push(`import { v${n} as u${n} } from '${spec(cur)}'`)
          out = atom(`u${n}`)
          label += '(renamed)'
          break
        default:
          cur.decls.push(`export default ${e.text}`)
          next.imports.push(`import d${n} from '${spec(cur)}'`)
          out = atom(`d${n}`)
          label += '(default)'
      }
      w.cur = next
      break
    }
    case 'wrap': {
      // an unresolvable package: named, default or namespace import
      const forms = [
        [`import { wrap } from 'chaincut-unknown-wrapper'`, 'wrap'],
        [`import wrapDefault from 'chaincut-unknown-wrapper-default'`, 'wrapDefault'],
        [`import * as wrapLib from 'chaincut-unknown-wrapper-ns'`, 'wrapLib.wrap'],
      ]
      const [line, callee] = forms[v % 3]
      if (!cur.imports.includes(line)) cur.imports.push(line)
      out = atom(`${callee}(${e.text})`)
      label += `(${callee})`
      break
    }
  }
  w.applied.push(`${stage}:${label}${unwrap ? ' {' : ''}`)
  return { out: out!, unwrap, inner }
}

/** Applies a list of flows; a container's or function's `span` next flows act on it before the value is read back. */
function applyFlows(w: Writer, flows: FlowGen[], e: Expr, stage: Stage): Expr {
  for (let i = 0; i < flows.length; i++) {
    const { out, unwrap, inner } = applyFlow(w, flows[i], e, stage)
    if (!unwrap) {
      e = out
      continue
    }
    const span = AVOID.has('nest') ? 0 : Math.min(flows[i].span, flows.length - i - 1)
    e = unwrap(applyFlows(w, flows.slice(i + 1, i + 1 + span), out, inner!))
    w.applied.push('}')
    i += span
  }
  return e
}

function render(w: Writer, extra: { imports: string[]; decls: string[] }): AppModule[] {
  const last = w.cur
  last.imports.push(...extra.imports)
  last.decls.push(...extra.decls)
  // the helpers module holds only exported identity helpers; the last module is the one that calls the cut method
  const order = [...w.mods.filter((m) => m !== last), last]
  return order.map((m) => ({
    name: `${m.name}.ts`,
    code: [...m.imports, ...(m.imports.length ? [''] : []), ...m.decls.flatMap((d) => [d, ''])].join('\n'),
  }))
}

/** A step from one stage to the next: `op` writes it on a value; `form` says where (see AppGen.transit). */
function transition(w: Writer, form: number, op: (x: Expr) => string, e: Expr, label: string): Expr {
  let f = form % 4
  if (f === 3 && !w.helpers && w.free < 1) f = 1
  if (f === 0) return atom(op(e))
  const n = w.id()
  const body = op(atom('p'))
  if (f === 3) {
    w.helpers ??= w.newModule('helpers')
    w.helpers.decls.push(`export function open${n}(p: any) {\n  return ${body}\n}`)
    w.cur.imports.push(`import { open${n} } from '${spec(w.helpers)}'`)
  } else {
    w.cur.decls.push(f === 1 ? `function open${n}(p: any) {\n  return ${body}\n}` : `const open${n} = (p: any) => ${body}`)
  }
  w.applied.push(`${label} in ${f === 3 ? 'an exported helper' : f === 1 ? 'a local function' : 'a local arrow'}`)
  return atom(`open${n}(${e.text})`)
}

interface Step {
  op: (x: Expr) => string
  label: string
}

/** Applies the flows in stage order: flows of stage k before the transition out of stage k. */
function flowThrough(w: Writer, flows: FlowGen[], stages: Stage[], start: Expr, steps: Step[], forms: number[] = []): Expr {
  const byStage = stages.map((): FlowGen[] => [])
  for (const f of flows) byStage[f.stage % stages.length].push(f)
  let e = start
  stages.forEach((stage, k) => {
    e = applyFlows(w, byStage[k], e, stage)
    if (k < steps.length) e = transition(w, forms[k] ?? 0, steps[k].op, e, steps[k].label)
  })
  return e
}

export function renderApp(g: AppGen, secretId: number): RenderedApp {
  const w = new Writer()
  w.decoy = g.decoy ? (g.tk ? 'handler' : 'loader') : null
  const secret = `SECRET_${secretId}`
  let e: Expr
  let method: string
  if (g.tk) {
    w.cur.imports.push(`import { createActions } from 'tailorkit'`)
    const context = g.contextForm % 2 ? '.context<{ userId: string }>()' : '.context()'
    e = flowThrough(w, g.flows, ['builder', 'chain'], atom('createActions()'), [{ op: (x) => `${paren(x)}${context}`, label: 'builder→chain' }], g.transit)
    method = 'handler'
  } else {
    w.cur.imports.push(`import { Point0 } from '@point0/core'`)
    w.cur.decls.push(g.rootForm % 2 ? `const root = Point0.lets.root('main').root()` : `const root = Point0.lets('root', 'main').root()`)
    const path = g.path % 3
    if (path === 2) {
      e = flowThrough(
        w,
        g.flows,
        ['root', 'lets', 'chain'],
        atom('root'),
        [
          { op: (x) => `${paren(x)}.lets`, label: 'root→lets' },
          { op: (x) => `${paren(x)}('GET', '/x')`, label: 'lets→chain' },
        ],
        g.transit,
      )
    } else {
      const open = path === 1 ? `.lets.query()` : `.lets('GET', '/x')`
      e = flowThrough(w, g.flows, ['root', 'chain'], atom('root'), [{ op: (x) => `${paren(x)}${open}`, label: 'root→chain' }], g.transit)
    }
    method = 'loader'
  }
  const fn = `() => db.q('${secret}')`
  const n = w.id()
  const decls: string[] = []
  let call: string
  switch (g.sink % 4) {
    case 0:
      call = `${paren(e)}.${method}(${fn})`
      break
    case 1:
      decls.push(`function with${n}(p: any) {\n  return p.${method}(${fn})\n}`)
      call = `with${n}(${e.text})`
      break
    case 2:
      decls.push(`const with${n} = (p: any) => p.${method}(${fn})`)
      call = `with${n}(${e.text})`
      break
    default:
      decls.push(`export function with${n}(p: any) {\n  return p.${method}(${fn})\n}`)
      call = `with${n}(${e.text})`
      w.applied.push('sink:exported helper')
  }
  if (g.sink % 4 && g.decoy) decls.push(`const decoy${n} = with${n}(${w.decoyObject()})`)
  if (g.closer && !g.tk) call += '.action()'
  decls.push(`${g.exportResult ? 'export ' : ''}const result${n} = ${call}`)
  const modules = render(w, { imports: [`import { db } from './db.server'`], decls })
  return {
    modules,
    support: [{ name: 'db.server.ts', code: `export const db = { q: (s: string) => s }\n` }],
    secrets: [secret],
    applied: w.applied,
    followed: w.applied.every((a) => a !== 'sink:exported helper' && !NEAR_MISSES.has(/:(\w+)/.exec(a)?.[1] as FlowKind)),
  }
}

export function renderFake(g: FakeGen, secretId: number): RenderedFake {
  const w = new Writer()
  w.cur.decls.push(`const fake = {\n  loader(f: any) {\n    return this\n  },\n  handler(f: any) {\n    return this\n  },\n}`)
  const e = flowThrough(w, g.flows, ['fake'], atom('fake'), [])
  let methods = g.methods.map((m) => (m % 2 ? 'handler' : 'loader'))
  if (AVOID.has('fakeRun')) methods = methods.slice(0, 1)
  const secrets = methods.map((_, k) => `SECRET_${secretId}_${k}`)
  const segs = methods.map((m, k) => `.${m}(() => '${secrets[k]}')`).join('')
  const n = w.id()
  const decls: string[] = []
  let call: string
  switch (g.sink % 3) {
    case 0:
      call = `${paren(e)}${segs}`
      break
    case 1:
      decls.push(`function with${n}(p: any) {\n  return p${segs}\n}`)
      call = `with${n}(${e.text})`
      break
    default:
      decls.push(`const with${n} = (p: any) => p${segs}`)
      call = `with${n}(${e.text})`
  }
  decls.push(`${g.exportResult ? 'export ' : ''}const result${n} = ${call}`)
  const modules = render(w, { imports: [], decls })
  const last = modules[modules.length - 1].code
  return {
    modules,
    support: [],
    secrets,
    applied: w.applied,
    followed: true,
    calls: findCalls(last, methods),
  }
}

/** Where each `.loader(` / `.handler(` call is (the method name's position), in source order. */
function findCalls(code: string, methods: string[]): RenderedFake['calls'] {
  const calls: RenderedFake['calls'] = []
  const re = /\.(loader|handler)\(/g
  for (let m = re.exec(code); m; m = re.exec(code)) {
    const offset = m.index + 1
    const before = code.slice(0, offset)
    const line = before.split('\n').length
    calls.push({ method: m[1], line, column: offset - (before.lastIndexOf('\n') + 1) })
  }
  if (calls.length !== methods.length) throw new Error(`generator: expected ${methods.length} cut-method calls, found ${calls.length} in\n${code}`)
  return calls
}

/** The app as text, for failure messages and bug reports. */
export function showApp(app: RenderedApp): string {
  return app.modules.map((m) => `// --- ${m.name}\n${m.code}`).join('\n') + `\n// flows: ${app.applied.join(' → ') || '(none)'}`
}
