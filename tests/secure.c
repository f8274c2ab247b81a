/* secure.c - TLS and SASL to a real ZooKeeper: one server for the program,
 * plaintext and SASL (DIGEST-MD5, JAAS) on its client port, mutual TLS on
 * its secure port, with certificates made for the run (tests/certs.sh).
 *
 * Built against a client without TLS and SASL (Debian's), the program
 * checks the documented refusal, ZKELECT_ENOTSUP, instead. Every wait is on
 * a condition with a deadline. */
#include "config.h"
#include "commands.h"
#include "harness.h"
#include "proxy.h"

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zookeeper/zookeeper.h>

static recorder_t rec;

/* ------------------------------------------------------------ the log */

/* What the library logged, for the tests that check a refusal names its
 * cause. */
static struct {
    pthread_mutex_t lock;
    char text[65536];
    size_t used;
} logged = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void keep_log(zkelect_t *e, int level, const char *message, void *userdata)
{
    (void)e, (void)level, (void)userdata;
    pthread_mutex_lock(&logged.lock);
    int n = snprintf(logged.text + logged.used, sizeof logged.text - logged.used, "%s\n", message);
    if (n > 0 && logged.used + (size_t)n < sizeof logged.text)
        logged.used += (size_t)n;
    pthread_mutex_unlock(&logged.lock);
}

static void forget_log(void)
{
    pthread_mutex_lock(&logged.lock);
    logged.used = 0;
    logged.text[0] = '\0';
    pthread_mutex_unlock(&logged.lock);
}

static bool log_has(const char *needle)
{
    pthread_mutex_lock(&logged.lock);
    bool found = strcasestr(logged.text, needle) != NULL;
    pthread_mutex_unlock(&logged.lock);
    return found;
}


/* ----------------------------------------------- without TLS and SASL */

#if !defined(HAVE_ZOOKEEPER_INIT_SSL) || !defined(HAVE_ZOOKEEPER_INIT_SASL)
/* The client zkelect was built with has neither: each call says so, names
 * the way to one that has, and changes nothing. */
static void test_refused_without_the_client_feature(void)
{
    zkelect_t *e = NULL;
    CU_ASSERT_EQUAL_FATAL(zkelect_new(&e, "127.0.0.1:1", "/zkelect-tests/secure", "a"), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_log(e, keep_log, NULL), ZKELECT_OK);
    forget_log();
#ifndef HAVE_ZOOKEEPER_INIT_SSL
    CU_ASSERT_EQUAL(zkelect_set_tls(e, "/etc/hostname", "/etc/hostname", "/etc/hostname", NULL), ZKELECT_ENOTSUP);
    CU_ASSERT(log_has("has no TLS"));
    CU_ASSERT(log_has("scripts/secure-client.sh"));
#endif
#ifndef HAVE_ZOOKEEPER_INIT_SASL
    forget_log();
    CU_ASSERT_EQUAL(zkelect_set_sasl(e, "DIGEST-MD5", "alice", NULL, NULL, NULL), ZKELECT_ENOTSUP);
    CU_ASSERT(log_has("has no SASL"));
#endif
    CU_ASSERT_STRING_EQUAL(zkelect_strerror(ZKELECT_ENOTSUP),
                           "not supported by the ZooKeeper client zkelect was built with");
    zkelect_session_t *s = NULL;
    CU_ASSERT_EQUAL_FATAL(zkelect_session_new(&s, "127.0.0.1:1"), ZKELECT_OK);
#ifndef HAVE_ZOOKEEPER_INIT_SSL
    CU_ASSERT_EQUAL(zkelect_session_set_tls(s, "/etc/hostname", "/etc/hostname", "/etc/hostname", "pw"),
                    ZKELECT_ENOTSUP);
#endif
#ifndef HAVE_ZOOKEEPER_INIT_SASL
    CU_ASSERT_EQUAL(zkelect_session_set_sasl(s, "DIGEST-MD5", "alice", NULL, NULL, NULL), ZKELECT_ENOTSUP);
#endif
    zkelect_session_destroy(s);
    zkelect_destroy(e);
}
#endif

#if defined(HAVE_ZOOKEEPER_INIT_SSL) && defined(HAVE_ZOOKEEPER_INIT_SASL)
/* ------------------------------------------------------------ the server */

static zk_server_t server;
static char certs[256];

static const char *cert(const char *name)
{
    static char paths[8][512];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, sizeof paths[0], "%s/%s", certs, name);
    return p;
}

