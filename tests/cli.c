/* cli.c - the zkelect command, driven as a user drives it (zkelect run has
 * tests/run.c and tests/operations.c): the real binary
 * in its own processes, against a real ZooKeeper, with commands that leave
 * marks in files. All waits are on conditions with deadlines. */
#include "config.h"
#include "commands.h"
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

static zk_server_t server;
static recorder_t rec;

static int suite_init(void)
{
    if (commands_init("cli") != 0)
        return -1;
    rec_init(&rec);
    return zk_server_start(&server, 200);
}

static int suite_clean(void)
{
    zk_server_stop(&server);
    rec_destroy(&rec);
    return commands_clean();
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
    CU_ASSERT_EQUAL(capture(out, sizeof out, "'%s' status --zk %s --path %s --json > %s", zkelect_bin, server.hosts, path,
                            scratch("status.json")),
                    0);
    /* Valid JSON, and each field as the library reads it. */
    CU_ASSERT_EQUAL(capture(out, sizeof out, "jq -e .leader %s", scratch("status.json")), 0);
    for (size_t i = 0; i < count; i++) {
        char expect[512];
        snprintf(expect, sizeof expect, "%zu|%s|%s|%d|0x%llx|%lld|%s\n", i + 1, list[i].id, list[i].node,
                 list[i].sequence, (unsigned long long)list[i].session_id, (long long)list[i].czxid,
                 i == 0 ? "true" : "false");
        CU_ASSERT_EQUAL(capture(out, sizeof out,
                                "jq -r '.participants[%zu] | \"\\(.position)|\\(.id)|\\(.node)|\\(.sequence)|"
                                "\\(.session_id)|\\(.epoch)|\\(.leader)\"' %s",
                                i, scratch("status.json")),
                        0);
        CU_ASSERT_STRING_EQUAL(out, expect);
        /* The payload comes back byte for byte through the JSON escapes. */
        CU_ASSERT_EQUAL(capture(out, sizeof out, "jq -j '.participants[%zu].data' %s", i, scratch("status.json")), 0);
        CU_ASSERT_STRING_EQUAL(out, data[i]);
    }
    CU_ASSERT_EQUAL(capture(out, sizeof out, "jq -r '.leader' %s", scratch("status.json")), 0);
    CU_ASSERT_STRING_EQUAL(out, "p0\n");
    zkelect_participants_free(list, count);

    /* The table names the leader first. */
    CU_ASSERT_EQUAL(capture(out, sizeof out, "'%s' status --zk %s --path %s", zkelect_bin, server.hosts, path), 0);
    CU_ASSERT(strstr(out, "3 contenders, leader p0") != NULL);
    for (int i = 0; i < 3; i++)
        participant_destroy(&ps[i]);
    CU_ASSERT_EQUAL(capture(out, sizeof out, "'%s' status --zk %s --path %s --json | jq -c '[.leader, .participants]'",
                            zkelect_bin, server.hosts, path),
                    0);
    CU_ASSERT_STRING_EQUAL(out, "[null,[]]\n");
}

/* status's exit status tells a script what it found: 0 a leader, 4 nobody
 * in line, 5 no such path (a mistyped --path is not an empty election). */
