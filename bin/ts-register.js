// Loads the suite's own TypeScript (the CLI, the scripts, the unit tests) in-process: swc transpiles each
// file as it is required, as ts-node does with tsconfig.json's "ts-node" block. ts-node is what loads the
// steps (cucumber.js requireModule), as the project decided. It is not this loader because it first loads
// the TypeScript compiler to read tsconfig.json (0.18 s), and a Wine run's agent should be booting by then
// (src/testbeds/lifecycle.ts). Type-checking is `npm run typecheck`'s job.
const fs = require('node:fs');
const sourceMapSupport = require('@cspotcode/source-map-support');
const { transpile } = require('./transpile.js');

/** Set by ts-node's register(): from then on ts-node wraps this handler and transpiles what it is given. */
const TS_NODE = Symbol.for('ts-node.register.instance');

/** What this loader compiled, by file: stack traces map through the source map inside. */
const compiled = new Map();

require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  if (process[TS_NODE]) return module._compile(source, filename);
  const js = transpile(source, filename, true);
  compiled.set(filename, js);
  return module._compile(js, filename);
};
// The source-map support ts-node installs as well, so that frames from either loader read as TypeScript.
sourceMapSupport.install({ environment: 'node', retrieveFile: (file) => compiled.get(file) ?? null });
