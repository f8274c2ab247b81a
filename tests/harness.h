/* harness.h - what the integration tests stand on: a real ZooKeeper server
 * started by the test program itself, participants whose events are
 * recorded, and waits on conditions with deadlines (never fixed sleeps). */
#ifndef ZKELECT_TEST_HARNESS_H
#define ZKELECT_TEST_HARNESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <zkelect.h>

/* ------------------------------------------------------------ the server */

typedef struct zk_server {
    pid_t pid;
    int port;
    char dir[256];
    char hosts[64]; /* "127.0.0.1:PORT" */
} zk_server_t;

/* Start a standalone ZooKeeper on a free loopback port, in a temp dir, and
 * wait until it serves. 0 on success. The server is killed if the test
 * process dies (PR_SET_PDEATHSIG) and by zk_server_stop(). */
int zk_server_start(zk_server_t *s, int tick_ms);
/* The same on a given port. */
int zk_server_start_on(zk_server_t *s, int tick_ms, int port);
int zk_free_port(void);
/* Stop and remove its directory. */
void zk_server_stop(zk_server_t *s);
/* SIGKILL, keeping its data; then start it again on the same port and data. */
void zk_server_kill(zk_server_t *s);
int zk_server_restart(zk_server_t *s, bool wait);
int zk_server_wait_serving(zk_server_t *s);
/* It answers, as a standalone server or a member of a quorum. */
bool zk_server_serving(const zk_server_t *s);
/* Kill it, erase its data (sessions and tree), start it again empty. */
int zk_server_rebuild_empty(zk_server_t *s);
/* The ensemble's leader (or a standalone server). */
bool zk_server_is_leader(const zk_server_t *s);

/* An ensemble on loopback: 3 members (zk_ensemble_start()), or up to 5. */
#define ZK_ENSEMBLE 3
#define ZK_ENSEMBLE_MAX 5
typedef struct zk_ensemble {
    zk_server_t member[ZK_ENSEMBLE_MAX];
    int n;
    char hosts[512];
} zk_ensemble_t;

int zk_ensemble_start(zk_ensemble_t *ens, int tick_ms);
int zk_ensemble_start_n(zk_ensemble_t *ens, int members, int tick_ms);
void zk_ensemble_stop(zk_ensemble_t *ens);
/* Index of the member that leads the ensemble, or -1. */
int zk_ensemble_leader(zk_ensemble_t *ens);
/* SIGSTOP / SIGCONT the server JVM. */
void zk_server_pause(zk_server_t *s, bool paused);

/* ------------------------------------------------------ recorded events */

#define REC_MAX 8192

typedef struct rec_event {
    int who;       /* participant index */
    int type;      /* ZKELECT_EV_* */
    int reason;
    int error;     /* ZKELECT_E* of an ERROR */
    int64_t epoch;
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
/* Number of children of path (-1 on error). */
int zk_child_count(void *zh, const char *path);
/* Delete path and everything below it. */
int zk_delete_recursive(void *zh, const char *path);

/* ------------------------------------------------------------ suites */

/* A suite's one server (tickTime 200 ms) and, if admin is not NULL, a plain
 * handle on it: suite_server_use() before CU_add_suite(suite_server_init,
 * suite_server_clean). */
void suite_server_use(zk_server_t *s, void **admin);
int suite_server_init(void);
int suite_server_clean(void);

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

/* ---------------------------------------------------------------- time */

int64_t mono_ns(void);
/* Sleep a little in a polling loop: only ever used together with a deadline. */
void poll_pause(void);



/* The event log checker: leadership intervals (ELECTED..REVOKED, in the
 * order the callbacks ran) never overlap, REVOKED only follows ELECTED, and
 * epochs never go back (a participant re-elected after a lapse may keep its
 * epoch). Returns the number of violations; why describes the last one. */
int check_no_two_leaders(recorder_t *r, char *why, size_t len);
#endif
