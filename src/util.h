/* util.h - the utilities every file of libzkelect may use: node names and line
 * order, sets of strings, validation, ACL text, clocks, signals, error
 * codes, the log. Included by internal.h */
#ifndef ZKELECT_UTIL_H
#define ZKELECT_UTIL_H

/* ============================================================== utilities */

/* ------------------------------------------------------------------ naming.c */

/* A znode name is "<prefix><token>_<seq>": prefix "zke_", token 32 lowercase
 * hex digits unique to one candidacy, seq as the server prints it ("%010d",
 * so "-2147483648" after the signed 32-bit counter wraps). A contender with
 * a priority other than 0 says it before the sequence number:
 * "zke_<token>_p<priority>_<seq>" (priority.c). */
#define ZKE_NODE_PREFIX "zke_"
#define ZKE_TOKEN_LEN 32
#define ZKE_SEQ_MAX_LEN 11
#define ZKE_NAME_MAX (sizeof(ZKE_NODE_PREFIX) - 1 + ZKE_TOKEN_LEN + 1 + ZKE_SEQ_MAX_LEN)
/* The longest node name prefix of any format (Curator's is 47 bytes). */
#define ZKE_PREFIX_MAX 64

typedef struct zke_child {
    const char *name; /* points into the listing it came from */
    int32_t seq;
    int priority;     /* from the name: 0 for most */
    size_t place;     /* its place in sequence order (zkelect__order_by_priority()) */
} zke_child_t;

/* A participant's published state lives beside the contenders (state.c):
 * "zks_<token>", never one of them. */
#define ZKE_STATE_PREFIX "zks_"
ZKE_HIDDEN bool zkelect__is_state_node(const char *name);
/* The election's other nodes that are no contenders: with priorities, the
 * flag, the leader lock and notices (priority.c); the requests to a
 * leader's session (switchover.c). */
#define ZKE_FLAG_NAME "zkf_priorities"
#define ZKE_LOCK_NAME "zkl_leader"
#define ZKE_NOTICE_PREFIX "zkn_"
#define ZKE_REQUEST_PREFIX "zkr_"
ZKE_HIDDEN bool zkelect__is_service_node(const char *name);
/* Fill token (ZKE_TOKEN_LEN + 1 bytes) with fresh random hex. */
ZKE_HIDDEN int zkelect__token_new(char *token);
/* Parse a child name; false if it is not in the zkelect format. */
ZKE_HIDDEN bool zkelect__parse_name(const char *name, int32_t *seq, const char **token, size_t *token_len);
/* Serial-number order of two sequence numbers (RFC 1982 style): true if a
 * comes before b, assuming they are less than 2^31 apart. */
ZKE_HIDDEN bool zkelect__seq_before(int32_t a, int32_t b);
ZKE_HIDDEN const char *zkelect__format_name(int format);
/* Parse a child name as a contender of the given ZKELECT_FORMAT_*; false if
 * that format does not count it. */
ZKE_HIDDEN bool zkelect__parse_child(int format, const char *name, int32_t *seq);
/* The name, up to the sequence number the server appends, of a node of ours. */
ZKE_HIDDEN int zkelect__node_prefix(int format, const char *token, char *buf, size_t len);
/* The same with a priority in it (native format; 0: none). */
ZKE_HIDDEN int zkelect__node_prefix_with(int format, const char *token, int priority, char *buf, size_t len);
/* The data of a contender's or a state node: the id, then, if anything
 * follows, a NUL and the rest (the payload, the state's text). The only
 * place it is put together and taken apart. */
typedef struct zke_node_data {
    const char *id;   /* not NUL-terminated where the data ends with the id */
    size_t id_len;
    const char *rest; /* NULL when nothing follows the id */
    size_t rest_len;
} zke_node_data_t;
ZKE_HIDDEN zke_node_data_t zkelect__node_data_split(const char *data, int len);
/* id, NUL, rest (only the id when rest_len is 0 and !always_nul); malloc'd. */
ZKE_HIDDEN char *zkelect__node_data_join(const char *id, size_t id_len, const void *rest, size_t rest_len,
                                         bool always_nul, size_t *out_len);
