/* security.c - credentials and ACLs: what protects the nodes, enforced by a real
 * server; the chroot suffix of the host string
 *
 * One standalone server for the program; every test has its own election
 * path. All waits are on conditions with deadlines. */
#include "harness.h"

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zookeeper/zookeeper.h>

#define NS_PER_MS 1000000LL

static zk_server_t server;
static void *admin; /* a plain handle to look at the tree */
static recorder_t rec;

/* Whether acl has the entry scheme:id with exactly perms. */
static bool acl_has(const struct ACL_vector *acl, const char *scheme, const char *id, int32_t perms)
{
    for (int32_t i = 0; i < acl->count; i++) {
        const struct ACL *a = &acl->data[i];
        if (strcmp(a->id.scheme, scheme) == 0 && strcmp(a->id.id, id) == 0 && a->perms == perms)
            return true;
    }
    return false;
}

/* The ACL of znode has exactly the three entries of test_acl_set_by_caller.
 * Read by zh, which must have ADMIN on it: ZooKeeper shows digest hashes
 * to no one else. */
static bool acl_is_ops_alice_world(void *zh, const char *znode)
{
    struct ACL_vector acl;
    struct Stat st;
    if (zoo_get_acl(zh, znode, &acl, &st) != ZOK)
        return false;
    bool ok = acl.count == 3 && acl_has(&acl, "digest", "ops:ZsD1RlI3DZBKu14EQKRZur5tUew=", ZOO_PERM_ALL) &&
              acl_has(&acl, "digest", "alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=", ZOO_PERM_ALL) &&
              acl_has(&acl, "world", "anyone", ZOO_PERM_READ);
    deallocate_ACL_vector(&acl);
    return ok;
}

/* zkelect_set_acl(): every node the library creates, parents included, gets
 * the caller's ACL ("auth" becoming the creator's identity), and the
 * server enforces it: an operator identity may work under the parent, a
 * stranger may only read; participants with the credentials take over. */
static void test_acl_set_by_caller(void)
{
    test_election(&rec, "custom-acl");
    const char *top = "/zkelect-custom-acl", *p = "/zkelect-custom-acl/election";
    const char *acl = "digest:ops:ZsD1RlI3DZBKu14EQKRZur5tUew=:cdrwa, auth::cdrwa, world:anyone:r";
    static participant_t ps[2];
    for (int i = 0; i < 2; i++) {
        size_t mark = rec_count(&rec);
        CU_ASSERT_EQUAL_FATAL(participant_new(&ps[i], i, &rec, server.hosts, p), ZKELECT_OK);
        CU_ASSERT_EQUAL(zkelect_set_acl(ps[i].e, acl), ZKELECT_OK);
        CU_ASSERT_EQUAL(zkelect_set_auth(ps[i].e, "digest", "alice:secret", 12), ZKELECT_OK);
        CU_ASSERT_EQUAL_FATAL(zkelect_start(ps[i].e), ZKELECT_OK);
        CU_ASSERT_FATAL(rec_wait(&rec, i, ZKELECT_EV_JOINED, mark, 10 * SEC) >= 0);
    }
    CU_ASSERT_EQUAL_FATAL(wait_single_leader(ps, 2, 10 * SEC), 0);
    char node[512];
    CU_ASSERT_EQUAL_FATAL(zkelect_node_path(ps[0].e, node, sizeof node), ZKELECT_OK);
    void *stranger = zk_connect(server.hosts), *ops = zk_connect(server.hosts);
    CU_ASSERT_PTR_NOT_NULL_FATAL(stranger);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ops);
    CU_ASSERT_EQUAL_FATAL(zoo_add_auth(ops, "digest", "ops:opspw", 9, NULL, NULL), ZOK);
    CU_ASSERT(acl_is_ops_alice_world(ops, node));
    CU_ASSERT(acl_is_ops_alice_world(ops, p));
    CU_ASSERT(acl_is_ops_alice_world(ops, top));
    CU_ASSERT_EQUAL(zoo_create(stranger, "/zkelect-custom-acl/note", "x", 1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0),
                    ZNOAUTH);
    CU_ASSERT_EQUAL(zoo_set(stranger, node, "x", 1, -1), ZNOAUTH);
    CU_ASSERT_EQUAL(zoo_create(ops, "/zkelect-custom-acl/note", "x", 1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZOK);
    CU_ASSERT_EQUAL(zoo_delete(ops, "/zkelect-custom-acl/note", -1), ZOK);
    size_t mark = rec_count(&rec);
    participant_destroy(&ps[0]);
    CU_ASSERT(rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 5 * SEC) >= 0);
    participant_destroy(&ps[1]);
    CU_ASSERT_EQUAL(zk_child_count(admin, p), 0);
    zk_close(stranger);
    zk_close(ops);
}

