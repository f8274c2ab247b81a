/* unit.c - what can be checked without a server: names, line order across
 * the sequence wrap, input validation, errors, and the API's refusals. */
#include "internal.h"

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ----------------------------------------------------------------- naming */

static void test_parse_names(void)
{
    int32_t seq;
    const char *tok;
    size_t len;
    CU_ASSERT(zkelect__parse_name("zke_0123456789abcdef0123456789abcdef_0000000042", &seq, &tok, &len));
    CU_ASSERT_EQUAL(seq, 42);
    CU_ASSERT_EQUAL(len, 32);
    CU_ASSERT(strncmp(tok, "0123456789abcdef", 16) == 0);
    CU_ASSERT(zkelect__parse_name("zke_0123456789abcdef0123456789abcdef_2147483647", &seq, NULL, NULL));
    CU_ASSERT_EQUAL(seq, INT32_MAX);
    CU_ASSERT(zkelect__parse_name("zke_0123456789abcdef0123456789abcdef_-2147483648", &seq, NULL, NULL));
    CU_ASSERT_EQUAL(seq, INT32_MIN);
    CU_ASSERT(zkelect__parse_name("zke_0123456789abcdef0123456789abcdef_-000000005", &seq, NULL, NULL));
    CU_ASSERT_EQUAL(seq, -5);
    const char *bad[] = {
        "",
        "zke_",
        "garbage",
        "zke_0123456789abcdef0123456789abcdef_",
        "zke_0123456789abcdef0123456789abcdef_42",
        "zke_0123456789abcdef0123456789abcdef_00000000420",
        "zke_0123456789abcdef0123456789abcdef_2147483648",
        "zke_0123456789abcdef0123456789abcdef_-2147483649",
        "zke_0123456789abcdef0123456789abcdef_00000x0042",
        "zke_0123456789ABCDEF0123456789abcdef_0000000042",
        "zke_0123456789abcdef0123456789abcde_0000000042",
        "zke_0123456789abcdef0123456789abcdef0_000000042",
        "_c_0123-latch-0000000042",
        "zke_0123456789abcdef0123456789abcdef_+000000042",
        "zke_0123456789abcdef0123456789abcdef_-0147483647", /* found by the fuzzer */
        "zke_0123456789abcdef0123456789abcdef_-00000000005",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (zkelect__parse_name(bad[i], &seq, NULL, NULL))
            CU_FAIL_FATAL(bad[i]);
    }
    CU_ASSERT(zkelect__name_has_token_as(ZKELECT_FORMAT_NATIVE, "zke_0123456789abcdef0123456789abcdef_0000000042",
                                         "0123456789abcdef0123456789abcdef"));
    CU_ASSERT(!zkelect__name_has_token_as(ZKELECT_FORMAT_NATIVE, "zke_0123456789abcdef0123456789abcdef_0000000042",
                                          "f123456789abcdef0123456789abcdef"));
}

/* Curator's and kazoo's names: what counts, the prefix we create, tokens,
 * and their order (the sequence text as a string). */
