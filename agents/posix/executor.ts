// The POSIX comparison's executor: the Winsock agent's scope and call runner (agents/node/executor.ts) with the
// porting layer's conventions: errno as its WSA code, and a blocked call woken by shutting its socket down
// and closing it (close alone does not wake a call blocked on Linux). It keeps the descriptors the calls
// opened, so that `release` closes them.
import type { Call, CallOutcome } from '../../src/core/ports';
import { Native } from '../node/bindings';
import { ProcessState, runCall, Scope, type NativeConventions } from '../node/executor';
import type { CallExecutor } from '../session';
import { posixHandlerOf } from './calls';
import type { LibcBindings } from './libc';
import { LINUX } from './mapping';

/** close with SO_LINGER switched off first: it returns at once, even with data unsent on a lingering socket. */
function closeWithoutLingering(libc: LibcBindings, fd: number): void {
  const off = new Native(libc.koffi, 8);
  try {
    libc.fn.setsockopt(fd, LINUX.SOL_SOCKET, LINUX.SO_LINGER, off.ptr, 8);
    libc.fn.close(fd);
  } finally {
    off.free();
  }
}

export class PosixExecutor implements CallExecutor {
  private readonly state = new ProcessState();
  private readonly native: NativeConventions;

  constructor(private readonly libc: LibcBindings) {
    this.native = {
      wsaLastError: libc.wsaLastError,
      systemError: libc.wsaLastError,
      unblock: (s) => {
        // shutdown wakes a recv, accept, send or connect blocked on the socket; the close then frees the
        // descriptor (the woken call holds the socket itself, not the number).
        libc.fn.shutdown(Number(s), LINUX.SHUT_RDWR);
        closeWithoutLingering(libc, Number(s));
      },
    };
  }

  async execute(call: Call, boundMs: number): Promise<CallOutcome> {
    const handler = posixHandlerOf(call.op);
    return runCall(handler, call, new Scope(this.libc.koffi, this.libc.fn, this.native, this.state, boundMs), boundMs);
  }

  /** libuv starts its pool's threads at the first work queued: a call of no consequence starts them now. */
  startThreadPool(): Promise<void> {
    return new Promise((resolve) => this.libc.fn.getpid.async(() => resolve()));
  }

  /** Close every descriptor opened since the last release; sockets without lingering, so release never blocks. */
  release(): string[] {
    const closed: string[] = [];
    for (const [h, kind] of this.state.minted) {
      const fd = Number(BigInt(h));
      if (kind === 'socket') closeWithoutLingering(this.libc, fd);
      else this.libc.fn.close(fd);
      closed.push(h);
    }
    this.state.minted.clear();
    return closed;
  }
}
