/* faults.c - "never two leaders" under faults: a paused or restarted server,
 * partitions, blips, a blocked host, 10,000 strangers, churn, and a 3-server
 * ensemble losing members and quorum. Every test runs the event-log checker
 * (tests/harness.c) on top of its own bounds. */
#include "harness.h"
#include "internal.h"
#include "proxy.h"

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zookeeper/zookeeper.h>

#define SEC 1000
#define NS_PER_MS 1000000LL

static zk_server_t server;
static zk_ensemble_t ensemble;
static void *admin;
static recorder_t rec;
static char path[256];

static const char *fresh(const char *name)
{
    snprintf(path, sizeof path, "/zkelect-faults/%s", name);
    rec_reset(&rec);
    return path;
}

static void assert_checker(void)
{
    char why[256];
    int violations = check_no_two_leaders(&rec, why, sizeof why);
    if (violations) {
        fprintf(stderr, "\n    checker: %d violation(s), last: %s\n", violations, why);
        CU_FAIL("two leaders, unpaired events or a decreasing epoch");
    }
}

static int start_with(participant_t *p, int idx, const char *hosts, const char *where, int timeout_ms, int policy)
{
    size_t mark = rec_count(&rec);
    int rc = participant_new(p, idx, &rec, hosts, where);
    if (rc)
        return rc;
    zkelect_set_session_timeout(p->e, timeout_ms);
    zkelect_set_disconnect_policy(p->e, policy);
    rc = zkelect_start(p->e);
    if (rc)
        return rc;
    return rec_wait(&rec, idx, ZKELECT_EV_JOINED, mark, 15 * SEC) >= 0 ? 0 : -1;
}

static void destroy_all(participant_t *ps, int n)
{
    for (int i = 0; i < n; i++) {
        if (ps[i].e)
            participant_destroy(&ps[i]);
    }
}

static int64_t ms_since(int64_t t0)
{
    return (mono_ns() - t0) / NS_PER_MS;
}

/* --------------------------------------------------- standalone server */

static int standalone_init(void)
{
    if (zk_server_start(&server, 200))
        return -1;
    admin = zk_connect(server.hosts);
    return admin ? 0 : -1;
}

static int standalone_clean(void)
{
    zk_close(admin);
    admin = NULL;
    zk_server_stop(&server);
    return 0;
}

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
        pthread_mutex_lock(ps[i].e->lock);
        bool current = ps[i].e->connected && st.ephemeralOwner == ps[i].e->session_id;
        pthread_mutex_unlock(ps[i].e->lock);
        if (!current)
            return false;
    }
    return true;
}

/* F9: the whole server stops for longer than the session timeout. Every
 * leader must have stopped by its lease deadline; on resume the server
 * expires every session at once, and one leader comes out of it. */
static void test_server_paused_longer_than_session(void)
{
    const char *p = fresh("server-paused");
    static participant_t ps[3];
    for (int i = 0; i < 3; i++)
        CU_ASSERT_EQUAL_FATAL(start_with(&ps[i], i, server.hosts, p, 3000, ZKELECT_POLICY_LEASE), 0);
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
    int64_t deadline = mono_ns() + 15000 * NS_PER_MS;
    bool in_line;
    while (!(in_line = all_in_line_anew(ps, 3, p)) && mono_ns() < deadline)
        poll_pause();
    CU_ASSERT(in_line);
    int leader = wait_single_leader(ps, 3, 15 * SEC);
    CU_ASSERT_FATAL(leader >= 0);
    CU_ASSERT(zkelect_epoch(ps[leader].e) >= epoch);
    printf("\n    revoked %lld ms after the pause; one leader %lld ms after resume ", (long long)revoked_ms,
           (long long)(ms_since(t0) - 4500));
    assert_checker();
    destroy_all(ps, 3);
}

/* F10: the server is killed and restarted on its data within the session
 * timeout: sessions survive, nobody else leads, the leader comes back with
 * the same epoch. */
