/*
 * zkelect.h - leader election on Apache ZooKeeper.
 *
 * Copyright (c) 2026 the zkelect developers. Licensed under the Apache License 2.0.
 *
 * One zkelect_t is one participant in one election. Each participant creates an
 * EPHEMERAL_SEQUENTIAL znode under the election path; the lowest sequence number
 * leads, every other participant watches only its immediate predecessor, so a
 * leader change wakes exactly one participant whatever the number of contenders.
 * The host learns through one callback when it becomes leader and when it stops,
 * with a fencing token (the czxid of its znode) that only grows from term to term.
 *
 * This header is the manual; zkelect(3) follows it.
 *
 * ===================================================================== Threads
 *
 * - A zkelect_t owns two threads besides the ZooKeeper client's two: the
 *   dispatch thread, which runs every callback, in order, one at a time; and
 *   the keeper thread, which renews the leadership lease, revokes leadership
 *   at the lease deadline and replaces an expired session. The elections of
 *   a shared session (zkelect_session_t) have no threads of their own: the
 *   session's two serve them all. User code never runs on ZooKeeper's
 *   threads, and never while the library holds a lock.
 * - A slow callback delays later callbacks of the same handle (of the same
 *   session, for a shared session's elections), but never
 *   ZooKeeper's processing, the lease timer or zkelect_is_leader(): the lease
 *   deadline is enforced even while a callback blocks.
 * - Allowed from inside a callback: every query (zkelect_is_leader,
 *   zkelect_epoch, zkelect_lease_deadline, zkelect_stats, zkelect_get_leader,
 *   zkelect_participants, ...), zkelect_resign(), zkelect_leave(),
 *   zkelect_rejoin() and zkelect_destroy(). zkelect_get_leader() and
 *   zkelect_participants() wait for ZooKeeper, at most the query timeout;
 *   zkelect_participants_async() does not wait.
 *   A destroy called from a callback is deferred: it returns at once and the
 *   handle is torn down right after the callback returns; the handle must not
 *   be used after the destroy call. zkelect_wait_leader() and
 *   zkelect_wait_connected() from a callback return ZKELECT_ESTATE at once
 *   (they would wait for an event that only this thread can deliver).
 * - Queries, zkelect_resign(), zkelect_leave() and zkelect_rejoin() may be
 *   called from any thread at any time between zkelect_new() and
 *   zkelect_destroy(). Setters
 *   (zkelect_set_*) are allowed only before zkelect_start(). zkelect_destroy() must not run
 *   concurrently with any other call on the same handle.
 * - The log function may be called from any thread, including ZooKeeper's, and
 *   possibly while the library holds internal locks: it must be quick and must
 *   not call zkelect functions on the same handle.
 * - Handles share nothing: no global state, no init function. Different
 *   handles may be used from different threads freely.
 * - Signals: every thread the library starts, its own and the ZooKeeper
 *   client's, blocks every asynchronous signal (all but those a fault
 *   raises, such as SIGSEGV), so a signal sent to the process is always
 *   delivered to one of the host's threads. A host may block SIGTERM after
 *   zkelect_start() and read it from a signalfd or with sigwait(). Callbacks
 *   on the dispatch thread therefore run with signals blocked.
 * - fork(): a handle (and a zkelect_session_t) belongs to the process that
 *   created it. In a child of fork() every call on it returns ZKELECT_ESTATE
 *   and logs why, zkelect_is_leader() is 0 and zkelect_epoch() -1 (the child
 *   never leads on its parent's term), and zkelect_destroy() does nothing
 *   (the child's copy of the handle is left as it is; the parent's election
 *   is untouched). A child that needs an election of its own creates its own
 *   handle. The check costs no system call on Linux 4.14 and later (the
 *   library keeps a mark in a page the kernel wipes in the child); the
 *   library installs no fork handlers.
 * - Manual dispatch (zkelect_set_dispatch_mode(), ZKELECT_DISPATCH_MANUAL)
 *   removes the dispatch thread: callbacks then run only inside
 *   zkelect_dispatch() and zkelect_destroy(), on the thread that calls them,
 *   for hosts with their own event loop. The rules above hold with "the
 *   dispatch thread" read as "the thread inside zkelect_dispatch()". The
 *   keeper thread still enforces the lease, so zkelect_is_leader() turns 0 at
 *   the deadline even if the loop never dispatches. The log function is not
 *   an event callback: it may still be called from any thread.
 *
 * ================================================================== Guarantees
 *
 * - No two leaders: zkelect_is_leader() is true only while the participant is
 *   elected AND the local clock (CLOCK_BOOTTIME) is before the lease deadline
 *   D = a + f*T (T the granted session timeout, f the lease fraction, a the
 *   send time of the last request the server answered), which comes before
 *   the server can let a successor in. docs/GUARANTEES.md argues it and
 *   states its assumptions.
 * - Fencing: every term carries an epoch, the czxid of the leader's znode. It
 *   strictly increases from term to term within one election, also across a
 *   deletion and re-creation of the election path. Resources that accept work
 *   from a leader should reject an epoch lower than the highest they have seen.
 * - Pairing: REVOKED is delivered only after ELECTED, with the same epoch, and
 *   never twice for one term.
 * - Hand-over: a leader that resigns, leaves or is destroyed deletes its znode
 *   together with a write to it, in one transaction (native format). Its
 *   successor, however far back it was when it last listed the election, is
 *   told by its one notification that nothing is left ahead, and leads
 *   without a request first (given an answer from the server on its session
 *   younger than about T/2; else after one listing). By default only the
 *   session that created a znode can write it (see zkelect_set_acl()), so a
 *   write is a hand-over; under an ACL of the host's that lets others write,
 *   the successor lists the election before it believes one, and a foreign
 *   write elects nobody. A leader watches its own znode: its deletion or a
 *   write to it by someone else ends its term at once, from one
 *   notification.
 */
#ifndef ZKELECT_H
#define ZKELECT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && __GNUC__ >= 4
#define ZKELECT_EXPORT __attribute__((visibility("default")))
#else
#define ZKELECT_EXPORT
#endif

/* ====================================================================== Errors
 *
 * Every function that can fail returns ZKELECT_OK (0) or one of these negative
 * codes; zkelect_strerror() names them. Each failure is also described through
 * the log function, when one is set, with the details (the offending input,
 * ZooKeeper's own error). A function that fails changes nothing.
 */
#define ZKELECT_ERRNO_MAP(XX)                                                       \
    XX(OK, 0, "success")                                                            \
    XX(EINVAL, -1, "invalid argument")                                              \
    XX(ENOMEM, -2, "out of memory")                                                 \
    XX(ESTATE, -3, "operation not allowed in the handle's current state")           \
    XX(ETIMEDOUT, -4, "timed out")                                                  \
    XX(EZK, -5, "ZooKeeper error")                                                  \
    XX(EAUTH, -6, "not authorized by ZooKeeper")                                    \
    XX(ERANGE, -7, "buffer too small")                                              \
    XX(ENOLEADER, -8, "no leader")                                                  \
    XX(ETOOBIG, -9, "data too large")                                               \
    XX(ENAMETOOLONG, -10, "name or path too long")                                  \
    XX(ENOTCONN, -11, "not connected to ZooKeeper")                                 \
    XX(ESYS, -12, "system error")                                                   \
    XX(ENOPATH, -13, "the election path does not exist")                            \
    XX(ENOTSUP, -14, "not supported by the ZooKeeper client zkelect was built with")

typedef enum zkelect_error {
#define ZKELECT_ERROR_ENUM(name, value, text) ZKELECT_##name = (value),
    ZKELECT_ERRNO_MAP(ZKELECT_ERROR_ENUM)
#undef ZKELECT_ERROR_ENUM
} zkelect_error_t;

/* The text for a code; "unknown error" for a code that is not listed. Never NULL. */
ZKELECT_EXPORT const char *zkelect_strerror(int err);

