/**
 * The layers of src/ (docs/ARCHITECTURE.md "Layers"): imports only point down, and no cycle.
 * `npm run check:layers` runs it; `npm test` runs it first.
 */
const LAYERS = [
  ['types', '^src/types\\.ts$'],
  ['util', '^src/util/'],
  ['findings', '^src/findings/'],
  ['js', '^src/js/'],
  ['presets', '^src/presets/'],
  ['config', '^src/config/'],
  ['chains', '^src/chains/'],
  ['rewrite', '^src/rewrite/'],
  ['pipeline', '^src/pipeline/'],
  ['services', '^src/(guard|cache|report)/'],
  ['hosts', '^src/hosts/'],
  ['entries', '^src/(?!types\\.ts$)[^/]+\\.ts$'],
]

const upward = []
LAYERS.forEach(([name, path], i) => {
  const above = LAYERS.slice(i + 1).map(([, p]) => p)
  if (above.length) {
    upward.push({
      name: `no-upward-from-${name}`,
      comment: `${name} sits below ${LAYERS.slice(i + 1).map(([n]) => n).join(', ')}: it may not import them`,
      severity: 'error',
      from: { path },
      to: { path: above },
    })
  }
})

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'a cycle makes two files one: split out what both need, one layer down',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    ...upward,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
}
