// The call log as a person reads it, in strace's way (and packetdrill's): one line per call, with its
// arguments as C passes them and constants by name (src/core/winsock.ts), what it handed back in place of
// the pointer it wrote through, then `=` and its return value and WSA code:
//   socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = 0x1a4 <0.4 ms> (round trip 1.1 ms)
//   ioctlsocket(0x1a4, FIONREAD, [6]) = 0 <0.0 ms> (round trip 0.5 ms)
//   WSARecvDisconnect(0x1a4, NULL) = SOCKET_ERROR WSAENOTCONN (10057) <0.1 ms> (round trip 0.6 ms)
// An output the call did not fill is named by its C parameter (`lpWSAData`); byte strings are C strings,
// the first LOGGED_DATA_BYTES bytes of a longer one followed by `...`, as strace shortens them.
import type { Call, CallOutcome, Endpoint, ProtocolInfo, Returned } from '../core/ports';
import {
  ADDRESS_FAMILIES,
  constantName,
  flagNames,
  IOCTL_COMMANDS,
  MESSAGE_FLAGS,
  PROTOCOLS,
  SERVICE_FLAGS,
  SHUTDOWN_HOW,
  SO_LINGER,
  SO_PROTOCOL_INFOW,
  SO_TYPE,
  SOCKET_ERROR,
  SOCKET_LEVELS,
  SOCKET_OPTIONS,
  SOCKET_TYPES,
  SOL_SOCKET,
  FIONBIO,
  FIONREAD,
  wsaErrorName,
} from '../core/winsock';
import { anchorMs, callUnderTest, timeColumn, type CallLogEntry } from './timeline';

/** Bytes of a byte string a call log shows; a longer one (a send that fills a buffer) is shortened. */
export const LOGGED_DATA_BYTES = 32;

/**
 * What a call gave back: its return value and WSA code, without its timing, so that a deviation reads the
 * same from run to run (an expectation records it as it is; the call log has the timings).
 */
export function describeOutcome(outcome: CallOutcome): string {
  if (outcome.status === 'blocked') return `still blocked after ${outcome.boundMs} ms`;
  const ret = outcome.ret === SOCKET_ERROR ? 'SOCKET_ERROR' : String(outcome.ret);
  const error = outcome.error === 0 ? '' : ` ${wsaErrorName(outcome.error)} (${outcome.error})`;
  return `= ${ret}${error}`;
}

/**
 * A byte string (hex) as C writes it, printable ASCII as it is, the rest escaped; `...` after a shortened one.
 * Only the bytes shown are decoded: a send that fills the send side hands over 256 KiB at a time.
 */
export function cString(hex: string, keep = LOGGED_DATA_BYTES): string {
  const length = Math.floor(hex.length / 2);
  const shown = [...Buffer.from(hex.slice(0, keep * 2), 'hex')].map((b) => {
    if (b === 0x22) return '\\"';
    if (b === 0x5c) return '\\\\';
    if (b === 0x0a) return '\\n';
    if (b === 0x0d) return '\\r';
    if (b === 0x09) return '\\t';
    if (b === 0x00) return '\\0';
    return b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  });
  return `"${shown.join('')}"${length > keep ? '...' : ''}`;
}

/** A SOCKADDR_IN or SOCKADDR_IN6 as the call log shows it: `{127.0.0.1:5000}`, `{[::1]:5000}`. */
export function sockaddr(e: Endpoint): string {
  return `{${e.address.includes(':') ? `[${e.address}]` : e.address}:${e.port}}`;
}

/** MAKEWORD(low, high): a Winsock version. */
function makeword(version: number): string {
  return `MAKEWORD(${version & 0xff}, ${(version >> 8) & 0xff})`;
}

function protocolInfo(p: ProtocolInfo): string {
  const kind = [constantName(ADDRESS_FAMILIES, p.af), constantName(SOCKET_TYPES, p.type), constantName(PROTOCOLS, p.protocol)];
  return `{${JSON.stringify(p.name)}, ${kind.join(', ')}, ChainLen=${p.chainLen}, ProviderId=${p.providerId}, ${flagNames(SERVICE_FLAGS, p.serviceFlags1)}}`;
}

