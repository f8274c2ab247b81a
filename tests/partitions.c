/* partitions.c - the lease and partitions: a leader stops leading by its lease
 * deadline when ZooKeeper stops answering, before anyone else can lead;
 * lost replies, a leader cut off, a node deleted under its owner
 *
 * One standalone server for the program; every test has its own election
 * path. All waits are on conditions with deadlines. */
#include "harness.h"
#include "proxy.h"

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zookeeper/zookeeper.h>

#define NS_PER_MS 1000000LL

static zk_server_t server;
static void *admin; /* a plain handle to look at the tree */
static recorder_t rec;

/* ----------------------------------------------------------- the lease */

static void lease_through_server_pause(int policy, const char *name)
{
    const char *p = test_election(&rec, name);
    static participant_t ps[2];
    for (int i = 0; i < 2; i++) {
        size_t mark = rec_count(&rec);
        CU_ASSERT_EQUAL_FATAL(participant_new(&ps[i], i, &rec, server.hosts, p), ZKELECT_OK);
        zkelect_set_disconnect_policy(ps[i].e, policy);
        CU_ASSERT_EQUAL_FATAL(zkelect_start(ps[i].e), ZKELECT_OK);
        CU_ASSERT_FATAL(rec_wait(&rec, i, ZKELECT_EV_JOINED, mark, 10 * SEC) >= 0);
    }
    CU_ASSERT_EQUAL_FATAL(wait_single_leader(ps, 2, 10 * SEC), 0);
    int64_t epoch = zkelect_epoch(ps[0].e);
    int64_t deadline_ns;
    CU_ASSERT_EQUAL(zkelect_lease_deadline(ps[0].e, &deadline_ns), ZKELECT_OK);
    size_t mark = rec_count(&rec);
    /* The whole server stops answering for less than T (4 s): the lease
     * (2/3 T) lapses, the session does not expire. */
    zk_server_pause(&server, true);
    int64_t paused_at = mono_ns();
    long revoked = rec_wait(&rec, 0, ZKELECT_EV_REVOKED, mark, 4 * SEC);
    int64_t revoked_after = mono_ns() - paused_at;
    CU_ASSERT_EQUAL(zkelect_is_leader(ps[0].e), 0);
    zk_server_pause(&server, false);
    CU_ASSERT_FATAL(revoked >= 0);
    /* never later than the lease: 2/3 of 4 s plus scheduling slack */
    CU_ASSERT(revoked_after < 3200 * NS_PER_MS);
    int reason = rec_get(&rec, (size_t)revoked).reason;
    if (policy == ZKELECT_POLICY_LEASE) {
        CU_ASSERT_EQUAL(reason, ZKELECT_REASON_LEASE_EXPIRED);
    } else {
        CU_ASSERT(reason == ZKELECT_REASON_LEASE_EXPIRED || reason == ZKELECT_REASON_SUSPENDED);
    }
    /* same session, same node: the same leader comes back with the same epoch */
    long again = rec_wait(&rec, 0, ZKELECT_EV_ELECTED, (size_t)revoked, 10 * SEC);
    CU_ASSERT_FATAL(again >= 0);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)again).epoch, epoch);
    CU_ASSERT_EQUAL(rec_tally(&rec, 1, ZKELECT_EV_ELECTED, mark), 0);
    CU_ASSERT_EQUAL(wait_single_leader(ps, 2, 5 * SEC), 0);
    destroy_all(ps, 2);
}

static void test_lease_lapses_when_server_pauses_strict(void)
{
    lease_through_server_pause(ZKELECT_POLICY_STRICT, "lease-strict");
}

static void test_lease_lapses_when_server_pauses_lease(void)
{
    lease_through_server_pause(ZKELECT_POLICY_LEASE, "lease-lease");
}

/* ---------------------------------------------------------- partitions */

