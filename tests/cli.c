/* cli.c - the zkelect command, driven as a user drives it: the real binary
 * in its own processes, against a real ZooKeeper, with commands that leave
 * marks in files. All waits are on conditions with deadlines. */
#include "harness.h"
#include "proxy.h"

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zookeeper/zookeeper.h>

#define SEC 1000

static zk_server_t server;
static char bin[1024];     /* the zkelect command under test */
static char work[256];     /* scratch directory for logs and marks */
static recorder_t rec;

static int suite_init(void)
{
    const char *builddir = getenv("top_builddir");
    snprintf(bin, sizeof bin, "%s/cli/zkelect", builddir ? builddir : ".");
    snprintf(work, sizeof work, "/tmp/zkelect-cli.XXXXXX");
    if (access(bin, X_OK) != 0 || !mkdtemp(work)) {
        fprintf(stderr, "cannot run %s or create a scratch directory\n", bin);
        return -1;
    }
    rec_init(&rec);
    return zk_server_start(&server, 200);
}

static int suite_clean(void)
{
    zk_server_stop(&server);
    rec_destroy(&rec);
    if (getenv("ZKELECT_TEST_KEEP")) {
        printf("\nlogs kept in %s\n", work);
        return 0;
    }
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", work);
    return system(cmd) == 0 ? 0 : -1;
}

/* ------------------------------------------------------------- helpers */

