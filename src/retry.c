/* retry.c - how the election's requests are sent and what their failures
 * lead to: wait for the reconnection when the connection is the cause,
 * otherwise tell the host and drive again after a backoff. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>

void zkelect__retry_later(struct zkelect *e)
{
    e->retry_at = zkelect__back_off(&e->retry_backoff_ms);
    if (!zkelect__given_up(e))
        e->phase = ZKE_WAITING;
    e->gen++;
    zkelect__tend_soon(e);
}

bool zkelect__report_failure(struct zkelect *e, const char *what, int rc)
{
    if (zkelect__transient(rc)) {
        /* The session tells us when it is connected again. */
        zkelect__log(e, ZKELECT_LOG_DEBUG, "%s: %s; waiting for the connection", what, zerror(rc));
        return false;
    }
    zkelect__log(e, ZKELECT_LOG_ERROR, "%s: %s (%d)", what, zerror(rc), rc);
    zkelect__queue_event(e, ZKELECT_EV_ERROR, ZKELECT_REASON_NONE, zkelect__from_zk_error(rc), rc, "%s: %s", what,
                         zerror(rc));
    return true;
}

/* A request that could not even be queued, or whose reply is an error that
 * a reconnection does not cure, is reported and the join tried again later. */
void zkelect__fail(struct zkelect *e, const char *what, int rc)
{
    if (zkelect__report_failure(e, what, rc))
        zkelect__retry_later(e);
    else if (e->phase != ZKE_FAILED)
        e->phase = ZKE_WAITING;
}

zke_op_t *zkelect__start_op(struct zkelect *e, const char *path)
{
    zke_op_t *op = zkelect__op_new(e->session, e, path);
    if (!op) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "out of memory; retrying the join later");
        zkelect__retry_later(e);
    }
    return op;
}

/* Queue-time failure of an asynchronous call: the completion will not run. */
void zkelect__abandon(struct zkelect *e, zke_op_t *op, const char *what, int rc)
{
    zkelect__op_drop(op);
    zkelect__fail(e, what, rc);
}

void zkelect__note_answer(struct zkelect *e, const zke_op_t *op, int rc)
{
    if (!zkelect__transient(rc) && op->sent_ns > e->answered_ns)
        e->answered_ns = op->sent_ns;
}
