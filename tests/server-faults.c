/* server-faults.c - "never two leaders" when the server itself fails: paused for
 * longer than a session, restarted, not there yet, rebuilt empty; a leader
 * process paused; 10,000 strangers in the line, and churn.
 * Every test runs the event-log checker (tests/recorder.c) on top of its
 * own bounds. */
#include "harness.h"
#include "commands.h"
#include "inspect.h"

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zookeeper/zookeeper.h>

#define NS_PER_MS 1000000LL

static zk_server_t server;

static void *admin;

static recorder_t rec;

/* Every participant is in line with a node of its current session, and
 * there is no other child. (Right at a resume the old nodes of sessions
 * about to expire still stand: a count alone would be satisfied by them.) */
static bool all_in_line_anew(participant_t *ps, int n, const char *election)
{
    if (zk_child_count(admin, election) != n)
        return false;
    for (int i = 0; i < n; i++) {
        char node[512];
        struct Stat st;
        if (zkelect_node_path(ps[i].e, node, sizeof node) != ZKELECT_OK || zoo_exists(admin, node, 0, &st) != ZOK)
            return false;
        bool connected;
        int64_t session = inspect_session_id(ps[i].e, &connected, NULL);
        if (!connected || st.ephemeralOwner != session)
            return false;
    }
    return true;
}

/* ---------------------------------------------------------- the server */

/* F9: the whole server stops for longer than the session timeout. Every
 * leader must have stopped by its lease deadline; on resume the server
 * expires every session at once, and one leader comes out of it. */
static void test_server_paused_longer_than_session(void)
{
    const char *p = test_election(&rec, "server-paused");
    static participant_t ps[3];
    for (int i = 0; i < 3; i++)
        CU_ASSERT_EQUAL_FATAL(participant_start_with(&ps[i], i, &rec, server.hosts, p, 3000, ZKELECT_POLICY_LEASE), 0);
    CU_ASSERT_EQUAL_FATAL(wait_single_leader(ps, 3, 10 * SEC), 0);
    int64_t epoch = zkelect_epoch(ps[0].e);
    size_t mark = rec_count(&rec);
    int64_t t0 = mono_ns();
    zk_server_pause(&server, true);
    long revoked = rec_wait(&rec, 0, ZKELECT_EV_REVOKED, mark, 5 * SEC);
    int64_t revoked_ms = ms_since(t0);
    CU_ASSERT_EQUAL(leader_count(ps, 3), 0);
    /* keep it stopped past T: the sessions are dead on resume */
    while (ms_since(t0) < 4500)
        poll_pause();
    zk_server_pause(&server, false);
    CU_ASSERT_FATAL(revoked >= 0);
    CU_ASSERT(revoked_ms <= 2000 + 500);
    /* Most sessions expire on resume; one whose reconnection reaches the
     * server before its expiry is processed survives, with its node. Either
     * way everyone ends up in line, under one leader. */
    bool in_line;
    WAIT_FOR((in_line = all_in_line_anew(ps, 3, p)), 15 * SEC);
    CU_ASSERT(in_line);
    int leader = wait_single_leader(ps, 3, 15 * SEC);
    CU_ASSERT_FATAL(leader >= 0);
    CU_ASSERT(zkelect_epoch(ps[leader].e) >= epoch);
    printf("\n    revoked %lld ms after the pause; one leader %lld ms after resume ", (long long)revoked_ms,
           (long long)(ms_since(t0) - 4500));
    assert_no_two_leaders(&rec);
    destroy_all(ps, 3);
}

/* F10: the server is killed and restarted on its data within the session
 * timeout: sessions survive, nobody else leads, the leader comes back with
 * the same epoch. */
