/* priority.c - elections whose contenders have priorities
 * (zkelect_set_priority()).
 *
 * Without priorities the line is the sequence order, the first leads, and
 * its node's czxid is the epoch: nodes lead in the order they were made, so
 * epochs grow. With priorities a node made later can lead before one made
 * earlier, so three more nodes under the election path carry the election
 * (docs/GUARANTEES.md, "Priorities"):
 *
 * - the flag, "zkf_priorities", persistent: this election orders by
 *   priority. The first contender with a priority makes it, naming in its
 *   data the token of the leader of the election so far (the incumbent),
 *   which keeps its term. Every participant keeps a creation watch on it
 *   until it exists, so that none can take over by the old rule after a
 *   leader elected by the new one: the flag's notification comes before any
 *   later one (one session's notifications come in zxid order).
 * - the lock, "zkl_leader", ephemeral, its data the leader's token: a
 *   contender leads only once it has made it, so there is one leader
 *   however the line looks to each, and the lock's czxid is the epoch:
 *   each lock is made after the last one went, so epochs grow.
 * - notices, "zkn_<token>", ephemeral: a contender placed ahead of an older
 *   one (by its priority) makes the notice of the one right behind it,
 *   which watches for it, and so learns that the one it must watch changed:
 *   one notification per join, whatever the priorities.
 *
 * The line: the lock's holder first (else the incumbent, while its node
 * stands), then the others by priority, the sequence order among equals.
 * Lock held throughout, but in the completions and watchers. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A request of the election that does not belong to one step of its state
 * machine: its answer counts whatever the generation. */
static zke_op_t *side_op(struct zkelect *e, const char *path)
{
    zke_op_t *op = zkelect__op_new(e->session, e, path);
    if (op)
        op->any_gen = true;
    return op;
}

/* ----------------------------------------------------------------- the mode */

static void flag_event(struct zkelect *e, zhandle_t *zh, int type, const char *path);
static void leave_priority_mode(struct zkelect *e);

static void flag_read(int rc, const char *value, int len, const struct Stat *stat, const void *data)
{
    (void)stat;
    zke_op_t *op = (zke_op_t *)data;
    struct zkelect *e = zkelect__op_begin(op);
    if (zkelect__op_finish(op) && !zkelect__transient(rc)) {
        free(e->incumbent);
        e->incumbent = rc == ZOK && len == ZKE_TOKEN_LEN ? strndup(value, (size_t)len) : NULL;
        e->flag_read = true;
    }
    zkelect__op_end(op);
}

/* Sent before the listing that follows, on the same session: answered
 * before it. */
static void read_flag(struct zkelect *e)
{
    e->flag_read = false;
    char *path = zkelect__child_path(e, ZKE_FLAG_NAME);
    zke_op_t *op = path ? side_op(e, path) : NULL;
    if (op && zkelect__zk_awget(e->session->zh, path, NULL, flag_read, op) != ZOK)
        zkelect__op_drop(op);
    free(path);
}

static void arm_notice(struct zkelect *e);

/* The election orders by priority from now on: the line is read again,
 * in its new order, before anything is decided. */
static void enter_priority_mode(struct zkelect *e)
{
    if (e->priority_mode)
        return;
    e->priority_mode = true;
    e->line_dirty = true;
    e->flag_read = false;
    zkelect__log(e, ZKELECT_LOG_INFO, "the election %s orders its contenders by priority from now on", e->path);
    if (e->own_path && zkelect__session_ready(e))
        arm_notice(e);
    zkelect__priority_prepare(e); /* the flag watched for its deletion now */
}

/* The flag is gone: only with the election path, deleted by an operator
 * (or the flag alone). Every node went with it, so nobody leads by the lock
 * any more: the election starts over without priorities until a contender
 * with one makes the flag again, naming the first in line as the
 * incumbent, as at the first introduction, so that every contender, old or
 * new, follows one rule. */
