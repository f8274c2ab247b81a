/* observers.c - following who leads: observers (zkelect_set_observer())
 * and participants that asked (zkelect_set_leader_events()) hear each
 * leader change once as ZKELECT_EV_LEADER, with the leader's id, payload
 * and epoch, and nobody else pays for it. */
#include "harness.h"
#include "proxy.h"

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

static zk_server_t server;
static void *admin;
static recorder_t rec;

/* What one participant's LEADER events said, as "id=data/epoch " lines. */
typedef struct seen {
    pthread_mutex_t lock;
    char text[1024];
    int events;
} seen_t;

static void seen_hook(participant_t *p, const zkelect_event_t *ev)
{
    if (ev->type != ZKELECT_EV_LEADER)
        return;
    seen_t *s = p->hook_arg;
    pthread_mutex_lock(&s->lock);
    size_t len = strlen(s->text);
    if (ev->leader_id)
        snprintf(s->text + len, sizeof s->text - len, "%s=%.*s/%lld ", ev->leader_id, (int)ev->leader_data_len,
                 ev->leader_data ? (const char *)ev->leader_data : "", (long long)ev->epoch);
    else
        snprintf(s->text + len, sizeof s->text - len, "nobody ");
    s->events++;
    pthread_mutex_unlock(&s->lock);
}

/* What was heard contains want (whole: is exactly want), by the deadline. */
static bool seen_wait(seen_t *s, const char *want, bool whole, int timeout_ms)
{
    int64_t deadline = mono_ns() + (int64_t)timeout_ms * 1000000;
    for (;;) {
        pthread_mutex_lock(&s->lock);
        bool found = whole ? strcmp(s->text, want) == 0 : strstr(s->text, want) != NULL;
        pthread_mutex_unlock(&s->lock);
        if (found)
            return true;
        if (mono_ns() >= deadline)
            return false;
        poll_pause();
    }
}

static void seen_reset(seen_t *s)
{
    pthread_mutex_lock(&s->lock);
    s->text[0] = '\0';
    s->events = 0;
    pthread_mutex_unlock(&s->lock);
}

static int start_following(participant_t *p, int idx, const char *hosts, const char *path, const char *data,
                           seen_t *seen)
{
    int rc = participant_new(p, idx, &rec, hosts, path);
    if (rc == ZKELECT_OK && data)
        rc = zkelect_set_data(p->e, data, strlen(data));
    if (rc == ZKELECT_OK && seen) {
        rc = zkelect_set_leader_events(p->e, 1);
        p->hook = seen_hook;
        p->hook_arg = seen;
    }
    return rc == ZKELECT_OK ? zkelect_start(p->e) : rc;
}

static void test_leader_events_bad_calls(void)
{
    zkelect_t *e;
    CU_ASSERT_EQUAL_FATAL(zkelect_new(&e, "127.0.0.1:1", "/zkelect-follow/bad", "x"), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_leader_events(NULL, 1), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_leader_events(e, 1), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_start(e), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_leader_events(e, 0), ZKELECT_ESTATE);
    zkelect_destroy(e);
}

/* ------------------------------------------------------------- observers */

