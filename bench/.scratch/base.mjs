import { buildCorpus, buildScalingCorpus, SERVER_MARKERS } from '../corpus.mjs'
import { createBaseline } from '../baseline.mjs'
const b = await createBaseline()
const c = buildCorpus()
let leaks = 0, nulls = 0
for (const m of c) {
  const out = b.transform(m.code, m.id)
  if (!out) { nulls++; if (m.chains) console.log('null on chain module', m.id); continue }
  const hit = SERVER_MARKERS.filter(x => out.code.includes(x))
  if (hit.length) { leaks++; if (leaks < 3) { console.log(m.id, hit); console.log(out.code.slice(0, 3000)) } }
}
console.log('leaks', leaks, 'nulls', nulls, b.tables)
const m = c.find(m => m.kind === 'point0-pages' && m.bytes < 6000)
console.log(b.transform(m.code, m.id).code)
const t = c.find(m => m.kind === 'tailorkit' && m.code.includes('tk.create'))
console.log(b.transform(t.code, t.id).code.slice(0, 1500))
const a = c.find(m => m.code.includes('Draft'))
console.log(b.transform(a.code, a.id).code.split('\n').filter(l => /Draft|lets|^import|^const/.test(l)).join('\n'))
