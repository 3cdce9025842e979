// The loopback peer against the host's own sockets: what it reports for data, FIN, reset, datagrams and
// ICMP port unreachable, and that closeAll leaves nothing open.
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { describe, it } from 'node:test';
import { LoopbackPeer } from '../../src/testbeds/loopback/peer';
import { NotApplicable } from '../../src/core/outcomes';
import { AF_INET6 } from '../../src/core/winsock';
import { TCP, UDP } from '../../support/situations';

describe('loopback peer', () => {
  it('speaks TCP over IPv4 only', async () => {
    const peer = new LoopbackPeer();
    assert.equal(peer.speaks(TCP), true);
    assert.equal(peer.speaks(UDP), false);
    assert.equal(peer.speaks({ ...TCP, af: AF_INET6 }), false);
    await assert.rejects(peer.listen(UDP), NotApplicable);
  });

  it('reports data, then EOF, and a quiet window as null', async () => {
    const peer = new LoopbackPeer();
    const listener = await peer.listen(TCP);
    const client = net.connect(listener.endpoint.port, listener.endpoint.address);
    const stream = await listener.accept(2000);
    client.write(Buffer.alloc(6));
    assert.deepEqual(await stream.next(2000), { kind: 'data', bytes: 6 });
    const t0 = performance.now();
    assert.equal(await stream.next(100), null);
    // The event loop's clock may lag the high-resolution one by a few ms under load.
    assert.ok(performance.now() - t0 >= 80);
    client.end();
    assert.deepEqual(await stream.next(2000), { kind: 'eof' });
    peer.closeAll();
  });

  it("counts an event that came inside the window though the event loop reaches the window's end late", async () => {
    const peer = new LoopbackPeer();
    const listener = await peer.listen(TCP);
    const client = net.connect(listener.endpoint.port, listener.endpoint.address);
    try {
      const stream = await listener.accept(2000);
      const waiting = stream.next(20);
      // The bytes reach the kernel inside the window; then the loop is held past its end, as a loaded machine
      // holds it, so that when it turns, the window's timer and the bytes are both due.
      client.write(Buffer.alloc(3));
      const held = performance.now();
      while (performance.now() - held < 100);
      assert.deepEqual(await waiting, { kind: 'data', bytes: 3 });
    } finally {
      client.destroy();
      peer.closeAll();
    }
  });

  it('stops reading when paused, so the sender fills up, and reads it all when resumed', async () => {
    const peer = new LoopbackPeer();
    const listener = await peer.listen(TCP);
    const client = net.connect(listener.endpoint.port, listener.endpoint.address);
    const stream = await listener.accept(2000);
    await stream.pauseReading();
    // Far more than loopback's buffers hold: what they cannot take waits in the client's Node queue.
    const written = 32 * 1024 * 1024;
    client.write(Buffer.alloc(written));
    assert.equal(await stream.next(200), null, 'nothing is read while paused');
    assert.ok(client.writableLength > 0, 'the sender is held up');
    await stream.resumeReading();
    let read = 0;
    while (read < written) {
      const event = await stream.next(2000);
      assert.equal(event?.kind, 'data');
      read += event?.kind === 'data' ? event.bytes : 0;
    }
    assert.equal(read, written);
    client.destroy();
    peer.closeAll();
  });

  it('reports a reset, and a send after it is not a failure', async () => {
    const peer = new LoopbackPeer();
    const listener = await peer.listen(TCP);
    const client = net.connect(listener.endpoint.port, listener.endpoint.address);
    const stream = await listener.accept(2000);
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    client.resetAndDestroy();
    const event = await stream.next(2000);
    assert.equal(event?.kind, 'reset');
    await stream.send('00');
    peer.closeAll();
  });

  it("names a connection's two ends as its sockets do", async () => {
    const peer = new LoopbackPeer();
    const listener = await peer.listen(TCP);
    const client = net.connect(listener.endpoint.port, listener.endpoint.address);
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    const stream = await listener.accept(2000);
    assert.deepEqual(stream.local, listener.endpoint);
    assert.deepEqual(stream.remote, { address: client.localAddress, port: client.localPort });
    client.destroy();
    peer.closeAll();
  });

  it('connects out and half-closes with FIN', async () => {
    const peer = new LoopbackPeer();
    let sawEnd: () => void = () => undefined;
    const ended = new Promise<void>((resolve) => (sawEnd = resolve));
    const server = net.createServer({ allowHalfOpen: true }, (s) => {
      s.on('data', () => undefined);
      s.on('end', () => {
        s.end('bye');
        sawEnd();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const stream = await peer.connect(TCP, { address: '127.0.0.1', port: (server.address() as net.AddressInfo).port });
    assert.deepEqual(stream.remote, { address: '127.0.0.1', port: (server.address() as net.AddressInfo).port });
    await stream.endWriting();
    await ended;
    assert.deepEqual(await stream.next(2000), { kind: 'data', bytes: 3 });
    assert.deepEqual(await stream.next(2000), { kind: 'eof' });
    await assert.rejects(stream.disconnectWithData('00'), NotApplicable);
    peer.closeAll();
    server.close();
  });

  it('accept times out with an error', async () => {
    const peer = new LoopbackPeer();
    const listener = await peer.listen(TCP);
    await assert.rejects(listener.accept(50), /no connection/);
    peer.closeAll();
  });

  it('reports datagrams, and ICMP port unreachable as an ICMP error, ECONNREFUSED', async () => {
    const peer = new LoopbackPeer();
    const d = await peer.openDatagramSocket();
    const sender = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => sender.send(Buffer.alloc(5), d.endpoint.port, '127.0.0.1', () => resolve()));
    assert.deepEqual(await d.next(2000), { kind: 'datagram', bytes: 5 });
    sender.close();
    // A port nothing listens on: one a socket of this host was bound to, then closed.
    const probe = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', () => resolve()));
    const unused = { address: '127.0.0.1', port: probe.address().port };
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    await d.connect(unused);
    await d.send('01');
    const event = await d.next(2000);
    assert.equal(event?.kind, 'icmp-error');
    assert.match(event && 'detail' in event ? event.detail : '', /^ECONNREFUSED/);
    peer.closeAll();
  });

  it('closeAll closes listeners so their port refuses connections', async () => {
    const peer = new LoopbackPeer();
    const listener = await peer.listen(TCP);
    peer.closeAll();
    await new Promise<void>((resolve, reject) => {
      const c = net.connect(listener.endpoint.port, listener.endpoint.address);
      c.on('connect', () => reject(new Error('still listening')));
      c.on('error', () => resolve());
    });
  });
});