static void test_status_exit_codes(void)
{
    char out[4096];
    CU_ASSERT_EQUAL(capture(out, sizeof out, "'%s' status --zk %s --path /zkelect-cli/no/such/path 2>&1", zkelect_bin,
                            server.hosts),
                    5);
    CU_ASSERT(strstr(out, "/zkelect-cli/no/such/path does not exist: no election there (a mistyped --path?)") != NULL);
    CU_ASSERT_EQUAL(capture(out, sizeof out, "'%s' status --zk %s --path /zkelect-cli/no/such/path --json", zkelect_bin,
                            server.hosts),
                    5);
    CU_ASSERT_STRING_EQUAL(out, "");
    participant_t p;
    CU_ASSERT_EQUAL_FATAL(participant_start(&p, 0, &rec, server.hosts, "/zkelect-cli/codes"), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_leader(p.e, 10 * SEC), ZKELECT_OK);
    CU_ASSERT_EQUAL(capture(out, sizeof out, "'%s' status --zk %s --path /zkelect-cli/codes", zkelect_bin, server.hosts),
                    0);
    CU_ASSERT(strstr(out, "1 contender, leader p0") != NULL);
    CU_ASSERT_EQUAL(zkelect_leave(p.e), ZKELECT_OK);
    CU_ASSERT(wait_contenders(server.hosts, "/zkelect-cli/codes", 0, 5 * SEC));
    CU_ASSERT_EQUAL(capture(out, sizeof out, "'%s' status --zk %s --path /zkelect-cli/codes", zkelect_bin, server.hosts),
                    4);
    CU_ASSERT(strstr(out, "/zkelect-cli/codes: nobody in line, nobody leads") != NULL);
    participant_destroy(&p);
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
                            zkelect_bin, server.hosts, path),
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
    const char *out = scratch("watch.out");
    const char *argv[] = {zkelect_bin, "watch", "--zk", server.hosts, "--path", path, "--json", "--count", "4", NULL};
    pid_t w = spawn_to_file(out, argv, NULL, 0);
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
    /* stdout and stderr share the file: the JSON lines are stdout's */
    CU_ASSERT_EQUAL(capture(text, sizeof text, "grep '^{' %s | jq -r '\"\\(.leader) \\(.epoch)\"'", out), 0);
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
        {"run --zk H --path /x --session-timeout 50 -- true", 2,
         "--session-timeout '50': session_timeout 50 ms is outside 100..3600000 ms"},
        {"run --zk H --path /x --session-timeout 10x -- true", 2, "--session-timeout '10x': expected a time"},
        {"run --zk H --path /x --session-timeout 2h -- true", 2, "more than an hour"},
        {"run --zk H --path /x --session-timeout 4s --grace 2s -- true", 2, "--grace 2 s is too long for a 4000 ms"},
        {"run --zk H --path /x --grace 1m -- true", 2, "--grace 60 s is too long"},
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
        {"run --zk H --path /x --stop-timeout -1 -- true", 2, "--stop-timeout '-1': expected a time from 0"},
        {"run --zk H --path /x --stop-timeout 25h -- true", 2, "--stop-timeout '25h'"},
        {"run --zk H --path /x --stop-timeout soon -- true", 2, "--stop-timeout 'soon'"},
        {"run --zk H --path /x --health-interval 1 -- true", 2, "need --health-cmd"},
        {"run --zk H --path /x --health-failures 2 -- true", 2, "need --health-cmd"},
        {"run --zk H --path /x --health-cmd '' -- true", 2, "--health-cmd is empty"},
        {"run --zk H --path /x --health-cmd true --health-failures 0 -- true", 2, "--health-failures '0'"},
        {"run --zk H --path /x --health-cmd true --health-timeout 0 -- true", 2, "--health-timeout '0'"},
        {"run --zk H --path /x --health-cmd true --health-interval x -- true", 2, "--health-interval 'x'"},
        {"run --zk H --path /x --metrics-file /nonexistent/dir/m.prom -- true", 2, "cannot write in /nonexistent/dir"},
        {"run --zk H --path /x --metrics-file /tmp/ -- true", 2, "--metrics-file '/tmp/': expected a file name"},
        {"run --zk H --path /x --metrics-file /tmp -- true", 2, "--metrics-file '/tmp': it is a directory"},
        {"run --zk H --path /x --health-rise 2 -- true", 2, "need --health-cmd"},
        {"run --zk H --path /x --health-cmd true --health-rise 0 -- true", 2, "--health-rise '0'"},
        {"run --zk H --path /x --unhealthy-leader stay -- true", 2, "--unhealthy-leader 'stay'"},
        {"run --zk H --path /x --unhealthy-leader stay-if-alone -- true", 2, "need --health-cmd"},
        {"run --zk H --path /x -- /etc/passwd", 127, "cannot run /etc/passwd: Permission denied"},
        {"run --zk H --path /x -- /tmp", 127, "cannot run /tmp: Is a directory"},
        {"run --zk H --path /x --check -- /etc/passwd", 127, "command: /etc/passwd cannot be run"},
        {"run --zk H --path /x --id 1234567890123456789012345678901234567890123456789012345678901234567890"
         "1234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890"
         "12345678901234567890123456789012345678901234567890123456789012345678901234567890123456789 -- true",
         2, "invalid --id: participant id is longer than 255 bytes"},
        {"status --zk H --path /x --stop-timeout 3", 2, "'--stop-timeout' does not apply"},
        {"watch --zk H --path /x --health-cmd true", 2, "'--health-cmd' does not apply"},
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
        int code = capture(out, sizeof out, "'%s' %s 2>&1", zkelect_bin, args);
        if (code != cases[i].code || !strstr(out, cases[i].message))
            printf("\n    zkelect %s -> %d: %s", args, code, out);
        CU_ASSERT_EQUAL(code, cases[i].code);
        CU_ASSERT(strstr(out, cases[i].message) != NULL);
    }
}

