/* election.c - the election recipe as a state machine driven by ZooKeeper
 * completions and watches. Every function here runs with e->lock held; the
 * completions take it themselves. Nothing blocks and nothing sleeps. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static void check_own(struct zkelect *e);
static void list_children(struct zkelect *e, bool finding);

/* ------------------------------------------------------------------ helpers */

static char *child_path(const struct zkelect *e, const char *name)
{
    char *path;
    return asprintf(&path, "%s/%s", e->path, name) < 0 ? NULL : path;
}

/* A request that could not even be queued, or whose reply is an error that
 * a reconnection does not cure, is reported and the join tried again later. */
void zkelect__fail(struct zkelect *e, const char *what, int rc)
{
    if (zkelect__transient(rc)) {
        /* The session watcher restarts the join once connected again. */
        if (e->phase != ZKE_FAILED)
            e->phase = ZKE_WAITING;
        zkelect__log(e, ZKELECT_LOG_DEBUG, "%s: %s; waiting for the connection", what, zerror(rc));
        return;
    }
    zkelect__log(e, ZKELECT_LOG_ERROR, "%s: %s (%d)", what, zerror(rc), rc);
    zkelect__queue_event(e, ZKELECT_EV_ERROR, ZKELECT_REASON_NONE, zkelect__from_zk_error(rc), rc, "%s: %s", what,
                         zerror(rc));
    zkelect__retry_later(e);
}

zke_op_t *zkelect__start_op(struct zkelect *e, const char *path)
{
    zke_op_t *op = zkelect__op_new(e, path);
    if (!op) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "out of memory; retrying the join later");
        zkelect__retry_later(e);
    }
    return op;
}

/* Queue-time failure of an asynchronous call: the completion will not run. */
void zkelect__abandon(struct zkelect *e, zke_op_t *op, const char *what, int rc)
{
    zkelect__op_finish(op);
    zkelect__op_free(op);
    zkelect__fail(e, what, rc);
}

/* A reply from the server (not a local error) to a request of the current
 * session: the session cannot expire before its send time + T. */
static void note_answer(struct zkelect *e, const zke_op_t *op, int rc)
{
    if (!zkelect__transient(rc) && op->sent_ns > e->answered_ns)
        e->answered_ns = op->sent_ns;
}

static bool owned_on_this_session(const struct zkelect *e)
{
    return e->own_path && e->own_czxid >= 0 && e->owned_session == e->session_id;
}

void zkelect__retry_later(struct zkelect *e)
{
    int backoff = e->retry_backoff_ms ? e->retry_backoff_ms * 2 : 250;
    e->retry_backoff_ms = backoff > 30000 ? 30000 : backoff;
    e->retry_at = zkelect__now_ns() + (int64_t)e->retry_backoff_ms * ZKE_MS;
    if (e->phase != ZKE_FAILED && e->phase != ZKE_RELEASING)
        e->phase = ZKE_WAITING;
    e->gen++;
    zkelect__wake_keeper(e);
}

static void forget_ahead(struct zkelect *e)
{
    for (size_t i = 0; i < e->n_ahead; i++)
        free(e->ahead[i]);
    free(e->ahead);
    e->ahead = NULL;
    e->n_ahead = 0;
}

/* -------------------------------------------------------------- leadership */

void zkelect__revoke(struct zkelect *e, int reason)
{
    if (!atomic_load(&e->leading))
        return;
    atomic_store(&e->leading, false);
    atomic_store(&e->epoch, -1);
    atomic_store(&e->lease_deadline, 0);
    if (e->phase == ZKE_LEADING)
        e->phase = ZKE_WAITING;
    zkelect__log(e, ZKELECT_LOG_INFO, "leadership revoked (%s), epoch 0x%llx", zkelect_reason_name(reason),
                 (unsigned long long)e->own_czxid);
    zke_item_t *item = zkelect__queue_event(e, ZKELECT_EV_REVOKED, reason, ZKELECT_OK, 0, "leadership revoked: %s",
                                            zkelect_reason_name(reason));
    /* Our node still stands for these: nobody can be elected before the
     * server expires the session, which it cannot do before a + T. */
    bool node_stands =
        reason == ZKELECT_REASON_SUSPENDED || reason == ZKELECT_REASON_LEASE_EXPIRED || reason == ZKELECT_REASON_AUTH_FAILED;
    if (item && node_stands)
        item->ev.successor_not_before_ns = e->lease_sent_ns + (int64_t)e->timeout_ms * ZKE_MS;
    pthread_cond_broadcast(&e->state_cond);
}

