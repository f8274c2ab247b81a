/* harness.c - see harness.h. */
#include "harness.h"
#include "inspect.h"

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zookeeper/zookeeper.h>

/* ------------------------------------------------------------- recorder */

void rec_init(recorder_t *r)
{
    memset(r, 0, sizeof *r);
    pthread_mutex_init(&r->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&r->cond, &attr);
    pthread_condattr_destroy(&attr);
}

void rec_destroy(recorder_t *r)
{
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->cond);
}

void rec_reset(recorder_t *r)
{
    rec_destroy(r);
    rec_init(r);
}

size_t rec_count(recorder_t *r)
{
    pthread_mutex_lock(&r->lock);
    size_t n = r->n;
    pthread_mutex_unlock(&r->lock);
    return n;
}

rec_event_t rec_get(recorder_t *r, size_t i)
{
    pthread_mutex_lock(&r->lock);
    rec_event_t ev = r->ev[i];
    pthread_mutex_unlock(&r->lock);
    return ev;
}

static void rec_add(recorder_t *r, int who, const zkelect_event_t *ev)
{
    pthread_mutex_lock(&r->lock);
    if (r->n < REC_MAX) {
        rec_event_t *out = &r->ev[r->n++];
        *out = (rec_event_t){.who = who, .type = ev->type, .reason = ev->reason, .error = ev->error,
                             .epoch = ev->epoch, .takeover = ev->takeover, .ahead = ev->ahead,
                             .t_ns = mono_ns(), .thread = pthread_self()};
        const char *other = ev->type == ZKELECT_EV_ELECTED     ? ev->previous_id
                            : ev->type == ZKELECT_EV_PLACE     ? ev->predecessor_id
                            : ev->type == ZKELECT_EV_STEP_DOWN ? ev->requester_id
                                                               : NULL;
        const char *successor = ev->type == ZKELECT_EV_STEP_DOWN ? ev->successor_id : NULL;
        snprintf(out->other, sizeof out->other, "%s", other ? other : "");
        snprintf(out->successor, sizeof out->successor, "%s", successor ? successor : "");
    }
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->lock);
}

static long find_event(recorder_t *r, int who, int type, size_t from)
{
    for (size_t i = from; i < r->n; i++) {
        if (r->ev[i].type == type && (who < 0 || r->ev[i].who == who))
            return (long)i;
    }
    return -1;
}

long rec_wait(recorder_t *r, int who, int type, size_t from, int timeout_ms)
{
    int64_t until = mono_ns() + (int64_t)timeout_ms * 1000000;
    struct timespec ts = {.tv_sec = until / 1000000000, .tv_nsec = until % 1000000000};
    pthread_mutex_lock(&r->lock);
    long found;
    while ((found = find_event(r, who, type, from)) < 0) {
        if (pthread_cond_timedwait(&r->cond, &r->lock, &ts) == ETIMEDOUT) {
            found = find_event(r, who, type, from);
            break;
        }
    }
    pthread_mutex_unlock(&r->lock);
    return found;
}

size_t rec_tally(recorder_t *r, int who, int type, size_t from)
{
    pthread_mutex_lock(&r->lock);
    size_t n = 0;
    for (size_t i = from; i < r->n; i++) {
        if (r->ev[i].type == type && (who < 0 || r->ev[i].who == who))
            n++;
    }
    pthread_mutex_unlock(&r->lock);
    return n;
}

/* --------------------------------------------------------- participants */

static void on_event(zkelect_t *e, const zkelect_event_t *ev, void *userdata)
{
    (void)e;
    participant_t *p = userdata;
    /* Recorded first, so that a hook may block the callback (the tests of a
     * stuck host do) and rec_wait() still sees the event. */
    rec_add(p->rec, p->idx, ev);
    if (p->hook)
        p->hook(p, ev);
}

static void on_log(zkelect_t *e, int level, const char *message, void *userdata)
{
    (void)e;
    participant_t *p = userdata;
    if (level == ZKELECT_LOG_ERROR)
        __atomic_add_fetch(&p->log_errors, 1, __ATOMIC_RELAXED);
    if (getenv("ZKELECT_TEST_VERBOSE"))
        fprintf(stderr, "[%s] %d %s\n", p->id, level, message);
}

/* hosts, or a shared session when s is given. */
static int participant_create(participant_t *p, int idx, recorder_t *rec, const char *hosts, zkelect_session_t *s,
                              const char *path)
{
    memset(p, 0, sizeof *p);
    p->idx = idx;
    p->rec = rec;
    snprintf(p->id, sizeof p->id, "p%d", idx);
    int rc = s ? zkelect_new_on_session(&p->e, s, path, p->id) : zkelect_new(&p->e, hosts, path, p->id);
    if (rc)
        return rc;
    zkelect_set_callback(p->e, on_event, p);
    zkelect_set_log(p->e, on_log, p);
    zkelect_set_log_level(p->e, getenv("ZKELECT_TEST_VERBOSE") ? ZKELECT_LOG_DEBUG : ZKELECT_LOG_WARN);
    if (!s)
        zkelect_set_session_timeout(p->e, 4000);
    return 0;
}