/* ===================================================================== Limits */

/* Longest accepted election path, in bytes (ZKELECT_ENAMETOOLONG beyond). */
#define ZKELECT_PATH_MAX 1024
/* Longest accepted participant id, in bytes (ZKELECT_ENAMETOOLONG beyond). */
#define ZKELECT_ID_MAX 255
/* Largest accepted payload for zkelect_set_data(), in bytes (ZKELECT_ETOOBIG
 * beyond). It keeps the whole create request under ZooKeeper's default
 * jute.maxbuffer (1,048,575 bytes), past which the server drops the
 * connection instead of answering with an error. */
#define ZKELECT_DATA_MAX 1000000

/* The ranges of the numeric settings, each end with its reason
 * (zkelect_check_setting() says it): a session timeout in ms the server
 * could grant; a lease fraction that outlives a renewal (sent every T/4)
 * and leaves at least T/10 before the server may expire the session; a
 * query timeout that a lookup's two round trips can fit in. */
#define ZKELECT_SESSION_TIMEOUT_MIN 100
#define ZKELECT_SESSION_TIMEOUT_MAX 3600000
#define ZKELECT_LEASE_FRACTION_MIN 0.3
#define ZKELECT_LEASE_FRACTION_MAX 0.9
#define ZKELECT_QUERY_TIMEOUT_MIN 10
#define ZKELECT_QUERY_TIMEOUT_MAX 3600000
/* A participant's priority (zkelect_set_priority()): the higher leads first. */
#define ZKELECT_PRIORITY_MIN (-1000)
#define ZKELECT_PRIORITY_MAX 1000
/* Longest preemption delay (zkelect_set_preemption()), in ms: a day. */
#define ZKELECT_PREEMPTION_MAX 86400000

/*
 * Check a value of a numeric setting as its setter does, without a handle,
 * and say why it is refused: setting is the setter's name without
 * "zkelect_set_" ("session_timeout", "lease_fraction", "query_timeout",
 * "priority", "preemption";
 * zkelect_session_set_timeout() is "session_timeout"). On a refusal, why
 * (unless NULL or len 0) receives one sentence, e.g.
 *   lease_fraction 0.1 is outside 0.3..0.9: the lease would end before ...
 * truncated to len; on success "". Returns ZKELECT_OK or ZKELECT_EINVAL (a
 * value out of range, not a number, a fraction where ms are whole; an
 * unknown setting). Any thread; no handle needed.
 */
ZKELECT_EXPORT int zkelect_check_setting(const char *setting, double value, char *why, size_t len);

/* =================================================================== Lifecycle */

/* One participant in one election. Opaque. */
typedef struct zkelect zkelect_t;

/*
 * Create a participant. Nothing is sent to ZooKeeper until zkelect_start().
 *
 * zk_hosts:       "host:port[,host:port...][/chroot]"; each port 1..65535.
 * election_path:  absolute znode path, e.g. "/services/billing/leader": no
 *                 trailing '/', no empty, "." or ".." segment, valid UTF-8
 *                 without control characters, not "/" and not under the
 *                 reserved "/zookeeper", at most ZKELECT_PATH_MAX bytes.
 *                 Missing parents are created when the participant joins.
 * participant_id: how others see this participant (zkelect_get_leader(),
 *                 zkelect_participants()): 1..ZKELECT_ID_MAX bytes of valid
 *                 UTF-8 without control characters. NULL picks
 *                 "<hostname>:<pid>". Ids need not be unique.
 *
 * Returns ZKELECT_OK and *out, or ZKELECT_EINVAL (NULL out, a malformed host
 * string, a bad path or id), ZKELECT_ENAMETOOLONG, ZKELECT_ENOMEM,
 * ZKELECT_ESYS. On failure *out is set to NULL.
 * As no log function can be set yet, the reason for a rejected argument is
 * only in the return code: zkelect_check_arguments() tells it.
 */
ZKELECT_EXPORT int zkelect_new(zkelect_t **out, const char *zk_hosts, const char *election_path,
                               const char *participant_id);

/*
 * Check arguments the way zkelect_new(), zkelect_session_new() and
 * zkelect_new_on_session() do, without creating anything, and say why one is
 * refused: zkelect_new() has no log function to say it. NULL skips an
 * argument. On a refusal, why (unless NULL or len 0) receives one sentence
 * that names the argument, e.g.
 *   election_path: the root "/" cannot be an election path
 * truncated to len; on success it is set to "". Returns what zkelect_new()
 * would for these arguments: ZKELECT_OK, ZKELECT_EINVAL or
 * ZKELECT_ENAMETOOLONG. Any thread; no handle needed.
 */
ZKELECT_EXPORT int zkelect_check_arguments(const char *zk_hosts, const char *election_path,
                                           const char *participant_id, char *why, size_t len);

/*
 * Join the election. Returns at once: connecting, creating the election path
 * and the participant's znode proceed in the background, and go on by
 * themselves after a disconnection or a session expiry, until
 * zkelect_destroy(). An unreachable server, or host names that do not
 * resolve (yet), is not an error here: the library keeps trying, and says
 * so in the log and as ZKELECT_EV_ERROR (see zkelect_wait_connected()).
 *
 * Returns ZKELECT_OK, ZKELECT_ESTATE if already started,
 * ZKELECT_ESYS/ZKELECT_ENOMEM if a thread or the client could not be
 * created.
 */
ZKELECT_EXPORT int zkelect_start(zkelect_t *e);

/*
 * Give up the current place in line and rejoin at the back. If leading, the
 * participant stops leading at once (zkelect_is_leader() is 0 when this
 * returns) and REVOKED (reason ZKELECT_REASON_RESIGNED) is delivered before
 * the znode is deleted, so that the host has stopped before any successor can
 * be elected. A follower simply moves to the back of the line. After a
 * ZKELECT_EV_STEP_DOWN that named a successor (zkelect_request_move()), a
 * leader hands over to that one, if it still stands. With priorities, the
 * back of the line is behind its successor: the participant rejoins once
 * that one holds the lock (or nobody else stands, or after T).
 * Allowed from inside a callback.
 *
 * Returns ZKELECT_OK, ZKELECT_EINVAL (NULL), ZKELECT_ESTATE (not started).
 */
ZKELECT_EXPORT int zkelect_resign(zkelect_t *e);

/*
 * Leave the election for good but keep the session: like zkelect_resign()
 * (REVOKED, reason ZKELECT_REASON_LEFT, is delivered before the znode is
 * deleted, and a successor is elected at once), except that the participant
 * does not rejoin. The handle stays connected, its queries keep working,
 * until zkelect_destroy(). Use it to step down and stay down, or to hand
 * over first and close the session afterwards. A create whose reply was lost
 * at that very moment leaves its node to the session: it goes at
 * zkelect_destroy(). Allowed from inside a callback; calling it again does
 * nothing.
 *
 * Returns ZKELECT_OK, ZKELECT_EINVAL (NULL), ZKELECT_ESTATE (not started,
 * or an observer).
 */
ZKELECT_EXPORT int zkelect_leave(zkelect_t *e);

/*
 * Stand for election again after zkelect_leave(), at the back of the line,
 * on the same session: a new znode, a JOINED, and ELECTED when first. For a
 * host that steps out of line while it cannot serve (a failed health check)
 * and back in once it can. Allowed from inside a callback.
 *
 * Returns ZKELECT_OK, ZKELECT_EINVAL (NULL), ZKELECT_ESTATE (not started,
 * an observer, or not left).
 */
ZKELECT_EXPORT int zkelect_rejoin(zkelect_t *e);

