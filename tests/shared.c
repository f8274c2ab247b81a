/* shared.c - many elections on one ZooKeeper session (zkelect_session_t)
 * against a real server: each election keeps its own line and leader, one
 * election leaving touches no other, an expiry of the session revokes every
 * election it carries and they all rejoin, and the session's teardown
 * revokes what is left. One server for the suite; each test has its own
 * election paths. */
#include "harness.h"
#include "inspect.h"

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <zookeeper/zookeeper.h>

#define NS_PER_MS 1000000LL

static zk_server_t server;
static void *admin;
static recorder_t rec;

static void election_path(char *buf, size_t len, const char *test, int shard)
{
    snprintf(buf, len, "/zkelect-shared-tests/%s/shard-%d", test, shard);
}

static int session_log_errors;

static void session_log(zkelect_t *e, int level, const char *message, void *userdata)
{
    (void)userdata;
    /* the session's own messages name no election */
    if (e == NULL && level == ZKELECT_LOG_ERROR)
        __atomic_add_fetch(&session_log_errors, 1, __ATOMIC_RELAXED);
    if (getenv("ZKELECT_TEST_VERBOSE"))
        fprintf(stderr, "[session %p] %d %s\n", (void *)e, level, message);
}

static zkelect_session_t *start_session(void)
{
    zkelect_session_t *s = NULL;
    CU_ASSERT_EQUAL_FATAL(zkelect_session_new(&s, server.hosts), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_session_set_timeout(s, 4000), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_session_set_log(s, session_log, NULL), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_session_start(s), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_session_wait_connected(s, 10 * SEC), ZKELECT_OK);
    return s;
}

/* n elections on s, not started: a test may give them hooks first (once
 * started, the dispatch thread reads them). */
static void make_shards(participant_t *ps, int idx0, int n, zkelect_session_t *s, const char *test)
{
    for (int i = 0; i < n; i++) {
        char path[256];
        election_path(path, sizeof path, test, i);
        CU_ASSERT_EQUAL_FATAL(participant_new_on(&ps[i], idx0 + i, &rec, s, path), ZKELECT_OK);
    }
}

static void run_shards(participant_t *ps, int n)
{
    for (int i = 0; i < n; i++)
        CU_ASSERT_EQUAL_FATAL(zkelect_start(ps[i].e), ZKELECT_OK);
    for (int i = 0; i < n; i++)
        CU_ASSERT_FATAL(rec_wait(&rec, ps[i].idx, ZKELECT_EV_JOINED, 0, 10 * SEC) >= 0);
}

/* Elections idx0..idx0+n-1 on s, one per shard, each joined. */
static void start_shards(participant_t *ps, int idx0, int n, zkelect_session_t *s, const char *test)
{
    make_shards(ps, idx0, n, s, test);
    run_shards(ps, n);
}

static bool wait_all_leading(participant_t *ps, int n, bool leading, int timeout_ms)
{
    int64_t deadline = mono_ns() + (int64_t)timeout_ms * NS_PER_MS;
    do {
        int count = 0;
        for (int i = 0; i < n; i++)
            count += zkelect_is_leader(ps[i].e) == leading;
        if (count == n)
            return true;
        poll_pause();
    } while (mono_ns() < deadline);
    return false;
}

static int64_t node_owner(participant_t *p)
{
    zkelect_participant_t *list;
    size_t n;
    int64_t owner = -1;
    if (zkelect_participants(p->e, &list, &n) != ZKELECT_OK)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (list[i].is_self)
            owner = list[i].session_id;
    }
    zkelect_participants_free(list, n);
    return owner;
}

/* The no-two-leaders check, shard by shard: elections i (session A) and
 * 10 + i (session B) are the contenders of shard i. */
static int overlaps_per_shard(int shards)
{
    static recorder_t one;
    int violations = 0;
    for (int shard = 0; shard < shards; shard++) {
        rec_init(&one);
        for (size_t i = 0; i < rec_count(&rec); i++) {
            rec_event_t ev = rec_get(&rec, i);
            if (ev.who % 10 == shard && one.n < REC_MAX)
                one.ev[one.n++] = ev;
        }
        char why[256];
        violations += check_no_two_leaders(&one, why, sizeof why);
        rec_destroy(&one);
    }
    return violations;
}

/* ------------------------------------------------------------------ tests */

enum { SHARDS = 100 };