/* a is the send time of the oldest request that proved both that our node is
 * first and that it belongs to this session. */
static void become_leader(struct zkelect *e, int64_t a)
{
    e->first_confirmed = true;
    int64_t now = zkelect__now_ns();
    int64_t deadline = a + zkelect__lease_ns(e);
    if (now >= deadline) {
        zkelect__log(e, ZKELECT_LOG_WARN, "first in line, but the server answered too late to grant a lease");
        zkelect__retry_later(e);
        return;
    }
    e->phase = ZKE_LEADING;
    e->retry_backoff_ms = 0;
    e->lease_sent_ns = a;
    atomic_store(&e->lease_deadline, deadline);
    atomic_store(&e->epoch, e->own_czxid);
    if (atomic_load(&e->leading))
        return;
    atomic_store(&e->leading, true);
    /* Renewals keep the lease T/4 apart from a, which may be older than now. */
    e->next_renew_ns = a + zkelect__renew_interval_ns(e);
    zkelect__log(e, ZKELECT_LOG_INFO, "elected: node %s, epoch 0x%llx, lease %lld ms", e->own_name,
                 (unsigned long long)e->own_czxid, (long long)((deadline - now) / ZKE_MS));
    zkelect__queue_event(e, ZKELECT_EV_ELECTED, ZKELECT_REASON_NONE, ZKELECT_OK, 0, "elected with node %s",
                         e->own_name);
    pthread_cond_broadcast(&e->state_cond);
    zkelect__wake_keeper(e);
}

/* ------------------------------------------------------------- our own node */

void zkelect__forget_node(struct zkelect *e)
{
    forget_ahead(e);
    free(e->own_path);
    free(e->own_name);
    free(e->watched_path);
    e->own_path = e->own_name = e->watched_path = NULL;
    e->own_seq = -1;
    e->own_czxid = -1;
    e->owned_session = 0;
    e->own_watched = false;
    e->own_watch_armed = false;
    e->first_confirmed = false;
    e->create_unknown = false;
    /* Each candidacy has its own token, so that a node of an earlier one can
     * never be mistaken for the current one. */
    if (zkelect__token_new(e->token) != ZKELECT_OK)
        zkelect__log(e, ZKELECT_LOG_ERROR, "no random bytes for a new token; keeping the old one");
}

static void announce_join(struct zkelect *e)
{
    zkelect__log(e, ZKELECT_LOG_INFO, "joined: node %s, czxid 0x%llx", e->own_name, (unsigned long long)e->own_czxid);
    zkelect__queue_event(e, ZKELECT_EV_JOINED, ZKELECT_REASON_NONE, ZKELECT_OK, 0, "joined with node %s",
                         e->own_name);
}

/* czxid -1: not known yet (an adopted node); the ownership check learns it. */
static bool adopt_node(struct zkelect *e, const char *path, int64_t czxid)
{
    const char *name = strrchr(path, '/');
    name = name ? name + 1 : path;
    char *own_path = child_path(e, name);
    char *own_name = strdup(name);
    if (!own_path || !own_name || !zkelect__parse_child(e->format, name, &e->own_seq)) {
        free(own_path);
        free(own_name);
        return false;
    }
    free(e->own_path);
    free(e->own_name);
    e->own_path = own_path;
    e->own_name = own_name;
    e->own_czxid = czxid;
    e->create_unknown = false;
    if (czxid >= 0)
        announce_join(e);
    return true;
}

static void lose_node(struct zkelect *e, const char *why)
{
    zkelect__log(e, ZKELECT_LOG_WARN, "our node %s is gone (%s); rejoining", e->own_name ? e->own_name : "?", why);
    zkelect__revoke(e, ZKELECT_REASON_NODE_DELETED);
    zkelect__forget_node(e);
    zkelect__restart(e);
}

