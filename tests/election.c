/* election.c - the election on a real ZooKeeper: who leads, in what order, with
 * which epoch, and how the line changes when participants come and go
 *
 * One standalone server for the program; every test has its own election
 * path. All waits are on conditions with deadlines. */
#include "harness.h"
#include "inspect.h"

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zookeeper/zookeeper.h>

#define NS_PER_MS 1000000LL

static zk_server_t server;
static void *admin; /* a plain handle to look at the tree */
static recorder_t rec;

/* Sequence numbers in serial-number order (RFC 1982). */
static bool seq_before(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)b - (uint32_t)a) > 0;
}

/* ----------------------------------------------------------- who leads */

static void test_single_participant_elected(void)
{
    const char *p = test_election(&rec, "single");
    static participant_t a;
    CU_ASSERT_EQUAL_FATAL(participant_start(&a, 0, &rec, server.hosts, p), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_wait_leader(a.e, 10 * SEC), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_is_leader(a.e), 1);
    CU_ASSERT(zkelect_epoch(a.e) > 0);
    long joined = rec_wait(&rec, 0, ZKELECT_EV_JOINED, 0, SEC);
    long elected = rec_wait(&rec, 0, ZKELECT_EV_ELECTED, 0, 5 * SEC);
    CU_ASSERT(joined >= 0 && elected > joined);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)elected).epoch, zkelect_epoch(a.e));

    int64_t deadline;
    CU_ASSERT_EQUAL(zkelect_lease_deadline(a.e, &deadline), ZKELECT_OK);
    int64_t now_ns = boot_ns();
    int timeout = zkelect_session_timeout(a.e);
    CU_ASSERT(timeout >= 400);
    CU_ASSERT(deadline > now_ns && deadline <= now_ns + (int64_t)timeout * NS_PER_MS);

    char id[64];
    CU_ASSERT_EQUAL(zkelect_get_leader(a.e, id, sizeof id), ZKELECT_OK);
    CU_ASSERT_STRING_EQUAL(id, "p0");
    char node[512];
    CU_ASSERT_EQUAL(zkelect_node_path(a.e, node, sizeof node), ZKELECT_OK);
    CU_ASSERT(strncmp(node, p, strlen(p)) == 0);
    participant_destroy(&a);
    /* destroy deletes the node at once */
    CU_ASSERT_EQUAL(zk_child_count(admin, p), 0);
}

static void test_five_participants_join_order(void)
{
    const char *p = test_election(&rec, "five");
    static participant_t ps[5];
    start_all(ps, 5, &rec, server.hosts, p);
    CU_ASSERT_EQUAL(wait_single_leader(ps, 5, 10 * SEC), 0);
    zkelect_participant_t *list;
    size_t n;
    CU_ASSERT_EQUAL_FATAL(zkelect_participants(ps[3].e, &list, &n), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(n, 5);
    for (size_t i = 0; i < n; i++) {
        char want[32];
        snprintf(want, sizeof want, "p%zu", i);
        CU_ASSERT_STRING_EQUAL(list[i].id, want);
        CU_ASSERT_EQUAL(list[i].is_leader, i == 0);
        CU_ASSERT_EQUAL(list[i].is_self, i == 3);
        CU_ASSERT(list[i].session_id != 0);
        if (i > 0) {
            CU_ASSERT(list[i].czxid > list[i - 1].czxid);
            CU_ASSERT(seq_before(list[i - 1].sequence, list[i].sequence));
        }
    }
    zkelect_participants_free(list, n);
    CU_ASSERT_EQUAL(leader_count(ps, 5), 1);
    destroy_all(ps, 5);
}

static void test_leader_leaves_next_elected(void)
{
    const char *p = test_election(&rec, "leader-leaves");
    static participant_t ps[3];
    start_all(ps, 3, &rec, server.hosts, p);
    CU_ASSERT_EQUAL_FATAL(wait_single_leader(ps, 3, 10 * SEC), 0);
    int64_t old_epoch = zkelect_epoch(ps[0].e);
    size_t mark = rec_count(&rec);
    int64_t t0 = mono_ns();
    participant_destroy(&ps[0]);
    long revoked = rec_wait(&rec, 0, ZKELECT_EV_REVOKED, mark, SEC);
    long elected = rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 2 * SEC);
    CU_ASSERT_FATAL(revoked >= 0 && elected >= 0);
    CU_ASSERT(revoked < elected);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)revoked).reason, ZKELECT_REASON_CLOSED);
    /* elected well before any session timeout could have played a part */
    CU_ASSERT(rec_get(&rec, (size_t)elected).t_ns - t0 < 1000 * NS_PER_MS);
    CU_ASSERT(rec_get(&rec, (size_t)elected).epoch > old_epoch);
    CU_ASSERT_EQUAL(wait_single_leader(ps + 1, 2, SEC), 0);
    destroy_all(ps + 1, 2);
}

