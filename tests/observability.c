/* observability.c - what a participant tells an operator: zkelect_stats()
 * on a real election, and the ZooKeeper client's own log lines, from every
 * one of its threads, rate-limited. */
#include "harness.h"
#include "inspect.h" /* the log limiter's window, to test it without waiting 10 s */

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define NS_PER_MS 1000000LL

static zk_server_t server;
static void *admin;
static recorder_t rec;

static zkelect_stats_t stats_of(zkelect_t *e)
{
    zkelect_stats_t st = {.size = sizeof st};
    CU_ASSERT_EQUAL(zkelect_stats(e, &st), ZKELECT_OK);
    CU_ASSERT_EQUAL(st.size, sizeof st);
    return st;
}

/* ------------------------------------------------------------------ stats */

static void test_stats_bad_calls(void)
{
    zkelect_t *e;
    CU_ASSERT_EQUAL_FATAL(zkelect_new(&e, "127.0.0.1:1", "/zkelect-stats/bad", "x"), ZKELECT_OK);
    zkelect_stats_t st = {.size = sizeof st};
    CU_ASSERT_EQUAL(zkelect_stats(NULL, &st), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_stats(e, NULL), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_session_stats(NULL, &st), ZKELECT_EINVAL);
    st.size = 0;
    CU_ASSERT_EQUAL(zkelect_stats(e, &st), ZKELECT_EINVAL);
    st.size = offsetof(zkelect_stats_t, epoch); /* shorter than any version */
    CU_ASSERT_EQUAL(zkelect_stats(e, &st), ZKELECT_EINVAL);
    /* before start: nothing happened, nothing known */
    st = stats_of(e);
    CU_ASSERT_EQUAL(st.leading, 0);
    CU_ASSERT_EQUAL(st.connected, 0);
    CU_ASSERT_EQUAL(st.epoch, -1);
    CU_ASSERT_EQUAL(st.lease_remaining_ns, -1);
    CU_ASSERT_EQUAL(st.ahead, -1);
    CU_ASSERT_EQUAL(st.session_timeout_ms, 0);
    CU_ASSERT_EQUAL(st.terms + st.joins + st.connections + st.sessions + st.expiries, 0);
    zkelect_destroy(e);
}

/* An older caller's smaller struct is filled up to its size only. */
static void test_stats_fill_only_what_the_caller_knows(void)
{
    zkelect_t *e;
    CU_ASSERT_EQUAL_FATAL(zkelect_new(&e, "127.0.0.1:1", "/zkelect-stats/small", "x"), ZKELECT_OK);
    union {
        zkelect_stats_t st;
        unsigned char bytes[sizeof(zkelect_stats_t)];
    } u;
    memset(&u, 0xAB, sizeof u);
    size_t known = offsetof(zkelect_stats_t, terms);
    u.st.size = known;
    CU_ASSERT_EQUAL(zkelect_stats(e, &u.st), ZKELECT_OK);
    CU_ASSERT_EQUAL(u.st.size, known);
    CU_ASSERT_EQUAL(u.st.epoch, -1);
    bool untouched = true;
    for (size_t i = known; i < sizeof u; i++)
        untouched = untouched && u.bytes[i] == 0xAB;
    CU_ASSERT(untouched);
    zkelect_destroy(e);
}

