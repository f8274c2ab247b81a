/* api.c - the public API without a server: the version,
 * and every refusal of a bad argument or a call at the wrong time, each
 * with its code and a message through the log hook. */
#include "harness.h"
#include "inspect.h"

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


static void test_version(void)
{
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", ZKELECT_VERSION_MAJOR, ZKELECT_VERSION_MINOR, ZKELECT_VERSION_PATCH);
    CU_ASSERT_STRING_EQUAL(zkelect_version(), want);
}

static int log_lines;

static char last_log[1024];

static void counting_log(zkelect_t *e, int level, const char *message, void *userdata)
{
    (void)e, (void)level, (void)userdata;
    log_lines++;
    snprintf(last_log, sizeof last_log, "%s", message);
}

static void test_new_rejects_bad_input(void)
{
    zkelect_t *e = (zkelect_t *)&e; /* must be set to NULL on failure */
    CU_ASSERT_EQUAL(zkelect_new(NULL, "h:1", "/a", "x"), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_new(&e, NULL, "/a", "x"), ZKELECT_EINVAL);
    CU_ASSERT_PTR_NULL(e);
    CU_ASSERT_EQUAL(zkelect_new(&e, "", "/a", "x"), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_new(&e, "not a host", "/a", "x"), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_new(&e, "h:1", NULL, "x"), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_new(&e, "h:1", "", "x"), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_new(&e, "h:1", "relative", "x"), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_new(&e, "h:1", "/a/", "x"), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_new(&e, "h:1", "/a//b", "x"), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_new(&e, "h:1", "/zookeeper/x", "x"), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_new(&e, "h:1", "/a", ""), ZKELECT_EINVAL);
    char longid[ZKELECT_ID_MAX + 2];
    memset(longid, 'x', sizeof longid);
    longid[ZKELECT_ID_MAX + 1] = '\0';
    CU_ASSERT_EQUAL(zkelect_new(&e, "h:1", "/a", longid), ZKELECT_ENAMETOOLONG);
    CU_ASSERT_PTR_NULL(e);
    /* NULL id picks host:pid */
    CU_ASSERT_EQUAL_FATAL(zkelect_new(&e, "h:1", "/a", NULL), ZKELECT_OK);
    CU_ASSERT(strchr(inspect_id(e), ':') != NULL);
    zkelect_destroy(e);
}

/* zkelect_check_arguments() returns what zkelect_new() returns for the same
 * arguments, and names the argument and the reason. */
