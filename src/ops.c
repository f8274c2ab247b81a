/* ops.c - bookkeeping for asynchronous ZooKeeper requests in flight. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

zke_op_t *zkelect__op_new(struct zkelect *e, const char *path)
{
    zke_op_t *op = calloc(1, sizeof *op);
    if (!op)
        return NULL;
    if (path && !(op->path = strdup(path))) {
        free(op);
        return NULL;
    }
    op->e = e;
    op->lock = e->lock;
    op->zh = e->zh;
    op->gen = e->gen;
    op->sent_ns = zkelect__now_ns();
    op->next = &e->ops;
    op->prev = e->ops.prev;
    e->ops.prev->next = op;
    e->ops.prev = op;
    return op;
}

struct zkelect *zkelect__op_lock(zke_op_t *op)
{
    /* op->e is read only with the lock held: an election retired from its
     * shared session meanwhile has handed op to the session (shared.c). */
    pthread_mutex_lock(op->lock);
    zkelect__set_log_owner(op->e);
    return op->e;
}

static void unlink_op(zke_op_t *op)
{
    op->prev->next = op->next;
    op->next->prev = op->prev;
    op->prev = op->next = op;
}

bool zkelect__op_finish(zke_op_t *op)
{
    struct zkelect *e = op->e;
    unlink_op(op);
    if (e->stopping && e->ops.next == &e->ops)
        pthread_cond_broadcast(&e->state_cond); /* see drain_requests() */
    uint64_t gen = op->follow ? e->follow.gen : e->gen;
    return !e->stopping && op->gen == gen && op->zh == e->zh;
}

void zkelect__op_free(zke_op_t *op)
{
    if (op->on_free)
        op->on_free(op);
    free(op->results);
    free(op->path);
    free(op);
}

void zkelect__ops_free_for(struct zkelect *e, zhandle_t *zh)
{
    zke_op_t *op = e->ops.next;
    while (op != &e->ops) {
        zke_op_t *next = op->next;
        if (op->zh == zh || !zh) {
            unlink_op(op);
            zkelect__op_free(op);
        }
        op = next;
    }
}

/* ------------------------------------------------------------ sending */

/* The ZooKeeper client (3.8) never frees what it allocated for a request
 * still in flight when the handle is closed (a silent connection cannot be
 * drained). Its functions tail-call static helpers, so no exported name is
 * on the stack of that allocation: these frames are, for the leak
 * suppressions (tests/lsan.supp), and nothing else allocates under them.
 * The empty asm after each call keeps the frame (no tail call). */
#define ZKE_KEEP_FRAME() __asm__ volatile("" ::: "memory")

int zkelect__zk_awget(zhandle_t *zh, const char *path, watcher_fn watcher, void *ctx, data_completion_t done,
                      const void *data)
{
    int rc = zoo_awget(zh, path, watcher, ctx, done, data);
    ZKE_KEEP_FRAME();
    return rc;
}

int zkelect__zk_aexists(zhandle_t *zh, const char *path, watcher_fn watcher, void *ctx, stat_completion_t done,
                        const void *data)
{
    int rc = zoo_awexists(zh, path, watcher, ctx, done, data);
    ZKE_KEEP_FRAME();
    return rc;
}

int zkelect__zk_alist(zhandle_t *zh, const char *path, watcher_fn watcher, void *ctx,
                      strings_stat_completion_t done, const void *data)
{
    int rc = zoo_awget_children2(zh, path, watcher, ctx, done, data);
    ZKE_KEEP_FRAME();
    return rc;
}

int zkelect__zk_acreate(zhandle_t *zh, const char *path, const char *value, int len, const struct ACL_vector *acl,
                        int flags, string_stat_completion_t done, const void *data)
{
    int rc = zoo_acreate2(zh, path, value, len, acl, flags, done, data);
    ZKE_KEEP_FRAME();
    return rc;
}

int zkelect__zk_adelete(zhandle_t *zh, const char *path, void_completion_t done, const void *data)
{
    int rc = zoo_adelete(zh, path, -1, done, data);
    ZKE_KEEP_FRAME();
    return rc;
}

int zkelect__zk_amulti(zhandle_t *zh, int count, const zoo_op_t *ops, zoo_op_result_t *results,
                       void_completion_t done, const void *data)
{
    int rc = zoo_amulti(zh, count, ops, results, done, data);
    ZKE_KEEP_FRAME();
    return rc;
}

int zkelect__zk_aunwatch(zhandle_t *zh, const char *path, void_completion_t done, const void *data)
{
    /* The client's prototype says "void_completion_t *" but uses the value
     * as the completion itself. */
    int rc = zoo_aremove_all_watches(zh, path, ZWATCHTYPE_DATA, 0, (void_completion_t *)done, data);
    ZKE_KEEP_FRAME();
    return rc;
}
