/* Control protocol v1 (docs/agent-protocol.md), the part that needs no Windows: framing the byte stream
 * into lines, reading a request's envelope, and checking a call's fields into a struct call. The agent
 * (agent.c) executes what this hands it; agents/native/test/fuzz-protocol.c drives it on Linux. */
#ifndef AGENT_PROTOCOL_H
#define AGENT_PROTOCOL_H

#include <stddef.h>
#include "json.h"

/* The protocol's constants and its calls (OPS below), as agents/protocol.ts and src/core/ports.ts define them:
 * test/unit/native-protocol.test.ts holds these copies equal to those. */
#define PROTOCOL_VERSION 1
/** A line longer than this is garbage, not a message. */
#define MAX_LINE_BYTES (1024u * 1024u)
/** The largest buffer a call may ask for (a receive's `len`, WSARecvDisconnect `buffer`). */
#define MAX_CALL_BUFFER (16u * 1024u * 1024u)
/** The byte a WSARecvDisconnect buffer is filled with before the call. */
#define DISCONNECT_BUFFER_FILL 0xA5

/* ---- framing ----------------------------------------------------------------------------------- */

struct lines {
    char *buf;
    size_t n, cap, scanned;
};

/** Called with each complete line (NUL-terminated in place, its '\r' dropped); non-zero stops the push. */
typedef int (*line_fn)(void *ctx, char *line, size_t len);

/** Feed `n` bytes. 0: all taken; 1: `each` asked to stop; -1: a line over MAX_LINE_BYTES (or no memory),
 *  with the reason in `why`. */
int lines_push(struct lines *lb, const char *data, size_t n, line_fn each, void *ctx, char *why, size_t whylen);
void lines_free(struct lines *lb);

/* ---- requests ---------------------------------------------------------------------------------- */

enum request_type { REQ_HELLO, REQ_CALL, REQ_SPAWN, REQ_RELEASE, REQ_SHUTDOWN };

struct request {
    enum request_type type;
    long long id;
    double protocol;      /* hello */
    const char *client;   /* hello; "" when absent */
    const char *process;  /* call, release: NULL means "main" */
    const struct json *call;
    double bound_ms;
};

/** Read one line's envelope. 0 and *req (pointing into doc, which the caller frees); else -1 and why
 *  (the line is not a message of this protocol: the agent answers an error and closes). */
int parse_request(struct json_doc *doc, const char *line, size_t len, struct request *req, char *why, size_t whylen);

/** An `error` answer: {"type":"error","id":ID or null,"message":...}, without its newline. */
void error_line(struct out *o, const long long *id, const char *message);

/** One line from the controller, read as the agent reads it. 0 and *req (pointing into doc, which the
 *  caller frees); or -1 and, in `refusal`, the error answer (id null) to send before closing the
 *  connection: the line is not a message of this protocol. */
int read_request(struct json_doc *doc, const char *line, size_t len, struct request *req, struct out *refusal);

/** At most 2000 characters of what arrived, as a JSON string (control bytes escaped), for an error message. */
void out_preview(struct out *o, const char *bytes, size_t n);

/* ---- calls ------------------------------------------------------------------------------------- */

/* One X per CallName (src/core/ports.ts). A new op is a case of decode_call (protocol.c) and of perform,
 * may_block and finish (executor.c), each of which lists every op with no default, so -Wswitch -Werror asks
 * for all four. docs/contributing.md, "Adding a call", lists every place. */
#define OPS(X)                                                                                        \
    X(WSAStartup) X(WSACleanup) X(socket) X(bind) X(listen) X(accept) X(connect) X(WSAConnect)         \
    X(getsockname) X(getpeername) X(send) X(sendto) X(recv) X(WSARecv) X(recvfrom) X(WSARecvFrom)      \
    X(WSARecvOverlapped) X(ReadFile) X(WSARecvDisconnect) X(WSARecvDisconnectInBlockingHook)          \
    X(shutdown) X(setLinger) X(getSocketType) X(getProtocolInfo) X(FIONREAD) X(FIONBIO) X(closesocket)  \
    X(WSAEnumProtocols) X(createNonSocketHandle) X(duplicateFromParent) X(resolveExport)

#define OP_ENUM(name) OP_##name,
enum op { OPS(OP_ENUM) OP_COUNT };
#undef OP_ENUM
extern const char *const OP_NAMES[OP_COUNT];

/** A SOCKADDR_IN (16 bytes) or SOCKADDR_IN6 (28 bytes), laid out as Windows lays them out. */
struct sockaddr_bytes {
    unsigned char bytes[28];
    int len;
};

struct call {
    enum op op;
    unsigned long long s;
    /* WSARecvDisconnectInBlockingHook: blockingOn, the socket its recv blocks on (s is WSARecvDisconnect's). */
    unsigned long long t;
    /* The op's integer fields, in the order of the protocol's table: version; af, type, protocol;
     * backlog; len, flags; waitMs; how; onoff, seconds; nonBlocking. */
    long long a, b, c;
    int has_buffer; /* WSARecvDisconnect: 0 passes NULL */
    struct sockaddr_bytes to;
    unsigned char *data; /* send, sendto: malloc'd; call_free releases it */
    size_t data_len;
    const char *module, *symbol; /* resolveExport: inside the request's document */
};

/** Check a call's fields. 0 and *c; else -1 and the reason in err (answered as an `error`, the
 *  connection kept). `socket_max` is the largest SOCKET value of this process. */
int decode_call(const struct json *call, unsigned long long socket_max, struct call *c, struct out *err);
void call_free(struct call *c);

/** The endpoint in a SOCKADDR_IN/SOCKADDR_IN6 of `len` bytes, as `{"address":..,"port":..}`; 0 if the
 *  family is neither (nothing written). */
int out_endpoint(struct out *o, const unsigned char *sa, size_t len);



/** A numeric IPv4 or IPv6 address (as a call's endpoint takes it; "localhost" is 127.0.0.1) and a port,
 *  as a SOCKADDR: 0, or -1 when the address is neither. For the agent's --listen and --announce. */
int sockaddr_of(const char *address, unsigned port, struct sockaddr_bytes *sa);
#endif
