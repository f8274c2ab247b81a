/* ops.c - the requests in flight: every asynchronous ZooKeeper request is
 * sent through here and kept on its session's list until its completion
 * runs or its ZooKeeper handle is closed. One rule says whether an answer
 * still counts (zkelect__op_finish()); watchers find their election the
 * same way, through a context that outlives it (zkelect__watching()). */
#include "internal.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

zke_op_t *zkelect__op_new(zke_session_t *s, struct zkelect *e, const char *path)
{
    zke_op_t *op = calloc(1, sizeof *op);
    if (!op)
        return NULL;
    if (path && !(op->path = strdup(path))) {
        free(op);
        return NULL;
    }
    op->e = e;
    op->session = s;
    op->zh = s->zh;
    op->gen = e ? e->gen : 0;
    op->sent_ns = zkelect__now_ns();
    op->next = &s->ops;
    op->prev = s->ops.prev;
    s->ops.prev->next = op;
    s->ops.prev = op;
    if (e) {
        op->e_next = e->ops;
        if (e->ops)
            e->ops->e_prev = op;
        e->ops = op;
    }
    return op;
}

struct zkelect *zkelect__op_begin(zke_op_t *op)
{
    /* op->e is read only with the lock held: an election that retired
     * meanwhile has left op to the session (zkelect__ops_orphan()). */
    pthread_mutex_lock(&op->session->lock);
    zkelect__set_log_owner(op->session);
    return op->e;
}

void zkelect__op_end(zke_op_t *op)
{
    zke_session_t *s = op->session;
    zkelect__op_free(op);
    pthread_mutex_unlock(&s->lock);
}

/* Off its election's list: the election no longer answers for it. */
static void disown_op(zke_op_t *op)
{
    bool listed = op->e && (op->e_prev || op->e->ops == op);
    if (!listed)
        return; /* off it already */
    if (op->e_prev)
        op->e_prev->e_next = op->e_next;
    else
        op->e->ops = op->e_next;
    if (op->e_next)
        op->e_next->e_prev = op->e_prev;
    op->e_prev = op->e_next = NULL;
}

static void unlink_op(zke_op_t *op)
{
    op->prev->next = op->next;
    op->next->prev = op->prev;
    op->prev = op->next = op;
    disown_op(op);
}

bool zkelect__op_finish(zke_op_t *op)
{
    zke_session_t *s = op->session;
    struct zkelect *e = op->e;
    unlink_op(op);
    if (s->stopping && s->ops.next == &s->ops)
        pthread_cond_broadcast(&s->state_cond); /* see drain_requests() in session.c */
    if (!e || e->stopping)
        return false;
    uint64_t gen = op->follow ? e->follow.gen : e->gen;
    return (op->any_gen || op->gen == gen) && op->zh == s->zh;
}

void zkelect__op_drop(zke_op_t *op)
{
    zkelect__op_finish(op);
    zkelect__op_free(op);
}

void zkelect__op_free(zke_op_t *op)
{
    if (op->on_free)
        op->on_free(op);
    free(op->results);
    free(op->buffer);
    free(op->path);
    free(op);
}

void zkelect__ops_free_for(zke_session_t *s, zhandle_t *zh)
{
    zke_op_t *op = s->ops.next;
    while (op != &s->ops) {
        zke_op_t *next = op->next;
        if (op->zh == zh || !zh) {
            unlink_op(op);
            zkelect__op_free(op);
        }
        op = next;
    }
}

void zkelect__ops_orphan(struct zkelect *e)
{
    while (e->ops) {
        zke_op_t *op = e->ops;
        disown_op(op);
        op->e = NULL;
    }
}

void zkelect__ignore_void(int rc, const void *data)
{
    (void)rc;
    zke_op_t *op = (zke_op_t *)data;
    zkelect__op_begin(op);
    zkelect__op_finish(op);
    zkelect__op_end(op);
}

