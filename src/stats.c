/* stats.c - zkelect_stats(): the counters kept since start, and the state
 * now, for metrics and health checks. */
#include "internal.h"

#include <stddef.h>
#include <string.h>

/* A caller's struct must reach at least this far (size, leading, connected,
 * epoch): anything shorter is not a zkelect_stats_t of any version. */
#define STATS_MIN_SIZE (offsetof(zkelect_stats_t, epoch) + sizeof(int64_t))

void zkelect__add_counters(zke_counters_t *to, const zke_counters_t *from)
{
    to->terms += from->terms;
    for (size_t i = 0; i < ZKELECT_STATS_REASONS; i++)
        to->revoked[i] += from->revoked[i];
    to->joins += from->joins;
    to->errors += from->errors;
    to->leader_changes += from->leader_changes;
}

static void events_fields(zkelect_stats_t *out, const zke_counters_t *c)
{
    out->terms = c->terms;
    memcpy(out->revoked, c->revoked, sizeof out->revoked);
    out->joins = c->joins;
    out->errors = c->errors;
    out->leader_changes = c->leader_changes;
}

/* The session's side: its connection and its counters. Lock held. */
static void session_fields(zkelect_stats_t *out, zke_session_t *s, int64_t now)
{
    out->connected = s->connected;
    out->disconnected_ns = s->disconnected_since ? now - s->disconnected_since : 0;
    out->session_timeout_ms = atomic_load(&s->granted_ms);
    out->connections = s->counters.connections;
    out->sessions = s->counters.sessions;
    out->expiries = s->counters.expiries;
    pthread_mutex_lock(&s->log_lock);
    out->zk_log_dropped = s->zk_log_dropped_total;
    pthread_mutex_unlock(&s->log_lock);
}

static int ahead_in_line(const struct zkelect *e)
{
    if (atomic_load(&e->leading))
        return 0;
    if (e->phase == ZKE_WATCHING && !e->observer && !e->stopping)
        return (int)e->n_ahead;
    return -1;
}

/* Copy what the caller's struct has room for, and say how much that was. */
static int copy_out(zkelect_stats_t *out, const zkelect_stats_t *full)
{
    if (out->size < STATS_MIN_SIZE)
        return ZKELECT_EINVAL;
    size_t n = out->size < sizeof *full ? out->size : sizeof *full;
    memcpy(out, full, n);
    out->size = n;
    return ZKELECT_OK;
}

int zkelect_stats(zkelect_t *e, zkelect_stats_t *stats)
{
    if (!e || !stats)
        return ZKELECT_EINVAL;
    int rc = zkelect__check_process(e->session, e, "zkelect_stats");
    if (rc)
        return rc;
    zkelect_stats_t full = {.size = sizeof full, .epoch = -1, .lease_remaining_ns = -1};
    int64_t now = zkelect__now_ns();
    pthread_mutex_lock(&e->session->lock);
    int64_t deadline = atomic_load(&e->lease_deadline);
    full.leading = atomic_load(&e->leading) && now < deadline;
    if (full.leading) {
        full.epoch = atomic_load(&e->epoch);
        full.lease_remaining_ns = deadline - now;
    }
    full.ahead = ahead_in_line(e);
    full.acl_open = atomic_load(&e->acl_open);
    events_fields(&full, &e->counters);
    session_fields(&full, e->session, now);
    pthread_mutex_unlock(&e->session->lock);
    return copy_out(stats, &full);
}

int zkelect_session_stats(zkelect_session_t *s, zkelect_stats_t *stats)
{
    if (!s || !stats)
        return ZKELECT_EINVAL;
    int rc = zkelect__check_process(s, NULL, "zkelect_session_stats");
    if (rc)
        return rc;
    zkelect_stats_t full = {.size = sizeof full, .epoch = -1, .lease_remaining_ns = -1, .ahead = -1};
    int64_t now = zkelect__now_ns();
    zke_counters_t sum = {0};
    pthread_mutex_lock(&s->lock);
    for (const struct zkelect *e = s->elections; e; e = e->next) {
        full.leading += atomic_load(&e->leading) && now < atomic_load(&e->lease_deadline);
        full.acl_open += atomic_load(&e->acl_open);
        zkelect__add_counters(&sum, &e->counters);
    }
    zkelect__add_counters(&sum, &s->retired_counters);
    zkelect__add_counters(&sum, &s->counters); /* the session's own errors */
    events_fields(&full, &sum);
    session_fields(&full, s, now);
    pthread_mutex_unlock(&s->lock);
    return copy_out(stats, &full);
}
