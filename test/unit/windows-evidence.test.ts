// What Windows is known to do (spec/<function>.windows-evidence.yaml): the suite's own files cover every entry
// of their catalogues, each mistake in such a file is one line with file:line, an entry with neither evidence of
// Windows nor notFound fails the check, and a cited source's lines are held to their hash where a copy of
// the source is given.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { catalogueFiles, functionCatalogue, loadCatalogue } from '../../src/catalogue/catalogue';
import {
  checkWindowsEvidence,
  citationText,
  citationUrl,
  linesHash,
  loadWindowsEvidence,
  parseLines,
  windowsEvidenceFile,
  windowsEvidenceOf,
} from '../../src/catalogue/windows-evidence';
import { catalogueOf, requirement } from './catalogue-fixture';
import { scratchDir } from '../scratch';

const SOURCE_TEXT = ['int main(void)', '{', '    shutdown(s, SD_RECEIVE);', '    return 0;', '}', ''].join('\n');
const CALL_HASH = linesHash(SOURCE_TEXT, [{ from: 3, to: 3 }]);

/** A made-up evidence file for a catalogue of a.rule, b.rule and c.rule; `entries` replaces its entries. */
function evidenceText(entries: string): string {
  return `function: WSARecvDisconnect
searched:
  - a made-up source tree
sources:
  - id: made-up
    cite: made-up 1.0 (test)
    what: a source made up for this test
    get: it is written by the test
    url: https://example.invalid/{file}#L{from}-{to}
entries:
${entries}`;
}

const TEST_ITEM = (lines: string, hash: string, file = 'tests/sock.c'): string => `      - kind: test-on-windows
        source: made-up
        file: ${file}
        lines: ${lines}
        hash: '${hash}'
        in: main
        call: shutdown(SD_RECEIVE)
        shows: the call is made
        bearing: agrees`;

const CATALOGUE = catalogueOf([requirement('a.rule'), requirement('b.rule'), requirement('c.rule', 'CLIENT', 'not-testable', { why: 'advice' })]);

function scratchEvidence(text: string): string {
  const file = path.join(scratchDir('windows-evidence'), 'WSARecvDisconnect.windows-evidence.yaml');
  writeFileSync(file, text);
  return file;
}

function sourceTree(): string {
  const dir = scratchDir('windows-evidence-source');
  mkdirSync(path.join(dir, 'tests'));
  writeFileSync(path.join(dir, 'tests', 'sock.c'), SOURCE_TEXT);
  return dir;
}

const COMPLETE = evidenceText(`  - id: a.rule
    evidence:
${TEST_ITEM('3', CALL_HASH)}
  - id: b.rule
    evidence:
      - kind: microsoft-documentation
        url: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-shutdown
        title: shutdown function (winsock2.h)
        section: Remarks
        call: shutdown(SD_RECEIVE)
        shows: the same as the page
        bearing: agrees
  - id: c.rule
    notFound: an obligation on applications
`);

