/* line.c - standing in line: list the election, find our place, watch the
 * one contender just ahead (its node only: one notification per change, at
 * any N), skip persistent impostors, and lead when nobody is left ahead.
 * Every function here runs with the lock held; the completions and
 * watchers take it themselves. Nothing blocks and nothing sleeps. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static void list_line(struct zkelect *e);

void zkelect__forget_ahead(struct zkelect *e)
{
    for (size_t i = 0; i < e->n_ahead; i++)
        free(e->ahead[i]);
    free(e->ahead);
    e->ahead = NULL;
    e->n_ahead = 0;
}

void zkelect__forget_line(struct zkelect *e)
{
    e->gen++;
    zkelect__forget_ahead(e);
    free(e->watched_path);
    e->watched_path = NULL;
}

static bool owned_on_this_session(const struct zkelect *e)
{
    return e->own_path && e->own_czxid >= 0 && e->node_session == e->session->id;
}

/* ------------------------------------------------------ the predecessor */

/* Elected by a notification alone, on a recent answer of this session (the
 * standby renewals keep one, see election.c), without a round trip. */
static void take_over_now(struct zkelect *e, int takeover)
{
    e->quick_takeovers++;
    zkelect__lead(e, e->answered_ns, takeover);
}

/* The predecessor is gone; handed_over: it went with a hand-over (see
 * node.c), which only a node that was first in line makes.
 * Sequence numbers only grow, so the contenders ahead of us can only have
 * become fewer since our last listing: if the predecessor was the only one
 * then, we are first now. A hand-over says the same however old the
 * listing: a data change is all that tells it, and it is taken for one only
 * where nobody but the node's own session can write the node
 * (predecessor_changed()); one listing sent after the election confirms it
 * all the same (a contender still ahead revokes at its answer). Otherwise
 * one listing says where we stand: our node was created or checked on this
 * session, so no ownership read is needed. */
static void predecessor_gone(struct zkelect *e, bool handed_over)
{
    bool only_one_ahead = e->n_ahead == 1;
    /* Said in ELECTED however the election is then decided. */
    e->gone_how = handed_over ? ZKELECT_TAKEOVER_HANDOVER : ZKELECT_TAKEOVER_GONE;
    zkelect__forget_line(e);
    if (e->priority_mode) {
        /* The lock is the proof: the next in line takes it at once (one
         * round trip); anyone else, or one whose line changed unseen, lists. */
        if (!zkelect__session_ready(e))
            e->phase = ZKE_WAITING;
        else if (only_one_ahead && !e->line_dirty)
            zkelect__claim_lock(e);
        else
            list_line(e);
        return;
    }
    bool recent = zkelect__answer_fresh(e, zkelect__now_ns());
    if (recent && only_one_ahead && e->own_watched) {
        zkelect__log(e, ZKELECT_LOG_DEBUG, "the only contender ahead is gone: first in line");
        take_over_now(e, handed_over ? ZKELECT_TAKEOVER_HANDOVER : ZKELECT_TAKEOVER_GONE);
        return;
    }
    if (recent && handed_over && zkelect__session_ready(e)) {
        zkelect__log(e, ZKELECT_LOG_DEBUG, "the first in line handed over to us: first in line");
        e->handoff_takeovers++;
        take_over_now(e, ZKELECT_TAKEOVER_HANDOVER);
        list_line(e);
        return;
    }
    if (!zkelect__session_ready(e)) {
        e->phase = ZKE_WAITING;
        return;
    }
    list_line(e);
}

/* The predecessor's data changed. Participants write their node only in
 * the hand-over that deletes it, so where the election's nodes can be
 * written by their own session alone (the default ACL) the change is a
 * hand-over, taken without a round trip. Under an ACL of the host's that
 * lets others write, it may be anybody's write: one listing says whether
 * the predecessor is still there (and re-arms the watch on it) before
 * anything is decided. */
static void predecessor_changed(struct zkelect *e)
{
    if (zkelect__owner_writes_alone(e)) {
        predecessor_gone(e, true);
        return;
    }
    zkelect__log(e, ZKELECT_LOG_INFO, "%s was written: listing the election to tell a hand-over from a foreign write",
                 e->watched_path);
    zkelect__forget_line(e);
    if (!zkelect__session_ready(e)) {
        e->phase = ZKE_WAITING;
        return;
    }
    list_line(e);
}

static void predecessor_event(struct zkelect *e, zhandle_t *zh, int type, const char *path)
{
    /* A watch left by an earlier round (a watch cannot be taken back on the
     * server) fires here too: only the current predecessor counts. */
    if (!e->stopping && zh == e->session->zh && e->watched_path && path && strcmp(path, e->watched_path) == 0) {
        zkelect__log(e, ZKELECT_LOG_DEBUG, "predecessor %s changed (event %d)", path, type);
        e->predecessor_notices++;
        bool standing = e->phase == ZKE_WATCHING && owned_on_this_session(e);
        if (type == ZOO_DELETED_EVENT && standing)
            predecessor_gone(e, false);
        else if (type == ZOO_CHANGED_EVENT && e->format == ZKELECT_FORMAT_NATIVE && standing)
            predecessor_changed(e);
        else
            e->driver->drive(e);
    }
}

