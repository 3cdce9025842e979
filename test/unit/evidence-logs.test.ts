// The evidence a person reads without tools: the call log in strace's words (src/run-outputs/call-log.ts), the
// wire log in tcpdump's (src/run-outputs/wire-log.ts), on one timeline from the call under test, the pcap
// file named after its scenario, and the files a run keeps of them (src/run-outputs/scenario-files.ts), read
// back as junit.xml's text pieces; the constants by name come from src/core/winsock.ts alone.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Call, CallOutcome, WirePacket } from '../../src/core/ports';
import { callLine, callLogText, callText, cString, describeOutcome, straceCall, straceReturn } from '../../src/run-outputs/call-log';
import type { CallLogEntry, TimelineEvent } from '../../src/run-outputs/timeline';
import { pcapFileName, tcpdumpLine, wireLogText, initialSequences } from '../../src/run-outputs/wire-log';
import { loggedEvidence, scenarioFiles, writeScenarioLogs } from '../../src/run-outputs/scenario-files';
import { scratchDir } from '../scratch';
import {
  constantName,
  flagNames,
  MESSAGE_FLAGS,
  SERVICE_FLAGS,
  SOCKET_TYPES,
  WSA_ERRORS,
  XP1_DISCONNECT_DATA,
  XP1_GRACEFUL_CLOSE,
} from '../../src/core/winsock';

/** Windows' own TCP/IP provider as WSAEnumProtocols and SO_PROTOCOL_INFOW describe it. */
const TCP_IP_PROVIDER = {
  name: 'MSAFD Tcpip [TCP/IP]',
  af: 2,
  type: 1,
  protocol: 6,
  serviceFlags1: XP1_GRACEFUL_CLOSE,
  chainLen: 1,
  providerId: '{E70F1AA0-AB8B-11CF-8CA3-00805F48A192}',
};

const ok = (ret: number, out: Extract<CallOutcome, { status: 'returned' }>['out'] = {}, elapsedMs = 0.1): CallOutcome => ({
  status: 'returned',
  ret,
  error: 0,
  elapsedMs,
  out,
});
const failed = (name: keyof typeof WSA_ERRORS): CallOutcome => ({ status: 'returned', ret: -1, error: WSA_ERRORS[name], elapsedMs: 0.1, out: {} });

/** The call as strace shows it: call, arguments, `=`, return value and error. */
function strace(call: Call, outcome: CallOutcome): string {
  return `${straceCall(call, outcome)} ${straceReturn(call, outcome)}`;
}

describe('the reverse lookups of the Winsock vocabulary', () => {
  it('names a constant by the group of the argument it is passed as, and gives any other value as its number', () => {
    assert.equal(constantName(SOCKET_TYPES, 1), 'SOCK_STREAM');
    assert.equal(constantName(SOCKET_TYPES, 99), '99');
  });

  it('names a set of flags as C writes it, with the bits no flag names in hex', () => {
    assert.equal(flagNames(MESSAGE_FLAGS, 0), '0');
    assert.equal(flagNames(MESSAGE_FLAGS, 0x2), 'MSG_PEEK');
    assert.equal(flagNames(MESSAGE_FLAGS, 0x102), 'MSG_PEEK|0x100');
    assert.equal(flagNames(SERVICE_FLAGS, XP1_GRACEFUL_CLOSE | XP1_DISCONNECT_DATA), 'XP1_GRACEFUL_CLOSE|XP1_DISCONNECT_DATA');
  });
});