static void leave_priority_mode(struct zkelect *e)
{
    if (!e->priority_mode)
        return;
    zkelect__log(e, ZKELECT_LOG_WARN, "the flag %s/" ZKE_FLAG_NAME " was deleted: the election starts over without "
                 "priorities until a contender with one makes it again", e->path);
    e->priority_mode = false;
    e->flag_read = false;
    free(e->incumbent);
    free(e->lock_holder);
    e->incumbent = e->lock_holder = NULL;
    e->line_dirty = true;
    e->flag_watch_armed = false;
    zkelect__priority_prepare(e);
}

static void flag_seen(int rc, const struct Stat *stat, const void *data)
{
    (void)stat;
    zke_op_t *op = (zke_op_t *)data;
    struct zkelect *e = zkelect__op_begin(op);
    if (zkelect__op_finish(op) && !e->stopping) {
        if (rc == ZOK)
            enter_priority_mode(e);
        else if (rc == ZNONODE)
            leave_priority_mode(e); /* deleted while nobody watched it */
        else
            e->flag_watch_armed = false; /* armed again at the next join */
    }
    zkelect__op_end(op);
}

static void flag_event(struct zkelect *e, zhandle_t *zh, int type, const char *path)
{
    (void)zh, (void)path;
    e->flag_watch_armed = false;
    bool changed = !e->stopping && ((type == ZOO_CREATED_EVENT && !e->priority_mode) ||
                                    (type == ZOO_DELETED_EVENT && e->priority_mode));
    if (changed && type == ZOO_CREATED_EVENT)
        enter_priority_mode(e);
    else if (changed)
        leave_priority_mode(e);
    if (changed && e->phase == ZKE_WATCHING) {
        zkelect__unwatch_predecessor(e);
        e->driver->drive(e);
    }
}

void zkelect__priority_prepare(struct zkelect *e)
{
    if (e->format != ZKELECT_FORMAT_NATIVE || e->observer || e->flag_watch_armed || !zkelect__session_ready(e))
        return;
    char *path = zkelect__child_path(e, ZKE_FLAG_NAME);
    zke_op_t *op = path ? side_op(e, path) : NULL;
    if (op && zkelect__zk_aexists(e->session->zh, path, zkelect__watching(e, flag_event), flag_seen, op) == ZOK)
        e->flag_watch_armed = true;
    else if (op)
        zkelect__op_drop(op);
    free(path);
}

void zkelect__priority_seen_in(struct zkelect *e, const struct String_vector *names)
{
    for (int i = 0; i < names->count && !e->priority_mode; i++)
        if (strcmp(names->data[i], ZKE_FLAG_NAME) == 0)
            enter_priority_mode(e);
}

static void flag_made(int rc, const void *data)
{
    zke_op_t *op = (zke_op_t *)data;
    struct zkelect *e = zkelect__op_begin(op);
    if (zkelect__op_finish(op)) {
        zkelect__note_answer(e, op, rc);
        int made = op->results ? op->results[op->n_results - 1].err : rc;
        if (rc == ZOK || made == ZNODEEXISTS) {
            enter_priority_mode(e);
            e->driver->drive(e);
        } else if (rc == ZNONODE || made == ZNONODE || rc == ZRUNTIMEINCONSISTENCY) {
            e->driver->drive(e); /* the incumbent went meanwhile: look again */
        } else {
            zkelect__fail(e, "introducing priorities", rc);
        }
    }
    zkelect__op_end(op);
}

void zkelect__introduce_priorities(struct zkelect *e, const zke_child_t *line, size_t n)
{
    /* The incumbent: the first of the line as it stands (sequence order),
     * unless that is us; the flag is made only while its node stands. */
    char token[ZKE_TOKEN_LEN + 1] = "";
    bool incumbent = n > 0 && (strcmp(line[0].name, e->own_name) != 0 || atomic_load(&e->leading)) &&
                     zkelect__token_of(line[0].name, token);
    char *flag = zkelect__child_path(e, ZKE_FLAG_NAME);
    char *first = incumbent ? zkelect__child_path(e, line[0].name) : NULL;
    zke_op_t *op = flag && (first || !incumbent) ? zkelect__start_op(e, flag) : NULL;
    zoo_op_result_t *results = op ? calloc(2, sizeof *results) : NULL;
    if (results) {
        zoo_op_t ops[2];
        int k = 0;
        if (incumbent)
            zoo_check_op_init(&ops[k++], first, -1);
        zoo_create_op_init(&ops[k++], flag, token, (int)strlen(token), zkelect__parent_acl(e), 0, NULL, 0);
        op->results = results;
        op->n_results = k;
        e->phase = ZKE_CHECKING;
        zkelect__log(e, ZKELECT_LOG_INFO, "priority %d: the election %s orders its contenders by priority from now "
                     "on%s%s, whose term goes on", e->priority, e->path, incumbent ? "; it is led by " : "",
                     incumbent ? line[0].name : "");
        int rc = zkelect__zk_amulti(e->session->zh, k, ops, results, flag_made, op);
        if (rc != ZOK)
            zkelect__abandon(e, op, "introducing priorities", rc);
    } else if (op) {
        zkelect__abandon(e, op, "introducing priorities", ZSYSTEMERROR);
    }
    free(first);
    free(flag);
}

