// One Winsock process's executor: runs each call's handler (calls.ts) with the memory and the timing it
// needs, keeps the handles the calls minted so that `release` can close them, and the balance of
// WSAStartup and WSACleanup so that `release` can restore the reference count.
//
// Errors: koffi (>= 3.3) keeps each call's GetLastError() value in the calling thread's TEB and, for an
// `.async` call, hands the worker thread's value to the completion callback (changelog 3.3: "Make errno and
// GetLastError() available in async callbacks"). So WSAGetLastError() called synchronously, first thing
// in the callback, reads the value the worker thread left, and a synchronous call reads its own value.
// WSAGetLastError is GetLastError on Windows and on Wine.
import type { Call, CallOutcome, Handle } from '../src/core/ports';
import { SO_LINGER, SOL_SOCKET, WINSOCK_2_2 } from '../src/core/winsock';
import { handlerOf, type CallScope, type NativeResult, type UncheckedCall } from './calls';
import { Native, toBig, WSADATA_SIZE, type Bindings, type Koffi, type NativeArgument, type NativeFunction } from './winsock';

function hexHandle(value: bigint): Handle {
  return `0x${value.toString(16)}`;
}

/**
 * closesocket with SO_LINGER switched off first: a graceful close that returns at once, even on a socket
 * a scenario left lingering with data unsent (closesocket would block there for the linger timeout).
 */
function closeWithoutLingering(bindings: Bindings, s: bigint): void {
  const off = new Native(bindings.koffi, 4);
  try {
    bindings.fn.setsockopt(s, SOL_SOCKET, SO_LINGER, off.ptr, 4);
    bindings.fn.closesocket(s);
  } finally {
    off.free();
  }
}

/** What a process's calls leave behind until its next release. */
class ProcessState {
  /** The handles minted since the last release. */
  readonly minted = new Map<Handle, 'socket' | 'event'>();
  /** WSAStartups minus WSACleanups that succeeded since the last release. */
  startupBalance = 0;
}

/** One call's scope: the memory it allocated, freed when it is over, and its bound. */
class Scope implements CallScope {
  readonly fn: Record<string, NativeFunction>;
  readonly pointerSize: number;
  readonly getLastError: () => number;
  private readonly koffi: Koffi;
  private readonly memory: Native[] = [];
  /** Set when the call was reported blocked: a worker thread may still use its memory. */
  private blocked = false;

  constructor(
    private readonly bindings: Bindings,
    private readonly state: ProcessState,
    private readonly boundMs: number,
  ) {
    this.fn = bindings.fn;
    this.koffi = bindings.koffi;
    this.pointerSize = bindings.koffi.sizeof('void *');
    this.getLastError = () => Number(this.fn.GetLastError());
  }

  private wsaLastError(): number {
    return Number(this.fn.WSAGetLastError());
  }

  alloc(size: number): Native {
    const block = new Native(this.koffi, size);
    this.memory.push(block);
    return block;
  }

  copy(data: Buffer): Native {
    const block = this.alloc(data.length);
    data.copy(block.bytes());
    return block;
  }

  now(f: NativeFunction, args: NativeArgument[], failure: bigint | null, readError = (): number => this.wsaLastError()): NativeResult {
    const t0 = performance.now();
    const value = toBig(f(...args));
    const error = value === failure ? readError() : 0;
    return { value, error, elapsedMs: performance.now() - t0 };
  }

