/* leadership.c - the term: becoming leader on a proof, the lease that keeps
 * it, and revoking it. What zkelect_is_leader() and friends read lock-free
 * is written here, and only here. */
#include "internal.h"

bool zkelect__holds_lease(const struct zkelect *e)
{
    return atomic_load(&e->leading) && zkelect__now_ns() < atomic_load(&e->lease_deadline);
}

void zkelect__revoke(struct zkelect *e, int reason)
{
    if (!atomic_load(&e->leading))
        return;
    atomic_store(&e->leading, false);
    atomic_store(&e->epoch, -1);
    atomic_store(&e->lease_deadline, 0);
    if (e->phase == ZKE_LEADING)
        e->phase = ZKE_WAITING;
    zkelect__log(e, ZKELECT_LOG_INFO, "leadership revoked (%s), epoch %lld", zkelect_reason_name(reason),
                 (long long)e->term_epoch);
    zke_item_t *item = zkelect__queue_event(e, ZKELECT_EV_REVOKED, reason, ZKELECT_OK, 0, "leadership revoked: %s",
                                            zkelect_reason_name(reason));
    /* Our node still stands for these: nobody can be elected before the
     * server expires the session, which it cannot do before a + T. */
    bool node_stands = reason == ZKELECT_REASON_SUSPENDED || reason == ZKELECT_REASON_LEASE_EXPIRED ||
                       reason == ZKELECT_REASON_AUTH_FAILED;
    e->promised_ns = node_stands ? zkelect__successor_bound(e, e->lease_sent_ns) : 0;
    e->promised_epoch = e->term_epoch;
    if (item && node_stands)
        item->ev.successor_not_before_ns = e->promised_ns;
    pthread_cond_broadcast(&e->session->state_cond);
}

/* The host was told no successor could lead before promised_ns because
 * our node stood; someone else deleted or wrote it meanwhile, so one may
 * lead now (A5 broken). Said once, while it still matters. */
void zkelect__bound_broken(struct zkelect *e, int reason)
{
    if (e->promised_ns == 0 || zkelect__now_ns() >= e->promised_ns || atomic_load(&e->leading))
        return;
    e->promised_ns = 0;
    zkelect__log(e, ZKELECT_LOG_WARN, "the node of the term that ended (epoch %lld) was %s by someone else before "
                 "the successor bound: a successor may lead already; stop now", (long long)e->promised_epoch,
                 reason == ZKELECT_REASON_NODE_CHANGED ? "written" : "deleted");
    zke_item_t *item = zkelect__queue_event(e, ZKELECT_EV_STOP_NOW, reason, ZKELECT_OK, 0,
                                            "a successor may lead already: stop now");
    if (item)
        item->ev.epoch = e->promised_epoch;
}

bool zkelect__bound_ahead(const struct zkelect *e)
{
    return e->promised_ns != 0 && zkelect__now_ns() < e->promised_ns;
}

/* proof_sent_ns is the send time of the oldest request that proved both
 * that our node is first and that it belongs to this session. */
