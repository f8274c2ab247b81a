/* integration.c - the election against a real ZooKeeper server.
 *
 * One standalone server is started for the whole suite; every test has its
 * own election path. All waits are on conditions with deadlines. */
#include "harness.h"
#include "internal.h"
#include "proxy.h"

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zookeeper/zookeeper.h>

#define SEC 1000
#define NS_PER_MS 1000000LL

static zk_server_t server;
static void *admin; /* a plain handle to look at the tree */
static recorder_t rec;

/* Each test: a fresh recorder and its own election path. */
static char path[256];

static const char *test_path(const char *name)
{
    snprintf(path, sizeof path, "/zkelect-tests/%s", name);
    rec_reset(&rec);
    return path;
}

/* Lets ms pass: the window in which a test shows that something does not
 * happen (a retry storm, a second ELECTED). Never a stand-in for waiting on
 * something that will happen: that is rec_wait() with a deadline. */
static void observe_for(int ms)
{
    int64_t until = mono_ns() + (int64_t)ms * NS_PER_MS;
    while (mono_ns() < until)
        poll_pause();
}

static void start_all(participant_t *ps, int n, const char *p)
{
    for (int i = 0; i < n; i++) {
        size_t mark = rec_count(&rec);
        CU_ASSERT_EQUAL_FATAL(participant_start(&ps[i], i, &rec, server.hosts, p), ZKELECT_OK);
        /* joining one after the other fixes the line order */
        CU_ASSERT_FATAL(rec_wait(&rec, i, ZKELECT_EV_JOINED, mark, 10 * SEC) >= 0);
    }
}

static void destroy_all(participant_t *ps, int n)
{
    for (int i = 0; i < n; i++)
        participant_destroy(&ps[i]);
}

/* ------------------------------------------------------------------ basics */

static void test_single_participant_elected(void)
{
    const char *p = test_path("single");
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
    struct timespec now;
    clock_gettime(CLOCK_BOOTTIME, &now);
    int64_t now_ns = now.tv_sec * 1000000000LL + now.tv_nsec;
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
    const char *p = test_path("five");
    static participant_t ps[5];
    start_all(ps, 5, p);
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
            CU_ASSERT(zkelect__seq_before(list[i - 1].sequence, list[i].sequence));
        }
    }
    zkelect_participants_free(list, n);
    CU_ASSERT_EQUAL(leader_count(ps, 5), 1);
    destroy_all(ps, 5);
}

