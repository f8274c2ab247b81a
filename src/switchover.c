/* switchover.c - leadership moved on request: the leader's answer to a
 * step-down or a move asked from any handle (asking.c places the request),
 * the move itself, and preemption (zkelect_set_preemption()).
 *
 * A request is a node "zkr_<the leader's session id>" under the election
 * path, made by the one who asks, ephemeral, with four fields separated by
 * NUL: the verb ("resign", "preempt" or "move"), the node of the contender
 * to move to (move only), that contender's id, and the id of the one who
 * asks. Every participant watches the one of its session from its first
 * join on it, so that no term pays for the watch; the leader reads it (one
 * notification), says ZKELECT_EV_STEP_DOWN and, unless its host steps down
 * itself, resigns; anyone else deletes it.
 *
 * A move hands over to a contender that need not be next in line, so it
 * needs the leader lock (an election with priorities: the one who asks
 * makes the flag if it is missing, with the leader as incumbent). The
 * leader's node goes in one transaction with the lock's rewrite to name
 * the chosen one, which must still stand. The lock being held, nobody else
 * can lead; the chosen one, told by a notice, replaces the lock with its
 * own (priority.c, zkelect__take_reserved_lock()), whose new czxid is the
 * epoch. Should it go before that, the old leader, which watches its node,
 * deletes the lock, and the line goes on by priority.
 *
 * Preemption: a contender next in line behind a leader of lower priority
 * asks it to step down once it has stood there for the delay. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


typedef struct message {
    const char *verb, *node, *to_id, *by;
} message_t;

/* Fields separated by NUL; the data need not end with one. */
static bool parse_message(const char *data, int len, char *buf, size_t size, message_t *m)
{
    if (!data || len <= 0 || (size_t)len >= size)
        return false;
    memcpy(buf, data, (size_t)len);
    buf[len] = '\0';
    const char *field[4];
    const char *p = buf;
    for (int i = 0; i < 4; i++) {
        if (p > buf + len)
            return false;
        field[i] = p;
        p += strlen(p) + 1;
    }
    *m = (message_t){field[0], field[1], field[2], field[3]};
    bool move = strcmp(m->verb, ZKE_VERB_MOVE) == 0;
    return (move && m->node[0] && m->to_id[0]) || strcmp(m->verb, ZKE_VERB_RESIGN) == 0 ||
           strcmp(m->verb, ZKE_VERB_PREEMPT) == 0 || strcmp(m->verb, ZKE_VERB_MOVED) == 0;
}

int zkelect__encode_request(char *buf, size_t size, const char *verb, const char *node, const char *to_id,
                            const char *by)
{
    int n = snprintf(buf, size, "%s%c%s%c%s%c%s", verb, '\0', node, '\0', to_id, '\0', by);
    return n > 0 && (size_t)n < size ? n : -1;
}

/* ------------------------------------------------------------ the leader */

/* The STEP_DOWN event, its two ids kept with it. */
static void say_step_down(struct zkelect *e, const message_t *m, bool move, const char *text)
{
    int reason = strcmp(m->verb, ZKE_VERB_PREEMPT) == 0 ? ZKELECT_REASON_PREEMPTED : ZKELECT_REASON_RESIGNED;
    zke_item_t *item = zkelect__queue_event(e, ZKELECT_EV_STEP_DOWN, reason, ZKELECT_OK, 0, "%s", text);
    if (!item)
        return;
    size_t by_len = strlen(m->by), to_len = move ? strlen(m->to_id) : 0;
    char *ids = malloc(by_len + to_len + 2);
    if (!ids)
        return;
    memcpy(ids, m->by, by_len + 1);
    memcpy(ids + by_len + 1, move ? m->to_id : "", to_len + 1);
    free(item->leader);
    item->leader = ids;
    item->ev.requester_id = ids;
    item->ev.successor_id = move ? ids + by_len + 1 : NULL;
}