/* Whether ps[from..to) all watch their predecessors. */
static bool all_watching(participant_t *ps, int from, int to)
{
    for (int i = from; i < to; i++)
        if (!inspect_line(ps[i].e).watching)
            return false;
    return true;
}

static void test_middle_leaves_only_successor_notified(void)
{
    const char *p = test_election(&rec, "middle-leaves");
    static participant_t ps[5];
    start_all(ps, 5, &rec, server.hosts, p);
    CU_ASSERT_EQUAL_FATAL(wait_single_leader(ps, 5, 10 * SEC), 0);
    CU_ASSERT_FATAL(rec_wait(&rec, 0, ZKELECT_EV_ELECTED, 0, 5 * SEC) >= 0);
    /* every follower is watching its predecessor before anyone leaves */
    WAIT_FOR(all_watching(ps, 1, 5), 5 * SEC);
    CU_ASSERT_FATAL(all_watching(ps, 1, 5));
    uint64_t before[5];
    for (int i = 0; i < 5; i++)
        before[i] = inspect_line(ps[i].e).notices;
    size_t mark = rec_count(&rec);
    participant_destroy(&ps[2]);
    WAIT_FOR(inspect_line(ps[3].e).notices != before[3], 5 * SEC);
    CU_ASSERT_EQUAL(inspect_line(ps[3].e).notices, before[3] + 1);
    /* p3 now watches p1: wait for that, then nobody else may have been woken */
    WAIT_FOR(inspect_line(ps[3].e).watching && inspect_watches(ps[3].e, ps[1].e), 5 * SEC);
    CU_ASSERT(inspect_line(ps[3].e).watching && inspect_watches(ps[3].e, ps[1].e));
    CU_ASSERT_EQUAL(inspect_line(ps[0].e).notices, before[0]);
    CU_ASSERT_EQUAL(inspect_line(ps[1].e).notices, before[1]);
    CU_ASSERT_EQUAL(inspect_line(ps[4].e).notices, before[4]);
    CU_ASSERT_EQUAL(zkelect_is_leader(ps[0].e), 1);
    CU_ASSERT_EQUAL(rec_tally(&rec, -1, ZKELECT_EV_ELECTED, mark), 0);
    CU_ASSERT_EQUAL(rec_tally(&rec, 0, ZKELECT_EV_REVOKED, mark), 0);
    participant_destroy(&ps[0]);
    participant_destroy(&ps[1]);
    participant_destroy(&ps[3]);
    participant_destroy(&ps[4]);
}