/* The full path of a child of the election: the only place it is put
 * together. NULL without memory. */
ZKE_HIDDEN char *zkelect__child_path(const struct zkelect *e, const char *name);
/* The paths of the leader lock, and of a contender's notice: a node
 * "zkn_<token>" others make to tell it something (an empty one: its place
 * changed; else a request of switchover.c's), watched while in line, its
 * watch taken off with its node (priority.c). */
ZKE_HIDDEN char *zkelect__lock_path(const struct zkelect *e);
ZKE_HIDDEN char *zkelect__notice_path(const struct zkelect *e, const char *token);
/* The token in a native contender's name, copied to out (ZKE_TOKEN_LEN + 1). */
ZKE_HIDDEN bool zkelect__token_of(const char *name, char *out);
/* The priority a native name carries; 0 if none, or not a contender's name. */
ZKE_HIDDEN int zkelect__name_priority(const char *name);
/* Reorder a native line (in sequence order already) for an election with
 * priorities: the higher priority first, the sequence order among equals;
 * the node whose token is leader_token (may be NULL) at the head. */
ZKE_HIDDEN void zkelect__order_by_priority(zke_child_t *children, size_t count, const char *leader_token);
/* True if name is a contender of this format created with this token. */
ZKE_HIDDEN bool zkelect__name_has_token_as(int format, const char *name, const char *token);
/* Line order as the format's own clients see it: zkelect's (below) for
 * native nodes, the sequence text compared as a string for Curator and kazoo. */
ZKE_HIDDEN void zkelect__order_children_as(int format, zke_child_t *children, size_t count);
/* Put children in line order. The live sequence numbers occupy an arc of
 * the 32-bit circle much shorter than half of it, so the first in line is the
 * one after the widest gap; this stays right when the counter wraps. */
ZKE_HIDDEN void zkelect__order_children(zke_child_t *children, size_t count);

/* ----------------------------------------------------------------- children.c */

/* The contenders of a listing in line order, for format: pointers into names,
 * *count of them. Each child that does not count is passed to stranger
 * (may be NULL) with ctx. NULL without memory. */
ZKE_HIDDEN zke_child_t *zkelect__line_of(int format, const struct String_vector *names, size_t *count,
                                        void (*stranger)(void *ctx, const char *name), void *ctx);

/* ------------------------------------------------------------------ digest.c */

/* The "digest" scheme's id for "user:password": "user:" and the base64 of
 * its SHA-1, as ZooKeeper's ACLs name it. ZKELECT_EINVAL without a ':',
 * ZKELECT_ERANGE if out is too small. */
ZKE_HIDDEN int zkelect__digest_id(const char *user_password, char *out, size_t len);

/* ------------------------------------------------------------------ strset.c */

ZKE_HIDDEN bool zkelect__strset_has(const zke_strset_t *set, const char *name);
/* 1 if added, 0 if already there, -1 without memory. */
ZKE_HIDDEN int zkelect__strset_add(zke_strset_t *set, const char *name);
ZKE_HIDDEN void zkelect__strset_free(zke_strset_t *set);

/* ---------------------------------------------------------------- validate.c */

/* Each returns ZKELECT_OK, or an error with *why saying what is wrong. */
ZKE_HIDDEN int zkelect__validate_servers(const char *servers, const char **why);
ZKE_HIDDEN int zkelect__validate_path(const char *path, const char **why);
ZKE_HIDDEN int zkelect__validate_id(const char *id, const char **why);
/* A published state: text like an id, up to ZKELECT_ID_MAX bytes. */
ZKE_HIDDEN int zkelect__validate_state(const char *state, const char **why);
/* An election path and id; a NULL id becomes "<hostname>:<pid>" in generated. */
ZKE_HIDDEN int zkelect__check_election(const char *election_path, const char **participant_id, char *generated,
                                       size_t len, const char **why);

/* --------------------------------------------------------------------- acl.c */

/* ACL text to an owned ACL_vector; why gets the reason for ZKELECT_EINVAL. */
ZKE_HIDDEN int zkelect__acl_parse(const char *spec, struct ACL_vector *out, char *why, size_t len);
ZKE_HIDDEN void zkelect__acl_free(struct ACL_vector *v);
ZKE_HIDDEN bool zkelect__acl_names_creator(const struct ACL_vector *v);

