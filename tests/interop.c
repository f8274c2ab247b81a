/* interop.c - elections shared with the real thing: zkelect participants in
 * ZKELECT_FORMAT_CURATOR next to Apache Curator's LeaderLatch (Java, from
 * Debian's libcurator-recipes-java, compiled here with javac), and in
 * ZKELECT_FORMAT_KAZOO next to kazoo's Election (Debian's python3-kazoo, run
 * with /usr/bin/python3). In each, C and foreign participants alternate in
 * line; leadership passes along the line across languages, both sides agree
 * on the leader and the contenders at every step, and the leadership
 * intervals of all of them, on the one CLOCK_MONOTONIC, never overlap. */
#include "harness.h"
#include "spawn.h"

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NS_PER_MS 1000000LL

static zk_server_t server;
static recorder_t rec;
static char class_dir[256]; /* where CuratorPeer.class is compiled */
static const char *srcdir;

static const char *const curator_jars[] = {"curator-recipes", "curator-framework", "curator-client", "zookeeper",
                                           "zookeeper-jute", "guava", "failureaccess", "slf4j-api"};

static int compile_curator_peer(void)
{
    snprintf(class_dir, sizeof class_dir, "%s/zkelect-interop-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(class_dir))
        return -1;
    char cmd[4096];
    int n = snprintf(cmd, sizeof cmd, "javac -nowarn -d '%s' -cp '", class_dir);
    for (size_t i = 0; i < sizeof curator_jars / sizeof *curator_jars; i++)
        n += snprintf(cmd + n, sizeof cmd - (size_t)n, "%s/usr/share/java/%s.jar", i ? ":" : "", curator_jars[i]);
    snprintf(cmd + n, sizeof cmd - (size_t)n, "' '%s/tests/peers/CuratorPeer.java'", srcdir);
    return system(cmd) == 0 ? 0 : -1;
}

static int suite_init(void)
{
    srcdir = getenv("top_srcdir") ? getenv("top_srcdir") : ".";
    if (compile_curator_peer() != 0) {
        fprintf(stderr, "interop: javac could not compile CuratorPeer.java\n");
        return -1;
    }
    return zk_server_start(&server, 200);
}

static int suite_clean(void)
{
    zk_server_stop(&server);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", class_dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ------------------------------------------------------- leadership timeline */

typedef struct moment {
    char who[16];
    int type; /* ZKELECT_EV_ELECTED or ZKELECT_EV_REVOKED */
    int64_t t_ns;
} moment_t;

static moment_t timeline[256];
static size_t n_moments;

static void note_moment(const char *who, int type, int64_t t_ns)
{
    if (n_moments < sizeof timeline / sizeof *timeline) {
        snprintf(timeline[n_moments].who, sizeof timeline[n_moments].who, "%s", who);
        timeline[n_moments].type = type;
        timeline[n_moments++].t_ns = t_ns;
    }
}

static int by_time(const void *a, const void *b)
{
    const moment_t *x = a, *y = b;
    return x->t_ns < y->t_ns ? -1 : x->t_ns > y->t_ns;
}

/* The leaders in the order they led ("p0,j1,..."); empty if two terms
 * overlapped or a REVOKED came from someone who was not leading. */
static void leaders_in_order(char *out, size_t len)
{
    qsort(timeline, n_moments, sizeof *timeline, by_time);
    const char *leader = NULL;
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n_moments; i++) {
        const moment_t *m = &timeline[i];
        if (m->type == ZKELECT_EV_ELECTED) {
            if (leader) {
                snprintf(out, len, "overlap: %.15s elected while %.15s led", m->who, leader);
                return;
            }
            leader = m->who;
            used += (size_t)snprintf(out + used, len - used, "%s%s", used ? "," : "", m->who);
        } else if (!leader || strcmp(leader, m->who) != 0) {
            snprintf(out, len, "%.15s revoked while not leading", m->who);
            return;
        } else {
            leader = NULL;
        }
    }
}

/* ------------------------------------------------------------ foreign peers */

typedef struct peer {
    pid_t pid;
    int to_peer, from_peer;
    char id[16];
    char buf[8192];
    size_t len;
} peer_t;

static int peer_spawn(peer_t *p, const char *id, const char *const argv[])
{
    memset(p, 0, sizeof *p);
    snprintf(p->id, sizeof p->id, "%s", id);
    /* quiet: SLF4J's and kazoo's chatter */
    p->pid = spawn_piped(argv, &p->to_peer, &p->from_peer, SPAWN_QUIET | SPAWN_SEARCH_PATH);
    return p->pid > 0 ? 0 : -1;
}

static int spawn_curator(peer_t *p, const char *id, const char *election)
{
    char cp[2048];
    int n = snprintf(cp, sizeof cp, "%s", class_dir);
    for (size_t i = 0; i < sizeof curator_jars / sizeof *curator_jars; i++)
        n += snprintf(cp + n, sizeof cp - (size_t)n, ":/usr/share/java/%s.jar", curator_jars[i]);
    const char *argv[] = {"java", "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp", cp, "CuratorPeer", server.hosts,
                          election, id, NULL};
    return peer_spawn(p, id, argv);
}

static int spawn_kazoo(peer_t *p, const char *id, const char *election)
{
    char script[512];
    snprintf(script, sizeof script, "%s/tests/peers/kazoo_peer.py", srcdir);
    const char *argv[] = {"/usr/bin/python3", script, server.hosts, election, id, NULL};
    return peer_spawn(p, id, argv);
}

/* The next line the peer printed, within the deadline; ELECTED and REVOKED
 * lines go to the timeline on the way. */
static bool peer_line(peer_t *p, char *line, size_t len, int64_t deadline)
{
    for (;;) {
        char *nl = memchr(p->buf, '\n', p->len);
        if (nl) {
            size_t n = (size_t)(nl - p->buf);
            snprintf(line, len, "%.*s", (int)n, p->buf);
            memmove(p->buf, nl + 1, p->len - n - 1);
            p->len -= n + 1;
            long long t;
            if (sscanf(line, "ELECTED %lld", &t) == 1)
                note_moment(p->id, ZKELECT_EV_ELECTED, t);
            else if (sscanf(line, "REVOKED %lld", &t) == 1)
                note_moment(p->id, ZKELECT_EV_REVOKED, t);
            return true;
        }
        int64_t left = (deadline - mono_ns()) / NS_PER_MS;
        struct pollfd pfd = {.fd = p->from_peer, .events = POLLIN};
        if (left <= 0 || poll(&pfd, 1, (int)left) != 1)
            return false;
        ssize_t got = read(p->from_peer, p->buf + p->len, sizeof p->buf - p->len - 1);
        if (got <= 0)
            return false;
        p->len += (size_t)got;
    }
}

/* Wait for a line "WORD rest... t"; rest (without the time) goes to out. */
static bool peer_expect(peer_t *p, const char *word, char *out, size_t len, int timeout_ms)
{
    int64_t deadline = mono_ns() + (int64_t)timeout_ms * NS_PER_MS;
    char line[2048];
    size_t wl = strlen(word);
    while (peer_line(p, line, sizeof line, deadline)) {
        if (strncmp(line, word, wl) != 0 || (line[wl] != ' ' && line[wl] != '\0'))
            continue;
        char *last = strrchr(line, ' ');
        if (last)
            *last = '\0'; /* drop the time */
        if (out)
            snprintf(out, len, "%s", line[wl] ? line + wl + (last != line + wl) : "");
        return true;
    }
    return false;
}

static bool peer_ask(peer_t *p, const char *cmd, const char *answer_word, char *out, size_t len)
{
    char text[64];
    int n = snprintf(text, sizeof text, "%s\n", cmd);
    return write(p->to_peer, text, (size_t)n) == n && peer_expect(p, answer_word, out, len, 10 * SEC);
}

static void peer_stop(peer_t *p)
{
    if (p->pid <= 0)
        return;
    if (write(p->to_peer, "quit\n", 5) != 5) {
        /* the peer is gone already; reaped below */
    }
    close(p->to_peer);
    int64_t deadline = mono_ns() + 10000 * NS_PER_MS;
    int status;
    while (waitpid(p->pid, &status, WNOHANG) == 0) {
        if (mono_ns() > deadline) {
            kill(p->pid, SIGKILL);
            waitpid(p->pid, &status, 0);
            break;
        }
        poll_pause();
    }
    close(p->from_peer);
    p->pid = 0;
}

/* ------------------------------------------------------------- the C side */

static const char *path; /* the current test's election */

static const char *test_path(const char *name)
{
    n_moments = 0;
    return path = test_election(&rec, name);
}
static void start_c(participant_t *p, int idx, int format)
{
    CU_ASSERT_EQUAL_FATAL(participant_new(p, idx, &rec, server.hosts, path), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_set_format(p->e, format), ZKELECT_OK);
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(p->e), ZKELECT_OK);
    CU_ASSERT_FATAL(rec_wait(&rec, idx, ZKELECT_EV_JOINED, mark, 10 * SEC) >= 0);
}

