/* The native agent's reading of untrusted bytes, driven on Linux under AddressSanitizer and
 * UndefinedBehaviorSanitizer (test/e2e/native-parser.test.ts builds and runs it):
 *
 *   fuzz-protocol [--mutations N] [--seed S] [--seeds K] FILE...
 *
 * Each FILE is what a controller sends, byte for byte. It is fed to the agent's own code (protocol.c and
 * json.c, as agent.c uses them) in chunks of several sizes, and so are N mutations of the first K (all of
 * them by default; the rest are checked as they are, and never spliced in): bit flips,
 * insertions, deletions, truncations, splices with another file, and generated inputs (nesting bombs,
 * overlong lines and strings, random bytes). For every input, every answer must be one JSON line, and a
 * refusal (an error with id null) must end the stream: nothing is read after it. A file's result is
 * printed as one line, `NAME: refused|open, N answers[, refusal: MESSAGE]`, which the test checks; any
 * violation prints `VIOLATION ...` and exits 1; a sanitizer finding aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/json.h"
#include "../src/protocol.h"

struct session {
    int greeted, refused, answers, lines_after_refusal;
    char refusal[300];
};

static int violations;

static void violation(const char *what, const struct out *line) {
    fprintf(stderr, "VIOLATION %s: %.300s\n", what, line && line->p ? line->p : "");
    violations++;
}

/** An answer the agent would send: it must be one line of JSON, an object with a type. */
static void answer(struct session *s, const struct out *line) {
    struct json_doc doc;
    char why[160];
    s->answers++;
    if (line->failed || !line->p) return violation("an answer could not be composed", line);
    if (memchr(line->p, '\n', line->n)) violation("an answer spans lines", line);
    if (json_parse(&doc, line->p, line->n, why, sizeof why) != 0) return violation("an answer is not JSON", line);
    const struct json *type = json_get(doc.root, "type");
    if (!type || type->kind != JSON_STRING) violation("an answer without a type", line);
    json_free(&doc);
}

static void refuse(struct session *s, const struct out *line) {
    answer(s, line);
    s->refused = 1;
    snprintf(s->refusal, sizeof s->refusal, "%s", line->p ? line->p : "");
}

/* As agent.c's session_line, without the Windows calls: what it answers, and whether it hangs up. */
static int session_line(void *ctx, char *line, size_t len) {
    struct session *s = (struct session *)ctx;
    struct json_doc doc;
    struct request req;
    struct out reply = {0};
    if (s->refused) {
        s->lines_after_refusal++;
        return 1;
    }
    size_t blank = 0;
    while (blank < len && (line[blank] == ' ' || line[blank] == '\t' || line[blank] == '\r')) blank++;
    if (blank == len) return 0;
    if (read_request(&doc, line, len, &req, &reply) != 0) {
        refuse(s, &reply);
        out_free(&reply);
        return 1;
    }
    if (!s->greeted) {
        if (req.type != REQ_HELLO || req.protocol != PROTOCOL_VERSION) {
            error_line(&reply, &req.id, req.type != REQ_HELLO ? "the first message must be \"hello\"" : "control protocol mismatch");
            refuse(s, &reply);
            out_free(&reply);
            json_free(&doc);
            return 1;
        }
        s->greeted = 1;
        out_text(&reply, "{\"type\":\"hello\",\"id\":");
        out_int(&reply, req.id);
        out_text(&reply, ",\"protocol\":1,\"agent\":{}}");
    } else if (req.type == REQ_CALL) {
        struct call c;
        struct out err = {0};
        /* Both SOCKET widths: x64's and x86's. */
        unsigned long long socket_max = (req.id & 1) ? 0xFFFFFFFFull : ~0ull;
        if (decode_call(req.call, socket_max, &c, &err) != 0) {
            error_line(&reply, &req.id, err.p ? err.p : "bad call");
        } else {
            /* What the executor would write for a call's outputs: the endpoint it would send to, its data. */
            out_text(&reply, "{\"type\":\"result\",\"id\":");
            out_int(&reply, req.id);
            out_text(&reply, ",\"outcome\":{\"status\":\"returned\",\"ret\":0,\"error\":0,\"elapsedMs\":0.5,\"out\":{");
            if (c.to.len) {
                out_text(&reply, "\"endpoint\":");
                if (!out_endpoint(&reply, c.to.bytes, (size_t)c.to.len)) violation("an endpoint that does not read back", &reply);
            }
            if (c.data) {
                out_text(&reply, c.to.len ? ",\"data\":\"" : "\"data\":\"");
                out_hex(&reply, c.data, c.data_len);
                out_text(&reply, "\"");
            }
            out_text(&reply, "}}}");
        }
        call_free(&c);
        out_free(&err);
    } else {
        error_line(&reply, &req.id, "not executed by the harness");
    }
    answer(s, &reply);
    out_free(&reply);
    json_free(&doc);
    return 0;
}

