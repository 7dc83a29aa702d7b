/**
 * Flows a chain can take that chaincut does not follow precisely: containers handed to
 * platform or package functions, containers and objects changed after they are built,
 * getters, generators, default parameters, hoisted vars, promises. Each must end with the
 * secret cut or the build refused, never a silent pass.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { clientOrRefused } from './helpers.js'

const DIR = join(tmpdir(), 'chaincut-probes')
mkdirSync(DIR, { recursive: true })
writeFileSync(join(DIR, 'root.ts'), "import { Point0 } from '@point0/core'\nexport const root = Point0.lets.root('main').root()\n")
const R = "import { root } from './root'\n"
export const LEAKS: Record<string, string> = {
  objectFreeze: R + "export const a = Object.freeze({ list: root.lets('GET', '/a') }).list.loader(() => 'SECRET').action()",
  objectAssign: R + "const pts = Object.assign({}, { list: root.lets('GET', '/a') })\nexport const a = pts.list.loader(() => 'SECRET').action()",
  objectValues: R + "const o = { list: root.lets('GET', '/a') }\nexport const a = Object.values(o)[0].loader(() => 'SECRET').action()",
  arrayFrom: R + "export const a = Array.from([root.lets('GET', '/a')])[0].loader(() => 'SECRET').action()",
  newMapEntries: R + "const m = new Map([['a', root.lets('GET', '/a')]])\nexport const a = m.get('a')!.loader(() => 'SECRET').action()",
  mapSet: R + "const m = new Map()\nm.set('a', root.lets('GET', '/a'))\nexport const a = m.get('a').loader(() => 'SECRET').action()",
  reflectApply: R + "export const a = Reflect.apply((x: any) => x, null, [root.lets('GET', '/a')]).loader(() => 'SECRET').action()",
  promiseAll: R + "const [p] = await Promise.all([root.lets('GET', '/a')])\nexport const a = p.loader(() => 'SECRET').action()",
  newPromiseThen: R + "export const a = new Promise<any>((r) => r(root.lets('GET', '/a'))).then((p) => p.loader(() => 'SECRET'))",
  globalThisStore: R + ";(globalThis as any).p = root.lets('GET', '/a')\nexport const a = (globalThis as any).p.loader(() => 'SECRET').action()",
  arrayPush: R + "const reg: any[] = []\nreg.push(root.lets('GET', '/a'))\nexport const a = reg[0].loader(() => 'SECRET').action()",
  propertyAssign: R + "const o: any = {}\no.p = root.lets('GET', '/a')\nexport const a = o.p.loader(() => 'SECRET').action()",
  indexAssign: R + "const arr: any[] = [1]\narr[0] = root.lets('GET', '/a')\nexport const a = arr[0].loader(() => 'SECRET').action()",
  defineProperty: R + "const o: any = {}\nObject.defineProperty(o, 'p', { value: root.lets('GET', '/a') })\nexport const a = o.p.loader(() => 'SECRET').action()",
  assignInHelper: R + "const o: any = { p: 1 }\nfunction set(x: any) { o.p = x }\nset(root.lets('GET', '/a'))\nexport const a = o.p.loader(() => 'SECRET').action()",
  mutateArgument: R + "function fill(box: any) { box.p = root.lets('GET', '/a') }\nconst box: any = { p: null }\nfill(box)\nexport const a = box.p.loader(() => 'SECRET').action()",
  constructorField: R + "class A { p: any; constructor() { this.p = root.lets('GET', '/a') } }\nexport const a = new A().p.loader(() => 'SECRET').action()",
  prototypeAssign: R + "function F(this: any) {}\n;(F as any).prototype.p = root.lets('GET', '/a')\nexport const a = (new (F as any)()).p.loader(() => 'SECRET').action()",
  classStaticGetter: R + "class A { static get p() { return root.lets('GET', '/a') } }\nexport const a = A.p.loader(() => 'SECRET').action()",
  generatorYield: R + "function* g() { yield root.lets('GET', '/a') }\nexport const a = g().next().value.loader(() => 'SECRET').action()",
  defaultParameter: R + "function f(p = root.lets('GET', '/a')) { return p.loader(() => 'SECRET').action() }\nexport const a = f()",
  varInBlock: R + "if (true) { var p: any = root.lets('GET', '/a') }\nexport const a = p.loader(() => 'SECRET').action()",
  containerToPackage: "import { createQueue } from '@acme/queue'\n" + R + "export const a = (createQueue as any)({ p: root.lets('GET', '/a') }).p.loader(() => 'SECRET').action()",
}
for (const [name, code] of Object.entries(LEAKS)) {
  it(`${name}: the secret is cut or the build fails`, async () => {
    // cut, or refused naming the file and the position
    expect(await clientOrRefused(code, join(DIR, `${name}.ts`))).not.toContain('SECRET')
  })
}
