/**
 * Chain forms whose "not a chain" used to be a guess: every write form of a name, members set by
 * code, namespaces, caught exceptions, bundler globs, built-ins whose callbacks return chains.
 * Each must end with the secret cut from the client or the build refused, never a silent pass;
 * the server build never refuses them.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { transform } from '../src/index.js'
import { clientOrRefused } from './helpers.js'

const DIR = join(tmpdir(), 'chaincut-forms')
mkdirSync(DIR, { recursive: true })
writeFileSync(join(DIR, 'root.ts'), "import { Point0 } from '@point0/core'\nexport const root = Point0.lets.root('main').root()\n")
// another module of the app puts a chain on the global object
writeFileSync(join(DIR, 'setter.ts'), "import { root } from './root'\n;(window as any).api = root.lets('GET', '/a')\n")
// an app's CommonJS module exporting a chain
writeFileSync(join(DIR, 'chains.cjs'), "const { root } = require('./root')\nmodule.exports = { list: root.lets('GET', '/a') }\n")
// other modules hand chains to an exported helper and to a method, with no cut method after the call
writeFileSync(join(DIR, 'helper-caller.ts'), "import { root } from './root'\nimport { withAuth } from './exportedHelperCalledElsewhere'\nexport const x = withAuth(root.lets('GET', '/a'))\n")
writeFileSync(join(DIR, 'method-caller.ts'), "import { root } from './root'\nimport { svc } from './methodCalledElsewhere'\nsvc.register(root.lets('GET', '/a'))\n")
// an exported object whose declared member another module overwrites with a chain
writeFileSync(join(DIR, 'exported-routes.ts'), "export const routes: any = { list: null }\n")
writeFileSync(join(DIR, 'routes-writer.ts'), "import { root } from './root'\nimport { routes } from './exported-routes'\nroutes.list = root.lets('GET', '/a')\n")
const R = "import { root } from './root'\n"
const C = "root.lets('GET', '/a')"

export const FORMS: Record<string, string> = {
  nullishAssign: R + `let cached: any\ncached ??= ${C}\nexport const a = cached.loader(() => 'SECRET').action()`,
  orAssign: R + `let cached: any = null\ncached ||= ${C}\nexport const a = cached.loader(() => 'SECRET').action()`,
  destructuringAssign: R + `let list: any\n;({ list } = { list: ${C} })\nexport const a = list.loader(() => 'SECRET').action()`,
  arrayDestructuringAssign: R + `let list: any\n;[list] = [${C}]\nexport const a = list.loader(() => 'SECRET').action()`,
  tsWrappedTarget: R + `let base: any = {}\n;(base as any) = ${C}\nexport const a = base.loader(() => 'SECRET').action()`,
  nonNullTarget: R + `let base: any = {}\nbase! = ${C}\nexport const a = base.loader(() => 'SECRET').action()`,
  forOfHead: R + `let p: any\nfor (p of [${C}]) {}\nexport const a = p.loader(() => 'SECRET').action()`,
  forOfDeclared: R + `export const all: any[] = []\nfor (const p of [${C}]) all.push(p.loader(() => 'SECRET').action())`,
  paramReassigned: R + `function f(p: any) { p = ${C}; return p.loader(() => 'SECRET').action() }\nexport const a = f(1)`,
  staticBlock: R + `class Routes { static list: any\n static { this.list = ${C} } }\nexport const a = Routes.list.loader(() => 'SECRET').action()`,
  staticBlockByName: R + `class Routes { static list: any\n static { Routes.list = ${C} } }\nexport const a = Routes.list.loader(() => 'SECRET').action()`,
  staticMethodSets: R + `class Routes { static init() { Routes.list = ${C} } static list: any }\nRoutes.init()\nexport const a = Routes.list.loader(() => 'SECRET').action()`,
  objectMethodThis: R + `const api: any = { init() { this.list = ${C} } }\napi.init()\nexport const a = api.list.loader(() => 'SECRET').action()`,
  objectAssignThis: R + `class Api { list: any; constructor() { Object.assign(this, { list: ${C} }) } }\nexport const a = new Api().list.loader(() => 'SECRET').action()`,
  parameterProperty: R + `class Api { constructor(public base: any) {} }\nexport const a = new Api(${C}).base.loader(() => 'SECRET').action()`,
  functionExpando: R + `function api() {}\napi.list = ${C}\nexport const a = (api as any).list.loader(() => 'SECRET').action()`,
  protoLink: R + `const shared = { base: ${C} }\nconst o: any = { __proto__: shared }\nexport const a = o.base.loader(() => 'SECRET').action()`,
  aliasWrite: R + `const o: any = { p: 1 }\nconst alias = o\nalias.p = ${C}\nexport const a = o.p.loader(() => 'SECRET').action()`,
  nestedAliasWrite: R + `const box: any = { inner: { p: 1 } }\nconst part = box.inner\npart.p = ${C}\nexport const a = box.inner.p.loader(() => 'SECRET').action()`,
  callResultWrite: R + `const o: any = { p: 1 }\nconst get = () => o\nget().p = ${C}\nexport const a = o.p.loader(() => 'SECRET').action()`,
  deepWrite: R + `const o: any = { inner: { p: 1 } }\no.inner.p = ${C}\nexport const a = o.inner.p.loader(() => 'SECRET').action()`,
  namespace: R + `namespace Api { export const list = ${C} }\nexport const a = Api.list.loader(() => 'SECRET').action()`,
  caughtException: R + `let p: any\ntry { throw ${C} } catch (e) { p = e }\nexport const a = p.loader(() => 'SECRET').action()`,
  caughtDirect: R + `export function f() { try { throw ${C} } catch (e: any) { return e.loader(() => 'SECRET').action() } }`,
  importMetaGlob: `const mods: any = import.meta.glob('./chains/*.ts', { eager: true })\nexport const a = mods['./chains/a.ts'].list.loader(() => 'SECRET').action()`,
  arrayMap: R + `const routes = ['/a', '/b'].map((r) => root.lets('GET', r))\nexport const a = routes[0].loader(() => 'SECRET').action()`,
  arrayMapForEach: R + `;['/a', '/b'].map((r) => root.lets('GET', r)).forEach((p) => p.loader(() => 'SECRET').action())`,
  arrayFromLength: R + `const routes = Array.from({ length: 2 }, () => ${C})\nexport const a = routes[0].loader(() => 'SECRET').action()`,
  concat: R + `const list: any[] = []\nconst all = list.concat([${C}])\nexport const a = all[0].loader(() => 'SECRET').action()`,
  promiseThen: R + `const p = Promise.resolve().then(() => ({ base: ${C} }))\nexport const a = p.then(({ base }) => base.loader(() => 'SECRET').action())`,
  promiseThenAwait: R + `const { base } = await Promise.resolve().then(() => ({ base: ${C} }))\nexport const a = base.loader(() => 'SECRET').action()`,
  stringSplitMap: R + `const routes = 'a,b'.split(',').map((r) => root.lets('GET', r))\nexport const a = routes[0].loader(() => 'SECRET').action()`,
  reduce: R + `const p = [1].reduce((acc: any) => ${C}, null as any)\nexport const a = p.loader(() => 'SECRET').action()`,
  flatMap: R + `const ps = [1].flatMap(() => [${C}])\nexport const a = ps[0].loader(() => 'SECRET').action()`,
  objectValues: R + `const o = { a: ${C} }\nObject.values(o).forEach((p) => p.loader(() => 'SECRET').action())`,
  asyncHelper: R + `async function make() { return ${C} }\nexport const a = (await make()).loader(() => 'SECRET').action()`,
  globalSetElsewhere: `export const a = (window as any).api.loader(() => 'SECRET').action()`,
  undeclaredGlobalSetElsewhere: `declare const api: any\nexport const a = api.loader(() => 'SECRET').action()`,
  exportedHelperCalledElsewhere: `export function withAuth(c: any) {\n  return c.ctx(() => 'SECRET')\n}`,
  methodCalledElsewhere: `class Svc {\n  register(p: any) {\n    return p.loader(() => 'SECRET')\n  }\n}\nexport const svc = new Svc()`,
  commonJsAppModule: `const { list } = require('./chains.cjs')\nexport const a = list.loader(() => 'SECRET').action()`,
  commonJsAppModuleImported: `import chains from './chains.cjs'\nexport const a = (chains as any).list.loader(() => 'SECRET').action()`,
  memberWrittenByAnotherModule: `import { routes } from './exported-routes'\nexport const a = routes.list.loader(() => 'SECRET').action()`,
  argumentsObject: R + `function f(_x: any) {\n  return arguments[0].loader(() => 'SECRET').action()\n}\nexport const a = f(${C})`,
  evalScope: R + `let p: any = 1\neval('p = 2')\nexport const a = p.loader(() => 'SECRET').action()`,
}

describe('chain forms that must be cut or refused on the client', () => {
  for (const [name, code] of Object.entries(FORMS)) {
    it(`${name}: the secret is cut or the client build fails`, async () => {
      // on disk, as a bundler's module is (other modules of the app import some of them)
      writeFileSync(join(DIR, `${name}.ts`), code)
      expect(await clientOrRefused(code, join(DIR, `${name}.ts`))).not.toContain('SECRET')
    })
  }
})

describe('the server build keeps what it cannot prove', () => {
  for (const [name, code] of Object.entries(FORMS)) {
    it(`${name}: the server build does not fail`, async () => {
      await expect(transform(code, join(DIR, `${name}.ts`), { side: 'server' })).resolves.not.toThrow()
    })
  }
})
