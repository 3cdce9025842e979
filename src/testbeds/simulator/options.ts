// The simulator's named options. Choices are the behaviours the page leaves open (its MAY items): the
// defaults provide every optional behaviour, and switching one off must turn its scenario OPTIONAL.
// `mutant=NAME` runs one of MUTANTS (mutants.ts) instead of the reference provider: each breaks the
// documented rules it names, and `npm run mutants` runs the suite against every one of them.
import { MUTANTS, type MutantName } from './mutants';

export { MUTANTS, type MutantName };

export interface SimulatorChoices {
  /**
   * WSARecvDisconnect given a disconnect-data buffer on TCP/IP, where WSAENOPROTOOPT is optional: it
   * fails, or it succeeds with a length of 0, or it leaves the buffer and its length as they were (Wine).
   */
  tcpipDisconnectBuffer: 'WSAENOPROTOOPT' | 'zero-length' | 'untouched';
  /** connect or WSAConnect on a socket whose reception was ended by WSARecvDisconnect and whose connection closed. */
  reuseAfterRecvDisconnect: 'supported' | 'unsupported';
}

export const CHOICES: {
  readonly [K in keyof SimulatorChoices]: { option: string; values: readonly SimulatorChoices[K][]; requirement: string; summary: string };
} = {
  tcpipDisconnectBuffer: {
    option: 'tcpip-disconnect-buffer',
    requirement: 'errors.wsaenoprotoopt.tcpip-optional',
    values: ['WSAENOPROTOOPT', 'zero-length', 'untouched'],
    summary: 'a disconnect-data buffer on TCP/IP fails with WSAENOPROTOOPT, or the call succeeds with its length set to 0, or leaves it untouched',
  },
  reuseAfterRecvDisconnect: {
    option: 'reuse-after-recv-disconnect',
    requirement: 'remarks.reuse-not-required',
    values: ['supported', 'unsupported'],
    summary: 'connect and WSAConnect work again on a socket after WSARecvDisconnect and the close, or fail with WSAEISCONN',
  },
};

export const DEFAULT_CHOICES: SimulatorChoices = {
  tcpipDisconnectBuffer: 'WSAENOPROTOOPT',
  reuseAfterRecvDisconnect: 'supported',
};

export interface SimulatorOptions {
  choices: SimulatorChoices;
  mutant: MutantName | null;
}

/** Parse `--backend-option key=value` pairs; an unknown key or value is a one-line error naming the valid ones. */
export function parseSimulatorOptions(raw: Record<string, string>): SimulatorOptions {
  const choices: SimulatorChoices = { ...DEFAULT_CHOICES };
  let mutant: MutantName | null = null;
  const keys = Object.keys(CHOICES) as (keyof SimulatorChoices)[];
  for (const [option, value] of Object.entries(raw)) {
    if (option === 'mutant') {
      const found = MUTANTS.find((m) => m.name === value);
      if (!found) throw new Error(`unknown mutant '${value}'; valid: ${MUTANTS.map((m) => m.name).join(', ')}`);
      mutant = found.name;
      continue;
    }
    const key = keys.find((k) => CHOICES[k].option === option);
    if (!key) {
      throw new Error(`unknown simulator option '${option}'; valid: ${[...keys.map((k) => CHOICES[k].option), 'mutant'].join(', ')}`);
    }
    const allowed: readonly string[] = CHOICES[key].values;
    if (!allowed.includes(value)) throw new Error(`simulator option ${option} takes ${allowed.join(' or ')}, not '${value}'`);
    Object.assign(choices, { [key]: value });
  }
  return { choices, mutant };
}
