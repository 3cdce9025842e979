// The POSIX comparison agent: the suite's agent server (agents/session.ts) in the local node on Linux, with
// the porting layer's executor instead of ws2_32.dll's: each Winsock call of a scenario is carried onto the
// host's BSD sockets as the porting table says (agents/posix/mapping.ts). It is not a Winsock
// implementation: it shows what POSIX gives where the page promises something.
//
//   node agent.js [--listen HOST:PORT] [--announce HOST:PORT] [--single] [--koffi PATH] [--verbose]
//
// The arguments are the Winsock agent's (agents/node/agent.ts). There is no probe process: POSIX sockets need no
// start-up, so a process in which they are not initialised does not exist, and `spawn` is refused (the
// posix backend makes those scenarios N/A before asking).
import * as os from 'node:os';
import type { AgentFacts } from '../protocol';
import { loadKoffi, runAgent, runtimeFacts, type AgentProgram } from '../session';
import { PosixExecutor } from './executor';
import { bindLibc, type LibcBindings } from './libc';
import { POSIX_OPS } from './mapping';

function facts(libc: LibcBindings): AgentFacts {
  return {
    implementation: 'winsock-conformance POSIX comparison agent (node, libc through koffi): not a Winsock implementation',
    windows: `none: ${os.type()} ${os.release()} (the calls are carried onto POSIX sockets)`,
    ws2_32: `none: ${libc.libc}`,
    ops: POSIX_OPS,
    ...runtimeFacts(libc.koffi),
  };
}

const posix: AgentProgram = {
  probeScript: null,
  start(opts) {
    const libc = bindLibc(loadKoffi(opts.koffi));
    return {
      main: new PosixExecutor(libc),
      facts: () => facts(libc),
      banner: `node ${process.version}, ${os.type()} ${os.release()} ${process.arch}, ${libc.libc}: POSIX comparison agent`,
    };
  },
};

runAgent(posix, null);