describe('the call log, strace style', () => {
  it('shows each call with its constants by name and what it handed back in place of its pointers', () => {
    const cases: [Call, CallOutcome, string][] = [
      [{ op: 'socket', af: 2, type: 1, protocol: 6 }, ok(0, { handle: '0x1a4' }), 'socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = 0x1a4'],
      [
        { op: 'socket', af: 2, type: 1, protocol: 6 },
        failed('WSANOTINITIALISED'),
        'socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = INVALID_SOCKET WSANOTINITIALISED (10093)',
      ],
      [{ op: 'FIONREAD', s: '0x1a4' }, ok(0, { value: 6 }), 'ioctlsocket(0x1a4, FIONREAD, [6]) = 0'],
      [{ op: 'FIONBIO', s: '0x1a4', nonBlocking: 1 }, ok(0), 'ioctlsocket(0x1a4, FIONBIO, [1]) = 0'],
      [{ op: 'WSARecvDisconnect', s: '0x1a4', buffer: null }, failed('WSAENOTCONN'), 'WSARecvDisconnect(0x1a4, NULL) = SOCKET_ERROR WSAENOTCONN (10057)'],
      [
        { op: 'WSARecvDisconnect', s: '0x1a4', buffer: 16 },
        { status: 'returned', ret: -1, error: WSA_ERRORS.WSAEFAULT, elapsedMs: 0, out: { bufferLength: 32, data: 'a5'.repeat(16) } },
        `WSARecvDisconnect(0x1a4, {len=16 => 32, buf="${'\\xa5'.repeat(16)}"}) = SOCKET_ERROR WSAEFAULT (10014)`,
      ],
      [{ op: 'WSARecvDisconnect', s: '0x1a4', buffer: 4 }, ok(0, { bufferLength: 4, data: '62796521' }), 'WSARecvDisconnect(0x1a4, {len=4, buf="bye!"}) = 0'],
      [{ op: 'connect', s: '0x1a4', to: { address: '127.0.0.1', port: 41234 } }, ok(0), 'connect(0x1a4, {127.0.0.1:41234}) = 0'],
      [{ op: 'bind', s: '0x1a4', to: { address: '::1', port: 0 } }, failed('WSAEINVAL'), 'bind(0x1a4, {[::1]:0}) = SOCKET_ERROR WSAEINVAL (10022)'],
      [{ op: 'getsockname', s: '0x1a4' }, ok(0, { endpoint: { address: '127.0.0.1', port: 49157 } }), 'getsockname(0x1a4, {127.0.0.1:49157}) = 0'],
      [{ op: 'getpeername', s: '0x1a4' }, failed('WSAENOTCONN'), 'getpeername(0x1a4, name) = SOCKET_ERROR WSAENOTCONN (10057)'],
      [{ op: 'recv', s: '0x1a4', len: 6, flags: 2 }, ok(6, { data: '616161616161' }), 'recv(0x1a4, "aaaaaa", 6, MSG_PEEK) = 6'],
      [{ op: 'recv', s: '0x1a4', len: 1, flags: 0 }, failed('WSAESHUTDOWN'), 'recv(0x1a4, buf, 1, 0) = SOCKET_ERROR WSAESHUTDOWN (10058)'],
      [{ op: 'WSARecv', s: '0x1a4', len: 8 }, ok(0, { data: '6869' }), 'WSARecv(0x1a4, [{len=8, buf="hi"}], 1, [2], [0], NULL, NULL) = 0'],
      [{ op: 'send', s: '0x1a4', data: '0a00ff22' }, ok(4), 'send(0x1a4, "\\n\\0\\xff\\"", 4, 0) = 4'],
      [{ op: 'shutdown', s: '0x1a4', how: 0 }, ok(0), 'shutdown(0x1a4, SD_RECEIVE) = 0'],
      [{ op: 'setLinger', s: '0x1a4', onoff: 1, seconds: 0 }, ok(0), 'setsockopt(0x1a4, SOL_SOCKET, SO_LINGER, {l_onoff=1, l_linger=0}, 4) = 0'],
      [{ op: 'getSocketType', s: '0x1a4' }, ok(0, { value: 1 }), 'getsockopt(0x1a4, SOL_SOCKET, SO_TYPE, [SOCK_STREAM], [4]) = 0'],
      [{ op: 'WSAStartup', version: 0x0202 }, ok(0, { value: 0x0202 }), 'WSAStartup(MAKEWORD(2, 2), {wVersion=MAKEWORD(2, 2), ...}) = 0'],
      [{ op: 'WSACleanup' }, ok(0), 'WSACleanup() = 0'],
      [{ op: 'closesocket', s: '0x1a4' }, ok(0), 'closesocket(0x1a4) = 0'],
      [{ op: 'createNonSocketHandle' }, ok(0, { handle: '0x50' }), 'CreateEventW(NULL, TRUE, FALSE, NULL) = 0x50'],
      [
        { op: 'duplicateFromParent', s: '0xc8' },
        ok(0, { handle: '0x114' }),
        'DuplicateHandle(<parent>, 0xc8, GetCurrentProcess(), [0x114], 0, FALSE, DUPLICATE_SAME_ACCESS) = 0x114',
      ],
      [
        { op: 'resolveExport', module: 'ws2_32.dll', symbol: 'WSARecvDisconnect' },
        ok(1),
        'GetProcAddress(LoadLibraryW("ws2_32.dll"), "WSARecvDisconnect") = non-NULL',
      ],
      [
        { op: 'WSAEnumProtocols' },
        ok(1, {
          protocols: [TCP_IP_PROVIDER],
        }),
        'WSAEnumProtocols(NULL, [{"MSAFD Tcpip [TCP/IP]", AF_INET, SOCK_STREAM, IPPROTO_TCP, ChainLen=1, ProviderId={E70F1AA0-AB8B-11CF-8CA3-00805F48A192}, XP1_GRACEFUL_CLOSE}], lpdwBufferLength) = 1',
      ],
      [
        { op: 'getProtocolInfo', s: '0x1a4' },
        ok(0, {
          protocolInfo: TCP_IP_PROVIDER,
        }),
        'getsockopt(0x1a4, SOL_SOCKET, SO_PROTOCOL_INFOW, [{"MSAFD Tcpip [TCP/IP]", AF_INET, SOCK_STREAM, IPPROTO_TCP, ChainLen=1, ProviderId={E70F1AA0-AB8B-11CF-8CA3-00805F48A192}, XP1_GRACEFUL_CLOSE}], [sizeof(WSAPROTOCOL_INFOW)]) = 0',
      ],
    ];
    for (const [call, outcome, line] of cases) assert.equal(strace(call, outcome), line);
  });

  it('shortens a long byte string to its first 32 bytes, as strace does, and keeps its length', () => {
    const data = '66'.repeat(262144);
    assert.equal(strace({ op: 'send', s: '0x1a4', data }, ok(262144)), `send(0x1a4, "${'f'.repeat(32)}"..., 262144, 0) = 262144`);
    assert.equal(cString('41'.repeat(32)), `"${'A'.repeat(32)}"`);
    assert.equal(cString('41'.repeat(33)), `"${'A'.repeat(32)}"...`);
    assert.equal(cString('0a22'), '"\\n\\""');
  });

  it('says a call that did not return within its bound was still blocked, its result unknown', () => {
    const line = callLine('main', { op: 'WSARecvDisconnect', s: '0x1a4', buffer: null }, { status: 'blocked', boundMs: 2000 }, 2001.4);
    assert.equal(line, 'WSARecvDisconnect(0x1a4, NULL) = ? <still blocked after 2000 ms> (round trip 2001.4 ms)');
  });

  it("keeps the backend's own timing in angle brackets and the round trip, and marks the probe process", () => {
    const line = callLine('probe', { op: 'FIONREAD', s: '0x1a4' }, ok(0, { value: 7 }, 0.04), 0.53);
    assert.equal(line, '[probe] ioctlsocket(0x1a4, FIONREAD, [7]) = 0 <0.0 ms> (round trip 0.5 ms)');
  });

  it('keeps the return value and error of a deviation as expectations record them', () => {
    assert.equal(describeOutcome(failed('WSAENOTSOCK')), '= SOCKET_ERROR WSAENOTSOCK (10038)');
  });

  it('gives every call its time in seconds from the call under test', () => {
    const text = callLogText(
      [
        entry({ op: 'socket', af: 2, type: 1, protocol: 6 }, ok(0, { handle: '0x1a4' }), 10),
        entry({ op: 'WSARecvDisconnect', s: '0x1a4', buffer: null }, ok(0), 22.4),
        entry({ op: 'FIONREAD', s: '0x1a4' }, ok(0, { value: 0 }), 23.9),
      ],
      500,
    );
    const lines = text.trimEnd().split('\n');
    assert.equal(lines[0], "# strace style: call = return value <the backend's own timing> (round trip on the controller's clock)");
    assert.equal(lines[1], '# times: s from the call under test, WSARecvDisconnect(0x1a4, NULL)');
    assert.match(lines[2] ?? '', /^ -0\.012 socket\(AF_INET, SOCK_STREAM, IPPROTO_TCP\) = 0x1a4 </);
    assert.match(lines[3] ?? '', /^ {2}0\.000 WSARecvDisconnect\(0x1a4, NULL\) = 0 </);
    assert.match(lines[4] ?? '', /^ {2}0\.002 ioctlsocket\(0x1a4, FIONREAD, \[0\]\) = 0 </);
    assert.equal(lines[5], '# waited out observation windows and call bounds: 500 ms');
  });
});

