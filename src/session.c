/* session.c - one ZooKeeper session and the threads that serve it: opening
 * it, following its states and telling each election on it
 * (zkelect__session_changed()), the keeper thread that tends the elections'
 * timers and replaces a dead session, the dispatch thread that runs the
 * queue, and the end of it all. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

/* ------------------------------------------------------------ its memory */

static int init_sync(zke_session_t *s)
{
    if (pthread_mutex_init(&s->lock, NULL))
        return ZKELECT_ESYS;
    if (zkelect__cond_init(&s->state_cond))
        goto no_state;
    if (zkelect__cond_init(&s->keeper_cond))
        goto no_keeper;
    if (zkelect__cond_init(&s->queue_cond))
        goto no_queue;
    if (pthread_mutex_init(&s->log_lock, NULL))
        goto no_log_lock;
    return ZKELECT_OK;
no_log_lock:
    pthread_cond_destroy(&s->queue_cond);
no_queue:
    pthread_cond_destroy(&s->keeper_cond);
no_keeper:
    pthread_cond_destroy(&s->state_cond);
no_state:
    pthread_mutex_destroy(&s->lock);
    return ZKELECT_ESYS;
}

/* A random digest user and password of its own: the nodes the session
 * creates let only this identity write them (config.c). */
static int make_identity(zke_session_t *s)
{
    char user[ZKE_TOKEN_LEN + 1], password[ZKE_TOKEN_LEN + 1];
    int rc = zkelect__token_new(user);
    if (!rc)
        rc = zkelect__token_new(password);
    if (!rc)
        snprintf(s->identity_credential, sizeof s->identity_credential, "zkelect-%.16s:%s", user, password);
    return rc ? rc : zkelect__digest_id(s->identity_credential, s->identity_id, sizeof s->identity_id);
}

int zkelect__session_alloc(zke_session_t **out, const char *servers)
{
    zke_session_t *s = calloc(1, sizeof *s);
    if (!s)
        return ZKELECT_ENOMEM;
    int rc = (s->servers = strdup(servers)) ? make_identity(s) : ZKELECT_ENOMEM;
    if (!rc)
        rc = zkelect__process_mark_new(&s->process);
    if (!rc)
        rc = init_sync(s);
    if (rc != ZKELECT_OK) {
        zkelect__process_mark_free(s->process);
        free(s->servers);
        free(s);
        return rc;
    }
    s->event_fd = -1;
    s->ops.next = s->ops.prev = &s->ops;
    s->requested_ms = 10000;
    s->log_level = ZKELECT_LOG_INFO;
    atomic_init(&s->granted_ms, 0);
    *out = s;
    return ZKELECT_OK;
}

void zkelect__session_free(zke_session_t *s)
{
    zkelect__forget_log_owner(s);
    if (s->owner)
        zkelect__election_free(s->owner);
    while (s->retired_refs) {
        zke_ref_t *next = s->retired_refs->next;
        free(s->retired_refs);
        s->retired_refs = next;
    }
    zkelect__forget_orphans(s);
    zkelect__queue_free_all(s);
    zkelect__timers_free(s);
    if (s->event_fd >= 0)
        close(s->event_fd);
    pthread_mutex_destroy(&s->log_lock);
    pthread_cond_destroy(&s->queue_cond);
    pthread_cond_destroy(&s->keeper_cond);
    pthread_cond_destroy(&s->state_cond);
    pthread_mutex_destroy(&s->lock);
    free(s->auth_scheme);
    free(s->auth_credential);
    free(s->auth_digest_id);
    zkelect__secure_free(s);
    free(s->servers);
    zkelect__process_mark_free(s->process);
    free(s);
}

/* ----------------------------------------------------- what becomes of it */

/* Every started election on s hears of the change (those not yet started
 * join the session's state at their start: zkelect__session_attach()). */
static void tell_elections(zke_session_t *s, zke_session_change_t change)
{
    for (struct zkelect *e = s->elections; e; e = e->next)
        if (e->started && !e->stopping)
            zkelect__session_changed(e, change);
}

static void give_credentials(zke_session_t *s, zhandle_t *zh);