/*
 * Leave the election and free the handle. If leading, the participant stops
 * leading at once and REVOKED (reason ZKELECT_REASON_CLOSED) is delivered;
 * then the znode is deleted and the session closed, so that a successor is
 * elected at once rather than after the session timeout. A create still in
 * flight is cleaned up: no znode is left behind. The destroy waits for the
 * server's answers only briefly: when the connection has gone silent it
 * returns within about 2 s (up to 0.5 s for replies to requests in flight,
 * then the ZooKeeper client's own 1.5 s wait for the close), and the znode
 * goes with the session when the server expires it. With TLS, a
 * reconnection whose handshake the server does not answer holds the
 * destroy until it answers or the connection fails: the ZooKeeper client's
 * handshake has no deadline (docs/GUIDE.md "Connecting securely").
 *
 * Waits for a callback running on another thread to return. Called from
 * inside a callback it returns at once and the teardown happens after that
 * callback returns. NULL is allowed and does nothing.
 */
ZKELECT_EXPORT void zkelect_destroy(zkelect_t *e);

/* ================================================================== Settings
 *
 * All setters are allowed only before zkelect_start() (ZKELECT_ESTATE after)
 * and return ZKELECT_EINVAL for a NULL handle.
 */

/* Requested session timeout, ZKELECT_SESSION_TIMEOUT_MIN..MAX ms (default
 * 10000). The server clamps it to its [minSessionTimeout,
 * maxSessionTimeout]; the lease always uses the timeout the server
 * granted. */
ZKELECT_EXPORT int zkelect_set_session_timeout(zkelect_t *e, int timeout_ms);

/* Optional payload stored with the participant's znode (e.g. "host:port"),
 * returned by zkelect_participants(). The bytes are copied. len 0 clears it
 * (data may then be NULL). ZKELECT_ETOOBIG above ZKELECT_DATA_MAX bytes;
 * ZKELECT_EINVAL with a payload in the Curator or kazoo format
 * (zkelect_set_format()), whose nodes hold the id alone. */
ZKELECT_EXPORT int zkelect_set_data(zkelect_t *e, const void *data, size_t len);

/* What counts as losing leadership when the connection to ZooKeeper drops. */
typedef enum zkelect_disconnect_policy {
    /* Default. Stop leading as soon as the client library reports a
     * disconnection; on reconnection within the session, lead again (same
     * znode, same epoch) if still first in line. The safe, eager choice. */
    ZKELECT_POLICY_STRICT = 0,
    /* Keep leading through a short disconnection and stop only at the lease
     * deadline if no reply arrived by then. Rides out a blip without a
     * REVOKED/ELECTED pair; never unsafe, because the deadline comes before
     * the server can expire the session. */
    ZKELECT_POLICY_LEASE = 1
} zkelect_disconnect_policy_t;

ZKELECT_EXPORT int zkelect_set_disconnect_policy(zkelect_t *e, int policy);

/* The lease fraction f in D = a + f*T, ZKELECT_LEASE_FRACTION_MIN..MAX
 * (default 2/3). A larger f keeps leadership longer through silence but
 * leaves less time between the end of the lease and the earliest moment the
 * server can expire the session (the margin for the host to stop its work
 * and for clock rate error). */
ZKELECT_EXPORT int zkelect_set_lease_fraction(zkelect_t *e, double fraction);

/* Credentials for ZooKeeper, sent on every (re)connection (zoo_add_auth), e.g.
 * scheme "digest" with credential "user:password".
 * The ACLs the library gives what it creates, unless zkelect_set_acl() says
 * otherwise:
 * - The participant's own znode: its session may do everything, the world
 *   may only read. Each session proves an identity of its own for this, a
 *   random digest user ("zkelect-" and 16 hex digits) and password added on
 *   every connection, so nobody else (credentials or not, the host's own
 *   other sessions included) can write or re-ACL the node; only a
 *   superuser can.
 * - Missing parents of the election path: with credentials, "the creator
 *   may do everything, the world may read" (with digest credentials the
 *   entry names that user, e.g. digest:billing:HASH); without, the open ACL.
 * ZooKeeper checks a create and a delete against the parent's ACL, so an
 * election path with the open ACL lets anyone add contenders or delete
 * participants' nodes: the library says so in one WARNING (zkelect_stats()
 * acl_open), and credentials or an ACL close it (docs/GUARANTEES.md, "The
 * ACL of the election path"). Refused
 * credentials surface as ZKELECT_EV_ERROR with ZKELECT_EAUTH: an unknown
 * scheme at connection (the participant stops: REVOKED with reason
 * ZKELECT_REASON_AUTH_FAILED if it led), a digest with the wrong password as
 * soon as the server refuses a create (ZooKeeper accepts any digest and only
 * refuses what that identity may not do); such a join is retried with a
 * backoff growing to 30 s, not in a loop. NULL or empty scheme, NULL
 * credential or len 0: ZKELECT_EINVAL. */
ZKELECT_EXPORT int zkelect_set_auth(zkelect_t *e, const char *scheme, const void *credential, size_t len);

/* The ACL of every node the library creates (missing parents of the election
 * path and the participant's own node), instead of the defaults above. acl is
 * text in ZooKeeper's CLI notation: comma-separated "scheme:id:perms" entries,
 * perms some of c (create), d (delete), r (read), w (write), a (admin), e.g.
 *   "auth::cdrwa,world:anyone:r"
 *   "digest:ops:HASH:cdrwa,ip:10.0.0.0/8:r,sasl:svc@REALM:cdrwa"
 * Schemes:
 * - world: the id "anyone";
 * - auth: an empty id, the creator's identities; it needs credentials, or
 *   zkelect_start() returns ZKELECT_EAUTH;
 * - digest: "user:" and the base64 of SHA-1 of "user:password", 28
 *   characters (never the password);
 * - ip: an IPv4 address, optionally /bits (ZooKeeper has no IPv6 ip ACLs);
 * - sasl: a principal.
 * Every participant must be able to read the nodes of the others and list
 * the parent: an ACL where no entry grants r is refused. A write permission
 * for the participant itself on its node lets a leaving leader hand over at
 * once (the hand-over, docs/GUARANTEES.md G20); without it, the hand-over falls back to a
 * plain delete. As others may be allowed to write too, a participant with
 * an ACL of its host's lists the election before it takes its predecessor's
 * write for a hand-over: one round trip more on that path. With digest
 * credentials, "auth" is written out as the user's digest id. Allowed on an
 * election on a shared session too (the ACL is
 * the election's; the credentials are the session's).
 * ZKELECT_EINVAL, with the entry named in the log, for NULL, an empty or
 * malformed text, an unknown scheme or permission, an id the scheme does not
 * accept, more than 64 entries or more than 16384 bytes; the previous ACL
 * then stays. An ACL the server still refuses (a scheme it has no provider
 * for) is ZKELECT_EV_ERROR with ZKELECT_EAUTH, and the join is retried with
 * a backoff. */
ZKELECT_EXPORT int zkelect_set_acl(zkelect_t *e, const char *acl);

/*
 * Lock the election path: give it the ACL that the parents the library
 * creates get (zkelect_set_acl()'s, or with credentials "the creator may do
 * everything, the world may read"), creating what is missing of it first.
 * An election whose path was created open lets anyone add contenders and
 * delete those in line (the library warns about it; zkelect_stats()
 * acl_open); this closes it. Once locked, only those the ACL names may
 * join. For an operator (`zkelect lockdown`) or a host that wants its path
 * closed whoever created it; an observer handle may do it too. ZooKeeper
 * needs ADMIN on the path for it (an open path grants it to anyone). Waits
 * for ZooKeeper, at most the query timeout. Returns ZKELECT_OK,
 * ZKELECT_EINVAL (NULL; or neither credentials nor an ACL, so nothing to
 * lock it to), ZKELECT_ESTATE (not started, or from a callback),
 * ZKELECT_ENOTCONN, ZKELECT_ETIMEDOUT, ZKELECT_EAUTH (ZooKeeper refused:
 * the session may not change the path's ACL), ZKELECT_EZK.
 */
ZKELECT_EXPORT int zkelect_lock_path(zkelect_t *e);

/* =================================================================== Logging */

