/* queries.c - reading the line: zkelect_get_leader(), zkelect_participants()
 * and zkelect_participants_async() cost two round trips whatever the number
 * of contenders, and never wait longer than the query timeout, even on a
 * link that has gone silent. */
#include "harness.h"
#include "proxy.h"

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>
#include <zookeeper/zookeeper.h>

#define NS_PER_MS 1000000LL

static zk_server_t server;
static void *admin;
static recorder_t rec;

/* What the last PARTICIPANTS event of a participant carried. */
typedef struct answer {
    pthread_mutex_t lock;
    int events;
    int error;
    size_t count;
    char ids[64][16];
    int leader_first;
} answer_t;

/* The hook runs after the event is recorded: wait for it too. */
static bool wait_answers(answer_t *a, int n)
{
    int64_t deadline = mono_ns() + 5000 * NS_PER_MS;
    for (;;) {
        pthread_mutex_lock(&a->lock);
        int events = a->events;
        pthread_mutex_unlock(&a->lock);
        if (events >= n)
            return true;
        if (mono_ns() >= deadline)
            return false;
        poll_pause();
    }
}

static void keep_answer(participant_t *p, const zkelect_event_t *ev)
{
    if (ev->type != ZKELECT_EV_PARTICIPANTS)
        return;
    answer_t *a = p->hook_arg;
    pthread_mutex_lock(&a->lock);
    a->events++;
    a->error = ev->error;
    a->count = ev->participant_count;
    a->leader_first = ev->participant_count == 0 || ev->participants[0].is_leader;
    for (size_t i = 0; i < ev->participant_count && i < 64; i++)
        snprintf(a->ids[i], sizeof a->ids[i], "%s", ev->participants[i].id);
    pthread_mutex_unlock(&a->lock);
}

/* n participants on path, p[0] leading and the others in line behind, in
 * order; the one at hooked (if >= 0) keeps its PARTICIPANTS answers in a. */
static void line_up(participant_t *ps, int n, const char *hosts0, const char *path, int hooked, answer_t *a)
{
    for (int i = 0; i < n; i++) {
        size_t mark = rec_count(&rec);
        CU_ASSERT_EQUAL_FATAL(participant_new(&ps[i], i, &rec, i == 0 ? hosts0 : server.hosts, path), ZKELECT_OK);
        if (i == hooked) {
            ps[i].hook = keep_answer;
            ps[i].hook_arg = a;
        }
        CU_ASSERT_EQUAL_FATAL(zkelect_start(ps[i].e), ZKELECT_OK);
        CU_ASSERT_FATAL(rec_wait(&rec, i, ZKELECT_EV_JOINED, mark, 10 * SEC) >= 0);
    }
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_leader(ps[0].e, 10 * SEC), ZKELECT_OK);
}

static void test_query_timeout_bad_input(void)
{
    zkelect_t *e;
    CU_ASSERT_EQUAL_FATAL(zkelect_new(&e, "127.0.0.1:1", "/zkelect-queries/bad", "x"), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_query_timeout(NULL, 100), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_query_timeout(e, 0), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_query_timeout(e, -1), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_query_timeout(e, 3600001), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_query_timeout(e, 9), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_query_timeout(e, ZKELECT_QUERY_TIMEOUT_MIN), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_participants_async(NULL), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_participants_async(e), ZKELECT_ESTATE); /* not started */
    CU_ASSERT_EQUAL(zkelect_start(e), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_query_timeout(e, 100), ZKELECT_ESTATE);
    CU_ASSERT_EQUAL(zkelect_participants_async(e), ZKELECT_ENOTCONN); /* nobody listens there */
    zkelect_destroy(e);
}

/* 100 ms each way: 2 round trips are 0.4 s; one read per contender, in
 * turn, would be 0.2 s more for each of the 12. */