static void test_many_elections_one_session(void)
{
    rec_reset(&rec);
    static participant_t ps[SHARDS];
    zkelect_session_t *s = start_session();
    start_shards(ps, 0, SHARDS, s, "many");
    CU_ASSERT(wait_all_leading(ps, SHARDS, true, 10 * SEC));
    /* one session owns every node, and each election its own epoch */
    int64_t owner = node_owner(&ps[0]);
    CU_ASSERT(owner > 0);
    for (int i = 1; i < SHARDS; i++)
        CU_ASSERT_EQUAL(node_owner(&ps[i]), owner);
    for (int i = 1; i < SHARDS; i++)
        CU_ASSERT(zkelect_epoch(ps[i].e) != zkelect_epoch(ps[i - 1].e));
    CU_ASSERT_EQUAL(rec_tally(&rec, -1, ZKELECT_EV_ELECTED, 0), SHARDS);
    /* all callbacks ran on the session's one dispatch thread */
    pthread_t first = rec_get(&rec, 0).thread;
    for (size_t i = 1; i < rec_count(&rec); i++)
        CU_ASSERT(pthread_equal(rec_get(&rec, i).thread, first));
    zkelect_session_destroy(s); /* destroys the elections too */
    CU_ASSERT_EQUAL(rec_tally(&rec, -1, ZKELECT_EV_REVOKED, 0), SHARDS);
    char path[256];
    election_path(path, sizeof path, "many", 0);
    CU_ASSERT_EQUAL(zk_child_count(admin, path), 0);
}

/* The session's destroy closes its elections together (one pass of the
 * dispatch thread), yet each keeps the promise of a single destroy: its
 * REVOKED(closed) is its last event, and its node is removed only after that
 * callback returned. One of them is destroyed from its own callback while
 * the session goes; one was never started. */
static atomic_int node_seen_in_revoked = -1;

static void look_at_node_in_revoked(participant_t *pt, const zkelect_event_t *ev)
{
    if (ev->type != ZKELECT_EV_REVOKED || !pt->hook_arg)
        return;
    char path[256];
    election_path(path, sizeof path, "destroy-all", pt->idx);
    atomic_store(&node_seen_in_revoked, zk_child_count(admin, path));
}

static void destroy_self_on_revoked(participant_t *pt, const zkelect_event_t *ev)
{
    if (ev->type == ZKELECT_EV_REVOKED && pt->hook_arg) {
        pt->hook_arg = NULL;
        zkelect_destroy(pt->e); /* the session's destroy is closing it too */
    }
}

static void test_session_destroy_closes_all(void)
{
    enum { N = 40, WATCHED = 17, SELF = 23 };
    rec_reset(&rec);
    static participant_t ps[N];
    zkelect_session_t *s = start_session();
    make_shards(ps, 0, N, s, "destroy-all");
    ps[WATCHED].hook = look_at_node_in_revoked;
    ps[WATCHED].hook_arg = &ps[WATCHED];
    ps[SELF].hook = destroy_self_on_revoked;
    ps[SELF].hook_arg = &ps[SELF];
    run_shards(ps, N);
    CU_ASSERT_FATAL(wait_all_leading(ps, N, true, 10 * SEC));
    zkelect_t *never_started;
    CU_ASSERT_EQUAL_FATAL(zkelect_new_on_session(&never_started, s, "/zkelect-tests/destroy-all-idle", "idle"),
                          ZKELECT_OK);
    size_t mark = rec_count(&rec);
    atomic_store(&node_seen_in_revoked, -1);
    zkelect_session_destroy(s);
    /* each one REVOKED(closed), its last event */
    for (int i = 0; i < N; i++) {
        CU_ASSERT_EQUAL(rec_tally(&rec, i, ZKELECT_EV_REVOKED, mark), 1);
        long revoked = rec_wait(&rec, i, ZKELECT_EV_REVOKED, mark, 0);
        CU_ASSERT_FATAL(revoked >= 0);
        CU_ASSERT_EQUAL(rec_get(&rec, (size_t)revoked).reason, ZKELECT_REASON_CLOSED);
        for (size_t j = (size_t)revoked + 1; j < rec_count(&rec); j++)
            CU_ASSERT_NOT_EQUAL(rec_get(&rec, j).who, i);
    }
    /* the node was still there while its host's callback ran */
    CU_ASSERT_EQUAL(atomic_load(&node_seen_in_revoked), 1);
    /* and gone after */
    for (int i = 0; i < N; i++) {
        char path[256];
        election_path(path, sizeof path, "destroy-all", i);
        CU_ASSERT_EQUAL(zk_child_count(admin, path), 0);
    }
}

