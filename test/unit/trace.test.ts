// The catalogue loader and the traceability lint: each kind of mistake is caught and named with file:line.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { defaultFunction, featurePaths, functionCatalogue, functionFolder, isFeatureOf, loadCatalogue } from '../../src/catalogue/catalogue';
import { readScenarios, trace, type TracedScenario } from '../../src/catalogue/trace';
import { scratchDir } from '../scratch';
import { expectationsFile } from '../../src/verdicts/expectations-file';
import { REPO_ROOT } from '../../src/core/paths';

const catalogue = functionCatalogue();
const page = path.resolve(REPO_ROOT, catalogue.page);

function scratch(text: string): string {
  const file = path.join(scratchDir('catalogue'), 'c.yaml');
  writeFileSync(file, text);
  return file;
}

const oneTestable = (extra = '') => `function: WSARecvDisconnect
page: x.md
url: https://example.invalid/x
requirements:
  - id: a.rule
    section: -returns
    strength: MUST
    rule: Something holds.
    testing: any-backend
${extra}`;

describe('catalogue', () => {
  it('loads the real catalogue with every field', () => {
    assert.ok(catalogue.requirements.length > 30);
    for (const r of catalogue.requirements) assert.ok(r.id && r.section && r.strength && r.rule, r.id);
  });

  it('names file and line for malformed YAML', () => {
    assert.throws(() => loadCatalogue(scratch('function: x\nrequirements: [\n')), /c\.yaml:\d+: /);
  });

  it('names file and line for a missing strength', () => {
    const text = oneTestable().replace('    strength: MUST\n', '');
    assert.throws(() => loadCatalogue(scratch(text)), /c\.yaml:5: requirement a\.rule has no strength/);
  });

  it('requires a reason on a not-testable entry', () => {
    const text = oneTestable().replace('testing: any-backend', 'testing: not-testable');
    assert.throws(() => loadCatalogue(scratch(text)), /a not-testable entry must say why/);
  });
});

describe('the catalogue of a function', () => {
  /** A spec folder with a catalogue per name, each of the function `function` says (its own name unless told). */
  function specDir(functions: Record<string, string>): string {
    const dir = scratchDir('spec');
    for (const [name, fn] of Object.entries(functions)) writeFileSync(path.join(dir, `${name}.yaml`), oneTestable().replace('WSARecvDisconnect', fn));
    return dir;
  }

  it('is the only catalogue by default, or WSARecvDisconnect among several', () => {
    assert.equal(defaultFunction(specDir({ shutdown: 'shutdown' })), 'shutdown');
    assert.equal(functionCatalogue(null, specDir({ shutdown: 'shutdown' })).function, 'shutdown');
    assert.equal(defaultFunction(specDir({ shutdown: 'shutdown', WSARecvDisconnect: 'WSARecvDisconnect' })), 'WSARecvDisconnect');
    assert.throws(
      () => defaultFunction(specDir({ shutdown: 'shutdown', WSASendDisconnect: 'WSASendDisconnect' })),
      /several catalogues .* name one with --function$/,
    );
  });

  it('is named after its function: an unknown name, or a file of another function, is one line', () => {
    const dir = specDir({ shutdown: 'shutdown', WSARecvDisconnect: 'closesocket' });
    assert.throws(
      () => functionCatalogue('send', dir),
      /^InputError: unknown function 'send': no catalogue spec\/send\.yaml; valid: WSARecvDisconnect, shutdown$/,
    );
    assert.throws(
      () => functionCatalogue('WSARecvDisconnect', dir),
      /WSARecvDisconnect\.yaml: function is closesocket; a catalogue is named after its function/,
    );
  });

  it('keeps the reports and expectations of another function than the default under reports/<function>/ and expectations/<function>/, and runs the features directly in its folder', () => {
    const dir = specDir({ shutdown: 'shutdown', WSARecvDisconnect: 'WSARecvDisconnect' });
    assert.equal(functionFolder('reports', 'WSARecvDisconnect', dir), 'reports');
    assert.equal(functionFolder('reports', 'shutdown', dir), path.join('reports', 'shutdown'));
    assert.equal(expectationsFile('/r', 'wine', 'WSARecvDisconnect'), path.join('/r', 'expectations', 'wine.yaml'));
    assert.equal(expectationsFile('/r', 'wine', 'shutdown'), path.join('/r', 'expectations', 'shutdown', 'wine.yaml'));
    const shutdown = { ...catalogue, features: 'features/shutdown' };
    assert.deepEqual(featurePaths(shutdown), ['features/shutdown/*.feature']);
    assert.ok(isFeatureOf(shutdown, 'features/shutdown/x.feature'));
    assert.ok(!isFeatureOf(catalogue, 'features/shutdown/x.feature'));
    assert.ok(isFeatureOf(catalogue, 'features/errors.feature'));
  });
});

describe('trace', () => {
  const tagged = (requirement: string | null, strength = 'MUST', section = '-returns'): TracedScenario => ({
    name: 'n',
    location: 'features/f.feature:1',
    requirement,
    strength,
    section,
  });

  it('passes the real features', () => {
    assert.deepEqual(trace(catalogue, readScenarios(path.join(REPO_ROOT, 'features')), page).problems, []);
  });

  it('reports an unknown ID, a missing scenario, a wrong strength and a duplicate ID', () => {
    const twice = loadCatalogue(
      scratch(
        oneTestable(`  - id: a.rule
    section: -remarks
    strength: MAY
    rule: Again.
    testing: any-backend
  - id: b.rule
    section: -remarks
    strength: MUST
    rule: Untested.
    testing: any-backend
`),
      ),
    );
    const problems = trace(twice, [tagged('a.rule', 'MAY'), tagged('no.such.rule')], page).problems.join('\n');
    assert.match(problems, /duplicate requirement ID a\.rule/);
    assert.match(problems, /@req:no\.such\.rule names no requirement/);
    assert.match(problems, /b\.rule is testable \(any-backend\) but no scenario/);
  });

  it('reports a @strength or @section tag that disagrees with the catalogue', () => {
    const problems = trace(loadCatalogue(scratch(oneTestable())), [tagged('a.rule', 'MAY', '-remarks')], page).problems.join('\n');
    assert.match(problems, /@strength:MAY disagrees with the catalogue's MUST for a\.rule/);
    assert.match(problems, /@section:-remarks disagrees with the catalogue's -returns for a\.rule/);
  });

  it('reports a section that is not on the page', () => {
    const wrong = loadCatalogue(scratch(oneTestable().replace('-returns', '-nowhere')));
    assert.match(trace(wrong, [tagged('a.rule')], page).problems.join('\n'), /section '-nowhere' is not on the page/);
  });
});
