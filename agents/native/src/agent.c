/* The native Winsock agent: control protocol v1 (docs/agent-protocol.md) in C, for every Windows from XP
 * SP3 on, ReactOS and Wine. It links only against ws2_32, kernel32 and msvcrt.
 *
 *   winsock-agent.exe [--listen HOST:PORT] [--announce HOST:PORT] [--single] [--verbose]
 *
 * --listen    where to serve (default 127.0.0.1:0, an ephemeral port; 0.0.0.0:PORT for another host)
 * --announce  after listening, connect to HOST:PORT, send one line {"type":"listening","port":N,...}, close
 * --single    serve one controller connection, then exit; exit too if none connects within 60 s
 * --verbose   log every call and its answer
 * The log goes to stdout.
 *
 * Processes: the agent is process "main", where Winsock is initialised twice (as in the node agent, whose
 * runtime holds one reference and the agent one more), so that one unbalanced WSACleanup in a scenario
 * cannot cut the control channel. `spawn` hands out a probe: a fresh process of this program (--probe)
 * that calls WSACleanup until it fails and then takes calls over two named pipes; it inherits no handle
 * (no socket of a scenario can outlive its close in a probe), and holds another's only when a call asks it
 * to duplicate one of the agent's (duplicateFromParent; the agent's process id is its --parent). One probe is started ahead, with the agent.
 *
 * Threads: the main thread accepts; one thread reads the controller's requests and answers the calls that
 * return at once; each call that may block gets a worker and a supervisor thread (executor.c); each probe
 * has a thread that reads its answers and forwards them. */
#include "platform.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct {
    char listen_host[64];
    unsigned listen_port;
    char announce_host[64];
    unsigned announce_port;
    int announce, single, verbose, probe;
    char pipe[128];
    unsigned long parent; /* a probe's: the agent's process id (--parent) */
} opts = {"127.0.0.1", 0, "", 0, 0, 0, 0, 0, "", 0};

/* ---- log ----------------------------------------------------------------------------------------- */

static CRITICAL_SECTION log_lock;

void agent_log(const char *format, ...) {
    SYSTEMTIME t;
    va_list args;
    GetSystemTime(&t);
    EnterCriticalSection(&log_lock);
    printf("%04u-%02u-%02uT%02u:%02u:%02u.%03uZ [%lu] ", t.wYear, t.wMonth, t.wDay, t.wHour, t.wMinute, t.wSecond, t.wMilliseconds,
           (unsigned long)GetCurrentProcessId());
    va_start(args, format);
    vprintf(format, args);
    va_end(args);
    printf("\n");
    fflush(stdout);
    LeaveCriticalSection(&log_lock);
}

/* ---- channels ------------------------------------------------------------------------------------ */

void channel_init(struct channel *ch) {
    InitializeCriticalSection(&ch->lock);
    ch->socket = INVALID_SOCKET;
    ch->pipe = NULL;
    ch->open = 0;
    ch->generation = 0;
}

static int send_all(struct channel *ch, const char *p, size_t n) {
    while (n > 0) {
        int chunk = n > 65536 ? 65536 : (int)n;
        if (ch->pipe) {
            DWORD wrote = 0;
            if (!WriteFile(ch->pipe, p, (DWORD)chunk, &wrote, NULL) || wrote == 0) return -1;
            chunk = (int)wrote;
        } else {
            chunk = send(ch->socket, p, chunk, 0);
            if (chunk <= 0) return -1;
        }
        p += chunk;
        n -= (size_t)chunk;
    }
    return 0;
}

void channel_send(struct channel *ch, unsigned long generation, const struct out *line) {
    if (line->failed) {
        agent_log("out of memory composing an answer");
        return;
    }
    EnterCriticalSection(&ch->lock);
    if (ch->open && ch->generation == generation) {
        if (opts.verbose) agent_log("-> %.*s", line->n > 2000 ? 2000 : (int)line->n, line->p);
        if (send_all(ch, line->p, line->n) != 0 || send_all(ch, "\n", 1) != 0) ch->open = 0;
    }
    LeaveCriticalSection(&ch->lock);
}

static void send_error(struct channel *ch, unsigned long generation, const long long *id, const char *message) {
    struct out line = {0};
    error_line(&line, id, message);
    channel_send(ch, generation, &line);
    out_free(&line);
}

/* ---- probes (in the agent) ------------------------------------------------------------------------ */

struct probe {
    volatile LONG refs;
    char id[32];
    HANDLE process, calls, answers;
    CRITICAL_SECTION write_lock;
    int ready, exited, cleanups;
    unsigned long owner; /* the session generation it was handed to; 0 while spare */
    int spawn_pending;
    long long spawn_id;
    long long *pending;
    size_t npending, cappending;
    struct probe *next;
};

