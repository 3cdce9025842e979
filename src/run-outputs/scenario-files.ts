// The files a run keeps of each scenario's evidence in its reports folder, named after the scenario
// (wire-log.ts scenarioFileStem) so that the matrix, an expectation or a person can name them and open them
// with nothing but a browser or tcpdump: its packets, pcap/<stem>.pcap (written as they are captured,
// support/hooks.ts), and its call log and wire log as text, logs/<stem>.call-log.txt and
// logs/<stem>.wire-log.txt (written when the run ends, from the scenario's attachments), from which a rerun's
// merge, which has no attachments of the run's scenarios, gives junit.xml their evidence.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runFiles } from '../verdicts/run-record';
import type { Attachment } from '../verdicts/verdicts';
import type { TextEvidence } from './junit';
import { pcapFileName, scenarioFileStem } from './wire-log';

/** The evidence files of one scenario. */
export interface ScenarioFiles {
  callLog: string;
  wireLog: string;
  pcap: string;
}

/** The attachment each log is kept from, by the name support/hooks.ts gives it. */
const LOG_ATTACHMENTS = { callLog: 'call-log.txt', wireLog: 'wire-log.txt' } as const;

/** `features/reception.feature:85` as its feature's path and its line. */
function splitLocation(location: string): { uri: string; line: number | undefined } {
  const at = location.lastIndexOf(':');
  const line = Number(location.slice(at + 1));
  return at < 0 || !Number.isInteger(line) ? { uri: location, line: undefined } : { uri: location.slice(0, at), line };
}

/** Where the evidence files of the scenario at `location` (features/x.feature:LINE) named `name` are in the reports folder `folder`, whether or not the run wrote them. */
export function scenarioFiles(folder: string, location: string, name: string): ScenarioFiles {
  const { uri, line } = splitLocation(location);
  const stem = scenarioFileStem(uri, line, name);
  const files = runFiles(folder);
  return {
    callLog: path.join(files.logs, `${stem}.${LOG_ATTACHMENTS.callLog}`),
    wireLog: path.join(files.logs, `${stem}.${LOG_ATTACHMENTS.wireLog}`),
    pcap: path.join(files.captures, pcapFileName(uri, line, name)),
  };
}

/** Keep each scenario's call log and wire log (where it has one) in `folder`'s logs/. */
export function writeScenarioLogs(folder: string, results: readonly { location: string; name: string; attachments: readonly Attachment[] }[]): void {
  for (const result of results) {
    const files = scenarioFiles(folder, result.location, result.name);
    for (const kind of ['callLog', 'wireLog'] as const) {
      const log = result.attachments.find((a) => a.fileName === LOG_ATTACHMENTS[kind]);
      if (!log) continue;
      mkdirSync(path.dirname(files[kind]), { recursive: true });
      writeFileSync(files[kind], log.body);
    }
  }
}

/**
 * The call log and wire log `folder`'s logs/ keeps of a scenario, as the text pieces of its evidence, named
 * as they were attached: what a record read back (a rerun's merge) has of its scenarios' evidence.
 */
export function loggedEvidence(folder: string, location: string, name: string): TextEvidence[] {
  const files = scenarioFiles(folder, location, name);
  return (['callLog', 'wireLog'] as const)
    .filter((kind) => existsSync(files[kind]))
    .map((kind) => ({ name: LOG_ATTACHMENTS[kind], text: readFileSync(files[kind], 'utf8') }));
}
