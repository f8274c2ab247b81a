/*
 * internal.h - the one private header of libzkelect.
 *
 * Locking: one mutex per handle (e->lock) guards everything below that is not
 * atomic. ZooKeeper completions and watchers take it, advance the state
 * machine, queue events, and release it; user code is only ever called by the
 * dispatch thread with no lock held. The three facts that zkelect_is_leader()
 * and friends read lock-free are atomics.
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

/* ------------------------------------------------------------------ naming.c */

/* A znode name is "<prefix><token>_<seq>": prefix "zke_", token 32 lowercase
 * hex digits unique to one candidacy, seq as the server prints it ("%010d",
 * so "-2147483648" after the signed 32-bit counter wraps). */
#define ZKE_NODE_PREFIX "zke_"
#define ZKE_TOKEN_LEN 32
#define ZKE_SEQ_MAX_LEN 11
#define ZKE_NAME_MAX (sizeof(ZKE_NODE_PREFIX) - 1 + ZKE_TOKEN_LEN + 1 + ZKE_SEQ_MAX_LEN)

typedef struct zke_child {
    const char *name; /* points into the listing it came from */
    int32_t seq;
} zke_child_t;

/* Fill token (ZKE_TOKEN_LEN + 1 bytes) with fresh random hex. */
ZKE_HIDDEN int zkelect__token_new(char *token);
/* Parse a child name; false if it is not in the zkelect format. */
ZKE_HIDDEN bool zkelect__parse_name(const char *name, int32_t *seq, const char **token, size_t *token_len);
/* Serial-number order of two sequence numbers (RFC 1982 style): true if a
 * comes before b, assuming they are less than 2^31 apart. */
ZKE_HIDDEN bool zkelect__seq_before(int32_t a, int32_t b);
ZKE_HIDDEN const char *zkelect__format_name(int format);
/* The longest node name prefix of any format (Curator's is 47 bytes). */
#define ZKE_PREFIX_MAX 64
/* Parse a child name as a contender of the given ZKELECT_FORMAT_*; false if
 * that format does not count it. */
ZKE_HIDDEN bool zkelect__parse_child(int format, const char *name, int32_t *seq);
/* The name, up to the sequence number the server appends, of a node of ours. */
ZKE_HIDDEN int zkelect__node_prefix(int format, const char *token, char *buf, size_t len);
/* True if name is a contender of this format created with this token. */
ZKE_HIDDEN bool zkelect__name_has_token_as(int format, const char *name, const char *token);
/* Line order as the format's own clients see it: zkelect's (below) for
 * native nodes, the sequence text compared as a string for Curator and kazoo. */
ZKE_HIDDEN void zkelect__order_children_as(int format, zke_child_t *children, size_t count);
/* Put children in line order. The live sequence numbers occupy an arc of
 * the 32-bit circle much shorter than half of it, so the first in line is the
 * one after the widest gap; this stays right when the counter wraps. */
ZKE_HIDDEN void zkelect__order_children(zke_child_t *children, size_t count);

/* ------------------------------------------------------------------ strset.c */

typedef struct zke_strset {
    char **items; /* sorted */
    size_t count, cap;
} zke_strset_t;

ZKE_HIDDEN bool zkelect__strset_has(const zke_strset_t *set, const char *name);
/* 1 if added, 0 if already there, -1 without memory. */
ZKE_HIDDEN int zkelect__strset_add(zke_strset_t *set, const char *name);
ZKE_HIDDEN void zkelect__strset_free(zke_strset_t *set);

/* ---------------------------------------------------------------- validate.c */

ZKE_HIDDEN int zkelect__validate_hosts(const char *hosts, const char **why);

/* acl.c: ACL text to an owned ACL_vector; why gets the reason for EINVAL */
ZKE_HIDDEN int zkelect__acl_parse(const char *spec, struct ACL_vector *out, char *why, size_t len);
ZKE_HIDDEN void zkelect__acl_free(struct ACL_vector *v);
ZKE_HIDDEN bool zkelect__acl_names_creator(const struct ACL_vector *v);

