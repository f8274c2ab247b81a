/* naive.c - the comparator: every participant watches all children of the
 * election and re-lists on every change. A leader change wakes all N - 1
 * followers (the herd effect zkelect avoids). Raw ZooKeeper C client. */
#include "bench.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zookeeper/zookeeper.h>

struct naive {
    zhandle_t *zh;
    const char *dir;
    char node[512]; /* our node's name under dir */
    int idx;
    bool leader;
    bench_elected_fn on_elected;
    void *arg;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool connected;
};

static void list(naive_t *n);

static void session_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    (void)zh, (void)path;
    naive_t *n = ctx;
    if (type != ZOO_SESSION_EVENT)
        return;
    pthread_mutex_lock(&n->lock);
    n->connected = state == ZOO_CONNECTED_STATE;
    pthread_cond_broadcast(&n->cond);
    pthread_mutex_unlock(&n->lock);
}

static void children_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    (void)zh, (void)state, (void)path;
    if (type == ZOO_CHILD_EVENT)
        list(ctx);
}

/* The lowest sequence number leads (the suffix is the last 10 digits). */
static void listed(int rc, const struct String_vector *names, const void *data)
{
    int64_t t = bench_now_ns();
    naive_t *n = (naive_t *)data;
    if (rc != ZOK || names->count == 0)
        return;
    const char *lowest = names->data[0];
    for (int i = 1; i < names->count; i++)
        if (strcmp(names->data[i] + strlen(names->data[i]) - 10, lowest + strlen(lowest) - 10) < 0)
            lowest = names->data[i];
    if (strcmp(lowest, n->node) == 0 && !n->leader) {
        n->leader = true;
        n->on_elected(n->idx, t, n->arg);
    }
}

static void list(naive_t *n)
{
    zoo_awget_children(n->zh, n->dir, children_watcher, n, listed, n);
}

naive_t *naive_join(const bench_options_t *opt, int idx, bench_elected_fn on_elected, void *arg)
{
    naive_t *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->dir = opt->path;
    n->idx = idx;
    n->on_elected = on_elected;
    n->arg = arg;
    pthread_mutex_init(&n->lock, NULL);
    pthread_cond_init(&n->cond, NULL);
    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
    n->zh = zookeeper_init(opt->zk, session_watcher, opt->session_ms, NULL, n, 0);
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 15;
    pthread_mutex_lock(&n->lock);
    while (n->zh && !n->connected && pthread_cond_timedwait(&n->cond, &n->lock, &deadline) == 0)
        continue;
    bool connected = n->connected;
    pthread_mutex_unlock(&n->lock);
    char path[600], created[600];
    snprintf(path, sizeof path, "%s/n_", opt->path);
    /* mkdir -p for the election path */
    char parent[512];
    snprintf(parent, sizeof parent, "%s", opt->path);
    for (char *s = strchr(parent + 1, '/'); connected && s; s = strchr(s + 1, '/')) {
        *s = '\0';
        zoo_create(n->zh, parent, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
        *s = '/';
    }
    if (connected)
        zoo_create(n->zh, parent, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
    if (!connected || zoo_create(n->zh, path, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL | ZOO_SEQUENCE, created,
                                 sizeof created) != ZOK) {
        fprintf(stderr, "naive participant %d could not join\n", idx);
        naive_close(n);
        return NULL;
    }
    snprintf(n->node, sizeof n->node, "%s", strrchr(created, '/') + 1);
    list(n);
    return n;
}

void naive_leave(naive_t *n)
{
    if (n->zh && n->node[0]) {
        char path[1200];
        snprintf(path, sizeof path, "%s/%s", n->dir, n->node);
        zoo_delete(n->zh, path, -1);
        n->node[0] = '\0';
    }
}

void naive_close(naive_t *n)
{
    naive_leave(n);
    if (n->zh)
        zookeeper_close(n->zh);
    pthread_cond_destroy(&n->cond);
    pthread_mutex_destroy(&n->lock);
    free(n);
}
