/* priority.c - choosing the leader: priorities order the succession, a
 * returning higher priority does not take over by itself, epochs grow
 * whatever the order, and the bad inputs are refused.
 *
 * One standalone server for the program; every test has its own election
 * path. All waits are on conditions with deadlines. */
#include "harness.h"
#include "inspect.h"
#include "proxy.h"

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zookeeper/zookeeper.h>

#define NS_PER_MS 1000000LL

static zk_server_t server;
static void *admin; /* a plain handle to look at the tree */
static recorder_t rec;

/* Start participant idx with a priority, and wait for its JOINED. */
static void join_with(participant_t *p, int idx, const char *path, int priority)
{
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL_FATAL(participant_new(p, idx, &rec, server.hosts, path), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_set_priority(p->e, priority), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(p->e), ZKELECT_OK);
    CU_ASSERT_FATAL(rec_wait(&rec, idx, ZKELECT_EV_JOINED, mark, 10 * SEC) >= 0);
}

/* Every participant in line is watching a predecessor or leads: the line
 * has settled (a new contender's place is taken in a round trip or two). */
static bool settled(participant_t *ps, int n)
{
    int64_t deadline = mono_ns() + 5000 * NS_PER_MS;
    for (;;) {
        bool all = true;
        for (int i = 0; i < n; i++) {
            if (!ps[i].e)
                continue;
            inspect_line_t l = inspect_line(ps[i].e);
            all = all && (l.leading || l.watching);
        }
        if (all || mono_ns() >= deadline)
            return all;
        poll_pause();
    }
}

/* The leader leaves; the one that leads next is returned (-1: none in 5 s). */
static int next_after_leave(participant_t *ps, int n, int leader)
{
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL(zkelect_leave(ps[leader].e), ZKELECT_OK);
    int64_t deadline = mono_ns() + 5000 * NS_PER_MS;
    while (mono_ns() < deadline) {
        for (int i = 0; i < n; i++)
            if (i != leader && rec_tally(&rec, i, ZKELECT_EV_ELECTED, mark) > 0)
                return i;
        poll_pause();
    }
    return -1;
}

/* The succession follows the priorities, not the order of joining; the
 * first leader, elected before any priority, keeps its term when they
 * come; epochs grow from term to term although later nodes lead first. */
static void test_priority_orders_the_succession(void)
{
    const char *p = test_election(&rec, "succession");
    static participant_t ps[4];
    const int priority[4] = {0, 0, 10, 5};
    join_with(&ps[0], 0, p, priority[0]);
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_leader(ps[0].e, 10 * SEC), ZKELECT_OK);
    int64_t epoch = zkelect_epoch(ps[0].e);
    for (int i = 1; i < 4; i++)
        join_with(&ps[i], i, p, priority[i]);
    CU_ASSERT(settled(ps, 4));
    CU_ASSERT_EQUAL(leader_count(ps, 4), 1);
    CU_ASSERT_EQUAL(zkelect_is_leader(ps[0].e), 1);
    CU_ASSERT_EQUAL(zkelect_epoch(ps[0].e), epoch);
    /* 10, then 5, then the one that joined first of the two at 0 */
    const int expected[3] = {2, 3, 1};
    int leader = 0;
    for (int k = 0; k < 3; k++) {
        int next = next_after_leave(ps, 4, leader);
        CU_ASSERT_EQUAL_FATAL(next, expected[k]);
        CU_ASSERT_EQUAL(wait_single_leader(ps, 4, 5 * SEC), next);
        int64_t now = zkelect_epoch(ps[next].e);
        CU_ASSERT(now > epoch);
        epoch = now;
        leader = next;
    }
    assert_no_two_leaders(&rec);
    destroy_all(ps, 4);
}

/* No preemption by default: a higher priority that joins, or comes back,
 * waits behind the leader; the leader keeps leading, with no hand-over
 * at all for 10 s. */
static void test_higher_priority_does_not_take_over(void)
{
    const char *p = test_election(&rec, "no-preemption");
    static participant_t ps[3];
    join_with(&ps[0], 0, p, 1);
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_leader(ps[0].e, 10 * SEC), ZKELECT_OK);
    join_with(&ps[1], 1, p, 1);
    size_t mark = rec_count(&rec);
    join_with(&ps[2], 2, p, 100);
    CU_ASSERT(settled(ps, 3));
    observe_for(10 * SEC);
    CU_ASSERT_EQUAL(rec_tally(&rec, 0, ZKELECT_EV_REVOKED, mark), 0);
    CU_ASSERT_EQUAL(rec_tally(&rec, 1, ZKELECT_EV_ELECTED, mark), 0);
    CU_ASSERT_EQUAL(rec_tally(&rec, 2, ZKELECT_EV_ELECTED, mark), 0);
    CU_ASSERT_EQUAL(zkelect_is_leader(ps[0].e), 1);
    /* and it is next: ahead of p1, which joined first */
    CU_ASSERT_EQUAL(next_after_leave(ps, 3, 0), 2);
    destroy_all(ps, 3);
}

/* A priority changed while running takes effect at once: a standby that
 * raises its priority over the others leads next; a leader that lowers
 * its own keeps leading. */
