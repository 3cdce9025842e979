// The agent's server, shared by every agent program the suite builds: the control protocol of
// docs/agent-protocol.md on a TCP port, one controller session at a time (hello, then requests answered in
// any order, by id), and the probe processes it hands out. What executes the calls is the agent program's:
// agents/node/agent.ts serves ws2_32.dll (Windows node.exe, or Wine's), agents/posix/agent.ts the host's BSD
// sockets (the POSIX comparison column). Each gives `serve` its executor and its facts.
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import type * as KoffiModule from 'koffi';
import type { Call, CallOutcome } from '../src/core/ports';
import {
  frame,
  LineDecoder,
  parseControllerMessage,
  PROTOCOL_VERSION,
  ProtocolError,
  versionMismatch,
  eachArgument,
  hostPort,
  type AgentFacts,
  type AgentMessage,
  type ControllerMessage,
} from './protocol';
import { BadCall } from './node/calls';

export interface Options {
  listen: { host: string; port: number };
  announce: { host: string; port: number } | null;
  single: boolean;
  koffi: string;
  probe: boolean;
  verbose: boolean;
}

export function parseArgs(argv: string[]): Options {
  const o: Options = { listen: { host: '127.0.0.1', port: 0 }, announce: null, single: false, koffi: 'koffi', probe: false, verbose: false };
  eachArgument(argv, (a, value) => {
    if (a === '--listen') o.listen = hostPort(value(), a);
    else if (a === '--announce') o.announce = hostPort(value(), a);
    else if (a === '--single') o.single = true;
    else if (a === '--koffi') o.koffi = value();
    else if (a === '--probe') o.probe = true;
    else if (a === '--verbose') o.verbose = true;
    else throw new Error(`unknown argument ${a}`);
  });
  return o;
}

const stamp = (): string => new Date().toISOString();
export function log(text: string): void {
  process.stdout.write(`${stamp()} [${process.pid}] ${text}\n`);
}

/** The facts of the node process an agent runs in, the same for every agent program: node, koffi, pid, architecture, libuv's pool. */
export function runtimeFacts(koffi: unknown): Pick<AgentFacts, 'node' | 'koffi' | 'pid'> & { arch: string; uvThreadpoolSize: string } {
  return {
    node: process.version,
    koffi: String((koffi as { version?: unknown }).version ?? 'unknown'),
    pid: process.pid,
    arch: process.arch,
    uvThreadpoolSize: process.env.UV_THREADPOOL_SIZE ?? '4',
  };
}

export function loadKoffi(where: string): typeof KoffiModule {
  const load = createRequire(__filename);
  return load(where) as typeof KoffiModule;
}

/** What executes one process's calls (agents/node/executor.ts for ws2_32, agents/posix/executor.ts for libc). */
export interface CallExecutor {
  /** Run one call; a call the agent cannot execute (unknown op, bad field) rejects with a BadCall. */
  execute(call: Call, boundMs: number): Promise<CallOutcome>;
  /** Close every handle minted since the last release; returns them. */
  release(): string[];
  /** Start the worker threads blocking calls run on, so that a scenario's first such call does not wait for them. */
  startThreadPool(): Promise<void>;
}

/** An agent program's own part: its main process's executor, the facts its hello tells, its first log line. */
interface AgentHost {
  main: CallExecutor;
  facts(): AgentFacts;
  banner: string;
}

/** What an agent program gives `serve`. */
export interface AgentProgram {
  /**
   * The script forked with --probe for an uninitialised process (the agent program's own file), or null
   * where there is no such process: then `spawn` is answered with an error.
   */
  probeScript: string | null;
  /** Bind the native calls and make the main executor: after the spare probe has been started. */
  start(opts: Options): AgentHost;
}

/** Messages a probe child sends over IPC besides AgentMessages. */
export type ProbeReady = { type: 'ready'; cleanups: number; error: number };

class Probe {
  readonly pending = new Set<number>();
  /** Where its answers go, and who hears of its exit: the session it was handed to, none while spare. */
  owner: { deliver(message: AgentMessage): void; exited(how: string): void } | null = null;
  constructor(
    readonly id: string,
    readonly child: ChildProcess,
  ) {}
}

interface StartingProbe {
  probe: Probe;
  /** Its count of WSACleanup calls once it says it is ready; rejects with why it never will be. */
  ready: Promise<number>;
}

let probeSerial = 0;