static void test_server_restart_within_session(void)
{
    const char *p = test_election(&rec, "server-restart");
    static participant_t ps[2];
    for (int i = 0; i < 2; i++)
        CU_ASSERT_EQUAL_FATAL(participant_start_with(&ps[i], i, &rec, server.hosts, p, 15000, ZKELECT_POLICY_STRICT), 0);
    CU_ASSERT_EQUAL_FATAL(wait_single_leader(ps, 2, 10 * SEC), 0);
    int64_t epoch = zkelect_epoch(ps[0].e);
    CU_ASSERT_FATAL(rec_wait(&rec, 0, ZKELECT_EV_ELECTED, 0, SEC) >= 0);
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL_FATAL(zk_server_restart(&server, true), 0);
    long revoked = rec_wait(&rec, 0, ZKELECT_EV_REVOKED, mark, 10 * SEC);
    CU_ASSERT(revoked >= 0);
    if (revoked >= 0) {
        CU_ASSERT_EQUAL(rec_get(&rec, (size_t)revoked).reason, ZKELECT_REASON_SUSPENDED);
    }
    long again = rec_wait(&rec, 0, ZKELECT_EV_ELECTED, mark, 15 * SEC);
    CU_ASSERT_FATAL(again >= 0);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)again).epoch, epoch);
    CU_ASSERT_EQUAL(rec_tally(&rec, 1, ZKELECT_EV_ELECTED, mark), 0);
    CU_ASSERT_EQUAL(wait_single_leader(ps, 2, 5 * SEC), 0);
    assert_no_two_leaders(&rec);
    destroy_all(ps, 2);
    /* the admin handle reconnects by itself; wait until it does */
    WAIT_FOR(zoo_state(admin) == ZOO_CONNECTED_STATE, 10 * SEC);
}

/* Where participant i stands: contenders ahead of it (0 for the leader). */
static size_t ahead_of(participant_t *p)
{
    return zkelect_is_leader(p->e) ? 0 : inspect_line(p->e).ahead;
}

/* Scenario 10: no server at start. The participants keep trying without
 * burning CPU, and join once a server appears. Their client refused their
 * credentials between two attempts to connect: they are given on the
 * connection that succeeds, so each one can write its node, which is what a
 * hand-over is (here to the last in line, whose listing counted two ahead). */
static void test_unreachable_then_started(void)
{
    test_election(&rec, "late-server");
    int port = zk_free_port();
    char hosts[64];
    snprintf(hosts, sizeof hosts, "127.0.0.1:%d", port);
    static participant_t ps[3];
    for (int i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL_FATAL(participant_new(&ps[i], i, &rec, hosts, "/late/leader"), 0);
        CU_ASSERT_EQUAL_FATAL(zkelect_start(ps[i].e), ZKELECT_OK);
    }
    double cpu0 = cpu_seconds();
    int64_t t0 = mono_ns();
    CU_ASSERT_EQUAL(zkelect_wait_connected(ps[0].e, 2000), ZKELECT_ETIMEDOUT);
    double busy = (cpu_seconds() - cpu0) / ((double)(mono_ns() - t0) / 1e9);
    printf("\n    CPU while waiting for a server: %.1f%% of one core ", busy * 100);
    CU_ASSERT(busy < 0.05);
    static zk_server_t late;
    CU_ASSERT_EQUAL_FATAL(zk_server_start_on(&late, 200, port), 0);
    int order[3] = {-1, -1, -1};
    int64_t deadline = mono_ns() + 15 * SEC * NS_PER_MS;
    while ((order[0] < 0 || order[1] < 0 || order[2] < 0) && mono_ns() < deadline) {
        for (int i = 0; i < 3; i++) {
            size_t a = ahead_of(&ps[i]);
            if (a < 3 && (zkelect_is_leader(ps[i].e) || inspect_line(ps[i].e).watching))
                order[a] = i;
        }
        poll_pause();
    }
    CU_ASSERT_FATAL(order[0] >= 0 && order[1] >= 0 && order[2] >= 0);
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL(zkelect_leave(ps[order[0]].e), ZKELECT_OK);
    CU_ASSERT_FATAL(rec_wait(&rec, order[1], ZKELECT_EV_ELECTED, mark, 5 * SEC) >= 0);
    inspect_requests_t before = inspect_requests(ps[order[2]].e);
    mark = rec_count(&rec);
    CU_ASSERT_EQUAL(zkelect_leave(ps[order[1]].e), ZKELECT_OK);
    CU_ASSERT_FATAL(rec_wait(&rec, order[2], ZKELECT_EV_ELECTED, mark, 5 * SEC) >= 0);
    CU_ASSERT_EQUAL(inspect_requests(ps[order[2]].e).handoff_takeovers, before.handoff_takeovers + 1);
    assert_no_two_leaders(&rec);
    destroy_all(ps, 3);
    zk_server_stop(&late);
}