static void delete_done(int rc, const void *data)
{
    zke_op_t *op = (zke_op_t *)data;
    struct zkelect *e = zkelect__op_lock(op);
    bool same_session = zkelect__op_finish(op) || (!e->stopping && op->zh == e->zh);
    if (same_session && zkelect__transient(rc) && rc != ZSESSIONEXPIRED) {
        zkelect__delete_node(e, op->zh, op->path);
    } else if (rc != ZOK && rc != ZNONODE && !zkelect__transient(rc)) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "could not delete %s: %s; it goes with the session", op->path,
                     zerror(rc));
    }
    zkelect__op_free(op);
    pthread_mutex_unlock(e->lock);
}

/* Deletes are guaranteed: one that cannot be sent now is remembered and sent
 * again once connected, for as long as the session lives. */
void zkelect__unwatch_node(struct zkelect *e, zhandle_t *zh, const char *path)
{
    /* The request goes out just before the delete, on the same connection:
     * no round trip is added. Without a watch the client answers at once
     * (ZNOWATCHER) and sends nothing. */
    zke_op_t *op = zkelect__op_new(e, path);
    if (op && zkelect__zk_aunwatch(zh, path, zkelect__ignore_void, op) != ZOK) {
        zkelect__op_finish(op);
        zkelect__op_free(op);
    }
}

void zkelect__delete_node(struct zkelect *e, zhandle_t *zh, const char *path)
{
    if (!zh || zh != e->zh)
        return; /* another session: the node went with the old one */
    if (!e->connected) {
        char **grown = realloc(e->orphans, (e->n_orphans + 1) * sizeof *grown);
        char *copy = strdup(path);
        if (!grown || !copy) {
            free(copy);
            if (grown)
                e->orphans = grown;
            zkelect__log(e, ZKELECT_LOG_ERROR, "out of memory: %s goes with the session", path);
            return;
        }
        e->orphans = grown;
        e->orphans[e->n_orphans++] = copy;
        return;
    }
    zke_op_t *op = zkelect__op_new(e, path);
    if (!op)
        return;
    int rc = zkelect__zk_adelete(zh, path, delete_done, op);
    if (rc != ZOK) {
        zkelect__op_finish(op);
        zkelect__op_free(op);
        zkelect__log(e, ZKELECT_LOG_ERROR, "could not delete %s: %s", path, zerror(rc));
    }
}

/* ---------------------------------------------------------------- watchers */

struct zkelect *zkelect__watched(void *ctx)
{
    zke_ref_t *ref = ctx;
    pthread_mutex_lock(ref->lock);
    if (!ref->e) {
        pthread_mutex_unlock(ref->lock);
        return NULL;
    }
    zkelect__set_log_owner(ref->e);
    return ref->e;
}

static void own_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    (void)state;
    /* Per-path watchers also receive every session event (G5): ignore them. */
    if (type == ZOO_SESSION_EVENT)
        return;
    struct zkelect *e = zkelect__watched(ctx);
    if (!e)
        return;
    if (zh == e->zh && e->own_path && path && strcmp(path, e->own_path) == 0)
        e->own_watched = e->own_watch_armed = false;
    if (!e->stopping && zh == e->zh && e->own_path && path && strcmp(path, e->own_path) == 0 &&
        e->phase != ZKE_RELEASING) {
        if (type == ZOO_DELETED_EVENT)
            lose_node(e, "deleted by someone else");
        else
            zkelect__restart(e); /* changed: check it again, which also re-arms the watch */
    }
    pthread_mutex_unlock(e->lock);
}

/* Elected by a notification alone, on a recent answer of this session (the
 * standby renewals keep one, see session.c), without a round trip. */
static void take_over_now(struct zkelect *e)
{
    e->quick_takeovers++;
    become_leader(e, e->answered_ns);
    /* The watch on our node has done its job; as leader it would only
     * notify us when we leave. Sent after the election: not waited for. */
    if (atomic_load(&e->leading) && e->own_watch_armed) {
        zkelect__unwatch_node(e, e->zh, e->own_path);
        e->own_watched = e->own_watch_armed = false;
    }
}

/* The predecessor is gone; handed_over: it went with a hand-over (see
 * handoff.c), which only a node that was first in line makes.
 * Sequence numbers only grow, so the contenders ahead of us can only have
 * become fewer since our last listing: if the predecessor was the only one
 * then, we are first now. A hand-over says the same however old the
 * listing; as a data change is all that tells it, and anyone allowed to
 * write could make one, one listing sent after the election checks it (a
 * contender still ahead revokes at its answer). Otherwise one listing says
 * where we stand: our node was created or checked on this session, so no
 * ownership read is needed. */
