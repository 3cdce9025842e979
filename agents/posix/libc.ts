// The host's BSD sockets through koffi: the libc functions the POSIX comparison calls, bound once per
// process (Linux's glibc or musl), and errno as the WSA code the porting table (mapping.ts) gives it.
import * as fs from 'node:fs';
import { declarer, type Koffi, type NativeFunction } from '../node/bindings';
import { wsaCodeForErrno } from './mapping';

export interface LibcBindings {
  koffi: Koffi;
  /** The library that serves the calls, as loaded (e.g. libc.so.6). */
  libc: string;
  fn: Record<string, NativeFunction>;
  /** errno of the call that just failed on this thread (an async call's: first thing in its callback), as a WSA code. */
  wsaLastError(): number;
}

/** The C library's name on this host: glibc's soname, or musl's, which serves libc from its loader. */
function libcName(): string {
  const musl = fs.existsSync('/lib') ? fs.readdirSync('/lib').find((f) => /^ld-musl-.*\.so\.1$/.test(f)) : undefined;
  return musl ? `/lib/${musl}` : 'libc.so.6';
}

/** Bind every function the POSIX executor needs. `koffi` is the module (the caller resolves its path). */
export function bindLibc(koffi: Koffi): LibcBindings {
  if (process.platform !== 'linux' || (process.arch !== 'x64' && process.arch !== 'arm64'))
    throw new Error(`the POSIX agent knows the numbers of Linux on x64 and arm64 only, not ${process.platform} ${process.arch}`);
  const libc = libcName();
  const lib = koffi.load(libc);
  const fn: Record<string, NativeFunction> = {};
  const c = declarer(lib, fn);
  c('int socket(int domain, int type, int protocol)');
  c('int bind(int fd, void *addr, uint32_t addrlen)');
  c('int listen(int fd, int backlog)');
  c('int accept(int fd, void *addr, void *addrlen)');
  c('int connect(int fd, void *addr, uint32_t addrlen)');
  c('int getsockname(int fd, void *addr, void *addrlen)');
  c('int getpeername(int fd, void *addr, void *addrlen)');
  c('intptr_t send(int fd, void *buf, size_t len, int flags)');
  c('intptr_t sendto(int fd, void *buf, size_t len, int flags, void *addr, uint32_t addrlen)');
  c('intptr_t recv(int fd, void *buf, size_t len, int flags)');
  c('intptr_t recvmsg(int fd, void *msg, int flags)');
  c('intptr_t recvfrom(int fd, void *buf, size_t len, int flags, void *addr, void *addrlen)');
  c('intptr_t read(int fd, void *buf, size_t len)');
  c('int shutdown(int fd, int how)');
  c('int setsockopt(int fd, int level, int optname, void *optval, uint32_t optlen)');
  c('int getsockopt(int fd, int level, int optname, void *optval, void *optlen)');
  c('int ioctl(int fd, unsigned long request, ...)');
  c('int close(int fd)');
  c('int pipe(void *fds)');
  c('int getpid()');
  const hostErrno = koffi.os.errno;
  return { koffi, libc, fn, wsaLastError: () => wsaCodeForErrno(koffi.errno(), hostErrno) };
}