bool zkelect__step_down_asked(struct zkelect *e, const char *data, int len)
{
    char buf[ZKE_MESSAGE_MAX];
    message_t m;
    if (!parse_message(data, len, buf, sizeof buf, &m))
        return false;
    if (strcmp(m.verb, ZKE_VERB_MOVED) == 0 && e->holds_lock)
        return true; /* read after we took the lock (priority.c): the ELECTED is said */
    if (strcmp(m.verb, ZKE_VERB_MOVED) == 0) {
        /* Said when we lead on the lock it left us: whom we took over from. */
        free(e->predecessor_id);
        e->predecessor_id = strdup(m.by);
        e->moved_to_us = true;
        return false; /* and the line is read again, as for any notice */
    }
    bool move = strcmp(m.verb, ZKE_VERB_MOVE) == 0;
    if (!atomic_load(&e->leading)) {
        zkelect__log(e, ZKELECT_LOG_INFO, "%s asks the leader to step down, and this participant does not lead: "
                     "nothing to do", m.by);
        return true;
    }
    if (move && !e->priority_mode) {
        zkelect__log(e, ZKELECT_LOG_WARN, "%s asks for a move to %s in an election without priorities: stepping "
                     "down for whoever comes next", m.by, m.to_id);
        move = false;
    }
    char text[ZKE_MESSAGE_MAX + 96];
    if (move)
        snprintf(text, sizeof text, "asked by %s to hand over to %s", m.by, m.to_id);
    else if (strcmp(m.verb, ZKE_VERB_PREEMPT) == 0)
        snprintf(text, sizeof text, "preempted by %s, whose priority is higher", m.by);
    else
        snprintf(text, sizeof text, "asked by %s to step down", m.by);
    zkelect__log(e, ZKELECT_LOG_INFO, "%s", text);
    free(e->move_to);
    e->move_to = move ? zkelect__child_path(e, m.node) : NULL;
    say_step_down(e, &m, move, text);
    if (e->step_down_mode == ZKELECT_STEP_DOWN_AUTO)
        e->driver->give_up(e, ZKELECT_REASON_RESIGNED);
    return true;
}

/* ------------------------------------------------------------ requests */

char *zkelect__request_path(const struct zkelect *e, int64_t session)
{
    char name[32];
    snprintf(name, sizeof name, ZKE_REQUEST_PREFIX "%016llx", (unsigned long long)session);
    return zkelect__child_path(e, name);
}

static void arm(struct zkelect *e);

static void request_read(int rc, const char *value, int len, const struct Stat *stat, const void *data)
{
    (void)stat;
    zke_op_t *op = (zke_op_t *)data;
    zke_session_t *s = op->session;
    struct zkelect *e = zkelect__op_begin(op);
    if (zkelect__op_finish(op) && !e->stopping && op->zh == s->zh) {
        if (rc == ZOK) {
            zke_op_t *removal = zkelect__op_new(s, e, op->path);
            if (removal) {
                removal->any_gen = true;
                if (zkelect__zk_adelete(s->zh, op->path, zkelect__ignore_void, removal) != ZOK) {
                    zkelect__op_drop(removal);
                }
            }
        }
        arm(e); /* sent after the deletion: the watch is for the next one */
        if (rc == ZOK && !zkelect__step_down_asked(e, value, len))
            zkelect__log(e, ZKELECT_LOG_WARN, "%s is no request: deleted", op->path);
    }
    zkelect__op_end(op);
}

static void read_request(struct zkelect *e, const char *path)
{
    zke_op_t *op = zkelect__op_new(e->session, e, path);
    if (!op)
        return;
    op->any_gen = true;
    if (zkelect__zk_awget(e->session->zh, path, NULL, request_read, op) != ZOK) {
        zkelect__op_drop(op);
    }
}

static void requests_event(struct zkelect *e, zhandle_t *zh, int type, const char *path)
{
    if (zh == e->session->zh && e->requests_armed == e->session->id && !e->stopping) {
        e->requests_armed = 0;
        if (type == ZOO_CREATED_EVENT && path)
            read_request(e, path);
        else
            arm(e);
    }
}

