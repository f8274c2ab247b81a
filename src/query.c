/* query.c - what the host can ask without asking ZooKeeper: leadership, the
 * lease, the connection, our node (lookup.c reads the line). */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* The lock-free queries answer "not leading" in a child of fork(), quietly:
 * they may be called every millisecond. */
int zkelect_is_leader(const zkelect_t *e)
{
    return e && zkelect__in_creating_process(e->session->process) && zkelect__holds_lease(e) ? 1 : 0;
}

int64_t zkelect_epoch(const zkelect_t *e)
{
    if (!zkelect_is_leader(e))
        return -1;
    return atomic_load(&e->epoch);
}

int zkelect_lease_deadline(const zkelect_t *e, int64_t *deadline_ns)
{
    if (!e || !deadline_ns)
        return ZKELECT_EINVAL;
    if (!zkelect__in_creating_process(e->session->process))
        return ZKELECT_ESTATE;
    int64_t deadline = atomic_load(&e->lease_deadline);
    if (!zkelect__holds_lease(e))
        return ZKELECT_ENOLEADER;
    *deadline_ns = deadline;
    return ZKELECT_OK;
}

int zkelect_session_timeout(const zkelect_t *e)
{
    if (!e)
        return ZKELECT_EINVAL;
    if (!zkelect__in_creating_process(e->session->process))
        return ZKELECT_ESTATE;
    int granted = atomic_load(&e->session->granted_ms);
    return granted > 0 ? granted : ZKELECT_ENOTCONN;
}

/* ---------------------------------------------------------------- waits */

/* What a wait waits for: e's leadership, or s's connection (e NULL). */
typedef bool (*condition_fn)(const zke_session_t *s, const struct zkelect *e);

static bool leads(const zke_session_t *s, const struct zkelect *e)
{
    (void)s;
    return zkelect__holds_lease(e);
}

static bool is_connected(const zke_session_t *s, const struct zkelect *e)
{
    (void)e;
    return s->connected;
}

static bool ended(const zke_session_t *s, const struct zkelect *e)
{
    return e ? !e->started || e->stopping : !s->started || s->stopping;
}

/* Lock held. */
static int wait_for(zke_session_t *s, struct zkelect *e, condition_fn done, int timeout_ms, const char *what)
{
    const char *why = ended(s, e) ? "not started" : zkelect__on_dispatch_thread(s) ? "not allowed from a callback" : NULL;
    if (why) {
        zkelect__log_about(s, e, ZKELECT_LOG_ERROR, "%s: %s", what, why);
        return ZKELECT_ESTATE;
    }
    int64_t deadline = timeout_ms < 0 ? -1 : zkelect__now_ns() + (int64_t)timeout_ms * ZKE_MS;
    while (!done(s, e)) {
        if (ended(s, e))
            return ZKELECT_ESTATE;
        if (s->auth_failed)
            return ZKELECT_EAUTH;
        if (deadline >= 0 && zkelect__now_ns() >= deadline)
            return ZKELECT_ETIMEDOUT;
        int64_t wake = deadline;
        /* Leadership can also end by the clock alone: wake at the lease
         * deadline to look again. */
        if (e && atomic_load(&e->leading) && (wake < 0 || atomic_load(&e->lease_deadline) < wake))
            wake = atomic_load(&e->lease_deadline);
        zkelect__cond_wait_until(&s->state_cond, &s->lock, wake);
    }
    return ZKELECT_OK;
}

int zkelect_wait_leader(zkelect_t *e, int timeout_ms)
{
    if (!e)
        return ZKELECT_EINVAL;
    int rc = zkelect__check_process(e->session, e, "zkelect_wait_leader");
    if (rc)
        return rc;
    pthread_mutex_lock(&e->session->lock);
    if (e->observer) {
        pthread_mutex_unlock(&e->session->lock);
        zkelect__log(e, ZKELECT_LOG_ERROR, "zkelect_wait_leader: an observer never leads");
        return ZKELECT_ESTATE;
    }
    rc = wait_for(e->session, e, leads, timeout_ms, "zkelect_wait_leader");
    pthread_mutex_unlock(&e->session->lock);
    return rc;
}

int zkelect_wait_connected(zkelect_t *e, int timeout_ms)
{
    if (!e)
        return ZKELECT_EINVAL;
    int rc = zkelect__check_process(e->session, e, "zkelect_wait_connected");
    if (rc)
        return rc;
    pthread_mutex_lock(&e->session->lock);
    rc = wait_for(e->session, e, is_connected, timeout_ms, "zkelect_wait_connected");
    pthread_mutex_unlock(&e->session->lock);
    return rc;
}

int zkelect_session_wait_connected(zkelect_session_t *s, int timeout_ms)
{
    if (!s)
        return ZKELECT_EINVAL;
    int rc = zkelect__check_process(s, NULL, "zkelect_session_wait_connected");
    if (rc)
        return rc;
    pthread_mutex_lock(&s->lock);
    rc = wait_for(s, NULL, is_connected, timeout_ms, "zkelect_session_wait_connected");
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* text into the caller's buf of len bytes, whole or not at all. */
static int copy_out(const char *text, char *buf, size_t len)
{
    size_t n = strlen(text) + 1;
    if (n > len)
        return ZKELECT_ERANGE;
    memcpy(buf, text, n);
    return ZKELECT_OK;
}

int zkelect_id(zkelect_t *e, char *buf, size_t len)
{
    if (!e)
        return ZKELECT_EINVAL;
    int rc = zkelect__check_process(e->session, e, "zkelect_id");
    if (rc)
        return rc;
    if (!buf) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "zkelect_id: buf is NULL");
        return ZKELECT_EINVAL;
    }
    /* Fixed at zkelect_new(): no lock needed. */
    rc = copy_out(e->id, buf, len);
    if (rc == ZKELECT_ERANGE)
        zkelect__log(e, ZKELECT_LOG_ERROR, "zkelect_id: the id takes %zu bytes, the buffer has %zu", strlen(e->id) + 1,
                     len);
    return rc;
}

int zkelect_node_path(zkelect_t *e, char *buf, size_t len)
{
    if (!e || !buf)
        return ZKELECT_EINVAL;
    int rc = zkelect__check_process(e->session, e, "zkelect_node_path");
    if (rc)
        return rc;
    pthread_mutex_lock(&e->session->lock);
    rc = !e->own_path || e->own_czxid < 0 ? ZKELECT_ESTATE : copy_out(e->own_path, buf, len);
    pthread_mutex_unlock(&e->session->lock);
    return rc;
}
