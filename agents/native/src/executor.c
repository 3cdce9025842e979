/* One Winsock process's executor (docs/agent-protocol.md, "Calls" and "Outcomes"): runs each call, keeps
 * the handles calls minted so that `release` can close them, and the balance of WSAStartup and WSACleanup
 * so that `release` can restore the reference count.
 *
 * A call that may block runs on a worker thread of its own, watched by a supervisor thread that waits for
 * it at most `boundMs`. Whichever comes first settles the call, by an interlocked exchange on its state: the
 * worker's return (answered as `returned`), or the bound (the socket it waits on is closed without lingering
 * to wake it, and the call is answered `blocked`). The error is read with WSAGetLastError on the worker,
 * right after the call. */
#include "platform.h"

#include <stdlib.h>
#include <string.h>

/* A duplicate of another process's handle is closed with CloseHandle, never closesocket: its socket stays
 * its owner's. */
enum kind { KIND_SOCKET, KIND_EVENT, KIND_DUPLICATE };

struct minted {
    unsigned long long value;
    enum kind kind;
};

static struct {
    CRITICAL_SECTION lock;
    struct minted *items;
    size_t n, cap;
    int startup_balance;
    LARGE_INTEGER frequency;
    unsigned long parent;
    /* The job whose blocking hook runs on this thread (WSARecvDisconnectInBlockingHook): a hook takes no argument. */
    DWORD hook_job;
} state;

void executor_set_parent(unsigned long pid) { state.parent = pid; }

void executor_init(void) {
    InitializeCriticalSection(&state.lock);
    QueryPerformanceFrequency(&state.frequency);
    state.hook_job = TlsAlloc();
}

unsigned long long socket_max(void) { return (unsigned long long)INVALID_SOCKET; }

int executor_startup(void) {
    WSADATA data;
    return WSAStartup(MAKEWORD(2, 2), &data);
}

static double now_ms(void) {
    LARGE_INTEGER t;
    QueryPerformanceCounter(&t);
    return (double)t.QuadPart * 1000.0 / (double)state.frequency.QuadPart;
}

static void mint(unsigned long long value, enum kind kind) {
    EnterCriticalSection(&state.lock);
    if (state.n == state.cap) {
        size_t cap = state.cap ? state.cap * 2 : 64;
        struct minted *items = (struct minted *)realloc(state.items, cap * sizeof *items);
        if (!items) {
            /* Nothing to record it in: it stays open until the process ends. */
            LeaveCriticalSection(&state.lock);
            agent_log("out of memory recording a handle");
            return;
        }
        state.items = items;
        state.cap = cap;
    }
    state.items[state.n].value = value;
    state.items[state.n].kind = kind;
    state.n++;
    LeaveCriticalSection(&state.lock);
}

static void forget(unsigned long long value) {
    EnterCriticalSection(&state.lock);
    for (size_t i = 0; i < state.n; i++) {
        if (state.items[i].value != value) continue;
        memmove(state.items + i, state.items + i + 1, (state.n - i - 1) * sizeof *state.items);
        state.n--;
        break;
    }
    LeaveCriticalSection(&state.lock);
}

/** closesocket with SO_LINGER switched off first: a close that never waits for unsent data. */
static void close_without_lingering(SOCKET s) {
    struct linger off = {0, 0};
    setsockopt(s, SOL_SOCKET, SO_LINGER, (const char *)&off, sizeof off);
    closesocket(s);
}

static void out_handle(struct out *o, unsigned long long value) {
    static const char digits[] = "0123456789abcdef";
    char text[20];
    int k = sizeof text;
    do {
        text[--k] = digits[value & 15u];
        value >>= 4;
    } while (value);
    out_text(o, "\"0x");
    out_raw(o, text + k, sizeof text - (size_t)k);
    out_text(o, "\"");
}

void executor_release(struct out *closed) {
    EnterCriticalSection(&state.lock);
    struct minted *items = state.items;
    size_t n = state.n;
    state.items = NULL;
    state.n = state.cap = 0;
    int balance = state.startup_balance;
    state.startup_balance = 0;
    LeaveCriticalSection(&state.lock);
    out_text(closed, "[");
    for (size_t i = 0; i < n; i++) {
        if (items[i].kind == KIND_SOCKET) close_without_lingering((SOCKET)items[i].value);
        else CloseHandle((HANDLE)(ULONG_PTR)items[i].value);
        if (i) out_text(closed, ",");
        out_handle(closed, items[i].value);
    }
    out_text(closed, "]");
    free(items);
    for (; balance > 0; balance--) WSACleanup();
    for (; balance < 0; balance++) executor_startup();
}

