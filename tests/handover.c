/* handover.c - the fast path of a failover: the next in line takes over on the
 * notification alone, and a leader that leaves hands over to whoever is
 * next, however far back, in the one write that removes its node
 *
 * One standalone server for the program; every test has its own election
 * path. All waits are on conditions with deadlines. */
#include "harness.h"
#include "inspect.h"
#include "proxy.h"

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zookeeper/zookeeper.h>

#define NS_PER_MS 1000000LL

static zk_server_t server;
static void *admin; /* a plain handle to look at the tree */
static recorder_t rec;

/* ------------------------------------------------------- the fast path */

static size_t ahead_count(zkelect_t *e)
{
    return inspect_line(e).ahead;
}

/* Next in line, with its own node watched and the predecessor watched:
 * ready to take over without a round trip. */
static bool on_standby(zkelect_t *e)
{
    inspect_line_t l = inspect_line(e);
    return l.watching && l.ahead == 1 && l.own_watched;
}

static bool wait_watching(zkelect_t *e)
{
    WAIT_FOR(inspect_line(e).watching, 5 * SEC);
    return inspect_line(e).watching;
}

static bool wait_standby(zkelect_t *e)
{
    WAIT_FOR(on_standby(e), 5 * SEC);
    return on_standby(e);
}

/* p0 leading, p1 ready to take over, each of the others watching: its
 * phase says so from the moment the watching read is sent, its PLACE only
 * once the read is answered and the watch set, so both are waited for (a
 * write the server takes before the watch is set would go unseen). */
static void wait_in_line(participant_t *ps, int n)
{
    CU_ASSERT_EQUAL_FATAL(wait_single_leader(ps, n, 10 * SEC), 0);
    CU_ASSERT_FATAL(wait_standby(ps[1].e));
    for (int i = 2; i < n; i++)
        CU_ASSERT_FATAL(wait_watching(ps[i].e));
    for (int i = 1; i < n; i++)
        CU_ASSERT_FATAL(rec_wait(&rec, i, ZKELECT_EV_PLACE, 0, 5 * SEC) >= 0);
}

/* n participants in line: p0 leading, p1 next in line and ready to take over
 * (see on_standby), the others watching their predecessors. */
static void line_up(participant_t *ps, int n, const char *p)
{
    start_all(ps, n, &rec, server.hosts, p);
    wait_in_line(ps, n);
}

static void test_second_in_line_takes_over_without_listing(void)
{
    const char *p = test_election(&rec, "quick-takeover");
    static participant_t ps[3];
    line_up(ps, 3, p);
    inspect_requests_t before = inspect_requests(ps[1].e), third = inspect_requests(ps[2].e);
    size_t mark = rec_count(&rec);
    participant_destroy(&ps[0]);
    CU_ASSERT_FATAL(rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 5 * SEC) >= 0);
    inspect_requests_t after = inspect_requests(ps[1].e);
    /* One notification, no listing, no ownership read: elected by the
     * notification alone. */
    CU_ASSERT_EQUAL(after.quick_takeovers, before.quick_takeovers + 1);
    CU_ASSERT_EQUAL(after.lists, before.lists);
    CU_ASSERT_EQUAL(leader_count(ps + 1, 2), 1);
    CU_ASSERT_EQUAL(zkelect_is_leader(ps[1].e), 1);
    /* The third was not woken and sent nothing. */
    CU_ASSERT_EQUAL(inspect_requests(ps[2].e).reads, third.reads);
    participant_destroy(&ps[1]);
    participant_destroy(&ps[2]);
}

static void test_further_back_relists_and_rewatches(void)
{
    const char *p = test_election(&rec, "relist");
    static participant_t ps[3];
    /* p2 waits behind p1 with two contenders ahead: when p1 leaves it must
     * list again (p0 may still be there, and is) and watch p0. */
    line_up(ps, 3, p);
    inspect_requests_t before = inspect_requests(ps[2].e);
    size_t left = rec_count(&rec);
    participant_destroy(&ps[1]);
    CU_ASSERT_FATAL(wait_standby(ps[2].e));
    /* Its phase says standby from the moment the watching read is sent; its
     * PLACE only once the watch is set: a departure before that is seen by
     * the read (the node gone), not by the watch, and takes the slow path. */
    long place = rec_wait(&rec, 2, ZKELECT_EV_PLACE, left, 5 * SEC);
    CU_ASSERT_FATAL(place >= 0);
    CU_ASSERT_STRING_EQUAL(rec_get(&rec, (size_t)place).other, "p0");
    inspect_requests_t after = inspect_requests(ps[2].e);
    CU_ASSERT_EQUAL(after.lists, before.lists + 1);
    CU_ASSERT_EQUAL(after.quick_takeovers, before.quick_takeovers);
    CU_ASSERT_EQUAL(zkelect_is_leader(ps[2].e), 0);
    CU_ASSERT_EQUAL(zkelect_is_leader(ps[0].e), 1);
    CU_ASSERT(inspect_watches(ps[2].e, ps[0].e));
    /* Now second in line: the next departure is taken over at once. */
    before = inspect_requests(ps[2].e);
    size_t mark = rec_count(&rec);
    participant_destroy(&ps[0]);
    CU_ASSERT_FATAL(rec_wait(&rec, 2, ZKELECT_EV_ELECTED, mark, 5 * SEC) >= 0);
    after = inspect_requests(ps[2].e);
    CU_ASSERT_EQUAL(after.quick_takeovers, before.quick_takeovers + 1);
    CU_ASSERT_EQUAL(after.lists, before.lists);
    participant_destroy(&ps[2]);
}