static const char *file(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *file(const char *fmt, ...)
{
    static char paths[64][512];
    static int next;
    char name[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    char *p = paths[next++ % 64];
    snprintf(p, sizeof paths[0], "%s/%s", work, name);
    return p;
}

/* Start the command with stdout and stderr appended to out. It dies with
 * the test program. */
static pid_t spawn(const char *out, const char *const argv[])
{
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int fd = open(out, O_WRONLY | O_CREAT | O_APPEND, 0644);
        int null = open("/dev/null", O_RDONLY);
        if (fd < 0 || null < 0)
            _exit(126);
        dup2(null, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

/* The exit status (or 128 + signal), or -1 if still running at the deadline. */
static int wait_exit(pid_t pid, int timeout_ms)
{
    int64_t deadline = mono_ns() + (int64_t)timeout_ms * 1000000;
    do {
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        poll_pause();
    } while (mono_ns() < deadline);
    return -1;
}

static void stop(pid_t pid)
{
    if (pid > 0 && kill(pid, SIGTERM) == 0 && wait_exit(pid, 10 * SEC) < 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return strdup("");
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, n, mem);
    fclose(f);
    fclose(mem);
    return buf;
}

static int count_lines(const char *path, const char *needle)
{
    char *text = slurp(path);
    int n = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
        n += strstr(line, needle) != NULL;
    free(text);
    return n;
}

static bool wait_lines(const char *path, const char *needle, int at_least, int timeout_ms)
{
    int64_t deadline = mono_ns() + (int64_t)timeout_ms * 1000000;
    do {
        if (count_lines(path, needle) >= at_least)
            return true;
        poll_pause();
    } while (mono_ns() < deadline);
    return false;
}

/* Milliseconds since midnight UTC of the nth (0-based) log line containing
 * needle ("2026-11-26T23:59:01.123Z ..."), or -1. */
static long stamp_ms(const char *path, const char *needle, int nth)
{
    char *text = slurp(path);
    long ms = -1;
    for (char *line = strtok(text, "\n"); line && ms < 0; line = strtok(NULL, "\n")) {
        int h, m, s, milli;
        if (strstr(line, needle) && nth-- == 0 && sscanf(line, "%*10sT%d:%d:%d.%dZ", &h, &m, &s, &milli) == 4)
            ms = ((h * 60L + m) * 60 + s) * 1000 + milli;
    }
    free(text);
    return ms;
}

/* Run a shell command line, capturing stdout; returns the exit status. */
static int capture(char *out, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int capture(char *out, size_t len, const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    size_t n = fread(out, 1, len - 1, p);
    out[n] = '\0';
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Poll `zkelect status --json` until the election has this many contenders. */
static bool wait_contenders(const char *path, int n, int timeout_ms)
{
    int64_t deadline = mono_ns() + (int64_t)timeout_ms * 1000000;
    char out[64];
    do {
        if (capture(out, sizeof out, "'%s' status --zk %s --path %s --json | jq '.participants | length'", bin,
                    server.hosts, path) == 0 &&
            atoi(out) == n)
            return true;
        poll_pause();
    } while (mono_ns() < deadline);
    return false;
}

static pid_t read_pid(const char *path)
{
    char *text = slurp(path);
    pid_t pid = (pid_t)atoi(text);
    free(text);
    return pid;
}

/* Gone, or a zombie: an orphan is reaped by whatever adopted it, which may
 * take its time, but it runs no more. */
static bool is_dead(pid_t pid)
{
    char path[64], stat[256] = "";
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return true;
    bool read = fgets(stat, sizeof stat, f) != NULL;
    fclose(f);
    const char *state = read ? strrchr(stat, ')') : NULL;
    return !read || (state && (state[2] == 'Z' || state[2] == 'X'));
}

static bool wait_dead(pid_t pid, int timeout_ms)
{
    int64_t deadline = mono_ns() + (int64_t)timeout_ms * 1000000;
    do {
        if (is_dead(pid))
            return true;
        poll_pause();
    } while (mono_ns() < deadline);
    return false;
}

/* ---------------------------------------------------------- run: basics */

/* A command that records where it runs: its pid in <id>.pid, "start <id>
 * <epoch>" in starts; then it waits to be stopped. */
#define RECORDING_COMMAND(dir)                                                                                   \
    "echo $$ > " dir "/$ZKELECT_ID.pid; echo \"start $ZKELECT_ID $ZKELECT_EPOCH $ZKELECT_PATH\" >> " dir        \
    "/starts; exec sleep 1000"

static pid_t start_runner(const char *name, const char *id, const char *path, const char *script,
                          const char *const extra[])
{
    const char *argv[32] = {bin, "run", "--zk", server.hosts, "--path", path, "--id", id,
                            "--session-timeout", "2000"};
    int n = 10;
    for (int i = 0; extra && extra[i]; i++)
        argv[n++] = extra[i];
    argv[n++] = "--";
    argv[n++] = "/bin/sh";
    argv[n++] = "-c";
    argv[n++] = script;
    argv[n] = NULL;
    return spawn(file("%s-%s.log", name, id), argv);
}

static void test_run_only_the_leader_runs_the_command(void)
{
    const char *path = "/zkelect-cli/only-leader";
    char script[1200];
    snprintf(script, sizeof script, RECORDING_COMMAND("%s/only"), work, work);
    mkdir(file("only"), 0755);
    const char *starts = file("only/starts");
    pid_t runner[3];
    const char *ids[3] = {"c0", "c1", "c2"};
    for (int i = 0; i < 3; i++) {
        runner[i] = start_runner("only", ids[i], path, script, NULL);
        CU_ASSERT_FATAL(wait_contenders(path, i + 1, 10 * SEC));
    }
    CU_ASSERT_FATAL(wait_lines(starts, "start ", 1, 10 * SEC));
    /* Everyone is in line and the command runs once: on the first. */
    CU_ASSERT_EQUAL(count_lines(starts, "start "), 1);
    CU_ASSERT_EQUAL(count_lines(starts, "start c0 "), 1);
    CU_ASSERT_EQUAL(count_lines(starts, path), 1);
    pid_t first = read_pid(file("only/c0.pid"));
    CU_ASSERT(first > 0 && kill(first, 0) == 0);

    /* Crash the leader's zkelect: its command dies with it at once, the
     * next one starts after the session expires. */
    kill(runner[0], SIGKILL);
    waitpid(runner[0], NULL, 0);
    CU_ASSERT(wait_dead(first, 2 * SEC));
    CU_ASSERT_FATAL(wait_lines(starts, "start c1 ", 1, 15 * SEC));
    CU_ASSERT_EQUAL(count_lines(starts, "start "), 2);
    long epoch0 = 0, epoch1 = 0;
    char *text = slurp(starts);
    CU_ASSERT_EQUAL(sscanf(text, "start c0 %ld %*s\nstart c1 %ld", &epoch0, &epoch1), 2);
    CU_ASSERT(epoch1 > epoch0);
    free(text);

    /* Restarted, it queues behind the others and runs nothing. */
    runner[0] = start_runner("only", "c0", path, script, NULL);
    CU_ASSERT(wait_contenders(path, 3, 10 * SEC));
    CU_ASSERT_EQUAL(count_lines(starts, "start "), 2);
    for (int i = 0; i < 3; i++)
        stop(runner[i]);
    CU_ASSERT(wait_contenders(path, 0, 5 * SEC));
}

static void test_run_sigterm_stops_command_then_leaves(void)
{
    const char *path = "/zkelect-cli/sigterm";
    mkdir(file("term"), 0755);
    char script[1200];
    snprintf(script, sizeof script,
             "trap 'echo got-TERM >> %s/term/marks; exit 0' TERM; trap 'echo got-HUP >> %s/term/marks' HUP; "
             "echo $$ > %s/term/$ZKELECT_ID.pid; while :; do sleep 0.05; done",
             work, work, work);
    pid_t a = start_runner("term", "a", path, script, NULL);
    CU_ASSERT_FATAL(wait_lines(file("term-a.log"), "started /bin/sh", 1, 10 * SEC));
    pid_t b = start_runner("term", "b", path, script, NULL);
    CU_ASSERT_FATAL(wait_contenders(path, 2, 10 * SEC));

    /* Other signals are passed on to the command. */
    kill(a, SIGHUP);
    CU_ASSERT(wait_lines(file("term/marks"), "got-HUP", 1, 5 * SEC));

    /* SIGTERM: the command is stopped first, then the node deleted at once,
     * so the successor takes over well before a session timeout (2 s). */
    int64_t t0 = mono_ns();
    kill(a, SIGTERM);
    CU_ASSERT_EQUAL(wait_exit(a, 5 * SEC), 0);
    CU_ASSERT(wait_lines(file("term-b.log"), "started /bin/sh", 1, 5 * SEC));
    CU_ASSERT((mono_ns() - t0) / 1000000 < 1500);
    CU_ASSERT_EQUAL(count_lines(file("term/marks"), "got-TERM"), 1);
    long a_exit = stamp_ms(file("term-a.log"), "exited with status", 0);
    long b_start = stamp_ms(file("term-b.log"), "started /bin/sh", 0);
    CU_ASSERT(a_exit >= 0 && b_start >= a_exit);
    stop(b);
}

/* A leader cut off from ZooKeeper whose command ignores SIGTERM: SIGTERM at
 * once, SIGKILL after the grace period, and the command is dead before the
 * successor's starts. */
static void run_partitioned_leader(const char *name, const char *policy, const char *grace, long max_grace_ms)
{
    char path[128];
    snprintf(path, sizeof path, "/zkelect-cli/partition-%s", name);
    proxy_t *proxy = proxy_start(server.port);
    CU_ASSERT_FATAL(proxy != NULL);
    const char *stubborn = "trap '' TERM; while :; do sleep 0.05; done";
    const char *argv[] = {bin, "run", "--zk", proxy_hosts(proxy), "--path", path, "--id", "cut",
                          "--session-timeout", "2000", "--policy", policy, "--grace", grace, "--",
                          "/bin/sh", "-c", stubborn, NULL};
    const char *cut_log = file("partition-%s-cut.log", name);
    pid_t leader = spawn(cut_log, argv);
    CU_ASSERT_FATAL(wait_lines(cut_log, "started /bin/sh", 1, 10 * SEC));
    pid_t follower = start_runner(name, "next", path, "exec sleep 1000", NULL);
    CU_ASSERT_FATAL(wait_contenders(path, 2, 10 * SEC));

    int64_t t_cut = mono_ns();
    proxy_set_mode(proxy, PROXY_BLACKHOLE);
    const char *next_log = file("%s-next.log", name);
    CU_ASSERT(wait_lines(cut_log, "status 137", 1, 10 * SEC));
    long killed_after_ms = (mono_ns() - t_cut) / 1000000;
    CU_ASSERT(wait_lines(next_log, "started /bin/sh", 1, 15 * SEC));
    long term = stamp_ms(cut_log, "SIGTERM", 0);
    long dead = stamp_ms(cut_log, "exited with status 137", 0);
    long successor = stamp_ms(next_log, "started /bin/sh", 0);
    printf("\n    %s: SIGTERM->dead %ld ms (grace %s s), dead %ld ms after the cut, successor %ld ms after the death ",
           name, dead - term, grace, killed_after_ms, successor - dead);
    CU_ASSERT(term >= 0 && dead >= term && successor > dead);
    CU_ASSERT(dead - term <= max_grace_ms + 100);
    /* Never later than a + T - T/10 from the last answered request. */
    CU_ASSERT(killed_after_ms <= 2000);
    proxy_set_mode(proxy, PROXY_PASS);
    stop(leader);
    stop(follower);
    proxy_stop(proxy);
}

static void test_run_partitioned_strict_leader_kills_stubborn_command(void)
{
    run_partitioned_leader("strict", "strict", "0.3", 300);
}

/* Under the lease policy the command runs on until the lease ends (a + T/2);
 * the grace asked for (0.8 s) would end after a + T - T/10, so SIGKILL comes
 * at that bound instead. */
static void test_run_partitioned_lease_leader_kill_bounded_by_session(void)
{
    run_partitioned_leader("lease", "lease", "0.8", 800);
}

static void test_run_on_exit_resign_hands_over(void)
{
    const char *path = "/zkelect-cli/on-exit-resign";
    mkdir(file("resign"), 0755);
    char script[1200];
    /* A command that does its work and finishes: each run, one line. */
    snprintf(script, sizeof script, "echo \"ran $ZKELECT_ID $ZKELECT_EPOCH\" >> %s/resign/runs; sleep 0.2", work);
    pid_t a = start_runner("resign", "a", path, script, NULL);
    CU_ASSERT_FATAL(wait_lines(file("resign/runs"), "ran a", 1, 10 * SEC));
    pid_t b = start_runner("resign", "b", path, script, NULL);
    /* Finishing hands the leadership over: both take turns. */
    CU_ASSERT(wait_lines(file("resign/runs"), "ran b", 1, 10 * SEC));
    CU_ASSERT(wait_lines(file("resign/runs"), "ran a", 2, 10 * SEC));
    CU_ASSERT(wait_lines(file("resign-a.log"), "resigning", 1, 5 * SEC));
    stop(a);
    stop(b);
}

static void test_run_on_exit_exit_returns_status(void)
{
    const char *path = "/zkelect-cli/on-exit-exit";
    const char *extra[] = {"--on-exit", "exit", NULL};
    pid_t a = start_runner("exit", "a", path, "exit 7", extra);
    CU_ASSERT_EQUAL(wait_exit(a, 10 * SEC), 7);
    /* It left: the node is gone at once. */
    CU_ASSERT(wait_contenders(path, 0, 2 * SEC));
}

static void test_run_command_not_found(void)
{
    const char *argv[] = {bin, "run", "--zk", server.hosts, "--path", "/zkelect-cli/nocmd", "--",
                          "/nonexistent/command", NULL};
    const char *log = file("nocmd.log");
    CU_ASSERT_EQUAL(wait_exit(spawn(log, argv), 10 * SEC), 127);
    CU_ASSERT(count_lines(log, "cannot run /nonexistent/command") == 1);
    /* It never joined. */
    CU_ASSERT(wait_contenders("/zkelect-cli/nocmd", 0, SEC));
}

/* ------------------------------------------------------------- status */

static void test_status_json_matches_the_contenders(void)
{
    const char *path = "/zkelect-cli/status";
    participant_t ps[3];
    const char *data[3] = {"10.0.0.1:8080", "quote\" backslash\\ newline\n tab\t é", ""};
    for (int i = 0; i < 3; i++) {
        size_t mark = rec_count(&rec);
        CU_ASSERT_EQUAL_FATAL(participant_new(&ps[i], i, &rec, server.hosts, path), ZKELECT_OK);
        CU_ASSERT_EQUAL(zkelect_set_data(ps[i].e, data[i], strlen(data[i])), ZKELECT_OK);
        CU_ASSERT_EQUAL_FATAL(zkelect_start(ps[i].e), ZKELECT_OK);
        CU_ASSERT_FATAL(rec_wait(&rec, i, ZKELECT_EV_JOINED, mark, 10 * SEC) >= 0);
    }
    zkelect_participant_t *list;
    size_t count;
    CU_ASSERT_EQUAL_FATAL(zkelect_participants(ps[0].e, &list, &count), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(count, 3);

    char out[8192];
    CU_ASSERT_EQUAL(capture(out, sizeof out, "'%s' status --zk %s --path %s --json > %s", bin, server.hosts, path,
                            file("status.json")),
                    0);
    /* Valid JSON, and each field as the library reads it. */
    CU_ASSERT_EQUAL(capture(out, sizeof out, "jq -e .leader %s", file("status.json")), 0);
    for (size_t i = 0; i < count; i++) {
        char expect[512];
        snprintf(expect, sizeof expect, "%zu|%s|%s|%d|0x%llx|%lld|%s\n", i + 1, list[i].id, list[i].node,
                 list[i].sequence, (unsigned long long)list[i].session_id, (long long)list[i].czxid,
                 i == 0 ? "true" : "false");
        CU_ASSERT_EQUAL(capture(out, sizeof out,
                                "jq -r '.participants[%zu] | \"\\(.position)|\\(.id)|\\(.node)|\\(.sequence)|"
                                "\\(.session_id)|\\(.epoch)|\\(.leader)\"' %s",
                                i, file("status.json")),
                        0);
        CU_ASSERT_STRING_EQUAL(out, expect);
        /* The payload comes back byte for byte through the JSON escapes. */
        CU_ASSERT_EQUAL(capture(out, sizeof out, "jq -j '.participants[%zu].data' %s", i, file("status.json")), 0);
        CU_ASSERT_STRING_EQUAL(out, data[i]);
    }
    CU_ASSERT_EQUAL(capture(out, sizeof out, "jq -r '.leader' %s", file("status.json")), 0);
    CU_ASSERT_STRING_EQUAL(out, "p0\n");
    zkelect_participants_free(list, count);

    /* The table names the leader first. */
    CU_ASSERT_EQUAL(capture(out, sizeof out, "'%s' status --zk %s --path %s", bin, server.hosts, path), 0);
    CU_ASSERT(strstr(out, "3 contenders, leader p0") != NULL);
    for (int i = 0; i < 3; i++)
        participant_destroy(&ps[i]);
    CU_ASSERT_EQUAL(capture(out, sizeof out, "'%s' status --zk %s --path %s --json | jq -c '[.leader, .participants]'",
                            bin, server.hosts, path),
                    0);
    CU_ASSERT_STRING_EQUAL(out, "[null,[]]\n");
}

static void test_status_binary_data_as_hex(void)
{
    const char *path = "/zkelect-cli/status-binary";
    participant_t p;
    CU_ASSERT_EQUAL_FATAL(participant_new(&p, 0, &rec, server.hosts, path), ZKELECT_OK);
    const unsigned char bytes[] = {0x00, 0xff, 0x10};
    CU_ASSERT_EQUAL(zkelect_set_data(p.e, bytes, sizeof bytes), ZKELECT_OK);
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(p.e), ZKELECT_OK);
    CU_ASSERT_FATAL(rec_wait(&rec, 0, ZKELECT_EV_JOINED, mark, 10 * SEC) >= 0);
    char out[1024];
    CU_ASSERT_EQUAL(capture(out, sizeof out,
                            "'%s' status --zk %s --path %s --json | jq -c '.participants[0] | [.data, .data_hex]'",
                            bin, server.hosts, path),
                    0);
    CU_ASSERT_STRING_EQUAL(out, "[null,\"00ff10\"]\n");
    participant_destroy(&p);
}

/* -------------------------------------------------------------- watch */

static void test_watch_prints_each_change_once(void)
{
    const char *path = "/zkelect-cli/watch";
    participant_t ps[4];
    int64_t epochs[3];
    for (int i = 0; i < 3; i++) {
        size_t mark = rec_count(&rec);
        CU_ASSERT_EQUAL_FATAL(participant_start(&ps[i], i, &rec, server.hosts, path), ZKELECT_OK);
        long joined = rec_wait(&rec, i, ZKELECT_EV_JOINED, mark, 10 * SEC);
        CU_ASSERT_FATAL(joined >= 0);
        epochs[i] = rec_get(&rec, (size_t)joined).epoch;
    }
    const char *out = file("watch.out");
    const char *argv[] = {bin, "watch", "--zk", server.hosts, "--path", path, "--json", "--count", "4", NULL};
    pid_t w = spawn(out, argv);
    CU_ASSERT_FATAL(wait_lines(out, "\"leader\":\"p0\"", 1, 10 * SEC));

    /* A follower coming and going is no leader change: no line. */
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL_FATAL(participant_start(&ps[3], 3, &rec, server.hosts, path), ZKELECT_OK);
    CU_ASSERT(rec_wait(&rec, 3, ZKELECT_EV_JOINED, mark, 10 * SEC) >= 0);
    participant_destroy(&ps[3]);
    for (int i = 0; i < 3; i++) {
        participant_destroy(&ps[i]);
        CU_ASSERT(wait_lines(out, i < 2 ? "\"leader\":\"p" : "\"leader\":null", i < 2 ? i + 2 : 1, 10 * SEC));
    }
    CU_ASSERT_EQUAL(wait_exit(w, 10 * SEC), 0);
    char text[4096];
    CU_ASSERT_EQUAL(capture(text, sizeof text, "jq -r '\"\\(.leader) \\(.epoch)\"' %s", out), 0);
    char expect[256];
    snprintf(expect, sizeof expect, "p0 %lld\np1 %lld\np2 %lld\nnull -1\n", (long long)epochs[0],
             (long long)epochs[1], (long long)epochs[2]);
    CU_ASSERT_STRING_EQUAL(text, expect);
}

/* ---------------------------------------------------------- bad input */

static void test_bad_command_lines(void)
{
    struct {
        const char *args;
        int code;
        const char *message;
    } cases[] = {
        {"", 2, "usage: zkelect COMMAND"},
        {"frobnicate", 2, "unknown command 'frobnicate'"},
        {"run --path /x -- true", 2, "--zk HOSTS is required"},
        {"status --zk H", 2, "--path PATH is required"},
        {"run --zk H --path /x", 2, "no command to run"},
        {"run --zk H --path /x --grace 5 -- true", 2, "--grace 5 s is too long for a 10000 ms session timeout"},
        {"run --zk H --path /x --session-timeout 2000 --grace 0.9 -- true", 2, "at most 0.80 s"},
        {"run --zk H --path /x --session-timeout soon -- true", 2, "--session-timeout 'soon'"},
        {"run --zk H --path /x --session-timeout 50 -- true", 2, "--session-timeout '50'"},
        {"run --zk H --path /x --policy maybe -- true", 2, "--policy 'maybe'"},
        {"run --zk H --path /x --on-exit retry -- true", 2, "--on-exit 'retry'"},
        {"status --zk H --path /x --format zookeeper", 2, "--format 'zookeeper'"},
        {"run --zk H --path /x --format kazoo --data 10.0.0.1 -- true", 2, "--data cannot be used with --format"},
        {"run --zk H --path /x --json -- true", 2, "'--json' does not apply"},
        {"run --zk H --path /x --acl world:anyone:x -- true", 2, "--acl 'world:anyone:x': permission 'x'"},
        {"run --zk H --path /x --acl digest:ops:s3cret:cdrwa -- true", 2, "base64 of SHA-1"},
        {"run --zk H --path /x --acl ip:10.0.0.1:cdwa -- true", 2, "no entry grants read"},
        {"run --zk H --path /x --acl auth::cdrwa,world:anyone:r -- true", 2, "needs credentials: add --auth-file"},
        {"status --zk H --path /x --acl world:anyone:r", 2, "'--acl' does not apply"},
        {"status --zk H --path /x --grace 1", 2, "'--grace' does not apply"},
        {"status --zk H --path /x extra", 2, "unexpected argument 'extra'"},
        {"watch --zk H --path /x --count 0", 2, "--count '0'"},
        {"status --zk H --path /x --bogus", 2, "unknown option"},
        {"status --zk H --path /x --connect-timeout", 2, "missing value"},
        {"status --zk 127.0.0.1:99999 --path /x", 2, "invalid --zk: a port must be a number from 1 to 65535"},
        {"status --zk H --path no-slash", 2, "invalid --path: path must be absolute"},
        {"status --zk H --path /zookeeper/x", 2, "invalid --path: \"/zookeeper\" is reserved"},
        {"status --zk H --path /", 2, "invalid --path: the root \"/\" cannot be an election path"},
        {"run --zk H --path /x --id '' -- true", 2, "invalid --id: participant id is empty"},
        {"run --zk H --path /x -- /nonexistent/cmd", 127, "cannot run /nonexistent/cmd"},
        {"--version", 0, "zkelect 0.1.0"},
        {"run --help", 0, "usage: zkelect run"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char args[512], out[4096];
        /* H stands for the real server. */
        const char *h = strstr(cases[i].args, "--zk H");
        if (h)
            snprintf(args, sizeof args, "%.*s--zk %s%s", (int)(h - cases[i].args), cases[i].args, server.hosts,
                     h + 6);
        else
            snprintf(args, sizeof args, "%s", cases[i].args);
        int code = capture(out, sizeof out, "'%s' %s 2>&1", bin, args);
        if (code != cases[i].code || !strstr(out, cases[i].message))
            printf("\n    zkelect %s -> %d: %s", args, code, out);
        CU_ASSERT_EQUAL(code, cases[i].code);
        CU_ASSERT(strstr(out, cases[i].message) != NULL);
    }
}

static void test_unreachable_server_times_out(void)
{
    char out[1024];
    int port = zk_free_port();
    int64_t t0 = mono_ns();
    int code = capture(out, sizeof out, "'%s' status --zk 127.0.0.1:%d --path /x --connect-timeout 1 2>&1", bin, port);
    long ms = (mono_ns() - t0) / 1000000;
    CU_ASSERT_EQUAL(code, 3);
    CU_ASSERT(strstr(out, "cannot reach ZooKeeper") != NULL);
    CU_ASSERT(ms >= 1000 && ms < 5000);
    code = capture(out, sizeof out, "'%s' run --zk 127.0.0.1:%d --path /x --connect-timeout 0.5 -- true 2>&1", bin,
                   port);
    CU_ASSERT_EQUAL(code, 3);
}

/* ---------------------------------------------------------- credentials */

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    chmod(path, mode);
}

static void test_auth_file_bad_input(void)
{
    const char *malformed = file("auth-malformed");
    write_file(malformed, "no-colon-here\n", 0600);
    const char *empty = file("auth-empty");
    write_file(empty, "", 0600);
    struct {
        const char *path;
        const char *message;
    } cases[] = {
        {"/nonexistent/auth", "No such file or directory"},
        {malformed, "expected SCHEME:CREDENTIAL"},
        {empty, "expected SCHEME:CREDENTIAL"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[1024];
        int code = capture(out, sizeof out, "'%s' status --zk %s --path /x --auth-file '%s' 2>&1", bin, server.hosts,
                           cases[i].path);
        CU_ASSERT_EQUAL(code, 2);
        CU_ASSERT(strstr(out, cases[i].message) != NULL);
    }
}

/* With credentials, the node run creates can be deleted by its owner only;
 * a file others can read gets a warning; --acl sets the nodes' ACL. */
static void test_run_with_credentials(void)
{
    const char *path = "/zkelect-cli/auth";
    const char *auth = file("auth-ok");
    write_file(auth, "digest:ops:s3cret\n", 0644);
    const char *extra[] = {"--auth-file", auth, "--acl", "auth::cdrwa,ip:127.0.0.1:r", NULL};
    pid_t runner = start_runner("auth", "a", path, "exec sleep 1000", extra);
    CU_ASSERT_FATAL(wait_lines(file("auth-a.log"), "started /bin/sh", 1, 10 * SEC));
    CU_ASSERT_EQUAL(count_lines(file("auth-a.log"), "can be read by other users"), 1);
    char node[512];
    CU_ASSERT_EQUAL_FATAL(capture(node, sizeof node, "'%s' status --zk %s --path %s --json | jq -j '.participants[0].node'",
                                  bin, server.hosts, path),
                          0);
    char full[1024];
    snprintf(full, sizeof full, "%s/%s", path, node);
    void *anonymous = zk_connect(server.hosts);
    CU_ASSERT_FATAL(anonymous != NULL);
    CU_ASSERT_EQUAL(zoo_delete(anonymous, full, -1), ZNOAUTH);
    struct ACL_vector acl;
    struct Stat st;
    CU_ASSERT_EQUAL_FATAL(zoo_get_acl(anonymous, full, &acl, &st), ZOK);
    CU_ASSERT_EQUAL(acl.count, 2);
    for (int32_t i = 0; i < acl.count; i++) {
        bool ops = strcmp(acl.data[i].id.scheme, "digest") == 0 && strncmp(acl.data[i].id.id, "ops:", 4) == 0;
        bool local = strcmp(acl.data[i].id.scheme, "ip") == 0 && strcmp(acl.data[i].id.id, "127.0.0.1") == 0;
        CU_ASSERT(ops ? acl.data[i].perms == ZOO_PERM_ALL : local && acl.data[i].perms == ZOO_PERM_READ);
    }
    deallocate_ACL_vector(&acl);
    zk_close(anonymous);
    stop(runner);
    CU_ASSERT(wait_contenders(path, 0, 5 * SEC));
}

/* An election only alice may read (--acl auth::cdrwa): each command that
 * ZooKeeper refuses says what to fix and exits 1; none of them hangs on
 * retries (watch used to retry for ever). With alice's credentials, watch
 * reads it. */
static void test_refused_access_is_explained(void)
{
    const char *path = "/zkelect-cli-private/election"; /* a top of its own: other ACLs above would refuse alice */
    const char *alice = file("auth-alice"), *bob = file("auth-bob");
    write_file(alice, "digest:alice:secret\n", 0600);
    write_file(bob, "digest:bob:secret\n", 0600);
    const char *extra[] = {"--auth-file", alice, "--acl", "auth::cdrwa", NULL};
    pid_t runner = start_runner("private", "a", path, "exec sleep 1000", extra);
    CU_ASSERT_FATAL(wait_lines(file("private-a.log"), "started /bin/sh", 1, 10 * SEC));
    char out[4096];
    int64_t t0 = mono_ns();
    CU_ASSERT_EQUAL(capture(out, sizeof out, "'%s' status --zk %s --path %s 2>&1", bin, server.hosts, path), 1);
    CU_ASSERT(strstr(out, "refused access to /zkelect-cli-private/election: it needs credentials (--auth-file)") != NULL);
    CU_ASSERT_EQUAL(capture(out, sizeof out, "'%s' watch --zk %s --path %s 2>&1", bin, server.hosts, path), 1);
    CU_ASSERT(strstr(out, "it needs credentials (--auth-file)") != NULL);
    CU_ASSERT_EQUAL(capture(out, sizeof out, "'%s' run --zk %s --path %s --auth-file '%s' -- true 2>&1", bin,
                            server.hosts, path, bob),
                    1);
    CU_ASSERT(strstr(out, "the credentials of --auth-file may not do this") != NULL);
    CU_ASSERT(mono_ns() - t0 < 10 * SEC * (int64_t)1000000);
    CU_ASSERT_EQUAL(capture(out, sizeof out, "'%s' watch --zk %s --path %s --auth-file '%s' --count 1 2>&1", bin,
                            server.hosts, path, alice),
                    0);
    CU_ASSERT(strstr(out, " leader a epoch ") != NULL);
    stop(runner);
}

/* ------------------------------------------------------ zkelect-bench */

static char bench_bin[1024];

/* The runner protocol (docs/bench-protocol.md) as a harness speaks it. */
static void test_bench_runner_protocol(void)
{
    const char *builddir = getenv("top_builddir");
    snprintf(bench_bin, sizeof bench_bin, "%s/bench/zkelect-bench", builddir ? builddir : ".");
    int to_runner[2], from_runner[2];
    CU_ASSERT_FATAL(pipe(to_runner) == 0 && pipe(from_runner) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(to_runner[0], 0);
        dup2(from_runner[1], 1);
        close(to_runner[1]);
        close(from_runner[0]);
        execl(bench_bin, bench_bin, "--runner-mode", "--zk", server.hosts, "--path", "/zkelect-cli/runner",
              "--participants", "3", "--session-timeout", "4000", (char *)NULL);
        _exit(127);
    }
    close(to_runner[0]);
    close(from_runner[1]);
    FILE *in = fdopen(from_runner[0], "r");
    FILE *out = fdopen(to_runner[1], "w");
    CU_ASSERT_FATAL(in && out);
    /* Reads lines until one starts with want (skipping "#" comments);
     * fills words. */
    char line[256];
    long long t_prev = 0;
    bool in_order = true;
#define EXPECT(want)                                                                                         \
    do {                                                                                                     \
        line[0] = '\0';                                                                                      \
        while (fgets(line, sizeof line, in) && line[0] == '#')                                              \
            continue;                                                                                        \
        if (strncmp(line, want, strlen(want)) != 0)                                                          \
            printf("\n    expected '%s', got '%s'", want, line);                                             \
        CU_ASSERT(strncmp(line, want, strlen(want)) == 0);                                                   \
        long long t_;                                                                                        \
        if (sscanf(strrchr(line, ' ') ? strrchr(line, ' ') + 1 : "", "%lld", &t_) == 1) {                   \
            in_order &= t_ >= t_prev;                                                                        \
            t_prev = t_;                                                                                     \
        }                                                                                                    \
    } while (0)
    EXPECT("JOINING ");
    EXPECT("JOINED 0 ");
    /* The first participant leads as soon as it joins. */
    EXPECT("ELECTED 0 ");
    EXPECT("JOINED 1 ");
    EXPECT("JOINED 2 ");
    EXPECT("READY");
    fputs("close\n", out);
    fflush(out);
    EXPECT("CLOSING 0 ");
    EXPECT("ELECTED 1 ");
    EXPECT("CLOSED 0 ");
    fputs("rejoin\n", out);
    fflush(out);
    EXPECT("JOINED 3 ");
    fputs("close\n", out);
    fflush(out);
    EXPECT("CLOSING 1 ");
    EXPECT("ELECTED 2 ");
    EXPECT("CLOSED 1 ");
    fputs("quit\n", out);
    fflush(out);
    EXPECT("BYE");
#undef EXPECT
    CU_ASSERT(in_order);
    CU_ASSERT_EQUAL(wait_exit(pid, 10 * SEC), 0);
    fclose(in);
    fclose(out);
    CU_ASSERT(wait_contenders("/zkelect-cli/runner", 0, 2 * SEC));
    /* Options outside the protocol are refused with status 2. */
    char text[1024];
    CU_ASSERT_EQUAL(capture(text, sizeof text, "'%s' --runner-mode --zk %s --participants 1 --naive 2>&1", bench_bin,
                            server.hosts),
                    2);
}

/* The server's own counters: one watch notification per failover (the
 * successor's), and at most one read, at N = 10. */
static void test_bench_one_notification_per_failover(void)
{
    char json[4096];
    CU_ASSERT_EQUAL_FATAL(capture(json, sizeof json,
                                  "'%s' --zk %s --path /zkelect-cli/bench -n 10 -k 10 --warmup 2 --quiet --json > %s",
                                  bench_bin, server.hosts, file("bench.json")),
                          0);
    CU_ASSERT_EQUAL(capture(json, sizeof json,
                            "jq -r '[.server_counters, .per_failover.notifications, .per_failover.reads <= 1.5, "
                            ".failover_ms.count // .failovers] | @tsv' %s",
                            file("bench.json")),
                    0);
    CU_ASSERT_STRING_EQUAL(json, "true\t1\ttrue\t10\n");
    /* Back to back: no counters read, and said so. */
    CU_ASSERT_EQUAL(capture(json, sizeof json,
                            "'%s' --zk %s --path /zkelect-cli/back-to-back -n 3 -k 3 --warmup 1 --quiet --json "
                            "--back-to-back | jq -r '[.server_counters, .back_to_back, .failover_ms.p50 > 0] | @tsv'",
                            bench_bin, server.hosts),
                    0);
    CU_ASSERT_STRING_EQUAL(json, "false\ttrue\ttrue\n");
    /* The naive comparator wakes everyone: each participant's watch on the
     * children fires, the closing leader's too (N in all). It is raw
     * ZooKeeper client code with watch events still queued when it closes,
     * which the client leaks (tests/lsan.supp cannot name its unsymbolized
     * frames): leak checking is off for it alone. */
    CU_ASSERT_EQUAL(capture(json, sizeof json,
                            "ASAN_OPTIONS=\"$ASAN_OPTIONS:detect_leaks=0\" '%s' --zk %s --path /zkelect-cli/naive -n 10 "
                            "-k 5 --warmup 1 --quiet --naive --json | jq -r '.per_failover.notifications'",
                            bench_bin, server.hosts),
                    0);
    CU_ASSERT(atof(json) >= 9);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite s = CU_add_suite("zkelect command", suite_init, suite_clean);
    ADD_TEST(s, test_bad_command_lines);
    ADD_TEST(s, test_unreachable_server_times_out);
    ADD_TEST(s, test_run_command_not_found);
    ADD_TEST(s, test_run_only_the_leader_runs_the_command);
    ADD_TEST(s, test_run_sigterm_stops_command_then_leaves);
    ADD_TEST(s, test_run_partitioned_strict_leader_kills_stubborn_command);
    ADD_TEST(s, test_run_partitioned_lease_leader_kill_bounded_by_session);
    ADD_TEST(s, test_run_on_exit_resign_hands_over);
    ADD_TEST(s, test_run_on_exit_exit_returns_status);
    ADD_TEST(s, test_status_json_matches_the_contenders);
    ADD_TEST(s, test_status_binary_data_as_hex);
    ADD_TEST(s, test_watch_prints_each_change_once);
    ADD_TEST(s, test_auth_file_bad_input);
    ADD_TEST(s, test_run_with_credentials);
    ADD_TEST(s, test_refused_access_is_explained);
    ADD_TEST(s, test_bench_runner_protocol);
    ADD_TEST(s, test_bench_one_notification_per_failover);
    return run_registered_tests() ? 1 : 0;
}
