// The same job as chaincut's client transform, done "the usual way" with Babel:
//
//   1. `@babel/parser` parses the module (TypeScript, plus JSX for .tsx/.jsx);
//   2. `findReferencedIdentifiers` records what is referenced before the cut
//      (babel-dead-code-elimination's README recipe, so only what the cut made
//      unreferenced is pruned);
//   3. one `@babel/traverse` pass finds every chain (the outermost call of a
//      member-call run), classifies its head by binding with Babel's scope
//      analysis (point0 `X.lets('<type>'|'<VERB>', ...)`, short form
//      `X.lets.<type>()` on a binding that traces to `Point0` of '@point0/core',
//      TailorKit `createActions()` of 'tailorkit' by name, alias or namespace,
//      identifiers bound to such chains: chains split over a `const`), desugars
//      the short form and applies the preset's cut rules to the segments by
//      mutating their `arguments`;
//   4. `deadCodeElimination(ast, referenced)` prunes the imports and
//      declarations the cut left unreferenced (it re-crawls the scope itself);
//   5. `@babel/generator` prints the code and a source map.
//
// Written fairly: no extra passes, the cut mutates nodes in place (no
// `path.replaceWith` churn), each chain is walked once from its outermost call,
// binding classifications are memoized per declarator. It is simpler than
// chaincut where the corpus does not need more (no cross-module lookup, no
// container rule, no findings), which only makes it faster.
//
// The cut tables are the presets' own data (dist/presets/*.js once built), or a
// mirror of src/presets/*.ts before that.

import { parse } from '@babel/parser'
import _traverse from '@babel/traverse'
import _generate from '@babel/generator'
import * as t from '@babel/types'
import { deadCodeElimination, findReferencedIdentifiers } from 'babel-dead-code-elimination'
import { existsSync } from 'node:fs'
import { basename, dirname } from 'node:path'

const traverse = _traverse.default ?? _traverse
const generate = _generate.default ?? _generate

// ---------------------------------------------------------------------------
// tables

/** Mirror of src/presets/point0.ts and tailorkit.ts (used until dist/ exists). */
function mirroredFamilies() {
  const POINT_TYPES = [
    'page', 'layout', 'component', 'provider', 'query', 'infiniteQuery', 'mutation', 'action',
    'subscription', 'channel', 'space', 'serverHandler', 'clientHandler', 'root', 'base', 'plugin',
  ]
  const HTTP_VERBS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']
  const SOCKET = ['channel', 'channelOptions', 'space', 'spaceOptions', 'serverHandler', 'serverHandlerOptions', 'clientHandler', 'clientHandlerOptions']
  const RENDER_BASES = ['page', 'layout', 'component', 'provider', 'with', 'mapper', 'wrapper', 'head', 'loading', 'error']
  const RENDER_VARIANTS = ['Loading', 'Error', 'Head', 'Wrapper', 'Mapper', 'With', 'Provider']
  const RENDER = [...RENDER_BASES, ...['page', 'layout', 'component'].flatMap((p) => RENDER_VARIANTS.map((v) => p + v))]
  const rows = {}
  const set = (names, side, rule) => {
    for (const name of names) rows[name] = { ...rows[name], [side]: rule }
  }
  set(['input', 'loader', 'connector', 'joiner', 'enroller', 'action', 'headers', 'cookies', 'body', 'ctx', 'serverOn', 'serverOnPrefetchPage', 'middleware', 'response', 'description', 'openapi', 'models', 'clientSend', 'serverReply'], 'client', 'args')
  set(['params', 'search'], 'client', { rule: 'args', pointTypes: ['action'] })
  set(['clientReply'], 'client', 'afterFirst')
  set(SOCKET, 'client', { keys: ['server'] })
  set(['ssr'], 'client', 'ssrEnabledOnly')
  set(['clientLoader'], 'server', 'argsUnlessBoolean')
  set(['clientInput'], 'server', 'toEmptyObjectFn')
  set(['serverSend', 'scrollPosition', 'scrollRestore', 'prefetchPageOnNavigate', 'prefetchPageOnLinkHover', 'prefetchPagePolicy', 'clientOnPrefetchPage'], 'server', 'args')
  set(['clientOn'], 'server', 'lastArg')
  set(['clientReply'], 'server', 'firstToNoop')
  set(SOCKET, 'server', { keys: ['client'] })
  set(['subscription', 'subscriptionOptions'], 'server', { keys: ['onMessageFromServer', 'onConnect', 'onDisconnect', 'onError'] })
  set(RENDER, 'server', { rule: 'args', unlessServerRendered: true })
  const point0 = {
    name: 'point0',
    segments: rows,
    points: {
      member: 'lets', types: POINT_TYPES, verbs: HTTP_VERBS, verbType: 'action', desugar: true, ssr: false,
      extraSuffixes: { infiniteQuery: ['Query'], serverHandler: ['Handler'], clientHandler: ['Handler'] },
    },
    heads: [{ import: 'Point0', from: '@point0/core' }],
  }
  const tailorkit = { name: 'tailorkit', segments: { handler: { client: 'args' } }, heads: [{ import: 'createActions', from: 'tailorkit' }] }
  return [point0, tailorkit]
}