/* handle.c: the ACL for the nodes e creates (zkelect_set_acl's or the default) */
ZKE_HIDDEN const struct ACL_vector *zkelect__node_acl(const struct zkelect *e);
ZKE_HIDDEN int zkelect__validate_path(const char *path, const char **why);
ZKE_HIDDEN int zkelect__validate_id(const char *id, const char **why);

/* -------------------------------------------------------------------- time.c */

/* CLOCK_BOOTTIME in ns: the lease clock (no jumps, counts suspend). */
ZKE_HIDDEN int64_t zkelect__now_ns(void);
/* CLOCK_MONOTONIC in ns: the clock our condition variables wait on. */
ZKE_HIDDEN int64_t zkelect__mono_ns(void);
/* Wait on cond (initialised for CLOCK_MONOTONIC) until a CLOCK_BOOTTIME
 * deadline; deadline < 0 waits without limit. Returns like pthread_cond_timedwait. */
ZKE_HIDDEN int zkelect__cond_wait_until(pthread_cond_t *cond, pthread_mutex_t *lock, int64_t deadline_ns);
ZKE_HIDDEN int zkelect__cond_init(pthread_cond_t *cond);

/* ----------------------------------------------------------------- signals.c */

/* Block every asynchronous signal in the calling thread, saving its mask:
 * around the creation of threads, which inherit it (see signals.c). */
ZKE_HIDDEN void zkelect__block_async_signals(sigset_t *saved);
ZKE_HIDDEN void zkelect__restore_signals(const sigset_t *saved);

/* ------------------------------------------------------------------ events.c */

typedef enum zke_item_kind {
    ZKE_ITEM_EVENT,       /* deliver ev to the callback */
    ZKE_ITEM_RELEASE,     /* after the REVOKED before it: delete node, rejoin */
    ZKE_ITEM_TEARDOWN,    /* after everything before it: tear the handle down */
    ZKE_ITEM_RETIRE       /* after everything before it: detach an election from its shared session */
} zke_item_kind_t;

typedef struct zke_item {
    struct zke_item *next;
    struct zkelect *owner; /* the election it is for (queues are shared by a session's elections) */
    zke_item_kind_t kind;
    zkelect_event_t ev;
    char *text;     /* owned copy behind ev.message */
    char *leader;   /* LEADER: owned copy behind ev.leader_id and ev.leader_data */
    char *path;     /* RELEASE: the node to delete */
    bool unwatch;   /* RELEASE: take our watch off it first */
    bool hand_over; /* RELEASE: the node was first in line (see handoff.c) */
    zhandle_t *zh;  /* RELEASE: the handle the node belongs to */
    zkelect_participant_t *participants; /* PARTICIPANTS: owned list behind ev.participants */
} zke_item_t;

/* --------------------------------------------------------------- the handle */

typedef enum zke_phase {
    ZKE_IDLE,       /* not started */
    ZKE_WAITING,    /* no usable session: waiting for CONNECTED */
    ZKE_CREATING,   /* create in flight (or its outcome unknown) */
    ZKE_CHECKING,   /* own-node check or listing in flight */
    ZKE_WATCHING,   /* watching the predecessor */
    ZKE_LEADING,    /* elected (see leading/lease for whether it still holds) */
    ZKE_RELEASING,  /* resigned: waiting for REVOKED delivery before the delete */
    ZKE_FAILED,     /* fatal error (auth): nothing more happens */
    ZKE_CLOSING
} zke_phase_t;

/* One outstanding asynchronous ZooKeeper request. The ZooKeeper client does
 * not call the completions of requests still pending when a handle is closed,
 * so these live on a list in the handle and are freed when it goes. */
typedef struct zke_lookup zke_lookup_t;

typedef struct zke_op {
    struct zke_op *prev, *next;
    struct zkelect *e; /* whose request it is: read with *lock held (see zkelect__op_lock) */
    pthread_mutex_t *lock;
    zhandle_t *zh;    /* the session it was sent on */
    uint64_t gen;     /* e->gen when sent: a different gen means stale */
    int64_t sent_ns;  /* CLOCK_BOOTTIME when sent: the lease's "a" */
    char *path;       /* the node concerned, if any */
    bool finding;     /* a listing made to find our node by token */
    zoo_op_result_t *results; /* a multi's: written by the client until its completion */
    zke_lookup_t *lookup;     /* a lookup's request (lookup.c): the lookup, and the contender it reads */
    size_t slot;
    bool answered;            /* its completion ran */
    bool follow;              /* follow.c's: stale by the follower's generation, not the election's */
    void (*on_free)(struct zke_op *op); /* called by zkelect__op_free(), for the one who sent it */
} zke_op_t;