/* F11: the server is rebuilt empty. It refuses clients that have seen a
 * newer state, so they are never told their session expired: after 2T
 * without a connection the participants open new sessions and rejoin. */
static void test_server_rebuilt_empty(void)
{
    const char *p = test_election(&rec, "rebuilt");
    static zk_server_t own;
    CU_ASSERT_EQUAL_FATAL(zk_server_start(&own, 200), 0);
    static participant_t ps[2];
    for (int i = 0; i < 2; i++)
        CU_ASSERT_EQUAL_FATAL(participant_start_with(&ps[i], i, &rec, own.hosts, p, 2000, ZKELECT_POLICY_STRICT), 0);
    CU_ASSERT_EQUAL_FATAL(wait_single_leader(ps, 2, 10 * SEC), 0);
    size_t mark = rec_count(&rec);
    int64_t t0 = mono_ns();
    CU_ASSERT_EQUAL_FATAL(zk_server_rebuild_empty(&own), 0);
    for (int i = 0; i < 2; i++)
        CU_ASSERT(rec_wait(&rec, i, ZKELECT_EV_JOINED, mark, 20 * SEC) >= 0);
    CU_ASSERT(wait_single_leader(ps, 2, 10 * SEC) >= 0);
    printf("\n    rebuilt empty: one leader again after %lld ms ", (long long)ms_since(t0));
    assert_no_two_leaders(&rec);
    destroy_all(ps, 2);
    zk_server_stop(&own);
}

/* F5: the leader's whole process is paused (SIGSTOP, like a long GC pause)
 * for longer than the session timeout. The successor is elected once the
 * server expires the session; the resumed process finds its leadership
 * already gone (REVOKED first thing), then rejoins behind. */
static void test_leader_process_paused(void)
{
    const char *p = test_election(&rec, "process-paused");
    const char *top = getenv("top_builddir") ? getenv("top_builddir") : ".";
    char program[512], out[300];
    snprintf(program, sizeof program, "%s/examples/failover", top);
    snprintf(out, sizeof out, "%s/paused-leader.log", server.dir);
    pid_t child = fork();
    CU_ASSERT_FATAL(child >= 0);
    if (child == 0) {
        FILE *log = freopen(out, "w", stdout);
        (void)log;
        execl(program, program, server.hosts, p, "child", "3000", (char *)NULL);
        _exit(127);
    }
    CU_ASSERT_FATAL(wait_lines(out, "ELECTED", 1, 15 * SEC));
    static participant_t b;
    CU_ASSERT_EQUAL_FATAL(participant_start_with(&b, 1, &rec, server.hosts, p, 3000, ZKELECT_POLICY_STRICT), 0);
    size_t mark = rec_count(&rec);
    int64_t t0 = mono_ns();
    kill(child, SIGSTOP);
    long elected = rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 10 * SEC);
    int64_t elected_ms = ms_since(t0);
    CU_ASSERT(elected >= 0);
    /* Not before the server expired the paused session: T = 3 s after the
     * child last reached it, and idle clients ping every T/3. */
    CU_ASSERT(elected_ms >= 3000 * 2 / 3 - 100);
    while (ms_since(t0) < 6000)
        poll_pause();
    kill(child, SIGCONT);
    CU_ASSERT(wait_lines(out, "REVOKED", 1, 10 * SEC));
    CU_ASSERT(wait_lines(out, "JOINED", 2, 10 * SEC)); /* rejoined on a new session */
    CU_ASSERT_EQUAL(count_lines(out, "ELECTED"), 1);
    CU_ASSERT_EQUAL(zkelect_is_leader(b.e), 1);
    printf("\n    leader process stopped: successor elected after %lld ms (T = 3000 ms) ", (long long)elected_ms);
    kill(child, SIGTERM);
    int status;
    waitpid(child, &status, 0);
    CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    participant_destroy(&b);
}