static void test_leader_leaves_next_elected(void)
{
    const char *p = test_path("leader-leaves");
    static participant_t ps[3];
    start_all(ps, 3, p);
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

/* Counts the log lines that say a predecessor watch fired. */
static int watch_fires[8];

static void count_watch_fires(zkelect_t *e, int level, const char *message, void *userdata)
{
    (void)e, (void)level;
    participant_t *pt = userdata;
    if (strstr(message, "predecessor") && strstr(message, "changed"))
        __atomic_add_fetch(&watch_fires[pt->idx], 1, __ATOMIC_SEQ_CST);
}

static void test_middle_leaves_only_successor_notified(void)
{
    const char *p = test_path("middle-leaves");
    static participant_t ps[5];
    memset(watch_fires, 0, sizeof watch_fires);
    for (int i = 0; i < 5; i++) {
        size_t mark = rec_count(&rec);
        CU_ASSERT_EQUAL_FATAL(participant_new(&ps[i], i, &rec, server.hosts, p), ZKELECT_OK);
        zkelect_set_log(ps[i].e, count_watch_fires, &ps[i]);
        zkelect_set_log_level(ps[i].e, ZKELECT_LOG_DEBUG);
        CU_ASSERT_EQUAL_FATAL(zkelect_start(ps[i].e), ZKELECT_OK);
        CU_ASSERT_FATAL(rec_wait(&rec, i, ZKELECT_EV_JOINED, mark, 10 * SEC) >= 0);
    }
    CU_ASSERT_EQUAL_FATAL(wait_single_leader(ps, 5, 10 * SEC), 0);
    CU_ASSERT_FATAL(rec_wait(&rec, 0, ZKELECT_EV_ELECTED, 0, 5 * SEC) >= 0);
    /* every follower is watching its predecessor before anyone leaves */
    int64_t deadline = mono_ns() + 5000 * NS_PER_MS;
    bool all_watching;
    do {
        all_watching = true;
        for (int i = 1; i < 5; i++) {
            pthread_mutex_lock(ps[i].e->lock);
            all_watching &= ps[i].e->phase == ZKE_WATCHING;
            pthread_mutex_unlock(ps[i].e->lock);
        }
    } while (!all_watching && mono_ns() < deadline && (poll_pause(), 1));
    CU_ASSERT_FATAL(all_watching);
    int before[5];
    for (int i = 0; i < 5; i++)
        before[i] = __atomic_load_n(&watch_fires[i], __ATOMIC_SEQ_CST);
    size_t mark = rec_count(&rec);
    participant_destroy(&ps[2]);
    deadline = mono_ns() + 5000 * NS_PER_MS;
    while (__atomic_load_n(&watch_fires[3], __ATOMIC_SEQ_CST) == before[3] && mono_ns() < deadline)
        poll_pause();
    CU_ASSERT_EQUAL(watch_fires[3], before[3] + 1);
    /* p3 now watches p1: wait for that, then nobody else may have been woken */
    deadline = mono_ns() + 5000 * NS_PER_MS;
    bool settled = false;
    while (!settled && mono_ns() < deadline) {
        pthread_mutex_lock(ps[3].e->lock);
        settled = ps[3].e->phase == ZKE_WATCHING && ps[3].e->watched_path &&
                  strcmp(ps[3].e->watched_path, ps[1].e->own_path) == 0;
        pthread_mutex_unlock(ps[3].e->lock);
        if (!settled)
            poll_pause();
    }
    CU_ASSERT(settled);
    CU_ASSERT_EQUAL(watch_fires[0], before[0]);
    CU_ASSERT_EQUAL(watch_fires[1], before[1]);
    CU_ASSERT_EQUAL(watch_fires[4], before[4]);
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
    const char *p = test_path("resign");
    static participant_t ps[3];
    start_all(ps, 3, p);
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
    const char *p = test_path("epochs");
    static participant_t ps[3];
    start_all(ps, 3, p);
    int leader = wait_single_leader(ps, 3, 10 * SEC);
    CU_ASSERT_FATAL(leader >= 0);
    int64_t last = zkelect_epoch(ps[leader].e);
    for (int round = 0; round < 20; round++) {
        if (round == 10) {
            /* An operator wipes the election path: sequence numbers start
             * over, the epoch (czxid) still only grows. The participants
             * rejoin as soon as their nodes go, so the operator may have to
             * try again before the path itself can be deleted. */
            size_t mark = rec_count(&rec);
            int rc = ZNOTEMPTY;
            for (int attempt = 0; attempt < 100 && rc == ZNOTEMPTY; attempt++)
                rc = zk_delete_recursive(admin, p);
            CU_ASSERT_EQUAL(rc, ZOK);
            for (int i = 0; i < 3; i++)
                CU_ASSERT(rec_wait(&rec, i, ZKELECT_EV_JOINED, mark, 10 * SEC) >= 0);
            /* the deletes above may have caught early rejoins: wait until
             * all three are back in line for good */
            int64_t deadline = mono_ns() + 10000 * NS_PER_MS;
            while (zk_child_count(admin, p) != 3 && mono_ns() < deadline)
                poll_pause();
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
    const char *p = test_path("expiry");
    static participant_t ps[2];
    start_all(ps, 2, p);
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
    const char *p = test_path("wait-timeout");
    static participant_t ps[2];
    start_all(ps, 2, p);
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
    const char *p = test_path("payload");
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
    int64_t deadline = mono_ns() + 5000 * NS_PER_MS;
    while ((rc = zkelect_get_leader(lone.e, id, sizeof id)) == ZKELECT_ENOLEADER && mono_ns() < deadline)
        poll_pause();
    CU_ASSERT_EQUAL(rc, ZKELECT_OK);
    participant_destroy(&lone);
}

static void test_foreign_and_malformed_children_ignored(void)
{
    const char *p = test_path("foreign");
    char node[512];
    CU_ASSERT_EQUAL(zoo_create(admin, "/zkelect-tests", NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0) == ZOK ||
                        zoo_exists(admin, "/zkelect-tests", 0, NULL) == ZOK,
                    1);
    CU_ASSERT_EQUAL_FATAL(zoo_create(admin, p, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZOK);
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
    start_all(ps, 2, p);
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

/* ------------------------------------------------------ callbacks & threads */

typedef struct slow_ctx {
    pthread_t dispatch;
} slow_ctx_t;

static void slow_elected_hook(participant_t *pt, const zkelect_event_t *ev)
{
    if (ev->type != ZKELECT_EV_ELECTED)
        return;
    ((slow_ctx_t *)pt->hook_arg)->dispatch = pthread_self();
    struct timespec one_second = {1, 0};
    nanosleep(&one_second, NULL); /* the host's slow work, on purpose */
}

static void test_slow_callback_does_not_stall_zookeeper(void)
{
    const char *p = test_path("slow-callback");
    static participant_t a;
    slow_ctx_t ctx = {0};
    CU_ASSERT_EQUAL_FATAL(participant_new(&a, 0, &rec, server.hosts, p), ZKELECT_OK);
    a.hook = slow_elected_hook;
    a.hook_arg = &ctx;
    CU_ASSERT_EQUAL_FATAL(zkelect_start(a.e), ZKELECT_OK);
    CU_ASSERT_FATAL(rec_wait(&rec, 0, ZKELECT_EV_ELECTED, 0, 10 * SEC) >= 0);
    /* the callback now blocks for a second; ZooKeeper work goes on */
    int64_t t0 = mono_ns();
    char id[64];
    CU_ASSERT_EQUAL(zkelect_get_leader(a.e, id, sizeof id), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_is_leader(a.e), 1);
    CU_ASSERT(mono_ns() - t0 < 500 * NS_PER_MS);
    /* callbacks run on the library's dispatch thread, not ours */
    CU_ASSERT(!pthread_equal(rec_get(&rec, 0).thread, pthread_self()));
    participant_destroy(&a);
}

static void resign_in_callback(participant_t *pt, const zkelect_event_t *ev)
{
    if (ev->type == ZKELECT_EV_ELECTED && pt->hook_arg == NULL) {
        pt->hook_arg = (void *)1;
        char id[64];
        CU_ASSERT_EQUAL(zkelect_get_leader(pt->e, id, sizeof id), ZKELECT_OK);
        CU_ASSERT_STRING_EQUAL(id, pt->id);
        CU_ASSERT_EQUAL(zkelect_wait_leader(pt->e, 1000), ZKELECT_ESTATE);
        CU_ASSERT_EQUAL(zkelect_resign(pt->e), ZKELECT_OK);
        CU_ASSERT_EQUAL(zkelect_is_leader(pt->e), 0);
    }
}

static void test_resign_and_queries_inside_callback(void)
{
    const char *p = test_path("resign-in-callback");
    static participant_t ps[2];
    CU_ASSERT_EQUAL_FATAL(participant_new(&ps[0], 0, &rec, server.hosts, p), ZKELECT_OK);
    ps[0].hook = resign_in_callback;
    CU_ASSERT_EQUAL_FATAL(zkelect_start(ps[0].e), ZKELECT_OK);
    CU_ASSERT_FATAL(rec_wait(&rec, 0, ZKELECT_EV_ELECTED, 0, 10 * SEC) >= 0);
    /* alone in line, it resigns and is elected again, with a larger epoch */
    long revoked = rec_wait(&rec, 0, ZKELECT_EV_REVOKED, 0, 5 * SEC);
    CU_ASSERT_FATAL(revoked >= 0);
    long again = rec_wait(&rec, 0, ZKELECT_EV_ELECTED, (size_t)revoked, 5 * SEC);
    CU_ASSERT_FATAL(again >= 0);
    CU_ASSERT(rec_get(&rec, (size_t)again).epoch > rec_get(&rec, (size_t)revoked).epoch);
    participant_destroy(&ps[0]);
}

static void destroy_in_callback(participant_t *pt, const zkelect_event_t *ev)
{
    if (ev->type == ZKELECT_EV_ELECTED) {
        zkelect_destroy(pt->e);
        pt->hook_arg = (void *)1;
    }
}

static void test_destroy_inside_callback(void)
{
    const char *p = test_path("destroy-in-callback");
    static participant_t ps[2];
    CU_ASSERT_EQUAL_FATAL(participant_new(&ps[0], 0, &rec, server.hosts, p), ZKELECT_OK);
    ps[0].hook = destroy_in_callback;
    CU_ASSERT_EQUAL_FATAL(zkelect_start(ps[0].e), ZKELECT_OK);
    /* p0 destroys itself inside ELECTED: REVOKED(closed) follows, its node goes */
    long revoked = rec_wait(&rec, 0, ZKELECT_EV_REVOKED, 0, 10 * SEC);
    CU_ASSERT_FATAL(revoked >= 0);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)revoked).reason, ZKELECT_REASON_CLOSED);
    CU_ASSERT_EQUAL(rec_tally(&rec, 0, ZKELECT_EV_ELECTED, 0), 1);
    int64_t deadline = mono_ns() + 5000 * NS_PER_MS;
    while (zk_child_count(admin, p) != 0 && mono_ns() < deadline)
        poll_pause();
    CU_ASSERT_EQUAL(zk_child_count(admin, p), 0);
    /* and the election goes on for the others */
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL_FATAL(participant_start(&ps[1], 1, &rec, server.hosts, p), ZKELECT_OK);
    CU_ASSERT(rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 5 * SEC) >= 0);
    participant_destroy(&ps[1]);
}

/* ---------------------------------------------------------------- the lease */

static void lease_through_server_pause(int policy, const char *name)
{
    const char *p = test_path(name);
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


/* ------------------------------------------------------- network failures */

static void test_lost_create_reply_adopts_node(void)
{
    const char *p = test_path("lost-create");
    /* the path exists, so that the first create is the participant's own */
    zoo_create(admin, "/zkelect-tests", NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
    CU_ASSERT_EQUAL_FATAL(zoo_create(admin, p, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZOK);
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

static int64_t boot_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_BOOTTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* What the leader's REVOKED said of its successor, and when the successor
 * was elected, on the lease clock. */
typedef struct successor_bound {
    atomic_llong not_before_ns, revoked_ns, elected_ns;
} successor_bound_t;

/* The hook runs after the recorder saw the event: wait for it too. */
static int64_t wait_set(atomic_llong *v)
{
    int64_t deadline = mono_ns() + 5 * SEC * NS_PER_MS;
    while (atomic_load(v) == 0 && mono_ns() < deadline)
        poll_pause();
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
    }
}

/* ------------------------------------------------------------------- leave */

static void test_leave_hands_over_and_stays_out(void)
{
    const char *p = test_path("leave");
    static participant_t ps[3];
    start_all(ps, 3, p);
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
    int64_t deadline = mono_ns() + 5 * SEC * NS_PER_MS;
    while (zk_child_count(admin, p) != 1 && mono_ns() < deadline)
        poll_pause();
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
    const char *p = test_path("rejoin");
    static participant_t ps[2];
    start_all(ps, 2, p);
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

/* ------------------------------------------------------------ the fast path */

typedef struct request_counts {
    uint64_t reads, lists, quick, handoffs;
} request_counts_t;

static request_counts_t counts(zkelect_t *e)
{
    pthread_mutex_lock(e->lock);
    request_counts_t c = {e->reads_sent, e->lists_sent, e->quick_takeovers, e->handoff_takeovers};
    pthread_mutex_unlock(e->lock);
    return c;
}

static size_t ahead_count(zkelect_t *e)
{
    pthread_mutex_lock(e->lock);
    size_t n = e->n_ahead;
    pthread_mutex_unlock(e->lock);
    return n;
}

/* Next in line, with its own node watched and the predecessor watched:
 * ready to take over without a round trip. */
static bool on_standby(zkelect_t *e)
{
    pthread_mutex_lock(e->lock);
    bool ready = e->phase == ZKE_WATCHING && e->n_ahead == 1 && e->own_watched;
    pthread_mutex_unlock(e->lock);
    return ready;
}

static bool watching(zkelect_t *e)
{
    pthread_mutex_lock(e->lock);
    bool yes = e->phase == ZKE_WATCHING;
    pthread_mutex_unlock(e->lock);
    return yes;
}

static bool wait_watching(zkelect_t *e)
{
    int64_t deadline = mono_ns() + 5 * SEC * NS_PER_MS;
    while (!watching(e) && mono_ns() < deadline)
        poll_pause();
    return watching(e);
}

/* Whether a's predecessor watch is on b's node. */
static bool watches_node_of(zkelect_t *a, zkelect_t *b)
{
    char node[512];
    if (zkelect_node_path(b, node, sizeof node) != ZKELECT_OK)
        return false;
    pthread_mutex_lock(a->lock);
    bool yes = a->watched_path && strcmp(a->watched_path, node) == 0;
    pthread_mutex_unlock(a->lock);
    return yes;
}

static bool wait_standby(zkelect_t *e)
{
    int64_t deadline = mono_ns() + 5 * SEC * NS_PER_MS;
    while (!on_standby(e) && mono_ns() < deadline)
        poll_pause();
    return on_standby(e);
}

/* n participants in line: p0 leading, p1 next in line and ready to take over
 * (see on_standby), the others watching their predecessors. */
static void line_up(participant_t *ps, int n, const char *p)
{
    start_all(ps, n, p);
    CU_ASSERT_EQUAL_FATAL(wait_single_leader(ps, n, 10 * SEC), 0);
    CU_ASSERT_FATAL(wait_standby(ps[1].e));
    for (int i = 2; i < n; i++)
        CU_ASSERT_FATAL(wait_watching(ps[i].e));
}

static void test_second_in_line_takes_over_without_listing(void)
{
    const char *p = test_path("quick-takeover");
    static participant_t ps[3];
    line_up(ps, 3, p);
    request_counts_t before = counts(ps[1].e), third = counts(ps[2].e);
    size_t mark = rec_count(&rec);
    participant_destroy(&ps[0]);
    CU_ASSERT_FATAL(rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 5 * SEC) >= 0);
    request_counts_t after = counts(ps[1].e);
    /* One notification, no listing, no ownership read: elected by the
     * notification alone. */
    CU_ASSERT_EQUAL(after.quick, before.quick + 1);
    CU_ASSERT_EQUAL(after.lists, before.lists);
    CU_ASSERT_EQUAL(leader_count(ps + 1, 2), 1);
    CU_ASSERT_EQUAL(zkelect_is_leader(ps[1].e), 1);
    /* The third was not woken and sent nothing. */
    CU_ASSERT_EQUAL(counts(ps[2].e).reads, third.reads);
    participant_destroy(&ps[1]);
    participant_destroy(&ps[2]);
}

static void test_further_back_relists_and_rewatches(void)
{
    const char *p = test_path("relist");
    static participant_t ps[3];
    /* p2 waits behind p1 with two contenders ahead: when p1 leaves it must
     * list again (p0 may still be there, and is) and watch p0. */
    line_up(ps, 3, p);
    request_counts_t before = counts(ps[2].e);
    participant_destroy(&ps[1]);
    CU_ASSERT_FATAL(wait_standby(ps[2].e));
    request_counts_t after = counts(ps[2].e);
    CU_ASSERT_EQUAL(after.lists, before.lists + 1);
    CU_ASSERT_EQUAL(after.quick, before.quick);
    CU_ASSERT_EQUAL(zkelect_is_leader(ps[2].e), 0);
    CU_ASSERT_EQUAL(zkelect_is_leader(ps[0].e), 1);
    CU_ASSERT(watches_node_of(ps[2].e, ps[0].e));
    /* Now second in line: the next departure is taken over at once. */
    before = counts(ps[2].e);
    size_t mark = rec_count(&rec);
    participant_destroy(&ps[0]);
    CU_ASSERT_FATAL(rec_wait(&rec, 2, ZKELECT_EV_ELECTED, mark, 5 * SEC) >= 0);
    after = counts(ps[2].e);
    CU_ASSERT_EQUAL(after.quick, before.quick + 1);
    CU_ASSERT_EQUAL(after.lists, before.lists);
    participant_destroy(&ps[2]);
}

/* F21: the predecessor goes between the listing and the watch. p2 talks
 * through a proxy that holds back its first read, the watch on p1's node;
 * p1 leaves while it is held. The watch then finds no node, and p2 must
 * list again at once and watch p0, not wait for a notification that will
 * never come. */
static void test_predecessor_gone_before_its_watch(void)
{
    const char *p = test_path("gone-before-watch");
    static participant_t ps[3];
    line_up(ps, 2, p);
    proxy_t *proxy = proxy_start(server.port);
    CU_ASSERT_PTR_NOT_NULL_FATAL(proxy);
    proxy_set_mode(proxy, PROXY_HOLD_READ);
    CU_ASSERT_EQUAL_FATAL(participant_start(&ps[2], 2, &rec, proxy_hosts(proxy), p), ZKELECT_OK);
    int64_t deadline = mono_ns() + 10 * SEC * NS_PER_MS;
    while (proxy_reads_held(proxy) == 0 && mono_ns() < deadline)
        poll_pause();
    CU_ASSERT_EQUAL_FATAL(proxy_reads_held(proxy), 1);
    CU_ASSERT_EQUAL(counts(ps[2].e).lists, 1);
    CU_ASSERT(watches_node_of(ps[2].e, ps[1].e));
    participant_destroy(&ps[1]);
    CU_ASSERT_EQUAL(zk_child_count(admin, p), 2);
    proxy_set_mode(proxy, PROXY_PASS);
    CU_ASSERT_FATAL(wait_standby(ps[2].e));
    CU_ASSERT(watches_node_of(ps[2].e, ps[0].e));
    CU_ASSERT_EQUAL(counts(ps[2].e).lists, 2);
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
    const char *p = test_path("standby-deleted");
    static participant_t ps[3];
    line_up(ps, 3, p);
    char standby[512], leader[512];
    CU_ASSERT_EQUAL_FATAL(zkelect_node_path(ps[1].e, standby, sizeof standby), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_node_path(ps[0].e, leader, sizeof leader), ZKELECT_OK);
    request_counts_t before = counts(ps[1].e);
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
    CU_ASSERT_EQUAL(counts(ps[1].e).quick, before.quick);
    CU_ASSERT_EQUAL(rec_tally(&rec, 1, ZKELECT_EV_ELECTED, mark), 0);
    /* The leader's node was deleted under it (no lease covers that: the
     * operator broke assumption A5), so it is only told, not fenced. */
    CU_ASSERT(rec_wait(&rec, 0, ZKELECT_EV_REVOKED, mark, 10 * SEC) >= 0);
    CU_ASSERT_EQUAL(wait_single_leader(ps, 3, 5 * SEC), 2);
    destroy_all(ps, 3);
}

/* ------------------------------------------------------------- hand-overs */

/* Leading again after the listing that confirms a hand-over. */
static bool leading_confirmed(zkelect_t *e, uint64_t lists)
{
    pthread_mutex_lock(e->lock);
    bool yes = e->phase == ZKE_LEADING && e->lists_sent == lists;
    pthread_mutex_unlock(e->lock);
    return yes && zkelect_is_leader(e) == 1;
}

/* p0 leads, p1 and p2 wait. p0 leaves: p1 leads, and p2, which watches p1
 * and is told nothing, still counts two ahead. p1 leaves in turn: its node
 * was first in line, so its delete is a hand-over, and p2 leads on the
 * notification alone, however old its listing; one listing afterwards
 * confirms it. */
static void test_handover_reaches_one_further_back(void)
{
    const char *p = test_path("handover");
    static participant_t ps[3];
    line_up(ps, 3, p);
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL(zkelect_leave(ps[0].e), ZKELECT_OK);
    CU_ASSERT_FATAL(rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 5 * SEC) >= 0);
    CU_ASSERT_EQUAL(ahead_count(ps[2].e), 2);
    request_counts_t before = counts(ps[2].e);
    mark = rec_count(&rec);
    CU_ASSERT_EQUAL(zkelect_leave(ps[1].e), ZKELECT_OK);
    CU_ASSERT_FATAL(rec_wait(&rec, 2, ZKELECT_EV_ELECTED, mark, 5 * SEC) >= 0);
    request_counts_t after = counts(ps[2].e);
    CU_ASSERT_EQUAL(after.handoffs, before.handoffs + 1);
    CU_ASSERT_EQUAL(after.quick, before.quick + 1);
    /* One listing, sent after the election, and still leading at its answer. */
    CU_ASSERT_EQUAL(after.lists, before.lists + 1);
    int64_t deadline = mono_ns() + 5 * SEC * NS_PER_MS;
    while (!leading_confirmed(ps[2].e, before.lists + 1) && mono_ns() < deadline)
        poll_pause();
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
    const char *p = test_path("no-handover");
    static participant_t ps[3];
    line_up(ps, 3, p);
    request_counts_t before = counts(ps[2].e);
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL(zkelect_leave(ps[1].e), ZKELECT_OK);
    CU_ASSERT_FATAL(wait_standby(ps[2].e));
    request_counts_t after = counts(ps[2].e);
    CU_ASSERT_EQUAL(after.handoffs, before.handoffs);
    CU_ASSERT_EQUAL(after.lists, before.lists + 1);
    CU_ASSERT_EQUAL(rec_tally(&rec, 2, ZKELECT_EV_ELECTED, mark), 0);
    CU_ASSERT_EQUAL(zkelect_is_leader(ps[0].e), 1);
    destroy_all(ps, 3);
}

static void set_node_data(zkelect_t *e, const char *data)
{
    char node[512];
    CU_ASSERT_EQUAL_FATAL(zkelect_node_path(e, node, sizeof node), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zoo_set(admin, node, data, (int)strlen(data), -1), ZOK);
}

/* The hand-over's write refused (here by an ACL an operator set on the
 * leader's node): the node still goes, by a plain delete, and the next in
 * line takes over on that. */
static void test_refused_handover_falls_back_to_delete(void)
{
    const char *p = test_path("handover-refused");
    static participant_t ps[2];
    line_up(ps, 2, p);
    char node[512];
    CU_ASSERT_EQUAL_FATAL(zkelect_node_path(ps[0].e, node, sizeof node), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zoo_set_acl(admin, node, -1, &ZOO_READ_ACL_UNSAFE), ZOK);
    request_counts_t before = counts(ps[1].e);
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL(zkelect_leave(ps[0].e), ZKELECT_OK);
    CU_ASSERT_FATAL(rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 5 * SEC) >= 0);
    request_counts_t after = counts(ps[1].e);
    CU_ASSERT_EQUAL(after.quick, before.quick + 1);
    CU_ASSERT_EQUAL(after.handoffs, before.handoffs);
    struct Stat stat;
    CU_ASSERT_EQUAL(zoo_exists(admin, node, 0, &stat), ZNONODE);
    CU_ASSERT_EQUAL(zk_child_count(admin, p), 1);
    destroy_all(ps, 2);
}

/* Someone writes a follower's node (breaking assumption A5): the one behind
 * it takes that for a hand-over and leads, but only until the answer to the
 * listing it sends at once shows the leader still ahead. The leader is never
 * disturbed. */
static void test_forged_handover_is_caught_by_the_listing(void)
{
    const char *p = test_path("forged-handover");
    static participant_t ps[3];
    line_up(ps, 3, p);
    size_t mark = rec_count(&rec);
    set_node_data(ps[1].e, "forged");
    long elected = rec_wait(&rec, 2, ZKELECT_EV_ELECTED, mark, 5 * SEC);
    CU_ASSERT_FATAL(elected >= 0);
    long revoked = rec_wait(&rec, 2, ZKELECT_EV_REVOKED, (size_t)elected, 5 * SEC);
    CU_ASSERT_FATAL(revoked > elected);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)revoked).reason, ZKELECT_REASON_PREEMPTED);
    CU_ASSERT_EQUAL(rec_tally(&rec, 0, ZKELECT_EV_REVOKED, mark), 0);
    CU_ASSERT_EQUAL(wait_single_leader(ps, 3, 5 * SEC), 0);
    /* Back in line behind p1, whose node it watches again. */
    CU_ASSERT(wait_watching(ps[2].e));
    CU_ASSERT(watches_node_of(ps[2].e, ps[1].e));
    destroy_all(ps, 3);
}

