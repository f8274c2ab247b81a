/*
 * internal.h - the private header of libzkelect: its two objects, the rules
 * that guard them, and the ways they end. Each file's functions are
 * declared, from the bottom of the library up, in the headers included at
 * the end: util.h, requests.h, machines.h, lifecycle.h. A file calls only
 * the files declared before it; where a lower one must reach a higher one
 * (a state machine closing its loop, a queue item to run), it goes through
 * a function pointer the higher one registered. HACKING.md draws the
 * picture.
 *
 * The objects:
 * - zke_session_t (struct zkelect_session): one ZooKeeper session and what
 *   serves it: the ZooKeeper handle, the lock, the keeper and dispatch
 *   threads, the event queue and its eventfd, the credentials, the requests
 *   in flight, and the elections it carries. zkelect_session_new() makes one
 *   public; a standalone zkelect_t owns one privately.
 * - struct zkelect: one election's configuration and state on its session.
 *
 * Locking: the session's mutex (s->lock; e->session->lock from an election)
 * guards every field of the session and of its elections that is not
 * atomic. ZooKeeper completions take it and let it go through
 * zkelect__op_begin() and zkelect__op_end(), watchers through the one
 * watcher of ops.c; in between they advance a state machine and queue
 * events. User code runs only from the queue, with no lock held.
 * What zkelect_is_leader() and friends read lock-free are atomics.
 *
 * The ways of ending, one verb each:
 *   revoke    leadership ends: zkelect_is_leader() is 0, REVOKED queued (leadership.c)
 *   give up   an election leaves its place: revoke, then release its node
 *             after the REVOKED callback (election.c)
 *   release   the node of a given-up place is removed, once REVOKED ran (election.c)
 *   forget    an election forgets its node: gone already, or being released (election.c)
 *   remove    a node of ours is deleted, with the hand-over when it was
 *             first in line, retried until the session ends (node.c)
 *   close     an election stops for good: REVOKED(closed) its last event (handle.c)
 *   retire    a closed election leaves its session: node removed, requests
 *             and watches left to the session (handle.c)
 *   stop      a session's keeper exits, its dispatch thread ends once the
 *             queue is empty (session.c)
 *   tear down a stopped session's threads are joined, its requests drained,
 *             its ZooKeeper handle closed (session.c)
 *   end       a session is stopped, what is queued runs, it is torn down
 *             and freed (session.c)
 *   free      memory goes: an election (election.c), a session and a
 *             standalone handle's election with it (session.c)
 */
#ifndef ZKELECT_INTERNAL_H
#define ZKELECT_INTERNAL_H

#include "zkelect.h"

#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <zookeeper/zookeeper.h>

#define ZKE_HIDDEN __attribute__((visibility("hidden")))
#define ZKE_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))

/* Nanoseconds in a millisecond: every time inside the library is in ns. */
#define ZKE_MS ((int64_t)1000000)
/* Distinct lines of the ZooKeeper client said once per outage (log.c). */
#define ZKE_ZK_LOG_SEEN 16
/* Room for a session identity's digest id (session.c): "user:" and 28 characters. */
#define ZKE_DIGEST_ID_MAX 96

typedef struct zkelect_session zke_session_t;
typedef struct zke_process_mark zke_process_mark_t;

/* ================================================================ the objects */

/* A set of sorted strings (strset.c). */
typedef struct zke_strset {
    char **items; /* sorted */
    size_t count, cap;
} zke_strset_t;

/* What happened since start, for zkelect_stats() (stats.c). */
typedef struct zke_counters {
    uint64_t terms;          /* ELECTED */
    uint64_t revoked[ZKELECT_STATS_REASONS]; /* REVOKED, by reason */
    uint64_t joins;          /* JOINED */
    uint64_t errors;         /* ERROR */
    uint64_t leader_changes; /* LEADER */
    uint64_t connections;    /* CONNECTED: the first one and every reconnection */
    uint64_t sessions;       /* distinct sessions established */
    uint64_t expiries;       /* sessions expired, or given up after 2T without a connection */
} zke_counters_t;

