// The suite's layering, as docs/contributing.md states it, checked by `npm run lint` (depcruise). Type-only
// imports count (tsPreCompilationDeps): a cycle or a forbidden path is one whether or not it survives
// transpiling.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle, at run time or by type only: break it by moving the type or function to where it belongs.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-stands-alone',
      severity: 'error',
      comment: 'src/core/ is the vocabulary (ports, outcomes, Winsock constants) that everything else builds on: it imports none of it.',
      from: { path: '^src/core/' },
      to: { path: '^(src/(?!core/)|steps/|support/|agents/|scripts/|bin/|test/)' },
    },
    {
      name: 'steps-see-the-ports',
      severity: 'error',
      comment:
        'Steps and their support reach a backend only through src/core/ports.ts, so a scenario cannot tell the simulator from ws2_32.dll: no agent, testbed, catalogue, verdict or report code. The call log describes outcomes for their messages; the hooks open the testbed (lifecycle) and attach the logs.',
      from: { path: '^(steps|support)/' },
      to: {
        path: '^(agents/|src/(report|cli|catalogue|verdicts|testbeds|run-outputs)/)',
        pathNot: ['^src/run-outputs/(call-log|timeline|wire-log|allure)\\.ts$', '^src/testbeds/lifecycle\\.ts$'],
      },
    },
    {
      name: 'steps-leave-the-hooks-their-outputs',
      severity: 'error',
      comment: 'Of the run outputs, a step needs only the call log, to describe an outcome in its message.',
      from: { path: '^steps/' },
      to: { path: '^src/(run-outputs/(?!call-log\\.ts$)|testbeds/)' },
    },
    {
      name: 'simulator-speaks-no-agent-protocol',
      severity: 'error',
      comment: "The simulator implements the ports; the agents and their control protocol are the real backends' business.",
      from: { path: '^src/testbeds/simulator/' },
      to: { path: '^(agents/|src/testbeds/(agent-controller|posix|loopback)/)' },
    },
    {
      name: 'agents-take-only-core',
      severity: 'error',
      comment: "An agent's build takes along what it requires (src/testbeds/agent-controller/launcher.ts): of the suite, src/core/ only.",
      from: { path: '^agents/' },
      to: { path: '^(src/(?!core/)|steps/|support/|scripts/|test/)' },
    },
    {
      name: 'runs-load-no-report-builder',
      severity: 'error',
      comment: 'A run writes its outputs while it runs (src/run-outputs/); the report builders (src/report/) are for npm run report.',
      from: { path: '^(src/(core|catalogue|verdicts|testbeds|run-outputs)|steps|support|agents)/' },
      to: { path: '^src/report/' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
  },
};