void zkelect__ignore_stat(int rc, const struct Stat *stat, const void *data)
{
    (void)stat;
    zkelect__ignore_void(rc, data);
}

void zkelect__ignore_string_stat(int rc, const char *name, const struct Stat *stat, const void *data)
{
    (void)name, (void)stat;
    zkelect__ignore_void(rc, data);
}

zke_watch_t *zkelect__watching(struct zkelect *e, zke_watch_fn on_event)
{
    zke_watch_fn *watchers = e->session->watchers;
    for (int i = 0; i < ZKE_WATCHERS; i++) {
        if (!watchers[i])
            watchers[i] = on_event;
        if (watchers[i] == on_event)
            return &e->ref->watch[i];
    }
    abort(); /* more watcher functions than ZKE_WATCHERS: raise it */
}

/* The block a watch's context lies in: watch[i] holds i. */
static zke_ref_t *ref_of(zke_watch_t *watch)
{
    return (zke_ref_t *)((char *)(watch - *watch) - offsetof(zke_ref_t, watch));
}

/* The one ZooKeeper watcher of an election's watches (the wrappers below
 * set it): the lock taken and released here, the handler called for a
 * live election only. */
static void watch_event(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    (void)state;
    /* Per-path watchers also receive every session event (G5): the
     * session's own watcher deals with those. */
    if (type == ZOO_SESSION_EVENT)
        return;
    zke_watch_t *watch = ctx;
    zke_ref_t *ref = ref_of(watch);
    pthread_mutex_lock(&ref->session->lock);
    if (ref->e) {
        zkelect__set_log_owner(ref->session);
        ref->session->watchers[*watch](ref->e, zh, type, path);
    }
    pthread_mutex_unlock(&ref->session->lock);
}

/* ------------------------------------------------------------ sending */

/* The ZooKeeper client (3.8) never frees what it allocated for a request
 * still in flight when the handle is closed (a silent connection cannot be
 * drained). Its functions tail-call static helpers, so no exported name is
 * on the stack of that allocation: these frames are, for the leak
 * suppressions (tests/lsan.supp), and nothing else allocates under them.
 * The empty asm after each call keeps the frame (no tail call). */
#define ZKE_KEEP_FRAME() __asm__ volatile("" ::: "memory")

int zkelect__zk_awget(zhandle_t *zh, const char *path, zke_watch_t *watch, data_completion_t done, const void *data)
{
    int rc = zoo_awget(zh, path, watch ? watch_event : NULL, watch, done, data);
    ZKE_KEEP_FRAME();
    return rc;
}

int zkelect__zk_aexists(zhandle_t *zh, const char *path, zke_watch_t *watch, stat_completion_t done,
                        const void *data)
{
    int rc = zoo_awexists(zh, path, watch ? watch_event : NULL, watch, done, data);
    ZKE_KEEP_FRAME();
    return rc;
}

int zkelect__zk_alist(zhandle_t *zh, const char *path, zke_watch_t *watch, strings_stat_completion_t done,
                      const void *data)
{
    int rc = zoo_awget_children2(zh, path, watch ? watch_event : NULL, watch, done, data);
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

int zkelect__zk_aget_acl(zhandle_t *zh, const char *path, acl_completion_t done, const void *data)
{
    int rc = zoo_aget_acl(zh, path, done, data);
    ZKE_KEEP_FRAME();
    return rc;
}

int zkelect__zk_aset_acl(zhandle_t *zh, const char *path, const struct ACL_vector *acl, void_completion_t done,
                         const void *data)
{
    int rc = zoo_aset_acl(zh, path, -1, (struct ACL_vector *)acl, done, data);
    ZKE_KEEP_FRAME();
    return rc;
}

int zkelect__zk_aset(zhandle_t *zh, const char *path, const char *value, int len, stat_completion_t done,
                     const void *data)
{
    int rc = zoo_aset(zh, path, value, len, -1, done, data);
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