static void predecessor_gone(struct zkelect *e, bool handed_over)
{
    bool only_one_ahead = e->n_ahead == 1;
    e->gen++;
    forget_ahead(e);
    free(e->watched_path);
    e->watched_path = NULL;
    int64_t lease = zkelect__lease_ns(e);
    bool recent = e->answered_ns + lease - zkelect__now_ns() > (int64_t)e->timeout_ms * ZKE_MS / 8;
    if (recent && only_one_ahead && e->own_watched) {
        zkelect__log(e, ZKELECT_LOG_DEBUG, "the only contender ahead is gone: first in line");
        take_over_now(e);
        return;
    }
    if (recent && handed_over && zkelect__session_ready(e)) {
        zkelect__log(e, ZKELECT_LOG_DEBUG, "the first in line handed over to us: first in line");
        e->handoff_takeovers++;
        take_over_now(e);
        list_children(e, false);
        return;
    }
    if (!zkelect__session_ready(e)) {
        e->phase = ZKE_WAITING;
        return;
    }
    list_children(e, false);
}

static void predecessor_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    (void)state;
    if (type == ZOO_SESSION_EVENT)
        return;
    struct zkelect *e = zkelect__watched(ctx);
    if (!e)
        return;
    /* A watch left by an earlier round (a watch cannot be taken back on the
     * server) fires here too: only the current predecessor counts. */
    if (!e->stopping && zh == e->zh && e->watched_path && path && strcmp(path, e->watched_path) == 0) {
        zkelect__log(e, ZKELECT_LOG_DEBUG, "predecessor %s changed (event %d)", path, type);
        bool handed_over = type == ZOO_CHANGED_EVENT && e->format == ZKELECT_FORMAT_NATIVE;
        if ((type == ZOO_DELETED_EVENT || handed_over) && e->phase == ZKE_WATCHING && owned_on_this_session(e))
            predecessor_gone(e, handed_over);
        else
            zkelect__restart(e);
    }
    pthread_mutex_unlock(e->lock);
}

/* ------------------------------------------------------------------ renewal */

static void renew_done(int rc, const char *value, int len, const struct Stat *stat, const void *data)
{
    (void)value, (void)len;
    zke_op_t *op = (zke_op_t *)data;
    struct zkelect *e = zkelect__op_lock(op);
    bool current = zkelect__op_finish(op) && e->own_path && strcmp(op->path, e->own_path) == 0;
    if (current)
        note_answer(e, op, rc);
    if (current && rc == ZOK && stat->ephemeralOwner == e->session_id && e->own_watch_armed)
        e->own_watched = true;
    if (current && !atomic_load(&e->leading) && (rc == ZNONODE || (rc == ZOK && stat->ephemeralOwner != e->session_id)))
        lose_node(e, rc == ZOK ? "owned by another session" : "not found on renewal");
    else if (current && atomic_load(&e->leading)) {
        if (rc == ZOK && stat->ephemeralOwner == e->session_id && stat->version != 0) {
            /* We never write our node but in the hand-over that deletes it. */
            zkelect__log(e, ZKELECT_LOG_WARN,
                         "%s was written by someone else: its successor may take it for a hand-over; stepping down",
                         e->own_name);
            zkelect__give_up_place(e, ZKELECT_REASON_NODE_CHANGED);
        } else if (rc == ZOK && stat->ephemeralOwner == e->session_id) {
            if (op->sent_ns > e->lease_sent_ns) {
                e->lease_sent_ns = op->sent_ns;
                atomic_store(&e->lease_deadline, op->sent_ns + zkelect__lease_ns(e));
            }
        } else if (rc == ZOK || rc == ZNONODE) {
            lose_node(e, rc == ZOK ? "owned by another session" : "not found on renewal");
        } else if (!zkelect__transient(rc)) {
            zkelect__log(e, ZKELECT_LOG_WARN, "lease renewal failed: %s", zerror(rc));
        }
    }
    zkelect__op_free(op);
    pthread_mutex_unlock(e->lock);
}

