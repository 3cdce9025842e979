// Cucumber profiles, one per backend; the simulator is the default. The CLI (bin/conformance.js) picks the
// profile from --backend and sets the report formatters itself (src/run/record.ts), Allure's among
// them, whose label patterns are RegExps that no JSON or YAML config could hold.
// The features are not here: a run is of one function, and its paths are that function's features folder
// (its catalogue's `features`), which the CLI gives cucumber (src/run/plan.ts).
const common = {
  requireModule: ['ts-node/register'],
  // Only what defines the World, hooks and steps; everything else is imported where it is used, so a
  // simulator run never loads the agent's controller, koffi or the report builders.
  require: ['support/world.ts', 'support/dsl.ts', 'support/hooks.ts', 'steps/**/*.ts'],
  strict: true,
};

function forBackend(backend) {
  return { ...common, worldParameters: { backend } };
}

module.exports = {
  default: forBackend('simulator'),
  simulator: forBackend('simulator'),
  wine: forBackend('wine'),
  winsock: forBackend('winsock'),
  posix: forBackend('posix'),
};
