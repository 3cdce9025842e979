// The simulator's named options. Choices are the behaviours the page leaves open (its MAY items): the
// defaults provide every optional behaviour, and switching one off must turn its scenario OPTIONAL.
// Mutants (issue "Suite sensitivity") each break exactly one documented rule; `npm run mutants` runs the
// suite against every one of them and checks that a scenario of that rule catches it.

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

export interface MutantDefinition {
  readonly name: string;
  /** The requirement this mutant violates, and no other. */
  readonly requirement: string;
  readonly summary: string;
}

export const MUTANTS = [
  { name: 'enotsock-before-startup', requirement: 'errors.wsanotinitialised', summary: 'reports WSAENOTSOCK instead of WSANOTINITIALISED before WSAStartup' },
  {
    name: 'buffer-before-startup',
    requirement: 'errors.wsanotinitialised',
    summary: 'given a disconnect-data buffer before WSAStartup, answers "no disconnect data" and returns 0',
  },
  { name: 'netdown-unreported', requirement: 'errors.wsaenetdown', summary: 'succeeds while the network subsystem is down' },
  { name: 'inprogress-unreported', requirement: 'errors.wsaeinprogress', summary: 'succeeds while a blocking call is in progress' },
  { name: 'efault-truncates', requirement: 'errors.wsaefault', summary: 'truncates disconnect data to a short buffer instead of WSAEFAULT' },
  {
    name: 'enoprotoopt-unreported',
    requirement: 'errors.wsaenoprotoopt',
    summary: 'ignores a disconnect-data buffer on a non-IP protocol without disconnect data',
  },
  { name: 'unconnected-succeeds', requirement: 'errors.wsaenotconn', summary: 'succeeds on an unconnected TCP socket' },
  {
    name: 'unconnected-succeeds-with-buffer',
    requirement: 'errors.wsaenotconn',
    summary: 'given a disconnect-data buffer, answers "no disconnect data" and returns 0 on an unconnected TCP socket',
  },
  { name: 'enotconn-on-udp', requirement: 'errors.wsaenotconn-connection-oriented-only', summary: 'reports WSAENOTCONN on an unconnected UDP socket' },
  {
    name: 'enotconn-on-udp-with-buffer',
    requirement: 'errors.wsaenotconn-connection-oriented-only',
    summary: 'given a disconnect-data buffer, reports WSAENOTCONN on an unconnected UDP socket (no connection to take data from)',
  },
  { name: 'non-socket-accepted', requirement: 'errors.wsaenotsock', summary: 'succeeds on a handle that is not a socket' },
  {
    name: 'non-socket-with-buffer',
    requirement: 'errors.wsaenotsock',
    summary: 'given a disconnect-data buffer, fails on a handle that is not a socket with WSAENOPROTOOPT (the buffer is checked first)',
  },
  { name: 'success-returns-one', requirement: 'returns.zero-on-success', summary: 'returns 1 instead of 0 on success' },
  {
    name: 'buffer-eopnotsupp',
    requirement: 'returns.zero-on-success',
    summary: 'given a disconnect-data buffer on TCP/IP, fails with WSAEOPNOTSUPP instead of ignoring it or failing with WSAENOPROTOOPT',
  },
  { name: 'error-code-lost', requirement: 'returns.socket-error-with-code', summary: 'returns SOCKET_ERROR but leaves WSAGetLastError at 0' },
  {
    name: 'buffer-error-code-lost',
    requirement: 'returns.socket-error-with-code',
    summary: 'given a disconnect-data buffer, returns SOCKET_ERROR but leaves WSAGetLastError at 0',
  },
  { name: 'receives-allowed', requirement: 'remarks.receives-disallowed', summary: 'lets recv and WSARecv go on reading afterwards' },
  { name: 'udp-receives-allowed', requirement: 'remarks.receives-disallowed', summary: 'leaves reception on a UDP socket enabled afterwards' },
  {
    name: 'recv-enotsock',
    requirement: 'remarks.receives-disallowed',
    summary: 'refuses later receives with WSAENOTSOCK, as if the handle were no longer a socket',
  },
  {
    name: 'shutdown-receive-diverges',
    requirement: 'remarks.equivalent-to-shutdown-receive',
    summary: 'shutdown(SD_RECEIVE) leaves receives allowed while WSARecvDisconnect does not',
  },
  {
    name: 'shutdown-receive-diverges-udp',
    requirement: 'remarks.equivalent-to-shutdown-receive',
    summary: 'shutdown(SD_RECEIVE) leaves a UDP socket receiving while WSARecvDisconnect does not',
  },
  {
    name: 'shutdown-receive-diverges-listening',
    requirement: 'remarks.equivalent-to-shutdown-receive',
    summary: 'shutdown(SD_RECEIVE) on a listening socket stops it listening and succeeds (as Linux) while WSARecvDisconnect fails with WSAENOTCONN',
  },
  {
    name: 'shutdown-receive-diverges-later-data',
    requirement: 'remarks.equivalent-to-shutdown-receive',
    summary: 'shutdown(SD_RECEIVE) takes data arriving afterwards quietly (as Linux) while WSARecvDisconnect resets',
  },
  { name: 'fin-sent', requirement: 'remarks.no-effect-on-lower-layers', summary: 'sends a FIN to the peer' },
  {
    name: 'window-update-sent',
    requirement: 'remarks.no-effect-on-lower-layers',
    summary: "sends a bare ACK (a window update), which the peer's socket never reports but the wire shows",
  },
  { name: 'no-reset-queued', requirement: 'remarks.tcp-reset-queued-data', summary: 'keeps the connection when data is still queued' },
  {
    name: 'reset-by-abortive-close',
    requirement: 'remarks.tcp-reset-queued-data',
    summary: 'with data queued, resets by closing the socket abortively, which takes the handle with it',
  },
  { name: 'no-reset-later', requirement: 'remarks.tcp-reset-later-data', summary: 'discards data that arrives afterwards without a reset' },
  { name: 'udp-dropped', requirement: 'remarks.udp-datagrams-queued', summary: 'drops datagrams that arrive afterwards' },
  { name: 'icmp-sent', requirement: 'remarks.no-icmp', summary: 'answers datagrams that arrive afterwards with ICMP port unreachable' },
  {
    name: 'icmp-sent-late',
    requirement: 'remarks.no-icmp',
    summary: 'answers datagrams that arrive afterwards with ICMP port unreachable, 550 ms later: after the 500 ms window',
  },
  { name: 'closes-socket', requirement: 'remarks.does-not-close-socket', summary: 'closes the socket handle' },
  {
    name: 'buffer-closes-socket',
    requirement: 'remarks.does-not-close-socket',
    summary: 'given a disconnect-data buffer, closes the socket handle, whatever it answers',
  },
  { name: 'frees-port', requirement: 'remarks.resources-until-closesocket', summary: 'gives the local port back before closesocket' },
  {
    name: 'name-dissociated',
    requirement: 'remarks.resources-until-closesocket',
    summary: "dissociates the socket's local name: getsockname fails with WSAEINVAL afterwards",
  },
  {
    name: 'buffer-frees-port',
    requirement: 'remarks.resources-until-closesocket',
    summary: 'given a disconnect-data buffer, gives the local port back before closesocket, whatever it answers',
  },
  {
    name: 'lingers-on-unsent',
    requirement: 'remarks.does-not-block-linger',
    summary: 'waits up to the SO_LINGER timeout for data still unsent, as a graceful closesocket on a blocking socket does',
  },
  {
    name: 'lingers-on-unsent-misreported',
    requirement: 'remarks.does-not-block-linger',
    summary: "waits likewise, and its agent answers at its bound reporting 0 ms: only the controller's clock sees the wait",
  },
  { name: 'drains-unsent', requirement: 'remarks.does-not-block-linger', summary: 'waits until data still unsent has gone, whatever SO_LINGER says' },
  { name: 'tcp-advertises-disconnect-data', requirement: 'remarks.native-tcpip-no-disconnect-data', summary: 'lists TCP/IP with XP1_DISCONNECT_DATA' },
  {
    name: 'phantom-disconnect-data',
    requirement: 'remarks.disconnect-data-needs-xp1',
    summary: 'reports disconnect data on a protocol without XP1_DISCONNECT_DATA',
  },
  {
    name: 'disconnect-data-lost',
    requirement: 'remarks.disconnect-data-retrieval',
    summary: 'returns no disconnect data after the peer disconnected with some',
  },
  { name: 'not-exported', requirement: 'facts.exported-by-ws2_32', summary: 'ws2_32.dll does not export WSARecvDisconnect' },
] as const satisfies readonly MutantDefinition[];

export type MutantName = (typeof MUTANTS)[number]['name'];

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