/** Fork a probe; it takes calls once a session has been handed it. */
function startProbe(script: string, opts: Options): StartingProbe | Error {
  probeSerial += 1;
  const probeId = `probe-${probeSerial}`;
  const args = ['--probe', '--koffi', opts.koffi, ...(opts.verbose ? ['--verbose'] : [])];
  let child: ChildProcess;
  try {
    child = fork(script, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  } catch (e) {
    return new Error(`could not start a probe process: ${e instanceof Error ? e.message : String(e)}`);
  }
  const probe = new Probe(probeId, child);
  const ready = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error('the probe process did not report ready within 30 s'));
    }, 30_000);
    child.on('message', (raw: unknown) => {
      const msg = raw as AgentMessage | ProbeReady;
      if (msg.type === 'ready') {
        clearTimeout(timer);
        log(`${probeId} (pid ${child.pid ?? '?'}) ready after ${msg.cleanups} WSACleanup calls, last error ${msg.error}`);
        resolve(msg.cleanups);
        return;
      }
      if ('id' in msg && typeof msg.id === 'number') probe.pending.delete(msg.id);
      probe.owner?.deliver(msg);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const how = String(code ?? signal);
      reject(new Error(`the probe process exited (${how}) before it was ready`));
      probe.owner?.exited(how);
    });
  });
  // A spare that dies unasked is replaced at the next spawn.
  ready.catch(() => undefined);
  return { probe, ready };
}

/**
 * One probe started ahead, with the agent itself: a probe takes a third of a second to start under Wine,
 * which the first spawn then does not wait for. Only that one: starting a process holds the event loop
 * for tens of milliseconds, which a later spare would take out of some scenario's calls.
 */
let spare: StartingProbe | null = null;

function takeSpare(script: string, opts: Options): StartingProbe | Error {
  const taken = spare && spare.probe.child.exitCode === null && spare.probe.child.signalCode === null ? spare : null;
  spare = null;
  return taken ?? startProbe(script, opts);
}

/** One controller connection: hello, then requests answered in any order, by id. */
class Session {
  private readonly decoder = new LineDecoder();
  private greeted = false;
  private closed = false;
  private readonly probes = new Map<string, Probe>();

