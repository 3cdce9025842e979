// swc's transpilation of one TypeScript file to CommonJS, with tsconfig.json's target, module and interop
// as ts-node hands them to swc: the suite's loader (ts-register.js) and the agent's build use it.
const swc = require('@swc/core');

function transpile(source, filename, inlineSourceMap) {
  return swc.transformSync(source, {
    filename,
    sourceMaps: inlineSourceMap ? 'inline' : false,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022', keepClassNames: true },
    module: { type: 'commonjs', strictMode: true, noInterop: false },
  }).code;
}

module.exports = { transpile };