typedef enum zkelect_log_level {
    ZKELECT_LOG_ERROR = 0,
    ZKELECT_LOG_WARN = 1,
    ZKELECT_LOG_INFO = 2,
    ZKELECT_LOG_DEBUG = 3
} zkelect_log_level_t;

/* Receives one message (no trailing newline) at a time. See "Threads" for the
 * rules it must follow. The ZooKeeper client's own messages, from each of its
 * threads (its I/O thread is the one that says why a connection failed), are
 * passed along too, tagged "zookeeper:", at the level the client gave them.
 * While the session is not connected (the library is retrying), each
 * distinct line is passed once, as a warning, and its repeats are dropped
 * until a connection is made: the cause of an outage is said once. Beyond
 * that, at most 20 lines per 10 s per session, so that a flapping
 * connection cannot flood the host's log. At the end of each 10 s window
 * one line says how many were dropped, and zkelect_stats() counts them. The client's threads are named "zk" and 12
 * characters by which the library tells whose they are; its own threads are
 * "zke-dispatch" and "zke-keeper". */
typedef void (*zkelect_log_fn)(zkelect_t *e, int level, const char *message, void *userdata);

/* zkelect_set_log() sets the log function and its userdata; fn NULL turns
 * logging off (the default): the library never writes to stdout or stderr
 * by itself. zkelect_set_log_level() sets the most verbose level the
 * function receives (default ZKELECT_LOG_INFO); ZKELECT_EINVAL for a level
 * outside ZKELECT_LOG_ERROR..ZKELECT_LOG_DEBUG. */
ZKELECT_EXPORT int zkelect_set_log(zkelect_t *e, zkelect_log_fn fn, void *userdata);
ZKELECT_EXPORT int zkelect_set_log_level(zkelect_t *e, int level);

/* ============================================================ Shared sessions
 *
 * A daemon that leads many shards (one election each) runs them all on one
 * ZooKeeper session instead of one session per election:
 *
 *   zkelect_session_t *s;
 *   zkelect_session_new(&s, "zk1:2181,zk2:2181");
 *   zkelect_session_start(s);
 *   for each shard:
 *       zkelect_new_on_session(&e[i], s, "/shards/<i>/leader", "host-7");
 *       zkelect_set_callback(e[i], on_event, &shard[i]);
 *       zkelect_start(e[i]);
 *   ...
 *   zkelect_destroy(e[i]) for each shard, zkelect_session_destroy(s).
 *
 * - Each election keeps every guarantee of a standalone handle: its own
 *   node, line, predecessor watch, lease, epochs and events.
 * - The session's events reach all of its elections: a disconnection revokes
 *   each leader under ZKELECT_POLICY_STRICT, and an expiry revokes every
 *   election it carries (REVOKED, reason EXPIRED) before they all rejoin on
 *   the new session.
 * - The session owns the threads (one keeper, one dispatch thread, whatever
 *   the number of elections): the callbacks of all its elections run on its
 *   one dispatch thread, in the order their events happened.
 * - Session-wide settings (timeout, credentials) are set on the session;
 *   zkelect_set_session_timeout(), zkelect_set_auth() and
 *   zkelect_set_dispatch_mode() on an election of a shared session return
 *   ZKELECT_ESTATE. Other settings are per election; the log function and
 *   level start as the session's. Messages about the session itself, and the
 *   ZooKeeper client's, go to the session's log function with a NULL handle.
 * - zkelect_destroy() on one election deletes its node (its successor is
 *   elected at once) and leaves the session and the other elections alone.
 *   It waits for a callback running on the session's dispatch thread to
 *   return; from a callback it is deferred, as for a standalone handle.
 */
typedef struct zkelect_session zkelect_session_t;

/* A session to ZooKeeper for many elections. Nothing is sent until
 * zkelect_session_start(). Returns ZKELECT_OK and *out, ZKELECT_EINVAL
 * (NULL out, malformed hosts: zkelect_check_arguments() says why),
 * ZKELECT_ENOMEM, ZKELECT_ESYS. */
ZKELECT_EXPORT int zkelect_session_new(zkelect_session_t **out, const char *zk_hosts);

/* Before zkelect_session_start(), as zkelect_set_session_timeout(),
 * zkelect_set_auth(), zkelect_set_log() and zkelect_set_log_level(). */
ZKELECT_EXPORT int zkelect_session_set_timeout(zkelect_session_t *s, int timeout_ms);
ZKELECT_EXPORT int zkelect_session_set_auth(zkelect_session_t *s, const char *scheme, const void *credential,
                                            size_t len);
ZKELECT_EXPORT int zkelect_session_set_log(zkelect_session_t *s, zkelect_log_fn fn, void *userdata);
ZKELECT_EXPORT int zkelect_session_set_log_level(zkelect_session_t *s, int level);

/* Connect; returns at once, like zkelect_start(). ZKELECT_ESTATE if started. */
ZKELECT_EXPORT int zkelect_session_start(zkelect_session_t *s);

/* As zkelect_wait_connected(), for the session. */
ZKELECT_EXPORT int zkelect_session_wait_connected(zkelect_session_t *s, int timeout_ms);

/* An election on the session: a zkelect_t like one from zkelect_new(), used
 * and destroyed the same way. Its zkelect_start() needs the session started
 * (ZKELECT_ESTATE otherwise). Errors as zkelect_new(), and ZKELECT_EINVAL for
 * a NULL session; why a path or id is refused goes to the session's log
 * function. */
ZKELECT_EXPORT int zkelect_new_on_session(zkelect_t **out, zkelect_session_t *s, const char *election_path,
                                          const char *participant_id);

/* Destroy the elections still on the session (each gets REVOKED(closed) if
 * leading), close the session and free it. Not from a callback: it then
 * logs an error and does nothing. NULL does nothing. */
ZKELECT_EXPORT void zkelect_session_destroy(zkelect_session_t *s);

/* ======================================================= Connecting securely
 *
 * TLS to ZooKeeper's secureClientPort, or SASL authentication, for every
 * connection of the session (docs/GUIDE.md "Connecting securely"). Both
 * need a ZooKeeper C client built with OpenSSL and Cyrus SASL; Debian's is
 * built without: with it these return ZKELECT_ENOTSUP, and the log says how
 * to get one (scripts/secure-client.sh, then configure --with-zookeeper).
 * The client cannot do both on one connection (ZOOKEEPER-3482): setting one
 * when the other is set is ZKELECT_ENOTSUP too. Before zkelect_start() (a
 * standalone handle) or zkelect_session_start(); on an election of a shared
 * session ZKELECT_ESTATE (set them on the session).
 */

/* TLS, mutual: the server's certificate must chain to ca_file (PEM); the
 * client presents cert_file (PEM, with its chain) and key_file (PEM),
 * decrypted with key_password if it is not NULL. The client checks the
 * chain, not the server's host name: give the ensemble a CA of its own.
 * The files are read at each connection, so a renewed certificate is taken
 * at the next one; the password is copied, kept only in memory, wiped at
 * destroy and never logged. A key file others may read is logged as a
 * warning (keep it 0600). The client takes the four as one comma-separated
 * string, so none may contain a comma. With TLS the client takes no log
 * function at its start: its first lines of each connection attempt
 * ("Initiating client connection") go to stderr. Returns ZKELECT_OK,
 * ZKELECT_EINVAL (NULL or empty file name, a comma, a file that cannot be
 * read), ZKELECT_ESTATE, ZKELECT_ENOMEM, ZKELECT_ENOTSUP. */
ZKELECT_EXPORT int zkelect_set_tls(zkelect_t *e, const char *ca_file, const char *cert_file, const char *key_file,
                                   const char *key_password);
ZKELECT_EXPORT int zkelect_session_set_tls(zkelect_session_t *s, const char *ca_file, const char *cert_file,
                                           const char *key_file, const char *key_password);

