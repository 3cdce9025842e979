// The real-Winsock backends: an agent executes the calls on ws2_32.dll and answers over the control
// protocol; the peer is the controller's own sockets (on loopback, or at peer-address for an agent on another
// host) and the wire is tcpdump (on lo, or on every interface for the peer's address). The agent is the
// node agent (agents/node/agent.ts in Windows node.exe) or, with `agent-kind=native`, the native one
// (agents/native/, an executable built by native-build.ts).
//   wine     Wine's ws2_32.dll: Windows node.exe under wine64, in a private prefix (Linux hosts)
//   wine32   Wine's 32-bit ws2_32.dll under WoW64: the native agent's x86 build under wine64, which hands it
//            to Wine's 32-bit loader (Debian's wine32:i386), in the same prefix made to run 32-bit programs
//   winsock  the system's ws2_32.dll: the local node, on a Windows host
// Either takes `agent=tcp://HOST:PORT` to use an agent that is already running (a vendor's, or one
// started by hand with `node -r ts-node/register agents/node/agent.ts --listen 127.0.0.1:7777`), or
// `agent-command=PROGRAM [ARGS]` to start another agent program locally (the suite's own tests start a
// deliberately faulty agent this way: test/e2e/fixtures/faulty-agent.ts).
//
// Robustness: a call that does not answer within its bound plus `grace` ends its scenario as TIMEOUT and
// the agent is killed; an agent that exits, crashes or breaks the protocol ends it as BROKEN, with its
// last output and the offending bytes as evidence (AgentFailure.evidence, attached by support/dsl.ts).
// Either way a local agent is started afresh for the next call; but the run's first agent never listening
// is a run that cannot start (one line, exit 2). A remote agent cannot be restarted from here: its
// connection is opened once more, and if that fails every later scenario is BROKEN at once. One that
// cannot be reached at all, before the first scenario, is a run that cannot start too (CannotRun), and so is
// one on another host that fails remote-host.ts's checks (its backend, the peer-address it must reach).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Call, CallOutcome, FaultName, Testbed, TestbedFactory, WinsockProcess, Wire, WireSlice } from '../../core/ports';
import { AgentFailure, CallTimeout, CannotRun, NotApplicable } from '../../core/outcomes';
import { LoopbackPeer } from '../loopback/peer';
import { captureUnavailableBecause, TcpdumpWire } from '../loopback/capture';
import { implementationHandshake, type HandshakeSegment, type ObservedSegment } from '../loopback/stack-fingerprint';
import { AgentBusy, AgentConnection, joinEvidence, ProtocolMismatch, RequestTimeout, type Request } from './connection';
import { AgentDidNotStart, awaitAtMost, buildAgent, launchLocalAgent, type LaunchSpec, type LocalAgent } from './launcher';
import { INSTALL_MINGW, nativeAgentPath, NativeBuildError, type NativeArch } from './native-build';
import { isLoopbackHost, parseAgentOptions, type AgentOptions } from './options';
import { backendMismatch, reachPeer } from './remote-host';
import { ensureWineSetup, usePrefix, windowsPath, wineEnv, wineVersion, type WineSetup } from './wine-setup';
import { REPO_ROOT } from '../../core/paths';
import type { AgentFacts, AgentMessage } from '../../../agents/protocol';
import { runFacts, type WireFingerprint } from './facts';
import type { BackendName } from '../../core/backend-names';
import { describeRevision, suiteRevision } from '../../verdicts/run-identity';

/** The agent's backend; `posix` is the POSIX comparison (src/testbeds/posix/), whose agent carries the calls onto BSD sockets. */
export type Kind = Exclude<BackendName, 'simulator'>;

/** The pause between connections to a remote agent that refused one as busy (openConnection). */
const BUSY_RETRY_MS = 50;

/** How long a closing controller waits for an agent it did not start to end the connection (AgentConnection.end). */
const REMOTE_CLOSE_MS = 2000;

/** The agent currently serving this testbed: its connection and, when we started it, its process. */
interface Live {
  conn: AgentConnection;
  local: LocalAgent | null;
  generation: number;
}

async function revision(): Promise<string> {
  return describeRevision(await suiteRevision());
}