static void test_foreign_formats(void)
{
    int32_t seq;
    const char *token = "0b0c7d3e5a4f4a519c1e2d7c1f0e9a11";
    char prefix[ZKE_PREFIX_MAX];
    CU_ASSERT_EQUAL(zkelect__node_prefix(ZKELECT_FORMAT_CURATOR, token, prefix, sizeof prefix), ZKELECT_OK);
    CU_ASSERT_STRING_EQUAL(prefix, "_c_0b0c7d3e-5a4f-4a51-9c1e-2d7c1f0e9a11-latch-");
    CU_ASSERT_EQUAL(zkelect__node_prefix(ZKELECT_FORMAT_KAZOO, token, prefix, sizeof prefix), ZKELECT_OK);
    CU_ASSERT_STRING_EQUAL(prefix, "0b0c7d3e5a4f4a519c1e2d7c1f0e9a11__lock__");
    CU_ASSERT_EQUAL(zkelect__node_prefix(ZKELECT_FORMAT_NATIVE, token, prefix, sizeof prefix), ZKELECT_OK);
    CU_ASSERT_STRING_EQUAL(prefix, "zke_0b0c7d3e5a4f4a519c1e2d7c1f0e9a11_");
    CU_ASSERT_EQUAL(zkelect__node_prefix(ZKELECT_FORMAT_KAZOO, token, prefix, 10), ZKELECT_ERANGE);

    CU_ASSERT(zkelect__parse_child(ZKELECT_FORMAT_CURATOR, "_c_0b0c7d3e-5a4f-4a51-9c1e-2d7c1f0e9a11-latch-0000000042", &seq));
    CU_ASSERT_EQUAL(seq, 42);
    CU_ASSERT(zkelect__parse_child(ZKELECT_FORMAT_CURATOR, "latch-0000000007", &seq)); /* unprotected */
    CU_ASSERT_EQUAL(seq, 7);
    CU_ASSERT(zkelect__parse_child(ZKELECT_FORMAT_KAZOO, "0b0c7d3e5a4f4a519c1e2d7c1f0e9a11__lock__0000000043", &seq));
    CU_ASSERT_EQUAL(seq, 43);
    CU_ASSERT(zkelect__parse_child(ZKELECT_FORMAT_KAZOO, "x__lock__-2147483648", &seq));
    CU_ASSERT_EQUAL(seq, INT32_MIN);
    const char *not_curator[] = {"", "latch-", "latch-42", "_c_x-latch-00000000420", "zke_0b0c7d3e5a4f4a519c1e2d7c1f0e9a11_0000000001",
                                 "x__lock__0000000001", "latch-0000000001x"};
    for (size_t i = 0; i < sizeof not_curator / sizeof *not_curator; i++)
        CU_ASSERT(!zkelect__parse_child(ZKELECT_FORMAT_CURATOR, not_curator[i], &seq));
    /* kazoo's pattern wants ten digits: the server's "-000000005" is not one */
    const char *not_kazoo[] = {"", "__lock__", "x__lock__-000000005", "x__rlock__0000000001", "x-latch-0000000001",
                               "zke_0b0c7d3e5a4f4a519c1e2d7c1f0e9a11_0000000001", "x__lock__0000000001 "};
    for (size_t i = 0; i < sizeof not_kazoo / sizeof *not_kazoo; i++)
        CU_ASSERT(!zkelect__parse_child(ZKELECT_FORMAT_KAZOO, not_kazoo[i], &seq));
    CU_ASSERT(!zkelect__parse_child(ZKELECT_FORMAT_NATIVE, "x__lock__0000000001", &seq));

    CU_ASSERT(zkelect__name_has_token_as(ZKELECT_FORMAT_CURATOR, "_c_0b0c7d3e-5a4f-4a51-9c1e-2d7c1f0e9a11-latch-0000000042", token));
    CU_ASSERT(!zkelect__name_has_token_as(ZKELECT_FORMAT_CURATOR, "_c_1b0c7d3e-5a4f-4a51-9c1e-2d7c1f0e9a11-latch-0000000042", token));
    CU_ASSERT(zkelect__name_has_token_as(ZKELECT_FORMAT_KAZOO, "0b0c7d3e5a4f4a519c1e2d7c1f0e9a11__lock__0000000043", token));
    CU_ASSERT(!zkelect__name_has_token_as(ZKELECT_FORMAT_KAZOO, "0b0c7d3e5a4f4a519c1e2d7c1f0e9a11__lock__", token));

    /* As the host orders them: the sequence text, so '-' (wrapped) first. */
    zke_child_t children[] = {{"b__lock__0000000010", 10}, {"a__lock__-2147483648", INT32_MIN}, {"c__lock__0000000002", 2}};
    zkelect__order_children_as(ZKELECT_FORMAT_KAZOO, children, 3);
    CU_ASSERT_EQUAL(children[0].seq, INT32_MIN);
    CU_ASSERT_EQUAL(children[1].seq, 2);
    CU_ASSERT_EQUAL(children[2].seq, 10);
}

