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

bool zkelect__is_state_node(const char *name)
{
    return strncmp(name, ZKE_STATE_PREFIX, sizeof ZKE_STATE_PREFIX - 1) == 0;
}

static bool starts_with(const char *name, const char *prefix)
{
    return strncmp(name, prefix, strlen(prefix)) == 0;
}

bool zkelect__is_service_node(const char *name)
{
    return zkelect__is_state_node(name) || strcmp(name, ZKE_FLAG_NAME) == 0 || strcmp(name, ZKE_LOCK_NAME) == 0 ||
           starts_with(name, ZKE_NOTICE_PREFIX) || starts_with(name, ZKE_REQUEST_PREFIX);
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

/* "p<priority>_" after the token, in its one spelling ("p7_", "p-3_"; never
 * "p0_", "p07_" or "p+7_"): *text moved past it. A name without it has
 * priority 0. */
static bool parse_priority(const char **text, int *priority)
{
    *priority = 0;
    if ((*text)[0] != 'p')
        return true;
    const char *sep = strchr(*text, '_');
    if (!sep || sep - *text > 7)
        return false;
    char digits[8], canonical[16];
    memcpy(digits, *text + 1, (size_t)(sep - *text - 1));
    digits[sep - *text - 1] = '\0';
    char *end;
    long value = strtol(digits, &end, 10);
    if (*end || value < ZKELECT_PRIORITY_MIN || value > ZKELECT_PRIORITY_MAX || value == 0)
        return false;
    snprintf(canonical, sizeof canonical, "%ld", value);
    if (strcmp(canonical, digits) != 0)
        return false;
    *priority = (int)value;
    *text = sep + 1;
    return true;
}

static bool parse_native(const char *name, int32_t *seq, const char **token, int *priority)
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
    const char *rest = sep + 1;
    if (!parse_priority(&rest, priority) || !parse_seq(rest, seq))
        return false;
    *token = tok;
    return true;
}

int zkelect__name_priority(const char *name)
{
    int32_t seq;
    const char *token;
    int priority;
    return parse_native(name, &seq, &token, &priority) ? priority : 0;
}

