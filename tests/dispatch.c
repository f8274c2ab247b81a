/* dispatch.c - callbacks against a real ZooKeeper server. On the dispatch
 * thread: a slow callback stalls nothing else, and a callback may query,
 * resign and destroy. In manual dispatch (zkelect_set_dispatch_mode,
 * zkelect_fd, zkelect_dispatch): callbacks run only on the thread that
 * dispatches, in order, and the fd wakes a loop only when there is
 * something to dispatch. One server for the suite; each test has its own
 * election path. */
#include "harness.h"
#include "inspect.h"

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zookeeper/zookeeper.h>

#define NS_PER_MS 1000000LL

static zk_server_t server;
static void *admin;
static recorder_t rec;

/* ------------------------------------------------- on the dispatch thread */

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
    const char *p = test_election(&rec, "slow-callback");
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
    const char *p = test_election(&rec, "resign-in-callback");
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

static void destroy_itself_when_elected(participant_t *pt, const zkelect_event_t *ev)
{
    if (ev->type == ZKELECT_EV_ELECTED) {
        zkelect_destroy(pt->e);
        pt->hook_arg = (void *)1;
    }
}

static void test_destroy_inside_threaded_callback(void)
{
    const char *p = test_election(&rec, "destroy-in-callback");
    static participant_t ps[2];
    CU_ASSERT_EQUAL_FATAL(participant_new(&ps[0], 0, &rec, server.hosts, p), ZKELECT_OK);
    ps[0].hook = destroy_itself_when_elected;
    CU_ASSERT_EQUAL_FATAL(zkelect_start(ps[0].e), ZKELECT_OK);
    /* p0 destroys itself inside ELECTED: REVOKED(closed) follows, its node goes */
    long revoked = rec_wait(&rec, 0, ZKELECT_EV_REVOKED, 0, 10 * SEC);
    CU_ASSERT_FATAL(revoked >= 0);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)revoked).reason, ZKELECT_REASON_CLOSED);
    CU_ASSERT_EQUAL(rec_tally(&rec, 0, ZKELECT_EV_ELECTED, 0), 1);
    WAIT_FOR(zk_child_count(admin, p) == 0, 5 * SEC);
    CU_ASSERT_EQUAL(zk_child_count(admin, p), 0);
    /* and the election goes on for the others */
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL_FATAL(participant_start(&ps[1], 1, &rec, server.hosts, p), ZKELECT_OK);
    CU_ASSERT(rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 5 * SEC) >= 0);
    participant_destroy(&ps[1]);
}

/* --------------------------------------------------------- manual dispatch */

/* A participant in manual mode, started. */
static void start_manual(participant_t *p, int idx, const char *election)
{
    CU_ASSERT_EQUAL_FATAL(participant_new(p, idx, &rec, server.hosts, election), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_set_dispatch_mode(p->e, ZKELECT_DISPATCH_MANUAL), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(p->e), ZKELECT_OK);
}

static int event_fd(participant_t *p)
{
    int fd = -1;
    CU_ASSERT_EQUAL(zkelect_fd(p->e, &fd), ZKELECT_OK);
    CU_ASSERT(fd >= 0);
    return fd;
}

static bool readable(int fd, int timeout_ms)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    return poll(&pfd, 1, timeout_ms) == 1 && (pfd.revents & POLLIN);
}

/* The host's loop: dispatch whenever the fd is readable, until participant
 * who has delivered an event of this type at or after from, or the deadline. */
static long pump_until(participant_t *p, int type, size_t from, int timeout_ms)
{
    int fd = event_fd(p);
    int64_t deadline = mono_ns() + (int64_t)timeout_ms * NS_PER_MS;
    long found;
    while ((found = rec_wait(&rec, p->idx, type, from, 0)) < 0) {
        int64_t left_ms = (deadline - mono_ns()) / NS_PER_MS;
        if (left_ms <= 0)
            return -1;
        if (readable(fd, (int)left_ms))
            CU_ASSERT_EQUAL(zkelect_dispatch(p->e, NULL), ZKELECT_OK);
    }
    return found;
}

