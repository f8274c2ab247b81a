/* zkadmin.c - see zkadmin.h. */
#include "zkadmin.h"
#include "inspect.h"
#include "zkserver.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zookeeper/zookeeper.h>

typedef struct conn_wait {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int state;
} conn_wait_t;

static void conn_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    (void)zh, (void)path;
    conn_wait_t *w = ctx;
    if (type != ZOO_SESSION_EVENT || !w)
        return;
    pthread_mutex_lock(&w->lock);
    w->state = state;
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

static void quiet_log(const char *message)
{
    (void)message;
}

static zhandle_t *connect_session(const char *hosts, const clientid_t *cid, conn_wait_t *w)
{
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->cond, NULL);
    w->state = 0;
    zhandle_t *zh = zookeeper_init2(hosts, conn_watcher, 10000, cid, w, 0, quiet_log);
    if (!zh)
        return NULL;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 15;
    pthread_mutex_lock(&w->lock);
    while (w->state != ZOO_CONNECTED_STATE && w->state != ZOO_EXPIRED_SESSION_STATE) {
        if (pthread_cond_timedwait(&w->cond, &w->lock, &ts) == ETIMEDOUT)
            break;
    }
    int state = w->state;
    pthread_mutex_unlock(&w->lock);
    if (state != ZOO_CONNECTED_STATE) {
        zookeeper_close(zh);
        return NULL;
    }
    zoo_set_context(zh, NULL);
    return zh;
}

/* The conn_wait lives as long as the handle: the watcher may still run. */
typedef struct test_conn {
    conn_wait_t w;
} test_conn_t;

void *zk_connect(const char *hosts)
{
    test_conn_t *c = calloc(1, sizeof *c);
    zhandle_t *zh = connect_session(hosts, NULL, &c->w);
    if (!zh) {
        free(c);
        return NULL;
    }
    zoo_set_context(zh, c);
    return zh;
}

void zk_close(void *zh)
{
    if (!zh)
        return;
    test_conn_t *c = (test_conn_t *)zoo_get_context(zh);
    zookeeper_close(zh);
    free(c);
}

/* The victim's client reconnects within milliseconds and can take the
 * session back from the duplicate before the duplicate's close is sent (a
 * close from a disconnected handle sends nothing), so try until the victim's
 * session really changes. */
int expire_session(zkelect_t *e, const char *hosts)
{
    bool connected;
    int64_t victim = inspect_session_id(e, &connected, NULL);
    if (!connected)
        return -1;
    for (int attempt = 0; attempt < 20; attempt++) {
        clientid_t cid;
        if (!inspect_client_id(e, &cid) || cid.client_id != victim)
            return 0;
        conn_wait_t w;
        zhandle_t *dup = connect_session(hosts, &cid, &w);
        if (dup)
            zookeeper_close(dup); /* closes the shared session on the server */
        pthread_mutex_destroy(&w.lock);
        pthread_cond_destroy(&w.cond);
        int64_t deadline = mono_ns() + 2000 * (int64_t)1000000;
        while (mono_ns() < deadline) {
            bool replacing;
            if (inspect_session_id(e, NULL, &replacing) != victim || replacing)
                return 0;
            poll_pause();
        }
    }
    return -1;
}

int zk_make_path(void *zh, const char *path, int flags)
{
    char prefix[512];
    snprintf(prefix, sizeof prefix, "%s", path);
    for (char *slash = strchr(prefix + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        int rc = zoo_create(zh, prefix, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
        if (rc != ZOK && rc != ZNODEEXISTS)
            return rc;
        *slash = '/';
    }
    return zoo_create(zh, path, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, flags, NULL, 0);
}

int zk_child_count(void *zh, const char *path)
{
    struct String_vector v;
    if (zoo_get_children(zh, path, 0, &v) != ZOK)
        return -1;
    int n = v.count;
    deallocate_String_vector(&v);
    return n;
}

int zk_delete_recursive(void *zh, const char *path)
{
    struct String_vector v;
    int rc = zoo_get_children(zh, path, 0, &v);
    if (rc == ZNONODE)
        return ZOK;
    if (rc != ZOK)
        return rc;
    for (int i = 0; i < v.count; i++) {
        char child[2048];
        snprintf(child, sizeof child, "%s/%s", path, v.data[i]);
        zk_delete_recursive(zh, child);
    }
    deallocate_String_vector(&v);
    rc = zoo_delete(zh, path, -1);
    return rc == ZNONODE ? ZOK : rc;
}

int zk_delete_children_and_path(void *zh, const char *path)
{
    int rc = ZNOTEMPTY;
    for (int attempt = 0; attempt < 100 && (rc == ZNOTEMPTY || rc == ZNONODE); attempt++) {
        struct String_vector v;
        rc = zoo_get_children(zh, path, 0, &v);
        if (rc == ZNONODE)
            return ZOK;
        if (rc != ZOK)
            return rc;
        size_t n = (size_t)v.count + 1;
        zoo_op_t *ops = calloc(n, sizeof *ops);
        zoo_op_result_t *results = calloc(n, sizeof *results);
        char (*children)[1024] = calloc(n, sizeof *children);
        if (!ops || !results || !children) {
            rc = ZSYSTEMERROR;
        } else {
            for (int i = 0; i < v.count; i++) {
                snprintf(children[i], sizeof children[i], "%s/%s", path, v.data[i]);
                zoo_delete_op_init(&ops[i], children[i], -1);
            }
            zoo_delete_op_init(&ops[n - 1], path, -1);
            rc = zoo_multi(zh, (int)n, ops, results);
        }
        free(ops);
        free(results);
        free(children);
        deallocate_String_vector(&v);
    }
    return rc;
}
