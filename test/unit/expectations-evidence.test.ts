// The evidence an expectation names must be there: a pcap file named in expectations/*.yaml is the name a
// run gives a scenario of the features as they are (src/run-outputs/wire-log.ts), so that it outlives no edit
// of a feature file that moves its scenario.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { REPO_ROOT } from '../../src/core/paths';
import { pcapFileName } from '../../src/run-outputs/wire-log';
import { readScenarios } from '../../src/catalogue/trace';

it('every pcap an expectation names is the file a run writes for a scenario of the features', () => {
  const written = new Set(
    readScenarios(path.join(REPO_ROOT, 'features')).map((s) => {
      const [file, line] = s.location.split(':');
      return pcapFileName(file ?? '', Number(line), s.name);
    }),
  );
  const folder = path.join(REPO_ROOT, 'expectations');
  let named = 0;
  for (const file of readdirSync(folder).filter((f) => f.endsWith('.yaml'))) {
    for (const [, pcap] of readFileSync(path.join(folder, file), 'utf8').matchAll(/\/pcap\/([^\s;,)]+\.pcap)/g)) {
      named += 1;
      assert.ok(written.has(pcap ?? ''), `${file} names ${pcap}, which no scenario's capture is called`);
    }
  }
  assert.ok(named > 0, 'the expectations name pcaps');
});