static void on_connected(zke_session_t *s, zhandle_t *zh)
{
    if (!s->credentials_given)
        give_credentials(s, zh);
    const clientid_t *cid = zoo_client_id(zh);
    int granted = zoo_recv_timeout(zh);
    bool same_session = s->ever_connected && cid->client_id == s->id;
    /* Another server may grant a different timeout; the lease must use the
     * smallest one this session has had. */
    if (!same_session || granted < atomic_load(&s->granted_ms))
        atomic_store(&s->granted_ms, granted);
    s->counters.connections++;
    if (!same_session)
        s->counters.sessions++;
    s->id = cid->client_id;
    s->connected = true;
    zkelect__zk_log_connected(s, true);
    s->ever_connected = true;
    s->disconnected_since = 0;
    zkelect__session_log(s, ZKELECT_LOG_INFO, "connected: session 0x%llx, timeout %d ms%s",
                         (unsigned long long)s->id, atomic_load(&s->granted_ms), same_session ? " (same session)" : "");
    pthread_cond_broadcast(&s->state_cond);
    zkelect__remove_orphans(s);
    tell_elections(s, same_session ? ZKE_SESSION_RESUMED : ZKE_SESSION_NEW);
}

static void on_disconnected(zke_session_t *s)
{
    if (s->connected) {
        s->connected = false;
        zkelect__zk_log_connected(s, false);
        s->disconnected_since = zkelect__now_ns();
        zkelect__session_log(s, ZKELECT_LOG_WARN, "disconnected from ZooKeeper; reconnecting");
    }
    tell_elections(s, ZKE_SESSION_SUSPENDED);
}

static void on_expired(zke_session_t *s)
{
    zkelect__session_log(s, ZKELECT_LOG_WARN, "session 0x%llx expired; opening a new one",
                         (unsigned long long)s->id);
    s->connected = false;
    zkelect__zk_log_connected(s, false);
    s->counters.expiries++;
    s->need_new_session = true;
    s->resume = false;
    zkelect__forget_orphans(s); /* they went with the session */
    tell_elections(s, ZKE_SESSION_EXPIRED);
}

static void on_auth_failed(zke_session_t *s)
{
    s->connected = false;
    s->auth_failed = true;
    pthread_cond_broadcast(&s->state_cond); /* a wait for the connection ends (query.c) */
    /* A standalone handle's election counts the error it is told of. */
    if (!s->owner)
        s->counters.errors++;
    tell_elections(s, ZKE_SESSION_AUTH_FAILED);
}

static void session_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    (void)path;
    zke_session_t *s = ctx;
    zkelect__set_log_owner(s);
    if (type != ZOO_SESSION_EVENT)
        return;
    pthread_mutex_lock(&s->lock);
    if (zh == s->zh && !s->stopping) {
        if (state == ZOO_CONNECTED_STATE)
            on_connected(s, zh);
        else if (state == ZOO_EXPIRED_SESSION_STATE)
            on_expired(s);
        else if (state == ZOO_AUTH_FAILED_STATE)
            on_auth_failed(s);
        else
            on_disconnected(s);
        zkelect__wake_keeper(s);
    }
    pthread_mutex_unlock(&s->lock);
}

void zkelect__session_attach(zke_session_t *s, struct zkelect *e)
{
    if (s->zh && s->connected)
        zkelect__session_changed(e, ZKE_SESSION_NEW);
}

/* ------------------------------------------------------------ opening it */

/* Only an unknown scheme is refused here (the session then dies: see
 * on_auth_failed()); a digest with a wrong password is accepted. */
static void auth_answered(int rc, const void *data)
{
    zke_session_t *s = (zke_session_t *)data;
    zkelect__set_log_owner(s);
    /* A lost connection is no refusal: the client sends them again on the
     * next one. */
    if (rc != ZOK && !zkelect__transient(rc))
        zkelect__session_log(s, ZKELECT_LOG_ERROR, "ZooKeeper refused the credentials: %s", zerror(rc));
}

/* The client keeps credentials with the handle, and sends them on every
 * connection: ZMARSHALLINGERROR only says that the connection being made
 * took no packet yet. Between two attempts to connect (the server away) it
 * refuses them (ZINVALIDSTATE): they are given again when a connection is
 * made, before anything is sent on it (on_connected()). Lock held. */
