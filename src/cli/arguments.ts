// The command line of every subcommand, read by node's util.parseArgs in strict mode: an unknown option, a
// missing value, a value that is another option, an option given twice or a value given to a flag is a
// UsageError of one line.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './command';

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** parseArgs' own message, read for the option it names (node's message spans lines and suggests '--'). */
function usageError(error: Error & { code?: string }, argv: readonly string[], options: OptionsConfig): UsageError {
  const named = /'([^']+)'/.exec(error.message)?.[1]?.split(' ')[0] ?? '';
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const valid = Object.keys(options).map((name) => `--${name}`);
      return new UsageError(`unknown option '${named}'; ${valid.length > 0 ? `valid: ${valid.join(', ')}` : 'this command takes none'}`);
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new UsageError(`unexpected argument '${named}': this command takes ${Object.keys(options).length > 0 ? 'options only' : 'no arguments'}`);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      if (/does not take an argument/.test(error.message)) return new UsageError(`${named} takes no value`);
      const next = argv[argv.indexOf(named) + 1];
      if (/ambiguous/.test(error.message) && next !== undefined) return new UsageError(`${named} needs a value, not '${next}'`);
      return new UsageError(`${named} needs a value`);
    }
    default:
      return new UsageError(error.message.split('\n')[0] ?? error.message);
  }
}

/**
 * `argv` read against `options`; FEATURE-like positionals only when `allowPositionals`. A string option's
 * value may not be empty or start with `--` (`--label --quiet` is a label forgotten, not a label), and a
 * single-valued option may be given once.
 */
export function parseCommandLine<const T extends OptionsConfig>(argv: readonly string[], options: T, allowPositionals = false) {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals, tokens: true });
  } catch (error) {
    if (error instanceof Error) throw usageError(error, argv, options);
    throw error;
  }
  const given = new Set<string>();
  for (const token of parsed.tokens) {
    if (token.kind !== 'option') continue;
    const config = options[token.name];
    if (config?.type === 'string') {
      const value = token.value ?? '';
      if (value === '') throw new UsageError(`${token.rawName} needs a value`);
      if (value.startsWith('--')) throw new UsageError(`${token.rawName} needs a value, not '${value}'`);
      if (!config.multiple && given.has(token.name)) throw new UsageError(`${token.rawName} is given twice: give it once`);
    }
    given.add(token.name);
  }
  return { values: parsed.values, positionals: parsed.positionals };
}

/** A whole number of at least `least`, as `flag` takes it. */
export function wholeNumber(flag: string, value: string, least: number, what: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < least)
    throw new UsageError(`${flag} takes a whole number of ${what}, at least ${least}, not '${value}'`);
  return n;
}