/* SASL: mechanism is "DIGEST-MD5" or "GSSAPI" (Kerberos; the credentials
 * then come from the ticket cache or KRB5_CLIENT_KTNAME, and user and
 * password_file may be NULL); user the name to authenticate as;
 * password_file a file whose first line is the password, read at each
 * authentication (never the password itself, so that it is in no
 * configuration and no argument list); service ("zookeeper" if NULL) and
 * host ("zk-sasl-md5" if NULL, DIGEST-MD5's default) as the server's JAAS
 * configuration names them. The session's nodes can then be protected by
 * ACL entries naming the SASL identity ("sasl:user:cdrwa",
 * zkelect_set_acl()). A refused authentication is ZKELECT_EV_ERROR with
 * ZKELECT_EAUTH. Returns ZKELECT_OK, ZKELECT_EINVAL (NULL or empty
 * mechanism, a password file that cannot be read), ZKELECT_ESTATE,
 * ZKELECT_ENOMEM, ZKELECT_ENOTSUP. */
ZKELECT_EXPORT int zkelect_set_sasl(zkelect_t *e, const char *mechanism, const char *user, const char *password_file,
                                    const char *service, const char *host);
ZKELECT_EXPORT int zkelect_session_set_sasl(zkelect_session_t *s, const char *mechanism, const char *user,
                                            const char *password_file, const char *service, const char *host);

/* ===================================================================== Events */

typedef enum zkelect_event_type {
    /* This participant leads. ev->epoch is the term's fencing token. */
    ZKELECT_EV_ELECTED = 1,
    /* This participant no longer leads; ev->reason says why, ev->epoch is the
     * epoch of the term that ended. Delivered only after ELECTED. */
    ZKELECT_EV_REVOKED = 2,
    /* Something needs the host's attention; the library keeps trying where
     * that makes sense. ev->error is a ZKELECT_E* code, ev->zk_error the
     * ZooKeeper return code (0 if none), ev->message the details. */
    ZKELECT_EV_ERROR = 3,
    /* The participant's znode exists: it is in line (ev->sequence is its
     * sequence number, ev->epoch its czxid). Delivered at every (re)join. */
    ZKELECT_EV_JOINED = 4,
    /* Observers (zkelect_set_observer()), and participants that asked for it
     * (zkelect_set_leader_events()): who leads has changed.
     * ev->leader_id, ev->leader_data and ev->leader_data_len describe the new
     * leader, ev->epoch is its fencing token and ev->sequence its sequence
     * number; ev->leader_id is NULL (and ev->epoch -1) when nobody leads.
     * Delivered once when the observer first reads the election, then at
     * every change it sees. */
    ZKELECT_EV_LEADER = 5,
    /* The answer to zkelect_participants_async(): ev->participants and
     * ev->participant_count, or ev->error (ZKELECT_ETIMEDOUT, ZKELECT_ENOTCONN,
     * ...) with no list. One per call, in the order of the calls. */
    ZKELECT_EV_PARTICIPANTS = 6,
    /* A participant's place in line changed: it watches another contender
     * (ev->predecessor_id, ev->ahead). Said when it is known, at no cost: a
     * participant learns its place from its own listings, which come when
     * its predecessor changes, so ahead may be more than the truth until
     * then. Not said to the leader (ELECTED says it). */
    ZKELECT_EV_PLACE = 7,
    /* The bound a REVOKED gave no longer holds: after a REVOKED whose
     * successor_not_before_ns lay ahead (the node still stood), that node
     * was deleted or written by someone else (ev->reason NODE_DELETED or
     * NODE_CHANGED; assumption A5 of docs/GUARANTEES.md broken), so a
     * successor may lead already. Stop whatever still runs for the term
     * that ended (ev->epoch) now. Delivered at most once per term, and only
     * before that bound. */
    ZKELECT_EV_STOP_NOW = 8,
    /* This leader is asked to step down (zkelect_request_step_down(),
     * zkelect_request_move() or a preemption, from any host):
     * ev->requester_id says who asked, ev->successor_id whom to hand over
     * to (NULL: whoever comes next), ev->reason PREEMPTED for a preemption
     * (else RESIGNED), ev->message the whole of it. With
     * ZKELECT_STEP_DOWN_AUTO (the default) the library resigns as soon as
     * the callback returns, handing over to the one named if it is still in
     * line, and REVOKED(RESIGNED) follows; with ZKELECT_STEP_DOWN_BY_HOST it
     * does nothing more: the host stops what it runs for the term, then
     * calls zkelect_resign(), which hands over to the one named (or it
     * leads on, ignoring the request). Said to the leader only. */
    ZKELECT_EV_STEP_DOWN = 9
} zkelect_event_type_t;

typedef enum zkelect_revoke_reason {
    ZKELECT_REASON_NONE = 0,
    /* zkelect_resign() was called. */
    ZKELECT_REASON_RESIGNED = 1,
    /* The connection to ZooKeeper dropped (ZKELECT_POLICY_STRICT). */
    ZKELECT_REASON_SUSPENDED = 2,
    /* The server expired the session; a new one is being opened. */
    ZKELECT_REASON_EXPIRED = 3,
    /* Someone else deleted this participant's znode; it rejoins. */
    ZKELECT_REASON_NODE_DELETED = 4,
    /* zkelect_destroy() was called. */
    ZKELECT_REASON_CLOSED = 5,
    /* The lease deadline passed without a reply from the server. */
    ZKELECT_REASON_LEASE_EXPIRED = 6,
    /* ZooKeeper refused the session's credentials; the participant stops. */
    ZKELECT_REASON_AUTH_FAILED = 7,
    /* A contender appeared ahead in line (a foreign client created a node with
     * a lower sequence number than ours); the participant waits its turn.
     * In a STEP_DOWN: a contender of higher priority asks for the lead
     * (zkelect_set_preemption()). */
    ZKELECT_REASON_PREEMPTED = 8,
    /* zkelect_leave() was called. */
    ZKELECT_REASON_LEFT = 9,
    /* Someone else wrote this leader's znode (a superuser, or anyone the
     * host's own ACL lets write). Its successor may take that for the
     * hand-over of a graceful exit and lead, so it steps down at once (its
     * watch on its znode tells it) and rejoins at the back. */
    ZKELECT_REASON_NODE_CHANGED = 10
} zkelect_revoke_reason_t;

/* Owned by the library and valid only during the callback. Fields may be
 * added at the end in later versions. */
typedef struct zkelect_event {
    int type;            /* zkelect_event_type_t */
    int64_t epoch;       /* fencing token of the term (ELECTED, REVOKED), czxid (JOINED), else -1 */
    int reason;          /* zkelect_revoke_reason_t for REVOKED, else ZKELECT_REASON_NONE */
    int error;           /* ZKELECT_E* for ERROR, else ZKELECT_OK */
    int zk_error;        /* ZooKeeper's return code behind an ERROR, else 0 */
    int32_t sequence;    /* the znode's sequence number (JOINED, ELECTED, REVOKED) */
    const char *message; /* human-readable details; never NULL */
    /*
     * REVOKED only: the earliest moment, in ns of CLOCK_BOOTTIME, at which a
     * successor can be elected: a + T (see "Guarantees"), as the server
     * cannot expire this session sooner. A host that runs work on behalf of
     * its leadership (a child process, say) and has it stopped before then
     * knows it never overlaps with the next leader's. 0 when there is no such
     * bound: the term ended because the node is gone or was taken over
     * (EXPIRED, NODE_DELETED, PREEMPTED, NODE_CHANGED), and a successor may
     * lead already; or because the host
     * resigned, left or closed (RESIGNED, LEFT, CLOSED), and the node is
     * deleted only when this callback returns.
     */
    int64_t successor_not_before_ns;
    /* LEADER only (observers): the leader's id (NUL-terminated) and payload,
     * or NULL, NULL and 0 when nobody leads. */
    const char *leader_id;
    const void *leader_data;
    size_t leader_data_len;
    /* PARTICIPANTS only: the contenders in line order, the leader first, as
     * zkelect_participants() returns them; owned by the library and valid
     * during the callback (NULL and 0 when nobody is in line, or on error). */
    const struct zkelect_participant *participants;
    size_t participant_count;
    /* ELECTED only: how this term came (zkelect_takeover_t), and the id of
     * the contender this participant took over from (NULL when it did not
     * watch one: TAKEOVER_LISTED; and after a zkelect_request_move() whose
     * leader lost its connection before it could say who it was). */
    int takeover;
    const char *previous_id;
    /* PLACE only: contenders ahead at the listing that placed this
     * participant (1: next in line), and the id of the one it watches. */
    int ahead;
    const char *predecessor_id;
    /* STEP_DOWN only: who asked (its participant id), and the contender it
     * asked to lead next (NULL: whoever comes next in line). */
    const char *requester_id;
    const char *successor_id;
} zkelect_event_t;

