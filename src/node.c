/* node.c - the end of a node of ours: deleted, with the hand-over when it
 * was first in line, and retried until it is gone or its session is. The
 * session owns these removals, so that they finish even after the election
 * that made the node has retired (e is then NULL).
 *
 * The hand-over: sequence numbers only grow, so a node once seen first stays
 * first for as long as it exists. Such a node is deleted together with a
 * change of its data, in one transaction: its successor's watch fires once,
 * as NodeDataChanged instead of NodeDeleted, and tells the successor that
 * nothing is left ahead of it, however old its own listing (line.c,
 * predecessor_gone). Still one write and one notification. Only the native
 * format does this: Curator's LeaderLatch acts on NodeDeleted only, and
 * would lose its watch to the change. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

bool zkelect__may_hand_over(const struct zkelect *e)
{
    return e->first_confirmed && e->format == ZKELECT_FORMAT_NATIVE;
}

/* Not connected: remembered, and removed once connected again, for as long
 * as the session lives. */
static void keep_orphan(zke_session_t *s, struct zkelect *e, const char *path)
{
    char **grown = realloc(s->orphans, (s->n_orphans + 1) * sizeof *grown);
    char *copy = strdup(path);
    if (!grown || !copy) {
        free(copy);
        if (grown)
            s->orphans = grown;
        zkelect__log_about(s, e, ZKELECT_LOG_ERROR, "out of memory: %s goes with the session", path);
        return;
    }
    s->orphans = grown;
    s->orphans[s->n_orphans++] = copy;
}

static void delete_node(zke_session_t *s, struct zkelect *e, zhandle_t *zh, const char *path);

/* A lost reply is retried on the same session; on another one the node
 * went with the old session. */
static bool retry_on(const zke_op_t *op)
{
    zke_session_t *s = op->session;
    return !s->stopping && op->zh == s->zh;
}

static void delete_done(int rc, const void *data)
{
    zke_op_t *op = (zke_op_t *)data;
    zke_session_t *s = op->session;
    struct zkelect *e = zkelect__op_begin(op);
    zkelect__op_finish(op);
    if (retry_on(op) && zkelect__transient(rc) && rc != ZSESSIONEXPIRED)
        delete_node(s, e, op->zh, op->path);
    else if (rc != ZOK && rc != ZNONODE && !zkelect__transient(rc))
        zkelect__log_about(s, e, ZKELECT_LOG_ERROR, "could not delete %s: %s; it goes with the session", op->path,
                           zerror(rc));
    zkelect__op_end(op);
}

static void delete_node(zke_session_t *s, struct zkelect *e, zhandle_t *zh, const char *path)
{
    if (!zh || zh != s->zh)
        return; /* another session: the node went with the old one */
    if (!s->connected) {
        keep_orphan(s, e, path);
        return;
    }
    zke_op_t *op = zkelect__op_new(s, e, path);
    if (!op)
        return;
    int rc = zkelect__zk_adelete(zh, path, delete_done, op);
    if (rc != ZOK) {
        zkelect__op_drop(op);
        zkelect__log_about(s, e, ZKELECT_LOG_ERROR, "could not delete %s: %s", path, zerror(rc));
    }
}

static void hand_over_done(int rc, const void *data)
{
    zke_op_t *op = (zke_op_t *)data;
    zke_session_t *s = op->session;
    struct zkelect *e = zkelect__op_begin(op);
    zkelect__op_finish(op);
    /* ZNONODE: gone already. Anything else, a lost reply included, gets the
     * plain delete, which retries until the session ends (the lock, if it
     * was in the transaction, too: its path is the last delete's). */
    if (rc != ZOK && rc != ZNONODE && retry_on(op)) {
        zkelect__log_about(s, e, ZKELECT_LOG_DEBUG, "hand-over of %s not done (%s); deleting it", op->path,
                           zerror(rc));
        delete_node(s, e, op->zh, op->path);
    }
    if (rc != ZOK && op->buffer && retry_on(op))
        delete_node(s, e, op->zh, op->buffer);
    zkelect__op_end(op);
}

void zkelect__remove_node(zke_session_t *s, struct zkelect *e, zhandle_t *zh, const char *path, bool hand_over)
{
    zkelect__remove_node_and_lock(s, e, zh, path, NULL, hand_over);
}

/* With priorities the leader's lock goes in the same transaction as its
 * node: its successor, told by that one notification, finds it free. */
void zkelect__remove_node_and_lock(zke_session_t *s, struct zkelect *e, zhandle_t *zh, const char *path,
                                   const char *lock_path, bool hand_over)
{
    if ((!hand_over && !lock_path) || !zh || zh != s->zh || !s->connected) {
        delete_node(s, e, zh, path);
        if (lock_path)
            delete_node(s, e, zh, lock_path);
        return;
    }
    zke_op_t *op = zkelect__op_new(s, e, path);
    zoo_op_result_t *results = op ? calloc(3, sizeof *results) : NULL;
    int rc = ZSYSTEMERROR;
    if (results) {
        op->results = results;
        zoo_op_t ops[3];
        int n = 0;
        if (hand_over)
            zoo_set_op_init(&ops[n++], path, "", 0, -1, NULL);
        zoo_delete_op_init(&ops[n++], path, -1);
        if (lock_path)
            zoo_delete_op_init(&ops[n++], lock_path, -1);
        op->n_results = n;
        op->buffer = lock_path ? strdup(lock_path) : NULL; /* the lock, for hand_over_done() */
        rc = zkelect__zk_amulti(zh, n, ops, results, hand_over_done, op);
    }
    if (rc != ZOK) {
        if (op) {
            zkelect__op_drop(op);
        }
        delete_node(s, e, zh, path);
        if (lock_path)
            delete_node(s, e, zh, lock_path);
    }
}

void zkelect__unwatch_node(zke_session_t *s, struct zkelect *e, zhandle_t *zh, const char *path)
{
    /* The request goes out just before the delete, on the same connection:
     * no round trip is added. Without a watch the client answers at once
     * (ZNOWATCHER) and sends nothing. */
    if (!zh || zh != s->zh || !s->connected)
        return;
    zke_op_t *op = zkelect__op_new(s, e, path);
    if (op && zkelect__zk_aunwatch(zh, path, zkelect__ignore_void, op) != ZOK) {
        zkelect__op_drop(op);
    }
}

void zkelect__unwatch_predecessor(struct zkelect *e)
{
    if (e->watched_path)
        zkelect__unwatch_node(e->session, e, e->session->zh, e->watched_path);
}

void zkelect__remove_orphans(zke_session_t *s)
{
    char **orphans = s->orphans;
    size_t n = s->n_orphans;
    s->orphans = NULL;
    s->n_orphans = 0;
    for (size_t i = 0; i < n; i++) {
        delete_node(s, NULL, s->zh, orphans[i]);
        free(orphans[i]);
    }
    free(orphans);
}

void zkelect__forget_orphans(zke_session_t *s)
{
    for (size_t i = 0; i < s->n_orphans; i++)
        free(s->orphans[i]);
    free(s->orphans);
    s->orphans = NULL;
    s->n_orphans = 0;
}
