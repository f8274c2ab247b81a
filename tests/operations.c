/* operations.c - `zkelect run` as operators run it: health-checked
 * leadership, systemd's notifications and watchdog, the metrics file, the
 * journal's priorities, and a rolling restart of a 3-member ensemble under
 * a running election. The real binary in its own processes; waits on
 * conditions with deadlines. */
#include "commands.h"
#include "harness.h"
#include "proxy.h"

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define NS_PER_MS 1000000LL

static zk_server_t server;

static int suite_init(void)
{
    if (commands_init("operations") != 0)
        return -1;
    server.max_session_ms = 10000; /* a longer session asked for is granted 10 s */
    return zk_server_start(&server, 200);
}

static int suite_clean(void)
{
    zk_server_stop(&server);
    return commands_clean();
}

/* ---------------------------------------------------------------- health */

/* A check that fails while DIR/<id>.sick exists. */
static const char *health_check(char *buf, size_t len)
{
    snprintf(buf, len, "test ! -e %s/$ZKELECT_ID.sick", scratch_dir());
    return buf;
}

static void sick(const char *id, bool yes)
{
    const char *f = scratch("%s.sick", id);
    if (yes) {
        FILE *fp = fopen(f, "w");
        if (fp)
            fclose(fp);
    } else {
        remove(f);
    }
}

/* The leader's check starts failing: it stops its command, hands over to
 * the healthy standby, and stays out of line until its check passes. */
static void test_failing_leader_hands_over_to_healthy_standby(void)
{
    const char *path = "/zkelect-ops/health-leader";
    char check[512];
    const char *extra[] = {"--health-cmd", health_check(check, sizeof check), "--health-interval", "0.2",
                           "--health-failures", "2", NULL};
    pid_t a = start_runner("health", "ha", server.hosts, path, "exec sleep 1000", extra);
    CU_ASSERT_FATAL(wait_lines(scratch("health-ha.log"), "started /bin/sh", 1, 10 * SEC));
    pid_t b = start_runner("health", "hb", server.hosts, path, "exec sleep 1000", extra);
    CU_ASSERT_FATAL(wait_contenders(server.hosts, path, 2, 10 * SEC));
    sick("ha", true);
    CU_ASSERT(wait_lines(scratch("health-hb.log"), "started /bin/sh", 1, 10 * SEC));
    CU_ASSERT(wait_lines(scratch("health-ha.log"), "stepping down", 1, 5 * SEC));
    CU_ASSERT(wait_lines(scratch("health-ha.log"), "out of line until a health check passes", 1, 5 * SEC));
    long exited = stamp_ms(scratch("health-ha.log"), "was killed by SIGTERM", 0);
    long successor = stamp_ms(scratch("health-hb.log"), "started /bin/sh", 0);
    CU_ASSERT(exited >= 0 && successor >= exited);
    CU_ASSERT(wait_contenders(server.hosts, path, 1, 5 * SEC));
    /* healthy again: back in line, behind the new leader */
    sick("ha", false);
    CU_ASSERT(wait_lines(scratch("health-ha.log"), "health check passed", 1, 5 * SEC));
    CU_ASSERT(wait_contenders(server.hosts, path, 2, 5 * SEC));
    CU_ASSERT_EQUAL(count_lines(scratch("health-ha.log"), "started /bin/sh"), 1);
    stop(a);
    stop(b);
}

/* A standby whose check fails does not stand: when the leader goes, the
 * healthy one further back takes over. */
static void test_unhealthy_standby_is_skipped(void)
{
    const char *path = "/zkelect-ops/health-standby";
    char check[512];
    const char *extra[] = {"--health-cmd", health_check(check, sizeof check), "--health-interval", "0.2",
                           "--health-failures", "1", NULL};
    pid_t a = start_runner("skip", "sa", server.hosts, path, "exec sleep 1000", extra);
    CU_ASSERT_FATAL(wait_lines(scratch("skip-sa.log"), "started /bin/sh", 1, 10 * SEC));
    sick("sb", true);
    pid_t b = start_runner("skip", "sb", server.hosts, path, "exec sleep 1000", extra);
    CU_ASSERT_FATAL(wait_lines(scratch("skip-sb.log"), "health check failed", 1, 10 * SEC));
    pid_t c = start_runner("skip", "sc", server.hosts, path, "exec sleep 1000", extra);
    CU_ASSERT_FATAL(wait_contenders(server.hosts, path, 2, 10 * SEC));
    stop(a);
    CU_ASSERT(wait_lines(scratch("skip-sc.log"), "started /bin/sh", 1, 10 * SEC));
    CU_ASSERT_EQUAL(count_lines(scratch("skip-sb.log"), "started /bin/sh"), 0);
    CU_ASSERT_EQUAL(count_lines(scratch("skip-sb.log"), "in line for"), 0);
    sick("sb", false);
    stop(b);
    stop(c);
}