static void test_tokens_are_fresh(void)
{
    char a[ZKE_TOKEN_LEN + 1], b[ZKE_TOKEN_LEN + 1];
    CU_ASSERT_EQUAL(zkelect__token_new(a), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect__token_new(b), ZKELECT_OK);
    CU_ASSERT_EQUAL(strlen(a), ZKE_TOKEN_LEN);
    CU_ASSERT(strcmp(a, b) != 0);
    char name[ZKE_NAME_MAX + 1];
    snprintf(name, sizeof name, "zke_%s_0000000007", a);
    CU_ASSERT(zkelect__parse_name(name, NULL, NULL, NULL));
    CU_ASSERT(zkelect__name_has_token_as(ZKELECT_FORMAT_NATIVE, name, a));
}

static void test_serial_order(void)
{
    CU_ASSERT(zkelect__seq_before(1, 2));
    CU_ASSERT(!zkelect__seq_before(2, 1));
    CU_ASSERT(!zkelect__seq_before(5, 5));
    CU_ASSERT(zkelect__seq_before(INT32_MAX, INT32_MIN));
    CU_ASSERT(zkelect__seq_before(INT32_MAX - 1, INT32_MIN + 1));
    CU_ASSERT(!zkelect__seq_before(INT32_MIN, INT32_MAX));
    CU_ASSERT(zkelect__seq_before(-1, 0));
}

static void check_order(int32_t *seqs, size_t n, const int32_t *want)
{
    zke_child_t children[16];
    char names[16][8];
    for (size_t i = 0; i < n; i++) {
        snprintf(names[i], sizeof names[i], "n%zu", i);
        children[i] = (zke_child_t){.name = names[i], .seq = seqs[i]};
    }
    zkelect__order_children(children, n);
    for (size_t i = 0; i < n; i++) {
        if (children[i].seq != want[i]) {
            char msg[128];
            snprintf(msg, sizeof msg, "position %zu: got %d, want %d", i, children[i].seq, want[i]);
            CU_FAIL(msg);
        }
    }
}

static void test_line_order(void)
{
    int32_t plain[] = {30, 10, 20};
    check_order(plain, 3, (int32_t[]){10, 20, 30});
    int32_t gaps[] = {900, 7, 5000000, 8};
    check_order(gaps, 4, (int32_t[]){7, 8, 900, 5000000});
    /* across the wrap of the server's signed 32-bit counter */
    int32_t wrap[] = {INT32_MIN + 1, INT32_MAX, INT32_MIN, INT32_MAX - 1};
    check_order(wrap, 4, (int32_t[]){INT32_MAX - 1, INT32_MAX, INT32_MIN, INT32_MIN + 1});
    int32_t wrap2[] = {-2147483646, 2147483600, -2147483648};
    check_order(wrap2, 3, (int32_t[]){2147483600, -2147483648, -2147483646});
    /* around zero, negative numbers only as far as the counter went */
    int32_t zero[] = {0, -1, 1};
    check_order(zero, 3, (int32_t[]){-1, 0, 1});
    int32_t one[] = {42};
    check_order(one, 1, (int32_t[]){42});
    check_order(NULL, 0, NULL);
    int32_t same[] = {5, 5, 4};
    check_order(same, 3, (int32_t[]){4, 5, 5});
}

static void test_line_order_many(void)
{
    /* 10,000 children whose numbers cross the wrap, shuffled */
    enum { N = 10000 };
    zke_child_t *children = malloc(N * sizeof *children);
    int32_t start = INT32_MAX - 4000;
    for (int i = 0; i < N; i++)
        children[i] = (zke_child_t){.name = "x", .seq = (int32_t)((uint32_t)start + (uint32_t)i * 3)};
    srand(7);
    for (int i = N - 1; i > 0; i--) {
        int j = rand() % (i + 1);
        zke_child_t t = children[i];
        children[i] = children[j];
        children[j] = t;
    }
    zkelect__order_children(children, N);
    CU_ASSERT_EQUAL(children[0].seq, start);
    for (int i = 1; i < N; i++) {
        if (!zkelect__seq_before(children[i - 1].seq, children[i].seq)) {
            CU_FAIL("out of order");
            break;
        }
    }
    free(children);
}

