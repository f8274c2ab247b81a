/* floor.c - the floor any ZooKeeper election's graceful failover stands
 * on (--floor): one session deletes a node, another is notified by its
 * watch; raw ZooKeeper C client, no election. */
#include "bench.h"

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

static zhandle_t *connect_one(const bench_options_t *opt)
{
    zhandle_t *zh = zookeeper_init(opt->zk, NULL, opt->session_ms, NULL, NULL, 0);
    for (int i = 0; zh && zoo_state(zh) != ZOO_CONNECTED_STATE && i < 1500; i++) {
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    return zh && zoo_state(zh) == ZOO_CONNECTED_STATE ? zh : NULL;
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
    for (int k = 0; k < opt->warmup + opt->failovers; k++) {
        struct Stat stat;
        if (zoo_create(owner, node, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL, NULL, 0) != ZOK ||
            zoo_wexists(watcher, node, on_deleted, NULL, &stat) != ZOK) {
            fprintf(stderr, "zkelect-bench: cannot create %s (does its parent exist?)\n", node);
            goto out;
        }
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
    if (opt->json)
        printf("{\"implementation\":\"floor\",\"failovers\":%d,\"failover_ms\":{\"min\":%.3f,\"p50\":%.3f,"
               "\"p90\":%.3f,\"p99\":%.3f,\"max\":%.3f,\"mean\":%.3f}}\n",
               opt->failovers, s.min, s.p50, s.p90, s.p99, s.max, s.mean);
    else
        printf("floor (one delete, one notification, raw C client), %d times\n"
               "  latency (ms)     min %.3f  p50 %.3f  p90 %.3f  p99 %.3f  max %.3f\n",
               opt->failovers, s.min, s.p50, s.p90, s.p99, s.max);
    status = 0;
out:
    if (owner)
        zookeeper_close(owner);
    if (watcher)
        zookeeper_close(watcher);
    free(latencies);
    return status;
}