bool zkelect__become_leader(struct zkelect *e, int64_t proof_sent_ns, int takeover)
{
    e->first_confirmed = true;
    int64_t now = zkelect__now_ns();
    int64_t deadline = zkelect__lease_end(e, proof_sent_ns);
    if (now >= deadline) {
        zkelect__log(e, ZKELECT_LOG_WARN, "first in line, but the server answered too late to grant a lease");
        return false;
    }
    e->phase = ZKE_LEADING;
    e->retry_backoff_ms = 0;
    e->lease_sent_ns = proof_sent_ns;
    atomic_store(&e->lease_deadline, deadline);
    if (atomic_load(&e->leading))
        return true; /* the same term: its epoch stays */
    e->term_epoch = e->holds_lock ? e->lock_czxid : e->own_czxid;
    atomic_store(&e->epoch, e->term_epoch);
    atomic_store(&e->leading, true);
    e->promised_ns = 0; /* a new term: the last one's bound is history */
    free(e->place_said); /* out of line once this term ends: its next place is said */
    e->place_said = NULL;
    /* Renewals keep the lease T/4 apart from its start, which may be older
     * than now. A leader whose node has no watch yet (elected on the listing
     * that followed its create) renews at once, which sets it: a deletion or
     * a write by someone else is then known from one notification. */
    e->next_renew_ns = e->own_watch_armed ? zkelect__next_renewal(e, proof_sent_ns) : now;
    const char *previous = takeover != ZKELECT_TAKEOVER_LISTED ? e->predecessor_id : NULL;
    e->gone_how = ZKELECT_TAKEOVER_LISTED; /* said once: a later term of this node was listed */
    zkelect__log(e, ZKELECT_LOG_INFO, "elected: node %s, epoch %lld, lease %lld ms%s%s%s", e->own_name,
                 (long long)e->term_epoch, (long long)((deadline - now) / ZKE_MS), previous ? ", after " : "",
                 previous ? previous : "",
                 takeover == ZKELECT_TAKEOVER_HANDOVER ? " (it handed over)"
                 : takeover == ZKELECT_TAKEOVER_GONE   ? " (its node went)"
                                                       : "");
    zke_item_t *item = zkelect__queue_event(e, ZKELECT_EV_ELECTED, ZKELECT_REASON_NONE, ZKELECT_OK, 0,
                                            "elected with node %s", e->own_name);
    if (item) {
        item->ev.takeover = takeover;
        item->ev.previous_id = zkelect__item_keep(item, previous);
    }
    pthread_cond_broadcast(&e->session->state_cond);
    zkelect__tend_soon(e);
    return true;
}

void zkelect__lead(struct zkelect *e, int64_t proof_sent_ns, int takeover)
{
    if (!zkelect__become_leader(e, proof_sent_ns, takeover))
        zkelect__retry_later(e);
}

void zkelect__extend_lease(struct zkelect *e, int64_t proof_sent_ns)
{
    if (proof_sent_ns <= e->lease_sent_ns)
        return;
    e->lease_sent_ns = proof_sent_ns;
    atomic_store(&e->lease_deadline, zkelect__lease_end(e, proof_sent_ns));
}

/* ------------------------------------------------ renewing on the session */

/* A leader, or the next in line, whose watch on its node is set and was
 * confirmed by an answer hears of a deletion or a write of its node before
 * any later answer: the server answers a session in order, and sends the
 * events its watches owe first. For it, any answer on the session proves
 * what a read of its node would (lease.h), so one request renews every such
 * election the session carries: 10,000 leaders on one session cost one read
 * every T/4, not 10,000. */
bool zkelect__rides_session(const struct zkelect *e)
{
    return e->started && !e->stopping && e->own_watched && e->node_session == e->session->id &&
           (atomic_load(&e->leading) || zkelect__on_standby(e));
}

static void renew_on_proof(struct zkelect *e, int64_t sent_ns)
{
    if (sent_ns > e->answered_ns)
        e->answered_ns = sent_ns;
    if (atomic_load(&e->leading))
        zkelect__extend_lease(e, sent_ns);
    /* Later than the keeper has it timed: it finds nothing due then, and
     * times it afresh. */
    int64_t next = zkelect__next_renewal(e, sent_ns);
    if (next > e->next_renew_ns)
        e->next_renew_ns = next;
}

static void session_proven(int rc, const struct Stat *stat, const void *data)
{
    (void)stat;
    zke_op_t *op = (zke_op_t *)data;
    zke_session_t *s = op->session;
    zkelect__op_begin(op);
    zkelect__op_finish(op);
    bool current = op->zh == s->zh && !s->stopping;
    if (s->proof_zh == op->zh)
        s->proof_zh = NULL;
    if (current && (rc == ZOK || rc == ZNONODE))
        for (struct zkelect *e = s->elections; e; e = e->next)
            if (zkelect__rides_session(e))
                renew_on_proof(e, op->sent_ns);
    zkelect__op_end(op);
}

void zkelect__prove_session(struct zkelect *e)
{
    zke_session_t *s = e->session;
    if (s->proof_zh == s->zh)
        return;
    zke_op_t *op = zkelect__op_new(s, NULL, NULL);
    if (!op)
        return;
    e->reads_sent++;
    if (zkelect__zk_aexists(s->zh, "/", NULL, session_proven, op) == ZOK)
        s->proof_zh = s->zh;
    else
        zkelect__op_drop(op);
}