static void assert_all_on_this_thread(size_t from)
{
    for (size_t i = from; i < rec_count(&rec); i++)
        CU_ASSERT(pthread_equal(rec_get(&rec, i).thread, pthread_self()));
}

/* Wait, without dispatching, until the participant leads with an epoch other
 * than old (the state machine does not need the host's loop). */
static int64_t wait_new_term(participant_t *p, int64_t old, int timeout_ms)
{
    int64_t deadline = mono_ns() + (int64_t)timeout_ms * NS_PER_MS;
    while (mono_ns() < deadline) {
        int64_t epoch = zkelect_epoch(p->e);
        if (zkelect_is_leader(p->e) && epoch != old && epoch >= 0)
            return epoch;
        poll_pause();
    }
    return -1;
}

/* ------------------------------------------------------------------ tests */

static void test_callbacks_only_on_dispatching_thread(void)
{
    const char *p = test_election(&rec, "only-on-dispatcher");
    static participant_t ps[1];
    start_manual(&ps[0], 0, p);
    /* Elected without the host's loop: nothing delivered until it dispatches. */
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_leader(ps[0].e, 10 * SEC), ZKELECT_OK);
    CU_ASSERT_EQUAL(rec_count(&rec), 0);
    int fd = event_fd(&ps[0]);
    CU_ASSERT(readable(fd, 0));
    unsigned n = 0;
    CU_ASSERT_EQUAL(zkelect_dispatch(ps[0].e, &n), ZKELECT_OK);
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT_EQUAL(rec_count(&rec), 2);
    CU_ASSERT_EQUAL(rec_get(&rec, 0).type, ZKELECT_EV_JOINED);
    CU_ASSERT_EQUAL(rec_get(&rec, 1).type, ZKELECT_EV_ELECTED);
    CU_ASSERT_EQUAL(rec_get(&rec, 1).epoch, zkelect_epoch(ps[0].e));
    CU_ASSERT_FALSE(readable(fd, 0));

    /* A resign: the node stays until the host has run REVOKED. */
    char node[512];
    CU_ASSERT_EQUAL_FATAL(zkelect_node_path(ps[0].e, node, sizeof node), ZKELECT_OK);
    int64_t first = zkelect_epoch(ps[0].e);
    CU_ASSERT_EQUAL(zkelect_resign(ps[0].e), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_is_leader(ps[0].e), 0);
    struct Stat st;
    CU_ASSERT_EQUAL(zoo_exists(admin, node, 0, &st), ZOK);
    CU_ASSERT(readable(fd, 0));
    long again = pump_until(&ps[0], ZKELECT_EV_ELECTED, 2, 10 * SEC);
    CU_ASSERT_FATAL(again >= 0);
    CU_ASSERT_EQUAL(rec_get(&rec, 2).type, ZKELECT_EV_REVOKED);
    CU_ASSERT_EQUAL(rec_get(&rec, 2).reason, ZKELECT_REASON_RESIGNED);
    CU_ASSERT_EQUAL(rec_get(&rec, 2).epoch, first);
    CU_ASSERT(rec_get(&rec, (size_t)again).epoch > first);
    CU_ASSERT_EQUAL(zoo_exists(admin, node, 0, &st), ZNONODE);
    assert_all_on_this_thread(0);
    participant_destroy(&ps[0]);
}

/* Three session expiries with nobody dispatching: the events wait, and one
 * zkelect_dispatch() delivers all of them, in order, each term paired.
 * (How many there are depends on timing: the forced expiry first cuts the
 * connection, so a term may be SUSPENDED and resumed before it expires.) */
