/* handoff.c - the graceful exit of a participant whose node was first in
 * line, told to its successor by the notification it gets anyway.
 *
 * Sequence numbers only grow, so a node once seen first stays first for as
 * long as it exists. Such a node is deleted together with a change of its
 * data, in one transaction: its successor's watch fires once, as
 * NodeDataChanged instead of NodeDeleted, and tells the successor that
 * nothing is left ahead of it, however old its own listing (election.c,
 * predecessor_gone). Still one write and one notification.
 *
 * Only the native format does this: Curator's LeaderLatch acts on
 * NodeDeleted only, and would lose its watch to the change. */
#include "internal.h"

#include <stdlib.h>

bool zkelect__may_hand_over(const struct zkelect *e)
{
    return e->first_confirmed && e->format == ZKELECT_FORMAT_NATIVE;
}

static void hand_over_done(int rc, const void *data)
{
    zke_op_t *op = (zke_op_t *)data;
    struct zkelect *e = zkelect__op_lock(op);
    bool same_session = zkelect__op_finish(op) || (!e->stopping && op->zh == e->zh);
    /* ZNONODE: gone already. Anything else, a lost reply included, gets the
     * plain delete, which retries until the session ends. */
    if (rc != ZOK && rc != ZNONODE && same_session) {
        zkelect__log(e, ZKELECT_LOG_DEBUG, "hand-over of %s not done (%s); deleting it", op->path, zerror(rc));
        zkelect__delete_node(e, op->zh, op->path);
    }
    zkelect__op_free(op);
    pthread_mutex_unlock(e->lock);
}

void zkelect__remove_node(struct zkelect *e, zhandle_t *zh, const char *path, bool hand_over)
{
    if (!hand_over || !zh || zh != e->zh || !e->connected) {
        zkelect__delete_node(e, zh, path);
        return;
    }
    zke_op_t *op = zkelect__op_new(e, path);
    zoo_op_result_t *results = op ? calloc(2, sizeof *results) : NULL;
    int rc = ZSYSTEMERROR;
    if (results) {
        op->results = results;
        zoo_op_t ops[2];
        zoo_set_op_init(&ops[0], path, "", 0, -1, NULL);
        zoo_delete_op_init(&ops[1], path, -1);
        rc = zkelect__zk_amulti(zh, 2, ops, results, hand_over_done, op);
    }
    if (rc != ZOK) {
        if (op) {
            zkelect__op_finish(op);
            zkelect__op_free(op);
        }
        zkelect__delete_node(e, zh, path);
    }
}