/** The call's name and arguments, its outputs in place of the pointers they were written through. */
export function straceCall(call: Call, outcome: CallOutcome): string {
  const out = outcome.status === 'returned' && outcome.ret !== SOCKET_ERROR ? outcome.out : null;
  const any = outcome.status === 'returned' ? outcome.out : null;
  const data = (hex: string | undefined, placeholder: string): string => (hex === undefined ? placeholder : cString(hex));
  switch (call.op) {
    case 'WSAStartup':
      return `WSAStartup(${makeword(call.version)}, ${out?.value === undefined ? 'lpWSAData' : `{wVersion=${makeword(out.value)}, ...}`})`;
    case 'WSACleanup':
      return 'WSACleanup()';
    case 'socket':
      return `socket(${constantName(ADDRESS_FAMILIES, call.af)}, ${constantName(SOCKET_TYPES, call.type)}, ${constantName(PROTOCOLS, call.protocol)})`;
    case 'bind':
    case 'connect':
      return `${call.op}(${call.s}, ${sockaddr(call.to)})`;
    case 'WSAConnect':
      return `WSAConnect(${call.s}, ${sockaddr(call.to)}, NULL, NULL, NULL, NULL)`;
    case 'listen':
      return `listen(${call.s}, ${call.backlog})`;
    case 'accept':
      return `accept(${call.s}, NULL, NULL)`;
    case 'getsockname':
    case 'getpeername':
      return `${call.op}(${call.s}, ${out?.endpoint ? sockaddr(out.endpoint) : 'name'})`;
    case 'send':
      return `send(${call.s}, ${cString(call.data)}, ${call.data.length / 2}, 0)`;
    case 'sendto':
      return `sendto(${call.s}, ${cString(call.data)}, ${call.data.length / 2}, 0, ${sockaddr(call.to)})`;
    case 'recv':
      return `recv(${call.s}, ${data(out?.data, 'buf')}, ${call.len}, ${flagNames(MESSAGE_FLAGS, call.flags)})`;
    case 'WSARecv': {
      const received = out?.data === undefined ? 'lpNumberOfBytesRecvd' : `[${out.data.length / 2}]`;
      return `WSARecv(${call.s}, [{len=${call.len}, buf=${data(out?.data, '...')}}], 1, ${received}, [0], NULL, NULL)`;
    }
    case 'recvfrom':
      return `recvfrom(${call.s}, ${data(out?.data, 'buf')}, ${call.len}, ${flagNames(MESSAGE_FLAGS, call.flags)}, from, fromlen)`;
    case 'WSARecvFrom': {
      const received = out?.data === undefined ? 'lpNumberOfBytesRecvd' : `[${out.data.length / 2}]`;
      return `WSARecvFrom(${call.s}, [{len=${call.len}, buf=${data(out?.data, '...')}}], 1, ${received}, [0], lpFrom, lpFromlen, NULL, NULL)`;
    }
    case 'WSARecvOverlapped': {
      const received = out?.data === undefined ? 'lpNumberOfBytesRecvd' : `[${out.data.length / 2}]`;
      // Whether it pended (WSA_IO_PENDING) before the outcome shown, which is then its completion's.
      const pended = any?.value === 1 ? ' (WSA_IO_PENDING, then completed)' : '';
      return `WSARecv(${call.s}, [{len=${call.len}, buf=${data(out?.data, '...')}}], 1, ${received}, [0], {hEvent=event}, NULL)${pended}`;
    }
    case 'ReadFile': {
      const pended = any?.value === 1 ? ' (ERROR_IO_PENDING, then completed)' : '';
      const read = out?.data === undefined ? '' : ` (${out.data.length / 2} bytes read)`;
      return `ReadFile(${call.s}, ${data(out?.data, 'buf')}, ${call.len}, NULL, {hEvent=event})${pended}${read}`;
    }
    case 'WSARecvDisconnect': {
      if (call.buffer === null) return `WSARecvDisconnect(${call.s}, NULL)`;
      // In and out, as strace shows a value the call changed: `len=16 => 0`.
      const after = any?.bufferLength;
      const len = after === undefined || after === call.buffer ? `${call.buffer}` : `${call.buffer} => ${after}`;
      return `WSARecvDisconnect(${call.s}, {len=${len}, buf=${data(any?.data, '...')}})`;
    }
    case 'WSARecvDisconnectInBlockingHook': {
      // The hook's call, and in braces what it was made during: recv on blockingOn with the hook installed.
      const hook = any?.blockingHook;
      const during = `recv(${call.blockingOn}, buf, 1, 0) with SO_RCVTIMEO ${call.waitMs} ms and a blocking hook`;
      if (!hook) return `WSARecvDisconnect(${call.s}, NULL) from the blocking hook of ${during}`;
      if (hook.declined !== undefined) return `WSARecvDisconnect(${call.s}, NULL) from the blocking hook of ${during} {not made: ${hook.declined}}`;
      if (hook.setError !== 0)
        return `WSARecvDisconnect(${call.s}, NULL) from the blocking hook of ${during} {not made: WSASetBlockingHook = NULL ${wsaErrorName(hook.setError)}}`;
      const recv =
        hook.recvRet === undefined
          ? ''
          : `; recv = ${hook.recvRet === SOCKET_ERROR ? 'SOCKET_ERROR' : String(hook.recvRet)}${hook.recvError ? ` ${wsaErrorName(hook.recvError)}` : ''}`;
      if (hook.hookCalls === 0) return `WSARecvDisconnect(${call.s}, NULL) from the blocking hook of ${during} {not made: the hook was never called${recv}}`;
      return `WSARecvDisconnect(${call.s}, NULL) from the blocking hook of ${during} {hook called ${hook.hookCalls} time(s)${recv}}`;
    }
    case 'shutdown':
      return `shutdown(${call.s}, ${constantName(SHUTDOWN_HOW, call.how)})`;
    case 'setLinger':
      return `setsockopt(${call.s}, ${constantName(SOCKET_LEVELS, SOL_SOCKET)}, ${constantName(SOCKET_OPTIONS, SO_LINGER)}, {l_onoff=${call.onoff}, l_linger=${call.seconds}}, 4)`;
    case 'getSocketType': {
      const value = out?.value === undefined ? 'optval' : `[${constantName(SOCKET_TYPES, out.value)}]`;
      return `getsockopt(${call.s}, ${constantName(SOCKET_LEVELS, SOL_SOCKET)}, ${constantName(SOCKET_OPTIONS, SO_TYPE)}, ${value}, [4])`;
    }
    case 'getProtocolInfo': {
      const value = out?.protocolInfo === undefined ? 'optval' : `[${protocolInfo(out.protocolInfo)}]`;
      return `getsockopt(${call.s}, ${constantName(SOCKET_LEVELS, SOL_SOCKET)}, ${constantName(SOCKET_OPTIONS, SO_PROTOCOL_INFOW)}, ${value}, [sizeof(WSAPROTOCOL_INFOW)])`;
    }
    case 'FIONREAD':
      return `ioctlsocket(${call.s}, ${constantName(IOCTL_COMMANDS, FIONREAD)}, ${out?.value === undefined ? 'argp' : `[${out.value}]`})`;
    case 'FIONBIO':
      return `ioctlsocket(${call.s}, ${constantName(IOCTL_COMMANDS, FIONBIO)}, [${call.nonBlocking}])`;
    case 'closesocket':
      return `closesocket(${call.s})`;
    case 'WSAEnumProtocols':
      return `WSAEnumProtocols(NULL, ${out?.protocols ? `[${out.protocols.map(protocolInfo).join(', ')}]` : 'lpProtocolBuffer'}, lpdwBufferLength)`;
    case 'createNonSocketHandle':
      return 'CreateEventW(NULL, TRUE, FALSE, NULL)';
    case 'duplicateFromParent':
      return `DuplicateHandle(<parent>, ${call.s}, GetCurrentProcess(), ${out?.handle === undefined ? 'lpTargetHandle' : `[${out.handle}]`}, 0, FALSE, DUPLICATE_SAME_ACCESS)`;
    case 'resolveExport':
      return `GetProcAddress(LoadLibraryW(${JSON.stringify(call.module)}), ${JSON.stringify(call.symbol)})`;
  }
}

