// Run and scenario lifecycle: one testbed per worker for the whole run (the agent starts once), a clean
// slate per scenario, and the evidence (call log, wire log) attached to every scenario.
import { After, AfterAll, Before, BeforeAll, setDefaultTimeout } from '@cucumber/cucumber';
import type { Testbed, WireSlice } from '../src/core/ports';
import { writeAllureEnvironment } from '../src/report/allure';
import { CALL_LOG_MEDIA, CannotRun, Deviation, PCAP_MEDIA, RUN_METADATA_MEDIA, WIRE_LOG_MEDIA } from '../src/core/outcomes';
import { describeEvents, readWhatIsLeft } from './observe';
import { closeAtRunEnd, closeTestbed, openTestbed } from '../src/testbeds/lifecycle';
import type { ConformanceWorld, WorldParameters } from './world';

// Above every bound a step waits on (calls, observation windows), so a hung harness ends as TIMEOUT.
setDefaultTimeout(30_000);

let testbed: Testbed | null = null;
let setupError: Error | null = null;
/** The backend's facts, fetched once per worker and attached to its first scenario (test-run hooks cannot attach). */
let runMetadata: Record<string, string> | null = null;

BeforeAll({ timeout: 300_000 }, async function (this: { parameters: unknown }) {
  const parameters = this.parameters as WorldParameters;
  try {
    const opened = await openTestbed(parameters.backend, parameters.backendOptions ?? {});
    testbed = opened.testbed;
    // The agent starts now: one that cannot serve this run at all stops it here. Any other failure is
    // left to the first scenario, which then ends BROKEN with the evidence.
    await opened.started.catch((error: unknown) => {
      if (error instanceof CannotRun) throw error;
    });
  } catch (error) {
    // The run is already lost to `error`, which is what it reports; a close that fails too adds nothing.
    if (error instanceof CannotRun) await closeTestbed().catch(() => undefined);
    testbed = null;
    // Every scenario then fails at once with this error, instead of the run dying without a report. A
    // CannotRun (wine64 or node.exe missing, an agent of another protocol version) is not thrown here:
    // cucumber would end a parallel worker with its stacks on stderr. The CLI reads it off the first
    // scenario and says it in one line, exit 2 (src/cli/main.ts), by the name of its type, which a
    // subclass's would hide.
    if (error instanceof CannotRun) setupError = new CannotRun(error.message);
    else setupError = error instanceof Error ? error : new Error(String(error));
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
  let capture: WireSlice | null = null;
  // Before the sockets close: what the peers saw that no step read, and whether a rule forbade it.
  const late = await readWhatIsLeft(this);
  try {
    for (const process of this.processes) await process.release();
  } finally {
    await testbed.endScenario();
    if (testbed.wire) capture = await testbed.wire.stop();
    this.attach(JSON.stringify({ waitedMs: this.waitedMs, calls: this.calls }, null, 1), CALL_LOG_MEDIA);
    if (this.unread.length > 0)
      this.attach(`What the peers saw that no step read: ${describeEvents(this.unread)}\n`, { mediaType: 'text/plain', fileName: 'peer-unread.txt' });
    if (capture) this.attach(JSON.stringify(capture.packets, null, 1), WIRE_LOG_MEDIA);
    if (capture?.pcap) this.attach(capture.pcap, { mediaType: PCAP_MEDIA, fileName: 'capture.pcap' });
  }
  if (late) throw new Deviation(late);
});

AfterAll({ timeout: 60_000 }, async function (this: { parameters: unknown }) {
  const { backend, backendOptions, allureResults } = this.parameters as WorldParameters;
  if (allureResults) writeAllureEnvironment(allureResults, backend, backendOptions ?? {}, runMetadata);
  testbed = null;
  runMetadata = null;
  await closeAtRunEnd();
});