/* A check that does not finish in time has failed; one that never passes
 * keeps this host out of line, and the check is killed when run stops. */
static void test_health_timeout_is_a_failure(void)
{
    const char *path = "/zkelect-ops/health-timeout";
    const char *extra[] = {"--health-cmd", "sleep 30", "--health-timeout", "0.3", "--health-interval", "0.5",
                           "--health-failures", "1", NULL};
    pid_t a = start_runner("slow", "a", server.hosts, path, "exec sleep 1000", extra);
    CU_ASSERT(wait_lines(scratch("slow-a.log"), "no result within 0.3 s", 1, 10 * SEC));
    CU_ASSERT(wait_contenders(server.hosts, path, 0, SEC));
    CU_ASSERT_EQUAL(count_lines(scratch("slow-a.log"), "started /bin/sh"), 0);
    int64_t t0 = mono_ns();
    kill(a, SIGTERM);
    CU_ASSERT_EQUAL(wait_exit(a, 5 * SEC), 0);
    CU_ASSERT((mono_ns() - t0) / NS_PER_MS < 1500);
}

/* A check that says why it fails ("disk full on /var") while DIR/<id>.sick
 * exists, and writes each result, "ok" or "fail", to DIR/<id>.checks. */
static const char *wordy_check(char *buf, size_t len)
{
    const char *d = scratch_dir();
    snprintf(buf, len,
             "if test -e %s/$ZKELECT_ID.sick; then echo fail >> %s/$ZKELECT_ID.checks; echo 'disk full on /var'; "
             "echo 'second line'; exit 1; fi; echo ok >> %s/$ZKELECT_ID.checks",
             d, d, d);
    return buf;
}

/* "ok" results since the last "fail" in DIR/<id>.checks. */
static int passes_since_failure(const char *id)
{
    char *text = slurp(scratch("%s.checks", id));
    char *last = NULL;
    for (char *at = text; (at = strstr(at, "fail\n")); at++)
        last = at;
    int n = 0;
    for (char *at = last ? last : text; (at = strstr(at, "ok\n")); at++)
        n++;
    free(text);
    return n;
}

/* The check's first line is the reason given, said once per change (not
 * at every failing check); the host stands again only after --health-rise
 * passes in a row; `zkelect status` shows the host out of line with its
 * state, and exits 4 while nobody leads. */
static void test_health_reason_rise_and_state(void)
{
    const char *path = "/zkelect-ops/health-rise";
    char check[1024];
    const char *extra[] = {"--health-cmd", wordy_check(check, sizeof check), "--health-interval", "300ms",
                           "--health-failures", "2", "--health-rise", "3", NULL};
    pid_t a = start_runner("rise", "ra", server.hosts, path, "exec sleep 1000", extra);
    CU_ASSERT_FATAL(wait_lines(scratch("rise-ra.log"), "started /bin/sh", 1, 10 * SEC));
    char out[8192];
    CU_ASSERT_EQUAL(capture(out, sizeof out, "'%s' status --zk %s --path %s", zkelect_bin, server.hosts, path), 0);
    CU_ASSERT(strstr(out, "leading since ") != NULL);
    sick("ra", true);
    CU_ASSERT(wait_lines(scratch("rise-ra.log"), "out of line until a health check passes", 1, 10 * SEC));
    CU_ASSERT(wait_lines(scratch("ra.checks"), "fail", 5, 10 * SEC));
    CU_ASSERT_EQUAL(count_lines(scratch("rise-ra.log"), "health check failed (exit status 1: disk full on /var)"), 1);
    CU_ASSERT_EQUAL(count_lines(scratch("rise-ra.log"), "second line"), 0);
    /* out of line, seen with its reason; nobody leads: exit 4 */
    int code;
    WAIT_FOR((code = capture(out, sizeof out, "'%s' status --zk %s --path %s", zkelect_bin, server.hosts, path)) == 4 &&
                 strstr(out, "unhealthy since"),
             5 * SEC);
    CU_ASSERT_EQUAL(code, 4);
    CU_ASSERT(strstr(out, "nobody in line, nobody leads") != NULL);
    CU_ASSERT(strstr(out, ": disk full on /var") != NULL);
    CU_ASSERT_EQUAL(capture(out, sizeof out, "'%s' status --zk %s --path %s --json | jq -r '.out_of_line[0].id'",
                            zkelect_bin, server.hosts, path),
                    0);
    CU_ASSERT_STRING_EQUAL(out, "ra\n");
    /* healthy again: it stands after three passes, not one */
    sick("ra", false);
    CU_ASSERT_FATAL(wait_lines(scratch("rise-ra.log"), "health check passed: standing for election", 2, 10 * SEC));
    CU_ASSERT(passes_since_failure("ra") >= 3);
    CU_ASSERT(wait_lines(scratch("rise-ra.log"), "started /bin/sh", 2, 10 * SEC));
    stop(a);
}

