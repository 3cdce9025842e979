// The pcap decoder on files built here.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodePcap, PcapFormatError } from '../../src/testbeds/loopback/pcap';
import { isIcmpError } from '../../src/core/ports';
import { ether, ipv4, LINUX_SYN_OPTIONS, pcapFile, tcp, udp, WINDOWS_SYN_OPTIONS } from './pcap-fixture';

describe('decodePcap', () => {
  const SYN = 0x02;
  const ACK = 0x10;
  const FIN = 0x01;
  const RST = 0x04;
  const PSH = 0x08;

  it('decodes Ethernet/IPv4 TCP flags in tcpdump order, UDP and ICMP', () => {
    const icmp = Buffer.concat([Buffer.from([3, 3, 0, 0, 0, 0, 0, 0]), ipv4(17, udp(5000, 6000, Buffer.from('x')))]);
    const file = pcapFile([
      { sec: 100, usec: 0, frame: ether(ipv4(6, tcp(40000, 80, SYN, Buffer.alloc(0), Buffer.alloc(20)))) },
      { sec: 100, usec: 250, frame: ether(ipv4(6, tcp(80, 40000, SYN | ACK))) },
      { sec: 100, usec: 500, frame: ether(ipv4(6, tcp(40000, 80, PSH | ACK, Buffer.from('abcdef')))) },
      { sec: 100, usec: 750, frame: ether(ipv4(6, tcp(80, 40000, FIN | ACK))) },
      { sec: 100, usec: 1000, frame: ether(ipv4(6, tcp(40000, 80, RST))) },
      { sec: 101, usec: 0, frame: ether(ipv4(17, udp(5000, 6000, Buffer.from('hello')), [10, 0, 0, 1], [10, 0, 0, 2])) },
      { sec: 101, usec: 10, frame: ether(ipv4(1, icmp)) },
      { sec: 101, usec: 20, frame: ether(Buffer.alloc(28), 0x0806) }, // ARP: not IP, skipped
    ]);
    const packets = decodePcap(file);
    assert.equal(packets.length, 7);
    assert.deepEqual(
      packets.map((p) => p.flags),
      [['SYN'], ['SYN', 'ACK'], ['PSH', 'ACK'], ['FIN', 'ACK'], ['RST'], [], []],
    );
    assert.deepEqual(packets[0].from, { address: '127.0.0.1', port: 40000 });
    assert.deepEqual(packets[0].to, { address: '127.0.0.1', port: 80 });
    assert.equal(packets[0].length, 0, 'TCP options are header, not payload');
    assert.equal(packets[2].length, 6);
    assert.equal(packets[5].proto, 'udp');
    assert.equal(packets[5].length, 5);
    assert.deepEqual(packets[5].to, { address: '10.0.0.2', port: 6000 });
    assert.equal(packets[6].proto, 'icmp');
    assert.deepEqual(packets[6].icmp, { type: 3, code: 3 });
    // About the quoted datagram, as the simulator writes it: from where it went, to where it came from.
    assert.deepEqual([packets[6].from.port, packets[6].to.port], [6000, 5000]);
    assert.equal(packets[1].epochMs - packets[0].epochMs, 0.25);
    assert.equal(packets[5].epochMs, 101_000);
  });

  it('reads the quoted ports of every ICMP error, and of no other ICMP message', () => {
    const quoting = (type: number, code: number): Buffer =>
      Buffer.concat([Buffer.from([type, code, 0, 0, 0, 0, 0, 0]), ipv4(17, udp(5000, 6000, Buffer.from('x')))]);
    const file = pcapFile(
      [
        [3, 1],
        [3, 13],
        [11, 0],
        [12, 0],
        [8, 0],
      ].map(([type, code], i) => ({ sec: 1, usec: i, frame: ether(ipv4(1, quoting(type as number, code as number))) })),
    );
    const packets = decodePcap(file);
    assert.deepEqual(
      packets.map((p) => [p.icmp?.type, p.icmp?.code, p.to.port, isIcmpError(p)]),
      [
        [3, 1, 5000, true],
        [3, 13, 5000, true],
        [11, 0, 5000, true],
        [12, 0, 5000, true],
        // An echo request quotes nothing: no ports, and no error.
        [8, 0, 0, false],
      ],
    );
  });

  it("reads a TCP segment's sequence and acknowledgement numbers and window as they are in its header", () => {
    const numbers = { seq: 0xfffffff0, ack: 1234567, win: 512 };
    const [segment] = decodePcap(pcapFile([{ sec: 1, usec: 0, frame: ether(ipv4(6, tcp(40000, 80, ACK, Buffer.from('ab'), Buffer.alloc(0), numbers))) }]));
    assert.deepEqual([segment?.seq, segment?.ack, segment?.win, segment?.length], [0xfffffff0, 1234567, 512, 2]);
  });

  it("reads a SYN's and a SYN-ACK's signature: TTL, don't-fragment bit and TCP options in order; no other segment's", () => {
    const file = pcapFile([
      { sec: 1, usec: 0, frame: ether(ipv4(6, tcp(40000, 80, SYN, Buffer.alloc(0), LINUX_SYN_OPTIONS), undefined, undefined, { ttl: 64, df: true })) },
      { sec: 1, usec: 1, frame: ether(ipv4(6, tcp(80, 40000, SYN | ACK, Buffer.alloc(0), WINDOWS_SYN_OPTIONS), undefined, undefined, { ttl: 113 })) },
      { sec: 1, usec: 2, frame: ether(ipv4(6, tcp(40000, 80, ACK, Buffer.alloc(0), LINUX_SYN_OPTIONS), undefined, undefined, { ttl: 64, df: true })) },
    ]);
    const [linux, windows, ack] = decodePcap(file);
    assert.deepEqual(linux?.syn, { ttl: 64, df: true, options: ['mss', 'sackOK', 'TS', 'nop', 'wscale'], mss: 1460, wscale: 7 });
    assert.deepEqual(windows?.syn, { ttl: 113, df: false, options: ['mss', 'nop', 'wscale', 'nop', 'nop', 'sackOK'], mss: 1460, wscale: 8 });
    assert.equal(ack?.syn, undefined, "a later segment's options are not kept");
  });

  it('stops reading options at an end-of-list or a length that cannot be, and names an unknown kind by its number', () => {
    const options = (bytes: number[]): Buffer => Buffer.concat([Buffer.from(bytes), Buffer.alloc((4 - (bytes.length % 4)) % 4)]);
    const synWith = (bytes: number[]): unknown =>
      decodePcap(pcapFile([{ sec: 1, usec: 0, frame: ether(ipv4(6, tcp(1, 2, SYN, Buffer.alloc(0), options(bytes)))) }]))[0]?.syn;
    assert.deepEqual(synWith([2, 4, 0x05, 0xb4, 0, 1, 1, 1]), { ttl: 64, df: false, options: ['mss', 'eol'], mss: 1460, wscale: null });
    assert.deepEqual(synWith([30, 4, 0, 0, 2, 0, 0, 0]), { ttl: 64, df: false, options: ['opt-30', 'mss'], mss: null, wscale: null });
    assert.deepEqual(synWith([]), { ttl: 64, df: false, options: [], mss: null, wscale: null });
  });

  it('reads big-endian files with nanosecond timestamps', () => {
    const file = pcapFile([{ sec: 5, usec: 1_500_000, frame: ether(ipv4(6, tcp(1, 2, 0x11))) }], { bigEndian: true, nano: true });
    const [p] = decodePcap(file);
    assert.equal(p.epochMs, 5001.5);
    assert.deepEqual(p.flags, ['FIN', 'ACK']);
  });

  it('reads Linux cooked captures and IPv6', () => {
    const v6 = Buffer.alloc(40);
    v6[0] = 0x60;
    const payload = tcp(1234, 443, 0x02);
    v6.writeUInt16BE(payload.length, 4);
    v6[6] = 6;
    v6[23] = 1; // ::1
    v6[39] = 1;
    const sll = Buffer.alloc(16);
    sll.writeUInt16BE(0x86dd, 14);
    const [p] = decodePcap(pcapFile([{ sec: 1, usec: 0, frame: Buffer.concat([sll, v6, payload]) }], { linktype: 113 }));
    assert.equal(p.proto, 'tcp');
    assert.deepEqual(p.from, { address: '::1', port: 1234 });
    assert.deepEqual(p.flags, ['SYN']);
    assert.deepEqual(p.syn, { ttl: 0, df: null, options: [], mss: null, wscale: null }, "IPv6: the hop limit, and no don't-fragment bit");
  });

  it('tolerates a truncated last record and refuses a file that is not pcap', () => {
    const file = pcapFile([{ sec: 1, usec: 0, frame: ether(ipv4(6, tcp(1, 2, 0x02))) }]);
    assert.equal(decodePcap(file.subarray(0, file.length - 30)).length, 0);
    assert.equal(decodePcap(file.subarray(0, 24)).length, 0);
    assert.throws(() => decodePcap(Buffer.from('not a capture at all, no no no')), PcapFormatError);
    assert.throws(() => decodePcap(Buffer.alloc(10)), PcapFormatError);
  });
});