static void test_stats_follow_an_election(void)
{
    rec_reset(&rec);
    const char *p = "/zkelect-stats/election";
    static participant_t ps[2];
    CU_ASSERT_EQUAL_FATAL(participant_start(&ps[0], 0, &rec, server.hosts, p), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_leader(ps[0].e, 10 * SEC), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(participant_start(&ps[1], 1, &rec, server.hosts, p), ZKELECT_OK);
    CU_ASSERT_FATAL(rec_wait(&rec, 1, ZKELECT_EV_JOINED, 0, 10 * SEC) >= 0);
    CU_ASSERT_FATAL(rec_wait(&rec, 0, ZKELECT_EV_ELECTED, 0, 10 * SEC) >= 0);

    zkelect_stats_t leader = stats_of(ps[0].e);
    CU_ASSERT_EQUAL(leader.leading, 1);
    CU_ASSERT_EQUAL(leader.connected, 1);
    CU_ASSERT_EQUAL(leader.epoch, zkelect_epoch(ps[0].e));
    int granted = zkelect_session_timeout(ps[0].e);
    CU_ASSERT_EQUAL(leader.session_timeout_ms, granted);
    /* the lease: 2/3 T at most */
    CU_ASSERT(leader.lease_remaining_ns > 0 && leader.lease_remaining_ns <= (int64_t)granted * 2 / 3 * NS_PER_MS);
    CU_ASSERT_EQUAL(leader.ahead, 0);
    CU_ASSERT_EQUAL(leader.terms, 1);
    CU_ASSERT_EQUAL(leader.joins, 1);
    CU_ASSERT_EQUAL(leader.connections, 1);
    CU_ASSERT_EQUAL(leader.sessions, 1);
    CU_ASSERT_EQUAL(leader.disconnected_ns, 0);

    /* the follower is next in line once its watch is set */
    zkelect_stats_t follower;
    WAIT_FOR((follower = stats_of(ps[1].e)).ahead == 1, 5 * SEC);
    CU_ASSERT_EQUAL(follower.ahead, 1);
    CU_ASSERT_EQUAL(follower.leading, 0);
    CU_ASSERT_EQUAL(follower.epoch, -1);
    CU_ASSERT_EQUAL(follower.lease_remaining_ns, -1);
    CU_ASSERT_EQUAL(follower.terms, 0);

    /* a resign is counted; the successor's term too */
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL(zkelect_resign(ps[0].e), ZKELECT_OK);
    CU_ASSERT_FATAL(rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 10 * SEC) >= 0);
    CU_ASSERT_FATAL(rec_wait(&rec, 0, ZKELECT_EV_JOINED, mark, 10 * SEC) >= 0);
    leader = stats_of(ps[0].e);
    CU_ASSERT_EQUAL(leader.revoked[ZKELECT_REASON_RESIGNED], 1);
    CU_ASSERT_EQUAL(leader.terms, 1);
    CU_ASSERT_EQUAL(leader.joins, 2);
    CU_ASSERT_EQUAL(stats_of(ps[1].e).terms, 1);

    /* an expiry: a new session, a rejoin */
    mark = rec_count(&rec);
    CU_ASSERT_EQUAL_FATAL(expire_session(ps[1].e, server.hosts), 0);
    CU_ASSERT_FATAL(rec_wait(&rec, 1, ZKELECT_EV_REVOKED, mark, 10 * SEC) >= 0);
    CU_ASSERT_FATAL(rec_wait(&rec, 1, ZKELECT_EV_JOINED, mark, 10 * SEC) >= 0);
    follower = stats_of(ps[1].e);
    /* The duplicate handle may cut the connection first (strict: REVOKED
     * suspended, then elected again on the same session) before the
     * expiry: the counts are those of the events delivered. */
    uint64_t revoked = 0;
    for (int r = 0; r < ZKELECT_STATS_REASONS; r++)
        revoked += follower.revoked[r];
    CU_ASSERT_EQUAL(revoked, rec_tally(&rec, 1, ZKELECT_EV_REVOKED, 0));
    CU_ASSERT_EQUAL(follower.terms, rec_tally(&rec, 1, ZKELECT_EV_ELECTED, 0));
    CU_ASSERT(follower.revoked[ZKELECT_REASON_EXPIRED] + follower.revoked[ZKELECT_REASON_SUSPENDED] >= 1);
    CU_ASSERT_EQUAL(follower.expiries, 1);
    CU_ASSERT_EQUAL(follower.sessions, 2);
    CU_ASSERT(follower.connections >= 2);
    participant_destroy(&ps[0]);
    participant_destroy(&ps[1]);
}