void zkelect__renew(struct zkelect *e)
{
    if (!e->own_path || !zkelect__session_ready(e))
        return;
    zke_op_t *op = zkelect__op_new(e, e->own_path);
    if (!op)
        return;
    e->reads_sent++;
    /* A leader's renewals set no watch: a watch on its own node would
     * notify it, a second notification, when it deletes the node. The
     * renewals notice a deletion by someone else within T/4. */
    bool watch = !atomic_load(&e->leading);
    e->own_watch_armed |= watch;
    int rc = zkelect__zk_awget(e->zh, e->own_path, watch ? own_watcher : NULL, watch ? e->ref : NULL, renew_done, op);
    if (rc != ZOK) {
        zkelect__op_finish(op);
        zkelect__op_free(op);
        zkelect__log(e, ZKELECT_LOG_WARN, "lease renewal not sent: %s", zerror(rc));
    }
}

/* ----------------------------------------------------------- the predecessor */

static void ignore_impostor(struct zkelect *e, const char *name)
{
    if (zkelect__strset_add(&e->impostors, name) < 0)
        zkelect__log(e, ZKELECT_LOG_ERROR, "out of memory remembering an impostor");
    if (e->impostors.count <= 16)
        zkelect__log(e, ZKELECT_LOG_WARN,
                     "%s/%s is a persistent node named like a contender: it is not one, and is skipped", e->path,
                     name);
    else if (e->impostors.count == 17)
        zkelect__log(e, ZKELECT_LOG_WARN, "more persistent impostors in %s; no longer naming each", e->path);
}

static void watch_predecessor(struct zkelect *e, const char *name);

/* Watch the nearest contender ahead that is not known to be an impostor; with
 * none left, we are first. */
static void watch_nearest_ahead(struct zkelect *e)
{
    while (e->n_ahead > 0 && zkelect__strset_has(&e->impostors, e->ahead[e->n_ahead - 1]))
        free(e->ahead[--e->n_ahead]);
    if (e->n_ahead == 0) {
        /* The listing was answered on the session that owns the node: the
         * session cannot expire before its send time + T. */
        become_leader(e, e->listed_ns);
        return;
    }
    watch_predecessor(e, e->ahead[e->n_ahead - 1]);
}

static void probe_done(int rc, const struct Stat *stat, const void *data)
{
    zke_op_t *op = (zke_op_t *)data;
    struct zkelect *e = zkelect__op_lock(op);
    if (zkelect__op_finish(op)) {
        if (rc == ZOK && stat->ephemeralOwner == 0)
            ignore_impostor(e, strrchr(op->path, '/') + 1);
        else if (rc != ZOK && rc != ZNONODE)
            e->probe_failed = rc;
        if (--e->probes_pending == 0) {
            if (e->probe_failed)
                zkelect__fail(e, "checking the contenders ahead", e->probe_failed);
            else
                watch_nearest_ahead(e);
        }
    }
    zkelect__op_free(op);
    pthread_mutex_unlock(e->lock);
}

/* Where one impostor stood there may be thousands (anyone with CREATE on the
 * parent can make them): the nearest contenders ahead are checked a batch at
 * a time, all requests in flight at once, rather than one round trip each. */
#define PROBE_BATCH 128

static void probe_ahead(struct zkelect *e)
{
    e->probes_pending = 0;
    e->probe_failed = 0;
    size_t sent = 0;
    for (size_t i = e->n_ahead; i > 0 && sent < PROBE_BATCH; i--) {
        const char *name = e->ahead[i - 1];
        if (zkelect__strset_has(&e->impostors, name))
            continue;
        char *full = child_path(e, name);
        zke_op_t *op = full ? zkelect__start_op(e, full) : NULL;
        free(full);
        if (!op)
            break;
        e->reads_sent++;
        int rc = zkelect__zk_aexists(e->zh, op->path, NULL, NULL, probe_done, op);
        if (rc != ZOK) {
            zkelect__abandon(e, op, "checking the contenders ahead", rc);
            return;
        }
        e->probes_pending++;
        sent++;
    }
    if (sent == 0)
        watch_nearest_ahead(e);
}