/* An ACL the library cannot check, refused by the server: the test server
 * has no SASL provider, so "sasl" is an invalid ACL there. The participant
 * reports ERROR with ZKELECT_EAUTH, creates nothing, retries with a backoff
 * (no storm), and is destroyed cleanly. */
static void test_acl_refused_by_server(void)
{
    const char *p = test_election(&rec, "acl-refused");
    static participant_t a;
    CU_ASSERT_EQUAL_FATAL(participant_new(&a, 0, &rec, server.hosts, p), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_acl(a.e, "sasl:svc@EXAMPLE.COM:cdrwa,world:anyone:r"), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(a.e), ZKELECT_OK);
    long err = rec_wait(&rec, 0, ZKELECT_EV_ERROR, 0, 10 * SEC);
    CU_ASSERT_FATAL(err >= 0);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)err).error, ZKELECT_EAUTH);
    observe_for(1500);
    CU_ASSERT(rec_tally(&rec, 0, ZKELECT_EV_ERROR, 0) <= 4);
    CU_ASSERT_EQUAL(rec_tally(&rec, 0, ZKELECT_EV_JOINED, 0), 0);
    CU_ASSERT_EQUAL(zkelect_is_leader(a.e), 0);
    /* the election path itself was never created with that ACL */
    struct Stat st;
    CU_ASSERT_EQUAL(zoo_exists(admin, p, 0, &st), ZNONODE);
    participant_destroy(&a);
}

/* "auth" in the ACL needs credentials, on a shared session too (they are
 * the session's): refused at start, with nothing started. */
static void test_acl_auth_needs_session_credentials(void)
{
    const char *p = test_election(&rec, "acl-auth-shared");
    zkelect_session_t *s = NULL;
    CU_ASSERT_EQUAL_FATAL(zkelect_session_new(&s, server.hosts), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_session_start(s), ZKELECT_OK);
    static participant_t a;
    CU_ASSERT_EQUAL_FATAL(participant_new_on(&a, 0, &rec, s, p), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_acl(a.e, "auth::cdrwa,world:anyone:r"), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_start(a.e), ZKELECT_EAUTH);
    CU_ASSERT_EQUAL(a.log_errors, 1);
    /* the election's own ACL, on a shared session */
    CU_ASSERT_EQUAL(zkelect_set_acl(a.e, "ip:127.0.0.0/8:cdrwa,world:anyone:r"), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(a.e), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_acl(a.e, "world:anyone:cdrwa"), ZKELECT_ESTATE);
    CU_ASSERT_EQUAL(zkelect_wait_leader(a.e, 10 * SEC), ZKELECT_OK);
    char node[512];
    CU_ASSERT_EQUAL_FATAL(zkelect_node_path(a.e, node, sizeof node), ZKELECT_OK);
    struct ACL_vector acl;
    struct Stat st;
    CU_ASSERT_EQUAL_FATAL(zoo_get_acl(admin, node, &acl, &st), ZOK);
    CU_ASSERT(acl.count == 2 && acl_has(&acl, "ip", "127.0.0.0/8", ZOO_PERM_ALL) &&
              acl_has(&acl, "world", "anyone", ZOO_PERM_READ));
    deallocate_ACL_vector(&acl);
    participant_destroy(&a);
    zkelect_session_destroy(s);
}