static void test_observer_follows_leader_changes(void)
{
    const char *p = test_election(&rec, "observer");
    static participant_t obs, ps[3];
    static seen_t seen = {.lock = PTHREAD_MUTEX_INITIALIZER};
    seen_reset(&seen);
    CU_ASSERT_EQUAL_FATAL(participant_new(&obs, 9, &rec, server.hosts, p), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_observer(obs.e, 1), ZKELECT_OK);
    obs.hook = seen_hook;
    obs.hook_arg = &seen;
    CU_ASSERT_EQUAL_FATAL(zkelect_start(obs.e), ZKELECT_OK);
    /* Nobody yet, not even the path: one "nobody leads". */
    CU_ASSERT_FATAL(rec_wait(&rec, 9, ZKELECT_EV_LEADER, 0, 10 * SEC) >= 0);
    CU_ASSERT_EQUAL(zkelect_set_observer(obs.e, 0), ZKELECT_ESTATE);
    CU_ASSERT_EQUAL(zkelect_resign(obs.e), ZKELECT_ESTATE);
    CU_ASSERT_EQUAL(zkelect_wait_leader(obs.e, 0), ZKELECT_ESTATE);
    CU_ASSERT_EQUAL(zkelect_is_leader(obs.e), 0);
    char node[512];
    CU_ASSERT_EQUAL(zkelect_node_path(obs.e, node, sizeof node), ZKELECT_ESTATE);

    size_t mark = rec_count(&rec);
    start_all(ps, 3, &rec, server.hosts, p);
    CU_ASSERT(rec_wait(&rec, 9, ZKELECT_EV_LEADER, mark, 10 * SEC) >= 0);
    /* The observer has no node: three contenders, three children. */
    CU_ASSERT_EQUAL(zk_child_count(admin, p), 3);
    char id[64];
    CU_ASSERT_EQUAL(zkelect_get_leader(obs.e, id, sizeof id), ZKELECT_OK);
    CU_ASSERT_STRING_EQUAL(id, "p0");
    int64_t epochs[3];
    for (int i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL(zkelect_wait_leader(ps[i].e, 0), i == 0 ? ZKELECT_OK : ZKELECT_ETIMEDOUT);
        long j = rec_wait(&rec, i, ZKELECT_EV_JOINED, 0, SEC);
        epochs[i] = j >= 0 ? rec_get(&rec, (size_t)j).epoch : -1;
    }
    /* A follower leaving changes nothing for the observer. */
    participant_destroy(&ps[1]);
    for (int i = 0; i < 3; i += 2) {
        mark = rec_count(&rec);
        participant_destroy(&ps[i]);
        CU_ASSERT(rec_wait(&rec, 9, ZKELECT_EV_LEADER, mark, 10 * SEC) >= 0);
    }
    char expect[256];
    snprintf(expect, sizeof expect, "nobody p0=/%lld p2=/%lld nobody ", (long long)epochs[0],
             (long long)epochs[2]);
    CU_ASSERT(seen_wait(&seen, expect, true, 5 * SEC));
    CU_ASSERT_EQUAL(rec_tally(&rec, 9, ZKELECT_EV_ELECTED, 0), 0);
    CU_ASSERT_EQUAL(rec_tally(&rec, 9, ZKELECT_EV_JOINED, 0), 0);
    participant_destroy(&obs);
}

/* The leader's data and payload reach the observer, and an observer that
 * starts while someone leads reports that leader at once. */
static void test_observer_sees_leader_data(void)
{
    const char *p = test_election(&rec, "observer-data");
    static participant_t leader, obs;
    CU_ASSERT_EQUAL_FATAL(participant_new(&leader, 0, &rec, server.hosts, p), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_data(leader.e, "10.1.2.3:80", 11), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(leader.e), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_leader(leader.e, 10 * SEC), ZKELECT_OK);
    static seen_t seen = {.lock = PTHREAD_MUTEX_INITIALIZER};
    seen_reset(&seen);
    CU_ASSERT_EQUAL_FATAL(participant_new(&obs, 1, &rec, server.hosts, p), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_observer(obs.e, 1), ZKELECT_OK);
    obs.hook = seen_hook;
    obs.hook_arg = &seen;
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(obs.e), ZKELECT_OK);
    CU_ASSERT(rec_wait(&rec, 1, ZKELECT_EV_LEADER, mark, 10 * SEC) >= 0);
    CU_ASSERT(seen_wait(&seen, "p0=10.1.2.3:80/", false, 5 * SEC));
    participant_destroy(&obs);
    participant_destroy(&leader);
}

/* ---------------------------------------------------- participants that ask */

/* p0 leads, p1 and p2 follow who leads, p3 does not. Each change reaches
 * p1 and p2 with the new leader's id, payload and epoch; p3 hears nothing. */