static void predecessor_done(int rc, const char *value, int len, const struct Stat *stat, const void *data)
{
    (void)value, (void)len;
    zke_op_t *op = (zke_op_t *)data;
    struct zkelect *e = zkelect__op_lock(op);
    if (zkelect__op_finish(op)) {
        note_answer(e, op, rc);
        if (rc == ZOK && stat->ephemeralOwner == 0) {
            ignore_impostor(e, strrchr(op->path, '/') + 1);
            probe_ahead(e);
        } else if (rc == ZNONODE) {
            /* Gone between our listing and the watch: look again at once. */
            list_children(e, false);
        } else if (rc != ZOK) {
            zkelect__fail(e, "watching the predecessor", rc);
        }
    }
    zkelect__op_free(op);
    pthread_mutex_unlock(e->lock);
}

static void watch_predecessor(struct zkelect *e, const char *name)
{
    free(e->watched_path);
    e->watched_path = child_path(e, name);
    if (!e->watched_path) {
        zkelect__retry_later(e);
        return;
    }
    zke_op_t *op = zkelect__start_op(e, e->watched_path);
    if (!op)
        return;
    e->phase = ZKE_WATCHING;
    if (e->n_ahead == 1) {
        /* Next in line: keep a recent answer at hand (see predecessor_gone),
         * and a watch on our own node, so that its deletion is known before
         * the predecessor's could make us leader. */
        int64_t due = e->answered_ns + zkelect__renew_interval_ns(e);
        e->next_renew_ns = e->own_watched ? due : 0;
        zkelect__wake_keeper(e);
    }
    /* A get, not an exists: an exists watch on a node that is already gone
     * would stay behind as a creation watch. */
    e->reads_sent++;
    int rc = zkelect__zk_awget(e->zh, e->watched_path, predecessor_watcher, e->ref, predecessor_done, op);
    if (rc != ZOK)
        zkelect__abandon(e, op, "watching the predecessor", rc);
}

/* ------------------------------------------------------------ the listing */

static void note_stranger(struct zkelect *e, const char *name)
{
    if (e->strangers_capped || zkelect__strset_has(&e->strangers, name))
        return;
    if (e->strangers.count >= 1024) {
        e->strangers_capped = true;
        zkelect__log(e, ZKELECT_LOG_WARN, "more than 1024 foreign children in %s; no longer naming each", e->path);
        return;
    }
    if (e->format == ZKELECT_FORMAT_CURATOR)
        zkelect__log(e, ZKELECT_LOG_WARN,
                     "ignoring %s/%s: not a LeaderLatch node (Curator counts every child: it may disagree about the leader)",
                     e->path, name);
    else
        zkelect__log(e, ZKELECT_LOG_WARN, "ignoring %s/%s: not a contender in the %s format", e->path, name,
                     zkelect__format_name(e->format));
    zkelect__strset_add(&e->strangers, name);
}

static void evaluate(struct zkelect *e, const struct String_vector *names, int64_t listed_ns)
{
    zke_child_t *children = malloc((size_t)(names->count ? names->count : 1) * sizeof *children);
    if (!children) {
        zkelect__retry_later(e);
        return;
    }
    size_t n = 0;
    for (int i = 0; i < names->count; i++) {
        const char *name = names->data[i];
        int32_t seq;
        if (!zkelect__parse_child(e->format, name, &seq))
            note_stranger(e, name);
        else if (!zkelect__strset_has(&e->impostors, name))
            children[n++] = (zke_child_t){.name = name, .seq = seq};
    }
    zkelect__order_children_as(e->format, children, n);
    size_t self = n;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(children[i].name, e->own_name) == 0) {
            self = i;
            break;
        }
    }
    if (self == n) {
        free(children);
        lose_node(e, "missing from the listing");
        return;
    }
    forget_ahead(e);
    e->listed_ns = listed_ns;
    if (self > 0) {
        e->first_confirmed = false;
        if (atomic_load(&e->leading))
            zkelect__revoke(e, ZKELECT_REASON_PREEMPTED);
    }
    if (self > 0 && !(e->ahead = malloc(self * sizeof *e->ahead))) {
        free(children);
        zkelect__retry_later(e);
        return;
    }
    for (size_t i = 0; i < self; i++) {
        if (!(e->ahead[e->n_ahead] = strdup(children[i].name)))
            break;
        e->n_ahead++;
    }
    free(children);
    if (e->n_ahead < self) {
        zkelect__retry_later(e);
        return;
    }
    watch_nearest_ahead(e);
}