static CRITICAL_SECTION probes_lock;
/* Every probe that has not exited yet; the list holds a reference to each, as does its reader thread. */
static struct probe *probes;
/* The probe started ahead, not yet handed out; holds a reference of its own. */
static struct probe *spare;
static unsigned probe_serial;
static struct channel control;

static void probe_put(struct probe *p) {
    if (InterlockedDecrement(&p->refs) != 0) return;
    CloseHandle(p->process);
    CloseHandle(p->calls);
    CloseHandle(p->answers);
    DeleteCriticalSection(&p->write_lock);
    free(p->pending);
    free(p);
}

/** Overlapped I/O on the agent's end of a probe's pipes, waited for; the number of bytes, or -1. */
static long pipe_io(HANDLE pipe, int write, void *buf, DWORD n) {
    OVERLAPPED ov;
    DWORD done = 0;
    memset(&ov, 0, sizeof ov);
    ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (!ov.hEvent) return -1;
    BOOL ok = write ? WriteFile(pipe, buf, n, NULL, &ov) : ReadFile(pipe, buf, n, NULL, &ov);
    if (!ok && GetLastError() != ERROR_IO_PENDING) {
        CloseHandle(ov.hEvent);
        return -1;
    }
    ok = GetOverlappedResult(pipe, &ov, &done, TRUE);
    CloseHandle(ov.hEvent);
    return ok ? (long)done : -1;
}

static int probe_write(struct probe *p, const char *text, size_t n) {
    int rc = 0;
    EnterCriticalSection(&p->write_lock);
    while (n > 0 && rc == 0) {
        long wrote = pipe_io(p->calls, 1, (void *)text, (DWORD)(n > 65536 ? 65536 : n));
        if (wrote <= 0) rc = -1;
        else text += wrote, n -= (size_t)wrote;
    }
    LeaveCriticalSection(&p->write_lock);
    return rc;
}

static void send_spawned(struct probe *p) {
    struct out line = {0};
    out_text(&line, "{\"type\":\"spawned\",\"id\":");
    out_int(&line, p->spawn_id);
    out_text(&line, ",\"process\":");
    out_cstring(&line, p->id);
    out_text(&line, ",\"cleanups\":");
    out_int(&line, p->cleanups);
    out_text(&line, "}");
    channel_send(&control, p->owner, &line);
    out_free(&line);
}

/** One line from a probe: its "ready", then answers to forward to the controller it belongs to. */
static int probe_line(void *ctx, char *line, size_t len) {
    struct probe *p = (struct probe *)ctx;
    struct json_doc doc;
    char why[160];
    if (json_parse(&doc, line, len, why, sizeof why) != 0) {
        agent_log("%s sent something that is not JSON: %s", p->id, why);
        return 1;
    }
    const struct json *type = json_get(doc.root, "type");
    long long id = 0;
    int has_id = json_integer(json_get(doc.root, "id"), -9007199254740991.0, 9007199254740991.0, &id);
    EnterCriticalSection(&probes_lock);
    if (type && type->kind == JSON_STRING && strcmp(type->str, "ready") == 0) {
        long long cleanups = 0, error = 0;
        json_integer(json_get(doc.root, "cleanups"), 0, 1e9, &cleanups);
        json_integer(json_get(doc.root, "error"), -1e10, 1e10, &error);
        p->ready = 1;
        p->cleanups = (int)cleanups;
        agent_log("%s ready after %d WSACleanup calls, last error %d", p->id, (int)cleanups, (int)error);
        if (p->spawn_pending && p->owner) {
            p->spawn_pending = 0;
            send_spawned(p);
        }
    } else {
        if (has_id) {
            for (size_t i = 0; i < p->npending; i++) {
                if (p->pending[i] != id) continue;
                p->pending[i] = p->pending[--p->npending];
                break;
            }
        }
        if (p->owner) {
            struct out forward = {0};
            out_raw(&forward, line, len);
            channel_send(&control, p->owner, &forward);
            out_free(&forward);
        }
    }
    LeaveCriticalSection(&probes_lock);
    json_free(&doc);
    return 0;
}

