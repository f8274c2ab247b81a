/* election.c - one election's life on its session: the driver that takes
 * the next step from the current state (join.c, line.c, follow.c), what a
 * change of the session does to it, giving up a place and releasing the
 * node after REVOKED, and the keeper's part: the lease, the renewals, the
 * retries. Every function here runs with the lock held. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static void lose_node(struct zkelect *e, const char *why);

static const zke_driver_t driver = {
    .node_lost = lose_node,
    .give_up = zkelect__give_up,
    .drive = zkelect__drive,
};

/* ------------------------------------------------------- its memory */

int zkelect__election_alloc(struct zkelect **out, zke_session_t *s, const char *path, const char *id)
{
    struct zkelect *e = calloc(1, sizeof *e);
    if (!e)
        return ZKELECT_ENOMEM;
    e->session = s;
    e->driver = &driver;
    e->path = strdup(path);
    e->id = strdup(id);
    e->payload = strdup(id);
    e->ref = calloc(1, sizeof *e->ref);
    e->retire_item = calloc(1, sizeof *e->retire_item);
    int rc = ZKELECT_ENOMEM;
    if (e->path && e->id && e->payload && e->ref && e->retire_item)
        rc = zkelect__token_new(e->token);
    if (rc != ZKELECT_OK) {
        zkelect__election_free(e);
        return rc;
    }
    e->payload_len = strlen(id);
    e->ref->e = e;
    e->ref->session = s;
    for (uint8_t i = 0; i < ZKE_WATCHERS; i++)
        e->ref->watch[i] = i;
    e->query_timeout_ms = 2000;
    e->policy = ZKELECT_POLICY_STRICT;
    e->lease_fraction = 2.0 / 3.0;
    /* It starts with its session's log settings. */
    e->log_fn = s->log_fn;
    e->log_userdata = s->log_userdata;
    e->log_level = s->log_level;
    e->own_seq = -1;
    e->own_czxid = -1;
    e->follow.leader_czxid = -1;
    atomic_init(&e->leading, false);
    atomic_init(&e->lease_deadline, 0);
    atomic_init(&e->epoch, -1);
    atomic_init(&e->acl_open, 0);
    /* On the session's list from now on, so that the session's end finds
     * it, started or not; the session's changes skip it until it starts. */
    pthread_mutex_lock(&s->lock);
    rc = zkelect__timers_add(s, e);
    if (rc == ZKELECT_OK) {
        e->next = s->elections;
        if (s->elections)
            s->elections->prev = e;
        s->elections = e;
    }
    pthread_mutex_unlock(&s->lock);
    if (rc != ZKELECT_OK) {
        zkelect__election_free(e);
        return rc;
    }
    *out = e;
    return ZKELECT_OK;
}

void zkelect__election_unlink(struct zkelect *e)
{
    zkelect__timers_remove(e->session, e);
    if (e->prev)
        e->prev->next = e->next;
    else
        e->session->elections = e->next;
    if (e->next)
        e->next->prev = e->prev;
    e->next = e->prev = NULL;
}

void zkelect__election_free(struct zkelect *e)
{
    zkelect__forget_ahead(e);
    zkelect__follow_forget(e);
    zkelect__strset_free(&e->impostors);
    zkelect__strset_free(&e->strangers);
    zkelect__acl_free(&e->custom_acl);
    /* A retired election's watch context stays with its session, which frees it. */
    if (!e->retired)
        free(e->ref);
    free(e->retire_item);
    free(e->own_path);
    free(e->own_name);
    free(e->watched_path);
    free(e->predecessor_id);
    free(e->place_said);
    free(e->state);
    free(e->state_path);
    free(e->incumbent);
    free(e->lock_holder);
    free(e->move_to);
    free(e->preempt_behind);
    free(e->path);
    free(e->id);
    free(e->payload);
    free(e);
}

/* ---------------------------------------------------------- the driver */