/** Feed `data` in chunks of `chunk` bytes, as recv would hand them over. */
static void run(const unsigned char *data, size_t n, size_t chunk, struct session *s) {
    struct lines lb = {0};
    char why[200];
    memset(s, 0, sizeof *s);
    for (size_t at = 0; at < n && !s->refused; at += chunk) {
        size_t take = n - at < chunk ? n - at : chunk;
        int rc = lines_push(&lb, (const char *)data + at, take, session_line, s, why, sizeof why);
        if (rc < 0) {
            struct out line = {0};
            error_line(&line, NULL, why);
            refuse(s, &line);
            out_free(&line);
        }
    }
    if (s->lines_after_refusal) violation("a line was read after a refusal", NULL);
    lines_free(&lb);
}

/** Every chunking must give the same result: framing does not depend on how bytes arrive. */
static void run_all(const unsigned char *data, size_t n, struct session *first) {
    static const size_t chunks[] = {65536, 1, 7, 4096};
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        struct session s;
        /* Byte by byte, a megabyte takes minutes under the sanitizers: small chunks for small inputs. */
        if (chunks[i] < 4096 && n > 65536) continue;
        run(data, n, chunks[i], &s);
        if (i == 0) *first = s;
        else if (s.refused != first->refused || s.answers != first->answers) violation("the result depends on how the bytes were chunked", NULL);
    }
}

