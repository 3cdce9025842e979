// Loads the suite's TypeScript in-process: transpile only, type-checking is `npm run typecheck`'s job.
require('ts-node').register({ transpileOnly: true, project: require('node:path').join(__dirname, '..', 'tsconfig.json') });