/* ------------------------------------------------------------ the line */

static void create_done(int rc, const char *name, const void *data)
{
    (void)name;
    int *pending = (int *)data;
    if (rc != ZOK && rc != ZNODEEXISTS)
        fprintf(stderr, "create failed: %s\n", zerror(rc));
    __atomic_sub_fetch(pending, 1, __ATOMIC_SEQ_CST);
}

/* Scenario 8: 10,000 strangers in the election path. */
static void test_many_foreign_children(void)
{
    const char *p = test_election(&rec, "crowded");
    CU_ASSERT_EQUAL_FATAL(zk_make_path(admin, p, 0), ZOK);
    static int pending;
    pending = 10000;
    for (int i = 0; i < 10000; i++) {
        char child[300];
        /* persistent, some named like contenders, some not */
        if (i % 2)
            snprintf(child, sizeof child, "%s/junk-%d", p, i);
        else
            snprintf(child, sizeof child, "%s/zke_%032x_", p, i);
        zoo_acreate(admin, child, "x", 1, &ZOO_OPEN_ACL_UNSAFE, i % 2 ? 0 : ZOO_SEQUENCE, create_done, &pending);
    }
    WAIT_FOR(__atomic_load_n(&pending, __ATOMIC_SEQ_CST) <= 0, 60 * SEC);
    CU_ASSERT_EQUAL_FATAL(zk_child_count(admin, p), 10000);
    static participant_t ps[3];
    for (int i = 0; i < 2; i++)
        CU_ASSERT_EQUAL_FATAL(participant_start_with(&ps[i], i, &rec, server.hosts, p, 4000, ZKELECT_POLICY_STRICT), 0);
    /* 10,000 names in one answer: on a loaded machine that can take more
     * than the default query timeout, which is not what this test measures */
    size_t joined = rec_count(&rec);
    CU_ASSERT_EQUAL_FATAL(participant_new(&ps[2], 2, &rec, server.hosts, p), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_session_timeout(ps[2].e, 4000), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_query_timeout(ps[2].e, 20 * SEC), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(ps[2].e), ZKELECT_OK);
    CU_ASSERT_FATAL(rec_wait(&rec, 2, ZKELECT_EV_JOINED, joined, 15 * SEC) >= 0);
    CU_ASSERT_EQUAL(wait_single_leader(ps, 3, 20 * SEC), 0);
    char id[64];
    CU_ASSERT_EQUAL(zkelect_get_leader(ps[2].e, id, sizeof id), ZKELECT_OK);
    CU_ASSERT_STRING_EQUAL(id, "p0");
    size_t mark = rec_count(&rec);
    int64_t t0 = mono_ns();
    participant_destroy(&ps[0]);
    CU_ASSERT(rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 10 * SEC) >= 0);
    printf("\n    failover among 10,000 strangers: %lld ms ", (long long)ms_since(t0));
    assert_no_two_leaders(&rec);
    destroy_all(ps, 3);
}

/* Scenario 9: churn. Participants join, resign, leave and are expired at
 * random; the seed is printed for replay (ZKELECT_SOAK_SEED). */
