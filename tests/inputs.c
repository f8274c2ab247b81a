/* inputs.c - bad inputs at run time: no server, a name that does not resolve,
 * data too large, an election path that cannot have children
 *
 * One standalone server for the program; every test has its own election
 * path. All waits are on conditions with deadlines. */
#include "harness.h"

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

/* The most attempts a backoff from 0.25 s, doubling, makes within ms of its
 * start: the k-th (from 0) comes 0.25 (2^k - 1) s after it at the earliest. */
static size_t attempts_within(int64_t ms)
{
    size_t n = 0;
    for (int64_t at = 0, step = 250; at <= ms; at += step, step *= 2)
        n++;
    return n;
}

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
    /* A host name that does not resolve (yet) is an unreachable server: the
     * start succeeds, the library keeps trying, says so (an ERROR event,
     * backed off, and a log line), and never hangs. */
    static participant_t p;
    CU_ASSERT_EQUAL_FATAL(participant_new(&p, 0, &rec, "no-such-host.invalid:2181", "/zkelect-tests/unreachable"),
                          ZKELECT_OK);
    size_t mark = rec_count(&rec); /* the test before this one recorded an ERROR of its participant 0 */
    int64_t started = mono_ns();
    CU_ASSERT_EQUAL(zkelect_start(p.e), ZKELECT_OK);
    long err = rec_wait(&rec, 0, ZKELECT_EV_ERROR, mark, 5 * 1000);
    CU_ASSERT_FATAL(err >= 0);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)err).error, ZKELECT_EZK);
    CU_ASSERT(p.log_errors >= 1);
    CU_ASSERT_EQUAL(zkelect_wait_connected(p.e, 1200), ZKELECT_ETIMEDOUT);
    /* backed off (time.c): 0.25 s, then 0.5 s, 1 s, ... not a storm. Counted
     * against the time since the start as measured, not as planned: under
     * valgrind on a loaded machine the waits above can take seconds more. */
    CU_ASSERT(rec_tally(&rec, 0, ZKELECT_EV_ERROR, mark) <= attempts_within(ms_since(started)));
    participant_destroy(&p);
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

static void test_ephemeral_parent_reported(void)
{
    const char *p = test_election(&rec, "ephemeral-parent");
    /* an ephemeral election path cannot have children (B19) */
    CU_ASSERT_EQUAL_FATAL(zk_make_path(admin, p, ZOO_EPHEMERAL), ZOK);
    static participant_t a;
    CU_ASSERT_EQUAL_FATAL(participant_start(&a, 0, &rec, server.hosts, p), ZKELECT_OK);
    long err = rec_wait(&rec, 0, ZKELECT_EV_ERROR, 0, 5 * SEC);
    CU_ASSERT_FATAL(err >= 0);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)err).reason, ZKELECT_REASON_NONE);
    CU_ASSERT_EQUAL(zkelect_wait_leader(a.e, 200), ZKELECT_ETIMEDOUT);
    participant_destroy(&a);
}

int main(void)
{
    static const CU_TestInfo tests[] = {
        TEST(test_ephemeral_parent_reported),
        TEST(test_unreachable_server),
        TEST(test_oversized_data_rejected),
        CU_TEST_INFO_NULL,
    };
    return run_server_suite("bad inputs", &server, &admin, &rec, tests);
}
