// A minimal webpack loader standing in for ts-loader/babel-loader: strips
// TypeScript with esbuild and chains the incoming source map (chaincut's) like
// those loaders do, so the written map points at the original file.
const { transform } = require('esbuild')
const remapping = require('@jridgewell/remapping')

module.exports = function esbuildTsLoader(source, inputMap) {
  const done = this.async()
  const file = this.resourcePath
  transform(source, { loader: /\.[cm]?tsx$/.test(file) ? 'tsx' : 'ts', sourcemap: 'external', sourcefile: file, format: 'esm', target: 'es2022' })
    .then((out) => {
      let map = JSON.parse(out.map)
      if (inputMap) {
        const input = typeof inputMap === 'string' ? JSON.parse(inputMap) : inputMap
        map = JSON.parse(JSON.stringify(remapping([map, input], () => null)))
      }
      done(null, out.code, map)
    })
    .catch(done)
}