static void test_lost_create_reply_adopts_node(void)
{
    const char *p = test_election(&rec, "lost-create");
    /* the path exists, so that the first create is the participant's own */
    CU_ASSERT_EQUAL_FATAL(zk_make_path(admin, p, 0), ZOK);
    proxy_t *proxy = proxy_start(server.port);
    CU_ASSERT_PTR_NOT_NULL_FATAL(proxy);
    proxy_set_mode(proxy, PROXY_LOSE_CREATE);
    static participant_t a;
    CU_ASSERT_EQUAL_FATAL(participant_start(&a, 0, &rec, proxy_hosts(proxy), p), ZKELECT_OK);
    /* the create happened, its reply was lost, the connection dropped; on
     * reconnection the node is found by its token and adopted */
    CU_ASSERT_EQUAL(zkelect_wait_leader(a.e, 15 * SEC), ZKELECT_OK);
    CU_ASSERT(rec_wait(&rec, 0, ZKELECT_EV_ELECTED, 0, 5 * SEC) >= 0); /* callbacks delivered */
    CU_ASSERT_EQUAL(proxy_creates_lost(proxy), 1);
    CU_ASSERT_EQUAL(zk_child_count(admin, p), 1);
    CU_ASSERT_EQUAL(rec_tally(&rec, 0, ZKELECT_EV_JOINED, 0), 1);
    char node[512];
    CU_ASSERT_EQUAL(zkelect_node_path(a.e, node, sizeof node), ZKELECT_OK);
    CU_ASSERT(zkelect_epoch(a.e) > 0);
    participant_destroy(&a);
    CU_ASSERT_EQUAL(zk_child_count(admin, p), 0);
    proxy_stop(proxy);
}

/* What the leader's REVOKED said of its successor, and when the successor
 * was elected, on the lease clock. */
typedef struct successor_bound {
    atomic_llong not_before_ns, revoked_ns, elected_ns;
    atomic_llong stop_now_ns;   /* when p0's STOP_NOW came */
} successor_bound_t;

/* The hook runs after the recorder saw the event: wait for it too. */
static int64_t wait_set(atomic_llong *v)
{
    WAIT_FOR(atomic_load(v) != 0, 5 * SEC);
    return atomic_load(v);
}

static void bound_hook(participant_t *pt, const zkelect_event_t *ev)
{
    successor_bound_t *b = pt->hook_arg;
    if (ev->type == ZKELECT_EV_REVOKED && atomic_load(&b->revoked_ns) == 0) {
        atomic_store(&b->not_before_ns, ev->successor_not_before_ns);
        atomic_store(&b->revoked_ns, boot_ns());
    } else if (ev->type == ZKELECT_EV_ELECTED && pt->idx == 1 && atomic_load(&b->elected_ns) == 0) {
        atomic_store(&b->elected_ns, boot_ns());
    } else if (ev->type == ZKELECT_EV_STOP_NOW && atomic_load(&b->stop_now_ns) == 0) {
        atomic_store(&b->stop_now_ns, boot_ns());
    }
}