export class AgentTestbed implements Testbed {
  readonly faults: readonly FaultName[] = [];
  readonly peer: LoopbackPeer;
  /** The capture, as the scenarios read it: each scenario's slice also tells the testbed the implementation's handshake. */
  readonly wire: Wire | null;
  private readonly capture: TcpdumpWire | null;
  readonly notCapturedBecause: string | null;
  /** The implementation's first SYN and SYN-ACK the capture showed: its TCP/IP's fingerprint, for the run's facts. */
  private readonly handshake = new Map<HandshakeSegment, ObservedSegment>();
  private live: Live | null = null;
  private starting: Promise<Live> | null = null;
  private generation = 0;
  private readonly controlPorts = new Set<number>();
  private readonly probes = new Set<ProbeProcess>();
  private readonly main: MainProcess;
  private lastBootMs: number | null = null;
  private closed = false;
  private closing: Promise<void> | null = null;
  /** Why a remote agent is given up on: its connection failed and could not be opened again. */
  private remoteLost: string | null = null;
  /** A remote agent's address as the peer saw its connection (remote-host.ts reachPeer); null until it was checked. */
  private remoteHostAddress: string | null = null;
  /** The facts of the last agent that said hello (metadata does not start an agent to ask again). */
  private facts: AgentConnection['facts'] | null = null;
  /** The ports of the scenario that ended last, for the capture's onlyPorts. */
  private scenarioPorts: ReadonlySet<number> = new Set();
  /** This host's facts for metadata(), asked for while the agent boots: each is a process to run. */
  private readonly hostFacts: Promise<{ revision: string; wine: string | null }>;
  /** Ends our use of the Wine prefix (and its processes, wineserver included, when no other worker uses it). */
  private readonly leavePrefix: (() => void) | null;

  constructor(
    readonly backend: Kind,
    private readonly options: AgentOptions,
    private readonly setup: WineSetup | null,
    /** The suite's own agent for this backend (the Winsock agent unless told): how it is started, and its name. */
    private readonly ownAgent: OwnAgent = suiteAgent(setup, options, backend),
  ) {
    this.peer = new LoopbackPeer(options.peerAddress);
    const loopback = isLoopbackHost(options.peerAddress);
    // lo is shared, by a parallel run's other workers and by any other program on the host: each scenario
    // keeps the packets of its own peer's sockets (every packet of the socket under test goes to or comes
    // from one of them), those it has opened so far while it runs (Wire.seen), all of them once it has
    // ended (Wire.stop, after endScenario took them). The previous scenario's ports may linger in the set;
    // its packets are before this scenario's slice of the capture. A peer off loopback (an agent on
    // another host) is captured on whichever interface carries its traffic, for its address only.
    this.notCapturedBecause = options.capture ? captureUnavailableBecause() : '--backend-option capture=off turned it off';
    this.capture =
      this.notCapturedBecause === null
        ? TcpdumpWire.create({
            ...(loopback ? {} : { peerHost: options.peerAddress }),
            excludedPorts: () => [...this.controlPorts],
            onlyPorts: () => new Set([...this.scenarioPorts, ...this.peer.ports()]),
          })
        : null;
    const capture = this.capture;
    this.wire = capture && {
      start: () => capture.start(),
      seen: () => capture.seen(),
      stop: async () => this.noteHandshake(await capture.stop()),
    };
    // The control channel is not evidence: a remote agent's port is left out wherever it is captured.
    if (options.remote) this.controlPorts.add(options.remote.port);
    this.main = new MainProcess(this);
    this.leavePrefix = setup && !options.remote ? usePrefix(setup) : null;
    this.hostFacts = Promise.all([revision(), setup ? wineVersion(setup.wine64).catch(() => 'unknown') : null]).then(([rev, wine]) => ({
      revision: rev,
      wine,
    }));
  }

  now(): number {
    return performance.now();
  }

  hostAddress(): string {
    if (!this.options.remote) return '127.0.0.1';
    if (this.remoteHostAddress === null)
      throw new Error('the remote agent has not been checked yet: its host address is known once mainProcess() has resolved');
    return this.remoteHostAddress;
  }

  /** The live agent, if there is one; never starts one. */
  current(): Live | null {
    return this.live && !this.live.conn.broken ? this.live : null;
  }