/* --unhealthy-leader stay-if-alone: an unhealthy leader with nobody else in
 * line leads on, and hands over as soon as a healthy host stands. */
static void test_unhealthy_leader_stays_if_alone(void)
{
    const char *path = "/zkelect-ops/stay-alone";
    char check[1024];
    const char *extra[] = {"--health-cmd", wordy_check(check, sizeof check), "--health-interval", "200ms",
                           "--health-failures", "1", "--unhealthy-leader", "stay-if-alone", NULL};
    pid_t a = start_runner("alone", "sa", server.hosts, path, "exec sleep 1000", extra);
    CU_ASSERT_FATAL(wait_lines(scratch("alone-sa.log"), "started /bin/sh", 1, 10 * SEC));
    sick("sa", true);
    CU_ASSERT_FATAL(wait_lines(scratch("alone-sa.log"), "leading on (--unhealthy-leader stay-if-alone)", 1, 10 * SEC));
    CU_ASSERT(wait_lines(scratch("sa.checks"), "fail", 4, 10 * SEC));
    CU_ASSERT_EQUAL(count_lines(scratch("alone-sa.log"), "was killed by"), 0);
    CU_ASSERT_EQUAL(count_lines(scratch("alone-sa.log"), "leading on (--unhealthy-leader"), 1);
    char out[8192];
    WAIT_FOR(capture(out, sizeof out, "'%s' status --zk %s --path %s", zkelect_bin, server.hosts, path) != 0 ||
                 strstr(out, "leading, unhealthy (alone in line) since"),
             5 * SEC);
    CU_ASSERT(strstr(out, "leading, unhealthy (alone in line) since") != NULL);
    pid_t b = start_runner("alone", "sb", server.hosts, path, "exec sleep 1000", extra);
    CU_ASSERT(wait_lines(scratch("alone-sa.log"), "another host stands in line now: stepping down after all", 1,
                         10 * SEC));
    CU_ASSERT(wait_lines(scratch("alone-sb.log"), "started /bin/sh", 1, 10 * SEC));
    long exited = stamp_ms(scratch("alone-sa.log"), "was killed by SIGTERM", 0);
    long successor = stamp_ms(scratch("alone-sb.log"), "started /bin/sh", 0);
    CU_ASSERT(exited >= 0 && successor >= exited);
    sick("sa", false);
    stop(a);
    stop(b);
}

/* What run says at its first connection: a session timeout the server
 * granted instead of the one asked for; and another contender with the
 * same id. */
