/* ensemble-faults.c - "never two leaders" on a 3-member ensemble: the member a leader
 * is connected to dies, quorum is lost and comes back.
 * Every test runs the event-log checker (tests/recorder.c) on top of its
 * own bounds. */
#include "harness.h"
#include "inspect.h"

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zookeeper/zookeeper.h>

#define NS_PER_MS 1000000LL

static zk_ensemble_t ensemble;

static void *admin;

static recorder_t rec;

/* Which ensemble member a participant is connected to (-1 if none). */
static int connected_member(participant_t *pt)
{
    int port = inspect_server_port(pt->e);
    for (int i = 0; port >= 0 && i < ensemble.n; i++) {
        if (ensemble.member[i].port == port)
            return i;
    }
    return -1;
}

/* Scenario 4 (F12): the member the leader is connected to dies. The client
 * moves to another member within the session and nobody else leads. With the
 * strict policy the leader revokes and is re-elected with the same epoch;
 * with the lease policy the move is faster than the lease and nothing
 * happens at all. */
static void member_killed(int policy, const char *name)
{
    const char *p = test_election(&rec, name);
    static participant_t ps[2];
    for (int i = 0; i < 2; i++)
        CU_ASSERT_EQUAL_FATAL(participant_start_with(&ps[i], i, &rec, ensemble.hosts, p, 6000, policy), 0);
    CU_ASSERT_EQUAL_FATAL(wait_single_leader(ps, 2, 10 * SEC), 0);
    CU_ASSERT_FATAL(rec_wait(&rec, 0, ZKELECT_EV_ELECTED, 0, SEC) >= 0);
    CU_ASSERT_FATAL(rec_wait(&rec, 1, ZKELECT_EV_PLACE, 0, 5 * SEC) >= 0);
    int64_t epoch = zkelect_epoch(ps[0].e);
    int member = connected_member(&ps[0]);
    CU_ASSERT_FATAL(member >= 0);
    size_t mark = rec_count(&rec);
    int64_t t0 = mono_ns();
    zk_server_kill(&ensemble.member[member]);
    if (policy == ZKELECT_POLICY_STRICT) {
        long again = rec_wait(&rec, 0, ZKELECT_EV_ELECTED, mark, 20 * SEC);
        CU_ASSERT_FATAL(again >= 0);
        CU_ASSERT_EQUAL(rec_get(&rec, (size_t)again).epoch, epoch);
        printf("\n    member %d killed (strict): leader back after %lld ms, same epoch ", member + 1,
               (long long)ms_since(t0));
    } else {
        WAIT_FOR(connected_member(&ps[0]) >= 0, 20 * SEC);
        int64_t moved_ms = ms_since(t0);
        /* two renewals on the new member, and still no event */
        int64_t d0 = 0, d1 = 0;
        zkelect_lease_deadline(ps[0].e, &d0);
        t0 = mono_ns();
        while (ms_since(t0) < 4000 && (zkelect_lease_deadline(ps[0].e, &d1) != ZKELECT_OK || d1 <= d0))
            poll_pause();
        CU_ASSERT(d1 > d0);
        CU_ASSERT_EQUAL(rec_count(&rec), mark);
        CU_ASSERT_EQUAL(zkelect_epoch(ps[0].e), epoch);
        printf("\n    member %d killed (lease): moved after %lld ms, no event ", member + 1, (long long)moved_ms);
    }
    CU_ASSERT_EQUAL(rec_tally(&rec, 1, ZKELECT_EV_ELECTED, mark), 0);
    CU_ASSERT(connected_member(&ps[0]) != member);
    assert_no_two_leaders(&rec);
    CU_ASSERT_EQUAL(zk_server_restart(&ensemble.member[member], true), 0);
    destroy_all(ps, 2);
}

static void test_ensemble_member_killed_strict(void)
{
    member_killed(ZKELECT_POLICY_STRICT, "member-killed-strict");
}

static void test_ensemble_member_killed_lease(void)
{
    member_killed(ZKELECT_POLICY_LEASE, "member-killed-lease");
}

/* Scenario 5 (F13): quorum lost. The leader stops by its deadline, nobody
 * leads during the outage, exactly one leader once quorum is back. */