bool zkelect__parse_name(const char *name, int32_t *seq, const char **token, size_t *token_len)
{
    int32_t value;
    const char *tok;
    int priority;
    if (!parse_native(name, &value, &tok, &priority))
        return false;
    if (seq)
        *seq = value;
    if (token)
        *token = tok;
    if (token_len)
        *token_len = ZKE_TOKEN_LEN;
    return true;
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

/* ------------------------------------------------------ other clients' formats
 *
 * Curator's LeaderLatch names its nodes "_c_<uuid36>-latch-<seq>" and orders
 * every child by the text after the last "latch-", compared as a string;
 * kazoo's Election (a Lock) names them "<32 hex>__lock__<seq>" and counts
 * only children that end in "__lock__" and ten digits (or '-' and ten),
 * ordered by that text as a string. Both store the participant id, alone,
 * as the node data. A guest must use the host's name, order and data to be
 * seen as a normal contender (see docs/FORMATS.md). */

const char *zkelect__format_name(int format)
{
    switch (format) {
    case ZKELECT_FORMAT_CURATOR:
        return "Curator LeaderLatch";
    case ZKELECT_FORMAT_KAZOO:
        return "kazoo";
    default:
        return "zkelect";
    }
}

static const char *after_last(const char *name, const char *mark)
{
    const char *found = NULL;
    for (const char *p = strstr(name, mark); p; p = strstr(p + 1, mark))
        found = p;
    return found ? found + strlen(mark) : NULL;
}

static bool parse_kazoo_seq(const char *text, int32_t *seq)
{
    /* kazoo's pattern is "-?\d{10}$": the server's "-000000005" is not a
     * contender for kazoo, so it is not one for us either. */
    size_t digits = strlen(text) - (text[0] == '-');
    return digits == 10 && parse_seq(text, seq);
}

bool zkelect__parse_child(int format, const char *name, int32_t *seq)
{
    int32_t value;
    const char *suffix;
    bool ok;
    switch (format) {
    case ZKELECT_FORMAT_CURATOR:
        suffix = after_last(name, "latch-");
        ok = suffix && parse_seq(suffix, &value);
        break;
    case ZKELECT_FORMAT_KAZOO:
        suffix = after_last(name, "__lock__");
        ok = suffix && parse_kazoo_seq(suffix, &value);
        break;
    default:
        ok = zkelect__parse_name(name, &value, NULL, NULL);
        break;
    }
    if (ok && seq)
        *seq = value;
    return ok;
}

int zkelect__node_prefix(int format, const char *token, char *buf, size_t len)
{
    int n;
    switch (format) {
    case ZKELECT_FORMAT_CURATOR:
        /* Curator's "protection": "_c_", a canonical lowercase UUID, "-". */
        n = snprintf(buf, len, "_c_%.8s-%.4s-%.4s-%.4s-%.12s-latch-", token, token + 8, token + 12, token + 16,
                     token + 20);
        break;
    case ZKELECT_FORMAT_KAZOO:
        n = snprintf(buf, len, "%s__lock__", token);
        break;
    default:
        n = snprintf(buf, len, ZKE_NODE_PREFIX "%s_", token);
        break;
    }
    return n > 0 && (size_t)n < len ? ZKELECT_OK : ZKELECT_ERANGE;
}

int zkelect__node_prefix_with(int format, const char *token, int priority, char *buf, size_t len)
{
    int rc = zkelect__node_prefix(format, token, buf, len);
    size_t used = strlen(buf);
    if (rc || format != ZKELECT_FORMAT_NATIVE || priority == 0)
        return rc;
    int n = snprintf(buf + used, len - used, "p%d_", priority);
    return n > 0 && (size_t)n < len - used ? ZKELECT_OK : ZKELECT_ERANGE;
}

/* After zkelect__order_children(): the higher priority first, keeping the
 * line order among equals; then the leader, when known, at the head
 * whatever its priority (nobody takes its place but by its leaving). */
static int compare_priority(const void *pa, const void *pb)
{
    const zke_child_t *a = pa, *b = pb;
    if (a->priority != b->priority)
        return a->priority > b->priority ? -1 : 1;
    return a->place < b->place ? -1 : a->place > b->place;
}

void zkelect__order_by_priority(zke_child_t *children, size_t count, const char *leader_token)
{
    for (size_t i = 0; i < count; i++)
        children[i].place = i;
    qsort(children, count, sizeof *children, compare_priority);
    for (size_t i = 0; leader_token && i < count; i++) {
        if (!zkelect__name_has_token_as(ZKELECT_FORMAT_NATIVE, children[i].name, leader_token))
            continue;
        zke_child_t leader = children[i];
        memmove(children + 1, children, i * sizeof *children);
        children[0] = leader;
        break;
    }
}

bool zkelect__name_has_token_as(int format, const char *name, const char *token)
{
    char prefix[ZKE_PREFIX_MAX];
    return zkelect__node_prefix(format, token, prefix, sizeof prefix) == ZKELECT_OK &&
           strncmp(name, prefix, strlen(prefix)) == 0 && zkelect__parse_child(format, name, NULL);
}

static int compare_as_text(const void *pa, const void *pb)
{
    const zke_child_t *a = pa, *b = pb;
    char ta[16], tb[16];
    snprintf(ta, sizeof ta, "%010d", (int)a->seq);
    snprintf(tb, sizeof tb, "%010d", (int)b->seq);
    int c = strcmp(ta, tb);
    return c ? c : strcmp(a->name, b->name);
}

void zkelect__order_children_as(int format, zke_child_t *children, size_t count)
{
    if (format == ZKELECT_FORMAT_NATIVE)
        zkelect__order_children(children, count);
    else if (count > 1)
        qsort(children, count, sizeof *children, compare_as_text);
}

char *zkelect__child_path(const struct zkelect *e, const char *name)
{
    char *path;
    return asprintf(&path, "%s/%s", e->path, name) < 0 ? NULL : path;
}

char *zkelect__lock_path(const struct zkelect *e)
{
    return zkelect__child_path(e, ZKE_LOCK_NAME);
}

char *zkelect__notice_path(const struct zkelect *e, const char *token)
{
    char name[sizeof ZKE_NOTICE_PREFIX + ZKE_TOKEN_LEN];
    snprintf(name, sizeof name, ZKE_NOTICE_PREFIX "%.*s", ZKE_TOKEN_LEN, token);
    return zkelect__child_path(e, name);
}

bool zkelect__token_of(const char *name, char *out)
{
    int32_t seq;
    const char *token;
    size_t len;
    if (!zkelect__parse_name(name, &seq, &token, &len))
        return false;
    memcpy(out, token, len);
    out[len] = '\0';
    return true;
}

zke_node_data_t zkelect__node_data_split(const char *data, int len)
{
    size_t n = data && len > 0 ? (size_t)len : 0;
    size_t id_len = n ? strnlen(data, n) : 0;
    zke_node_data_t d = {.id = n ? data : "", .id_len = id_len};
    if (id_len < n) {
        d.rest = data + id_len + 1;
        d.rest_len = n - id_len - 1;
    }
    return d;
}

char *zkelect__node_data_join(const char *id, size_t id_len, const void *rest, size_t rest_len, bool always_nul,
                              size_t *out_len)
{
    size_t total = id_len + (rest_len || always_nul ? 1 + rest_len : 0);
    char *data = malloc(total ? total : 1);
    if (!data)
        return NULL;
    memcpy(data, id, id_len);
    if (total > id_len) {
        data[id_len] = '\0';
        if (rest_len)
            memcpy(data + id_len + 1, rest, rest_len);
    }
    *out_len = total;
    return data;
}