/* Someone writes the leader's node: the next in line takes it for a
 * hand-over and leads at once. The leader sees the write at its next lease
 * renewal (within T/4), steps down with reason NODE_CHANGED and rejoins at
 * the back. */
static void test_forged_change_on_leader_steps_it_down(void)
{
    const char *p = test_path("forged-leader");
    static participant_t ps[2];
    line_up(ps, 2, p);
    size_t mark = rec_count(&rec);
    set_node_data(ps[0].e, "forged");
    CU_ASSERT(rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 5 * SEC) >= 0);
    long revoked = rec_wait(&rec, 0, ZKELECT_EV_REVOKED, mark, 5 * SEC);
    CU_ASSERT_FATAL(revoked >= 0);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)revoked).reason, ZKELECT_REASON_NODE_CHANGED);
    CU_ASSERT(rec_wait(&rec, 0, ZKELECT_EV_JOINED, (size_t)revoked, 5 * SEC) >= 0);
    CU_ASSERT_EQUAL(wait_single_leader(ps, 2, 5 * SEC), 1);
    CU_ASSERT_EQUAL(rec_tally(&rec, 1, ZKELECT_EV_REVOKED, mark), 0);
    CU_ASSERT(wait_standby(ps[0].e));
    destroy_all(ps, 2);
}