bool zkelect__priority_ready(const struct zkelect *e)
{
    return e->flag_read && e->lock_listed;
}

/* The flag is read again with each listing: deleted with the path and
 * made again while this participant did not hear (its session expired,
 * its connection lost), it may name another incumbent. */
void zkelect__read_priority_state(struct zkelect *e)
{
    read_flag(e);
    zkelect__read_lock(e);
}

/* ---------------------------------------------------------------- the lock */

static void lock_read(int rc, const char *value, int len, const struct Stat *stat, const void *data)
{
    zke_op_t *op = (zke_op_t *)data;
    zke_session_t *s = op->session;
    struct zkelect *e = zkelect__op_begin(op);
    if (zkelect__op_finish(op) && !zkelect__transient(rc)) {
        free(e->lock_holder);
        e->lock_holder = rc == ZOK && len == ZKE_TOKEN_LEN ? strndup(value, (size_t)len) : NULL;
        e->lock_version = rc == ZOK ? stat->version : -1;
        if (e->lock_holder && strcmp(e->lock_holder, e->token) == 0 && stat->ephemeralOwner == s->id) {
            e->holds_lock = true; /* ours, on this session (a reconnection, a lost reply) */
            e->lock_czxid = stat->czxid;
        }
        e->lock_listed = true;
    }
    zkelect__op_end(op);
}

void zkelect__read_lock(struct zkelect *e)
{
    e->lock_listed = false;
    char *path = zkelect__lock_path(e);
    zke_op_t *op = path ? zkelect__start_op(e, path) : NULL;
    if (op) {
        e->reads_sent++;
        if (zkelect__zk_awget(e->session->zh, path, NULL, lock_read, op) != ZOK)
            zkelect__op_drop(op);
    }
    free(path);
}

const char *zkelect__pinned_token(const struct zkelect *e, const zke_child_t *line, size_t n)
{
    if (e->lock_holder)
        return e->lock_holder;
    char token[ZKE_TOKEN_LEN + 1];
    for (size_t i = 0; e->incumbent && i < n; i++)
        if (zkelect__token_of(line[i].name, token) && strcmp(token, e->incumbent) == 0)
            return e->incumbent;
    return NULL;
}

static void lock_event(struct zkelect *e, zhandle_t *zh, int type, const char *path)
{
    (void)zh, (void)path;
    if (type == ZOO_DELETED_EVENT && e->holds_lock && !e->stopping && e->phase != ZKE_RELEASING) {
        /* Only our session removes our lock, and only with our node: someone
         * else did (A5), and anyone may take it now. */
        e->holds_lock = false;
        zkelect__log(e, ZKELECT_LOG_WARN, "the leader lock %s/" ZKE_LOCK_NAME " was deleted by someone else", e->path);
        zkelect__bound_broken(e, ZKELECT_REASON_NODE_DELETED);
        if (atomic_load(&e->leading))
            e->driver->give_up(e, ZKELECT_REASON_NODE_DELETED);
        else
            e->driver->drive(e);
    } else if (type == ZOO_DELETED_EVENT && !e->holds_lock && !e->stopping && e->phase == ZKE_WATCHING) {
        e->driver->drive(e); /* the lock we waited on is free */
    }
}

