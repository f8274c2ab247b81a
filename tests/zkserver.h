/* zkserver.h - a real ZooKeeper for the tests, the demo and the benchmark:
 * the Debian package's server on 127.0.0.1 ports of its own, with its own
 * data directory, started, paused, killed, restarted and stopped by PID.
 * ZK_JAVA_OPTS replaces the JVM flags (default: a small heap and the quick
 * JIT, to start fast); JAVA names the java binary; ZKELECT_TEST_KEEP keeps
 * the data directories. */
#ifndef ZKELECT_TEST_ZKSERVER_H
#define ZKELECT_TEST_ZKSERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* ------------------------------------------------------------ the server */

typedef struct zk_server {
    pid_t pid;
    int port;
    char dir[256];
    char hosts[64];     /* "127.0.0.1:PORT" */
    bool detached;      /* outlives the process that started it (zk-local) */
    int max_session_ms; /* the longest session it grants; 0: 600000 (may be set before zk_server_start) */
    /* zk_server_start_secure(): TLS on a second port, SASL through JAAS */
    int secure_port;
    char secure_hosts[64]; /* "127.0.0.1:SECURE_PORT" */
    char jaas[256];        /* the JAAS configuration file, or "" */
} zk_server_t;

/* Start a standalone ZooKeeper on a free loopback port, in a temp dir, and
 * wait until it serves. 0 on success. The server is killed if the test
 * process dies (PR_SET_PDEATHSIG) and by zk_server_stop(). */
int zk_server_start(zk_server_t *s, int tick_ms);
/* The same with TLS on a second port (secure_port) and SASL: tls_config is
 * the zoo.cfg lines of the key and trust stores, jaas a JAAS file with the
 * users DIGEST-MD5 accepts (either may be NULL). The server then uses Netty,
 * with Debian's netty jars on its class path. */
int zk_server_start_secure(zk_server_t *s, int tick_ms, const char *tls_config, const char *jaas);
/* zk-local's: in dir, outliving the caller, granting sessions up to
 * max_session_ms. */
int zk_server_start_detached(zk_server_t *s, const char *dir, int tick_ms, int max_session_ms);
/* The same on a given port. */
int zk_server_start_on(zk_server_t *s, int tick_ms, int port);
int zk_free_port(void);
/* Stop and remove its directory. */
void zk_server_stop(zk_server_t *s);
/* SIGKILL, keeping its data; then start it again on the same port and data. */
void zk_server_kill(zk_server_t *s);
int zk_server_restart(zk_server_t *s, bool wait);
int zk_server_wait_serving(zk_server_t *s);
/* It answers, as a standalone server or a member of a quorum. */
bool zk_server_serving(const zk_server_t *s);
/* Transactions whose result did not match the ensemble leader's digest of
 * the data tree since the member started (mntr's
 * zk_digest_mismatches_count): more than 0 means its tree diverged from the
 * leader's, a ZooKeeper fault. -1 if it does not answer. */
long zk_server_digest_mismatches(const zk_server_t *s);
/* Kill it, erase its data (sessions and tree), start it again empty. */
int zk_server_rebuild_empty(zk_server_t *s);
/* The ensemble's leader (or a standalone server). */
bool zk_server_is_leader(const zk_server_t *s);

/* An ensemble on loopback: 3 members (zk_ensemble_start()), or up to 5. */
#define ZK_ENSEMBLE 3
#define ZK_ENSEMBLE_MAX 5
typedef struct zk_ensemble {
    zk_server_t member[ZK_ENSEMBLE_MAX];
    int n;
    char hosts[512];
} zk_ensemble_t;

int zk_ensemble_start(zk_ensemble_t *ens, int tick_ms);
int zk_ensemble_start_n(zk_ensemble_t *ens, int members, int tick_ms);
void zk_ensemble_stop(zk_ensemble_t *ens);
/* Index of the member that leads the ensemble, or -1. */
int zk_ensemble_leader(zk_ensemble_t *ens);
/* SIGSTOP / SIGCONT the server JVM. */
void zk_server_pause(zk_server_t *s, bool paused);

/* ---------------------------------------------------------------- time */

/* Deadlines and durations in the tests are in milliseconds: 10 * SEC. */
#define SEC 1000

int64_t mono_ns(void);
/* CLOCK_BOOTTIME, the library's lease clock (deadlines, successor bounds). */
int64_t boot_ns(void);
/* Sleep a little in a polling loop: only ever used together with a deadline. */
void poll_pause(void);

/* Wait until COND holds, looking again every poll_pause(), for at most
 * TIMEOUT_MS. It decides nothing: the test asserts COND after it, so a
 * condition that never came fails there, with its own words. */
#define WAIT_FOR(cond, timeout_ms)                                                                                   \
    for (int64_t wait_for_deadline_ = mono_ns() + (int64_t)(timeout_ms) * 1000000;                                   \
         !(cond) && mono_ns() < wait_for_deadline_;)                                                                 \
    poll_pause()

#endif