/* Two sessions, three shards each: A joined first and leads all three. One
 * of A's elections leaving hands that shard to B, and nothing else moves. */
static void test_one_election_leaves_others_stay(void)
{
    rec_reset(&rec);
    static participant_t a[3], b[3];
    zkelect_session_t *sa = start_session(), *sb = start_session();
    start_shards(a, 0, 3, sa, "leave");
    CU_ASSERT_FATAL(wait_all_leading(a, 3, true, 10 * SEC));
    start_shards(b, 10, 3, sb, "leave");
    size_t mark = rec_count(&rec);
    zkelect_destroy(a[1].e);
    a[1].e = NULL;
    CU_ASSERT(rec_wait(&rec, 11, ZKELECT_EV_ELECTED, mark, 5 * SEC) >= 0);
    CU_ASSERT(zkelect_is_leader(a[0].e) && zkelect_is_leader(a[2].e));
    CU_ASSERT(!zkelect_is_leader(b[0].e) && !zkelect_is_leader(b[2].e));
    CU_ASSERT_EQUAL(rec_tally(&rec, 0, ZKELECT_EV_REVOKED, mark) + rec_tally(&rec, 2, ZKELECT_EV_REVOKED, mark), 0);
    CU_ASSERT_EQUAL(rec_tally(&rec, 10, ZKELECT_EV_ELECTED, mark) + rec_tally(&rec, 12, ZKELECT_EV_ELECTED, mark), 0);
    /* a new election on the same session, on the shard A gave up: behind B */
    char path[256];
    election_path(path, sizeof path, "leave", 1);
    mark = rec_count(&rec);
    CU_ASSERT_EQUAL_FATAL(participant_new_on(&a[1], 1, &rec, sa, path), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_start(a[1].e), ZKELECT_OK);
    CU_ASSERT(rec_wait(&rec, 1, ZKELECT_EV_JOINED, mark, 5 * SEC) >= 0);
    CU_ASSERT_EQUAL(zkelect_is_leader(a[1].e), 0);
    zkelect_session_destroy(sa);
    CU_ASSERT(wait_all_leading(b, 3, true, 5 * SEC));
    zkelect_session_destroy(sb);
    CU_ASSERT_EQUAL(overlaps_per_shard(3), 0);
}

/* The term of shard `to` that starts after `from` is the later one: the
 * first ELECTED of `to` since mark comes after the first REVOKED of `from`
 * since mark, with a larger epoch. */
static bool took_over_after(int from, int to, size_t mark)
{
    long revoked = rec_wait(&rec, from, ZKELECT_EV_REVOKED, mark, 5 * SEC);
    long elected = rec_wait(&rec, to, ZKELECT_EV_ELECTED, mark, 5 * SEC);
    if (revoked < 0 || elected < 0)
        return false;
    return elected > revoked && rec_get(&rec, (size_t)elected).epoch > rec_get(&rec, (size_t)revoked).epoch;
}

/* The session expires: every election on it is revoked, the other session's
 * take every shard over, and all of them rejoin on a new session.
 *
 * The expiry is forced by a duplicate handle that closes the session, a
 * third party that assumption A6 rules out: the server deletes the nodes at
 * once, and session A hears of it only when its connection drops, so B's
 * ELECTED may come first. Across that window the test asserts what still
 * holds, the fencing: every B term has a larger epoch than the A term it
 * follows. When session B then closes, nothing breaks an assumption, and
 * each A election must lead only after its B rival's REVOKED. */