/* ---- one call ------------------------------------------------------------------------------------ */

enum { RUNNING = 0, SETTLED = 1, ABANDONED = 2 };

struct job {
    volatile LONG refs;
    volatile LONG state;
    struct call call;
    long long id;
    double bound_ms;
    struct channel *ch;
    unsigned long generation;
    HANDLE returned_event;
    /* Set when memory for the call's outputs could not be had: answered as an error, not as a result. */
    int out_of_memory;
    /* What the call gave. */
    long long ret;
    ULONG_PTR value;
    int error;
    double elapsed;
    struct out out;
    /* Its memory: a buffer, a WSABUF over it, and the DWORDs WSARecv writes; a receive's source address and
     * its length; an overlapped receive's OVERLAPPED. */
    unsigned char *buf;
    WSABUF wsabuf;
    DWORD received, flags;
    SOCKADDR_STORAGE from;
    int from_len;
    WSAOVERLAPPED overlapped;
    /* WSARecvDisconnectInBlockingHook: WSASetBlockingHook's error (0: installed), how often the hook ran,
     * and the blocking recv's result (made: 0 when it was not). */
    int hook_set_error, hook_calls, recv_made, recv_error;
    long long recv_ret;
};

static void job_put(struct job *j) {
    if (InterlockedDecrement(&j->refs) != 0) return;
    if (j->returned_event) CloseHandle(j->returned_event);
    call_free(&j->call);
    out_free(&j->out);
    free(j->buf);
    free(j);
}

/* may_block and finish name every op, without a default, so that -Wswitch -Werror asks where a new op goes. */
static int may_block(enum op op) {
    switch (op) {
    case OP_recv:
    case OP_WSARecv:
    case OP_recvfrom:
    case OP_WSARecvFrom:
    case OP_WSARecvOverlapped:
    case OP_ReadFile:
    case OP_accept:
    case OP_connect:
    case OP_WSAConnect:
    case OP_send:
    case OP_sendto:
    case OP_WSARecvDisconnect:
    case OP_WSARecvDisconnectInBlockingHook:
    case OP_closesocket:
        return 1;
    case OP_WSAStartup:
    case OP_WSACleanup:
    case OP_socket:
    case OP_bind:
    case OP_listen:
    case OP_getsockname:
    case OP_getpeername:
    case OP_shutdown:
    case OP_setLinger:
    case OP_getSocketType:
    case OP_getProtocolInfo:
    case OP_FIONREAD:
    case OP_FIONBIO:
    case OP_WSAEnumProtocols:
    case OP_createNonSocketHandle:
    case OP_duplicateFromParent:
    case OP_resolveExport:
    case OP_COUNT:
        return 0;
    }
    return 0;
}

/** Time `expr`, an int-returning Winsock call, and read its error when it returns SOCKET_ERROR. */
#define TIMED_INT(j, expr)                                                 \
    do {                                                                   \
        double t0_ = now_ms();                                             \
        int r_ = (expr);                                                   \
        (j)->error = r_ == SOCKET_ERROR ? WSAGetLastError() : 0;           \
        (j)->elapsed = now_ms() - t0_;                                     \
        (j)->ret = r_;                                                     \
    } while (0)

/** An overlapped receive (WSARecvOverlapped, ReadFile) with an OVERLAPPED whose hEvent is a new event: it
 * fails at once (any error but WSA_IO_PENDING, which is ERROR_IO_PENDING too), or completes, at once or after
 * pending. A pending one is waited for on its event; at the bound the supervisor closes the socket, which ends
 * the receive and signals the event. Its result is then WSAGetOverlappedResult's or GetOverlappedResult's.
 * ret: 0 for WSARecv, the byte count for ReadFile; j->value: 1 if it pended. */
