// The simulator's named options. Choices are the behaviours the page leaves open (its MAY items): the
// defaults provide every optional behaviour, and switching one off must turn its scenario OPTIONAL.
// The mutants are mutants.ts's; index.ts reads both kinds of option.

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