static void test_credentials_protect_nodes(void)
{
    /* its own top level: every level the library creates gets the ACL */
    test_election(&rec, "acl");
    const char *p = "/zkelect-acl/election";
    static participant_t ps[3];
    /* p0 has the credentials and creates the path (parents included) */
    CU_ASSERT_EQUAL_FATAL(participant_new(&ps[0], 0, &rec, server.hosts, p), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_auth(ps[0].e, "digest", "alice:secret", 12), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(ps[0].e), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_leader(ps[0].e, 10 * SEC), ZKELECT_OK);
    char node[512];
    CU_ASSERT_EQUAL_FATAL(zkelect_node_path(ps[0].e, node, sizeof node), ZKELECT_OK);
    /* a client without them can read, but neither delete, overwrite nor
     * add a fake low-numbered contender */
    void *stranger = zk_connect(server.hosts);
    CU_ASSERT_PTR_NOT_NULL_FATAL(stranger);
    char buf[64];
    int len = sizeof buf;
    CU_ASSERT_EQUAL(zoo_get(stranger, node, 0, buf, &len, NULL), ZOK);
    CU_ASSERT_EQUAL(zoo_delete(stranger, node, -1), ZNOAUTH);
    CU_ASSERT_EQUAL(zoo_set(stranger, node, "x", 1, -1), ZNOAUTH);
    char fake[300];
    snprintf(fake, sizeof fake, "%s/zke_00000000000000000000000000000000_", p);
    CU_ASSERT_EQUAL(zoo_create(stranger, fake, "x", 1, &ZOO_OPEN_ACL_UNSAFE, ZOO_SEQUENCE, NULL, 0), ZNOAUTH);
    /* the wrong password is another identity: ZooKeeper accepts it, and
     * refuses the create; so does no password at all */
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL_FATAL(participant_new(&ps[1], 1, &rec, server.hosts, p), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_auth(ps[1].e, "digest", "alice:wrong", 11), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(ps[1].e), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(participant_start(&ps[2], 2, &rec, server.hosts, p), ZKELECT_OK);
    for (int i = 1; i <= 2; i++) {
        long err = rec_wait(&rec, i, ZKELECT_EV_ERROR, mark, 5 * SEC);
        CU_ASSERT_FATAL(err >= 0);
        CU_ASSERT_EQUAL(rec_get(&rec, (size_t)err).reason, ZKELECT_REASON_NONE);
    }
    /* no retry storm: the join is retried with a growing backoff */
    observe_for(1500);
    CU_ASSERT(rec_tally(&rec, 1, ZKELECT_EV_ERROR, mark) <= 4);
    CU_ASSERT_EQUAL(rec_tally(&rec, 1, ZKELECT_EV_JOINED, mark), 0);
    CU_ASSERT_EQUAL(rec_tally(&rec, 2, ZKELECT_EV_JOINED, mark), 0);
    CU_ASSERT_EQUAL(zk_child_count(admin, p), 1);
    CU_ASSERT_EQUAL(zkelect_is_leader(ps[0].e), 1);
    /* the right password joins behind */
    static participant_t bob;
    mark = rec_count(&rec);
    CU_ASSERT_EQUAL_FATAL(participant_new(&bob, 3, &rec, server.hosts, p), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_auth(bob.e, "digest", "alice:secret", 12), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(bob.e), ZKELECT_OK);
    CU_ASSERT(rec_wait(&rec, 3, ZKELECT_EV_JOINED, mark, 5 * SEC) >= 0);
    participant_destroy(&ps[0]);
    CU_ASSERT_EQUAL(zkelect_wait_leader(bob.e, 5 * SEC), ZKELECT_OK);
    participant_destroy(&bob);
    participant_destroy(&ps[1]);
    participant_destroy(&ps[2]);
    zk_close(stranger);
}

/* Credentials protect a node from writes by its own ACL, but a delete is
 * checked against the parent's: under an election path that already
 * existed with the open ACL, anyone can delete a participant's node (the
 * documented limit, docs/GUARANTEES.md "The ACL of the election path"). */
static void test_open_parent_lets_anyone_delete(void)
{
    test_election(&rec, "acl-open");
    const char *p = "/zkelect-acl-open";
    CU_ASSERT_EQUAL_FATAL(zoo_create(admin, p, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZOK);
    static participant_t alice;
    CU_ASSERT_EQUAL_FATAL(participant_new(&alice, 0, &rec, server.hosts, p), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_auth(alice.e, "digest", "alice:secret", 12), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(alice.e), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_leader(alice.e, 10 * SEC), ZKELECT_OK);
    char node[512];
    CU_ASSERT_EQUAL_FATAL(zkelect_node_path(alice.e, node, sizeof node), ZKELECT_OK);
    void *stranger = zk_connect(server.hosts);
    CU_ASSERT_PTR_NOT_NULL_FATAL(stranger);
    /* the node's own ACL still refuses a write... */
    CU_ASSERT_EQUAL(zoo_set(stranger, node, "x", 1, -1), ZNOAUTH);
    /* ...but the open parent lets the stranger delete it and add a contender */
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL(zoo_delete(stranger, node, -1), ZOK);
    long revoked = rec_wait(&rec, 0, ZKELECT_EV_REVOKED, mark, 5 * SEC);
    CU_ASSERT_FATAL(revoked >= 0);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)revoked).reason, ZKELECT_REASON_NODE_DELETED);
    char fake[300];
    snprintf(fake, sizeof fake, "%s/stranger-", p);
    CU_ASSERT_EQUAL(zoo_create(stranger, fake, "x", 1, &ZOO_OPEN_ACL_UNSAFE, ZOO_SEQUENCE, NULL, 0), ZOK);
    /* alice rejoins (the stranger's child is not a contender) */
    CU_ASSERT_EQUAL(zkelect_wait_leader(alice.e, 10 * SEC), ZKELECT_OK);
    participant_destroy(&alice);
    zk_close(stranger);
    CU_ASSERT_EQUAL(zk_delete_recursive(admin, p), ZOK);
}

