/* See protocol.h. Messages and checks follow the node agent's (agents/protocol.ts, agents/node/calls.ts), so
 * that both agents refuse the same requests with the same words. */
#include "protocol.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OP_NAME(name) #name,
const char *const OP_NAMES[OP_COUNT] = {OPS(OP_NAME)};
#undef OP_NAME

/* ---- framing ----------------------------------------------------------------------------------- */

int lines_push(struct lines *lb, const char *data, size_t n, line_fn each, void *ctx, char *why, size_t whylen) {
    if (lb->cap - lb->n < n + 1) {
        size_t cap = lb->cap ? lb->cap : 4096;
        while (cap - lb->n < n + 1) cap *= 2;
        char *p = (char *)realloc(lb->buf, cap);
        if (!p) {
            snprintf(why, whylen, "out of memory for a line");
            return -1;
        }
        lb->buf = p;
        lb->cap = cap;
    }
    memcpy(lb->buf + lb->n, data, n);
    lb->n += n;
    size_t start = 0;
    int rc = 0;
    for (;;) {
        char *nl = (char *)memchr(lb->buf + lb->scanned, '\n', lb->n - lb->scanned);
        if (!nl) {
            lb->scanned = lb->n;
            break;
        }
        size_t len = (size_t)(nl - (lb->buf + start));
        if (len > MAX_LINE_BYTES) {
            snprintf(why, whylen, "a line of %lu bytes exceeds the limit of %u", (unsigned long)len, MAX_LINE_BYTES);
            return -1;
        }
        *nl = '\0';
        if (len > 0 && lb->buf[start + len - 1] == '\r') lb->buf[start + --len] = '\0';
        lb->scanned = (size_t)(nl - lb->buf) + 1;
        rc = each(ctx, lb->buf + start, len);
        start = lb->scanned;
        if (rc != 0) break;
    }
    if (start > 0) {
        memmove(lb->buf, lb->buf + start, lb->n - start);
        lb->n -= start;
        lb->scanned -= start;
    }
    if (rc != 0) return 1;
    if (lb->n > MAX_LINE_BYTES) {
        snprintf(why, whylen, "more than %u bytes without a newline", MAX_LINE_BYTES);
        return -1;
    }
    return 0;
}

void lines_free(struct lines *lb) {
    free(lb->buf);
    memset(lb, 0, sizeof *lb);
}

/* ---- requests ---------------------------------------------------------------------------------- */

void out_preview(struct out *o, const char *bytes, size_t n) {
    /* The bytes as Latin-1 text: each byte one character, so that garbage shows as what arrived. */
    struct out text = {0};
    size_t shown = n > 2000 ? 2000 : n;
    for (size_t i = 0; i < shown; i++) {
        unsigned char c = (unsigned char)bytes[i];
        char u[2];
        if (c < 0x80) {
            u[0] = (char)c;
            out_raw(&text, u, 1);
        } else {
            u[0] = (char)(0xC0 | (c >> 6));
            u[1] = (char)(0x80 | (c & 0x3F));
            out_raw(&text, u, 2);
        }
    }
    if (n > shown) {
        out_text(&text, "... (");
        out_uint(&text, n);
        out_text(&text, " characters)");
    }
    out_string(o, text.p ? text.p : "", text.n);
    out_free(&text);
}

/** 2^53 - 1: the largest integer both sides hold exactly (JavaScript's Number.MAX_SAFE_INTEGER). */
#define MAX_SAFE_INTEGER 9007199254740991.0

static const char *type_of(const struct json *v) {
    return v && v->kind == JSON_STRING ? v->str : "";
}