/* Watch the lock: ours, to hear of its deletion by someone else; another's,
 * held while we are first in line (its holder's node gone), to claim it
 * when it goes. */
static void watch_lock(struct zkelect *e)
{
    char *path = zkelect__lock_path(e);
    zke_op_t *op = path ? side_op(e, path) : NULL;
    if (op &&
        zkelect__zk_aexists(e->session->zh, path, zkelect__watching(e, lock_event), zkelect__ignore_stat, op) != ZOK)
        zkelect__op_drop(op);
    free(path);
}

static void claimed(int rc, const char *name, const struct Stat *stat, const void *data)
{
    (void)name;
    zke_op_t *op = (zke_op_t *)data;
    zke_session_t *s = op->session;
    struct zkelect *e = zkelect__op_begin(op);
    bool current = zkelect__op_finish(op);
    if (!current && rc == ZOK) {
        /* Given up meanwhile (its election may be gone): the lock is
         * nobody's term. */
        zkelect__remove_node(s, e, op->zh, op->path, false);
    } else if (current) {
        zkelect__note_answer(e, op, rc);
        if (rc == ZOK) {
            e->holds_lock = true;
            e->lock_czxid = stat->czxid;
            free(e->lock_holder);
            e->lock_holder = strdup(e->token);
            watch_lock(e);
            zkelect__lead(e, op->sent_ns, e->gone_how);
        } else if (rc == ZNODEEXISTS) {
            zkelect__log(e, ZKELECT_LOG_DEBUG, "the leader lock is held: reading the line again");
            e->line_dirty = true;
            e->driver->drive(e);
        } else {
            zkelect__fail(e, "taking the leader lock", rc);
        }
    }
    zkelect__op_end(op);
}

void zkelect__claim_lock(struct zkelect *e)
{
    char *path = zkelect__lock_path(e);
    zke_op_t *op = path ? zkelect__start_op(e, path) : NULL;
    if (op) {
        e->phase = ZKE_CLAIMING;
        int rc = zkelect__zk_acreate(e->session->zh, path, e->token, ZKE_TOKEN_LEN, zkelect__node_acl(e),
                                     ZOO_EPHEMERAL, claimed, op);
        if (rc != ZOK)
            zkelect__abandon(e, op, "taking the leader lock", rc);
    }
    free(path);
}

/* The lock, ours now: a read of it sets our watch and gives its czxid,
 * the epoch (a transaction's answer does not carry it). */
static void reserved_lock_read(int rc, const struct Stat *stat, const void *data)
{
    zke_op_t *op = (zke_op_t *)data;
    zke_session_t *s = op->session;
    struct zkelect *e = zkelect__op_begin(op);
    if (zkelect__op_finish(op)) {
        zkelect__note_answer(e, op, rc);
        if (rc == ZOK && stat->ephemeralOwner == s->id) {
            e->holds_lock = true;
            e->lock_czxid = stat->czxid;
            free(e->lock_holder);
            e->lock_holder = strdup(e->token);
            e->moved_to_us = false;
            zkelect__lead(e, op->sent_ns, ZKELECT_TAKEOVER_HANDOVER); /* names the mover, if its notice came */
        } else if (rc == ZOK || rc == ZNONODE) {
            e->line_dirty = true; /* gone or another's already: look again */
            e->driver->drive(e);
        } else {
            zkelect__fail(e, "reading the leader lock", rc);
        }
    }
    zkelect__op_end(op);
}

static void reserved_lock_taken(int rc, const void *data)
{
    zke_op_t *op = (zke_op_t *)data;
    zke_session_t *s = op->session;
    struct zkelect *e = zkelect__op_begin(op);
    bool current = zkelect__op_finish(op);
    if (!current && rc == ZOK) {
        zkelect__remove_node(s, e, op->zh, op->path, false); /* given up meanwhile: nobody's term */
    } else if (current) {
        zkelect__note_answer(e, op, rc);
        zke_op_t *read = rc == ZOK ? zkelect__start_op(e, op->path) : NULL;
        if (read && zkelect__zk_aexists(e->session->zh, op->path, zkelect__watching(e, lock_event), reserved_lock_read,
                                        read) != ZOK) {
            zkelect__abandon(e, read, "reading the leader lock", ZSYSTEMERROR);
        } else if (rc == ZBADVERSION || rc == ZNONODE || rc == ZNODEEXISTS || rc == ZRUNTIMEINCONSISTENCY) {
            zkelect__log(e, ZKELECT_LOG_DEBUG, "the leader lock changed before we took it: reading the line again");
            e->line_dirty = true;
            e->driver->drive(e);
        } else if (rc != ZOK) {
            zkelect__fail(e, "taking the leader lock", rc);
        }
    }
    zkelect__op_end(op);
}

