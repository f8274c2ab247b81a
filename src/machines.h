/* machines.h - the state machines of an election: leadership, retries, the line,
 * joining, following, lookups, and election.c, which drives them. Included
 * by internal.h, after requests.h */
#ifndef ZKELECT_MACHINES_H
#define ZKELECT_MACHINES_H

/* ========================================================= the state machines */

/* ---------------------------------------------------------------- leadership.c */

/* Elected, on a proof sent at proof_sent_ns: the lease runs from then;
 * takeover says how (zkelect_takeover_t; the predecessor's id goes with it
 * unless TAKEOVER_LISTED). False if it had ended already (the answer came
 * too late). Lock held. */
ZKE_HIDDEN bool zkelect__become_leader(struct zkelect *e, int64_t proof_sent_ns, int takeover);
/* The same, and if it had ended already, a new try after a backoff. */
ZKE_HIDDEN void zkelect__lead(struct zkelect *e, int64_t proof_sent_ns, int takeover);
/* Stop leading, if leading, and queue REVOKED. Lock held. */
ZKE_HIDDEN void zkelect__revoke(struct zkelect *e, int reason);
/* The node of a term revoked with a successor bound went or was written
 * before that bound (reason NODE_DELETED or NODE_CHANGED): STOP_NOW. */
ZKE_HIDDEN void zkelect__bound_broken(struct zkelect *e, int reason);
/* A REVOKED told the host no successor could lead before a bound that is
 * still ahead: our node must stand until then. Lock held. */
ZKE_HIDDEN bool zkelect__bound_ahead(const struct zkelect *e);
/* A renewal answered: the lease runs from its send time. Lock held. */
ZKE_HIDDEN void zkelect__extend_lease(struct zkelect *e, int64_t proof_sent_ns);
/* A leader, or the next in line, whose renewal the session's answers make
 * (see leadership.c), and the one request for all of them, unless one is in
 * flight already (the riders it finds include e). Lock held. */
ZKE_HIDDEN bool zkelect__rides_session(const struct zkelect *e);
ZKE_HIDDEN void zkelect__prove_session(struct zkelect *e);
/* zkelect_is_leader(): leading, and the lease not over. Lock-free. */
ZKE_HIDDEN bool zkelect__holds_lease(const struct zkelect *e);

/* ---------------------------------------------------------------------- retry.c */

/* Drive again after a backoff (errors that need no reconnection). Lock held. */
ZKE_HIDDEN void zkelect__retry_later(struct zkelect *e);
/* A request that failed: logged; unless the connection is the cause (a
 * reconnection cures it: false), ERROR queued for the host, and true: try
 * again after a backoff. Lock held. */
ZKE_HIDDEN bool zkelect__report_failure(struct zkelect *e, const char *what, int rc);
/* A request that failed: wait for the reconnection if the connection is the
 * cause, else report ERROR and retry later. Lock held. */
ZKE_HIDDEN void zkelect__fail(struct zkelect *e, const char *what, int rc);
/* A request of the election about to be sent; NULL (and a retry later)
 * without memory. Lock held. */
ZKE_HIDDEN zke_op_t *zkelect__start_op(struct zkelect *e, const char *path);
/* The client refused to queue op's request: its completion will not run. */
ZKE_HIDDEN void zkelect__abandon(struct zkelect *e, zke_op_t *op, const char *what, int rc);
/* A reply from the server (not a local error) to a request of the current
 * session: the session cannot expire before its send time + T. */
ZKE_HIDDEN void zkelect__note_answer(struct zkelect *e, const zke_op_t *op, int rc);

/* ----------------------------------------------------------------------- line.c */

/* List the election and take our place: watch the predecessor, or lead.
 * Lock held, the session ready, our node ours on this session. */
ZKE_HIDDEN void zkelect__stand_in_line(struct zkelect *e);
/* Send a listing of the election path (counted in lists_sent); done gets
 * its answer. Lock held, the session ready. */
ZKE_HIDDEN void zkelect__list_election(struct zkelect *e, strings_stat_completion_t done);
/* Forget the contenders ahead at the last listing. */
ZKE_HIDDEN void zkelect__forget_ahead(struct zkelect *e);
/* The same, the predecessor with them, and what is in flight void (gen):
 * the next step decides from a new answer. */
ZKE_HIDDEN void zkelect__forget_line(struct zkelect *e);

/* ----------------------------------------------------------------------- join.c */

/* Create our node (and the path, like mkdir -p); find it by its token after
 * a lost reply; or check that it is ours: then stand in line. Lock held,
 * the session ready. */