static void test_granted_timeout_and_namesakes_are_said(void)
{
    const char *path = "/zkelect-ops/namesakes";
    /* the server grants 400 ms at the least (2 ticks of 200 ms) */
    const char *short_t[] = {"--session-timeout", "300ms", "--grace", "100ms", NULL};
    pid_t a = start_runner("said", "twin", server.hosts, path, "exec sleep 1000", short_t);
    CU_ASSERT(wait_lines(scratch("said-twin.log"),
                         "session timeout 400 ms (granted by the server instead of the one asked for)", 1, 10 * SEC));
    CU_ASSERT(wait_lines(scratch("said-twin.log"), "started /bin/sh", 1, 10 * SEC));
    CU_ASSERT_EQUAL(count_lines(scratch("said-twin.log"), "have the id twin"), 0);
    stop(a);
    a = start_runner("said", "twin", server.hosts, path, "exec sleep 1000", NULL);
    CU_ASSERT_FATAL(wait_lines(scratch("said-twin.log"), "started /bin/sh", 2, 10 * SEC));
    const char *argv[] = {zkelect_bin, "run", "--zk", server.hosts, "--path", path, "--id", "twin", "--",
                          "/bin/sh", "-c", "exec sleep 1000", NULL};
    pid_t b = spawn_to_file(scratch("said-twin2.log"), argv, NULL, 0);
    CU_ASSERT(wait_lines(scratch("said-twin2.log"), "1 other contender(s) in /zkelect-ops/namesakes have the id twin",
                         1, 10 * SEC));
    CU_ASSERT_EQUAL(count_lines(scratch("said-twin2.log"), "granted by the server"), 0);
    stop(a);
    stop(b);
    /* granted less than asked: a --grace that fits 0.4 x 20 s but not
     * 0.4 x 10 s is said to be cut short */
    const char *long_t[] = {"--session-timeout", "20s", "--grace", "6s", NULL};
    a = start_runner("said", "long", server.hosts, "/zkelect-ops/granted", "exec sleep 1000", long_t);
    CU_ASSERT(wait_lines(scratch("said-long.log"),
                         "session timeout 10000 ms (granted by the server instead of the one asked for)", 1, 10 * SEC));
    CU_ASSERT(wait_lines(scratch("said-long.log"), "--grace 6 s is more than 0.4 x the 10000 ms session timeout the "
                                                   "server granted: a command that does not stop by itself is killed "
                                                   "4.00 s after SIGTERM", 1, 10 * SEC));
    stop(a);
}

/* ------------------------------------------------------------- systemd */

/* The test's end of NOTIFY_SOCKET: every datagram, one per line. */
typedef struct listener {
    int fd;
    char path[108];
    char text[65536];
    size_t len;
} listener_t;

static int listen_notify(listener_t *l)
{
    memset(l, 0, sizeof *l);
    snprintf(l->path, sizeof l->path, "%s", scratch("notify.sock"));
    l->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", l->path);
    return l->fd >= 0 && bind(l->fd, (struct sockaddr *)&addr, sizeof addr) == 0 ? 0 : -1;
}

static void drain(listener_t *l)
{
    char msg[1024];
    ssize_t n;
    while ((n = recv(l->fd, msg, sizeof msg - 1, 0)) > 0) {
        msg[n] = '\0';
        l->len += (size_t)snprintf(l->text + l->len, sizeof l->text - l->len, "%s\n", msg);
        if (l->len >= sizeof l->text - 1)
            l->len = 0; /* a long run: keep only the latest */
    }
}

static int count_messages(listener_t *l, const char *needle)
{
    drain(l);
    int n = 0;
    for (const char *at = l->text; (at = strstr(at, needle)); at++)
        n++;
    return n;
}

static bool wait_message(listener_t *l, const char *needle, int timeout_ms)
{
    int64_t deadline = mono_ns() + timeout_ms * NS_PER_MS;
    do {
        if (count_messages(l, needle) > 0)
            return true;
        struct pollfd p = {.fd = l->fd, .events = POLLIN};
        poll(&p, 1, 50);
    } while (mono_ns() < deadline);
    return false;
}

/* READY once in line, STATUS at each change, the watchdog at half its
 * interval while the session is healthy and not after, STOPPING on
 * SIGTERM; the command does not inherit the socket. */