static int write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    fchmod(fileno(f), mode);
    return fclose(f);
}

static int start_server(void)
{
    snprintf(certs, sizeof certs, "%s/zkelect-certs-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(certs))
        return -1;
    char cmd[1024];
    const char *srcdir = getenv("top_srcdir") ? getenv("top_srcdir") : ".";
    snprintf(cmd, sizeof cmd, "'%s/tests/certs.sh' '%s'", srcdir, certs);
    if (system(cmd) != 0)
        return -1;
    char tls[2048], jaas[512];
    snprintf(tls, sizeof tls,
             "ssl.keyStore.location=%s\nssl.keyStore.password=storepass\nssl.keyStore.type=PKCS12\n"
             "ssl.trustStore.location=%s\nssl.trustStore.password=storepass\nssl.trustStore.type=PKCS12\n"
             "ssl.hostnameVerification=false\nssl.clientAuth=need\n",
             cert("server.p12"), cert("trust.p12"));
    snprintf(jaas, sizeof jaas, "%s", cert("jaas.conf"));
    if (write_file(jaas,
                   "Server {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n"
                   "  user_alice=\"alice-secret\";\n};\n",
                   0600) ||
        write_file(cert("alice.password"), "alice-secret\n", 0600) ||
        write_file(cert("wrong.password"), "not-her-secret\n", 0600) ||
        write_file(cert("key.password"), "keypass\n", 0600) || commands_init("secure"))
        return -1;
    return zk_server_start_secure(&server, 200, tls, jaas);
}

static int stop_server(void)
{
    zk_server_stop(&server);
    commands_clean();
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", certs);
    return system(cmd) == 0 ? 0 : -1;
}

/* A participant on the secure port with TLS, the CA and the client given. */
static int tls_participant(participant_t *p, int idx, const char *path, const char *ca, const char *client,
                           const char *key, const char *password)
{
    int rc = participant_new(p, idx, &rec, server.secure_hosts, path);
    if (rc)
        return rc;
    zkelect_set_log(p->e, keep_log, NULL);
    zkelect_set_log_level(p->e, ZKELECT_LOG_DEBUG);
    return zkelect_set_tls(p->e, cert(ca), cert(client), cert(key), password);
}

/* --------------------------------------------------------------- TLS */

/* Mutual TLS: two participants join over the secure port, one leads; the
 * leader leaves and the other is elected by the hand-over, one more
 * notification; a third with an encrypted key and its password joins. */
static void test_tls_join_failover_and_handover(void)
{
    const char *p = test_election(&rec, "tls");
    static participant_t ps[3];
    for (int i = 0; i < 2; i++) {
        CU_ASSERT_EQUAL_FATAL(tls_participant(&ps[i], i, p, "ca.pem", "client.pem", "client.key", NULL), ZKELECT_OK);
        CU_ASSERT_EQUAL_FATAL(zkelect_start(ps[i].e), ZKELECT_OK);
        CU_ASSERT_FATAL(rec_wait(&rec, i, ZKELECT_EV_JOINED, 0, 20 * SEC) >= 0);
    }
    CU_ASSERT_EQUAL_FATAL(wait_single_leader(ps, 2, 10 * SEC), 0);
    int64_t first = zkelect_epoch(ps[0].e);
    CU_ASSERT_EQUAL_FATAL(tls_participant(&ps[2], 2, p, "ca.pem", "client.pem", "client-locked.key", "keypass"),
                          ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(ps[2].e), ZKELECT_OK);
    CU_ASSERT(rec_wait(&rec, 2, ZKELECT_EV_JOINED, 0, 20 * SEC) >= 0);
    size_t mark = rec_count(&rec);
    participant_destroy(&ps[0]);
    CU_ASSERT_FATAL(rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 10 * SEC) >= 0);
    CU_ASSERT(zkelect_epoch(ps[1].e) > first);
    CU_ASSERT_EQUAL(zkelect_is_leader(ps[2].e), 0);
    assert_no_two_leaders(&rec);
    participant_destroy(&ps[1]);
    participant_destroy(&ps[2]);
}

/* Until the log has needle, or the deadline. */
static bool log_waits_for(const char *needle, int timeout_ms)
{
    WAIT_FOR(log_has(needle), timeout_ms);
    return log_has(needle);
}

/* A refused connection: never connected within the deadline, the handle
 * still answers (no hang), and the log names the cause. */
