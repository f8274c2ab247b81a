/* harness.h - what the test programs stand on: a real ZooKeeper server
 * started by the test program itself (zkserver.h), participants
 * (participants.c) whose events are recorded and checked (recorder.h), a
 * plain handle to the tree (zkadmin.h), the program's suites (suites.c), and
 * waits on conditions with deadlines, never fixed sleeps (WAIT_FOR(),
 * rec_wait()). */
#ifndef ZKELECT_TEST_HARNESS_H
#define ZKELECT_TEST_HARNESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <CUnit/CUnit.h>
#include <zkelect.h>

#include "recorder.h"
#include "zkadmin.h"
#include "zkserver.h"

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
#endif
