/* timers.c - the keeper's timetable: a binary min-heap of a session's
 * elections keyed by the time each is next due, each election knowing its
 * slot. With 10,000 elections on one session, a walk over all of them at
 * every wake-up (one per election elected, renewed or retried) was the
 * keeper's whole time, with the lock held. What is due when is the
 * keeper's business (election.c); this only keeps the order. Every
 * function here runs with the lock held. */
#include "internal.h"

#include <stdint.h>
#include <stdlib.h>

static bool earlier(const zke_session_t *s, size_t a, size_t b)
{
    return s->timers[a]->due_ns < s->timers[b]->due_ns;
}

static void put(zke_session_t *s, size_t slot, struct zkelect *e)
{
    s->timers[slot] = e;
    e->timer_slot = slot;
}

static void swap(zke_session_t *s, size_t a, size_t b)
{
    struct zkelect *e = s->timers[a];
    put(s, a, s->timers[b]);
    put(s, b, e);
}

static void sift_up(zke_session_t *s, size_t slot)
{
    while (slot > 0 && earlier(s, slot, (slot - 1) / 2)) {
        swap(s, slot, (slot - 1) / 2);
        slot = (slot - 1) / 2;
    }
}

static void sift_down(zke_session_t *s, size_t slot)
{
    for (;;) {
        size_t first = slot, left = 2 * slot + 1, right = left + 1;
        if (left < s->n_timers && earlier(s, left, first))
            first = left;
        if (right < s->n_timers && earlier(s, right, first))
            first = right;
        if (first == slot)
            return;
        swap(s, slot, first);
        slot = first;
    }
}

void zkelect__timers_set(struct zkelect *e, int64_t due_ns)
{
    zke_session_t *s = e->session;
    int64_t was = e->due_ns;
    e->due_ns = due_ns;
    if (due_ns < was)
        sift_up(s, e->timer_slot);
    else if (due_ns > was)
        sift_down(s, e->timer_slot);
}

int zkelect__timers_add(zke_session_t *s, struct zkelect *e)
{
    if (s->n_timers == s->timers_cap) {
        size_t cap = s->timers_cap ? 2 * s->timers_cap : 16;
        /* An array of pointers, which is what the check suspects. */
        struct zkelect **grown = realloc(s->timers, cap * sizeof *grown); // NOLINT(bugprone-sizeof-expression)
        if (!grown)
            return ZKELECT_ENOMEM;
        s->timers = grown;
        s->timers_cap = cap;
    }
    e->due_ns = ZKE_NOT_DUE;
    put(s, s->n_timers++, e);
    return ZKELECT_OK;
}

void zkelect__timers_remove(zke_session_t *s, struct zkelect *e)
{
    size_t slot = e->timer_slot;
    struct zkelect *last = s->timers[--s->n_timers];
    if (last == e)
        return;
    put(s, slot, last);
    sift_up(s, slot);
    sift_down(s, last->timer_slot);
}

void zkelect__timers_free(zke_session_t *s)
{
    free(s->timers);
    s->timers = NULL;
    s->n_timers = s->timers_cap = 0;
}

void zkelect__tend_soon(struct zkelect *e)
{
    zkelect__timers_set(e, 0);
    zkelect__wake_keeper(e->session);
}
struct zkelect *zkelect__timers_first(const zke_session_t *s)
{
    return s->n_timers > 0 ? s->timers[0] : NULL;
}