int parse_request(struct json_doc *doc, const char *line, size_t len, struct request *req, char *why, size_t whylen) {
    char reason[160];
    memset(req, 0, sizeof *req);
    if (json_parse(doc, line, len, reason, sizeof reason) != 0) {
        snprintf(why, whylen, "%s", reason);
        return -1;
    }
    const struct json *root = doc->root;
    const char *problem = NULL;
    if (root->kind != JSON_OBJECT) problem = "not a JSON object";
    const struct json *type = json_get(root, "type");
    if (!problem && (!type || type->kind != JSON_STRING)) problem = "no \"type\" field";
    if (problem) {
        snprintf(why, whylen, "%s", problem);
        json_free(doc);
        return -1;
    }
    const char *t = type_of(type);
    if (!json_integer(json_get(root, "id"), -MAX_SAFE_INTEGER, MAX_SAFE_INTEGER, &req->id)) {
        snprintf(why, whylen, "\"%.40s\" without an integer \"id\"", t);
        json_free(doc);
        return -1;
    }
    const struct json *process = json_get(root, "process");
    if (process && (process->kind != JSON_STRING || strlen(process->str) != process->len)) {
        snprintf(why, whylen, "\"process\" must be a string");
        json_free(doc);
        return -1;
    }
    if (strcmp(t, "hello") == 0 && type->len == 5) {
        const struct json *protocol = json_get(root, "protocol");
        const struct json *client = json_get(root, "client");
        if (!protocol || protocol->kind != JSON_NUMBER) problem = "\"hello\" without a numeric \"protocol\"";
        req->type = REQ_HELLO;
        req->protocol = protocol ? protocol->number : 0;
        req->client = client && client->kind == JSON_STRING ? client->str : "";
    } else if (strcmp(t, "call") == 0 && type->len == 4) {
        const struct json *call = json_get(root, "call");
        const struct json *bound = json_get(root, "boundMs");
        const struct json *op = json_get(call, "op");
        if (!call || call->kind != JSON_OBJECT || !op || op->kind != JSON_STRING) problem = "\"call\" without a \"call\" object with an \"op\"";
        else if (!bound || bound->kind != JSON_NUMBER || !(bound->number >= 0)) problem = "\"call\" without a non-negative \"boundMs\"";
        req->type = REQ_CALL;
        req->call = call;
        req->bound_ms = bound && bound->kind == JSON_NUMBER ? bound->number : 0;
        req->process = process ? process->str : NULL;
    } else if (strcmp(t, "spawn") == 0 && type->len == 5) {
        req->type = REQ_SPAWN;
    } else if (strcmp(t, "release") == 0 && type->len == 7) {
        req->type = REQ_RELEASE;
        req->process = process ? process->str : NULL;
    } else if (strcmp(t, "shutdown") == 0 && type->len == 8) {
        req->type = REQ_SHUTDOWN;
    } else {
        snprintf(why, whylen, "unknown message type \"%.60s\"", t);
        json_free(doc);
        return -1;
    }
    if (problem) {
        snprintf(why, whylen, "%s", problem);
        json_free(doc);
        return -1;
    }
    return 0;
}

void error_line(struct out *o, const long long *id, const char *message) {
    out_text(o, "{\"type\":\"error\",\"id\":");
    if (id) out_int(o, *id);
    else out_text(o, "null");
    out_text(o, ",\"message\":");
    out_cstring(o, message);
    out_text(o, "}");
}

int read_request(struct json_doc *doc, const char *line, size_t len, struct request *req, struct out *refusal) {
    char why[200];
    if (parse_request(doc, line, len, req, why, sizeof why) == 0) return 0;
    struct out message = {0};
    out_text(&message, "unreadable request (");
    out_text(&message, why);
    out_text(&message, ": ");
    out_preview(&message, line, len);
    out_text(&message, ")");
    error_line(refusal, NULL, message.failed ? "unreadable request" : message.p);
    out_free(&message);
    return -1;
}

/* ---- calls ------------------------------------------------------------------------------------- */

static int bad(struct out *err, const char *field, const char *what) {
    out_text(err, field);
    out_text(err, what);
    return -1;
}

static int int_field(const struct json *call, const char *field, double min, double max, long long *out, struct out *err) {
    if (json_integer(json_get(call, field), min, max, out)) return 0;
    return bad(err, field, json_get(call, field) && json_get(call, field)->kind == JSON_NUMBER ? " is out of range for its C type" : " must be an integer");
}

#define C_INT_MIN (-2147483648.0)
#define C_INT_MAX 2147483647.0

/** The handle in the call's field `name` (`s`, or another socket the call names). */
static int named_handle_field(const struct json *call, const char *name, unsigned long long socket_max, unsigned long long *out, struct out *err) {
    const struct json *v = json_get(call, name);
    if (!v || v->kind != JSON_STRING || v->len == 0 || strlen(v->str) != v->len)
        return bad(err, "handle", " must be a hex string like \"0x1a4\"");
    const char *p = v->str;
    unsigned base = 10;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
        if (!*p) return bad(err, "handle", " must be a hex string like \"0x1a4\"");
    }
    unsigned long long value = 0;
    for (; *p; p++) {
        unsigned digit;
        if (*p >= '0' && *p <= '9') digit = (unsigned)(*p - '0');
        else if (base == 16 && *p >= 'a' && *p <= 'f') digit = (unsigned)(*p - 'a' + 10);
        else if (base == 16 && *p >= 'A' && *p <= 'F') digit = (unsigned)(*p - 'A' + 10);
        else return bad(err, "handle", " must be a hex string like \"0x1a4\"");
        if (value > (socket_max - digit) / base) {
            out_text(err, "handle ");
            out_text(err, v->str);
            out_text(err, " does not fit in a SOCKET");
            return -1;
        }
        value = value * base + digit;
    }
    *out = value;
    return 0;
}