static bool add_auth(zke_session_t *s, zhandle_t *zh, const char *scheme, const char *credential, size_t len,
                     const char *what)
{
    int rc = zoo_add_auth(zh, scheme, credential, (int)len, auth_answered, s);
    if (rc == ZOK || rc == ZMARSHALLINGERROR)
        return true;
    if (rc != ZINVALIDSTATE)
        zkelect__session_log(s, ZKELECT_LOG_ERROR, "could not give the client %s (scheme \"%s\"): %s", what, scheme,
                             zerror(rc));
    return false;
}

/* Sent before anything else on every connection of this handle. Lock held. */
static void give_credentials(zke_session_t *s, zhandle_t *zh)
{
    bool given = !s->auth_scheme || add_auth(s, zh, s->auth_scheme, s->auth_credential, s->auth_len, "the credentials");
    s->credentials_given = add_auth(s, zh, "digest", s->identity_credential, strlen(s->identity_credential),
                                    "the session's own identity") && given;
}

/* A new ZooKeeper handle for s, on the session of resume (NULL: a new
 * session). Lock NOT held. */
static int open_handle(zke_session_t *s, const clientid_t *resume)
{
    zke_session_t *previous_owner = zkelect__set_log_owner(s);
    /* The lock is held across zookeeper_init2() so that the watcher, which
     * may run on the new handle's thread before init returns, finds s->zh set. */
    pthread_mutex_lock(&s->lock);
    /* The client's threads start with this thread's name, which tells their
     * log lines whose they are (log.c). */
    char own_name[16] = "", tagged[16];
    prctl(PR_GET_NAME, own_name);
    zkelect__zk_thread_name(s, tagged);
    prctl(PR_SET_NAME, tagged);
    errno = 0;
    zhandle_t *zh = zkelect__zk_open(s, session_watcher, resume);
    int saved_errno = errno;
    prctl(PR_SET_NAME, own_name);
    zkelect__set_log_owner(previous_owner);
    if (zh) {
        s->zh = zh;
        s->connected = false;
        give_credentials(s, zh);
        /* The keeper may be asleep with nothing to time: what it watches on
         * a handle (a refused SASL authentication, told to no watcher)
         * starts with the handle. */
        zkelect__wake_keeper(s);
    }
    pthread_mutex_unlock(&s->lock);
    if (zh)
        return ZKELECT_OK;
    /* The client resolves the host names here: with none resolving it
     * fails with ENOENT (and logs getaddrinfo's reason). */
    if (saved_errno == ENOENT)
        zkelect__session_log(s, ZKELECT_LOG_ERROR, "no host of \"%s\" resolves; trying again", s->servers);
    else
        zkelect__session_log(s, ZKELECT_LOG_ERROR, "the ZooKeeper client refused to open a session for \"%s\": %s",
                             s->servers, strerror(saved_errno));
    return saved_errno == ENOMEM ? ZKELECT_ENOMEM : ZKELECT_EZK;
}

/* The session could not be opened again: said to the host (a standalone
 * handle's callback), and tried again after a backoff. Lock held. */
static void reopen_failed(zke_session_t *s, int rc)
{
    if (s->owner)
        zkelect__queue_event(s->owner, ZKELECT_EV_ERROR, ZKELECT_REASON_NONE, rc, 0,
                             "could not open a new ZooKeeper session: %s; retrying", zkelect_strerror(rc));
    else
        s->counters.errors++;
    s->need_new_session = true;
    s->retry_at = zkelect__back_off(&s->backoff_ms);
}

/* Close the old handle, open a new one: on the same session if it is to be
 * resumed. Lock held, released meanwhile. */
static void replace_handle(zke_session_t *s)
{
    zhandle_t *old = s->zh;
    clientid_t resume = s->resume_id;
    bool resuming = s->resume;
    s->need_new_session = false;
    s->zh = NULL;
    s->connected = false;
    s->disconnected_since = 0;
    tell_elections(s, ZKE_SESSION_REOPENED);
    pthread_mutex_unlock(&s->lock);
    if (old)
        zookeeper_close(old);
    pthread_mutex_lock(&s->lock);
    zkelect__ops_free_for(s, old);
    bool stopping = s->stopping;
    pthread_mutex_unlock(&s->lock);
    int rc = stopping ? ZKELECT_OK : open_handle(s, resuming ? &resume : NULL);
    pthread_mutex_lock(&s->lock);
    /* A destroy that came meanwhile has queued the last event already. */
    if (rc != ZKELECT_OK && !s->stopping) {
        reopen_failed(s, rc);
    } else {
        s->backoff_ms = 0;
        s->retry_at = 0;
    }
}

