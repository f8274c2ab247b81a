/* lockdown.c - zkelect_lock_path(): give the election path the ACL its
 * parents get when the library creates them, creating what is missing, so
 * that an election created open (anyone may add or delete contenders) is
 * closed. The creates of the missing levels and the ACL change go out at
 * once (ZooKeeper answers a session's requests in order); the caller waits
 * for the last answer, at most the query timeout. A request outlives a
 * caller that gave up: the lock is freed with its last answer, or with its
 * session. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct lock_request {
    pthread_cond_t done;
    int refs;       /* the caller's, until it returns, and each request in flight */
    int pending;
    int rc;         /* the first failure, ZooKeeper's code */
    bool finished;
} lock_request_t;

static void unref(lock_request_t *l)
{
    if (--l->refs > 0)
        return;
    pthread_cond_destroy(&l->done);
    free(l);
}

static void request_gone(zke_op_t *op)
{
    lock_request_t *l = op->context;
    if (!op->answered && !l->finished) {
        l->rc = l->rc ? l->rc : ZCONNECTIONLOSS;
        l->finished = true;
        pthread_cond_signal(&l->done);
    }
    unref(l);
}

/* One answer: a level that exists already is what a create may find. */
static void answered(zke_op_t *op, int rc, bool is_create)
{
    lock_request_t *l = op->context;
    op->answered = true;
    if (rc != ZOK && !(is_create && rc == ZNODEEXISTS) && !l->rc)
        l->rc = rc;
    if (--l->pending == 0 && !l->finished) {
        l->finished = true;
        pthread_cond_signal(&l->done);
    }
}

static void create_done(int rc, const char *name, const struct Stat *stat, const void *data)
{
    (void)name, (void)stat;
    zke_op_t *op = (zke_op_t *)data;
    zkelect__op_begin(op);
    zkelect__op_finish(op);
    answered(op, rc, true);
    zkelect__op_end(op);
}

static void set_done(int rc, const void *data)
{
    zke_op_t *op = (zke_op_t *)data;
    struct zkelect *e = zkelect__op_begin(op);
    zkelect__op_finish(op);
    answered(op, rc, false);
    if (rc == ZOK && e && !e->stopping)
        zkelect__check_exposure(e); /* the warning and acl_open follow the change */
    zkelect__op_end(op);
}

static zke_op_t *send_request(struct zkelect *e, lock_request_t *l, const char *path)
{
    zke_op_t *op = zkelect__op_new(e->session, e, path);
    if (!op)
        return NULL;
    op->any_gen = true;
    op->context = l;
    op->on_free = request_gone;
    l->refs++;
    l->pending++;
    return op;
}

/* A request that could not be queued: its completion will not run. */
static void not_sent(zke_op_t *op, int rc, bool is_create)
{
    answered(op, rc, is_create);
    zkelect__op_drop(op);
}

/* The creates of every level, then the ACL change. */
static void send_all(struct zkelect *e, lock_request_t *l, const struct ACL_vector *acl)
{
    char *prefix = strdup(e->path);
    for (char *slash = prefix ? strchr(prefix + 1, '/') : NULL; prefix; slash = strchr(slash + 1, '/')) {
        if (slash)
            *slash = '\0';
        zke_op_t *op = send_request(e, l, prefix);
        int rc = op ? zkelect__zk_acreate(e->session->zh, prefix, NULL, -1, acl, 0, create_done, op) : ZSYSTEMERROR;
        if (op && rc != ZOK)
            not_sent(op, rc, true);
        if (!slash)
            break;
        *slash = '/';
    }
    free(prefix);
    zke_op_t *op = send_request(e, l, e->path);
    int rc = op ? zkelect__zk_aset_acl(e->session->zh, e->path, acl, set_done, op) : ZSYSTEMERROR;
    if (op && rc != ZOK)
        not_sent(op, rc, false);
    if (!prefix || !op) {
        l->rc = l->rc ? l->rc : ZSYSTEMERROR;
        l->finished = true;
    }
}

static int refuse(struct zkelect *e)
{
    const char *why = NULL;
    int rc = ZKELECT_OK;
    const struct ACL_vector *acl = zkelect__parent_acl(e);
    if (!e->started || e->stopping)
        rc = ZKELECT_ESTATE, why = "not started";
    else if (zkelect__on_dispatch_thread(e->session))
        rc = ZKELECT_ESTATE, why = "not allowed from a callback";
    else if (!zkelect__session_ready(e))
        rc = ZKELECT_ENOTCONN, why = zkelect_strerror(ZKELECT_ENOTCONN);
    else if (acl->count == ZOO_OPEN_ACL_UNSAFE.count && acl->data == ZOO_OPEN_ACL_UNSAFE.data)
        rc = ZKELECT_EINVAL, why = "nothing to lock it to: set credentials (zkelect_set_auth()) or an ACL "
                                   "(zkelect_set_acl())";
    if (rc)
        zkelect__log(e, ZKELECT_LOG_ERROR, "zkelect_lock_path: %s", why);
    return rc;
}

int zkelect_lock_path(zkelect_t *e)
{
    if (!e)
        return ZKELECT_EINVAL;
    int rc = zkelect__check_process(e->session, e, "zkelect_lock_path");
    if (rc)
        return rc;
    pthread_mutex_lock(&e->session->lock);
    rc = refuse(e);
    lock_request_t *l = rc ? NULL : calloc(1, sizeof *l);
    if (!rc && (!l || zkelect__cond_init(&l->done) != 0)) {
        free(l);
        l = NULL;
        rc = ZKELECT_ENOMEM;
    }
    if (l) {
        l->refs = 1;
        send_all(e, l, zkelect__parent_acl(e));
        int64_t deadline = zkelect__now_ns() + (int64_t)e->query_timeout_ms * ZKE_MS;
        while (!l->finished && zkelect__cond_wait_until(&l->done, &e->session->lock, deadline) == 0)
            continue;
        rc = !l->finished ? ZKELECT_ETIMEDOUT : zkelect__from_zk_error(l->rc);
        if (rc)
            zkelect__log(e, ZKELECT_LOG_ERROR, "zkelect_lock_path: %s: %s", e->path,
                         l->finished ? zerror(l->rc) : "no answer within the query timeout");
        else
            zkelect__log(e, ZKELECT_LOG_INFO, "the election path %s is locked", e->path);
        l->finished = true; /* late answers change nothing */
        unref(l);
    }
    pthread_mutex_unlock(&e->session->lock);
    return rc;
}