static void test_session_stats_sum_its_elections(void)
{
    rec_reset(&rec);
    zkelect_session_t *s;
    CU_ASSERT_EQUAL_FATAL(zkelect_session_new(&s, server.hosts), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_session_start(s), ZKELECT_OK);
    static participant_t ps[2];
    for (int i = 0; i < 2; i++) {
        char path[64];
        snprintf(path, sizeof path, "/zkelect-stats/shard-%d", i);
        CU_ASSERT_EQUAL_FATAL(participant_new_on(&ps[i], i, &rec, s, path), ZKELECT_OK);
        CU_ASSERT_EQUAL_FATAL(zkelect_start(ps[i].e), ZKELECT_OK);
        CU_ASSERT_EQUAL_FATAL(zkelect_wait_leader(ps[i].e, 10 * SEC), ZKELECT_OK);
    }
    zkelect_stats_t st = {.size = sizeof st};
    CU_ASSERT_EQUAL(zkelect_session_stats(s, &st), ZKELECT_OK);
    CU_ASSERT_EQUAL(st.leading, 2);
    CU_ASSERT_EQUAL(st.terms, 2);
    CU_ASSERT_EQUAL(st.joins, 2);
    CU_ASSERT_EQUAL(st.connected, 1);
    CU_ASSERT_EQUAL(st.sessions, 1);
    CU_ASSERT_EQUAL(st.epoch, -1);
    CU_ASSERT_EQUAL(st.ahead, -1);
    /* an election's own stats carry the session's connection */
    CU_ASSERT_EQUAL(stats_of(ps[0].e).sessions, 1);
    /* a destroyed election's counts stay in the session's */
    participant_destroy(&ps[0]);
    CU_ASSERT_EQUAL(zkelect_session_stats(s, &st), ZKELECT_OK);
    CU_ASSERT_EQUAL(st.leading, 1);
    CU_ASSERT_EQUAL(st.terms, 2);
    CU_ASSERT_EQUAL(st.revoked[ZKELECT_REASON_CLOSED], 1);
    participant_destroy(&ps[1]);
    zkelect_session_destroy(s);
}

/* ------------------------------------------------- the client's log lines */

typedef struct lines {
    pthread_mutex_t lock;
    int zk;          /* "zookeeper:" lines */
    int io_failures; /* of those, the I/O thread's report of a refused connection */
    int dropped_notes;
    int errors;      /* lines at ZKELECT_LOG_ERROR */
    char last_client[512]; /* the last "zookeeper:" line, and the last note of drops */
    char last_note[512];
} lines_t;

static void on_line(zkelect_t *e, int level, const char *message, void *userdata)
{
    (void)e;
    lines_t *l = userdata;
    pthread_mutex_lock(&l->lock);
    l->errors += level == ZKELECT_LOG_ERROR;
    if (strncmp(message, "zookeeper: ", 11) == 0) {
        if (strstr(message, "lines of the ZooKeeper client were dropped")) {
            l->dropped_notes++;
            snprintf(l->last_note, sizeof l->last_note, "%s", message);
        } else {
            l->zk++;
            l->io_failures += strstr(message, "check_events") != NULL;
            snprintf(l->last_client, sizeof l->last_client, "%s", message);
        }
    }
    pthread_mutex_unlock(&l->lock);
}

static int counted(lines_t *l, int *field)
{
    pthread_mutex_lock(&l->lock);
    int n = *field;
    pthread_mutex_unlock(&l->lock);
    return n;
}

/* Nobody listens: the client's I/O thread, which runs none of zkelect's
 * code, reports each refused connection. Those lines reach the log
 * function, a burst of them, and no more. */
static void test_io_thread_lines_reach_the_log(void)
{
    static lines_t l = {.lock = PTHREAD_MUTEX_INITIALIZER};
    char hosts[32];
    snprintf(hosts, sizeof hosts, "127.0.0.1:%d", zk_free_port());
    zkelect_t *e;
    CU_ASSERT_EQUAL_FATAL(zkelect_new(&e, hosts, "/zkelect-stats/unreachable", "x"), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_log(e, on_line, &l), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_log_level(e, ZKELECT_LOG_WARN), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(e), ZKELECT_OK);
    WAIT_FOR(counted(&l, &l.io_failures) != 0, 5 * SEC);
    CU_ASSERT(counted(&l, &l.io_failures) > 0);
    /* the client retries every few tens of ms, three lines each time: the
     * limit lets 20 through in 10 s */
    zkelect_stats_t st;
    WAIT_FOR((st = stats_of(e)).zk_log_dropped != 0, 5 * SEC);
    CU_ASSERT(st.zk_log_dropped > 0);
    CU_ASSERT(counted(&l, &l.zk) <= 20);
    zkelect_destroy(e);
}

/* A line of the client's, as its threads log it, numbered to make it distinct. */
static void client_line(int n)
{
    char line[128];
    snprintf(line, sizeof line, "2026-12-05 01:00:00,000:1(0x1):ZOO_ERROR@check_events@1: refused %d\n", n);
    inspect_zk_client_logs(line);
}

/* At most 20 lines a window; when the window ends, one line says how many
 * were dropped, even if the client says nothing more: the keeper says it.
 * The session is connected here, so distinct lines and repeats alike count.
 * The library's own lines (the open path's warning at the join) come in
 * between as they will: the client's lines and the notes are told apart. */
