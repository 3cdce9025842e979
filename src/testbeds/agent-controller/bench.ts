// The agent's speed, for scripts/bench.ts: measured there, never asserted in tests.
import type { Call } from '../../core/ports';
import { wineAgentBootTimes, wineTestbed, winsockTestbed } from './index';

export { wineAgentBootTimes };

/**
 * Milliseconds per trivial call (getSocketType on a handle that is no socket), as the controller sees
 * them: the control protocol's round trip plus one ws2_32 call. Uses wine, or winsock on Windows.
 */
export async function measureRoundTrips(samples: number, options: Record<string, string> = {}): Promise<number[]> {
  const bed = await (process.platform === 'win32' ? winsockTestbed : wineTestbed).create({ capture: 'off', ...options });
  try {
    const proc = await bed.mainProcess();
    const call: Call = { op: 'getSocketType', s: '0x0' };
    for (let i = 0; i < 5; i += 1) await proc.call(call, 1000);
    const times: number[] = [];
    for (let i = 0; i < samples; i += 1) {
      const t0 = performance.now();
      await proc.call(call, 1000);
      times.push(performance.now() - t0);
    }
    return times;
  } finally {
    await bed.close();
  }
}
