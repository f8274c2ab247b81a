/*
 * libevent-leader.c - the poll-loop.c daemon on libevent: zkelect's fd is one
 * more event in the event base, and every callback runs on the loop's thread.
 *
 *   libevent-leader ZK_HOSTS ELECTION_PATH PORT [ID]
 *
 * While leader it listens on 127.0.0.1:PORT and answers each connection with
 * one line, "ID EPOCH", then closes it; it stops listening when leadership
 * ends. SIGINT or SIGTERM: leave the election and exit 0.
 */
#include <zkelect.h>

#include <arpa/inet.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct server {
    const char *id;
    int port;
    struct event_base *base;
    struct evconnlistener *listener; /* NULL while not leading */
    int64_t epoch;
    zkelect_t *e;
} server_t;

static void on_connection(struct evconnlistener *listener, evutil_socket_t client, struct sockaddr *addr,
                          int len, void *arg)
{
    (void)listener, (void)addr, (void)len;
    server_t *s = arg;
    /* The lease may have run out before its REVOKED is dispatched. */
    if (zkelect_is_leader(s->e)) {
        char line[320];
        int n = snprintf(line, sizeof line, "%s %lld\n", s->id, (long long)s->epoch);
        if (write(client, line, (size_t)n) != n)
            fprintf(stderr, "%s: short write to a client\n", s->id);
    }
    evutil_closesocket(client);
}

static void stop_serving(server_t *s)
{
    if (s->listener) {
        evconnlistener_free(s->listener);
        s->listener = NULL;
        printf("%s: stopped serving\n", s->id);
    }
}

static void on_event(zkelect_t *e, const zkelect_event_t *ev, void *userdata)
{
    server_t *s = userdata;
    if (ev->type == ZKELECT_EV_ELECTED) {
        struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->port)};
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        s->epoch = ev->epoch;
        s->listener = evconnlistener_new_bind(s->base, on_connection, s, LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE,
                                              64, (struct sockaddr *)&addr, sizeof addr);
        if (!s->listener) {
            fprintf(stderr, "%s: cannot listen on port %d: resigning\n", s->id, s->port);
            zkelect_resign(e);
            return;
        }
        printf("%s: leading (epoch %lld), serving on 127.0.0.1:%d\n", s->id, (long long)ev->epoch, s->port);
    } else if (ev->type == ZKELECT_EV_REVOKED) {
        stop_serving(s);
    } else if (ev->type == ZKELECT_EV_ERROR) {
        fprintf(stderr, "%s: %s\n", s->id, ev->message);
    }
    fflush(stdout);
}

static void on_zkelect_ready(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    zkelect_dispatch(arg, NULL);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)sig, (void)what;
    event_base_loopexit(arg, NULL);
}

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 5 || atoi(argv[3]) <= 0 || atoi(argv[3]) > 65535) {
        fprintf(stderr, "usage: %s ZK_HOSTS ELECTION_PATH PORT [ID]\n", argv[0]);
        return 2;
    }
    server_t s = {.id = argc == 5 ? argv[4] : "libevent-leader", .port = atoi(argv[3])};
    int rc = zkelect_new(&s.e, argv[1], argv[2], s.id);
    if (rc != ZKELECT_OK) {
        fprintf(stderr, "%s: %s\n", argv[0], zkelect_strerror(rc));
        return 2;
    }
    zkelect_set_callback(s.e, on_event, &s);
    zkelect_set_session_timeout(s.e, 4000);
    int zk_fd;
    s.base = event_base_new();
    if (!s.base || zkelect_set_dispatch_mode(s.e, ZKELECT_DISPATCH_MANUAL) != ZKELECT_OK ||
        zkelect_fd(s.e, &zk_fd) != ZKELECT_OK) {
        fprintf(stderr, "%s: cannot set up the loop\n", argv[0]);
        zkelect_destroy(s.e);
        return 1;
    }
    struct event *zk_ready = event_new(s.base, zk_fd, EV_READ | EV_PERSIST, on_zkelect_ready, s.e);
    struct event *term = evsignal_new(s.base, SIGTERM, on_signal, s.base);
    struct event *intr = evsignal_new(s.base, SIGINT, on_signal, s.base);
    int status = 1;
    if (zk_ready && term && intr && event_add(zk_ready, NULL) == 0 && event_add(term, NULL) == 0 &&
        event_add(intr, NULL) == 0 && zkelect_start(s.e) == ZKELECT_OK)
        status = event_base_dispatch(s.base) < 0;
    /* The last callbacks (REVOKED frees the listener) run here, on this thread. */
    zkelect_destroy(s.e);
    stop_serving(&s);
    struct event *events[] = {zk_ready, term, intr};
    for (size_t i = 0; i < sizeof events / sizeof events[0]; i++) {
        if (events[i])
            event_free(events[i]);
    }
    event_base_free(s.base);
    return status;
}
