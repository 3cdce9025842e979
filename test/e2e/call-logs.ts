// Two runs' call logs side by side, for the tests that hold one agent to another (test/e2e/native-agent.test.ts,
// the x64 native agent to the node agent; test/e2e/wine32.test.ts, the x86 build to the x64 one): each
// scenario's calls and what they returned, with what differs between two faithful agents taken out.
import { CALL_LOG_MEDIA } from '../../src/core/outcomes';
import { attachmentsByScenario } from './messages';

/**
 * A call log with what differs between two faithful agents taken out: the handle values and ports they
 * were given (each replaced by the order in which it was minted or first named: a value Winsock reuses
 * after a close is a new handle), the probes' names, and the timings.
 */
function normalisedCalls(body: string): unknown[] {
  const { calls } = JSON.parse(body) as { calls: { process: string; call: Record<string, unknown>; outcome: Record<string, unknown> }[] };
  const names = new Map<string, string>();
  const counts = new Map<string, number>();
  const fresh = (kind: string, value: string): string => {
    const n = (counts.get(kind) ?? 0) + 1;
    counts.set(kind, n);
    names.set(`${kind}:${value}`, `${kind}${n}`);
    return `${kind}${n}`;
  };
  const token = (kind: string, value: string): string => names.get(`${kind}:${value}`) ?? fresh(kind, value);
  const walk = (value: unknown, key = ''): unknown => {
    if (key === 'handle' && typeof value === 'string') return fresh('handle', value.toLowerCase());
    if (typeof value === 'string' && /^0x[0-9a-f]+$/i.test(value)) return token('handle', value.toLowerCase());
    if (key === 'port' && typeof value === 'number' && value !== 0) return token('port', String(value));
    if (Array.isArray(value)) return value.map((v) => walk(v));
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k)]));
    return value;
  };
  const entries = calls.map(({ process, call, outcome }) => {
    const timed: Record<string, unknown> = { ...outcome };
    delete timed.elapsedMs;
    // How many bytes a send takes before the buffers fill is the kernel's timing, not the agent's word.
    if ((call.op === 'send' || call.op === 'sendto') && typeof timed.ret === 'number' && timed.ret > 0) timed.ret = 'some bytes';
    return { process: process === 'main' ? 'main' : token('probe', process), call: walk(call), outcome: walk(timed) };
  });
  // A situation that fills the buffers sends until WSAEWOULDBLOCK: the same sends, however many it took.
  return entries.filter((entry, i) => i === 0 || JSON.stringify(entry) !== JSON.stringify(entries[i - 1]));
}

/** Each scenario's normalised call log, by scenario name. */
export function observations(reports: string): Map<string, unknown[]> {
  const logs = new Map<string, unknown[]>();
  for (const [name, bodies] of attachmentsByScenario(reports, CALL_LOG_MEDIA)) logs.set(name, bodies.flatMap(normalisedCalls));
  return logs;
}
