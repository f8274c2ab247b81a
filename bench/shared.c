/* shared.c - many elections on one session (--shared): how long N elections
 * on one zkelect_session_t take to join and lead (each on its own path, so
 * each leads), and the client memory each costs. The root above the N
 * paths exists before the clock starts, as a service's root does, and as
 * the floor's (--shared --floor) does. */
#include "bench.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zkelect.h>
#include <zookeeper/zookeeper.h>

typedef struct tally {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int joined, elected;
} tally_t;

static void on_event(zkelect_t *e, const zkelect_event_t *ev, void *userdata)
{
    (void)e;
    tally_t *t = userdata;
    pthread_mutex_lock(&t->lock);
    t->joined += ev->type == ZKELECT_EV_JOINED;
    t->elected += ev->type == ZKELECT_EV_ELECTED;
    pthread_cond_broadcast(&t->cond);
    pthread_mutex_unlock(&t->lock);
}

/* The time all n were elected, or -1 after 120 s. */
static int64_t wait_elected(tally_t *t, int n)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 120;
    pthread_mutex_lock(&t->lock);
    while (t->elected < n && pthread_cond_timedwait(&t->cond, &t->lock, &deadline) == 0)
        continue;
    bool all = t->elected >= n;
    pthread_mutex_unlock(&t->lock);
    return all ? bench_now_ns() : -1;
}

static zkelect_session_t *open_session(const bench_options_t *opt)
{
    zkelect_session_t *s;
    if (zkelect_session_new(&s, opt->zk) != ZKELECT_OK)
        return NULL;
    if (zkelect_session_set_timeout(s, opt->session_ms) != ZKELECT_OK || zkelect_session_start(s) != ZKELECT_OK ||
        zkelect_session_wait_connected(s, 10000) != ZKELECT_OK) {
        zkelect_session_destroy(s);
        return NULL;
    }
    return s;
}

/* mkdir -p opt->path on a plain handle of its own. */
static void make_root(const bench_options_t *opt)
{
    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
    zhandle_t *zh = zookeeper_init(opt->zk, NULL, opt->session_ms, NULL, NULL, 0);
    char path[600];
    snprintf(path, sizeof path, "%s/", opt->path);
    for (char *slash = strchr(path + 1, '/'); zh && slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        for (int tries = 0; tries < 100; tries++) { /* ZCONNECTIONLOSS until connected */
            int rc = zoo_create(zh, path, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
            if (rc == ZOK || rc == ZNODEEXISTS)
                break;
            struct timespec pause = {0, 50 * 1000 * 1000};
            nanosleep(&pause, NULL);
        }
        *slash = '/';
    }
    if (zh)
        zookeeper_close(zh);
}

int bench_shared(const bench_options_t *opt)
{
    int n = opt->participants;
    tally_t t = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};
    zkelect_t **elections = calloc((size_t)n, sizeof *elections);
    zkelect_session_t *s = elections ? open_session(opt) : NULL;
    if (!s) {
        fprintf(stderr, "zkelect-bench: no session to %s\n", opt->zk);
        free(elections);
        return 1;
    }
    make_root(opt);
    long rss_before = bench_rss_kib();
    bench_progress(opt, "starting %d elections on one session", n);
    int64_t t0 = bench_now_ns();
    for (int i = 0; i < n; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/shard-%d", opt->path, i);
        if (zkelect_new_on_session(&elections[i], s, path, "bench") != ZKELECT_OK ||
            zkelect_set_callback(elections[i], on_event, &t) != ZKELECT_OK || zkelect_start(elections[i]) != ZKELECT_OK) {
            fprintf(stderr, "zkelect-bench: election %d could not start\n", i);
            zkelect_session_destroy(s);
            free(elections);
            return 1;
        }
    }
    int64_t all_elected = wait_elected(&t, n);
    long rss_after = bench_rss_kib();
    int64_t t1 = bench_now_ns();
    zkelect_session_destroy(s);
    int64_t t2 = bench_now_ns();
    free(elections);
    if (all_elected < 0) {
        fprintf(stderr, "zkelect-bench: only %d of %d elections led within 120 s\n", t.elected, n);
        return 1;
    }
    double join_s = (double)(all_elected - t0) / 1e9;
    double per_election_kib = (double)(rss_after - rss_before) / n;
    double close_s = (double)(t2 - t1) / 1e9;
    if (opt->json)
        printf("{\"mode\":\"shared\",\"elections\":%d,\"sessions\":1,\"join_all_s\":%.3f,"
               "\"rss_per_election_kib\":%.1f,\"close_all_s\":%.3f}\n",
               n, join_s, per_election_kib, close_s);
    else
        printf("%d elections on one session: all leading after %.3f s; %.1f KiB of client memory each "
               "(RSS %ld -> %ld KiB); closed in %.3f s\n",
               n, join_s, per_election_kib, rss_before, rss_after, close_s);
    return 0;
}