static void test_server_restart_within_session(void)
{
    const char *p = fresh("server-restart");
    static participant_t ps[2];
    for (int i = 0; i < 2; i++)
        CU_ASSERT_EQUAL_FATAL(start_with(&ps[i], i, server.hosts, p, 15000, ZKELECT_POLICY_STRICT), 0);
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
    assert_checker();
    destroy_all(ps, 2);
    /* the admin handle reconnects by itself; wait until it does */
    int64_t deadline = mono_ns() + 10000 * NS_PER_MS;
    while (zoo_state(admin) != ZOO_CONNECTED_STATE && mono_ns() < deadline)
        poll_pause();
}

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

/* Scenario 10: no server at start. The participant keeps trying without
 * burning CPU, and joins once a server appears. */
static void test_unreachable_then_started(void)
{
    fresh("late-server");
    int port = zk_free_port();
    char hosts[64];
    snprintf(hosts, sizeof hosts, "127.0.0.1:%d", port);
    static participant_t a;
    CU_ASSERT_EQUAL_FATAL(participant_new(&a, 0, &rec, hosts, "/late/leader"), 0);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(a.e), ZKELECT_OK);
    double cpu0 = cpu_seconds();
    int64_t t0 = mono_ns();
    CU_ASSERT_EQUAL(zkelect_wait_connected(a.e, 2000), ZKELECT_ETIMEDOUT);
    double busy = (cpu_seconds() - cpu0) / ((double)(mono_ns() - t0) / 1e9);
    printf("\n    CPU while waiting for a server: %.1f%% of one core ", busy * 100);
    CU_ASSERT(busy < 0.05);
    static zk_server_t late;
    CU_ASSERT_EQUAL_FATAL(zk_server_start_on(&late, 200, port), 0);
    CU_ASSERT_EQUAL(zkelect_wait_leader(a.e, 15 * SEC), ZKELECT_OK);
    assert_checker();
    participant_destroy(&a);
    zk_server_stop(&late);
}

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
    const char *p = fresh("crowded");
    zoo_create(admin, "/zkelect-faults", NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
    CU_ASSERT_EQUAL_FATAL(zoo_create(admin, p, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZOK);
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
    int64_t deadline = mono_ns() + 60000 * NS_PER_MS;
    while (__atomic_load_n(&pending, __ATOMIC_SEQ_CST) > 0 && mono_ns() < deadline)
        poll_pause();
    CU_ASSERT_EQUAL_FATAL(zk_child_count(admin, p), 10000);
    static participant_t ps[3];
    for (int i = 0; i < 3; i++)
        CU_ASSERT_EQUAL_FATAL(start_with(&ps[i], i, server.hosts, p, 4000, ZKELECT_POLICY_STRICT), 0);
    CU_ASSERT_EQUAL(wait_single_leader(ps, 3, 20 * SEC), 0);
    char id[64];
    CU_ASSERT_EQUAL(zkelect_get_leader(ps[2].e, id, sizeof id), ZKELECT_OK);
    CU_ASSERT_STRING_EQUAL(id, "p0");
    size_t mark = rec_count(&rec);
    int64_t t0 = mono_ns();
    participant_destroy(&ps[0]);
    CU_ASSERT(rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 10 * SEC) >= 0);
    printf("\n    failover among 10,000 strangers: %lld ms ", (long long)ms_since(t0));
    assert_checker();
    destroy_all(ps, 3);
}

/* Scenario 9: churn. Participants join, resign, leave and are expired at
 * random; the seed is printed for replay (ZKELECT_SOAK_SEED). */
static void test_churn_soak(void)
{
    const char *p = fresh("churn");
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
        int64_t wait_nodes = mono_ns() + 20000 * NS_PER_MS;
        while (zk_child_count(admin, p) != live && mono_ns() < wait_nodes)
            poll_pause();
        CU_ASSERT_EQUAL(zk_child_count(admin, p), live);
    }
    assert_checker();
    destroy_all(slot, SLOTS);
    int64_t deadline = mono_ns() + 10000 * NS_PER_MS;
    while (zk_child_count(admin, p) > 0 && mono_ns() < deadline)
        poll_pause();
    CU_ASSERT_EQUAL(zk_child_count(admin, p), 0);
}