/* F21: the predecessor goes between the listing and the watch. p2 talks
 * through a proxy that holds back its second read (its first is of its own
 * node, sent with its create), the watch on p1's node; p1 leaves while it
 * is held. The watch then finds no node, and p2 must
 * list again at once and watch p0, not wait for a notification that will
 * never come. */
static void test_predecessor_gone_before_its_watch(void)
{
    const char *p = test_election(&rec, "gone-before-watch");
    static participant_t ps[3];
    line_up(ps, 2, p);
    proxy_t *proxy = proxy_start(server.port);
    CU_ASSERT_PTR_NOT_NULL_FATAL(proxy);
    proxy_pass_reads(proxy, 1);
    proxy_set_mode(proxy, PROXY_HOLD_READ);
    CU_ASSERT_EQUAL_FATAL(participant_start(&ps[2], 2, &rec, proxy_hosts(proxy), p), ZKELECT_OK);
    WAIT_FOR(proxy_reads_held(proxy) != 0, 10 * SEC);
    CU_ASSERT_EQUAL_FATAL(proxy_reads_held(proxy), 1);
    CU_ASSERT_EQUAL(inspect_requests(ps[2].e).lists, 1);
    CU_ASSERT(inspect_watches(ps[2].e, ps[1].e));
    participant_destroy(&ps[1]);
    CU_ASSERT_EQUAL(zk_child_count(admin, p), 2);
    proxy_set_mode(proxy, PROXY_PASS);
    CU_ASSERT_FATAL(wait_standby(ps[2].e));
    CU_ASSERT(inspect_watches(ps[2].e, ps[0].e));
    CU_ASSERT_EQUAL(inspect_requests(ps[2].e).lists, 2);
    CU_ASSERT_EQUAL(zkelect_is_leader(ps[2].e), 0);
    CU_ASSERT_EQUAL(zkelect_is_leader(ps[0].e), 1);
    /* and the watch it set works: p0 leaving elects it */
    size_t mark = rec_count(&rec);
    participant_destroy(&ps[0]);
    CU_ASSERT(rec_wait(&rec, 2, ZKELECT_EV_ELECTED, mark, 5 * SEC) >= 0);
    char why[256];
    CU_ASSERT_EQUAL(check_no_two_leaders(&rec, why, sizeof why), 0);
    participant_destroy(&ps[2]);
    CU_ASSERT_EQUAL(zk_child_count(admin, p), 0);
    proxy_stop(proxy);
}

/* Someone deletes the standby's node and the leader's in one transaction,
 * the standby's first: the standby hears of its own node first and must not
 * take over with it; the third one leads. */