static void test_expiry_revokes_every_election(void)
{
    rec_reset(&rec);
    enum { N = 5 };
    static participant_t a[N], b[N];
    zkelect_session_t *sa = start_session(), *sb = start_session();
    start_shards(a, 0, N, sa, "expiry");
    CU_ASSERT_FATAL(wait_all_leading(a, N, true, 10 * SEC));
    start_shards(b, 10, N, sb, "expiry");
    int64_t old_owner = node_owner(&a[0]);
    int64_t old_epoch[N];
    for (int i = 0; i < N; i++)
        old_epoch[i] = zkelect_epoch(a[i].e);
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL_FATAL(expire_session(a[0].e, server.hosts), 0);
    CU_ASSERT(wait_all_leading(b, N, true, 15 * SEC));
    for (int i = 0; i < N; i++) {
        CU_ASSERT(rec_wait(&rec, i, ZKELECT_EV_REVOKED, mark, 5 * SEC) >= 0);
        CU_ASSERT(rec_wait(&rec, i, ZKELECT_EV_JOINED, mark, 15 * SEC) >= 0);
        CU_ASSERT_EQUAL(zkelect_is_leader(a[i].e), 0);
        long elected = rec_wait(&rec, 10 + i, ZKELECT_EV_ELECTED, mark, 5 * SEC);
        CU_ASSERT_FATAL(elected >= 0);
        CU_ASSERT(rec_get(&rec, (size_t)elected).epoch > old_epoch[i]);
    }
    int64_t new_owner = node_owner(&a[0]);
    CU_ASSERT(new_owner > 0 && new_owner != old_owner);
    for (int i = 1; i < N; i++)
        CU_ASSERT_EQUAL(node_owner(&a[i]), new_owner);
    mark = rec_count(&rec);
    zkelect_session_destroy(sb);
    CU_ASSERT(wait_all_leading(a, N, true, 10 * SEC));
    for (int i = 0; i < N; i++)
        CU_ASSERT(took_over_after(10 + i, i, mark));
    zkelect_session_destroy(sa);
}

/* No node left under path, for good: the session has no request in flight
 * either (a create sent before a destroy completes on the session, and its
 * node is deleted right then, so a count alone can be read too early). */
static bool wait_gone(zkelect_session_t *s, const char *path)
{
    int64_t deadline = mono_ns() + 5000 * NS_PER_MS;
    for (;;) {
        if (inspect_session_idle(s) && zk_child_count(admin, path) == 0)
            return true;
        if (mono_ns() >= deadline)
            return false;
        poll_pause();
    }
}

/* An election destroyed from its own callback: deferred, no deadlock; its
 * node goes and the session carries on with the others. */
static void destroy_on_elected(participant_t *pt, const zkelect_event_t *ev)
{
    if (ev->type == ZKELECT_EV_ELECTED && pt->hook_arg) {
        zkelect_destroy(pt->e);
        pt->hook_arg = NULL;
    }
}

static void test_destroy_from_callback(void)
{
    rec_reset(&rec);
    static participant_t ps[2];
    zkelect_session_t *s = start_session();
    char path[256];
    election_path(path, sizeof path, "destroy-in-callback", 0);
    CU_ASSERT_EQUAL_FATAL(participant_new_on(&ps[0], 0, &rec, s, path), ZKELECT_OK);
    ps[0].hook = destroy_on_elected;
    ps[0].hook_arg = &ps[0];
    CU_ASSERT_EQUAL_FATAL(zkelect_start(ps[0].e), ZKELECT_OK);
    long revoked = rec_wait(&rec, 0, ZKELECT_EV_REVOKED, 0, 10 * SEC);
    CU_ASSERT_FATAL(revoked >= 0);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)revoked).reason, ZKELECT_REASON_CLOSED);
    CU_ASSERT(wait_gone(s, path));
    /* the session goes on: a new election on the same path leads */
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL_FATAL(participant_new_on(&ps[1], 1, &rec, s, path), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(ps[1].e), ZKELECT_OK);
    CU_ASSERT(rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 5 * SEC) >= 0);
    /* a resign at once followed by a destroy: the node still goes (the
     * session, which would otherwise take it along, stays) */
    zkelect_resign(ps[1].e);
    zkelect_destroy(ps[1].e);
    CU_ASSERT_EQUAL(rec_tally(&rec, 1, ZKELECT_EV_REVOKED, mark), 1);
    CU_ASSERT(wait_gone(s, path));
    zkelect_session_destroy(s);
}

/* An observer on a shared session follows an election led by another. */
static void test_observer_on_shared_session(void)
{
    rec_reset(&rec);
    static participant_t obs, leader;
    zkelect_session_t *s = start_session();
    char path[256];
    election_path(path, sizeof path, "observer", 0);
    CU_ASSERT_EQUAL_FATAL(participant_new_on(&obs, 9, &rec, s, path), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_observer(obs.e, 1), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(obs.e), ZKELECT_OK);
    CU_ASSERT_FATAL(rec_wait(&rec, 9, ZKELECT_EV_LEADER, 0, 10 * SEC) >= 0);
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL_FATAL(participant_new_on(&leader, 0, &rec, s, path), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(leader.e), ZKELECT_OK);
    long seen = rec_wait(&rec, 9, ZKELECT_EV_LEADER, mark, 10 * SEC);
    CU_ASSERT_FATAL(seen >= 0);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)seen).epoch, zkelect_epoch(leader.e));
    zkelect_session_destroy(s);
}