static void test_churn_soak(void)
{
    const char *p = test_election(&rec, "churn");
    enum { SLOTS = 30 };
    static participant_t slot[SLOTS];
    unsigned seed = getenv("ZKELECT_SOAK_SEED") ? (unsigned)atoi(getenv("ZKELECT_SOAK_SEED")) : (unsigned)time(NULL);
    int seconds = getenv("ZKELECT_SOAK_SECONDS") ? atoi(getenv("ZKELECT_SOAK_SECONDS")) : 15;
    printf("\n    churn: seed %u (ZKELECT_SOAK_SEED), %d s ", seed, seconds);
    srand(seed);
    int next_idx = 0, joins = 0, resigns = 0, leaves = 0, expiries = 0;
    memset(slot, 0, sizeof slot);
    int64_t end = mono_ns() + (int64_t)seconds * 1000 * NS_PER_MS;
    while (mono_ns() < end) {
        int i = rand() % SLOTS;
        int action = rand() % 10;
        if (!slot[i].e) {
            if (participant_new(&slot[i], next_idx++, &rec, server.hosts, p) == 0) {
                zkelect_set_session_timeout(slot[i].e, 2000);
                zkelect_set_disconnect_policy(slot[i].e, rand() % 2);
                CU_ASSERT_EQUAL(zkelect_start(slot[i].e), ZKELECT_OK);
                joins++;
            }
        } else if (action < 4) {
            CU_ASSERT_EQUAL(zkelect_resign(slot[i].e), ZKELECT_OK);
            resigns++;
        } else if (action < 8) {
            participant_destroy(&slot[i]);
            leaves++;
        } else if (!zkelect_is_leader(slot[i].e) && expire_session(slot[i].e, server.hosts) == 0) {
            /* Only followers: closing a leader's session from a second
             * handle is a third party holding its credentials (assumption
             * A6 in docs/GUARANTEES.md), which no lease can outrun. Leader expiry
             * is tested on its own. */
            expiries++;
        }
        struct timespec gap = {0, (long)(10 + rand() % 40) * 1000000L};
        nanosleep(&gap, NULL); /* the pace of the churn, not a wait for a condition */
        CU_ASSERT(leader_count(slot, SLOTS) <= 1);
    }
    printf("(%d joins, %d resigns, %d leaves, %d expiries) ", joins, resigns, leaves, expiries);
    /* after the churn: one leader, and every live participant in line */
    int live = 0;
    for (int i = 0; i < SLOTS; i++)
        live += slot[i].e != NULL;
    if (live > 0) {
        CU_ASSERT(wait_single_leader(slot, SLOTS, 20 * SEC) >= 0);
        int64_t deadline = mono_ns() + 20000 * NS_PER_MS;
        int in_line;
        do {
            in_line = 0;
            for (int i = 0; i < SLOTS; i++) {
                char node[512];
                in_line += slot[i].e && zkelect_node_path(slot[i].e, node, sizeof node) == ZKELECT_OK;
            }
        } while (in_line < live && mono_ns() < deadline && (poll_pause(), 1));
        CU_ASSERT_EQUAL(in_line, live);
        WAIT_FOR(zk_child_count(admin, p) == live, 20 * SEC);
        CU_ASSERT_EQUAL(zk_child_count(admin, p), live);
    }
    assert_no_two_leaders(&rec);
    destroy_all(slot, SLOTS);
    WAIT_FOR(zk_child_count(admin, p) <= 0, 10 * SEC);
    CU_ASSERT_EQUAL(zk_child_count(admin, p), 0);
}

int main(void)
{
    static const CU_TestInfo tests[] = {
        TEST(test_server_paused_longer_than_session),
        TEST(test_server_restart_within_session),
        TEST(test_unreachable_then_started),
        TEST(test_many_foreign_children),
        TEST(test_churn_soak),
        TEST(test_server_rebuilt_empty),
        TEST(test_leader_process_paused),
        CU_TEST_INFO_NULL,
    };
    return run_server_suite("faults, standalone server", &server, &admin, &rec, tests);
}
