/* requests.h - the requests in flight, the event queue, the removal of our nodes.
 * Included by internal.h, after the objects */
#ifndef ZKELECT_REQUESTS_H
#define ZKELECT_REQUESTS_H

/* ================================================================ requests */

/* --------------------------------------------------------------------- ops.c */

/* A request about to be sent on s for e (NULL: the session's own), path
 * may be NULL; NULL without memory. Lock held. */
ZKE_HIDDEN zke_op_t *zkelect__op_new(zke_session_t *s, struct zkelect *e, const char *path);
/* A completion's beginning and end, which own the session's lock: begin
 * takes it and notes the log owner, and returns op->e (NULL if there is
 * none, or it retired since); end frees op and lets the lock go. */
ZKE_HIDDEN struct zkelect *zkelect__op_begin(zke_op_t *op);
ZKE_HIDDEN void zkelect__op_end(zke_op_t *op);
/* Take op off its list; false if it is stale: no election, or one closed,
 * a newer generation, another ZooKeeper handle. Lock held. */
ZKE_HIDDEN bool zkelect__op_finish(zke_op_t *op);
/* A request that was not sent: its completion will not run. */
ZKE_HIDDEN void zkelect__op_drop(zke_op_t *op);
ZKE_HIDDEN void zkelect__op_free(zke_op_t *op);
/* Free the requests still pending on a closed ZooKeeper handle (NULL: all). Lock held. */
ZKE_HIDDEN void zkelect__ops_free_for(zke_session_t *s, zhandle_t *zh);
/* An election retires: its requests still in flight stay the session's,
 * stale. Lock held. */
ZKE_HIDDEN void zkelect__ops_orphan(struct zkelect *e);
/* Completions that only clean up. */
ZKE_HIDDEN void zkelect__ignore_void(int rc, const void *data);
ZKE_HIDDEN void zkelect__ignore_stat(int rc, const struct Stat *stat, const void *data);
ZKE_HIDDEN void zkelect__ignore_string_stat(int rc, const char *name, const struct Stat *stat, const void *data);
/* The watch that calls on_event (zke_watch_fn: with the lock held, for a
 * live election) when it fires, for the wrappers below. */
ZKE_HIDDEN zke_watch_t *zkelect__watching(struct zkelect *e, zke_watch_fn on_event);
/* Every asynchronous request is sent through one of these (see ops.c for
 * why); watch NULL sets no watch. */
ZKE_HIDDEN __attribute__((noinline)) int zkelect__zk_awget(zhandle_t *zh, const char *path, zke_watch_t *watch,
                                                          data_completion_t done, const void *data);
ZKE_HIDDEN __attribute__((noinline)) int zkelect__zk_aexists(zhandle_t *zh, const char *path, zke_watch_t *watch,
                                                            stat_completion_t done, const void *data);
ZKE_HIDDEN __attribute__((noinline)) int zkelect__zk_alist(zhandle_t *zh, const char *path, zke_watch_t *watch,
                                                          strings_stat_completion_t done, const void *data);
ZKE_HIDDEN __attribute__((noinline)) int zkelect__zk_acreate(zhandle_t *zh, const char *path, const char *value,
                                                            int len, const struct ACL_vector *acl, int flags,
                                                            string_stat_completion_t done, const void *data);
ZKE_HIDDEN __attribute__((noinline)) int zkelect__zk_adelete(zhandle_t *zh, const char *path,
                                                            void_completion_t done, const void *data);
ZKE_HIDDEN __attribute__((noinline)) int zkelect__zk_amulti(zhandle_t *zh, int count, const zoo_op_t *ops,
                                                           zoo_op_result_t *results, void_completion_t done,
                                                           const void *data);
ZKE_HIDDEN __attribute__((noinline)) int zkelect__zk_aget_acl(zhandle_t *zh, const char *path, acl_completion_t done,
                                                             const void *data);
ZKE_HIDDEN __attribute__((noinline)) int zkelect__zk_aset_acl(zhandle_t *zh, const char *path,
                                                             const struct ACL_vector *acl, void_completion_t done,
                                                             const void *data);
ZKE_HIDDEN __attribute__((noinline)) int zkelect__zk_aset(zhandle_t *zh, const char *path, const char *value, int len,
                                                         stat_completion_t done, const void *data);
/* Remove, on the server too, the data watches this session has on path. */
ZKE_HIDDEN __attribute__((noinline)) int zkelect__zk_aunwatch(zhandle_t *zh, const char *path,
                                                             void_completion_t done, const void *data);

/* ------------------------------------------------------------------- timers.c */