static void test_check_arguments_says_why(void)
{
    char longid[ZKELECT_ID_MAX + 2];
    memset(longid, 'x', sizeof longid);
    longid[ZKELECT_ID_MAX + 1] = '\0';
    static const struct {
        const char *hosts, *path, *id, *why;
    } cases[] = {
        {"", "/a", "x", "zk_hosts: "},
        {"h:0", "/a", "x", "zk_hosts: a port must be a number from 1 to 65535"},
        {"h:1", "/", "x", "election_path: the root \"/\" cannot be an election path"},
        {"h:1", "relative", "x", "election_path: path must be absolute"},
        {"h:1", "/a//b", "x", "election_path: path has an empty segment"},
        {"h:1", "/zookeeper/x", "x", "election_path: \"/zookeeper\" is reserved"},
        {"h:1", "/a", "", "participant_id: participant id is empty"},
        {"h:1", "/a", "a\x01", "participant_id: "},
        {"h:1", "/a", NULL, NULL}, /* long id, set below */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *id = cases[i].id ? cases[i].id : longid;
        char why[128] = "unset";
        zkelect_t *e = NULL;
        int expected = zkelect_new(&e, cases[i].hosts, cases[i].path, id);
        CU_ASSERT_NOT_EQUAL(expected, ZKELECT_OK);
        CU_ASSERT_EQUAL(zkelect_check_arguments(cases[i].hosts, cases[i].path, id, why, sizeof why), expected);
        const char *want = cases[i].why ? cases[i].why : "participant_id: participant id is longer";
        if (strncmp(why, want, strlen(want)) != 0)
            fprintf(stderr, "\n    case %zu: \"%s\" does not start with \"%s\"", i, why, want);
        CU_ASSERT(strncmp(why, want, strlen(want)) == 0);
    }
    /* NULL skips an argument; success empties why; len bounds it */
    char why[16] = "unset";
    CU_ASSERT_EQUAL(zkelect_check_arguments(NULL, NULL, NULL, why, sizeof why), ZKELECT_OK);
    CU_ASSERT_STRING_EQUAL(why, "");
    CU_ASSERT_EQUAL(zkelect_check_arguments("h:1", "/a", "x", why, sizeof why), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_check_arguments(NULL, "/", NULL, why, sizeof why), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(strlen(why), sizeof why - 1);
    CU_ASSERT_EQUAL(zkelect_check_arguments(NULL, "/", NULL, NULL, 0), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_check_arguments(NULL, "/", NULL, why, 0), ZKELECT_EINVAL);
}

static void test_format_refusals(void)
{
    zkelect_t *e;
    CU_ASSERT_EQUAL_FATAL(zkelect_new(&e, "127.0.0.1:1", "/a", "x"), ZKELECT_OK);
    log_lines = 0;
    CU_ASSERT_EQUAL(zkelect_set_log(e, counting_log, NULL), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_format(NULL, ZKELECT_FORMAT_KAZOO), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_format(e, 3), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_format(e, -1), ZKELECT_EINVAL);
    CU_ASSERT(log_lines == 2 && strstr(last_log, "unknown node format") != NULL);
    /* a payload does not fit the foreign formats, in either order */
    CU_ASSERT_EQUAL(zkelect_set_data(e, "10.0.0.1:80", 11), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_format(e, ZKELECT_FORMAT_CURATOR), ZKELECT_EINVAL);
    CU_ASSERT(strstr(last_log, "only the participant id") != NULL);
    CU_ASSERT_EQUAL(zkelect_set_data(e, NULL, 0), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_format(e, ZKELECT_FORMAT_CURATOR), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_data(e, "10.0.0.1:80", 11), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_data(e, NULL, 0), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_format(e, ZKELECT_FORMAT_NATIVE), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_data(e, "10.0.0.1:80", 11), ZKELECT_OK);
    zkelect_destroy(e);
}

/* zkelect_set_acl(): what the server would refuse with ZINVALIDACL on every
 * create, or what could never work, is refused at once, naming the entry;
 * a refused ACL leaves the previous one in place. */
static void test_acl_refusals(void)
{
    static const struct {
        const char *acl, *why;
    } bad[] = {
        {"", "empty"},
        {"world:anyone", "scheme:id:perms"},
        {"world", "scheme:id:perms"},
        {":anyone:r", "scheme:id:perms"},
        {"world:anyone:", "no permissions"},
        {"world:anyone:rx", "'x'"},
        {"world:everyone:r", "\"anyone\""},
        {"auth:me:cdrwa,world:anyone:r", "empty id"},
        {"digest:ops:secret:cdrwa", "28 characters"},
        {"digest:ZsD1RlI3DZBKu14EQKRZur5tUew=:r", "28 characters"},
        {"digest:ops:ZsD1RlI3DZBKu14EQKRZur5tUe!=:r", "28 characters"},
        {"ip:10.0.0.300:r", "an IPv4 address"},
        {"ip:10.0.0.0/33:r", "an IPv4 address"},
        {"ip:10.0.0.0/:r", "an IPv4 address"},
        {"ip::r", "an IPv4 address"},
        {"ip:::1/128:r", "no IPv6 ip ACLs"},
        {"sasl::r", "principal"},
        {"x509:CN=a:r", "not one of world, auth, digest, ip, sasl"},
        {"World:anyone:r", "not one of"},
        {"world:anyone:r,", "entry 2"},
        {"world:anyone:r,,auth::a", "entry 2"},
        {"sasl:a\tb:r", "control character"},
        {"world:anyone:cdwa", "no entry grants read"},
    };
    zkelect_t *e;
    CU_ASSERT_EQUAL_FATAL(zkelect_new(&e, "127.0.0.1:1", "/a", "x"), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_log(e, counting_log, NULL), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_acl(NULL, "world:anyone:r"), ZKELECT_EINVAL);
    log_lines = 0;
    CU_ASSERT_EQUAL(zkelect_set_acl(e, NULL), ZKELECT_EINVAL);
    CU_ASSERT(log_lines == 1 && strstr(last_log, "empty"));
    CU_ASSERT_EQUAL(zkelect_set_acl(e, " world:anyone:r , ip:127.0.0.1:cdrwa,ip:10.1.0.0/16:r"), ZKELECT_OK);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        log_lines = 0;
        CU_ASSERT_EQUAL(zkelect_set_acl(e, bad[i].acl), ZKELECT_EINVAL);
        if (log_lines != 1 || !strstr(last_log, bad[i].why))
            fprintf(stderr, "\n    \"%s\": expected \"%s\" in \"%s\"", bad[i].acl, bad[i].why, last_log);
        CU_ASSERT(log_lines == 1 && strstr(last_log, bad[i].why) && strstr(last_log, "zkelect_set_acl"));
    }
    /* more than 64 entries, more than 16 KiB */
    char many[65 * 16 + 1] = "";
    for (int i = 0; i < 65; i++)
        strcat(many, i ? ",world:anyone:r" : "world:anyone:r");
    CU_ASSERT_EQUAL(zkelect_set_acl(e, many), ZKELECT_EINVAL);
    CU_ASSERT(strstr(last_log, "more than 64 entries") != NULL);
    static char huge[16386];
    memset(huge, 'a', sizeof huge - 1);
    CU_ASSERT_EQUAL(zkelect_set_acl(e, huge), ZKELECT_EINVAL);
    CU_ASSERT(strstr(last_log, "16384 bytes") != NULL);
    /* the good one set first is still in place, as parsed */
    CU_ASSERT_EQUAL_FATAL(inspect_acl(e)->count, 3);
    CU_ASSERT_STRING_EQUAL(inspect_acl(e)->data[0].id.scheme, "world");
    CU_ASSERT_STRING_EQUAL(inspect_acl(e)->data[0].id.id, "anyone");
    CU_ASSERT_EQUAL(inspect_acl(e)->data[0].perms, ZOO_PERM_READ);
    CU_ASSERT_STRING_EQUAL(inspect_acl(e)->data[1].id.id, "127.0.0.1");
    CU_ASSERT_EQUAL(inspect_acl(e)->data[1].perms, ZOO_PERM_ALL);
    CU_ASSERT_STRING_EQUAL(inspect_acl(e)->data[2].id.id, "10.1.0.0/16");
    /* a digest id has a colon of its own */
    CU_ASSERT_EQUAL(zkelect_set_acl(e, "digest:ops:ZsD1RlI3DZBKu14EQKRZur5tUew=:cdrwa,world:anyone:r"), ZKELECT_OK);
    CU_ASSERT_STRING_EQUAL(inspect_acl(e)->data[0].id.scheme, "digest");
    CU_ASSERT_STRING_EQUAL(inspect_acl(e)->data[0].id.id, "ops:ZsD1RlI3DZBKu14EQKRZur5tUew=");
    /* "auth" needs credentials: refused at start, before anything runs, and
     * the handle can still be configured and started */
    CU_ASSERT_EQUAL(zkelect_set_acl(e, "auth::cdrwa,world:anyone:r"), ZKELECT_OK);
    log_lines = 0;
    CU_ASSERT_EQUAL(zkelect_start(e), ZKELECT_EAUTH);
    CU_ASSERT(log_lines == 1 && strstr(last_log, "zkelect_set_auth()"));
    CU_ASSERT_EQUAL(zkelect_set_acl(e, "world:anyone:r"), ZKELECT_OK);
    zkelect_destroy(e);
}

