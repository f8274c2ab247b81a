/* floor.c - the floors any ZooKeeper election stands on (--floor), raw
 * ZooKeeper C client, no election: graceful failover is one session
 * deleting a node and another notified by its watch; a join is a session
 * opened and a node created on it, N of them one after another; N
 * elections on one session (--shared --floor) are N parents and N
 * ephemeral sequential nodes under them, created pipelined. */
#include "bench.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zookeeper/zookeeper.h>

static int64_t notified_ns;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t notified = PTHREAD_COND_INITIALIZER;

/* The time is taken first thing, like an election's callback would. */
static void on_deleted(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    int64_t t = bench_now_ns();
    (void)zh, (void)state, (void)path, (void)ctx;
    if (type != ZOO_DELETED_EVENT)
        return;
    pthread_mutex_lock(&lock);
    notified_ns = t;
    pthread_cond_signal(&notified);
    pthread_mutex_unlock(&lock);
}

static int64_t wait_notified(void)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 10;
    pthread_mutex_lock(&lock);
    while (notified_ns == 0 && pthread_cond_timedwait(&notified, &lock, &deadline) == 0)
        continue;
    int64_t t = notified_ns;
    notified_ns = 0;
    pthread_mutex_unlock(&lock);
    return t;
}

static void ignore(int rc, const void *data)
{
    (void)rc, (void)data;
}

static pthread_cond_t state_changed = PTHREAD_COND_INITIALIZER;

/* Woken at the session event itself, as a library would be: a polling
 * wait would measure the poll. */
static void on_session(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    (void)zh, (void)type, (void)state, (void)path, (void)ctx;
    pthread_mutex_lock(&lock);
    pthread_cond_broadcast(&state_changed);
    pthread_mutex_unlock(&lock);
}

static zhandle_t *connect_one(const bench_options_t *opt)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 15;
    pthread_mutex_lock(&lock);
    zhandle_t *zh = zookeeper_init(opt->zk, on_session, opt->session_ms, NULL, NULL, 0);
    /* The client at its best, as libzkelect sets it (secure.c): no name
     * resolution on the way of every request while connected. */
    if (zh)
        zoo_set_servers_resolution_delay(zh, -1);
    while (zh && zoo_state(zh) != ZOO_CONNECTED_STATE &&
           pthread_cond_timedwait(&state_changed, &lock, &deadline) != ETIMEDOUT)
        continue;
    pthread_mutex_unlock(&lock);
    if (zh && zoo_state(zh) != ZOO_CONNECTED_STATE) {
        zookeeper_close(zh);
        zh = NULL;
    }
    return zh;
}

/* N sessions, each opened and given an ephemeral sequential node before the
 * next starts, as the runner protocol joins participants. Returns the
 * milliseconds it took, or -1. */
static double join_floor(const bench_options_t *opt, const char *parent)
{
    char prefix[600];
    if ((size_t)snprintf(prefix, sizeof prefix, "%s/n-", parent) >= sizeof prefix) {
        fprintf(stderr, "zkelect-bench: %s: path too long for the join floor\n", parent);
        return -1;
    }
    zhandle_t **zhs = calloc((size_t)opt->participants, sizeof *zhs);
    int64_t t0 = bench_now_ns();
    int joined = 0;
    while (zhs && joined < opt->participants) {
        zhs[joined] = connect_one(opt);
        if (!zhs[joined] || zoo_create(zhs[joined], prefix, NULL, -1, &ZOO_OPEN_ACL_UNSAFE,
                                       ZOO_EPHEMERAL | ZOO_SEQUENCE, NULL, 0) != ZOK)
            break;
        joined++;
    }
    double ms = (double)(bench_now_ns() - t0) / 1e6;
    for (int i = 0; zhs && i < opt->participants && zhs[i]; i++)
        zookeeper_close(zhs[i]);
    free(zhs);
    return joined == opt->participants ? ms : -1;
}

