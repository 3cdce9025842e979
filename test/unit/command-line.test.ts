// The command line (src/cli/): each bad option refused in one line, the subcommands found by their name,
// and every command's outcome mapped to its exit code in one place.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { parseCommandLine, wholeNumber } from '../../src/cli/arguments';
import { runCommand, UsageError, type Command } from '../../src/cli/command';
import { dispatch } from '../../src/cli/main';
import { parseArguments } from '../../src/cli/run-arguments';
import { InputError } from '../../src/core/input-error';
import { RunInterrupted } from '../../src/testbeds/interrupt';

/** The one line a UsageError says, for a command line the run refuses. */
function refusal(argv: string[]): string {
  try {
    parseArguments(argv);
  } catch (error) {
    assert.ok(error instanceof UsageError, `${argv.join(' ')}: ${String(error)}`);
    assert.doesNotMatch(error.message, /\n/, 'one line');
    return error.message;
  }
  assert.fail(`${argv.join(' ')} was taken`);
}

describe("the run's command line", () => {
  it('refuses an option whose value is another option, rather than taking it as the value', () => {
    assert.equal(refusal(['--label', '--quiet']), "--label needs a value, not '--quiet'");
    assert.equal(refusal(['--reports', '--quiet']), "--reports needs a value, not '--quiet'");
    assert.equal(refusal(['--label=--quiet']), "--label needs a value, not '--quiet'");
    assert.equal(refusal(['--tags', '-x']), "--tags needs a value, not '-x'");
  });

  it('takes a whole number of workers of at least 1 for --parallel', () => {
    assert.equal(refusal(['--parallel', '0']), "--parallel takes a whole number of workers, at least 1, not '0'");
    assert.equal(refusal(['--parallel', '1.5']), "--parallel takes a whole number of workers, at least 1, not '1.5'");
    assert.equal(refusal(['--parallel', 'two']), "--parallel takes a whole number of workers, at least 1, not 'two'");
    const options = parseArguments(['--parallel', '2']);
    assert.ok(options !== 'help');
    assert.equal(options.parallel, 2);
  });

  it('refuses an unknown option, a missing or empty value, a value given to a flag and a single-valued option given twice', () => {
    assert.match(refusal(['--colour']), /^unknown option '--colour'; valid: --backend, --function, /);
    assert.match(refusal(['-x']), /^unknown option '-x'; valid: /);
    assert.equal(refusal(['--backend']), '--backend needs a value');
    assert.equal(refusal(['--backend=']), '--backend needs a value');
    assert.equal(refusal(['--quiet=yes']), '--quiet takes no value');
    assert.equal(refusal(['--tags', '@a', '--tags', '@b']), '--tags is given twice: give it once');
    assert.equal(refusal(['--backend-option', 'mutant']), "--backend-option takes KEY=VALUE, not 'mutant'");
  });

  it('keeps every option: repeated backend options, --no-reports, --help and -h', () => {
    const options = parseArguments(['--backend-option', 'mutant=fin-sent', '--backend-option=tcpip-disconnect-buffer=untouched', '--no-reports', '--quiet']);
    assert.ok(options !== 'help');
    assert.deepEqual(options.backendOptions, { mutant: 'fin-sent', 'tcpip-disconnect-buffer': 'untouched' });
    assert.equal(options.reports, null);
    assert.equal(options.quiet, true);
    assert.equal(parseArguments(['--help']), 'help');
    assert.equal(parseArguments(['-h']), 'help');
  });

  it("refuses a run against another host's agent without --label, whose reports would replace another host's", () => {
    const remote = ['--backend', 'wine', '--backend-option', 'agent=tcp://198.18.0.2:7777', '--backend-option', 'peer-address=198.18.0.1'];
    // Bad input, not a usage error: one line, which says what to add, and no usage after it.
    assert.throws(
      () => parseArguments(remote),
      (error: unknown) =>
        error instanceof InputError &&
        !(error instanceof UsageError) &&
        !error.message.includes('\n') &&
        /^a run against another host's agent \(agent=tcp:\/\/198\.18\.0\.2:7777\) needs --label naming the implementation there/.test(error.message),
    );
    // On loopback it is no other host's: the line says what it is.
    assert.throws(
      () => parseArguments(['--backend', 'wine', '--backend-option', 'agent=tcp://127.0.0.1:9']),
      (error: unknown) =>
        error instanceof InputError &&
        /^a run against an agent the suite does not start \(agent=tcp:\/\/127\.0\.0\.1:9\) needs --label naming the implementation it serves/.test(
          error.message,
        ),
    );
    for (const named of [['--label', 'Wine 8.0 on another host'], ['--reports', 'somewhere'], ['--no-reports']]) {
      const options = parseArguments([...remote, ...named]);
      assert.ok(options !== 'help');
      assert.equal(options.backend, 'wine', named.join(' '));
    }
  });
});

