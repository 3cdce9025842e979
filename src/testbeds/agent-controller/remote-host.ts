// The checks a run against an agent on another host (agent=tcp://HOST:PORT) makes once, before any
// scenario: that the agent is what the backend says, and that it reaches the peer at peer-address. A run
// set up the wrong way round (the POSIX comparison's agent as a Winsock backend or a Winsock agent as posix,
// Wine run as winsock, Wine's 32-bit ws2_32 as its 64-bit one or the other way round, a peer-address of the agent's own loopback, an address the agent's host cannot route to, one that
// is not this host's) would otherwise judge every scenario on a topology that cannot give its verdict: it
// stops with one line (CannotRun: exit 2) instead.
import type { AgentFacts } from '../../../agents/protocol';
import { CannotRun } from '../../core/outcomes';
import type { Call, CallOutcome, Peer, PeerStream } from '../../core/ports';
import { AF_INET, BASE_PROTOCOL, IPPROTO_TCP, SOCK_STREAM, wsaErrorName } from '../../core/winsock';
import type { BackendName } from '../../core/backend-names';

/** How long the agent's connect to the peer may take: a reachable host answers a SYN within a round trip. */
const REACH_BOUND_MS = 3000;

const TCP = { name: 'TCP/IP', af: AF_INET, type: SOCK_STREAM, protocol: IPPROTO_TCP, serviceFlags1: 0, chainLen: BASE_PROTOCOL, providerId: '' };

/** What the run was told: the agent's address and the peer's. */
export interface RemoteTopology {
  backend: BackendName;
  agent: string;
  peerAddress: string;
}

/** What each backend an agent may be run as judges. */
const JUDGES: Partial<Record<BackendName, string>> = {
  winsock: "Windows' ws2_32",
  wine: "Wine's 64-bit ws2_32",
  wine32: "Wine's 32-bit ws2_32 (WoW64)",
  posix: "the host's BSD sockets, as a comparison and not a Winsock implementation",
};

/**
 * The backend the agent's facts say it is, when that is not the one the run was told: the POSIX agent (its
 * hello's ws2_32 is `none: <libc>`) run as a Winsock backend, or a Winsock agent run as posix; an agent under
 * Wine run as winsock, or the native agent's x86 build under Wine (its hello names its build) run as wine,
 * whose column is the 64-bit ws2_32's, or its x64 build as wine32. An agent under Wine that names no build
 * (the node agent) is taken for either Wine backend.
 */
export function backendMismatch(topology: RemoteTopology, facts: AgentFacts): string | null {
  const judged = JUDGES[topology.backend];
  if (judged === undefined) return null;
  const build = /native agent \(C, (x64|x86)\)/.exec(facts.implementation)?.[1] ?? null;
  const underWine = facts.wine !== undefined;
  const fits: BackendName = facts.ws2_32.startsWith('none:') ? 'posix' : !underWine ? 'winsock' : build === 'x86' ? 'wine32' : 'wine';
  // A Winsock agent that does not say Wine may be run as any Winsock backend (a Wine that hides itself is the
  // wire fingerprint's to name); one under Wine that names no build, as either Wine backend.
  const taken =
    fits === 'winsock' ? topology.backend !== 'posix' : underWine && build === null && (topology.backend === 'wine' || topology.backend === 'wine32');
  if (topology.backend === fits || taken) return null;
  const runs =
    fits === 'posix'
      ? `serves no ws2_32 (${facts.ws2_32}): the POSIX comparison's agent`
      : fits === 'winsock'
        ? `serves ${facts.ws2_32}, not under Wine`
        : `runs ${build === null ? '' : `the native agent's ${build} build `}under Wine ${String(facts.wine)}`;
  const judgedBy =
    fits === 'posix'
      ? 'as a comparison (expectations/posix.yaml)'
      : fits === 'winsock'
        ? 'by the page alone'
        : `by Wine’s known deviations (expectations/${fits}.yaml)`;
  return `the agent at ${topology.agent} ${runs} (its hello says so), and --backend ${topology.backend} judges ${judged}: run it with --backend ${fits}, which judges it ${judgedBy}`;
}

/**
 * Have the agent connect to a listener of the peer, and return the address its connection came from, as
 * the peer saw it: the address of the agent's host that the peer reaches, where scenarios bind the sockets
 * the peer sends to. Throws CannotRun, in one line, when the peer cannot listen there or the agent cannot
 * reach it. `call` makes a call in the agent's main process; the caller releases its handles after.
 */
export async function reachPeer(topology: RemoteTopology, peer: Peer, call: (call: Call, boundMs: number) => Promise<CallOutcome>): Promise<string> {
  const hint = `peer-address must be an address of this host that the agent's host can reach`;
  let listener;
  try {
    listener = await peer.listen(TCP);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new CannotRun(`the peer cannot listen at peer-address ${topology.peerAddress} (${code}): ${hint}`);
  }
  const to = `${listener.endpoint.address}:${listener.endpoint.port}`;
  const created = await call({ op: 'socket', af: TCP.af, type: TCP.type, protocol: TCP.protocol }, 0);
  const handle = created.status === 'returned' ? created.out.handle : undefined;
  if (created.status !== 'returned' || created.ret !== 0 || handle === undefined)
    throw new CannotRun(`the agent at ${topology.agent} could not make a TCP socket to reach the peer with (${describe(created)})`);
  const connected = await call({ op: 'connect', s: handle, to: listener.endpoint }, REACH_BOUND_MS);
  if (connected.status !== 'returned' || connected.ret !== 0)
    throw new CannotRun(`the agent at ${topology.agent} cannot reach the peer at ${to} (connect: ${describe(connected)}): ${hint}`);
  let stream: PeerStream;
  try {
    stream = await listener.accept(REACH_BOUND_MS);
  } catch {
    // The agent connected, but not to this peer: another host answered at that address.
    throw new CannotRun(`the agent at ${topology.agent} connected to ${to}, but the peer saw no connection: ${hint}`);
  }
  return stream.remote.address;
}

function describe(outcome: CallOutcome): string {
  if (outcome.status === 'blocked') return `no answer within ${outcome.boundMs} ms`;
  return outcome.ret === 0 ? 'returned 0' : wsaErrorName(outcome.error);
}
