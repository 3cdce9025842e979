// `npm run lint:trace` and `npm run spec:diff` on revisions of the page made here from the page where it lies
// (test/page-edits.ts): what they print, and their exit codes. Their commands run in this process, through
// the exit path they share with every command (runCommandHere); spec:diff runs once as the program npm runs
// as well, and lint:trace's program is run by npm test's own lint:trace step and by second-function.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PAGE, PAGE_TEXT, replaceInStatement, statement, withoutStatement, writeRevision } from '../page-edits';
import { lintTrace } from '../../scripts/lint-trace';
import { specDiff } from '../../scripts/spec-diff';
import { run, runCommandHere } from './cli-process';

describe('lint:trace', () => {
  it('prints full page coverage on the real page, beside the requirements traced', async () => {
    const result = await runCommandHere('lint:trace', lintTrace, []);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /^traced: (\d+)\/\1 requirements /m);
    assert.match(result.stdout, /^page: (\d+)\/\1 statements claimed \(.*WSARecvDisconnect\.md\)$/m);
  });

  it('fails on a revision without one sentence, naming the entry that lost its anchor and where', async () => {
    const gone = statement('-remarks/p5/s1');
    const result = await runCommandHere('lint:trace', lintTrace, ['--page', writeRevision('lint-trace', withoutStatement(PAGE_TEXT, gone))]);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(
      result.stdout,
      new RegExp(`^spec/WSARecvDisconnect\\.yaml:\\d+: remarks\\.does-not-block-linger: anchor -remarks/p5/s1 \\(${gone.hash}\\) no longer resolves: `, 'm'),
    );
    assert.match(result.stdout, /^page: (\d+)\/(?!\1)\d+ statements claimed/m);
  });

  it('is bad input, exit 2, for an option without its value', async () => {
    const result = await runCommandHere('lint:trace', lintTrace, ['--page', '--source', 'x=y']);
    assert.equal(result.code, 2);
    assert.equal(result.stderr, `lint:trace: --page needs a value, not '--source'\n${lintTrace.usage}\n`);
  });

  it('is bad input, exit 2, for a page that is not there', async () => {
    const result = await runCommandHere('lint:trace', lintTrace, ['--page', '/nonexistent/WSARecvDisconnect.md']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^lint:trace: the page .* is not at \/nonexistent\/WSARecvDisconnect\.md; /);
  });
});

describe('spec:diff', () => {
  it('lists a changed word, a removed sentence and an added row, with the entries they touch', async () => {
    let text = replaceInStatement(PAGE_TEXT, statement('-remarks/p2/s4'), 'accepted', 'discarded');
    text = withoutStatement(text, statement('-remarks/p5/s1'));
    const end = text.indexOf('</table>');
    text = `${text.slice(0, end)}<tr>\n<td>WSAEWOULDBLOCK</td>\n<td>A row the page does not have.</td>\n</tr>\n${text.slice(end)}`;
    const result = await runCommandHere('spec:diff', specDiff, [PAGE, writeRevision('spec-diff', text)]);
    assert.equal(result.code, 1, result.stderr);
    const out = result.stdout;
    assert.match(out, /^changed {2}-remarks\/p2\/s4 \(.*:\d+ -> .*:\d+\): remarks\.udp-datagrams-queued$/m);
    assert.match(out, /^ {2}- For UDP, incoming datagrams are accepted and queued\.$/m);
    assert.match(out, /^ {2}\+ For UDP, incoming datagrams are discarded and queued\.$/m);
    assert.match(out, /^vanished -remarks\/p5\/s1 \(.*:\d+\): remarks\.does-not-block-linger$/m);
    assert.match(out, /^added {4}-returns\/table1\/row9\/s1 \(.*:\d+\): claimed by no entry$/m);
    assert.match(out, /^statements: \d+ unchanged, 1 changed, 1 vanished, 2 moved, 1 added$/m);
    assert.match(out, /^entries to review \(a statement changed or vanished\): remarks\.udp-datagrams-queued, remarks\.does-not-block-linger$/m);
    assert.match(out, /^anchors to update \(the same text moved\): remarks\.do-not-rely-on-reuse, remarks\.reuse-not-required$/m);
    assert.match(out, /^new statements nobody claims: -returns\/table1\/row9\/s1$/m);
  });

  it('finds nothing between a page and itself, exit 0', async () => {
    const result = await runCommandHere('spec:diff', specDiff, [PAGE, PAGE]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^statements: (\d+) unchanged, 0 changed, 0 vanished, 0 moved, 0 added$/m);
  });

  it('is bad input, exit 2, with one line and the usage, as the program npm runs', async () => {
    const result = await run('scripts/spec-diff.ts', [PAGE]);
    assert.equal(result.code, 2);
    assert.equal(result.stderr, 'spec:diff: two pages are needed, OLD and NEW\nusage: npm run spec:diff -- OLD.md NEW.md [--catalogue spec/X.yaml]\n');
  });
});