static void test_burst_delivered_in_order(void)
{
    const char *p = test_election(&rec, "burst");
    static participant_t ps[1];
    start_manual(&ps[0], 0, p);
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_leader(ps[0].e, 10 * SEC), ZKELECT_OK);
    int64_t epoch = zkelect_epoch(ps[0].e);
    enum { EXPIRIES = 3 };
    for (int i = 0; i < EXPIRIES; i++) {
        CU_ASSERT_EQUAL_FATAL(expire_session(ps[0].e, server.hosts), 0);
        epoch = wait_new_term(&ps[0], epoch, 15 * SEC);
        CU_ASSERT_FATAL(epoch >= 0);
    }
    CU_ASSERT_EQUAL(rec_count(&rec), 0);
    unsigned n = 0;
    CU_ASSERT_EQUAL(zkelect_dispatch(ps[0].e, &n), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(rec_count(&rec), n);
    CU_ASSERT(n >= 2 + 3 * EXPIRIES);
    /* ELECTED and REVOKED alternate with the same epoch; every new epoch was
     * JOINED first; the epochs only grow and end at the current one. */
    int64_t term = -1, joined = -1;
    int terms = 0;
    bool leading = false;
    for (size_t i = 0; i < rec_count(&rec); i++) {
        rec_event_t ev = rec_get(&rec, i);
        if (ev.type == ZKELECT_EV_JOINED) {
            CU_ASSERT_FALSE(leading);
            CU_ASSERT(ev.epoch > joined);
            joined = ev.epoch;
        } else if (ev.type == ZKELECT_EV_ELECTED) {
            CU_ASSERT_FALSE(leading);
            CU_ASSERT_EQUAL(ev.epoch, joined);
            terms += ev.epoch != term;
            term = ev.epoch;
            leading = true;
        } else if (ev.type == ZKELECT_EV_STOP_NOW) {
            /* Revoked while cut off, then the session closed by another
             * client before the successor bound: that is a third party
             * deleting the node (A5), said after the term's end. */
            CU_ASSERT_FALSE(leading);
            CU_ASSERT_EQUAL(ev.epoch, term);
        } else {
            CU_ASSERT_EQUAL(ev.type, ZKELECT_EV_REVOKED);
            CU_ASSERT(leading);
            CU_ASSERT_EQUAL(ev.epoch, term);
            leading = false;
        }
    }
    CU_ASSERT(leading);
    CU_ASSERT_EQUAL(terms, 1 + EXPIRIES);
    CU_ASSERT_EQUAL(term, zkelect_epoch(ps[0].e));
    CU_ASSERT_FALSE(readable(event_fd(&ps[0]), 0));
    assert_all_on_this_thread(0);
    participant_destroy(&ps[0]);
}

/* A leader that has nothing to report keeps renewing its lease, but never
 * wakes the host's loop. */
static void test_fd_quiet_while_nothing_happens(void)
{
    const char *p = test_election(&rec, "quiet");
    static participant_t ps[1];
    start_manual(&ps[0], 0, p);
    CU_ASSERT_FATAL(pump_until(&ps[0], ZKELECT_EV_ELECTED, 0, 10 * SEC) >= 0);
    int fd = event_fd(&ps[0]);
    uint64_t reads_before = inspect_requests(ps[0].e).reads;
    /* T = 4 s: renewals every second. Watch the fd for 2.5 s, as a loop would. */
    int wakeups = 0;
    int64_t until = mono_ns() + 2500 * NS_PER_MS;
    for (int64_t left; (left = (until - mono_ns()) / NS_PER_MS) > 0;)
        wakeups += readable(fd, (int)left);
    uint64_t renewals = inspect_requests(ps[0].e).reads - reads_before;
    CU_ASSERT_EQUAL(wakeups, 0);
    CU_ASSERT(renewals >= 2);
    CU_ASSERT(zkelect_is_leader(ps[0].e));
    unsigned n = 99;
    CU_ASSERT_EQUAL(zkelect_dispatch(ps[0].e, &n), ZKELECT_OK);
    CU_ASSERT_EQUAL(n, 0);
    participant_destroy(&ps[0]);
}

