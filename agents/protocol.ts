// The agent control protocol, version 1: newline-delimited JSON over one TCP connection.
// Shared by the agent (agents/node/agent.ts, run by Windows node.exe) and the controller
// (src/testbeds/agent-controller/). docs/agent-protocol.md is the normative description for vendors.
//
// The agent's build (buildAgent in src/testbeds/agent-controller/launcher.ts) takes along every file the agent
// requires at run time, so this file imports at run time only node built-ins and files that do the same;
// the controller's types it uses are type-only imports, which vanish when transpiled.
import type { Call, CallName, CallOutcome } from '../src/core/ports';

export const PROTOCOL_VERSION = 1;

/** A line longer than this is garbage, not a message: nothing legitimate comes near it. */
export const MAX_LINE_BYTES = 1024 * 1024;

/** The largest buffer a call may ask for (recv and WSARecv `len`, WSARecvDisconnect `buffer`): 16 MiB. */
export const MAX_CALL_BUFFER = 16 * 1024 * 1024;

/** Facts the agent tells about itself in its hello. Unknown extra fields are allowed. */
export interface AgentFacts {
  /** Free text naming the agent program, e.g. "winsock-conformance node agent". */
  implementation: string;
  /** The Windows version as the agent sees it, e.g. "Windows 10 Pro 10.0.19045". */
  windows: string;
  /** The module that serves the calls, e.g. "C:\\Windows\\system32\\ws2_32.dll". */
  ws2_32: string;
  /** The calls this agent executes (CallName values). */
  ops: CallName[];
  node?: string;
  koffi?: string;
  /** Set when the agent runs under Wine: wine_get_version() from ntdll. */
  wine?: string;
  pid?: number;
  [fact: string]: unknown;
}

/** A process of the agent: "main" (Winsock initialised) or one returned by `spawn`. */
export type ProcessId = string;

export type ControllerMessage =
  | { type: 'hello'; id: number; protocol: number; client: string }
  | { type: 'call'; id: number; process?: ProcessId; call: Call; boundMs: number }
  | { type: 'spawn'; id: number }
  | { type: 'release'; id: number; process?: ProcessId }
  | { type: 'shutdown'; id: number };

export type AgentMessage =
  | { type: 'hello'; id: number; protocol: number; agent: AgentFacts }
  | { type: 'result'; id: number; outcome: CallOutcome }
  | { type: 'spawned'; id: number; process: ProcessId; cleanups: number }
  | { type: 'released'; id: number; closed: string[] }
  | { type: 'bye'; id: number }
  | { type: 'error'; id: number | null; message: string };

/** Something that is not a message of this protocol version. `bytes` is what arrived, for evidence. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    message: string,
    readonly bytes: string,
  ) {
    super(message);
  }
}

/** The one-line error for a version mismatch, from either side. */
export function versionMismatch(theirs: unknown, who: 'agent' | 'controller'): string {
  return `control protocol mismatch: the ${who} speaks version ${String(theirs)}, this side speaks version ${PROTOCOL_VERSION}`;
}

/** Encode one message as a line. */
export function frame(message: ControllerMessage | AgentMessage): string {
  return `${JSON.stringify(message)}\n`;
}

/** Splits a byte stream into lines (UTF-8, '\n', an optional '\r' before it is dropped). */
export class LineDecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly maxLineBytes = MAX_LINE_BYTES) {}

  /** Feed a chunk; returns the complete lines it finished. Throws ProtocolError on an overlong line. */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      const piece = chunk.subarray(start, nl);
      const whole = this.pendingBytes ? Buffer.concat([...this.pending, piece]) : piece;
      this.pending = [];
      this.pendingBytes = 0;
      if (whole.length > this.maxLineBytes)
        throw new ProtocolError(`a line of ${whole.length} bytes exceeds the limit of ${this.maxLineBytes}`, preview(whole));
      let line = whole.toString('utf8');
      if (line.endsWith('\r')) line = line.slice(0, -1);
      lines.push(line);
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.pending.push(Buffer.from(rest));
      this.pendingBytes += rest.length;
      if (this.pendingBytes > this.maxLineBytes) {
        const seen = Buffer.concat(this.pending);
        throw new ProtocolError(`more than ${this.maxLineBytes} bytes without a newline`, preview(seen));
      }
    }
    return lines;
  }

  /** Bytes received after the last newline (a peer that closes mid-line left these). */
  rest(): string {
    return Buffer.concat(this.pending).toString('utf8');
  }
}

