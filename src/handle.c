/* handle.c - the public life of an election: create a standalone handle,
 * start, resign, leave, rejoin, destroy. A destroy closes the election
 * (REVOKED(closed) is its last event) and retires it from its session once
 * that event is delivered; a standalone handle's session then ends too. */
#include "internal.h"

#include <stdlib.h>

int zkelect_new(zkelect_t **out, const char *zk_hosts, const char *election_path, const char *participant_id)
{
    if (!out)
        return ZKELECT_EINVAL;
    *out = NULL;
    const char *why;
    char generated[ZKELECT_ID_MAX + 1];
    int rc = zkelect__validate_servers(zk_hosts, &why);
    if (!rc)
        rc = zkelect__check_election(election_path, &participant_id, generated, sizeof generated, &why);
    zke_session_t *s = NULL;
    if (!rc)
        rc = zkelect__session_alloc(&s, zk_hosts);
    struct zkelect *e = NULL;
    if (!rc)
        rc = zkelect__election_alloc(&e, s, election_path, participant_id);
    if (rc) {
        if (s)
            zkelect__session_free(s);
        return rc;
    }
    e->standalone = true;
    s->owner = e;
    *out = e;
    return ZKELECT_OK;
}

/* ------------------------------------------------------------------- start */

/* "auth" grants to the identities the creator's session proved, and a
 * session without credentials has none: the server would refuse every
 * create (ZINVALIDACL). Caught at start, where both settings are known. */
static int acl_has_identity(struct zkelect *e)
{
    if (e->observer || !zkelect__acl_names_creator(&e->custom_acl) || e->session->auth_scheme)
        return ZKELECT_OK;
    zkelect__log(e, ZKELECT_LOG_ERROR,
                 "zkelect_start: the ACL grants to \"auth\" (the creator), but the session has no credentials (%s)",
                 e->standalone ? "zkelect_set_auth()" : "zkelect_session_set_auth()");
    return ZKELECT_EAUTH;
}

/* Lock held. */
static void mark_started(struct zkelect *e)
{
    e->started = true;
    e->phase = ZKE_WAITING;
    zkelect__tend_soon(e);
}

int zkelect__election_start(struct zkelect *e)
{
    zke_session_t *s = e->session;
    pthread_mutex_lock(&s->lock);
    const char *why = NULL;
    if (e->started || e->stopping)
        why = "already started";
    else if (!s->started || s->stopping)
        why = "its session is not started (zkelect_session_start() first)";
    if (why) {
        pthread_mutex_unlock(&s->lock);
        zkelect__log(e, ZKELECT_LOG_ERROR, "zkelect_start: %s", why);
        return ZKELECT_ESTATE;
    }
    mark_started(e);
    zkelect__session_attach(s, e);
    pthread_mutex_unlock(&s->lock);
    return ZKELECT_OK;
}

int zkelect_start(zkelect_t *e)
{
    if (!e)
        return ZKELECT_EINVAL;
    int rc = zkelect__check_process(e->session, e, "zkelect_start");
    if (!rc)
        rc = acl_has_identity(e);
    if (!rc)
        rc = zkelect__settle_acl(e);
    if (rc)
        return rc;
    if (!e->standalone)
        return zkelect__election_start(e);
    zke_session_t *s = e->session;
    pthread_mutex_lock(&s->lock);
    if (e->started || e->stopping) {
        pthread_mutex_unlock(&s->lock);
        zkelect__log(e, ZKELECT_LOG_ERROR, "zkelect_start: already started");
        return ZKELECT_ESTATE;
    }
    mark_started(e);
    s->started = true;
    pthread_mutex_unlock(&s->lock);
    rc = zkelect__session_start(s);
    if (rc != ZKELECT_OK) {
        /* As it was before the call. */
        pthread_mutex_lock(&s->lock);
        e->started = false;
        pthread_mutex_unlock(&s->lock);
    }
    return rc;
}

/* ------------------------------------------------- resign, leave, rejoin */

/* Resign, leave and rejoin share their checks. Returns ZKELECT_OK with the
 * lock held if the call can proceed; otherwise the lock is released. */
static int may_change_place(struct zkelect *e, const char *what)
{
    int rc = zkelect__check_process(e->session, e, what);
    if (rc)
        return rc;
    pthread_mutex_lock(&e->session->lock);
    const char *why = NULL;
    if (!e->started || e->stopping)
        why = "not started";
    else if (e->observer)
        why = "an observer takes no part in the election";
    if (!why)
        return ZKELECT_OK;
    pthread_mutex_unlock(&e->session->lock);
    zkelect__log(e, ZKELECT_LOG_ERROR, "%s: %s", what, why);
    return ZKELECT_ESTATE;
}