static void assert_refused(participant_t *pt, const char *cause)
{
    CU_ASSERT_EQUAL(zkelect_wait_connected(pt->e, 1500), ZKELECT_ETIMEDOUT);
    CU_ASSERT_EQUAL(zkelect_is_leader(pt->e), 0);
    CU_ASSERT(log_waits_for(cause, 5 * SEC));
    int64_t t0 = mono_ns();
    participant_destroy(pt);
    CU_ASSERT(ms_since(t0) < 5 * SEC);
    CU_ASSERT_FALSE(log_has("refused the credentials")); /* a handshake is no refusal of them */
}

/* A TLS participant with these files, refused by the handshake. */
static void assert_handshake_refused(const char *name, const char *ca, const char *client, const char *key)
{
    const char *p = test_election(&rec, name);
    static participant_t pt;
    forget_log();
    CU_ASSERT_EQUAL_FATAL(tls_participant(&pt, 0, p, ca, client, key, NULL), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(pt.e), ZKELECT_OK);
    assert_refused(&pt, "error in ssl connect");
}

/* The server's certificate does not chain to the CA given. */
static void test_tls_wrong_ca_refused(void)
{
    assert_handshake_refused("tls-wrong-ca", "rogue-ca.pem", "client.pem", "client.key");
}

/* The server does not trust the client's certificate. */
static void test_tls_untrusted_client_refused(void)
{
    assert_handshake_refused("tls-untrusted", "ca.pem", "rogue-client.pem", "rogue-client.key");
}

/* The client's certificate expired: the server refuses it. */
static void test_tls_expired_client_refused(void)
{
    assert_handshake_refused("tls-expired", "ca.pem", "expired-client.pem", "expired-client.key");
}

/* Plaintext to the TLS port, and TLS to the plaintext port. */
static void test_tls_and_plaintext_mismatched(void)
{
    const char *p = test_election(&rec, "tls-plain");
    static participant_t pt;
    forget_log();
    CU_ASSERT_EQUAL_FATAL(participant_new(&pt, 0, &rec, server.secure_hosts, p), ZKELECT_OK);
    zkelect_set_log(pt.e, keep_log, NULL);
    zkelect_set_log_level(pt.e, ZKELECT_LOG_DEBUG);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(pt.e), ZKELECT_OK);
    assert_refused(&pt, "failed while receiving a server response");
    forget_log();
    CU_ASSERT_EQUAL_FATAL(participant_new(&pt, 0, &rec, server.hosts, p), ZKELECT_OK);
    zkelect_set_log(pt.e, keep_log, NULL);
    zkelect_set_log_level(pt.e, ZKELECT_LOG_DEBUG);
    CU_ASSERT_EQUAL_FATAL(zkelect_set_tls(pt.e, cert("ca.pem"), cert("client.pem"), cert("client.key"), NULL),
                          ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(pt.e), ZKELECT_OK);
    assert_refused(&pt, "error in ssl connect");
}

/* cp FROM TO in the certificates' directory, keeping the mode. */
static int copy_cert(const char *from, const char *to)
{
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "cp -p '%s' '%s'", cert(from), cert(to));
    return system(cmd);
}

/* Certificate rotation: the client reads the files at each connection. A
 * participant whose files are replaced keeps its connection; once the
 * server restarts, it connects with the new files: a certificate the
 * server does not trust is refused, and the right one, put back, is taken
 * at the next attempt, without restarting the participant. */
static void test_tls_files_read_at_each_connection(void)
{
    const char *p = test_election(&rec, "tls-rotation");
    CU_ASSERT_EQUAL_FATAL(copy_cert("client.pem", "rotated.pem") | copy_cert("client.key", "rotated.key"), 0);
    static participant_t pt;
    CU_ASSERT_EQUAL_FATAL(tls_participant(&pt, 0, p, "ca.pem", "rotated.pem", "rotated.key", NULL), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_set_session_timeout(pt.e, 20000), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(pt.e), ZKELECT_OK);
    CU_ASSERT_FATAL(rec_wait(&rec, 0, ZKELECT_EV_ELECTED, 0, 20 * SEC) >= 0);
    CU_ASSERT_EQUAL_FATAL(copy_cert("rogue-client.pem", "rotated.pem") | copy_cert("rogue-client.key", "rotated.key"),
                          0);
    observe_for(500); /* the connection in use is not touched */
    CU_ASSERT_EQUAL(zkelect_wait_connected(pt.e, 0), ZKELECT_OK);
    forget_log();
    CU_ASSERT_EQUAL_FATAL(zk_server_restart(&server, true), 0);
    CU_ASSERT(log_waits_for("error in ssl connect", 20 * SEC));
    CU_ASSERT_EQUAL(zkelect_wait_connected(pt.e, 0), ZKELECT_ETIMEDOUT);
    CU_ASSERT_EQUAL_FATAL(copy_cert("client.pem", "rotated.pem") | copy_cert("client.key", "rotated.key"), 0);
    CU_ASSERT_EQUAL(zkelect_wait_connected(pt.e, 20 * SEC), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_wait_leader(pt.e, 20 * SEC), ZKELECT_OK);
    participant_destroy(&pt);
}