/** A failed call's return value as C names it: INVALID_SOCKET from socket and accept, NULL from a handle or address. */
function failedReturn(call: Call): string {
  switch (call.op) {
    case 'socket':
    case 'accept':
      return 'INVALID_SOCKET';
    case 'createNonSocketHandle':
      return 'NULL';
    case 'duplicateFromParent':
    case 'ReadFile':
      return 'FALSE';
    default:
      return 'SOCKET_ERROR';
  }
}

/** `= 0x1a4`, `= SOCKET_ERROR WSAENOTCONN (10057)`, `= ? <still blocked after 2000 ms>`, as the call returned. */
export function straceReturn(call: Call, outcome: CallOutcome): string {
  if (outcome.status === 'blocked') return `= ? <still blocked after ${outcome.boundMs} ms>`;
  const error = outcome.error === 0 ? '' : ` ${wsaErrorName(outcome.error)} (${outcome.error})`;
  return `= ${returnValue(call, outcome)}${error}`;
}

function returnValue(call: Call, outcome: Returned): string {
  if (outcome.out.handle !== undefined) return outcome.out.handle;
  // No WSARecvDisconnect was made when the hook never ran: there is no return value to show.
  if (call.op === 'WSARecvDisconnectInBlockingHook' && !outcome.out.blockingHook?.hookCalls) return '? <not made>';
  if (outcome.ret === SOCKET_ERROR) return failedReturn(call);
  // GetProcAddress gives an address, which the agent reports as found (1) or not (0).
  if (call.op === 'resolveExport') return outcome.ret === 0 ? 'NULL' : 'non-NULL';
  // The port reports ReadFile's TRUE as the count it read, which lpNumberOfBytesRead shows.
  if (call.op === 'ReadFile') return 'TRUE';
  return String(outcome.ret);
}