static void watch_predecessor(struct zkelect *e, const char *name);

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

/* Watch the nearest contender ahead that is not known to be an impostor; with
 * none left, we are first. */
static void watch_nearest_ahead(struct zkelect *e)
{
    while (e->n_ahead > 0 && zkelect__strset_has(&e->impostors, e->ahead[e->n_ahead - 1]))
        free(e->ahead[--e->n_ahead]);
    if (e->n_ahead == 0 && e->priority_mode && !e->holds_lock) {
        /* First in line: with priorities, the lock decides (priority.c). */
        if (e->lock_holder && strcmp(e->lock_holder, e->token) != 0)
            zkelect__wait_for_lock(e); /* its holder's node is gone: it lets go soon */
        else if (e->lock_holder)
            zkelect__take_reserved_lock(e); /* a leader moved its term to us (switchover.c) */
        else
            zkelect__claim_lock(e);
        return;
    }
    if (e->n_ahead == 0) {
        /* The listing was answered on the session that owns the node: the
         * session cannot expire before its send time + T. */
        zkelect__lead(e, e->listed_ns, e->gone_how);
        return;
    }
    watch_predecessor(e, e->ahead[e->n_ahead - 1]);
}

static void probe_done(int rc, const struct Stat *stat, const void *data)
{
    zke_op_t *op = (zke_op_t *)data;
    struct zkelect *e = zkelect__op_begin(op);
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
    zkelect__op_end(op);
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
        char *full = zkelect__child_path(e, name);
        zke_op_t *op = full ? zkelect__start_op(e, full) : NULL;
        free(full);
        if (!op)
            break;
        e->reads_sent++;
        int rc = zkelect__zk_aexists(e->session->zh, op->path, NULL, probe_done, op);
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

/* Where we stand, said when it changes: the predecessor's id is in the
 * data of the read that set the watch (its node: the id, then NUL). */
static void say_place(struct zkelect *e, const char *value, int len)
{
    zke_node_data_t d = zkelect__node_data_split(value, len);
    char *id = strndup(d.id, d.id_len);
    if (!id)
        return;
    free(e->predecessor_id);
    e->predecessor_id = id;
    if (e->place_said && strcmp(e->place_said, e->watched_path) == 0)
        return;
    free(e->place_said);
    e->place_said = strdup(e->watched_path);
    zke_item_t *item = zkelect__queue_event(e, ZKELECT_EV_PLACE, ZKELECT_REASON_NONE, ZKELECT_OK, 0,
                                            "in line behind %s, %zu ahead", id, e->n_ahead);
    if (item) {
        item->ev.ahead = (int)e->n_ahead;
        item->ev.predecessor_id = zkelect__item_keep(item, id);
    }
}

static void predecessor_done(int rc, const char *value, int len, const struct Stat *stat, const void *data)
{
    zke_op_t *op = (zke_op_t *)data;
    struct zkelect *e = zkelect__op_begin(op);
    if (zkelect__op_finish(op)) {
        zkelect__note_answer(e, op, rc);
        if (rc == ZOK && stat->ephemeralOwner == 0) {
            ignore_impostor(e, strrchr(op->path, '/') + 1);
            probe_ahead(e);
        } else if (rc == ZOK) {
            say_place(e, value, len);
            e->predecessor_session = stat->ephemeralOwner;
            zkelect__consider_preemption(e);
        } else if (rc == ZNONODE) {
            /* Gone between our listing and the watch: look again at once. */
            list_line(e);
        } else if (rc != ZOK) {
            zkelect__fail(e, "watching the predecessor", rc);
        }
    }
    zkelect__op_end(op);
}

static void watch_predecessor(struct zkelect *e, const char *name)
{
    e->gone_how = ZKELECT_TAKEOVER_LISTED;
    free(e->watched_path);
    e->watched_path = zkelect__child_path(e, name);
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
        int64_t due = zkelect__next_renewal(e, e->answered_ns);
        e->next_renew_ns = e->own_watched ? due : 0;
        zkelect__tend_soon(e);
    }
    /* A get, not an exists: an exists watch on a node that is already gone
     * would stay behind as a creation watch. */
    e->reads_sent++;
    int rc = zkelect__zk_awget(e->session->zh, e->watched_path, zkelect__watching(e, predecessor_event),
                               predecessor_done, op);
    if (rc != ZOK)
        zkelect__abandon(e, op, "watching the predecessor", rc);
}

/* ------------------------------------------------------------ the listing */

