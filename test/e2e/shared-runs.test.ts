// npm test's whole runs (test/e2e/shared-runs.ts): each exits 0, says its summary line first and no verdict
// line (the runs are --quiet), leaves nothing running and writes a junit.xml
// that Jenkins' schema accepts, and the lines the README and docs/interpreting.md quote of the Wine (64- and
// 32-bit) and POSIX runs (the console's summary line, the matrix's headline) are the runs' own.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../../src/core/paths';
import { readRunRecord } from '../../src/verdicts/run-record';
import { functionCatalogue } from '../../src/catalogue/catalogue';
import { buildMatrix } from '../../src/report/matrix';
import { readRunFolder } from '../../src/report/sources';
import { allureReportName } from '../../src/cli/report';
import { onAnotherHost, SHARED_RUNS, sharedRun, summaryOf, type SharedRunName } from './shared-runs';
import { hasPrerequisite, namespaceMissing } from '../prerequisites';
import { checkJunit } from './outputs-agree';
import { VERDICT_LINE } from './cli-process';

/** The summary lines quoted (`57 scenarios: ...`) in the part of `file` from `from` up to `to`. */
function statedSummaries(file: string, from: string, to: string): string[] {
  const text = readFileSync(path.join(REPO_ROOT, file), 'utf8');
  const start = text.indexOf(from);
  assert.ok(start >= 0, `${file}: no "${from}"`);
  const end = text.indexOf(to, start + from.length);
  const part = text.slice(start, end < 0 ? undefined : end);
  return [...part.matchAll(/`(\d+ scenarios: [^`]*)`/g)].map((m) => m[1] ?? '');
}

/**
 * The matrix's headlines quoted in `file` (`wine: keeps every MUST: ...`, or as the Allure report's name
 * gives it, `WSARecvDisconnect on wine: keeps every MUST: ...`), each with what names its column.
 */
function statedHeadlines(file: string): { title: string; line: string }[] {
  const text = readFileSync(path.join(REPO_ROOT, file), 'utf8');
  return [...text.matchAll(/`([^`:]+): (keeps every MUST[^`]*)`/g)].map((m) => ({ title: m[1] ?? '', line: m[2] ?? '' }));
}

/** Shared run `name`'s headline in the compliance matrix, as `npm run report` prints it, and the name of its Allure report, which tells it too. */
async function headline(name: SharedRunName): Promise<{ printed: string; allureName: string }> {
  const run = await sharedRun(name);
  const source = readRunFolder(run.folder, run.folder);
  const [column] = buildMatrix(functionCatalogue(source.record.function), [source]).columns;
  const line = column?.summary.line ?? '(no column)';
  return { printed: `${column?.title ?? name}: ${line}`, allureName: allureReportName(source.record, line) };
}

describe("npm test's whole runs", { concurrency: true }, () => {
  for (const name of Object.keys(SHARED_RUNS) as SharedRunName[]) {
    it(`${name}: exits 0, says its summary first and no verdict line (--quiet), and leaves nothing running`, async (t) => {
      if (onAnotherHost(name) && !hasPrerequisite(t, namespaceMissing())) return;
      const run = await sharedRun(name);
      assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
      assert.equal(run.stdout.split('\n')[0], summaryOf(run), 'the summary, first');
      assert.doesNotMatch(run.stdout, VERDICT_LINE, 'no verdict line under --quiet');
      assert.deepEqual(run.leftovers, [], 'processes of the run, or of the prefix, still running');
    });

    it(`${name}: its junit.xml keeps to junit-10.xsd, and tells the verdicts of its verdicts.json with their evidence`, async (t) => {
      if (onAnotherHost(name) && !hasPrerequisite(t, namespaceMissing())) return;
      const run = await sharedRun(name);
      checkJunit(run.folder, readRunRecord(run.folder).results, run.code ?? -1);
    });
  }

  it("the Wine run's summary line is the README's", async () => {
    const stated = statedSummaries('README.md', '- **Wine, on Linux**', "- **Wine's 32-bit");
    assert.deepEqual(stated, [summaryOf(await sharedRun('wine'))]);
  });

  it("the 32-bit Wine run's summary line is the README's", async () => {
    const stated = statedSummaries('README.md', "- **Wine's 32-bit `ws2_32.dll`, on Linux**", '- **Windows**');
    assert.deepEqual(stated, [summaryOf(await sharedRun('wine32'))]);
  });

  it("the matrix headlines the README and docs/interpreting.md quote for a run are that shared run's own", async () => {
    const stated = ['README.md', 'docs/interpreting.md'].flatMap((file) => statedHeadlines(file).map((h) => ({ file, ...h })));
    assert.ok(stated.length >= 3, 'the README quotes the Wine run’s headline, and interpreting.md the POSIX run’s and the Wine run’s Allure name');
    const actual = await Promise.all((Object.keys(SHARED_RUNS) as SharedRunName[]).map(headline));
    const said = actual.flatMap((h) => [h.printed, h.allureName]);
    for (const { file, title, line } of stated) {
      const same = said.filter((text) => text.startsWith(`${title}: `));
      assert.ok(same.length > 0, `${file} quotes the headline of ${title}, which no shared run has (${said.join('; ')})`);
      assert.ok(same.includes(`${title}: ${line}`), `${file}: "${title}: ${line}", where the runs say ${same.map((text) => `"${text}"`).join(' or ')}`);
    }
  });

  it("the POSIX run's summary line is the README's and docs/interpreting.md's", async () => {
    const run = summaryOf(await sharedRun('posix'));
    assert.deepEqual(statedSummaries('README.md', '## The POSIX column', '\n## '), [run], 'README.md');
    assert.deepEqual(statedSummaries('docs/interpreting.md', '## The POSIX column', '\n## '), [run], 'docs/interpreting.md');
  });
});