static void test_resign_goes_to_back_of_line(void)
{
    const char *p = test_election(&rec, "resign");
    static participant_t ps[3];
    start_all(ps, 3, &rec, server.hosts, p);
    CU_ASSERT_EQUAL_FATAL(wait_single_leader(ps, 3, 10 * SEC), 0);
    int64_t epoch0 = zkelect_epoch(ps[0].e);
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL(zkelect_resign(ps[0].e), ZKELECT_OK);
    /* is_leader is false as soon as resign returns */
    CU_ASSERT_EQUAL(zkelect_is_leader(ps[0].e), 0);
    CU_ASSERT_EQUAL(zkelect_epoch(ps[0].e), -1);
    long revoked = rec_wait(&rec, 0, ZKELECT_EV_REVOKED, mark, SEC);
    long elected = rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 2 * SEC);
    CU_ASSERT_FATAL(revoked >= 0 && elected > revoked);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)revoked).reason, ZKELECT_REASON_RESIGNED);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)revoked).epoch, epoch0);
    CU_ASSERT_FATAL(rec_wait(&rec, 0, ZKELECT_EV_JOINED, mark, 2 * SEC) >= 0);
    zkelect_participant_t *list;
    size_t n;
    /* wait until the old leader's new node is listed */
    int64_t deadline = mono_ns() + 2000 * NS_PER_MS;
    do {
        CU_ASSERT_EQUAL_FATAL(zkelect_participants(ps[1].e, &list, &n), ZKELECT_OK);
        if (n == 3)
            break;
        zkelect_participants_free(list, n);
        poll_pause();
    } while (mono_ns() < deadline);
    CU_ASSERT_EQUAL_FATAL(n, 3);
    CU_ASSERT_STRING_EQUAL(list[0].id, "p1");
    CU_ASSERT_STRING_EQUAL(list[1].id, "p2");
    CU_ASSERT_STRING_EQUAL(list[2].id, "p0");
    zkelect_participants_free(list, n);
    CU_ASSERT_EQUAL(leader_count(ps, 3), 1);
    /* resign of a follower: it moves to the back too, leader unchanged */
    mark = rec_count(&rec);
    CU_ASSERT_EQUAL(zkelect_resign(ps[2].e), ZKELECT_OK);
    CU_ASSERT(rec_wait(&rec, 2, ZKELECT_EV_JOINED, mark, 2 * SEC) >= 0);
    CU_ASSERT_EQUAL(rec_tally(&rec, 2, ZKELECT_EV_REVOKED, mark), 0);
    CU_ASSERT_EQUAL(zkelect_is_leader(ps[1].e), 1);
    destroy_all(ps, 3);
}

static void test_epochs_increase_over_failovers(void)
{
    const char *p = test_election(&rec, "epochs");
    static participant_t ps[3];
    start_all(ps, 3, &rec, server.hosts, p);
    int leader = wait_single_leader(ps, 3, 10 * SEC);
    CU_ASSERT_FATAL(leader >= 0);
    int64_t last = zkelect_epoch(ps[leader].e);
    for (int round = 0; round < 20; round++) {
        if (round == 10) {
            /* An operator wipes the election path: sequence numbers start
             * over, the epoch (czxid) still only grows. The participants
             * rejoin as soon as their nodes go, so the path and its
             * children go in one transaction. */
            size_t mark = rec_count(&rec);
            CU_ASSERT_EQUAL(zk_delete_children_and_path(admin, p), ZOK);
            for (int i = 0; i < 3; i++)
                CU_ASSERT(rec_wait(&rec, i, ZKELECT_EV_JOINED, mark, 10 * SEC) >= 0);
            /* the deletes above may have caught early rejoins: wait until
             * all three are back in line for good */
            WAIT_FOR(zk_child_count(admin, p) == 3, 10 * SEC);
            CU_ASSERT_EQUAL_FATAL(zk_child_count(admin, p), 3);
            leader = wait_single_leader(ps, 3, 10 * SEC);
            CU_ASSERT_FATAL(leader >= 0);
            CU_ASSERT(zkelect_epoch(ps[leader].e) > last);
            last = zkelect_epoch(ps[leader].e);
        }
        size_t mark = rec_count(&rec);
        CU_ASSERT_EQUAL(zkelect_resign(ps[leader].e), ZKELECT_OK);
        /* The successor is elected only after the old leader's REVOKED
         * returned; an ELECTED of the old leader may still be on its way
         * before that REVOKED. */
        long revoked = rec_wait(&rec, leader, ZKELECT_EV_REVOKED, mark, 5 * SEC);
        CU_ASSERT_FATAL(revoked >= 0);
        long elected = rec_wait(&rec, -1, ZKELECT_EV_ELECTED, (size_t)revoked, 5 * SEC);
        CU_ASSERT_FATAL(elected >= 0);
        rec_event_t ev = rec_get(&rec, (size_t)elected);
        CU_ASSERT(ev.who != leader);
        CU_ASSERT(ev.epoch > last);
        last = ev.epoch;
        leader = ev.who;
        CU_ASSERT_EQUAL(wait_single_leader(ps, 3, 5 * SEC), leader);
    }
    destroy_all(ps, 3);
}