typedef struct zke_lookup zke_lookup_t;

/* One outstanding asynchronous ZooKeeper request (ops.c). The ZooKeeper
 * client does not call the completions of requests still pending when a
 * handle is closed, so these live on their session's list and are freed
 * when it closes. */
typedef struct zke_op {
    struct zke_op *prev, *next;
    struct zkelect *e;        /* whose request it is; NULL once that election retired */
    struct zke_op *e_prev, *e_next; /* on that election's own list (NULL-ended) */
    zke_session_t *session;
    zhandle_t *zh;            /* the session's ZooKeeper handle it was sent on */
    uint64_t gen;             /* the election's (or its follower's) generation when sent */
    bool follow;              /* follow.c's: stale by the follower's generation */
    bool any_gen;             /* stale only once its election is gone (exposure.c) */
    int64_t sent_ns;          /* CLOCK_BOOTTIME when sent: the lease's "a" */
    char *path;               /* the node concerned, if any */
    zoo_op_result_t *results; /* a multi's: written by the client until its completion */
    int n_results;
    char *buffer;             /* a multi's create writes the path it made here */
    zke_lookup_t *lookup;     /* a lookup's request (lookup.c): the lookup, and the contender it reads */
    void *context;            /* a request of lockdown.c's: the caller's wait */
    size_t slot;
    bool answered;            /* its completion ran */
    void (*on_free)(struct zke_op *op); /* called by zkelect__op_free(), for the one who sent it */
} zke_op_t;

/* What a watch of an election calls when it fires: with the session's lock
 * held, for an election still there, never for a session event (ops.c,
 * watch_event(), filters those and takes the lock). */
typedef void (*zke_watch_fn)(struct zkelect *e, zhandle_t *zh, int type, const char *path);

/* The watcher functions the elections of a session use, at most this many:
 * each has its number in the session (s->watchers), in the order first used. */
#define ZKE_WATCHERS 12
/* What ZooKeeper is given as a watch's context: one byte of an election's
 * block (zke_ref_t) that holds its own index, the number of the watcher
 * function to call. */
typedef uint8_t zke_watch_t;
/* An election's watch contexts, one block whatever its watches (ops.c): the
 * election, or NULL once it retired. A watch cannot be taken back from the
 * client, so the block outlives the election, until its session. */
typedef struct zke_ref {
    struct zke_ref *next;     /* the session's retired ones */
    struct zkelect *e;
    zke_session_t *session;
    zke_watch_t watch[ZKE_WATCHERS]; /* watch[i] == i */
} zke_ref_t;

/* One thing for the queue to do, in order (queue.c): run(item) delivers
 * an event, or takes a step that must wait for the events queued before it
 * (release a node, retire an election), registered by the file that
 * queued it. */
typedef struct zke_item {
    struct zke_item *next;
    zke_session_t *session;
    struct zkelect *owner;    /* the election it concerns */
    void (*run)(struct zke_item *item); /* lock held; deliver releases it around the callback */
    zkelect_event_t ev;
    char *text;               /* owned copy behind ev.message */
    char *leader;             /* LEADER: owned copy behind ev.leader_id and ev.leader_data */
    zkelect_participant_t *participants; /* PARTICIPANTS: owned list behind ev.participants */
    char *path;               /* release: the node to remove */
    bool unwatch;             /* release: take our watch off it first */
    bool hand_over;           /* release: the node was first in line (node.c) */
    zhandle_t *zh;            /* release: the ZooKeeper handle the node belongs to */
    char *lock_path;          /* release: the leader lock, ours, to go with the node; NULL: none */
    char *move_to;            /* release: the node of the contender to hand over to; NULL: none */
    bool rejoin_behind;       /* release: rejoin once the successor leads (switchover.c) */
} zke_item_t;