int participant_new(participant_t *p, int idx, recorder_t *rec, const char *hosts, const char *path)
{
    return participant_create(p, idx, rec, hosts, NULL, path);
}

int participant_new_on(participant_t *p, int idx, recorder_t *rec, zkelect_session_t *s, const char *path)
{
    return participant_create(p, idx, rec, NULL, s, path);
}

/* --------------------------------------------------------- suites */

static zk_server_t *suite_server;
static void **suite_admin;

int suite_server_init(void)
{
    if (zk_server_start(suite_server, 200) != 0)
        return -1;
    if (!suite_admin)
        return 0;
    *suite_admin = zk_connect(suite_server->hosts);
    return *suite_admin ? 0 : -1;
}

int suite_server_clean(void)
{
    if (suite_admin)
        zk_close(*suite_admin);
    zk_server_stop(suite_server);
    return 0;
}

void suite_server_use(zk_server_t *s, void **admin)
{
    suite_server = s;
    suite_admin = admin;
}

int participant_start(participant_t *p, int idx, recorder_t *rec, const char *hosts, const char *path)
{
    int rc = participant_new(p, idx, rec, hosts, path);
    return rc ? rc : zkelect_start(p->e);
}

void participant_destroy(participant_t *p)
{
    zkelect_destroy(p->e);
    p->e = NULL;
}

int leader_count(participant_t *ps, int n)
{
    int count = 0;
    for (int i = 0; i < n; i++)
        count += ps[i].e && zkelect_is_leader(ps[i].e);
    return count;
}

int wait_single_leader(participant_t *ps, int n, int timeout_ms)
{
    int64_t deadline = mono_ns() + (int64_t)timeout_ms * 1000000;
    do {
        int leader = -1, count = 0;
        for (int i = 0; i < n; i++) {
            if (ps[i].e && zkelect_is_leader(ps[i].e))
                leader = i, count++;
        }
        if (count == 1)
            return leader;
        poll_pause();
    } while (mono_ns() < deadline);
    return -1;
}

/* ------------------------------------------------------ each test's own */

const char *test_election(recorder_t *r, const char *name)
{
    static char path[256];
    snprintf(path, sizeof path, "/zkelect-tests/%s", name);
    rec_reset(r);
    return path;
}

void observe_for(int ms)
{
    int64_t until = mono_ns() + (int64_t)ms * 1000000;
    while (mono_ns() < until)
        poll_pause();
}

double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int64_t ms_since(int64_t t0_ns)
{
    return (mono_ns() - t0_ns) / 1000000;
}

void start_all(participant_t *ps, int n, recorder_t *r, const char *hosts, const char *path)
{
    for (int i = 0; i < n; i++) {
        size_t mark = rec_count(r);
        CU_ASSERT_EQUAL_FATAL(participant_start(&ps[i], i, r, hosts, path), ZKELECT_OK);
        /* joining one after the other fixes the line order */
        CU_ASSERT_FATAL(rec_wait(r, i, ZKELECT_EV_JOINED, mark, 10000) >= 0);
    }
}

int participant_start_with(participant_t *p, int idx, recorder_t *r, const char *hosts, const char *path,
                           int timeout_ms, int policy)
{
    size_t mark = rec_count(r);
    int rc = participant_new(p, idx, r, hosts, path);
    if (rc)
        return rc;
    zkelect_set_session_timeout(p->e, timeout_ms);
    zkelect_set_disconnect_policy(p->e, policy);
    rc = zkelect_start(p->e);
    if (rc)
        return rc;
    return rec_wait(r, idx, ZKELECT_EV_JOINED, mark, 15000) >= 0 ? 0 : -1;
}

void destroy_all(participant_t *ps, int n)
{
    for (int i = 0; i < n; i++) {
        if (ps[i].e)
            participant_destroy(&ps[i]);
    }
}

/* ------------------------------------------------------ ZooKeeper side */

typedef struct conn_wait {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int state;
} conn_wait_t;

static void conn_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    (void)zh, (void)path;
    conn_wait_t *w = ctx;
    if (type != ZOO_SESSION_EVENT || !w)
        return;
    pthread_mutex_lock(&w->lock);
    w->state = state;
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

static void quiet_log(const char *message)
{
    (void)message;
}