static void test_priority_changed_while_running(void)
{
    const char *p = test_election(&rec, "changed");
    static participant_t ps[3];
    for (int i = 0; i < 3; i++)
        join_with(&ps[i], i, p, 1);
    CU_ASSERT_EQUAL_FATAL(wait_single_leader(ps, 3, 10 * SEC), 0);
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL(zkelect_set_priority(ps[0].e, -5), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_priority(ps[2].e, 50), ZKELECT_OK);
    /* each takes its new place: seen in its node's name */
    char node[512] = "";
    WAIT_FOR(zkelect_node_path(ps[2].e, node, sizeof node) == ZKELECT_OK && strstr(node, "_p50_"), 5 * SEC);
    CU_ASSERT(strstr(node, "_p50_") != NULL);
    CU_ASSERT(settled(ps, 3));
    CU_ASSERT_EQUAL(zkelect_is_leader(ps[0].e), 1);
    CU_ASSERT_EQUAL(rec_tally(&rec, 0, ZKELECT_EV_REVOKED, mark), 0);
    CU_ASSERT_EQUAL(next_after_leave(ps, 3, 0), 2);
    assert_no_two_leaders(&rec);
    destroy_all(ps, 3);
}

/* The incumbent (the leader elected before any priority, which leads by
 * its node, not by the lock) changes its priority: it keeps its node and
 * its term, the new priority taken at its next candidacy, and the one
 * behind it takes no lock meanwhile. (Its node made again would wake that
 * one, which took the lock while the incumbent still led: two leaders for
 * 61 ms in the torture, seed 1883942508519974.) */
static void test_incumbent_changes_priority(void)
{
    const char *p = test_election(&rec, "incumbent");
    static participant_t ps[2];
    join_with(&ps[0], 0, p, 0);
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_leader(ps[0].e, 10 * SEC), ZKELECT_OK);
    char node[512] = "", after[512] = "";
    CU_ASSERT_EQUAL(zkelect_node_path(ps[0].e, node, sizeof node), ZKELECT_OK);
    join_with(&ps[1], 1, p, 5); /* makes the flag, ps[0] its incumbent */
    CU_ASSERT(settled(ps, 2));
    size_t mark = rec_count(&rec);
    uint64_t lists = inspect_requests(ps[0].e).lists;
    CU_ASSERT_EQUAL(zkelect_set_priority(ps[0].e, 10), ZKELECT_OK);
    /* the change is acted on: the line read again, and settled */
    WAIT_FOR(inspect_requests(ps[0].e).lists != lists, 5 * SEC);
    CU_ASSERT(inspect_requests(ps[0].e).lists > lists);
    CU_ASSERT(settled(ps, 2));
    CU_ASSERT_EQUAL(zkelect_node_path(ps[0].e, after, sizeof after), ZKELECT_OK);
    CU_ASSERT_STRING_EQUAL(after, node);
    CU_ASSERT_EQUAL(zkelect_is_leader(ps[0].e), 1);
    CU_ASSERT_EQUAL(rec_tally(&rec, 0, ZKELECT_EV_REVOKED, mark), 0);
    CU_ASSERT_EQUAL(rec_tally(&rec, 1, ZKELECT_EV_ELECTED, mark), 0);
    /* its next candidacy carries the new priority */
    CU_ASSERT_EQUAL(next_after_leave(ps, 2, 0), 1);
    mark = rec_count(&rec);
    CU_ASSERT_EQUAL(zkelect_rejoin(ps[0].e), ZKELECT_OK);
    CU_ASSERT(rec_wait(&rec, 0, ZKELECT_EV_JOINED, mark, 5 * SEC) >= 0);
    CU_ASSERT_EQUAL(zkelect_node_path(ps[0].e, after, sizeof after), ZKELECT_OK);
    CU_ASSERT(strstr(after, "_p10_") != NULL);
    assert_no_two_leaders(&rec);
    destroy_all(ps, 2);
}

/* The successor bound of the last REVOKED that gave one (CLOCK_BOOTTIME). */
static void keep_bound(participant_t *p, const zkelect_event_t *ev)
{
    if (ev->type == ZKELECT_EV_REVOKED && ev->successor_not_before_ns)
        __atomic_store_n((int64_t *)p->hook_arg, ev->successor_not_before_ns, __ATOMIC_SEQ_CST);
}

/* CLOCK_BOOTTIME's reading of a CLOCK_MONOTONIC time, as the recorder
 * keeps them (the machine does not sleep during a test). */
static int64_t boottime_of(int64_t mono)
{
    return mono + (boot_ns() - mono_ns());
}

/* The incumbent (which leads by its node, not by the lock) cut off until
 * its lease lapsed: its REVOKED says nobody leads before a bound, as its
 * node stands until the server could expire its session. Its priority
 * changed before it is back must not make its node again before that
 * bound: the one behind would be woken and lead (F39). */