/* ---------------------------------------------------------------- observers */

typedef struct leader_log {
    char text[1024]; /* "id/epoch " per LEADER event, "-" for nobody */
    atomic_int events; /* counted after the text is written */
} leader_log_t;

/* The hook runs after the recorder saw the event: wait for it too. */
static bool wait_hooked(leader_log_t *log, int events)
{
    int64_t deadline = mono_ns() + 5 * SEC * NS_PER_MS;
    while (atomic_load(&log->events) < events && mono_ns() < deadline)
        poll_pause();
    return atomic_load(&log->events) >= events;
}

static void leader_hook(participant_t *pt, const zkelect_event_t *ev)
{
    leader_log_t *log = pt->hook_arg;
    if (ev->type != ZKELECT_EV_LEADER)
        return;
    size_t used = strlen(log->text);
    if (ev->leader_id)
        snprintf(log->text + used, sizeof log->text - used, "%s/%lld ", ev->leader_id, (long long)ev->epoch);
    else
        snprintf(log->text + used, sizeof log->text - used, "- ");
    atomic_fetch_add(&log->events, 1);
}

static void test_observer_follows_leader_changes(void)
{
    const char *p = test_path("observer");
    static participant_t obs, ps[3];
    static leader_log_t log;
    memset(log.text, 0, sizeof log.text);
    atomic_store(&log.events, 0);
    CU_ASSERT_EQUAL_FATAL(participant_new(&obs, 9, &rec, server.hosts, p), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_observer(obs.e, 1), ZKELECT_OK);
    obs.hook = leader_hook;
    obs.hook_arg = &log;
    CU_ASSERT_EQUAL_FATAL(zkelect_start(obs.e), ZKELECT_OK);
    /* Nobody yet, not even the path: one "nobody leads". */
    CU_ASSERT_FATAL(rec_wait(&rec, 9, ZKELECT_EV_LEADER, 0, 10 * SEC) >= 0);
    CU_ASSERT_EQUAL(zkelect_set_observer(obs.e, 0), ZKELECT_ESTATE);
    CU_ASSERT_EQUAL(zkelect_resign(obs.e), ZKELECT_ESTATE);
    CU_ASSERT_EQUAL(zkelect_wait_leader(obs.e, 0), ZKELECT_ESTATE);
    CU_ASSERT_EQUAL(zkelect_is_leader(obs.e), 0);
    char node[512];
    CU_ASSERT_EQUAL(zkelect_node_path(obs.e, node, sizeof node), ZKELECT_ESTATE);

    size_t mark = rec_count(&rec);
    start_all(ps, 3, p);
    CU_ASSERT(rec_wait(&rec, 9, ZKELECT_EV_LEADER, mark, 10 * SEC) >= 0);
    /* The observer has no node: three contenders, three children. */
    CU_ASSERT_EQUAL(zk_child_count(admin, p), 3);
    char id[64];
    CU_ASSERT_EQUAL(zkelect_get_leader(obs.e, id, sizeof id), ZKELECT_OK);
    CU_ASSERT_STRING_EQUAL(id, "p0");
    int64_t epochs[3];
    for (int i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL(zkelect_wait_leader(ps[i].e, 0), i == 0 ? ZKELECT_OK : ZKELECT_ETIMEDOUT);
        long j = rec_wait(&rec, i, ZKELECT_EV_JOINED, 0, SEC);
        epochs[i] = j >= 0 ? rec_get(&rec, (size_t)j).epoch : -1;
    }
    /* A follower leaving changes nothing for the observer. */
    participant_destroy(&ps[1]);
    for (int i = 0; i < 3; i += 2) {
        mark = rec_count(&rec);
        participant_destroy(&ps[i]);
        CU_ASSERT(rec_wait(&rec, 9, ZKELECT_EV_LEADER, mark, 10 * SEC) >= 0);
    }
    char expect[256];
    snprintf(expect, sizeof expect, "- p0/%lld p2/%lld - ", (long long)epochs[0], (long long)epochs[2]);
    CU_ASSERT(wait_hooked(&log, 4));
    CU_ASSERT_STRING_EQUAL(log.text, expect);
    CU_ASSERT_EQUAL(rec_tally(&rec, 9, ZKELECT_EV_ELECTED, 0), 0);
    CU_ASSERT_EQUAL(rec_tally(&rec, 9, ZKELECT_EV_JOINED, 0), 0);
    participant_destroy(&obs);
}

