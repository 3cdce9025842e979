// Run and scenario lifecycle: one testbed per worker for the whole run (the agent starts once), a clean
// slate per scenario, and the evidence (call log, wire log) attached to every scenario.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { After, AfterAll, Before, BeforeAll, setDefaultTimeout, type ITestCaseHookParameter } from '@cucumber/cucumber';
import type { Testbed, WireSlice } from '../src/core/ports';
import { writeAllureEnvironment } from '../src/run-outputs/allure';
import { CALL_LOG_MEDIA, CannotRun, Deviation, DEVIATION_SEPARATOR, NotApplicable, PCAP_MEDIA, RUN_METADATA_MEDIA, WIRE_LOG_MEDIA } from '../src/core/outcomes';
import { describeEvents, readWhatIsLeft } from './observe';
import { closeAtRunEnd, closeTestbed, openTestbed } from '../src/testbeds/lifecycle';
import { callLogText } from '../src/run-outputs/call-log';
import { pcapFileName, wireLogText } from '../src/run-outputs/wire-log';
import type { ConformanceWorld, WorldParameters } from './world';

// Above every bound a step waits on (calls, observation windows), so a hung harness ends as TIMEOUT.
setDefaultTimeout(30_000);

let testbed: Testbed | null = null;
let setupError: Error | null = null;
/**
 * The backend's facts as this worker last attached them: to its first scenario, and again to a scenario after
 * which they changed (the wire's fingerprint comes with the first handshake the capture shows). Test-run
 * hooks cannot attach.
 */
let runMetadata: Record<string, string> | null = null;

/** Attach the testbed's facts to the scenario, where they differ from those this worker attached last. */
async function attachRunMetadata(world: ConformanceWorld, bed: Testbed): Promise<void> {
  const facts = await bed.metadata();
  if (runMetadata && JSON.stringify(facts) === JSON.stringify(runMetadata)) return;
  runMetadata = facts;
  world.attach(JSON.stringify(facts), RUN_METADATA_MEDIA);
}

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
    // scenario and says it in one line, exit 2 (src/run/run-suite.ts), by the name of its type, which a
    // subclass's would hide.
    if (error instanceof CannotRun) setupError = new CannotRun(error.message);
    else setupError = error instanceof Error ? error : new Error(String(error));
  }
});

Before(async function (this: ConformanceWorld, { pickle }: ITestCaseHookParameter) {
  if (!testbed) throw setupError ?? new Error('the testbed was not created');
  const requirement = pickle.tags.find((tag) => tag.name.startsWith('@req:'))?.name.slice('@req:'.length);
  const kept = requirement === undefined ? null : (testbed.keptByConstruction?.(requirement) ?? null);
  if (kept !== null) throw new NotApplicable(`${testbed.backend} keeps ${requirement} by construction, not by the behaviour under test: ${kept}`);
  this.testbed = testbed;
  this.process = await testbed.mainProcess();
  this.processes.push(this.process);
  if (!runMetadata) await attachRunMetadata(this, testbed);
  await testbed.wire?.start();
  // The zero of the scenario's timeline: its calls' and marks' times, and its packets', count from here.
  this.startedAt = testbed.now();
});

After(async function (this: ConformanceWorld, { pickle }: ITestCaseHookParameter) {
  // A scenario that Before ended before it took a process (N/A by construction) made no call and holds
  // nothing to read or release.
  if (!testbed || this.processes.length === 0) return;
  let capture: WireSlice | null = null;
  // Before the sockets close: what the peers saw that no step read, and whether a rule forbade it.
  const late = await readWhatIsLeft(this);
  try {
    // What the wire shows from here on (a reset for data left unread, say) is the teardown's, not the scenario's.
    this.mark("teardown begins: the scenario's sockets are closed and its processes released");
    for (const process of this.processes) await process.release();
  } finally {
    await testbed.endScenario();
    if (testbed.wire) capture = await testbed.wire.stop();
    this.mark('capture ends');
    attachEvidence(this, capture, pcapFileName(pickle.uri, pickle.location?.line, pickle.name));
  }
  await attachRunMetadata(this, testbed);
  if (late) this.expectRule(false, late);
  // Every check has run: the scenario ends with all the deviations they found, in the order found.
  if (this.deviations.length > 0) throw new Deviation(this.deviations.join(DEVIATION_SEPARATOR));
});

/**
 * The scenario's evidence: its call log and wire log as a person reads them (text) and as tools read them
 * (JSON), what the peers saw that no step read, and its packets as a pcap file named after it, which a
 * run with reports also keeps in their pcap folder.
 */
function attachEvidence(world: ConformanceWorld, capture: WireSlice | null, pcapName: string): void {
  world.attach(callLogText(world.calls, world.waitedMs), { mediaType: 'text/plain', fileName: 'call-log.txt' });
  world.attach(JSON.stringify({ waitedMs: world.waitedMs, calls: world.calls }, null, 1), { mediaType: CALL_LOG_MEDIA, fileName: 'call-log.json' });
  if (world.unread.length > 0)
    world.attach(`What the peers saw that no step read: ${describeEvents(world.unread)}\n`, { mediaType: 'text/plain', fileName: 'peer-unread.txt' });
  if (!capture) return;
  const pcap = capture.pcap ? pcapName : null;
  world.attach(wireLogText(capture.packets, world.timeline, pcap), { mediaType: 'text/plain', fileName: 'wire-log.txt' });
  world.attach(JSON.stringify(capture.packets, null, 1), { mediaType: WIRE_LOG_MEDIA, fileName: 'wire-log.json' });
  if (!capture.pcap) return;
  world.attach(capture.pcap, { mediaType: PCAP_MEDIA, fileName: pcapName });
  const folder = world.parameters.captures;
  if (folder) {
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, pcapName), capture.pcap);
  }
}

AfterAll({ timeout: 60_000 }, async function (this: { parameters: unknown }) {
  const { backend, backendOptions, allureResults } = this.parameters as WorldParameters;
  if (allureResults) writeAllureEnvironment(allureResults, backend, backendOptions ?? {}, runMetadata);
  testbed = null;
  runMetadata = null;
  await closeAtRunEnd();
});
