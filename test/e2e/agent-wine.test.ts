// The real agent in Windows node.exe under wine64 (a few seconds). Needs `npm run setup`, which
// `npm test` runs first; without it this test fails and says so, rather than skipping out of sight.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { frame, LineDecoder, PROTOCOL_VERSION } from '../../agents/protocol';
import { wineTestbed } from '../../src/testbeds/agent-controller';
import { buildAgent, launchLocalAgent } from '../../src/testbeds/agent-controller/launcher';
import { ensureWineSetup, usePrefix, windowsPath, wineEnv, wineSetupDone } from '../../src/testbeds/agent-controller/wine-setup';
import type { Call, CallOutcome } from '../../src/core/ports';
import { prefixLeftovers, stillRunningOf, trackDescendants } from './processes';

const ready = wineSetupDone();
const WSAENOTSOCK = 10038;
const WSANOTINITIALISED = 10093;

function returned(o: CallOutcome): Extract<CallOutcome, { status: 'returned' }> {
  assert.equal(o.status, 'returned', JSON.stringify(o));
  return o as Extract<CallOutcome, { status: 'returned' }>;
}

describe('agent under wine', () => {
  it('is set up', () => {
    assert.ok(ready, 'Wine is not set up for the agent: run `npm run setup` first');
  });

  it('serves calls, blocks within bound, probes an uninitialised process, and leaves nothing running', async () => {
    // What this test starts (the agent under wine64, its probe) descends from this process; the prefix's
    // own processes (wineserver, services.exe, ...) detach, and are found by their WINEPREFIX.
    const started = trackDescendants(process.pid);
    const bed = await wineTestbed.create({ capture: 'off' });
    try {
      const proc = await bed.mainProcess();
      const call = async (c: Call, bound = 2000): Promise<CallOutcome> => proc.call(c, bound);

      const enumd = returned(await call({ op: 'WSAEnumProtocols' }));
      assert.ok(enumd.ret > 0);
      assert.ok(enumd.out.protocols?.some((p) => p.af === 2 && p.type === 1 && p.protocol === 6));

      const bad = returned(await call({ op: 'getSocketType', s: '0x0' }));
      assert.deepEqual([bad.ret, bad.error], [-1, WSAENOTSOCK]);

      const s = returned(await call({ op: 'socket', af: 2, type: 2, protocol: 17 }));
      const h = s.out.handle ?? '';
      assert.match(h, /^0x[0-9a-f]+$/);
      returned(await call({ op: 'bind', s: h, to: { address: '127.0.0.1', port: 0 } }));
      const t0 = performance.now();
      assert.deepEqual(await call({ op: 'recv', s: h, len: 4, flags: 0 }, 200), { status: 'blocked', boundMs: 200 });
      assert.ok(performance.now() - t0 < 2000);
      // The agent is still responsive after unblocking its worker.
      assert.equal(returned(await call({ op: 'getSocketType', s: '0x0' })).error, WSAENOTSOCK);

      const probe = await bed.uninitialisedProcess();
      const ps = returned(await probe.call({ op: 'socket', af: 2, type: 1, protocol: 6 }, 2000));
      assert.deepEqual([ps.ret, ps.error], [-1, WSANOTINITIALISED]);
      await probe.release();

      const meta = await bed.metadata();
      assert.match(meta['agent: windows'] ?? '', /10\.0/);
      assert.match(meta['agent: node'] ?? '', /^v22\./);
      assert.match(meta['controller: runs the agent under'] ?? '', /^wine-/);
      assert.equal(meta['controller: the agent contradicts it'], undefined);
      await proc.release();
    } finally {
      await bed.close();
    }
    assert.deepEqual(
      stillRunningOf(started.stop(), [process.pid]).map((p) => `${p.pid} ${p.comm}`),
      [],
      'processes this test started are still running',
    );
    assert.deepEqual(
      prefixLeftovers([process.pid]).map((p) => `${p.pid} ${p.comm}`),
      [],
      'processes of the prefix are still running',
    );
  });

  it('refuses a controller of another protocol version with one line, and exits', async () => {
    const setup = await ensureWineSetup({ installWine: false });
    const leave = usePrefix(setup);
    const outDir = path.join(setup.cacheDir, 'wine', 'agent');
    const agent = await launchLocalAgent({
      command: setup.wine64,
      args: [setup.nodeExe, windowsPath(buildAgent(outDir)), '--koffi', windowsPath(setup.koffiDir)],
      env: wineEnv(setup.prefix),
      logDir: path.join(setup.cacheDir, 'wine', 'logs'),
      bootTimeoutMs: 60_000,
      label: 'under wine64',
    });
    try {
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(agent.port, '127.0.0.1', () =>
          socket.write(frame({ type: 'hello', id: 0, protocol: PROTOCOL_VERSION + 1, client: 'test' })),
        );
        const d = new LineDecoder();
        const lines: string[] = [];
        socket.on('data', (chunk: Buffer) => lines.push(...d.push(chunk)));
        socket.on('error', reject);
        socket.on('close', () => resolve(lines.join('\n')));
      });
      const message = JSON.parse(answer) as { type: string; id: number; message: string };
      assert.equal(message.type, 'error');
      assert.equal(
        message.message,
        `control protocol mismatch: the controller speaks version ${PROTOCOL_VERSION + 1}, this side speaks version ${PROTOCOL_VERSION}`,
      );
      assert.match(await agent.exited, /exit code 0/);
    } finally {
      await agent.kill();
      leave();
    }
  });
});