int bench_floor(const bench_options_t *opt)
{
    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
    zhandle_t *owner = connect_one(opt), *watcher = connect_one(opt);
    double *latencies = calloc((size_t)opt->failovers, sizeof *latencies);
    int status = 1;
    char node[600];
    snprintf(node, sizeof node, "%s-floor", opt->path);
    if (!owner || !watcher || !latencies) {
        fprintf(stderr, "zkelect-bench: cannot connect to %s\n", opt->zk);
        goto out;
    }
    /* mkdir -p for the node's parent */
    for (char *slash = strchr(node + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        zoo_create(owner, node, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
        *slash = '/';
    }
    /* Paced like the elections' failovers, which start once the server's
     * counters are quiet: an idle machine wakes slower than a busy one. */
    bool paced = !opt->back_to_back && bench_mntr(opt->zk).ok;
    for (int k = 0; k < opt->warmup + opt->failovers; k++) {
        struct Stat stat;
        if (zoo_create(owner, node, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL, NULL, 0) != ZOK ||
            zoo_wexists(watcher, node, on_deleted, NULL, &stat) != ZOK) {
            fprintf(stderr, "zkelect-bench: cannot create %s (does its parent exist?)\n", node);
            goto out;
        }
        if (paced)
            bench_settled(opt->zk);
        int64_t t0 = bench_now_ns();
        zoo_adelete(owner, node, -1, ignore, NULL);
        int64_t t1 = wait_notified();
        if (t1 == 0) {
            fprintf(stderr, "zkelect-bench: no notification within 10 s\n");
            goto out;
        }
        if (k >= opt->warmup)
            latencies[k - opt->warmup] = (double)(t1 - t0) / 1e6;
    }
    bench_stats_t s = bench_stats(latencies, opt->failovers);
    bench_progress(opt, "floor: %d sessions joining one after another", opt->participants);
    node[strlen(node) - strlen("-floor")] = '\0';
    zoo_create(owner, node, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
    double join_ms = join_floor(opt, node);
    if (join_ms < 0) {
        fprintf(stderr, "zkelect-bench: a raw session could not join %s\n", node);
        goto out;
    }
    if (opt->json)
        printf("{\"implementation\":\"floor\",\"back_to_back\":%s,\"failovers\":%d,\"failover_ms\":{\"min\":%.3f,\"p50\":%.3f,"
               "\"p90\":%.3f,\"p99\":%.3f,\"max\":%.3f,\"mean\":%.3f},\"participants\":%d,\"join_ms\":%.1f}\n",
               paced ? "false" : "true", opt->failovers, s.min, s.p50, s.p90, s.p99, s.max, s.mean, opt->participants,
               join_ms);
    else
        printf("floor (raw C client, no election)\n"
               "  failover: one delete, one notification, %d times\n"
               "  latency (ms)     min %.3f  p50 %.3f  p90 %.3f  p99 %.3f  max %.3f\n"
               "  join of %d       %.1f ms (each session opened, then its node created, one after another)\n",
               opt->failovers, s.min, s.p50, s.p90, s.p99, s.max, opt->participants, join_ms);
    status = 0;
out:
    if (owner)
        zookeeper_close(owner);
    if (watcher)
        zookeeper_close(watcher);
    free(latencies);
    return status;
}

/* --shared --floor: the requests all sent at once, counted as they come
 * back. */
typedef struct pipeline {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int answered, failed;
} pipeline_t;

static void answered(int rc, const char *value, const void *data)
{
    (void)value;
    pipeline_t *p = (pipeline_t *)data;
    pthread_mutex_lock(&p->lock);
    p->answered++;
    p->failed += rc != ZOK && rc != ZNODEEXISTS; /* a parent left by an earlier run is as good */
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->lock);
}

int bench_shared_floor(const bench_options_t *opt)
{
    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
    int n = opt->participants;
    zhandle_t *zh = connect_one(opt);
    if (!zh) {
        fprintf(stderr, "zkelect-bench: cannot connect to %s\n", opt->zk);
        return 1;
    }
    char path[600];
    snprintf(path, sizeof path, "%s-floor/x", opt->path);
    for (char *slash = strchr(path + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        zoo_create(zh, path, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
        *slash = '/';
    }
    pipeline_t p = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};
    bench_progress(opt, "floor: %d parents and %d nodes under them, pipelined on one session", n, n);
    int64_t t0 = bench_now_ns();
    int sent = 0;
    for (int i = 0; i < n; i++) {
        char parent[700], node[720];
        snprintf(parent, sizeof parent, "%s-floor/shard-%d", opt->path, i);
        snprintf(node, sizeof node, "%s/n-", parent);
        sent += zoo_acreate(zh, parent, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, answered, &p) == ZOK;
        sent += zoo_acreate(zh, node, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL | ZOO_SEQUENCE, answered, &p) == ZOK;
    }
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 120;
    pthread_mutex_lock(&p.lock);
    while (p.answered < sent && pthread_cond_timedwait(&p.cond, &p.lock, &deadline) == 0)
        continue;
    bool all = p.answered == 2 * n && p.failed == 0;
    pthread_mutex_unlock(&p.lock);
    double seconds = (double)(bench_now_ns() - t0) / 1e9;
    zookeeper_close(zh);
    if (!all) {
        fprintf(stderr, "zkelect-bench: %d of %d requests answered, %d failed\n", p.answered, 2 * n, p.failed);
        return 1;
    }
    if (opt->json)
        printf("{\"implementation\":\"floor\",\"mode\":\"shared\",\"elections\":%d,\"sessions\":1,"
               "\"join_all_s\":%.3f}\n", n, seconds);
    else
        printf("floor (raw C client, no election): %d parents and %d ephemeral sequential nodes under them, "
               "pipelined on one session: all created after %.3f s\n", n, n, seconds);
    return 0;
}