static void request_seen(int rc, const struct Stat *stat, const void *data)
{
    (void)stat;
    zke_op_t *op = (zke_op_t *)data;
    zke_session_t *s = op->session;
    struct zkelect *e = zkelect__op_begin(op);
    if (zkelect__op_finish(op) && op->zh == s->zh && !e->stopping) {
        if (rc == ZOK)
            read_request(e, op->path); /* made before our watch */
        else if (rc != ZNONODE)
            e->requests_armed = 0; /* armed again at the next join */
    }
    zkelect__op_end(op);
}

static void arm(struct zkelect *e)
{
    if (e->requests_armed == e->session->id || e->format != ZKELECT_FORMAT_NATIVE || e->observer ||
        !zkelect__session_ready(e))
        return;
    char *path = zkelect__request_path(e, e->session->id);
    zke_op_t *op = path ? zkelect__op_new(e->session, e, path) : NULL;
    free(path);
    if (!op)
        return;
    op->any_gen = true;
    if (zkelect__zk_aexists(e->session->zh, op->path, zkelect__watching(e, requests_event), request_seen, op) == ZOK) {
        e->requests_armed = e->session->id;
    } else {
        zkelect__op_drop(op);
    }
}

void zkelect__arm_requests(struct zkelect *e)
{
    arm(e);
}

void zkelect__unarm_requests(struct zkelect *e)
{
    if (!e->requests_armed || e->requests_armed != e->session->id) {
        e->requests_armed = 0;
        return;
    }
    e->requests_armed = 0;
    char *path = zkelect__request_path(e, e->session->id);
    if (path)
        zkelect__unwatch_node(e->session, e, e->session->zh, path);
    free(path);
}

/* ------------------------------------------------------------- the move */

typedef struct move {
    char *own;       /* the old leader's node */
    char *lock;
    bool lock_ours;  /* held by the old leader: rewritten; else made */
    char *to;        /* the chosen one's node */
    char token[ZKE_TOKEN_LEN + 1];
} move_t;

static void move_free(zke_op_t *op)
{
    move_t *m = op->context;
    if (!m)
        return;
    free(m->own);
    free(m->lock);
    free(m->to);
    free(m);
}

static zke_op_t *move_op(zke_session_t *s, struct zkelect *e, const move_t *m, const char *path)
{
    move_t *copy = calloc(1, sizeof *copy);
    zke_op_t *op = copy ? zkelect__op_new(s, e, path) : NULL;
    if (!op) {
        free(copy);
        return NULL;
    }
    *copy = *m;
    copy->own = m->own ? strdup(m->own) : NULL;
    copy->lock = strdup(m->lock);
    copy->to = strdup(m->to);
    op->any_gen = true;
    op->context = copy;
    op->on_free = move_free;
    return op;
}

/* The lock we rewrote still names the chosen one, on our session: it never
 * took it, and its node is gone. */
static void reservation_read(int rc, const char *value, int len, const struct Stat *stat, const void *data)
{
    zke_op_t *op = (zke_op_t *)data;
    zke_session_t *s = op->session;
    struct zkelect *e = zkelect__op_begin(op);
    const move_t *m = op->context;
    if (zkelect__op_finish(op) && rc == ZOK && stat->ephemeralOwner == s->id && len == ZKE_TOKEN_LEN &&
        memcmp(value, m->token, ZKE_TOKEN_LEN) == 0 && op->zh == s->zh) {
        if (e)
            zkelect__log(e, ZKELECT_LOG_WARN, "%s went before it took the lead we handed it: the lock is freed",
                         strrchr(m->to, '/') + 1);
        zke_op_t *removal = move_op(s, e, m, m->lock);
        if (removal && zkelect__zk_adelete(op->zh, m->lock, zkelect__ignore_void, removal) != ZOK) {
            zkelect__op_drop(removal);
        }
    }
    zkelect__op_end(op);
}

static void check_reservation(zke_session_t *s, struct zkelect *e, const move_t *m)
{
    zke_op_t *op = move_op(s, e, m, m->lock);
    if (op && zkelect__zk_awget(s->zh, m->lock, NULL, reservation_read, op) != ZOK) {
        zkelect__op_drop(op);
    }
}