/* -------------------------------------------------------------------- time.c */

/* CLOCK_BOOTTIME in ns: the lease clock (no jumps, counts suspend). */
ZKE_HIDDEN int64_t zkelect__now_ns(void);
/* The earlier of two deadlines, where 0 (or less) is none. */
ZKE_HIDDEN int64_t zkelect__earliest(int64_t a, int64_t b);
/* The next try's deadline after a failure; *backoff_ms grows (0: none yet). */
ZKE_HIDDEN int64_t zkelect__back_off(int *backoff_ms);
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

/* ------------------------------------------------------------------ limits.c */

/* zkelect_check_setting(): the setters' one rule for their numeric values. */
ZKE_HIDDEN int zkelect__check_setting(const char *name, double value, char *why, size_t len);

/* ------------------------------------------------------------------- stats.c */

/* Add the event counters of from to to (the session keeps those of the
 * elections that retired). */
ZKE_HIDDEN void zkelect__add_counters(zke_counters_t *to, const zke_counters_t *from);

/* ------------------------------------------------------------------- error.c */

/* ZooKeeper's return code as ours. */
ZKE_HIDDEN int zkelect__from_zk_error(int rc);
/* A ZooKeeper error that a reconnection cures. */
ZKE_HIDDEN bool zkelect__transient(int rc);

/* --------------------------------------------------------------------- log.c */

/* To the election's log function (e may be NULL: nothing). */
ZKE_HIDDEN void zkelect__log(struct zkelect *e, int level, const char *fmt, ...) ZKE_PRINTF(3, 4);
/* To the session's: about the session itself (naming its owner, for a
 * standalone handle). */
ZKE_HIDDEN void zkelect__session_log(zke_session_t *s, int level, const char *fmt, ...) ZKE_PRINTF(3, 4);
/* To e's, or to its session's once e has retired (e NULL). */
ZKE_HIDDEN void zkelect__log_about(zke_session_t *s, struct zkelect *e, int level, const char *fmt, ...)
    ZKE_PRINTF(4, 5);
/* For zookeeper_init2(): routes the ZooKeeper client's messages to the
 * session whose code runs on the calling thread, or whose name it bears. */
ZKE_HIDDEN void zkelect__zk_log(const char *message);
/* The session is connected, or not: while it is not, each distinct line of
 * the client is said once. */
ZKE_HIDDEN void zkelect__zk_log_connected(zke_session_t *s, bool connected);
/* The keeper's part: say what was dropped in a window that ended; when to
 * look again (0: nothing waits to be said). */
ZKE_HIDDEN int64_t zkelect__zk_log_flush(zke_session_t *s, int64_t now);
/* The session the calling thread works for now; returns the one before. A
 * host's thread sets it only for the length of a call into the client
 * (init, close, a callback), and forgets a session that is freed. */
ZKE_HIDDEN zke_session_t *zkelect__set_log_owner(zke_session_t *s);
ZKE_HIDDEN void zkelect__forget_log_owner(const zke_session_t *s);
/* The name a thread that creates a ZooKeeper handle for s takes while it
 * does, so that the client's own threads inherit it (name[16]). */
ZKE_HIDDEN void zkelect__zk_thread_name(const zke_session_t *s, char *name);

/* ----------------------------------------------------------------- process.c */

/* Which process a session belongs to (see process.c). */
ZKE_HIDDEN int zkelect__process_mark_new(zke_process_mark_t **out);
ZKE_HIDDEN void zkelect__process_mark_free(zke_process_mark_t *m);
/* Lock-free, no system call where the kernel wipes the mark on fork(). */
ZKE_HIDDEN bool zkelect__in_creating_process(const zke_process_mark_t *m);
/* ZKELECT_OK in the process that created s; ZKELECT_ESTATE in another one
 * (a child of fork()), said to e's log (s's if e is NULL) for what. */
ZKE_HIDDEN int zkelect__check_process(zke_session_t *s, struct zkelect *e, const char *what);

#endif /* ZKELECT_UTIL_H */
