/* shared.c - one ZooKeeper session carrying many elections.
 *
 * A session is a "carrier": a handle that joins nothing but owns what a
 * standalone handle owns for itself (the ZooKeeper handle, the keeper and
 * dispatch threads, the event queue, the lock). Its elections ("members")
 * are ordinary handles that use the carrier's: the session watcher and the
 * keeper walk the member list, events of all members go through the one
 * queue in one order. A member's state machine is exactly a standalone
 * handle's, so every guarantee holds per election. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

struct zkelect_session {
    struct zkelect *carrier;
};

int zkelect_session_new(zkelect_session_t **out, const char *zk_hosts)
{
    if (!out)
        return ZKELECT_EINVAL;
    *out = NULL;
    const char *why;
    int rc = zkelect__validate_hosts(zk_hosts, &why);
    if (rc)
        return rc;
    zkelect_session_t *s = calloc(1, sizeof *s);
    if (!s)
        return ZKELECT_ENOMEM;
    rc = zkelect__alloc(&s->carrier, zk_hosts, "(session)", "(session)");
    if (rc) {
        free(s);
        return rc;
    }
    s->carrier->is_carrier = true;
    *out = s;
    return ZKELECT_OK;
}

int zkelect_session_set_timeout(zkelect_session_t *s, int timeout_ms)
{
    return s ? zkelect_set_session_timeout(s->carrier, timeout_ms) : ZKELECT_EINVAL;
}

int zkelect_session_set_auth(zkelect_session_t *s, const char *scheme, const void *credential, size_t len)
{
    return s ? zkelect_set_auth(s->carrier, scheme, credential, len) : ZKELECT_EINVAL;
}

int zkelect_session_set_log(zkelect_session_t *s, zkelect_log_fn fn, void *userdata)
{
    return s ? zkelect_set_log(s->carrier, fn, userdata) : ZKELECT_EINVAL;
}

int zkelect_session_set_log_level(zkelect_session_t *s, int level)
{
    return s ? zkelect_set_log_level(s->carrier, level) : ZKELECT_EINVAL;
}

int zkelect_session_start(zkelect_session_t *s)
{
    return s ? zkelect_start(s->carrier) : ZKELECT_EINVAL;
}

int zkelect_session_stats(zkelect_session_t *s, zkelect_stats_t *stats)
{
    return s ? zkelect__session_stats(s->carrier, stats) : ZKELECT_EINVAL;
}

int zkelect_session_wait_connected(zkelect_session_t *s, int timeout_ms)
{
    return s ? zkelect_wait_connected(s->carrier, timeout_ms) : ZKELECT_EINVAL;
}

/* Members start with the session's log settings and ACL. */
static void inherit(struct zkelect *e, struct zkelect *carrier)
{
    e->carrier = carrier;
    e->lock = carrier->lock;
    e->ref->lock = carrier->lock;
    e->session_timeout_ms = carrier->session_timeout_ms;
    e->log_fn = carrier->log_fn;
    e->log_userdata = carrier->log_userdata;
    e->log_level = carrier->log_level;
    e->acl_entries[0] = carrier->acl_entries[0];
    e->acl_entries[1] = carrier->acl_entries[1];
    e->acl = carrier->acl;
    if (carrier->acl.data == carrier->acl_entries)
        e->acl.data = e->acl_entries;
}

static void link_member(struct zkelect *e)
{
    struct zkelect *carrier = e->carrier;
    e->prev_member = NULL;
    e->next_member = carrier->members;
    if (carrier->members)
        carrier->members->prev_member = e;
    carrier->members = e;
}

static void unlink_member(struct zkelect *e)
{
    if (e->prev_member)
        e->prev_member->next_member = e->next_member;
    else
        e->carrier->members = e->next_member;
    if (e->next_member)
        e->next_member->prev_member = e->prev_member;
    e->next_member = e->prev_member = NULL;
}

int zkelect_new_on_session(zkelect_t **out, zkelect_session_t *s, const char *election_path,
                           const char *participant_id)
{
    if (!out)
        return ZKELECT_EINVAL;
    *out = NULL;
    if (!s)
        return ZKELECT_EINVAL;
    char generated[ZKELECT_ID_MAX + 1];
    const char *why;
    int rc = zkelect__check_election(election_path, &participant_id, generated, sizeof generated, &why);
    if (rc) {
        /* Unlike zkelect_new(), there is a log function to say why: the session's. */
        zkelect__log(s->carrier, ZKELECT_LOG_ERROR, "zkelect_new_on_session: %s", why);
        return rc;
    }
    struct zkelect *e;
    rc = zkelect__alloc(&e, s->carrier->hosts, election_path, participant_id);
    if (rc)
        return rc;
    /* On the session's list from now on, so that zkelect_session_destroy()
     * finds it started or not; the session's events skip it until started. */
    pthread_mutex_lock(s->carrier->lock);
    inherit(e, s->carrier);
    link_member(e);
    pthread_mutex_unlock(s->carrier->lock);
    *out = e;
    return ZKELECT_OK;
}

