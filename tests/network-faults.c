/* network-faults.c - "never two leaders" when the network fails between a participant
 * and its server (through the fault proxy): resets, blips, a blocked host,
 * latency, dropped replies, a lost create followed by an expiry.
 * Every test runs the event-log checker (tests/recorder.c) on top of its
 * own bounds. */
#include "harness.h"
#include "proxy.h"

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zookeeper/zookeeper.h>

#define NS_PER_MS 1000000LL

static zk_server_t server;

static void *admin;

static recorder_t rec;

/* Scenario 2, second half: a partition that resets the connection. The
 * strict policy revokes at once; the successor waits for the expiry. */
static void test_leader_connection_reset(void)
{
    const char *p = test_election(&rec, "reset");
    proxy_t *proxy = proxy_start(server.port);
    CU_ASSERT_PTR_NOT_NULL_FATAL(proxy);
    static participant_t ps[2];
    CU_ASSERT_EQUAL_FATAL(participant_start_with(&ps[0], 0, &rec, proxy_hosts(proxy), p, 3000, ZKELECT_POLICY_STRICT), 0);
    CU_ASSERT_EQUAL_FATAL(participant_start_with(&ps[1], 1, &rec, server.hosts, p, 3000, ZKELECT_POLICY_STRICT), 0);
    CU_ASSERT_EQUAL_FATAL(wait_single_leader(ps, 2, 10 * SEC), 0);
    size_t mark = rec_count(&rec);
    int64_t t0 = mono_ns();
    proxy_set_mode(proxy, PROXY_REFUSE);
    long revoked = rec_wait(&rec, 0, ZKELECT_EV_REVOKED, mark, 5 * SEC);
    int64_t revoked_ms = ms_since(t0);
    long elected = rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 15 * SEC);
    CU_ASSERT_FATAL(revoked >= 0 && elected >= 0);
    CU_ASSERT(revoked_ms < 1000);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)revoked).reason, ZKELECT_REASON_SUSPENDED);
    CU_ASSERT(rec_get(&rec, (size_t)revoked).t_ns < rec_get(&rec, (size_t)elected).t_ns);
    printf("\n    reset: revoked after %lld ms, successor after %lld ms ", (long long)revoked_ms,
           (long long)((rec_get(&rec, (size_t)elected).t_ns - t0) / NS_PER_MS));
    mark = rec_count(&rec);
    proxy_set_mode(proxy, PROXY_PASS);
    CU_ASSERT(rec_wait(&rec, 0, ZKELECT_EV_JOINED, mark, 15 * SEC) >= 0);
    CU_ASSERT_EQUAL(wait_single_leader(ps, 2, 5 * SEC), 1);
    assert_no_two_leaders(&rec);
    destroy_all(ps, 2);
    proxy_stop(proxy);
}

/* Scenario 3: a blip that ends before the lease deadline keeps leadership;
 * a longer one revokes at the deadline, and the leader comes back with the
 * same epoch when the session survived. */