static uint64_t reads_sent(participant_t *ps, int n)
{
    uint64_t reads = 0;
    for (int i = 0; i < n; i++)
        reads += inspect_requests(ps[i].e).reads;
    return reads;
}

/* Every lease moved on by more than by_ms from `from` (zkelect_lease_deadline()
 * values, updated), within timeout_ms; false as soon as one election stops
 * leading. */
static bool all_leases_moved(participant_t *ps, int n, int64_t *from, int64_t by_ms, int timeout_ms)
{
    int64_t deadline = mono_ns() + (int64_t)timeout_ms * NS_PER_MS;
    do {
        int moved = 0;
        for (int i = 0; i < n; i++) {
            int64_t lease = 0;
            if (zkelect_lease_deadline(ps[i].e, &lease) != ZKELECT_OK || !zkelect_is_leader(ps[i].e))
                return false;
            moved += lease > from[i] + by_ms * NS_PER_MS;
        }
        if (moved == n) {
            for (int i = 0; i < n; i++)
                zkelect_lease_deadline(ps[i].e, &from[i]);
            return true;
        }
        poll_pause();
    } while (mono_ns() < deadline);
    return false;
}

/* The leaders of one session renew together: one request on the session
 * proves what a read of each node would, as each node's own watch tells of
 * its deletion or a write first. Once every leader has renewed once (the
 * read that sets the watch on its node), SHARDS leases kept through two
 * more renewal periods (T/4 each, T = 4 s here) cost fewer reads than
 * there are elections (a read each per period would be 2 * SHARDS). A node
 * deleted behind one's back still ends that term at once, and its election
 * leads again; nobody else is touched. */
static void test_renewals_ride_the_session(void)
{
    rec_reset(&rec);
    static participant_t ps[SHARDS];
    zkelect_session_t *s = start_session();
    start_shards(ps, 0, SHARDS, s, "renewals");
    CU_ASSERT_FATAL(wait_all_leading(ps, SHARDS, true, 10 * SEC));
    int64_t leases[SHARDS];
    for (int i = 0; i < SHARDS; i++)
        CU_ASSERT_EQUAL(zkelect_lease_deadline(ps[i].e, &leases[i]), ZKELECT_OK);
    CU_ASSERT_FATAL(all_leases_moved(ps, SHARDS, leases, 0, 10 * SEC)); /* each node watched */
    uint64_t reads_before = reads_sent(ps, SHARDS);
    CU_ASSERT(all_leases_moved(ps, SHARDS, leases, 1500, 15 * SEC));
    uint64_t reads = reads_sent(ps, SHARDS) - reads_before;
    CU_ASSERT(reads >= 1);
    CU_ASSERT(reads < SHARDS);
    if (reads >= SHARDS)
        fprintf(stderr, "%llu reads for %d leases\n", (unsigned long long)reads, SHARDS);

    /* one rider's node deleted by someone else: only it is revoked */
    size_t mark = rec_count(&rec);
    char node[512];
    CU_ASSERT_EQUAL_FATAL(zkelect_node_path(ps[7].e, node, sizeof node), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zoo_delete(admin, node, -1), ZOK);
    long revoked = rec_wait(&rec, 7, ZKELECT_EV_REVOKED, mark, 5 * SEC);
    CU_ASSERT_FATAL(revoked >= 0);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)revoked).reason, ZKELECT_REASON_NODE_DELETED);
    CU_ASSERT(rec_wait(&rec, 7, ZKELECT_EV_ELECTED, (size_t)revoked, 5 * SEC) >= 0);
    CU_ASSERT_EQUAL(rec_tally(&rec, -1, ZKELECT_EV_REVOKED, mark), 1);
    for (int i = 0; i < SHARDS; i++)
        CU_ASSERT_EQUAL(zkelect_lease_deadline(ps[i].e, &leases[i]), ZKELECT_OK);
    CU_ASSERT(all_leases_moved(ps, SHARDS, leases, 500, 10 * SEC));
    zkelect_session_destroy(s);
}