int zkelect_resign(zkelect_t *e)
{
    if (!e)
        return ZKELECT_EINVAL;
    int rc = may_change_place(e, "zkelect_resign");
    if (rc != ZKELECT_OK)
        return rc;
    if (e->left) {
        pthread_mutex_unlock(&e->session->lock);
        zkelect__log(e, ZKELECT_LOG_ERROR, "zkelect_resign: the participant has left the election");
        return ZKELECT_ESTATE;
    }
    if (!zkelect__given_up(e)) {
        zkelect__log(e, ZKELECT_LOG_INFO, "resigning: rejoining at the back of the line");
        zkelect__give_up(e, ZKELECT_REASON_RESIGNED);
    }
    pthread_mutex_unlock(&e->session->lock);
    return ZKELECT_OK;
}

int zkelect_leave(zkelect_t *e)
{
    if (!e)
        return ZKELECT_EINVAL;
    int rc = may_change_place(e, "zkelect_leave");
    if (rc != ZKELECT_OK)
        return rc;
    if (!e->left) {
        zkelect__log(e, ZKELECT_LOG_INFO, "leaving the election; the session stays open");
        e->left = true;
        zkelect__give_up(e, ZKELECT_REASON_LEFT);
    }
    pthread_mutex_unlock(&e->session->lock);
    return ZKELECT_OK;
}

int zkelect_rejoin(zkelect_t *e)
{
    if (!e)
        return ZKELECT_EINVAL;
    int rc = may_change_place(e, "zkelect_rejoin");
    if (rc != ZKELECT_OK)
        return rc;
    if (!e->left) {
        pthread_mutex_unlock(&e->session->lock);
        zkelect__log(e, ZKELECT_LOG_ERROR, "zkelect_rejoin: the participant has not left the election");
        return ZKELECT_ESTATE;
    }
    zkelect__log(e, ZKELECT_LOG_INFO, "rejoining the election at the back of the line");
    e->left = false;
    /* A node still being released is removed first: its release then
     * starts the new candidacy (election.c). */
    if (!zkelect__given_up(e)) {
        e->phase = ZKE_WAITING;
        zkelect__drive(e);
    }
    pthread_mutex_unlock(&e->session->lock);
    return ZKELECT_OK;
}

/* ---------------------------------------------------------------- destroy */

/* From here on no completion can advance the election: REVOKED(closed) is
 * its last event. Lock held. */
static void close_election(struct zkelect *e)
{
    zke_session_t *s = e->session;
    e->stopping = true;
    zkelect__revoke(e, ZKELECT_REASON_CLOSED);
    pthread_cond_broadcast(&s->state_cond);
    zkelect__tend_soon(e);
    e->closed_in_callback = zkelect__on_dispatch_thread(s);
}

/* The queue item behind REVOKED(closed): the host has stopped before the
 * node goes, so that its successor is elected at once. What the election
 * leaves to the session (requests in flight, watches it cannot take back,
 * its counters) stays there. */
static void retire(zke_item_t *item)
{
    struct zkelect *e = item->owner;
    zke_session_t *s = item->session;
    zkelect__state_remove(e);
    char *lock = e->holds_lock ? zkelect__lock_path(e) : NULL;
    if (lock)
        zkelect__unwatch_node(s, e, s->zh, lock);
    if (e->own_path) {
        if (e->own_watch_armed)
            zkelect__unwatch_node(s, e, s->zh, e->own_path);
        zkelect__remove_node_and_lock(s, e, s->zh, e->own_path, lock, zkelect__may_hand_over(e));
    } else if (lock) {
        zkelect__remove_node(s, e, s->zh, lock, false);
    }
    free(lock);
    e->holds_lock = false;
    /* Watches go with a session that closes with the election; on a shared
     * session they are taken off. */
    if (e->standalone) {
        e->notice_armed = false;
        e->requests_armed = 0;
    }
    zkelect__unarm_notice(e);
    zkelect__unarm_requests(e);
    zkelect__lookups_cancel(e);
    zkelect__ops_orphan(e);
    e->ref->e = NULL; /* watches it set may still fire: they find no election */
    e->ref->next = s->retired_refs;
    s->retired_refs = e->ref;
    zkelect__election_unlink(e);
    /* The session's counters only grow: they keep what its elections did. */
    zkelect__add_counters(&s->retired_counters, &e->counters);
    e->retired = true;
    pthread_cond_broadcast(&s->state_cond);
    /* Destroyed from its own callback: nobody waits for it. A standalone
     * handle's election goes with its session. */
    if (e->closed_in_callback && !e->standalone)
        zkelect__election_free(e);
}