static void test_lapsed_incumbent_changes_priority(void)
{
    const char *p = test_election(&rec, "lapsed-incumbent");
    proxy_t *proxy = proxy_start(server.port);
    CU_ASSERT_PTR_NOT_NULL_FATAL(proxy);
    static participant_t ps[2];
    static int64_t bound;
    bound = 0;
    CU_ASSERT_EQUAL_FATAL(participant_new(&ps[0], 0, &rec, proxy_hosts(proxy), p), ZKELECT_OK);
    ps[0].hook = keep_bound;
    ps[0].hook_arg = &bound;
    CU_ASSERT_EQUAL(zkelect_set_session_timeout(ps[0].e, 6000), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_disconnect_policy(ps[0].e, ZKELECT_POLICY_LEASE), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(ps[0].e), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_leader(ps[0].e, 10 * SEC), ZKELECT_OK);
    join_with(&ps[1], 1, p, 5); /* makes the flag, ps[0] its incumbent */
    CU_ASSERT_FATAL(settled(ps, 2));
    size_t mark = rec_count(&rec);
    proxy_set_mode(proxy, PROXY_BLACKHOLE);
    long revoked = rec_wait(&rec, 0, ZKELECT_EV_REVOKED, mark, 6 * SEC);
    CU_ASSERT_FATAL(revoked >= 0);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)revoked).reason, ZKELECT_REASON_LEASE_EXPIRED);
    /* the hook runs just after the recorder has the event */
    WAIT_FOR(__atomic_load_n(&bound, __ATOMIC_SEQ_CST) != 0, SEC);
    int64_t not_before = __atomic_load_n(&bound, __ATOMIC_SEQ_CST);
    CU_ASSERT_FATAL(not_before > 0);
    /* changed while cut off, then back before the server expires it */
    CU_ASSERT_EQUAL(zkelect_set_priority(ps[0].e, 10), ZKELECT_OK);
    proxy_set_mode(proxy, PROXY_PASS);
    /* one leads again (the incumbent, back on its session), and until the
     * bound has passed nobody else did */
    CU_ASSERT(wait_single_leader(ps, 2, 10 * SEC) >= 0);
    int64_t left_ms = (not_before - boottime_of(mono_ns())) / 1000000;
    if (left_ms > 0)
        observe_for((int)left_ms + 100);
    long other = rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 0);
    if (other >= 0)
        CU_ASSERT(boottime_of(rec_get(&rec, (size_t)other).t_ns) >= not_before);
    assert_no_two_leaders(&rec);
    destroy_all(ps, 2);
    proxy_stop(proxy);
}

/* The leader an observer last heard of (LEADER events), "" for nobody. */
typedef struct heard {
    pthread_mutex_t lock;
    char leader[64];
    int events;
} heard_t;

static void hear_leader(participant_t *p, const zkelect_event_t *ev)
{
    if (ev->type != ZKELECT_EV_LEADER)
        return;
    heard_t *h = p->hook_arg;
    pthread_mutex_lock(&h->lock);
    snprintf(h->leader, sizeof h->leader, "%s", ev->leader_id ? ev->leader_id : "");
    h->events++;
    pthread_mutex_unlock(&h->lock);
}

static bool wait_heard(heard_t *h, const char *leader)
{
    int64_t deadline = mono_ns() + 5000 * NS_PER_MS;
    for (;;) {
        pthread_mutex_lock(&h->lock);
        bool yes = strcmp(h->leader, leader) == 0;
        pthread_mutex_unlock(&h->lock);
        if (yes || mono_ns() >= deadline)
            return yes;
        poll_pause();
    }
}

/* "id:priority id:priority ..." of zkelect_participants(), the leader first. */
static void line_text(zkelect_t *e, char *out, size_t len)
{
    zkelect_participant_t *list;
    size_t n;
    out[0] = '\0';
    if (zkelect_participants(e, &list, &n) != ZKELECT_OK)
        return;
    for (size_t i = 0; i < n; i++)
        if (list[i].in_line)
            snprintf(out + strlen(out), len - strlen(out), "%s%s:%d", i ? " " : "", list[i].id, list[i].priority);
    CU_ASSERT(n == 0 || list[0].is_leader);
    zkelect_participants_free(list, n);
}

/* The line as the host reads it (zkelect_participants(),
 * zkelect_get_leader()) and as an observer follows it: the leader first,
 * then by priority; after the leader goes, the one with the highest. */
static void test_line_is_read_in_priority_order(void)
{
    const char *p = test_election(&rec, "read");
    static participant_t ps[5];
    static heard_t heard = {.lock = PTHREAD_MUTEX_INITIALIZER};
    heard.leader[0] = '\0';
    const int priority[4] = {0, 0, 10, 5};
    join_with(&ps[0], 0, p, priority[0]);
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_leader(ps[0].e, 10 * SEC), ZKELECT_OK);
    for (int i = 1; i < 4; i++)
        join_with(&ps[i], i, p, priority[i]);
    CU_ASSERT(settled(ps, 4));
    CU_ASSERT_EQUAL_FATAL(participant_new(&ps[4], 4, &rec, server.hosts, p), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_observer(ps[4].e, 1), ZKELECT_OK);
    ps[4].hook = hear_leader;
    ps[4].hook_arg = &heard;
    CU_ASSERT_EQUAL_FATAL(zkelect_start(ps[4].e), ZKELECT_OK);
    CU_ASSERT(wait_heard(&heard, "p0"));
    char text[256], id[64];
    line_text(ps[4].e, text, sizeof text);
    CU_ASSERT_STRING_EQUAL(text, "p0:0 p2:10 p3:5 p1:0");
    CU_ASSERT_EQUAL(zkelect_get_leader(ps[1].e, id, sizeof id), ZKELECT_OK);
    CU_ASSERT_STRING_EQUAL(id, "p0");
    CU_ASSERT_EQUAL(next_after_leave(ps, 4, 0), 2);
    CU_ASSERT(wait_heard(&heard, "p2"));
    line_text(ps[4].e, text, sizeof text);
    CU_ASSERT_STRING_EQUAL(text, "p2:10 p3:5 p1:0");
    CU_ASSERT_EQUAL(zkelect_get_leader(ps[4].e, id, sizeof id), ZKELECT_OK);
    CU_ASSERT_STRING_EQUAL(id, "p2");
    destroy_all(ps, 5);
}