/* After a create whose reply was lost: our node may exist, named with our
 * token. Adopt it rather than create a second one, which would be an orphan
 * that stalls the election until the session ends. */
static void find_own(struct zkelect *e, const struct String_vector *names)
{
    for (int i = 0; i < names->count; i++) {
        if (zkelect__name_has_token_as(e->format, names->data[i], e->token)) {
            char *path = child_path(e, names->data[i]);
            /* The czxid is learned by the ownership check that follows. */
            bool adopted = path && adopt_node(e, path, -1);
            free(path);
            if (!adopted) {
                zkelect__retry_later(e);
                return;
            }
            zkelect__log(e, ZKELECT_LOG_INFO, "adopted %s after a lost create reply", names->data[i]);
            check_own(e);
            return;
        }
    }
    e->create_unknown = false;
    zkelect__restart(e);
}

static void list_done(int rc, const struct String_vector *names, const struct Stat *stat, const void *data)
{
    (void)stat;
    zke_op_t *op = (zke_op_t *)data;
    struct zkelect *e = zkelect__op_lock(op);
    if (zkelect__op_finish(op)) {
        note_answer(e, op, rc);
        if (rc == ZOK && op->finding)
            find_own(e, names);
        else if (rc == ZOK && e->own_path)
            evaluate(e, names, op->sent_ns);
        else if (rc == ZOK || rc == ZNONODE)
            /* The election path itself is gone (deleted by an operator, or a
             * reaped container), and our node with it. */
            lose_node(e, "the election path was deleted");
        else
            zkelect__fail(e, "listing the election", rc);
    }
    zkelect__op_free(op);
    pthread_mutex_unlock(e->lock);
}

static void list_children(struct zkelect *e, bool finding)
{
    zke_op_t *op = zkelect__start_op(e, NULL);
    if (!op)
        return;
    op->finding = finding;
    e->phase = ZKE_CHECKING;
    e->reads_sent++;
    e->lists_sent++;
    int rc = zkelect__zk_alist(e->zh, e->path, NULL, NULL, list_done, op);
    if (rc != ZOK)
        zkelect__abandon(e, op, "listing the election", rc);
}

/* ----------------------------------------------------- checking our own node */

static void check_own_done(int rc, const char *value, int len, const struct Stat *stat, const void *data)
{
    (void)value, (void)len;
    zke_op_t *op = (zke_op_t *)data;
    struct zkelect *e = zkelect__op_lock(op);
    if (zkelect__op_finish(op) && e->own_path && strcmp(op->path, e->own_path) == 0) {
        note_answer(e, op, rc);
        if (rc == ZOK && stat->ephemeralOwner == e->session_id) {
            /* The check that closes CURATOR-696: a node of ours, but of an
             * earlier session, must never make us leader. */
            bool announce = e->own_czxid < 0;
            e->own_czxid = stat->czxid;
            e->checked_ns = op->sent_ns;
            e->owned_session = e->session_id;
            e->own_watched = true;
            if (announce)
                announce_join(e);
            list_children(e, false);
        } else if (rc == ZOK) {
            zkelect__log(e, ZKELECT_LOG_WARN, "%s belongs to session 0x%llx, not ours; joining anew", e->own_name,
                         (unsigned long long)stat->ephemeralOwner);
            zkelect__revoke(e, ZKELECT_REASON_NODE_DELETED);
            zkelect__forget_node(e);
            zkelect__restart(e);
        } else if (rc == ZNONODE) {
            lose_node(e, "not found");
        } else {
            zkelect__fail(e, "checking our node", rc);
        }
    }
    zkelect__op_free(op);
    pthread_mutex_unlock(e->lock);
}

static void check_own(struct zkelect *e)
{
    zke_op_t *op = zkelect__start_op(e, e->own_path);
    if (!op)
        return;
    e->phase = ZKE_CHECKING;
    e->reads_sent++;
    e->own_watch_armed = true;
    /* The same read arms the watch that tells us if someone deletes our node. */
    int rc = zkelect__zk_awget(e->zh, e->own_path, own_watcher, e->ref, check_own_done, op);
    if (rc != ZOK)
        zkelect__abandon(e, op, "checking our node", rc);
}

/* ------------------------------------------------------------ creating it */

static void create_node(struct zkelect *e);