describe('what Windows is known to do', () => {
  it("every catalogue of the suite has its evidence file, with every entry's evidence of Windows or notFound", () => {
    for (const file of catalogueFiles()) {
      const catalogue = loadCatalogue(file);
      const evidence = windowsEvidenceOf(catalogue);
      assert.ok(evidence, `${windowsEvidenceFile(catalogue)} is missing`);
      const check = checkWindowsEvidence(catalogue, evidence);
      assert.deepEqual(check.problems, []);
      assert.equal(check.withWindowsEvidence + check.noneFound, catalogue.requirements.length);
      assert.ok(check.withWindowsEvidence > 0 && check.sourceCitations > 0);
    }
  });

  it('is a companion of its catalogue, never taken for a catalogue itself', () => {
    assert.deepEqual(
      catalogueFiles().map((f) => path.basename(f)),
      catalogueFiles().map((f) => `${loadCatalogue(f).function}.yaml`),
    );
    assert.equal(path.basename(windowsEvidenceFile(functionCatalogue())), 'WSARecvDisconnect.windows-evidence.yaml');
  });

  it('holds a complete file, and each cited line to its hash where the source is given', () => {
    const evidence = loadWindowsEvidence(scratchEvidence(COMPLETE));
    const unchecked = checkWindowsEvidence(CATALOGUE, evidence);
    assert.deepEqual(unchecked.problems, []);
    assert.deepEqual([unchecked.withWindowsEvidence, unchecked.noneFound, unchecked.sourceCitations, unchecked.checked], [2, 1, 1, 0]);
    assert.deepEqual(unchecked.unchecked, ['made-up']);
    const checked = checkWindowsEvidence(CATALOGUE, evidence, new Map([['made-up', sourceTree()]]));
    assert.deepEqual(checked.problems, []);
    assert.equal(checked.checked, 1);
  });

  it('fails an entry with neither evidence of Windows nor notFound, a missing entry and an unknown one', () => {
    const reactosOnly = evidenceText(`  - id: a.rule
    evidence:
      - kind: reactos-code
        source: made-up
        file: tests/sock.c
        lines: 3
        hash: '${CALL_HASH}'
        in: main
        call: shutdown(SD_RECEIVE)
        shows: ReactOS makes the call
        bearing: agrees
  - id: z.rule
    notFound: nothing
`);
    const problems = checkWindowsEvidence(CATALOGUE, loadWindowsEvidence(scratchEvidence(reactosOnly))).problems;
    assert.equal(problems.length, 4, problems.join('\n'));
    assert.match(problems[0] ?? '', /\.yaml:\d+: z\.rule is no entry of spec\/test\.yaml$/);
    assert.match(problems[1] ?? '', /\.yaml:\d+: a\.rule has neither evidence of Windows nor notFound$/);
    assert.match(problems[2] ?? '', /: b\.rule \(spec:1\) has no entry: cite what Windows is known to do, or say under notFound that nothing was found$/);
    assert.match(problems[3] ?? '', /: c\.rule \(spec:1\) has no entry: /);
  });

  it('names the hash the cited lines really have, a line past the end and a file not in the source', () => {
    const wrong = evidenceText(`  - id: a.rule
    evidence:
${TEST_ITEM('2-3', CALL_HASH)}
${TEST_ITEM('5-9', CALL_HASH)}
${TEST_ITEM('1', CALL_HASH, 'tests/afd.c')}
  - id: b.rule
    notFound: nothing
  - id: c.rule
    notFound: nothing
`);
    const problems = checkWindowsEvidence(CATALOGUE, loadWindowsEvidence(scratchEvidence(wrong)), new Map([['made-up', sourceTree()]])).problems;
    const actual = linesHash(SOURCE_TEXT, [{ from: 2, to: 3 }]);
    const shown = problems.map((p) => p.replace(/^.*?\.yaml:\d+: /, ''));
    assert.equal(shown.length, 3, problems.join('\n'));
    assert.equal(
      shown[0],
      `a.rule: tests/sock.c:2-3 in made-up hash to '${actual}', not '${CALL_HASH}': check the lines say what the item says, then quote that hash`,
    );
    assert.equal(shown[1], 'a.rule: tests/sock.c:5-9 is past the end of the file (5 lines)');
    assert.match(shown[2] ?? '', /^a\.rule: tests\/afd\.c is not in made-up \(/);
  });

  it('is one line with file:line for each malformed field', () => {
    const load = (item: string): string => {
      try {
        loadWindowsEvidence(scratchEvidence(evidenceText(`  - id: a.rule\n    evidence:\n${item}\n`)));
        return 'loaded';
      } catch (error) {
        assert.equal((error as Error).name, 'InputError');
        return (error as Error).message.replace(/^.*?\.yaml:(\d+): /, 'line $1: ');
      }
    };
    assert.equal(load(TEST_ITEM('3', CALL_HASH)), 'loaded');
    assert.equal(
      load(TEST_ITEM('3', CALL_HASH).replace('test-on-windows', 'hearsay')),
      "line 13: a.rule: kind 'hearsay' is not one of test-on-windows, microsoft-documentation, reactos-code",
    );
    assert.equal(load(TEST_ITEM('3', CALL_HASH).replace('agrees', 'likes')), "line 13: a.rule: bearing 'likes' is not one of agrees, contradicts, says-more");
    assert.equal(load(TEST_ITEM('4-3', CALL_HASH)), 'line 13: a.rule: lines must be ascending line numbers or ranges (9019-9032, 48-77,107-114), not 4-3');
    assert.equal(load(TEST_ITEM('3', 'abc')), 'line 13: a.rule: hash must be 12 hex digits in quotes, not abc');
    assert.equal(
      load(TEST_ITEM('3', CALL_HASH).replace('source: made-up', 'source: elsewhere')),
      "line 13: a.rule: source 'elsewhere' is not among the file's sources (made-up)",
    );
    assert.equal(
      load(TEST_ITEM('3', CALL_HASH).replace('test-on-windows', 'microsoft-documentation')),
      'line 13: a.rule: a document is cited by url, title and section, not by source, file, lines, hash, in',
    );
    assert.equal(
      load(`${TEST_ITEM('3', CALL_HASH)}\n        verdict: PASS`),
      'line 13: unknown field verdict; known: kind, source, file, lines, hash, in, url, title, section, edition, call, shows, windows, bearing',
    );
  });

  it('parses line ranges and writes citations as a reader follows them', () => {
    assert.deepEqual(parseLines('48-77,107-114'), [
      { from: 48, to: 77 },
      { from: 107, to: 114 },
    ]);
    assert.deepEqual(parseLines('11113'), [{ from: 11113, to: 11113 }]);
    assert.equal(parseLines('10-20,15-30'), null);
    assert.equal(parseLines('0'), null);
    const evidence = loadWindowsEvidence(scratchEvidence(COMPLETE));
    const [source, document] = evidence.entries.flatMap((e) => e.items).map((i) => i.citation);
    assert.ok(source && document);
    assert.equal(citationText(source), 'made-up 1.0 (test) tests/sock.c:3 main');
    assert.equal(citationUrl(source), 'https://example.invalid/tests/sock.c#L3-3');
    assert.equal(
      citationText(document),
      'shutdown function (winsock2.h), Remarks: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-shutdown',
    );
    assert.equal(citationUrl(document), 'https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-shutdown');
  });
});