static void test_standby_node_deleted_with_leader(void)
{
    const char *p = test_election(&rec, "standby-deleted");
    static participant_t ps[3];
    line_up(ps, 3, p);
    char standby[512], leader[512];
    CU_ASSERT_EQUAL_FATAL(zkelect_node_path(ps[1].e, standby, sizeof standby), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_node_path(ps[0].e, leader, sizeof leader), ZKELECT_OK);
    inspect_requests_t before = inspect_requests(ps[1].e);
    size_t mark = rec_count(&rec);
    zoo_op_t ops[2];
    zoo_op_result_t results[2];
    zoo_delete_op_init(&ops[0], standby, -1);
    zoo_delete_op_init(&ops[1], leader, -1);
    CU_ASSERT_EQUAL_FATAL(zoo_multi(admin, 2, ops, results), ZOK);
    /* p2 leads; p0 and p1 rejoin behind it. */
    CU_ASSERT(rec_wait(&rec, 2, ZKELECT_EV_ELECTED, mark, 10 * SEC) >= 0);
    CU_ASSERT(rec_wait(&rec, 1, ZKELECT_EV_JOINED, mark, 10 * SEC) >= 0);
    CU_ASSERT(rec_wait(&rec, 0, ZKELECT_EV_JOINED, mark, 10 * SEC) >= 0);
    CU_ASSERT_EQUAL(inspect_requests(ps[1].e).quick_takeovers, before.quick_takeovers);
    CU_ASSERT_EQUAL(rec_tally(&rec, 1, ZKELECT_EV_ELECTED, mark), 0);
    /* The leader's node was deleted under it (no lease covers that: the
     * operator broke assumption A5), so it is only told, not fenced. */
    CU_ASSERT(rec_wait(&rec, 0, ZKELECT_EV_REVOKED, mark, 10 * SEC) >= 0);
    CU_ASSERT_EQUAL(wait_single_leader(ps, 3, 5 * SEC), 2);
    destroy_all(ps, 3);
}

/* ---------------------------------------------------------- hand-overs */

/* Leading again after the listing that confirms a hand-over. */
static bool leading_confirmed(zkelect_t *e, uint64_t lists)
{
    inspect_line_t l = inspect_line(e);
    return l.leading && l.lists == lists && zkelect_is_leader(e) == 1;
}

/* p0 leads, p1 and p2 wait. p0 leaves: p1 leads, and p2, which watches p1
 * and is told nothing, still counts two ahead. p1 leaves in turn: its node
 * was first in line, so its delete is a hand-over, and p2 leads on the
 * notification alone, however old its listing; one listing afterwards
 * confirms it. */
static void test_handover_reaches_one_further_back(void)
{
    const char *p = test_election(&rec, "handover");
    static participant_t ps[3];
    line_up(ps, 3, p);
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL(zkelect_leave(ps[0].e), ZKELECT_OK);
    CU_ASSERT_FATAL(rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 5 * SEC) >= 0);
    CU_ASSERT_EQUAL(ahead_count(ps[2].e), 2);
    inspect_requests_t before = inspect_requests(ps[2].e);
    mark = rec_count(&rec);
    CU_ASSERT_EQUAL(zkelect_leave(ps[1].e), ZKELECT_OK);
    CU_ASSERT_FATAL(rec_wait(&rec, 2, ZKELECT_EV_ELECTED, mark, 5 * SEC) >= 0);
    inspect_requests_t after = inspect_requests(ps[2].e);
    CU_ASSERT_EQUAL(after.handoff_takeovers, before.handoff_takeovers + 1);
    CU_ASSERT_EQUAL(after.quick_takeovers, before.quick_takeovers + 1);
    /* One listing, sent after the election, and still leading at its answer. */
    CU_ASSERT_EQUAL(after.lists, before.lists + 1);
    WAIT_FOR(leading_confirmed(ps[2].e, before.lists + 1), 5 * SEC);
    CU_ASSERT(leading_confirmed(ps[2].e, before.lists + 1));
    CU_ASSERT_EQUAL(rec_tally(&rec, 2, ZKELECT_EV_REVOKED, mark), 0);
    CU_ASSERT_EQUAL(leader_count(ps, 3), 1);
    char why[256];
    CU_ASSERT_EQUAL(check_no_two_leaders(&rec, why, sizeof why), 0);
    destroy_all(ps, 3);
    CU_ASSERT_EQUAL(zk_child_count(admin, p), 0);
}

/* A follower that leaves does not hand over: the one behind it lists, finds
 * the leader still there and watches it. */
static void test_follower_leaving_hands_nothing_over(void)
{
    const char *p = test_election(&rec, "no-handover");
    static participant_t ps[3];
    line_up(ps, 3, p);
    inspect_requests_t before = inspect_requests(ps[2].e);
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL(zkelect_leave(ps[1].e), ZKELECT_OK);
    CU_ASSERT_FATAL(wait_standby(ps[2].e));
    inspect_requests_t after = inspect_requests(ps[2].e);
    CU_ASSERT_EQUAL(after.handoff_takeovers, before.handoff_takeovers);
    CU_ASSERT_EQUAL(after.lists, before.lists + 1);
    CU_ASSERT_EQUAL(rec_tally(&rec, 2, ZKELECT_EV_ELECTED, mark), 0);
    CU_ASSERT_EQUAL(zkelect_is_leader(ps[0].e), 1);
    destroy_all(ps, 3);
}