struct zkelect_session {
    /* configuration: fixed after start */
    char *servers;            /* the ZooKeeper connect string */
    int requested_ms;         /* the session timeout asked for; the server grants T (lease.h) */
    char *auth_scheme;        /* NULL: no credentials */
    char *auth_credential;
    size_t auth_len;
    /* The session's own identity, a random digest user and password, added
     * on every ZooKeeper handle: the nodes it creates name it as their only
     * writer, so that nobody else can write them (a write is what a
     * hand-over is: see line.c) */
    char identity_credential[64]; /* "user:password" */
    char identity_id[ZKE_DIGEST_ID_MAX]; /* "user:base64(sha1)", for ACLs */
    /* "auth" in an ACL would name that identity too, not only the host's
     * credentials: with digest credentials, "auth" entries are written out
     * as this id instead (config.c). "" otherwise. */
    char *auth_digest_id;
    struct zke_secure *secure; /* TLS or SASL (secure.c); NULL: neither */
    bool credentials_given;   /* the client of the current handle has them all (session.c) */
    bool auth_failed;         /* ZooKeeper refused the authentication: this session never connects */
    zkelect_log_fn log_fn;
    void *log_userdata;
    int log_level;
    struct zkelect *owner;    /* a standalone handle's election (its messages name it), or NULL */
    zke_process_mark_t *process; /* the process it belongs to (process.c) */

    pthread_mutex_t lock;
    pthread_cond_t state_cond;  /* connected, an election's leadership or retirement, a drain */
    pthread_cond_t keeper_cond; /* something for the keeper to do */
    pthread_cond_t queue_cond;  /* an item for the dispatch thread */

    /* the ZooKeeper session (session.c) */
    zhandle_t *zh;
    bool connected;
    bool ever_connected;
    bool need_new_session;
    /* The ZooKeeper handle is to be replaced by one that resumes the same
     * session (resume_id): the old handle stopped reconnecting, but the
     * session may be alive on the server, our nodes with it (an ensemble
     * restarted whole restores its sessions). False: a new session. */
    bool resume;
    clientid_t resume_id;
    int64_t retry_at;         /* the keeper opens the new session then */
    int backoff_ms;
    int64_t id;
    atomic_int granted_ms;    /* T: the smallest timeout granted on this session, 0 before any (lease.h) */
    int64_t disconnected_since; /* 0 while connected */
    zke_counters_t counters;  /* its own: connections, sessions, expiries, errors */
    zke_counters_t retired_counters; /* those of the elections it no longer carries */
    char **orphans;           /* nodes of ours to remove once connected again (node.c) */
    size_t n_orphans;

    /* the elections it carries, and what retired ones left it */
    struct zkelect *elections;
    struct zkelect **timers;  /* the same, by when each is next due: the keeper's (timers.c) */
    size_t n_timers, timers_cap;
    zke_ref_t *retired_refs;
    zke_watch_fn watchers[ZKE_WATCHERS]; /* its elections' watcher functions, by number (ops.c) */
    zke_op_t ops;             /* sentinel of the list of requests in flight */
    zhandle_t *proof_zh;      /* the handle a renewal of all its elections is in flight on (leadership.c) */

    /* threads */
    bool started;
    bool stopping;            /* tear down begun: the keeper exits */
    bool teardown_deferred;   /* asked for on the dispatch thread: it frees the session itself */
    bool keeper_running;
    bool dispatch_running;
    pthread_t keeper_thread;
    pthread_t dispatch_thread;

    /* the queue (queue.c), and manual dispatch (dispatch.c) */
    zke_item_t *queue_head, *queue_tail;
    size_t queue_len;
    bool manual_dispatch;
    int event_fd;             /* readable while the queue holds items; -1 in thread mode */
    bool dispatching;         /* a thread is inside zkelect_dispatch() or a manual destroy */
    pthread_t dispatcher;     /* that thread */

    /* the ZooKeeper client's log lines passed on in the current window, and
     * those dropped (log.c); under log_lock, not lock */
    pthread_mutex_t log_lock;
    int64_t zk_log_window_ns;
    unsigned zk_log_lines;
    uint64_t zk_log_dropped, zk_log_dropped_total;
    bool zk_log_connected;    /* a copy of connected, for the client's threads */
    uint64_t zk_log_seen[ZKE_ZK_LOG_SEEN]; /* lines said while disconnected (hashes) */
    size_t zk_log_seen_count;
};