/* An operator deletes the leader lock (A5 broken): the leader hears it
 * from its watch on the lock, steps down, and one leader follows. A whole
 * session expired: the highest priority left leads, with a higher epoch. */
static void test_lock_deleted_and_leader_expired(void)
{
    const char *p = test_election(&rec, "lock-deleted");
    static participant_t ps[3];
    const int priority[3] = {3, 2, 1};
    for (int i = 0; i < 3; i++)
        join_with(&ps[i], i, p, priority[i]);
    CU_ASSERT_EQUAL_FATAL(wait_single_leader(ps, 3, 10 * SEC), 0);
    CU_ASSERT(settled(ps, 3));
    int64_t epoch = zkelect_epoch(ps[0].e);
    size_t mark = rec_count(&rec);
    char lock[300];
    snprintf(lock, sizeof lock, "%s/zkl_leader", p);
    CU_ASSERT_EQUAL(zoo_delete(admin, lock, -1), ZOK);
    long revoked = rec_wait(&rec, 0, ZKELECT_EV_REVOKED, mark, 5 * SEC);
    CU_ASSERT_FATAL(revoked >= 0);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)revoked).reason, ZKELECT_REASON_NODE_DELETED);
    int leader = wait_single_leader(ps, 3, 5 * SEC);
    CU_ASSERT(leader >= 0);
    CU_ASSERT(leader >= 0 && zkelect_epoch(ps[leader].e) > epoch);
    CU_ASSERT(settled(ps, 3));
    epoch = leader >= 0 ? zkelect_epoch(ps[leader].e) : 0;
    CU_ASSERT_FATAL(leader >= 0);
    /* No two leaders up to here. */
    static recorder_t before;
    rec_init(&before);
    for (size_t i = 0; i < rec_count(&rec); i++)
        before.ev[before.n++] = rec_get(&rec, i);
    assert_no_two_leaders(&before);
    rec_destroy(&before);
    /* Its session closed by a third party (with its id and password): the
     * highest priority left leads, with a higher epoch. No lease covers a
     * close by a third party (A6 in docs/GUARANTEES.md): the old leader
     * hears of it at its next contact with the server, so its REVOKED may
     * come after the successor's ELECTED, and is waited for, not ordered. */
    mark = rec_count(&rec);
    CU_ASSERT_EQUAL_FATAL(expire_session(ps[leader].e, server.hosts), 0);
    int expected = -1;
    for (int i = 0; i < 3; i++)
        if (i != leader && (expected < 0 || priority[i] > priority[expected]))
            expected = i;
    CU_ASSERT(rec_wait(&rec, leader, ZKELECT_EV_REVOKED, mark, 10 * SEC) >= 0);
    CU_ASSERT(rec_wait(&rec, expected, ZKELECT_EV_ELECTED, mark, 10 * SEC) >= 0);
    CU_ASSERT(zkelect_epoch(ps[expected].e) > epoch);
    destroy_all(ps, 3);
}

/* What cannot carry a priority says so, and a value out of range is
 * refused with its reason. */