ZKE_HIDDEN void zkelect__create_node(struct zkelect *e);
ZKE_HIDDEN void zkelect__find_node(struct zkelect *e);
ZKE_HIDDEN void zkelect__check_node(struct zkelect *e);
/* Read our node, arming the watch on it: a leader's renewal (it extends the
 * lease), a standby's recent answer, and at the join the watch by which
 * every participant learns of its node's deletion or a write to it. Lock
 * held. */
ZKE_HIDDEN void zkelect__read_own_node(struct zkelect *e);
/* The watch on our own node: its deletion by someone else loses it, a
 * change has it checked again. */

/* --------------------------------------------------------------------- follow.c */

/* Whether e follows who leads: an observer, or a participant that asked. */
ZKE_HIDDEN bool zkelect__following(const struct zkelect *e);
/* Read the line again and report its leader if it changed. Lock held. */
ZKE_HIDDEN void zkelect__follow_start(struct zkelect *e);
/* The follower's requests in flight are stale (a disconnection). */
ZKE_HIDDEN void zkelect__follow_stale(struct zkelect *e);
/* The keeper's part: start again after a failure's backoff. */
ZKE_HIDDEN void zkelect__follow_tend(struct zkelect *e, int64_t now);
ZKE_HIDDEN void zkelect__follow_forget(struct zkelect *e);

/* --------------------------------------------------------------------- lookup.c */

/* The earliest deadline of the asynchronous lookups in flight, 0 if none. */
ZKE_HIDDEN int64_t zkelect__lookups_deadline(const struct zkelect *e);
/* End those past their deadline (ZKELECT_ETIMEDOUT). Lock held. */
ZKE_HIDDEN void zkelect__lookups_expire(struct zkelect *e, int64_t now);
/* Forget every lookup in flight, without an event: the election is going. */
ZKE_HIDDEN void zkelect__lookups_cancel(struct zkelect *e);

/* -------------------------------------------------------------------- priority.c */

/* Before a join: a creation watch on the flag, unless the election is known
 * to order by priority. Lock held, the session ready. */
ZKE_HIDDEN void zkelect__priority_prepare(struct zkelect *e);
/* A listing's names: the flag among them puts the election in priority
 * order. */
ZKE_HIDDEN void zkelect__priority_seen_in(struct zkelect *e, const struct String_vector *names);
/* Our priority is not 0 and the election has no flag: make it, naming the
 * first of line (sequence order) as the incumbent, then drive. */
ZKE_HIDDEN void zkelect__introduce_priorities(struct zkelect *e, const zke_child_t *line, size_t n);
/* With priorities, a listing is sent after these reads (the flag's data
 * and the lock's, each time); ready once both answered. */
ZKE_HIDDEN void zkelect__read_priority_state(struct zkelect *e);
ZKE_HIDDEN bool zkelect__priority_ready(const struct zkelect *e);
ZKE_HIDDEN void zkelect__read_lock(struct zkelect *e);
/* The token of the contender held first whatever the priorities: the
 * lock's holder, else the incumbent while its node is in line; NULL if
 * none. */
ZKE_HIDDEN const char *zkelect__pinned_token(const struct zkelect *e, const zke_child_t *line, size_t n);
/* First in line: take the leader lock (zkelect__lead() once made, a
 * new listing if someone holds it); or wait for a lock held by one whose
 * node is gone. */
ZKE_HIDDEN void zkelect__claim_lock(struct zkelect *e);
ZKE_HIDDEN void zkelect__wait_for_lock(struct zkelect *e);
/* First in line, and the lock names us but is another session's (a move):
 * replace it with ours. */
ZKE_HIDDEN void zkelect__take_reserved_lock(struct zkelect *e);
ZKE_HIDDEN void zkelect__arm_notice(struct zkelect *e);
ZKE_HIDDEN void zkelect__unarm_notice(struct zkelect *e);
/* Placed at self in line, ahead of an older contender: tell it. */
ZKE_HIDDEN void zkelect__notify_behind(struct zkelect *e, const zke_child_t *line, size_t n, size_t self);
/* zkelect_set_priority() after the start: our node again, at its new place. */
ZKE_HIDDEN void zkelect__priority_changed(struct zkelect *e);
/* Our node made again with our priority, the same token, in one
 * transaction with the old one's deletion. */
ZKE_HIDDEN void zkelect__recreate_node(struct zkelect *e);

/* -------------------------------------------------------------------- switchover.c */

/* A request's (or a notice's) data: four fields separated by NUL, the verb
 * first (docs/FORMATS.md, "Requests"). */