static void chosen_event(struct zkelect *e, zhandle_t *zh, int type, const char *path)
{
    (void)zh;
    if (type == ZOO_DELETED_EVENT && path && !e->stopping) {
        move_t m = {.to = (char *)path};
        m.lock = zkelect__lock_path(e);
        if (m.lock && zkelect__token_of(strrchr(path, '/') + 1, m.token))
            check_reservation(e->session, e, &m);
        free(m.lock);
    }
}

static void chosen_seen(int rc, const struct Stat *stat, const void *data)
{
    (void)stat;
    zke_op_t *op = (zke_op_t *)data;
    zke_session_t *s = op->session;
    zkelect__op_begin(op);
    if (zkelect__op_finish(op) && rc == ZNONODE && op->zh == s->zh)
        check_reservation(s, op->e, op->context); /* gone already */
    zkelect__op_end(op);
}

static void moved(int rc, const void *data)
{
    zke_op_t *op = (zke_op_t *)data;
    zke_session_t *s = op->session;
    struct zkelect *e = zkelect__op_begin(op);
    const move_t *m = op->context;
    zkelect__op_finish(op);
    const char *to = strrchr(m->to, '/') + 1;
    if (rc == ZOK) {
        if (e)
            zkelect__log(e, ZKELECT_LOG_INFO, "handed over to %s, which leads once it takes the lock", to);
    } else {
        if (e)
            zkelect__log(e, ZKELECT_LOG_WARN, "the hand-over to %s failed (%s): the lead goes to whoever comes next",
                         to, zerror(rc));
        /* Not only while connected: a lost connection is told (as the
         * session's event) before the request it failed, and the node,
         * which may still stand, must go once connected again, not with
         * the session (the torture found a whole line waiting for it). */
        if (op->zh == s->zh)
            zkelect__remove_node_and_lock(s, e, op->zh, m->own, m->lock_ours ? m->lock : NULL, false);
    }
    zkelect__op_end(op);
}

/* The old leader's node goes, the lock names the chosen one (which must
 * still stand); then, on the same connection, so after it: the chosen
 * one's notice, so that it reads the line, and a watch on its node, so
 * that a lock it never takes is freed. */
static bool send_move(zke_session_t *s, struct zkelect *e, const move_t *m)
{
    zke_op_t *op = move_op(s, e, m, m->own);
    zoo_op_result_t *results = op ? calloc(3, sizeof *results) : NULL;
    if (!results) {
        if (op) {
            zkelect__op_drop(op);
        }
        return false;
    }
    zoo_op_t ops[3];
    zoo_check_op_init(&ops[0], m->to, -1);
    zoo_delete_op_init(&ops[1], m->own, -1);
    if (m->lock_ours)
        zoo_set_op_init(&ops[2], m->lock, m->token, ZKE_TOKEN_LEN, -1, NULL);
    else
        zoo_create_op_init(&ops[2], m->lock, m->token, ZKE_TOKEN_LEN, zkelect__node_acl(e), ZOO_EPHEMERAL, NULL, 0);
    op->results = results;
    op->n_results = 3;
    if (zkelect__zk_amulti(s->zh, 3, ops, results, moved, op) != ZOK) {
        zkelect__op_drop(op);
        return false;
    }
    char text[ZKE_MESSAGE_MAX];
    int len = zkelect__encode_request(text, sizeof text, ZKE_VERB_MOVED, "", "", e->id);
    char *notice = len > 0 ? zkelect__notice_path(e, m->token) : NULL;
    zke_op_t *tell = notice ? move_op(s, e, m, notice) : NULL;
    if (tell && zkelect__zk_acreate(s->zh, notice, text, len, zkelect__node_acl(e), ZOO_EPHEMERAL,
                                    zkelect__ignore_string_stat, tell) != ZOK) {
        zkelect__op_drop(tell);
    }
    free(notice);
    zke_op_t *watch = move_op(s, e, m, m->to);
    if (watch && zkelect__zk_aexists(s->zh, m->to, zkelect__watching(e, chosen_event), chosen_seen, watch) != ZOK) {
        zkelect__op_drop(watch);
    }
    return true;
}