static void test_priority_bad_input(void)
{
    zkelect_t *e;
    CU_ASSERT_EQUAL(zkelect_set_priority(NULL, 1), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL_FATAL(zkelect_new(&e, server.hosts, "/zkelect-prio/bad", "x"), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_priority(e, ZKELECT_PRIORITY_MAX + 1), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_priority(e, ZKELECT_PRIORITY_MIN - 1), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_priority(e, ZKELECT_PRIORITY_MAX), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_priority(e, ZKELECT_PRIORITY_MIN), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_format(e, ZKELECT_FORMAT_CURATOR), ZKELECT_ESTATE); /* a priority is set */
    CU_ASSERT_EQUAL(zkelect_set_priority(e, 0), ZKELECT_OK);
    char why[256];
    CU_ASSERT_EQUAL(zkelect_check_setting("priority", 1001, why, sizeof why), ZKELECT_EINVAL);
    CU_ASSERT(strstr(why, "-1000..1000") != NULL);
    CU_ASSERT_EQUAL(zkelect_check_setting("priority", 2.5, why, sizeof why), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_format(e, ZKELECT_FORMAT_CURATOR), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_priority(e, 3), ZKELECT_ESTATE);
    CU_ASSERT_EQUAL(zkelect_set_format(e, ZKELECT_FORMAT_KAZOO), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_priority(e, 3), ZKELECT_ESTATE);
    zkelect_destroy(e);
    CU_ASSERT_EQUAL_FATAL(zkelect_new(&e, server.hosts, "/zkelect-prio/bad", "x"), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_observer(e, 1), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_priority(e, 3), ZKELECT_ESTATE);
    zkelect_destroy(e);
}

/* The election path deleted with everything in it, the flag and the lock
 * too (an operator's deleteall): every contender, old or new, starts over
 * by one rule, and one of them leads again, with a higher epoch; the flag
 * is made again by the contenders with a priority. */
static void test_path_deleted_starts_over(void)
{
    const char *p = test_election(&rec, "path-deleted");
    static participant_t ps[3];
    for (int i = 0; i < 3; i++)
        join_with(&ps[i], i, p, i * 10);
    CU_ASSERT_EQUAL_FATAL(wait_single_leader(ps, 3, 10 * SEC), 0);
    CU_ASSERT(settled(ps, 3));
    int64_t epoch = zkelect_epoch(ps[0].e);
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL(zk_delete_children_and_path(admin, p), ZOK);
    CU_ASSERT_FATAL(rec_wait(&rec, 0, ZKELECT_EV_REVOKED, mark, 5 * SEC) >= 0);
    int leader = -1;
    WAIT_FOR((leader = wait_single_leader(ps, 3, 100)) >= 0, 10 * SEC);
    CU_ASSERT_FATAL(leader >= 0);
    CU_ASSERT(zkelect_epoch(ps[leader].e) > epoch);
    CU_ASSERT(settled(ps, 3));
    char flag[256];
    snprintf(flag, sizeof flag, "%s/zkf_priorities", p);
    struct Stat st;
    CU_ASSERT_EQUAL(zoo_exists(admin, flag, 0, &st), ZOK);
    observe_for(500);
    CU_ASSERT_EQUAL(leader_count(ps, 3), 1);
    assert_no_two_leaders(&rec);
    destroy_all(ps, 3);
}

/* ------------------------------------------------------------ switchovers */

/* An observer's handle on the election: where an operator's tool asks
 * from (any host that may create nodes under the path). */
static zkelect_t *asker(const char *path)
{
    zkelect_t *e;
    if (zkelect_new(&e, server.hosts, path, "operator") != ZKELECT_OK)
        return NULL;
    if (zkelect_set_observer(e, 1) != ZKELECT_OK || zkelect_start(e) != ZKELECT_OK ||
        zkelect_wait_connected(e, 10 * SEC) != ZKELECT_OK) {
        zkelect_destroy(e);
        return NULL;
    }
    return e;
}

/* Settled, and each follower's PLACE delivered (settled() sees the watch
 * set; its PLACE may still be on its way to the host): no event of the
 * joins comes after a mark taken next. */
static void settled_and_told(participant_t *ps, int n)
{
    CU_ASSERT_FATAL(settled(ps, n));
    for (int i = 0; i < n; i++)
        if (!zkelect_is_leader(ps[i].e))
            CU_ASSERT_FATAL(rec_wait(&rec, i, ZKELECT_EV_PLACE, 0, 5 * SEC) >= 0);
}

/* The one of ps that leads next after mark (-1: none within 5 s). */
static int elected_after(participant_t *ps, int n, size_t mark)
{
    int64_t deadline = mono_ns() + 5000 * NS_PER_MS;
    while (mono_ns() < deadline) {
        for (int i = 0; i < n; i++)
            if (ps[i].e && rec_tally(&rec, i, ZKELECT_EV_ELECTED, mark) > 0)
                return i;
        poll_pause();
    }
    return -1;
}

/* A step-down asked from another handle: the leader is told who asked,
 * resigns, and the next in line leads; the leader goes to the back. A
 * request naming a participant that does not lead is refused, and
 * changes nothing. */
static void test_step_down_requested_from_elsewhere(void)
{
    const char *p = test_election(&rec, "step-down");
    static participant_t ps[3];
    start_all(ps, 3, &rec, server.hosts, p);
    CU_ASSERT_EQUAL_FATAL(wait_single_leader(ps, 3, 10 * SEC), 0);
    settled_and_told(ps, 3);
    zkelect_t *op = asker(p);
    CU_ASSERT_FATAL(op != NULL);
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL(zkelect_request_step_down(op, ps[1].id), ZKELECT_ESTATE); /* in line, not leading */
    CU_ASSERT_EQUAL(zkelect_request_step_down(op, "nobody"), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(rec_count(&rec), mark);
    int64_t epoch = zkelect_epoch(ps[0].e);
    CU_ASSERT_EQUAL(zkelect_request_step_down(op, ps[0].id), ZKELECT_OK);
    long asked = rec_wait(&rec, 0, ZKELECT_EV_STEP_DOWN, mark, 5 * SEC);
    CU_ASSERT_FATAL(asked >= 0);
    rec_event_t ev = rec_get(&rec, (size_t)asked);
    CU_ASSERT_STRING_EQUAL(ev.other, "operator");
    CU_ASSERT_STRING_EQUAL(ev.successor, "");
    long revoked = rec_wait(&rec, 0, ZKELECT_EV_REVOKED, mark, 5 * SEC);
    CU_ASSERT(revoked > asked);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)revoked).reason, ZKELECT_REASON_RESIGNED);
    CU_ASSERT_EQUAL(elected_after(ps, 3, mark), 1);
    CU_ASSERT(zkelect_epoch(ps[1].e) > epoch);
    /* anyone's request, the leader's own included; none names p1 now */
    mark = rec_count(&rec);
    CU_ASSERT_EQUAL(zkelect_request_step_down(ps[2].e, NULL), ZKELECT_OK);
    CU_ASSERT_EQUAL(elected_after(ps, 3, mark), 2);
    assert_no_two_leaders(&rec);
    zkelect_destroy(op);
    destroy_all(ps, 3);
}

/* A move to a named standby far back in line: the leader hands over to
 * it, not to the next in line; its epoch is higher; nobody else leads
 * meanwhile. A move to the leader itself changes nothing; to one not in
 * line is refused. */