/* Where an election's candidacy stands. Whether the handle runs at all is
 * not a phase: `started` and `stopping` say that, and a stopped election's
 * phase no longer matters (zkelect__drive() and every watch check
 * `stopping` first). */
typedef enum zke_phase {
    ZKE_WAITING,   /* no usable session (or not started): waiting for CONNECTED */
    ZKE_CREATING,  /* create in flight (or its outcome unknown) */
    ZKE_CHECKING,  /* own-node check or listing in flight */
    ZKE_WATCHING,  /* watching the predecessor (or, with priorities, a lock held by another) */
    ZKE_CLAIMING,  /* with priorities: the leader lock's create in flight */
    ZKE_LEADING,   /* elected (see leading/lease for whether it still holds) */
    ZKE_RELEASING, /* given up: waiting for REVOKED delivery before the node's removal */
    ZKE_FAILED     /* fatal error (auth): nothing more happens */
} zke_phase_t;

/* Following who leads (follow.c): an observer's whole job, and a
 * participant's beside its election when it asked for LEADER events. */
typedef struct zke_follow {
    uint64_t gen;             /* its requests' generation, apart from the election's */
    char **line;              /* contenders at the last listing, in line order */
    size_t n_line, line_pos;  /* line[line_pos] is being read */
    bool line_watched;        /* the last listing set a child watch */
    bool reported;            /* a LEADER event went out */
    int64_t leader_czxid;     /* the reported leader's czxid, -1 for nobody */
    int64_t retry_at;         /* the keeper starts again then (0: none) */
    int backoff_ms;
    /* with priorities (the flag listed): the leader is the lock's holder, else
     * the incumbent; read with the listing */
    bool priorities;
    int meta_pending;
    char *lock_holder, *incumbent;
    int64_t lock_czxid;       /* the lock's: the epoch of its holder's term */
    int64_t lock_owner;       /* the lock's session: its holder's own, unless the lock is being moved */
} zke_follow_t;

/* What the election's steps (join.c, line.c) tell their driver
 * (election.c), which registered these: the loop of the state machine
 * (create, stand in line, find the node gone, create again) closes here. */
typedef struct zke_driver {
    /* our node is gone, or not ours: revoke, forget it, join again */
    void (*node_lost)(struct zkelect *e, const char *why);
    /* leadership must end and the node go: zkelect__give_up() */
    void (*give_up)(struct zkelect *e, int reason);
    /* start over from the current state */
    void (*drive)(struct zkelect *e);
} zke_driver_t;

/* What became of the session, as the session tells each election
 * (zkelect__session_changed()). */
typedef enum zke_session_change {
    ZKE_SESSION_NEW,         /* connected, on a session this election has not used */
    ZKE_SESSION_RESUMED,     /* connected again, on the same session */
    ZKE_SESSION_SUSPENDED,   /* the connection is lost; the session may live on */
    ZKE_SESSION_EXPIRED,     /* the server ended it, and our nodes with it */
    ZKE_SESSION_ABANDONED,   /* no connection for 2T: a new handle tries to resume the session */
    ZKE_SESSION_REOPENED,    /* a new ZooKeeper handle: requests on the old one are void */
    ZKE_SESSION_AUTH_FAILED  /* the credentials were refused: nothing more happens */
} zke_session_change_t;

struct zkelect {
    zke_session_t *session;
    bool standalone;        /* standalone: the session is its own, and goes with it */
    struct zkelect *next, *prev; /* on its session's list */
    int64_t due_ns;           /* when the keeper tends it next (timers.c) */
    zke_op_t *ops;            /* its requests in flight, also on the session's list (ops.c) */
    size_t timer_slot;        /* its place in the session's timetable */
    zke_ref_t *ref;           /* this election's watch contexts */
    const zke_driver_t *driver;