static void test_blips_under_lease_policy(void)
{
    const char *p = test_election(&rec, "blips");
    proxy_t *proxy = proxy_start(server.port);
    CU_ASSERT_PTR_NOT_NULL_FATAL(proxy);
    static participant_t ps[2];
    CU_ASSERT_EQUAL_FATAL(participant_start_with(&ps[0], 0, &rec, proxy_hosts(proxy), p, 6000, ZKELECT_POLICY_LEASE), 0);
    CU_ASSERT_EQUAL_FATAL(participant_start_with(&ps[1], 1, &rec, server.hosts, p, 6000, ZKELECT_POLICY_LEASE), 0);
    CU_ASSERT_EQUAL_FATAL(wait_single_leader(ps, 2, 10 * SEC), 0);
    CU_ASSERT_FATAL(rec_wait(&rec, 0, ZKELECT_EV_ELECTED, 0, SEC) >= 0);
    CU_ASSERT_FATAL(rec_wait(&rec, 1, ZKELECT_EV_PLACE, 0, 5 * SEC) >= 0);
    int64_t epoch = zkelect_epoch(ps[0].e);
    /* a 1 s blip (the lease is 4 s): nothing happens */
    size_t mark = rec_count(&rec);
    proxy_set_mode(proxy, PROXY_BLACKHOLE);
    int64_t t0 = mono_ns();
    while (ms_since(t0) < 1000) {
        CU_ASSERT_EQUAL(zkelect_is_leader(ps[0].e), 1);
        poll_pause();
    }
    proxy_set_mode(proxy, PROXY_PASS);
    /* two renewals later, still the same term, no events at all */
    int64_t d0 = 0, d1 = 0;
    zkelect_lease_deadline(ps[0].e, &d0);
    t0 = mono_ns();
    while (ms_since(t0) < 3000 && (zkelect_lease_deadline(ps[0].e, &d1) != ZKELECT_OK || d1 <= d0))
        poll_pause();
    CU_ASSERT(d1 > d0);
    CU_ASSERT_EQUAL(rec_count(&rec), mark);
    CU_ASSERT_EQUAL(zkelect_epoch(ps[0].e), epoch);
    /* a 5 s blip: past the 4 s lease, short of the 6 s session timeout */
    mark = rec_count(&rec);
    int64_t deadline_ns;
    CU_ASSERT_EQUAL(zkelect_lease_deadline(ps[0].e, &deadline_ns), ZKELECT_OK);
    proxy_set_mode(proxy, PROXY_BLACKHOLE);
    t0 = mono_ns();
    long revoked = rec_wait(&rec, 0, ZKELECT_EV_REVOKED, mark, 5 * SEC);
    int64_t revoked_ms = ms_since(t0);
    CU_ASSERT_FATAL(revoked >= 0);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)revoked).reason, ZKELECT_REASON_LEASE_EXPIRED);
    CU_ASSERT(revoked_ms <= 4000 + 300);
    while (ms_since(t0) < 5000)
        poll_pause();
    proxy_set_mode(proxy, PROXY_PASS);
    long again = rec_wait(&rec, 0, ZKELECT_EV_ELECTED, mark, 10 * SEC);
    CU_ASSERT_FATAL(again >= 0);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)again).epoch, epoch);
    CU_ASSERT_EQUAL(rec_tally(&rec, 1, ZKELECT_EV_ELECTED, mark), 0);
    printf("\n    5 s blip: revoked at %lld ms (lease %d ms), re-elected with the same epoch ", (long long)revoked_ms,
           zkelect_session_timeout(ps[0].e) * 2 / 3);
    assert_no_two_leaders(&rec);
    destroy_all(ps, 2);
    proxy_stop(proxy);
}

static sem_t unblock;

static void block_in_elected(participant_t *pt, const zkelect_event_t *ev)
{
    (void)pt;
    if (ev->type != ZKELECT_EV_ELECTED)
        return;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 20;
    sem_timedwait(&unblock, &until); /* the host is stuck, until the test lets it go */
}

/* Scenario 3, last part (F28): a leader whose callback thread is blocked
 * still stops leading at its deadline when cut off. */
static void test_blocked_host_still_loses_lease(void)
{
    const char *p = test_election(&rec, "blocked-host");
    sem_init(&unblock, 0, 0);
    proxy_t *proxy = proxy_start(server.port);
    CU_ASSERT_PTR_NOT_NULL_FATAL(proxy);
    static participant_t a;
    CU_ASSERT_EQUAL_FATAL(participant_new(&a, 0, &rec, proxy_hosts(proxy), p), 0);
    a.hook = block_in_elected;
    zkelect_set_session_timeout(a.e, 3000);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(a.e), ZKELECT_OK);
    CU_ASSERT_FATAL(rec_wait(&rec, 0, ZKELECT_EV_ELECTED, 0, 10 * SEC) >= 0);
    /* the callback now blocks; the lease is renewed all the same */
    int64_t t0 = mono_ns();
    while (ms_since(t0) < 2500) {
        CU_ASSERT_EQUAL(zkelect_is_leader(a.e), 1);
        poll_pause();
    }
    proxy_set_mode(proxy, PROXY_BLACKHOLE);
    t0 = mono_ns();
    while (zkelect_is_leader(a.e) && ms_since(t0) < 5000)
        poll_pause();
    int64_t lost_ms = ms_since(t0);
    CU_ASSERT_EQUAL(zkelect_is_leader(a.e), 0);
    CU_ASSERT(lost_ms <= 2000 + 100);
    printf("\n    blocked host: is_leader() false %lld ms after the cut (lease 2000 ms) ", (long long)lost_ms);
    sem_post(&unblock);
    CU_ASSERT(rec_wait(&rec, 0, ZKELECT_EV_REVOKED, 0, 5 * SEC) >= 0);
    proxy_set_mode(proxy, PROXY_PASS);
    assert_no_two_leaders(&rec);
    participant_destroy(&a);
    proxy_stop(proxy);
    sem_destroy(&unblock);
}