/* The keeper's timetable: a session's elections by when each is next due
 * (ZKE_NOT_DUE: never), from its allocation to its unlinking. _add fails
 * with ZKELECT_ENOMEM if the table cannot grow. Lock held. */
#define ZKE_NOT_DUE INT64_MAX
ZKE_HIDDEN int zkelect__timers_add(zke_session_t *s, struct zkelect *e);
ZKE_HIDDEN void zkelect__timers_remove(zke_session_t *s, struct zkelect *e);
ZKE_HIDDEN void zkelect__timers_free(zke_session_t *s);
ZKE_HIDDEN void zkelect__timers_set(struct zkelect *e, int64_t due_ns);
/* The election due first, or NULL. */
ZKE_HIDDEN struct zkelect *zkelect__timers_first(const zke_session_t *s);
/* e's state changed in a way that may bring one of its deadlines nearer:
 * the keeper tends it at its next turn, after the lock is let go, and
 * times it afresh then. Every change that can bring a deadline of an
 * election nearer calls this (a session change calls it for every
 * election). Lock held. */
ZKE_HIDDEN void zkelect__tend_soon(struct zkelect *e);

/* -------------------------------------------------------------------- queue.c */

/* Queue an item of owner (NULL: the session's): one order for all of the
 * session's elections. Lock held. */
ZKE_HIDDEN void zkelect__queue_item(zke_session_t *s, struct zkelect *owner, zke_item_t *item);
/* Queue an event of e (counted in its stats); the item, or NULL without
 * memory (the event is then logged as lost). Lock held. */
ZKE_HIDDEN zke_item_t *zkelect__queue_event(struct zkelect *e, int type, int reason, int error, int zk_error,
                                            const char *fmt, ...) ZKE_PRINTF(6, 7);
/* Attach a copy of text to item, owned by it (ev's strings point into it);
 * NULL without memory. */
ZKE_HIDDEN const char *zkelect__item_keep(zke_item_t *item, const char *text);
/* Queue LEADER: data NULL for nobody, else the leader's node data (id, NUL, payload). */
ZKE_HIDDEN void zkelect__queue_leader(struct zkelect *e, const char *data, int len, int64_t czxid, int32_t seq);
/* Run the items waiting, up to budget, on the calling thread: the dispatch
 * thread's (session.c), or the host's inside zkelect_dispatch() or a manual
 * destroy. Returns the number of callbacks run. Lock held. */
ZKE_HIDDEN unsigned zkelect__queue_run(zke_session_t *s, size_t budget);
ZKE_HIDDEN void zkelect__queue_free_all(zke_session_t *s);
ZKE_HIDDEN void zkelect__item_free(zke_item_t *item);
/* The calling thread is the one that runs s's callbacks now. Lock held. */
ZKE_HIDDEN bool zkelect__on_dispatch_thread(const zke_session_t *s);

/* ---------------------------------------------------------------------- node.c */

/* Whether removing our node now hands over to its successor. Lock held. */
ZKE_HIDDEN bool zkelect__may_hand_over(const struct zkelect *e);
/* Remove a node of ours made on the ZooKeeper handle zh: with hand_over, in
 * the transaction that tells its successor it is first; retried, or kept
 * as an orphan until connected again, for as long as the session lives. e
 * is the election it was for, NULL once that retired. Lock held. */
ZKE_HIDDEN void zkelect__remove_node(zke_session_t *s, struct zkelect *e, zhandle_t *zh, const char *path,
                                     bool hand_over);
/* The same, and the leader lock at lock_path (NULL: none) with it. */
ZKE_HIDDEN void zkelect__remove_node_and_lock(zke_session_t *s, struct zkelect *e, zhandle_t *zh, const char *path,
                                              const char *lock_path, bool hand_over);
/* Take our watch off a node of ours about to be removed, so that its
 * removal notifies the successor only, not us as well. Lock held. */
ZKE_HIDDEN void zkelect__unwatch_node(zke_session_t *s, struct zkelect *e, zhandle_t *zh, const char *path);
/* The predecessor we watch changes while it stands (someone came between
 * us): its watch off, so that its leaving does not wake us too. */
ZKE_HIDDEN void zkelect__unwatch_predecessor(struct zkelect *e);
/* Remove the orphans kept while disconnected (connected again), or forget
 * them (the session is gone, and they with it). Lock held. */
ZKE_HIDDEN void zkelect__remove_orphans(zke_session_t *s);
ZKE_HIDDEN void zkelect__forget_orphans(zke_session_t *s);

#endif /* ZKELECT_REQUESTS_H */