static void test_lookups_take_two_round_trips(void)
{
    rec_reset(&rec);
    const char *p = "/zkelect-queries/round-trips";
    proxy_t *proxy = proxy_start(server.port);
    CU_ASSERT_PTR_NOT_NULL_FATAL(proxy);
    enum { N = 12 };
    static participant_t ps[N];
    line_up(ps, N, server.hosts, p, -1, NULL);
    static participant_t far;
    CU_ASSERT_EQUAL_FATAL(participant_new(&far, N, &rec, proxy_hosts(proxy), p), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_set_observer(far.e, 1), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(far.e), ZKELECT_OK);
    CU_ASSERT_FATAL(rec_wait(&rec, N, ZKELECT_EV_LEADER, 0, 10 * SEC) >= 0);
    proxy_set_delay(proxy, 100);
    proxy_set_mode(proxy, PROXY_DELAY);
    zkelect_participant_t *list;
    size_t n;
    int64_t t0 = mono_ns();
    CU_ASSERT_EQUAL(zkelect_participants(far.e, &list, &n), ZKELECT_OK);
    int64_t took = ms_since(t0);
    printf("\n    %d contenders read in %lld ms over 200 ms round trips ", N, (long long)took);
    CU_ASSERT_EQUAL(n, N);
    CU_ASSERT(took >= 400 && took < 1000);
    for (size_t i = 0; i < n; i++) {
        char want[32];
        snprintf(want, sizeof want, "p%zu", i);
        CU_ASSERT_STRING_EQUAL(list[i].id, want);
        CU_ASSERT_EQUAL(list[i].is_leader, i == 0);
        CU_ASSERT_EQUAL(list[i].is_self, 0);
    }
    zkelect_participants_free(list, n);
    char id[32];
    t0 = mono_ns();
    CU_ASSERT_EQUAL(zkelect_get_leader(far.e, id, sizeof id), ZKELECT_OK);
    took = ms_since(t0);
    CU_ASSERT_STRING_EQUAL(id, "p0");
    CU_ASSERT(took >= 400 && took < 1000);
    participant_destroy(&far);
    destroy_all(ps, N);
    proxy_stop(proxy);
}

/* A link gone silent: the client would wait 2/3 T before it gives up on the
 * connection; the queries give up at their own timeout. */
static void test_lookups_end_at_the_query_timeout(void)
{
    rec_reset(&rec);
    const char *p = "/zkelect-queries/silent";
    proxy_t *proxy = proxy_start(server.port);
    CU_ASSERT_PTR_NOT_NULL_FATAL(proxy);
    static answer_t a = {.lock = PTHREAD_MUTEX_INITIALIZER};
    static participant_t ps[1];
    CU_ASSERT_EQUAL_FATAL(participant_new(&ps[0], 0, &rec, proxy_hosts(proxy), p), ZKELECT_OK);
    zkelect_set_session_timeout(ps[0].e, 10000);
    CU_ASSERT_EQUAL(zkelect_set_query_timeout(ps[0].e, 300), ZKELECT_OK);
    ps[0].hook = keep_answer;
    ps[0].hook_arg = &a;
    CU_ASSERT_EQUAL_FATAL(zkelect_start(ps[0].e), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_leader(ps[0].e, 10 * SEC), ZKELECT_OK);
    proxy_set_mode(proxy, PROXY_BLACKHOLE);
    char id[32];
    int64_t t0 = mono_ns();
    CU_ASSERT_EQUAL(zkelect_get_leader(ps[0].e, id, sizeof id), ZKELECT_ETIMEDOUT);
    int64_t took = ms_since(t0);
    CU_ASSERT(took >= 290 && took < 800);
    CU_ASSERT_STRING_EQUAL(id, "");
    zkelect_participant_t *list = (void *)1;
    size_t n = 7;
    t0 = mono_ns();
    CU_ASSERT_EQUAL(zkelect_participants(ps[0].e, &list, &n), ZKELECT_ETIMEDOUT);
    CU_ASSERT(ms_since(t0) < 800);
    CU_ASSERT_PTR_NULL(list);
    CU_ASSERT_EQUAL(n, 0);
    /* asynchronously: the keeper ends it */
    size_t mark = rec_count(&rec);
    t0 = mono_ns();
    CU_ASSERT_EQUAL(zkelect_participants_async(ps[0].e), ZKELECT_OK);
    long got = rec_wait(&rec, 0, ZKELECT_EV_PARTICIPANTS, mark, 3 * SEC);
    CU_ASSERT_FATAL(got >= 0);
    CU_ASSERT(ms_since(t0) < 800);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)got).error, ZKELECT_ETIMEDOUT);
    CU_ASSERT_FATAL(wait_answers(&a, 1));
    pthread_mutex_lock(&a.lock);
    CU_ASSERT_EQUAL(a.count, 0);
    pthread_mutex_unlock(&a.lock);
    /* no more than 16 in flight */
    int refused = 0;
    for (int i = 0; i < 20; i++)
        refused += zkelect_participants_async(ps[0].e) == ZKELECT_ESTATE;
    CU_ASSERT_EQUAL(refused, 4);
    /* the link comes back: the late answers of the abandoned lookups are
     * dropped, the new ones answered */
    proxy_set_mode(proxy, PROXY_PASS);
    WAIT_FOR(rec_tally(&rec, 0, ZKELECT_EV_PARTICIPANTS, (size_t)got + 1) >= 16, 10 * SEC);
    CU_ASSERT_EQUAL(rec_tally(&rec, 0, ZKELECT_EV_PARTICIPANTS, (size_t)got + 1), 16);
    CU_ASSERT_EQUAL(zkelect_get_leader(ps[0].e, id, sizeof id), ZKELECT_OK);
    CU_ASSERT_STRING_EQUAL(id, "p0");
    participant_destroy(&ps[0]);
    proxy_stop(proxy);
}

