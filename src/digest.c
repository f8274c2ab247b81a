/* digest.c - the id of ZooKeeper's "digest" scheme for a user and password:
 * "user:" and the base64 of the SHA-1 of "user:password" (what the server's
 * DigestAuthenticationProvider computes). The library names its sessions'
 * owner identities this way in the ACL of the nodes it creates (config.c),
 * so that only the session that made a node can write it. SHA-1 is what
 * ZooKeeper uses here; it proves nothing secret beyond the random password. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

typedef struct sha1 {
    uint32_t h[5];
    uint64_t length; /* bytes hashed so far */
    unsigned char block[64];
    size_t used;
} sha1_t;

static uint32_t rotate_left(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32 - n));
}

static void sha1_block(sha1_t *c, const unsigned char *p)
{
    uint32_t w[80];
    for (size_t i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 80; i++)
        w[i] = rotate_left(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = c->h[0], b = c->h[1], d = c->h[3], e = c->h[4], cc = c->h[2];
    for (int i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20)
            f = (b & cc) | (~b & d), k = 0x5A827999;
        else if (i < 40)
            f = b ^ cc ^ d, k = 0x6ED9EBA1;
        else if (i < 60)
            f = (b & cc) | (b & d) | (cc & d), k = 0x8F1BBCDC;
        else
            f = b ^ cc ^ d, k = 0xCA62C1D6;
        uint32_t t = rotate_left(a, 5) + f + e + k + w[i];
        e = d;
        d = cc;
        cc = rotate_left(b, 30);
        b = a;
        a = t;
    }
    c->h[0] += a, c->h[1] += b, c->h[2] += cc, c->h[3] += d, c->h[4] += e;
}

static void sha1_update(sha1_t *c, const unsigned char *p, size_t len)
{
    c->length += len;
    while (len > 0) {
        size_t take = 64 - c->used < len ? 64 - c->used : len;
        memcpy(c->block + c->used, p, take);
        c->used += take, p += take, len -= take;
        if (c->used == 64) {
            sha1_block(c, c->block);
            c->used = 0;
        }
    }
}

static void sha1(const void *data, size_t len, unsigned char out[20])
{
    sha1_t c = {.h = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0}};
    sha1_update(&c, data, len);
    uint64_t bits = c.length * 8;
    unsigned char pad[72] = {0x80};
    size_t pad_len = (c.used < 56 ? 56 : 120) - c.used;
    for (int i = 0; i < 8; i++)
        pad[pad_len + (size_t)i] = (unsigned char)(bits >> (56 - 8 * i));
    sha1_update(&c, pad, pad_len + 8);
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 4; j++)
            out[4 * i + j] = (unsigned char)(c.h[i] >> (24 - 8 * j));
}

static void base64(const unsigned char *in, size_t len, char *out)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0) | (i + 2 < len ? in[i + 2] : 0);
        out[o++] = alphabet[(v >> 18) & 63];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
        out[o++] = alphabet[v & 63];
    }
    /* Padding: the last group of fewer than three bytes. */
    for (size_t pad = (3 - len % 3) % 3; pad > 0; pad--)
        out[o - pad] = '=';
    out[o] = '\0';
}

int zkelect__digest_id(const char *user_password, char *out, size_t len)
{
    const char *colon = strchr(user_password, ':');
    if (!colon)
        return ZKELECT_EINVAL;
    unsigned char hash[20];
    char encoded[29]; /* 20 bytes: 28 characters */
    sha1(user_password, strlen(user_password), hash);
    base64(hash, sizeof hash, encoded);
    int n = snprintf(out, len, "%.*s:%s", (int)(colon - user_password), user_password, encoded);
    return n < 0 || (size_t)n >= len ? ZKELECT_ERANGE : ZKELECT_OK;
}