static void overlapped_receive(struct job *j, SOCKET s) {
    struct call *c = &j->call;
    int readfile = c->op == OP_ReadFile;
    double t0 = now_ms();
    j->overlapped.hEvent = WSACreateEvent();
    if (j->overlapped.hEvent == WSA_INVALID_EVENT) {
        j->ret = SOCKET_ERROR, j->error = WSAGetLastError(), j->elapsed = now_ms() - t0;
        return;
    }
    int started;
    if (readfile) {
        /* lpNumberOfBytesRead NULL, as ReadFile's page asks with an OVERLAPPED. */
        started = ReadFile((HANDLE)s, j->buf, (DWORD)c->a, NULL, &j->overlapped) ? 0 : (int)GetLastError();
    } else {
        j->wsabuf.len = (ULONG)c->a;
        j->wsabuf.buf = (char *)j->buf;
        j->flags = 0;
        started = WSARecv(s, &j->wsabuf, 1, &j->received, &j->flags, &j->overlapped, NULL) == 0 ? 0 : WSAGetLastError();
    }
    j->value = started == WSA_IO_PENDING;
    if (started != 0 && started != WSA_IO_PENDING) {
        j->ret = SOCKET_ERROR, j->error = started;
    } else {
        if (started == WSA_IO_PENDING) WaitForSingleObject(j->overlapped.hEvent, INFINITE);
        BOOL done = readfile ? GetOverlappedResult((HANDLE)s, &j->overlapped, &j->received, FALSE)
                             : WSAGetOverlappedResult(s, &j->overlapped, &j->received, FALSE, &j->flags);
        j->error = done ? 0 : (readfile ? (int)GetLastError() : WSAGetLastError());
        j->ret = !done ? SOCKET_ERROR : readfile ? (long long)j->received : 0;
    }
    WSACloseEvent(j->overlapped.hEvent);
    j->elapsed = now_ms() - t0;
}

/** The Windows Sockets 1.1 blocking hook: Winsock calls it while a blocking call of this thread is in progress.
 *  Its first call makes WSARecvDisconnect(s, NULL), then cancels the blocking call; FALSE: it handled no message. */
static BOOL CALLBACK blocking_hook(void) {
    struct job *j = (struct job *)TlsGetValue(state.hook_job);
    if (!j || j->hook_calls++ > 0) return FALSE;
    TIMED_INT(j, WSARecvDisconnect((SOCKET)j->call.s, NULL));
    WSACancelBlockingCall();
    return FALSE;
}

/** WSARecvDisconnectInBlockingHook (docs/agent-protocol.md): a blocking recv on `blockingOn` with the hook installed. */
static void recv_disconnect_in_blocking_hook(struct job *j) {
    SOCKET blocking_on = (SOCKET)j->call.t;
    j->ret = 0;
    /* FARPROC is how the API types any function; Winsock calls it as the BOOL (void) a hook is. */
    if (WSASetBlockingHook((FARPROC)(void (*)(void))blocking_hook) == NULL) {
        j->hook_set_error = WSAGetLastError();
        return;
    }
    /* A stack that never calls the hook ends the recv itself, after waitMs, rather than at the agent's bound. */
    DWORD wait = (DWORD)j->call.a;
    setsockopt(blocking_on, SOL_SOCKET, SO_RCVTIMEO, (const char *)&wait, sizeof wait);
    TlsSetValue(state.hook_job, j);
    char byte;
    int r = recv(blocking_on, &byte, 1, 0);
    j->recv_error = r == SOCKET_ERROR ? WSAGetLastError() : 0;
    j->recv_ret = r;
    j->recv_made = 1;
    TlsSetValue(state.hook_job, NULL);
    WSAUnhookBlockingHook();
}