/* Scenario 2, second half: a partition that resets the connection. The
 * strict policy revokes at once; the successor waits for the expiry. */
static void test_leader_connection_reset(void)
{
    const char *p = fresh("reset");
    proxy_t *proxy = proxy_start(server.port);
    CU_ASSERT_PTR_NOT_NULL_FATAL(proxy);
    static participant_t ps[2];
    CU_ASSERT_EQUAL_FATAL(start_with(&ps[0], 0, proxy_hosts(proxy), p, 3000, ZKELECT_POLICY_STRICT), 0);
    CU_ASSERT_EQUAL_FATAL(start_with(&ps[1], 1, server.hosts, p, 3000, ZKELECT_POLICY_STRICT), 0);
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
    assert_checker();
    destroy_all(ps, 2);
    proxy_stop(proxy);
}

/* Scenario 3: a blip that ends before the lease deadline keeps leadership;
 * a longer one revokes at the deadline, and the leader comes back with the
 * same epoch when the session survived. */
static void test_blips_under_lease_policy(void)
{
    const char *p = fresh("blips");
    proxy_t *proxy = proxy_start(server.port);
    CU_ASSERT_PTR_NOT_NULL_FATAL(proxy);
    static participant_t ps[2];
    CU_ASSERT_EQUAL_FATAL(start_with(&ps[0], 0, proxy_hosts(proxy), p, 6000, ZKELECT_POLICY_LEASE), 0);
    CU_ASSERT_EQUAL_FATAL(start_with(&ps[1], 1, server.hosts, p, 6000, ZKELECT_POLICY_LEASE), 0);
    CU_ASSERT_EQUAL_FATAL(wait_single_leader(ps, 2, 10 * SEC), 0);
    CU_ASSERT_FATAL(rec_wait(&rec, 0, ZKELECT_EV_ELECTED, 0, SEC) >= 0);
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
    assert_checker();
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
    const char *p = fresh("blocked-host");
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
    assert_checker();
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
    const char *p = fresh("lease-disconnected");
    proxy_t *proxy = proxy_start(server.port);
    CU_ASSERT_PTR_NOT_NULL_FATAL(proxy);
    static participant_t a;
    CU_ASSERT_EQUAL_FATAL(start_with(&a, 0, proxy_hosts(proxy), p, 9000, ZKELECT_POLICY_LEASE), 0);
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
    assert_checker();
    participant_destroy(&a);
    proxy_stop(proxy);
}


/* F16: latency. A moderate one keeps leadership without flapping; one
 * longer than the lease can cover makes the leader stop, and it does not
 * claim leadership again while replies come too late to grant a lease. */
static void test_high_latency(void)
{
    const char *p = fresh("latency");
    proxy_t *proxy = proxy_start(server.port);
    CU_ASSERT_PTR_NOT_NULL_FATAL(proxy);
    proxy_set_delay(proxy, 40);
    proxy_set_mode(proxy, PROXY_DELAY);
    static participant_t a;
    CU_ASSERT_EQUAL_FATAL(start_with(&a, 0, proxy_hosts(proxy), p, 3000, ZKELECT_POLICY_LEASE), 0);
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
    assert_checker();
    participant_destroy(&a);
    proxy_stop(proxy);
}

/* F15: the leader's requests reach the server, the replies never come back.
 * The server keeps its session alive, so nobody else may lead; the leader
 * itself stops at its deadline. */
static void test_replies_dropped(void)
{
    const char *p = fresh("replies-dropped");
    proxy_t *proxy = proxy_start(server.port);
    CU_ASSERT_PTR_NOT_NULL_FATAL(proxy);
    static participant_t ps[2];
    CU_ASSERT_EQUAL_FATAL(start_with(&ps[0], 0, proxy_hosts(proxy), p, 3000, ZKELECT_POLICY_LEASE), 0);
    CU_ASSERT_EQUAL_FATAL(start_with(&ps[1], 1, server.hosts, p, 3000, ZKELECT_POLICY_LEASE), 0);
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
    assert_checker();
    destroy_all(ps, 2);
    proxy_stop(proxy);
}

