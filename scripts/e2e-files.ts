// The e2e test files under node:test's runner, in the order given, up to 4 at once, each bounded (5 minutes,
// well beyond the longest's time on a loaded machine: a file that waits on a process that never answers
// fails, naming itself, instead of holding npm test for ever); TAP on stdout, exit 1 when a test failed.
// Not `node --test FILES`: it sorts its files by name whatever their order, which started the heaviest
// (reports.browser) among the last, and left it to run on alone for half a minute at the end of npm test.
import { run } from 'node:test';
import { tap } from 'node:test/reporters';

const FILES_AT_ONCE = 4;
const FILE_BOUND_MS = 300_000;

const stream = run({ files: process.argv.slice(2), concurrency: FILES_AT_ONCE, timeout: FILE_BOUND_MS });
stream.on('test:fail', () => {
  process.exitCode = 1;
});
stream.compose(tap).pipe(process.stdout);
