// npm run stability -- --runs N [--backend NAME] [--backend-option K=V]...: runs the suite N times in
// one process and lists every scenario whose verdict changed between runs. A noisy check gets a wider,
// documented window, never a retry.
import { parseArguments, runSuite, summaryLine } from '../src/cli/main';
import type { ISupportCodeLibrary } from '@cucumber/cucumber/api';

async function main(argv: string[]): Promise<number> {
  const at = argv.indexOf('--runs');
  const runs = at >= 0 ? Number(argv[at + 1]) : 20;
  if (!Number.isInteger(runs) || runs < 2) {
    process.stderr.write('stability: --runs takes a whole number of at least 2\n');
    return 2;
  }
  const rest = at >= 0 ? [...argv.slice(0, at), ...argv.slice(at + 2)] : argv;
  let parsed;
  try {
    parsed = parseArguments(rest);
  } catch (error) {
    process.stderr.write(`stability: ${(error as Error).message}\n`);
    return 2;
  }
  if (parsed === 'help' || parsed.list) {
    process.stdout.write('usage: npm run stability -- --runs N [winsock-conformance options]\n');
    return 0;
  }
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
    process.stdout.write(`run ${run}/${runs}: ${summaryLine(summary)}\n`);
  }
  const changed = [...history].filter(([, h]) => new Set(h.verdicts).size > 1 || h.verdicts.length !== runs);
  for (const [location, h] of changed) process.stdout.write(`changed: ${location} ${h.name}: ${h.verdicts.join(' ')}\n`);
  process.stdout.write(
    changed.length === 0
      ? `stable: ${history.size} scenarios gave the same verdict in all ${runs} runs on ${options.backend}\n`
      : `unstable: ${changed.length} of ${history.size} scenarios changed verdict across ${runs} runs on ${options.backend}\n`,
  );
  return changed.length === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`stability: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