/* The leader's data and payload reach the observer, and an observer that
 * starts while someone leads reports that leader at once. */
static void data_hook(participant_t *pt, const zkelect_event_t *ev)
{
    leader_log_t *log = pt->hook_arg;
    if (ev->type == ZKELECT_EV_LEADER && ev->leader_id)
    {
        snprintf(log->text, sizeof log->text, "%s=%.*s", ev->leader_id, (int)ev->leader_data_len,
                 (const char *)ev->leader_data);
        atomic_fetch_add(&log->events, 1);
    }
}

static void test_observer_sees_leader_data(void)
{
    const char *p = test_path("observer-data");
    static participant_t leader, obs;
    CU_ASSERT_EQUAL_FATAL(participant_new(&leader, 0, &rec, server.hosts, p), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_data(leader.e, "10.1.2.3:80", 11), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(leader.e), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_leader(leader.e, 10 * SEC), ZKELECT_OK);
    static leader_log_t log;
    memset(log.text, 0, sizeof log.text);
    atomic_store(&log.events, 0);
    CU_ASSERT_EQUAL_FATAL(participant_new(&obs, 1, &rec, server.hosts, p), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_observer(obs.e, 1), ZKELECT_OK);
    obs.hook = data_hook;
    obs.hook_arg = &log;
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(obs.e), ZKELECT_OK);
    CU_ASSERT(rec_wait(&rec, 1, ZKELECT_EV_LEADER, mark, 10 * SEC) >= 0);
    CU_ASSERT(wait_hooked(&log, 1));
    CU_ASSERT_STRING_EQUAL(log.text, "p0=10.1.2.3:80");
    participant_destroy(&obs);
    participant_destroy(&leader);
}

static void test_partitioned_leader_revokes_before_successor(void)
{
    const char *p = test_path("partition");
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
    destroy_all(ps, 2);
    proxy_stop(proxy);
}


static void test_leader_node_deleted_by_operator(void)
{
    const char *p = test_path("node-deleted");
    static participant_t ps[2];
    start_all(ps, 2, p);
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

static void test_destroy_while_partitioned_does_not_hang(void)
{
    const char *p = test_path("destroy-partitioned");
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
    int64_t deadline = mono_ns() + 10000 * NS_PER_MS;
    while (zk_child_count(admin, p) > 0 && mono_ns() < deadline)
        poll_pause();
    CU_ASSERT_EQUAL(zk_child_count(admin, p), 0);
}


static void test_ephemeral_parent_reported(void)
{
    const char *p = test_path("ephemeral-parent");
    zoo_create(admin, "/zkelect-tests", NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
    /* an ephemeral election path cannot have children (B19) */
    CU_ASSERT_EQUAL_FATAL(zoo_create(admin, p, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL, NULL, 0), ZOK);
    static participant_t a;
    CU_ASSERT_EQUAL_FATAL(participant_start(&a, 0, &rec, server.hosts, p), ZKELECT_OK);
    long err = rec_wait(&rec, 0, ZKELECT_EV_ERROR, 0, 5 * SEC);
    CU_ASSERT_FATAL(err >= 0);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)err).reason, ZKELECT_REASON_NONE);
    CU_ASSERT_EQUAL(zkelect_wait_leader(a.e, 200), ZKELECT_ETIMEDOUT);
    participant_destroy(&a);
}

/* F22: the predecessor leaves while its successor is cut off; on
 * reconnection within the session the successor learns it and leads, once. */
