// Cucumber profiles, one per backend; the simulator is the default. The CLI (bin/conformance.js) picks the
// profile from --backend. Kept in JS because Allure's label patterns are RegExps.
const common = {
  paths: ['features/**/*.feature'],
  requireModule: ['ts-node/register/transpile-only'],
  require: ['support/**/*.ts', 'steps/**/*.ts'],
  strict: true,
};

function forBackend(backend) {
  const dir = `reports/${backend}`;
  return {
    ...common,
    worldParameters: { backend },
    format: [
      `message:${dir}/messages.ndjson`,
      `html:${dir}/cucumber.html`,
      `junit:${dir}/junit.xml`,
    ],
  };
}

module.exports = {
  default: forBackend('simulator'),
  simulator: forBackend('simulator'),
  wine: forBackend('wine'),
  winsock: forBackend('winsock'),
};
