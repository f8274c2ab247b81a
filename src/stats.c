/* stats.c - zkelect_stats(): the counters kept since start, and the state
 * now, for metrics and health checks. */
#include "internal.h"

#include <stddef.h>
#include <string.h>

/* A caller's struct must reach at least this far (size, leading, connected,
 * epoch): anything shorter is not a zkelect_stats_t of any version. */
#define STATS_MIN_SIZE (offsetof(zkelect_stats_t, epoch) + sizeof(int64_t))

static void add_counters(zkelect_stats_t *out, const zke_counters_t *c)
{
    out->terms += c->terms;
    for (size_t i = 0; i < ZKELECT_STATS_REASONS; i++)
        out->revoked[i] += c->revoked[i];
    out->joins += c->joins;
    out->errors += c->errors;
    out->leader_changes += c->leader_changes;
}

/* The session's side: its connection and its counters. host's lock held. */
static void session_fields(zkelect_stats_t *out, struct zkelect *host, int64_t now)
{
    out->connected = host->connected;
    out->disconnected_ns = host->disconnected_since ? now - host->disconnected_since : 0;
    out->session_timeout_ms = atomic_load(&host->granted_ms);
    out->connections = host->counters.connections;
    out->sessions = host->counters.sessions;
    out->expiries = host->counters.expiries;
    pthread_mutex_lock(&host->log_lock);
    out->zk_log_dropped = host->zk_log_dropped_total;
    pthread_mutex_unlock(&host->log_lock);
}

static int ahead_in_line(const struct zkelect *e)
{
    if (atomic_load(&e->leading))
        return 0;
    if (e->phase == ZKE_WATCHING && !e->observer)
        return (int)e->n_ahead;
    return -1;
}

/* Copy what the caller's struct has room for, and say how much that was. */
static int deliver(zkelect_stats_t *out, const zkelect_stats_t *full)
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
    zkelect_stats_t full = {.size = sizeof full, .epoch = -1, .lease_remaining_ns = -1};
    int64_t now = zkelect__now_ns();
    pthread_mutex_lock(e->lock);
    int64_t deadline = atomic_load(&e->lease_deadline);
    full.leading = atomic_load(&e->leading) && now < deadline;
    if (full.leading) {
        full.epoch = atomic_load(&e->epoch);
        full.lease_remaining_ns = deadline - now;
    }
    full.ahead = ahead_in_line(e);
    add_counters(&full, &e->counters);
    session_fields(&full, zkelect__host(e), now);
    pthread_mutex_unlock(e->lock);
    return deliver(stats, &full);
}

/* shared.c knows the session's layout; it passes its carrier here. */
int zkelect__session_stats(struct zkelect *carrier, zkelect_stats_t *stats)
{
    if (!stats)
        return ZKELECT_EINVAL;
    zkelect_stats_t full = {.size = sizeof full, .epoch = -1, .lease_remaining_ns = -1, .ahead = -1};
    int64_t now = zkelect__now_ns();
    pthread_mutex_lock(carrier->lock);
    for (const struct zkelect *m = carrier->members; m; m = m->next_member) {
        full.leading += atomic_load(&m->leading) && now < atomic_load(&m->lease_deadline);
        add_counters(&full, &m->counters);
    }
    add_counters(&full, &carrier->retired_counters);
    add_counters(&full, &carrier->counters); /* the session's own errors */
    session_fields(&full, carrier, now);
    pthread_mutex_unlock(carrier->lock);
    return deliver(stats, &full);
}