/* zkelect_check_setting(): every setting's range, with the setter's code
 * and a reason that names the setting; the ends themselves are allowed. */
static void test_check_setting_says_why(void)
{
    static const struct {
        const char *setting;
        double value;
        int rc;
        const char *reason;
    } cases[] = {
        {"session_timeout", 99, ZKELECT_EINVAL, "grants"},
        {"session_timeout", ZKELECT_SESSION_TIMEOUT_MIN, ZKELECT_OK, NULL},
        {"session_timeout", ZKELECT_SESSION_TIMEOUT_MAX, ZKELECT_OK, NULL},
        {"session_timeout", 3600001, ZKELECT_EINVAL, "an hour"},
        {"session_timeout", 2000.5, ZKELECT_EINVAL, "whole number"},
        {"lease_fraction", 1e-300, ZKELECT_EINVAL, "never win it"},
        {"lease_fraction", 0.3, ZKELECT_OK, NULL},
        {"lease_fraction", 0.9, ZKELECT_OK, NULL},
        {"lease_fraction", 1.0, ZKELECT_EINVAL, "T/10"},
        {"lease_fraction", 0.0 / 0.0, ZKELECT_EINVAL, "not a number"},
        {"query_timeout", 9, ZKELECT_EINVAL, "round trips"},
        {"query_timeout", 10, ZKELECT_OK, NULL},
        {"query_timeout", -1, ZKELECT_EINVAL, "query_timeout -1 ms is outside 10..3600000 ms"},
        {"lease", 0.5, ZKELECT_EINVAL, "no such setting"},
        {NULL, 0.5, ZKELECT_EINVAL, "no such setting"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char why[512] = "x";
        CU_ASSERT_EQUAL(zkelect_check_setting(cases[i].setting, cases[i].value, why, sizeof why), cases[i].rc);
        CU_ASSERT(cases[i].reason ? strstr(why, cases[i].reason) != NULL : why[0] == '\0');
    }
    /* The setter says the same. */
    zkelect_t *e;
    CU_ASSERT_EQUAL_FATAL(zkelect_new(&e, "127.0.0.1:1", "/a", "x"), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_log(e, counting_log, NULL), ZKELECT_OK);
    char why[512];
    CU_ASSERT_EQUAL(zkelect_check_setting("query_timeout", 5, why, sizeof why), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_query_timeout(e, 5), ZKELECT_EINVAL);
    CU_ASSERT_STRING_EQUAL(last_log, why);
    /* Truncated to len, NULL why allowed. */
    char small[8];
    CU_ASSERT_EQUAL(zkelect_check_setting("query_timeout", 5, small, sizeof small), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(strlen(small), sizeof small - 1);
    CU_ASSERT_EQUAL(zkelect_check_setting("query_timeout", 5, NULL, 0), ZKELECT_EINVAL);
    zkelect_destroy(e);
}

/* zkelect_id(): the id given, or the default chosen ("hostname:pid"), which
 * the host needs to say who it is (zkelect run's ZKELECT_ID); a buffer too
 * small or missing is refused and said. */
static void test_id(void)
{
    zkelect_t *e;
    char buf[ZKELECT_ID_MAX + 1];
    CU_ASSERT_EQUAL(zkelect_id(NULL, buf, sizeof buf), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL_FATAL(zkelect_new(&e, "127.0.0.1:1", "/a", "worker-7"), ZKELECT_OK);
    log_lines = 0;
    CU_ASSERT_EQUAL(zkelect_set_log(e, counting_log, NULL), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_id(e, buf, sizeof buf), ZKELECT_OK);
    CU_ASSERT_STRING_EQUAL(buf, "worker-7");
    CU_ASSERT_EQUAL(zkelect_id(e, buf, 9), ZKELECT_OK); /* exactly enough */
    CU_ASSERT_EQUAL(zkelect_id(e, buf, 8), ZKELECT_ERANGE);
    CU_ASSERT(log_lines == 1 && strstr(last_log, "zkelect_id") && strstr(last_log, "9 bytes"));
    CU_ASSERT_EQUAL(zkelect_id(e, NULL, 9), ZKELECT_EINVAL);
    CU_ASSERT(log_lines == 2 && strstr(last_log, "buf is NULL"));
    zkelect_destroy(e);

    CU_ASSERT_EQUAL_FATAL(zkelect_new(&e, "127.0.0.1:1", "/a", NULL), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_id(e, buf, sizeof buf), ZKELECT_OK);
    char host[256] = "", expected[ZKELECT_ID_MAX + 1];
    gethostname(host, sizeof host - 1);
    snprintf(expected, sizeof expected, "%.200s:%d", host[0] ? host : "localhost", (int)getpid());
    CU_ASSERT_STRING_EQUAL(buf, expected);
    zkelect_destroy(e);
}

static void test_calls_before_start(void)
{
    zkelect_t *e;
    CU_ASSERT_EQUAL_FATAL(zkelect_new(&e, "127.0.0.1:1", "/a", "x"), ZKELECT_OK);
    log_lines = 0;
    CU_ASSERT_EQUAL(zkelect_set_log(e, counting_log, NULL), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_session_timeout(e, 0), ZKELECT_EINVAL);
    CU_ASSERT(log_lines == 1 && strstr(last_log, "session_timeout 0 ms"));
    CU_ASSERT_EQUAL(zkelect_set_session_timeout(e, -5), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_session_timeout(e, 3600001), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_session_timeout(e, 2000), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_lease_fraction(e, 0.0), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_lease_fraction(e, 1.0), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_lease_fraction(e, -0.5), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_lease_fraction(e, 0.0 / 0.0), ZKELECT_EINVAL);
    /* A lease too short to outlive its renewal: a participant that could
     * never lead ("first in line, but the server answered too late"). */
    log_lines = 0;
    CU_ASSERT_EQUAL(zkelect_set_lease_fraction(e, 1e-300), ZKELECT_EINVAL);
    CU_ASSERT(log_lines == 1 && strstr(last_log, "never win it"));
    CU_ASSERT_EQUAL(zkelect_set_lease_fraction(e, 0.29), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_lease_fraction(e, 0.95), ZKELECT_EINVAL);
    CU_ASSERT(strstr(last_log, "T/10") != NULL);
    CU_ASSERT_EQUAL(zkelect_set_lease_fraction(e, ZKELECT_LEASE_FRACTION_MIN), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_lease_fraction(e, ZKELECT_LEASE_FRACTION_MAX), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_lease_fraction(e, 0.5), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_disconnect_policy(e, 7), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_disconnect_policy(e, ZKELECT_POLICY_LEASE), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_log_level(e, 4), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_log_level(e, -1), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_data(e, NULL, 1), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_data(e, "x", ZKELECT_DATA_MAX + 1), ZKELECT_ETOOBIG);
    CU_ASSERT_EQUAL(zkelect_set_data(e, NULL, 0), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_resign(e), ZKELECT_ESTATE);
    CU_ASSERT_EQUAL(zkelect_leave(e), ZKELECT_ESTATE);
    CU_ASSERT_EQUAL(zkelect_wait_leader(e, 10), ZKELECT_ESTATE);
    CU_ASSERT_EQUAL(zkelect_wait_connected(e, 10), ZKELECT_ESTATE);
    char buf[64];
    CU_ASSERT_EQUAL(zkelect_get_leader(e, buf, sizeof buf), ZKELECT_ESTATE);
    CU_ASSERT_EQUAL(zkelect_get_leader(e, NULL, 5), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_get_leader(e, buf, 0), ZKELECT_EINVAL);
    zkelect_participant_t *list = (zkelect_participant_t *)buf;
    size_t n = 99;
    CU_ASSERT_EQUAL(zkelect_participants(e, &list, &n), ZKELECT_ESTATE);
    CU_ASSERT_PTR_NULL(list);
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT_EQUAL(zkelect_participants(e, NULL, &n), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_node_path(e, buf, sizeof buf), ZKELECT_ESTATE);
    CU_ASSERT_EQUAL(zkelect_is_leader(e), 0);
    CU_ASSERT_EQUAL(zkelect_epoch(e), -1);
    int64_t d;
    CU_ASSERT_EQUAL(zkelect_lease_deadline(e, &d), ZKELECT_ENOLEADER);
    CU_ASSERT_EQUAL(zkelect_lease_deadline(e, NULL), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_session_timeout(e), ZKELECT_ENOTCONN);
    zkelect_destroy(e); /* destroy before start */
}

static void test_null_handle(void)
{
    CU_ASSERT_EQUAL(zkelect_start(NULL), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_resign(NULL), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_leave(NULL), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_observer(NULL, 1), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_callback(NULL, NULL, NULL), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_session_timeout(NULL, 1000), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_data(NULL, "x", 1), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_log(NULL, NULL, NULL), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_log_level(NULL, 0), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_disconnect_policy(NULL, 0), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_lease_fraction(NULL, 0.5), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_is_leader(NULL), 0);
    CU_ASSERT_EQUAL(zkelect_epoch(NULL), -1);
    CU_ASSERT_EQUAL(zkelect_wait_leader(NULL, 0), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_wait_connected(NULL, 0), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_session_timeout(NULL), ZKELECT_EINVAL);
    char buf[8];
    CU_ASSERT_EQUAL(zkelect_get_leader(NULL, buf, sizeof buf), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_node_path(NULL, buf, sizeof buf), ZKELECT_EINVAL);
    zkelect_participant_t *list;
    size_t n;
    CU_ASSERT_EQUAL(zkelect_participants(NULL, &list, &n), ZKELECT_EINVAL);
    int64_t d;
    CU_ASSERT_EQUAL(zkelect_lease_deadline(NULL, &d), ZKELECT_EINVAL);
    zkelect_participants_free(NULL, 3);
    zkelect_destroy(NULL);
}

int main(void)
{
    static const CU_TestInfo tests[] = {
        TEST(test_version),
        TEST(test_new_rejects_bad_input),
        TEST(test_check_arguments_says_why),
        TEST(test_check_setting_says_why),
        TEST(test_id),
        TEST(test_calls_before_start),
        TEST(test_format_refusals),
        TEST(test_acl_refusals),
        TEST(test_null_handle),
        CU_TEST_INFO_NULL,
    };
    static const test_suite_t suites[] = {{"API without a server", NULL, NULL, tests}, {0}};
    return run_suites(suites);
}
