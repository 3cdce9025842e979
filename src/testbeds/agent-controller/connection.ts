// The controller's end of the agent control protocol (docs/agent-protocol.md): one TCP connection,
// requests matched to answers by id, a timer on each request, and every way the agent can fail turned
// into an AgentFailure carrying what it sent or last printed.
import * as net from 'node:net';
import {
  frame,
  LineDecoder,
  parseAgentMessage,
  preview,
  PROTOCOL_VERSION,
  ProtocolError,
  versionMismatch,
  type AgentFacts,
  type AgentMessage,
  type ControllerMessage,
} from '../../../agents/protocol';
import { AgentFailure, CannotRun } from '../../core/outcomes';
import { deadline } from '../../core/deadline';

/** A ControllerMessage without its id (the connection numbers requests). */
export type Request = ControllerMessage extends infer M ? (M extends { id: number } ? Omit<M, 'id'> : never) : never;

/** The agent did not answer a request in time (the caller decides what that means: CallTimeout). */
export class RequestTimeout extends Error {
  override readonly name = 'RequestTimeout';
}

/**
 * The agent refused the connection before its hello, as one that serves another controller does
 * (docs/agent-protocol.md: `{"type":"error","id":null,...}`, then it closes).
 */
export class AgentBusy extends AgentFailure {
  override readonly name = 'AgentBusy';
}

/** A version mismatch: a one-line error before the run, not an agent failure. */
export class ProtocolMismatch extends CannotRun {
  override readonly name = 'ProtocolMismatch';
}

/** The hello's request id: the first request of every connection. */
const HELLO_ID = 0;

/** Evidence in one text: what arrived from the agent (when it broke the protocol), then its last output. */
export function joinEvidence(received: string, logs: string): string {
  return [received ? `received from the agent: ${received}` : '', logs].filter(Boolean).join('\n');
}

interface Pending {
  request: Request;
  resolve: (m: AgentMessage) => void;
  reject: (e: Error) => void;
  /** Ends the request's bound (src/core/deadline.ts). */
  cancel: () => void;
}

export interface ConnectionOptions {
  /** What the agent last printed, for evidence (a local agent's log files); '' for a remote agent. */
  evidence: () => string;
  /** Called once when the connection is broken (closed, garbage); the testbed then discards the agent. */
  onBroken: (reason: Error) => void;
  connectTimeoutMs: number;
  client: string;
}

export class AgentConnection {
  private readonly decoder = new LineDecoder();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private brokenReason: Error | null = null;
  /** What the agent sent that broke the protocol (a preview), or '' when it broke the connection otherwise. */
  received = '';
  facts: AgentFacts = { implementation: '', windows: '', ws2_32: '', ops: [] };

