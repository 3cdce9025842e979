// A run's identity: its label (and the reports folder it names), the suite's revision, and the facts the
// Allure environment and the matrix show; the command's --help and --list.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkLabel, describeRevision, identityFacts } from '../../src/verdicts/run-identity';
import { defaultReportsFolder, labelSlug } from '../../src/verdicts/run-record';
import { helpText } from '../../src/cli/help';
import { listText } from '../../src/cli/list';
import { MUTANTS } from '../../src/testbeds/simulator/mutants';
import { OPTION_NAMES } from '../../src/testbeds/agent-controller/options';
import { functionCatalogue } from '../../src/catalogue/catalogue';
import { readScenarios } from '../../src/catalogue/trace';
import { REPO_ROOT } from '../../src/core/paths';
import path from 'node:path';

describe('a run label', () => {
  it('names the reports folder of a labelled run beside the unlabelled one', () => {
    assert.equal(labelSlug('ReactOS 0.4.15'), 'reactos-0.4.15');
    assert.equal(labelSlug('Wine 9.0 (staging)/x86'), 'wine-9.0-staging-x86');
    assert.equal(defaultReportsFolder('wine', null), path.join('reports', 'wine'));
    assert.equal(defaultReportsFolder('winsock', 'ReactOS 0.4.15'), path.join('reports', 'winsock-reactos-0.4.15'));
    assert.equal(defaultReportsFolder('wine', 'Wine 9.0'), path.join('reports', 'wine-9.0'));
    assert.equal(defaultReportsFolder('wine', 'Wine'), path.join('reports', 'wine-wine'));
  });

  it('is one line of text with a letter or digit', () => {
    assert.equal(checkLabel('ReactOS 0.4.15'), null);
    assert.match(checkLabel(' x') ?? '', /without leading or trailing spaces/);
    assert.match(checkLabel('a\nb') ?? '', /one line of text/);
    assert.match(checkLabel('!!!') ?? '', /needs a letter or a digit/);
    assert.match(checkLabel('x'.repeat(81)) ?? '', /at most 80 characters/);
  });
});

describe('the suite revision', () => {
  it('reads as its version and commit, saying when the tree had local changes', () => {
    assert.equal(describeRevision({ version: '0.1.0', commit: '7e3b4366697dc27b82a9', localChanges: true }), '0.1.0 at 7e3b4366697d, with local changes');
    assert.equal(describeRevision({ version: '0.1.0', commit: '7e3b4366697dc27b82a9', localChanges: false }), '0.1.0 at 7e3b4366697d');
    assert.equal(describeRevision({ version: '0.1.0', commit: null, localChanges: null }), '0.1.0, not a git checkout');
    assert.equal(describeRevision(null), 'not recorded');
  });

  it('joins the function, the label, the times and the expectations in the facts of the run', () => {
    const facts = identityFacts({
      function: 'WSARecvDisconnect',
      label: 'ReactOS 0.4.15',
      startedAt: '2026-12-02T09:00:00.000Z',
      finishedAt: '2026-12-02T09:01:00.000Z',
      suite: { version: '0.1.0', commit: 'abcdef', localChanges: false },
      expectations: null,
      selection: "--tags '@req:remarks.no-icmp'",
    });
    assert.deepEqual(facts, {
      function: 'WSARecvDisconnect',
      label: 'ReactOS 0.4.15',
      'run started': '2026-12-02T09:00:00.000Z',
      'run finished': '2026-12-02T09:01:00.000Z',
      'suite revision': '0.1.0 at abcdef',
      expectations: 'none',
      selection: "--tags '@req:remarks.no-icmp'",
    });
  });

  it('names each rerun merged into the run: its scenarios, when, and what differed from the run', () => {
    const suite = { version: '0.1.0', commit: 'abcdef', localChanges: false };
    const facts = identityFacts({
      function: 'WSARecvDisconnect',
      label: null,
      startedAt: '2026-12-02T09:00:00.000Z',
      finishedAt: '2026-12-02T09:01:00.000Z',
      suite,
      expectations: 'expectations/wine.yaml',
      selection: null,
      reruns: [
        { startedAt: '2026-12-02T10:00:00.000Z', finishedAt: '2026-12-02T10:00:09.000Z', suite, scenarios: ['a:1', 'b:2'], folder: 'reruns/1', metadata: {} },
        {
          startedAt: '2026-12-03T10:00:00.000Z',
          finishedAt: '2026-12-03T10:00:05.000Z',
          suite: { ...suite, commit: '123456' },
          scenarios: ['a:1'],
          folder: 'reruns/2',
          metadata: { 'agent: wine': '9.0' },
        },
      ],
    });
    assert.equal(
      facts.reruns,
      '2 scenarios run again 2026-12-02T10:00:00.000Z (reruns/1); 1 scenario run again 2026-12-03T10:00:00.000Z, with suite revision 0.1.0 at 123456, agent: wine 9.0 (reruns/2)',
    );
    assert.equal(facts.selection, 'the whole suite');
  });
});

describe('--help and --list', () => {
  it('--help names every backend option and every mutant', () => {
    const text = helpText('usage: x');
    for (const name of OPTION_NAMES) assert.match(text, new RegExp(`^    ${name}=`, 'm'), name);
    for (const mutant of MUTANTS) assert.match(text, new RegExp(`^  ${mutant.name} `, 'm'), mutant.name);
    assert.match(text, /^ {4}tcpip-disconnect-buffer=WSAENOPROTOOPT\|zero-length\|untouched$/m);
  });

  it('--list gives each requirement its scenarios, an outline row by row with the line that selects it', () => {
    const catalogue = functionCatalogue();
    const heads = readScenarios(path.join(REPO_ROOT, 'features'));
    const outline = heads.find((h) => h.requirement === 'errors.wsanotinitialised');
    assert.ok(outline);
    const [uri, line] = outline.location.split(':') as [string, string];
    const plan = [
      { name: 'row one', uri, location: { line: Number(line) + 9 } },
      { name: 'row two', uri, location: { line: Number(line) + 10 } },
    ];
    const text = listText(catalogue, heads, plan, true);
    assert.match(text, /^WSARecvDisconnect: \d+ requirements, 2 scenarios selected\.$/m);
    assert.match(
      text,
      new RegExp(`^errors\\.wsanotinitialised  MUST  .*\\n  ${uri}:${Number(line) + 9}  row one\\n  ${uri}:${Number(line) + 10}  row two$`, 'm'),
    );
    assert.doesNotMatch(text, /^returns\.zero-on-success /m, 'a selection lists only the requirements it reaches');
    const all = listText(catalogue, heads, plan, false);
    assert.match(all, /^returns\.zero-on-success {2}MUST {2}.*$/m);
    assert.match(all, /^param\.s {2}INFORMATIVE {2}.*\(covered by /m);
  });
});