static void test_async_lookup_delivers_the_line(void)
{
    rec_reset(&rec);
    const char *p = "/zkelect-queries/async";
    static answer_t a = {.lock = PTHREAD_MUTEX_INITIALIZER};
    enum { N = 4 };
    static participant_t ps[N];
    line_up(ps, N, server.hosts, p, 2, &a);
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL(zkelect_participants_async(ps[2].e), ZKELECT_OK);
    long got = rec_wait(&rec, 2, ZKELECT_EV_PARTICIPANTS, mark, 5 * SEC);
    CU_ASSERT_FATAL(got >= 0);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)got).error, ZKELECT_OK);
    CU_ASSERT_FATAL(wait_answers(&a, 1));
    pthread_mutex_lock(&a.lock);
    CU_ASSERT_EQUAL(a.events, 1);
    CU_ASSERT_EQUAL(a.count, N);
    CU_ASSERT(a.leader_first);
    for (int i = 0; i < N; i++) {
        char want[32];
        snprintf(want, sizeof want, "p%d", i);
        CU_ASSERT_STRING_EQUAL(a.ids[i], want);
    }
    pthread_mutex_unlock(&a.lock);
    /* an election path nobody made: ENOPATH, then once made and empty: OK with nobody */
    destroy_all(ps, N);
    static participant_t obs;
    zk_delete_recursive(admin, "/zkelect-queries/nobody");
    CU_ASSERT_EQUAL_FATAL(participant_new(&obs, N, &rec, server.hosts, "/zkelect-queries/nobody"), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_observer(obs.e, 1), ZKELECT_OK);
    obs.hook = keep_answer;
    obs.hook_arg = &a;
    CU_ASSERT_EQUAL_FATAL(zkelect_start(obs.e), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_connected(obs.e, 10 * SEC), ZKELECT_OK);
    mark = rec_count(&rec);
    CU_ASSERT_EQUAL(zkelect_participants_async(obs.e), ZKELECT_OK);
    got = rec_wait(&rec, N, ZKELECT_EV_PARTICIPANTS, mark, 5 * SEC);
    CU_ASSERT_FATAL(got >= 0);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)got).error, ZKELECT_ENOPATH);
    CU_ASSERT_FATAL(wait_answers(&a, 2));
    char id[64];
    zkelect_participant_t *list = NULL;
    size_t n = 1;
    CU_ASSERT_EQUAL(zkelect_get_leader(obs.e, id, sizeof id), ZKELECT_ENOPATH);
    CU_ASSERT_EQUAL(zkelect_participants(obs.e, &list, &n), ZKELECT_ENOPATH);
    CU_ASSERT_PTR_NULL(list);
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT_EQUAL_FATAL(zk_make_path(admin, "/zkelect-queries/nobody", 0), ZOK);
    CU_ASSERT_EQUAL(zkelect_get_leader(obs.e, id, sizeof id), ZKELECT_ENOLEADER);
    mark = rec_count(&rec);
    CU_ASSERT_EQUAL(zkelect_participants_async(obs.e), ZKELECT_OK);
    got = rec_wait(&rec, N, ZKELECT_EV_PARTICIPANTS, mark, 5 * SEC);
    CU_ASSERT_FATAL(got >= 0);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)got).error, ZKELECT_OK);
    CU_ASSERT_FATAL(wait_answers(&a, 3));
    pthread_mutex_lock(&a.lock);
    CU_ASSERT_EQUAL(a.count, 0);
    pthread_mutex_unlock(&a.lock);
    /* lookups in flight at the destroy give no event after REVOKED(closed) */
    CU_ASSERT_EQUAL(zkelect_participants_async(obs.e), ZKELECT_OK);
    participant_destroy(&obs);
}