static void note_stranger(void *ctx, const char *name)
{
    struct zkelect *e = ctx;
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

/* Keep the names ahead of ours, nearest last. False without memory. */
static bool keep_ahead(struct zkelect *e, const zke_child_t *line, size_t self)
{
    if (self > 0 && !(e->ahead = malloc(self * sizeof *e->ahead)))
        return false;
    for (size_t i = 0; i < self; i++) {
        if (!(e->ahead[e->n_ahead] = strdup(line[i].name)))
            return false;
        e->n_ahead++;
    }
    return true;
}

/* A new node for a new priority deletes the old one, and wakes the one
 * behind it. Not while our node is what keeps others out: the incumbent,
 * elected before the election had priorities, leads by its node, not by
 * the lock (the one behind would take the lock while we still lead); and a
 * leader whose term was revoked with a successor bound (its lease lapsed,
 * its node standing) promised nobody would lead before that bound. Such a
 * node stays, its old priority in the name, until the next candidacy. */
static bool keeps_its_node(const struct zkelect *e)
{
    return (atomic_load(&e->leading) && !e->holds_lock) || zkelect__bound_ahead(e);
}

/* With priorities: our node carries the wrong one (changed, or made before
 * the election ordered by priority), or the line is put in priority order
 * and the one behind us told if we came ahead of it. True if it is done
 * with the line (a new node, or the flag, is on its way). */
static bool order_by_priority(struct zkelect *e, zke_child_t *line, size_t n)
{
    if (!e->priority_mode && e->priority != 0) {
        zkelect__introduce_priorities(e, line, n);
        return true;
    }
    if (!e->priority_mode)
        return false;
    if (zkelect__name_priority(e->own_name) != e->priority && !keeps_its_node(e)) {
        zkelect__recreate_node(e);
        return true;
    }
    zkelect__order_by_priority(line, n, zkelect__pinned_token(e, line, n));
    e->line_dirty = false;
    return false;
}

static void evaluate(struct zkelect *e, const struct String_vector *names, int64_t listed_ns)
{
    zkelect__priority_seen_in(e, names);
    if (e->priority_mode && (!zkelect__priority_ready(e) || e->notices_seen != e->listed_notices)) {
        /* the lock is read with each listing; a notice read while it was
         * in flight may say what it missed (a lock moved to us) */
        e->driver->drive(e);
        return;
    }
    size_t n;
    zke_child_t *line = zkelect__line_of(e->format, names, &n, note_stranger, e);
    if (!line) {
        zkelect__retry_later(e);
        return;
    }
    size_t kept = 0, self = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        if (zkelect__strset_has(&e->impostors, line[i].name))
            continue;
        if (self == SIZE_MAX && strcmp(line[i].name, e->own_name) == 0)
            self = kept;
        line[kept++] = line[i];
    }
    if (self == SIZE_MAX) {
        free(line);
        e->driver->node_lost(e, "missing from the listing");
        return;
    }
    if (order_by_priority(e, line, kept)) {
        free(line);
        return;
    }
    for (size_t i = 0; e->priority_mode && i < kept; i++)
        if (strcmp(line[i].name, e->own_name) == 0)
            self = i;
    if (e->priority_mode)
        zkelect__notify_behind(e, line, kept, self);
    zkelect__forget_ahead(e);
    e->listed_ns = listed_ns;
    if (self > 0) {
        e->first_confirmed = false;
        if (atomic_load(&e->leading))
            zkelect__revoke(e, ZKELECT_REASON_PREEMPTED);
    }
    bool kept_all = keep_ahead(e, line, self);
    free(line);
    if (!kept_all) {
        zkelect__retry_later(e);
        return;
    }
    watch_nearest_ahead(e);
}

static void line_listed(int rc, const struct String_vector *names, const struct Stat *stat, const void *data)
{
    (void)stat;
    zke_op_t *op = (zke_op_t *)data;
    struct zkelect *e = zkelect__op_begin(op);
    if (zkelect__op_finish(op)) {
        zkelect__note_answer(e, op, rc);
        if (rc == ZOK && e->own_path)
            evaluate(e, names, op->sent_ns);
        else if (rc == ZOK || rc == ZNONODE)
            /* The election path itself is gone (deleted by an operator, or a
             * reaped container), and our node with it. */
            e->driver->node_lost(e, "the election path was deleted");
        else
            zkelect__fail(e, "listing the election", rc);
    }
    zkelect__op_end(op);
}

void zkelect__list_election(struct zkelect *e, strings_stat_completion_t done)
{
    if (e->priority_mode && !e->observer)
        zkelect__read_priority_state(e); /* answered before the listing */
    zke_op_t *op = zkelect__start_op(e, NULL);
    if (!op)
        return;
    e->phase = ZKE_CHECKING;
    e->listed_notices = e->notices_seen;
    e->reads_sent++;
    e->lists_sent++;
    int rc = zkelect__zk_alist(e->session->zh, e->path, NULL, done, op);
    if (rc != ZOK)
        zkelect__abandon(e, op, "listing the election", rc);
}

static void list_line(struct zkelect *e)
{
    zkelect__list_election(e, line_listed);
}

void zkelect__stand_in_line(struct zkelect *e)
{
    list_line(e);
}
