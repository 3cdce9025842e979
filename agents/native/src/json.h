/* A strict JSON reader (RFC 8259) and writer for the agent's control protocol: portable C99, no
 * platform calls, so that the same code is fuzzed natively on Linux under ASan and UBSan
 * (agents/native/test/fuzz-protocol.c) and runs in the agent on Windows.
 *
 * Why our own and not a vendored parser: the protocol needs a few hundred lines of JSON, a hard bound on
 * nesting and on memory, strict UTF-8, and nothing else; the parser is small enough to read whole and is
 * tested under the sanitizers with a corpus and generated mutations. */
#ifndef AGENT_JSON_H
#define AGENT_JSON_H

#include <stddef.h>

/** Nesting deeper than this is refused: no protocol message comes near it (they nest at most five deep). */
#define JSON_MAX_DEPTH 32

enum json_kind { JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json {
    enum json_kind kind;
    double number;
    /* A string's decoded UTF-8 bytes (NUL-terminated; `len` counts an embedded \u0000 too). */
    char *str;
    size_t len;
    /* An array's or object's first member; each member's next sibling. */
    struct json *child, *next;
    /* A member's key in an object (decoded, NUL-terminated), else NULL. */
    char *key;
    size_t keylen;
};

/** Where a parse keeps what it allocated; json_free releases all of it. */
struct json_doc {
    struct json *root;
    void *blocks;
};

/** Parse `len` bytes (they need not be NUL-terminated). 0 and doc->root on success; else -1 and a
 *  one-line reason in `why` (at most whylen bytes, NUL-terminated). Nothing is left allocated on failure. */
int json_parse(struct json_doc *doc, const char *text, size_t len, char *why, size_t whylen);
void json_free(struct json_doc *doc);

/** The member `key` of an object (the last one, when it is given twice, as JavaScript's JSON.parse
 *  takes it), or NULL. */
const struct json *json_get(const struct json *object, const char *key);

/** A number that is an integer (as JavaScript's Number.isInteger), in [min, max]: 1, and *out. */
int json_integer(const struct json *value, double min, double max, long long *out);

/** A growable output buffer; `failed` is set once an allocation fails (then everything is dropped). */
struct out {
    char *p;
    size_t n, cap;
    int failed;
};

void out_raw(struct out *o, const char *s, size_t n);
void out_text(struct out *o, const char *s);
/** `s` (n bytes of UTF-8) as a JSON string, quoted and escaped. */
void out_string(struct out *o, const char *s, size_t n);
void out_cstring(struct out *o, const char *s);
void out_int(struct out *o, long long v);
void out_uint(struct out *o, unsigned long long v);
/** A non-negative millisecond count with three decimals, e.g. 0.412. */
void out_millis(struct out *o, double ms);
void out_hex(struct out *o, const unsigned char *bytes, size_t n);
void out_free(struct out *o);

#endif