/* Manual dispatch: the answer comes through the fd, on the host's thread. */
static void test_async_lookup_in_manual_dispatch(void)
{
    rec_reset(&rec);
    static answer_t a = {.lock = PTHREAD_MUTEX_INITIALIZER};
    static participant_t p;
    CU_ASSERT_EQUAL_FATAL(participant_new(&p, 0, &rec, server.hosts, "/zkelect-queries/manual"), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_set_dispatch_mode(p.e, ZKELECT_DISPATCH_MANUAL), ZKELECT_OK);
    p.hook = keep_answer;
    p.hook_arg = &a;
    CU_ASSERT_EQUAL_FATAL(zkelect_start(p.e), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_leader(p.e, 10 * SEC), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_participants_async(p.e), ZKELECT_OK);
    int64_t deadline = mono_ns() + 5000 * NS_PER_MS;
    while (mono_ns() < deadline) {
        zkelect_dispatch(p.e, NULL);
        pthread_mutex_lock(&a.lock);
        int events = a.events;
        pthread_mutex_unlock(&a.lock);
        if (events)
            break;
        poll_pause();
    }
    pthread_mutex_lock(&a.lock);
    CU_ASSERT_EQUAL(a.events, 1);
    CU_ASSERT_EQUAL(a.count, 1);
    CU_ASSERT_STRING_EQUAL(a.ids[0], "p0");
    pthread_mutex_unlock(&a.lock);
    participant_destroy(&p);
}

/* The connection is lost with a lookup in flight: it ends with ENOTCONN when
 * the client gives the connection up, and the participant carries on. */
static void test_lookup_across_a_lost_connection(void)
{
    rec_reset(&rec);
    const char *p = "/zkelect-queries/lost";
    proxy_t *proxy = proxy_start(server.port);
    CU_ASSERT_PTR_NOT_NULL_FATAL(proxy);
    static participant_t ps[1];
    CU_ASSERT_EQUAL_FATAL(participant_new(&ps[0], 0, &rec, proxy_hosts(proxy), p), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_query_timeout(ps[0].e, 60000), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(ps[0].e), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_leader(ps[0].e, 10 * SEC), ZKELECT_OK);
    proxy_set_mode(proxy, PROXY_BLACKHOLE);
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL(zkelect_participants_async(ps[0].e), ZKELECT_OK);
    /* the client gives the connection up after 2/3 T (T = 4 s) */
    long got = rec_wait(&rec, 0, ZKELECT_EV_PARTICIPANTS, mark, 10 * SEC);
    CU_ASSERT_FATAL(got >= 0);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)got).error, ZKELECT_ENOTCONN);
    proxy_set_mode(proxy, PROXY_PASS);
    CU_ASSERT_EQUAL(zkelect_wait_leader(ps[0].e, 10 * SEC), ZKELECT_OK);
    participant_destroy(&ps[0]);
    proxy_stop(proxy);
}

/* What the line says of `id`: -1 absent, else its in_line, with its state
 * copied (empty when it has none). */
static int seen_as(zkelect_t *e, const char *id, char *state, size_t len)
{
    zkelect_participant_t *list;
    size_t n;
    int found = -1;
    state[0] = '\0';
    if (zkelect_participants(e, &list, &n) != ZKELECT_OK)
        return -2;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(list[i].id, id) != 0)
            continue;
        found = list[i].in_line;
        snprintf(state, len, "%s", list[i].state ? list[i].state : "");
        /* the contenders come first, then those out of line */
        if (i + 1 < n)
            CU_ASSERT(list[i].in_line || !list[i + 1].in_line);
    }
    zkelect_participants_free(list, n);
    return found;
}

/* Wait (5 s at most) until the line shows `id` as wanted: in_line 1 or 0,
 * or -1 for absent; and with `state` ("" for none). */
static bool wait_seen_as(zkelect_t *e, const char *id, int in_line, const char *state)
{
    char now[300];
    int where;
    WAIT_FOR((where = seen_as(e, id, now, sizeof now)) == in_line && strcmp(now, state) == 0, 5 * SEC);
    if (where != in_line || strcmp(now, state) != 0)
        printf("\n    %s: in_line %d, state \"%s\"; wanted %d, \"%s\" ", id, where, now, in_line, state);
    return where == in_line && strcmp(now, state) == 0;
}

/* zkelect_set_state(): seen beside the contender, still seen out of line,
 * removed on demand, published again on a new session, gone with the
 * handle; and every bad input refused with its reason. */
