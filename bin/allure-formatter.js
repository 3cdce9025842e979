// cucumber loads a formatter with import(), which does not go through ts-node's loader: this file is the
// formatter cucumber imports, and it requires the suite's TypeScript one, which ts-node then transpiles.
module.exports = require('../src/run-outputs/allure-formatter.ts').default;