static void test_systemd_notifications_and_watchdog(void)
{
    const char *path = "/zkelect-ops/notify";
    static listener_t l;
    CU_ASSERT_EQUAL_FATAL(listen_notify(&l), 0);
    char notify_env[160];
    snprintf(notify_env, sizeof notify_env, "NOTIFY_SOCKET=%s", l.path);
    const char *env[] = {notify_env, "WATCHDOG_USEC=400000", NULL};
    proxy_t *proxy = proxy_start(server.port);
    CU_ASSERT_FATAL(proxy != NULL);
    pid_t a = start_runner("notify", "leader", server.hosts, path, "exec sleep 1000", NULL);
    CU_ASSERT_FATAL(wait_lines(scratch("notify-leader.log"), "started /bin/sh", 1, 10 * SEC));
    char script[300];
    snprintf(script, sizeof script, "env | grep -c -e NOTIFY_SOCKET -e WATCHDOG_ > %s/notify.env; exec sleep 1000",
             scratch_dir());
    const char *argv[] = {zkelect_bin, "run", "--zk", proxy_hosts(proxy), "--path", path, "--id", "standby",
                          "--session-timeout", "2000", "--", "/bin/sh", "-c", script, NULL};
    pid_t b = spawn_to_file(scratch("notify-standby.log"), argv, env, 0);
    CU_ASSERT(wait_message(&l, "READY=1", 10 * SEC));
    CU_ASSERT(wait_message(&l, "STATUS=standby, following leader (1 ahead at the last look)", 10 * SEC));
    /* WATCHDOG=1 every 0.2 s */
    int before = count_messages(&l, "WATCHDOG=1");
    int64_t t0 = mono_ns();
    while (mono_ns() - t0 < 1000 * NS_PER_MS)
        wait_message(&l, "no such message", 100);
    CU_ASSERT(count_messages(&l, "WATCHDOG=1") - before >= 3);
    /* it leads */
    stop(a);
    CU_ASSERT(wait_message(&l, "STATUS=leading, epoch ", 10 * SEC));
    CU_ASSERT(wait_lines(scratch("notify.env"), "0", 1, 5 * SEC));
    /* cut off for longer than T: the watchdog goes quiet (systemd would
     * restart run), and speaks again once connected */
    proxy_set_mode(proxy, PROXY_BLACKHOLE);
    CU_ASSERT(wait_message(&l, "disconnected", 5 * SEC));
    int64_t quiet_from = mono_ns() + 3500 * NS_PER_MS; /* 2/3 T to notice, then T */
    while (mono_ns() < quiet_from)
        wait_message(&l, "no such message", 100);
    before = count_messages(&l, "WATCHDOG=1");
    t0 = mono_ns();
    while (mono_ns() - t0 < 1000 * NS_PER_MS)
        wait_message(&l, "no such message", 100);
    CU_ASSERT_EQUAL(count_messages(&l, "WATCHDOG=1"), before);
    proxy_set_mode(proxy, PROXY_PASS);
    int64_t deadline = mono_ns() + 15000 * NS_PER_MS;
    while (count_messages(&l, "WATCHDOG=1") == before && mono_ns() < deadline)
        wait_message(&l, "no such message", 100);
    CU_ASSERT(count_messages(&l, "WATCHDOG=1") > before);
    kill(b, SIGTERM);
    CU_ASSERT(wait_message(&l, "STOPPING=1", 5 * SEC));
    CU_ASSERT_EQUAL(wait_exit(b, 10 * SEC), 0);
    close(l.fd);
    proxy_stop(proxy);
}

/* ------------------------------------------------------------ metrics */

static long long metric(const char *file, const char *line_start)
{
    char *text = slurp(file);
    long long v = -999;
    for (char *at = text; (at = strstr(at, line_start)); at++) {
        if (at == text || at[-1] == '\n') {
            sscanf(at + strlen(line_start), " %lld", &v);
            break;
        }
    }
    free(text);
    return v;
}

static bool wait_metric(const char *file, const char *line_start, long long want, int timeout_ms)
{
    int64_t deadline = mono_ns() + timeout_ms * NS_PER_MS;
    do {
        if (metric(file, line_start) == want)
            return true;
        poll_pause();
    } while (mono_ns() < deadline);
    return false;
}

