/* harness.h - what the test programs stand on: a real ZooKeeper server
 * started by the test program itself (zkserver.h), participants whose
 * events are recorded, and waits on conditions with deadlines (never fixed
 * sleeps). */
#ifndef ZKELECT_TEST_HARNESS_H
#define ZKELECT_TEST_HARNESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <CUnit/CUnit.h>
#include <zkelect.h>

#include "zkserver.h"

/* ------------------------------------------------------ recorded events */

#define REC_MAX 8192

typedef struct rec_event {
    int who;       /* participant index */
    int type;      /* ZKELECT_EV_* */
    int reason;
    int error;     /* ZKELECT_E* of an ERROR */
    int64_t epoch;
    int takeover;  /* ELECTED */
    int ahead;     /* PLACE */
    char other[64]; /* ELECTED: the id taken over from; PLACE: the predecessor's id;
                     * STEP_DOWN: the requester's id; "" if none */
    char successor[64]; /* STEP_DOWN: the id asked to lead next, "" if none */
    int64_t t_ns;  /* CLOCK_MONOTONIC */
    pthread_t thread;
} rec_event_t;

typedef struct recorder {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    rec_event_t ev[REC_MAX];
    size_t n;
} recorder_t;

void rec_init(recorder_t *r);
void rec_destroy(recorder_t *r);
/* Empty it, for the next test. */
void rec_reset(recorder_t *r);
size_t rec_count(recorder_t *r);
/* Wait until an event of this type from this participant (-1: anyone) is
 * recorded at an index >= from. Returns its index, or -1 at the deadline. */
long rec_wait(recorder_t *r, int who, int type, size_t from, int timeout_ms);
/* How many events of this type (and participant, -1: any) from index from. */
size_t rec_tally(recorder_t *r, int who, int type, size_t from);
rec_event_t rec_get(recorder_t *r, size_t i);

/* --------------------------------------------------------- participants */

typedef struct participant {
    zkelect_t *e;
    int idx;
    recorder_t *rec;
    char id[64];
    /* optional hook run inside the callback (after recording) */
    void (*hook)(struct participant *p, const zkelect_event_t *ev);
    void *hook_arg;
    int log_errors; /* counts ERROR-level log lines */
} participant_t;

/* zkelect_new + callback + recorder; does not start. Asserts through CUnit. */
int participant_new(participant_t *p, int idx, recorder_t *rec, const char *hosts, const char *path);
int participant_start(participant_t *p, int idx, recorder_t *rec, const char *hosts, const char *path);
/* The same for an election on a shared session (not started). */
int participant_new_on(participant_t *p, int idx, recorder_t *rec, zkelect_session_t *s, const char *path);
void participant_destroy(participant_t *p);

/* zkelect_new() with a session timeout and a disconnect policy, started;
 * 0 once it joined, else an error or -1. */
int participant_start_with(participant_t *p, int idx, recorder_t *rec, const char *hosts, const char *path,
                           int timeout_ms, int policy);
/* Start participants 0..n-1 on path one after the other, each joined before
 * the next: the line order is theirs. Asserts through CUnit. */
void start_all(participant_t *ps, int n, recorder_t *rec, const char *hosts, const char *path);
/* Destroy those that exist. */
void destroy_all(participant_t *ps, int n);

/* Poll (with a deadline) until exactly one of the n participants leads;
 * returns its index, or -1. */
int wait_single_leader(participant_t *ps, int n, int timeout_ms);
/* Count of participants whose zkelect_is_leader() is 1 now. */
int leader_count(participant_t *ps, int n);

/* --------------------------------------------------------- ZooKeeper side */

/* A plain ZooKeeper handle for the test to poke at the tree; waits for CONNECTED. */
void *zk_connect(const char *hosts);
void zk_close(void *zh);
/* Expire the session of a participant for real: a second handle on the same
 * session id and password, then closed. 0 on success. */
int expire_session(zkelect_t *e, const char *hosts);
/* Create path (its last node with flags, ZOO_EPHEMERAL say), and the
 * levels above it that are missing; ZOK, or ZooKeeper's error. */
int zk_make_path(void *zh, const char *path, int flags);
/* Number of children of path (-1 on error). */
int zk_child_count(void *zh, const char *path);
/* Delete path and everything below it. */
int zk_delete_recursive(void *zh, const char *path);
/* Delete path and its children in one transaction, as ZooKeeper's own
 * deleteall does below 1,000 children; tried again (up to 100 times) when a
 * child came or went between the listing and the transaction. ZOK, or
 * ZooKeeper's error. */
int zk_delete_children_and_path(void *zh, const char *path);

/* ------------------------------------------------------------ suites */

/* A suite's one server (tickTime 200 ms) and, if admin is not NULL, a plain
 * handle on it: suite_server_use() before CU_add_suite(suite_server_init,
 * suite_server_clean). */
void suite_server_use(zk_server_t *s, void **admin);
int suite_server_init(void);
int suite_server_clean(void);

/* -------------------------------------------------- each test's own */

/* "/zkelect-tests/<name>", with the recorder emptied: each test has an
 * election path of its own. Valid until the next call. */
const char *test_election(recorder_t *rec, const char *name);
/* Lets ms pass: the window in which a test shows that something does not
 * happen (a retry storm, a second ELECTED). Never a stand-in for waiting on
 * something that will happen: that is rec_wait() with a deadline. */
void observe_for(int ms);
int64_t ms_since(int64_t t0_ns);
/* CPU seconds this process used so far: a busy loop shows in it. */
double cpu_seconds(void);

/* ------------------------------------------------------------ running */

/* ZKELECT_TEST_ONLY=a,b,c selects the tests whose names contain one of the
 * comma-separated words (used by the valgrind run, and for debugging). */
bool test_selected(const char *name);
#define ADD_TEST(suite, fn)              \
    do {                                 \
        if (test_selected(#fn))          \
            CU_add_test(suite, #fn, fn); \
    } while (0)
/* Run what is registered, verbosely; clean the registry up. Returns the
 * number of failed assertions and suites. */
int run_registered_tests(void);
/* A test program's suites, each a name, its set-up and clean-up (may be
 * NULL) and a CU_TEST_INFO_NULL-ended list of TEST(fn), the list ended by
 * a NULL name: registered (the tests ZKELECT_TEST_ONLY selects) and run.
 * Returns main's exit status. */
#define TEST(fn) {#fn, fn}
typedef struct test_suite {
    const char *name;
    CU_InitializeFunc init;
    CU_CleanupFunc clean;
    const CU_TestInfo *tests;
} test_suite_t;
int run_suites(const test_suite_t *suites);
/* The most common program: one suite on one server (with an admin handle
 * if admin is not NULL) and one recorder. */
int run_server_suite(const char *suite, zk_server_t *server, void **admin, recorder_t *rec, const CU_TestInfo *tests);

/* The event log checker: leadership intervals (ELECTED..REVOKED, in the
 * order the callbacks ran) never overlap, REVOKED only follows ELECTED, and
 * epochs never go back (a participant re-elected after a lapse may keep its
 * epoch). Returns the number of violations; why describes the last one. */
int check_no_two_leaders(recorder_t *r, char *why, size_t len);
/* The same as a CUnit failure, with the last violation on stderr. */
void assert_no_two_leaders(recorder_t *r);
#endif
