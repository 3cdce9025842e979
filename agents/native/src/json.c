/* See json.h. The reader is a recursive descent over the bytes, bounded by JSON_MAX_DEPTH; everything it
 * allocates comes from one arena per document, so that a failure anywhere frees it all at once. */
#include "json.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct block {
    struct block *next;
    size_t size, used;
    /* max_align_t is C11; a double and a pointer cover what the arena holds. */
    union {
        double d;
        void *p;
    } data[1];
};

struct reader {
    const unsigned char *p, *end;
    struct json_doc *doc;
    int depth;
    char *why;
    size_t whylen;
    int failed;
};

static void *arena(struct reader *r, size_t n) {
    struct block *b = (struct block *)r->doc->blocks;
    n = (n + 7u) & ~(size_t)7u;
    if (!b || b->size - b->used < n) {
        size_t size = n > 16384 ? n : 16384;
        b = (struct block *)malloc(sizeof(struct block) + size);
        if (!b) return NULL;
        b->size = size;
        b->used = 0;
        b->next = (struct block *)r->doc->blocks;
        r->doc->blocks = b;
    }
    void *at = (char *)b->data + b->used;
    b->used += n;
    return at;
}

static int fail(struct reader *r, const char *what) {
    if (!r->failed && r->whylen > 0) snprintf(r->why, r->whylen, "%s", what);
    r->failed = 1;
    return -1;
}

static void skip_space(struct reader *r) {
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')) r->p++;
}