/**
 * One call log line: the call, what it returned, the backend's own timing of it in angle brackets, and its
 * round trip on the controller's clock; `[probe]` in front of a call made in the probe process.
 */
export function callLine(process: 'main' | 'probe', call: Call, outcome: CallOutcome, roundTripMs: number): string {
  const timing = outcome.status === 'returned' ? ` <${outcome.elapsedMs.toFixed(1)} ms>` : '';
  return `${callText(process, call, outcome)}${timing} (round trip ${roundTripMs.toFixed(1)} ms)`;
}

/** A call and what it returned, without its timings (the wire log's call lines): `[probe] WSACleanup() = 0`. */
export function callText(process: 'main' | 'probe', call: Call, outcome: CallOutcome): string {
  return `${process === 'probe' ? '[probe] ' : ''}${straceCall(call, outcome)} ${straceReturn(call, outcome)}`;
}

/** What a log's times count from, for its first line. */
export function anchorText(calls: readonly CallLogEntry[]): string {
  const anchor = callUnderTest(calls);
  if (!anchor) return "the start of the scenario's capture (it made no WSARecvDisconnect call)";
  return `the call under test, ${anchor.process === 'probe' ? '[probe] ' : ''}${straceCall(anchor.call, anchor.outcome)}`;
}

/** The call log a person reads: a line per call, its time from the call under test first, and the time waited. */
export function callLogText(calls: readonly CallLogEntry[], waitedMs: number): string {
  const anchor = anchorMs(calls);
  const lines = [
    "# strace style: call = return value <the backend's own timing> (round trip on the controller's clock)",
    `# times: s from ${anchorText(calls)}`,
    ...calls.map((c) => `${timeColumn(c.at, anchor)} ${c.line}`),
    `# waited out observation windows and call bounds: ${waitedMs} ms`,
  ];
  return `${lines.join('\n')}\n`;
}