/* --check: what joining would meet, said line by line, and nothing
 * joined; an unreachable server is exit 3, a name that does not resolve
 * is named. */
static void test_run_check_joins_nothing(void)
{
    char out[4096];
    CU_ASSERT_EQUAL(capture(out, sizeof out, "'%s' run --zk %s --path /zkelect-cli/check --id me --check -- true 2>&1",
                            zkelect_bin, server.hosts),
                    0);
    CU_ASSERT(strstr(out, "command: true can be run") != NULL);
    CU_ASSERT(strstr(out, "zookeeper: connected to") != NULL);
    CU_ASSERT(strstr(out, "path: /zkelect-cli/check does not exist yet") != NULL);
    CU_ASSERT(strstr(out, "acl: joining would create the path open to anyone") != NULL);
    CU_ASSERT(strstr(out, "ok: would join /zkelect-cli/check as me") != NULL);
    CU_ASSERT(wait_contenders(server.hosts, "/zkelect-cli/check", 0, 2 * SEC));
    /* a line already there: who leads, a namesake, the open ACL */
    participant_t p;
    CU_ASSERT_EQUAL_FATAL(participant_start(&p, 0, &rec, server.hosts, "/zkelect-cli/check"), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_leader(p.e, 10 * SEC), ZKELECT_OK);
    CU_ASSERT_EQUAL(capture(out, sizeof out, "'%s' run --zk %s --path /zkelect-cli/check --id p0 --check -- true 2>&1",
                            zkelect_bin, server.hosts),
                    0);
    CU_ASSERT(strstr(out, "path: /zkelect-cli/check, 1 contender, p0 leads") != NULL);
    CU_ASSERT(strstr(out, "id: p0 is in line already (place 1)") != NULL);
    CU_ASSERT(strstr(out, "acl: open to anyone") != NULL);
    participant_destroy(&p);
    CU_ASSERT_EQUAL(capture(out, sizeof out, "'%s' run --zk %s --path /zkelect-cli/check --check -- /nonexistent 2>&1",
                            zkelect_bin, server.hosts),
                    127);
    CU_ASSERT(strstr(out, "command: /nonexistent cannot be run") != NULL);
    CU_ASSERT_EQUAL(capture(out, sizeof out,
                            "'%s' run --zk nosuchhost.invalid:2181 --path /x --connect-timeout 1s --check -- true 2>&1",
                            zkelect_bin),
                    3);
    CU_ASSERT(strstr(out, "nosuchhost.invalid does not resolve") != NULL);
}

/* A name that does not resolve is retried like a server that does not
 * answer, until --connect-timeout, then exit 3 naming it (it used to be
 * exit 1 at once, "No such file or directory"). */
static void test_unresolvable_host_is_retried_then_named(void)
{
    char out[4096];
    int64_t t0 = mono_ns();
    CU_ASSERT_EQUAL(capture(out, sizeof out,
                            "'%s' run --zk nosuchhost.invalid:2181 --path /x --connect-timeout 1500ms -- true 2>&1",
                            zkelect_bin),
                    3);
    int64_t took = (mono_ns() - t0) / 1000000;
    CU_ASSERT(took >= 1400 && took < 5000);
    CU_ASSERT(strstr(out, "cannot reach ZooKeeper at nosuchhost.invalid:2181 within 1.5 s: nosuchhost.invalid does "
                          "not resolve") != NULL);
}