describe("a subcommand's command line", () => {
  const options = { out: { type: 'string' }, diff: { type: 'boolean' } } as const;

  it('reads options and positionals with node’s parseArgs', () => {
    const { values, positionals } = parseCommandLine(['--out', 'x', '--diff', 'a', 'b'], options, true);
    assert.deepEqual({ ...values }, { out: 'x', diff: true });
    assert.deepEqual(positionals, ['a', 'b']);
  });

  it('refuses positionals where the command takes none, and the same mistakes as the run', () => {
    assert.throws(() => parseCommandLine(['a'], options), { name: 'UsageError', message: "unexpected argument 'a': this command takes options only" });
    assert.throws(() => parseCommandLine(['--out', '--diff'], options), { name: 'UsageError', message: "--out needs a value, not '--diff'" });
    assert.throws(() => parseCommandLine(['--out', 'a', '--out', 'b'], options), { name: 'UsageError', message: '--out is given twice: give it once' });
    assert.throws(() => wholeNumber('--runs', '1', 2, 'runs'), { name: 'UsageError', message: "--runs takes a whole number of runs, at least 2, not '1'" });
  });

  it('says so when the command takes nothing at all (npm run setup, build:agent)', () => {
    assert.throws(() => parseCommandLine(['--x'], {}), { name: 'UsageError', message: "unknown option '--x'; this command takes none" });
    assert.throws(() => parseCommandLine(['a'], {}), { name: 'UsageError', message: "unexpected argument 'a': this command takes no arguments" });
  });
});

describe('the subcommands', () => {
  it('are found by the first argument; anything else is the run, with all its arguments', async () => {
    for (const name of ['report', 'mutants', 'stability', 'bench']) {
      const command = dispatch([name, '--help']);
      assert.equal(command.name, `winsock-conformance ${name}`);
      assert.deepEqual(command.argv, ['--help']);
      assert.match((await command.load()).usage, new RegExp(`^usage: winsock-conformance ${name} `));
    }
    for (const argv of [[], ['--backend', 'wine'], ['features/errors.feature:17'], ['--label', 'report']]) {
      const command = dispatch(argv);
      assert.equal(command.name, 'winsock-conformance');
      assert.deepEqual(command.argv, argv);
      assert.match((await command.load()).usage, /^usage: winsock-conformance \[--function NAME\]/);
    }
  });

  it('share one exit path: the answer, bad input in one line (with the usage for a bad command line), an interrupt', async () => {
    const outcome = async (main: Command['main']): Promise<[number, string]> => {
      const stderr = new PassThrough();
      let said = '';
      stderr.on('data', (chunk: Buffer) => (said += chunk.toString()));
      const code = await runCommand('winsock-conformance x', { usage: 'usage: winsock-conformance x', main }, [], stderr);
      return [code, said];
    };
    assert.deepEqual(await outcome(() => Promise.resolve(1)), [1, '']);
    assert.deepEqual(await outcome(() => Promise.reject(new UsageError('--y needs a value'))), [
      2,
      'winsock-conformance x: --y needs a value\nusage: winsock-conformance x\n',
    ]);
    assert.deepEqual(await outcome(() => Promise.reject(new InputError('z.yaml: no such file'))), [2, 'winsock-conformance x: z.yaml: no such file\n']);
    assert.deepEqual(await outcome(() => Promise.reject(new RunInterrupted('SIGINT'))), [130, '']);
    // The suite's own failure is not bad input: exit 1, and its stack for whoever mends it.
    const [code, said] = await outcome(() => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'now')")));
    assert.equal(code, 1);
    assert.match(said, /^winsock-conformance x: the suite itself failed: TypeError: Cannot read properties of undefined \(reading 'now'\)\n {4}at /);
  });
});