/* How a term came (ZKELECT_EV_ELECTED's takeover). */
typedef enum zkelect_takeover {
    /* First in line at a listing: nobody was ahead (a fresh election, or
     * the line changed while this participant was not watching). */
    ZKELECT_TAKEOVER_LISTED = 0,
    /* The leader handed over as it left (resigned, left, or destroyed). */
    ZKELECT_TAKEOVER_HANDOVER = 1,
    /* The leader's node went without a hand-over: its session expired (a
     * crash, a partition), or someone deleted it. */
    ZKELECT_TAKEOVER_GONE = 2
} zkelect_takeover_t;

typedef void (*zkelect_callback_fn)(zkelect_t *e, const zkelect_event_t *ev, void *userdata);

/*
 * Make the handle an observer (observer != 0) before zkelect_start(): it
 * follows the election without taking part. It creates no znode, never leads
 * (zkelect_resign() and zkelect_wait_leader() return ZKELECT_ESTATE) and
 * delivers ZKELECT_EV_LEADER each time the leader changes. It watches only the
 * leader's znode (and the election path while nobody is in line), so the
 * participants pay nothing for it: they still get one notification per
 * leader change. zkelect_get_leader() and zkelect_participants() work as for
 * a participant. A leader change that happens while the observer is
 * disconnected is reported once it is connected again.
 */
ZKELECT_EXPORT int zkelect_set_observer(zkelect_t *e, int observer);

/*
 * Have a participant deliver ZKELECT_EV_LEADER too, before zkelect_start(),
 * as an observer does: once when it first reads the election, then at each
 * leader change, with the leader's id, payload and epoch (itself included,
 * when it leads; ELECTED and REVOKED remain the word on its own leadership).
 * A follower learns where the new leader serves without a second handle.
 * It costs this participant a watch on the leader's node: one more
 * notification per leader change for it, none for the others (the next in
 * line watches that node anyway). Returns ZKELECT_OK, ZKELECT_EINVAL (NULL),
 * ZKELECT_ESTATE (started).
 */
ZKELECT_EXPORT int zkelect_set_leader_events(zkelect_t *e, int on);

/*
 * Set this participant's priority, ZKELECT_PRIORITY_MIN..MAX (default 0):
 * when the leader goes, the contender in line with the highest priority
 * leads next, the one that joined first among equals. The leader keeps
 * leading while a higher priority joins (no preemption: see
 * zkelect_set_preemption()). Any time after zkelect_new(); after the start
 * the participant takes its new place in line at once (a leader stays
 * leader; the one elected before the election had priorities, and one whose
 * REVOKED gave a successor bound still ahead, take the new priority at
 * their next candidacy). An election orders by priority from the first participant with
 * a priority other than 0 on (a node "zkf_priorities" under the path says
 * so, for good): each election then also takes a lock ("zkl_leader") whose
 * creation is the epoch, one round trip more per failover, still one
 * notification (docs/GUARANTEES.md, "Priorities"). Returns ZKELECT_OK,
 * ZKELECT_EINVAL (NULL, out of range: the log says why), ZKELECT_ESTATE (an
 * observer; the Curator or kazoo format, whose clients order by join
 * alone).
 */
ZKELECT_EXPORT int zkelect_set_priority(zkelect_t *e, int priority);

/*
 * Let a contender with a higher priority than the leader's take over once it
 * has stood next in line, behind that leader, for delay_ms
 * (0..ZKELECT_PREEMPTION_MAX; default 0: never). It then asks the leader to
 * step down (ZKELECT_EV_STEP_DOWN there, requester_id this participant), once
 * per leader; the leader resigns, or its host does once it has stopped its
 * work (ZKELECT_STEP_DOWN_BY_HOST), and this participant, next in line, leads
 * on that one notification. Any time after zkelect_new(). Returns ZKELECT_OK,
 * ZKELECT_EINVAL (NULL, out of range), ZKELECT_ESTATE (an observer; the
 * Curator or kazoo format).
 */
ZKELECT_EXPORT int zkelect_set_preemption(zkelect_t *e, int delay_ms);

/* What a leader does when asked to step down (ZKELECT_EV_STEP_DOWN). */
typedef enum zkelect_step_down_mode {
    /* Default: resign as soon as the event's callback returns. */
    ZKELECT_STEP_DOWN_AUTO = 0,
    /* Nothing: the host stops its work, then calls zkelect_resign(). */
    ZKELECT_STEP_DOWN_BY_HOST = 1
} zkelect_step_down_mode_t;

/* Returns ZKELECT_OK, ZKELECT_EINVAL (NULL, an unknown mode). Any time after
 * zkelect_new(). */
ZKELECT_EXPORT int zkelect_set_step_down_mode(zkelect_t *e, int mode);

/*
 * Ask the leader of this handle's election to step down, from any
 * participant's or observer's handle, on any host: a switchover an admin
 * interface can offer. leader_id, if not NULL, names the participant
 * expected to lead: the request is refused if another leads. The request is
 * a node "zkr_<the leader's session id>" under the election path, made
 * with this handle's session: it takes CREATE on the path (the path's ACL
 * decides who may); the leader deletes it as it reads it. The call returns
 * once the request is in place, before the leader acts (ZKELECT_EV_LEADER
 * or zkelect_get_leader() tell when it has). Blocks up to the query timeout;
 * not from a callback. Returns ZKELECT_OK, ZKELECT_EINVAL (NULL, an id too
 * long or not in line), ZKELECT_ESTATE (not started, from a callback,
 * leader_id in line but not leading), ZKELECT_ENOLEADER, ZKELECT_ENOTCONN,
 * ZKELECT_ETIMEDOUT, ZKELECT_EAUTH (the path's ACL refused), ZKELECT_EZK.
 */
ZKELECT_EXPORT int zkelect_request_step_down(zkelect_t *e, const char *leader_id);

/*
 * Ask the leader to hand over to the contender to_id, in line (a planned
 * hand-over, like a switchover to a named candidate). The leader steps down
 * as for zkelect_request_step_down(), and to_id leads next, whatever the
 * priorities (the election orders by priority from then on, if it did not:
 * see zkelect_set_priority()); if to_id has left meanwhile, the next in line
 * leads. Needs CREATE on the path, as above. Returns as
 * zkelect_request_step_down(), and ZKELECT_EINVAL when to_id is NULL or not
 * in line; ZKELECT_OK at once, changing nothing, when to_id leads already.
 */
ZKELECT_EXPORT int zkelect_request_move(zkelect_t *e, const char *to_id);

/* How the participant's znode is named and ordered, and what it holds. */
typedef enum zkelect_format {
    /* Default: "zke_<32 hex token>_<seq>", data "<id>" or "<id>\0<data>";
     * only such nodes count; line order by sequence number, right across the
     * wrap of the server's 32-bit counter. */
    ZKELECT_FORMAT_NATIVE = 0,
    /* Apache Curator's LeaderLatch (5.x): "_c_<uuid>-latch-<seq>", data the
     * id alone; nodes ending in "latch-<seq>" count, ordered as Curator
     * orders them (the sequence text compared as a string). */
    ZKELECT_FORMAT_CURATOR = 1,
    /* kazoo's Election and Lock (Python): "<32 hex>__lock__<seq>", data the id
     * alone; nodes ending in "__lock__<seq>" count, ordered as kazoo orders
     * them. */
    ZKELECT_FORMAT_KAZOO = 2
} zkelect_format_t;