/* The silent member refuses connections 1.5 s from now: what ends the
 * handshake a destroy waits for. */
static void *refuse_later(void *arg)
{
    observe_for(1500); /* the schedule of the fault, not a wait for a condition */
    proxy_set_mode(arg, PROXY_REFUSE);
    return NULL;
}

/* A member that takes connections but answers nothing (a stopped or hung
 * server: its kernel still accepts), the silent proxy here. The ZooKeeper
 * client's TLS handshake waits for an answer on the client's own thread
 * with no deadline (3.8's init_ssl_for_socket()), so the reconnection hangs
 * there until the member answers or the connection fails. Meanwhile the
 * leader stops leading on its own clock (the lease, 2/3 T), and its handle
 * answers at once; once the member answers, the handshake completes, the
 * session is found expired, and it leads again under a new epoch. A
 * destroy during such a handshake waits for it: it returns when the
 * connection fails. */
static void test_tls_member_silent_in_handshake(void)
{
    const char *p = test_election(&rec, "tls-silent");
    proxy_t *px = proxy_start_opaque(server.secure_port);
    CU_ASSERT_PTR_NOT_NULL_FATAL(px);
    void *admin = zk_connect(server.hosts);
    CU_ASSERT_PTR_NOT_NULL_FATAL(admin);
    static participant_t pt;
    CU_ASSERT_EQUAL_FATAL(participant_new(&pt, 0, &rec, proxy_hosts(px), p), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_set_tls(pt.e, cert("ca.pem"), cert("client.pem"), cert("client.key"), NULL),
                          ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(pt.e), ZKELECT_OK);
    CU_ASSERT_FATAL(rec_wait(&rec, 0, ZKELECT_EV_ELECTED, 0, 20 * SEC) >= 0);
    int64_t epoch = zkelect_epoch(pt.e);

    size_t mark = rec_count(&rec);
    int64_t t0 = mono_ns();
    proxy_set_mode(px, PROXY_BLACKHOLE);
    long revoked = rec_wait(&rec, 0, ZKELECT_EV_REVOKED, mark, 4 * SEC);
    int64_t revoked_ms = ms_since(t0);
    CU_ASSERT_FATAL(revoked >= 0);
    CU_ASSERT(revoked_ms < 3200); /* 2/3 of T = 4 s, plus scheduling slack */
    WAIT_FOR(proxy_connections(px) >= 2, 10 * SEC); /* the old one, and the reconnection in its handshake */
    CU_ASSERT_FATAL(proxy_connections(px) >= 2);
    int64_t t1 = mono_ns();
    CU_ASSERT_EQUAL(zkelect_is_leader(pt.e), 0);
    CU_ASSERT_EQUAL(zkelect_wait_connected(pt.e, 200), ZKELECT_ETIMEDOUT);
    CU_ASSERT(ms_since(t1) < 1000);

    /* the server expires the session it no longer hears from */
    WAIT_FOR(zk_child_count(admin, p) == 0, 20 * SEC);
    CU_ASSERT_EQUAL_FATAL(zk_child_count(admin, p), 0);
    mark = rec_count(&rec);
    proxy_set_mode(px, PROXY_PASS);
    long again = rec_wait(&rec, 0, ZKELECT_EV_ELECTED, mark, 20 * SEC);
    CU_ASSERT_FATAL(again >= 0);
    CU_ASSERT(rec_get(&rec, (size_t)again).epoch > epoch);
    assert_no_two_leaders(&rec);

    /* silent again, and destroyed while its reconnection is in the handshake */
    int before = proxy_connections(px);
    mark = rec_count(&rec);
    proxy_set_mode(px, PROXY_BLACKHOLE);
    CU_ASSERT_FATAL(rec_wait(&rec, 0, ZKELECT_EV_REVOKED, mark, 4 * SEC) >= 0);
    WAIT_FOR(proxy_connections(px) > before, 10 * SEC);
    CU_ASSERT_FATAL(proxy_connections(px) > before);
    pthread_t refuser;
    CU_ASSERT_EQUAL_FATAL(pthread_create(&refuser, NULL, refuse_later, px), 0);
    int64_t t2 = mono_ns();
    participant_destroy(&pt);
    int64_t destroy_ms = ms_since(t2);
    pthread_join(refuser, NULL);
    printf("\n    revoked %lld ms after the member fell silent; the destroy waited %lld ms for the handshake ",
           (long long)revoked_ms, (long long)destroy_ms);
    CU_ASSERT(destroy_ms >= 1400); /* held until the connection failed at 1.5 s */
    CU_ASSERT(destroy_ms < 1500 + 5 * SEC);
    zk_close(admin);
    proxy_stop(px);
}