/* Inside a callback: a resign queues REVOKED for the next dispatch (the fd is
 * readable again), a nested dispatch and a wait are refused. */
static int nested_rc, wait_rc;

static void resign_once(participant_t *pt, const zkelect_event_t *ev)
{
    if (ev->type == ZKELECT_EV_ELECTED && !pt->hook_arg) {
        pt->hook_arg = (void *)1;
        nested_rc = zkelect_dispatch(pt->e, NULL);
        wait_rc = zkelect_wait_leader(pt->e, 1000);
        zkelect_resign(pt->e);
    }
}

static void test_resign_inside_callback(void)
{
    const char *p = test_election(&rec, "resign-in-callback");
    static participant_t ps[1];
    CU_ASSERT_EQUAL_FATAL(participant_new(&ps[0], 0, &rec, server.hosts, p), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_set_dispatch_mode(ps[0].e, ZKELECT_DISPATCH_MANUAL), ZKELECT_OK);
    ps[0].hook = resign_once;
    CU_ASSERT_EQUAL_FATAL(zkelect_start(ps[0].e), ZKELECT_OK);
    long elected = pump_until(&ps[0], ZKELECT_EV_ELECTED, 0, 10 * SEC);
    CU_ASSERT_FATAL(elected >= 0);
    /* The dispatch that ran ELECTED stopped there: REVOKED waits, the fd says so. */
    CU_ASSERT_EQUAL(rec_count(&rec), (size_t)elected + 1);
    CU_ASSERT(readable(event_fd(&ps[0]), 0));
    CU_ASSERT_EQUAL(nested_rc, ZKELECT_ESTATE);
    CU_ASSERT_EQUAL(wait_rc, ZKELECT_ESTATE);
    CU_ASSERT(ps[0].log_errors >= 2);
    long again = pump_until(&ps[0], ZKELECT_EV_ELECTED, (size_t)elected + 1, 10 * SEC);
    CU_ASSERT_FATAL(again >= 0);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)elected + 1).type, ZKELECT_EV_REVOKED);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)elected + 1).reason, ZKELECT_REASON_RESIGNED);
    assert_all_on_this_thread(0);
    participant_destroy(&ps[0]);
}

/* zkelect_destroy() from a callback returns at once; the dispatch running
 * that callback delivers REVOKED(closed), frees the handle and returns. */
static void destroy_on_elected(participant_t *pt, const zkelect_event_t *ev)
{
    if (ev->type == ZKELECT_EV_ELECTED) {
        zkelect_destroy(pt->e);
        pt->e = NULL;
    }
}

static void test_destroy_inside_callback(void)
{
    const char *p = test_election(&rec, "destroy-in-callback");
    static participant_t ps[1];
    CU_ASSERT_EQUAL_FATAL(participant_new(&ps[0], 0, &rec, server.hosts, p), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_set_dispatch_mode(ps[0].e, ZKELECT_DISPATCH_MANUAL), ZKELECT_OK);
    ps[0].hook = destroy_on_elected;
    CU_ASSERT_EQUAL_FATAL(zkelect_start(ps[0].e), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_leader(ps[0].e, 10 * SEC), ZKELECT_OK);
    zkelect_t *e = ps[0].e;
    unsigned n = 0;
    CU_ASSERT_EQUAL(zkelect_dispatch(e, &n), ZKELECT_OK);
    CU_ASSERT_PTR_NULL(ps[0].e);
    CU_ASSERT_EQUAL(n, 3);
    CU_ASSERT_EQUAL_FATAL(rec_count(&rec), 3);
    CU_ASSERT_EQUAL(rec_get(&rec, 2).type, ZKELECT_EV_REVOKED);
    CU_ASSERT_EQUAL(rec_get(&rec, 2).reason, ZKELECT_REASON_CLOSED);
    CU_ASSERT_EQUAL(rec_get(&rec, 2).epoch, rec_get(&rec, 1).epoch);
    assert_all_on_this_thread(0);
    /* The node went with the teardown. */
    CU_ASSERT_EQUAL(zk_child_count(admin, p), 0);
}