static void probe_exited(struct probe *p) {
    DWORD code = 0;
    char how[48];
    WaitForSingleObject(p->process, 5000);
    GetExitCodeProcess(p->process, &code);
    snprintf(how, sizeof how, "%lu", (unsigned long)code);
    EnterCriticalSection(&probes_lock);
    p->exited = 1;
    for (struct probe **at = &probes; *at; at = &(*at)->next) {
        if (*at != p) continue;
        *at = p->next;
        break;
    }
    if (spare == p) {
        spare = NULL;
        probe_put(p); /* the spare's reference; the reader's keeps it */
    }
    if (p->owner) {
        char message[160];
        if (p->spawn_pending) {
            snprintf(message, sizeof message, "the probe process exited (%s) before it was ready", how);
            send_error(&control, p->owner, &p->spawn_id, message);
        }
        for (size_t i = 0; i < p->npending; i++) {
            snprintf(message, sizeof message, "%s exited (%s) during the request", p->id, how);
            send_error(&control, p->owner, &p->pending[i], message);
        }
    }
    p->npending = 0;
    LeaveCriticalSection(&probes_lock);
    agent_log("%s exited (%s)", p->id, how);
}

/** Wait for a pipe's client (the probe) to connect, or for the probe to exit first. */
static int pipe_connected(HANDLE pipe, HANDLE process) {
    OVERLAPPED ov;
    memset(&ov, 0, sizeof ov);
    ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (!ov.hEvent) return 0;
    int ok = ConnectNamedPipe(pipe, &ov) != 0;
    DWORD error = ok ? 0 : GetLastError();
    if (!ok && error == ERROR_PIPE_CONNECTED) ok = 1;
    else if (!ok && error == ERROR_IO_PENDING) {
        HANDLE both[2] = {ov.hEvent, process};
        DWORD done;
        if (WaitForMultipleObjects(2, both, FALSE, INFINITE) == WAIT_OBJECT_0) ok = GetOverlappedResult(pipe, &ov, &done, FALSE) != 0;
        else CancelIo(pipe);
    }
    CloseHandle(ov.hEvent);
    return ok;
}

static DWORD WINAPI probe_reader(LPVOID arg) {
    struct probe *p = (struct probe *)arg;
    struct lines lb = {0};
    char why[160];
    if (pipe_connected(p->calls, p->process) && pipe_connected(p->answers, p->process)) {
        char *buf = (char *)malloc(65536);
        for (long got; buf && (got = pipe_io(p->answers, 0, buf, 65536)) > 0;)
            if (lines_push(&lb, buf, (size_t)got, probe_line, p, why, sizeof why) != 0) break;
        free(buf);
    }
    lines_free(&lb);
    /* Its answers are over: make sure it is gone too. */
    if (WaitForSingleObject(p->process, 5000) == WAIT_TIMEOUT) TerminateProcess(p->process, 1);
    probe_exited(p);
    probe_put(p); /* the list's */
    probe_put(p); /* this thread's */
    return 0;
}