static void test_session_expiry_revokes_and_rejoins(void)
{
    const char *p = test_election(&rec, "expiry");
    static participant_t ps[2];
    start_all(ps, 2, &rec, server.hosts, p);
    CU_ASSERT_EQUAL_FATAL(wait_single_leader(ps, 2, 10 * SEC), 0);
    int64_t epoch0 = zkelect_epoch(ps[0].e);
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL_FATAL(expire_session(ps[0].e, server.hosts), 0);
    long revoked = rec_wait(&rec, 0, ZKELECT_EV_REVOKED, mark, 10 * SEC);
    long elected = rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 10 * SEC);
    CU_ASSERT_FATAL(revoked >= 0 && elected >= 0);
    rec_event_t r = rec_get(&rec, (size_t)revoked), el = rec_get(&rec, (size_t)elected);
    CU_ASSERT(r.reason == ZKELECT_REASON_EXPIRED || r.reason == ZKELECT_REASON_SUSPENDED);
    CU_ASSERT(el.epoch > epoch0);
    /* the old leader rejoins by itself, at the back, on a new session */
    CU_ASSERT(rec_wait(&rec, 0, ZKELECT_EV_JOINED, mark, 10 * SEC) >= 0);
    CU_ASSERT_EQUAL(wait_single_leader(ps, 2, 5 * SEC), 1);
    zkelect_participant_t *list;
    size_t n;
    CU_ASSERT_EQUAL_FATAL(zkelect_participants(ps[0].e, &list, &n), ZKELECT_OK);
    CU_ASSERT_EQUAL(n, 2);
    if (n == 2) {
        CU_ASSERT_STRING_EQUAL(list[0].id, "p1");
        CU_ASSERT_STRING_EQUAL(list[1].id, "p0");
        CU_ASSERT(list[1].is_self);
    }
    zkelect_participants_free(list, n);
    destroy_all(ps, 2);
}

static void test_wait_leader_times_out(void)
{
    const char *p = test_election(&rec, "wait-timeout");
    static participant_t ps[2];
    start_all(ps, 2, &rec, server.hosts, p);
    CU_ASSERT_EQUAL_FATAL(wait_single_leader(ps, 2, 10 * SEC), 0);
    int64_t t0 = mono_ns();
    CU_ASSERT_EQUAL(zkelect_wait_leader(ps[1].e, 300), ZKELECT_ETIMEDOUT);
    int64_t waited = mono_ns() - t0;
    CU_ASSERT(waited >= 290 * NS_PER_MS && waited < 2000 * NS_PER_MS);
    CU_ASSERT_EQUAL(zkelect_wait_leader(ps[1].e, 0), ZKELECT_ETIMEDOUT);
    CU_ASSERT_EQUAL(zkelect_wait_leader(ps[0].e, 0), ZKELECT_OK);
    char id[64];
    CU_ASSERT_EQUAL(zkelect_get_leader(ps[1].e, id, sizeof id), ZKELECT_OK);
    CU_ASSERT_STRING_EQUAL(id, "p0");
    /* a buffer too small is ERANGE, and left empty */
    char small[2] = "x";
    CU_ASSERT_EQUAL(zkelect_get_leader(ps[1].e, small, sizeof small), ZKELECT_ERANGE);
    CU_ASSERT_STRING_EQUAL(small, "");
    destroy_all(ps, 2);
}

