// winsock-conformance bench [--samples N] [--wine] [--npm-test] (npm run bench): the command line of the speed
// targets, which scripts/bench.ts measures.
import { parseCommandLine, wholeNumber } from './arguments';
import type { Command } from './command';

const USAGE = 'usage: winsock-conformance bench [--samples N] [--wine] [--npm-test] [--help]';

const OPTIONS = { samples: { type: 'string' }, wine: { type: 'boolean' }, 'npm-test': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

const HELP = `${USAGE}

  --samples N              how many samples each measurement takes the median of (default 9)
  --wine                   also each agent's boot and round trip under Wine, and the Wine run against the windows it waits
  --npm-test               also npm test's wall time, warm (one npm test to warm up, then one timed), against 120 s, and its CPU time
`;

async function main(argv: readonly string[], stdout: NodeJS.WritableStream): Promise<number> {
  const { values } = parseCommandLine(argv, OPTIONS);
  if (values.help) {
    stdout.write(HELP);
    return 0;
  }
  const samples = values.samples === undefined ? 9 : wholeNumber('--samples', values.samples, 1, 'samples');
  const { bench: measure } = await import('../../scripts/bench');
  await measure({ samples, wine: values.wine ?? false, npmTest: values['npm-test'] ?? false, stdout });
  return 0;
}

export const bench: Command = { usage: USAGE, main };
