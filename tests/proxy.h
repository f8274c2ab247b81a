/* proxy.h - a TCP proxy between one participant and ZooKeeper, on 127.0.0.1,
 * that a test can switch to cut that participant off in the ways networks
 * fail. It understands just enough of ZooKeeper's framing (a 4-byte
 * big-endian length; after the connect request, xid and op code) to lose
 * the reply to one create, or to hold back the first read. */
#ifndef ZKELECT_TEST_PROXY_H
#define ZKELECT_TEST_PROXY_H

#include <stdbool.h>

typedef enum proxy_mode {
    PROXY_PASS,        /* forward everything */
    PROXY_BLACKHOLE,   /* keep the sockets open, forward nothing: a silent partition */
    PROXY_REFUSE,      /* close every connection at once, and new ones too */
    PROXY_LOSE_CREATE, /* forward the next create, swallow its reply, then close
                        * the connection; back to PASS afterwards */
    PROXY_LOSE_CREATE_THEN_REFUSE, /* the same, then PROXY_REFUSE */
    PROXY_DROP_REPLIES,/* forward the client's bytes, drop the server's: asymmetric */
    PROXY_DROP_REQUESTS, /* forward the server's bytes, drop the client's: asymmetric, the other way */
    PROXY_DELAY,       /* forward both ways, each chunk proxy_set_delay() ms late */
    PROXY_HOLD_READ    /* forward until the client sends a getData, then hold it and
                        * every later client byte (replies still flow) until the
                        * mode changes: the request reaches the server late, in order */
} proxy_mode_t;

typedef struct proxy proxy_t;

/* Listen on a free 127.0.0.1 port and forward to upstream_port. */
proxy_t *proxy_start(int upstream_port);
/* The same for an encrypted stream (TLS): the bytes are forwarded as they
 * come, never read as ZooKeeper's frames, so the modes that look into them
 * (PROXY_LOSE_CREATE*, PROXY_HOLD_READ, and the count of
 * proxy_multis_dropped()) do nothing there. */
proxy_t *proxy_start_opaque(int upstream_port);
void proxy_stop(proxy_t *p);
/* "127.0.0.1:PORT" of the listening side. */
const char *proxy_hosts(const proxy_t *p);
void proxy_set_mode(proxy_t *p, proxy_mode_t mode);
/* One-way delay for PROXY_DELAY, in ms. */
void proxy_set_delay(proxy_t *p, int delay_ms);
/* How many creates were swallowed in PROXY_LOSE_CREATE mode. */
int proxy_creates_lost(proxy_t *p);
/* PROXY_HOLD_READ lets the next n getData through before it holds one. */
void proxy_pass_reads(proxy_t *p, int n);
/* How many reads PROXY_HOLD_READ has held back. */
int proxy_reads_held(proxy_t *p);
/* How many transactions (multi) PROXY_DROP_REQUESTS kept from the server. */
int proxy_multis_dropped(proxy_t *p);
/* Connections open through it now. */
int proxy_connections(proxy_t *p);

#endif