/* A stranger's write to a participant's node: ZooKeeper's answer to it. */
static int write_node(zkelect_t *e, const char *data)
{
    char node[512];
    CU_ASSERT_EQUAL_FATAL(zkelect_node_path(e, node, sizeof node), ZKELECT_OK);
    return zoo_set(admin, node, data, (int)strlen(data), -1);
}

/* Start n participants whose nodes get acl (NULL: the default), p0 leading,
 * p1 ready to take over, the others watching. */
static void line_up_with_acl(participant_t *ps, int n, const char *p, const char *acl)
{
    for (int i = 0; i < n; i++) {
        size_t mark = rec_count(&rec);
        CU_ASSERT_EQUAL_FATAL(participant_new(&ps[i], i, &rec, server.hosts, p), ZKELECT_OK);
        if (acl)
            CU_ASSERT_EQUAL_FATAL(zkelect_set_acl(ps[i].e, acl), ZKELECT_OK);
        CU_ASSERT_EQUAL_FATAL(zkelect_start(ps[i].e), ZKELECT_OK);
        CU_ASSERT_FATAL(rec_wait(&rec, i, ZKELECT_EV_JOINED, mark, 10 * SEC) >= 0);
    }
    wait_in_line(ps, n);
}

/* An ACL that lets nobody write, the owner included: the hand-over's write
 * is refused. */
#define ACL_NO_WRITE "world:anyone:cdra"
/* An ACL that lets anyone write. */
#define ACL_OPEN "world:anyone:cdrwa"

/* The hand-over's write refused (here by an ACL that lets nobody write):
 * the node still goes, by a plain delete, and the next in line takes over
 * on that. */
static void test_refused_handover_falls_back_to_delete(void)
{
    const char *p = test_election(&rec, "handover-refused");
    static participant_t ps[2];
    line_up_with_acl(ps, 2, p, ACL_NO_WRITE);
    char node[512];
    CU_ASSERT_EQUAL_FATAL(zkelect_node_path(ps[0].e, node, sizeof node), ZKELECT_OK);
    inspect_requests_t before = inspect_requests(ps[1].e);
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL(zkelect_leave(ps[0].e), ZKELECT_OK);
    CU_ASSERT_FATAL(rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 5 * SEC) >= 0);
    inspect_requests_t after = inspect_requests(ps[1].e);
    CU_ASSERT_EQUAL(after.quick_takeovers, before.quick_takeovers + 1);
    CU_ASSERT_EQUAL(after.handoff_takeovers, before.handoff_takeovers);
    struct Stat stat;
    CU_ASSERT_EQUAL(zoo_exists(admin, node, 0, &stat), ZNONODE);
    CU_ASSERT_EQUAL(zk_child_count(admin, p), 1);
    destroy_all(ps, 2);
}

/* By default only a node's own session may write it: a stranger's write
 * (an operator's script "touching" the nodes) is refused by ZooKeeper, and
 * nobody is elected or stepped down. The ACL read back says so. */
static void test_stranger_cannot_write_a_node(void)
{
    const char *p = test_election(&rec, "stranger-write");
    static participant_t ps[3];
    line_up(ps, 3, p);
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL(write_node(ps[1].e, "touched"), ZNOAUTH);
    CU_ASSERT_EQUAL(write_node(ps[0].e, "touched"), ZNOAUTH);
    char node[512];
    CU_ASSERT_EQUAL_FATAL(zkelect_node_path(ps[1].e, node, sizeof node), ZKELECT_OK);
    struct ACL_vector acl;
    struct Stat stat;
    CU_ASSERT_EQUAL_FATAL(zoo_get_acl(admin, node, &acl, &stat), ZOK);
    CU_ASSERT_EQUAL(acl.count, 2);
    for (int i = 0; i < acl.count; i++) {
        bool world = strcmp(acl.data[i].id.scheme, "world") == 0;
        bool own = strcmp(acl.data[i].id.scheme, "digest") == 0 && strncmp(acl.data[i].id.id, "zkelect-", 8) == 0;
        CU_ASSERT(world ? acl.data[i].perms == ZOO_PERM_READ : own && acl.data[i].perms == ZOO_PERM_ALL);
    }
    deallocate_ACL_vector(&acl);
    observe_for(300);
    CU_ASSERT_EQUAL(rec_count(&rec), mark);
    CU_ASSERT_EQUAL(zkelect_is_leader(ps[0].e), 1);
    destroy_all(ps, 3);
}

/* Under an ACL that lets anyone write, a stranger writes a follower's node.
 * The one behind it cannot take that for a hand-over: it lists first, finds
 * the follower still there, watches it again, and is never elected; the
 * leader is never disturbed, and its epoch stays the highest (a store fenced
 * by epochs would refuse none of its writes). */