  constructor(
    private readonly socket: net.Socket,
    private readonly host: AgentHost,
    private readonly probeScript: string | null,
    private readonly opts: Options,
    private readonly onEnd: (shutdown: boolean) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => log(`control connection error: ${e.message}`));
    socket.on('close', () => this.end(false));
  }

  private send(message: AgentMessage): void {
    if (!this.closed) this.socket.write(frame(message));
  }

  private onData(chunk: Buffer): void {
    let lines: string[];
    try {
      lines = this.decoder.push(chunk);
    } catch (e) {
      this.refuse(null, e instanceof Error ? e.message : String(e));
      return;
    }
    for (const line of lines) {
      if (line.trim() === '') continue;
      let message: ControllerMessage;
      try {
        message = parseControllerMessage(line);
      } catch (e) {
        const detail = e instanceof ProtocolError ? `${e.message}: ${e.bytes}` : String(e);
        this.refuse(null, `unreadable request (${detail})`);
        return;
      }
      this.dispatch(message);
    }
  }

  /** Answer an error and hang up: the stream can no longer be trusted. */
  private refuse(id: number | null, message: string): void {
    log(`refusing: ${message}`);
    this.send({ type: 'error', id, message });
    this.socket.end();
    this.end(false);
  }

  private dispatch(m: ControllerMessage): void {
    if (!this.greeted) {
      if (m.type !== 'hello') return this.refuse(m.id, `the first message must be "hello", not "${m.type}"`);
      if (m.protocol !== PROTOCOL_VERSION) return this.refuse(m.id, versionMismatch(m.protocol, 'controller'));
      this.greeted = true;
      log(`controller "${m.client}" connected from ${this.socket.remoteAddress ?? '?'}:${this.socket.remotePort ?? '?'}`);
      this.send({ type: 'hello', id: m.id, protocol: PROTOCOL_VERSION, agent: this.host.facts() });
      return;
    }
    switch (m.type) {
      case 'hello':
        return this.send({ type: 'error', id: m.id, message: 'hello was already exchanged' });
      case 'call':
        return this.call(m);
      case 'spawn':
        return this.spawn(m.id);
      case 'release':
        return this.release(m.id, m.process);
      case 'shutdown':
        this.releaseAll();
        this.send({ type: 'bye', id: m.id });
        this.socket.end();
        this.end(true);
        return;
    }
  }

  private call(m: Extract<ControllerMessage, { type: 'call' }>): void {
    const processId = m.process ?? 'main';
    if (processId !== 'main') {
      const probe = this.probes.get(processId);
      if (!probe) return this.send({ type: 'error', id: m.id, message: `no process "${processId}"` });
      probe.pending.add(m.id);
      probe.child.send(m);
      return;
    }
    if (this.opts.verbose) log(`call ${m.id} ${JSON.stringify(m.call)} bound ${m.boundMs} ms`);
    this.host.main.execute(m.call, m.boundMs).then(
      (outcome: CallOutcome) => {
        if (this.opts.verbose) log(`result ${m.id} ${JSON.stringify(outcome)}`);
        this.send({ type: 'result', id: m.id, outcome });
      },
      (e: unknown) =>
        this.send({
          type: 'error',
          id: m.id,
          message: e instanceof BadCall ? e.message : `the call failed in the agent: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
        }),
    );
  }

  /** Hand out the spare probe, or a new one when it is gone. */
  private spawn(id: number): void {
    if (this.probeScript === null) return this.send({ type: 'error', id, message: 'this agent has no process in which Winsock is not initialised' });
    const taken = takeSpare(this.probeScript, this.opts);
    if (taken instanceof Error) return this.send({ type: 'error', id, message: taken.message });
    const { probe } = taken;
    probe.owner = {
      deliver: (message) => this.send(message),
      exited: (how) => {
        this.probes.delete(probe.id);
        for (const pending of probe.pending) this.send({ type: 'error', id: pending, message: `${probe.id} exited (${how}) during the request` });
        probe.pending.clear();
      },
    };
    taken.ready.then(
      (cleanups) => {
        this.probes.set(probe.id, probe);
        this.send({ type: 'spawned', id, process: probe.id, cleanups });
      },
      (e: unknown) => this.send({ type: 'error', id, message: e instanceof Error ? e.message : String(e) }),
    );
  }

  private release(id: number, processId = 'main'): void {
    if (processId === 'main') {
      const closed = this.host.main.release();
      if (this.opts.verbose) log(`released main: ${closed.join(' ') || 'nothing'}`);
      return this.send({ type: 'released', id, closed });
    }
    const probe = this.probes.get(processId);
    if (!probe) return this.send({ type: 'released', id, closed: [] });
    // Releasing a probe ends it: it answers "released" (forwarded by the message handler), then exits.
    probe.pending.add(id);
    probe.child.send({ type: 'shutdown', id } satisfies ControllerMessage);
    const kill = setTimeout(() => probe.child.kill(), 5000);
    probe.child.once('exit', () => clearTimeout(kill));
  }

  private releaseAll(): void {
    this.host.main.release();
    for (const probe of this.probes.values()) probe.child.kill();
    this.probes.clear();
  }

  private end(shutdown: boolean): void {
    if (this.closed) return;
    this.closed = true;
    this.releaseAll();
    log(shutdown ? 'shutdown requested' : 'controller disconnected');
    this.onEnd(shutdown);
  }
}

/** Serve controllers on `opts.listen` with `program`'s executor. */
export function serve(opts: Options, program: AgentProgram): void {
  if (program.probeScript !== null) {
    // First, so that the spare starts beside the agent's own start (koffi, ws2_32) on another core.
    const started = startProbe(program.probeScript, opts);
    spare = started instanceof Error ? null : started;
    process.on('exit', () => spare?.probe.child.kill());
  }
  const host = program.start(opts);
  const { main } = host;
  log(host.banner);

  let busy = false;
  const orphaned = opts.single
    ? setTimeout(() => {
        log('no controller connected within 60 s; exiting');
        process.exit(5);
      }, 60_000)
    : null;
  const server = net.createServer((socket) => {
    if (orphaned) clearTimeout(orphaned);
    if (busy) {
      socket.end(frame({ type: 'error', id: null, message: 'this agent already serves a controller' }));
      return;
    }
    busy = true;
    new Session(socket, host, program.probeScript, opts, (shutdown) => {
      busy = false;
      if (shutdown || opts.single) {
        server.close();
        setImmediate(() => process.exit(0));
      }
    });
  });
  server.on('error', (e) => {
    log(`cannot listen on ${opts.listen.host}:${opts.listen.port}: ${e.message}`);
    process.exit(3);
  });
  server.listen(opts.listen.port, opts.listen.host, () => {
    const address = server.address() as net.AddressInfo;
    log(`listening on ${address.address}:${address.port} (control protocol ${PROTOCOL_VERSION})`);
    if (opts.announce) {
      const a = net.connect(opts.announce.port, opts.announce.host, () => {
        a.end(JSON.stringify({ type: 'listening', protocol: PROTOCOL_VERSION, address: address.address, port: address.port, pid: process.pid }) + '\n');
        // While the controller connects: starting the pool holds this thread for about 20 ms under Wine.
        void main.startThreadPool();
      });
      a.on('error', (e) => {
        log(`cannot announce to ${opts.announce?.host}:${opts.announce?.port}: ${e.message}`);
        process.exit(4);
      });
    } else {
      void main.startThreadPool();
    }
  });
}

/**
 * An agent program's main: parse the arguments (a bad one: one line, exit 2), then serve, or run as the
 * probe `probe` names when started with --probe.
 */
export function runAgent(program: AgentProgram, probe: ((opts: Options) => void) | null): void {
  let opts: Options;
  try {
    opts = parseArgs(process.argv.slice(2));
    if (opts.probe && !probe) throw new Error('unknown argument --probe');
  } catch (e) {
    process.stderr.write(`agent: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  }
  process.on('uncaughtException', (e) => {
    log(`uncaught: ${e.stack ?? e.message}`);
    process.exit(70);
  });
  if (opts.probe && probe) probe(opts);
  else serve(opts, program);
}
