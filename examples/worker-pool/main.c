/* main.c - the worker pool example (see pool.h for the design):
 *   pool enqueue HOSTS ROOT COUNT        add COUNT jobs
 *   pool work HOSTS ROOT ID [SESSION_MS] be a worker until SIGTERM/SIGINT
 *   pool status HOSTS ROOT               one line: pending, assigned, done
 *   pool verify HOSTS ROOT COUNT         every result present and right */
#include "pool.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static atomic_bool stopping;
static pthread_mutex_t wake_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_cond = PTHREAD_COND_INITIALIZER;
static bool woken;


static void wake(void)
{
    pthread_mutex_lock(&wake_lock);
    woken = true;
    pthread_cond_signal(&wake_cond);
    pthread_mutex_unlock(&wake_lock);
}

/* SIGTERM and SIGINT are blocked everywhere and taken here, so that a stop
 * wakes the main loop at once (the graceful hand-over is then quick). */
static void *signal_main(void *arg)
{
    sigset_t *set = arg;
    int sig;
    sigwait(set, &sig);
    atomic_store(&stopping, true);
    wake();
    return NULL;
}

static void on_change(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    (void)zh, (void)type, (void)state, (void)path, (void)ctx;
    wake();
}

/* Until something changed, or 200 ms: new jobs are not watched for. */
static void wait_for_change(void)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_nsec += 200 * 1000 * 1000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&wake_lock);
    while (!woken && !atomic_load(&stopping) && pthread_cond_timedwait(&wake_cond, &wake_lock, &deadline) == 0)
        continue;
    woken = false;
    pthread_mutex_unlock(&wake_lock);
}

static void on_election(zkelect_t *e, const zkelect_event_t *ev, void *userdata)
{
    (void)e;
    pool_t *p = userdata;
    if (ev->type == ZKELECT_EV_ELECTED)
        pool_say(p, "ELECTED dispatcher, epoch %lld", (long long)ev->epoch);
    else if (ev->type == ZKELECT_EV_REVOKED)
        pool_say(p, "REVOKED dispatcher, epoch %lld: %s", (long long)ev->epoch, zkelect_reason_name(ev->reason));
    else if (ev->type == ZKELECT_EV_ERROR)
        pool_say(p, "ERROR %s", ev->message);
    wake();
}

static int join(pool_t *p, int session_ms)
{
    char path[POOL_PATH_MAX];
    pool_path(path, p, "assign/%s", p->id);
    int rc = zoo_create(p->zh, path, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
    pool_path(path, p, "workers/%s", p->id);
    if ((rc == ZOK || rc == ZNODEEXISTS) &&
        (rc = zoo_create(p->zh, path, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL, NULL, 0)) != ZOK)
        fprintf(stderr, "%s: registering %s: %s\n", p->id, path, zerror(rc));
    pool_path(path, p, "election");
    if (rc == ZOK)
        rc = zkelect_new(&p->election, p->hosts, path, p->id);
    if (rc == ZOK)
        rc = zkelect_set_callback(p->election, on_election, p);
    if (rc == ZOK)
        rc = zkelect_set_session_timeout(p->election, session_ms);
    if (rc == ZOK)
        rc = zkelect_start(p->election);
    return rc;
}

static int work(pool_t *p, int session_ms)
{
    p->wake = on_change;
    if (join(p, session_ms) != 0) {
        fprintf(stderr, "%s: cannot join the pool\n", p->id);
        return 1;
    }
    pool_say(p, "JOINED the pool");
    while (!atomic_load(&stopping)) {
        /* The dispatcher works too, one job per round, so that handing
         * out work never waits long behind doing it. */
        bool dispatcher = zkelect_is_leader(p->election);
        if (dispatcher)
            pool_dispatch(p, zkelect_epoch(p->election));
        pool_work_assignments(p, dispatcher ? 1 : POOL_BACKLOG);
        wait_for_change();
    }
    /* Hand the dispatcher role over at once, then leave the pool. */
    zkelect_destroy(p->election);
    pool_say(p, "STOPPED: completed %ld, refused %ld stale, %ld not committed", p->completed, p->refused,
             p->lost_races);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: pool enqueue|work|status|verify HOSTS ROOT [COUNT|ID [SESSION_MS]]\n");
        return 2;
    }
    static sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    pthread_t signal_thread;
    pthread_create(&signal_thread, NULL, signal_main, &stop_signals);
    pthread_detach(signal_thread);
    pool_t p = {.hosts = argv[2], .root = argv[3], .id = argc > 4 ? argv[4] : "pool"};
    if (pool_connect(&p) != 0 || pool_ensure_tree(&p) != ZOK) {
        fprintf(stderr, "pool: cannot reach ZooKeeper at %s\n", p.hosts);
        return 1;
    }
    int rc = 2;
    if (strcmp(argv[1], "enqueue") == 0 && argc > 4)
        rc = pool_enqueue(&p, atoi(argv[4]));
    else if (strcmp(argv[1], "work") == 0 && argc > 4)
        rc = work(&p, argc > 5 ? atoi(argv[5]) : 2000);
    else if (strcmp(argv[1], "status") == 0)
        rc = pool_status(&p);
    else if (strcmp(argv[1], "verify") == 0 && argc > 4)
        rc = pool_verify(&p, atoi(argv[4]));
    else
        fprintf(stderr, "pool: unknown command or missing argument\n");
    zookeeper_close(p.zh);
    return rc;
}
