import { parse } from '@babel/parser'
import { buildCorpus } from '../corpus.mjs'
import { createBaseline } from '../baseline.mjs'
const b = await createBaseline()
const c = buildCorpus()
const pl = (id) => id.endsWith('x') ? ['typescript','jsx'] : ['typescript']
for (let k = 0; k < 3; k++) {
let t0 = performance.now(); for (const m of c) parse(m.code, { sourceType: 'module', plugins: pl(m.id) }); const tp = performance.now() - t0
t0 = performance.now(); for (const m of c) b.transform(m.code, m.id); const tb = performance.now() - t0
console.log('parse all', tp.toFixed(0), 'baseline all', tb.toFixed(0), 'bytes', c.reduce((a, m) => a + m.bytes, 0))
}