void zkelect__move_leadership(zke_session_t *s, struct zkelect *e, const zke_item_t *item)
{
    move_t m = {.own = item->path, .to = item->move_to, .lock_ours = item->lock_path != NULL};
    m.lock = item->lock_path ? strdup(item->lock_path) : zkelect__lock_path(e);
    bool sent = m.lock && item->zh == s->zh && s->connected && !e->stopping &&
                zkelect__token_of(strrchr(m.to, '/') + 1, m.token) && send_move(s, e, &m);
    if (!sent)
        zkelect__remove_node_and_lock(s, e, item->zh, item->path, item->lock_path, item->hand_over);
    free(m.lock);
}

/* ------------------------------------------------- rejoining after a resign */

/* With priorities a leader that resigns would come back ahead of the one
 * it made way for (its priority is still the highest, and the lock is free
 * until its successor takes it): it waits, to rejoin behind it, until the
 * lock is taken, or nobody else is in line, or T has passed. */
static void rejoin_now(struct zkelect *e, const char *why)
{
    if (e->phase != ZKE_WAITING || e->own_path || !zkelect__may_drive(e) || !e->awaiting_successor)
        return;
    e->awaiting_successor = false;
    e->retry_at = 0;
    zkelect__log(e, ZKELECT_LOG_DEBUG, "rejoining: %s", why);
    e->driver->drive(e);
}

static void successor_event(struct zkelect *e, zhandle_t *zh, int type, const char *path)
{
    (void)zh, (void)path;
    if (type == ZOO_CREATED_EVENT)
        rejoin_now(e, "the lock is taken");
}

static void lock_seen(int rc, const struct Stat *stat, const void *data)
{
    (void)stat;
    zke_op_t *op = (zke_op_t *)data;
    struct zkelect *e = zkelect__op_begin(op);
    if (zkelect__op_finish(op) && rc != ZNONODE)
        rejoin_now(e, rc == ZOK ? "the lock is taken already" : zerror(rc));
    zkelect__op_end(op);
}

static void others_listed(int rc, const struct String_vector *names, const struct Stat *stat, const void *data)
{
    (void)stat;
    zke_op_t *op = (zke_op_t *)data;
    struct zkelect *e = zkelect__op_begin(op);
    if (zkelect__op_finish(op)) {
        size_t n = 0;
        zke_child_t *line = rc == ZOK ? zkelect__line_of(e->format, names, &n, NULL, NULL) : NULL;
        free(line);
        if (rc != ZOK || n == 0)
            rejoin_now(e, rc == ZOK ? "nobody else is in line" : zerror(rc));
    }
    zkelect__op_end(op);
}

void zkelect__rejoin_after_successor(struct zkelect *e)
{
    char *lock = zkelect__lock_path(e);
    zke_op_t *watch = lock ? zkelect__op_new(e->session, e, lock) : NULL;
    zke_op_t *list = watch ? zkelect__op_new(e->session, e, NULL) : NULL;
    free(lock);
    if (!list || !zkelect__session_ready(e)) {
        if (watch) {
            zkelect__op_drop(watch);
        }
        e->driver->drive(e);
        return;
    }
    watch->any_gen = list->any_gen = true;
    e->phase = ZKE_WAITING;
    e->awaiting_successor = true;
    e->retry_at = zkelect__successor_turn_end(e, zkelect__now_ns());
    zkelect__tend_soon(e);
    if (zkelect__zk_aexists(e->session->zh, watch->path, zkelect__watching(e, successor_event), lock_seen, watch) !=
        ZOK) {
        zkelect__op_drop(watch);
    }
    if (zkelect__zk_alist(e->session->zh, e->path, NULL, others_listed, list) != ZOK) {
        zkelect__op_drop(list);
    }
}

/* ------------------------------------------------------------ preemption */

void zkelect__forget_preemption(struct zkelect *e)
{
    free(e->preempt_behind);
    e->preempt_behind = NULL;
    e->preempt_at_ns = 0;
}