static void test_ensemble_quorum_lost(void)
{
    const char *p = test_election(&rec, "quorum-lost");
    static participant_t ps[3];
    for (int i = 0; i < 3; i++)
        CU_ASSERT_EQUAL_FATAL(participant_start_with(&ps[i], i, &rec, ensemble.hosts, p, 4000, ZKELECT_POLICY_LEASE), 0);
    CU_ASSERT_EQUAL_FATAL(wait_single_leader(ps, 3, 10 * SEC), 0);
    size_t mark = rec_count(&rec);
    int64_t t0 = mono_ns();
    /* two of three, whichever they are: the survivor stops serving */
    int killed[2] = {0, 1};
    zk_server_kill(&ensemble.member[killed[0]]);
    zk_server_kill(&ensemble.member[killed[1]]);
    long revoked = rec_wait(&rec, 0, ZKELECT_EV_REVOKED, mark, 10 * SEC);
    int64_t revoked_ms = ms_since(t0);
    CU_ASSERT_FATAL(revoked >= 0);
    CU_ASSERT(revoked_ms <= 4000 * 2 / 3 + 500);
    /* an outage longer than the session timeout: still nobody may lead */
    while (ms_since(t0) < 6000) {
        CU_ASSERT_EQUAL(leader_count(ps, 3), 0);
        poll_pause();
    }
    CU_ASSERT_EQUAL(rec_tally(&rec, -1, ZKELECT_EV_ELECTED, mark), 0);
    zk_server_restart(&ensemble.member[killed[0]], false);
    zk_server_restart(&ensemble.member[killed[1]], false);
    CU_ASSERT_EQUAL(zk_server_wait_serving(&ensemble.member[killed[0]]), 0);
    CU_ASSERT_EQUAL(zk_server_wait_serving(&ensemble.member[killed[1]]), 0);
    int64_t back = mono_ns();
    int leader = wait_single_leader(ps, 3, 30 * SEC);
    CU_ASSERT(leader >= 0);
    printf("\n    quorum lost: revoked after %lld ms, one leader %lld ms after quorum is back ", (long long)revoked_ms,
           (long long)ms_since(back));
    assert_no_two_leaders(&rec);
    destroy_all(ps, 3);
}

/* The whole ensemble is killed and stays down past 2T, then restarted
 * (maintenance, a power cut). ZooKeeper restores the sessions from its
 * snapshot and log, with their nodes. Each participant gave up its
 * connection after 2T without one and reconnects to the same session, not
 * a new one (which would queue behind its own restored node until the
 * server expires the old session, T later): the leader is back within about
 * a second of the quorum's return, the same one with the same epoch. */
static void test_whole_ensemble_restarted(void)
{
    const char *p = test_election(&rec, "ensemble-restarted");
    static participant_t ps[3];
    for (int i = 0; i < 3; i++)
        CU_ASSERT_EQUAL_FATAL(participant_start_with(&ps[i], i, &rec, ensemble.hosts, p, 2000, ZKELECT_POLICY_LEASE), 0);
    CU_ASSERT_EQUAL_FATAL(wait_single_leader(ps, 3, 10 * SEC), 0);
    int64_t epoch = zkelect_epoch(ps[0].e);
    size_t mark = rec_count(&rec);
    for (int i = 0; i < ensemble.n; i++)
        zk_server_kill(&ensemble.member[i]);
    CU_ASSERT(rec_wait(&rec, 0, ZKELECT_EV_REVOKED, mark, 10 * SEC) >= 0);
    /* Past 2T without a connection: every participant has given its up. */
    observe_for(2 * 2000 + 1500);
    CU_ASSERT_EQUAL(leader_count(ps, 3), 0);
    for (int i = 0; i < ensemble.n; i++)
        CU_ASSERT_EQUAL(zk_server_restart(&ensemble.member[i], false), 0);
    /* The quorum is back once two members serve. */
    int64_t deadline = mono_ns() + 60 * SEC * NS_PER_MS;
    int serving = 0;
    while (mono_ns() < deadline && serving < 2) {
        serving = 0;
        for (int i = 0; i < ensemble.n; i++)
            serving += zk_server_serving(&ensemble.member[i]);
        if (serving < 2)
            poll_pause();
    }
    CU_ASSERT_FATAL(serving >= 2);
    int64_t back = mono_ns();
    int leader = wait_single_leader(ps, 3, 30 * SEC);
    int64_t took = ms_since(back);
    printf("\n    whole ensemble restarted: leader %d back %lld ms after the quorum ", leader, (long long)took);
    CU_ASSERT_EQUAL(leader, 0);
    CU_ASSERT(took < 1500);
    CU_ASSERT_EQUAL(zkelect_epoch(ps[0].e), epoch);
    for (int i = 0; i < ensemble.n; i++)
        CU_ASSERT_EQUAL(zk_server_wait_serving(&ensemble.member[i]), 0);
    assert_no_two_leaders(&rec);
    destroy_all(ps, 3);
}
/* Priorities on the ensemble: the highest priority leads next; the member
 * its leader is connected to dies and the lock's holder leads on (the
 * lease outlasts the move); a move from another handle lands on the one
 * named; epochs grow throughout. */
