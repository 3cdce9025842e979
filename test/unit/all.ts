// The unit tests in one process (npm run test:unit, and npm test's unit step): each test/unit/*.test.ts file,
// in the order of its name, registers its tests with node:test here, which runs them and exits 1 if one failed.
// One process instead of node --test's one per file: the files start no process and share no state, and
// each process's start (node, ts-node and the modules it loads) cost as much CPU as all their tests together.
// One file alone: node -r ts-node/register --test test/unit/FILE.test.ts.
import { readdirSync } from 'node:fs';
import path from 'node:path';

void (async () => {
  for (const file of readdirSync(__dirname)
    .filter((name) => name.endsWith('.test.ts'))
    .sort())
    await import(path.join(__dirname, file));
})();