/* zkelect_destroy() outside a callback runs what is queued, REVOKED(closed)
 * last, on the calling thread before it returns; the successor then leads. */
static void test_destroy_delivers_pending_events(void)
{
    const char *p = test_election(&rec, "destroy-delivers");
    static participant_t ps[2];
    start_manual(&ps[0], 0, p);
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_leader(ps[0].e, 10 * SEC), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(participant_start(&ps[1], 1, &rec, server.hosts, p), ZKELECT_OK);
    CU_ASSERT_FATAL(rec_wait(&rec, 1, ZKELECT_EV_JOINED, 0, 10 * SEC) >= 0);
    size_t mark = rec_count(&rec);
    participant_destroy(&ps[0]);
    CU_ASSERT_EQUAL(rec_tally(&rec, 0, ZKELECT_EV_JOINED, mark), 1);
    CU_ASSERT_EQUAL(rec_tally(&rec, 0, ZKELECT_EV_ELECTED, mark), 1);
    long revoked = rec_wait(&rec, 0, ZKELECT_EV_REVOKED, mark, 0);
    CU_ASSERT_FATAL(revoked >= 0);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)revoked).reason, ZKELECT_REASON_CLOSED);
    CU_ASSERT(pthread_equal(rec_get(&rec, (size_t)revoked).thread, pthread_self()));
    CU_ASSERT(rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 5 * SEC) >= 0);
    participant_destroy(&ps[1]);
}