/* A leader under the lease policy keeps leading while disconnected, until its
 * deadline. Meanwhile the library must stay idle and responsive: no renewal
 * can be sent, and a renewal that falls due must not turn into a busy loop
 * (it once did, starving every other call of the handle's lock). */
static void test_lease_leader_disconnected_stays_idle(void)
{
    const char *p = test_election(&rec, "lease-disconnected");
    proxy_t *proxy = proxy_start(server.port);
    CU_ASSERT_PTR_NOT_NULL_FATAL(proxy);
    static participant_t a;
    CU_ASSERT_EQUAL_FATAL(participant_start_with(&a, 0, &rec, proxy_hosts(proxy), p, 9000, ZKELECT_POLICY_LEASE), 0);
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_leader(a.e, 10 * SEC), ZKELECT_OK);
    proxy_set_mode(proxy, PROXY_REFUSE); /* disconnected at once; the lease runs 6 s */
    double cpu0 = cpu_seconds();
    int64_t t0 = mono_ns(), slowest = 0;
    while (ms_since(t0) < 4000) {
        int64_t c0 = mono_ns();
        char node[512];
        CU_ASSERT_EQUAL(zkelect_node_path(a.e, node, sizeof node), ZKELECT_OK);
        if (mono_ns() - c0 > slowest)
            slowest = mono_ns() - c0;
        CU_ASSERT_EQUAL(zkelect_is_leader(a.e), 1);
        poll_pause();
    }
    double busy = (cpu_seconds() - cpu0) / 4.0;
    printf("\n    disconnected lease leader: %.1f%% CPU, slowest call %lld us ", busy * 100,
           (long long)(slowest / 1000));
    CU_ASSERT(busy < 0.2);
    CU_ASSERT(slowest < 50 * NS_PER_MS);
    proxy_set_mode(proxy, PROXY_PASS);
    assert_no_two_leaders(&rec);
    participant_destroy(&a);
    proxy_stop(proxy);
}

/* F16: latency. A moderate one keeps leadership without flapping; one
 * longer than the lease can cover makes the leader stop, and it does not
 * claim leadership again while replies come too late to grant a lease. */
static void test_high_latency(void)
{
    const char *p = test_election(&rec, "latency");
    proxy_t *proxy = proxy_start(server.port);
    CU_ASSERT_PTR_NOT_NULL_FATAL(proxy);
    proxy_set_delay(proxy, 40);
    proxy_set_mode(proxy, PROXY_DELAY);
    static participant_t a;
    CU_ASSERT_EQUAL_FATAL(participant_start_with(&a, 0, &rec, proxy_hosts(proxy), p, 3000, ZKELECT_POLICY_LEASE), 0);
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_leader(a.e, 10 * SEC), ZKELECT_OK);
    /* the ELECTED callback may still be on its way when wait_leader returns */
    CU_ASSERT_FATAL(rec_wait(&rec, 0, ZKELECT_EV_ELECTED, 0, 5 * SEC) >= 0);
    size_t mark = rec_count(&rec);
    int64_t t0 = mono_ns();
    while (ms_since(t0) < 3000) {
        CU_ASSERT_EQUAL(zkelect_is_leader(a.e), 1);
        poll_pause();
    }
    CU_ASSERT_EQUAL(rec_count(&rec), mark); /* 80 ms round trips: no flapping */
    /* 2.6 s round trips against a 2 s lease */
    proxy_set_delay(proxy, 1300);
    t0 = mono_ns();
    long revoked = rec_wait(&rec, 0, ZKELECT_EV_REVOKED, mark, 5 * SEC);
    CU_ASSERT_FATAL(revoked >= 0);
    CU_ASSERT(ms_since(t0) <= 2000 + 1300 + 300);
    size_t after = rec_count(&rec);
    t0 = mono_ns();
    while (ms_since(t0) < 4000) {
        CU_ASSERT_EQUAL(zkelect_is_leader(a.e), 0);
        poll_pause();
    }
    CU_ASSERT_EQUAL(rec_tally(&rec, 0, ZKELECT_EV_ELECTED, after), 0);
    proxy_set_mode(proxy, PROXY_PASS);
    CU_ASSERT_EQUAL(zkelect_wait_leader(a.e, 15 * SEC), ZKELECT_OK);
    assert_no_two_leaders(&rec);
    participant_destroy(&a);
    proxy_stop(proxy);
}

