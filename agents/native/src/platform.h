/* Windows headers for the agent, limited to the API of Windows XP SP3 (_WIN32_WINNT 0x0501): a call
 * newer than that does not compile. The one exception, RtlGetVersion (and Wine's wine_get_version), is
 * looked up at run time with GetProcAddress and does without when absent (facts.c). */
#ifndef AGENT_PLATFORM_H
#define AGENT_PLATFORM_H

#define WIN32_LEAN_AND_MEAN
#undef _WIN32_WINNT
#define _WIN32_WINNT 0x0501
#undef WINVER
#define WINVER 0x0501
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

#include "json.h"
#include "protocol.h"

/* ---- output channels: the control connection (a socket) or a probe's pipe ------------------------- */

struct channel {
    CRITICAL_SECTION lock;
    SOCKET socket;  /* INVALID_SOCKET for a pipe */
    HANDLE pipe;    /* a synchronous pipe handle (in a probe), else NULL */
    int open;
    unsigned long generation;
};

void channel_init(struct channel *ch);
/** Send one message (a line without its '\n') if the channel is still open in `generation`. */
void channel_send(struct channel *ch, unsigned long generation, const struct out *line);

/* ---- the log ------------------------------------------------------------------------------------- */

void agent_log(const char *format, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* ---- the executor: one process's calls, handles and WSAStartup balance (executor.c) --------------- */

void executor_init(void);
/** Execute one decoded call and answer it on `ch` (at once, or from a worker thread for a call that may
 *  block). Takes ownership of `c`. */
void executor_run(struct call *c, long long id, double bound_ms, struct channel *ch, unsigned long generation);
/** Close every handle minted since the last release, restore the WSAStartup count; the closed handles
 *  are written to `closed` as a JSON array. */
void executor_release(struct out *closed);
/** The largest SOCKET value of this process. */
unsigned long long socket_max(void);
/** WSAStartup(2.2); its result code. */
int executor_startup(void);
/** The process that started this one, whose handles `duplicateFromParent` duplicates: the agent, for a
 *  probe (--parent); 0 for the agent itself, where the op fails with ERROR_INVALID_PARAMETER. */
void executor_set_parent(unsigned long pid);

/** The facts of this agent's hello, as a JSON object (facts.c). */
void facts_json(struct out *o);

#endif
