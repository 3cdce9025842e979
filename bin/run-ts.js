#!/usr/bin/env node
// Runs one of the suite's TypeScript scripts: node bin/run-ts.js scripts/NAME.ts [args...]
require('./ts-register.js');
const path = require('node:path');
const [script, ...rest] = process.argv.slice(2);
if (!script) {
  process.stderr.write('usage: node bin/run-ts.js SCRIPT.ts [args...]\n');
  process.exit(2);
}
process.argv = [process.argv[0], script, ...rest];
require(path.resolve(script));
