/* proxy.c - see proxy.h. One thread polls the listener and every
 * connection pair. */
#include "proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PAIRS 16
#define ZOO_CREATE2_OP 15
#define ZOO_MULTI_OP 14
#define ZOO_GETDATA_OP 4
#define HELD INT64_MAX /* the due time of a held chunk */

/* A chunk waiting out its delay. */
typedef struct chunk {
    struct chunk *next;
    int64_t due_ns;
    size_t len;
    unsigned char data[];
} chunk_t;

typedef struct pair {
    int client, server;
    chunk_t *to_server, *to_client; /* delayed chunks, oldest first */
    bool seen_connect;  /* the first client frame is the headerless connect request */
    unsigned char frame[4 + 1024 * 1024 + 64];
    size_t have;        /* bytes of the client frame being assembled */
    int32_t lost_xid;   /* waiting for the reply to this create, to swallow it */
    bool losing;
    bool holding;       /* client bytes go to to_server as HELD (PROXY_HOLD_READ) */
} pair_t;

struct proxy {
    int listener;
    int upstream_port;
    char hosts[32];
    pthread_t thread;
    int wake[2];
    pthread_mutex_t lock;
    proxy_mode_t mode;
    uint64_t mode_set, mode_seen; /* the test's changes, and those the proxy thread has taken */
    pthread_cond_t mode_taken;
    int delay_ms;     /* set by the test, under lock */
    int active_delay; /* the proxy thread's copy */
    int creates_lost;
    int reads_held;
    int multis_dropped; /* transactions PROXY_DROP_REQUESTS kept from the server */
    int reads_to_pass; /* PROXY_HOLD_READ lets so many getData through first */
    int connections;
    bool opaque; /* an encrypted stream: forwarded as it comes, never read as frames */
    bool stop;
    pair_t *pairs[MAX_PAIRS];
};

static int listen_loopback(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) || listen(fd, 16) ||
        getsockname(fd, (struct sockaddr *)&a, &len)) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