void zkelect__drive(struct zkelect *e)
{
    if (!zkelect__may_drive(e))
        return;
    zkelect__forget_line(e);
    if (!zkelect__session_ready(e)) {
        e->phase = ZKE_WAITING;
        return;
    }
    if (e->observer)
        zkelect__follow_start(e);
    else if (e->own_path)
        zkelect__check_node(e);
    else if (e->create_unknown)
        zkelect__find_node(e);
    else
        zkelect__create_node(e);
}

void zkelect__forget_node(struct zkelect *e)
{
    zkelect__unarm_notice(e); /* a new candidacy has a new token, and a notice of its own */
    e->notified[0] = '\0';
    zkelect__forget_ahead(e);
    free(e->own_path);
    free(e->own_name);
    free(e->watched_path);
    e->own_path = e->own_name = e->watched_path = NULL;
    free(e->place_said); /* a new candidacy says its place again */
    e->place_said = NULL;
    e->gone_how = ZKELECT_TAKEOVER_LISTED;
    e->own_seq = -1;
    e->own_czxid = -1;
    e->node_session = 0;
    e->own_watched = false;
    e->own_watch_armed = false;
    e->first_confirmed = false;
    e->create_unknown = false;
    free(e->move_to); /* asked of the candidacy that ends */
    e->moved_to_us = false;
    e->move_to = NULL;
    zkelect__forget_preemption(e);
    /* Each candidacy has its own token, so that a node of an earlier one can
     * never be mistaken for the current one. */
    if (zkelect__token_new(e->token) != ZKELECT_OK)
        zkelect__log(e, ZKELECT_LOG_ERROR, "no random bytes for a new token; keeping the old one");
}

static void lose_node(struct zkelect *e, const char *why)
{
    zkelect__log(e, ZKELECT_LOG_WARN, "our node %s is gone (%s); rejoining", e->own_name ? e->own_name : "?", why);
    zkelect__bound_broken(e, ZKELECT_REASON_NODE_DELETED);
    zkelect__revoke(e, ZKELECT_REASON_NODE_DELETED);
    if (e->holds_lock) {
        /* Ours still, with nothing behind it: let the next leader have it. */
        char *lock = zkelect__lock_path(e);
        if (lock)
            zkelect__remove_node(e->session, e, e->session->zh, lock, false);
        free(lock);
        e->holds_lock = false;
    }
    zkelect__forget_node(e);
    zkelect__drive(e);
}

/* ------------------------------------------------- what the session says */

static void on_connected(struct zkelect *e, bool new_session)
{
    if (new_session) {
        e->answered_ns = 0; /* answers on another session prove nothing here */
        e->own_watched = e->own_watch_armed = false;
        e->holds_lock = false; /* a lock of the old session is not this one's */
        e->notice_armed = e->flag_watch_armed = false;
    }
    zkelect__state_session_changed(e, new_session);
    if (e->phase != ZKE_RELEASING)
        zkelect__drive(e);
    if (e->leader_events)
        zkelect__follow_start(e);
}

/* Replies to what is in flight will be lost or stale; whatever they would
 * have told is learned again on reconnection. A create in flight may still
 * have happened: its node is then looked up by token. */
static void on_suspended(struct zkelect *e)
{
    if (e->phase == ZKE_CREATING)
        e->create_unknown = true;
    if (!zkelect__given_up(e))
        e->phase = ZKE_WAITING;
    e->gen++;
    zkelect__follow_stale(e);
    if (e->policy == ZKELECT_POLICY_STRICT)
        zkelect__revoke(e, ZKELECT_REASON_SUSPENDED);
}

/* The server deleted every ephemeral of the session: nothing to clean. */
static void on_expired(struct zkelect *e)
{
    zkelect__revoke(e, ZKELECT_REASON_EXPIRED);
    e->holds_lock = false; /* gone with the session */
    e->notice_armed = e->flag_watch_armed = false;
    zkelect__forget_node(e);
    if (e->phase != ZKE_FAILED)
        e->phase = ZKE_WAITING;
    e->gen++;
    zkelect__follow_stale(e);
}