/* Bad settings are refused with the cause in the log, and change nothing. */
static void test_tls_bad_settings(void)
{
    zkelect_t *e = NULL;
    CU_ASSERT_EQUAL_FATAL(zkelect_new(&e, server.secure_hosts, "/zkelect-tests/tls-bad", "a"), ZKELECT_OK);
    zkelect_set_log(e, keep_log, NULL);
    forget_log();
    CU_ASSERT_EQUAL(zkelect_set_tls(e, NULL, cert("client.pem"), cert("client.key"), NULL), ZKELECT_EINVAL);
    CU_ASSERT(log_has("no CA file given"));
    CU_ASSERT_EQUAL(zkelect_set_tls(e, cert("ca.pem"), "", cert("client.key"), NULL), ZKELECT_EINVAL);
    CU_ASSERT(log_has("no certificate file given"));
    CU_ASSERT_EQUAL(zkelect_set_tls(e, cert("ca.pem"), cert("client.pem"), cert("missing.key"), NULL), ZKELECT_EINVAL);
    CU_ASSERT(log_has("cannot read the key file"));
    CU_ASSERT_EQUAL(zkelect_set_tls(e, "/tmp/a,b", cert("client.pem"), cert("client.key"), NULL), ZKELECT_EINVAL);
    CU_ASSERT(log_has("has a comma"));
    CU_ASSERT_EQUAL(zkelect_set_tls(e, cert("ca.pem"), cert("client.pem"), cert("client.key"), "pass,word"),
                    ZKELECT_EINVAL);
    CU_ASSERT(log_has("the key password has a comma"));
    CU_ASSERT_FALSE(log_has("pass,word")); /* a password never reaches the log */
    /* a key others may read: accepted, with a warning */
    char open_key[600];
    snprintf(open_key, sizeof open_key, "%s", cert("open.key"));
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s' && chmod 644 '%s'", cert("client.key"), open_key, open_key);
    CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
    CU_ASSERT_EQUAL(zkelect_set_tls(e, cert("ca.pem"), cert("client.pem"), open_key, "secret-pw"), ZKELECT_OK);
    CU_ASSERT(log_has("make it 0600"));
    CU_ASSERT_FALSE(log_has("secret-pw"));
    /* TLS and SASL together: the client cannot */
    CU_ASSERT_EQUAL(zkelect_set_sasl(e, "DIGEST-MD5", "alice", cert("alice.password"), NULL, NULL), ZKELECT_ENOTSUP);
    CU_ASSERT(log_has("ZOOKEEPER-3482"));
    zkelect_destroy(e);
    /* on a shared session's election: set on the session instead */
    zkelect_session_t *s = NULL;
    CU_ASSERT_EQUAL_FATAL(zkelect_session_new(&s, server.secure_hosts), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_session_set_tls(s, cert("ca.pem"), cert("client.pem"), cert("client.key"), NULL),
                    ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_session_set_sasl(s, NULL, NULL, NULL, NULL, NULL), ZKELECT_ENOTSUP);
    CU_ASSERT_EQUAL_FATAL(zkelect_new_on_session(&e, s, "/zkelect-tests/tls-bad", "b"), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_tls(e, cert("ca.pem"), cert("client.pem"), cert("client.key"), NULL), ZKELECT_ESTATE);
    CU_ASSERT_EQUAL(zkelect_session_start(s), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_session_wait_connected(s, 20 * SEC), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_session_set_tls(s, cert("ca.pem"), cert("client.pem"), cert("client.key"), NULL),
                    ZKELECT_ESTATE);
    zkelect_destroy(e);
    zkelect_session_destroy(s);
}