static void test_metrics_file(void)
{
    const char *path = "/zkelect-ops/metrics";
    const char *m = scratch("a.prom");
    const char *extra[] = {"--metrics-file", m, NULL};
    pid_t a = start_runner("metrics", "a", server.hosts, path, "exec sleep 1000", extra);
    const char *labels = "{path=\"/zkelect-ops/metrics\",id=\"a\"}";
    char name[160];
    snprintf(name, sizeof name, "zkelect_leading%s", labels);
    CU_ASSERT_FATAL(wait_metric(m, name, 1, 10 * SEC));
    snprintf(name, sizeof name, "zkelect_command_running%s", labels);
    CU_ASSERT(wait_metric(m, name, 1, 5 * SEC));
    snprintf(name, sizeof name, "zkelect_terms_total%s", labels);
    CU_ASSERT_EQUAL(metric(m, name), 1);
    snprintf(name, sizeof name, "zkelect_epoch%s", labels);
    CU_ASSERT(metric(m, name) > 0);
    snprintf(name, sizeof name, "zkelect_up%s", labels);
    CU_ASSERT_EQUAL(metric(m, name), 1);
    /* a standby's place is in its file as soon as it is known, not at the
     * next 10 s rewrite */
    const char *mb = scratch("b.prom");
    const char *extra_b[] = {"--metrics-file", mb, NULL};
    pid_t b = start_runner("metrics", "b", server.hosts, path, "exec sleep 1000", extra_b);
    CU_ASSERT(wait_metric(mb, "zkelect_position{path=\"/zkelect-ops/metrics\",id=\"b\"}", 2, 3 * SEC));
    stop(b);
    CU_ASSERT_EQUAL(metric(m, "zkelect_leader_info{path=\"/zkelect-ops/metrics\",id=\"a\",leader=\"a\"}"), 1);
    CU_ASSERT_EQUAL(metric(m, "zkelect_health_state{path=\"/zkelect-ops/metrics\",id=\"a\",state=\"healthy\"}"), 1);
    CU_ASSERT_EQUAL(metric(m, "zkelect_health_state{path=\"/zkelect-ops/metrics\",id=\"a\",state=\"unhealthy\"}"), 0);
    /* every metric has its HELP and TYPE, and the file is whole */
    char out[64];
    CU_ASSERT_EQUAL(capture(out, sizeof out, "grep -c '^# TYPE ' %s", m), 0);
    int types = atoi(out);
    CU_ASSERT_EQUAL(capture(out, sizeof out, "grep -c '^# HELP ' %s", m), 0);
    CU_ASSERT_EQUAL(atoi(out), types);
    CU_ASSERT(types >= 12);
    CU_ASSERT_EQUAL(capture(out, sizeof out, "grep -vc -e '^#' -e '^zkelect_[a-z_]*{path=\"[^\"]*\",id=\"a\"[^}]*} -\\?[0-9.]*$' %s || true", m), 0);
    CU_ASSERT_STRING_EQUAL(out, "0\n");
    /* a step down shows as a revocation, and the end of run as not leading */
    kill(a, SIGUSR1);
    snprintf(name, sizeof name, "zkelect_revocations_total{path=\"/zkelect-ops/metrics\",id=\"a\",reason=\"resigned\"}");
    CU_ASSERT(wait_metric(m, name, 1, 10 * SEC));
    CU_ASSERT(wait_metric(m, "zkelect_terms_total{path=\"/zkelect-ops/metrics\",id=\"a\"}", 2, 10 * SEC));
    snprintf(name, sizeof name, "zkelect_child_restarts_total%s", labels);
    CU_ASSERT(wait_metric(m, name, 1, 10 * SEC));
    stop(a);
    snprintf(name, sizeof name, "zkelect_leading%s", labels);
    CU_ASSERT_EQUAL(metric(m, name), 0);
    /* its last word: down on purpose, so that an alert on a lost
     * connection can leave it out */
    snprintf(name, sizeof name, "zkelect_up%s", labels);
    CU_ASSERT_EQUAL(metric(m, name), 0);
    CU_ASSERT_EQUAL(metric(m, "zkelect_leader_info{path=\"/zkelect-ops/metrics\",id=\"a\",leader=\"a\"}"), -999);
    CU_ASSERT(access(scratch("a.prom.tmp"), F_OK) != 0);
}

/* ---------------------------------------------------------- journald */

/* With stderr the journal (JOURNAL_STREAM names it), lines carry "<N>"
 * priorities and no timestamp. */
