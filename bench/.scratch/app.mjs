import { writeApp } from '../corpus.mjs'
const t0 = performance.now()
console.log(writeApp('/tmp/chaincut-bench-app-test', { modules: +process.argv[2] || 2000 }), performance.now() - t0)
