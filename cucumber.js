// Cucumber's configuration. The CLI (bin/conformance.js) gives each run its backend and options as
// worldParameters, and sets the report formatters itself (src/run/record.ts), Allure's among them, whose
// label patterns are RegExps that no JSON or YAML config could hold; so one profile serves every backend.
// Its own worldParameters make a bare cucumber-js run (npm run bench's stock run) a run of the simulator.
// The features are not here: a run is of one function, and its paths are that function's features folder
// (its catalogue's `features`), which the CLI gives cucumber (src/run/plan.ts).
module.exports = {
  default: {
    requireModule: ['ts-node/register'],
    // Only what defines the World, hooks and steps; everything else is imported where it is used, so a
    // simulator run never loads the agent's controller, koffi or the report builders.
    require: ['support/world.ts', 'support/dsl.ts', 'support/hooks.ts', 'steps/**/*.ts'],
    strict: true,
    worldParameters: { backend: 'simulator' },
  },
};