static void test_journal_priorities(void)
{
    const char *log = scratch("journal.log");
    FILE *f = fopen(log, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fclose(f);
    struct stat st;
    CU_ASSERT_EQUAL_FATAL(stat(log, &st), 0);
    char stream[96];
    snprintf(stream, sizeof stream, "JOURNAL_STREAM=%llu:%llu", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino);
    const char *env[] = {stream, NULL};
    const char *argv[] = {zkelect_bin, "run", "--zk", server.hosts, "--path", "/zkelect-ops/journal", "--id", "j",
                          "--", "/bin/sh", "-c", "exec sleep 1000", NULL};
    pid_t a = spawn_to_file(log, argv, env, 0);
    CU_ASSERT(wait_lines(log, "<5>leading (epoch ", 1, 10 * SEC));
    stop(a);
    CU_ASSERT(wait_lines(log, "<5>SIGTERM: stopping", 1, 5 * SEC));
    CU_ASSERT_EQUAL(count_lines(log, "zkelect["), 0);
    /* without it, timestamps */
    const char *plain[] = {zkelect_bin, "status", "--zk", "127.0.0.1:1", "--path", "/x", "--connect-timeout", "0.2",
                           NULL};
    CU_ASSERT_EQUAL(wait_exit(spawn_to_file(scratch("plain.log"), plain, NULL, 0), 5 * SEC), 3);
    CU_ASSERT_EQUAL(count_lines(scratch("plain.log"), "Z zkelect["), 1);
}

/* ------------------------------------------------- a rolling restart */

/* Each member of a 3-member ensemble stopped and started again in turn,
 * the one the leader is connected to and the ensemble's leader among them,
 * under a running election with two standbys. Under the default (lease)
 * policy the leader rides it out: its command is never restarted, and no
 * other command ever starts. */
static void test_rolling_restart_of_the_ensemble(void)
{
    static zk_ensemble_t ens;
    CU_ASSERT_EQUAL_FATAL(zk_ensemble_start(&ens, 200), 0);
    const char *path = "/zkelect-ops/rolling";
    char script[600];
    snprintf(script, sizeof script, "echo \"start $ZKELECT_ID\" >> %s/rolling.starts; exec sleep 1000", scratch_dir());
    const char *extra[] = {"--session-timeout", "16000", NULL};
    pid_t runners[3];
    const char *ids[3] = {"ra", "rb", "rc"};
    for (int i = 0; i < 3; i++) {
        runners[i] = start_runner("rolling", ids[i], ens.hosts, path, script, extra);
        CU_ASSERT_FATAL(wait_contenders(ens.hosts, path, i + 1, 20 * SEC));
    }
    CU_ASSERT_FATAL(wait_lines(scratch("rolling.starts"), "start ra", 1, 10 * SEC));
    for (int i = 0; i < ens.n; i++) {
        int leader_before = zk_ensemble_leader(&ens);
        printf("\n    restarting member %d%s ", i + 1, i == leader_before ? " (the ensemble's leader)" : "");
        CU_ASSERT_EQUAL_FATAL(zk_server_restart(&ens.member[i], true), 0);
        /* in service again (a follower serves once it has synced) */
        CU_ASSERT_FATAL(zk_ensemble_leader(&ens) >= 0);
    }
    CU_ASSERT(wait_contenders(ens.hosts, path, 3, 20 * SEC));
    CU_ASSERT_EQUAL(count_lines(scratch("rolling.starts"), "start "), 1);
    CU_ASSERT_EQUAL(count_lines(scratch("rolling-ra.log"), "exited with status"), 0);
    CU_ASSERT_EQUAL(count_lines(scratch("rolling-ra.log"), "was killed by"), 0);
    CU_ASSERT_EQUAL(count_lines(scratch("rolling-ra.log"), "leadership lost"), 0);
    for (int i = 0; i < 3; i++)
        stop(runners[i]);
    zk_ensemble_stop(&ens);
}

int main(void)
{
    static const CU_TestInfo tests[] = {
        TEST(test_failing_leader_hands_over_to_healthy_standby),
        TEST(test_unhealthy_standby_is_skipped),
        TEST(test_health_timeout_is_a_failure),
        TEST(test_health_reason_rise_and_state),
        TEST(test_unhealthy_leader_stays_if_alone),
        TEST(test_granted_timeout_and_namesakes_are_said),
        TEST(test_systemd_notifications_and_watchdog),
        TEST(test_metrics_file),
        TEST(test_journal_priorities),
        TEST(test_rolling_restart_of_the_ensemble),
        CU_TEST_INFO_NULL,
    };
    static const test_suite_t suites[] = {{"operations", suite_init, suite_clean, tests}, {0}};
    return run_suites(suites);
}