    /* configuration: fixed after start */
    char *path;
    char *id;
    char *payload;            /* node data: the id, then NUL and the user data if any */
    size_t payload_len;
    int policy;
    double lease_fraction;
    int query_timeout_ms;
    zkelect_callback_fn cb;
    void *cb_userdata;
    zkelect_log_fn log_fn;
    void *log_userdata;
    int log_level;
    bool observer;            /* follows the election without a node */
    bool leader_events;       /* a participant that follows who leads too */
    int format;               /* ZKELECT_FORMAT_*: node names, order and data */
    struct ACL acl_entries[2];
    struct ACL_vector acl;    /* the default for our nodes: only our session writes them */
    struct ACL parent_entries[2];
    struct ACL_vector parent_acl; /* the default for the missing parents of the path */
    struct ACL_vector custom_acl; /* zkelect_set_acl(), owned; count 0 when unset */

    /* lifecycle (handle.c) */
    bool started;
    bool stopping;            /* closed: no completion advances the election any more */
    bool closed_in_callback;  /* its destroy was called from a callback: nobody waits to free it */
    bool retired;
    bool left;                /* zkelect_leave(): out of line until zkelect_rejoin() */
    zke_item_t *retire_item;  /* its last queue item, made up front: a destroy cannot fail */

    /* the election's state machine (election.c, join.c, line.c) */
    zke_phase_t phase;
    uint64_t gen;
    char token[33];
    bool create_unknown;      /* a create's reply was lost: find it by token */
    char *own_path;           /* full path of our znode, when we have one */
    char *own_name;           /* its last component */
    int32_t own_seq;
    int64_t own_czxid;        /* -1 until known */
    int64_t checked_ns;       /* send time of the last proof that our node is ours */
    int64_t node_session;    /* the session on which our node was created or checked, 0 if none */
    int64_t answered_ns;      /* send time of the latest request the server answered on this session */
    bool own_watched;         /* a watch on our node is set, as an answer confirmed */
    bool own_watch_armed;     /* a watch on our node may be set: asked for, not yet fired or removed */
    bool first_confirmed;     /* our node has been seen first in line: deleting it hands over (node.c) */
    int64_t listed_ns;        /* send time of the listing behind `ahead` */
    char *watched_path;       /* predecessor being watched */
    char *predecessor_id;     /* its participant id, from the read that set the watch; NULL before */
    int gone_how;             /* how it went, when a listing follows (ZKELECT_TAKEOVER_*; LISTED: not gone) */
    char *place_said;         /* the predecessor of the last PLACE event: said once each */
    zke_strset_t impostors;   /* persistent nodes named like contenders */
    zke_strset_t strangers;   /* children not in our format, already logged */
    bool strangers_capped;    /* too many strangers to remember each */
    char **ahead;             /* the contenders ahead of us at the last listing, nearest last */
    size_t n_ahead;
    int probes_pending;       /* checks of contenders ahead in flight */
    int probe_failed;         /* a ZooKeeper error among them, or 0 */
    int64_t retry_at;         /* the keeper drives again then (0: none) */
    int retry_backoff_ms;

    /* priorities (priority.c) */
    int priority;             /* zkelect_set_priority() */
    bool priority_mode;       /* the election orders by priority: its flag seen */
    bool flag_watch_armed;    /* a creation watch on the flag: so a default election learns it */
    bool flag_read;           /* incumbent is from a read of the flag */
    char *incumbent;          /* the flag's data: the token of the leader whose term it did not end */
    char *lock_holder;        /* the token in the leader lock at the last read, NULL: none */
    bool lock_listed;         /* lock_holder is from the read sent with the current listing */
    bool holds_lock;          /* our session made the lock, with our token */
    int64_t lock_czxid;       /* its czxid: the epoch of the term it gives */
    bool notice_armed;        /* a creation watch on our notice */
    bool line_dirty;          /* the line ahead changed unseen (a notice, a mode): list before deciding */
    uint32_t notices_seen;    /* notices read so far */
    uint32_t listed_notices;  /* notices_seen when the listing in flight was sent: a later one voids it */
    char notified[33];                /* the contender last told of our place ahead of it */
    int32_t lock_version;     /* the lock's data version at the last read */

