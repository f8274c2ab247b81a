/*
 * poll-loop.c - a single-threaded daemon that serves TCP only while it leads,
 * with zkelect in manual dispatch mode inside a plain poll() loop.
 *
 *   poll-loop ZK_HOSTS ELECTION_PATH PORT [ID]
 *
 * While leader it listens on 127.0.0.1:PORT and answers each connection with
 * one line, "ID EPOCH", then closes it. When leadership ends it stops
 * listening. SIGINT or SIGTERM: leave the election (a successor is elected
 * at once) and exit 0. Every callback runs on this one thread, so the
 * listener needs no lock.
 */
#include <zkelect.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct server {
    const char *id;
    int port;
    int listen_fd; /* -1 while not leading */
    int64_t epoch;
} server_t;

static int listen_on(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int one = 1;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 64) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static void stop_serving(server_t *s)
{
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
        s->listen_fd = -1;
        printf("%s: stopped serving\n", s->id);
    }
}

static void on_event(zkelect_t *e, const zkelect_event_t *ev, void *userdata)
{
    server_t *s = userdata;
    if (ev->type == ZKELECT_EV_ELECTED) {
        s->epoch = ev->epoch;
        s->listen_fd = listen_on(s->port);
        if (s->listen_fd < 0) {
            /* Leading without serving helps nobody: let the next one lead. */
            fprintf(stderr, "%s: cannot listen on port %d (%s): resigning\n", s->id, s->port, strerror(errno));
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

static void answer(server_t *s, zkelect_t *e)
{
    int client = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (client < 0)
        return;
    /* The lease may have run out a moment ago, before its REVOKED is
     * dispatched: zkelect_is_leader() is the authority. */
    if (zkelect_is_leader(e)) {
        char line[320];
        int len = snprintf(line, sizeof line, "%s %lld\n", s->id, (long long)s->epoch);
        if (write(client, line, (size_t)len) != len)
            fprintf(stderr, "%s: short write to a client\n", s->id);
    }
    close(client);
}

static int signal_fd(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, NULL);
    return signalfd(-1, &set, SFD_CLOEXEC);
}

static int run(zkelect_t *e, server_t *s, int sig_fd)
{
    int zk_fd;
    if (zkelect_fd(e, &zk_fd) != ZKELECT_OK || zkelect_start(e) != ZKELECT_OK)
        return 1;
    for (;;) {
        struct pollfd fds[3] = {{.fd = zk_fd, .events = POLLIN}, {.fd = sig_fd, .events = POLLIN},
                                {.fd = s->listen_fd, .events = POLLIN}};
        if (poll(fds, s->listen_fd >= 0 ? 3 : 2, -1) < 0 && errno != EINTR)
            return 1;
        if (fds[1].revents & POLLIN)
            return 0;
        if (fds[0].revents & POLLIN)
            zkelect_dispatch(e, NULL);
        if (s->listen_fd >= 0 && (fds[2].revents & POLLIN))
            answer(s, e);
    }
}

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 5 || atoi(argv[3]) <= 0 || atoi(argv[3]) > 65535) {
        fprintf(stderr, "usage: %s ZK_HOSTS ELECTION_PATH PORT [ID]\n", argv[0]);
        return 2;
    }
    server_t s = {.id = argc == 5 ? argv[4] : "poll-loop", .port = atoi(argv[3]), .listen_fd = -1};
    zkelect_t *e;
    int rc = zkelect_new(&e, argv[1], argv[2], s.id);
    if (rc != ZKELECT_OK) {
        fprintf(stderr, "%s: %s\n", argv[0], zkelect_strerror(rc));
        return 2;
    }
    zkelect_set_callback(e, on_event, &s);
    zkelect_set_session_timeout(e, 4000);
    int sig_fd = signal_fd();
    if (sig_fd < 0 || zkelect_set_dispatch_mode(e, ZKELECT_DISPATCH_MANUAL) != ZKELECT_OK) {
        fprintf(stderr, "%s: cannot set up the loop\n", argv[0]);
        zkelect_destroy(e);
        return 1;
    }
    int status = run(e, &s, sig_fd);
    /* Runs the last callbacks (REVOKED closes the listener) on this thread. */
    zkelect_destroy(e);
    stop_serving(&s);
    close(sig_fd);
    return status;
}