/* The leader lock names us, made by the session of a leader that moved
 * its term to us: ours replaces it in one transaction, at the version read
 * (a lock changed since is not taken), so that its czxid is new: the
 * epochs still grow. */
static void take_reserved_lock(struct zkelect *e)
{
    char *path = zkelect__lock_path(e);
    zke_op_t *op = path ? zkelect__start_op(e, path) : NULL;
    zoo_op_result_t *results = op ? calloc(2, sizeof *results) : NULL;
    if (results) {
        zoo_op_t ops[2];
        zoo_delete_op_init(&ops[0], path, e->lock_version);
        zoo_create_op_init(&ops[1], path, e->token, ZKE_TOKEN_LEN, zkelect__node_acl(e), ZOO_EPHEMERAL, NULL, 0);
        op->results = results;
        op->n_results = 2;
        e->phase = ZKE_CLAIMING;
        zkelect__log(e, ZKELECT_LOG_INFO, "the leader moved its term to us: taking the leader lock");
        int rc = zkelect__zk_amulti(e->session->zh, 2, ops, results, reserved_lock_taken, op);
        if (rc != ZOK)
            zkelect__abandon(e, op, "taking the leader lock", rc);
    } else if (op) {
        zkelect__abandon(e, op, "taking the leader lock", ZSYSTEMERROR);
    }
    free(path);
}

static void notice_removed(int rc, const void *data)
{
    zkelect__ignore_void(rc, data);
}

/* A notice read is taken away: none newer can be made before it goes. */
static void remove_notice(struct zkelect *e, const char *path)
{
    zke_op_t *removal = side_op(e, path);
    if (removal && zkelect__zk_adelete(e->session->zh, path, notice_removed, removal) != ZOK)
        zkelect__op_drop(removal);
}

/* The notice read before the lock is taken (below): a move's names the
 * one that moved its term to us (zkelect__step_down_asked() keeps it);
 * without one (lost with the mover's connection) the hand-over is said all
 * the same, naming nobody rather than the contender we watched. */
static void move_notice_read(int rc, const char *value, int len, const struct Stat *stat, const void *data)
{
    (void)stat;
    zke_op_t *op = (zke_op_t *)data;
    struct zkelect *e = zkelect__op_begin(op);
    if (zkelect__op_finish(op)) {
        zkelect__note_answer(e, op, rc);
        if (rc == ZOK) {
            remove_notice(e, op->path);
            zkelect__step_down_asked(e, value, len); /* a place notice: the lock names us all the same */
        }
        if (rc == ZOK || rc == ZNONODE) {
            if (!e->moved_to_us) {
                free(e->predecessor_id);
                e->predecessor_id = NULL;
            }
            take_reserved_lock(e);
        } else
            zkelect__fail(e, "reading our notice", rc);
    }
    zkelect__op_end(op);
}

/* A lock reserved for us comes only from a move, whose notice names the
 * mover. The mover sends that notice just after the lock, so a listing
 * made for another reason (the flag made by the one who asked for the
 * move, say) can find the lock first: the notice is then read before the
 * lock is taken, as it is committed by then (same sender, sent at once). */
void zkelect__take_reserved_lock(struct zkelect *e)
{
    if (e->moved_to_us) {
        take_reserved_lock(e);
        return;
    }
    char *path = zkelect__notice_path(e, e->token);
    zke_op_t *op = path ? zkelect__start_op(e, path) : NULL;
    if (op) {
        e->phase = ZKE_CLAIMING;
        if (zkelect__zk_awget(e->session->zh, path, NULL, move_notice_read, op) != ZOK)
            zkelect__abandon(e, op, "reading our notice", ZSYSTEMERROR);
    }
    free(path);
}

