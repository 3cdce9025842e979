// Run and scenario lifecycle: one testbed per worker for the whole run (the agent starts once), a clean
// slate per scenario, and the evidence (call log, wire log) attached to every scenario.
import { After, AfterAll, Before, BeforeAll, setDefaultTimeout } from '@cucumber/cucumber';
import type { Testbed, WirePacket } from './ports';
import { findBackend, backendNames } from './backends/registry';
import { writeAllureEnvironment } from './report/allure';
import { CALL_LOG_MEDIA, RUN_METADATA_MEDIA, TIMING_MEDIA, WIRE_LOG_MEDIA } from './verdicts/outcomes';
import type { ConformanceWorld, WorldParameters } from './world';

// Above every bound a step waits on (calls, observation windows), so a hung harness ends as TIMEOUT.
setDefaultTimeout(30_000);

let testbed: Testbed | null = null;
let setupError: Error | null = null;
/** The backend's facts, fetched once per worker and attached to its first scenario (test-run hooks cannot attach). */
let runMetadata: Record<string, string> | null = null;

BeforeAll({ timeout: 300_000 }, async function (this: { parameters: unknown }) {
  const parameters = this.parameters as WorldParameters;
  const entry = findBackend(parameters.backend);
  if (!entry) {
    setupError = new Error(`unknown backend '${parameters.backend}'; valid: ${backendNames().join(', ')}`);
    return;
  }
  try {
    testbed = await entry.load().create(parameters.backendOptions ?? {});
  } catch (error) {
    // Every scenario then ends BROKEN with this message, instead of the run dying without a report.
    setupError = error instanceof Error ? error : new Error(String(error));
  }
});

Before(async function (this: ConformanceWorld) {
  if (!testbed) throw setupError ?? new Error('the testbed was not created');
  this.testbed = testbed;
  this.process = await testbed.mainProcess();
  this.processes.push(this.process);
  if (!runMetadata) {
    runMetadata = await testbed.metadata();
    this.attach(JSON.stringify(runMetadata), RUN_METADATA_MEDIA);
  }
  await testbed.wire?.start();
});

After(async function (this: ConformanceWorld) {
  if (!testbed) return;
  let packets: WirePacket[] = [];
  try {
    for (const process of this.processes) await process.release();
  } finally {
    await testbed.endScenario();
    if (testbed.wire) packets = await testbed.wire.stop();
    this.attach(JSON.stringify(this.calls, null, 1), CALL_LOG_MEDIA);
    this.attach(JSON.stringify({ waitedMs: this.waitedMs }), TIMING_MEDIA);
    if (testbed.wire) this.attach(JSON.stringify(packets, null, 1), WIRE_LOG_MEDIA);
  }
});

AfterAll({ timeout: 60_000 }, async function (this: { parameters: unknown }) {
  const { backend, backendOptions, allureResults } = this.parameters as WorldParameters;
  if (allureResults) writeAllureEnvironment(allureResults, backend, backendOptions ?? {}, runMetadata);
  await testbed?.close();
  testbed = null;
  runMetadata = null;
});