static void test_payload_and_participants(void)
{
    const char *p = test_election(&rec, "payload");
    static participant_t ps[2];
    for (int i = 0; i < 2; i++) {
        size_t mark = rec_count(&rec);
        CU_ASSERT_EQUAL_FATAL(participant_new(&ps[i], i, &rec, server.hosts, p), ZKELECT_OK);
        char data[32];
        int len = snprintf(data, sizeof data, "10.0.0.%d:80%c!", i, '\0');
        CU_ASSERT_EQUAL(zkelect_set_data(ps[i].e, data, (size_t)len), ZKELECT_OK);
        CU_ASSERT_EQUAL_FATAL(zkelect_start(ps[i].e), ZKELECT_OK);
        CU_ASSERT_FATAL(rec_wait(&rec, i, ZKELECT_EV_JOINED, mark, 10 * SEC) >= 0);
    }
    zkelect_participant_t *list;
    size_t n;
    CU_ASSERT_EQUAL_FATAL(zkelect_participants(ps[0].e, &list, &n), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(n, 2);
    for (size_t i = 0; i < n; i++) {
        char want[32];
        int len = snprintf(want, sizeof want, "10.0.0.%zu:80%c!", i, '\0');
        CU_ASSERT_EQUAL(list[i].data_len, (size_t)len);
        CU_ASSERT(list[i].data && memcmp(list[i].data, want, (size_t)len) == 0);
        CU_ASSERT(list[i].ctime_ms > 0);
    }
    zkelect_participants_free(list, n);
    destroy_all(ps, 2);
    /* an empty election: OK with nobody, and no leader */
    static participant_t lone;
    CU_ASSERT_EQUAL_FATAL(participant_start(&lone, 9, &rec, server.hosts, "/zkelect-tests/payload-other"),
                          ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_wait_connected(lone.e, 10 * SEC), ZKELECT_OK);
    char id[64];
    int rc;
    /* its own node may or may not be there yet: poll for it */
    WAIT_FOR((rc = zkelect_get_leader(lone.e, id, sizeof id)) != ZKELECT_ENOLEADER && rc != ZKELECT_ENOPATH, 5 * SEC);
    CU_ASSERT_EQUAL(rc, ZKELECT_OK);
    participant_destroy(&lone);
}

static void test_foreign_and_malformed_children_ignored(void)
{
    const char *p = test_election(&rec, "foreign");
    char node[512];
    CU_ASSERT_EQUAL_FATAL(zk_make_path(admin, p, 0), ZOK);
    const char *strangers[] = {"garbage", "zke_", "zke_xyz_0000000001", "zke_0123456789abcdef0123456789abcdef_12",
                               "lock-0000000001"};
    for (size_t i = 0; i < sizeof strangers / sizeof *strangers; i++) {
        snprintf(node, sizeof node, "%s/%s", p, strangers[i]);
        CU_ASSERT_EQUAL(zoo_create(admin, node, "x", 1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZOK);
    }
    /* an impostor: well-formed, lowest sequence, but persistent */
    snprintf(node, sizeof node, "%s/zke_00000000000000000000000000000000_", p);
    CU_ASSERT_EQUAL(zoo_create(admin, node, "evil", 4, &ZOO_OPEN_ACL_UNSAFE, ZOO_SEQUENCE, NULL, 0), ZOK);
    static participant_t ps[2];
    start_all(ps, 2, &rec, server.hosts, p);
    CU_ASSERT_EQUAL(wait_single_leader(ps, 2, 10 * SEC), 0);
    char id[64];
    CU_ASSERT_EQUAL(zkelect_get_leader(ps[1].e, id, sizeof id), ZKELECT_OK);
    CU_ASSERT_STRING_EQUAL(id, "p0");
    zkelect_participant_t *list;
    size_t n;
    CU_ASSERT_EQUAL(zkelect_participants(ps[1].e, &list, &n), ZKELECT_OK);
    CU_ASSERT_EQUAL(n, 2);
    zkelect_participants_free(list, n);
    /* failover still works past the strangers */
    size_t mark = rec_count(&rec);
    participant_destroy(&ps[0]);
    CU_ASSERT(rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 5 * SEC) >= 0);
    participant_destroy(&ps[1]);
}

/* ------------------------------------------------ stepping out of line */

static void test_leave_hands_over_and_stays_out(void)
{
    const char *p = test_election(&rec, "leave");
    static participant_t ps[3];
    start_all(ps, 3, &rec, server.hosts, p);
    CU_ASSERT_EQUAL_FATAL(wait_single_leader(ps, 3, 10 * SEC), 0);
    CU_ASSERT_FATAL(rec_wait(&rec, 0, ZKELECT_EV_ELECTED, 0, 5 * SEC) >= 0);
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL(zkelect_leave(ps[0].e), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_is_leader(ps[0].e), 0);
    long revoked = rec_wait(&rec, 0, ZKELECT_EV_REVOKED, mark, 5 * SEC);
    CU_ASSERT_FATAL(revoked >= 0);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)revoked).reason, ZKELECT_REASON_LEFT);
    CU_ASSERT(rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 5 * SEC) > revoked);
    /* It does not come back, yet its session and queries still work. */
    CU_ASSERT_EQUAL(zk_child_count(admin, p), 2);
    char id[64];
    CU_ASSERT_EQUAL(zkelect_get_leader(ps[0].e, id, sizeof id), ZKELECT_OK);
    CU_ASSERT_STRING_EQUAL(id, "p1");
    char node[512];
    CU_ASSERT_EQUAL(zkelect_node_path(ps[0].e, node, sizeof node), ZKELECT_ESTATE);
    CU_ASSERT_EQUAL(zkelect_leave(ps[0].e), ZKELECT_OK);      /* again: nothing */
    CU_ASSERT_EQUAL(zkelect_resign(ps[0].e), ZKELECT_ESTATE); /* left for good */
    CU_ASSERT_EQUAL(zkelect_wait_leader(ps[0].e, 300), ZKELECT_ETIMEDOUT);
    CU_ASSERT_EQUAL(rec_tally(&rec, 0, ZKELECT_EV_JOINED, mark), 0);
    /* A follower that leaves: its node goes, the leader is untouched. */
    mark = rec_count(&rec);
    CU_ASSERT_EQUAL(zkelect_leave(ps[2].e), ZKELECT_OK);
    WAIT_FOR(zk_child_count(admin, p) == 1, 5 * SEC);
    CU_ASSERT_EQUAL(zk_child_count(admin, p), 1);
    CU_ASSERT_EQUAL(zkelect_is_leader(ps[1].e), 1);
    CU_ASSERT_EQUAL(rec_tally(&rec, 2, ZKELECT_EV_REVOKED, mark), 0);
    CU_ASSERT_EQUAL(zkelect_leave(NULL), ZKELECT_EINVAL);
    destroy_all(ps, 3);
    CU_ASSERT_EQUAL(zk_child_count(admin, p), 0);
}

