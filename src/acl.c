/* acl.c - the ACL a caller asks for with zkelect_set_acl(), given as text
 * ("scheme:id:perms,..."): parsed and checked here, before anything reaches
 * the server, so that a mistake is an EINVAL with a message naming the
 * entry instead of a ZINVALIDACL on every create, retried forever. */
#include "internal.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ACL_MAX_ENTRIES = 64, ACL_SPEC_MAX = 16384, DIGEST_HASH_LEN = 28 };

/* An entry's parts, pointing into the caller's text. */
typedef struct acl_text {
    const char *scheme, *id, *perms;
    size_t scheme_len, id_len, perms_len;
} acl_text_t;

static bool is_base64(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

static int perms_of(const acl_text_t *t, int32_t *out, char *why, size_t len)
{
    int32_t perms = 0;
    for (size_t i = 0; i < t->perms_len; i++) {
        switch (t->perms[i]) {
        case 'c':
            perms |= ZOO_PERM_CREATE;
            break;
        case 'd':
            perms |= ZOO_PERM_DELETE;
            break;
        case 'r':
            perms |= ZOO_PERM_READ;
            break;
        case 'w':
            perms |= ZOO_PERM_WRITE;
            break;
        case 'a':
            perms |= ZOO_PERM_ADMIN;
            break;
        default:
            snprintf(why, len, "permission '%c' is not one of c, d, r, w, a", t->perms[i]);
            return ZKELECT_EINVAL;
        }
    }
    if (perms == 0) {
        snprintf(why, len, "no permissions (give some of c, d, r, w, a)");
        return ZKELECT_EINVAL;
    }
    *out = perms;
    return ZKELECT_OK;
}

/* digest ids are "user:BASE64(SHA1(user:password))", never the password. */
static bool digest_id_ok(const char *id, size_t len, char *why, size_t why_len)
{
    const char *colon = memchr(id, ':', len);
    size_t hash_len = colon ? len - (size_t)(colon - id) - 1 : 0;
    bool ok = colon && colon > id && hash_len == DIGEST_HASH_LEN && colon[hash_len] == '=';
    for (size_t i = 0; ok && i + 1 < hash_len; i++)
        ok = is_base64(colon[1 + i]);
    if (!ok)
        snprintf(why, why_len,
                 "a digest id is \"user:hash\", the hash being base64 of SHA-1 of \"user:password\" (%d characters)",
                 DIGEST_HASH_LEN);
    return ok;
}

/* ip ids are an IPv4 address, with an optional /prefix length. ZooKeeper's
 * ip provider parses IPv4 only: it refuses an IPv6 id as an invalid ACL. */
static bool ip_id_ok(const char *id, size_t len, char *why, size_t why_len)
{
    char addr[64];
    const char *slash = memchr(id, '/', len);
    size_t addr_len = slash ? (size_t)(slash - id) : len;
    unsigned char buf[4];
    bool ok = addr_len > 0 && addr_len < sizeof addr;
    if (ok) {
        memcpy(addr, id, addr_len);
        addr[addr_len] = '\0';
        ok = inet_pton(AF_INET, addr, buf) == 1;
    }
    if (ok && slash) {
        int max = 32, bits = 0;
        size_t digits = len - addr_len - 1;
        ok = digits > 0 && digits <= 3;
        for (size_t i = 0; ok && i < digits; i++) {
            ok = slash[1 + i] >= '0' && slash[1 + i] <= '9';
            bits = bits * 10 + (slash[1 + i] - '0');
        }
        ok = ok && bits <= max;
    }
    if (!ok)
        snprintf(why, why_len, "an ip id is an IPv4 address, optionally with /bits (ZooKeeper has no IPv6 ip ACLs)");
    return ok;
}

static int check_id(const acl_text_t *t, char *why, size_t len)
{
    for (size_t i = 0; i < t->id_len; i++) {
        unsigned char c = (unsigned char)t->id[i];
        if (c < 0x20 || c == 0x7f) {
            snprintf(why, len, "control character in the id");
            return ZKELECT_EINVAL;
        }
    }
#define SCHEME_IS(name) (t->scheme_len == strlen(name) && memcmp(t->scheme, name, t->scheme_len) == 0)
    bool ok;
    if (SCHEME_IS("world")) {
        ok = t->id_len == 6 && memcmp(t->id, "anyone", 6) == 0;
        if (!ok)
            snprintf(why, len, "the world scheme has one id, \"anyone\"");
    } else if (SCHEME_IS("auth")) {
        ok = t->id_len == 0;
        if (!ok)
            snprintf(why, len, "the auth scheme takes an empty id (\"auth::perms\"): it means the creator");
    } else if (SCHEME_IS("digest")) {
        ok = digest_id_ok(t->id, t->id_len, why, len);
    } else if (SCHEME_IS("ip")) {
        ok = ip_id_ok(t->id, t->id_len, why, len);
    } else if (SCHEME_IS("sasl")) {
        ok = t->id_len > 0;
        if (!ok)
            snprintf(why, len, "a sasl id is a principal; it is empty");
    } else {
        ok = false;
        snprintf(why, len, "scheme \"%.*s\" is not one of world, auth, digest, ip, sasl", (int)t->scheme_len,
                 t->scheme);
    }
#undef SCHEME_IS
    return ok ? ZKELECT_OK : ZKELECT_EINVAL;
}

/* "scheme:id:perms", spaces around it ignored. The id runs from the first
 * colon to the last: digest ids have a colon of their own. */
static int split_entry(const char *s, size_t len, acl_text_t *t, char *why, size_t why_len)
{
    while (len > 0 && *s == ' ')
        s++, len--;
    while (len > 0 && s[len - 1] == ' ')
        len--;
    const char *first = memchr(s, ':', len);
    const char *last = first;
    for (const char *p = first; p && p < s + len; p++) {
        if (*p == ':')
            last = p;
    }
    if (!first || first == last || first == s) {
        snprintf(why, why_len, "expected \"scheme:id:perms\"");
        return ZKELECT_EINVAL;
    }
    *t = (acl_text_t){.scheme = s,
                      .scheme_len = (size_t)(first - s),
                      .id = first + 1,
                      .id_len = (size_t)(last - first - 1),
                      .perms = last + 1,
                      .perms_len = len - (size_t)(last + 1 - s)};
    return ZKELECT_OK;
}

static int add_entry(struct ACL_vector *v, const acl_text_t *t, int32_t perms)
{
    struct ACL *a = &v->data[v->count];
    a->perms = perms;
    a->id.scheme = strndup(t->scheme, t->scheme_len);
    a->id.id = strndup(t->id, t->id_len);
    v->count++;
    return a->id.scheme && a->id.id ? ZKELECT_OK : ZKELECT_ENOMEM;
}

static int parse_entries(const char *spec, struct ACL_vector *v, char *why, size_t len)
{
    int32_t granted = 0;
    for (const char *s = spec;; s++) {
        const char *end = strchr(s, ',');
        size_t n = end ? (size_t)(end - s) : strlen(s);
        if (v->count == ACL_MAX_ENTRIES) {
            snprintf(why, len, "more than %d entries", ACL_MAX_ENTRIES);
            return ZKELECT_EINVAL;
        }
        acl_text_t t;
        int32_t perms = 0;
        int rc = split_entry(s, n, &t, why, len);
        if (!rc)
            rc = check_id(&t, why, len);
        if (!rc)
            rc = perms_of(&t, &perms, why, len);
        if (!rc)
            rc = add_entry(v, &t, perms);
        if (rc) {
            if (rc == ZKELECT_EINVAL) {
                char entry[96];
                snprintf(entry, sizeof entry, "%.*s", (int)(n < 64 ? n : 64), s);
                size_t used = strlen(why);
                snprintf(why + used, len - used, " (entry %d, \"%s%s\")", v->count + 1, entry, n > 64 ? "..." : "");
            }
            return rc;
        }
        granted |= perms;
        if (!end)
            break;
        s = end;
    }
    if (!(granted & ZOO_PERM_READ)) {
        snprintf(why, len, "no entry grants read (r): the other participants could not watch the node");
        return ZKELECT_EINVAL;
    }
    return ZKELECT_OK;
}

int zkelect__acl_parse(const char *spec, struct ACL_vector *out, char *why, size_t len)
{
    *out = (struct ACL_vector){0};
    why[0] = '\0';
    if (!spec || !spec[0]) {
        snprintf(why, len, "the ACL is empty");
        return ZKELECT_EINVAL;
    }
    if (strlen(spec) > ACL_SPEC_MAX) {
        snprintf(why, len, "the ACL is longer than %d bytes", ACL_SPEC_MAX);
        return ZKELECT_EINVAL;
    }
    struct ACL_vector v = {.count = 0, .data = calloc(ACL_MAX_ENTRIES, sizeof(struct ACL))};
    if (!v.data)
        return ZKELECT_ENOMEM;
    int rc = parse_entries(spec, &v, why, len);
    if (rc) {
        zkelect__acl_free(&v);
        return rc;
    }
    *out = v;
    return ZKELECT_OK;
}

void zkelect__acl_free(struct ACL_vector *v)
{
    for (int32_t i = 0; v->data && i < v->count; i++) {
        free(v->data[i].id.scheme);
        free(v->data[i].id.id);
    }
    free(v->data);
    *v = (struct ACL_vector){0};
}

bool zkelect__acl_names_creator(const struct ACL_vector *v)
{
    for (int32_t i = 0; i < v->count; i++) {
        if (strcmp(v->data[i].id.scheme, "auth") == 0)
            return true;
    }
    return false;
}