static int handle_field(const struct json *call, unsigned long long socket_max, unsigned long long *out, struct out *err) {
    return named_handle_field(call, "s", socket_max, out, err);
}

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int data_field(const struct json *call, struct call *c, struct out *err) {
    const struct json *v = json_get(call, "data");
    if (!v || v->kind != JSON_STRING || v->len % 2 != 0) return bad(err, "data", " must be hex bytes");
    c->data_len = v->len / 2;
    c->data = (unsigned char *)malloc(c->data_len ? c->data_len : 1);
    if (!c->data) return bad(err, "data", ": out of memory");
    for (size_t i = 0; i < c->data_len; i++) {
        int hi = hex_value(v->str[2 * i]), lo = hex_value(v->str[2 * i + 1]);
        if (hi < 0 || lo < 0) return bad(err, "data", " must be hex bytes");
        c->data[i] = (unsigned char)(hi * 16 + lo);
    }
    return 0;
}

/** Dotted IPv4 as the node agent reads it: four parts of one to three digits, each at most 255. */
static int parse_ipv4(const char *s, size_t n, unsigned char out[4]) {
    size_t part = 0, digits = 0;
    unsigned value = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '.') {
            if (digits == 0 || value > 255 || part > 3) return 0;
            out[part++] = (unsigned char)value;
            value = 0;
            digits = 0;
        } else if (s[i] >= '0' && s[i] <= '9' && digits < 3) {
            value = value * 10u + (unsigned)(s[i] - '0');
            digits++;
        } else {
            return 0;
        }
    }
    return part == 4;
}

/** The 16-bit groups of one half of an IPv6 address (either side of "::"); -1 if malformed. */
static int ipv6_groups(const char *s, size_t n, unsigned groups[8]) {
    int count = 0;
    if (n == 0) return 0;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != ':') continue;
        size_t len = i - start;
        const char *piece = s + start;
        int last = i == n;
        if (last && memchr(piece, '.', len)) {
            unsigned char v4[4];
            if (count > 6 || !parse_ipv4(piece, len, v4)) return -1;
            groups[count++] = (unsigned)(v4[0] << 8 | v4[1]);
            groups[count++] = (unsigned)(v4[2] << 8 | v4[3]);
        } else {
            unsigned value = 0;
            if (len < 1 || len > 4 || count > 7) return -1;
            for (size_t k = 0; k < len; k++) {
                int d = hex_value(piece[k]);
                if (d < 0) return -1;
                value = value * 16u + (unsigned)d;
            }
            groups[count++] = value;
        }
        start = i + 1;
    }
    return count;
}

static int parse_ipv6(const char *s, size_t n, unsigned char out[16]) {
    /* Brackets and a zone (%...) are dropped, as the node agent does. */
    if (n > 0 && s[0] == '[') s++, n--;
    if (n > 0 && s[n - 1] == ']') n--;
    const char *zone = (const char *)memchr(s, '%', n);
    if (zone) n = (size_t)(zone - s);
    if (!memchr(s, ':', n)) return 0;
    const char *gap = NULL;
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] == ':' && s[i + 1] == ':') {
            if (gap) return 0;
            gap = s + i;
            i++;
        }
    }
    unsigned head[8], tail[8];
    int nh = ipv6_groups(s, gap ? (size_t)(gap - s) : n, head);
    int nt = gap ? ipv6_groups(gap + 2, n - (size_t)(gap + 2 - s), tail) : 0;
    if (nh < 0 || nt < 0) return 0;
    int missing = 8 - nh - nt;
    if (gap ? missing < 1 : missing != 0) return 0;
    unsigned all[8];
    int k = 0;
    for (int i = 0; i < nh; i++) all[k++] = head[i];
    for (int i = 0; i < missing; i++) all[k++] = 0;
    for (int i = 0; i < nt; i++) all[k++] = tail[i];
    for (int i = 0; i < 8; i++) out[2 * i] = (unsigned char)(all[i] >> 8), out[2 * i + 1] = (unsigned char)(all[i] & 0xFF);
    return 1;
}