/* F18: a create whose reply was lost, and the session expires before the
 * client gets back: the node found later belongs to a dead session and is
 * gone with it; the participant joins anew, with exactly one node. */
static void test_lost_create_then_expiry(void)
{
    const char *p = fresh("lost-create-expired");
    zoo_create(admin, "/zkelect-faults", NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
    CU_ASSERT_EQUAL_FATAL(zoo_create(admin, p, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZOK);
    proxy_t *proxy = proxy_start(server.port);
    CU_ASSERT_PTR_NOT_NULL_FATAL(proxy);
    proxy_set_mode(proxy, PROXY_LOSE_CREATE_THEN_REFUSE);
    static participant_t a;
    CU_ASSERT_EQUAL_FATAL(participant_new(&a, 0, &rec, proxy_hosts(proxy), p), 0);
    zkelect_set_session_timeout(a.e, 2000);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(a.e), ZKELECT_OK);
    int64_t deadline = mono_ns() + 10000 * NS_PER_MS;
    while (proxy_creates_lost(proxy) == 0 && mono_ns() < deadline)
        poll_pause();
    CU_ASSERT_EQUAL_FATAL(proxy_creates_lost(proxy), 1);
    /* the orphan exists until the server expires the session */
    deadline = mono_ns() + 10000 * NS_PER_MS;
    while (zk_child_count(admin, p) != 0 && mono_ns() < deadline)
        poll_pause();
    CU_ASSERT_EQUAL(zk_child_count(admin, p), 0);
    proxy_set_mode(proxy, PROXY_PASS);
    CU_ASSERT_EQUAL(zkelect_wait_leader(a.e, 15 * SEC), ZKELECT_OK);
    CU_ASSERT_EQUAL(zk_child_count(admin, p), 1);
    assert_checker();
    participant_destroy(&a);
    proxy_stop(proxy);
}

/* F11: the server is rebuilt empty. It refuses clients that have seen a
 * newer state, so they are never told their session expired: after 2T
 * without a connection the participants open new sessions and rejoin. */
static void test_server_rebuilt_empty(void)
{
    const char *p = fresh("rebuilt");
    static zk_server_t own;
    CU_ASSERT_EQUAL_FATAL(zk_server_start(&own, 200), 0);
    static participant_t ps[2];
    for (int i = 0; i < 2; i++)
        CU_ASSERT_EQUAL_FATAL(start_with(&ps[i], i, own.hosts, p, 2000, ZKELECT_POLICY_STRICT), 0);
    CU_ASSERT_EQUAL_FATAL(wait_single_leader(ps, 2, 10 * SEC), 0);
    size_t mark = rec_count(&rec);
    int64_t t0 = mono_ns();
    CU_ASSERT_EQUAL_FATAL(zk_server_rebuild_empty(&own), 0);
    for (int i = 0; i < 2; i++)
        CU_ASSERT(rec_wait(&rec, i, ZKELECT_EV_JOINED, mark, 20 * SEC) >= 0);
    CU_ASSERT(wait_single_leader(ps, 2, 10 * SEC) >= 0);
    printf("\n    rebuilt empty: one leader again after %lld ms ", (long long)ms_since(t0));
    assert_checker();
    destroy_all(ps, 2);
    zk_server_stop(&own);
}


/* Lines of a child participant's output (examples/failover) that contain word. */
static int count_lines(const char *file, const char *word)
{
    FILE *in = fopen(file, "r");
    if (!in)
        return 0;
    char line[512];
    int n = 0;
    while (fgets(line, sizeof line, in))
        n += strstr(line, word) != NULL;
    fclose(in);
    return n;
}

static bool wait_lines(const char *file, const char *word, int count, int timeout_ms)
{
    int64_t deadline = mono_ns() + (int64_t)timeout_ms * NS_PER_MS;
    while (count_lines(file, word) < count && mono_ns() < deadline)
        poll_pause();
    return count_lines(file, word) >= count;
}

/* F5: the leader's whole process is paused (SIGSTOP, like a long GC pause)
 * for longer than the session timeout. The successor is elected once the
 * server expires the session; the resumed process finds its leadership
 * already gone (REVOKED first thing), then rejoins behind. */
static void test_leader_process_paused(void)
{
    const char *p = fresh("process-paused");
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
    CU_ASSERT_EQUAL_FATAL(start_with(&b, 1, server.hosts, p, 3000, ZKELECT_POLICY_STRICT), 0);
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

/* ------------------------------------------------------------- ensemble */

static int ensemble_init(void)
{
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
    return 0;
}

/* Which ensemble member a participant is connected to (-1 if none). */
static int connected_member(participant_t *pt)
{
    struct sockaddr_storage addr;
    socklen_t len = sizeof addr;
    int member = -1;
    pthread_mutex_lock(pt->e->lock);
    if (pt->e->zh && zookeeper_get_connected_host(pt->e->zh, (struct sockaddr *)&addr, &len)) {
        int port = ntohs(((struct sockaddr_in *)&addr)->sin_port);
        for (int i = 0; i < ensemble.n; i++) {
            if (ensemble.member[i].port == port)
                member = i;
        }
    }
    pthread_mutex_unlock(pt->e->lock);
    return member;
}

/* Scenario 4 (F12): the member the leader is connected to dies. The client
 * moves to another member within the session and nobody else leads. With the
 * strict policy the leader revokes and is re-elected with the same epoch;
 * with the lease policy the move is faster than the lease and nothing
 * happens at all. */
static void member_killed(int policy, const char *name)
{
    const char *p = fresh(name);
    static participant_t ps[2];
    for (int i = 0; i < 2; i++)
        CU_ASSERT_EQUAL_FATAL(start_with(&ps[i], i, ensemble.hosts, p, 6000, policy), 0);
    CU_ASSERT_EQUAL_FATAL(wait_single_leader(ps, 2, 10 * SEC), 0);
    CU_ASSERT_FATAL(rec_wait(&rec, 0, ZKELECT_EV_ELECTED, 0, SEC) >= 0);
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
        int64_t deadline = mono_ns() + 20000 * NS_PER_MS;
        while (connected_member(&ps[0]) < 0 && mono_ns() < deadline)
            poll_pause();
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
    assert_checker();
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
    const char *p = fresh("quorum-lost");
    static participant_t ps[3];
    for (int i = 0; i < 3; i++)
        CU_ASSERT_EQUAL_FATAL(start_with(&ps[i], i, ensemble.hosts, p, 4000, ZKELECT_POLICY_LEASE), 0);
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
    assert_checker();
    destroy_all(ps, 3);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    rec_init(&rec);
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite s = CU_add_suite("faults, standalone server", standalone_init, standalone_clean);
    ADD_TEST(s, test_server_paused_longer_than_session);
    ADD_TEST(s, test_server_restart_within_session);
    ADD_TEST(s, test_unreachable_then_started);
    ADD_TEST(s, test_many_foreign_children);
    ADD_TEST(s, test_churn_soak);
    ADD_TEST(s, test_leader_connection_reset);
    ADD_TEST(s, test_blips_under_lease_policy);
    ADD_TEST(s, test_blocked_host_still_loses_lease);
    ADD_TEST(s, test_lease_leader_disconnected_stays_idle);
    ADD_TEST(s, test_high_latency);
    ADD_TEST(s, test_replies_dropped);
    ADD_TEST(s, test_lost_create_then_expiry);
    ADD_TEST(s, test_server_rebuilt_empty);
    ADD_TEST(s, test_leader_process_paused);
    CU_pSuite q = CU_add_suite("faults, 3-server ensemble", ensemble_init, ensemble_clean);
    ADD_TEST(q, test_ensemble_member_killed_strict);
    ADD_TEST(q, test_ensemble_member_killed_lease);
    ADD_TEST(q, test_ensemble_quorum_lost);
    int failed = run_registered_tests();
    rec_destroy(&rec);
    return failed ? 1 : 0;
}