/* Following who leads (follow.c): an observer's whole job, and a
 * participant's beside its election when it asked for LEADER events. */
typedef struct zke_follow {
    uint64_t gen;               /* its requests' generation, apart from the election's */
    char **line;                /* contenders at the last listing, in line order */
    size_t n_line, line_pos;    /* line[line_pos] is being read */
    bool line_watched;          /* the last listing set a child watch */
    bool reported;              /* a LEADER event went out */
    int64_t leader_czxid;       /* the reported leader's czxid, -1 for nobody */
    int64_t retry_at;           /* the keeper starts again then (0: none) */
    int backoff_ms;
} zke_follow_t;

/* What ZooKeeper watchers get as their context: the election they are for,
 * or NULL once it is retired from a shared session. A watch cannot be taken
 * back from the client, so this outlives the election, until the session. */
typedef struct zke_ref {
    struct zke_ref *next;
    struct zkelect *e;
    pthread_mutex_t *lock; /* e's lock, which its session's outlives it */
} zke_ref_t;

/* What happened since start, for zkelect_stats() (stats.c). Lock held. */
typedef struct zke_counters {
    uint64_t terms;         /* ELECTED */
    uint64_t revoked[ZKELECT_STATS_REASONS]; /* REVOKED, by reason */
    uint64_t joins;         /* JOINED */
    uint64_t errors;        /* ERROR */
    uint64_t leader_changes; /* LEADER */
    uint64_t connections;   /* CONNECTED: the first one and every reconnection */
    uint64_t sessions;      /* distinct sessions established */
    uint64_t expiries;      /* sessions expired, or given up after 2T without a connection */
} zke_counters_t;

struct zkelect {
    /* shared sessions (shared.c): a session is a "carrier" handle that joins
     * nothing and owns the ZooKeeper handle, the keeper and dispatch threads
     * and the event queue; its elections ("members") use those and its lock */
    struct zkelect *carrier;    /* a member's session; NULL otherwise */
    bool is_carrier;
    struct zkelect *members;    /* carrier: its elections, linked by next_member */
    struct zkelect *next_member, *prev_member;
    zke_ref_t *ref;             /* this election's watcher context */
    zke_ref_t *refs;            /* carrier: the refs of retired members, freed with it */
    bool retired;               /* member: detached from its session, to be freed */

    /* configuration: fixed after start */
    char *hosts;
    char *path;
    char *id;
    char *payload; /* node data: id, then NUL and the user data if any */
    size_t payload_len;
    int session_timeout_ms;
    int policy;
    double lease_fraction;
    zkelect_callback_fn cb;
    void *cb_userdata;
    zkelect_log_fn log_fn;
    void *log_userdata;
    int log_level;
    bool observer;              /* follows the election without a node */
    int format;                 /* ZKELECT_FORMAT_*: node names, order and data */
    bool left;                  /* zkelect_leave(): never join again */
    char *auth_scheme;          /* NULL: no credentials */
    char *auth_credential;
    size_t auth_len;
    struct ACL acl_entries[2];
    struct ACL_vector acl;      /* the default, for every node the library creates */
    struct ACL_vector custom_acl; /* zkelect_set_acl(), owned; count 0 when unset */

    pthread_mutex_t *lock;      /* &own_lock, or the session's for an election on a shared session */
    pthread_mutex_t own_lock;
    pthread_cond_t state_cond;  /* leadership or connection changed */
    pthread_cond_t keeper_cond; /* something for the keeper to do */
    pthread_cond_t queue_cond;  /* an item for the dispatch thread */

    /* session */
    zhandle_t *zh;
    bool connected;
    bool ever_connected;
    bool need_new_session;
    int64_t session_retry_at;   /* keeper opens the new session then */
    int session_backoff_ms;
    int64_t session_id;
    int timeout_ms;             /* negotiated T, minimum seen on this session */
    int64_t disconnected_since; /* 0 while connected */