static void test_predecessor_left_while_disconnected(void)
{
    const char *p = test_path("left-while-away");
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

static void test_resign_while_joining_leaves_one_node(void)
{
    const char *p = test_path("resign-joining");
    static participant_t a;
    CU_ASSERT_EQUAL_FATAL(participant_start(&a, 0, &rec, server.hosts, p), ZKELECT_OK);
    /* resign at once, possibly with a create in flight: that node, if it is
     * created, is deleted, and one candidacy remains */
    CU_ASSERT_EQUAL(zkelect_resign(a.e), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_resign(a.e), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_wait_leader(a.e, 10 * SEC), ZKELECT_OK);
    int64_t deadline = mono_ns() + 5000 * NS_PER_MS;
    while (zk_child_count(admin, p) != 1 && mono_ns() < deadline)
        poll_pause();
    CU_ASSERT_EQUAL(zk_child_count(admin, p), 1);
    participant_destroy(&a);
}


/* ------------------------------------------------------------- security */

/* Whether acl has the entry scheme:id with exactly perms. */
static bool acl_has(const struct ACL_vector *acl, const char *scheme, const char *id, int32_t perms)
{
    for (int32_t i = 0; i < acl->count; i++) {
        const struct ACL *a = &acl->data[i];
        if (strcmp(a->id.scheme, scheme) == 0 && strcmp(a->id.id, id) == 0 && a->perms == perms)
            return true;
    }
    return false;
}

/* The ACL of znode has exactly the three entries of test_acl_set_by_caller.
 * Read by zh, which must have ADMIN on it: ZooKeeper shows digest hashes
 * to no one else. */
static bool acl_is_ops_alice_world(void *zh, const char *znode)
{
    struct ACL_vector acl;
    struct Stat st;
    if (zoo_get_acl(zh, znode, &acl, &st) != ZOK)
        return false;
    bool ok = acl.count == 3 && acl_has(&acl, "digest", "ops:ZsD1RlI3DZBKu14EQKRZur5tUew=", ZOO_PERM_ALL) &&
              acl_has(&acl, "digest", "alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=", ZOO_PERM_ALL) &&
              acl_has(&acl, "world", "anyone", ZOO_PERM_READ);
    deallocate_ACL_vector(&acl);
    return ok;
}

/* zkelect_set_acl(): every node the library creates, parents included, gets
 * the caller's ACL ("auth" becoming the creator's identity), and the
 * server enforces it: an operator identity may work under the parent, a
 * stranger may only read; participants with the credentials take over. */
static void test_acl_set_by_caller(void)
{
    test_path("custom-acl");
    const char *top = "/zkelect-custom-acl", *p = "/zkelect-custom-acl/election";
    const char *acl = "digest:ops:ZsD1RlI3DZBKu14EQKRZur5tUew=:cdrwa, auth::cdrwa, world:anyone:r";
    static participant_t ps[2];
    for (int i = 0; i < 2; i++) {
        size_t mark = rec_count(&rec);
        CU_ASSERT_EQUAL_FATAL(participant_new(&ps[i], i, &rec, server.hosts, p), ZKELECT_OK);
        CU_ASSERT_EQUAL(zkelect_set_acl(ps[i].e, acl), ZKELECT_OK);
        CU_ASSERT_EQUAL(zkelect_set_auth(ps[i].e, "digest", "alice:secret", 12), ZKELECT_OK);
        CU_ASSERT_EQUAL_FATAL(zkelect_start(ps[i].e), ZKELECT_OK);
        CU_ASSERT_FATAL(rec_wait(&rec, i, ZKELECT_EV_JOINED, mark, 10 * SEC) >= 0);
    }
    CU_ASSERT_EQUAL_FATAL(wait_single_leader(ps, 2, 10 * SEC), 0);
    char node[512];
    CU_ASSERT_EQUAL_FATAL(zkelect_node_path(ps[0].e, node, sizeof node), ZKELECT_OK);
    void *stranger = zk_connect(server.hosts), *ops = zk_connect(server.hosts);
    CU_ASSERT_PTR_NOT_NULL_FATAL(stranger);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ops);
    CU_ASSERT_EQUAL_FATAL(zoo_add_auth(ops, "digest", "ops:opspw", 9, NULL, NULL), ZOK);
    CU_ASSERT(acl_is_ops_alice_world(ops, node));
    CU_ASSERT(acl_is_ops_alice_world(ops, p));
    CU_ASSERT(acl_is_ops_alice_world(ops, top));
    CU_ASSERT_EQUAL(zoo_create(stranger, "/zkelect-custom-acl/note", "x", 1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0),
                    ZNOAUTH);
    CU_ASSERT_EQUAL(zoo_set(stranger, node, "x", 1, -1), ZNOAUTH);
    CU_ASSERT_EQUAL(zoo_create(ops, "/zkelect-custom-acl/note", "x", 1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZOK);
    CU_ASSERT_EQUAL(zoo_delete(ops, "/zkelect-custom-acl/note", -1), ZOK);
    size_t mark = rec_count(&rec);
    participant_destroy(&ps[0]);
    CU_ASSERT(rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 5 * SEC) >= 0);
    participant_destroy(&ps[1]);
    CU_ASSERT_EQUAL(zk_child_count(admin, p), 0);
    zk_close(stranger);
    zk_close(ops);
}

/* An ACL the library cannot check, refused by the server: the test server
 * has no SASL provider, so "sasl" is an invalid ACL there. The participant
 * reports ERROR with ZKELECT_EAUTH, creates nothing, retries with a backoff
 * (no storm), and is destroyed cleanly. */
static void test_acl_refused_by_server(void)
{
    const char *p = test_path("acl-refused");
    static participant_t a;
    CU_ASSERT_EQUAL_FATAL(participant_new(&a, 0, &rec, server.hosts, p), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_acl(a.e, "sasl:svc@EXAMPLE.COM:cdrwa,world:anyone:r"), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(a.e), ZKELECT_OK);
    long err = rec_wait(&rec, 0, ZKELECT_EV_ERROR, 0, 10 * SEC);
    CU_ASSERT_FATAL(err >= 0);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)err).error, ZKELECT_EAUTH);
    observe_for(1500);
    CU_ASSERT(rec_tally(&rec, 0, ZKELECT_EV_ERROR, 0) <= 4);
    CU_ASSERT_EQUAL(rec_tally(&rec, 0, ZKELECT_EV_JOINED, 0), 0);
    CU_ASSERT_EQUAL(zkelect_is_leader(a.e), 0);
    /* the election path itself was never created with that ACL */
    struct Stat st;
    CU_ASSERT_EQUAL(zoo_exists(admin, p, 0, &st), ZNONODE);
    participant_destroy(&a);
}

/* "auth" in the ACL needs credentials, on a shared session too (they are
 * the session's): refused at start, with nothing started. */
static void test_acl_auth_needs_session_credentials(void)
{
    const char *p = test_path("acl-auth-shared");
    zkelect_session_t *s = NULL;
    CU_ASSERT_EQUAL_FATAL(zkelect_session_new(&s, server.hosts), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_session_start(s), ZKELECT_OK);
    static participant_t a;
    CU_ASSERT_EQUAL_FATAL(participant_new_on(&a, 0, &rec, s, p), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_acl(a.e, "auth::cdrwa,world:anyone:r"), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_start(a.e), ZKELECT_EAUTH);
    CU_ASSERT_EQUAL(a.log_errors, 1);
    /* the election's own ACL, on a shared session */
    CU_ASSERT_EQUAL(zkelect_set_acl(a.e, "ip:127.0.0.0/8:cdrwa,world:anyone:r"), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(a.e), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_acl(a.e, "world:anyone:cdrwa"), ZKELECT_ESTATE);
    CU_ASSERT_EQUAL(zkelect_wait_leader(a.e, 10 * SEC), ZKELECT_OK);
    char node[512];
    CU_ASSERT_EQUAL_FATAL(zkelect_node_path(a.e, node, sizeof node), ZKELECT_OK);
    struct ACL_vector acl;
    struct Stat st;
    CU_ASSERT_EQUAL_FATAL(zoo_get_acl(admin, node, &acl, &st), ZOK);
    CU_ASSERT(acl.count == 2 && acl_has(&acl, "ip", "127.0.0.0/8", ZOO_PERM_ALL) &&
              acl_has(&acl, "world", "anyone", ZOO_PERM_READ));
    deallocate_ACL_vector(&acl);
    participant_destroy(&a);
    zkelect_session_destroy(s);
}