void zkelect__wait_for_lock(struct zkelect *e)
{
    e->phase = ZKE_WATCHING;
    watch_lock(e);
}

/* ------------------------------------------------------------- the notices */

static void notice_event(struct zkelect *e, zhandle_t *zh, int type, const char *path);

/* An empty notice: a contender took its place ahead of us. The line is
 * read again before anything is decided on the predecessor we had. */
static void place_taken(struct zkelect *e)
{
    zkelect__log(e, ZKELECT_LOG_DEBUG, "a contender took its place ahead of us: reading the line again");
    e->line_dirty = true;
    e->notices_seen++;
    zkelect__unwatch_predecessor(e);
    if (e->phase == ZKE_WATCHING)
        e->driver->drive(e);
}

/* A notice read: take it away, watch for the next one, and act on it. */
static void notice_read(int rc, const char *value, int len, const struct Stat *stat, const void *data)
{
    (void)stat;
    zke_op_t *op = (zke_op_t *)data;
    struct zkelect *e = zkelect__op_begin(op);
    if (zkelect__op_finish(op) && !e->stopping) {
        if (rc == ZOK)
            remove_notice(e, op->path);
        if (rc == ZOK || rc == ZNONODE)
            arm_notice(e);
        if (rc == ZOK && !zkelect__step_down_asked(e, value, len))
            place_taken(e);
    }
    zkelect__op_end(op);
}

static void read_notice(struct zkelect *e, const char *path)
{
    zke_op_t *op = side_op(e, path);
    if (op && zkelect__zk_awget(e->session->zh, path, NULL, notice_read, op) != ZOK)
        zkelect__op_drop(op);
}

static void notice_seen(int rc, const struct Stat *stat, const void *data)
{
    (void)stat;
    zke_op_t *op = (zke_op_t *)data;
    struct zkelect *e = zkelect__op_begin(op);
    char *ours = zkelect__op_finish(op) ? zkelect__notice_path(e, e->token) : NULL;
    /* Only the notice of the current candidacy: a new one has a new token. */
    if (ours && strcmp(ours, op->path) == 0) {
        e->notice_armed = rc == ZNONODE;
        if (rc == ZOK && !e->stopping)
            read_notice(e, op->path);
    }
    free(ours);
    zkelect__op_end(op);
}

static void arm_notice(struct zkelect *e)
{
    if (e->notice_armed || !e->priority_mode || !e->own_path || !zkelect__session_ready(e))
        return;
    char *path = zkelect__notice_path(e, e->token);
    zke_op_t *op = path ? side_op(e, path) : NULL;
    if (op && zkelect__zk_aexists(e->session->zh, path, zkelect__watching(e, notice_event), notice_seen, op) == ZOK)
        e->notice_armed = true;
    else if (op)
        zkelect__op_drop(op);
    free(path);
}

static void notice_event(struct zkelect *e, zhandle_t *zh, int type, const char *path)
{
    (void)zh;
    char *ours = zkelect__notice_path(e, e->token);
    bool current = ours && path && strcmp(path, ours) == 0;
    if (current)
        e->notice_armed = false;
    if (current && type == ZOO_CREATED_EVENT && !e->stopping)
        read_notice(e, path);
    else if (current)
        arm_notice(e);
    free(ours);
}

void zkelect__arm_notice(struct zkelect *e)
{
    arm_notice(e);
}

void zkelect__unarm_notice(struct zkelect *e)
{
    if (!e->notice_armed)
        return;
    e->notice_armed = false;
    char *path = zkelect__notice_path(e, e->token);
    if (path)
        zkelect__unwatch_node(e->session, e, e->session->zh, path);
    free(path);
}

