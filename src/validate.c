/* validate.c - inputs are checked up front, never left to a round trip. */
#include "internal.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Decode one UTF-8 sequence; returns its length, or 0 if it is malformed
 * (overlong forms, surrogates and values past U+10FFFF included). */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    size_t len;
    uint32_t min;
    if ((s[0] & 0xE0) == 0xC0) {
        len = 2, min = 0x80, *cp = s[0] & 0x1F;
    } else if ((s[0] & 0xF0) == 0xE0) {
        len = 3, min = 0x800, *cp = s[0] & 0x0F;
    } else if ((s[0] & 0xF8) == 0xF0) {
        len = 4, min = 0x10000, *cp = s[0] & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        *cp = (*cp << 6) | (s[i] & 0x3F);
    }
    if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF))
        return 0;
    return len;
}

static bool is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

/* The code points ZooKeeper's PathUtils refuses in a path. */
static bool is_reserved_in_path(uint32_t cp)
{
    return (cp >= 0xD800 && cp <= 0xF8FF) || (cp >= 0xFFF0 && cp <= 0xFFFF);
}

static bool text_ok(const char *text, bool is_path, const char **why)
{
    const unsigned char *p = (const unsigned char *)text;
    while (*p) {
        uint32_t cp;
        size_t len = utf8_decode(p, &cp);
        if (len == 0) {
            *why = "not valid UTF-8";
            return false;
        }
        if (is_control(cp)) {
            *why = "contains a control character";
            return false;
        }
        if (is_path && is_reserved_in_path(cp)) {
            *why = "contains a character ZooKeeper reserves (U+D800-U+F8FF, U+FFF0-U+FFFF)";
            return false;
        }
        p += len;
    }
    return true;
}

int zkelect__validate_path(const char *path, const char **why)
{
    if (!path) {
        *why = "path is NULL";
        return ZKELECT_EINVAL;
    }
    if (path[0] != '/') {
        *why = "path must be absolute (start with '/')";
        return ZKELECT_EINVAL;
    }
    if (path[1] == '\0') {
        *why = "the root \"/\" cannot be an election path";
        return ZKELECT_EINVAL;
    }
    if (strlen(path) > ZKELECT_PATH_MAX) {
        *why = "path is longer than 1024 bytes";
        return ZKELECT_ENAMETOOLONG;
    }
    if (path[strlen(path) - 1] == '/') {
        *why = "path must not end with '/'";
        return ZKELECT_EINVAL;
    }
    for (const char *seg = path + 1; seg;) {
        const char *end = strchr(seg, '/');
        size_t len = end ? (size_t)(end - seg) : strlen(seg);
        if (len == 0) {
            *why = "path has an empty segment (\"//\")";
            return ZKELECT_EINVAL;
        }
        if ((len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.')) {
            *why = "path has a \".\" or \"..\" segment";
            return ZKELECT_EINVAL;
        }
        seg = end ? end + 1 : NULL;
    }
    if (strncmp(path, "/zookeeper", 10) == 0 && (path[10] == '\0' || path[10] == '/')) {
        *why = "\"/zookeeper\" is reserved for ZooKeeper itself";
        return ZKELECT_EINVAL;
    }
    if (!text_ok(path, true, why))
        return ZKELECT_EINVAL;
    return ZKELECT_OK;
}

int zkelect_check_arguments(const char *zk_hosts, const char *election_path, const char *participant_id, char *why,
                            size_t len)
{
    const char *reason = NULL, *what = NULL;
    int rc = ZKELECT_OK;
    if (zk_hosts && (rc = zkelect__validate_servers(zk_hosts, &reason)) != ZKELECT_OK)
        what = "zk_hosts";
    else if (election_path && (rc = zkelect__validate_path(election_path, &reason)) != ZKELECT_OK)
        what = "election_path";
    else if (participant_id && (rc = zkelect__validate_id(participant_id, &reason)) != ZKELECT_OK)
        what = "participant_id";
    if (why && len > 0) {
        if (rc == ZKELECT_OK)
            why[0] = '\0';
        else
            snprintf(why, len, "%s: %s", what, reason);
    }
    return rc;
}

int zkelect__validate_id(const char *id, const char **why)
{
    if (id[0] == '\0') {
        *why = "participant id is empty";
        return ZKELECT_EINVAL;
    }
    if (strlen(id) > ZKELECT_ID_MAX) {
        *why = "participant id is longer than 255 bytes";
        return ZKELECT_ENAMETOOLONG;
    }
    if (!text_ok(id, false, why))
        return ZKELECT_EINVAL;
    return ZKELECT_OK;
}

int zkelect__validate_state(const char *state, const char **why)
{
    if (strlen(state) > ZKELECT_ID_MAX) {
        *why = "state is longer than 255 bytes";
        return ZKELECT_ENAMETOOLONG;
    }
    return text_ok(state, false, why) ? ZKELECT_OK : ZKELECT_EINVAL;
}

static bool host_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '_' || c == ':';
}