void zkelect__consider_preemption(struct zkelect *e)
{
    const char *name = e->watched_path ? strrchr(e->watched_path, '/') + 1 : NULL;
    int theirs = name ? zkelect__name_priority(name) : 0;
    if (e->preempt_delay_ms == 0 || !e->priority_mode || e->n_ahead != 1 || !name || theirs >= e->priority) {
        zkelect__forget_preemption(e);
        return;
    }
    if (e->preempt_behind && strcmp(e->preempt_behind, e->watched_path) == 0)
        return; /* the same leader: its time runs, or it was asked */
    zkelect__forget_preemption(e);
    e->preempt_behind = strdup(e->watched_path);
    if (!e->preempt_behind)
        return;
    e->preempt_at_ns = zkelect__now_ns() + (int64_t)e->preempt_delay_ms * ZKE_MS;
    zkelect__log(e, ZKELECT_LOG_INFO, "next in line behind %s, of priority %d, lower than ours (%d): asking it "
                 "to step down in %d ms", name, theirs, e->priority, e->preempt_delay_ms);
    zkelect__tend_soon(e);
}

static void preempt_sent(int rc, const char *name, const struct Stat *stat, const void *data)
{
    (void)name, (void)stat;
    zke_op_t *op = (zke_op_t *)data;
    struct zkelect *e = zkelect__op_begin(op);
    if (zkelect__op_finish(op) && e && e->preempt_behind) {
        if (rc == ZNODEEXISTS) {
            /* A notice of someone else's is there: once it is read. */
            e->preempt_at_ns = zkelect__now_ns() + 100 * ZKE_MS;
            zkelect__tend_soon(e);
        } else if (rc != ZOK) {
            zkelect__log(e, ZKELECT_LOG_WARN, "could not ask %s to step down: %s", op->path, zerror(rc));
        }
    }
    zkelect__op_end(op);
}

void zkelect__preemption_tend(struct zkelect *e, int64_t now)
{
    if (!e->preempt_at_ns || now < e->preempt_at_ns)
        return;
    e->preempt_at_ns = 0; /* once per leader */
    char text[ZKE_MESSAGE_MAX];
    bool standing = e->phase == ZKE_WATCHING && e->watched_path && e->preempt_behind &&
                    strcmp(e->watched_path, e->preempt_behind) == 0 && e->predecessor_session &&
                    zkelect__session_ready(e);
    int len = zkelect__encode_request(text, sizeof text, ZKE_VERB_PREEMPT, "", "", e->id);
    if (!standing || len < 0)
        return;
    char *notice = zkelect__request_path(e, e->predecessor_session);
    zke_op_t *op = notice ? zkelect__op_new(e->session, e, notice) : NULL;
    if (op) {
        op->any_gen = true;
        zkelect__log(e, ZKELECT_LOG_INFO, "preempting %s: asking it to step down", strrchr(e->preempt_behind, '/') + 1);
        if (zkelect__zk_acreate(e->session->zh, notice, text, len, zkelect__node_acl(e), ZOO_EPHEMERAL, preempt_sent,
                                op) != ZOK) {
            zkelect__op_drop(op);
        }
    }
    free(notice);
}

/* ----------------------------------------------------------------- the API */

int zkelect_set_step_down_mode(zkelect_t *e, int mode)
{
    if (!e)
        return ZKELECT_EINVAL;
    int rc = zkelect__check_process(e->session, e, "zkelect_set_step_down_mode");
    if (rc)
        return rc;
    if (mode != ZKELECT_STEP_DOWN_AUTO && mode != ZKELECT_STEP_DOWN_BY_HOST) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "zkelect_set_step_down_mode: %d is no mode (ZKELECT_STEP_DOWN_AUTO 0, "
                     "ZKELECT_STEP_DOWN_BY_HOST 1)", mode);
        return ZKELECT_EINVAL;
    }
    pthread_mutex_lock(&e->session->lock);
    e->step_down_mode = mode;
    pthread_mutex_unlock(&e->session->lock);
    return ZKELECT_OK;
}