static int connect_upstream(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
        return fd;
    if (fd >= 0)
        close(fd);
    return -1;
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void free_chunks(chunk_t *c)
{
    while (c) {
        chunk_t *next = c->next;
        free(c);
        c = next;
    }
}

static void close_pair(proxy_t *p, int i)
{
    pthread_mutex_lock(&p->lock);
    p->connections--;
    pthread_mutex_unlock(&p->lock);
    free_chunks(p->pairs[i]->to_server);
    free_chunks(p->pairs[i]->to_client);
    close(p->pairs[i]->client);
    close(p->pairs[i]->server);
    free(p->pairs[i]);
    p->pairs[i] = NULL;
}

static bool send_all(int fd, const void *buf, size_t len)
{
    const char *b = buf;
    while (len > 0) {
        ssize_t n = send(fd, b, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        b += n;
        len -= (size_t)n;
    }
    return true;
}

static bool queue_chunk(chunk_t **queue, const void *buf, size_t len, int64_t due_ns)
{
    chunk_t *c = malloc(sizeof *c + len);
    if (!c)
        return false;
    c->next = NULL;
    c->due_ns = due_ns;
    c->len = len;
    memcpy(c->data, buf, len);
    while (*queue)
        queue = &(*queue)->next;
    *queue = c;
    return true;
}

/* Send what is due; false if the peer is gone. */
static bool flush_due(chunk_t **queue, int fd)
{
    while (*queue && (*queue)->due_ns <= now_ns()) {
        chunk_t *c = *queue;
        if (!send_all(fd, c->data, c->len))
            return false;
        *queue = c->next;
        free(c);
    }
    return true;
}

static bool delay_chunk(chunk_t **queue, const void *buf, size_t len, int delay_ms)
{
    return queue_chunk(queue, buf, len, now_ns() + (int64_t)delay_ms * 1000000);
}

/* Out of PROXY_HOLD_READ: what was held goes out now, in order. */
static void release_held(pair_t *c)
{
    for (chunk_t *k = c->to_server; k; k = k->next)
        k->due_ns = 0;
    c->holding = false;
}

static uint32_t be32(const unsigned char *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* Client to server as the bytes come: a TLS stream has no frames to read. */
static bool from_client_opaque(pair_t *c, proxy_mode_t mode, int delay_ms)
{
    unsigned char buf[65536];
    ssize_t n = recv(c->client, buf, sizeof buf, 0);
    if (n <= 0)
        return false;
    if (mode == PROXY_DROP_REQUESTS)
        return true;
    if (mode == PROXY_DELAY)
        return delay_chunk(&c->to_server, buf, (size_t)n, delay_ms);
    return send_all(c->server, buf, (size_t)n);
}

/* Client to server: whole frames, so that a create can be recognised. */
static bool from_client(proxy_t *p, pair_t *c, proxy_mode_t mode)
{
    if (p->opaque)
        return from_client_opaque(c, mode, p->active_delay);
    ssize_t n = recv(c->client, c->frame + c->have, sizeof c->frame - c->have, 0);
    if (n <= 0)
        return false;
    c->have += (size_t)n;
    while (c->have >= 4) {
        size_t len = be32(c->frame);
        if (len > sizeof c->frame - 4)
            return false;
        if (c->have < 4 + len)
            break;
        if (c->seen_connect && len >= 8 && (mode == PROXY_LOSE_CREATE || mode == PROXY_LOSE_CREATE_THEN_REFUSE) &&
            !c->losing &&
            (int32_t)be32(c->frame + 8) == ZOO_CREATE2_OP) {
            c->losing = true;
            c->lost_xid = (int32_t)be32(c->frame + 4);
        }
        if (c->seen_connect && len >= 8 && mode == PROXY_HOLD_READ && !c->holding &&
            (int32_t)be32(c->frame + 8) == ZOO_GETDATA_OP) {
            pthread_mutex_lock(&p->lock);
            c->holding = p->reads_to_pass-- <= 0;
            p->reads_held += c->holding;
            pthread_mutex_unlock(&p->lock);
        }
        if (c->seen_connect && len >= 8 && mode == PROXY_DROP_REQUESTS &&
            (int32_t)be32(c->frame + 8) == ZOO_MULTI_OP) {
            pthread_mutex_lock(&p->lock);
            p->multis_dropped++;
            pthread_mutex_unlock(&p->lock);
        }
        c->seen_connect = true;
        bool sent = mode == PROXY_DROP_REQUESTS ? true
                    : c->holding            ? queue_chunk(&c->to_server, c->frame, 4 + len, HELD)
                    : mode == PROXY_DELAY ? delay_chunk(&c->to_server, c->frame, 4 + len, p->active_delay)
                                          : send_all(c->server, c->frame, 4 + len);
        if (!sent)
            return false;
        memmove(c->frame, c->frame + 4 + len, c->have - 4 - len);
        c->have -= 4 + len;
    }
    return true;
}

/* Server to client: raw, unless the reply to a create is to be lost. Then the
 * stream is read frame by frame until that reply, which is dropped, and the
 * connection closed: the create happened, the client never hears of it. */
static bool from_server(proxy_t *p, pair_t *c, proxy_mode_t mode)
{
    unsigned char buf[65536];
    ssize_t n = recv(c->server, buf, sizeof buf, 0);
    if (n <= 0)
        return false;
    if (mode == PROXY_DROP_REPLIES)
        return true;
    if (mode == PROXY_DELAY)
        return delay_chunk(&c->to_client, buf, (size_t)n, p->active_delay);
    if (!c->losing)
        return send_all(c->client, buf, (size_t)n);
    /* Replies are small here (pings, the create): scan the frames in buf. */
    size_t off = 0;
    while (off + 8 <= (size_t)n) {
        size_t len = be32(buf + off);
        int32_t xid = (int32_t)be32(buf + off + 4);
        if (xid == c->lost_xid) {
            pthread_mutex_lock(&p->lock);
            p->creates_lost++;
            p->mode = p->mode == PROXY_LOSE_CREATE_THEN_REFUSE ? PROXY_REFUSE : PROXY_PASS;
            pthread_mutex_unlock(&p->lock);
            return false; /* close both ends */
        }
        if (off + 4 + len > (size_t)n || !send_all(c->client, buf + off, 4 + len))
            return false;
        off += 4 + len;
    }
    return off == (size_t)n;
}

static void accept_client(proxy_t *p, proxy_mode_t mode)
{
    int fd = accept(p->listener, NULL, NULL);
    if (fd < 0)
        return;
    int up = mode == PROXY_REFUSE ? -1 : connect_upstream(p->upstream_port);
    int slot = -1;
    for (int i = 0; i < MAX_PAIRS && slot < 0; i++) {
        if (!p->pairs[i])
            slot = i;
    }
    pair_t *c = up >= 0 && slot >= 0 ? calloc(1, sizeof *c) : NULL;
    if (!c) {
        close(fd);
        if (up >= 0)
            close(up);
        return;
    }
    c->client = fd;
    c->server = up;
    p->pairs[slot] = c;
    pthread_mutex_lock(&p->lock);
    p->connections++;
    pthread_mutex_unlock(&p->lock);
}

static void *proxy_main(void *arg)
{
    proxy_t *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        proxy_mode_t mode = p->mode;
        p->active_delay = p->delay_ms;
        bool stop = p->stop;
        p->mode_seen = p->mode_set;
        pthread_cond_broadcast(&p->mode_taken);
        pthread_mutex_unlock(&p->lock);
        if (stop)
            break;
        if (mode == PROXY_REFUSE) {
            for (int i = 0; i < MAX_PAIRS; i++) {
                if (p->pairs[i])
                    close_pair(p, i);
            }
        }
        struct pollfd fds[2 + 2 * MAX_PAIRS];
        int idx[2 + 2 * MAX_PAIRS];
        int n = 0;
        fds[n++] = (struct pollfd){.fd = p->wake[0], .events = POLLIN};
        fds[n++] = (struct pollfd){.fd = p->listener, .events = POLLIN};
        for (int i = 0; i < MAX_PAIRS; i++) {
            /* In blackhole mode nothing is read, so nothing is forwarded and
             * the sockets stay open: the peers see silence, not a reset. */
            if (!p->pairs[i] || mode == PROXY_BLACKHOLE)
                continue;
            idx[n] = i;
            fds[n++] = (struct pollfd){.fd = p->pairs[i]->client, .events = POLLIN};
            idx[n] = i;
            fds[n++] = (struct pollfd){.fd = p->pairs[i]->server, .events = POLLIN};
        }
        int timeout = 1000;
        for (int i = 0; i < MAX_PAIRS; i++) {
            pair_t *c = p->pairs[i];
            if (!c)
                continue;
            if (c->holding && mode != PROXY_HOLD_READ)
                release_held(c);
            if (!flush_due(&c->to_server, c->server) || !flush_due(&c->to_client, c->client)) {
                close_pair(p, i);
                continue;
            }
            if ((c->to_server && c->to_server->due_ns != HELD) || c->to_client)
                timeout = 1; /* chunks waiting: look again soon */
        }
        if (poll(fds, (nfds_t)n, timeout) <= 0)
            continue;
        if (fds[0].revents) {
            char drain[16];
            if (read(p->wake[0], drain, sizeof drain) < 0)
                continue;
        }
        if (fds[1].revents & POLLIN)
            accept_client(p, mode);
        for (int k = 2; k < n; k++) {
            int i = idx[k];
            if (!fds[k].revents || !p->pairs[i])
                continue;
            pair_t *c = p->pairs[i];
            bool ok = fds[k].fd == c->client ? from_client(p, c, mode) : from_server(p, c, mode);
            if (!ok)
                close_pair(p, i);
        }
    }
    for (int i = 0; i < MAX_PAIRS; i++) {
        if (p->pairs[i])
            close_pair(p, i);
    }
    return NULL;
}

static proxy_t *start(int upstream_port, bool opaque)
{
    proxy_t *p = calloc(1, sizeof *p);
    int port;
    if (!p)
        return NULL;
    p->upstream_port = upstream_port;
    p->opaque = opaque;
    p->listener = listen_loopback(&port);
    if (p->listener < 0 || pipe(p->wake)) {
        free(p);
        return NULL;
    }
    snprintf(p->hosts, sizeof p->hosts, "127.0.0.1:%d", port);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->mode_taken, NULL);
    if (pthread_create(&p->thread, NULL, proxy_main, p)) {
        close(p->listener);
        free(p);
        return NULL;
    }
    return p;
}

proxy_t *proxy_start(int upstream_port)
{
    return start(upstream_port, false);
}

proxy_t *proxy_start_opaque(int upstream_port)
{
    return start(upstream_port, true);
}

static void wake(proxy_t *p)
{
    if (write(p->wake[1], "x", 1) < 0)
        perror("proxy wake");
}

/* Returns once the proxy thread works in the new mode: bytes that arrive
 * from then on are handled by it, never by the mode before. */
void proxy_set_mode(proxy_t *p, proxy_mode_t mode)
{
    pthread_mutex_lock(&p->lock);
    p->mode = mode;
    uint64_t change = ++p->mode_set;
    pthread_mutex_unlock(&p->lock);
    wake(p);
    pthread_mutex_lock(&p->lock);
    while (p->mode_seen < change && !p->stop)
        pthread_cond_wait(&p->mode_taken, &p->lock);
    pthread_mutex_unlock(&p->lock);
}

void proxy_set_delay(proxy_t *p, int delay_ms)
{
    pthread_mutex_lock(&p->lock);
    p->delay_ms = delay_ms;
    pthread_mutex_unlock(&p->lock);
}

int proxy_creates_lost(proxy_t *p)
{
    pthread_mutex_lock(&p->lock);
    int n = p->creates_lost;
    pthread_mutex_unlock(&p->lock);
    return n;
}

void proxy_pass_reads(proxy_t *p, int n)
{
    pthread_mutex_lock(&p->lock);
    p->reads_to_pass = n;
    pthread_mutex_unlock(&p->lock);
}

int proxy_multis_dropped(proxy_t *p)
{
    pthread_mutex_lock(&p->lock);
    int n = p->multis_dropped;
    pthread_mutex_unlock(&p->lock);
    return n;
}

int proxy_reads_held(proxy_t *p)
{
    pthread_mutex_lock(&p->lock);
    int n = p->reads_held;
    pthread_mutex_unlock(&p->lock);
    return n;
}

int proxy_connections(proxy_t *p)
{
    pthread_mutex_lock(&p->lock);
    int n = p->connections;
    pthread_mutex_unlock(&p->lock);
    return n;
}

const char *proxy_hosts(const proxy_t *p)
{
    return p->hosts;
}

void proxy_stop(proxy_t *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = true;
    pthread_mutex_unlock(&p->lock);
    wake(p);
    pthread_join(p->thread, NULL);
    close(p->listener);
    close(p->wake[0]);
    close(p->wake[1]);
    pthread_cond_destroy(&p->mode_taken);
    pthread_mutex_destroy(&p->lock);
    free(p);
}