static uint64_t rng_state;
static uint64_t rng(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

struct buffer {
    unsigned char *p;
    size_t n;
};

static struct buffer read_file(const char *name) {
    struct buffer b = {NULL, 0};
    FILE *f = fopen(name, "rb");
    if (!f) {
        perror(name);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    b.p = (unsigned char *)malloc((size_t)size + 1);
    if (!b.p || fread(b.p, 1, (size_t)size, f) != (size_t)size) exit(2);
    b.n = (size_t)size;
    fclose(f);
    return b;
}

/** The room a mutation of an input of `n` bytes may take: twice it, and at least an overlong line's. */
static size_t mutation_room(size_t n) {
    return n * 2 + 64 < 1100000 + 64 ? 1100000 + 64 : n * 2 + 64;
}

/**
 * One mutation of `in` (or a generated input), written into `room` (mutation_room(in->n) bytes at least).
 * One buffer serves every mutation: a fresh megabyte for each, under ASan, came from its quarantine as new
 * pages, and cost the run seconds of page faults for nothing (the buffer ends well past the input either way).
 */
static struct buffer mutate(const struct buffer *in, const struct buffer *other, unsigned char *room) {
    struct buffer out;
    size_t kind = rng() % 10;
    size_t n = in->n;
    size_t cap = mutation_room(n);
    out.p = room;
    memcpy(out.p, in->p, n);
    out.n = n;
    size_t at = n ? rng() % n : 0;
    switch (kind) {
    case 0: /* flip bits */
        for (int i = 0; i < 4 && n; i++) out.p[rng() % n] ^= (unsigned char)(1u << (rng() % 8));
        break;
    case 1: /* a random byte somewhere */
        if (n) out.p[at] = (unsigned char)rng();
        break;
    case 2: /* truncate */
        out.n = at;
        break;
    case 3: /* delete a run */
        if (n) {
            size_t len = rng() % (n - at + 1);
            memmove(out.p + at, out.p + at + len, n - at - len);
            out.n = n - len;
        }
        break;
    case 4: /* insert structural bytes */ {
        static const char pieces[] = "{}[]\",:\\u0\n\r 9e-.tfn\xff\xc3\x80";
        size_t len = 1 + rng() % 8;
        memmove(out.p + at + len, out.p + at, n - at);
        for (size_t i = 0; i < len; i++) out.p[at + i] = (unsigned char)pieces[rng() % (sizeof pieces - 1)];
        out.n = n + len;
        break;
    }
    case 5: /* splice: this file's head, another's tail */ {
        size_t from = other->n ? rng() % other->n : 0;
        size_t len = other->n - from;
        if (at + len > cap) len = cap - at;
        memcpy(out.p + at, other->p + from, len);
        out.n = at + len;
        break;
    }
    case 6: /* duplicate a run */ {
        size_t len = n ? rng() % (n - at + 1) : 0;
        memmove(out.p + at + len, out.p + at, n - at);
        out.n = n + len;
        break;
    }
    case 7: /* a nesting bomb inside a hello or a call */ {
        size_t depth = 1 + rng() % 100000;
        const char *head = rng() % 2 ? "{\"type\":\"hello\",\"id\":0,\"protocol\":1,\"x\":" : "{\"type\":\"call\",\"id\":1,\"boundMs\":1,\"call\":";
        size_t k = strlen(head);
        memcpy(out.p, head, k);
        for (size_t i = 0; i < depth && k < 1100000; i++) out.p[k++] = rng() % 2 ? '[' : '{';
        out.p[k++] = '\n';
        out.n = k;
        break;
    }
    case 8: /* an overlong line, with or without its newline */ {
        size_t len = 1048000 + rng() % 2000;
        memset(out.p, rng() % 2 ? ' ' : 'a', len);
        out.p[0] = '"';
        if (rng() % 2) out.p[len++] = '\n';
        out.n = len;
        break;
    }
    case 9: /* random bytes */ {
        size_t len = rng() % 3000;
        for (size_t i = 0; i < len; i++) out.p[i] = (unsigned char)(rng() % 4 ? 0x20 + rng() % 0x5f : rng());
        out.n = len;
        break;
    }
    }
    return out;
}

int main(int argc, char **argv) {
    long mutations = 0;
    long seeds = -1;
    rng_state = 0x9E3779B97F4A7C15ull;
    int first = 1;
    for (; first < argc && strncmp(argv[first], "--", 2) == 0; first += 2) {
        if (first + 1 >= argc) return 2;
        if (strcmp(argv[first], "--mutations") == 0) mutations = atol(argv[first + 1]);
        else if (strcmp(argv[first], "--seed") == 0) rng_state = strtoull(argv[first + 1], NULL, 10) | 1u;
        else if (strcmp(argv[first], "--seeds") == 0) {
            char *end;
            seeds = strtol(argv[first + 1], &end, 10);
            if (*end != '\0' || seeds < 1) return 2;
        }
        else return 2;
    }
    int files = argc - first;
    if (files <= 0 || seeds > files) return 2;
    size_t seed_files = seeds < 0 ? (size_t)files : (size_t)seeds;
    struct buffer *corpus = (struct buffer *)calloc((size_t)files, sizeof *corpus);
    for (int i = 0; i < files; i++) {
        struct session s;
        corpus[i] = read_file(argv[first + i]);
        run_all(corpus[i].p, corpus[i].n, &s);
        const char *name = strrchr(argv[first + i], '/');
        printf("%s: %s, %d answers%s%s\n", name ? name + 1 : argv[first + i], s.refused ? "refused" : "open", s.answers, s.refused ? ", refusal: " : "",
               s.refused ? s.refusal : "");
    }
    size_t room_size = 0;
    for (size_t i = 0; i < seed_files; i++)
        if (mutation_room(corpus[i].n) > room_size) room_size = mutation_room(corpus[i].n);
    unsigned char *room = (unsigned char *)malloc(room_size);
    if (!room) return 2;
    long refused = 0;
    for (long m = 0; m < mutations; m++) {
        struct session s;
        struct buffer in = mutate(&corpus[rng() % seed_files], &corpus[rng() % seed_files], room);
        run_all(in.p, in.n, &s);
        refused += s.refused;
    }
    printf("mutations: %ld run, %ld refused, %d violations\n", mutations, refused, violations);
    free(room);
    for (int i = 0; i < files; i++) free(corpus[i].p);
    free(corpus);
    return violations ? 1 : 0;
}