/* One "host:port" (IPv6 literals in brackets: "[::1]:2181"). */
static int validate_server(const char *s, size_t len, const char **why)
{
    const char *colon = NULL;
    for (size_t i = len; i > 0; i--) {
        if (s[i - 1] == ':') {
            colon = s + i - 1;
            break;
        }
    }
    if (!colon || colon == s) {
        *why = "each server must be \"host:port\"";
        return ZKELECT_EINVAL;
    }
    size_t host_len = (size_t)(colon - s);
    bool bracketed = s[0] == '[';
    if (bracketed && (host_len < 3 || s[host_len - 1] != ']')) {
        *why = "an IPv6 address must be written \"[addr]:port\"";
        return ZKELECT_EINVAL;
    }
    for (size_t i = bracketed; i < host_len - bracketed; i++) {
        if (!host_char_ok(s[i]) || (!bracketed && s[i] == ':')) {
            *why = "a host name has a character that is not allowed";
            return ZKELECT_EINVAL;
        }
    }
    const char *port = colon + 1;
    size_t port_len = len - host_len - 1;
    if (port_len == 0 || port_len > 5) {
        *why = "a port must be a number from 1 to 65535";
        return ZKELECT_EINVAL;
    }
    long value = 0;
    for (size_t i = 0; i < port_len; i++) {
        if (port[i] < '0' || port[i] > '9') {
            *why = "a port must be a number from 1 to 65535";
            return ZKELECT_EINVAL;
        }
        value = value * 10 + (port[i] - '0');
    }
    if (value < 1 || value > 65535) {
        *why = "a port must be a number from 1 to 65535";
        return ZKELECT_EINVAL;
    }
    return ZKELECT_OK;
}

int zkelect__validate_servers(const char *servers, const char **why)
{
    if (!servers || servers[0] == '\0') {
        *why = "ZooKeeper host string is NULL or empty";
        return ZKELECT_EINVAL;
    }
    const char *chroot = strchr(servers, '/');
    size_t list_len = chroot ? (size_t)(chroot - servers) : strlen(servers);
    if (list_len == 0) {
        *why = "ZooKeeper host string names no server";
        return ZKELECT_EINVAL;
    }
    for (const char *s = servers; s < servers + list_len;) {
        const char *comma = memchr(s, ',', list_len - (size_t)(s - servers));
        size_t len = comma ? (size_t)(comma - s) : list_len - (size_t)(s - servers);
        int rc = validate_server(s, len, why);
        if (rc)
            return rc;
        if (comma && comma + 1 == servers + list_len) {
            *why = "ZooKeeper host string ends with ','";
            return ZKELECT_EINVAL;
        }
        s += len + 1;
    }
    if (chroot && strcmp(chroot, "/") != 0) {
        int rc = zkelect__validate_path(chroot, why);
        if (rc) {
            *why = "the chroot suffix of the host string is not a valid path";
            return rc;
        }
    }
    return ZKELECT_OK;
}

static int default_id(char *buf, size_t len)
{
    char host[256];
    if (gethostname(host, sizeof host) != 0)
        host[0] = '\0';
    host[sizeof host - 1] = '\0';
    snprintf(buf, len, "%.200s:%ld", host[0] ? host : "localhost", (long)getpid());
    return ZKELECT_OK;
}

int zkelect__check_election(const char *election_path, const char **participant_id, char *generated, size_t len,
                            const char **why)
{
    *why = "could not make a participant id from the host name and pid";
    int rc = zkelect__validate_path(election_path, why);
    if (!rc && !*participant_id)
        rc = default_id(generated, len), *participant_id = generated;
    if (!rc)
        rc = zkelect__validate_id(*participant_id, why);
    return rc;
}