/*
 * Share an election with another client library, before zkelect_start():
 * with ZKELECT_FORMAT_CURATOR the participant is a normal contender to
 * Curator's LeaderLatch on the same path (LeaderLatch.getParticipants() and
 * getLeader() list it by its id), and with ZKELECT_FORMAT_KAZOO to kazoo's
 * Election (contenders() lists it). The line order, the predecessor watch,
 * the lease, the epochs and every event work as in the native format. Every
 * zkelect participant, observer and `zkelect` command on that path must use
 * the same format; Curator and kazoo cannot share one path (each orders the
 * other's nodes wrongly). These formats keep only the id in the node, so a
 * payload (zkelect_set_data()) is refused with ZKELECT_EINVAL, and so is a
 * format other than native after a payload was set. See docs/FORMATS.md.
 * Returns ZKELECT_OK, ZKELECT_EINVAL (NULL, unknown format, payload set),
 * ZKELECT_ESTATE (started).
 */
ZKELECT_EXPORT int zkelect_set_format(zkelect_t *e, int format);

/* Set the callback (NULL: no callback). Before zkelect_start() only. */
ZKELECT_EXPORT int zkelect_set_callback(zkelect_t *e, zkelect_callback_fn cb, void *userdata);

/* ============================================================ Dispatch modes */

typedef enum zkelect_dispatch_mode {
    /* Default: callbacks run on the handle's own dispatch thread. */
    ZKELECT_DISPATCH_THREAD = 0,
    /* No dispatch thread: events wait in the handle's queue until the host
     * calls zkelect_dispatch(), and zkelect_fd() becomes readable while any
     * wait there. For hosts with an event loop (poll, epoll, libevent, libuv). */
    ZKELECT_DISPATCH_MANUAL = 1
} zkelect_dispatch_mode_t;

/*
 * Choose where callbacks run, before zkelect_start(). In manual mode:
 * - Events keep their order; none is lost, duplicated or merged.
 * - A resign or leave deletes the node only after zkelect_dispatch() has run
 *   its REVOKED callback (as the thread mode deletes it only once the
 *   callback returned), so a loop must keep dispatching for a resigned
 *   leader's successor to be elected.
 * - zkelect_destroy() called outside a callback runs what is still queued,
 *   REVOKED(closed) last if leading, on the calling thread before it returns.
 *   Called from a callback it returns at once, and the zkelect_dispatch()
 *   running that callback delivers the rest, frees the handle and returns.
 * Returns ZKELECT_OK, ZKELECT_EINVAL (NULL handle, unknown mode),
 * ZKELECT_ESTATE (started), ZKELECT_ESYS (no eventfd could be created).
 */
ZKELECT_EXPORT int zkelect_set_dispatch_mode(zkelect_t *e, int mode);

/*
 * The file descriptor to watch for readability in manual mode: readable
 * exactly while events are waiting for zkelect_dispatch(), level-triggered,
 * and quiet otherwise (lease renewals and other internal work never wake it).
 * Owned by the handle: do not read, write or close it; it stays the same from
 * zkelect_set_dispatch_mode() until zkelect_destroy(). Returns ZKELECT_OK,
 * ZKELECT_EINVAL (NULL), ZKELECT_ESTATE (not in manual mode; *fd is -1).
 */
ZKELECT_EXPORT int zkelect_fd(zkelect_t *e, int *fd);

/*
 * Manual mode: run, on the calling thread, the callbacks of the events that
 * were waiting when it was called, in order, and return. Events queued by
 * those callbacks (a resign, say) wait for the next call, and make the fd
 * readable again. Never blocks on ZooKeeper. *dispatched (may be NULL) gets
 * the number of callbacks run. Returns ZKELECT_OK, ZKELECT_EINVAL (NULL
 * handle), ZKELECT_ESTATE (not in manual mode, or called from a callback or
 * while another thread is dispatching the same handle).
 */
ZKELECT_EXPORT int zkelect_dispatch(zkelect_t *e, unsigned *dispatched);

/* Names for logs: "ELECTED", "resigned", ... Never NULL. */
ZKELECT_EXPORT const char *zkelect_event_name(int type);
ZKELECT_EXPORT const char *zkelect_reason_name(int reason);

/* ==================================================================== Queries */

/* 1 if this participant leads right now (elected and before the lease
 * deadline), else 0 (also for NULL). Lock-free; never blocks. */
ZKELECT_EXPORT int zkelect_is_leader(const zkelect_t *e);

/* The fencing token of the current term, or -1 when not leading. */
ZKELECT_EXPORT int64_t zkelect_epoch(const zkelect_t *e);

/* The lease deadline of the current term, in nanoseconds of CLOCK_BOOTTIME:
 * leadership is guaranteed exclusive until then and ends then unless renewed
 * (the library renews it every T/4 while the server answers). Compare with
 * clock_gettime(CLOCK_BOOTTIME). ZKELECT_ENOLEADER when not leading. */
ZKELECT_EXPORT int zkelect_lease_deadline(const zkelect_t *e, int64_t *deadline_ns);

/* Block until this participant leads (ZKELECT_OK) or timeout_ms passes
 * (ZKELECT_ETIMEDOUT). timeout_ms < 0 waits without limit, 0 only checks.
 * ZKELECT_ESTATE if not started or called from a callback; ZKELECT_EAUTH
 * as soon as ZooKeeper refused the session's authentication (SASL, or a
 * credential scheme it does not know), after which it never connects. */
ZKELECT_EXPORT int zkelect_wait_leader(zkelect_t *e, int timeout_ms);

/* Block until a ZooKeeper session is established (ZKELECT_OK) or timeout_ms
 * passes (ZKELECT_ETIMEDOUT); same conventions as zkelect_wait_leader(). */
ZKELECT_EXPORT int zkelect_wait_connected(zkelect_t *e, int timeout_ms);

/* The negotiated session timeout in ms, or ZKELECT_ENOTCONN before the first
 * session is established. */
ZKELECT_EXPORT int zkelect_session_timeout(const zkelect_t *e);

/*
 * Read from ZooKeeper the id of the current leader (this participant or
 * another) into id_buf, NUL-terminated: one listing and one read (another
 * only if the first contender is gone or an impostor), both bounded by the
 * query timeout. Allowed from callbacks, where it blocks the dispatch for
 * up to that long (zkelect_participants_async() does not block). Returns
 * ZKELECT_OK, ZKELECT_ENOLEADER (nobody in line), ZKELECT_ENOPATH (no
 * election path), ZKELECT_ERANGE (id_len
 * too small; the buffer is left empty), ZKELECT_ETIMEDOUT (no answer within
 * the query timeout), ZKELECT_ENOTCONN (not connected, or the connection
 * dropped meanwhile), ZKELECT_EZK, ZKELECT_EAUTH, ZKELECT_EINVAL,
 * ZKELECT_ESTATE (not started; or 16 lookups of the handle in flight).
 */
ZKELECT_EXPORT int zkelect_get_leader(zkelect_t *e, char *id_buf, size_t id_len);

/* One contender (or one participant out of line that publishes a state),
 * as read from ZooKeeper. */
