/* participants.c - elections of the test's, their events recorded: see
 * harness.h. */
#include "harness.h"

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void on_event(zkelect_t *e, const zkelect_event_t *ev, void *userdata)
{
    (void)e;
    participant_t *p = userdata;
    /* Recorded first, so that a hook may block the callback (the tests of a
     * stuck host do) and rec_wait() still sees the event. */
    rec_add(p->rec, p->idx, ev);
    if (p->hook)
        p->hook(p, ev);
}

static void on_log(zkelect_t *e, int level, const char *message, void *userdata)
{
    (void)e;
    participant_t *p = userdata;
    if (level == ZKELECT_LOG_ERROR)
        __atomic_add_fetch(&p->log_errors, 1, __ATOMIC_RELAXED);
    if (getenv("ZKELECT_TEST_VERBOSE"))
        fprintf(stderr, "[%s] %d %s\n", p->id, level, message);
}

/* hosts, or a shared session when s is given. */
static int participant_create(participant_t *p, int idx, recorder_t *rec, const char *hosts, zkelect_session_t *s,
                              const char *path)
{
    memset(p, 0, sizeof *p);
    p->idx = idx;
    p->rec = rec;
    snprintf(p->id, sizeof p->id, "p%d", idx);
    int rc = s ? zkelect_new_on_session(&p->e, s, path, p->id) : zkelect_new(&p->e, hosts, path, p->id);
    if (rc)
        return rc;
    zkelect_set_callback(p->e, on_event, p);
    zkelect_set_log(p->e, on_log, p);
    zkelect_set_log_level(p->e, getenv("ZKELECT_TEST_VERBOSE") ? ZKELECT_LOG_DEBUG : ZKELECT_LOG_WARN);
    if (!s)
        zkelect_set_session_timeout(p->e, 4000);
    return 0;
}

int participant_new(participant_t *p, int idx, recorder_t *rec, const char *hosts, const char *path)
{
    return participant_create(p, idx, rec, hosts, NULL, path);
}

int participant_new_on(participant_t *p, int idx, recorder_t *rec, zkelect_session_t *s, const char *path)
{
    return participant_create(p, idx, rec, NULL, s, path);
}

int participant_start(participant_t *p, int idx, recorder_t *rec, const char *hosts, const char *path)
{
    int rc = participant_new(p, idx, rec, hosts, path);
    return rc ? rc : zkelect_start(p->e);
}

void participant_destroy(participant_t *p)
{
    zkelect_destroy(p->e);
    p->e = NULL;
}

int leader_count(participant_t *ps, int n)
{
    int count = 0;
    for (int i = 0; i < n; i++)
        count += ps[i].e && zkelect_is_leader(ps[i].e);
    return count;
}

int wait_single_leader(participant_t *ps, int n, int timeout_ms)
{
    int64_t deadline = mono_ns() + (int64_t)timeout_ms * 1000000;
    do {
        int leader = -1, count = 0;
        for (int i = 0; i < n; i++) {
            if (ps[i].e && zkelect_is_leader(ps[i].e))
                leader = i, count++;
        }
        if (count == 1)
            return leader;
        poll_pause();
    } while (mono_ns() < deadline);
    return -1;
}

void start_all(participant_t *ps, int n, recorder_t *r, const char *hosts, const char *path)
{
    for (int i = 0; i < n; i++) {
        size_t mark = rec_count(r);
        CU_ASSERT_EQUAL_FATAL(participant_start(&ps[i], i, r, hosts, path), ZKELECT_OK);
        /* joining one after the other fixes the line order */
        CU_ASSERT_FATAL(rec_wait(r, i, ZKELECT_EV_JOINED, mark, 10000) >= 0);
    }
}

int participant_start_with(participant_t *p, int idx, recorder_t *r, const char *hosts, const char *path,
                           int timeout_ms, int policy)
{
    size_t mark = rec_count(r);
    int rc = participant_new(p, idx, r, hosts, path);
    if (rc)
        return rc;
    zkelect_set_session_timeout(p->e, timeout_ms);
    zkelect_set_disconnect_policy(p->e, policy);
    rc = zkelect_start(p->e);
    if (rc)
        return rc;
    return rec_wait(r, idx, ZKELECT_EV_JOINED, mark, 15000) >= 0 ? 0 : -1;
}

void destroy_all(participant_t *ps, int n)
{
    for (int i = 0; i < n; i++) {
        if (ps[i].e)
            participant_destroy(&ps[i]);
    }
}