static void test_partitioned_leader_revokes_before_successor(void)
{
    const char *p = test_election(&rec, "partition");
    proxy_t *proxy = proxy_start(server.port);
    CU_ASSERT_PTR_NOT_NULL_FATAL(proxy);
    static participant_t ps[2];
    /* The hooks are set before the start: the dispatch thread reads them. */
    static successor_bound_t bound;
    atomic_store(&bound.not_before_ns, 0);
    atomic_store(&bound.revoked_ns, 0);
    atomic_store(&bound.elected_ns, 0);
    const char *hosts[2] = {proxy_hosts(proxy), server.hosts};
    for (int i = 0; i < 2; i++) {
        size_t mark = rec_count(&rec);
        CU_ASSERT_EQUAL_FATAL(participant_new(&ps[i], i, &rec, hosts[i], p), ZKELECT_OK);
        ps[i].hook_arg = &bound;
        ps[i].hook = bound_hook;
        CU_ASSERT_EQUAL_FATAL(zkelect_start(ps[i].e), ZKELECT_OK);
        CU_ASSERT_FATAL(rec_wait(&rec, i, ZKELECT_EV_JOINED, mark, 10 * SEC) >= 0);
    }
    CU_ASSERT_EQUAL_FATAL(wait_single_leader(ps, 2, 10 * SEC), 0);
    int64_t epoch0 = zkelect_epoch(ps[0].e);
    size_t mark;
    mark = rec_count(&rec);
    /* silence, no reset: the leader must stop by its lease deadline, before
     * the server can expire its session and elect p1 */
    int64_t cut = mono_ns();
    proxy_set_mode(proxy, PROXY_BLACKHOLE);
    long revoked = rec_wait(&rec, 0, ZKELECT_EV_REVOKED, mark, 10 * SEC);
    long elected = rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 15 * SEC);
    CU_ASSERT_FATAL(revoked >= 0 && elected >= 0);
    rec_event_t r = rec_get(&rec, (size_t)revoked), el = rec_get(&rec, (size_t)elected);
    int t_ms = zkelect_session_timeout(ps[1].e);
    printf("\n    cut -> revoked %lld ms, cut -> successor elected %lld ms (T = %d ms) ",
           (long long)((r.t_ns - cut) / NS_PER_MS), (long long)((el.t_ns - cut) / NS_PER_MS), t_ms);
    CU_ASSERT(r.t_ns < el.t_ns);
    CU_ASSERT(r.t_ns - cut <= (int64_t)t_ms * 2 / 3 * NS_PER_MS + 300 * NS_PER_MS);
    /* The bound REVOKED announced held: in the future when delivered, at
     * most T away, and the successor came after it. */
    int64_t revoked_ns = wait_set(&bound.revoked_ns), elected_ns = wait_set(&bound.elected_ns);
    int64_t not_before_ns = atomic_load(&bound.not_before_ns);
    printf("successor bound %lld ms after the revoke, successor %lld ms after the bound ",
           (long long)((not_before_ns - revoked_ns) / NS_PER_MS), (long long)((elected_ns - not_before_ns) / NS_PER_MS));
    CU_ASSERT(revoked_ns > 0 && elected_ns > 0);
    CU_ASSERT(not_before_ns > revoked_ns);
    CU_ASSERT(not_before_ns - revoked_ns <= (int64_t)t_ms * NS_PER_MS);
    CU_ASSERT(elected_ns >= not_before_ns);
    CU_ASSERT(el.epoch > epoch0);
    CU_ASSERT_EQUAL(leader_count(ps, 2), 1);
    /* heal: the old leader learns its session expired and rejoins behind */
    mark = rec_count(&rec);
    proxy_set_mode(proxy, PROXY_PASS);
    CU_ASSERT(rec_wait(&rec, 0, ZKELECT_EV_JOINED, mark, 15 * SEC) >= 0);
    CU_ASSERT_EQUAL(zkelect_is_leader(ps[1].e), 1);
    CU_ASSERT_EQUAL(zkelect_is_leader(ps[0].e), 0);
    CU_ASSERT_EQUAL(rec_tally(&rec, 0, ZKELECT_EV_ELECTED, mark), 0);
    /* the bound held: nothing to take back */
    CU_ASSERT_EQUAL(rec_tally(&rec, 0, ZKELECT_EV_STOP_NOW, 0), 0);
    destroy_all(ps, 2);
    proxy_stop(proxy);
}

/* A5 broken while the leader cannot hear: cut off, it revokes at its lease
 * end and promises that no successor leads before a + T; an operator then
 * deletes its node, and a successor leads at once. The old leader hears of
 * the deletion when its link returns, before that bound: STOP_NOW tells its
 * host to stop what still runs for the term now, not at the bound. */