static void test_participants_hear_each_leader(void)
{
    const char *p = test_election(&rec, "leaders");
    static participant_t ps[4];
    static seen_t seen[3] = {{.lock = PTHREAD_MUTEX_INITIALIZER}, {.lock = PTHREAD_MUTEX_INITIALIZER},
                             {.lock = PTHREAD_MUTEX_INITIALIZER}};
    for (int i = 0; i < 3; i++) {
        seen[i].text[0] = '\0';
        seen[i].events = 0;
    }
    const char *data[4] = {"10.0.0.1:80", "10.0.0.2:80", NULL, NULL};
    for (int i = 0; i < 4; i++) {
        size_t mark = rec_count(&rec);
        CU_ASSERT_EQUAL_FATAL(start_following(&ps[i], i, server.hosts, p, data[i], i == 1 || i == 2 ? &seen[i] : NULL),
                              ZKELECT_OK);
        CU_ASSERT_FATAL(rec_wait(&rec, i, ZKELECT_EV_JOINED, mark, 10 * SEC) >= 0);
    }
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_leader(ps[0].e, 10 * SEC), ZKELECT_OK);
    long joined = rec_wait(&rec, 0, ZKELECT_EV_JOINED, 0, SEC);
    CU_ASSERT_FATAL(joined >= 0);
    char want[128];
    snprintf(want, sizeof want, "p0=10.0.0.1:80/%lld ", (long long)rec_get(&rec, (size_t)joined).epoch);
    CU_ASSERT(seen_wait(&seen[1], want, false, 10 * SEC));
    CU_ASSERT(seen_wait(&seen[2], want, false, 10 * SEC));
    /* p0 leaves: p1 leads, and says so to itself; p2 hears of it */
    size_t mark = rec_count(&rec);
    participant_destroy(&ps[0]);
    long elected = rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 10 * SEC);
    CU_ASSERT_FATAL(elected >= 0);
    snprintf(want, sizeof want, "p1=10.0.0.2:80/%lld ", (long long)rec_get(&rec, (size_t)elected).epoch);
    CU_ASSERT(seen_wait(&seen[1], want, false, 10 * SEC));
    CU_ASSERT(seen_wait(&seen[2], want, false, 10 * SEC));
    /* once each, in order */
    pthread_mutex_lock(&seen[2].lock);
    CU_ASSERT_EQUAL(seen[2].events, 2);
    pthread_mutex_unlock(&seen[2].lock);
    /* p3 did not ask */
    CU_ASSERT_EQUAL(rec_tally(&rec, 3, ZKELECT_EV_LEADER, 0), 0);
    /* its own leadership is still told by ELECTED alone */
    CU_ASSERT_EQUAL(rec_tally(&rec, 2, ZKELECT_EV_ELECTED, 0), 0);
    for (int i = 3; i >= 1; i--)
        participant_destroy(&ps[i]);
}

/* A follower cut off while the leader changes hears of it once back. */
static void test_change_while_cut_off_is_heard_later(void)
{
    const char *p = test_election(&rec, "cut-off");
    proxy_t *proxy = proxy_start(server.port);
    CU_ASSERT_PTR_NOT_NULL_FATAL(proxy);
    static participant_t ps[3];
    static seen_t seen = {.lock = PTHREAD_MUTEX_INITIALIZER};
    seen.text[0] = '\0';
    seen.events = 0;
    for (int i = 0; i < 3; i++) {
        size_t mark = rec_count(&rec);
        CU_ASSERT_EQUAL_FATAL(start_following(&ps[i], i, i == 2 ? proxy_hosts(proxy) : server.hosts, p, NULL,
                                              i == 2 ? &seen : NULL),
                              ZKELECT_OK);
        CU_ASSERT_FATAL(rec_wait(&rec, i, ZKELECT_EV_JOINED, mark, 10 * SEC) >= 0);
    }
    CU_ASSERT(seen_wait(&seen, "p0=", false, 10 * SEC));
    proxy_set_mode(proxy, PROXY_REFUSE);
    size_t mark = rec_count(&rec);
    participant_destroy(&ps[0]);
    CU_ASSERT_FATAL(rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 10 * SEC) >= 0);
    CU_ASSERT(!seen_wait(&seen, "p1=", false, 300));
    proxy_set_mode(proxy, PROXY_PASS);
    CU_ASSERT(seen_wait(&seen, "p1=", false, 10 * SEC));
    pthread_mutex_lock(&seen.lock);
    CU_ASSERT_EQUAL(seen.events, 2);
    pthread_mutex_unlock(&seen.lock);
    participant_destroy(&ps[2]);
    participant_destroy(&ps[1]);
    proxy_stop(proxy);
}

int main(void)
{
    static const CU_TestInfo tests[] = {
        TEST(test_leader_events_bad_calls),
        TEST(test_observer_follows_leader_changes),
        TEST(test_observer_sees_leader_data),
        TEST(test_participants_hear_each_leader),
        TEST(test_change_while_cut_off_is_heard_later),
        CU_TEST_INFO_NULL,
    };
    return run_server_suite("following who leads", &server, &admin, &rec, tests);
}
