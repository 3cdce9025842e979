// Loads the suite's TypeScript in-process. tsconfig.json's "ts-node" block makes it transpile-only, with
// swc doing the transpiling; type-checking is `npm run typecheck`'s job.
require('ts-node').register({ project: require('node:path').join(__dirname, '..', 'tsconfig.json') });