/** Make the Winsock call(s) of `j`: no handle is minted here, so that a call abandoned at its bound mints nothing. */
static void perform(struct job *j) {
    struct call *c = &j->call;
    SOCKET s = (SOCKET)c->s;
    const struct sockaddr *to = (const struct sockaddr *)c->to.bytes;
    switch (c->op) {
    case OP_WSAStartup: {
        WSADATA data;
        double t0 = now_ms();
        int code = WSAStartup((WORD)c->a, &data);
        j->elapsed = now_ms() - t0;
        j->ret = code == 0 ? 0 : SOCKET_ERROR;
        j->error = code;
        j->value = code == 0 ? data.wVersion : 0;
        break;
    }
    case OP_WSACleanup: TIMED_INT(j, WSACleanup()); break;
    case OP_socket:
    case OP_accept: {
        double t0 = now_ms();
        SOCKET made = c->op == OP_socket ? socket((int)c->a, (int)c->b, (int)c->c) : accept(s, NULL, NULL);
        j->error = made == INVALID_SOCKET ? WSAGetLastError() : 0;
        j->elapsed = now_ms() - t0;
        j->value = (ULONG_PTR)made;
        j->ret = made == INVALID_SOCKET ? SOCKET_ERROR : 0;
        break;
    }
    case OP_bind: TIMED_INT(j, bind(s, to, c->to.len)); break;
    case OP_listen: TIMED_INT(j, listen(s, (int)c->a)); break;
    case OP_connect: TIMED_INT(j, connect(s, to, c->to.len)); break;
    /* No caller or callee data, no QOS. */
    case OP_WSAConnect: TIMED_INT(j, WSAConnect(s, to, c->to.len, NULL, NULL, NULL, NULL)); break;
    case OP_getsockname:
    case OP_getpeername: {
        int len = sizeof(SOCKADDR_STORAGE);
        if (c->op == OP_getsockname) TIMED_INT(j, getsockname(s, (struct sockaddr *)j->buf, &len));
        else TIMED_INT(j, getpeername(s, (struct sockaddr *)j->buf, &len));
        j->received = len < 0 ? 0 : (DWORD)len;
        break;
    }
    case OP_send: TIMED_INT(j, send(s, (const char *)c->data, (int)c->data_len, 0)); break;
    case OP_sendto: TIMED_INT(j, sendto(s, (const char *)c->data, (int)c->data_len, 0, to, c->to.len)); break;
    case OP_recv:
        TIMED_INT(j, recv(s, (char *)j->buf, (int)c->a, (int)c->b));
        break;
    case OP_WSARecv:
        j->wsabuf.len = (ULONG)c->a;
        j->wsabuf.buf = (char *)j->buf;
        j->flags = 0;
        TIMED_INT(j, WSARecv(s, &j->wsabuf, 1, &j->received, &j->flags, NULL, NULL));
        break;
    case OP_recvfrom:
        j->from_len = sizeof j->from;
        TIMED_INT(j, recvfrom(s, (char *)j->buf, (int)c->a, (int)c->b, (struct sockaddr *)&j->from, &j->from_len));
        break;
    case OP_WSARecvFrom:
        j->wsabuf.len = (ULONG)c->a;
        j->wsabuf.buf = (char *)j->buf;
        j->flags = 0;
        j->from_len = sizeof j->from;
        TIMED_INT(j, WSARecvFrom(s, &j->wsabuf, 1, &j->received, &j->flags, (struct sockaddr *)&j->from, &j->from_len, NULL, NULL));
        break;
    case OP_WSARecvOverlapped:
    case OP_ReadFile:
        overlapped_receive(j, s);
        break;
    case OP_WSARecvDisconnect:
        if (c->has_buffer) {
            memset(j->buf, DISCONNECT_BUFFER_FILL, (size_t)c->a);
            j->wsabuf.len = (ULONG)c->a;
            j->wsabuf.buf = (char *)j->buf;
        }
        TIMED_INT(j, WSARecvDisconnect(s, c->has_buffer ? &j->wsabuf : NULL));
        break;
    case OP_WSARecvDisconnectInBlockingHook: recv_disconnect_in_blocking_hook(j); break;
    case OP_shutdown: TIMED_INT(j, shutdown(s, (int)c->a)); break;
    case OP_setLinger: {
        struct linger l;
        l.l_onoff = (u_short)(c->a & 0xFFFF);
        l.l_linger = (u_short)(c->b & 0xFFFF);
        TIMED_INT(j, setsockopt(s, SOL_SOCKET, SO_LINGER, (const char *)&l, sizeof l));
        break;
    }
    case OP_getSocketType: {
        int type = 0, len = sizeof type;
        TIMED_INT(j, getsockopt(s, SOL_SOCKET, SO_TYPE, (char *)&type, &len));
        j->value = (ULONG_PTR)(LONG_PTR)type;
        break;
    }
    case OP_getProtocolInfo: {
        int len = sizeof(WSAPROTOCOL_INFOW);
        TIMED_INT(j, getsockopt(s, SOL_SOCKET, SO_PROTOCOL_INFOW, (char *)j->buf, &len));
        break;
    }
    case OP_FIONREAD: {
        u_long count = 0;
        TIMED_INT(j, ioctlsocket(s, FIONREAD, &count));
        j->value = count;
        break;
    }
    case OP_FIONBIO: {
        u_long mode = (u_long)(unsigned)(int)c->a;
        TIMED_INT(j, ioctlsocket(s, (long)FIONBIO, &mode));
        break;
    }
    case OP_closesocket: TIMED_INT(j, closesocket(s)); break;
    case OP_WSAEnumProtocols: {
        /* First asked with no buffer, for the size it needs (WSAENOBUFS), then with a buffer of that size. */
        double t0 = now_ms();
        DWORD length = 0;
        int r = WSAEnumProtocolsW(NULL, NULL, &length);
        int error = r == SOCKET_ERROR ? WSAGetLastError() : 0;
        if (r == SOCKET_ERROR && error != WSAENOBUFS) {
            j->ret = r, j->error = error, j->elapsed = now_ms() - t0;
            break;
        }
        if (length < sizeof(WSAPROTOCOL_INFOW)) length = sizeof(WSAPROTOCOL_INFOW);
        j->buf = (unsigned char *)calloc(1, length);
        if (!j->buf) {
            j->out_of_memory = 1;
            break;
        }
        r = WSAEnumProtocolsW(NULL, (LPWSAPROTOCOL_INFOW)j->buf, &length);
        j->error = r == SOCKET_ERROR ? WSAGetLastError() : 0;
        j->elapsed = now_ms() - t0;
        j->ret = r;
        j->received = length;
        break;
    }
    case OP_createNonSocketHandle: {
        double t0 = now_ms();
        HANDLE h = CreateEventW(NULL, TRUE, FALSE, NULL);
        j->error = h == NULL ? (int)GetLastError() : 0;
        j->elapsed = now_ms() - t0;
        j->value = (ULONG_PTR)h;
        j->ret = h == NULL ? SOCKET_ERROR : 0;
        break;
    }
    case OP_duplicateFromParent: {
        double t0 = now_ms();
        HANDLE parent = state.parent ? OpenProcess(PROCESS_DUP_HANDLE, FALSE, state.parent) : NULL;
        HANDLE h = NULL;
        if (!state.parent) j->error = ERROR_INVALID_PARAMETER;
        else if (!parent) j->error = (int)GetLastError();
        else if (!DuplicateHandle(parent, (HANDLE)(ULONG_PTR)c->s, GetCurrentProcess(), &h, 0, FALSE, DUPLICATE_SAME_ACCESS)) j->error = (int)GetLastError();
        if (parent) CloseHandle(parent);
        j->elapsed = now_ms() - t0;
        j->value = (ULONG_PTR)h;
        j->ret = h == NULL ? SOCKET_ERROR : 0;
        break;
    }
    case OP_resolveExport: {
        double t0 = now_ms();
        WCHAR module[MAX_PATH + 1];
        j->ret = 0;
        if (MultiByteToWideChar(CP_UTF8, 0, c->module, -1, module, MAX_PATH + 1) == 0) {
            j->error = (int)GetLastError();
            j->elapsed = now_ms() - t0;
            break;
        }
        HMODULE h = LoadLibraryW(module);
        if (!h) {
            j->error = (int)GetLastError();
            j->elapsed = now_ms() - t0;
            break;
        }
        FARPROC proc = GetProcAddress(h, c->symbol);
        j->error = proc ? 0 : (int)GetLastError();
        FreeLibrary(h);
        j->elapsed = now_ms() - t0;
        j->ret = proc ? 1 : 0;
        break;
    }
    case OP_COUNT:
        break;
    }
}

