/* closing.c - the end of a command's handle, bounded. zkelect_destroy()
 * returns within about 2 s when ZooKeeper has gone silent, except in one
 * case the library cannot shorten: with TLS, the ZooKeeper client's
 * handshake has no deadline, and a member that takes the connection but
 * never answers (stopped, hung) holds the client's thread, and so the
 * destroy, until it answers or the connection fails (docs/GUIDE.md
 * "Connecting securely"). A command must not hang there: `zkelect status`
 * in a monitoring script, a `run` that systemd is stopping. So the destroy
 * runs on a thread of its own, and the command waits for it a bounded
 * time; past it, the process ends without it, and its session, which has
 * no connection, ends with it (a leader's node, left behind, goes when the
 * server expires the session). */
#include "cli.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* Two and a half times the 2 s the library promises a silent destroy. */
#define CLOSE_WAIT_MS 5000

typedef struct closing {
    zkelect_t *e;
    pthread_mutex_t lock;
    pthread_cond_t done_cond;
    bool done;
} closing_t;

static void *destroy_handle(void *arg)
{
    closing_t *c = arg;
    zkelect_destroy(c->e);
    pthread_mutex_lock(&c->lock);
    c->done = true;
    pthread_cond_signal(&c->done_cond);
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

/* Until done, or the deadline; true if done. */
static bool wait_done(closing_t *c, int ms)
{
    struct timespec deadline = cli_deadline_after(CLOCK_MONOTONIC, ms / 1000.0);
    pthread_mutex_lock(&c->lock);
    while (!c->done)
        if (pthread_cond_timedwait(&c->done_cond, &c->lock, &deadline) != 0)
            break;
    bool done = c->done;
    pthread_mutex_unlock(&c->lock);
    return done;
}

static void closing_free(closing_t *c)
{
    pthread_cond_destroy(&c->done_cond);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

bool cli_destroy_bounded(zkelect_t *e)
{
    if (!e)
        return true;
    /* On the heap: when the wait gives up, the closer still uses it. */
    closing_t *c = calloc(1, sizeof *c);
    if (!c) {
        zkelect_destroy(e); /* no memory to spare: wait, as the library does */
        return true;
    }
    c->e = e;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&c->done_cond, &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_init(&c->lock, NULL);
    pthread_t closer;
    if (pthread_create(&closer, NULL, destroy_handle, c) != 0) {
        zkelect_destroy(e);
    } else if (wait_done(c, CLOSE_WAIT_MS)) {
        pthread_join(closer, NULL);
    } else {
        cli_log(CLI_WARNING, "the ZooKeeper client still waits for a server's answer (a TLS handshake with a "
                             "member that takes the connection and never answers?) %d s after the end began; "
                             "leaving without it: the session ends with this process", CLOSE_WAIT_MS / 1000);
        return false; /* the closer goes on with c: the caller ends the process */
    }
    closing_free(c);
    return true;
}

_Noreturn void cli_exit_now(int status)
{
    /* _exit, not exit: the exit handlers (OpenSSL's among them) would free
     * what the client's thread, still in its handshake, is using. */
    fflush(stdout);
    fflush(stderr);
    _exit(status);
}

int cli_close(zkelect_t *e, int status)
{
    if (!cli_destroy_bounded(e))
        cli_exit_now(status);
    return status;
}