/* -------------------------------------------------------------- SASL */

static int sasl_participant(participant_t *p, int idx, const char *path, const char *user, const char *password)
{
    int rc = participant_new(p, idx, &rec, server.hosts, path);
    if (rc)
        return rc;
    zkelect_set_log(p->e, keep_log, NULL);
    zkelect_set_log_level(p->e, ZKELECT_LOG_DEBUG);
    return zkelect_set_sasl(p->e, "DIGEST-MD5", user, cert(password), NULL, NULL);
}

/* DIGEST-MD5 as alice; the election's nodes protected by her SASL
 * identity: a stranger may read them, not write them; her second
 * participant takes over. */
static void test_sasl_digest_protects_the_election(void)
{
    const char *p = test_election(&rec, "sasl");
    static participant_t ps[2];
    for (int i = 0; i < 2; i++) {
        CU_ASSERT_EQUAL_FATAL(sasl_participant(&ps[i], i, p, "alice", "alice.password"), ZKELECT_OK);
        CU_ASSERT_EQUAL(zkelect_set_acl(ps[i].e, "sasl:alice:cdrwa, world:anyone:r"), ZKELECT_OK);
        CU_ASSERT_EQUAL_FATAL(zkelect_start(ps[i].e), ZKELECT_OK);
        CU_ASSERT_FATAL(rec_wait(&rec, i, ZKELECT_EV_JOINED, 0, 20 * SEC) >= 0);
    }
    CU_ASSERT_EQUAL_FATAL(wait_single_leader(ps, 2, 10 * SEC), 0);
    char node[512];
    CU_ASSERT_EQUAL_FATAL(zkelect_node_path(ps[0].e, node, sizeof node), ZKELECT_OK);
    void *stranger = zk_connect(server.hosts);
    CU_ASSERT_PTR_NOT_NULL_FATAL(stranger);
    CU_ASSERT_EQUAL(zoo_set(stranger, node, "x", 1, -1), ZNOAUTH);
    CU_ASSERT_EQUAL(zoo_delete(stranger, node, -1), ZNOAUTH);
    CU_ASSERT_EQUAL(zk_child_count(stranger, p), 2);
    size_t mark = rec_count(&rec);
    participant_destroy(&ps[0]);
    CU_ASSERT(rec_wait(&rec, 1, ZKELECT_EV_ELECTED, mark, 10 * SEC) >= 0);
    participant_destroy(&ps[1]);
    zk_close(stranger);
}

/* A wrong password: the server refuses, said as ZKELECT_EV_ERROR with
 * ZKELECT_EAUTH; never joined. */
static void test_sasl_wrong_password_refused(void)
{
    const char *p = test_election(&rec, "sasl-wrong");
    static participant_t pt;
    forget_log();
    CU_ASSERT_EQUAL_FATAL(sasl_participant(&pt, 0, p, "alice", "wrong.password"), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(pt.e), ZKELECT_OK);
    long at = rec_wait(&rec, 0, ZKELECT_EV_ERROR, 0, 20 * SEC);
    CU_ASSERT_FATAL(at >= 0);
    CU_ASSERT_EQUAL(rec_get(&rec, (size_t)at).error, ZKELECT_EAUTH);
    CU_ASSERT_EQUAL(zkelect_wait_connected(pt.e, 20 * SEC), ZKELECT_EAUTH);
    CU_ASSERT_EQUAL(zkelect_wait_leader(pt.e, 20 * SEC), ZKELECT_EAUTH);
    CU_ASSERT_EQUAL(rec_tally(&rec, 0, ZKELECT_EV_JOINED, 0), 0);
    CU_ASSERT(log_has("refused the SASL authentication (mechanism DIGEST-MD5, user alice)"));
    CU_ASSERT_FALSE(log_has("not-her-secret"));
    participant_destroy(&pt);
}

/* An observer refused (the shape of `zkelect status`): nothing but the
 * refusal wakes the library's keeper, which must see it on a handle opened
 * after it went to sleep. Each of sixteen tries ends at the refusal, not at
 * the wait's deadline (before the fix, about one in six waited it out). */
