// One Winsock process's executor: runs each call's handler (calls.ts) with the memory and the timing it
// needs, keeps the handles the calls minted so that `release` can close them, and the balance of
// WSAStartup and WSACleanup so that `release` can restore the reference count.
//
// Errors: koffi (>= 3.3) keeps each call's GetLastError() value in the calling thread's TEB and, for an
// `.async` call, hands the worker thread's value to the completion callback (changelog 3.3: "Make errno and
// GetLastError() available in async callbacks"). So WSAGetLastError() called synchronously, first thing
// in the callback, reads the value the worker thread left, and a synchronous call reads its own value.
// WSAGetLastError is GetLastError on Windows and on Wine.
import type { Call, CallOutcome, Handle } from '../../src/core/ports';
import { SO_LINGER, SOL_SOCKET, WINSOCK_2_2 } from '../../src/core/winsock';
import { handlerOf, type CallScope, type Handler, type HandleKind, type NativeResult, type UncheckedCall } from './calls';
import { Native, toBig, WSADATA_SIZE, type Bindings, type Koffi, type NativeArgument, type NativeFunction } from './bindings';

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
export class ProcessState {
  /** The handles minted since the last release. */
  readonly minted = new Map<Handle, HandleKind>();
  /** WSAStartups minus WSACleanups that succeeded since the last release. */
  startupBalance = 0;
}

/**
 * How a process's native calls report their errors and are woken: Winsock's own (WSAGetLastError, a close),
 * or a porting layer's over another stack (agents/posix/: errno mapped to WSA codes, shutdown and close).
 */
export interface NativeConventions {
  /** The WSA code of the socket call that just failed, on the thread that made it (an async call's: first thing in its callback). */
  wsaLastError(): number;
  /** The error of a system call that is not a socket call (GetLastError on Windows). */
  systemError(): number;
  /** Wake a call blocked on the socket `s`, closing it: the handle is forgotten at once. */
  unblock(s: bigint): void;
}

/** Winsock's conventions, for ws2_32.dll. */
function winsockConventions(bindings: Bindings): NativeConventions {
  return {
    wsaLastError: () => Number(bindings.fn.WSAGetLastError()),
    systemError: () => Number(bindings.fn.GetLastError()),
    unblock: (s) => closeWithoutLingering(bindings, s),
  };
}

/** One call's scope: the memory it allocated, freed when it is over, and its bound. */
export class Scope implements CallScope {
  readonly pointerSize: number;
  readonly getLastError: () => number;
  private readonly memory: Native[] = [];
  /** Set when the call was reported blocked: a worker thread may still use its memory. */
  private blocked = false;

  constructor(
    private readonly koffi: Koffi,
    readonly fn: Record<string, NativeFunction>,
    private readonly native: NativeConventions,
    private readonly state: ProcessState,
    private readonly boundMs: number,
  ) {
    this.pointerSize = koffi.sizeof('void *');
    this.getLastError = native.systemError;
  }

  private wsaLastError(): number {
    return this.native.wsaLastError();
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
          this.native.unblock(unblock);
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

  mint(value: bigint, kind: HandleKind): Handle {
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

/** Run one call's handler in its scope, as the control protocol's outcome; the scope ends with the call. */
export async function runCall(handler: Handler, call: Call, scope: Scope, boundMs: number): Promise<CallOutcome> {
  try {
    const r = await handler(call as unknown as UncheckedCall, scope);
    if (r === 'blocked') return { status: 'blocked', boundMs };
    return { status: 'returned', ret: r.ret, error: r.error, elapsedMs: Math.round(r.elapsedMs * 1000) / 1000, out: r.out ?? {} };
  } finally {
    scope.end();
  }
}

export class Executor {
  private readonly state = new ProcessState();
  private readonly fn: Record<string, NativeFunction>;
  private readonly koffi: Koffi;
  private readonly native: NativeConventions;

  constructor(private readonly bindings: Bindings) {
    this.fn = bindings.fn;
    this.koffi = bindings.koffi;
    this.native = winsockConventions(bindings);
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
    return runCall(handler, call, new Scope(this.koffi, this.fn, this.native, this.state, boundMs), boundMs);
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