void zkelect__notify_behind(struct zkelect *e, const zke_child_t *line, size_t n, size_t self)
{
    if (self + 1 >= n || !zkelect__seq_before(line[self + 1].seq, e->own_seq))
        return; /* last, or the one behind came after us and saw us */
    char token[ZKE_TOKEN_LEN + 1];
    if (!zkelect__token_of(line[self + 1].name, token) || strcmp(token, e->notified) == 0)
        return;
    memcpy(e->notified, token, sizeof token);
    char *path = zkelect__notice_path(e, token);
    zke_op_t *op = path ? side_op(e, path) : NULL;
    if (op && zkelect__zk_acreate(e->session->zh, path, NULL, -1, zkelect__node_acl(e), ZOO_EPHEMERAL,
                                  zkelect__ignore_string_stat, op) != ZOK)
        zkelect__op_drop(op);
    free(path);
}

/* ------------------------------------------------------- a new priority */

static void recreated(int rc, const void *data)
{
    zke_op_t *op = (zke_op_t *)data;
    struct zkelect *e = zkelect__op_begin(op);
    if (zkelect__op_finish(op)) {
        zkelect__note_answer(e, op, rc);
        const char *made = rc == ZOK ? op->results[1].value : NULL;
        const char *name = made ? strrchr(made, '/') : NULL;
        char *own_path = name ? zkelect__child_path(e, name + 1) : NULL;
        char *own_name = name ? strdup(name + 1) : NULL;
        if (own_path && own_name) {
            free(e->own_path);
            free(e->own_name);
            e->own_path = own_path;
            e->own_name = own_name;
            zkelect__parse_child(e->format, own_name, &e->own_seq);
            e->own_czxid = -1; /* read by the check that follows, with the watch on it */
            zkelect__log(e, ZKELECT_LOG_INFO, "priority %d: in line again as %s", e->priority, own_name);
        } else {
            free(own_path);
            free(own_name);
            if (rc != ZOK && !zkelect__transient(rc))
                zkelect__log(e, ZKELECT_LOG_WARN, "could not take our new priority's place: %s", zerror(rc));
        }
        e->driver->drive(e);
    }
    zkelect__op_end(op);
}

void zkelect__recreate_node(struct zkelect *e)
{
    char prefix[ZKE_PREFIX_MAX];
    char *prefix_path = NULL;
    if (zkelect__node_prefix_with(e->format, e->token, e->priority, prefix, sizeof prefix) != ZKELECT_OK ||
        !(prefix_path = zkelect__child_path(e, prefix))) {
        zkelect__retry_later(e);
        return;
    }
    zke_op_t *op = zkelect__start_op(e, e->own_path);
    zoo_op_result_t *results = op ? calloc(2, sizeof *results) : NULL;
    char *made = results ? malloc(strlen(prefix_path) + ZKE_SEQ_MAX_LEN + 1) : NULL;
    if (!made) {
        free(results);
        if (op)
            zkelect__abandon(e, op, "taking our new priority's place", ZSYSTEMERROR);
        free(prefix_path);
        return;
    }
    /* Our own watch off first: the deletion is ours. The token stays, so
     * that the lock (if ours) and the notices still name us. */
    if (e->own_watch_armed)
        zkelect__unwatch_node(e->session, e, e->session->zh, e->own_path);
    e->own_watched = e->own_watch_armed = false;
    zoo_op_t ops[2];
    zoo_delete_op_init(&ops[0], e->own_path, -1);
    zoo_create_op_init(&ops[1], prefix_path, e->payload, (int)e->payload_len, zkelect__node_acl(e),
                       ZOO_EPHEMERAL | ZOO_SEQUENCE, made, (int)(strlen(prefix_path) + ZKE_SEQ_MAX_LEN + 1));
    op->results = results;
    op->n_results = 2;
    op->buffer = made;
    e->phase = ZKE_CREATING;
    int rc = zkelect__zk_amulti(e->session->zh, 2, ops, results, recreated, op);
    if (rc != ZOK)
        zkelect__abandon(e, op, "taking our new priority's place", rc);
    free(prefix_path);
}

void zkelect__priority_changed(struct zkelect *e)
{
    zkelect__log(e, ZKELECT_LOG_INFO, "priority now %d", e->priority);
    /* Standing in line: look again, which takes the new place. Otherwise
     * the next join does. */
    if (e->own_path && (e->phase == ZKE_WATCHING || e->phase == ZKE_LEADING))
        e->driver->drive(e);
}

/* ---------------------------------------------------------------- the API */