static void test_unreachable_server_times_out(void)
{
    char out[1024];
    int port = zk_free_port();
    int64_t t0 = mono_ns();
    int code = capture(out, sizeof out, "'%s' status --zk 127.0.0.1:%d --path /x --connect-timeout 1 2>&1", zkelect_bin, port);
    long ms = (mono_ns() - t0) / 1000000;
    CU_ASSERT_EQUAL(code, 3);
    CU_ASSERT(strstr(out, "cannot reach ZooKeeper") != NULL);
    CU_ASSERT(ms >= 1000 && ms < 5000);
    code = capture(out, sizeof out, "'%s' run --zk 127.0.0.1:%d --path /x --connect-timeout 0.5 -- true 2>&1", zkelect_bin,
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
    const char *malformed = scratch("auth-malformed");
    write_file(malformed, "no-colon-here\n", 0600);
    const char *empty = scratch("auth-empty");
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
        int code = capture(out, sizeof out, "'%s' status --zk %s --path /x --auth-file '%s' 2>&1", zkelect_bin, server.hosts,
                           cases[i].path);
        CU_ASSERT_EQUAL(code, 2);
        CU_ASSERT(strstr(out, cases[i].message) != NULL);
    }
}

/* --tls-* and --sasl-*: each mistake a usage error (exit 2) naming its
 * cause, before anything connects; and, with a client without TLS or SASL
 * (Debian's), a complete setting refused saying so. */
static void test_tls_and_sasl_flags_bad_input(void)
{
    const char *file = scratch("tls-file"), *empty = scratch("tls-empty");
    write_file(file, "x\n", 0600);
    write_file(empty, "", 0600);
    char tls[4096], sasl[1024];
    snprintf(tls, sizeof tls, "--tls-ca '%s' --tls-cert '%s' --tls-key '%s'", file, file, file);
    snprintf(sasl, sizeof sasl, "--sasl-mechanism DIGEST-MD5 --sasl-user alice --sasl-password-file '%s'", file);
    char both[5200], missing_key[2048], no_password[4200], empty_password[4200];
    snprintf(both, sizeof both, "%s %s", tls, sasl);
    snprintf(missing_key, sizeof missing_key, "--tls-ca '%s' --tls-cert '%s'", file, file);
    snprintf(no_password, sizeof no_password, "%s --tls-key-password-file /nonexistent/pw", tls);
    snprintf(empty_password, sizeof empty_password, "%s --tls-key-password-file '%s'", tls, empty);
    struct {
        const char *flags, *message;
    } cases[] = {
        {both, "cannot be used together"},
        {missing_key, "needs --tls-ca, --tls-cert and --tls-key together"},
        {"--sasl-user alice", "SASL needs --sasl-mechanism"},
        {"--tls-ca ''", "--tls-ca: empty"},
        {no_password, "--tls-key-password-file '/nonexistent/pw': No such file or directory"},
        {empty_password, "its first line is empty"},
        {"--tls-ca /nonexistent/ca --tls-cert /nonexistent/c --tls-key /nonexistent/k",
#ifdef HAVE_ZOOKEEPER_INIT_SSL
         "cannot read the CA file"},
#else
         "has no TLS"},
#endif
#ifndef HAVE_ZOOKEEPER_INIT_SASL
        {sasl, "has no SASL"},
#endif
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[2048];
        int code = capture(out, sizeof out, "'%s' status --zk %s --path /x %s 2>&1", zkelect_bin, server.hosts,
                           cases[i].flags);
        CU_ASSERT_EQUAL(code, 2);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, cases[i].message));
        if (!strstr(out, cases[i].message))
            fprintf(stderr, "zkelect status %s said: %s\n", cases[i].flags, out);
    }
}

/* With credentials, the node run creates can be deleted by its owner only;
 * a file others can read gets a warning; --acl sets the nodes' ACL. */