/** The memory a call needs before it runs; 0 when there is none to be had. */
static int prepare(struct job *j) {
    size_t size = 0;
    if (j->call.op == OP_getsockname || j->call.op == OP_getpeername) size = sizeof(SOCKADDR_STORAGE);
    else if (j->call.op == OP_recv || j->call.op == OP_WSARecv || j->call.op == OP_recvfrom || j->call.op == OP_WSARecvFrom ||
             j->call.op == OP_WSARecvOverlapped || j->call.op == OP_ReadFile)
        size = (size_t)j->call.a;
    else if (j->call.op == OP_WSARecvDisconnect && j->call.has_buffer) size = (size_t)j->call.a;
    else if (j->call.op == OP_getProtocolInfo) size = sizeof(WSAPROTOCOL_INFOW);
    else return 1;
    j->buf = (unsigned char *)calloc(1, size ? size : 1);
    return j->buf != NULL;
}

/** A GUID as StringFromGUID2 writes it: {E70F1AA0-AB8B-11CF-8CA3-00805F48A192}. */
static void out_guid(struct out *o, const GUID *g) {
    static const char digits[] = "0123456789ABCDEF";
    unsigned char bytes[16];
    char text[39];
    size_t k = 0;
    for (int i = 0; i < 4; i++) bytes[i] = (unsigned char)(g->Data1 >> (24 - 8 * i));
    for (int i = 0; i < 2; i++) bytes[4 + i] = (unsigned char)(g->Data2 >> (8 - 8 * i));
    for (int i = 0; i < 2; i++) bytes[6 + i] = (unsigned char)(g->Data3 >> (8 - 8 * i));
    memcpy(bytes + 8, g->Data4, 8);
    text[k++] = '{';
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) text[k++] = '-';
        text[k++] = digits[bytes[i] >> 4];
        text[k++] = digits[bytes[i] & 15u];
    }
    text[k++] = '}';
    out_string(o, text, k);
}