/** At most 2000 characters of what arrived, as text with control bytes escaped. */
export function preview(bytes: Buffer | string): string {
  const text = typeof bytes === 'string' ? bytes : bytes.toString('latin1');
  const cut = text.length > 2000 ? `${text.slice(0, 2000)}... (${text.length} characters)` : text;
  return JSON.stringify(cut);
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseLine(line: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new ProtocolError('not JSON', preview(line));
  }
  if (!isObject(value)) throw new ProtocolError('not a JSON object', preview(line));
  if (typeof value.type !== 'string') throw new ProtocolError('no "type" field', preview(line));
  return value;
}

function requireId(value: Json, line: string): number {
  // A safe integer: one that both sides, and any JSON reader, hold exactly.
  if (typeof value.id !== 'number' || !Number.isSafeInteger(value.id))
    throw new ProtocolError(`"${String(value.type)}" without an integer "id"`, preview(line));
  return value.id;
}

function optionalProcess(value: Json, line: string): ProcessId | undefined {
  if (value.process === undefined) return undefined;
  if (typeof value.process !== 'string') throw new ProtocolError('"process" must be a string', preview(line));
  return value.process;
}

/** Parse one line the agent sent. Checks the envelope; a call outcome is checked field by field. */
export function parseAgentMessage(line: string): AgentMessage {
  const value = parseLine(line);
  const type = value.type;
  if (type === 'error') {
    const id = value.id === null || value.id === undefined ? null : requireId(value, line);
    if (typeof value.message !== 'string') throw new ProtocolError('"error" without a "message"', preview(line));
    return { type, id, message: value.message };
  }
  const id = requireId(value, line);
  switch (type) {
    case 'hello': {
      if (typeof value.protocol !== 'number') throw new ProtocolError('"hello" without a numeric "protocol"', preview(line));
      if (value.protocol !== PROTOCOL_VERSION)
        return { type, id, protocol: value.protocol, agent: isObject(value.agent) ? (value.agent as AgentFacts) : emptyFacts() };
      if (!isObject(value.agent)) throw new ProtocolError('"hello" without "agent" facts', preview(line));
      const agent = value.agent;
      if (typeof agent.windows !== 'string' || typeof agent.ws2_32 !== 'string' || typeof agent.implementation !== 'string' || !Array.isArray(agent.ops)) {
        throw new ProtocolError('"hello" facts need implementation, windows, ws2_32 (strings) and ops (array)', preview(line));
      }
      return { type, id, protocol: value.protocol, agent: agent as AgentFacts };
    }
    case 'result':
      return { type, id, outcome: parseOutcome(value.outcome, line) };
    case 'spawned':
      if (typeof value.process !== 'string' || typeof value.cleanups !== 'number')
        throw new ProtocolError('"spawned" needs "process" and "cleanups"', preview(line));
      return { type, id, process: value.process, cleanups: value.cleanups };
    case 'released':
      if (!Array.isArray(value.closed) || !value.closed.every((h) => typeof h === 'string'))
        throw new ProtocolError('"released" needs "closed": string[]', preview(line));
      return { type, id, closed: value.closed as string[] };
    case 'bye':
      return { type, id };
    default:
      throw new ProtocolError(`unknown message type "${String(type)}"`, preview(line));
  }
}

function emptyFacts(): AgentFacts {
  return { implementation: '', windows: '', ws2_32: '', ops: [] };
}

/** A WSAPROTOCOL_INFOW as the agents report it (ProtocolInfo, src/core/ports.ts). */
function isProtocolInfo(p: unknown): boolean {
  return (
    isObject(p) &&
    typeof p.name === 'string' &&
    typeof p.providerId === 'string' &&
    ['af', 'type', 'protocol', 'serviceFlags1', 'chainLen'].every((k) => typeof p[k] === 'number')
  );
}