/** Start a probe process, with a reference for the caller; NULL and `why` when it cannot be. */
static struct probe *start_probe(char *why, size_t whylen) {
    WCHAR exe[MAX_PATH + 1], name[160], command[MAX_PATH + 200];
    struct probe *p = (struct probe *)calloc(1, sizeof *p);
    if (!p) {
        snprintf(why, whylen, "could not start a probe process: out of memory");
        return NULL;
    }
    DWORD exelen = GetModuleFileNameW(NULL, exe, MAX_PATH);
    exe[exelen < MAX_PATH ? exelen : MAX_PATH] = 0;
    unsigned serial = (unsigned)InterlockedIncrement((volatile LONG *)&probe_serial);
    snprintf(p->id, sizeof p->id, "probe-%u", serial);
    swprintf(name, sizeof name / sizeof name[0], L"winsock-conformance-%lu-%u", (unsigned long)GetCurrentProcessId(), serial);
    WCHAR path[200];
    swprintf(path, sizeof path / sizeof path[0], L"\\\\.\\pipe\\%ls-calls", name);
    p->calls = CreateNamedPipeW(path, PIPE_ACCESS_OUTBOUND | FILE_FLAG_OVERLAPPED | FILE_FLAG_FIRST_PIPE_INSTANCE, PIPE_TYPE_BYTE | PIPE_WAIT, 1, 65536, 65536,
                                0, NULL);
    swprintf(path, sizeof path / sizeof path[0], L"\\\\.\\pipe\\%ls-answers", name);
    p->answers = CreateNamedPipeW(path, PIPE_ACCESS_INBOUND | FILE_FLAG_OVERLAPPED | FILE_FLAG_FIRST_PIPE_INSTANCE, PIPE_TYPE_BYTE | PIPE_WAIT, 1, 65536, 65536,
                                  0, NULL);
    if (p->calls == INVALID_HANDLE_VALUE || p->answers == INVALID_HANDLE_VALUE) {
        snprintf(why, whylen, "could not start a probe process: CreateNamedPipe failed (%lu)", (unsigned long)GetLastError());
        if (p->calls != INVALID_HANDLE_VALUE) CloseHandle(p->calls);
        if (p->answers != INVALID_HANDLE_VALUE) CloseHandle(p->answers);
        free(p);
        return NULL;
    }
    swprintf(command, sizeof command / sizeof command[0], L"\"%ls\" --probe --pipe %ls --parent %lu%ls", exe, name, (unsigned long)GetCurrentProcessId(), opts.verbose ? L" --verbose" : L"");
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    /* No handle is inherited: not the control socket, not a scenario's sockets. */
    if (!CreateProcessW(exe, command, NULL, NULL, FALSE, CREATE_NO_WINDOW, NULL, NULL, &si, &pi)) {
        snprintf(why, whylen, "could not start a probe process: CreateProcess failed (%lu)", (unsigned long)GetLastError());
        CloseHandle(p->calls);
        CloseHandle(p->answers);
        free(p);
        return NULL;
    }
    CloseHandle(pi.hThread);
    p->process = pi.hProcess;
    InitializeCriticalSection(&p->write_lock);
    p->refs = 3; /* the list's, the reader's and the caller's */
    EnterCriticalSection(&probes_lock);
    p->next = probes;
    probes = p;
    LeaveCriticalSection(&probes_lock);
    HANDLE reader = CreateThread(NULL, 64 * 1024, probe_reader, p, STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
    if (!reader) {
        TerminateProcess(p->process, 1);
        snprintf(why, whylen, "could not start a probe process: no thread to read it");
        probe_exited(p);
        probe_put(p);
        probe_put(p);
        probe_put(p);
        return NULL;
    }
    CloseHandle(reader);
    agent_log("%s started (pid %lu)", p->id, (unsigned long)pi.dwProcessId);
    return p;
}

/** The probe `id` of session `owner`, with a reference the caller puts; NULL if there is none. */
static struct probe *find_probe(const char *id, unsigned long owner) {
    struct probe *found = NULL;
    EnterCriticalSection(&probes_lock);
    for (struct probe *p = probes; p; p = p->next)
        if (p->owner == owner && !p->spawn_pending && p->ready && strcmp(p->id, id) == 0) found = p;
    if (found) InterlockedIncrement(&found->refs);
    LeaveCriticalSection(&probes_lock);
    return found;
}

static int add_pending(struct probe *p, long long id) {
    EnterCriticalSection(&probes_lock);
    if (p->npending == p->cappending) {
        size_t cap = p->cappending ? p->cappending * 2 : 16;
        long long *more = (long long *)realloc(p->pending, cap * sizeof *more);
        if (!more) {
            LeaveCriticalSection(&probes_lock);
            return -1;
        }
        p->pending = more;
        p->cappending = cap;
    }
    p->pending[p->npending++] = id;
    LeaveCriticalSection(&probes_lock);
    return 0;
}

static void spawn(long long id, unsigned long generation) {
    char why[200];
    /* The spare's reference becomes this function's. */
    EnterCriticalSection(&probes_lock);
    struct probe *p = spare;
    spare = NULL;
    LeaveCriticalSection(&probes_lock);
    if (!p && !(p = start_probe(why, sizeof why))) {
        send_error(&control, generation, &id, why);
        return;
    }
    EnterCriticalSection(&probes_lock);
    if (p->exited) {
        snprintf(why, sizeof why, "the probe process exited before it was ready");
        send_error(&control, generation, &id, why);
    } else {
        p->owner = generation;
        p->spawn_id = id;
        p->spawn_pending = 1;
        if (p->ready) {
            p->spawn_pending = 0;
            send_spawned(p);
        }
    }
    LeaveCriticalSection(&probes_lock);
    probe_put(p);
}

static DWORD WINAPI kill_later(LPVOID arg) {
    HANDLE process = (HANDLE)arg;
    if (WaitForSingleObject(process, 5000) == WAIT_TIMEOUT) TerminateProcess(process, 1);
    CloseHandle(process);
    return 0;
}

/** Releasing a probe ends it: it answers "released", then exits (or is ended 5 s later). */
static void release_probe(struct probe *p, long long id) {
    char text[80];
    HANDLE process;
    snprintf(text, sizeof text, "{\"type\":\"release\",\"id\":%lld}\n", id);
    if (add_pending(p, id) != 0 || probe_write(p, text, strlen(text)) != 0) TerminateProcess(p->process, 1);
    if (DuplicateHandle(GetCurrentProcess(), p->process, GetCurrentProcess(), &process, 0, FALSE, DUPLICATE_SAME_ACCESS)) {
        HANDLE t = CreateThread(NULL, 64 * 1024, kill_later, process, STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
        if (t) CloseHandle(t);
        else CloseHandle(process);
    }
}

/** End every probe of session `owner` (its connection is over). */
static void end_probes_of(unsigned long owner) {
    EnterCriticalSection(&probes_lock);
    for (struct probe *p = probes; p; p = p->next)
        if (p->owner == owner) TerminateProcess(p->process, 1);
    LeaveCriticalSection(&probes_lock);
}

/* ---- the session: one controller connection ------------------------------------------------------ */

struct session {
    SOCKET socket;
    unsigned long generation;
    int greeted, over, shutdown, refused;
};

static void release_main(long long id, unsigned long generation) {
    struct out closed = {0}, line = {0};
    executor_release(&closed);
    if (opts.verbose) agent_log("released main: %.*s", (int)closed.n, closed.p ? closed.p : "");
    out_text(&line, "{\"type\":\"released\",\"id\":");
    out_int(&line, id);
    out_text(&line, ",\"closed\":");
    out_raw(&line, closed.p ? closed.p : "[]", closed.p ? closed.n : 2);
    out_text(&line, "}");
    channel_send(&control, generation, &line);
    out_free(&line);
    out_free(&closed);
}

/** Answer an error and hang up: the stream can no longer be trusted. */
static int refuse(struct session *s, const long long *id, const char *message) {
    agent_log("refusing: %s", message);
    send_error(&control, s->generation, id, message);
    s->over = 1;
    s->refused = 1;
    return 1;
}

static void version_text(struct out *o, double v) {
    char text[40];
    if (v == (double)(long long)v) out_int(o, (long long)v);
    else {
        snprintf(text, sizeof text, "%.17g", v);
        out_text(o, text);
    }
}

static int session_line(void *ctx, char *line, size_t len) {
    struct session *s = (struct session *)ctx;
    struct json_doc doc;
    struct request req;
    char why[200];
    size_t blank = 0;
    while (blank < len && (line[blank] == ' ' || line[blank] == '\t' || line[blank] == '\r')) blank++;
    if (blank == len) return 0;
    if (opts.verbose) agent_log("<- %.*s", len > 2000 ? 2000 : (int)len, line);
    struct out refusal = {0};
    if (read_request(&doc, line, len, &req, &refusal) != 0) {
        agent_log("refusing: %.2000s", refusal.p ? refusal.p : "");
        channel_send(&control, s->generation, &refusal);
        out_free(&refusal);
        s->over = 1;
        s->refused = 1;
        return 1;
    }
    static const char *const names[] = {"hello", "call", "spawn", "release", "shutdown"};
    int stop = 0;
    if (!s->greeted) {
        if (req.type != REQ_HELLO) {
            snprintf(why, sizeof why, "the first message must be \"hello\", not \"%s\"", names[req.type]);
            stop = refuse(s, &req.id, why);
        } else if (req.protocol != PROTOCOL_VERSION) {
            struct out message = {0};
            out_text(&message, "control protocol mismatch: the controller speaks version ");
            version_text(&message, req.protocol);
            out_text(&message, ", this side speaks version 1");
            stop = refuse(s, &req.id, message.failed ? "control protocol mismatch" : message.p);
            out_free(&message);
        } else {
            struct out hello = {0};
            s->greeted = 1;
            agent_log("controller \"%.200s\" connected", req.client);
            out_text(&hello, "{\"type\":\"hello\",\"id\":");
            out_int(&hello, req.id);
            out_text(&hello, ",\"protocol\":1,\"agent\":");
            facts_json(&hello);
            out_text(&hello, "}");
            channel_send(&control, s->generation, &hello);
            out_free(&hello);
        }
        json_free(&doc);
        return stop;
    }
    switch (req.type) {
    case REQ_HELLO:
        send_error(&control, s->generation, &req.id, "hello was already exchanged");
        break;
    case REQ_CALL:
        if (req.process && strcmp(req.process, "main") != 0) {
            struct probe *p = find_probe(req.process, s->generation);
            if (!p) {
                snprintf(why, sizeof why, "no process \"%.100s\"", req.process);
                send_error(&control, s->generation, &req.id, why);
                break;
            }
            if (add_pending(p, req.id) != 0 || probe_write(p, line, len) != 0 || probe_write(p, "\n", 1) != 0) TerminateProcess(p->process, 1);
            probe_put(p);
        } else {
            struct call c;
            struct out err = {0};
            if (decode_call(req.call, socket_max(), &c, &err) != 0) {
                send_error(&control, s->generation, &req.id, err.failed || !err.p ? "bad call" : err.p);
                call_free(&c);
            } else {
                executor_run(&c, req.id, req.bound_ms, &control, s->generation);
            }
            out_free(&err);
        }
        break;
    case REQ_SPAWN:
        spawn(req.id, s->generation);
        break;
    case REQ_RELEASE:
        if (!req.process || strcmp(req.process, "main") == 0) {
            release_main(req.id, s->generation);
        } else {
            struct probe *p = find_probe(req.process, s->generation);
            if (p) {
                release_probe(p, req.id);
                probe_put(p);
            } else {
                struct out reply = {0};
                out_text(&reply, "{\"type\":\"released\",\"id\":");
                out_int(&reply, req.id);
                out_text(&reply, ",\"closed\":[]}");
                channel_send(&control, s->generation, &reply);
                out_free(&reply);
            }
        }
        break;
    case REQ_SHUTDOWN: {
        struct out closed = {0}, bye = {0};
        executor_release(&closed);
        end_probes_of(s->generation);
        out_text(&bye, "{\"type\":\"bye\",\"id\":");
        out_int(&bye, req.id);
        out_text(&bye, "}");
        channel_send(&control, s->generation, &bye);
        out_free(&bye);
        out_free(&closed);
        s->shutdown = 1;
        s->over = 1;
        stop = 1;
        break;
    }
    }
    json_free(&doc);
    return stop;
}

/** Serve one controller until it leaves, breaks the protocol or asks to shut down; 1 after a shutdown. */
static int serve_session(SOCKET sock, unsigned long generation) {
    struct session s = {sock, generation, 0, 0, 0, 0};
    struct lines lb = {0};
    char why[200];
    char *buf = (char *)malloc(65536);
    BOOL on = TRUE;
    setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, (const char *)&on, sizeof on);
    while (buf && !s.over) {
        int got = recv(sock, buf, 65536, 0);
        if (got <= 0) break;
        int rc = lines_push(&lb, buf, (size_t)got, session_line, &s, why, sizeof why);
        if (rc < 0) refuse(&s, NULL, why);
    }
    free(buf);
    lines_free(&lb);
    /* Closed for answers first, so that no worker writes after the goodbye. */
    EnterCriticalSection(&control.lock);
    control.open = 0;
    LeaveCriticalSection(&control.lock);
    if (!s.shutdown) {
        struct out closed = {0};
        executor_release(&closed);
        end_probes_of(generation);
        out_free(&closed);
    }
    agent_log(s.shutdown ? "shutdown requested" : "controller disconnected");
    /* A graceful close: what was sent arrives before the FIN. After a refusal, a short drain first, so
     * that unread bytes of the controller's do not turn the close into a reset that could lose the error
     * line. (Not after a shutdown: the controller sends nothing more, and waits for this process to end.) */
    shutdown(sock, SD_SEND);
    if (s.refused) {
        DWORD drain = 2000;
        setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, (const char *)&drain, sizeof drain);
        char sink[4096];
        while (recv(sock, sink, sizeof sink, 0) > 0) {
        }
    }
    closesocket(sock);
    return s.shutdown;
}

