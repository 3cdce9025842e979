// The page's statements, the catalogue's anchors to them, and drift between revisions of the page. The
// revisions are made here from the page where it lies (test/page-edits.ts), never from a copy.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { functionCatalogue, loadCatalogue } from '../../src/catalogue/catalogue';
import { pageCoverage } from '../../src/catalogue/anchors';
import { claimants, diffStatements, similarity } from '../../src/catalogue/drift';
import { pageStatements, sentences, type Statement } from '../../src/catalogue/statements';
import { elementAt, PAGE, PAGE_TEXT, replaceInStatement, statement, STATEMENTS, withoutStatement } from '../page-edits';
import { scratchDir } from '../scratch';

const catalogue = functionCatalogue();

function coverage(text: string): ReturnType<typeof pageCoverage> {
  return pageCoverage(catalogue, pageStatements(text), PAGE);
}

describe('the statements of the page', () => {
  it('cuts the page into facts, headings, parameters, sentences and table rows, each with a unique locator and its own line', () => {
    const locators = STATEMENTS.map((s) => s.locator);
    assert.equal(new Set(locators).size, locators.length, 'locators are unique');
    const kinds = new Set(STATEMENTS.map((s) => s.kind));
    assert.deepEqual([...kinds].sort(), ['fact', 'heading', 'parameter', 'sentence', 'table-head']);
    const lines = PAGE_TEXT.split('\n');
    for (const s of STATEMENTS) {
      assert.equal(s.hash, createHash('sha256').update(s.text).digest('hex').slice(0, 12), s.locator);
      assert.ok(s.text !== '' && !/\s{2}|^\s|\s$/.test(s.text), `${s.locator} is normalised`);
      // The line named is the statement's own or the start of its block (a note, a table row).
      const firstWord = (s.label !== null && s.kind === 'sentence' ? s.label : s.text).split(/[\s:|]/)[0] ?? '';
      assert.ok(
        lines.slice(s.line - 1, s.line + 12).some((l) => l.includes(firstWord)),
        `${s.locator}: '${firstWord}' near line ${s.line}`,
      );
    }
  });

  it('names sections as the catalogue quotes them, a parameter without its direction, and facts by key', () => {
    assert.equal(statement('-param s/heading').kind, 'parameter');
    assert.equal(statement('metadata/req.dll').text, 'req.dll: Ws2_32.dll');
    assert.ok(!STATEMENTS.some((s) => s.locator === 'metadata/req.kmdf-ver'), 'an empty front-matter value states nothing');
    const sections = new Set(STATEMENTS.map((s) => s.section));
    for (const r of catalogue.requirements) assert.ok(sections.has(r.section), `${r.id}: ${r.section}`);
  });

  it('qualifies each sentence of a table row by the row’s first cell', () => {
    const row = STATEMENTS.filter((s) => s.block === '-returns/table1/row5');
    assert.equal(row.length, 3);
    for (const s of row) assert.ok(s.text.startsWith('WSAENOPROTOOPT | '), s.text);
    assert.equal(statement('-returns/table1/row1').kind, 'table-head');
  });

  it('reads text beside an HTML block as a paragraph of its own, and a note as a note', () => {
    assert.equal(statement('-remarks/note1/s1').blockKind, 'note');
    assert.equal(statement('-remarks/p3/s1').blockKind, 'paragraph');
    assert.equal(STATEMENTS.filter((s) => s.block === '-remarks/note2').length, 3);
  });

  it('cuts sentences by Unicode’s rules, not at the dots of a version number', () => {
    assert.deepEqual(sentences('A Windows Sockets 1.1 call is in progress. Then  another.'), ['A Windows Sockets 1.1 call is in progress.', 'Then another.']);
  });
});