/* ------------------------------------------------------- the keeper thread */

/* A session can be alive on the server while the client never reconnects to
 * it (an ensemble rebuilt empty refuses a client that has seen a newer zxid),
 * so after this long without a connection the handle is replaced, by one
 * that asks for the same session and has seen no zxid: a server that still
 * has the session (an ensemble restarted whole restores it, and our nodes)
 * resumes it, one that does not answers that it expired, and a new session
 * follows. */
static int64_t give_up_reconnecting_at(const zke_session_t *s)
{
    if (!s->ever_connected || s->connected || !s->disconnected_since)
        return 0;
    return zkelect__resume_deadline(s, s->disconnected_since);
}

static int64_t next_wakeup(const zke_session_t *s, int64_t now, int64_t elections_due, int64_t log_flush)
{
    int64_t wake = zkelect__earliest(give_up_reconnecting_at(s), log_flush);
    wake = zkelect__earliest(wake, zkelect__sasl_check_at(s, now));
    wake = zkelect__earliest(wake, elections_due);
    if (s->need_new_session)
        wake = zkelect__earliest(wake, s->retry_at);
    if (wake <= 0)
        return -1;
    /* A deadline already past must never make this loop spin with the lock
     * held: whatever it was for has been handled, or is waiting for an
     * event that signals keeper_cond. */
    return wake > now ? wake : now + ZKE_MS;
}

