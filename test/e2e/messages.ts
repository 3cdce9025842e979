// What a run's cucumber messages (messages.ndjson) hold for the e2e tests: each scenario's attachments.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Each scenario's attachments of `mediaType`, by scenario name, from cucumber's messages. */
export function attachmentsByScenario(reports: string, mediaType: string): Map<string, string[]> {
  const names = new Map<string, string>();
  const ofTestCase = new Map<string, string>();
  const ofStarted = new Map<string, string>();
  const found = new Map<string, string[]>();
  for (const line of fs.readFileSync(path.join(reports, 'messages.ndjson'), 'utf8').split('\n')) {
    if (!line) continue;
    const e = JSON.parse(line) as {
      pickle?: { id: string; name: string };
      testCase?: { id: string; pickleId: string };
      testCaseStarted?: { id: string; testCaseId: string };
      attachment?: { mediaType: string; body: string; testCaseStartedId?: string };
    };
    if (e.pickle) names.set(e.pickle.id, e.pickle.name);
    if (e.testCase) ofTestCase.set(e.testCase.id, names.get(e.testCase.pickleId) ?? '');
    if (e.testCaseStarted) ofStarted.set(e.testCaseStarted.id, ofTestCase.get(e.testCaseStarted.testCaseId) ?? '');
    if (e.attachment?.mediaType === mediaType) {
      const name = ofStarted.get(e.attachment.testCaseStartedId ?? '') ?? '';
      found.set(name, [...(found.get(name) ?? []), e.attachment.body]);
    }
  }
  return found;
}
