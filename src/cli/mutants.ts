// winsock-conformance mutants [--function NAME] (npm run mutants): proves the suite's teeth. Runs the suite on the simulator once as it is (every scenario
// must pass), then once per mutant (each breaks the documented rules it names: one, or several for one that
// models a real implementation) and once per optional behaviour switched off, and prints who killed whom.
// A surviving mutant, a mutant that some rule it breaks does not catch by a scenario of its own, or a
// testable requirement without a mutant fails the command. `--function NAME` runs that function's features
// against the variants that break its requirements (the default function's otherwise, as the command's).
import { functionCatalogue, isTestable, type Catalogue } from '../catalogue/catalogue';
import { CHOICES, DEFAULT_CHOICES, type SimulatorChoices } from '../testbeds/simulator/options';
import { MUTANTS } from '../testbeds/simulator/mutants';
import { runSuite } from '../run/run-suite';
import type { RunOptions } from '../run/options';
import { parseCommandLine } from './arguments';
import type { Command } from './command';
import type { ISupportCodeLibrary } from '@cucumber/cucumber/api';

interface Variant {
  name: string;
  /** The requirements it breaks; each must catch it by a scenario of its own. */
  breaks: readonly string[];
  backendOptions: Record<string, string>;
}

/** The variants of the simulator that break requirements of `catalogue` (a mutant of another function breaks none of its). */
function variants(catalogue: Catalogue): Variant[] {
  const mutants = MUTANTS.map((m) => ({ name: m.name, breaks: m.breaks, backendOptions: { mutant: m.name } }));
  const choices = (Object.keys(CHOICES) as (keyof SimulatorChoices)[]).flatMap((key) =>
    CHOICES[key].values
      .filter((value) => value !== DEFAULT_CHOICES[key])
      .map((value) => ({ name: `${CHOICES[key].option}=${value}`, breaks: [CHOICES[key].requirement], backendOptions: { [CHOICES[key].option]: value } })),
  );
  const ids = new Set(catalogue.requirements.map((r) => r.id));
  return [...mutants, ...choices].filter((variant) => variant.breaks.some((id) => ids.has(id)));
}

const USAGE = 'usage: winsock-conformance mutants [--function NAME] [--help]';

const OPTIONS = { function: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;

const HELP = `${USAGE}

  --function NAME          the function whose features run, against the variants that break its requirements (default: the command's)
`;

async function main(argv: readonly string[], stdout: NodeJS.WritableStream): Promise<number> {
  const { values } = parseCommandLine(argv, OPTIONS);
  if (values.help) {
    stdout.write(HELP);
    return 0;
  }
  const catalogue = functionCatalogue(values.function ?? null);
  const base: RunOptions = { function: catalogue.function, backend: 'simulator', tags: null, backendOptions: {}, parallel: 0, reports: null, quiet: true };
  const started = Date.now();
  const baseline = await runSuite(base, () => undefined);
  // N/A only where a behaviour the page leaves open takes the default path (a buffer TCP/IP declines with
  // WSAENOPROTOOPT); each such scenario must then pass under another choice, checked after the variants.
  const notPassing = baseline.results.filter((r) => r.verdict !== 'PASS' && r.verdict !== 'N/A');
  if (notPassing.length > 0) {
    for (const r of notPassing) stdout.write(`baseline ${r.verdict} ${r.name}: ${r.detail}\n`);
    stdout.write('the unmutated simulator must pass every scenario before mutants mean anything\n');
    return 1;
  }
  const passedUnderAChoice = new Set<string>();
  let support: ISupportCodeLibrary = baseline.support;
  let killed = 0;
  const problems: string[] = [];
  const all = variants(catalogue);
  for (const variant of all) {
    const run = await runSuite({ ...base, backendOptions: variant.backendOptions }, () => undefined, support);
    support = run.support;
    if (!('mutant' in variant.backendOptions)) for (const r of run.results) if (r.verdict === 'PASS') passedUnderAChoice.add(r.location);
    // A kill is a rule's verdict on the implementation: FAIL, or OPTIONAL for a MAY. A BROKEN or TIMEOUT
    // says the suite could not judge (a control went blind, a harness error, a check that hung), which is
    // the suite's defect, never a kill.
    for (const r of run.results.filter((r) => r.verdict === 'BROKEN' || r.verdict === 'TIMEOUT'))
      problems.push(`${variant.name}: ${r.verdict} ${r.location} (${r.detail}): the suite could not judge; a mutant is killed only by a FAIL or OPTIONAL`);
    const killers = run.results.filter((r) => r.verdict === 'FAIL' || r.verdict === 'OPTIONAL');
    const own = killers.filter((r) => r.requirement !== null && variant.breaks.includes(r.requirement));
    const uncaught = variant.breaks.filter((id) => !own.some((r) => r.requirement === id));
    const others = [...new Set(killers.filter((r) => r.requirement === null || !variant.breaks.includes(r.requirement)).map((r) => r.requirement))];
    const status = uncaught.length === 0 ? 'KILLED' : killers.length > 0 ? 'WEAK' : 'SURVIVED';
    if (status === 'KILLED') killed += 1;
    else
      problems.push(
        `${variant.name}: ${status.toLowerCase()}${uncaught.length < variant.breaks.length ? `; not caught by ${uncaught.join(', ')}` : ''}${others.length ? ` (only by ${others.join(', ')})` : ''}`,
      );
    const by = own.map((r) => `${r.verdict} ${r.location}`).join(', ') || '-';
    stdout.write(
      `${status.padEnd(8)} ${variant.name.padEnd(40)} ${variant.breaks.join(', ').padEnd(44)} by ${by}${others.length ? `; also ${others.join(', ')}` : ''}\n`,
    );
  }
  for (const r of baseline.results)
    if (r.verdict === 'N/A' && !passedUnderAChoice.has(r.location))
      problems.push(`${r.name} (${r.location}): N/A on the unmutated simulator (${r.detail}) and passed under no other choice`);
  const mutated = new Set(all.flatMap((v) => v.breaks));
  for (const r of catalogue.requirements.filter(isTestable)) if (!mutated.has(r.id)) problems.push(`${r.id}: no mutant breaks this requirement`);
  for (const problem of problems) stdout.write(`problem: ${problem}\n`);
  stdout.write(`${((Date.now() - started) / 1000).toFixed(1)} s for ${all.length + 1} runs\n`);
  stdout.write(`mutants killed: ${killed}/${all.length}\n`);
  return problems.length === 0 ? 0 : 1;
}

export const mutants: Command = { usage: USAGE, main };