static void test_credentials_protect_nodes(void)
{
    /* its own top level: every level the library creates gets the ACL */
    test_path("acl");
    const char *p = "/zkelect-acl/election";
    static participant_t ps[3];
    /* p0 has the credentials and creates the path (parents included) */
    CU_ASSERT_EQUAL_FATAL(participant_new(&ps[0], 0, &rec, server.hosts, p), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_auth(ps[0].e, "digest", "alice:secret", 12), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(ps[0].e), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_leader(ps[0].e, 10 * SEC), ZKELECT_OK);
    char node[512];
    CU_ASSERT_EQUAL_FATAL(zkelect_node_path(ps[0].e, node, sizeof node), ZKELECT_OK);
    /* a client without them can read, but neither delete, overwrite nor
     * add a fake low-numbered contender */
    void *stranger = zk_connect(server.hosts);
    CU_ASSERT_PTR_NOT_NULL_FATAL(stranger);
    char buf[64];
    int len = sizeof buf;
    CU_ASSERT_EQUAL(zoo_get(stranger, node, 0, buf, &len, NULL), ZOK);
    CU_ASSERT_EQUAL(zoo_delete(stranger, node, -1), ZNOAUTH);
    CU_ASSERT_EQUAL(zoo_set(stranger, node, "x", 1, -1), ZNOAUTH);
    char fake[300];
    snprintf(fake, sizeof fake, "%s/zke_00000000000000000000000000000000_", p);
    CU_ASSERT_EQUAL(zoo_create(stranger, fake, "x", 1, &ZOO_OPEN_ACL_UNSAFE, ZOO_SEQUENCE, NULL, 0), ZNOAUTH);
    /* the wrong password is another identity: ZooKeeper accepts it, and
     * refuses the create; so does no password at all */
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL_FATAL(participant_new(&ps[1], 1, &rec, server.hosts, p), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_auth(ps[1].e, "digest", "alice:wrong", 11), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(ps[1].e), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(participant_start(&ps[2], 2, &rec, server.hosts, p), ZKELECT_OK);
    for (int i = 1; i <= 2; i++) {
        long err = rec_wait(&rec, i, ZKELECT_EV_ERROR, mark, 5 * SEC);
        CU_ASSERT_FATAL(err >= 0);
        CU_ASSERT_EQUAL(rec_get(&rec, (size_t)err).reason, ZKELECT_REASON_NONE);
    }
    /* no retry storm: the join is retried with a growing backoff */
    observe_for(1500);
    CU_ASSERT(rec_tally(&rec, 1, ZKELECT_EV_ERROR, mark) <= 4);
    CU_ASSERT_EQUAL(rec_tally(&rec, 1, ZKELECT_EV_JOINED, mark), 0);
    CU_ASSERT_EQUAL(rec_tally(&rec, 2, ZKELECT_EV_JOINED, mark), 0);
    CU_ASSERT_EQUAL(zk_child_count(admin, p), 1);
    CU_ASSERT_EQUAL(zkelect_is_leader(ps[0].e), 1);
    /* the right password joins behind */
    static participant_t bob;
    mark = rec_count(&rec);
    CU_ASSERT_EQUAL_FATAL(participant_new(&bob, 3, &rec, server.hosts, p), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_auth(bob.e, "digest", "alice:secret", 12), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(bob.e), ZKELECT_OK);
    CU_ASSERT(rec_wait(&rec, 3, ZKELECT_EV_JOINED, mark, 5 * SEC) >= 0);
    participant_destroy(&ps[0]);
    CU_ASSERT_EQUAL(zkelect_wait_leader(bob.e, 5 * SEC), ZKELECT_OK);
    participant_destroy(&bob);
    participant_destroy(&ps[1]);
    participant_destroy(&ps[2]);
    zk_close(stranger);
}

/* Credentials protect a node from writes by its own ACL, but a delete is
 * checked against the parent's: under an election path that already
 * existed with the open ACL, anyone can delete a participant's node (the
 * documented limit, docs/GUARANTEES.md "The ACL of the election path"). */
static void test_open_parent_lets_anyone_delete(void)
{
    test_path("acl-open");
    const char *p = "/zkelect-acl-open";
    CU_ASSERT_EQUAL_FATAL(zoo_create(admin, p, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZOK);
    static participant_t alice;
    CU_ASSERT_EQUAL_FATAL(participant_new(&alice, 0, &rec, server.hosts, p), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_auth(alice.e, "digest", "alice:secret", 12), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(alice.e), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_leader(alice.e, 10 * SEC), ZKELECT_OK);
    char node[512];
    CU_ASSERT_EQUAL_FATAL(zkelect_node_path(alice.e, node, sizeof node), ZKELECT_OK);
    void *stranger = zk_connect(server.hosts);
    CU_ASSERT_PTR_NOT_NULL_FATAL(stranger);
    /* the node's own ACL still refuses a write... */
    CU_ASSERT_EQUAL(zoo_set(stranger, node, "x", 1, -1), ZNOAUTH);
    /* ...but the open parent lets the stranger delete it and add a contender */
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL(zoo_delete(stranger, node, -1), ZOK);
    long revoked = rec_wait(&rec, 0, ZKELECT_EV_REVOKED, mark, 5 * SEC);
    CU_ASSERT_FATAL(revoked >= 0);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)revoked).reason, ZKELECT_REASON_NODE_DELETED);
    char fake[300];
    snprintf(fake, sizeof fake, "%s/stranger-", p);
    CU_ASSERT_EQUAL(zoo_create(stranger, fake, "x", 1, &ZOO_OPEN_ACL_UNSAFE, ZOO_SEQUENCE, NULL, 0), ZOK);
    /* alice rejoins (the stranger's child is not a contender) */
    CU_ASSERT_EQUAL(zkelect_wait_leader(alice.e, 10 * SEC), ZKELECT_OK);
    participant_destroy(&alice);
    zk_close(stranger);
    CU_ASSERT_EQUAL(zk_delete_recursive(admin, p), ZOK);
}

static void test_unknown_auth_scheme_stops_participant(void)
{
    const char *p = test_path("bad-scheme");
    static participant_t a;
    CU_ASSERT_EQUAL_FATAL(participant_new(&a, 0, &rec, server.hosts, p), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_auth(a.e, "nosuchscheme", "x", 1), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(a.e), ZKELECT_OK);
    long err = rec_wait(&rec, 0, ZKELECT_EV_ERROR, 0, 10 * SEC);
    CU_ASSERT_FATAL(err >= 0);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)err).reason, ZKELECT_REASON_NONE);
    observe_for(1000);
    /* one error, no reconnection loop, no node */
    CU_ASSERT_EQUAL(rec_tally(&rec, 0, ZKELECT_EV_ERROR, 0), 1);
    CU_ASSERT_EQUAL(rec_tally(&rec, 0, ZKELECT_EV_JOINED, 0), 0);
    CU_ASSERT_EQUAL(zkelect_wait_leader(a.e, 100), ZKELECT_ETIMEDOUT);
    participant_destroy(&a);
    /* bad arguments */
    zkelect_t *e;
    CU_ASSERT_EQUAL_FATAL(zkelect_new(&e, server.hosts, p, "x"), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_auth(e, NULL, "x", 1), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_auth(e, "", "x", 1), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_auth(e, "digest", NULL, 1), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_auth(e, "digest", "x", 0), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_auth(NULL, "digest", "x", 1), ZKELECT_EINVAL);
    zkelect_destroy(e);
}