/* Bad calls: each a return code and, where there is a handle, a logged reason. */
static void test_bad_calls(void)
{
    const char *p = test_election(&rec, "bad-calls");
    static participant_t ps[1];
    int fd = 7;
    unsigned n = 7;
    CU_ASSERT_EQUAL(zkelect_set_dispatch_mode(NULL, ZKELECT_DISPATCH_MANUAL), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_fd(NULL, &fd), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_dispatch(NULL, &n), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT_EQUAL(zkelect_dispatch(NULL, NULL), ZKELECT_EINVAL);

    CU_ASSERT_EQUAL_FATAL(participant_new(&ps[0], 0, &rec, server.hosts, p), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_dispatch_mode(ps[0].e, 2), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_dispatch_mode(ps[0].e, -1), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(ps[0].log_errors, 2);
    /* thread mode: no fd, no dispatch */
    CU_ASSERT_EQUAL(zkelect_fd(ps[0].e, &fd), ZKELECT_ESTATE);
    CU_ASSERT_EQUAL(fd, -1);
    CU_ASSERT_EQUAL(zkelect_dispatch(ps[0].e, NULL), ZKELECT_ESTATE);
    CU_ASSERT_EQUAL(ps[0].log_errors, 4);
    /* manual, then back to thread mode: the fd goes */
    CU_ASSERT_EQUAL(zkelect_set_dispatch_mode(ps[0].e, ZKELECT_DISPATCH_MANUAL), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_fd(ps[0].e, NULL), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_fd(ps[0].e, &fd), ZKELECT_OK);
    CU_ASSERT(fd >= 0);
    CU_ASSERT_EQUAL(zkelect_set_dispatch_mode(ps[0].e, ZKELECT_DISPATCH_THREAD), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_fd(ps[0].e, &fd), ZKELECT_ESTATE);
    /* before start, a manual handle has nothing to dispatch */
    CU_ASSERT_EQUAL(zkelect_set_dispatch_mode(ps[0].e, ZKELECT_DISPATCH_MANUAL), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_dispatch(ps[0].e, &n), ZKELECT_OK);
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(ps[0].e), ZKELECT_OK);
    int errors = ps[0].log_errors;
    CU_ASSERT_EQUAL(zkelect_set_dispatch_mode(ps[0].e, ZKELECT_DISPATCH_THREAD), ZKELECT_ESTATE);
    CU_ASSERT_EQUAL(ps[0].log_errors, errors + 1);
    CU_ASSERT(pump_until(&ps[0], ZKELECT_EV_ELECTED, 0, 10 * SEC) >= 0);
    participant_destroy(&ps[0]);
}

/* ------------------------------------------------------------------ fork() */

/* What a child of fork() got from every call on its parent's handle. */
typedef struct child_report {
    int start, resign, leave, wait_leader, stats, dispatch, fd, node_path, id;
    int is_leader;
    int64_t epoch;
    int log_errors; /* errors the calls logged, in the child */
    bool destroy_returned;
} child_report_t;

/* In a child of fork(): try everything on the parent's handle, and report
 * through a pipe. */
static void probe_in_child(participant_t *p, int out)
{
    child_report_t r = {0};
    int errors = p->log_errors;
    zkelect_stats_t st = {.size = sizeof st};
    char node[512];
    int fd;
    r.is_leader = zkelect_is_leader(p->e);
    r.epoch = zkelect_epoch(p->e);
    r.start = zkelect_start(p->e);
    r.resign = zkelect_resign(p->e);
    r.leave = zkelect_leave(p->e);
    r.wait_leader = zkelect_wait_leader(p->e, 0);
    r.stats = zkelect_stats(p->e, &st);
    r.dispatch = zkelect_dispatch(p->e, NULL);
    r.fd = zkelect_fd(p->e, &fd);
    r.node_path = zkelect_node_path(p->e, node, sizeof node);
    r.id = zkelect_id(p->e, node, sizeof node);
    r.log_errors = p->log_errors - errors;
    zkelect_destroy(p->e);
    r.destroy_returned = true;
    bool sent = write(out, &r, sizeof r) == (ssize_t)sizeof r;
    /* Then exec, as a daemon's worker does: the copy of the parent's heap
     * goes without an exit (whose leak check, under valgrind, would find
     * the memory of ZooKeeper threads that did not follow the fork). */
    execl(sent ? "/bin/true" : "/bin/false", sent ? "true" : "false", (char *)NULL);
    _exit(1);
}

/* Fork; the child probes p's handle; its report, within 10 s. */
static child_report_t fork_and_probe(participant_t *p)
{
    child_report_t r = {0};
    int fds[2];
    CU_ASSERT_FATAL(pipe(fds) == 0);
    pid_t child = fork();
    CU_ASSERT_FATAL(child >= 0);
    if (child == 0)
        probe_in_child(p, fds[1]);
    close(fds[1]);
    struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
    CU_ASSERT_FATAL(poll(&pfd, 1, 10 * SEC) == 1);
    CU_ASSERT_EQUAL(read(fds[0], &r, sizeof r), (ssize_t)sizeof r);
    close(fds[0]);
    int status = -1;
    CU_ASSERT_EQUAL(waitpid(child, &status, 0), child);
    CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return r;
}

/* Every call in the child is refused with ZKELECT_ESTATE (and said to the
 * log); the lock-free queries say "not leading"; destroy returns. */
static void assert_refused_in_child(const child_report_t *r)
{
    CU_ASSERT_EQUAL(r->is_leader, 0);
    CU_ASSERT_EQUAL(r->epoch, -1);
    CU_ASSERT_EQUAL(r->start, ZKELECT_ESTATE);
    CU_ASSERT_EQUAL(r->resign, ZKELECT_ESTATE);
    CU_ASSERT_EQUAL(r->leave, ZKELECT_ESTATE);
    CU_ASSERT_EQUAL(r->wait_leader, ZKELECT_ESTATE);
    CU_ASSERT_EQUAL(r->stats, ZKELECT_ESTATE);
    CU_ASSERT_EQUAL(r->dispatch, ZKELECT_ESTATE);
    CU_ASSERT_EQUAL(r->fd, ZKELECT_ESTATE);
    CU_ASSERT_EQUAL(r->node_path, ZKELECT_ESTATE);
    CU_ASSERT_EQUAL(r->id, ZKELECT_ESTATE);
    CU_ASSERT(r->log_errors >= 8);
    CU_ASSERT(r->destroy_returned);
}

/* A handle made, then the process forks before starting it: the child
 * cannot start it (it would join with the same token as the parent); the
 * parent joins once. */
static void test_fork_before_start_child_cannot_join(void)
{
    const char *p = test_election(&rec, "fork-before-start");
    static participant_t a;
    CU_ASSERT_EQUAL_FATAL(participant_new(&a, 0, &rec, server.hosts, p), ZKELECT_OK);
    child_report_t r = fork_and_probe(&a);
    assert_refused_in_child(&r);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(a.e), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_leader(a.e, 10 * SEC), ZKELECT_OK);
    observe_for(200);
    CU_ASSERT_EQUAL(zk_child_count(admin, p), 1);
    participant_destroy(&a);
}