typedef struct zkelect_participant {
    char *id;           /* participant id (NUL-terminated) */
    void *data;         /* payload from zkelect_set_data() (NULL if none) */
    size_t data_len;
    char *node;         /* znode name under the election path */
    int32_t sequence;   /* sequence number */
    int64_t session_id; /* ephemeralOwner of the znode */
    int64_t czxid;      /* the epoch it would lead with */
    int64_t ctime_ms;   /* creation time, ms since the Unix epoch (server clock) */
    int is_leader;      /* 1 for the first in line */
    int is_self;        /* 1 for this handle's own znode */
    int in_line;        /* 1 for a contender; 0 for a participant out of line (its state's node) */
    int priority;       /* its priority (zkelect_set_priority()); 0 for most */
    int64_t epoch;      /* the epoch it leads with: the current term's for the leader; for the
                         * others their czxid, or -1 in an election with priorities, where a
                         * term's epoch is known only once it begins */
    char *state;        /* what it published with zkelect_set_state(), or NULL */
} zkelect_participant_t;

/*
 * Read the contenders from ZooKeeper, in line order (the leader first): one
 * listing, then the reads of every contender's node sent at once, so two
 * round trips whatever their number, bounded by the query timeout. Only
 * ephemeral znodes in the election's format count; others are skipped.
 * Then, in the native format, the participants that published a state
 * (zkelect_set_state()) while out of line (in_line 0); a contender's own
 * state is in its entry. On success *list (free with
 * zkelect_participants_free()) and *count are set; *list is NULL when
 * *count is 0. Errors as zkelect_get_leader(), but an empty election is
 * ZKELECT_OK with *count 0, and a path that does not exist is
 * ZKELECT_ENOPATH (for zkelect_get_leader() too).
 */
ZKELECT_EXPORT int zkelect_participants(zkelect_t *e, zkelect_participant_t **list, size_t *count);
ZKELECT_EXPORT void zkelect_participants_free(zkelect_participant_t *list, size_t count);

/*
 * The same without blocking, for hosts that must not wait (manual dispatch,
 * a callback): returns at once, and the answer comes as one
 * ZKELECT_EV_PARTICIPANTS event through the callback (and the fd), with the
 * list or, after the query timeout without an answer, ZKELECT_ETIMEDOUT.
 * Returns ZKELECT_OK, ZKELECT_EINVAL, ZKELECT_ENOTCONN, ZKELECT_ESTATE (not
 * started, or 16 lookups of the handle in flight), ZKELECT_ENOMEM; then no
 * event comes. Lookups still in flight at zkelect_destroy() give no event.
 */
ZKELECT_EXPORT int zkelect_participants_async(zkelect_t *e);

/*
 * Publish this participant's state for those who look at the election:
 * a short text ("standing", "unhealthy since 10:02:03", "stopping"; valid
 * UTF-8 without control characters, at most 255 bytes) that
 * zkelect_participants() and `zkelect status` show with it. It is kept in
 * an ephemeral node of its own beside the contenders ("zks_" and a token),
 * which stays while the participant is out of line (zkelect_leave()), so
 * that every instance that runs is seen, in line or not; nobody watches it,
 * so it costs one write per change and nothing to the election. It is
 * published once the handle is connected, again on a new session, and
 * removed by zkelect_destroy(); NULL or "" removes it now. Any thread, any
 * time after zkelect_new(). Returns ZKELECT_OK, ZKELECT_EINVAL (NULL handle,
 * text that is not valid UTF-8 or has control characters),
 * ZKELECT_ENAMETOOLONG, ZKELECT_ESTATE (an observer; a format other than
 * native, whose clients would count the node as a contender),
 * ZKELECT_ENOMEM.
 */
ZKELECT_EXPORT int zkelect_set_state(zkelect_t *e, const char *state);

/* How long zkelect_get_leader(), zkelect_participants(),
 * zkelect_participants_async() and zkelect_lock_path() wait for ZooKeeper's
 * answers: ZKELECT_QUERY_TIMEOUT_MIN..MAX ms (default 2000). Before
 * zkelect_start() only. */
ZKELECT_EXPORT int zkelect_set_query_timeout(zkelect_t *e, int timeout_ms);

/* The full path of this participant's znode, if it has one now. ZKELECT_ESTATE
 * when it has none, ZKELECT_ERANGE when len is too small. */
ZKELECT_EXPORT int zkelect_node_path(zkelect_t *e, char *buf, size_t len);

/* This handle's id: the one given to zkelect_new(), or the one it chose
 * ("hostname:pid"). ZKELECT_ID_MAX + 1 bytes always suffice; ZKELECT_ERANGE
 * when len is too small, ZKELECT_EINVAL for a NULL e or buf. */
ZKELECT_EXPORT int zkelect_id(zkelect_t *e, char *buf, size_t len);

/* ================================================================= Statistics */

/* Room in zkelect_stats_t.revoked for every revoke reason, present and to come. */
#define ZKELECT_STATS_REASONS 32

/*
 * What a participant has been through since zkelect_start(), for metrics and
 * health checks. Set size to sizeof(zkelect_stats_t) before the call: the
 * library fills the fields that both it and the caller know (fields are only
 * ever added at the end) and sets size to the bytes it filled.
 */
typedef struct zkelect_stats {
    size_t size;
    int leading;                /* zkelect_is_leader() now; for a session, how many of its elections lead */
    int connected;              /* 1 while the ZooKeeper session is connected */
    int64_t epoch;              /* the current term's fencing token, or -1 */
    int64_t lease_remaining_ns; /* time left until the lease deadline while leading, else -1 */
    int64_t disconnected_ns;    /* how long the session has been disconnected; 0 while connected
                                 * or before the first connection */
    int session_timeout_ms;     /* the granted T, or 0 before the first session */
    int ahead;                  /* contenders ahead at the last listing: 0 leading or first, 1 next in
                                 * line, ...; -1 when not in line (waiting, observer, left) */
    uint64_t terms;             /* terms led: ELECTED events */
    uint64_t revoked[ZKELECT_STATS_REASONS]; /* REVOKED events, indexed by ZKELECT_REASON_* */
    uint64_t joins;             /* JOINED events: the participant's znode created or found */
    uint64_t errors;            /* ERROR events */
    uint64_t leader_changes;    /* LEADER events */
    uint64_t connections;       /* connections established: the first, and each reconnection */
    uint64_t sessions;          /* distinct ZooKeeper sessions established */
    uint64_t expiries;          /* sessions lost: expired (after 2 T without a connection the session is
                                 * resumed on a new connection, and counts only if the server says it expired) */
    uint64_t zk_log_dropped;    /* ZooKeeper client log lines dropped by the rate limit (see zkelect_set_log()) */
    int acl_open;               /* 1 when the last check (at each join; an observer's at each start) found that
                                 * anyone may create or delete contenders under the election path, or write
                                 * this participant's node (see zkelect_set_auth()); for a session, how many
                                 * of its elections are so */
} zkelect_stats_t;

/* Fill stats for a participant or observer. Any thread, callbacks included;
 * it takes the handle's lock briefly, never waits for ZooKeeper. For an
 * election on a shared session, the session's fields (connected,
 * disconnected_ns, session_timeout_ms, connections, sessions, expiries,
 * zk_log_dropped) are the session's. Returns ZKELECT_OK, ZKELECT_EINVAL (NULL,
 * or size smaller than the fields up to and including epoch). */
ZKELECT_EXPORT int zkelect_stats(zkelect_t *e, zkelect_stats_t *stats);

/* The same for a shared session: its own fields; leading counts the
 * elections that lead now; terms, revoked, joins, errors and leader_changes
 * are sums over every election it has carried (they never go down when one
 * is destroyed); epoch and lease_remaining_ns are -1, ahead -1. */
ZKELECT_EXPORT int zkelect_session_stats(zkelect_session_t *s, zkelect_stats_t *stats);

/* ==================================================================== Version */

#define ZKELECT_VERSION_MAJOR 0
#define ZKELECT_VERSION_MINOR 1
#define ZKELECT_VERSION_PATCH 0

/* The library's version as "MAJOR.MINOR.PATCH" (of the library that is
 * loaded, which may differ from the header's macros). */
ZKELECT_EXPORT const char *zkelect_version(void);

#ifdef __cplusplus
}
#endif

#endif /* ZKELECT_H */