static zhandle_t *connect_session(const char *hosts, const clientid_t *cid, conn_wait_t *w)
{
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->cond, NULL);
    w->state = 0;
    zhandle_t *zh = zookeeper_init2(hosts, conn_watcher, 10000, cid, w, 0, quiet_log);
    if (!zh)
        return NULL;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 15;
    pthread_mutex_lock(&w->lock);
    while (w->state != ZOO_CONNECTED_STATE && w->state != ZOO_EXPIRED_SESSION_STATE) {
        if (pthread_cond_timedwait(&w->cond, &w->lock, &ts) == ETIMEDOUT)
            break;
    }
    int state = w->state;
    pthread_mutex_unlock(&w->lock);
    if (state != ZOO_CONNECTED_STATE) {
        zookeeper_close(zh);
        return NULL;
    }
    zoo_set_context(zh, NULL);
    return zh;
}

/* The conn_wait lives as long as the handle: the watcher may still run. */
typedef struct test_conn {
    conn_wait_t w;
} test_conn_t;

void *zk_connect(const char *hosts)
{
    test_conn_t *c = calloc(1, sizeof *c);
    zhandle_t *zh = connect_session(hosts, NULL, &c->w);
    if (!zh) {
        free(c);
        return NULL;
    }
    zoo_set_context(zh, c);
    return zh;
}

void zk_close(void *zh)
{
    if (!zh)
        return;
    test_conn_t *c = (test_conn_t *)zoo_get_context(zh);
    zookeeper_close(zh);
    free(c);
}

/* The victim's client reconnects within milliseconds and can take the
 * session back from the duplicate before the duplicate's close is sent (a
 * close from a disconnected handle sends nothing), so try until the victim's
 * session really changes. */
int expire_session(zkelect_t *e, const char *hosts)
{
    bool connected;
    int64_t victim = inspect_session_id(e, &connected, NULL);
    if (!connected)
        return -1;
    for (int attempt = 0; attempt < 20; attempt++) {
        clientid_t cid;
        if (!inspect_client_id(e, &cid) || cid.client_id != victim)
            return 0;
        conn_wait_t w;
        zhandle_t *dup = connect_session(hosts, &cid, &w);
        if (dup)
            zookeeper_close(dup); /* closes the shared session on the server */
        pthread_mutex_destroy(&w.lock);
        pthread_cond_destroy(&w.cond);
        int64_t deadline = mono_ns() + 2000 * (int64_t)1000000;
        while (mono_ns() < deadline) {
            bool replacing;
            if (inspect_session_id(e, NULL, &replacing) != victim || replacing)
                return 0;
            poll_pause();
        }
    }
    return -1;
}