static void test_unknown_auth_scheme_stops_participant(void)
{
    const char *p = test_election(&rec, "bad-scheme");
    static participant_t a;
    CU_ASSERT_EQUAL_FATAL(participant_new(&a, 0, &rec, server.hosts, p), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_auth(a.e, "nosuchscheme", "x", 1), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(a.e), ZKELECT_OK);
    long err = rec_wait(&rec, 0, ZKELECT_EV_ERROR, 0, 10 * SEC);
    CU_ASSERT_FATAL(err >= 0);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)err).reason, ZKELECT_REASON_NONE);
    observe_for(1000);
    /* one error, no reconnection loop, no node */
    CU_ASSERT_EQUAL(rec_tally(&rec, 0, ZKELECT_EV_ERROR, 0), 1);
    CU_ASSERT_EQUAL(rec_tally(&rec, 0, ZKELECT_EV_JOINED, 0), 0);
    /* the waits end at once: this session never connects */
    CU_ASSERT_EQUAL(zkelect_wait_leader(a.e, 10 * SEC), ZKELECT_EAUTH);
    CU_ASSERT_EQUAL(zkelect_wait_connected(a.e, 10 * SEC), ZKELECT_EAUTH);
    participant_destroy(&a);
    /* bad arguments */
    zkelect_t *e;
    CU_ASSERT_EQUAL_FATAL(zkelect_new(&e, server.hosts, p, "x"), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_auth(e, NULL, "x", 1), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_auth(e, "", "x", 1), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_auth(e, "digest", NULL, 1), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_auth(e, "digest", "x", 0), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(zkelect_set_auth(NULL, "digest", "x", 1), ZKELECT_EINVAL);
    zkelect_destroy(e);
}

static void test_chroot_in_host_string(void)
{
    test_election(&rec, "chroot");
    CU_ASSERT_EQUAL_FATAL(zk_make_path(admin, "/zkelect-tests/chroot", 0), ZOK);
    char hosts[128];
    snprintf(hosts, sizeof hosts, "%s/zkelect-tests/chroot", server.hosts);
    static participant_t ps[2];
    for (int i = 0; i < 2; i++) {
        size_t mark = rec_count(&rec);
        CU_ASSERT_EQUAL_FATAL(participant_start(&ps[i], i, &rec, hosts, "/app/leader"), ZKELECT_OK);
        CU_ASSERT_FATAL(rec_wait(&rec, i, ZKELECT_EV_JOINED, mark, 10 * SEC) >= 0);
    }
    CU_ASSERT_EQUAL(wait_single_leader(ps, 2, 10 * SEC), 0);
    /* the nodes live under the chroot; the library's paths do not show it */
    CU_ASSERT_EQUAL(zk_child_count(admin, "/zkelect-tests/chroot/app/leader"), 2);
    char node[512];
    CU_ASSERT_EQUAL(zkelect_node_path(ps[0].e, node, sizeof node), ZKELECT_OK);
    CU_ASSERT(strncmp(node, "/app/leader/zke_", 16) == 0);
    char id[64];
    CU_ASSERT_EQUAL(zkelect_get_leader(ps[1].e, id, sizeof id), ZKELECT_OK);
    CU_ASSERT_STRING_EQUAL(id, "p0");
    size_t mark = rec_count(&rec);
    participant_destroy(&ps[0]);
    CU_ASSERT(rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 5 * SEC) >= 0);
    participant_destroy(&ps[1]);
}