    /* election state machine */
    zke_phase_t phase;
    uint64_t gen;
    char token[ZKE_TOKEN_LEN + 1];
    bool create_unknown;        /* a create's reply was lost: find it by token */
    char *own_path;             /* full path of our znode, when we have one */
    char *own_name;             /* its last component */
    int32_t own_seq;
    int64_t own_czxid;          /* -1 until known */
    int64_t checked_ns;         /* send time of the last proof that our node is ours */
    int64_t owned_session;      /* the session on which our node was created or checked, 0 if none */
    int64_t answered_ns;        /* send time of the latest request the server answered on this session */
    bool own_watched;           /* a watch on our node is set, as an answer confirmed */
    bool own_watch_armed;       /* a watch on our node may be set: asked for, not yet fired or removed */
    bool first_confirmed;       /* our node has been seen first in line: nothing can get ahead of it again,
                                 * so deleting it hands over to its successor (handoff.c) */
    int64_t listed_ns;          /* send time of the listing behind `ahead` */
    char *watched_path;         /* predecessor being watched */
    zke_strset_t impostors;     /* persistent nodes named like contenders */
    zke_strset_t strangers;     /* children not in our format, already logged */
    bool strangers_capped;      /* too many strangers to remember each */
    char **ahead;               /* the contenders ahead of us at the last listing, nearest last */
    size_t n_ahead;
    int probes_pending;         /* checks of contenders ahead in flight */
    int probe_failed;           /* a ZooKeeper error among them, or 0 */
    int64_t retry_at;           /* keeper restarts the join then (0: none) */
    int retry_backoff_ms;
    char **orphans;             /* our nodes to delete once connected */
    size_t n_orphans;

    zke_follow_t follow;        /* following who leads (follow.c) */
    bool leader_events;         /* a participant that follows who leads too (zkelect_set_leader_events) */

    /* leadership: read lock-free by the queries */
    atomic_bool leading;
    atomic_llong lease_deadline; /* CLOCK_BOOTTIME ns */
    atomic_llong epoch;          /* czxid of the current term, -1 if none */
    atomic_int granted_ms;       /* copy of timeout_ms for lock-free reads, 0 before any session */
    int64_t lease_sent_ns;       /* a */
    int64_t next_renew_ns;

    zke_op_t ops; /* sentinel of the list of outstanding ops */
    zke_lookup_t *lookups;      /* lookups in flight (lookup.c) */
    int n_lookups;
    int query_timeout_ms;

    zke_counters_t counters;
    zke_counters_t retired_counters; /* carrier: those of the elections it no longer carries */
    /* ZooKeeper client lines passed to the log function in the current
     * window, and those dropped (log.c); under log_lock, not lock */
    pthread_mutex_t log_lock;
    int64_t zk_log_window_ns;
    unsigned zk_log_lines;
    uint64_t zk_log_dropped, zk_log_dropped_total;

    /* requests sent, for the tests and the benchmark (lock held) */
    uint64_t reads_sent;  /* gets, exists and listings */
    uint64_t lists_sent;  /* listings of the election */
    uint64_t quick_takeovers; /* elections without a round trip (predecessor_gone) */
    uint64_t handoff_takeovers; /* of those, on a hand-over by a predecessor further ahead than we knew */

    /* threads */
    bool started;
    bool stopping;       /* teardown begun: keeper must exit */
    bool destroy_deferred;
    bool keeper_running;
    pthread_t dispatch_thread;
    pthread_t keeper_thread;
    zke_item_t *queue_head, *queue_tail;
    size_t queue_len;

    /* manual dispatch (dispatch.c) */
    bool manual_dispatch;       /* no dispatch thread: the host calls zkelect_dispatch() */
    int event_fd;               /* eventfd, readable while the queue holds items; -1 in thread mode */
    bool dispatching;           /* a thread is inside zkelect_dispatch() or a manual destroy */
    pthread_t dispatcher;       /* that thread */
};

/* The handle that owns the ZooKeeper handle, the threads and the queue. */
static inline struct zkelect *zkelect__host(const struct zkelect *e)
{
    return (struct zkelect *)(e->carrier ? e->carrier : e);
}
static inline void zkelect__wake_keeper(struct zkelect *e)
{
    pthread_cond_signal(&zkelect__host(e)->keeper_cond);
}

