/* naming.c - znode names, sequence numbers and line order. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

int zkelect__token_new(char *token)
{
    unsigned char bytes[ZKE_TOKEN_LEN / 2];
    size_t got = 0;
    while (got < sizeof bytes) {
        ssize_t n = getrandom(bytes + got, sizeof bytes - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return ZKELECT_ESYS;
        }
        got += (size_t)n;
    }
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < sizeof bytes; i++) {
        token[2 * i] = hex[bytes[i] >> 4];
        token[2 * i + 1] = hex[bytes[i] & 15];
    }
    token[ZKE_TOKEN_LEN] = '\0';
    return ZKELECT_OK;
}

static bool parse_seq(const char *text, int32_t *seq)
{
    /* The server prints "%010d": ten digits, or '-' and nine or ten digits. */
    size_t len = strlen(text);
    bool negative = text[0] == '-';
    if (len != 10 && !(negative && len == 11))
        return false;
    int64_t value = 0;
    for (const char *p = text + negative; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        value = value * 10 + (*p - '0');
    }
    if (negative)
        value = -value;
    if (value < INT32_MIN || value > INT32_MAX)
        return false;
    /* Only the server's own spelling counts ("-0147483647" is not one). */
    char canonical[16];
    snprintf(canonical, sizeof canonical, "%010d", (int)value);
    if (strcmp(canonical, text) != 0)
        return false;
    *seq = (int32_t)value;
    return true;
}

bool zkelect__parse_name(const char *name, int32_t *seq, const char **token, size_t *token_len)
{
    static const size_t prefix_len = sizeof(ZKE_NODE_PREFIX) - 1;
    if (strncmp(name, ZKE_NODE_PREFIX, prefix_len) != 0)
        return false;
    const char *tok = name + prefix_len;
    const char *sep = strchr(tok, '_');
    if (!sep || (size_t)(sep - tok) != ZKE_TOKEN_LEN)
        return false;
    for (const char *p = tok; p < sep; p++) {
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    }
    int32_t value;
    if (!parse_seq(sep + 1, &value))
        return false;
    if (seq)
        *seq = value;
    if (token)
        *token = tok;
    if (token_len)
        *token_len = ZKE_TOKEN_LEN;
    return true;
}

bool zkelect__name_has_token(const char *name, const char *token)
{
    const char *tok;
    size_t len;
    return zkelect__parse_name(name, NULL, &tok, &len) && memcmp(tok, token, len) == 0;
}

bool zkelect__seq_before(int32_t a, int32_t b)
{
    /* The difference is taken modulo 2^32, so it is right across the wrap
     * from 2147483647 to -2147483648. */
    return (int32_t)((uint32_t)b - (uint32_t)a) > 0;
}

static int compare_raw(const void *pa, const void *pb)
{
    const zke_child_t *a = pa, *b = pb;
    if (a->seq != b->seq)
        return a->seq < b->seq ? -1 : 1;
    return strcmp(a->name, b->name);
}

static void reverse(zke_child_t *children, size_t from, size_t to)
{
    while (from + 1 < to) {
        zke_child_t t = children[from];
        children[from++] = children[--to];
        children[to] = t;
    }
}

void zkelect__order_children(zke_child_t *children, size_t count)
{
    if (count < 2)
        return;
    qsort(children, count, sizeof *children, compare_raw);
    /* The gap that wraps from the last back to the first counts too. */
    size_t first = 0;
    uint32_t widest = (uint32_t)children[0].seq - (uint32_t)children[count - 1].seq;
    for (size_t i = 1; i < count; i++) {
        uint32_t gap = (uint32_t)children[i].seq - (uint32_t)children[i - 1].seq;
        if (gap > widest) {
            widest = gap;
            first = i;
        }
    }
    /* Rotate so that it comes first: three reversals, no allocation. */
    reverse(children, 0, first);
    reverse(children, first, count);
    reverse(children, 0, count);
}