/* Out of line, then back in: a new node at the back, the line order kept,
 * and leadership when first again. */
static void test_rejoin_after_leave(void)
{
    const char *p = test_election(&rec, "rejoin");
    static participant_t ps[2];
    start_all(ps, 2, &rec, server.hosts, p);
    CU_ASSERT_EQUAL_FATAL(wait_single_leader(ps, 2, 10 * SEC), 0);
    CU_ASSERT_EQUAL(zkelect_rejoin(ps[0].e), ZKELECT_ESTATE); /* not left */
    CU_ASSERT_EQUAL(zkelect_rejoin(NULL), ZKELECT_EINVAL);
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL(zkelect_leave(ps[0].e), ZKELECT_OK);
    CU_ASSERT(rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 5 * SEC) >= 0);
    mark = rec_count(&rec);
    CU_ASSERT_EQUAL(zkelect_rejoin(ps[0].e), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_rejoin(ps[0].e), ZKELECT_ESTATE); /* in line already */
    CU_ASSERT_FATAL(rec_wait(&rec, 0, ZKELECT_EV_JOINED, mark, 5 * SEC) >= 0);
    CU_ASSERT_EQUAL(zk_child_count(admin, p), 2);
    CU_ASSERT_EQUAL(zkelect_is_leader(ps[1].e), 1);
    /* the one ahead goes: it leads again, with a new epoch */
    participant_destroy(&ps[1]);
    long elected = rec_wait(&rec, 0, ZKELECT_EV_ELECTED, mark, 5 * SEC);
    CU_ASSERT_FATAL(elected >= 0);
    long first = rec_wait(&rec, 0, ZKELECT_EV_ELECTED, 0, SEC);
    CU_ASSERT(rec_get(&rec, (size_t)elected).epoch > rec_get(&rec, (size_t)first).epoch);
    /* rejoin right after leave, while the old node is still being released */
    mark = rec_count(&rec);
    CU_ASSERT_EQUAL(zkelect_leave(ps[0].e), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_rejoin(ps[0].e), ZKELECT_OK);
    CU_ASSERT(rec_wait(&rec, 0, ZKELECT_EV_ELECTED, mark, 5 * SEC) >= 0);
    CU_ASSERT_EQUAL(zk_child_count(admin, p), 1);
    participant_destroy(&ps[0]);
    /* an observer has no place to leave or take */
    static participant_t obs;
    CU_ASSERT_EQUAL_FATAL(participant_new(&obs, 5, &rec, server.hosts, p), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_observer(obs.e, 1), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_rejoin(obs.e), ZKELECT_ESTATE); /* not started */
    CU_ASSERT_EQUAL_FATAL(zkelect_start(obs.e), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_rejoin(obs.e), ZKELECT_ESTATE);
    participant_destroy(&obs);
}

