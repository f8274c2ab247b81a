/* recorder.c - the events participants saw, in the order their callbacks
 * ran, and the checker that reads them: see recorder.h. */
#include "recorder.h"
#include "zkserver.h"

#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------- recorder */

void rec_init(recorder_t *r)
{
    memset(r, 0, sizeof *r);
    pthread_mutex_init(&r->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&r->cond, &attr);
    pthread_condattr_destroy(&attr);
}

void rec_destroy(recorder_t *r)
{
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->cond);
}

void rec_reset(recorder_t *r)
{
    rec_destroy(r);
    rec_init(r);
}

size_t rec_count(recorder_t *r)
{
    pthread_mutex_lock(&r->lock);
    size_t n = r->n;
    pthread_mutex_unlock(&r->lock);
    return n;
}

rec_event_t rec_get(recorder_t *r, size_t i)
{
    pthread_mutex_lock(&r->lock);
    rec_event_t ev = r->ev[i];
    pthread_mutex_unlock(&r->lock);
    return ev;
}

void rec_add(recorder_t *r, int who, const zkelect_event_t *ev)
{
    pthread_mutex_lock(&r->lock);
    if (r->n < REC_MAX) {
        rec_event_t *out = &r->ev[r->n++];
        *out = (rec_event_t){.who = who, .type = ev->type, .reason = ev->reason, .error = ev->error,
                             .epoch = ev->epoch, .takeover = ev->takeover, .ahead = ev->ahead,
                             .t_ns = mono_ns(), .thread = pthread_self()};
        const char *other = ev->type == ZKELECT_EV_ELECTED     ? ev->previous_id
                            : ev->type == ZKELECT_EV_PLACE     ? ev->predecessor_id
                            : ev->type == ZKELECT_EV_STEP_DOWN ? ev->requester_id
                                                               : NULL;
        const char *successor = ev->type == ZKELECT_EV_STEP_DOWN ? ev->successor_id : NULL;
        snprintf(out->other, sizeof out->other, "%s", other ? other : "");
        snprintf(out->successor, sizeof out->successor, "%s", successor ? successor : "");
    }
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->lock);
}

static long find_event(recorder_t *r, int who, int type, size_t from)
{
    for (size_t i = from; i < r->n; i++) {
        if (r->ev[i].type == type && (who < 0 || r->ev[i].who == who))
            return (long)i;
    }
    return -1;
}

long rec_wait(recorder_t *r, int who, int type, size_t from, int timeout_ms)
{
    int64_t until = mono_ns() + (int64_t)timeout_ms * 1000000;
    struct timespec ts = {.tv_sec = until / 1000000000, .tv_nsec = until % 1000000000};
    pthread_mutex_lock(&r->lock);
    long found;
    while ((found = find_event(r, who, type, from)) < 0) {
        if (pthread_cond_timedwait(&r->cond, &r->lock, &ts) == ETIMEDOUT) {
            found = find_event(r, who, type, from);
            break;
        }
    }
    pthread_mutex_unlock(&r->lock);
    return found;
}

size_t rec_tally(recorder_t *r, int who, int type, size_t from)
{
    pthread_mutex_lock(&r->lock);
    size_t n = 0;
    for (size_t i = from; i < r->n; i++) {
        if (r->ev[i].type == type && (who < 0 || r->ev[i].who == who))
            n++;
    }
    pthread_mutex_unlock(&r->lock);
    return n;
}

/* ------------------------------------------------------------- the checker */

void assert_no_two_leaders(recorder_t *r)
{
    char why[256];
    int violations = check_no_two_leaders(r, why, sizeof why);
    if (violations) {
        fprintf(stderr, "\n    checker: %d violation(s), last: %s\n", violations, why);
        CU_FAIL("two leaders, unpaired events or a decreasing epoch");
    }
}

int check_no_two_leaders(recorder_t *r, char *why, size_t len)
{
    enum { MAX_WHO = 1024 };
    static bool holding[MAX_WHO];
    memset(holding, 0, sizeof holding);
    int current = -1, last_leader = -1;
    int64_t last_epoch = -1;
    int violations = 0;
    why[0] = '\0';
    pthread_mutex_lock(&r->lock);
    for (size_t i = 0; i < r->n; i++) {
        const rec_event_t *ev = &r->ev[i];
        if (ev->who < 0 || ev->who >= MAX_WHO)
            continue;
        if (ev->type == ZKELECT_EV_ELECTED) {
            if (holding[ev->who] || (current >= 0 && current != ev->who)) {
                snprintf(why, len, "event %zu: p%d ELECTED while p%d leads", i, ev->who, current);
                violations++;
                for (size_t j = i > 12 ? i - 12 : 0; j <= i; j++)
                    fprintf(stderr, "      #%zu +%lld ms p%d %s %s epoch %lld\n", j,
                            (long long)((r->ev[j].t_ns - r->ev[0].t_ns) / 1000000), r->ev[j].who,
                            zkelect_event_name(r->ev[j].type), zkelect_reason_name(r->ev[j].reason),
                            (long long)r->ev[j].epoch);
            } else if (ev->epoch < last_epoch || (ev->epoch == last_epoch && ev->who != last_leader)) {
                snprintf(why, len, "event %zu: p%d ELECTED with epoch %lld after epoch %lld of p%d", i, ev->who,
                         (long long)ev->epoch, (long long)last_epoch, last_leader);
                violations++;
            }
            holding[ev->who] = true;
            current = ev->who;
            last_epoch = ev->epoch;
            last_leader = ev->who;
        } else if (ev->type == ZKELECT_EV_REVOKED) {
            if (!holding[ev->who]) {
                snprintf(why, len, "event %zu: p%d REVOKED without ELECTED", i, ev->who);
                violations++;
            }
            holding[ev->who] = false;
            if (current == ev->who)
                current = -1;
        }
    }
    pthread_mutex_unlock(&r->lock);
    return violations;
}