/* F15: the leader's requests reach the server, the replies never come back.
 * The server keeps its session alive, so nobody else may lead; the leader
 * itself stops at its deadline. */
static void test_replies_dropped(void)
{
    const char *p = test_election(&rec, "replies-dropped");
    proxy_t *proxy = proxy_start(server.port);
    CU_ASSERT_PTR_NOT_NULL_FATAL(proxy);
    static participant_t ps[2];
    CU_ASSERT_EQUAL_FATAL(participant_start_with(&ps[0], 0, &rec, proxy_hosts(proxy), p, 3000, ZKELECT_POLICY_LEASE), 0);
    CU_ASSERT_EQUAL_FATAL(participant_start_with(&ps[1], 1, &rec, server.hosts, p, 3000, ZKELECT_POLICY_LEASE), 0);
    CU_ASSERT_EQUAL_FATAL(wait_single_leader(ps, 2, 10 * SEC), 0);
    size_t mark = rec_count(&rec);
    int64_t t0 = mono_ns();
    proxy_set_mode(proxy, PROXY_DROP_REPLIES);
    long revoked = rec_wait(&rec, 0, ZKELECT_EV_REVOKED, mark, 5 * SEC);
    CU_ASSERT_FATAL(revoked >= 0);
    CU_ASSERT(ms_since(t0) <= 2000 + 300);
    printf("\n    replies dropped: leader revoked after %lld ms ", (long long)ms_since(t0));
    proxy_set_mode(proxy, PROXY_PASS);
    CU_ASSERT(wait_single_leader(ps, 2, 15 * SEC) >= 0);
    assert_no_two_leaders(&rec);
    destroy_all(ps, 2);
    proxy_stop(proxy);
}

/* F18: a create whose reply was lost, and the session expires before the
 * client gets back: the node found later belongs to a dead session and is
 * gone with it; the participant joins anew, with exactly one node. */
static void test_lost_create_then_expiry(void)
{
    const char *p = test_election(&rec, "lost-create-expired");
    CU_ASSERT_EQUAL_FATAL(zk_make_path(admin, p, 0), ZOK);
    proxy_t *proxy = proxy_start(server.port);
    CU_ASSERT_PTR_NOT_NULL_FATAL(proxy);
    proxy_set_mode(proxy, PROXY_LOSE_CREATE_THEN_REFUSE);
    static participant_t a;
    CU_ASSERT_EQUAL_FATAL(participant_new(&a, 0, &rec, proxy_hosts(proxy), p), 0);
    zkelect_set_session_timeout(a.e, 2000);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(a.e), ZKELECT_OK);
    WAIT_FOR(proxy_creates_lost(proxy) != 0, 10 * SEC);
    CU_ASSERT_EQUAL_FATAL(proxy_creates_lost(proxy), 1);
    /* the orphan exists until the server expires the session */
    WAIT_FOR(zk_child_count(admin, p) == 0, 10 * SEC);
    CU_ASSERT_EQUAL(zk_child_count(admin, p), 0);
    proxy_set_mode(proxy, PROXY_PASS);
    CU_ASSERT_EQUAL(zkelect_wait_leader(a.e, 15 * SEC), ZKELECT_OK);
    CU_ASSERT_EQUAL(zk_child_count(admin, p), 1);
    assert_no_two_leaders(&rec);
    participant_destroy(&a);
    proxy_stop(proxy);
}

int main(void)
{
    static const CU_TestInfo tests[] = {
        TEST(test_leader_connection_reset),
        TEST(test_blips_under_lease_policy),
        TEST(test_blocked_host_still_loses_lease),
        TEST(test_lease_leader_disconnected_stays_idle),
        TEST(test_high_latency),
        TEST(test_replies_dropped),
        TEST(test_lost_create_then_expiry),
        CU_TEST_INFO_NULL,
    };
    return run_server_suite("faults, network", &server, &admin, &rec, tests);
}