static void test_run_with_credentials(void)
{
    const char *path = "/zkelect-cli/auth";
    const char *auth = scratch("auth-ok");
    write_file(auth, "digest:ops:s3cret\n", 0644);
    const char *extra[] = {"--auth-file", auth, "--acl", "auth::cdrwa,ip:127.0.0.1:r", NULL};
    pid_t runner = start_runner("auth", "a", server.hosts, path, "exec sleep 1000", extra);
    CU_ASSERT_FATAL(wait_lines(scratch("auth-a.log"), "started /bin/sh", 1, 10 * SEC));
    CU_ASSERT_EQUAL(count_lines(scratch("auth-a.log"), "can be read by other users"), 1);
    char node[512];
    CU_ASSERT_EQUAL_FATAL(capture(node, sizeof node, "'%s' status --zk %s --path %s --json | jq -j '.participants[0].node'",
                                  zkelect_bin, server.hosts, path),
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
    CU_ASSERT(wait_contenders(server.hosts, path, 0, 5 * SEC));
}

/* An election whose path anyone may change (run without credentials
 * creates it open): run and status say so, status --json has acl_open.
 * lockdown needs something to lock it to; with ops' credentials it gives
 * the path ops' ACL, after which the path is no longer open, a stranger
 * can add no contender, and another identity cannot change it back. */
static void test_open_election_is_said_and_locked(void)
{
    const char *path = "/zkelect-cli-open/election"; /* a top of its own, created open */
    pid_t runner = start_runner("open", "a", server.hosts, path, "exec sleep 1000", NULL);
    CU_ASSERT_FATAL(wait_lines(scratch("open-a.log"), "started /bin/sh", 1, 10 * SEC));
    CU_ASSERT_EQUAL(count_lines(scratch("open-a.log"), "election path /zkelect-cli-open/election is open to anyone"), 1);
    char out[4096];
    CU_ASSERT_EQUAL(capture(out, sizeof out, "'%s' status --zk %s --path %s --json 2>/dev/null | jq -r .acl_open",
                            zkelect_bin, server.hosts, path),
                    0);
    CU_ASSERT_STRING_EQUAL(out, "true\n");
    CU_ASSERT_EQUAL(capture(out, sizeof out, "'%s' status --zk %s --path %s 2>&1", zkelect_bin, server.hosts, path), 0);
    CU_ASSERT(strstr(out, "is open to anyone (world:anyone:cdrwa)") != NULL);

    CU_ASSERT_EQUAL(capture(out, sizeof out, "'%s' lockdown --zk %s --path %s 2>&1", zkelect_bin, server.hosts, path), 2);
    CU_ASSERT(strstr(out, "nothing to lock the path to") != NULL);
    const char *ops = scratch("auth-lock-ops"), *other = scratch("auth-lock-other");
    write_file(ops, "digest:ops:s3cret\n", 0600);
    write_file(other, "digest:other:s3cret\n", 0600);
    CU_ASSERT_EQUAL(capture(out, sizeof out, "'%s' lockdown --zk %s --path %s --auth-file %s 2>&1", zkelect_bin,
                            server.hosts, path, ops),
                    0);
    CU_ASSERT(strstr(out, "is locked") != NULL);
    CU_ASSERT_EQUAL(capture(out, sizeof out, "'%s' status --zk %s --path %s --json 2>&1 | jq -r .acl_open",
                            zkelect_bin, server.hosts, path),
                    0);
    CU_ASSERT_STRING_EQUAL(out, "false\n");
    void *stranger = zk_connect(server.hosts);
    CU_ASSERT_FATAL(stranger != NULL);
    struct ACL_vector acl;
    struct Stat st;
    CU_ASSERT_EQUAL_FATAL(zoo_get_acl(stranger, path, &acl, &st), ZOK);
    CU_ASSERT_EQUAL(acl.count, 2);
    for (int32_t i = 0; i < acl.count; i++) {
        bool is_ops = strcmp(acl.data[i].id.scheme, "digest") == 0 && strncmp(acl.data[i].id.id, "ops:", 4) == 0;
        bool world = strcmp(acl.data[i].id.scheme, "world") == 0;
        CU_ASSERT(is_ops ? acl.data[i].perms == ZOO_PERM_ALL : world && acl.data[i].perms == ZOO_PERM_READ);
    }
    deallocate_ACL_vector(&acl);
    char node[1024];
    snprintf(node, sizeof node, "%s/zke_00000000000000000000000000000000_0000000000", path);
    CU_ASSERT_EQUAL(zoo_create(stranger, node, "x", 1, &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL, NULL, 0), ZNOAUTH);
    zk_close(stranger);
    CU_ASSERT_EQUAL(capture(out, sizeof out, "'%s' lockdown --zk %s --path %s --auth-file %s 2>&1", zkelect_bin,
                            server.hosts, path, other),
                    1);
    CU_ASSERT(strstr(out, "needs ADMIN") != NULL);
    /* The participant in line stays; it leaves as ever. */
    stop(runner);
    CU_ASSERT(wait_contenders(server.hosts, path, 0, 5 * SEC));
}

/* An election only alice may read (--acl auth::cdrwa): each command that
 * ZooKeeper refuses says what to fix and exits 1; none of them hangs on
 * retries (watch used to retry for ever). With alice's credentials, watch
 * reads it. */
static void test_refused_access_is_explained(void)
{
    const char *path = "/zkelect-cli-private/election"; /* a top of its own: other ACLs above would refuse alice */
    const char *alice = scratch("auth-alice"), *bob = scratch("auth-bob");
    write_file(alice, "digest:alice:secret\n", 0600);
    write_file(bob, "digest:bob:secret\n", 0600);
    const char *extra[] = {"--auth-file", alice, "--acl", "auth::cdrwa", NULL};
    pid_t runner = start_runner("private", "a", server.hosts, path, "exec sleep 1000", extra);
    CU_ASSERT_FATAL(wait_lines(scratch("private-a.log"), "started /bin/sh", 1, 10 * SEC));
    char out[4096];
    int64_t t0 = mono_ns();
    CU_ASSERT_EQUAL(capture(out, sizeof out, "'%s' status --zk %s --path %s 2>&1", zkelect_bin, server.hosts, path), 1);
    CU_ASSERT(strstr(out, "refused access to /zkelect-cli-private/election: it needs credentials (--auth-file)") != NULL);
    CU_ASSERT_EQUAL(capture(out, sizeof out, "'%s' watch --zk %s --path %s 2>&1", zkelect_bin, server.hosts, path), 1);
    CU_ASSERT(strstr(out, "it needs credentials (--auth-file)") != NULL);
    CU_ASSERT_EQUAL(capture(out, sizeof out, "'%s' run --zk %s --path %s --auth-file '%s' -- true 2>&1", zkelect_bin,
                            server.hosts, path, bob),
                    1);
    CU_ASSERT(strstr(out, "the credentials of --auth-file may not do this") != NULL);
    CU_ASSERT(mono_ns() - t0 < 10 * SEC * (int64_t)1000000);
    CU_ASSERT_EQUAL(capture(out, sizeof out, "'%s' watch --zk %s --path %s --auth-file '%s' --count 1 2>&1", zkelect_bin,
                            server.hosts, path, alice),
                    0);
    CU_ASSERT(strstr(out, " leader a epoch ") != NULL);
    stop(runner);
}

/* ------------------------------------------------------ zkelect-bench */

/* The runner protocol (docs/bench-protocol.md) as a harness speaks it. */
static void test_bench_runner_protocol(void)
{
    const char *argv[] = {bench_bin, "--runner-mode", "--zk", server.hosts, "--path", "/zkelect-cli/runner",
                          "--participants", "3", "--session-timeout", "4000", NULL};
    int to_runner, from_runner;
    pid_t pid = spawn_piped(argv, &to_runner, &from_runner, 0);
    CU_ASSERT_FATAL(pid > 0);
    FILE *in = fdopen(from_runner, "r");
    FILE *out = fdopen(to_runner, "w");
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
    CU_ASSERT(wait_contenders(server.hosts, "/zkelect-cli/runner", 0, 2 * SEC));
    /* Options outside the protocol are refused with status 2. */
    char text[1024];
    CU_ASSERT_EQUAL(capture(text, sizeof text, "'%s' --runner-mode --zk %s --participants 1 --naive 2>&1", bench_bin,
                            server.hosts),
                    2);
}

/* The server's own counters: one watch notification per failover (the
 * successor's), and at most two reads, at N = 10: the leaving leader takes
 * the watch off its own node (so that its removal notifies the successor
 * alone), and the successor, further back than second, lists once after it
 * leads to confirm the hand-over. */
static void test_bench_one_notification_per_failover(void)
{
    char json[4096];
    CU_ASSERT_EQUAL_FATAL(capture(json, sizeof json,
                                  "'%s' --zk %s --path /zkelect-cli/bench -n 10 -k 10 --warmup 2 --quiet --json > %s",
                                  bench_bin, server.hosts, scratch("bench.json")),
                          0);
    CU_ASSERT_EQUAL(capture(json, sizeof json,
                            "jq -r '[.server_counters, .per_failover.notifications, .per_failover.reads <= 2.5, "
                            ".failover_ms.count // .failovers] | @tsv' %s",
                            scratch("bench.json")),
                    0);
    CU_ASSERT_STRING_EQUAL(json, "true\t1\ttrue\t10\n");
    /* Mixed priorities: still one notification per failover, and a join
     * that takes its place ahead of others wakes one of them at most. */
    CU_ASSERT_EQUAL(capture(json, sizeof json,
                            "'%s' --zk %s --path /zkelect-cli/priorities -n 10 -k 10 --warmup 2 --quiet --json "
                            "--priorities > %s",
                            bench_bin, server.hosts, scratch("priorities.json")),
                    0);
    CU_ASSERT_EQUAL(capture(json, sizeof json,
                            "jq -r '[.implementation, .per_failover.notifications, .per_rejoin.notifications <= 1] "
                            "| @tsv' %s",
                            scratch("priorities.json")),
                    0);
    CU_ASSERT_STRING_EQUAL(json, "zkelect-priorities\t1\ttrue\n");
    if (strcmp(json, "zkelect-priorities\t1\ttrue\n") != 0) { /* what was measured, for the log */
        char *said = slurp(scratch("priorities.json"));
        fprintf(stderr, "zkelect-bench --priorities said: %s\n", said);
        free(said);
    }
    /* Manual dispatch, each participant's callbacks on a poll loop of the
     * benchmark's: the same one notification per failover, and said so;
     * refused where no graceful failover is measured. */
    CU_ASSERT_EQUAL(capture(json, sizeof json,
                            "'%s' --zk %s --path /zkelect-cli/manual -n 3 -k 5 --warmup 1 --quiet --json "
                            "--manual-dispatch | jq -r '[.dispatch, .per_failover.notifications, "
                            ".failover_ms.p50 > 0] | @tsv'",
                            bench_bin, server.hosts),
                    0);
    CU_ASSERT_STRING_EQUAL(json, "manual\t1\ttrue\n");
    CU_ASSERT_EQUAL(capture(json, sizeof json, "'%s' --zk %s --shared --manual-dispatch 2>&1", bench_bin, server.hosts),
                    2);
    CU_ASSERT(strstr(json, "--manual-dispatch is for zkelect's graceful failover runs") != NULL);
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
    static const CU_TestInfo tests[] = {
        TEST(test_bad_command_lines),
        TEST(test_unreachable_server_times_out),
        TEST(test_unresolvable_host_is_retried_then_named),
        TEST(test_run_check_joins_nothing),
        TEST(test_status_json_matches_the_contenders),
        TEST(test_status_exit_codes),
        TEST(test_status_binary_data_as_hex),
        TEST(test_watch_prints_each_change_once),
        TEST(test_auth_file_bad_input),
        TEST(test_tls_and_sasl_flags_bad_input),
        TEST(test_run_with_credentials),
        TEST(test_refused_access_is_explained),
        TEST(test_open_election_is_said_and_locked),
        TEST(test_bench_runner_protocol),
        TEST(test_bench_one_notification_per_failover),
        CU_TEST_INFO_NULL,
    };
    static const test_suite_t suites[] = {{"zkelect command", suite_init, suite_clean, tests}, {0}};
    return run_suites(suites);
}