/* The lease lasts f*T from its "a"; it is renewed, and the next in line
 * refreshes its answer, every T/4 (see docs/GUARANTEES.md). */
static inline int64_t zkelect__lease_ns(const struct zkelect *e)
{
    return (int64_t)(e->lease_fraction * e->timeout_ms * ZKE_MS);
}
static inline int64_t zkelect__renew_interval_ns(const struct zkelect *e)
{
    return (int64_t)e->timeout_ms * ZKE_MS / 4;
}

/* ----------------------------------------------------------------- log.c */

ZKE_HIDDEN void zkelect__log(struct zkelect *e, int level, const char *fmt, ...) ZKE_PRINTF(3, 4);
/* For zookeeper_init2(): routes the ZooKeeper client's messages to the handle
 * whose code runs on the calling thread. */
ZKE_HIDDEN void zkelect__zk_log(const char *message);
ZKE_HIDDEN void zkelect__set_log_owner(struct zkelect *e);
/* The name a thread that creates a ZooKeeper handle for e takes while it
 * does, so that the client's own threads inherit it and their log lines
 * reach e's log function (name[16]). */
ZKE_HIDDEN void zkelect__zk_thread_name(const struct zkelect *e, char *name);
ZKE_HIDDEN int zkelect__from_zk_error(int rc);
/* A ZooKeeper error that a reconnection cures (error.c). */
ZKE_HIDDEN bool zkelect__transient(int rc);

/* ---------------------------------------------------------------- events.c */

/* Queue an event for the dispatch thread; the item, or NULL without memory
 * (the event is then logged as lost). Lock held. */
ZKE_HIDDEN zke_item_t *zkelect__queue_event(struct zkelect *e, int type, int reason, int error, int zk_error,
                                     const char *fmt, ...) ZKE_PRINTF(6, 7);
ZKE_HIDDEN void zkelect__queue_item(struct zkelect *e, zke_item_t *item);
/* Queue LEADER: id NULL for nobody, else the leader's node data (id, NUL, payload). */
ZKE_HIDDEN void zkelect__queue_leader(struct zkelect *e, const char *data, int len, int64_t czxid, int32_t seq);
ZKE_HIDDEN void zkelect__queue_free_all(struct zkelect *e);
/* The first item, or NULL; clears the event fd when the queue empties. Lock held. */
ZKE_HIDDEN zke_item_t *zkelect__queue_take(struct zkelect *e);
ZKE_HIDDEN void zkelect__item_free(zke_item_t *item);
/* Run the callback for an EVENT item: lock held on entry and on return,
 * released while the callback runs. */
ZKE_HIDDEN void zkelect__deliver(struct zkelect *e, const zke_item_t *item);
/* A RELEASE item: delete the resigned node and rejoin. Lock held. */
ZKE_HIDDEN void zkelect__release(struct zkelect *e, const zke_item_t *item);
ZKE_HIDDEN void *zkelect__dispatch_main(void *arg);
/* The calling thread is the one that runs this handle's callbacks now. Lock held. */
ZKE_HIDDEN bool zkelect__on_dispatch_thread(const struct zkelect *e);

/* ---------------------------------------------------------------- shared.c */

/* A member's RETIRE item: detach it from its session (its node deleted, its
 * requests and watches handed to the session) and free it if its destroy
 * was deferred. Lock held. */
ZKE_HIDDEN void zkelect__retire(struct zkelect *e);
/* stats.c: zkelect_session_stats() for the session's carrier. */
ZKE_HIDDEN int zkelect__session_stats(struct zkelect *carrier, zkelect_stats_t *stats);
/* zkelect_start() and zkelect_destroy() of an election on a shared session. */
ZKE_HIDDEN int zkelect__member_start(struct zkelect *e);
ZKE_HIDDEN void zkelect__member_destroy(struct zkelect *e);

/* -------------------------------------------------------------- dispatch.c */

/* Manual dispatch: run every queued item on the calling thread, then tear the
 * handle down and free it (zkelect_destroy() outside a callback, or after
 * the callback that called it). Lock held on entry, released on return.
 * Returns the number of callbacks run. */