/* The contenders' ids in line order, as zkelect reads them: "p0,j1,...". */
static void c_view(participant_t *p, char *out, size_t len)
{
    zkelect_participant_t *list;
    size_t n;
    out[0] = '\0';
    if (zkelect_participants(p->e, &list, &n) != ZKELECT_OK)
        return;
    size_t used = 0;
    for (size_t i = 0; i < n && used < len; i++)
        used += (size_t)snprintf(out + used, len - used, "%s%s", i ? "," : "", list[i].id);
    zkelect_participants_free(list, n);
}

static bool wait_c_view(participant_t *p, const char *expect)
{
    char view[512];
    int64_t deadline = mono_ns() + 10000 * NS_PER_MS;
    do {
        c_view(p, view, sizeof view);
        if (strcmp(view, expect) == 0)
            return true;
        poll_pause();
    } while (mono_ns() < deadline);
    fprintf(stderr, "zkelect sees \"%s\", expected \"%s\"\n", view, expect);
    return false;
}

/* Every side names the same leader and the same line. */
static void assert_views(participant_t *c, peer_t **peers, size_t n_peers, const char *leader, const char *line)
{
    CU_ASSERT(wait_c_view(c, line));
    char id[64];
    CU_ASSERT_EQUAL(zkelect_get_leader(c->e, id, sizeof id), ZKELECT_OK);
    CU_ASSERT_STRING_EQUAL(id, leader);
    for (size_t i = 0; i < n_peers; i++) {
        char answer[512] = "";
        CU_ASSERT(peer_ask(peers[i], "leader", "LEADER", answer, sizeof answer));
        CU_ASSERT_STRING_EQUAL(answer, leader);
        CU_ASSERT(peer_ask(peers[i], "participants", "PARTICIPANTS", answer, sizeof answer));
        CU_ASSERT_STRING_EQUAL(answer, line);
    }
}