/* A leader forks (a daemon starting a worker): the child is not a leader,
 * and the parent goes on leading, untouched. */
static void test_fork_of_a_leader_child_does_not_lead(void)
{
    const char *p = test_election(&rec, "fork-leader");
    static participant_t a;
    CU_ASSERT_EQUAL_FATAL(participant_start(&a, 0, &rec, server.hosts, p), ZKELECT_OK);
    CU_ASSERT_FATAL(rec_wait(&rec, 0, ZKELECT_EV_ELECTED, 0, 10 * SEC) >= 0);
    int64_t epoch = zkelect_epoch(a.e);
    size_t mark = rec_count(&rec);
    child_report_t r = fork_and_probe(&a);
    assert_refused_in_child(&r);
    CU_ASSERT_EQUAL(zkelect_is_leader(a.e), 1);
    CU_ASSERT_EQUAL(zkelect_epoch(a.e), epoch);
    CU_ASSERT_EQUAL(rec_count(&rec), mark);
    CU_ASSERT_EQUAL(zk_child_count(admin, p), 1);
    participant_destroy(&a);
}

/* A host loop in manual dispatch forks with events waiting: the child can
 * neither dispatch them nor touch the fd, and the parent's loop finds its
 * events there, then a quiet fd (it does not spin). */
static void test_fork_of_a_manual_loop_leaves_the_fd_to_the_parent(void)
{
    const char *p = test_election(&rec, "fork-manual");
    static participant_t ps[1];
    start_manual(&ps[0], 0, p);
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_leader(ps[0].e, 10 * SEC), ZKELECT_OK);
    int fd = event_fd(&ps[0]);
    CU_ASSERT(readable(fd, 0));
    child_report_t r = fork_and_probe(&ps[0]);
    assert_refused_in_child(&r);
    CU_ASSERT(readable(fd, 0));
    unsigned n = 0;
    CU_ASSERT_EQUAL(zkelect_dispatch(ps[0].e, &n), ZKELECT_OK);
    CU_ASSERT_EQUAL(n, 2); /* JOINED, ELECTED */
    CU_ASSERT(!readable(fd, 100));
    participant_destroy(&ps[0]);
}

int main(void)
{
    static const CU_TestInfo tests[] = {
        TEST(test_slow_callback_does_not_stall_zookeeper),
        TEST(test_resign_and_queries_inside_callback),
        TEST(test_destroy_inside_threaded_callback),
        TEST(test_callbacks_only_on_dispatching_thread),
        TEST(test_burst_delivered_in_order),
        TEST(test_fd_quiet_while_nothing_happens),
        TEST(test_resign_inside_callback),
        TEST(test_destroy_inside_callback),
        TEST(test_destroy_delivers_pending_events),
        TEST(test_bad_calls),
        TEST(test_fork_before_start_child_cannot_join),
        TEST(test_fork_of_a_leader_child_does_not_lead),
        TEST(test_fork_of_a_manual_loop_leaves_the_fd_to_the_parent),
        CU_TEST_INFO_NULL,
    };
    return run_server_suite("callbacks on a real ZooKeeper", &server, &admin, &rec, tests);
}