/* ------------------------------------------------------------- validation */

static void test_paths(void)
{
    const char *why;
    CU_ASSERT_EQUAL(zkelect__validate_path("/a", &why), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect__validate_path("/services/billing/leader", &why), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect__validate_path("/zookeeperish", &why), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect__validate_path("/caf\xc3\xa9", &why), ZKELECT_OK);
    struct {
        const char *path;
        int rc;
    } bad[] = {
        {NULL, ZKELECT_EINVAL},
        {"", ZKELECT_EINVAL},
        {"el", ZKELECT_EINVAL},
        {"/", ZKELECT_EINVAL},
        {"/el/", ZKELECT_EINVAL},
        {"/a//b", ZKELECT_EINVAL},
        {"/a/./b", ZKELECT_EINVAL},
        {"/a/..", ZKELECT_EINVAL},
        {"/zookeeper", ZKELECT_EINVAL},
        {"/zookeeper/quota/x", ZKELECT_EINVAL},
        {"/a\x01", ZKELECT_EINVAL},
        {"/a\x1f", ZKELECT_EINVAL},
        {"/a\x7f", ZKELECT_EINVAL},
        {"/a\xc2\x85", ZKELECT_EINVAL},     /* U+0085 */
        {"/a\xff", ZKELECT_EINVAL},         /* not UTF-8 */
        {"/a\xc0\xaf", ZKELECT_EINVAL},     /* overlong '/' */
        {"/a\xed\xa0\x80", ZKELECT_EINVAL}, /* surrogate */
        {"/a\xee\x80\x80", ZKELECT_EINVAL}, /* U+E000, reserved by ZooKeeper */
        {"/a\xef\xbf\xbf", ZKELECT_EINVAL}, /* U+FFFF */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        why = NULL;
        if (zkelect__validate_path(bad[i].path, &why) != bad[i].rc || !why) {
            char msg[64];
            snprintf(msg, sizeof msg, "path #%zu accepted or wrong code", i);
            CU_FAIL(msg);
        }
    }
    char longp[ZKELECT_PATH_MAX + 2];
    memset(longp, 'a', sizeof longp);
    longp[0] = '/';
    longp[ZKELECT_PATH_MAX + 1] = '\0';
    CU_ASSERT_EQUAL(zkelect__validate_path(longp, &why), ZKELECT_ENAMETOOLONG);
    longp[ZKELECT_PATH_MAX] = '\0';
    CU_ASSERT_EQUAL(zkelect__validate_path(longp, &why), ZKELECT_OK);
}

static void test_hosts(void)
{
    const char *why;
    const char *good[] = {"127.0.0.1:2181", "a:1,b:65535", "zk1.example.com:2181,zk2:2181/app",
                          "h:2181/", "[::1]:2181", "h_1-x:2181/a/b"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        if (zkelect__validate_hosts(good[i], &why) != ZKELECT_OK)
            CU_FAIL(good[i]);
    }
    const char *bad[] = {NULL,     "",       "   ",       "h",         "h:",         ":2181", "h:0",
                         "h:65536", "h:12x", "h:2181,",   ",h:2181",   "h:2181//a",  "h:2181/a/", "h :2181",
                         "a:b:c",  "[::1:2181", "h:2181/zookeeper", "h:123456"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        why = NULL;
        if (zkelect__validate_hosts(bad[i], &why) == ZKELECT_OK || !why) {
            char msg[64];
            snprintf(msg, sizeof msg, "host string #%zu accepted", i);
            CU_FAIL(msg);
        }
    }
}