static void test_published_state_is_seen(void)
{
    rec_reset(&rec);
    const char *p = "/zkelect-queries/state";
    static participant_t ps[2];
    CU_ASSERT_EQUAL_FATAL(participant_new(&ps[1], 1, &rec, server.hosts, p), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_state(ps[1].e, "standing"), ZKELECT_OK); /* before the start: kept */
    CU_ASSERT_EQUAL_FATAL(participant_start(&ps[0], 0, &rec, server.hosts, p), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_leader(ps[0].e, 10 * SEC), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(ps[1].e), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_state(ps[0].e, "leading since 10:02:03 \xc3\xa9"), ZKELECT_OK);
    CU_ASSERT(wait_seen_as(ps[0].e, "p0", 1, "leading since 10:02:03 \xc3\xa9"));
    CU_ASSERT(wait_seen_as(ps[0].e, "p1", 1, "standing"));
    /* out of line, still seen, after the contenders */
    CU_ASSERT_EQUAL(zkelect_leave(ps[1].e), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_state(ps[1].e, "unhealthy since 10:04:00"), ZKELECT_OK);
    CU_ASSERT(wait_seen_as(ps[0].e, "p1", 0, "unhealthy since 10:04:00"));
    char got[300];
    CU_ASSERT_EQUAL(seen_as(ps[1].e, "p0", got, sizeof got), 1);
    /* removed, then set again right away and published on a new session */
    CU_ASSERT_EQUAL(zkelect_set_state(ps[1].e, NULL), ZKELECT_OK);
    CU_ASSERT(wait_seen_as(ps[0].e, "p1", -1, ""));
    /* removed while its create is in flight: removed once created */
    CU_ASSERT_EQUAL(zkelect_set_state(ps[1].e, "x"), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_state(ps[1].e, NULL), ZKELECT_OK);
    observe_for(200);
    CU_ASSERT(wait_seen_as(ps[0].e, "p1", -1, ""));
    CU_ASSERT_EQUAL(zkelect_set_state(ps[1].e, "x"), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_state(ps[1].e, ""), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_state(ps[1].e, "back"), ZKELECT_OK);
    CU_ASSERT(wait_seen_as(ps[0].e, "p1", 0, "back"));
    /* the session's close deletes its ephemeral nodes before it returns */
    CU_ASSERT_EQUAL_FATAL(expire_session(ps[1].e, server.hosts), 0);
    CU_ASSERT_EQUAL(zkelect_wait_connected(ps[1].e, 10 * SEC), ZKELECT_OK);
    CU_ASSERT(wait_seen_as(ps[0].e, "p1", 0, "back"));
    /* bad inputs: the code, a log line, and the published state unchanged */
    int errors = ps[1].log_errors;
    char longer[ZKELECT_ID_MAX + 2];
    memset(longer, 'a', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    CU_ASSERT_EQUAL(zkelect_set_state(NULL, "x"), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_state(ps[1].e, longer), ZKELECT_ENAMETOOLONG);
    CU_ASSERT_EQUAL(zkelect_set_state(ps[1].e, "two\nlines"), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_state(ps[1].e, "bad \xff byte"), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(ps[1].log_errors, errors + 3);
    longer[ZKELECT_ID_MAX] = '\0'; /* 255 bytes: the most */
    CU_ASSERT_EQUAL(zkelect_set_state(ps[1].e, longer), ZKELECT_OK);
    CU_ASSERT(wait_seen_as(ps[0].e, "p1", 0, longer));
    zkelect_t *obs, *curator;
    CU_ASSERT_EQUAL_FATAL(zkelect_new(&obs, server.hosts, p, "obs"), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_observer(obs, 1), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_state(obs, "x"), ZKELECT_ESTATE);
    CU_ASSERT_EQUAL_FATAL(zkelect_new(&curator, server.hosts, p, "cur"), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_format(curator, ZKELECT_FORMAT_CURATOR), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_state(curator, "x"), ZKELECT_ESTATE);
    zkelect_destroy(obs);
    zkelect_destroy(curator);
    /* gone with the handle */
    participant_destroy(&ps[1]);
    CU_ASSERT(wait_seen_as(ps[0].e, "p1", -1, ""));
    CU_ASSERT_EQUAL(zk_child_count(admin, p), 2); /* p0's node and its state's */
    participant_destroy(&ps[0]);
}

int main(void)
{
    static const CU_TestInfo tests[] = {
        TEST(test_query_timeout_bad_input),
        TEST(test_lookups_take_two_round_trips),
        TEST(test_lookups_end_at_the_query_timeout),
        TEST(test_async_lookup_delivers_the_line),
        TEST(test_async_lookup_in_manual_dispatch),
        TEST(test_lookup_across_a_lost_connection),
        TEST(test_published_state_is_seen),
        CU_TEST_INFO_NULL,
    };
    return run_server_suite("reading the line", &server, &admin, &rec, tests);
}