/** The preset tables: the built presets' own data when dist/ exists. */
export async function loadFamilies() {
  const dist = new URL('../dist/presets/', import.meta.url)
  if (existsSync(new URL('point0.js', dist)) && existsSync(new URL('tailorkit.js', dist))) {
    try {
      const { point0 } = await import(new URL('point0.js', dist).href)
      const { tailorkit } = await import(new URL('tailorkit.js', dist).href)
      return { families: [point0(), tailorkit()], source: 'dist/presets' }
    } catch {
      // fall through to the mirror
    }
  }
  return { families: mirroredFamilies(), source: 'mirror of src/presets' }
}

// ---------------------------------------------------------------------------
// the transform

function pluginsFor(id) {
  if (/\.[cm]?tsx$/.test(id)) return ['typescript', 'jsx']
  if (/\.[cm]?ts$/.test(id)) return ['typescript']
  if (/\.jsx$/.test(id)) return ['jsx']
  return []
}

const WRAPPERS = new Set(['TSAsExpression', 'TSSatisfiesExpression', 'TSNonNullExpression', 'TSInstantiationExpression', 'ParenthesizedExpression', 'TSTypeAssertion'])
const unwrap = (node) => {
  while (node && WRAPPERS.has(node.type)) node = node.expression
  return node
}

/** A chain from its outermost call down to its head. */
function readChain(top) {
  const segments = []
  let node = top
  for (;;) {
    node = unwrap(node)
    if (node.type === 'CallExpression') {
      const callee = unwrap(node.callee)
      if (callee.type === 'MemberExpression' && !callee.computed && callee.property.type === 'Identifier') {
        segments.push({ name: callee.property.name, call: node, member: callee })
        node = callee.object
        continue
      }
      segments.reverse()
      return { head: node, segments }
    }
    if (node.type === 'MemberExpression' && !node.computed && node.property.type === 'Identifier') {
      segments.push({ name: node.property.name, call: null, member: node })
      node = node.object
      continue
    }
    segments.reverse()
    return { head: node, segments }
  }
}