static void *keeper_main(void *arg)
{
    zke_session_t *s = arg;
    prctl(PR_SET_NAME, "zke-keeper"); /* what ps -L and top -H show */
    zkelect__set_log_owner(s);
    pthread_mutex_lock(&s->lock);
    while (!s->stopping) {
        int64_t now = zkelect__now_ns();
        int64_t give_up = give_up_reconnecting_at(s);
        if (give_up && now >= give_up) {
            zkelect__session_log(s, ZKELECT_LOG_WARN,
                                 "no connection for twice the session timeout; reconnecting to session 0x%llx "
                                 "afresh (a new one if the server has no such session)",
                                 (unsigned long long)s->id);
            tell_elections(s, ZKE_SESSION_ABANDONED);
            s->resume_id = *zoo_client_id(s->zh);
            s->resume = true;
            s->need_new_session = true;
        }
        if (s->need_new_session && now >= s->retry_at) {
            replace_handle(s);
            continue;
        }
        if (zkelect__sasl_refused(s))
            on_auth_failed(s);
        int64_t elections_due = zkelect__tend_due(s, now);
        int64_t log_flush = zkelect__zk_log_flush(s, now);
        zkelect__cond_wait_until(&s->keeper_cond, &s->lock,
                                 next_wakeup(s, zkelect__now_ns(), elections_due, log_flush));
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* ------------------------------------------------------ the dispatch thread */

static void *dispatch_main(void *arg)
{
    zke_session_t *s = arg;
    prctl(PR_SET_NAME, "zke-dispatch"); /* what ps -L and top -H show */
    zkelect__set_log_owner(s);
    pthread_mutex_lock(&s->lock);
    for (;;) {
        zkelect__queue_run(s, SIZE_MAX);
        if (s->stopping)
            break; /* and the queue is empty */
        pthread_cond_wait(&s->queue_cond, &s->lock);
    }
    bool deferred = s->teardown_deferred;
    pthread_mutex_unlock(&s->lock);
    if (deferred) {
        /* Destroyed from a callback: nobody waits to join us. */
        pthread_detach(pthread_self());
        zkelect__session_teardown(s);
        zkelect__session_free(s);
    }
    return NULL;
}

/* ------------------------------------------------------- start and end */

/* Undo a start that failed half way. Lock NOT held. */
static void unstart(zke_session_t *s)
{
    pthread_mutex_lock(&s->lock);
    zkelect__session_stop(s);
    pthread_mutex_unlock(&s->lock);
    if (s->dispatch_running)
        pthread_join(s->dispatch_thread, NULL);
    zkelect__session_teardown(s);
    pthread_mutex_lock(&s->lock);
    s->dispatch_running = false;
    s->started = s->stopping = false;
    pthread_mutex_unlock(&s->lock);
}

static int start_threads(zke_session_t *s)
{
    if (!s->manual_dispatch) {
        if (pthread_create(&s->dispatch_thread, NULL, dispatch_main, s) != 0) {
            zkelect__session_log(s, ZKELECT_LOG_ERROR, "could not create the dispatch thread");
            return ZKELECT_ESYS;
        }
        s->dispatch_running = true;
    }
    if (pthread_create(&s->keeper_thread, NULL, keeper_main, s) != 0) {
        zkelect__session_log(s, ZKELECT_LOG_ERROR, "could not create the keeper thread");
        return ZKELECT_ESYS;
    }
    s->keeper_running = true;
    int rc = open_handle(s, NULL);
    if (rc != ZKELECT_EZK)
        return rc;
    /* Names that do not resolve yet (DNS down, a host not yet registered)
     * are like a server that does not answer yet: the keeper tries again,
     * and zkelect_wait_connected() says when it worked. */
    pthread_mutex_lock(&s->lock);
    reopen_failed(s, rc);
    zkelect__wake_keeper(s);
    pthread_mutex_unlock(&s->lock);
    return ZKELECT_OK;
}

int zkelect__session_start(zke_session_t *s)
{
    /* Every thread started from here (ours and the ZooKeeper client's)
     * leaves the process's signals to the host's threads: see signals.c. */
    sigset_t host_mask;
    zkelect__block_async_signals(&host_mask);
    int rc = start_threads(s);
    zkelect__restore_signals(&host_mask);
    if (rc != ZKELECT_OK)
        unstart(s);
    return rc;
}

void zkelect__session_stop(zke_session_t *s)
{
    s->stopping = true;
    zkelect__wake_keeper(s);
    pthread_cond_broadcast(&s->queue_cond);
}

/* The ZooKeeper client neither calls nor frees the completions of requests
 * still in flight when a handle is closed, so the close waits, briefly, for
 * the answers to what was sent: at once on a live connection. A connection
 * that has gone silent cannot be waited for; its requests then leak inside
 * the client (tests/valgrind.supp). Lock held. */
#define DRAIN_MAX_MS 500

static void drain_requests(zke_session_t *s)
{
    int64_t deadline = zkelect__now_ns() + (int64_t)DRAIN_MAX_MS * ZKE_MS;
    while (s->ops.next != &s->ops && s->connected) {
        if (zkelect__cond_wait_until(&s->state_cond, &s->lock, deadline) != 0)
            break;
    }
}

void zkelect__session_teardown(zke_session_t *s)
{
    pthread_mutex_lock(&s->lock);
    zkelect__session_stop(s);
    pthread_mutex_unlock(&s->lock);
    if (s->keeper_running) {
        pthread_join(s->keeper_thread, NULL);
        s->keeper_running = false;
    }
    pthread_mutex_lock(&s->lock);
    drain_requests(s);
    zhandle_t *zh = s->zh;
    s->zh = NULL;
    pthread_mutex_unlock(&s->lock);
    if (zh) {
        /* The client logs as it closes, on this thread. */
        zke_session_t *previous_owner = zkelect__set_log_owner(s);
        zookeeper_close(zh);
        zkelect__set_log_owner(previous_owner == s ? NULL : previous_owner);
    }
    pthread_mutex_lock(&s->lock);
    zkelect__ops_free_for(s, NULL);
    zkelect__queue_free_all(s);
    pthread_mutex_unlock(&s->lock);
}

unsigned zkelect__session_end_here(zke_session_t *s)
{
    s->dispatching = true;
    s->dispatcher = pthread_self();
    /* What was queued, REVOKED(closed) last, still reaches the host, on this
     * thread, as the dispatch thread delivers it before it ends. */
    unsigned delivered = zkelect__queue_run(s, SIZE_MAX);
    s->dispatching = false;
    pthread_mutex_unlock(&s->lock);
    zkelect__session_teardown(s);
    zkelect__session_free(s);
    return delivered;
}

void zkelect__session_end(zke_session_t *s)
{
    zkelect__session_stop(s);
    if (zkelect__on_dispatch_thread(s)) {
        /* From a callback: the thread that runs it finishes the session. */
        s->teardown_deferred = true;
        pthread_mutex_unlock(&s->lock);
        return;
    }
    if (s->manual_dispatch) {
        (void)zkelect__session_end_here(s);
        return;
    }
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->dispatch_thread, NULL);
    zkelect__session_teardown(s);
    zkelect__session_free(s);
}