int zk_make_path(void *zh, const char *path, int flags)
{
    char prefix[512];
    snprintf(prefix, sizeof prefix, "%s", path);
    for (char *slash = strchr(prefix + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        int rc = zoo_create(zh, prefix, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
        if (rc != ZOK && rc != ZNODEEXISTS)
            return rc;
        *slash = '/';
    }
    return zoo_create(zh, path, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, flags, NULL, 0);
}

int zk_child_count(void *zh, const char *path)
{
    struct String_vector v;
    if (zoo_get_children(zh, path, 0, &v) != ZOK)
        return -1;
    int n = v.count;
    deallocate_String_vector(&v);
    return n;
}

int zk_delete_recursive(void *zh, const char *path)
{
    struct String_vector v;
    int rc = zoo_get_children(zh, path, 0, &v);
    if (rc == ZNONODE)
        return ZOK;
    if (rc != ZOK)
        return rc;
    for (int i = 0; i < v.count; i++) {
        char child[2048];
        snprintf(child, sizeof child, "%s/%s", path, v.data[i]);
        zk_delete_recursive(zh, child);
    }
    deallocate_String_vector(&v);
    rc = zoo_delete(zh, path, -1);
    return rc == ZNONODE ? ZOK : rc;
}

int zk_delete_children_and_path(void *zh, const char *path)
{
    int rc = ZNOTEMPTY;
    for (int attempt = 0; attempt < 100 && (rc == ZNOTEMPTY || rc == ZNONODE); attempt++) {
        struct String_vector v;
        rc = zoo_get_children(zh, path, 0, &v);
        if (rc == ZNONODE)
            return ZOK;
        if (rc != ZOK)
            return rc;
        size_t n = (size_t)v.count + 1;
        zoo_op_t *ops = calloc(n, sizeof *ops);
        zoo_op_result_t *results = calloc(n, sizeof *results);
        char (*children)[1024] = calloc(n, sizeof *children);
        if (!ops || !results || !children) {
            rc = ZSYSTEMERROR;
        } else {
            for (int i = 0; i < v.count; i++) {
                snprintf(children[i], sizeof children[i], "%s/%s", path, v.data[i]);
                zoo_delete_op_init(&ops[i], children[i], -1);
            }
            zoo_delete_op_init(&ops[n - 1], path, -1);
            rc = zoo_multi(zh, (int)n, ops, results);
        }
        free(ops);
        free(results);
        free(children);
        deallocate_String_vector(&v);
    }
    return rc;
}

/* -------------------------------------------------------------- running */

bool test_selected(const char *name)
{
    const char *only = getenv("ZKELECT_TEST_ONLY");
    if (!only)
        return true;
    char words[512];
    snprintf(words, sizeof words, "%s", only);
    char *save = NULL;
    for (char *w = strtok_r(words, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
        if (strstr(name, w))
            return true;
    }
    return false;
}

int run_registered_tests(void)
{
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    int failed = (int)(CU_get_number_of_failures() + CU_get_number_of_suites_failed());
    /* A program that ran no test (a ZKELECT_TEST_ONLY that matches nothing,
     * say) proves nothing: it fails. */
    if (CU_get_number_of_tests_run() == 0) {
        fprintf(stderr, "no test ran\n");
        failed++;
    }
    CU_cleanup_registry();
    return failed;
}

int run_suites(const test_suite_t *suites)
{
    signal(SIGPIPE, SIG_IGN); /* a proxy's peer may go first */
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    for (const test_suite_t *suite = suites; suite->name; suite++) {
        CU_pSuite s = CU_add_suite(suite->name, suite->init, suite->clean);
        for (const CU_TestInfo *t = suite->tests; s && t->pName; t++) {
            if (test_selected(t->pName))
                CU_add_test(s, t->pName, t->pTestFunc);
        }
    }
    return run_registered_tests() ? 1 : 0;
}

int run_server_suite(const char *suite, zk_server_t *server, void **admin, recorder_t *rec, const CU_TestInfo *tests)
{
    rec_init(rec);
    suite_server_use(server, admin);
    const test_suite_t suites[] = {{suite, suite_server_init, suite_server_clean, tests}, {NULL, NULL, NULL, NULL}};
    int status = run_suites(suites);
    rec_destroy(rec);
    return status;
}

/* ------------------------------------------------------------- checker */

void assert_no_two_leaders(recorder_t *r)
{
    char why[256];
    int violations = check_no_two_leaders(r, why, sizeof why);
    if (violations) {
        fprintf(stderr, "\n    checker: %d violation(s), last: %s\n", violations, why);
        CU_FAIL("two leaders, unpaired events or a decreasing epoch");
    }
}

int check_no_two_leaders(recorder_t *r, char *why, size_t len)
{
    enum { MAX_WHO = 1024 };
    static bool holding[MAX_WHO];
    memset(holding, 0, sizeof holding);
    int current = -1, last_leader = -1;
    int64_t last_epoch = -1;
    int violations = 0;
    why[0] = '\0';
    pthread_mutex_lock(&r->lock);
    for (size_t i = 0; i < r->n; i++) {
        const rec_event_t *ev = &r->ev[i];
        if (ev->who < 0 || ev->who >= MAX_WHO)
            continue;
        if (ev->type == ZKELECT_EV_ELECTED) {
            if (holding[ev->who] || (current >= 0 && current != ev->who)) {
                snprintf(why, len, "event %zu: p%d ELECTED while p%d leads", i, ev->who, current);
                violations++;
                for (size_t j = i > 12 ? i - 12 : 0; j <= i; j++)
                    fprintf(stderr, "      #%zu +%lld ms p%d %s %s epoch %lld\n", j,
                            (long long)((r->ev[j].t_ns - r->ev[0].t_ns) / 1000000), r->ev[j].who,
                            zkelect_event_name(r->ev[j].type), zkelect_reason_name(r->ev[j].reason),
                            (long long)r->ev[j].epoch);
            } else if (ev->epoch < last_epoch || (ev->epoch == last_epoch && ev->who != last_leader)) {
                snprintf(why, len, "event %zu: p%d ELECTED with epoch %lld after epoch %lld of p%d", i, ev->who,
                         (long long)ev->epoch, (long long)last_epoch, last_leader);
                violations++;
            }
            holding[ev->who] = true;
            current = ev->who;
            last_epoch = ev->epoch;
            last_leader = ev->who;
        } else if (ev->type == ZKELECT_EV_REVOKED) {
            if (!holding[ev->who]) {
                snprintf(why, len, "event %zu: p%d REVOKED without ELECTED", i, ev->who);
                violations++;
            }
            holding[ev->who] = false;
            if (current == ev->who)
                current = -1;
        }
    }
    pthread_mutex_unlock(&r->lock);
    return violations;
}
