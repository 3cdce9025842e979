// winsock-conformance stability [--runs N] [run options] (npm run stability -- ...): runs the suite N times
// in one process and lists every scenario whose verdict changed between runs. A noisy check gets a wider,
// documented window, never a retry.
import type { ISupportCodeLibrary } from '@cucumber/cucumber/api';
import { runSuite } from '../run/run-suite';
import { parseCommandLine, wholeNumber } from './arguments';
import type { Command } from './command';
import { runOptions, SELECTION_OPTIONS } from './run-arguments';
import { summaryLine } from './verdict-lines';

const USAGE =
  'usage: winsock-conformance stability [--runs N] [--function NAME] [--backend NAME] [--label TEXT] [--expectations FILE] [--tags EXPR] [--backend-option KEY=VALUE]... [--parallel N] [FEATURE[:LINE]...]';

const OPTIONS = { runs: { type: 'string' }, ...SELECTION_OPTIONS, help: { type: 'boolean', short: 'h' } } as const;

const HELP = `${USAGE}

  --runs N                 how many runs, at least 2 (default 20)
  the other options choose the runs as winsock-conformance's own do (winsock-conformance --help); no reports are written
`;

async function main(argv: readonly string[], stdout: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, OPTIONS, true);
  if (values.help) {
    stdout.write(HELP);
    return 0;
  }
  const runs = values.runs === undefined ? 20 : wholeNumber('--runs', values.runs, 2, 'runs');
  const parsed = runOptions(values, positionals);
  const options = { ...parsed, reports: null, quiet: true };
  const history = new Map<string, { name: string; verdicts: string[] }>();
  let support: ISupportCodeLibrary | undefined;
  for (let run = 1; run <= runs; run += 1) {
    const summary = await runSuite(options, () => undefined, support);
    support = summary.support;
    for (const r of summary.results) {
      const seen = history.get(r.location) ?? { name: r.name, verdicts: [] };
      seen.verdicts.push(r.verdict);
      history.set(r.location, seen);
    }
    stdout.write(`run ${run}/${runs}: ${summaryLine(summary)}\n`);
  }
  const changed = [...history].filter(([, h]) => new Set(h.verdicts).size > 1 || h.verdicts.length !== runs);
  for (const [location, h] of changed) stdout.write(`changed: ${location} ${h.name}: ${h.verdicts.join(' ')}\n`);
  stdout.write(
    changed.length === 0
      ? `stable: ${history.size} scenarios gave the same verdict in all ${runs} runs on ${options.backend}\n`
      : `unstable: ${changed.length} of ${history.size} scenarios changed verdict across ${runs} runs on ${options.backend}\n`,
  );
  return changed.length === 0 ? 0 : 1;
}

export const stability: Command = { usage: USAGE, main };