static void test_move_to_a_named_standby(void)
{
    const char *p = test_election(&rec, "move");
    static participant_t ps[4];
    start_all(ps, 4, &rec, server.hosts, p);
    CU_ASSERT_EQUAL_FATAL(wait_single_leader(ps, 4, 10 * SEC), 0);
    settled_and_told(ps, 4);
    zkelect_t *op = asker(p);
    CU_ASSERT_FATAL(op != NULL);
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL(zkelect_request_move(op, "nobody"), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_request_move(op, NULL), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_request_move(op, ps[0].id), ZKELECT_OK); /* leads already */
    CU_ASSERT_EQUAL(rec_count(&rec), mark);
    int64_t epoch = zkelect_epoch(ps[0].e);
    CU_ASSERT_EQUAL(zkelect_request_move(op, ps[3].id), ZKELECT_OK);
    long asked = rec_wait(&rec, 0, ZKELECT_EV_STEP_DOWN, mark, 5 * SEC);
    CU_ASSERT_FATAL(asked >= 0);
    CU_ASSERT_STRING_EQUAL(rec_get(&rec, (size_t)asked).successor, ps[3].id);
    CU_ASSERT_EQUAL(elected_after(ps, 4, mark), 3);
    long elected = rec_wait(&rec, 3, ZKELECT_EV_ELECTED, mark, 0);
    CU_ASSERT_FATAL(elected >= 0);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)elected).takeover, ZKELECT_TAKEOVER_HANDOVER);
    CU_ASSERT_STRING_EQUAL(rec_get(&rec, (size_t)elected).other, ps[0].id);
    CU_ASSERT(zkelect_epoch(ps[3].e) > epoch);
    CU_ASSERT(settled(ps, 4));
    CU_ASSERT_EQUAL(leader_count(ps, 4), 1);
    CU_ASSERT_EQUAL(rec_tally(&rec, 1, ZKELECT_EV_ELECTED, mark), 0);
    CU_ASSERT_EQUAL(rec_tally(&rec, 2, ZKELECT_EV_ELECTED, mark), 0);
    /* and back, to the old leader, now at the end of the line */
    mark = rec_count(&rec);
    CU_ASSERT_EQUAL(zkelect_request_move(op, ps[0].id), ZKELECT_OK);
    CU_ASSERT_EQUAL(elected_after(ps, 4, mark), 0);
    assert_no_two_leaders(&rec);
    zkelect_destroy(op);
    destroy_all(ps, 4);
}

/* A contender of priority 5 behind proxy, with T = 6 s: a test can cut
 * it off and bring it back within its session. */
static void join_through(participant_t *p, int idx, proxy_t *proxy, const char *path)
{
    CU_ASSERT_EQUAL_FATAL(participant_new(p, idx, &rec, proxy_hosts(proxy), path), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_session_timeout(p->e, 6000), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_priority(p->e, 5), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(p->e), ZKELECT_OK);
}

/* The chosen one (ps[2], behind ps[1]) cut off while the leader moves its
 * term to it, back within T: it finds the lock naming it at the listing of
 * its reconnection, and may read that before its notice; it reads the
 * notice before it takes the lock, and its ELECTED says a hand-over from
 * the old leader, with a higher epoch. notice_taken: the notice's path is
 * taken already (an empty notice, as a contender placed ahead of it makes)
 * when the leader makes the move's, which fails: the lock names it all the
 * same, and its ELECTED says a hand-over naming nobody rather than the one
 * it watched. */
static void move_to_one_cut_off(const char *name, bool notice_taken)
{
    const char *p = test_election(&rec, name);
    proxy_t *proxy = proxy_start(server.port);
    CU_ASSERT_PTR_NOT_NULL_FATAL(proxy);
    static participant_t ps[3];
    join_with(&ps[0], 0, p, 10);
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_leader(ps[0].e, 10 * SEC), ZKELECT_OK);
    join_with(&ps[1], 1, p, 8);
    join_through(&ps[2], 2, proxy, p);
    CU_ASSERT_FATAL(settled(ps, 3));
    /* its notice's path, from its node's name: zke_<token>_p5_<seq> */
    char node[512], notice[600], old_node[512];
    CU_ASSERT_EQUAL_FATAL(zkelect_node_path(ps[2].e, node, sizeof node), ZKELECT_OK);
    const char *token = strrchr(node, '/') + 5;
    snprintf(notice, sizeof notice, "%s/zkn_%.*s", p, (int)(strchr(token, '_') - token), token);
    CU_ASSERT_EQUAL_FATAL(zkelect_node_path(ps[0].e, old_node, sizeof old_node), ZKELECT_OK);
    int64_t epoch = zkelect_epoch(ps[0].e);
    zkelect_t *op = asker(p);
    CU_ASSERT_FATAL(op != NULL);
    size_t mark = rec_count(&rec);
    proxy_set_mode(proxy, PROXY_BLACKHOLE);
    if (notice_taken)
        CU_ASSERT_EQUAL_FATAL(zoo_create(admin, notice, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL, NULL, 0), ZOK);
    CU_ASSERT_EQUAL(zkelect_request_move(op, ps[2].id), ZKELECT_OK);
    CU_ASSERT_FATAL(rec_wait(&rec, 0, ZKELECT_EV_REVOKED, mark, 5 * SEC) >= 0);
    /* moved: the old leader's node gone (the lock names ps[2]), the notice there */
    struct Stat st;
    WAIT_FOR(zoo_exists(admin, old_node, 0, &st) == ZNONODE && zoo_exists(admin, notice, 0, &st) == ZOK, 5 * SEC);
    CU_ASSERT_FATAL(zoo_exists(admin, old_node, 0, &st) == ZNONODE);
    CU_ASSERT_FATAL(zoo_exists(admin, notice, 0, &st) == ZOK);
    CU_ASSERT_EQUAL(rec_tally(&rec, 2, ZKELECT_EV_ELECTED, mark), 0);
    proxy_set_mode(proxy, PROXY_PASS);
    long elected = rec_wait(&rec, 2, ZKELECT_EV_ELECTED, mark, 10 * SEC);
    CU_ASSERT_FATAL(elected >= 0);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)elected).takeover, ZKELECT_TAKEOVER_HANDOVER);
    CU_ASSERT_STRING_EQUAL(rec_get(&rec, (size_t)elected).other, notice_taken ? "" : ps[0].id); /* "": NULL */
    CU_ASSERT(zkelect_epoch(ps[2].e) > epoch);
    CU_ASSERT_EQUAL(rec_tally(&rec, 1, ZKELECT_EV_ELECTED, mark), 0);
    /* the notice read is taken away */
    WAIT_FOR(zoo_exists(admin, notice, 0, &st) == ZNONODE, 5 * SEC);
    CU_ASSERT_EQUAL(zoo_exists(admin, notice, 0, &st), ZNONODE);
    assert_no_two_leaders(&rec);
    zkelect_destroy(op);
    destroy_all(ps, 3);
    proxy_stop(proxy);
}