static void test_foreign_write_on_a_follower_elects_nobody(void)
{
    const char *p = test_election(&rec, "foreign-write-follower");
    static participant_t ps[3];
    line_up_with_acl(ps, 3, p, ACL_OPEN);
    int64_t epoch = zkelect_epoch(ps[0].e);
    inspect_requests_t before = inspect_requests(ps[2].e);
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL_FATAL(write_node(ps[1].e, "touched"), ZOK);
    WAIT_FOR(inspect_requests(ps[2].e).lists != before.lists, 5 * SEC);
    CU_ASSERT_EQUAL(inspect_requests(ps[2].e).lists, before.lists + 1);
    CU_ASSERT(wait_watching(ps[2].e));
    CU_ASSERT(inspect_watches(ps[2].e, ps[1].e));
    CU_ASSERT_EQUAL(inspect_requests(ps[2].e).handoff_takeovers, before.handoff_takeovers);
    CU_ASSERT_EQUAL(rec_tally(&rec, -1, ZKELECT_EV_ELECTED, mark), 0);
    CU_ASSERT_EQUAL(rec_tally(&rec, -1, ZKELECT_EV_REVOKED, mark), 0);
    CU_ASSERT_EQUAL(zkelect_epoch(ps[0].e), epoch);
    /* The watch set again works: p1 leaving puts p2 behind p0, and p0
     * leaving elects p2. */
    participant_destroy(&ps[1]);
    CU_ASSERT_FATAL(wait_standby(ps[2].e));
    participant_destroy(&ps[0]);
    CU_ASSERT(rec_wait(&rec, 2, ZKELECT_EV_ELECTED, mark, 5 * SEC) >= 0);
    assert_no_two_leaders(&rec);
    destroy_all(ps, 3);
}

/* Under an ACL that lets anyone write, a stranger writes the leader's node.
 * The leader's own watch tells it at once: it steps down (NODE_CHANGED) and
 * rejoins at the back. Its successor does not take the write for a
 * hand-over: it lists, and leads only once the leader's node is gone. Never
 * two leaders. */
static void test_foreign_write_on_the_leader_steps_it_down_at_once(void)
{
    const char *p = test_election(&rec, "foreign-write-leader");
    static participant_t ps[2];
    line_up_with_acl(ps, 2, p, ACL_OPEN);
    size_t mark = rec_count(&rec);
    int64_t t0 = mono_ns();
    CU_ASSERT_EQUAL_FATAL(write_node(ps[0].e, "touched"), ZOK);
    long revoked = rec_wait(&rec, 0, ZKELECT_EV_REVOKED, mark, 5 * SEC);
    CU_ASSERT_FATAL(revoked >= 0);
    rec_event_t r = rec_get(&rec, (size_t)revoked);
    CU_ASSERT_EQUAL(r.reason, ZKELECT_REASON_NODE_CHANGED);
    printf("\n    leader stepped down %lld ms after the write ", (long long)((r.t_ns - t0) / NS_PER_MS));
    /* From its watch, not at its next renewal (T/4 = 2.5 s away). */
    CU_ASSERT(r.t_ns - t0 < 500 * NS_PER_MS);
    CU_ASSERT(rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 5 * SEC) >= 0);
    CU_ASSERT(rec_wait(&rec, 0, ZKELECT_EV_JOINED, (size_t)revoked, 5 * SEC) >= 0);
    CU_ASSERT_EQUAL(wait_single_leader(ps, 2, 5 * SEC), 1);
    CU_ASSERT_EQUAL(rec_tally(&rec, 1, ZKELECT_EV_REVOKED, mark), 0);
    assert_no_two_leaders(&rec);
    CU_ASSERT(wait_standby(ps[0].e));
    destroy_all(ps, 2);
}

int main(void)
{
    static const CU_TestInfo tests[] = {
        TEST(test_second_in_line_takes_over_without_listing),
        TEST(test_further_back_relists_and_rewatches),
        TEST(test_standby_node_deleted_with_leader),
        TEST(test_predecessor_gone_before_its_watch),
        TEST(test_handover_reaches_one_further_back),
        TEST(test_follower_leaving_hands_nothing_over),
        TEST(test_refused_handover_falls_back_to_delete),
        TEST(test_stranger_cannot_write_a_node),
        TEST(test_foreign_write_on_a_follower_elects_nobody),
        TEST(test_foreign_write_on_the_leader_steps_it_down_at_once),
        CU_TEST_INFO_NULL,
    };
    return run_server_suite("hand-over", &server, &admin, &rec, tests);
}