static void test_chroot_in_host_string(void)
{
    test_path("chroot");
    zoo_create(admin, "/zkelect-tests", NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
    CU_ASSERT_EQUAL_FATAL(zoo_create(admin, "/zkelect-tests/chroot", NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZOK);
    char hosts[128];
    snprintf(hosts, sizeof hosts, "%s/zkelect-tests/chroot", server.hosts);
    static participant_t ps[2];
    for (int i = 0; i < 2; i++) {
        size_t mark = rec_count(&rec);
        CU_ASSERT_EQUAL_FATAL(participant_start(&ps[i], i, &rec, hosts, "/app/leader"), ZKELECT_OK);
        CU_ASSERT_FATAL(rec_wait(&rec, i, ZKELECT_EV_JOINED, mark, 10 * SEC) >= 0);
    }
    CU_ASSERT_EQUAL(wait_single_leader(ps, 2, 10 * SEC), 0);
    /* the nodes live under the chroot; the library's paths do not show it */
    CU_ASSERT_EQUAL(zk_child_count(admin, "/zkelect-tests/chroot/app/leader"), 2);
    char node[512];
    CU_ASSERT_EQUAL(zkelect_node_path(ps[0].e, node, sizeof node), ZKELECT_OK);
    CU_ASSERT(strncmp(node, "/app/leader/zke_", 16) == 0);
    char id[64];
    CU_ASSERT_EQUAL(zkelect_get_leader(ps[1].e, id, sizeof id), ZKELECT_OK);
    CU_ASSERT_STRING_EQUAL(id, "p0");
    size_t mark = rec_count(&rec);
    participant_destroy(&ps[0]);
    CU_ASSERT(rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 5 * SEC) >= 0);
    participant_destroy(&ps[1]);
}

/* --------------------------------------------------------------- bad inputs */

static void test_unreachable_server(void)
{
    zkelect_t *e;
    /* a port nobody listens on */
    CU_ASSERT_EQUAL_FATAL(zkelect_new(&e, "127.0.0.1:1", "/zkelect-tests/unreachable", "x"), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_start(e), ZKELECT_OK);
    int64_t t0 = mono_ns();
    CU_ASSERT_EQUAL(zkelect_wait_connected(e, 300), ZKELECT_ETIMEDOUT);
    CU_ASSERT_EQUAL(zkelect_wait_leader(e, 200), ZKELECT_ETIMEDOUT);
    char id[16];
    CU_ASSERT_EQUAL(zkelect_get_leader(e, id, sizeof id), ZKELECT_ENOTCONN);
    zkelect_participant_t *list;
    size_t n;
    CU_ASSERT_EQUAL(zkelect_participants(e, &list, &n), ZKELECT_ENOTCONN);
    CU_ASSERT_EQUAL(zkelect_session_timeout(e), ZKELECT_ENOTCONN);
    zkelect_destroy(e); /* no hang without a server */
    CU_ASSERT(mono_ns() - t0 < 3000 * NS_PER_MS);
    /* an unresolvable host name: start refuses or keeps trying; never hangs */
    CU_ASSERT_EQUAL_FATAL(zkelect_new(&e, "no-such-host.invalid:2181", "/zkelect-tests/unreachable", "x"),
                          ZKELECT_OK);
    int rc = zkelect_start(e);
    CU_ASSERT(rc == ZKELECT_OK || rc == ZKELECT_EZK);
    if (rc == ZKELECT_OK) {
        CU_ASSERT_EQUAL(zkelect_wait_connected(e, 200), ZKELECT_ETIMEDOUT);
    }
    zkelect_destroy(e);
}

static void test_oversized_data_rejected(void)
{
    zkelect_t *e;
    CU_ASSERT_EQUAL_FATAL(zkelect_new(&e, server.hosts, "/zkelect-tests/big", "x"), ZKELECT_OK);
    char *big = calloc(1, ZKELECT_DATA_MAX + 1);
    CU_ASSERT_EQUAL(zkelect_set_data(e, big, ZKELECT_DATA_MAX + 1), ZKELECT_ETOOBIG);
    CU_ASSERT_EQUAL(zkelect_set_data(e, NULL, 5), ZKELECT_EINVAL);
    /* the largest accepted payload really goes through ZooKeeper */
    CU_ASSERT_EQUAL(zkelect_set_data(e, big, ZKELECT_DATA_MAX), ZKELECT_OK);
    free(big);
    CU_ASSERT_EQUAL(zkelect_start(e), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_wait_leader(e, 10 * SEC), ZKELECT_OK);
    zkelect_participant_t *list;
    size_t n;
    CU_ASSERT_EQUAL(zkelect_participants(e, &list, &n), ZKELECT_OK);
    CU_ASSERT_EQUAL(n, 1);
    if (n == 1) {
        CU_ASSERT_EQUAL(list[0].data_len, ZKELECT_DATA_MAX);
    }
    zkelect_participants_free(list, n);
    /* setters after start are refused */
    CU_ASSERT_EQUAL(zkelect_set_data(e, "x", 1), ZKELECT_ESTATE);
    CU_ASSERT_EQUAL(zkelect_set_session_timeout(e, 5000), ZKELECT_ESTATE);
    CU_ASSERT_EQUAL(zkelect_start(e), ZKELECT_ESTATE);
    zkelect_destroy(e);
}

static void test_many_cycles(void)
{
    const char *p = test_path("cycles");
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
    int64_t deadline = mono_ns() + 10000 * NS_PER_MS;
    int left;
    while ((left = zk_child_count(admin, p)) > 0 && mono_ns() < deadline)
        poll_pause();
    CU_ASSERT_EQUAL(left, 0);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    rec_init(&rec);
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    suite_server_use(&server, &admin);
    CU_pSuite s = CU_add_suite("election on a real ZooKeeper", suite_server_init, suite_server_clean);
    ADD_TEST(s, test_single_participant_elected);
    ADD_TEST(s, test_five_participants_join_order);
    ADD_TEST(s, test_leader_leaves_next_elected);
    ADD_TEST(s, test_middle_leaves_only_successor_notified);
    ADD_TEST(s, test_leave_hands_over_and_stays_out);
    ADD_TEST(s, test_rejoin_after_leave);
    ADD_TEST(s, test_second_in_line_takes_over_without_listing);
    ADD_TEST(s, test_further_back_relists_and_rewatches);
    ADD_TEST(s, test_standby_node_deleted_with_leader);
    ADD_TEST(s, test_predecessor_gone_before_its_watch);
    ADD_TEST(s, test_handover_reaches_one_further_back);
    ADD_TEST(s, test_follower_leaving_hands_nothing_over);
    ADD_TEST(s, test_refused_handover_falls_back_to_delete);
    ADD_TEST(s, test_forged_handover_is_caught_by_the_listing);
    ADD_TEST(s, test_forged_change_on_leader_steps_it_down);
    ADD_TEST(s, test_resign_goes_to_back_of_line);
    ADD_TEST(s, test_epochs_increase_over_failovers);
    ADD_TEST(s, test_session_expiry_revokes_and_rejoins);
    ADD_TEST(s, test_wait_leader_times_out);
    ADD_TEST(s, test_payload_and_participants);
    ADD_TEST(s, test_foreign_and_malformed_children_ignored);
    ADD_TEST(s, test_slow_callback_does_not_stall_zookeeper);
    ADD_TEST(s, test_resign_and_queries_inside_callback);
    ADD_TEST(s, test_destroy_inside_callback);
    ADD_TEST(s, test_lease_lapses_when_server_pauses_strict);
    ADD_TEST(s, test_lease_lapses_when_server_pauses_lease);
    ADD_TEST(s, test_lost_create_reply_adopts_node);
    ADD_TEST(s, test_partitioned_leader_revokes_before_successor);
    ADD_TEST(s, test_resign_while_joining_leaves_one_node);
    ADD_TEST(s, test_ephemeral_parent_reported);
    ADD_TEST(s, test_predecessor_left_while_disconnected);
    ADD_TEST(s, test_leader_node_deleted_by_operator);
    ADD_TEST(s, test_destroy_while_partitioned_does_not_hang);
    ADD_TEST(s, test_credentials_protect_nodes);
    ADD_TEST(s, test_open_parent_lets_anyone_delete);
    ADD_TEST(s, test_acl_set_by_caller);
    ADD_TEST(s, test_acl_refused_by_server);
    ADD_TEST(s, test_acl_auth_needs_session_credentials);
    ADD_TEST(s, test_unknown_auth_scheme_stops_participant);
    ADD_TEST(s, test_chroot_in_host_string);
    ADD_TEST(s, test_unreachable_server);
    ADD_TEST(s, test_oversized_data_rejected);
    ADD_TEST(s, test_many_cycles);
    ADD_TEST(s, test_observer_follows_leader_changes);
    ADD_TEST(s, test_observer_sees_leader_data);
    int failed = run_registered_tests();
    rec_destroy(&rec);
    return failed ? 1 : 0;
}