int zkelect__member_start(struct zkelect *e)
{
    struct zkelect *carrier = e->carrier;
    pthread_mutex_lock(e->lock);
    const char *why = NULL;
    if (e->started || e->stopping)
        why = "already started";
    else if (!carrier->started || carrier->stopping)
        why = "its session is not started (zkelect_session_start() first)";
    if (why) {
        pthread_mutex_unlock(e->lock);
        zkelect__log(e, ZKELECT_LOG_ERROR, "zkelect_start: %s", why);
        return ZKELECT_ESTATE;
    }
    e->started = true;
    e->phase = ZKE_WAITING;
    zkelect__session_attach(e);
    pthread_mutex_unlock(e->lock);
    return ZKELECT_OK;
}

/* Its requests still in flight complete on the session, which outlives it:
 * they become the carrier's, stale, so that their completions only clean up
 * (a node a stale create made is deleted, as for any stale create). */
static void hand_over_requests(struct zkelect *e)
{
    struct zkelect *carrier = e->carrier;
    while (e->ops.next != &e->ops) {
        zke_op_t *op = e->ops.next;
        zkelect__op_finish(op);
        op->e = carrier;
        op->gen = carrier->gen - 1;
        op->next = &carrier->ops;
        op->prev = carrier->ops.prev;
        carrier->ops.prev->next = op;
        carrier->ops.prev = op;
    }
}

void zkelect__retire(struct zkelect *e)
{
    struct zkelect *carrier = e->carrier;
    /* Its node goes now, with the watch on it taken off first, so that the
     * successor is elected at once; the session stays. */
    if (e->own_path && e->zh && e->zh == carrier->zh) {
        if (e->own_watch_armed && carrier->connected)
            zkelect__unwatch_node(carrier, carrier->zh, e->own_path);
        zkelect__remove_node(carrier, carrier->zh, e->own_path, zkelect__may_hand_over(e));
    }
    for (size_t i = 0; i < e->n_orphans; i++)
        zkelect__delete_node(carrier, e->zh, e->orphans[i]);
    zkelect__lookups_cancel(e);
    hand_over_requests(e);
    /* Watches it set may still fire: they find no election. */
    e->ref->e = NULL;
    e->ref->next = carrier->refs;
    carrier->refs = e->ref;
    unlink_member(e);
    /* The session's counters only grow: they keep what its elections did. */
    zke_counters_t *kept = &carrier->retired_counters;
    kept->terms += e->counters.terms;
    for (size_t i = 0; i < ZKELECT_STATS_REASONS; i++)
        kept->revoked[i] += e->counters.revoked[i];
    kept->joins += e->counters.joins;
    kept->errors += e->counters.errors;
    kept->leader_changes += e->counters.leader_changes;
    e->retired = true;
    pthread_cond_broadcast(&e->state_cond);
    pthread_cond_broadcast(&carrier->state_cond); /* see zkelect_session_destroy() */
    if (e->destroy_deferred) {
        zkelect__free(e); /* destroyed from its own callback: nobody waits */
    }
}

void zkelect__member_destroy(struct zkelect *e)
{
    zke_item_t *item = calloc(1, sizeof *item);
    pthread_mutex_lock(e->lock);
    bool never_started = !e->started;
    if (never_started || e->stopping) {
        /* a deferred destroy may already be under way */
        if (never_started)
            unlink_member(e);
        pthread_mutex_unlock(e->lock);
        free(item);
        if (never_started)
            zkelect__free(e);
        return;
    }
    zkelect__begin_close(e);
    if (item) {
        /* Behind its REVOKED(closed): the host has stopped before the delete. */
        item->kind = ZKE_ITEM_RETIRE;
        zkelect__queue_item(e, item);
    } else {
        zkelect__log(e, ZKELECT_LOG_ERROR, "out of memory: retiring the election at once");
        e->destroy_deferred = false;
        zkelect__retire(e);
    }
    bool deferred = e->destroy_deferred;
    while (!deferred && !e->retired)
        pthread_cond_wait(&e->state_cond, e->lock);
    pthread_mutex_unlock(e->lock);
    if (!deferred)
        zkelect__free(e);
}

void zkelect_session_destroy(zkelect_session_t *s)
{
    if (!s)
        return;
    struct zkelect *carrier = s->carrier;
    pthread_mutex_lock(carrier->lock);
    bool from_callback = carrier->started && zkelect__on_dispatch_thread(carrier);
    pthread_mutex_unlock(carrier->lock);
    if (from_callback) {
        zkelect__log(carrier, ZKELECT_LOG_ERROR,
                     "zkelect_session_destroy: not allowed from a callback; the session is left as it is");
        return;
    }
    /* Elections still on it leave first, each with its REVOKED(closed);
     * those destroyed from a callback are waited for until retired. */
    pthread_mutex_lock(carrier->lock);
    while (carrier->members) {
        struct zkelect *m = carrier->members;
        while (m && m->stopping)
            m = m->next_member;
        if (!m) {
            pthread_cond_wait(&carrier->state_cond, carrier->lock);
            continue;
        }
        pthread_mutex_unlock(carrier->lock);
        zkelect_destroy(m);
        pthread_mutex_lock(carrier->lock);
    }
    pthread_mutex_unlock(carrier->lock);
    zkelect_destroy(carrier);
    free(s);
}
