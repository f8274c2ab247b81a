/* harness.c - see harness.h. */
#include "harness.h"
#include "internal.h"

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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zookeeper/zookeeper.h>

int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void poll_pause(void)
{
    struct timespec ts = {0, 5 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

/* -------------------------------------------------------------- server */

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) || getsockname(fd, (struct sockaddr *)&a, &len)) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return ntohs(a.sin_port);
}

/* "ruok" -> "imok": the server is up and serving. */
/* Send a four-letter word, return the answer (NUL-terminated) or "". */
static void four_letter(int port, const char *word, char *out, size_t len)
{
    out[0] = '\0';
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    /* a server that is starting may answer without closing: never wait long */
    struct timeval limit = {.tv_sec = 1};
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0 && write(fd, word, 4) == 4) {
        size_t have = 0;
        ssize_t n;
        while (have + 1 < len && (n = read(fd, out + have, len - 1 - have)) > 0)
            have += (size_t)n;
        out[have] = '\0';
    }
    if (fd >= 0)
        close(fd);
}

/* Serving clients: "srvr" names a mode (standalone, leader, follower). */
static bool serving(int port)
{
    char answer[1024];
    four_letter(port, "srvr", answer, sizeof answer);
    return strstr(answer, "Mode: ") != NULL;
}

bool zk_server_is_leader(const zk_server_t *s)
{
    char answer[1024];
    four_letter(s->port, "srvr", answer, sizeof answer);
    return strstr(answer, "Mode: leader") != NULL || strstr(answer, "Mode: standalone") != NULL;
}

static int write_config(zk_server_t *s, int tick_ms, const char *extra)
{
    char path[300];
    snprintf(path, sizeof path, "%s/zoo.cfg", s->dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f,
            "tickTime=%d\n"
            "initLimit=10\n"
            "syncLimit=5\n"
            "dataDir=%s/data\n"
            "clientPort=%d\n"
            "clientPortAddress=127.0.0.1\n"
            "minSessionTimeout=%d\n"
            "maxSessionTimeout=600000\n"
            "maxClientCnxns=0\n"
            "admin.enableServer=false\n"
            "4lw.commands.whitelist=*\n"
            "jute.maxbuffer=1048575\n"
            "%s",
            tick_ms, s->dir, s->port, 2 * tick_ms, extra ? extra : "");
    return fclose(f);
}

static void exec_server(const zk_server_t *s)
{
    char cfg[300], log[300];
    snprintf(cfg, sizeof cfg, "%s/zoo.cfg", s->dir);
    snprintf(log, sizeof log, "%s/server.log", s->dir);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
    const char *java = getenv("JAVA") ? getenv("JAVA") : "java";
    execlp(java, java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dzookeeper.log.dir=/tmp",
           "-cp", "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar",
           "org.apache.zookeeper.server.quorum.QuorumPeerMain", cfg, (char *)NULL);
    _exit(127);
}

static int spawn(zk_server_t *s)
{
    s->pid = fork();
    if (s->pid < 0)
        return -1;
    if (s->pid == 0)
        exec_server(s);
    return 0;
}

static int wait_serving(zk_server_t *s, int timeout_s)
{
    int64_t deadline = mono_ns() + timeout_s * (int64_t)1000000000;
    while (mono_ns() < deadline) {
        if (serving(s->port))
            return 0;
        if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
            fprintf(stderr, "zookeeper exited at start; see %s/server.log\n", s->dir);
            s->pid = 0;
            return -1;
        }
        poll_pause();
    }
    fprintf(stderr, "zookeeper did not serve within %d s; see %s/server.log\n", timeout_s, s->dir);
    return -1;
}

static int prepare(zk_server_t *s, int port)
{
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "%s/zkelect-test-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(s->dir))
        return -1;
    s->port = port > 0 ? port : free_port();
    snprintf(s->hosts, sizeof s->hosts, "127.0.0.1:%d", s->port);
    char data[300];
    snprintf(data, sizeof data, "%s/data", s->dir);
    return s->port < 0 || mkdir(data, 0755) ? -1 : 0;
}

int zk_server_start_on(zk_server_t *s, int tick_ms, int port)
{
    if (prepare(s, port) || write_config(s, tick_ms, NULL) || spawn(s))
        return -1;
    if (wait_serving(s, 60)) {
        zk_server_stop(s);
        return -1;
    }
    return 0;
}

int zk_server_start(zk_server_t *s, int tick_ms)
{
    return zk_server_start_on(s, tick_ms, 0);
}

int zk_free_port(void)
{
    return free_port();
}

void zk_server_kill(zk_server_t *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGCONT);
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
}

int zk_server_restart(zk_server_t *s, bool wait)
{
    zk_server_kill(s);
    if (spawn(s))
        return -1;
    return wait ? wait_serving(s, 60) : 0;
}