ZKE_HIDDEN unsigned zkelect__manual_destroy(struct zkelect *e);

/* ---------------------------------------------------------------- election.c */

/* Begin (again) from the current session's point of view: create our node or
 * re-check an existing one. Lock held. */
ZKE_HIDDEN void zkelect__restart(struct zkelect *e);
/* Stop leading, if leading, and give up our place: REVOKED first, the delete
 * after its delivery (see zkelect__release()), then a new candidacy at the
 * back unless the participant has left (handle.c). Lock held. */
ZKE_HIDDEN void zkelect__give_up_place(struct zkelect *e, int reason);
/* Stop leading, if leading, and queue REVOKED. Lock held. */
ZKE_HIDDEN void zkelect__revoke(struct zkelect *e, int reason);
/* Forget our node (it is gone or being released). Lock held. */
ZKE_HIDDEN void zkelect__forget_node(struct zkelect *e);
/* Send the lease renewal (a read of our own node). Lock held. */
ZKE_HIDDEN void zkelect__renew(struct zkelect *e);
/* Delete a node of ours, now or once connected again. Lock held. */
ZKE_HIDDEN void zkelect__delete_node(struct zkelect *e, zhandle_t *zh, const char *path);
/* ---------------------------------------------------------------- handoff.c */

/* Whether deleting our node now hands over to its successor. Lock held. */
ZKE_HIDDEN bool zkelect__may_hand_over(const struct zkelect *e);
/* Delete a node of ours; with hand_over (zkelect__may_hand_over() when it
 * was ours), in the transaction that tells the successor it is first. Lock
 * held. */
ZKE_HIDDEN void zkelect__remove_node(struct zkelect *e, zhandle_t *zh, const char *path, bool hand_over);

/* Take our watch off a node of ours about to be deleted, so that the delete
 * notifies the successor only, not us as well. Lock held, connected. */
ZKE_HIDDEN void zkelect__unwatch_node(struct zkelect *e, zhandle_t *zh, const char *path);
/* Retry the join after a backoff (errors that need no reconnect). Lock held. */
ZKE_HIDDEN void zkelect__retry_later(struct zkelect *e);
/* A request that failed: wait for the reconnection if the connection is the
 * cause, else report ERROR and retry later. Lock held. */
ZKE_HIDDEN void zkelect__fail(struct zkelect *e, const char *what, int rc);
/* The op for a request about to be sent; NULL (and a retry later) without
 * memory. Lock held. */
ZKE_HIDDEN zke_op_t *zkelect__start_op(struct zkelect *e, const char *path);
/* The client refused to queue op's request: its completion will not run. */
ZKE_HIDDEN void zkelect__abandon(struct zkelect *e, zke_op_t *op, const char *what, int rc);

/* A watcher's election, from its context, with the lock held; NULL (and no
 * lock held) if the election has been retired since the watch was set. */
ZKE_HIDDEN struct zkelect *zkelect__watched(void *ctx);

/* ---------------------------------------------------------------- follow.c */

/* Whether e follows who leads: an observer, or a participant that asked. */
ZKE_HIDDEN bool zkelect__following(const struct zkelect *e);
/* Read the line again and report its leader if it changed. Lock held. */
ZKE_HIDDEN void zkelect__follow_start(struct zkelect *e);
/* The follower's requests in flight are stale (a disconnection). */
ZKE_HIDDEN void zkelect__follow_stale(struct zkelect *e);
/* The keeper's part: start again after a failure's backoff. */
ZKE_HIDDEN void zkelect__follow_tend(struct zkelect *e, int64_t now);
ZKE_HIDDEN void zkelect__follow_forget(struct zkelect *e);

/* ---------------------------------------------------------------- lookup.c */

/* The earliest deadline of the asynchronous lookups in flight, 0 if none. */
ZKE_HIDDEN int64_t zkelect__lookups_deadline(const struct zkelect *e);
/* End those past their deadline (ZKELECT_ETIMEDOUT). Lock held. */
ZKE_HIDDEN void zkelect__lookups_expire(struct zkelect *e, int64_t now);
/* Forget every lookup in flight, without an event: the election is going. */
ZKE_HIDDEN void zkelect__lookups_cancel(struct zkelect *e);

