// Bad input (a malformed catalogue or expectations file, a missing folder, a features file that does not
// parse): one line naming the file and what is wrong, exit 2, never a stack trace. A module of its own so
// that the CLI can catch it without loading the YAML parser before it has started the testbed.
export class InputError extends Error {
  override readonly name = 'InputError';
}