static int endpoint_field(const struct json *call, struct sockaddr_bytes *sa, struct out *err) {
    const struct json *v = json_get(call, "to");
    const struct json *address = json_get(v, "address");
    const struct json *port = json_get(v, "port");
    long long p;
    if (!address || address->kind != JSON_STRING || !port || port->kind != JSON_NUMBER) return bad(err, "to", ": to must be {address, port}");
    if (!json_integer(port, 0, 65535, &p)) return bad(err, "to", ": bad port");
    memset(sa, 0, sizeof *sa);
    unsigned char v4[4], v6[16];
    if (strlen(address->str) == address->len && parse_ipv4(address->str, address->len, v4)) {
        sa->bytes[0] = 2; /* AF_INET, little-endian */
        memcpy(sa->bytes + 4, v4, 4);
        sa->len = 16;
    } else if (strlen(address->str) == address->len && parse_ipv6(address->str, address->len, v6)) {
        sa->bytes[0] = 23; /* AF_INET6 */
        memcpy(sa->bytes + 8, v6, 16);
        sa->len = 28;
    } else {
        out_text(err, "to: not an IPv4 or IPv6 address: ");
        out_string(err, address->str, address->len);
        return -1;
    }
    sa->bytes[2] = (unsigned char)(p >> 8);
    sa->bytes[3] = (unsigned char)(p & 0xFF);
    return 0;
}

static int string_field(const struct json *call, const char *field, const char **out) {
    const struct json *v = json_get(call, field);
    if (!v || v->kind != JSON_STRING || strlen(v->str) != v->len) return -1;
    *out = v->str;
    return 0;
}

int decode_call(const struct json *call, unsigned long long socket_max, struct call *c, struct out *err) {
    memset(c, 0, sizeof *c);
    const struct json *op = json_get(call, "op");
    int found = -1;
    for (int i = 0; op && op->kind == JSON_STRING && i < OP_COUNT; i++)
        if (strlen(OP_NAMES[i]) == op->len && memcmp(OP_NAMES[i], op->str, op->len) == 0) found = i;
    if (found < 0) {
        out_text(err, "unknown call op ");
        if (op && op->kind == JSON_STRING) out_string(err, op->str, op->len);
        else out_text(err, "(not a string)");
        out_text(err, "; this agent executes ");
        for (int i = 0; i < OP_COUNT; i++) {
            if (i) out_text(err, ", ");
            out_text(err, OP_NAMES[i]);
        }
        return -1;
    }
    c->op = (enum op)found;
    switch (c->op) {
    case OP_WSAStartup:
        return int_field(call, "version", 0, 65535, &c->a, err);
    case OP_WSACleanup:
    case OP_WSAEnumProtocols:
    case OP_createNonSocketHandle:
        return 0;
    case OP_socket:
        if (int_field(call, "af", C_INT_MIN, C_INT_MAX, &c->a, err) || int_field(call, "type", C_INT_MIN, C_INT_MAX, &c->b, err)) return -1;
        return int_field(call, "protocol", C_INT_MIN, C_INT_MAX, &c->c, err);
    case OP_bind:
    case OP_connect:
    case OP_WSAConnect:
        if (handle_field(call, socket_max, &c->s, err)) return -1;
        return endpoint_field(call, &c->to, err);
    case OP_listen:
        if (handle_field(call, socket_max, &c->s, err)) return -1;
        return int_field(call, "backlog", C_INT_MIN, C_INT_MAX, &c->a, err);
    case OP_accept:
    case OP_getsockname:
    case OP_getpeername:
    case OP_getSocketType:
    case OP_getProtocolInfo:
    case OP_FIONREAD:
    case OP_closesocket:
    case OP_duplicateFromParent:
        return handle_field(call, socket_max, &c->s, err);
    case OP_send:
        if (handle_field(call, socket_max, &c->s, err)) return -1;
        return data_field(call, c, err);
    case OP_sendto:
        if (handle_field(call, socket_max, &c->s, err) || data_field(call, c, err)) return -1;
        return endpoint_field(call, &c->to, err);
    case OP_recv:
    case OP_recvfrom:
        if (handle_field(call, socket_max, &c->s, err) || int_field(call, "len", 0, MAX_CALL_BUFFER, &c->a, err)) return -1;
        return int_field(call, "flags", C_INT_MIN, C_INT_MAX, &c->b, err);
    case OP_WSARecv:
    case OP_WSARecvFrom:
    case OP_WSARecvOverlapped:
    case OP_ReadFile:
        if (handle_field(call, socket_max, &c->s, err)) return -1;
        return int_field(call, "len", 0, MAX_CALL_BUFFER, &c->a, err);
    case OP_WSARecvDisconnect: {
        if (handle_field(call, socket_max, &c->s, err)) return -1;
        const struct json *buffer = json_get(call, "buffer");
        if (buffer && buffer->kind == JSON_NULL) return 0;
        c->has_buffer = 1;
        if (!json_integer(buffer, 0, MAX_CALL_BUFFER, &c->a)) return bad(err, "buffer", " must be null or a length from 0 to 16777216");
        return 0;
    }
    case OP_WSARecvDisconnectInBlockingHook:
        if (handle_field(call, socket_max, &c->s, err) || named_handle_field(call, "blockingOn", socket_max, &c->t, err)) return -1;
        return int_field(call, "waitMs", 0, C_INT_MAX, &c->a, err);
    case OP_shutdown:
        if (handle_field(call, socket_max, &c->s, err)) return -1;
        return int_field(call, "how", C_INT_MIN, C_INT_MAX, &c->a, err);
    case OP_setLinger:
        if (handle_field(call, socket_max, &c->s, err) || int_field(call, "onoff", C_INT_MIN, C_INT_MAX, &c->a, err)) return -1;
        return int_field(call, "seconds", C_INT_MIN, C_INT_MAX, &c->b, err);
    case OP_FIONBIO:
        if (handle_field(call, socket_max, &c->s, err)) return -1;
        return int_field(call, "nonBlocking", C_INT_MIN, C_INT_MAX, &c->a, err);
    case OP_resolveExport:
        if (string_field(call, "module", &c->module) || string_field(call, "symbol", &c->symbol)) {
            out_text(err, "resolveExport needs module and symbol strings");
            return -1;
        }
        return 0;
    case OP_COUNT:
        break;
    }
    return -1;
}

