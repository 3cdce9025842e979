#!/usr/bin/env node
// The suite's command-line entry point (npm run conformance, report, mutants, stability and bench, or the
// package bin); src/cli/main.ts picks the subcommand and maps every outcome to the exit code. ts-node, with the swc
// transpiler that tsconfig.json's "ts-node" block names, loads the suite's TypeScript, here as in
// cucumber (cucumber.js requireModule), the scripts and the unit tests. ts-node looks for tsconfig.json
// from the working folder: pointed at the suite's own (TS_NODE_PROJECT, which the processes the run starts
// inherit), the command runs from any folder, as a vendor runs it.
const path = require('node:path');
process.env.TS_NODE_PROJECT ??= path.join(__dirname, '..', 'tsconfig.json');
require('ts-node/register');
require('../src/cli/main.ts')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