/* zkelect_lock_path(): refused before start, without credentials or an
 * ACL (nothing to lock to), and for an identity without ADMIN on the path;
 * with credentials it gives the path "that identity may do everything, the
 * world may read", creating it, and stats() no longer says it is open. */
static void test_lock_path(void)
{
    const char *p = test_election(&rec, "lock-path");
    CU_ASSERT_EQUAL(zkelect_lock_path(NULL), ZKELECT_EINVAL);
    static participant_t a, b;
    CU_ASSERT_EQUAL_FATAL(participant_new(&a, 0, &rec, server.hosts, p), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_lock_path(a.e), ZKELECT_ESTATE);
    CU_ASSERT_EQUAL(a.log_errors, 1);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(a.e), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_leader(a.e, 10 * SEC), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_lock_path(a.e), ZKELECT_EINVAL);
    CU_ASSERT_EQUAL(a.log_errors, 2);
    zkelect_stats_t st = {.size = sizeof st};
    CU_ASSERT_EQUAL(zkelect_stats(a.e, &st), ZKELECT_OK);
    CU_ASSERT_EQUAL(st.acl_open, 1);
    /* an operator's handle, an observer with credentials, locks it */
    CU_ASSERT_EQUAL_FATAL(participant_new(&b, 1, &rec, server.hosts, p), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_observer(b.e, 1), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_auth(b.e, "digest", "ops:opspw", 9), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(b.e), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_connected(b.e, 10 * SEC), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_lock_path(b.e), ZKELECT_OK);
    /* read by ops: ZooKeeper hides digest hashes from others */
    void *ops = zk_connect(server.hosts);
    CU_ASSERT_FATAL(ops != NULL);
    CU_ASSERT_EQUAL(zoo_add_auth(ops, "digest", "ops:opspw", 9, NULL, NULL), ZOK);
    struct ACL_vector acl;
    struct Stat stat;
    CU_ASSERT_EQUAL_FATAL(zoo_get_acl(ops, p, &acl, &stat), ZOK);
    CU_ASSERT_EQUAL(acl.count, 2);
    CU_ASSERT(acl_has(&acl, "digest", "ops:ZsD1RlI3DZBKu14EQKRZur5tUew=", ZOO_PERM_ALL));
    CU_ASSERT(acl_has(&acl, "world", "anyone", ZOO_PERM_READ));
    deallocate_ACL_vector(&acl);
    WAIT_FOR((zkelect_stats(b.e, &st), !st.acl_open), 5 * SEC);
    CU_ASSERT_EQUAL(st.acl_open, 0);
    /* a participant without that identity may no longer change it */
    CU_ASSERT_EQUAL(zkelect_lock_path(a.e), ZKELECT_EINVAL);
    participant_destroy(&b);
    static participant_t c;
    CU_ASSERT_EQUAL_FATAL(participant_new(&c, 2, &rec, server.hosts, p), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_observer(c.e, 1), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_auth(c.e, "digest", "eve:evepw", 9), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(c.e), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_connected(c.e, 10 * SEC), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_lock_path(c.e), ZKELECT_EAUTH);
    participant_destroy(&c);
    participant_destroy(&a);
    /* let the next test's participants in: the path goes */
    CU_ASSERT_EQUAL(zk_delete_recursive(ops, p), ZOK);
    zk_close(ops);
}

int main(void)
{
    static const CU_TestInfo tests[] = {
        TEST(test_credentials_protect_nodes),
        TEST(test_open_parent_lets_anyone_delete),
        TEST(test_acl_set_by_caller),
        TEST(test_acl_refused_by_server),
        TEST(test_acl_auth_needs_session_credentials),
        TEST(test_unknown_auth_scheme_stops_participant),
        TEST(test_chroot_in_host_string),
        TEST(test_lock_path),
        CU_TEST_INFO_NULL,
    };
    return run_server_suite("security", &server, &admin, &rec, tests);
}
