// winsock-conformance with no subcommand: runs the features on one backend (src/run/), prints a line per
// scenario with its verdict and the summary, and exits by the verdicts (0 conforming, 1 a failing
// verdict, 2 bad input or a run that cannot start, 130 interrupted); or prints --help or --list.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../core/paths';
import { functionCatalogue } from '../catalogue/catalogue';
import { runFiles } from '../verdicts/run-record';
import { runSuite } from '../run/run-suite';
import { planRun } from '../run/plan';
import type { RunOptions } from '../run/options';
import type { Command } from './command';
import { NothingToRerun } from '../run/rerun';
import { parseArguments, USAGE } from './run-arguments';
import { progressLine, summaryLine } from './verdict-lines';
import { namedFacts } from '../testbeds/agent-controller/facts';

async function list(options: RunOptions, stdout: NodeJS.WritableStream): Promise<number> {
  const { listText } = await import('./list');
  const { readScenarios } = await import('../catalogue/trace');
  const catalogue = functionCatalogue(options.function ?? null);
  const { plan } = await planRun(options, catalogue);
  const selected = options.tags !== null || (options.paths?.length ?? 0) > 0;
  stdout.write(listText(catalogue, readScenarios(path.join(REPO_ROOT, catalogue.features)), plan, selected));
  return 0;
}

async function main(argv: readonly string[], stdout: NodeJS.WritableStream): Promise<number> {
  let options: RunOptions | 'help';
  try {
    options = parseArguments(argv);
  } catch (error) {
    if (!(error instanceof NothingToRerun)) throw error;
    stdout.write(`${error.message}\n`);
    return 0;
  }
  if (options === 'help') {
    const { helpText } = await import('./help');
    stdout.write(helpText(USAGE));
    return 0;
  }
  if (options.list) return list(options, stdout);
  const summary = await runSuite(options, (result) => stdout.write(`${progressLine(result)}\n`));
  // A rerun's summary is the whole run's, the rerun merged into it, as its reports are.
  if (summary.merged) stdout.write(`rerun: ${summaryLine(summary)}\n${summaryLine(summary.merged)}\n`);
  else stdout.write(`${summaryLine(summary)}\n`);
  // Where the agent contradicts what the controller saw (or Wine's TCP/IP explains it), the console says so too.
  for (const line of namedFacts(summary.facts)) stdout.write(`${line}\n`);
  if (options.reports) {
    const folder = path.resolve(options.reports);
    const pcaps = existsSync(runFiles(folder).captures) ? ', pcap/' : '';
    const logs = existsSync(runFiles(folder).logs) ? ', logs/' : '';
    const rerun = summary.merged?.reruns?.at(-1);
    const rerunFiles = rerun ? `; the rerun's own messages.ndjson: ${rerun.folder}/` : '';
    stdout.write(
      `reports: ${path.relative(process.cwd(), folder) || '.'}/ (verdicts.json, junit.xml, allure-results/${logs}${pcaps}, messages.ndjson: cucumber's messages, the archival record${rerunFiles}; npm run report builds the matrix and Allure's HTML)\n`,
    );
  }
  return summary.failed ? 1 : 0;
}

export const run: Command = { usage: USAGE, main };