static void test_priorities_across_a_member_kill(void)
{
    const char *p = test_election(&rec, "priorities");
    static participant_t ps[3];
    const int priority[3] = {0, 5, 10};
    for (int i = 0; i < 3; i++) {
        size_t mark = rec_count(&rec);
        CU_ASSERT_EQUAL_FATAL(participant_new(&ps[i], i, &rec, ensemble.hosts, p), ZKELECT_OK);
        CU_ASSERT_EQUAL_FATAL(zkelect_set_session_timeout(ps[i].e, 6000), ZKELECT_OK);
        CU_ASSERT_EQUAL_FATAL(zkelect_set_disconnect_policy(ps[i].e, ZKELECT_POLICY_LEASE), ZKELECT_OK);
        CU_ASSERT_EQUAL_FATAL(zkelect_set_priority(ps[i].e, priority[i]), ZKELECT_OK);
        CU_ASSERT_EQUAL_FATAL(zkelect_start(ps[i].e), ZKELECT_OK);
        CU_ASSERT_FATAL(rec_wait(&rec, i, ZKELECT_EV_JOINED, mark, 10 * SEC) >= 0);
    }
    CU_ASSERT_EQUAL_FATAL(wait_single_leader(ps, 3, 10 * SEC), 0);
    CU_ASSERT_FATAL(rec_wait(&rec, 2, ZKELECT_EV_PLACE, 0, 5 * SEC) >= 0);
    int64_t epoch = zkelect_epoch(ps[0].e);
    size_t mark = rec_count(&rec);
    participant_destroy(&ps[0]);
    CU_ASSERT_FATAL(rec_wait(&rec, 2, ZKELECT_EV_ELECTED, mark, 10 * SEC) >= 0);
    CU_ASSERT(zkelect_epoch(ps[2].e) > epoch);
    epoch = zkelect_epoch(ps[2].e);
    int member = connected_member(&ps[2]);
    CU_ASSERT_FATAL(member >= 0);
    mark = rec_count(&rec);
    zk_server_kill(&ensemble.member[member]);
    WAIT_FOR(connected_member(&ps[2]) >= 0, 20 * SEC);
    CU_ASSERT(connected_member(&ps[2]) >= 0);
    CU_ASSERT_EQUAL(zkelect_is_leader(ps[2].e), 1);
    CU_ASSERT_EQUAL(rec_tally(&rec, 1, ZKELECT_EV_ELECTED, mark), 0);
    CU_ASSERT_EQUAL(zk_server_restart(&ensemble.member[member], true), 0);
    /* a switchover from a handle of its own, to the one behind */
    zkelect_t *asker;
    CU_ASSERT_EQUAL_FATAL(zkelect_new(&asker, ensemble.hosts, p, "operator"), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_observer(asker, 1), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(asker), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_connected(asker, 10 * SEC), ZKELECT_OK);
    mark = rec_count(&rec);
    CU_ASSERT_EQUAL(zkelect_request_move(asker, ps[1].id), ZKELECT_OK);
    CU_ASSERT_FATAL(rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 10 * SEC) >= 0);
    CU_ASSERT(zkelect_epoch(ps[1].e) > epoch);
    zkelect_destroy(asker);
    assert_no_two_leaders(&rec);
    destroy_all(ps, 3);
}


static int ensemble_init(void)
{
    rec_init(&rec);
    if (zk_ensemble_start(&ensemble, 200))
        return -1;
    admin = zk_connect(ensemble.hosts);
    return admin ? 0 : -1;
}

static int ensemble_clean(void)
{
    zk_close(admin);
    admin = NULL;
    zk_ensemble_stop(&ensemble);
    rec_destroy(&rec);
    return 0;
}

int main(void)
{
    static const CU_TestInfo tests[] = {
        TEST(test_ensemble_member_killed_strict),
        TEST(test_ensemble_member_killed_lease),
        TEST(test_ensemble_quorum_lost),
        TEST(test_whole_ensemble_restarted),
        TEST(test_priorities_across_a_member_kill),
        CU_TEST_INFO_NULL,
    };
    static const test_suite_t suites[] = {{"faults, 3-server ensemble", ensemble_init, ensemble_clean, tests}, {0}};
    return run_suites(suites);
}