describe('anchors and page coverage', () => {
  it('every statement of the real page is claimed, and every anchor resolves', () => {
    const result = coverage(PAGE_TEXT);
    assert.deepEqual(result.problems, []);
    assert.equal(result.claimed, result.total);
    assert.equal(result.total, STATEMENTS.length);
    for (const r of catalogue.requirements) assert.ok(r.anchors.length > 0, `${r.id} has anchors`);
  });

  it('removing any one sentence of the page names every entry that anchored it, and the place', () => {
    const sentencesOfPage = STATEMENTS.filter((s) => s.kind === 'sentence');
    assert.ok(sentencesOfPage.length > 40, `${sentencesOfPage.length} sentences`);
    for (const gone of sentencesOfPage) {
      const result = coverage(withoutStatement(PAGE_TEXT, gone));
      const owners = claimants(catalogue, gone);
      assert.ok(owners.length > 0, `${gone.locator} is claimed`);
      for (const owner of owners) {
        const named = owner === 'non-normative' ? 'non-normative group' : owner;
        const lost = result.problems.filter((p) => p.includes(`: ${named}: anchor ${gone.locator} (${gone.hash}) no longer resolves: `));
        assert.equal(lost.length, 1, `removing ${gone.locator} names ${named}:\n${result.problems.join('\n')}`);
        assert.match(lost[0] ?? '', / text is nowhere on the page$/);
        assert.match(lost[0] ?? '', /^spec\/WSARecvDisconnect\.yaml:\d+: /);
      }
      assert.ok(result.claimed < STATEMENTS.length || result.problems.length > 0);
    }
  });

  it('a changed word leaves the statement unclaimed and its anchor unresolved, saying what the place now holds', () => {
    const result = coverage(replaceInStatement(PAGE_TEXT, statement('-remarks/p5/s1'), 'SO_LINGER', 'SO_KEEPALIVE'));
    assert.match(
      result.problems.join('\n'),
      /remarks\.does-not-block-linger: anchor -remarks\/p5\/s1 \([0-9a-f]{12}\) no longer resolves: the statement there \(.*:\d+\) now reads otherwise/,
    );
    assert.match(
      result.problems.join('\n'),
      /:\d+: -remarks\/p5\/s1 \(sentence\) is claimed by no entry: anchor it \(\{ at: -remarks\/p5\/s1, hash: '[0-9a-f]{12}' \}\)/,
    );
  });

  it('an entry without anchors, and a statement both claimed and classified non-normative, are problems', () => {
    const text = PAGE_TEXT;
    const stripped = { ...catalogue, requirements: catalogue.requirements.map((r, i) => (i === 0 ? { ...r, anchors: [] } : r)) };
    const first = catalogue.requirements[0];
    const problems = pageCoverage(stripped, pageStatements(text), PAGE).problems.join('\n');
    assert.match(problems, new RegExp(`${first?.id.replace(/\./g, '\\.')} anchors no statement of the page`));
    const group = catalogue.nonNormative[0];
    assert.ok(group && first);
    const both = { ...catalogue, nonNormative: [{ ...group, anchors: [...group.anchors, ...first.anchors.slice(0, 1)] }, ...catalogue.nonNormative.slice(1)] };
    assert.match(pageCoverage(both, pageStatements(text), PAGE).problems.join('\n'), /is classified non-normative, yet description\.summary, .* claim it/);
  });

  it('a hash YAML would read as a number must be quoted, and says so', () => {
    const file = path.join(scratchDir('anchors'), 'c.yaml');
    writeFileSync(
      file,
      `function: f\npage: p.md\nurl: https://example.invalid/f\nrequirements:\n  - id: a.b\n    section: -remarks\n    anchors:\n      - { at: -remarks/p1/s1, hash: 9059023773e4 }\n    strength: MUST\n    rule: R.\n    testing: any-backend\n`,
    );
    assert.throws(() => loadCatalogue(file), /c\.yaml:8: an anchor of a\.b: hash must be 12 hex digits in quotes, not 90590237730000$/);
  });
});

