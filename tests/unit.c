/* unit.c - the library's own pieces, without a server: node names, line
 * order across the sequence wrap, input validation, the error table
 * (tests/api.c has the public API's refusals). */
#include "harness.h"
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
    zke_child_t children[] = {{.name = "b__lock__0000000010", .seq = 10},
                              {.name = "a__lock__-2147483648", .seq = INT32_MIN},
                              {.name = "c__lock__0000000002", .seq = 2}};
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

/* A node's data: the id, then NUL and the rest; written by other clients
 * too, so any bytes at all are taken apart without reading past them. */
static void test_node_data(void)
{
    zke_node_data_t d = zkelect__node_data_split(NULL, 5);
    CU_ASSERT(d.id_len == 0 && strcmp(d.id, "") == 0 && d.rest == NULL && d.rest_len == 0);
    d = zkelect__node_data_split("abc", -1);
    CU_ASSERT(d.id_len == 0 && d.rest == NULL);
    d = zkelect__node_data_split("abcdef", 3); /* the id fills the data: no NUL */
    CU_ASSERT(d.id_len == 3 && strncmp(d.id, "abc", 3) == 0 && d.rest == NULL);
    static const char both[] = {'i', 'd', '\0', 'x', '\0', 'y'};
    d = zkelect__node_data_split(both, (int)sizeof both);
    CU_ASSERT(d.id_len == 2 && d.rest == both + 3 && d.rest_len == 3);
    d = zkelect__node_data_split(both, 3); /* the id, NUL, nothing more */
    CU_ASSERT(d.id_len == 2 && d.rest != NULL && d.rest_len == 0);

    size_t n;
    char *joined = zkelect__node_data_join("id", 2, "x\0y", 3, false, &n);
    CU_ASSERT_FATAL(joined != NULL);
    CU_ASSERT(n == sizeof both && memcmp(joined, both, n) == 0);
    free(joined);
    joined = zkelect__node_data_join("id", 2, NULL, 0, false, &n); /* a contender without payload */
    CU_ASSERT(joined && n == 2 && memcmp(joined, "id", 2) == 0);
    free(joined);
    joined = zkelect__node_data_join("id", 2, "", 0, true, &n); /* a state node with empty text */
    CU_ASSERT(joined && n == 3 && memcmp(joined, "id", 3) == 0);
    free(joined);
}

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
        if (zkelect__validate_servers(good[i], &why) != ZKELECT_OK)
            CU_FAIL(good[i]);
    }
    const char *bad[] = {NULL,     "",       "   ",       "h",         "h:",         ":2181", "h:0",
                         "h:65536", "h:12x", "h:2181,",   ",h:2181",   "h:2181//a",  "h:2181/a/", "h :2181",
                         "a:b:c",  "[::1:2181", "h:2181/zookeeper", "h:123456"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        why = NULL;
        if (zkelect__validate_servers(bad[i], &why) == ZKELECT_OK || !why) {
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

/* ------------------------------------------------------------------ errors */

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

/* The digest scheme's ids, as ZooKeeper computes them (the first two are
 * what its own DigestAuthenticationProvider.generateDigest() gives, and what
 * tests/security.c reads back from the server); SHA-1's known vectors
 * through the padding of 55, 56 and 64 bytes of input (their hashes by
 * Python's hashlib). */
static void test_digest_ids(void)
{
    char id[128];
    CU_ASSERT_EQUAL(zkelect__digest_id("ops:opspw", id, sizeof id), ZKELECT_OK);
    CU_ASSERT_STRING_EQUAL(id, "ops:ZsD1RlI3DZBKu14EQKRZur5tUew=");
    CU_ASSERT_EQUAL(zkelect__digest_id("alice:secret", id, sizeof id), ZKELECT_OK);
    CU_ASSERT_STRING_EQUAL(id, "alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=");
    /* "a:" + 53, 54, 62 'x': 55, 56 and 64 bytes hashed */
    static const struct {
        size_t n;
        const char *want;
    } long_ones[] = {{53, "a:c3NgWAz1/G2URvismZf8Bxnc2hI="}, {54, "a:9n21L7fKWfAMVpuprkCkFZIKHZ8="},
                     {62, "a:sbw+DlhEi2NjeckLrvH7OXiPmII="}};
    for (size_t i = 0; i < sizeof long_ones / sizeof long_ones[0]; i++) {
        char text[80] = "a:";
        memset(text + 2, 'x', long_ones[i].n);
        text[2 + long_ones[i].n] = '\0';
        CU_ASSERT_EQUAL(zkelect__digest_id(text, id, sizeof id), ZKELECT_OK);
        CU_ASSERT_STRING_EQUAL(id, long_ones[i].want);
    }
    CU_ASSERT_EQUAL(zkelect__digest_id("no-colon", id, sizeof id), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect__digest_id("ops:opspw", id, 10), ZKELECT_ERANGE);
}

/* ---------------------------------------------------- the keeper's timetable */

/* The election due first, by a walk: what the timetable must agree with. */
static struct zkelect *earliest_by_walk(struct zkelect *es, const bool *on, int n)
{
    struct zkelect *first = NULL;
    for (int i = 0; i < n; i++)
        if (on[i] && (!first || es[i].due_ns < first->due_ns))
            first = &es[i];
    return first;
}

/* Random additions, removals and new due times, checked against a walk
 * after every step (ties compared by time: either election may come
 * first). */
static void test_timetable(void)
{
    enum { N = 300, STEPS = 20000 };
    zke_session_t s = {0};
    static struct zkelect es[N];
    bool on[N] = {false};
    int n_on = 0;
    unsigned seed = 20261207;
    for (int i = 0; i < N; i++)
        es[i].session = &s;
    for (int step = 0; step < STEPS; step++) {
        int i = (int)(rand_r(&seed) % N);
        int what = (int)(rand_r(&seed) % 4);
        if (!on[i]) {
            CU_ASSERT_EQUAL_FATAL(zkelect__timers_add(&s, &es[i]), ZKELECT_OK);
            CU_ASSERT_EQUAL(es[i].due_ns, ZKE_NOT_DUE); /* due never until timed */
            on[i] = true;
            n_on++;
        } else if (what == 0) {
            zkelect__timers_remove(&s, &es[i]);
            on[i] = false;
            n_on--;
        } else {
            int64_t due = what == 1 ? ZKE_NOT_DUE : (int64_t)(rand_r(&seed) % 1000);
            zkelect__timers_set(&es[i], due);
            CU_ASSERT_EQUAL(es[i].due_ns, due);
        }
        CU_ASSERT_EQUAL_FATAL(s.n_timers, (size_t)n_on);
        struct zkelect *first = zkelect__timers_first(&s), *want = earliest_by_walk(es, on, N);
        CU_ASSERT_FATAL((first == NULL) == (want == NULL));
        if (first)
            CU_ASSERT_EQUAL_FATAL(first->due_ns, want->due_ns);
    }
    /* Every slot names its election. */
    for (size_t slot = 0; slot < s.n_timers; slot++)
        CU_ASSERT_EQUAL(s.timers[slot]->timer_slot, slot);
    zkelect__timers_free(&s);
    CU_ASSERT_EQUAL(s.n_timers, 0);
    CU_ASSERT_PTR_NULL(zkelect__timers_first(&s));
}

int main(void)
{
    static const CU_TestInfo naming[] = {
        TEST(test_parse_names),
        TEST(test_tokens_are_fresh),
        TEST(test_foreign_formats),
        TEST(test_serial_order),
        TEST(test_line_order),
        TEST(test_line_order_many),
        CU_TEST_INFO_NULL,
    };
    static const CU_TestInfo validation[] = {
        TEST(test_node_data),
        TEST(test_paths),
        TEST(test_hosts),
        TEST(test_ids),
        CU_TEST_INFO_NULL,
    };
    static const CU_TestInfo errors[] = {
        TEST(test_strerror),
        TEST(test_digest_ids),
        CU_TEST_INFO_NULL,
    };
    static const CU_TestInfo keeper[] = {
        TEST(test_timetable),
        CU_TEST_INFO_NULL,
    };
    static const test_suite_t suites[] = {{"names and line order", NULL, NULL, naming},
                                          {"the keeper's timetable", NULL, NULL, keeper},
                                          {"input validation", NULL, NULL, validation},
                                          {"errors", NULL, NULL, errors},
                                          {0}};
    return run_suites(suites);
}
