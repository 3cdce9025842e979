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
  /**
   * The requirements this mutant violates, and no others: one for a mutant that breaks a single rule, more
   * for one that models a real implementation (a stub, Linux's shutdown). Each must be caught by a scenario
   * of its own.
   */
  readonly breaks: readonly string[];
  readonly summary: string;
}

export const MUTANTS = [
  { name: 'enotsock-before-startup', breaks: ['errors.wsanotinitialised'], summary: 'reports WSAENOTSOCK instead of WSANOTINITIALISED before WSAStartup' },
  {
    name: 'buffer-before-startup',
    breaks: ['errors.wsanotinitialised'],
    summary: 'given a disconnect-data buffer before WSAStartup, answers "no disconnect data" and returns 0',
  },
  { name: 'netdown-unreported', breaks: ['errors.wsaenetdown'], summary: 'succeeds while the network subsystem is down' },
  { name: 'inprogress-unreported', breaks: ['errors.wsaeinprogress'], summary: 'succeeds while a blocking call is in progress' },
  { name: 'efault-truncates', breaks: ['errors.wsaefault'], summary: 'truncates disconnect data to a short buffer instead of WSAEFAULT' },
  {
    name: 'enoprotoopt-unreported',
    breaks: ['errors.wsaenoprotoopt'],
    summary: 'ignores a disconnect-data buffer on a non-IP protocol without disconnect data',
  },
  { name: 'unconnected-succeeds', breaks: ['errors.wsaenotconn'], summary: 'succeeds on an unconnected TCP socket' },
  {
    name: 'unconnected-succeeds-with-buffer',
    breaks: ['errors.wsaenotconn'],
    summary: 'given a disconnect-data buffer, answers "no disconnect data" and returns 0 on an unconnected TCP socket',
  },
  { name: 'enotconn-on-udp', breaks: ['errors.wsaenotconn-connection-oriented-only'], summary: 'reports WSAENOTCONN on an unconnected UDP socket' },
  {
    name: 'enotconn-on-udp-with-buffer',
    breaks: ['errors.wsaenotconn-connection-oriented-only'],
    summary: 'given a disconnect-data buffer, reports WSAENOTCONN on an unconnected UDP socket (no connection to take data from)',
  },
  { name: 'non-socket-accepted', breaks: ['errors.wsaenotsock'], summary: 'succeeds on a handle that is not a socket' },
  {
    name: 'non-socket-with-buffer',
    breaks: ['errors.wsaenotsock'],
    summary: 'given a disconnect-data buffer, fails on a handle that is not a socket with WSAENOPROTOOPT (the buffer is checked first)',
  },
  { name: 'success-returns-one', breaks: ['returns.zero-on-success'], summary: 'returns 1 instead of 0 on success' },
  {
    name: 'buffer-eopnotsupp',
    breaks: ['returns.zero-on-success'],
    summary: 'given a disconnect-data buffer on TCP/IP, fails with WSAEOPNOTSUPP instead of ignoring it or failing with WSAENOPROTOOPT',
  },
  { name: 'error-code-lost', breaks: ['returns.socket-error-with-code'], summary: 'returns SOCKET_ERROR but leaves WSAGetLastError at 0' },
  {
    name: 'buffer-error-code-lost',
    breaks: ['returns.socket-error-with-code'],
    summary: 'given a disconnect-data buffer, returns SOCKET_ERROR but leaves WSAGetLastError at 0',
  },
  { name: 'receives-allowed', breaks: ['remarks.receives-disallowed'], summary: 'lets recv and WSARecv go on reading afterwards' },
  { name: 'udp-receives-allowed', breaks: ['remarks.receives-disallowed'], summary: 'leaves reception on a UDP socket enabled afterwards' },
  {
    name: 'buffer-keeps-reception',
    breaks: ['remarks.receives-disallowed'],
    summary: 'given a disconnect-data buffer on TCP/IP, leaves it untouched and returns 0 at once, without ending reception',
  },
  {
    name: 'recv-enotsock',
    // Receives are still refused, as the rule asks; with another error than shutdown(SD_RECEIVE)'s, so the
    // call is not equivalent to it. Which error a refused receive gives is no rule of this page's.
    breaks: ['remarks.equivalent-to-shutdown-receive'],
    summary: 'refuses later receives with WSAENOTSOCK, where shutdown(SD_RECEIVE) refuses them with WSAESHUTDOWN',
  },
  {
    name: 'shutdown-receive-diverges',
    breaks: ['remarks.equivalent-to-shutdown-receive'],
    summary: 'shutdown(SD_RECEIVE) leaves receives allowed while WSARecvDisconnect does not',
  },
  {
    name: 'shutdown-receive-diverges-udp',
    breaks: ['remarks.equivalent-to-shutdown-receive'],
    summary: 'shutdown(SD_RECEIVE) leaves a UDP socket receiving while WSARecvDisconnect does not',
  },
  {
    name: 'shutdown-receive-diverges-listening',
    breaks: ['remarks.equivalent-to-shutdown-receive'],
    summary: 'shutdown(SD_RECEIVE) on a listening socket stops it listening and succeeds (as Linux) while WSARecvDisconnect fails with WSAENOTCONN',
  },
  {
    name: 'shutdown-receive-diverges-later-data',
    breaks: ['remarks.equivalent-to-shutdown-receive'],
    summary: 'shutdown(SD_RECEIVE) takes data arriving afterwards quietly (as Linux) while WSARecvDisconnect resets',
  },
  { name: 'fin-sent', breaks: ['remarks.no-effect-on-lower-layers'], summary: 'sends a FIN to the peer' },
  {
    name: 'window-update-sent',
    breaks: ['remarks.no-effect-on-lower-layers'],
    summary: "sends a bare ACK (a window update), which the peer's socket never reports but the wire shows",
  },
  { name: 'no-reset-queued', breaks: ['remarks.tcp-reset-queued-data'], summary: 'keeps the connection when data is still queued' },
  {
    name: 'reset-by-abortive-close',
    breaks: ['remarks.does-not-close-socket', 'remarks.equivalent-to-shutdown-receive'],
    summary: 'with data queued, resets by closing the socket abortively, which takes the handle with it',
  },
  { name: 'no-reset-later', breaks: ['remarks.tcp-reset-later-data'], summary: 'discards data that arrives afterwards without a reset' },
  { name: 'udp-dropped', breaks: ['remarks.udp-datagrams-queued'], summary: 'drops datagrams that arrive afterwards' },
  { name: 'icmp-sent', breaks: ['remarks.no-icmp'], summary: 'answers datagrams that arrive afterwards with ICMP port unreachable' },
  {
    name: 'icmp-sent-late',
    breaks: ['remarks.no-icmp'],
    summary: 'answers datagrams that arrive afterwards with ICMP port unreachable, 550 ms later: after the 500 ms window',
  },
  { name: 'closes-socket', breaks: ['remarks.does-not-close-socket'], summary: 'closes the socket handle' },
  {
    name: 'buffer-closes-socket',
    breaks: ['remarks.does-not-close-socket'],
    summary: 'given a disconnect-data buffer, closes the socket handle, whatever it answers',
  },
  { name: 'frees-port', breaks: ['remarks.resources-until-closesocket'], summary: 'gives the local port back before closesocket' },
  {
    name: 'name-dissociated',
    breaks: ['remarks.resources-until-closesocket'],
    summary: "dissociates the socket's local name: getsockname fails with WSAEINVAL afterwards",
  },
  {
    name: 'buffer-frees-port',
    breaks: ['remarks.resources-until-closesocket'],
    summary: 'given a disconnect-data buffer, gives the local port back before closesocket, whatever it answers',
  },
  {
    name: 'lingers-on-unsent',
    breaks: ['remarks.does-not-block-linger'],
    summary: 'waits up to the SO_LINGER timeout for data still unsent, as a graceful closesocket on a blocking socket does',
  },
  {
    name: 'lingers-on-unsent-misreported',
    breaks: ['remarks.does-not-block-linger'],
    summary: "waits likewise, and its agent answers at its bound reporting 0 ms: only the controller's clock sees the wait",
  },
  { name: 'drains-unsent', breaks: ['remarks.does-not-block-linger'], summary: 'waits until data still unsent has gone, whatever SO_LINGER says' },
  { name: 'tcp-advertises-disconnect-data', breaks: ['remarks.native-tcpip-no-disconnect-data'], summary: 'lists TCP/IP with XP1_DISCONNECT_DATA' },
  {
    name: 'phantom-disconnect-data',
    breaks: ['remarks.disconnect-data-needs-xp1'],
    summary: 'reports disconnect data on a protocol without XP1_DISCONNECT_DATA',
  },
  {
    name: 'disconnect-data-lost',
    breaks: ['remarks.disconnect-data-retrieval'],
    summary: 'returns no disconnect data after the peer disconnected with some',
  },
  { name: 'not-exported', breaks: ['facts.exported-by-ws2_32'], summary: 'ws2_32.dll does not export WSARecvDisconnect' },
  // Real implementations, each breaking what it breaks.
  {
    name: 'provider-stub',
    breaks: [
      'remarks.receives-disallowed',
      'remarks.equivalent-to-shutdown-receive',
      'remarks.tcp-reset-queued-data',
      'remarks.tcp-reset-later-data',
      'errors.wsaenotconn',
      'errors.wsaenoprotoopt',
      'errors.wsaefault',
      'remarks.disconnect-data-retrieval',
    ],
    summary: "a provider whose WSPRecvDisconnect is a stub: it returns 0 and does nothing (ReactOS's msafd), while ws2_32 still checks the handle",
  },
  {
    name: 'linux-shut-rd',
    breaks: [
      'remarks.receives-disallowed',
      'remarks.tcp-reset-queued-data',
      'remarks.tcp-reset-later-data',
      'errors.wsaenotconn',
      'errors.wsaenotconn-connection-oriented-only',
    ],
    summary:
      "Linux's shutdown(SHUT_RD) for both calls: recv reads what is queued and then 0, no reset, ENOTCONN on an unconnected UDP socket, a listening socket stops listening",
  },
  {
    name: 'reset-after-window',
    breaks: ['remarks.tcp-reset-queued-data'],
    summary: 'with data queued, resets the connection only 700 ms after the call: after the 500 ms window',
  },
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