function parseOutcome(value: unknown, line: string): CallOutcome {
  if (!isObject(value)) throw new ProtocolError('"result" without an "outcome" object', preview(line));
  if (value.status === 'blocked') {
    if (typeof value.boundMs !== 'number') throw new ProtocolError('a blocked outcome needs "boundMs"', preview(line));
    return { status: 'blocked', boundMs: value.boundMs };
  }
  if (value.status !== 'returned') throw new ProtocolError(`unknown outcome status "${String(value.status)}"`, preview(line));
  const { ret, error, elapsedMs, out } = value;
  if (typeof ret !== 'number' || typeof error !== 'number' || typeof elapsedMs !== 'number' || !isObject(out)) {
    throw new ProtocolError('a returned outcome needs ret, error, elapsedMs (numbers) and out (object)', preview(line));
  }
  const checks: [string, (v: unknown) => boolean][] = [
    ['handle', (v) => typeof v === 'string'],
    ['data', (v) => typeof v === 'string' && /^([0-9a-f]{2})*$/i.test(v)],
    ['endpoint', (v) => isObject(v) && typeof v.address === 'string' && typeof v.port === 'number'],
    ['value', (v) => typeof v === 'number'],
    ['bufferLength', (v) => typeof v === 'number'],
    [
      'blockingHook',
      (v) =>
        isObject(v) &&
        typeof v.setError === 'number' &&
        typeof v.hookCalls === 'number' &&
        ['recvRet', 'recvError'].every((k) => v[k] === undefined || typeof v[k] === 'number') &&
        (v.declined === undefined || typeof v.declined === 'string'),
    ],
    ['protocols', (v) => Array.isArray(v) && v.every(isProtocolInfo)],
    ['protocolInfo', isProtocolInfo],
  ];
  for (const [key, ok] of checks) {
    if (out[key] !== undefined && !ok(out[key])) throw new ProtocolError(`outcome field out.${key} is malformed`, preview(line));
  }
  return { status: 'returned', ret, error, elapsedMs, out };
}

/** Parse one line the controller sent (the agent's side). The call itself is checked by the executor. */
export function parseControllerMessage(line: string): ControllerMessage {
  const value = parseLine(line);
  const type = value.type;
  const id = requireId(value, line);
  switch (type) {
    case 'hello':
      if (typeof value.protocol !== 'number') throw new ProtocolError('"hello" without a numeric "protocol"', preview(line));
      return { type, id, protocol: value.protocol, client: typeof value.client === 'string' ? value.client : '' };
    case 'call': {
      if (!isObject(value.call) || typeof value.call.op !== 'string') throw new ProtocolError('"call" without a "call" object with an "op"', preview(line));
      if (typeof value.boundMs !== 'number' || !(value.boundMs >= 0)) throw new ProtocolError('"call" without a non-negative "boundMs"', preview(line));
      return { type, id, process: optionalProcess(value, line), call: value.call as unknown as Call, boundMs: value.boundMs };
    }
    case 'spawn':
      return { type, id };
    case 'release':
      return { type, id, process: optionalProcess(value, line) };
    case 'shutdown':
      return { type, id };
    default:
      throw new ProtocolError(`unknown message type "${String(type)}"`, preview(line));
  }
}

/**
 * Walk an agent's command line: `take` gets each flag, and `value` reads the argument after it (a flag
 * given without one is an error naming it).
 */
export function eachArgument(argv: readonly string[], take: (flag: string, value: () => string) => void): void {
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i] as string;
    take(flag, () => {
      const v = argv[i + 1];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      i += 1;
      return v;
    });
  }
}

/** HOST:PORT from a command line (an IPv6 host may come in brackets), for --listen and --announce. */
export function hostPort(text: string, flag: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(text);
  if (!m?.[1]) throw new Error(`${flag} wants HOST:PORT, not ${JSON.stringify(text)}`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}