static void test_ids(void)
{
    const char *why;
    CU_ASSERT_EQUAL(zkelect__validate_id("worker-1", &why), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect__validate_id("10.0.0.1:8080/a", &why), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect__validate_id("", &why), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect__validate_id("a\nb", &why), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect__validate_id("a\xff", &why), ZKELECT_EINVAL);
    char longid[ZKELECT_ID_MAX + 2];
    memset(longid, 'x', sizeof longid);
    longid[ZKELECT_ID_MAX + 1] = '\0';
    CU_ASSERT_EQUAL(zkelect__validate_id(longid, &why), ZKELECT_ENAMETOOLONG);
    longid[ZKELECT_ID_MAX] = '\0';
    CU_ASSERT_EQUAL(zkelect__validate_id(longid, &why), ZKELECT_OK);
}

/* ----------------------------------------------------------------- errors */

static void test_strerror(void)
{
    int codes[] = {ZKELECT_OK, ZKELECT_EINVAL, ZKELECT_ENOMEM, ZKELECT_ESTATE, ZKELECT_ETIMEDOUT, ZKELECT_EZK,
                   ZKELECT_EAUTH, ZKELECT_ERANGE, ZKELECT_ENOLEADER, ZKELECT_ETOOBIG, ZKELECT_ENAMETOOLONG,
                   ZKELECT_ENOTCONN, ZKELECT_ESYS};
    for (size_t i = 0; i < sizeof codes / sizeof *codes; i++) {
        CU_ASSERT_PTR_NOT_NULL(zkelect_strerror(codes[i]));
        CU_ASSERT(strcmp(zkelect_strerror(codes[i]), "unknown error") != 0);
        for (size_t j = 0; j < i; j++)
            CU_ASSERT(strcmp(zkelect_strerror(codes[i]), zkelect_strerror(codes[j])) != 0);
        CU_ASSERT(codes[i] <= 0);
    }
    CU_ASSERT_STRING_EQUAL(zkelect_strerror(12345), "unknown error");
    CU_ASSERT_STRING_EQUAL(zkelect_strerror(-999), "unknown error");
    CU_ASSERT_STRING_EQUAL(zkelect_event_name(ZKELECT_EV_ELECTED), "ELECTED");
    CU_ASSERT_STRING_EQUAL(zkelect_event_name(0), "UNKNOWN");
    CU_ASSERT_STRING_EQUAL(zkelect_reason_name(ZKELECT_REASON_RESIGNED), "resigned");
    CU_ASSERT_STRING_EQUAL(zkelect_reason_name(ZKELECT_REASON_LEFT), "left");
    CU_ASSERT_STRING_EQUAL(zkelect_event_name(ZKELECT_EV_LEADER), "LEADER");
    /* every reason and event has a name of its own */
    for (int r = ZKELECT_REASON_NONE; r <= ZKELECT_REASON_NODE_CHANGED; r++)
        CU_ASSERT_STRING_NOT_EQUAL(zkelect_reason_name(r), "unknown");
    for (int t = ZKELECT_EV_ELECTED; t <= ZKELECT_EV_LEADER; t++)
        CU_ASSERT_STRING_NOT_EQUAL(zkelect_event_name(t), "UNKNOWN");
    CU_ASSERT_STRING_EQUAL(zkelect_reason_name(99), "unknown");
    CU_ASSERT_EQUAL(zkelect__from_zk_error(ZNOAUTH), ZKELECT_EAUTH);
    CU_ASSERT_EQUAL(zkelect__from_zk_error(ZCONNECTIONLOSS), ZKELECT_ENOTCONN);
    CU_ASSERT_EQUAL(zkelect__from_zk_error(ZOK), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect__from_zk_error(ZNOTEMPTY), ZKELECT_EZK);
}

static void test_version(void)
{
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", ZKELECT_VERSION_MAJOR, ZKELECT_VERSION_MINOR, ZKELECT_VERSION_PATCH);
    CU_ASSERT_STRING_EQUAL(zkelect_version(), want);
}