/** One WSAPROTOCOL_INFOW as the protocol's ProtocolInfo (src/core/ports.ts). */
static void out_protocol_info(struct out *o, const WSAPROTOCOL_INFOW *p) {
    char name[WSAPROTOCOL_LEN * 3 + 4];
    WCHAR wide[WSAPROTOCOL_LEN + 1];
    memcpy(wide, p->szProtocol, sizeof p->szProtocol);
    wide[WSAPROTOCOL_LEN] = 0;
    int n = WideCharToMultiByte(CP_UTF8, 0, wide, -1, name, sizeof name, NULL, NULL);
    out_text(o, "{\"name\":");
    out_string(o, name, n > 0 ? (size_t)n - 1 : 0);
    out_text(o, ",\"af\":");
    out_int(o, p->iAddressFamily);
    out_text(o, ",\"type\":");
    out_int(o, p->iSocketType);
    out_text(o, ",\"protocol\":");
    out_int(o, p->iProtocol);
    out_text(o, ",\"serviceFlags1\":");
    out_uint(o, p->dwServiceFlags1);
    out_text(o, ",\"chainLen\":");
    out_int(o, p->ProtocolChain.ChainLen);
    out_text(o, ",\"providerId\":");
    out_guid(o, &p->ProviderId);
    out_text(o, "}");
}