static void test_sasl_wrong_password_observer_refused(void)
{
    const char *p = test_election(&rec, "sasl-wrong-observer");
    for (int i = 0; i < 16; i++) {
        static participant_t pt;
        CU_ASSERT_EQUAL_FATAL(sasl_participant(&pt, 0, p, "alice", "wrong.password"), ZKELECT_OK);
        CU_ASSERT_EQUAL_FATAL(zkelect_set_observer(pt.e, 1), ZKELECT_OK);
        /* as status runs it: the client's lines, which wake the keeper
         * to say them, are not asked for */
        zkelect_set_log(pt.e, NULL, NULL);
        int64_t t0 = mono_ns();
        CU_ASSERT_EQUAL_FATAL(zkelect_start(pt.e), ZKELECT_OK);
        CU_ASSERT_EQUAL(zkelect_wait_connected(pt.e, 8 * SEC), ZKELECT_EAUTH);
        CU_ASSERT(ms_since(t0) < 5 * SEC);
        participant_destroy(&pt);
    }
}

/* The command line: `zkelect run` over TLS (an encrypted key, its password
 * from a file) leads and runs its command; `zkelect status` over TLS and
 * over SASL names it; a wrong SASL password makes status fail, saying so. */
static void test_cli_over_tls_and_sasl(void)
{
    const char *p = test_election(&rec, "cli");
    const char *tls[] = {"--tls-ca", cert("ca.pem"), "--tls-cert", cert("client.pem"), "--tls-key",
                         cert("client-locked.key"), "--tls-key-password-file", cert("key.password"), NULL};
    pid_t run = start_runner("cli", "tls-runner", server.secure_hosts, p, "echo now-leading; exec sleep 60", tls);
    CU_ASSERT_FATAL(wait_lines(scratch("cli-tls-runner.log"), "now-leading", 1, 30 * SEC));
    char out[4096];
    CU_ASSERT_EQUAL(capture(out, sizeof out, "'%s' status --zk %s --path %s --tls-ca %s --tls-cert %s --tls-key %s",
                            zkelect_bin, server.secure_hosts, p, cert("ca.pem"), cert("client.pem"),
                            cert("client.key")),
                    0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "tls-runner"));
    CU_ASSERT_EQUAL(capture(out, sizeof out,
                            "'%s' status --zk %s --path %s --sasl-mechanism DIGEST-MD5 --sasl-user alice "
                            "--sasl-password-file %s",
                            zkelect_bin, server.hosts, p, cert("alice.password")),
                    0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "tls-runner"));
    /* Refused: exit 1 as soon as the refusal is seen. */
    int64_t t0 = mono_ns();
    CU_ASSERT_EQUAL(capture(out, sizeof out,
                            "'%s' status --zk %s --path %s --connect-timeout 20s --sasl-mechanism DIGEST-MD5 "
                            "--sasl-user alice --sasl-password-file %s 2>&1",
                            zkelect_bin, server.hosts, p, cert("wrong.password")),
                    1);
    CU_ASSERT(ms_since(t0) < 10 * SEC);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "refused the SASL authentication (mechanism DIGEST-MD5, user alice)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "check --sasl-user, --sasl-password-file"));
    CU_ASSERT_PTR_NULL(strstr(out, "not-her-secret"));
    /* a planned stop: the command first, then the node */
    CU_ASSERT_EQUAL(kill(run, SIGTERM), 0);
    CU_ASSERT(wait_exit(run, 20 * SEC) >= 0);
    CU_ASSERT(wait_lines(scratch("cli-tls-runner.log"), "leadership lost (closed)", 1, 5 * SEC));
}

/* The commands end while a member takes their connection and answers no
 * handshake: `status` (a monitoring script) and a `run` that systemd stops
 * leave without the library's destroy, which waits for the handshake (F41),
 * within the bound the command gives it (cli/closing.c: 5 s), and say so.
 * Before the bound, both waited for as long as the member stayed silent. */