static void test_resign_while_joining_leaves_one_node(void)
{
    const char *p = test_election(&rec, "resign-joining");
    static participant_t a;
    CU_ASSERT_EQUAL_FATAL(participant_start(&a, 0, &rec, server.hosts, p), ZKELECT_OK);
    /* resign at once, possibly with a create in flight: that node, if it is
     * created, is deleted, and one candidacy remains */
    CU_ASSERT_EQUAL(zkelect_resign(a.e), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_resign(a.e), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_wait_leader(a.e, 10 * SEC), ZKELECT_OK);
    WAIT_FOR(zk_child_count(admin, p) == 1, 5 * SEC);
    CU_ASSERT_EQUAL(zk_child_count(admin, p), 1);
    participant_destroy(&a);
}

static void test_many_cycles(void)
{
    const char *p = test_election(&rec, "cycles");
    int cycles = getenv("ZKELECT_TEST_CYCLES") ? atoi(getenv("ZKELECT_TEST_CYCLES")) : 200;
    for (int i = 0; i < cycles; i++) {
        zkelect_t *e;
        CU_ASSERT_EQUAL_FATAL(zkelect_new(&e, server.hosts, p, "cycler"), ZKELECT_OK);
        CU_ASSERT_EQUAL_FATAL(zkelect_start(e), ZKELECT_OK);
        /* every third one waits for leadership; the rest leave mid-join */
        if (i % 3 == 0)
            CU_ASSERT_EQUAL(zkelect_wait_leader(e, 10 * SEC), ZKELECT_OK);
        zkelect_destroy(e);
    }
    /* no node is left behind, even by a create still in flight at destroy */
    int left;
    WAIT_FOR((left = zk_child_count(admin, p)) <= 0, 10 * SEC);
    CU_ASSERT_EQUAL(left, 0);
}

/* Where each participant stands is said (PLACE: how many ahead, whom it
 * follows), and each term says how it came (ELECTED: after whom, and
 * whether by a hand-over, the previous leader's node going, or a listing). */