    /* switchovers (switchover.c) */
    int step_down_mode;       /* zkelect_set_step_down_mode() */
    int preempt_delay_ms;     /* zkelect_set_preemption(); 0: never */
    char *move_to;            /* a move asked of this leader: the node of the one to hand over to */
    bool moved_to_us;         /* a leader moved its term to us (predecessor_id names it) */
    bool awaiting_successor;  /* resigned: waits for the next leader before rejoining */
    char *preempt_behind;     /* the leader's node this contender stands next to, for preemption */
    int64_t preempt_at_ns;    /* when to ask it to step down; 0: not (asked, or no reason to) */
    int64_t predecessor_session; /* the session of the one we watch: where requests to it go */
    int64_t requests_armed;   /* the session whose request node we watch, 0 if none */

    zke_follow_t follow;
    atomic_int acl_open;      /* 1: anyone may change the election (exposure.c) */
    /* the state it publishes (state.c) */
    char *state;              /* zkelect_set_state()'s text, or NULL */
    char *state_path;         /* its node, named at the first state */
    bool state_exists;        /* made on this session */
    bool state_sent;          /* a create or write in flight */
    bool state_dirty;         /* changed since the last write sent */
    bool acl_warned;          /* and the WARNING said so */
    bool path_made;           /* this join created the election path, with parent_acl (join.c) */
    zke_lookup_t *lookups;    /* lookups in flight (lookup.c) */
    int n_lookups;

    /* leadership: read lock-free by the queries (leadership.c) */
    atomic_bool leading;
    atomic_llong lease_deadline; /* CLOCK_BOOTTIME ns */
    atomic_llong epoch;          /* czxid of the current term, -1 if none */
    int64_t term_epoch;          /* the epoch of the current or last term (ELECTED and REVOKED say it) */
    int64_t lease_sent_ns;       /* a */
    int64_t next_renew_ns;
    int64_t promised_ns;         /* the successor bound the last REVOKED gave (a + T), 0 if none */
    int64_t promised_epoch;      /* of that term */

    zke_counters_t counters;
    /* requests sent and notifications received, for the tests and the benchmark */
    uint64_t reads_sent;      /* gets, exists and listings */
    uint64_t predecessor_notices; /* notifications of the current predecessor's watch */
    uint64_t lists_sent;      /* listings of the election */
    uint64_t quick_takeovers; /* elections without a round trip (line.c) */
    uint64_t handoff_takeovers; /* of those, on a hand-over from further ahead than we knew */
};

/* The election has given its node up (RELEASING: the release comes next)
 * or can do nothing more (FAILED): no new step is started. Lock held. */
static inline bool zkelect__given_up(const struct zkelect *e)
{
    return e->phase == ZKE_RELEASING || e->phase == ZKE_FAILED;
}
/* A new step may start: the handle is not closing, its host has not left
 * the line, its candidacy has not given up. The driver's one test. Lock
 * held. */
static inline bool zkelect__may_drive(const struct zkelect *e)
{
    return !e->stopping && !e->left && !zkelect__given_up(e);
}
/* Next in line, not leading: its renewals keep a recent answer at hand
 * (line.c). Lock held. */
static inline bool zkelect__on_standby(const struct zkelect *e)
{
    return !atomic_load(&e->leading) && !e->stopping && e->phase == ZKE_WATCHING && e->n_ahead == 1;
}
/* The session can carry requests for e now. Lock held. */
static inline bool zkelect__session_ready(const struct zkelect *e)
{
    const zke_session_t *s = e->session;
    return s->zh && s->connected && !s->stopping && !e->stopping && e->phase != ZKE_FAILED;
}
static inline void zkelect__wake_keeper(zke_session_t *s)
{
    pthread_cond_signal(&s->keeper_cond);
}

#include "lease.h"
#include "util.h"
#include "requests.h"
#include "machines.h"
#include "lifecycle.h"

#endif /* ZKELECT_INTERNAL_H */