static void on_auth_failed(struct zkelect *e)
{
    zkelect__revoke(e, ZKELECT_REASON_AUTH_FAILED);
    e->phase = ZKE_FAILED;
    e->gen++;
    zkelect__log(e, ZKELECT_LOG_ERROR, "ZooKeeper refused the session's credentials; the participant stops");
    zkelect__queue_event(e, ZKELECT_EV_ERROR, ZKELECT_REASON_NONE, ZKELECT_EAUTH, ZAUTHFAILED,
                         "authentication failed: the participant has stopped");
}

void zkelect__session_changed(struct zkelect *e, zke_session_change_t change)
{
    switch (change) {
    case ZKE_SESSION_NEW:
    case ZKE_SESSION_RESUMED:
        on_connected(e, change == ZKE_SESSION_NEW);
        break;
    case ZKE_SESSION_SUSPENDED:
        on_suspended(e);
        break;
    case ZKE_SESSION_EXPIRED:
        on_expired(e);
        break;
    case ZKE_SESSION_ABANDONED:
        /* The node is kept: the session it belongs to may be resumed (its
         * ownership is checked again then), else it expires with it. */
        zkelect__revoke(e, ZKELECT_REASON_SUSPENDED);
        break;
    case ZKE_SESSION_REOPENED:
        /* What was sent on the old handle is void, and its watches gone. */
        e->gen++;
        e->own_watched = e->own_watch_armed = false;
        e->notice_armed = e->flag_watch_armed = false;
        break;
    case ZKE_SESSION_AUTH_FAILED:
        on_auth_failed(e);
        break;
    }
    zkelect__tend_soon(e);
}

/* ------------------------------------------------ giving up a place */

/* The node of a given-up place is removed only now, after its REVOKED
 * callback returned: the host has stopped before any successor can be
 * elected. */
static void release(zke_item_t *item)
{
    struct zkelect *e = item->owner;
    zke_session_t *s = item->session;
    if (item->unwatch)
        zkelect__unwatch_node(s, e, item->zh, item->path);
    if (item->lock_path)
        zkelect__unwatch_node(s, e, item->zh, item->lock_path);
    /* Also when a destroy followed: the session may outlive the election,
     * and with it a node not removed now. */
    if (item->move_to)
        zkelect__move_leadership(s, e, item);
    else
        zkelect__remove_node_and_lock(s, e, item->zh, item->path, item->lock_path, item->hand_over);
    if (e->stopping)
        return;
    e->phase = ZKE_WAITING;
    if (item->rejoin_behind)
        zkelect__rejoin_after_successor(e);
    else
        zkelect__drive(e);
}

void zkelect__give_up(struct zkelect *e, int reason)
{
    bool was_leading = atomic_load(&e->leading);
    zkelect__revoke(e, reason);
    if (e->own_path) {
        zke_item_t *item = calloc(1, sizeof *item);
        if (item) {
            /* The removal waits behind the REVOKED just queued: see release(). */
            item->run = release;
            item->path = e->own_path;
            item->zh = e->session->zh;
            item->unwatch = e->own_watch_armed;
            item->hand_over = zkelect__may_hand_over(e);
            item->lock_path = e->holds_lock ? zkelect__lock_path(e) : NULL;
            /* A move asked of this leader goes with its resignation alone. */
            item->move_to = reason == ZKELECT_REASON_RESIGNED && was_leading ? e->move_to : NULL;
            if (!item->move_to)
                free(e->move_to);
            e->move_to = NULL;
            item->rejoin_behind = reason == ZKELECT_REASON_RESIGNED && was_leading && e->priority_mode &&
                                  !item->move_to;
            e->holds_lock = false;
            e->own_path = NULL;
            zkelect__forget_node(e);
            e->phase = ZKE_RELEASING;
            e->gen++;
            zkelect__queue_item(e->session, e, item);
        } else {
            /* No memory to defer the removal: the node stays until the
             * session ends, and a new candidacy starts behind it. */
            zkelect__log(e, ZKELECT_LOG_ERROR, "out of memory: %s is left to the session", e->own_path);
            zkelect__forget_node(e);
            zkelect__drive(e);
        }
    } else if (!e->create_unknown) {
        /* A create in flight becomes stale: its completion removes the node. */
        e->gen++;
        zkelect__forget_node(e);
        zkelect__drive(e);
    }
}