/* What `zkelect status --format F --json` lists, as "id,id,...". */
static void cli_view(const char *format, char *out, size_t len)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "'%s/cli/zkelect' status --zk %s --path %s --format %s --json | jq -r '[.participants[].id] | join(\",\")'",
             getenv("top_builddir") ? getenv("top_builddir") : ".", server.hosts, path, format);
    out[0] = '\0';
    FILE *f = popen(cmd, "r");
    if (!f)
        return;
    if (fgets(out, (int)len, f))
        out[strcspn(out, "\n")] = '\0';
    pclose(f);
}

typedef int (*spawn_fn)(peer_t *p, const char *id, const char *election);

/* Line: p0 (C), x1 (foreign), p2 (C), x3 (foreign). Leadership passes
 * p0 -> x1 -> p2 -> x3: C to foreign, foreign to C, C to foreign. */
static void mixed_election(const char *name, int format, const char *format_name, spawn_fn spawn, char letter)
{
    const char *p = test_path(name);
    static participant_t c[3];
    static peer_t x1, x3;
    char id1[8], id3[8], line[128];
    snprintf(id1, sizeof id1, "%c1", letter);
    snprintf(id3, sizeof id3, "%c3", letter);

    start_c(&c[0], 0, format);
    CU_ASSERT_FATAL(rec_wait(&rec, 0, ZKELECT_EV_ELECTED, 0, 10 * SEC) >= 0);
    CU_ASSERT_EQUAL_FATAL(spawn(&x1, id1, p), 0);
    CU_ASSERT_FATAL(peer_expect(&x1, "READY", NULL, 0, 30 * SEC));
    snprintf(line, sizeof line, "p0,%s", id1);
    CU_ASSERT_FATAL(wait_c_view(&c[0], line));
    start_c(&c[2], 2, format);
    CU_ASSERT_EQUAL_FATAL(spawn(&x3, id3, p), 0);
    CU_ASSERT_FATAL(peer_expect(&x3, "READY", NULL, 0, 30 * SEC));
    peer_t *peers[] = {&x1, &x3};

    snprintf(line, sizeof line, "p0,%s,p2,%s", id1, id3);
    assert_views(&c[2], peers, 2, "p0", line);
    char listed[256];
    cli_view(format_name, listed, sizeof listed);
    CU_ASSERT_STRING_EQUAL(listed, line);

    /* C -> foreign: the next in line is the Curator/kazoo participant */
    participant_destroy(&c[0]);
    CU_ASSERT_FATAL(peer_expect(&x1, "ELECTED", NULL, 0, 10 * SEC));
    snprintf(line, sizeof line, "%s,p2,%s", id1, id3);
    assert_views(&c[2], peers, 2, id1, line);
    CU_ASSERT_EQUAL(zkelect_is_leader(c[2].e), 0);

    /* foreign -> C */
    size_t mark = rec_count(&rec);
    CU_ASSERT(peer_ask(&x1, "close", "CLOSED", NULL, 0));
    CU_ASSERT_FATAL(rec_wait(&rec, 2, ZKELECT_EV_ELECTED, mark, 10 * SEC) >= 0);
    snprintf(line, sizeof line, "p2,%s", id3);
    assert_views(&c[2], peers + 1, 1, "p2", line);

    /* C -> foreign again; the last one sees itself alone */
    start_c(&c[1], 1, format); /* a C participant behind x3 */
    participant_destroy(&c[2]);
    CU_ASSERT_FATAL(peer_expect(&x3, "ELECTED", NULL, 0, 10 * SEC));
    snprintf(line, sizeof line, "%s,p1", id3);
    assert_views(&c[1], peers + 1, 1, id3, line);
    CU_ASSERT(peer_ask(&x3, "close", "CLOSED", NULL, 0));
    CU_ASSERT(rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 10 * SEC) >= 0);
    participant_destroy(&c[1]);
    peer_stop(&x1);
    peer_stop(&x3);

    for (size_t i = 0; i < rec_count(&rec); i++) {
        rec_event_t ev = rec_get(&rec, i);
        char who[8];
        snprintf(who, sizeof who, "p%d", ev.who);
        if (ev.type == ZKELECT_EV_ELECTED || ev.type == ZKELECT_EV_REVOKED)
            note_moment(who, ev.type, ev.t_ns);
    }
    char order[256];
    leaders_in_order(order, sizeof order);
    snprintf(line, sizeof line, "p0,%s,p2,%s,p1", id1, id3);
    CU_ASSERT_STRING_EQUAL(order, line);
}

static void test_shared_with_curator_leader_latch(void)
{
    mixed_election("curator", ZKELECT_FORMAT_CURATOR, "curator", spawn_curator, 'j');
}

static void test_shared_with_kazoo_election(void)
{
    mixed_election("kazoo", ZKELECT_FORMAT_KAZOO, "kazoo", spawn_kazoo, 'k');
}

int main(void)
{
    static const CU_TestInfo tests[] = {
        TEST(test_shared_with_curator_leader_latch),
        TEST(test_shared_with_kazoo_election),
        CU_TEST_INFO_NULL,
    };
    static const test_suite_t suites[] = {{"elections shared with Curator and kazoo", suite_init, suite_clean, tests},
                                          {0}};
    rec_init(&rec);
    int status = run_suites(suites);
    rec_destroy(&rec);
    return status;
}
