// What every command of the suite shares (winsock-conformance's subcommands, and the npm scripts' own: npm
// test, setup, build:agent, lint:trace, spec:diff): its shape, and the one way its outcome becomes the
// process's exit code. 0 and 1 are the command's own answer; bad input is one line on stderr and 2 (with
// the usage after it when the command line itself is wrong); an interrupted run exits as the signal says;
// an error of the suite itself is 1, with its stack.
import { RunInterrupted } from '../testbeds/interrupt';
import { InputError } from '../core/input-error';
import { CannotRun } from '../core/outcomes';

/** A command line the command cannot take (an unknown option, a missing value): one line, then the usage. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface Command {
  /** One line, `usage: winsock-conformance ...` (or `usage: npm run ...`). */
  usage: string;
  /** The command's answer as an exit code, what it says written on `stdout`; its errors are mapped by runCommand. */
  main(argv: readonly string[], stdout: NodeJS.WritableStream): Promise<number>;
}

/**
 * Runs `command` on `argv` and maps its errors to exit codes; `name` prefixes its error lines on `stderr`.
 * The streams are the process's own but in the tests, which run a command in their own process. Never rejects.
 */
export async function runCommand(
  name: string,
  command: Command,
  argv: readonly string[],
  stderr: NodeJS.WritableStream = process.stderr,
  stdout: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  // A reader that goes away (`| head`) ends the output, not the work: a run still ends in order, closes
  // its agents and writes its reports. Any other error of stdout is thrown as before. On the stdout the
  // command writes to: a test's own stream must not gather a listener on the process's at every command.
  stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
  try {
    return await command.main(argv, stdout);
  } catch (error) {
    if (error instanceof RunInterrupted) return error.exitCode;
    const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
    if (error instanceof UsageError) {
      stderr.write(`${name}: ${message}\n${command.usage}\n`);
      return 2;
    }
    // Bad input (an InputError: a file named on the command line missing or wrong) or a run that cannot
    // start (a CannotRun: a testbed that cannot serve it) is one line that says which; the usage would not help.
    if (error instanceof InputError || error instanceof CannotRun) {
      stderr.write(`${name}: ${message}\n`);
      return 2;
    }
    // Anything else is the suite's own failure, not the user's: never passed off as bad input, and with
    // its stack, for whoever mends it.
    stderr.write(`${name}: the suite itself failed: ${error instanceof Error ? (error.stack ?? message) : message}\n`);
    return 1;
  }
}

/**
 * `command` as this process's program, when `mod` is the module node was started on (npm run setup,
 * lint:trace, spec:diff, build:agent), not one a test imports to run the command in its own process: its
 * outcome becomes the exit code.
 */
export function runAsProgram(mod: NodeModule, name: string, command: Command): void {
  if (require.main !== mod) return;
  void runCommand(name, command, process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