describe('drift between two revisions', () => {
  const diff = (text: string): ReturnType<typeof diffStatements> => diffStatements(STATEMENTS, pageStatements(text));
  const locators = (list: readonly Statement[]): string[] => list.map((s) => s.locator);

  it('a revision equal to the page has no drift', () => {
    const drift = diff(PAGE_TEXT);
    assert.deepEqual([drift.changed.length, drift.vanished.length, drift.moved.length, drift.added.length], [0, 0, 0, 0]);
    assert.equal(drift.unchanged, STATEMENTS.length);
  });

  it('a changed word is a changed statement, of the entries that anchor it', () => {
    const drift = diff(replaceInStatement(PAGE_TEXT, statement('-remarks/p2/s4'), 'accepted', 'discarded'));
    assert.deepEqual(
      drift.changed.map((c) => [c.before.locator, c.after.locator]),
      [['-remarks/p2/s4', '-remarks/p2/s4']],
    );
    assert.deepEqual(claimants(catalogue, drift.changed[0]?.before as Statement), ['remarks.udp-datagrams-queued']);
    assert.deepEqual([drift.vanished.length, drift.added.length, drift.moved.length], [0, 0, 0]);
  });

  it('a removed sentence vanishes, and the sentences after it in its paragraph move up', () => {
    const drift = diff(withoutStatement(PAGE_TEXT, statement('-remarks/p2/s2')));
    assert.deepEqual(locators(drift.vanished), ['-remarks/p2/s2']);
    assert.deepEqual(claimants(catalogue, drift.vanished[0] as Statement), ['remarks.no-effect-on-lower-layers']);
    assert.deepEqual(
      drift.moved.map((m) => `${m.before.locator}>${m.after.locator}`),
      ['-remarks/p2/s3>-remarks/p2/s2', '-remarks/p2/s4>-remarks/p2/s3', '-remarks/p2/s5>-remarks/p2/s4'],
    );
    assert.deepEqual([drift.changed.length, drift.added.length], [0, 0]);
  });

  it('an added table row is a new statement nobody claims', () => {
    const end = PAGE_TEXT.indexOf('</table>');
    const row = '<tr>\n<td width="40%">WSAEWOULDBLOCK</td>\n<td width="60%">\nA test row the page does not have.\n</td>\n</tr>\n';
    const drift = diff(PAGE_TEXT.slice(0, end) + row + PAGE_TEXT.slice(end));
    assert.deepEqual(locators(drift.added), ['-returns/table1/row9/s1']);
    assert.equal(drift.added[0]?.text, 'WSAEWOULDBLOCK | A test row the page does not have.');
    assert.deepEqual(claimants(catalogue, drift.added[0] as Statement), []);
    assert.deepEqual([drift.changed.length, drift.vanished.length, drift.moved.length], [0, 0, 0]);
  });

  it('a note moved to the end of the remarks moves its statements, with their entries', () => {
    const [start, end] = elementAt(PAGE_TEXT, statement('-remarks/note1/s1'), 'div');
    const note = PAGE_TEXT.slice(start, end);
    const without = PAGE_TEXT.slice(0, start) + PAGE_TEXT.slice(end);
    const seeAlso = without.indexOf('## -see-also');
    const drift = diff(`${without.slice(0, seeAlso)}${note}\n\n${without.slice(seeAlso)}`);
    const moves = drift.moved.map((m) => `${m.before.locator}>${m.after.locator}`);
    assert.ok(moves.includes('-remarks/note1/s1>-remarks/note2/s1'), moves.join('\n'));
    assert.ok(moves.includes('-remarks/note2/s1>-remarks/note1/s1'), moves.join('\n'));
    assert.deepEqual([drift.changed.length, drift.vanished.length, drift.added.length], [0, 0, 0]);
    const moved = drift.moved.find((m) => m.before.locator === '-remarks/note1/s2');
    assert.deepEqual(claimants(catalogue, moved?.before as Statement), ['remarks.disconnect-data-needs-xp1']);
  });

  it('similarity is the share of words in common', () => {
    assert.equal(similarity('a b c d', 'a b c d'), 1);
    assert.equal(similarity('a b c d', 'a b c e'), 0.75);
    assert.equal(similarity('a b', 'c d'), 0);
  });
});