/* ------------------------------------------------------- API without server */

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
    CU_ASSERT(strchr(e->id, ':') != NULL);
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
    CU_ASSERT_EQUAL_FATAL(e->custom_acl.count, 3);
    CU_ASSERT_STRING_EQUAL(e->custom_acl.data[0].id.scheme, "world");
    CU_ASSERT_STRING_EQUAL(e->custom_acl.data[0].id.id, "anyone");
    CU_ASSERT_EQUAL(e->custom_acl.data[0].perms, ZOO_PERM_READ);
    CU_ASSERT_STRING_EQUAL(e->custom_acl.data[1].id.id, "127.0.0.1");
    CU_ASSERT_EQUAL(e->custom_acl.data[1].perms, ZOO_PERM_ALL);
    CU_ASSERT_STRING_EQUAL(e->custom_acl.data[2].id.id, "10.1.0.0/16");
    /* a digest id has a colon of its own */
    CU_ASSERT_EQUAL(zkelect_set_acl(e, "digest:ops:ZsD1RlI3DZBKu14EQKRZur5tUew=:cdrwa,world:anyone:r"), ZKELECT_OK);
    CU_ASSERT_STRING_EQUAL(e->custom_acl.data[0].id.scheme, "digest");
    CU_ASSERT_STRING_EQUAL(e->custom_acl.data[0].id.id, "ops:ZsD1RlI3DZBKu14EQKRZur5tUew=");
    /* "auth" needs credentials: refused at start, before anything runs, and
     * the handle can still be configured and started */
    CU_ASSERT_EQUAL(zkelect_set_acl(e, "auth::cdrwa,world:anyone:r"), ZKELECT_OK);
    log_lines = 0;
    CU_ASSERT_EQUAL(zkelect_start(e), ZKELECT_EAUTH);
    CU_ASSERT(log_lines == 1 && strstr(last_log, "zkelect_set_auth()"));
    CU_ASSERT_EQUAL(zkelect_set_acl(e, "world:anyone:r"), ZKELECT_OK);
    zkelect_destroy(e);
}

static void test_calls_before_start(void)
{
    zkelect_t *e;
    CU_ASSERT_EQUAL_FATAL(zkelect_new(&e, "127.0.0.1:1", "/a", "x"), ZKELECT_OK);
    log_lines = 0;
    CU_ASSERT_EQUAL(zkelect_set_log(e, counting_log, NULL), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_session_timeout(e, 0), ZKELECT_EINVAL);
    CU_ASSERT(log_lines == 1 && strstr(last_log, "session timeout"));
    CU_ASSERT_EQUAL(zkelect_set_session_timeout(e, -5), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_session_timeout(e, 3600001), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_session_timeout(e, 2000), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_lease_fraction(e, 0.0), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_lease_fraction(e, 1.0), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_lease_fraction(e, -0.5), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_lease_fraction(e, 0.0 / 0.0), ZKELECT_EINVAL);
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
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite naming = CU_add_suite("names and line order", NULL, NULL);
    CU_ADD_TEST(naming, test_parse_names);
    CU_ADD_TEST(naming, test_tokens_are_fresh);
    CU_ADD_TEST(naming, test_foreign_formats);
    CU_ADD_TEST(naming, test_serial_order);
    CU_ADD_TEST(naming, test_line_order);
    CU_ADD_TEST(naming, test_line_order_many);
    CU_pSuite validation = CU_add_suite("input validation", NULL, NULL);
    CU_ADD_TEST(validation, test_paths);
    CU_ADD_TEST(validation, test_hosts);
    CU_ADD_TEST(validation, test_ids);
    CU_pSuite api = CU_add_suite("API without a server", NULL, NULL);
    CU_ADD_TEST(api, test_strerror);
    CU_ADD_TEST(api, test_version);
    CU_ADD_TEST(api, test_new_rejects_bad_input);
    CU_ADD_TEST(api, test_check_arguments_says_why);
    CU_ADD_TEST(api, test_calls_before_start);
    CU_ADD_TEST(api, test_format_refusals);
    CU_ADD_TEST(api, test_acl_refusals);
    CU_ADD_TEST(api, test_null_handle);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