static void test_log_limit_says_what_it_dropped(void)
{
    static lines_t l = {.lock = PTHREAD_MUTEX_INITIALIZER};
    zkelect_t *e;
    CU_ASSERT_EQUAL_FATAL(zkelect_new(&e, server.hosts, "/zkelect-stats/limit", "x"), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_log(e, on_line, &l), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_log_level(e, ZKELECT_LOG_WARN), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(e), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_connected(e, 10 * SEC), ZKELECT_OK);
    /* a thread named for e, as the client's threads are */
    char name[16], own[16] = "";
    inspect_zk_thread_name(e, name);
    pthread_getname_np(pthread_self(), own, sizeof own);
    pthread_setname_np(pthread_self(), name);
    for (int i = 0; i < 25; i++)
        client_line(i % 2);
    CU_ASSERT_EQUAL(counted(&l, &l.zk), 20);
    CU_ASSERT_EQUAL(stats_of(e).zk_log_dropped, 5);
    CU_ASSERT_EQUAL(counted(&l, &l.dropped_notes), 0);
    /* the window ends, and no line comes: the keeper says what it dropped */
    inspect_end_log_window(e);
    WAIT_FOR(counted(&l, &l.dropped_notes) != 0, 5 * SEC);
    CU_ASSERT_EQUAL(counted(&l, &l.dropped_notes), 1);
    CU_ASSERT(strstr(l.last_note, "5 more lines") != NULL);
    client_line(0);
    CU_ASSERT_EQUAL(counted(&l, &l.zk), 21);
    CU_ASSERT(strstr(l.last_client, "ZOO_ERROR@check_events") != NULL);
    /* a thread whose name is not ours, or is corrupted, routes nothing */
    name[5] = name[5] == 'A' ? 'B' : 'A';
    pthread_setname_np(pthread_self(), name);
    client_line(0);
    CU_ASSERT_EQUAL(counted(&l, &l.zk), 21);
    pthread_setname_np(pthread_self(), own);
    zkelect_destroy(e);
}

/* While the session is not connected (a server restarting), the client says
 * why each retry failed, ten times a second: each distinct line reaches the
 * log once, as a warning (the library is retrying), and its repeats are
 * dropped, counted, and summed up at the end of the window. */
static void test_repeated_connection_errors_said_once(void)
{
    static lines_t l = {.lock = PTHREAD_MUTEX_INITIALIZER};
    char hosts[32];
    snprintf(hosts, sizeof hosts, "127.0.0.1:%d", zk_free_port());
    zkelect_t *e;
    CU_ASSERT_EQUAL_FATAL(zkelect_new(&e, hosts, "/zkelect-stats/refused", "x"), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_log(e, on_line, &l), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_log_level(e, ZKELECT_LOG_WARN), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(e), ZKELECT_OK);
    /* the client has retried many times */
    WAIT_FOR(stats_of(e).zk_log_dropped >= 20, 10 * SEC);
    CU_ASSERT(stats_of(e).zk_log_dropped >= 20);
    int said = counted(&l, &l.zk);
    printf("\n    %d distinct lines said, %llu repeats dropped ", said,
           (unsigned long long)stats_of(e).zk_log_dropped);
    CU_ASSERT(said >= 1 && said <= 6);
    CU_ASSERT_EQUAL(counted(&l, &l.errors), 0);
    CU_ASSERT_EQUAL(counted(&l, &l.dropped_notes), 0);
    inspect_end_log_window(e);
    WAIT_FOR(counted(&l, &l.dropped_notes) != 0, 5 * SEC);
    CU_ASSERT_EQUAL(counted(&l, &l.dropped_notes), 1);
    zkelect_destroy(e);
}

int main(void)
{
    static const CU_TestInfo alone[] = {
        TEST(test_stats_bad_calls),
        TEST(test_stats_fill_only_what_the_caller_knows),
        TEST(test_io_thread_lines_reach_the_log),
        TEST(test_repeated_connection_errors_said_once),
        CU_TEST_INFO_NULL,
    };
    static const CU_TestInfo served[] = {
        TEST(test_stats_follow_an_election),
        TEST(test_session_stats_sum_its_elections),
        TEST(test_log_limit_says_what_it_dropped),
        CU_TEST_INFO_NULL,
    };
    static const test_suite_t suites[] = {{"without a server", NULL, NULL, alone},
                                          {"on a server", suite_server_init, suite_server_clean, served},
                                          {0}};
    rec_init(&rec);
    suite_server_use(&server, &admin);
    int status = run_suites(suites);
    rec_destroy(&rec);
    return status;
}