  private constructor(
    private readonly socket: net.Socket,
    private readonly options: ConnectionOptions,
    readonly endpoint: string,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined); // 'close' follows and carries the failure
    socket.on('close', () => {
      const rest = this.decoder.rest();
      if (rest && !this.brokenReason) this.received = `${preview(rest)} (an unfinished line)`;
      this.fail(new AgentFailure(`the agent at ${endpoint} closed the control connection`, joinEvidence(this.received, this.options.evidence())));
    });
  }

  /** Connect, exchange hellos, check the protocol version. */
  static async open(host: string, port: number, options: ConnectionOptions): Promise<AgentConnection> {
    const endpoint = `${host}:${port}`;
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host, port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new AgentFailure(`no agent answered at ${endpoint} within ${options.connectTimeoutMs} ms`, options.evidence()));
      }, options.connectTimeoutMs);
      s.once('error', (e) => {
        clearTimeout(timer);
        reject(new AgentFailure(`cannot reach the agent at ${endpoint}: ${e.message}`, options.evidence()));
      });
      s.once('connect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        resolve(s);
      });
    });
    const conn = new AgentConnection(socket, options, endpoint);
    let hello: AgentMessage;
    try {
      hello = await conn.request({ type: 'hello', protocol: PROTOCOL_VERSION, client: options.client }, options.connectTimeoutMs);
    } catch (e) {
      conn.close();
      if (e instanceof RequestTimeout)
        throw new AgentFailure(`the agent at ${endpoint} did not answer hello within ${options.connectTimeoutMs} ms`, options.evidence());
      if (e instanceof AgentFailure && /protocol mismatch/.test(e.message))
        throw new ProtocolMismatch(`agent at ${endpoint}: ${e.message.replace(/^the agent refused "hello": /, '')}`);
      throw e;
    }
    if (hello.type !== 'hello') {
      conn.close();
      throw new AgentFailure(`the agent at ${endpoint} answered hello with "${hello.type}"`, JSON.stringify(hello));
    }
    if (hello.protocol !== PROTOCOL_VERSION) {
      conn.close();
      throw new ProtocolMismatch(`agent at ${endpoint}: ${versionMismatch(hello.protocol, 'agent')}`);
    }
    conn.facts = hello.agent;
    return conn;
  }

  get broken(): boolean {
    return this.brokenReason !== null;
  }

  /** Send a request; resolves with its answer, rejects with RequestTimeout or AgentFailure. */
  request(request: Request, timeoutMs: number): Promise<AgentMessage> {
    if (this.brokenReason) return Promise.reject(this.brokenReason);
    const id = request.type === 'hello' ? HELLO_ID : this.nextId++;
    return new Promise((resolve, reject) => {
      // The bound reads an answer that came in time first, rather than kill the agent that sent it.
      const cancel = deadline(timeoutMs, () => {
        this.pending.delete(id);
        reject(new RequestTimeout(`the agent did not answer ${describeRequest(request)} within ${timeoutMs} ms`));
      });
      this.pending.set(id, { request, resolve, reject, cancel });
      this.socket.write(frame({ ...request, id } as ControllerMessage));
    });
  }

  private onData(chunk: Buffer): void {
    let lines: string[];
    try {
      lines = this.decoder.push(chunk);
    } catch (e) {
      this.garbage(e, chunk);
      return;
    }
    for (const line of lines) {
      if (this.brokenReason) return;
      if (line.trim() === '') continue;
      let message: AgentMessage;
      try {
        message = parseAgentMessage(line);
      } catch (e) {
        this.garbage(e, chunk);
        return;
      }
      this.deliver(message, line);
    }
  }

  private deliver(message: AgentMessage, line: string): void {
    if (message.id === null) {
      // An error about no request in particular: the agent gave up on this connection; before its hello was
      // answered, it refused it (busy).
      this.received = preview(line);
      const refused = message.type === 'error' && this.pending.has(HELLO_ID);
      const Failure = refused ? AgentBusy : AgentFailure;
      this.fail(new Failure(`the agent reported: ${message.type === 'error' ? message.message : line}`, joinEvidence(this.received, this.options.evidence())));
      return;
    }
    const pending = this.pending.get(message.id);
    if (!pending) {
      this.received = preview(line);
      this.fail(new AgentFailure(`the agent answered request ${message.id}, which is not pending`, joinEvidence(this.received, this.options.evidence())));
      return;
    }
    this.pending.delete(message.id);
    pending.cancel();
    if (message.type === 'error') {
      pending.reject(new AgentFailure(`the agent refused ${describeRequest(pending.request)}: ${message.message}`, preview(line)));
      return;
    }
    pending.resolve(message);
  }

  private garbage(e: unknown, chunk: Buffer): void {
    // The text as decoded, and the raw bytes of what arrived with it (the decoding hides bytes that are not UTF-8).
    this.received = `${e instanceof ProtocolError ? e.bytes : ''}\nbytes of that read: ${hexBytes(chunk)}`;
    const why = e instanceof Error ? e.message : String(e);
    this.fail(
      new AgentFailure(
        `the agent sent something that is not control protocol ${PROTOCOL_VERSION}: ${why}`,
        joinEvidence(this.received, this.options.evidence()),
      ),
    );
  }

  /** Reject everything pending, drop the connection (or only end this side of it), tell the owner once. */
  private fail(reason: Error, notify = true, drop: 'destroy' | 'end' = 'destroy'): void {
    if (this.brokenReason) return;
    this.brokenReason = reason;
    for (const p of this.pending.values()) {
      p.cancel();
      p.reject(reason);
    }
    this.pending.clear();
    if (drop === 'end') this.socket.end();
    else this.socket.destroy();
    if (notify) this.options.onBroken(reason);
  }

  /** Close without blaming the agent. */
  close(): void {
    this.fail(closedByController(), false);
  }

  /**
   * Close without blaming the agent, as close() does, but by ending this side and waiting, `boundMs` at
   * most, for the agent to end its own: an agent serves one controller at a time, and is free for the next
   * only once it has seen this one go. A run started right after one against the same agent on another
   * host was refused as busy (npm test saw it so).
   */
  async end(boundMs: number): Promise<void> {
    if (this.brokenReason) return;
    const gone = new Promise<void>((resolve) => {
      const cancel = deadline(boundMs, resolve);
      this.socket.once('close', () => {
        cancel();
        resolve();
      });
    });
    this.fail(closedByController(), false, 'end');
    await gone;
    this.socket.destroy();
  }
}

/** Why a connection the controller closed rejects what was pending: no fault of the agent's. */
function closedByController(): AgentFailure {
  return new AgentFailure('the control connection was closed by the controller', '');
}

/** Up to 256 bytes as hex pairs, e.g. "00 ff 7b ... (300 bytes)". */
function hexBytes(bytes: Buffer, max = 256): string {
  const shown = [...bytes.subarray(0, max)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  return bytes.length > max ? `${shown} ... (${bytes.length} bytes)` : shown;
}

function describeRequest(request: Request): string {
  if (request.type === 'call') return `${request.call.op}${request.process && request.process !== 'main' ? ` in ${request.process}` : ''}`;
  return `"${request.type}"`;
}