static DWORD WINAPI session_thread(LPVOID arg) {
    SOCKET sock = (SOCKET)(ULONG_PTR)arg;
    EnterCriticalSection(&control.lock);
    unsigned long generation = control.generation;
    LeaveCriticalSection(&control.lock);
    if (serve_session(sock, generation) || opts.single) ExitProcess(0);
    return 0;
}

/* ---- the probe process ----------------------------------------------------------------------------- */

static struct channel answers;

static int probe_request(void *ctx, char *line, size_t len) {
    struct json_doc doc;
    struct request req;
    char why[200];
    (void)ctx;
    if (parse_request(&doc, line, len, &req, why, sizeof why) != 0) return 0;
    if (req.type == REQ_CALL) {
        struct call c;
        struct out err = {0};
        if (decode_call(req.call, socket_max(), &c, &err) != 0) {
            send_error(&answers, 0, &req.id, err.failed || !err.p ? "bad call" : err.p);
            call_free(&c);
        } else {
            executor_run(&c, req.id, req.bound_ms, &answers, 0);
        }
        out_free(&err);
    } else if (req.type == REQ_RELEASE || req.type == REQ_SHUTDOWN) {
        struct out closed = {0}, reply = {0};
        executor_release(&closed);
        out_text(&reply, "{\"type\":\"released\",\"id\":");
        out_int(&reply, req.id);
        out_text(&reply, ",\"closed\":");
        out_raw(&reply, closed.p ? closed.p : "[]", closed.p ? closed.n : 2);
        out_text(&reply, "}");
        channel_send(&answers, 0, &reply);
        ExitProcess(0);
    }
    json_free(&doc);
    return 0;
}