export async function createBaseline({ side = 'client' } = {}) {
  const { families, source } = await loadFamilies()
  const point0 = families.find((f) => f.name === 'point0')
  const tailorkit = families.find((f) => f.name === 'tailorkit')
  const points = point0.points
  const pointTypes = new Set(points.types)
  const verbs = new Set(points.verbs.map((v) => v.toUpperCase()))
  const p0Import = point0.heads.find((h) => h.import)
  const tkImport = tailorkit.heads.find((h) => h.import)

  function transform(code, id) {
    const ast = parse(code, { sourceType: 'module', plugins: pluginsFor(id) })
    const referenced = findReferencedIdentifiers(ast)
    const memo = new WeakMap() // declarator -> classification
    let changed = false

    /** What an identifier is bound to: a head import, or a chain held by a const. */
    function traceIdentifier(name, scope) {
      const binding = scope.getBinding(name)
      if (!binding) return null
      const path = binding.path
      if (binding.kind === 'module') {
        const decl = path.parent
        const from = decl.source.value
        if (path.isImportSpecifier()) {
          const imported = path.node.imported.name ?? path.node.imported.value
          if (imported === p0Import.import && [].concat(p0Import.from).includes(from)) return { family: 'point0', pointType: null }
          if (imported === tkImport.import && [].concat(tkImport.from).includes(from)) return { family: 'tailorkit-factory' }
        } else if (path.isImportNamespaceSpecifier()) {
          if ([].concat(tkImport.from).includes(from)) return { family: 'tailorkit-namespace' }
          if ([].concat(p0Import.from).includes(from)) return { family: 'point0-namespace' }
        }
        return null
      }
      if (path.isVariableDeclarator() && path.node.id.type === 'Identifier' && path.node.init) {
        if (memo.has(path.node)) return memo.get(path.node)
        memo.set(path.node, null) // cycles
        const init = unwrap(path.node.init)
        let result = null
        if (init.type === 'CallExpression' || init.type === 'MemberExpression' || init.type === 'Identifier') {
          const chain = readChain(init)
          const cls = classify(chain, path.scope, null)
          if (cls) result = { family: cls.family, pointType: cls.pointType }
        }
        memo.set(path.node, result)
        return result
      }
      return null
    }

    /** Which family a chain belongs to, its point type, and where its own segments start. */
    function classify(chain, scope, varName) {
      const { head, segments } = chain
      // point0 explicit / verb form: any X.lets('<type>' | '<VERB>', ...), the last one wins
      for (let i = segments.length - 1; i >= 0; i--) {
        const seg = segments[i]
        if (seg.name !== points.member) continue
        if (seg.call) {
          const first = seg.call.arguments[0]
          if (first && first.type === 'StringLiteral') {
            if (pointTypes.has(first.value)) {
              return { family: 'point0', pointType: first.value, start: i + 1 }
            }
            if (verbs.has(first.value.toUpperCase())) return { family: 'point0', pointType: points.verbType, start: i + 1 }
          }
        } else if (segments[i + 1]?.call && pointTypes.has(segments[i + 1].name)) {
          // short form X.lets.<type>(): X must trace to Point0
          const base = i === 0 ? (head.type === 'Identifier' ? traceIdentifier(head.name, scope) : null) : classify({ head, segments: segments.slice(0, i) }, scope, null)
          if (base && base.family === 'point0') {
            return { family: 'point0', pointType: segments[i + 1].name, start: i + 2, desugar: { at: i, varName } }
          }
        }
      }
      if (head.type === 'Identifier') {
        const base = traceIdentifier(head.name, scope)
        if (!base) return null
        if (base.family === 'point0' && base.pointType) return { family: 'point0', pointType: base.pointType, start: 0 } // split chain
        if (base.family === 'point0') return { family: 'point0', pointType: null, start: 0 }
        if (base.family === 'tailorkit') return { family: 'tailorkit', start: 0 }
        if (base.family === 'tailorkit-namespace' && segments[0]?.name === tkImport.import && segments[0].call) return { family: 'tailorkit', start: 1 }
        return null
      }
      if (head.type === 'CallExpression') {
        const callee = unwrap(head.callee)
        if (callee.type === 'Identifier' && traceIdentifier(callee.name, scope)?.family === 'tailorkit-factory') return { family: 'tailorkit', start: 0 }
      }
      return null
    }

    function ruleFor(family, name, pointType) {
      const row = family.segments[name]
      let rule = row && row[side]
      if (!rule) return null
      if (typeof rule === 'object' && 'rule' in rule) {
        if (rule.pointTypes && !rule.pointTypes.includes(pointType)) return null
        rule = rule.rule // unlessServerRendered: the bench is client-side
      }
      return rule
    }

    function cut(call, rule) {
      const args = call.arguments
      if (rule === 'keep' || args.length === 0) return
      if (rule === 'args') call.arguments = []
      else if (rule === 'afterFirst') {
        if (args.length > 1) call.arguments = args.slice(0, 1)
        else return
      } else if (rule === 'argsUnlessBoolean') {
        if (args.length === 1 && args[0].type === 'BooleanLiteral') return
        call.arguments = []
      } else if (rule === 'firstToNoop') call.arguments = [t.arrowFunctionExpression([], t.blockStatement([])), ...args.slice(1)]
      else if (rule === 'toEmptyObjectFn') call.arguments = [t.arrowFunctionExpression([], t.objectExpression([]))]
      else if (rule === 'lastArg') call.arguments = args.slice(0, -1)
      else if (rule === 'ssrEnabledOnly') {
        const arg = args[0]
        if (arg.type !== 'ObjectExpression') return
        const enabled = arg.properties.find((p) => p.type === 'ObjectProperty' && !p.computed && (p.key.name ?? p.key.value) === 'enabled')
        call.arguments = enabled && enabled.value.type === 'BooleanLiteral' ? [t.booleanLiteral(enabled.value.value)] : [t.objectExpression([])]
      } else if (typeof rule === 'object' && rule.keys) {
        const arg = args[0]
        if (arg.type !== 'ObjectExpression' || arg.properties.some((p) => p.type === 'SpreadElement')) {
          throw new Error(`[baseline] ${id}: keys(${rule.keys}) needs an object literal`)
        }
        const before = arg.properties.length
        arg.properties = arg.properties.filter((p) => !(p.type !== 'SpreadElement' && !p.computed && rule.keys.includes(p.key.name ?? p.key.value)))
        if (arg.properties.length === before) return
      }
      changed = true
    }

    function pointName(type, varName) {
      if (varName) {
        const snake = type.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())
        const suffixes = [type[0].toUpperCase() + type.slice(1), type, '_' + type, '_' + snake, ...(points.extraSuffixes?.[type] ?? [])]
          .sort((a, b) => b.length - a.length)
        for (const suffix of suffixes) {
          if (varName.endsWith(suffix) && varName.length > suffix.length) return varName.slice(0, -suffix.length)
        }
        return varName
      }
      const file = basename(id).replace(/\.[^.]+$/, '')
      return file === 'index' ? basename(dirname(id)) : file
    }

    traverse(ast, {
      CallExpression(path) {
        // only the outermost call of a chain: an inner call is the object of a member
        let up = path
        while (up.parentPath && WRAPPERS.has(up.parent.type)) up = up.parentPath
        const parent = up.parent
        if (parent.type === 'MemberExpression' && parent.object === up.node) return
        const chain = readChain(path.node)
        if (chain.segments.length === 0) return
        const varName = up.parent.type === 'VariableDeclarator' && up.parent.id.type === 'Identifier' ? up.parent.id.name : null
        const cls = classify(chain, path.scope, varName)
        if (!cls) return
        const family = cls.family === 'point0' ? point0 : tailorkit
        const segments = chain.segments
        if (cls.desugar && points.desugar) {
          // X.lets.<type>(args) -> X.lets('<type>', '<name>', args)
          const member = segments[cls.desugar.at]
          const typeCall = segments[cls.desugar.at + 1]
          typeCall.call.callee = member.member
          typeCall.call.arguments = [t.stringLiteral(typeCall.name), t.stringLiteral(pointName(typeCall.name, varName)), ...typeCall.call.arguments]
          changed = true
        }
        for (let i = cls.start; i < segments.length; i++) {
          const seg = segments[i]
          if (!seg.call) continue
          const rule = ruleFor(family, seg.name, cls.pointType)
          if (rule) cut(seg.call, rule)
        }
      },
    })
    if (!changed) return null
    deadCodeElimination(ast, referenced)
    const out = generate(ast, { sourceMaps: true, sourceFileName: id }, code)
    return { code: out.code, map: out.map }
  }

  return { transform, tables: source }
}