static void test_cli_ends_while_a_member_is_silent(void)
{
    const char *p = test_election(&rec, "cli-silent");
    proxy_t *px = proxy_start_opaque(server.secure_port);
    CU_ASSERT_PTR_NOT_NULL_FATAL(px);
    proxy_set_mode(px, PROXY_BLACKHOLE);
    char out[4096];
    int64_t t0 = mono_ns();
    CU_ASSERT_EQUAL(capture(out, sizeof out,
                            "timeout 60 '%s' status --zk %s --path %s --connect-timeout 2s --tls-ca %s --tls-cert %s "
                            "--tls-key %s 2>&1",
                            zkelect_bin, proxy_hosts(px), p, cert("ca.pem"), cert("client.pem"), cert("client.key")),
                    3);
    int64_t status_ms = ms_since(t0);
    CU_ASSERT(status_ms < 2000 + 5000 + 3 * SEC);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "cannot reach ZooKeeper"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "leaving without it"));

    proxy_set_mode(px, PROXY_PASS);
    const char *tls[] = {"--tls-ca", cert("ca.pem"), "--tls-cert", cert("client.pem"), "--tls-key",
                         cert("client.key"), NULL};
    pid_t run = start_runner("cli", "silent-runner", proxy_hosts(px), p, "echo now-leading; exec sleep 60", tls);
    const char *log = scratch("cli-silent-runner.log");
    CU_ASSERT_FATAL(wait_lines(log, "now-leading", 1, 30 * SEC));
    int before = proxy_connections(px);
    proxy_set_mode(px, PROXY_BLACKHOLE);
    CU_ASSERT(wait_lines(log, "leadership lost", 1, 10 * SEC));
    WAIT_FOR(proxy_connections(px) > before, 10 * SEC); /* its reconnection, in the handshake */
    CU_ASSERT(proxy_connections(px) > before);
    int64_t t1 = mono_ns();
    CU_ASSERT_EQUAL(kill(run, SIGTERM), 0);
    CU_ASSERT(wait_exit(run, 20 * SEC) >= 0);
    int64_t run_ms = ms_since(t1);
    CU_ASSERT(run_ms < 5000 + 5 * SEC);
    CU_ASSERT(count_lines(log, "leaving without it") == 1);
    printf("\n    status left %lld ms after its start (--connect-timeout 2s); run %lld ms after SIGTERM ",
           (long long)status_ms, (long long)run_ms);
    if (!is_dead(run))
        stop(run);
    proxy_stop(px);
}

/* Bad SASL settings. */
static void test_sasl_bad_settings(void)
{
    zkelect_t *e = NULL;
    CU_ASSERT_EQUAL_FATAL(zkelect_new(&e, server.hosts, "/zkelect-tests/sasl-bad", "a"), ZKELECT_OK);
    zkelect_set_log(e, keep_log, NULL);
    forget_log();
    CU_ASSERT_EQUAL(zkelect_set_sasl(e, "", "alice", cert("alice.password"), NULL, NULL), ZKELECT_EINVAL);
    CU_ASSERT(log_has("no SASL mechanism"));
    CU_ASSERT_EQUAL(zkelect_set_sasl(e, "DIGEST-MD5", "alice", cert("none.password"), NULL, NULL), ZKELECT_EINVAL);
    CU_ASSERT(log_has("cannot read the password file"));
    CU_ASSERT_EQUAL(zkelect_set_sasl(e, "DIGEST-MD5", "alice", cert("alice.password"), NULL, NULL), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_set_tls(e, cert("ca.pem"), cert("client.pem"), cert("client.key"), NULL), ZKELECT_ENOTSUP);
    zkelect_destroy(e);
}
#endif

int main(void)
{
#if defined(HAVE_ZOOKEEPER_INIT_SSL) && defined(HAVE_ZOOKEEPER_INIT_SASL)
    static const CU_TestInfo tests[] = {
        TEST(test_tls_join_failover_and_handover),
        TEST(test_tls_wrong_ca_refused),
        TEST(test_tls_untrusted_client_refused),
        TEST(test_tls_expired_client_refused),
        TEST(test_tls_and_plaintext_mismatched),
        TEST(test_tls_bad_settings),
        TEST(test_tls_files_read_at_each_connection),
        TEST(test_tls_member_silent_in_handshake),
        TEST(test_sasl_digest_protects_the_election),
        TEST(test_sasl_wrong_password_refused),
        TEST(test_sasl_wrong_password_observer_refused),
        TEST(test_sasl_bad_settings),
        TEST(test_cli_over_tls_and_sasl),
        TEST(test_cli_ends_while_a_member_is_silent),
        CU_TEST_INFO_NULL,
    };
    static const test_suite_t suites[] = {{"TLS and SASL on a real ZooKeeper", start_server, stop_server, tests},
                                          {NULL, NULL, NULL, NULL}};
#else
    static const CU_TestInfo tests[] = {
        TEST(test_refused_without_the_client_feature),
        CU_TEST_INFO_NULL,
    };
    static const test_suite_t suites[] = {{"without TLS and SASL in the client", NULL, NULL, tests},
                                          {NULL, NULL, NULL, NULL}};
#endif
    rec_init(&rec);
    int rc = run_suites(suites);
    rec_destroy(&rec);
    return rc;
}