/* ---------------------------------------------------------------- ops.c */

ZKE_HIDDEN zke_op_t *zkelect__op_new(struct zkelect *e, const char *path);
/* For a completion: take the lock and return the op's owner. */
ZKE_HIDDEN struct zkelect *zkelect__op_lock(zke_op_t *op);
/* Take op off the list; returns false if the handle is stopping or op is stale
 * (the caller then only cleans up). Lock held. */
ZKE_HIDDEN bool zkelect__op_finish(zke_op_t *op);
ZKE_HIDDEN void zkelect__op_free(zke_op_t *op);
/* Free the ops still pending on a closed handle. Lock held. */
ZKE_HIDDEN void zkelect__ops_free_for(struct zkelect *e, zhandle_t *zh);
/* Every asynchronous request is sent through one of these (see ops.c for
 * why); watcher NULL sets no watch. */
ZKE_HIDDEN __attribute__((noinline)) int zkelect__zk_awget(zhandle_t *zh, const char *path, watcher_fn watcher,
                                                          void *ctx, data_completion_t done, const void *data);
ZKE_HIDDEN __attribute__((noinline)) int zkelect__zk_aexists(zhandle_t *zh, const char *path, watcher_fn watcher,
                                                            void *ctx, stat_completion_t done, const void *data);
ZKE_HIDDEN __attribute__((noinline)) int zkelect__zk_alist(zhandle_t *zh, const char *path, watcher_fn watcher,
                                                          void *ctx, strings_stat_completion_t done,
                                                          const void *data);
ZKE_HIDDEN __attribute__((noinline)) int zkelect__zk_acreate(zhandle_t *zh, const char *path, const char *value,
                                                            int len, const struct ACL_vector *acl, int flags,
                                                            string_stat_completion_t done, const void *data);
ZKE_HIDDEN __attribute__((noinline)) int zkelect__zk_adelete(zhandle_t *zh, const char *path,
                                                            void_completion_t done, const void *data);
ZKE_HIDDEN __attribute__((noinline)) int zkelect__zk_amulti(zhandle_t *zh, int count, const zoo_op_t *ops,
                                                           zoo_op_result_t *results, void_completion_t done,
                                                           const void *data);
/* Remove, on the server too, the data watches this session has on path. */
ZKE_HIDDEN __attribute__((noinline)) int zkelect__zk_aunwatch(zhandle_t *zh, const char *path,
                                                             void_completion_t done, const void *data);

/* ---------------------------------------------------------------- session.c */

ZKE_HIDDEN void zkelect__session_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx);
/* Open a new ZooKeeper handle for e (lock NOT held). */
ZKE_HIDDEN int zkelect__session_open(struct zkelect *e);
ZKE_HIDDEN void *zkelect__keeper_main(void *arg);
/* A member election joins its session's current state. Lock held. */
ZKE_HIDDEN void zkelect__session_attach(struct zkelect *m);
/* The session is usable for requests. Lock held. */
ZKE_HIDDEN bool zkelect__session_ready(const struct zkelect *e);

/* ---------------------------------------------------------------- handle.c */

/* Returns true if the destroy was called from a callback (deferred). */
ZKE_HIDDEN bool zkelect__teardown(struct zkelect *e);
/* A handle with its defaults, arguments already validated. */
ZKE_HIDDEN int zkelect__alloc(struct zkelect **out, const char *zk_hosts, const char *election_path,
                              const char *participant_id);
/* Validate an election path and id; a NULL id becomes "<hostname>:<pid>" in
 * generated. On failure *why says what is wrong. */
ZKE_HIDDEN int zkelect__check_election(const char *election_path, const char **participant_id, char *generated,
                                       size_t len, const char **why);
ZKE_HIDDEN void zkelect__ignore_void(int rc, const void *data);
ZKE_HIDDEN void zkelect__free(struct zkelect *e);
/* The start of every destroy: stop, revoke (REVOKED(closed) is the last
 * event), and note whether it is deferred (called from a callback). Lock held. */
ZKE_HIDDEN void zkelect__begin_close(struct zkelect *e);

#endif /* ZKELECT_INTERNAL_H */
