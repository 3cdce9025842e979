// The subcommands of winsock-conformance beside the run itself, each loaded only when it is the one asked for.
import type { Command } from './command';

export interface Subcommand {
  name: string;
  /** One line for the command's --help. */
  summary: string;
  load(): Promise<Command>;
}

export const SUBCOMMANDS: readonly Subcommand[] = [
  {
    name: 'report',
    summary: "the Allure reports, the compliance matrix and the annotated page from runs' records; --diff OLD NEW; --bundle FILE",
    load: async () => (await import('./report')).report,
  },
  {
    name: 'mutants',
    summary: 'the suite against simulators that each break the rules they name: who caught whom',
    load: async () => (await import('./mutants')).mutants,
  },
  {
    name: 'stability',
    summary: 'the suite N times in one process: the scenarios whose verdict changed',
    load: async () => (await import('./stability')).stability,
  },
  {
    name: 'bench',
    summary: 'the speed targets, measured',
    load: async () => (await import('./bench')).bench,
  },
];