int zk_server_rebuild_empty(zk_server_t *s)
{
    zk_server_kill(s);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s/data/version-2'", s->dir);
    if (system(cmd) != 0)
        return -1;
    if (spawn(s))
        return -1;
    return wait_serving(s, 60);
}

bool zk_server_serving(const zk_server_t *s)
{
    return s->pid > 0 && serving(s->port);
}

int zk_server_wait_serving(zk_server_t *s)
{
    return wait_serving(s, 60);
}

int zk_ensemble_start_n(zk_ensemble_t *ens, int members, int tick_ms)
{
    memset(ens, 0, sizeof *ens);
    if (members < 1 || members > ZK_ENSEMBLE_MAX)
        return -1;
    ens->n = members;
    int peer[ZK_ENSEMBLE_MAX], election[ZK_ENSEMBLE_MAX];
    char servers[1024] = "";
    for (int i = 0; i < ens->n; i++) {
        if (prepare(&ens->member[i], 0))
            return -1;
        peer[i] = free_port();
        election[i] = free_port();
    }
    for (int i = 0; i < ens->n; i++) {
        size_t used = strlen(servers);
        snprintf(servers + used, sizeof servers - used, "server.%d=127.0.0.1:%d:%d\n", i + 1, peer[i],
                 election[i]);
    }
    for (int i = 0; i < ens->n; i++) {
        zk_server_t *s = &ens->member[i];
        char myid[300];
        snprintf(myid, sizeof myid, "%s/data/myid", s->dir);
        FILE *f = fopen(myid, "w");
        if (!f)
            return -1;
        fprintf(f, "%d\n", i + 1);
        fclose(f);
        if (write_config(s, tick_ms, servers) || spawn(s))
            return -1;
        size_t used = strlen(ens->hosts);
        snprintf(ens->hosts + used, sizeof ens->hosts - used, "%s%s", i ? "," : "", s->hosts);
    }
    for (int i = 0; i < ens->n; i++) {
        if (wait_serving(&ens->member[i], 90)) {
            zk_ensemble_stop(ens);
            return -1;
        }
    }
    return 0;
}

int zk_ensemble_start(zk_ensemble_t *ens, int tick_ms)
{
    return zk_ensemble_start_n(ens, ZK_ENSEMBLE, tick_ms);
}

void zk_ensemble_stop(zk_ensemble_t *ens)
{
    for (int i = 0; i < ens->n; i++)
        zk_server_stop(&ens->member[i]);
}

int zk_ensemble_leader(zk_ensemble_t *ens)
{
    for (int i = 0; i < ens->n; i++) {
        if (ens->member[i].pid > 0 && zk_server_is_leader(&ens->member[i]))
            return i;
    }
    return -1;
}

void zk_server_pause(zk_server_t *s, bool paused)
{
    if (s->pid > 0)
        kill(s->pid, paused ? SIGSTOP : SIGCONT);
}

void zk_server_stop(zk_server_t *s)
{
    zk_server_kill(s);
    if (s->dir[0] && !getenv("ZKELECT_TEST_KEEP")) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", s->dir);
        s->dir[0] = '\0';
    }
}

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
        r->ev[r->n++] = (rec_event_t){.who = who, .type = ev->type, .reason = ev->reason, .error = ev->error,
                                      .epoch = ev->epoch,
                                      .t_ns = mono_ns(), .thread = pthread_self()};
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

static int64_t session_of(zkelect_t *e, bool *connected)
{
    pthread_mutex_lock(e->lock);
    int64_t id = e->session_id;
    *connected = e->zh && e->connected;
    pthread_mutex_unlock(e->lock);
    return id;
}

/* The victim's client reconnects within milliseconds and can take the
 * session back from the duplicate before the duplicate's close is sent (a
 * close from a disconnected handle sends nothing), so try until the victim's
 * session really changes. */
int expire_session(zkelect_t *e, const char *hosts)
{
    bool connected;
    int64_t victim = session_of(e, &connected);
    if (!connected)
        return -1;
    for (int attempt = 0; attempt < 20; attempt++) {
        clientid_t cid;
        pthread_mutex_lock(e->lock);
        bool ok = e->zh && e->session_id == victim;
        if (ok)
            cid = *zoo_client_id(e->zh);
        pthread_mutex_unlock(e->lock);
        if (!ok || cid.client_id != victim)
            return 0;
        conn_wait_t w;
        zhandle_t *dup = connect_session(hosts, &cid, &w);
        if (dup)
            zookeeper_close(dup); /* closes the shared session on the server */
        pthread_mutex_destroy(&w.lock);
        pthread_cond_destroy(&w.cond);
        int64_t deadline = mono_ns() + 2000 * (int64_t)1000000;
        while (mono_ns() < deadline) {
            pthread_mutex_lock(e->lock);
            bool gone = e->session_id != victim || e->need_new_session;
            pthread_mutex_unlock(e->lock);
            if (gone)
                return 0;
            poll_pause();
        }
    }
    return -1;
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

/* ------------------------------------------------------------- checker */

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