static int hex_digit(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int read_u16(struct reader *r, unsigned *out) {
    unsigned v = 0;
    if (r->end - r->p < 4) return fail(r, "not JSON (a truncated \\u escape)");
    for (int i = 0; i < 4; i++) {
        int d = hex_digit(r->p[i]);
        if (d < 0) return fail(r, "not JSON (a bad \\u escape)");
        v = v * 16u + (unsigned)d;
    }
    r->p += 4;
    *out = v;
    return 0;
}

static size_t put_utf8(char *at, unsigned cp) {
    if (cp < 0x80) {
        at[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        at[0] = (char)(0xC0 | (cp >> 6));
        at[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        at[0] = (char)(0xE0 | (cp >> 12));
        at[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        at[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    at[0] = (char)(0xF0 | (cp >> 18));
    at[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    at[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    at[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/** The length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong forms, no surrogates), or 0. */
static size_t utf8_sequence(const unsigned char *p, const unsigned char *end) {
    unsigned char c = p[0];
    size_t n;
    unsigned cp, min;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) n = 2, cp = c & 0x1Fu, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF) n = 3, cp = c & 0x0Fu, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4) n = 4, cp = c & 0x07u, min = 0x10000;
    else return 0;
    if ((size_t)(end - p) < n) return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (p[i] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
}

/** A string at r->p (just after its opening quote), decoded into the arena. */
static int read_string(struct reader *r, char **out, size_t *outlen) {
    const unsigned char *start = r->p;
    /* Decoded, a string is never longer than its source: an escape of 6 bytes yields at most 3, a pair of
     * 12 yields 4. */
    while (r->p < r->end && *r->p != '"') {
        if (*r->p == '\\') r->p++;
        if (r->p < r->end) r->p++;
    }
    if (r->p >= r->end) return fail(r, "not JSON (an unterminated string)");
    size_t room = (size_t)(r->p - start) + 1;
    r->p = start;
    char *buf = (char *)arena(r, room);
    if (!buf) return fail(r, "out of memory");
    size_t n = 0;
    while (*r->p != '"') {
        unsigned char c = *r->p;
        if (c < 0x20) return fail(r, "not JSON (a control character in a string)");
        if (c != '\\') {
            size_t len = utf8_sequence(r->p, r->end);
            if (len == 0) return fail(r, "not JSON (a string that is not UTF-8)");
            memcpy(buf + n, r->p, len);
            n += len;
            r->p += len;
            continue;
        }
        r->p++;
        c = *r->p++;
        switch (c) {
        case '"': buf[n++] = '"'; break;
        case '\\': buf[n++] = '\\'; break;
        case '/': buf[n++] = '/'; break;
        case 'b': buf[n++] = '\b'; break;
        case 'f': buf[n++] = '\f'; break;
        case 'n': buf[n++] = '\n'; break;
        case 'r': buf[n++] = '\r'; break;
        case 't': buf[n++] = '\t'; break;
        case 'u': {
            unsigned cp;
            if (read_u16(r, &cp) != 0) return -1;
            if (cp >= 0xD800 && cp <= 0xDBFF && r->end - r->p >= 6 && r->p[0] == '\\' && r->p[1] == 'u') {
                const unsigned char *save = r->p;
                unsigned low;
                r->p += 2;
                if (read_u16(r, &low) != 0) return -1;
                if (low >= 0xDC00 && low <= 0xDFFF) cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                else r->p = save;
            }
            /* JavaScript keeps a lone surrogate; UTF-8 cannot: it becomes U+FFFD. */
            if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
            n += put_utf8(buf + n, cp);
            break;
        }
        default:
            return fail(r, "not JSON (a bad escape in a string)");
        }
    }
    r->p++;
    buf[n] = '\0';
    *out = buf;
    *outlen = n;
    return 0;
}

static int read_number(struct reader *r, struct json *v) {
    const unsigned char *start = r->p;
    if (r->p < r->end && *r->p == '-') r->p++;
    if (r->p >= r->end) return fail(r, "not JSON (a bad number)");
    if (*r->p == '0') r->p++;
    else if (*r->p >= '1' && *r->p <= '9') while (r->p < r->end && *r->p >= '0' && *r->p <= '9') r->p++;
    else return fail(r, "not JSON (a bad number)");
    if (r->p < r->end && *r->p == '.') {
        r->p++;
        if (r->p >= r->end || *r->p < '0' || *r->p > '9') return fail(r, "not JSON (a bad number)");
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9') r->p++;
    }
    if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
        r->p++;
        if (r->p < r->end && (*r->p == '+' || *r->p == '-')) r->p++;
        if (r->p >= r->end || *r->p < '0' || *r->p > '9') return fail(r, "not JSON (a bad number)");
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9') r->p++;
    }
    size_t n = (size_t)(r->p - start);
    char *copy = (char *)arena(r, n + 1);
    if (!copy) return fail(r, "out of memory");
    memcpy(copy, start, n);
    copy[n] = '\0';
    /* The grammar is checked above, so strtod reads all of it (C locale: the agent never sets another). */
    v->number = strtod(copy, NULL);
    v->kind = JSON_NUMBER;
    return 0;
}

static int read_literal(struct reader *r, const char *word, enum json_kind kind, struct json *v) {
    size_t n = strlen(word);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0) return fail(r, "not JSON");
    r->p += n;
    v->kind = kind;
    return 0;
}

static struct json *read_value(struct reader *r);

static int read_members(struct reader *r, struct json *v, int object) {
    struct json **tail = &v->child;
    unsigned char close = object ? '}' : ']';
    skip_space(r);
    if (r->p < r->end && *r->p == close) {
        r->p++;
        return 0;
    }
    for (;;) {
        char *key = NULL;
        size_t keylen = 0;
        if (object) {
            skip_space(r);
            if (r->p >= r->end || *r->p != '"') return fail(r, "not JSON (an object key that is not a string)");
            r->p++;
            if (read_string(r, &key, &keylen) != 0) return -1;
            skip_space(r);
            if (r->p >= r->end || *r->p != ':') return fail(r, "not JSON (no ':' after an object key)");
            r->p++;
        }
        struct json *m = read_value(r);
        if (!m) return -1;
        m->key = key;
        m->keylen = keylen;
        *tail = m;
        tail = &m->next;
        skip_space(r);
        if (r->p >= r->end) return fail(r, "not JSON (truncated)");
        if (*r->p == ',') {
            r->p++;
            continue;
        }
        if (*r->p == close) {
            r->p++;
            return 0;
        }
        return fail(r, object ? "not JSON (expected ',' or '}')" : "not JSON (expected ',' or ']')");
    }
}

static struct json *read_value(struct reader *r) {
    skip_space(r);
    if (r->p >= r->end) {
        fail(r, "not JSON (truncated)");
        return NULL;
    }
    struct json *v = (struct json *)arena(r, sizeof *v);
    if (!v) {
        fail(r, "out of memory");
        return NULL;
    }
    memset(v, 0, sizeof *v);
    int rc;
    switch (*r->p) {
    case '{':
    case '[': {
        int object = *r->p == '{';
        if (++r->depth > JSON_MAX_DEPTH) {
            fail(r, "not JSON this agent reads (nested deeper than 32)");
            return NULL;
        }
        r->p++;
        v->kind = object ? JSON_OBJECT : JSON_ARRAY;
        rc = read_members(r, v, object);
        r->depth--;
        break;
    }
    case '"':
        r->p++;
        v->kind = JSON_STRING;
        rc = read_string(r, &v->str, &v->len);
        break;
    case 't': rc = read_literal(r, "true", JSON_TRUE, v); break;
    case 'f': rc = read_literal(r, "false", JSON_FALSE, v); break;
    case 'n': rc = read_literal(r, "null", JSON_NULL, v); break;
    default: rc = read_number(r, v); break;
    }
    return rc == 0 ? v : NULL;
}

int json_parse(struct json_doc *doc, const char *text, size_t len, char *why, size_t whylen) {
    struct reader r;
    doc->root = NULL;
    doc->blocks = NULL;
    r.p = (const unsigned char *)text;
    r.end = r.p + len;
    r.doc = doc;
    r.depth = 0;
    r.why = why;
    r.whylen = whylen;
    r.failed = 0;
    if (whylen > 0) why[0] = '\0';
    struct json *root = read_value(&r);
    if (root) {
        skip_space(&r);
        if (r.p != r.end) {
            fail(&r, "not JSON (text after the value)");
            root = NULL;
        }
    }
    if (!root) {
        json_free(doc);
        return -1;
    }
    doc->root = root;
    return 0;
}

void json_free(struct json_doc *doc) {
    struct block *b = (struct block *)doc->blocks;
    while (b) {
        struct block *next = b->next;
        free(b);
        b = next;
    }
    doc->blocks = NULL;
    doc->root = NULL;
}

const struct json *json_get(const struct json *object, const char *key) {
    const struct json *found = NULL;
    size_t n = strlen(key);
    if (!object || object->kind != JSON_OBJECT) return NULL;
    for (const struct json *m = object->child; m; m = m->next)
        if (m->keylen == n && memcmp(m->key, key, n) == 0) found = m;
    return found;
}

int json_integer(const struct json *value, double min, double max, long long *out) {
    if (!value || value->kind != JSON_NUMBER) return 0;
    double d = value->number;
    if (!isfinite(d) || floor(d) != d || d < min || d > max) return 0;
    *out = (long long)d;
    return 1;
}

/* ---- the writer ---------------------------------------------------------------------------------- */

void out_raw(struct out *o, const char *s, size_t n) {
    if (o->failed) return;
    if (o->cap - o->n < n + 1) {
        size_t cap = o->cap ? o->cap : 256;
        while (cap - o->n < n + 1) {
            if (cap > SIZE_MAX / 2) {
                o->failed = 1;
                return;
            }
            cap *= 2;
        }
        char *p = (char *)realloc(o->p, cap);
        if (!p) {
            o->failed = 1;
            return;
        }
        o->p = p;
        o->cap = cap;
    }
    memcpy(o->p + o->n, s, n);
    o->n += n;
    o->p[o->n] = '\0';
}

void out_text(struct out *o, const char *s) { out_raw(o, s, strlen(s)); }

void out_string(struct out *o, const char *s, size_t n) {
    static const char digits[] = "0123456789abcdef";
    size_t run = 0;
    out_raw(o, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char u[7];
        if (c == '"') esc = "\\\"";
        else if (c == '\\') esc = "\\\\";
        else if (c == '\n') esc = "\\n";
        else if (c == '\r') esc = "\\r";
        else if (c == '\t') esc = "\\t";
        else if (c < 0x20 || c == 0x7F) {
            u[0] = '\\', u[1] = 'u', u[2] = '0', u[3] = '0', u[4] = digits[c >> 4], u[5] = digits[c & 15], u[6] = '\0';
            esc = u;
        }
        if (!esc) continue;
        out_raw(o, s + run, i - run);
        out_text(o, esc);
        run = i + 1;
    }
    out_raw(o, s + run, n - run);
    out_raw(o, "\"", 1);
}

void out_cstring(struct out *o, const char *s) { out_string(o, s, strlen(s)); }

void out_uint(struct out *o, unsigned long long v) {
    char buf[24];
    size_t i = sizeof buf;
    do {
        buf[--i] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    out_raw(o, buf + i, sizeof buf - i);
}

void out_int(struct out *o, long long v) {
    if (v < 0) {
        out_raw(o, "-", 1);
        out_uint(o, (unsigned long long)(-(v + 1)) + 1u);
    } else {
        out_uint(o, (unsigned long long)v);
    }
}

void out_millis(struct out *o, double ms) {
    if (!(ms >= 0)) ms = 0;
    if (ms > 1e12) ms = 1e12;
    unsigned long long micro = (unsigned long long)(ms * 1000.0 + 0.5);
    char frac[5];
    out_uint(o, micro / 1000u);
    unsigned rest = (unsigned)(micro % 1000u);
    if (rest == 0) return;
    frac[0] = '.', frac[1] = (char)('0' + rest / 100u), frac[2] = (char)('0' + rest / 10u % 10u), frac[3] = (char)('0' + rest % 10u), frac[4] = '\0';
    /* As JavaScript writes 0.41: no trailing zeros. */
    size_t len = 4;
    while (frac[len - 1] == '0') len--;
    out_raw(o, frac, len);
}

void out_hex(struct out *o, const unsigned char *bytes, size_t n) {
    static const char digits[] = "0123456789abcdef";
    char buf[256];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        buf[k++] = digits[bytes[i] >> 4];
        buf[k++] = digits[bytes[i] & 15];
        if (k == sizeof buf) {
            out_raw(o, buf, k);
            k = 0;
        }
    }
    out_raw(o, buf, k);
}

void out_free(struct out *o) {
    free(o->p);
    o->p = NULL;
    o->n = o->cap = 0;
    o->failed = 0;
}
