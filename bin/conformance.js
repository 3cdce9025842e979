#!/usr/bin/env node
// The suite's command-line entry point (npm run conformance, or the package bin).
require('./ts-register.js');
require('../src/cli/main.ts').main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error) => { process.stderr.write(`winsock-conformance: ${error instanceof Error ? error.message : String(error)}\n`); process.exitCode = 2; },
);