static void test_node_deleted_while_cut_off_says_stop_now(void)
{
    const char *p = test_election(&rec, "stop-now");
    proxy_t *proxy = proxy_start(server.port);
    CU_ASSERT_PTR_NOT_NULL_FATAL(proxy);
    static participant_t ps[2];
    static successor_bound_t bound;
    atomic_store(&bound.not_before_ns, 0);
    atomic_store(&bound.revoked_ns, 0);
    atomic_store(&bound.elected_ns, 0);
    atomic_store(&bound.stop_now_ns, 0);
    const char *hosts[2] = {proxy_hosts(proxy), server.hosts};
    for (int i = 0; i < 2; i++) {
        size_t mark = rec_count(&rec);
        CU_ASSERT_EQUAL_FATAL(participant_new(&ps[i], i, &rec, hosts[i], p), ZKELECT_OK);
        ps[i].hook_arg = &bound;
        ps[i].hook = bound_hook;
        /* T = 9 s: the bound lies T/3 after the lease's end, room enough to
         * delete, reconnect and hear */
        CU_ASSERT_EQUAL(zkelect_set_session_timeout(ps[i].e, 9000), ZKELECT_OK);
        CU_ASSERT_EQUAL_FATAL(zkelect_start(ps[i].e), ZKELECT_OK);
        CU_ASSERT_FATAL(rec_wait(&rec, i, ZKELECT_EV_JOINED, mark, 10 * SEC) >= 0);
    }
    CU_ASSERT_EQUAL_FATAL(wait_single_leader(ps, 2, 10 * SEC), 0);
    int64_t epoch0 = zkelect_epoch(ps[0].e);
    char node[512];
    CU_ASSERT_EQUAL_FATAL(zkelect_node_path(ps[0].e, node, sizeof node), ZKELECT_OK);
    size_t mark = rec_count(&rec);
    proxy_set_mode(proxy, PROXY_BLACKHOLE);
    long revoked = rec_wait(&rec, 0, ZKELECT_EV_REVOKED, mark, 15 * SEC);
    CU_ASSERT_FATAL(revoked >= 0);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)revoked).reason, ZKELECT_REASON_LEASE_EXPIRED);
    int64_t not_before_ns = wait_set(&bound.not_before_ns);
    CU_ASSERT_FATAL(not_before_ns > boot_ns());
    CU_ASSERT_EQUAL(zoo_delete(admin, node, -1), ZOK);
    CU_ASSERT_FATAL(rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 5 * SEC) >= 0);
    CU_ASSERT(wait_set(&bound.elected_ns) < not_before_ns); /* A5 broken: the bound is void */
    /* the link comes back at once: closed, then open again */
    proxy_set_mode(proxy, PROXY_REFUSE);
    proxy_set_mode(proxy, PROXY_PASS);
    long stop = rec_wait(&rec, 0, ZKELECT_EV_STOP_NOW, mark, 10 * SEC);
    CU_ASSERT_FATAL(stop >= 0);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)stop).reason, ZKELECT_REASON_NODE_DELETED);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)stop).epoch, epoch0);
    int64_t stop_ns = wait_set(&bound.stop_now_ns);
    printf("\n    STOP_NOW %lld ms before the bound REVOKED gave ", (long long)((not_before_ns - stop_ns) / NS_PER_MS));
    CU_ASSERT(stop_ns < not_before_ns);
    CU_ASSERT_STRING_EQUAL(zkelect_event_name(ZKELECT_EV_STOP_NOW), "STOP_NOW");
    /* once per term; it rejoins behind the new leader */
    CU_ASSERT(rec_wait(&rec, 0, ZKELECT_EV_JOINED, mark, 10 * SEC) >= 0);
    CU_ASSERT_EQUAL(rec_tally(&rec, 0, ZKELECT_EV_STOP_NOW, mark), 1);
    CU_ASSERT_EQUAL(wait_single_leader(ps, 2, 5 * SEC), 1);
    destroy_all(ps, 2);
    proxy_stop(proxy);
}