static int probe_main(void) {
    WCHAR path[200];
    swprintf(path, sizeof path / sizeof path[0], L"\\\\.\\pipe\\%hs-calls", opts.pipe);
    HANDLE calls = CreateFileW(path, GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
    swprintf(path, sizeof path / sizeof path[0], L"\\\\.\\pipe\\%hs-answers", opts.pipe);
    HANDLE out = CreateFileW(path, GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
    if (calls == INVALID_HANDLE_VALUE || out == INVALID_HANDLE_VALUE) return 6;
    channel_init(&answers);
    answers.pipe = out;
    answers.open = 1;
    /* Winsock cleaned up to zero: this process is one where it is not initialised. */
    int cleanups = 0, error = 0;
    for (; cleanups < 1000; cleanups++) {
        if (WSACleanup() != 0) {
            error = WSAGetLastError();
            break;
        }
    }
    char ready[96];
    snprintf(ready, sizeof ready, "{\"type\":\"ready\",\"cleanups\":%d,\"error\":%d}", cleanups, error);
    struct out line = {0};
    out_text(&line, ready);
    channel_send(&answers, 0, &line);
    out_free(&line);
    struct lines lb = {0};
    char buf[65536], why[200];
    DWORD got;
    while (ReadFile(calls, buf, sizeof buf, &got, NULL) && got > 0)
        if (lines_push(&lb, buf, got, probe_request, NULL, why, sizeof why) != 0) break;
    /* The agent is gone (or sent garbage): so is the probe. */
    return 0;
}

/* ---- main ------------------------------------------------------------------------------------------ */

static int host_port(const char *text, char *host, size_t hostlen, unsigned *port) {
    const char *colon = strrchr(text, ':');
    if (!colon || colon == text || !colon[1]) return -1;
    unsigned long p = 0;
    for (const char *d = colon + 1; *d; d++) {
        if (*d < '0' || *d > '9' || p > 65535) return -1;
        p = p * 10 + (unsigned long)(*d - '0');
    }
    if (p > 65535) return -1;
    size_t n = (size_t)(colon - text);
    if (text[0] == '[' && n >= 2 && text[n - 1] == ']') text++, n -= 2;
    if (n >= hostlen) return -1;
    memcpy(host, text, n);
    host[n] = '\0';
    *port = (unsigned)p;
    return 0;
}

static int usage(const char *message) {
    fprintf(stderr, "agent: %s\n", message);
    return 2;
}

static int parse_args(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_value = i + 1 < argc;
        char message[200];
        if (strcmp(a, "--listen") == 0 || strcmp(a, "--announce") == 0 || strcmp(a, "--pipe") == 0) {
            if (!has_value) {
                snprintf(message, sizeof message, "%s needs a value", a);
                return usage(message);
            }
            const char *v = argv[++i];
            int bad = 0;
            if (strcmp(a, "--listen") == 0) bad = host_port(v, opts.listen_host, sizeof opts.listen_host, &opts.listen_port);
            else if (strcmp(a, "--announce") == 0) bad = host_port(v, opts.announce_host, sizeof opts.announce_host, &opts.announce_port), opts.announce = 1;
            else if (strlen(v) >= sizeof opts.pipe) bad = 1;
            else strcpy(opts.pipe, v);
            if (bad) {
                snprintf(message, sizeof message, "%s wants HOST:PORT, not \"%.100s\"", a, v);
                return usage(message);
            }
        } else if (strcmp(a, "--parent") == 0) {
            /* Decimal digits by hand: no C library function beyond those already checked against XP. */
            const char *v = has_value ? argv[++i] : "";
            unsigned long pid = 0;
            for (; *v >= '0' && *v <= '9' && pid <= 0xfffffffUL; v++) pid = pid * 10 + (unsigned long)(*v - '0');
            if (pid == 0 || *v != '\0') return usage("--parent wants the agent's process id");
            opts.parent = pid;
        } else if (strcmp(a, "--single") == 0) opts.single = 1;
        else if (strcmp(a, "--verbose") == 0) opts.verbose = 1;
        else if (strcmp(a, "--probe") == 0) opts.probe = 1;
        else {
            snprintf(message, sizeof message, "unknown argument %.100s", a);
            return usage(message);
        }
    }
    return 0;
}

static SOCKET listen_on(const char *host, unsigned port, struct sockaddr_bytes *bound) {
    struct sockaddr_bytes sa;
    if (sockaddr_of(host, port, &sa) != 0) return INVALID_SOCKET;
    SOCKET s = socket(sa.bytes[0], SOCK_STREAM, IPPROTO_TCP);
    if (s == INVALID_SOCKET) return s;
    /* No other process may take the port while it is ours. */
    BOOL on = TRUE;
    setsockopt(s, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, (const char *)&on, sizeof on);
    int len = (int)sizeof bound->bytes;
    if (bind(s, (const struct sockaddr *)sa.bytes, sa.len) != 0 || listen(s, 8) != 0 ||
        getsockname(s, (struct sockaddr *)bound->bytes, &len) != 0) {
        closesocket(s);
        return INVALID_SOCKET;
    }
    bound->len = len;
    return s;
}

static int announce(unsigned port) {
    struct sockaddr_bytes sa;
    char line[160];
    if (sockaddr_of(opts.announce_host, opts.announce_port, &sa) != 0) return -1;
    SOCKET s = socket(sa.bytes[0], SOCK_STREAM, IPPROTO_TCP);
    if (s == INVALID_SOCKET) return -1;
    if (connect(s, (const struct sockaddr *)sa.bytes, sa.len) != 0) {
        closesocket(s);
        return -1;
    }
    snprintf(line, sizeof line, "{\"type\":\"listening\",\"protocol\":1,\"address\":\"%s\",\"port\":%u,\"pid\":%lu}\n", opts.listen_host, port,
             (unsigned long)GetCurrentProcessId());
    int rc = send(s, line, (int)strlen(line), 0) == (int)strlen(line) ? 0 : -1;
    shutdown(s, SD_SEND);
    closesocket(s);
    return rc;
}

static int agent_main(int argc, char **argv) {
    InitializeCriticalSection(&log_lock);
    InitializeCriticalSection(&probes_lock);
    executor_init();
    int rc = parse_args(argc, argv);
    if (rc != 0) return rc;
    executor_set_parent(opts.parent);
    if (opts.probe) return probe_main();

    /* First, so that the spare probe starts while this process sets up. */
    char why[200];
    spare = start_probe(why, sizeof why);
    if (!spare) agent_log("no spare probe: %s", why);
    /* Two references, as in the node agent's process: the runtime's and the agent's own. */
    int hold = executor_startup();
    int own = executor_startup();
    struct out facts = {0};
    facts_json(&facts);
    agent_log("native agent, WSAStartup -> %d, own WSAStartup -> %d; facts %s", hold, own, facts.p ? facts.p : "");
    out_free(&facts);

    struct sockaddr_bytes bound;
    SOCKET server = listen_on(opts.listen_host, opts.listen_port, &bound);
    if (server == INVALID_SOCKET) {
        agent_log("cannot listen on %s:%u: error %d", opts.listen_host, opts.listen_port, WSAGetLastError());
        return 3;
    }
    unsigned port = (unsigned)(bound.bytes[2] << 8 | bound.bytes[3]);
    agent_log("listening on %s:%u (control protocol %d)", opts.listen_host, port, PROTOCOL_VERSION);
    if (opts.announce && announce(port) != 0) {
        agent_log("cannot announce to %s:%u: error %d", opts.announce_host, opts.announce_port, WSAGetLastError());
        return 4;
    }
    channel_init(&control);
    for (;;) {
        if (opts.single && control.generation == 0) {
            /* A controller that died before connecting leaves no agent behind. */
            fd_set ready;
            struct timeval wait = {60, 0};
            FD_ZERO(&ready);
            FD_SET(server, &ready);
            if (select(0, &ready, NULL, NULL, &wait) != 1) {
                agent_log("no controller connected within 60 s; exiting");
                return 5;
            }
        }
        SOCKET sock = accept(server, NULL, NULL);
        if (sock == INVALID_SOCKET) continue;
        EnterCriticalSection(&control.lock);
        int busy = control.open;
        LeaveCriticalSection(&control.lock);
        if (busy) {
            const char *line = "{\"type\":\"error\",\"id\":null,\"message\":\"this agent already serves a controller\"}\n";
            send(sock, line, (int)strlen(line), 0);
            shutdown(sock, SD_SEND);
            closesocket(sock);
            continue;
        }
        EnterCriticalSection(&control.lock);
        control.socket = sock;
        control.open = 1;
        ++control.generation;
        LeaveCriticalSection(&control.lock);
        /* The session has a thread of its own, so that a second controller is refused while it runs. */
        HANDLE t = CreateThread(NULL, 256 * 1024, session_thread, (LPVOID)(ULONG_PTR)sock, STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
        if (t) {
            CloseHandle(t);
        } else {
            agent_log("no thread for the session: error %lu", (unsigned long)GetLastError());
            EnterCriticalSection(&control.lock);
            control.open = 0;
            LeaveCriticalSection(&control.lock);
            closesocket(sock);
        }
    }
}

void ssp_init(void);

/* Unprotected itself: the guard is seeded here, before any protected function runs. */
__attribute__((no_stack_protector)) int main(int argc, char **argv) {
    ssp_init();
    return agent_main(argc, argv);
}
