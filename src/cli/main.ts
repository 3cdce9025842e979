// winsock-conformance: runs the suite (run.ts) or, named first, one of its subcommands (subcommands.ts),
// through the one exit path of command.ts. Only the command asked for is loaded.
import { runCommand, type Command } from './command';
import { SUBCOMMANDS } from './subcommands';

export interface Dispatched {
  /** What its error lines start with: `winsock-conformance`, or `winsock-conformance report`. */
  name: string;
  load(): Promise<Command>;
  /** Its own arguments, the subcommand's name taken off. */
  argv: readonly string[];
}

/** The command `argv` asks for: a subcommand named first, or else the run, which takes all of them. */
export function dispatch(argv: readonly string[]): Dispatched {
  const [first, ...rest] = argv;
  const subcommand = SUBCOMMANDS.find((s) => s.name === first);
  if (subcommand === undefined) return { name: 'winsock-conformance', load: async () => (await import('./run')).run, argv };
  return { name: `winsock-conformance ${subcommand.name}`, load: () => subcommand.load(), argv: rest };
}

export async function main(argv: readonly string[]): Promise<number> {
  const command = dispatch(argv);
  return runCommand(command.name, await command.load(), command.argv);
}