/* Bad calls: a return code each, and a reason in the log where there is a handle. */
static void test_bad_calls(void)
{
    rec_reset(&rec);
    zkelect_session_t *s = NULL;
    zkelect_t *e = (zkelect_t *)1;
    CU_ASSERT_EQUAL(zkelect_session_new(NULL, server.hosts), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_session_new(&s, "127.0.0.1:99999"), ZKELECT_EINVAL);
    CU_ASSERT_PTR_NULL(s);
    CU_ASSERT_EQUAL(zkelect_session_new(&s, NULL), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_new_on_session(&e, NULL, "/x", "id"), ZKELECT_EINVAL);
    CU_ASSERT_PTR_NULL(e);
    CU_ASSERT_EQUAL(zkelect_session_start(NULL), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_session_set_timeout(NULL, 4000), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_session_wait_connected(NULL, 0), ZKELECT_EINVAL);
    zkelect_session_destroy(NULL);

    CU_ASSERT_EQUAL_FATAL(zkelect_session_new(&s, server.hosts), ZKELECT_OK);
    session_log_errors = 0;
    CU_ASSERT_EQUAL(zkelect_session_set_log(s, session_log, NULL), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_session_set_timeout(s, 50), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_session_set_auth(s, "", "x", 1), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_session_set_log_level(s, 9), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(session_log_errors, 3);
    /* a refused path or id is explained in the session's log */
    CU_ASSERT_EQUAL(zkelect_new_on_session(&e, s, "no-slash", "id"), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_new_on_session(&e, s, "/x", ""), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(session_log_errors, 5);
    CU_ASSERT_EQUAL(zkelect_new_on_session(NULL, s, "/x", "id"), ZKELECT_EINVAL);

    static participant_t p;
    char path[256];
    election_path(path, sizeof path, "bad", 0);
    CU_ASSERT_EQUAL_FATAL(participant_new_on(&p, 0, &rec, s, path), ZKELECT_OK);
    /* session-wide settings belong to the session */
    CU_ASSERT_EQUAL(zkelect_set_session_timeout(p.e, 4000), ZKELECT_ESTATE);
    CU_ASSERT_EQUAL(zkelect_set_auth(p.e, "digest", "u:p", 3), ZKELECT_ESTATE);
    CU_ASSERT_EQUAL(zkelect_set_dispatch_mode(p.e, ZKELECT_DISPATCH_MANUAL), ZKELECT_ESTATE);
    CU_ASSERT_EQUAL(p.log_errors, 3);
    /* not before its session */
    CU_ASSERT_EQUAL(zkelect_start(p.e), ZKELECT_ESTATE);
    CU_ASSERT_EQUAL(p.log_errors, 4);
    CU_ASSERT_EQUAL_FATAL(zkelect_session_start(s), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_session_start(s), ZKELECT_ESTATE);
    CU_ASSERT_EQUAL(zkelect_session_set_timeout(s, 4000), ZKELECT_ESTATE);
    CU_ASSERT_EQUAL(zkelect_start(p.e), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_start(p.e), ZKELECT_ESTATE);
    CU_ASSERT(rec_wait(&rec, 0, ZKELECT_EV_ELECTED, 0, 10 * SEC) >= 0);
    /* an election never started is simply freed */
    zkelect_t *idle;
    CU_ASSERT_EQUAL_FATAL(zkelect_new_on_session(&idle, s, path, "idle"), ZKELECT_OK);
    zkelect_destroy(idle);
    /* and one never started is freed with its session */
    zkelect_t *left_over;
    CU_ASSERT_EQUAL_FATAL(zkelect_new_on_session(&left_over, s, path, "left-over"), ZKELECT_OK);
    zkelect_session_destroy(s);
    CU_ASSERT_EQUAL(rec_tally(&rec, 0, ZKELECT_EV_REVOKED, 0), 1);
}

int main(void)
{
    static const CU_TestInfo tests[] = {
        TEST(test_many_elections_one_session),
        TEST(test_one_election_leaves_others_stay),
        TEST(test_expiry_revokes_every_election),
        TEST(test_destroy_from_callback),
        TEST(test_session_destroy_closes_all),
        TEST(test_observer_on_shared_session),
        TEST(test_renewals_ride_the_session),
        TEST(test_bad_calls),
        CU_TEST_INFO_NULL,
    };
    return run_server_suite("elections on a shared session", &server, &admin, &rec, tests);
}
