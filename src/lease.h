/* lease.h - the lease model, on which "one leader at a time" rests.
 *
 * T is the session timeout the server granted: the smallest it granted on
 * this session, since another server may grant less. A request sent at a
 * (this host's CLOCK_BOOTTIME) and answered proves the session alive on the
 * server at some point after a. The server cannot expire the session, and so
 * delete its node and let a successor be elected, before a + T. Every
 * deadline derived from T is here, under the name of what it is for:
 *
 *   lease end          a + f*T  a leader believes it leads until then without
 *                               another answer (f: the lease fraction, 0.3 to
 *                               0.9, limits.c says why)
 *   successor bound    a + T    what REVOKED promises the host: no successor
 *                               is elected earlier while the node stands
 *   renewal            T/4      a leader, and the next in line, prove their
 *                               node again this often: with the watch on
 *                               it confirmed, by any answer on the session,
 *                               one request for all its elections
 *                               (leadership.c says why); else by a read
 *   fresh answer       the lease end still more than T/8 away: a standby may
 *                               take over on a notification alone
 *   resume window      2T       without a connection for this long, the
 *                               keeper reconnects afresh (to the old session
 *                               if the server restored it)
 *   successor's turn   T        a leader that moved its term gives the chosen
 *                               successor this long to take the lock
 *
 * docs/GUARANTEES.md states the guarantees these give. All take the lock
 * or read T atomically. */
#ifndef ZKELECT_LEASE_H
#define ZKELECT_LEASE_H

static inline int64_t zkelect__t_ns(const zke_session_t *s)
{
    return (int64_t)atomic_load(&s->granted_ms) * ZKE_MS;
}

static inline int64_t zkelect__lease_end(const struct zkelect *e, int64_t sent_ns)
{
    return sent_ns + (int64_t)(e->lease_fraction * (double)zkelect__t_ns(e->session));
}

static inline int64_t zkelect__successor_bound(const struct zkelect *e, int64_t sent_ns)
{
    return sent_ns + zkelect__t_ns(e->session);
}

static inline int64_t zkelect__next_renewal(const struct zkelect *e, int64_t from_ns)
{
    return from_ns + zkelect__t_ns(e->session) / 4;
}

/* The last answer leaves time enough to act on a notification alone. */
static inline bool zkelect__answer_fresh(const struct zkelect *e, int64_t now)
{
    return zkelect__lease_end(e, e->answered_ns) - now > zkelect__t_ns(e->session) / 8;
}

static inline int64_t zkelect__resume_deadline(const zke_session_t *s, int64_t lost_ns)
{
    return lost_ns + 2 * zkelect__t_ns(s);
}

static inline int64_t zkelect__successor_turn_end(const struct zkelect *e, int64_t now)
{
    return now + zkelect__t_ns(e->session);
}

#endif