  /** The live agent, started (or reconnected) when there is none. */
  agent(): Promise<Live> {
    if (this.closed) return Promise.reject(new Error('the testbed is closed'));
    if (this.live && !this.live.conn.broken) return Promise.resolve(this.live);
    if (this.remoteLost) return Promise.reject(new AgentFailure(this.remoteLost, ''));
    this.starting ??= this.start().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  private async start(): Promise<Live> {
    await this.discard();
    const generation = ++this.generation;
    let local: LocalAgent | null = null;
    let host = '127.0.0.1';
    let port: number;
    if (this.options.remote) {
      ({ host, port } = this.options.remote);
    } else {
      // The first agent of the run never listening (it exits, whatever its code, or its boot bound passes) is
      // a run that cannot start: one line with what it printed, before any scenario, rather than every
      // scenario BROKEN by agents that die alike. A later one is that scenario's BROKEN, as any agent failure.
      local = await this.launch().catch((e: unknown) => {
        throw generation === 1 && e instanceof AgentDidNotStart ? new CannotRun(`${e.message}; ${e.printed}`) : e;
      });
      port = local.port;
      this.controlPorts.add(port);
      this.controlPorts.add(local.announcePort);
      this.lastBootMs = local.bootMs;
      this.capture?.prepare();
    }
    const agent = local;
    let conn: AgentConnection;
    try {
      conn = await this.openConnection(host, port, generation, {
        evidence: () => agent?.evidence() ?? '',
        onBroken: () => {
          // Broken by the agent (it closed or sent garbage): let a dying agent finish, so the exit code
          // and its last words are the evidence, then make sure it is gone.
          if (this.live?.generation === generation) void this.discard(2000);
        },
        connectTimeoutMs: Math.max(10_000, this.options.graceMs),
        client: `winsock-conformance (${this.backend} backend, pid ${process.pid})`,
      });
    } catch (e) {
      await local?.kill();
      if (this.options.remote && !(e instanceof ProtocolMismatch)) {
        const { host: h, port: p } = this.options.remote;
        const why = e instanceof Error ? e.message : String(e);
        // Never reached: no scenario could be judged, so the run cannot start (one line, exit 2), and the
        // last run's reports stay. An agent that served this run and then went is the run's result (below).
        if (generation === 1)
          throw new CannotRun(
            `the agent at tcp://${h}:${p} cannot be reached (${why}): start it there (--listen 0.0.0.0:${p}, the port admitted by its firewall), or name the one running with --backend-option agent=tcp://HOST:PORT`,
          );
        // Nothing here can restart a remote agent: say so once, and fail every later scenario at once
        // rather than waiting out a connection attempt in each.
        this.remoteLost = `the agent at tcp://${h}:${p} is gone after its connection failed in an earlier scenario (${why}); a remote agent cannot be restarted from here: start it again and rerun`;
        throw new AgentFailure(this.remoteLost, e instanceof AgentFailure ? e.evidence : '');
      }
      throw e;
    }
    const live = { conn, local, generation };
    this.live = live;
    this.facts = conn.facts;
    if (this.options.remote && this.remoteHostAddress === null) {
      try {
        this.remoteHostAddress = await this.checkRemoteHost(live, this.options.remote);
      } catch (e) {
        await this.discard();
        throw e;
      }
    }
    return live;
  }

  /** Before any scenario, the checks of remote-host.ts; returns the agent host's address as the peer reaches it. */
  private async checkRemoteHost(live: Live, remote: { host: string; port: number }): Promise<string> {
    const topology = { backend: this.backend, agent: `tcp://${remote.host}:${remote.port}`, peerAddress: this.options.peerAddress };
    const mismatch = backendMismatch(topology, live.conn.facts);
    if (mismatch !== null) throw new CannotRun(mismatch);
    // An agent on this host's loopback shares this host with the peer: there is no route to get wrong.
    if (isLoopbackHost(remote.host)) return '127.0.0.1';
    try {
      return await reachPeer(topology, this.peer, (call, boundMs) => this.call(live, 'main', call, boundMs));
    } finally {
      this.peer.takePorts();
      this.peer.closeAll();
      if (!live.conn.broken) await this.request(live, { type: 'release', process: 'main' }, 10_000).catch(() => undefined);
    }
  }

  /**
   * The control connection. A remote agent whose connection this controller has just dropped (a call that
   * hung) may still be closing that session when the next connects, and refuse it as busy: that refusal is
   * retried until the grace period ends, since the agent's own close is nothing the controller can observe.
   */
  private async openConnection(host: string, port: number, generation: number, options: Parameters<typeof AgentConnection.open>[2]): Promise<AgentConnection> {
    const deadline = this.now() + this.options.graceMs;
    for (;;) {
      try {
        return await AgentConnection.open(host, port, options);
      } catch (e) {
        const retry = e instanceof AgentBusy && this.options.remote !== null && generation > 1 && this.now() < deadline;
        if (!retry) throw e;
        await new Promise((resolve) => setTimeout(resolve, BUSY_RETRY_MS));
      }
    }
  }

  private async launch(): Promise<LocalAgent> {
    if (this.options.agentCommand) {
      const [program, ...args] = this.options.agentCommand;
      const script = /\.[cm]?[jt]s$/.test(program);
      const ts = /\.[cm]?ts$/.test(program);
      return launchLocalAgent({
        command: script ? process.execPath : program,
        args: script ? [...(ts ? ['--require', require.resolve('ts-node/register')] : []), path.resolve(program), ...args] : args,
        env: process.env,
        logDir: path.join(this.options.cacheDir, 'agent-command', 'logs'),
        bootTimeoutMs: this.options.bootTimeoutMs,
        label: `started with agent-command ${program}`,
      });
    }
    return launchLocalAgent(this.ownAgent.launch());
  }

  /** The native agent's executable (nativeAgentExe). */
  nativeAgent(): string {
    return nativeAgentExe(this.setup, this.options, nativeArch(this.backend));
  }

  /**
   * Forget the current agent and kill it if it is ours. With `graceMs`, its connection closes first and it has
   * that long to exit by itself; without, it is killed before its connection closes, so that an agent which
   * stopped answering is ended by the kill and not by noticing the close (its log then says "killed", as the
   * verdict does). Its probes die with it.
   */
  async discard(graceMs = 0): Promise<void> {
    const live = this.live;
    this.live = null;
    if (!live) return;
    if (graceMs > 0) {
      live.conn.close();
      if (live.local) await awaitAtMost(live.local.exited, graceMs);
    }
    await live.local?.kill();
    live.conn.close();
  }

  /** Send a request to the live agent; a late answer kills (or drops) the agent and is a CallTimeout. */
  async request(live: Live, request: Request, timeoutMs: number): Promise<AgentMessage> {
    try {
      return await live.conn.request(request, timeoutMs);
    } catch (e) {
      if (e instanceof RequestTimeout) {
        if (this.live?.generation === live.generation) await this.discard();
        const what = this.options.remote ? 'the connection to the agent was dropped' : 'the agent was killed';
        // Its log, read after the kill: what it was doing when it stopped answering.
        throw new CallTimeout(`${e.message}; ${what} and starts afresh on next use`, joinEvidence(live.conn.received, live.local?.evidence() ?? ''));
      }
      if (e instanceof AgentFailure && live.conn.broken && live.local) {
        // The connection died first; give the process a moment to exit so the evidence has its last words.
        await awaitAtMost(live.local.exited, 2000);
        throw new AgentFailure(e.message, joinEvidence(live.conn.received, live.local.evidence()));
      }
      throw e;
    }
  }

  async call(live: Live, processId: string, call: Call, boundMs: number): Promise<CallOutcome> {
    const answer = await this.request(live, { type: 'call', process: processId, call, boundMs }, boundMs + this.options.graceMs);
    if (answer.type !== 'result') throw new AgentFailure(`the agent answered a call with "${answer.type}"`, JSON.stringify(answer));
    return answer.outcome;
  }

  async mainProcess(): Promise<WinsockProcess> {
    await this.agent();
    return this.main;
  }

  async uninitialisedProcess(): Promise<WinsockProcess> {
    const live = await this.agent();
    const answer = await this.request(live, { type: 'spawn' }, 30_000 + this.options.graceMs);
    if (answer.type !== 'spawned') throw new AgentFailure(`the agent answered spawn with "${answer.type}"`, JSON.stringify(answer));
    const probe = new ProbeProcess(this, live, answer.process);
    this.probes.add(probe);
    return probe;
  }

  forget(probe: ProbeProcess): void {
    this.probes.delete(probe);
  }

  async inject(fault: FaultName): Promise<void> {
    throw new NotApplicable(`fault ${fault} cannot be injected: a real stack cannot fail on demand`);
  }

  async endScenario(): Promise<void> {
    this.scenarioPorts = this.peer.takePorts();
    this.peer.closeAll();
    const probes = [...this.probes];
    this.probes.clear();
    // Only a live agent has anything to release; a dead one took its handles with it.
    if (this.current()) {
      for (const probe of probes) await probe.release().catch(() => undefined);
      await this.main.release().catch(() => undefined);
    }
  }

  async metadata(): Promise<Record<string, string>> {
    const host = await this.hostFacts;
    let agent: AgentFacts | null = null;
    let agentError: string | null = null;
    try {
      agent = this.facts ?? (await this.agent()).conn.facts;
    } catch (e) {
      agentError = e instanceof Error ? e.message : String(e);
    }
    return runFacts(
      {
        backend: this.backend,
        revision: host.revision,
        host: `${os.type()} ${os.release()} ${os.arch()}, node ${process.version}`,
        agentAddress: this.options.remote
          ? `tcp://${this.options.remote.host}:${this.options.remote.port}`
          : this.options.agentCommand
            ? `local, started with agent-command ${this.options.agentCommand.join(' ')}`
            : 'local',
        capture: this.capture ? this.capture.describe() : 'none',
        // What the controller runs the agent with: its Wine and node.exe, unless another program is the agent.
        runs: this.options.remote
          ? null
          : {
              wine: this.options.agentCommand ? null : host.wine,
              nodeExe: this.setup && !this.options.agentCommand && this.options.agentKind === 'node' ? this.setup.nodeVersion : null,
            },
        program: agentProgram(this.options, this.ownAgent),
        bootMs: this.lastBootMs,
        wire: this.wireFingerprint(),
      },
      agent,
      agentError,
    );
  }

  /**
   * A scenario's capture, as it ends: the implementation's segments are those sent to the peer's ports from
   * another (endScenario took the scenario's peer ports just before the capture stopped).
   */
  private noteHandshake(slice: WireSlice): WireSlice {
    for (const segment of implementationHandshake(slice.packets, this.scenarioPorts)) {
      if (!this.handshake.has(segment.segment)) this.handshake.set(segment.segment, segment);
    }
    return slice;
  }

  /** What the capture has shown of the implementation's TCP/IP so far, or why it shows nothing. */
  private wireFingerprint(): WireFingerprint {
    if (this.notCapturedBecause !== null) return { notObservedBecause: `the wire is not captured in this run (${this.notCapturedBecause})` };
    const segments = (['SYN', 'SYN-ACK'] as const).flatMap((s) => this.handshake.get(s) ?? []);
    if (segments.length === 0) {
      return {
        notObservedBecause: 'the capture showed no SYN or SYN-ACK of the implementation under test: no scenario so far connected one of its TCP sockets',
      };
    }
    return { segments };
  }

  /** Every caller waits for the one close: a second one (AfterAll after Ctrl-C's) must not return before it has ended. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    // Closed first, so that nothing starts an agent meanwhile (a step still running when Ctrl-C closes the
    // testbed); one being started now is let finish, and shut down with the rest.
    this.closed = true;
    await this.starting?.catch(() => undefined);
    await this.endScenario().catch(() => undefined);
    const live = this.live;
    const agentGone = async (): Promise<void> => {
      if (live && !live.conn.broken && live.local) {
        await live.conn.request({ type: 'shutdown' }, 5000).catch(() => undefined);
        await awaitAtMost(live.local.exited, 5000);
      }
      // An agent this controller did not start serves the next one only once it has seen this one go.
      if (live && !live.local) await live.conn.end(REMOTE_CLOSE_MS);
      await this.discard();
    };
    await Promise.all([agentGone(), this.capture ? awaitAtMost(this.capture.dispose(), 5000) : undefined]);
    this.leavePrefix?.();
  }
}

/** The agent's own process: calls follow the testbed to whichever agent is live (restarted after a hang). */
class MainProcess implements WinsockProcess {
  /** Whether a call went to the agent since the last release (the After hook and endScenario both release). */
  private called = false;

  constructor(private readonly bed: AgentTestbed) {}

  async call(call: Call, boundMs: number): Promise<CallOutcome> {
    const live = await this.bed.agent();
    this.called = true;
    return this.bed.call(live, 'main', call, boundMs);
  }

  async release(): Promise<void> {
    // No live agent, nothing to release: a dead one took its handles with it.
    const live = this.bed.current();
    if (!live || !this.called) return;
    const answer = await this.bed.request(live, { type: 'release', process: 'main' }, 10_000);
    if (answer.type !== 'released') throw new AgentFailure(`the agent answered release with "${answer.type}"`, JSON.stringify(answer));
    this.called = false;
  }
}

/** A probe process of one agent; it dies with that agent, and release() ends it. */
class ProbeProcess implements WinsockProcess {
  private ended = false;
  constructor(
    private readonly bed: AgentTestbed,
    private readonly live: Live,
    readonly id: string,
  ) {}

  private alive(): void {
    if (this.ended) throw new Error(`${this.id} was released`);
    if (this.live.conn.broken) throw new AgentFailure(`${this.id} ended with its agent`, '');
  }

  async call(call: Call, boundMs: number): Promise<CallOutcome> {
    this.alive();
    return this.bed.call(this.live, this.id, call, boundMs);
  }

  async release(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.bed.forget(this);
    if (this.live.conn.broken) return;
    await this.bed.request(this.live, { type: 'release', process: this.id }, 10_000);
  }
}

/** The native agent's build a backend runs: wine32's is the x86 one (Wine's 32-bit ws2_32), wine's the x64 one, winsock's the host's. */
export function nativeArch(backend: Kind): NativeArch {
  if (backend === 'wine32') return 'x86';
  if (backend === 'winsock') return process.arch === 'x64' ? 'x64' : 'x86';
  return 'x64';
}

/** The native agent's executable of `arch`: the Wine set-up's build, or on Windows one built elsewhere and put in the cache. */
export function nativeAgentExe(setup: WineSetup | null, options: AgentOptions, arch: NativeArch): string {
  if (setup) {
    if (setup.nativeAgents) return setup.nativeAgents[arch];
    throw new NativeBuildError(`the native agent is not built: mingw-w64 is not installed (install it with \`${INSTALL_MINGW}\`, or run \`npm run setup\`)`);
  }
  const exe = nativeAgentPath(options.cacheDir, arch);
  if (!fs.existsSync(exe))
    throw new NativeBuildError(`the native agent is not at ${exe}: build it with \`npm run build:agent\` on a Linux host with mingw-w64 and copy it there`);
  return exe;
}

/** The suite's own agent for a backend: its name in the run's facts, and how it is started. */
export interface OwnAgent {
  /** Which agent program it is (`controller: agent program`), e.g. "node agent (agents/node/agent.ts, node.exe v22.1.0)". */
  program(): string;
  launch(): LaunchSpec;
}

/** The suite's own agent for a wine, wine32 or winsock backend (agent-kind): the node agent, or the native one of the backend's architecture. */
export function suiteAgent(setup: WineSetup | null, options: AgentOptions, backend: Kind): OwnAgent {
  return {
    program: () =>
      options.agentKind === 'native'
        ? `native agent (agents/native/, ${path.basename(nativeAgentExe(setup, options, nativeArch(backend)))})`
        : `node agent (agents/node/agent.ts, ${setup ? `node.exe ${setup.nodeVersion}` : `node ${process.version}`})`,
    launch: () => suiteAgentLaunch(setup, options, backend),
  };
}

/**
 * Which agent program the controller starts, for the run's facts: an agent-command's, else the backend's
 * own (`ownAgent`); undefined for a remote agent, which it does not start.
 */
export function agentProgram(options: AgentOptions, ownAgent: OwnAgent): string | undefined {
  if (options.remote) return undefined;
  if (options.agentCommand) return `agent-command ${options.agentCommand.join(' ')}`;
  return ownAgent.program();
}

/**
 * How the suite starts its own agent for `backend` (agent-kind): Windows node.exe or the native agent, under
 * wine64 with `setup`, or on Windows without. Exported for the tests that put a fixture between the controller and a real agent.
 */
export function suiteAgentLaunch(setup: WineSetup | null, options: AgentOptions, backend: Kind): LaunchSpec {
  const verbose = options.verbose ? ['--verbose'] : [];
  const logDir = path.join(options.cacheDir, setup ? 'wine' : 'winsock', 'logs');
  if (options.agentKind === 'native') {
    const arch = nativeArch(backend);
    const exe = nativeAgentExe(setup, options, arch);
    return {
      command: setup ? setup.wine64 : exe,
      args: setup ? [windowsPath(exe), ...verbose] : verbose,
      env: setup ? wineEnv(setup.prefix) : process.env,
      logDir,
      bootTimeoutMs: options.bootTimeoutMs,
      label: setup ? `under wine64 (native agent${arch === 'x86' ? ', x86' : ''})` : 'native agent',
    };
  }
  const koffiDir = setup ? setup.koffiDir : path.join(REPO_ROOT, 'node_modules', 'koffi');
  const outDir = path.join(options.cacheDir, setup ? 'wine' : 'winsock', 'agent');
  const agentJs = buildAgent(outDir);
  // Blocked calls park a libuv pool thread each until they are unblocked: keep a few spare.
  const pool = { UV_THREADPOOL_SIZE: '16' };
  if (setup) {
    return {
      command: setup.wine64,
      args: [setup.nodeExe, windowsPath(agentJs), '--koffi', windowsPath(koffiDir), ...verbose],
      env: wineEnv(setup.prefix, pool),
      logDir,
      bootTimeoutMs: options.bootTimeoutMs,
      label: 'under wine64',
    };
  }
  return {
    command: process.execPath,
    args: [agentJs, '--koffi', koffiDir, ...verbose],
    env: { ...process.env, ...pool },
    logDir,
    bootTimeoutMs: options.bootTimeoutMs,
    label: 'in the local node',
  };
}

async function create(kind: Kind, raw: Record<string, string>): Promise<Testbed> {
  const options = parseAgentOptions(raw, kind);
  if (kind === 'winsock' || options.agentCommand) {
    if (process.platform !== 'win32' && !options.remote && !options.agentCommand) {
      throw new Error(`the winsock backend needs Windows (this host runs ${process.platform}); use --backend wine`);
    }
    return new AgentTestbed(kind, options, null);
  }
  const setup = options.remote
    ? null
    : await ensureWineSetup({
        cacheDir: options.cacheDir,
        wine64: options.wine64,
        wow64: kind === 'wine32',
        log: (line) => process.stderr.write(`setup: ${line}\n`),
      });
  const bed = new AgentTestbed(kind, options, setup);
  // A native agent that cannot be had is bad input, said once before any scenario runs.
  if (options.agentKind === 'native' && !options.remote) {
    try {
      bed.nativeAgent();
    } catch (e) {
      await bed.close();
      throw e;
    }
  }
  return bed;
}

/**
 * For scripts/bench.ts: how long the wine backend's agent takes to boot (spawn to announced port, on the
 * controller's clock), `samples` times in a row; the first starts the wineserver, the others find it warm.
 */
export async function wineAgentBootTimes(raw: Record<string, string>, samples: number): Promise<number[]> {
  const bed = (await create('wine', { capture: 'off', ...raw })) as AgentTestbed;
  const times: number[] = [];
  try {
    for (let i = 0; i < samples; i += 1) {
      const live = await bed.agent();
      times.push(live.local?.bootMs ?? NaN);
      await bed.discard();
    }
  } finally {
    await bed.close();
  }
  return times;
}

export const wineTestbed: TestbedFactory = {
  checkOptions: (options) => void parseAgentOptions(options, 'wine'),
  create: (options) => create('wine', options),
};

export const wine32Testbed: TestbedFactory = {
  checkOptions: (options) => void parseAgentOptions(options, 'wine32'),
  create: (options) => create('wine32', options),
};

export const winsockTestbed: TestbedFactory = {
  checkOptions: (options) => void parseAgentOptions(options, 'winsock'),
  create: (options) => create('winsock', options),
};
