// The Winsock agent: runs inside Windows node.exe (or Wine's), executes the suite's calls on ws2_32.dll
// through koffi, and serves the control protocol of docs/agent-protocol.md on a TCP port.
//
//   node agent.js [--listen HOST:PORT] [--announce HOST:PORT] [--single] [--koffi PATH] [--verbose]
//
// --listen    where to serve (default 127.0.0.1:0, an ephemeral port). Use 0.0.0.0:PORT on another host.
// --announce  after listening, connect to HOST:PORT, send one line {"type":"listening","port":N,...}, close.
//             (Under Wine node.exe cannot write to a pipe, so the controller learns the port this way.)
// --single    serve one controller connection, then exit (the controller's local agents). Exits too if no
//             controller connects within 60 s (one that died before connecting leaves no agent behind).
// --koffi     where to require koffi from (default "koffi").
// The log goes to stdout; the controller redirects it to a file.
//
// Processes: the agent itself is process "main", where Winsock is initialised (node/libuv called
// WSAStartup at start, and the agent holds one more reference of its own so that one unbalanced WSACleanup
// in a scenario cannot cut the control channel). `spawn` hands out a probe: a child node process (same
// script, --probe) that calls WSACleanup until it fails with WSANOTINITIALISED and then takes calls over
// Node's IPC channel (a named pipe: its Winsock is uninitialised, so it could not keep a TCP channel of its
// own). One probe is started ahead, with the agent.
import * as os from 'node:os';
import type { AgentFacts, AgentMessage, ControllerMessage } from '../protocol';
import { BadCall, SUPPORTED_OPS } from './calls';
import { Executor } from './executor';
import { loadKoffi, runAgent, runtimeFacts, type AgentProgram, type Options, type ProbeReady } from '../session';
import { bind, type Bindings } from './bindings';

function facts(b: Bindings): AgentFacts {
  const f: AgentFacts = {
    implementation: 'winsock-conformance node agent',
    windows: `${os.version()} ${os.release()}`,
    ws2_32: b.ws2_32Path,
    ops: SUPPORTED_OPS,
    ...runtimeFacts(b.koffi),
  };
  if (b.wine) f.wine = b.wine;
  return f;
}

/** ws2_32.dll in this process: node/libuv's WSAStartup, and one more of the agent's own. */
const winsock: AgentProgram = {
  probeScript: __filename,
  start(opts) {
    const bindings = bind(loadKoffi(opts.koffi));
    const main = new Executor(bindings);
    const hold = main.startup();
    return {
      main,
      facts: () => facts(bindings),
      banner: `node ${process.version}, ${os.version()} ${os.release()}, ws2_32 ${bindings.ws2_32Path}${bindings.wine ? `, wine ${bindings.wine}` : ''}; own WSAStartup -> ${hold}`,
    };
  },
};

/** The probe: Winsock cleaned up to zero, calls over the IPC channel. */
function probe(opts: Options): void {
  const send = (m: AgentMessage | ProbeReady): void => {
    process.send?.(m);
  };
  const bindings = bind(loadKoffi(opts.koffi));
  const ex = new Executor(bindings);
  const { cleanups, error } = ex.cleanupToZero();
  process.on('disconnect', () => process.exit(0));
  const ready = ex.startThreadPool();
  process.on('message', (raw: unknown) => {
    const m = raw as ControllerMessage;
    if (m.type === 'call') {
      ex.execute(m.call, m.boundMs).then(
        (outcome) => send({ type: 'result', id: m.id, outcome }),
        (e: unknown) =>
          send({
            type: 'error',
            id: m.id,
            message: e instanceof BadCall ? e.message : `the call failed in the probe: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
          }),
      );
    } else if (m.type === 'shutdown' || m.type === 'release') {
      const closed = ex.release();
      send({ type: 'released', id: m.id, closed });
      process.disconnect?.();
      setImmediate(() => process.exit(0));
    }
  });
  void ready.then(() => send({ type: 'ready', cleanups, error }));
}

runAgent(winsock, probe);