static void test_move_to_a_standby_cut_off(void)
{
    move_to_one_cut_off("move-cut-off", false);
}

static void test_move_whose_notice_is_lost(void)
{
    move_to_one_cut_off("move-notice-lost", true);
}

/* A host that steps down itself (ZKELECT_STEP_DOWN_BY_HOST) is told and
 * keeps leading until it resigns; its resignation then hands over to the
 * one named. */
/* ps[0] leads, on hosts, and steps down itself when asked
 * (ZKELECT_STEP_DOWN_BY_HOST); ps[1] and ps[2] stand behind it. */
static void start_by_host_leader(participant_t ps[3], const char *hosts, const char *path)
{
    CU_ASSERT_EQUAL_FATAL(participant_new(&ps[0], 0, &rec, hosts, path), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_step_down_mode(ps[0].e, 7), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_step_down_mode(ps[0].e, ZKELECT_STEP_DOWN_BY_HOST), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(ps[0].e), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_leader(ps[0].e, 10 * SEC), ZKELECT_OK);
    for (int i = 1; i < 3; i++)
        join_with(&ps[i], i, path, 0);
    CU_ASSERT(settled(ps, 3));
}

static void test_step_down_by_host(void)
{
    const char *p = test_election(&rec, "by-host");
    static participant_t ps[3];
    start_by_host_leader(ps, server.hosts, p);
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL(zkelect_request_move(ps[1].e, ps[2].id), ZKELECT_OK);
    CU_ASSERT_FATAL(rec_wait(&rec, 0, ZKELECT_EV_STEP_DOWN, mark, 5 * SEC) >= 0);
    observe_for(500);
    CU_ASSERT_EQUAL(zkelect_is_leader(ps[0].e), 1);
    CU_ASSERT_EQUAL(rec_tally(&rec, 0, ZKELECT_EV_REVOKED, mark), 0);
    CU_ASSERT_EQUAL(zkelect_resign(ps[0].e), ZKELECT_OK);
    CU_ASSERT_EQUAL(elected_after(ps, 3, mark), 2);
    assert_no_two_leaders(&rec);
    destroy_all(ps, 3);
}

/* True once e's session has lost its connection, within timeout_ms
 * (zkelect_wait_connected() waits for the other way). */
static bool disconnected_within(zkelect_t *e, int timeout_ms)
{
    int64_t deadline = mono_ns() + timeout_ms * NS_PER_MS;
    do {
        zkelect_stats_t st = {.size = sizeof st};
        if (zkelect_stats(e, &st) == ZKELECT_OK && !st.connected)
            return true;
        poll_pause();
    } while (mono_ns() < deadline);
    return false;
}

/* A move whose transaction is lost with the connection (it never reaches
 * the server; then the connection closes, which the client says before it
 * fails the transaction): the old leader's node, which still stands, goes
 * once the same session is connected again, and somebody leads. Before, it
 * stayed as long as the session lived, first in line, and everyone (the old
 * leader, back in line behind it, too) waited for nobody: the torture's
 * seed 1883930381546655 found it. */
