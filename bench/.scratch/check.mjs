import { parse } from '@babel/parser'
import { buildCorpus, buildScalingCorpus } from '/work/main/bench/corpus.mjs'
const c = buildCorpus()
let bad = 0
for (const m of c) {
  try { parse(m.code, { sourceType: 'module', plugins: m.ext === 'tsx' ? ['typescript', 'jsx'] : ['typescript'] }) } catch (e) { bad++; console.log(m.id, e.message); if (bad < 2) console.log(m.code.split('\n').slice(Math.max(0,e.loc.line-5), e.loc.line+3).join('\n')) }
}
const kinds = {}
for (const m of c) { const k = kinds[m.kind] ??= { n: 0, bytes: 0, chains: 0, min: 1e9, max: 0 }; k.n++; k.bytes += m.bytes; k.chains += m.chains; k.min = Math.min(k.min, m.bytes); k.max = Math.max(k.max, m.bytes) }
console.log(kinds, 'bad', bad)
const s = buildScalingCorpus()
console.log(s.bySize.map(m => [m.kb, m.bytes, m.chains]), s.byChains.map(m => [m.n, m.bytes, m.chains]))