static void ensure_done(int rc, const char *name, const struct Stat *stat, const void *data)
{
    (void)stat;
    (void)name;
    zke_op_t *op = (zke_op_t *)data;
    struct zkelect *e = zkelect__op_lock(op);
    if (zkelect__op_finish(op)) {
        if (rc != ZOK && rc != ZNODEEXISTS)
            zkelect__fail(e, "creating the election path", rc);
        else if (strcmp(op->path, e->path) == 0)
            create_node(e);
    }
    zkelect__op_free(op);
    pthread_mutex_unlock(e->lock);
}

/* Like mkdir -p: one create per missing level, all sent at once (ZooKeeper
 * answers a session's requests in order), each content if another client
 * created that level first. */
static void ensure_path(struct zkelect *e)
{
    zkelect__log(e, ZKELECT_LOG_INFO, "creating the election path %s", e->path);
    char *prefix = strdup(e->path);
    if (!prefix) {
        zkelect__retry_later(e);
        return;
    }
    for (char *slash = strchr(prefix + 1, '/');; slash = strchr(slash + 1, '/')) {
        if (slash)
            *slash = '\0';
        zke_op_t *op = zkelect__start_op(e, prefix);
        if (!op)
            break;
        int rc = zkelect__zk_acreate(e->zh, prefix, NULL, -1, zkelect__node_acl(e), 0, ensure_done, op);
        if (rc != ZOK) {
            zkelect__abandon(e, op, "creating the election path", rc);
            break;
        }
        if (!slash)
            break;
        *slash = '/';
    }
    free(prefix);
}

static void create_done(int rc, const char *name, const struct Stat *stat, const void *data)
{
    zke_op_t *op = (zke_op_t *)data;
    struct zkelect *e = zkelect__op_lock(op);
    bool current = zkelect__op_finish(op);
    if (!current) {
        /* Resigned, stopped or restarted meanwhile: a node created now is
         * nobody's candidacy, and would block the line until the session ends. */
        if (rc == ZOK)
            zkelect__delete_node(e, op->zh, name);
    } else if (rc == ZOK) {
        e->retry_backoff_ms = 0;
        note_answer(e, op, rc);
        if (adopt_node(e, name, stat->czxid)) {
            e->checked_ns = op->sent_ns;
            e->owned_session = e->session_id;
            list_children(e, false);
        } else {
            zkelect__delete_node(e, op->zh, name);
            zkelect__retry_later(e);
        }
    } else if (rc == ZNONODE) {
        ensure_path(e);
    } else if (rc == ZCONNECTIONLOSS || rc == ZOPERATIONTIMEOUT) {
        e->create_unknown = true;
        zkelect__fail(e, "creating our node", rc);
    } else {
        zkelect__fail(e, "creating our node", rc);
    }
    zkelect__op_free(op);
    pthread_mutex_unlock(e->lock);
}

static void create_node(struct zkelect *e)
{
    char prefix[ZKE_PREFIX_MAX];
    char *prefix_path;
    if (zkelect__node_prefix(e->format, e->token, prefix, sizeof prefix) != ZKELECT_OK ||
        asprintf(&prefix_path, "%s/%s", e->path, prefix) < 0) {
        zkelect__retry_later(e);
        return;
    }
    zke_op_t *op = zkelect__start_op(e, prefix_path);
    if (op) {
        e->phase = ZKE_CREATING;
        int rc = zkelect__zk_acreate(e->zh, prefix_path, e->payload, (int)e->payload_len, zkelect__node_acl(e),
                                     ZOO_EPHEMERAL | ZOO_SEQUENCE, create_done, op);
        if (rc != ZOK)
            zkelect__abandon(e, op, "creating our node", rc);
    }
    free(prefix_path);
}

/* ------------------------------------------------------------- the driver */

void zkelect__restart(struct zkelect *e)
{
    if (e->is_carrier || e->stopping || e->left || e->phase == ZKE_FAILED || e->phase == ZKE_RELEASING)
        return;
    e->gen++;
    forget_ahead(e);
    free(e->watched_path);
    e->watched_path = NULL;
    if (!zkelect__session_ready(e)) {
        e->phase = ZKE_WAITING;
        return;
    }
    if (e->observer)
        zkelect__follow_start(e);
    else if (e->own_path)
        check_own(e);
    else if (e->create_unknown)
        list_children(e, true);
    else
        create_node(e);
}