static void test_leader_node_deleted_by_operator(void)
{
    const char *p = test_election(&rec, "node-deleted");
    static participant_t ps[2];
    start_all(ps, 2, &rec, server.hosts, p);
    CU_ASSERT_EQUAL_FATAL(wait_single_leader(ps, 2, 10 * SEC), 0);
    int64_t epoch0 = zkelect_epoch(ps[0].e);
    char node[512];
    CU_ASSERT_EQUAL_FATAL(zkelect_node_path(ps[0].e, node, sizeof node), ZKELECT_OK);
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL(zoo_delete(admin, node, -1), ZOK);
    long revoked = rec_wait(&rec, 0, ZKELECT_EV_REVOKED, mark, 5 * SEC);
    CU_ASSERT_FATAL(revoked >= 0);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)revoked).reason, ZKELECT_REASON_NODE_DELETED);
    CU_ASSERT(rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 5 * SEC) >= 0);
    /* it rejoins by itself, behind the new leader, with a new node */
    CU_ASSERT(rec_wait(&rec, 0, ZKELECT_EV_JOINED, mark, 5 * SEC) >= 0);
    CU_ASSERT_EQUAL(wait_single_leader(ps, 2, 5 * SEC), 1);
    CU_ASSERT(zkelect_epoch(ps[1].e) > epoch0);
    char again[512];
    CU_ASSERT_EQUAL(zkelect_node_path(ps[0].e, again, sizeof again), ZKELECT_OK);
    CU_ASSERT(strcmp(node, again) != 0);
    destroy_all(ps, 2);
}

/* An operator deletes the election path with everything in it, in one
 * transaction (ZooKeeper's deleteall). The leader hears of its node's
 * deletion from its own watch, in the same batch of notifications as the
 * one its successor acts on: the two-leader window (assumption A5 broken)
 * is the gap between two notifications, not the wait for a lease renewal
 * (T/4 = 2.5 s here). Everybody rejoins on the path re-created, and the
 * next leader's epoch is higher. */
static void test_election_path_deleted_leader_revokes_at_once(void)
{
    const char *p = test_election(&rec, "path-deleted");
    static participant_t ps[3];
    start_all(ps, 3, &rec, server.hosts, p);
    CU_ASSERT_EQUAL_FATAL(wait_single_leader(ps, 3, 10 * SEC), 0);
    int64_t epoch0 = zkelect_epoch(ps[0].e);
    size_t mark = rec_count(&rec);
    int64_t t0 = mono_ns();
    CU_ASSERT_EQUAL_FATAL(zk_delete_children_and_path(admin, p), ZOK);
    long revoked = rec_wait(&rec, 0, ZKELECT_EV_REVOKED, mark, 5 * SEC);
    CU_ASSERT_FATAL(revoked >= 0);
    rec_event_t r = rec_get(&rec, (size_t)revoked);
    CU_ASSERT_EQUAL(r.reason, ZKELECT_REASON_NODE_DELETED);
    /* The overlap: another participant's term that began before this REVOKED. */
    int64_t overlap = 0;
    for (size_t i = mark; i < (size_t)revoked; i++) {
        rec_event_t ev = rec_get(&rec, i);
        if (ev.type == ZKELECT_EV_ELECTED && ev.who != 0 && r.t_ns - ev.t_ns > overlap)
            overlap = r.t_ns - ev.t_ns;
    }
    printf("\n    leader revoked %.1f ms after the deletion, two leaders for %.3f ms ",
           (double)(r.t_ns - t0) / 1e6, (double)overlap / 1e6);
    CU_ASSERT(r.t_ns - t0 < 500 * NS_PER_MS);
    CU_ASSERT(overlap < 200 * NS_PER_MS);
    for (int i = 0; i < 3; i++)
        CU_ASSERT(rec_wait(&rec, i, ZKELECT_EV_JOINED, mark, 10 * SEC) >= 0);
    int leader = wait_single_leader(ps, 3, 10 * SEC);
    CU_ASSERT_FATAL(leader >= 0);
    CU_ASSERT(zkelect_epoch(ps[leader].e) > epoch0);
    destroy_all(ps, 3);
}