/** The outputs of a call that returned, minting the handle it made. */
static void finish(struct job *j) {
    struct call *c = &j->call;
    struct out *o = &j->out;
    switch (c->op) {
    case OP_WSAStartup:
        if (j->ret == 0) {
            EnterCriticalSection(&state.lock);
            state.startup_balance++;
            LeaveCriticalSection(&state.lock);
            out_text(o, "\"value\":");
            out_uint(o, j->value);
        }
        break;
    case OP_WSACleanup:
        if (j->ret == 0) {
            EnterCriticalSection(&state.lock);
            state.startup_balance--;
            LeaveCriticalSection(&state.lock);
        }
        break;
    case OP_socket:
    case OP_accept:
    case OP_createNonSocketHandle:
    case OP_duplicateFromParent:
        if (j->ret == 0) {
            mint(j->value, c->op == OP_createNonSocketHandle ? KIND_EVENT : c->op == OP_duplicateFromParent ? KIND_DUPLICATE : KIND_SOCKET);
            out_text(o, "\"handle\":");
            out_handle(o, j->value);
        }
        break;
    case OP_getsockname:
    case OP_getpeername:
        if (j->ret == 0 && j->buf) {
            size_t len = j->received < sizeof(SOCKADDR_STORAGE) ? j->received : sizeof(SOCKADDR_STORAGE);
            struct out endpoint = {0};
            if (out_endpoint(&endpoint, j->buf, len)) {
                out_text(o, "\"endpoint\":");
                out_raw(o, endpoint.p, endpoint.n);
            }
            out_free(&endpoint);
        }
        break;
    case OP_recv:
    case OP_recvfrom:
        /* ret is the byte count; 0 (the peer's FIN) still reports its empty data. */
        if (j->ret >= 0) {
            out_text(o, "\"data\":\"");
            out_hex(o, j->buf, (size_t)(j->ret < c->a ? j->ret : c->a));
            out_text(o, "\"");
        }
        break;
    case OP_WSARecv:
    case OP_WSARecvFrom:
    case OP_WSARecvOverlapped:
    case OP_ReadFile: {
        /* Completed: WSARecv's 0, ReadFile's byte count; the count read is j->received either way. */
        int completed = c->op == OP_ReadFile ? j->ret >= 0 : j->ret == 0;
        if (completed) {
            out_text(o, "\"data\":\"");
            out_hex(o, j->buf, j->received < (DWORD)c->a ? j->received : (size_t)c->a);
            out_text(o, "\"");
        }
        if (c->op == OP_WSARecvOverlapped || c->op == OP_ReadFile) {
            out_text(o, completed ? ",\"value\":" : "\"value\":");
            out_uint(o, j->value);
        }
        break;
    }
    case OP_WSARecvDisconnect:
        /* The length and the whole buffer, whatever the result: on WSAEFAULT the length may be the size
         * needed, and bytes written where none were due are a result too. */
        if (c->has_buffer) {
            out_text(o, "\"bufferLength\":");
            out_uint(o, j->wsabuf.len);
            out_text(o, ",\"data\":\"");
            out_hex(o, j->buf, (size_t)c->a);
            out_text(o, "\"");
        }
        break;
    case OP_WSARecvDisconnectInBlockingHook:
        out_text(o, "\"blockingHook\":{\"setError\":");
        out_int(o, j->hook_set_error);
        out_text(o, ",\"hookCalls\":");
        out_int(o, j->hook_calls);
        if (j->recv_made) {
            out_text(o, ",\"recvRet\":");
            out_int(o, j->recv_ret);
            out_text(o, ",\"recvError\":");
            out_int(o, j->recv_error);
        }
        out_text(o, "}");
        break;
    case OP_getSocketType:
        if (j->ret == 0) {
            out_text(o, "\"value\":");
            out_int(o, (long long)(LONG_PTR)j->value);
        }
        break;
    case OP_getProtocolInfo:
        if (j->ret == 0 && j->buf) {
            out_text(o, "\"protocolInfo\":");
            out_protocol_info(o, (const WSAPROTOCOL_INFOW *)j->buf);
        }
        break;
    case OP_FIONREAD:
        if (j->ret == 0) {
            out_text(o, "\"value\":");
            out_uint(o, j->value);
        }
        break;
    case OP_closesocket:
        if (j->ret == 0) forget(c->s);
        break;
    case OP_WSAEnumProtocols:
        if (j->ret != SOCKET_ERROR && j->buf) {
            const WSAPROTOCOL_INFOW *p = (const WSAPROTOCOL_INFOW *)j->buf;
            size_t count = j->received / sizeof *p;
            out_text(o, "\"protocols\":[");
            for (size_t i = 0; i < (size_t)j->ret && i < count; i++) {
                if (i) out_text(o, ",");
                out_protocol_info(o, &p[i]);
            }
            out_text(o, "]");
        }
        break;
    case OP_resolveExport:
        out_text(o, "\"value\":");
        out_int(o, j->ret);
        break;
    case OP_bind:
    case OP_listen:
    case OP_connect:
    case OP_WSAConnect:
    case OP_send:
    case OP_sendto:
    case OP_shutdown:
    case OP_setLinger:
    case OP_FIONBIO:
    case OP_COUNT:
        /* No outputs. */
        break;
    }
}

static void answer_error(struct channel *ch, unsigned long generation, long long id, const char *message);

static void answer_returned(struct job *j) {
    struct out line = {0};
    if (j->out_of_memory || j->out.failed) {
        answer_error(j->ch, j->generation, j->id, "the agent ran out of memory for the call's outputs");
        return;
    }
    out_text(&line, "{\"type\":\"result\",\"id\":");
    out_int(&line, j->id);
    out_text(&line, ",\"outcome\":{\"status\":\"returned\",\"ret\":");
    out_int(&line, j->ret);
    out_text(&line, ",\"error\":");
    out_int(&line, j->error);
    out_text(&line, ",\"elapsedMs\":");
    out_millis(&line, j->elapsed);
    out_text(&line, ",\"out\":{");
    out_raw(&line, j->out.p ? j->out.p : "", j->out.n);
    out_text(&line, "}}}");
    channel_send(j->ch, j->generation, &line);
    out_free(&line);
}