  blocking(
    f: NativeFunction,
    args: NativeArgument[],
    failure: bigint,
    unblock: bigint | null,
    late?: (value: bigint | null) => void,
  ): Promise<NativeResult | 'blocked'> {
    return new Promise((resolve, reject) => {
      const t0 = performance.now();
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        this.blocked = true;
        if (unblock !== null) {
          closeWithoutLingering(this.bindings, unblock);
          this.forget(unblock);
        }
        resolve('blocked');
      }, this.boundMs);
      const done = (err: unknown, ret: unknown): void => {
        // First thing: the worker thread's last error, which koffi exposes during this callback only.
        const lastError = this.wsaLastError();
        const elapsedMs = performance.now() - t0;
        if (settled) {
          late?.(err ? null : toBig(ret));
          this.freeMemory();
          return;
        }
        settled = true;
        clearTimeout(timer);
        if (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        const value = toBig(ret);
        resolve({ value, error: value === failure ? lastError : 0, elapsedMs });
      };
      try {
        f.async(...args, done);
      } catch (e) {
        // Refused before it ran (bad argument, async queue full): nothing to unblock.
        settled = true;
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  mint(value: bigint, kind: 'socket' | 'event'): Handle {
    const h = hexHandle(value);
    this.state.minted.set(h, kind);
    return h;
  }

  forget(handle: bigint): void {
    this.state.minted.delete(hexHandle(handle));
  }

  countStartup(change: 1 | -1): void {
    this.state.startupBalance += change;
  }

  /** The call is over for the controller; its memory goes now, unless a blocked call may still use it. */
  end(): void {
    if (!this.blocked) this.freeMemory();
  }

  private freeMemory(): void {
    for (const block of this.memory) block.free();
    this.memory.length = 0;
  }
}

export class Executor {
  private readonly state = new ProcessState();
  private readonly fn: Record<string, NativeFunction>;
  private readonly koffi: Koffi;

  constructor(private readonly bindings: Bindings) {
    this.fn = bindings.fn;
    this.koffi = bindings.koffi;
  }

  /** WSAStartup(2.2) for the agent itself; returns its result code. */
  startup(): number {
    const data = new Native(this.koffi, WSADATA_SIZE);
    try {
      return Number(this.fn.WSAStartup(WINSOCK_2_2, data.ptr));
    } finally {
      data.free();
    }
  }

  /**
   * libuv starts every thread of its pool at the first work queued to it: 16 threads, tens of
   * milliseconds under Wine. This queues a call of no consequence so that they start now, not in a
   * scenario's first blocking call.
   */
  startThreadPool(): Promise<void> {
    return new Promise((resolve) => this.fn.WSAGetLastError.async(() => resolve()));
  }

  /** WSACleanup until it fails; returns how many succeeded and the last error (WSANOTINITIALISED expected). */
  cleanupToZero(): { cleanups: number; error: number } {
    let cleanups = 0;
    for (; cleanups < 1000; cleanups += 1) {
      if (Number(this.fn.WSACleanup()) !== 0) return { cleanups, error: Number(this.fn.WSAGetLastError()) };
    }
    return { cleanups, error: 0 };
  }

  /** Run one call; a call the agent cannot execute (unknown op, bad field) rejects with a BadCall. */
  async execute(call: Call, boundMs: number): Promise<CallOutcome> {
    const handler = handlerOf(call.op);
    const scope = new Scope(this.bindings, this.state, boundMs);
    try {
      const r = await handler(call as unknown as UncheckedCall, scope);
      if (r === 'blocked') return { status: 'blocked', boundMs };
      return { status: 'returned', ret: r.ret, error: r.error, elapsedMs: Math.round(r.elapsedMs * 1000) / 1000, out: r.out ?? {} };
    } finally {
      scope.end();
    }
  }

  /**
   * Close every handle minted since the last release and restore the WSAStartup reference count.
   * A socket is closed gracefully without lingering (SO_LINGER off first), so release never blocks.
   */
  release(): string[] {
    const closed: string[] = [];
    for (const [h, kind] of this.state.minted) {
      const v = BigInt(h);
      if (kind === 'socket') closeWithoutLingering(this.bindings, v);
      else this.fn.CloseHandle(v);
      closed.push(h);
    }
    this.state.minted.clear();
    for (; this.state.startupBalance > 0; this.state.startupBalance -= 1) this.fn.WSACleanup();
    for (; this.state.startupBalance < 0; this.state.startupBalance += 1) this.startup();
    return closed;
  }
}