static void test_destroy_while_partitioned_does_not_hang(void)
{
    const char *p = test_election(&rec, "destroy-partitioned");
    proxy_t *proxy = proxy_start(server.port);
    CU_ASSERT_PTR_NOT_NULL_FATAL(proxy);
    static participant_t a;
    CU_ASSERT_EQUAL_FATAL(participant_start(&a, 0, &rec, proxy_hosts(proxy), p), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_leader(a.e, 10 * SEC), ZKELECT_OK);
    proxy_set_mode(proxy, PROXY_BLACKHOLE);
    size_t mark = rec_count(&rec);
    int64_t t0 = mono_ns();
    participant_destroy(&a);
    int64_t took = mono_ns() - t0;
    printf("\n    destroy while partitioned took %lld ms ", (long long)(took / NS_PER_MS));
    /* bounded by the client's own wait for the close to be sent */
    CU_ASSERT(took < 5000 * NS_PER_MS);
    CU_ASSERT_EQUAL(rec_tally(&rec, 0, ZKELECT_EV_REVOKED, mark), 1);
    proxy_stop(proxy);
    /* the node goes with the session, T after the partition began */
    WAIT_FOR(zk_child_count(admin, p) <= 0, 10 * SEC);
    CU_ASSERT_EQUAL(zk_child_count(admin, p), 0);
}

/* F22: the predecessor leaves while its successor is cut off; on
 * reconnection within the session the successor learns it and leads, once. */
static void test_predecessor_left_while_disconnected(void)
{
    const char *p = test_election(&rec, "left-while-away");
    proxy_t *proxy = proxy_start(server.port);
    CU_ASSERT_PTR_NOT_NULL_FATAL(proxy);
    static participant_t ps[2];
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL_FATAL(participant_start(&ps[0], 0, &rec, server.hosts, p), ZKELECT_OK);
    CU_ASSERT_FATAL(rec_wait(&rec, 0, ZKELECT_EV_JOINED, mark, 10 * SEC) >= 0);
    mark = rec_count(&rec);
    CU_ASSERT_EQUAL_FATAL(participant_new(&ps[1], 1, &rec, proxy_hosts(proxy), p), ZKELECT_OK);
    zkelect_set_session_timeout(ps[1].e, 8000);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(ps[1].e), ZKELECT_OK);
    CU_ASSERT_FATAL(rec_wait(&rec, 1, ZKELECT_EV_JOINED, mark, 10 * SEC) >= 0);
    CU_ASSERT_EQUAL_FATAL(wait_single_leader(ps, 2, 10 * SEC), 0);
    mark = rec_count(&rec);
    proxy_set_mode(proxy, PROXY_REFUSE);
    participant_destroy(&ps[0]);
    /* while cut off, p1 cannot know */
    int64_t t0 = mono_ns();
    while (mono_ns() - t0 < 1000 * NS_PER_MS) {
        CU_ASSERT_EQUAL(zkelect_is_leader(ps[1].e), 0);
        poll_pause();
    }
    proxy_set_mode(proxy, PROXY_PASS);
    CU_ASSERT(rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 10 * SEC) >= 0);
    observe_for(500);
    CU_ASSERT_EQUAL(rec_tally(&rec, 1, ZKELECT_EV_ELECTED, mark), 1);
    CU_ASSERT_EQUAL(rec_tally(&rec, 1, ZKELECT_EV_JOINED, mark), 0); /* same session, same node */
    participant_destroy(&ps[1]);
    proxy_stop(proxy);
}

int main(void)
{
    static const CU_TestInfo tests[] = {
        TEST(test_lease_lapses_when_server_pauses_strict),
        TEST(test_lease_lapses_when_server_pauses_lease),
        TEST(test_lost_create_reply_adopts_node),
        TEST(test_partitioned_leader_revokes_before_successor),
        TEST(test_predecessor_left_while_disconnected),
        TEST(test_leader_node_deleted_by_operator),
        TEST(test_node_deleted_while_cut_off_says_stop_now),
        TEST(test_election_path_deleted_leader_revokes_at_once),
        TEST(test_destroy_while_partitioned_does_not_hang),
        CU_TEST_INFO_NULL,
    };
    return run_server_suite("lease and partitions", &server, &admin, &rec, tests);
}