void call_free(struct call *c) {
    free(c->data);
    c->data = NULL;
}

/* ---- outputs ----------------------------------------------------------------------------------- */

static void out_ipv6(struct out *o, const unsigned char *b) {
    static const char digits[] = "0123456789abcdef";
    unsigned groups[8];
    int best = -1, best_len = 0;
    for (int i = 0; i < 8; i++) groups[i] = (unsigned)(b[2 * i] << 8 | b[2 * i + 1]);
    /* The first longest run of two or more zero groups is "::". */
    for (int i = 0; i < 8;) {
        if (groups[i] != 0) {
            i++;
            continue;
        }
        int j = i;
        while (j < 8 && groups[j] == 0) j++;
        if (j - i > best_len && j - i > 1) best = i, best_len = j - i;
        i = j;
    }
    for (int i = 0; i < 8; i++) {
        if (i == best) {
            out_text(o, "::");
            i += best_len - 1;
            continue;
        }
        if (i > 0 && i != best + best_len) out_text(o, ":");
        char text[5];
        int k = 0, started = 0;
        for (int shift = 12; shift >= 0; shift -= 4) {
            unsigned d = (groups[i] >> shift) & 15u;
            if (d || started || shift == 0) text[k++] = digits[d], started = 1;
        }
        out_raw(o, text, (size_t)k);
    }
}

int out_endpoint(struct out *o, const unsigned char *sa, size_t len) {
    if (len < 4) return 0;
    unsigned family = (unsigned)(sa[0] | sa[1] << 8);
    unsigned port = (unsigned)(sa[2] << 8 | sa[3]);
    struct out text = {0};
    if (family == 2 && len >= 16) {
        for (int i = 0; i < 4; i++) {
            if (i) out_text(&text, ".");
            out_uint(&text, sa[4 + i]);
        }
    } else if (family == 23 && len >= 28) {
        out_ipv6(&text, sa + 8);
    } else {
        return 0;
    }
    out_text(o, "{\"address\":");
    out_string(o, text.p ? text.p : "", text.n);
    out_text(o, ",\"port\":");
    out_uint(o, port);
    out_text(o, "}");
    out_free(&text);
    return 1;
}

int sockaddr_of(const char *address, unsigned port, struct sockaddr_bytes *sa) {
    unsigned char v4[4], v6[16];
    size_t n = strlen(address);
    memset(sa, 0, sizeof *sa);
    if (strcmp(address, "localhost") == 0) address = "127.0.0.1", n = 9;
    if (parse_ipv4(address, n, v4)) {
        sa->bytes[0] = 2;
        memcpy(sa->bytes + 4, v4, 4);
        sa->len = 16;
    } else if (parse_ipv6(address, n, v6)) {
        sa->bytes[0] = 23;
        memcpy(sa->bytes + 8, v6, 16);
        sa->len = 28;
    } else {
        return -1;
    }
    sa->bytes[2] = (unsigned char)(port >> 8);
    sa->bytes[3] = (unsigned char)(port & 0xFF);
    return 0;
}