/* Close e now, and retire it once what is queued before has run. Lock held. */
static void close_and_retire(struct zkelect *e)
{
    close_election(e);
    e->retire_item->run = retire;
    zkelect__queue_item(e->session, e, e->retire_item);
    e->retire_item = NULL;
}

void zkelect__election_destroy(struct zkelect *e)
{
    zke_session_t *s = e->session;
    pthread_mutex_lock(&s->lock);
    if (!e->started) {
        zkelect__election_unlink(e);
        pthread_mutex_unlock(&s->lock);
        zkelect__election_free(e);
        return;
    }
    if (e->stopping) {
        pthread_mutex_unlock(&s->lock);
        return; /* a destroy from a callback is under way */
    }
    close_and_retire(e);
    bool deferred = e->closed_in_callback;
    while (!deferred && !e->retired)
        pthread_cond_wait(&s->state_cond, &s->lock);
    pthread_mutex_unlock(&s->lock);
    if (!deferred)
        zkelect__election_free(e);
}

/* The elections of s that no destroy has begun with: those not started are
 * unlinked, the others closed; all of them in out (n_max at most); how many.
 * Lock held. */
static size_t close_all(zke_session_t *s, struct zkelect **out, size_t n_max)
{
    size_t n = 0;
    struct zkelect *next;
    for (struct zkelect *e = s->elections; e && n < n_max; e = next) {
        next = e->next;
        if (e->stopping)
            continue; /* a destroy from a callback is under way */
        if (!e->started)
            zkelect__election_unlink(e);
        else
            close_and_retire(e);
        out[n++] = e;
    }
    return n;
}

/* The first election of s that no destroy has begun with, or NULL. */
static struct zkelect *first_not_stopping(zke_session_t *s)
{
    struct zkelect *e = s->elections;
    while (e && e->stopping)
        e = e->next;
    return e;
}

void zkelect__elections_destroy_all(zke_session_t *s)
{
    pthread_mutex_lock(&s->lock);
    while (s->elections) {
        size_t n = 0;
        for (struct zkelect *e = s->elections; e; e = e->next)
            n += !e->stopping;
        if (n == 0) {
            /* Only those destroyed from a callback: retired by it. */
            pthread_cond_wait(&s->state_cond, &s->lock);
            continue;
        }
        struct zkelect **closing = calloc(n, sizeof(struct zkelect *));
        if (!closing) {
            /* Without memory for the list: one at a time. */
            struct zkelect *e = first_not_stopping(s);
            pthread_mutex_unlock(&s->lock);
            zkelect__election_destroy(e);
            pthread_mutex_lock(&s->lock);
            continue;
        }
        /* All closed under one hold of the lock, then waited for together:
         * their REVOKED and retirements run in one pass of the dispatch
         * thread, their nodes' deletions pipelined, rather than a hand-over
         * to that thread and back per election. */
        n = close_all(s, closing, n);
        for (size_t i = 0; i < n; i++)
            while (closing[i]->started && !closing[i]->retired)
                pthread_cond_wait(&s->state_cond, &s->lock);
        pthread_mutex_unlock(&s->lock);
        for (size_t i = 0; i < n; i++)
            zkelect__election_free(closing[i]);
        free(closing);
        pthread_mutex_lock(&s->lock);
    }
    pthread_mutex_unlock(&s->lock);
}

void zkelect_destroy(zkelect_t *e)
{
    /* In a child of fork() the handle's lock may be held by a thread that
     * is not there: it is left alone, not freed (its memory is the child's
     * copy). */
    if (!e || zkelect__check_process(e->session, e, "zkelect_destroy"))
        return;
    if (!e->standalone) {
        zkelect__election_destroy(e);
        return;
    }
    zke_session_t *s = e->session;
    pthread_mutex_lock(&s->lock);
    if (!e->started) {
        pthread_mutex_unlock(&s->lock);
        zkelect__session_free(s); /* and e with it */
        return;
    }
    if (e->stopping) {
        pthread_mutex_unlock(&s->lock);
        return; /* a destroy from a callback is under way */
    }
    close_and_retire(e);
    zkelect__session_end(s);
}