static void answer_blocked(struct job *j) {
    struct out line = {0};
    out_text(&line, "{\"type\":\"result\",\"id\":");
    out_int(&line, j->id);
    out_text(&line, ",\"outcome\":{\"status\":\"blocked\",\"boundMs\":");
    /* The bound as it came: an integer stays one. */
    if (j->bound_ms == (double)(long long)j->bound_ms) out_int(&line, (long long)j->bound_ms);
    else out_millis(&line, j->bound_ms);
    out_text(&line, "}}");
    channel_send(j->ch, j->generation, &line);
    out_free(&line);
}

static void answer_error(struct channel *ch, unsigned long generation, long long id, const char *message) {
    struct out line = {0};
    error_line(&line, &id, message);
    channel_send(ch, generation, &line);
    out_free(&line);
}

static DWORD WINAPI worker(LPVOID arg) {
    struct job *j = (struct job *)arg;
    perform(j);
    if (InterlockedCompareExchange(&j->state, SETTLED, RUNNING) == RUNNING) {
        finish(j);
        SetEvent(j->returned_event);
    } else if (j->call.op == OP_accept && j->ret == 0) {
        /* Returned after it was reported blocked: what it made is nobody's. */
        closesocket((SOCKET)j->value);
    }
    job_put(j);
    return 0;
}

static DWORD WINAPI supervisor(LPVOID arg) {
    struct job *j = (struct job *)arg;
    double bound = j->bound_ms;
    DWORD wait = bound >= 4294967294.0 ? INFINITE - 1 : (DWORD)(bound + 0.999);
    if (WaitForSingleObject(j->returned_event, wait) != WAIT_OBJECT_0) {
        if (InterlockedCompareExchange(&j->state, ABANDONED, RUNNING) == RUNNING) {
            if (j->call.op != OP_closesocket) {
                /* The socket the call waits on: its own, or the one the hook op's recv blocks on. */
                unsigned long long waits_on = j->call.op == OP_WSARecvDisconnectInBlockingHook ? j->call.t : j->call.s;
                close_without_lingering((SOCKET)waits_on);
                forget(waits_on);
            }
            answer_blocked(j);
            job_put(j);
            return 0;
        }
        /* It returned as the bound passed: a call that returned is never reported blocked. */
        WaitForSingleObject(j->returned_event, INFINITE);
    }
    answer_returned(j);
    job_put(j);
    return 0;
}

void executor_run(struct call *c, long long id, double bound_ms, struct channel *ch, unsigned long generation) {
    struct job *j = (struct job *)calloc(1, sizeof *j);
    if (!j) {
        call_free(c);
        answer_error(ch, generation, id, "the agent is out of memory");
        return;
    }
    j->call = *c;
    memset(c, 0, sizeof *c);
    j->id = id;
    j->bound_ms = bound_ms;
    j->ch = ch;
    j->generation = generation;
    j->refs = 1;
    if (!prepare(j)) {
        answer_error(ch, generation, id, "the agent is out of memory for the call's buffer");
        job_put(j);
        return;
    }
    if (!may_block(j->call.op)) {
        perform(j);
        finish(j);
        answer_returned(j);
        job_put(j);
        return;
    }
    j->returned_event = CreateEventW(NULL, TRUE, FALSE, NULL);
    j->refs = 2;
    /* Small stacks: neither thread keeps more than a few locals. */
    HANDLE w = j->returned_event ? CreateThread(NULL, 64 * 1024, worker, j, STACK_SIZE_PARAM_IS_A_RESERVATION, NULL) : NULL;
    if (!w) {
        answer_error(ch, generation, id, "the agent could not start a thread for the call");
        j->refs = 1;
        job_put(j);
        return;
    }
    CloseHandle(w);
    HANDLE s = CreateThread(NULL, 64 * 1024, supervisor, j, STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
    if (s) {
        CloseHandle(s);
        return;
    }
    /* No supervisor: this thread waits for the call, unbounded. Never seen; better late than never. */
    WaitForSingleObject(j->returned_event, INFINITE);
    answer_returned(j);
    job_put(j);
}