function entry(call: Call, outcome: CallOutcome, at: number, process: 'main' | 'probe' = 'main'): CallLogEntry {
  return { process, call, outcome, roundTripMs: 0.5, at, line: callLine(process, call, outcome, 0.5) };
}

/** A call on the timeline, as the World puts it there. */
function called(entry: CallLogEntry): TimelineEvent {
  return { at: entry.at, call: entry, text: callText(entry.process, entry.call, entry.outcome) };
}

function segment(t: number, from: number, to: number, flags: string[], numbers: { seq: number; ack: number; win: number }, length = 0): WirePacket {
  return { t, proto: 'tcp', from: { address: '127.0.0.1', port: from }, to: { address: '127.0.0.1', port: to }, flags, length, ...numbers };
}

describe('the wire log, tcpdump style', () => {
  // A handshake, 6 bytes from the peer (41234) to the socket (50000), and the socket's reset.
  const packets = [
    segment(1, 50000, 41234, ['SYN'], { seq: 1000, ack: 0, win: 65495 }),
    segment(1.1, 41234, 50000, ['SYN', 'ACK'], { seq: 7000, ack: 1001, win: 65483 }),
    segment(1.2, 50000, 41234, ['ACK'], { seq: 1001, ack: 7001, win: 512 }),
    segment(2, 41234, 50000, ['PSH', 'ACK'], { seq: 7001, ack: 1001, win: 512 }, 6),
    segment(522, 50000, 41234, ['RST', 'ACK'], { seq: 1001, ack: 7007, win: 0 }),
  ];

  it('writes each packet as tcpdump -n does, sequence numbers from the SYN on, absolute on the SYNs', () => {
    const isn = initialSequences(packets);
    assert.deepEqual(
      packets.map((p) => tcpdumpLine(p, isn)),
      [
        '127.0.0.1.50000 > 127.0.0.1.41234: Flags [S], seq 1000, win 65495, length 0',
        '127.0.0.1.41234 > 127.0.0.1.50000: Flags [S.], seq 7000, ack 1001, win 65483, length 0',
        '127.0.0.1.50000 > 127.0.0.1.41234: Flags [.], ack 1, win 512, length 0',
        '127.0.0.1.41234 > 127.0.0.1.50000: Flags [P.], seq 1:7, ack 1, win 512, length 6',
        '127.0.0.1.50000 > 127.0.0.1.41234: Flags [R.], seq 1, ack 7, win 0, length 0',
      ],
    );
  });

  it('writes UDP, an ICMP port unreachable, and a segment of a connection it saw no SYN of', () => {
    const udp: WirePacket = { t: 0, proto: 'udp', from: { address: '127.0.0.1', port: 5000 }, to: { address: '127.0.0.1', port: 6000 }, flags: [], length: 5 };
    const icmp: WirePacket = {
      ...udp,
      proto: 'icmp',
      from: { address: '127.0.0.1', port: 6000 },
      to: { address: '127.0.0.1', port: 5000 },
      length: 36,
      icmp: { type: 3, code: 3 },
    };
    assert.equal(tcpdumpLine(udp), '127.0.0.1.5000 > 127.0.0.1.6000: UDP, length 5');
    assert.equal(tcpdumpLine(icmp), '127.0.0.1 > 127.0.0.1: ICMP 127.0.0.1 udp port 6000 unreachable, length 36');
    assert.equal(
      tcpdumpLine(segment(0, 1, 2, ['FIN', 'ACK'], { seq: 5, ack: 9, win: 3 })),
      '127.0.0.1.1 > 127.0.0.1.2: Flags [F.], seq 5, ack 9, win 3, length 0',
    );
    const simulated: WirePacket = {
      t: 0,
      proto: 'tcp',
      from: { address: '127.0.0.1', port: 1 },
      to: { address: '127.0.0.1', port: 2 },
      flags: ['ACK'],
      length: 0,
      win: 65536,
    };
    assert.equal(tcpdumpLine(simulated), '127.0.0.1.1 > 127.0.0.1.2: Flags [.], win 65536, length 0', 'a model that counts no sequence numbers shows none');
  });

  it('puts the calls, the observation window and the teardown on the timeline: a reset at teardown reads after the window', () => {
    const connect = entry({ op: 'connect', s: '0x1a4', to: { address: '127.0.0.1', port: 41234 } }, ok(0), 0.4);
    const disconnect = entry({ op: 'WSARecvDisconnect', s: '0x1a4', buffer: null }, ok(0), 10);
    const timeline: TimelineEvent[] = [
      called(connect),
      called(disconnect),
      { at: 10.5, mark: 'window opens: the peer watches for a reset, up to 500 ms' },
      { at: 510.5, mark: 'window closes: the peer saw nothing' },
      { at: 520, mark: "teardown begins: the scenario's sockets are closed and its processes released" },
      { at: 530, mark: 'capture ends' },
    ];
    const lines = wireLogText(packets, timeline, 'reception-79-x.pcap').trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^# tcpdump -n style; "call": the calls the scenario made; "-----": its observation windows and teardown$/);
    assert.equal(lines[1], '# times: s from the call under test, WSARecvDisconnect(0x1a4, NULL)');
    const body = lines.slice(2, -1).map((l) => l.replace(/ (call {2}\S+)\(.*$/, ' $1'));
    assert.deepEqual(body, [
      ' -0.010 call  connect',
      ' -0.009 127.0.0.1.50000 > 127.0.0.1.41234: Flags [S], seq 1000, win 65495, length 0',
      ' -0.009 127.0.0.1.41234 > 127.0.0.1.50000: Flags [S.], seq 7000, ack 1001, win 65483, length 0',
      ' -0.009 127.0.0.1.50000 > 127.0.0.1.41234: Flags [.], ack 1, win 512, length 0',
      ' -0.008 127.0.0.1.41234 > 127.0.0.1.50000: Flags [P.], seq 1:7, ack 1, win 512, length 6',
      '  0.000 call  WSARecvDisconnect',
      '  0.001 ----- window opens: the peer watches for a reset, up to 500 ms',
      '  0.501 ----- window closes: the peer saw nothing',
      "  0.510 ----- teardown begins: the scenario's sockets are closed and its processes released",
      '  0.512 127.0.0.1.50000 > 127.0.0.1.41234: Flags [R.], seq 1, ack 7, win 0, length 0',
      '  0.520 ----- capture ends',
    ]);
    assert.equal(lines.at(-1), '# 5 packets, as a pcap file: reception-79-x.pcap');
  });

  it("orders a model's packets among the calls by the wire's count where its virtual clock gives them one time", () => {
    const at0 = (p: WirePacket): WirePacket => ({ ...p, t: 0 });
    const [syn, synAck, ack, , reset] = packets.map(at0);
    const connect = entry({ op: 'connect', s: '0x1a4', to: { address: '127.0.0.1', port: 41234 } }, ok(0), 0);
    const disconnect = entry({ op: 'WSARecvDisconnect', s: '0x1a4', buffer: null }, ok(0), 0);
    const timeline: TimelineEvent[] = [
      { ...called(connect), packetsBefore: 0 },
      { ...called(disconnect), packetsBefore: 3 },
      { at: 0, packetsBefore: 3, mark: 'teardown begins' },
    ];
    const body = wireLogText([syn, synAck, ack, reset] as WirePacket[], timeline, null)
      .trimEnd()
      .split('\n')
      .slice(2, -1)
      .map((l) => l.slice(8, 20));
    assert.deepEqual(body, ['call  connec', '127.0.0.1.50', '127.0.0.1.41', '127.0.0.1.50', 'call  WSARec', '----- teardo', '127.0.0.1.50']);
  });

  it('counts from the capture when the scenario made no WSARecvDisconnect call, and says when nothing was captured', () => {
    const text = wireLogText([], [], null);
    assert.equal(
      text,
      '# tcpdump -n style; "call": the calls the scenario made; "-----": its observation windows and teardown\n' +
        "# times: s from the start of the scenario's capture (it made no WSARecvDisconnect call)\n# no packet of the scenario was captured\n",
    );
  });
});

describe('the pcap file of a scenario', () => {
  it('is named after the scenario: its feature, line and name', () => {
    assert.equal(
      pcapFileName('features/reception.feature', 79, 'Data still queued resets the TCP connection'),
      'reception-79-data-still-queued-resets-the-tcp-connection.pcap',
    );
    const long = pcapFileName('features/errors.feature', 18, 'Without WSAStartup the call fails with WSANOTINITIALISED, with a 16-byte disconnect data buffer');
    assert.match(long, /^errors-18-without-wsastartup-[a-z0-9-]*[a-z0-9]\.pcap$/);
    assert.ok(long.length <= 'errors-18-'.length + 80 + '.pcap'.length);
  });

  it('is one of its evidence files, with its call log and wire log as text, all named alike in the run’s folder', () => {
    const name = 'Data still queued resets the TCP connection';
    assert.deepEqual(scenarioFiles('reports/wine', 'features/reception.feature:79', name), {
      callLog: 'reports/wine/logs/reception-79-data-still-queued-resets-the-tcp-connection.call-log.txt',
      wireLog: 'reports/wine/logs/reception-79-data-still-queued-resets-the-tcp-connection.wire-log.txt',
      pcap: `reports/wine/pcap/${pcapFileName('features/reception.feature', 79, name)}`,
    });
    const dir = scratchDir('scenario-logs');
    const attachment = (fileName: string, body: string) => ({ mediaType: 'text/plain', body, fileName });
    writeScenarioLogs(dir, [
      { location: 'features/reception.feature:79', name, attachments: [attachment('call-log.txt', 'calls'), attachment('wire-log.txt', 'packets')] },
      {
        location: 'features/errors.feature:9',
        name: 'No capture',
        attachments: [attachment('call-log.txt', 'calls only'), attachment('peer-unread.txt', 'x')],
      },
    ]);
    assert.deepEqual(readdirSync(path.join(dir, 'logs')).sort(), [
      'errors-9-no-capture.call-log.txt',
      'reception-79-data-still-queued-resets-the-tcp-connection.call-log.txt',
      'reception-79-data-still-queued-resets-the-tcp-connection.wire-log.txt',
    ]);
    assert.equal(readFileSync(scenarioFiles(dir, 'features/reception.feature:79', name).wireLog, 'utf8'), 'packets');
    // Read back as a rerun's merge gives junit.xml a scenario's evidence: named as attached, what logs/ has.
    assert.deepEqual(loggedEvidence(dir, 'features/reception.feature:79', name), [
      { name: 'call-log.txt', text: 'calls' },
      { name: 'wire-log.txt', text: 'packets' },
    ]);
    assert.deepEqual(loggedEvidence(dir, 'features/errors.feature:9', 'No capture'), [{ name: 'call-log.txt', text: 'calls only' }]);
    assert.deepEqual(loggedEvidence(dir, 'features/errors.feature:10', 'Never run'), []);
  });
});