static void test_move_lost_with_the_connection(void)
{
    const char *p = test_election(&rec, "move-lost");
    static participant_t ps[3];
    proxy_t *proxy = proxy_start(server.port);
    CU_ASSERT_FATAL(proxy != NULL);
    start_by_host_leader(ps, proxy_hosts(proxy), p);
    char old_node[512];
    CU_ASSERT_EQUAL_FATAL(zkelect_node_path(ps[0].e, old_node, sizeof old_node), ZKELECT_OK);
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL(zkelect_request_move(ps[1].e, ps[2].id), ZKELECT_OK);
    CU_ASSERT_FATAL(rec_wait(&rec, 0, ZKELECT_EV_STEP_DOWN, mark, 5 * SEC) >= 0);
    /* All within T (4 s) of the server's last word from the leader: its
     * session lives on. */
    proxy_set_mode(proxy, PROXY_DROP_REQUESTS);
    CU_ASSERT_EQUAL(zkelect_resign(ps[0].e), ZKELECT_OK);
    WAIT_FOR(proxy_multis_dropped(proxy) != 0, 2 * SEC);
    CU_ASSERT_FATAL(proxy_multis_dropped(proxy) == 1);
    proxy_set_mode(proxy, PROXY_REFUSE);
    CU_ASSERT_FATAL(disconnected_within(ps[0].e, 2 * SEC));
    proxy_set_mode(proxy, PROXY_PASS);
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_connected(ps[0].e, 2 * SEC), ZKELECT_OK);
    CU_ASSERT(elected_after(ps, 3, mark) >= 0);
    struct Stat st;
    CU_ASSERT_EQUAL(zoo_exists(admin, old_node, 0, &st), ZNONODE);
    assert_no_two_leaders(&rec);
    destroy_all(ps, 3);
    proxy_stop(proxy);
}

/* Preemption: a higher priority with a delay leads once it has stood next
 * in line for the delay, after the leader resigned; a lower priority with
 * the same setting never does. */
static void test_preemption_after_the_delay(void)
{
    const char *p = test_election(&rec, "preemption");
    static participant_t ps[3];
    join_with(&ps[0], 0, p, 5);
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_leader(ps[0].e, 10 * SEC), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(participant_new(&ps[1], 1, &rec, server.hosts, p), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_priority(ps[1].e, 1), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_preemption(ps[1].e, 300), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(ps[1].e), ZKELECT_OK);
    CU_ASSERT(settled(ps, 2));
    size_t mark = rec_count(&rec);
    observe_for(1000); /* three delays: a lower priority asks nothing */
    CU_ASSERT_EQUAL(rec_tally(&rec, 0, ZKELECT_EV_STEP_DOWN, mark), 0);
    CU_ASSERT_EQUAL(zkelect_set_priority(ps[1].e, 50), ZKELECT_OK); /* now it outranks the leader */
    int64_t raised_ns = mono_ns();
    CU_ASSERT_EQUAL(elected_after(ps, 2, mark), 1);
    long asked = rec_wait(&rec, 0, ZKELECT_EV_STEP_DOWN, mark, 0);
    long elected = rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 0);
    long revoked = rec_wait(&rec, 0, ZKELECT_EV_REVOKED, mark, 0);
    CU_ASSERT(asked >= 0 && revoked > asked && elected > revoked);
    CU_ASSERT_STRING_EQUAL(rec_get(&rec, (size_t)asked).other, ps[1].id);
    CU_ASSERT(rec_get(&rec, (size_t)asked).t_ns - raised_ns >= 300 * NS_PER_MS);
    /* the old leader, behind it now with its lower priority, stays there */
    mark = rec_count(&rec);
    CU_ASSERT(settled(ps, 2));
    observe_for(1000);
    CU_ASSERT_EQUAL(rec_tally(&rec, -1, ZKELECT_EV_ELECTED, mark), 0);
    assert_no_two_leaders(&rec);
    destroy_all(ps, 2);
}

static void test_switchover_bad_input(void)
{
    CU_ASSERT_EQUAL(zkelect_request_step_down(NULL, NULL), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_request_move(NULL, "x"), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_preemption(NULL, 1), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_step_down_mode(NULL, 0), ZKELECT_EINVAL);
    zkelect_t *e;
    CU_ASSERT_EQUAL_FATAL(zkelect_new(&e, server.hosts, "/zkelect-prio/bad-switch", "x"), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_request_step_down(e, NULL), ZKELECT_ESTATE); /* not started */
    CU_ASSERT_EQUAL(zkelect_request_move(e, "y"), ZKELECT_ESTATE);
    CU_ASSERT_EQUAL(zkelect_set_preemption(e, -1), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_preemption(e, ZKELECT_PREEMPTION_MAX + 1), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_preemption(e, 0), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_step_down_mode(e, -1), ZKELECT_EINVAL);
    char id[ZKELECT_ID_MAX + 2];
    memset(id, 'a', sizeof id - 1);
    id[sizeof id - 1] = '\0';
    CU_ASSERT_EQUAL(zkelect_request_move(e, id), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_request_move(e, ""), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_format(e, ZKELECT_FORMAT_KAZOO), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_preemption(e, 100), ZKELECT_ESTATE);
    zkelect_destroy(e);
}

int main(void)
{
    static const CU_TestInfo tests[] = {
        TEST(test_priority_bad_input),
        TEST(test_priority_orders_the_succession),
        TEST(test_higher_priority_does_not_take_over),
        TEST(test_priority_changed_while_running),
        TEST(test_incumbent_changes_priority),
        TEST(test_lapsed_incumbent_changes_priority),
        TEST(test_line_is_read_in_priority_order),
        TEST(test_lock_deleted_and_leader_expired),
        TEST(test_path_deleted_starts_over),
        TEST(test_switchover_bad_input),
        TEST(test_step_down_requested_from_elsewhere),
        TEST(test_move_to_a_named_standby),
        TEST(test_move_to_a_standby_cut_off),
        TEST(test_move_whose_notice_is_lost),
        TEST(test_step_down_by_host),
        TEST(test_move_lost_with_the_connection),
        TEST(test_preemption_after_the_delay),
        CU_TEST_INFO_NULL,
    };
    return run_server_suite("priorities", &server, &admin, &rec, tests);
}