/* ------------------------------------------------------ the keeper's part */

/* A leader's renewal, or the next in line's recent answer, due now: one
 * request on the session for all that ride on it, else a read of its own
 * node (which also sets its watch). */
static void renew(struct zkelect *e, int64_t now)
{
    if (zkelect__rides_session(e) && zkelect__session_ready(e))
        zkelect__prove_session(e);
    else
        zkelect__read_own_node(e);
    e->next_renew_ns = zkelect__next_renewal(e, now);
}

static void tend_lease(struct zkelect *e, int64_t now)
{
    if (!atomic_load(&e->leading)) {
        if (zkelect__on_standby(e) && now >= e->next_renew_ns)
            renew(e, now);
        return;
    }
    if (now >= atomic_load(&e->lease_deadline)) {
        zkelect__log(e, ZKELECT_LOG_WARN, "lease deadline passed without a reply from ZooKeeper");
        zkelect__revoke(e, ZKELECT_REASON_LEASE_EXPIRED);
        /* Still first in line and the session alive? A fresh check says so,
         * and leadership comes back with the same epoch. */
        if (zkelect__session_ready(e))
            zkelect__drive(e);
        return;
    }
    /* Without a connection there is nothing to send; the reconnection
     * checks the node again anyway. Either way the next renewal is T/4 on. */
    if (now >= e->next_renew_ns)
        renew(e, now);
}

static void tend(struct zkelect *e, int64_t now)
{
    tend_lease(e, now);
    zkelect__preemption_tend(e, now);
    zkelect__lookups_expire(e, now);
    zkelect__follow_tend(e, now);
    /* A retry waits for the new session when one is due. */
    if (e->retry_at && now >= e->retry_at && !e->session->need_new_session) {
        e->retry_at = 0;
        e->awaiting_successor = false; /* nobody took the lock within T */
        if (e->phase == ZKE_WAITING)
            zkelect__drive(e);
    }
}

static int64_t wakeup(const struct zkelect *e)
{
    int64_t wake = e->session->need_new_session ? 0 : e->retry_at;
    if (atomic_load(&e->leading)) {
        wake = zkelect__earliest(wake, atomic_load(&e->lease_deadline));
        wake = zkelect__earliest(wake, e->next_renew_ns);
    } else if (zkelect__on_standby(e)) {
        wake = zkelect__earliest(wake, e->next_renew_ns);
    }
    wake = zkelect__earliest(wake, e->follow.retry_at);
    wake = zkelect__earliest(wake, e->preempt_at_ns);
    return zkelect__earliest(wake, zkelect__lookups_deadline(e));
}

/* When e is due next: a deadline that tending left behind (its step waits
 * for a reply) is looked at again a millisecond on, not at once, so that
 * the keeper's loop ends. */
static int64_t next_due(const struct zkelect *e, int64_t now)
{
    int64_t due = e->started ? wakeup(e) : 0;
    return due <= 0 ? ZKE_NOT_DUE : due > now ? due : now + ZKE_MS;
}

int64_t zkelect__tend_due(zke_session_t *s, int64_t now)
{
    struct zkelect *e;
    while ((e = zkelect__timers_first(s)) && e->due_ns <= now) {
        if (e->started)
            tend(e, now);
        zkelect__timers_set(e, next_due(e, now));
    }
    return e && e->due_ns != ZKE_NOT_DUE ? e->due_ns : 0;
}