static void test_place_and_takeover_are_said(void)
{
    const char *p = test_election(&rec, "place-takeover");
    static participant_t ps[3];
    start_all(ps, 3, &rec, server.hosts, p);
    long elected = rec_wait(&rec, 0, ZKELECT_EV_ELECTED, 0, 10 * SEC);
    CU_ASSERT_FATAL(elected >= 0);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)elected).takeover, ZKELECT_TAKEOVER_LISTED);
    CU_ASSERT_STRING_EQUAL(rec_get(&rec, (size_t)elected).other, "");
    long place1 = rec_wait(&rec, 1, ZKELECT_EV_PLACE, 0, 10 * SEC);
    long place2 = rec_wait(&rec, 2, ZKELECT_EV_PLACE, 0, 10 * SEC);
    CU_ASSERT_FATAL(place1 >= 0 && place2 >= 0);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)place1).ahead, 1);
    CU_ASSERT_STRING_EQUAL(rec_get(&rec, (size_t)place1).other, "p0");
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)place2).ahead, 2);
    CU_ASSERT_STRING_EQUAL(rec_get(&rec, (size_t)place2).other, "p1");
    CU_ASSERT_EQUAL(rec_tally(&rec, 0, ZKELECT_EV_PLACE, 0), 0);
    /* a crash: the leader's session ends, its node goes; the next in line
     * knows it was the only one ahead */
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL_FATAL(expire_session(ps[0].e, server.hosts), 0);
    elected = rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 10 * SEC);
    CU_ASSERT_FATAL(elected >= 0);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)elected).takeover, ZKELECT_TAKEOVER_GONE);
    CU_ASSERT_STRING_EQUAL(rec_get(&rec, (size_t)elected).other, "p0");
    /* p2 still follows p1: nothing to say; p0 rejoins behind p2, and says so */
    long place = rec_wait(&rec, 0, ZKELECT_EV_PLACE, mark, 10 * SEC);
    CU_ASSERT_FATAL(place >= 0);
    CU_ASSERT_STRING_EQUAL(rec_get(&rec, (size_t)place).other, "p2");
    CU_ASSERT_EQUAL(rec_tally(&rec, 2, ZKELECT_EV_PLACE, mark), 0);
    /* a graceful exit: a hand-over, to p2, which counted two ahead */
    mark = rec_count(&rec);
    CU_ASSERT_EQUAL(zkelect_leave(ps[1].e), ZKELECT_OK);
    elected = rec_wait(&rec, 2, ZKELECT_EV_ELECTED, mark, 5 * SEC);
    CU_ASSERT_FATAL(elected >= 0);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)elected).takeover, ZKELECT_TAKEOVER_HANDOVER);
    CU_ASSERT_STRING_EQUAL(rec_get(&rec, (size_t)elected).other, "p1");
    CU_ASSERT_STRING_EQUAL(zkelect_event_name(ZKELECT_EV_PLACE), "PLACE");
    destroy_all(ps, 3);
}

int main(void)
{
    static const CU_TestInfo tests[] = {
        TEST(test_single_participant_elected),
        TEST(test_five_participants_join_order),
        TEST(test_leader_leaves_next_elected),
        TEST(test_middle_leaves_only_successor_notified),
        TEST(test_leave_hands_over_and_stays_out),
        TEST(test_rejoin_after_leave),
        TEST(test_place_and_takeover_are_said),
        TEST(test_resign_goes_to_back_of_line),
        TEST(test_epochs_increase_over_failovers),
        TEST(test_session_expiry_revokes_and_rejoins),
        TEST(test_wait_leader_times_out),
        TEST(test_payload_and_participants),
        TEST(test_foreign_and_malformed_children_ignored),
        TEST(test_resign_while_joining_leaves_one_node),
        TEST(test_many_cycles),
        CU_TEST_INFO_NULL,
    };
    return run_server_suite("the election", &server, &admin, &rec, tests);
}