#define ZKE_VERB_RESIGN "resign"
#define ZKE_VERB_PREEMPT "preempt"
#define ZKE_VERB_MOVE "move"
#define ZKE_VERB_MOVED "moved" /* to the chosen one, from the leader that moved its term to it */
/* verb, node, id, id: the longest */
#define ZKE_MESSAGE_MAX (16 + ZKE_NAME_MAX + 2 * (size_t)ZKELECT_ID_MAX + 4)
/* Its length, or -1 if it does not fit. */
ZKE_HIDDEN int zkelect__encode_request(char *buf, size_t size, const char *verb, const char *node, const char *to_id,
                                       const char *by);
/* The request node of a session, "zkr_<session id>" under the election path. */
ZKE_HIDDEN char *zkelect__request_path(const struct zkelect *e, int64_t session);

/* The request node of our session, "zkr_<session id>", watched from the
 * first join on a session until the election closes (a request is for
 * whoever leads on that session: it costs no request per term). */
ZKE_HIDDEN void zkelect__arm_requests(struct zkelect *e);
ZKE_HIDDEN void zkelect__unarm_requests(struct zkelect *e);
/* A notice's data: a request to step down (true, acted on), or not one
 * (false: the notice says our place changed). Lock held. */
ZKE_HIDDEN bool zkelect__step_down_asked(struct zkelect *e, const char *data, int len);
/* The release of a leader asked to move: its node goes and the lock names
 * the one it moves to, in one transaction (else a plain removal). */
ZKE_HIDDEN void zkelect__move_leadership(zke_session_t *s, struct zkelect *e, const zke_item_t *item);
/* A leader that resigned with priorities: rejoin once its successor holds
 * the lock (or nobody else stands, or after T). */
ZKE_HIDDEN void zkelect__rejoin_after_successor(struct zkelect *e);
/* Placed next in line (the watch on our predecessor set): a preemption is
 * due after the delay if our priority is the higher. */
ZKE_HIDDEN void zkelect__consider_preemption(struct zkelect *e);
ZKE_HIDDEN void zkelect__forget_preemption(struct zkelect *e);
/* The keeper's part: the request sent when its time comes. */
ZKE_HIDDEN void zkelect__preemption_tend(struct zkelect *e, int64_t now);

/* ---------------------------------------------------------------------- state.c */

/* Publish the state (create or write its node) if there is one and the
 * session is ready; after the write in flight, if there is one. */
ZKE_HIDDEN void zkelect__publish_state(struct zkelect *e);
/* Connected: on a new session the node went with the old one. */
ZKE_HIDDEN void zkelect__state_session_changed(struct zkelect *e, bool new_session);
/* Remove the node (the state was cleared, or the election retires). */
ZKE_HIDDEN void zkelect__state_remove(struct zkelect *e);

/* ------------------------------------------------------------------- exposure.c */

/* Read the election path's ACL, and warn (once) if anyone may change the
 * election. Lock held, the session ready. */
ZKE_HIDDEN void zkelect__check_exposure(struct zkelect *e);
/* The same for an ACL already known (a path this join made). Lock held. */
ZKE_HIDDEN void zkelect__judge_exposure(struct zkelect *e, const struct ACL_vector *path_acl);

/* ------------------------------------------------------------------- election.c */

/* An election with its defaults on s, on the session's list (arguments
 * already validated); its removal from the list (lock held); its memory. */
ZKE_HIDDEN int zkelect__election_alloc(struct zkelect **out, zke_session_t *s, const char *path, const char *id);
ZKE_HIDDEN void zkelect__election_unlink(struct zkelect *e);
ZKE_HIDDEN void zkelect__election_free(struct zkelect *e);
/* The driver: from the current state, the next step (create, find, check,
 * follow). Lock held. */
ZKE_HIDDEN void zkelect__drive(struct zkelect *e);
/* The one entry point by which the session tells an election what became of
 * it. Lock held. */
ZKE_HIDDEN void zkelect__session_changed(struct zkelect *e, zke_session_change_t change);
/* Stop leading, if leading, and give up our place: REVOKED first, the node
 * released after its delivery, then a new candidacy at the back unless the
 * participant has left. Lock held. */
ZKE_HIDDEN void zkelect__give_up(struct zkelect *e, int reason);
/* Forget our node (gone, or being released), and take a new token. Lock held. */
ZKE_HIDDEN void zkelect__forget_node(struct zkelect *e);
/* The keeper's turn: tends every election of s due by now (its lease and
 * standby renewals, its retries, its follower, its lookups) and times it
 * again; returns when the next is due (0: none). Lock held. */
ZKE_HIDDEN int64_t zkelect__tend_due(zke_session_t *s, int64_t now);

#endif /* ZKELECT_MACHINES_H */
