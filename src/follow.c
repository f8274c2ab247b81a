/* follow.c - following who leads: list the line, read the first contender
 * with a watch on its node, report the leader (ZKELECT_EV_LEADER) when it
 * changes. It is all an observer does; a participant does it beside its
 * own election when the host asked for LEADER events
 * (zkelect_set_leader_events()). It has its own generation, so that its
 * requests and the election's never make each other stale. Only the
 * follower pays for its watch: the participants' one notification per
 * leader change is untouched. Runs with the lock held, like line.c; the
 * completions and watchers take it themselves. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void list_line(struct zkelect *e, bool watch_children);
static void read_candidate(struct zkelect *e);

static void forget_line(zke_follow_t *f)
{
    for (size_t i = 0; i < f->n_line; i++)
        free(f->line[i]);
    free(f->line);
    f->line = NULL;
    f->n_line = 0;
    f->line_pos = 0;
    free(f->lock_holder);
    free(f->incumbent);
    f->lock_holder = f->incumbent = NULL;
    f->priorities = false;
    f->meta_pending = 0;
}

void zkelect__follow_forget(struct zkelect *e)
{
    forget_line(&e->follow);
}

bool zkelect__following(const struct zkelect *e)
{
    return e->observer || e->leader_events;
}

/* An observer's phase is its follower's; a participant's is its election's. */
static void set_phase(struct zkelect *e, zke_phase_t phase)
{
    if (e->observer)
        e->phase = phase;
}

static void retry_later(struct zkelect *e)
{
    zke_follow_t *f = &e->follow;
    f->retry_at = zkelect__back_off(&f->backoff_ms);
    f->gen++;
    set_phase(e, ZKE_WAITING);
    zkelect__tend_soon(e);
}

/* A request that failed: the reconnection starts again if the connection
 * is the cause, else the host hears of it and it is tried again later. */
static void fail(struct zkelect *e, const char *what, int rc)
{
    if (zkelect__report_failure(e, what, rc))
        retry_later(e);
    else
        set_phase(e, ZKE_WAITING);
}

static zke_op_t *start_op(struct zkelect *e, const char *path)
{
    zke_op_t *op = zkelect__op_new(e->session, e, path);
    if (!op) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "out of memory; following the leader again later");
        retry_later(e);
        return NULL;
    }
    op->follow = true;
    op->gen = e->follow.gen;
    return op;
}

static void abandon(struct zkelect *e, zke_op_t *op, const char *what, int rc)
{
    zkelect__op_drop(op);
    fail(e, what, rc);
}

static void report(struct zkelect *e, const char *data, int len, const struct Stat *stat)
{
    zke_follow_t *f = &e->follow;
    int64_t czxid = data ? stat->czxid : -1;
    if (data && f->priorities && f->lock_holder) {
        /* The lock's creation is the term's epoch; a lock of another
         * session names the one a leader moved its term to, which leads
         * once it has replaced it (switchover.c): nobody until then. */
        bool held = stat->ephemeralOwner == f->lock_owner;
        data = held ? data : NULL;
        czxid = held ? f->lock_czxid : -1;
    }
    f->backoff_ms = 0;
    set_phase(e, ZKE_WATCHING);
    if (f->reported && czxid == f->leader_czxid)
        return;
    f->reported = true;
    f->leader_czxid = czxid;
    int32_t seq = -1;
    if (data)
        zkelect__parse_child(e->format, f->line[f->line_pos], &seq);
    zkelect__queue_leader(e, data, len, czxid, seq);
}

/* Any change to what we watch sends us back to the listing: the line is
 * short-lived state and re-reading it is the only way to be right. */
static void followed_event(struct zkelect *e, zhandle_t *zh, int type, const char *path)
{
    /* Watches of earlier rounds cannot be taken back on the server; a stray
     * one costs one listing. */
    if (!e->stopping && zh == e->session->zh) {
        zkelect__log(e, ZKELECT_LOG_DEBUG, "followed change on %s (event %d)", path ? path : "?", type);
        zkelect__follow_start(e);
    }
}

static void candidate_done(int rc, const char *value, int len, const struct Stat *stat, const void *data)
{
    zke_op_t *op = (zke_op_t *)data;
    struct zkelect *e = zkelect__op_begin(op);
    if (zkelect__op_finish(op)) {
        if (rc == ZOK && stat->ephemeralOwner != 0) {
            report(e, value, len, stat);
        } else if (rc == ZOK || rc == ZNONODE) {
            /* A persistent node named like a contender, or one that left
             * since the listing: the next one in line may lead. */
            e->follow.line_pos++;
            read_candidate(e);
        } else {
            fail(e, "reading the leader's node", rc);
        }
    }
    zkelect__op_end(op);
}

static void read_candidate(struct zkelect *e)
{
    zke_follow_t *f = &e->follow;
    if (f->line_pos >= f->n_line) {
        if (f->line_watched) {
            report(e, NULL, 0, NULL); /* the child watch tells when someone joins */
            return;
        }
        list_line(e, true);
        return;
    }
    char *path = zkelect__child_path(e, f->line[f->line_pos]);
    if (!path) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "out of memory; following the leader again later");
        retry_later(e);
        return;
    }
    zke_op_t *op = start_op(e, path);
    free(path);
    if (!op)
        return;
    int rc = zkelect__zk_awget(e->session->zh, op->path, zkelect__watching(e, followed_event), candidate_done, op);
    if (rc != ZOK)
        abandon(e, op, "reading the leader's node", rc);
}

static bool keep_line(struct zkelect *e, const struct String_vector *names)
{
    zke_follow_t *f = &e->follow;
    size_t n;
    zke_child_t *line = zkelect__line_of(e->format, names, &n, NULL, NULL);
    if (!line)
        return false;
    f->line = calloc(n ? n : 1, sizeof *f->line);
    bool ok = f->line != NULL;
    for (size_t i = 0; ok && i < n; i++)
        ok = (f->line[f->n_line++] = strdup(line[i].name)) != NULL;
    free(line);
    for (int i = 0; i < names->count && e->format == ZKELECT_FORMAT_NATIVE; i++)
        f->priorities = f->priorities || strcmp(names->data[i], ZKE_FLAG_NAME) == 0;
    return ok;
}

/* ------------------------------------------------------ with priorities */

/* The one who leads: the lock's holder, else the incumbent while its node
 * stands; moved to the head of the line, which is then read as usual (its
 * node watched). Nobody: reported, and the lock's creation watched. */
static void follow_pinned(struct zkelect *e)
{
    zke_follow_t *f = &e->follow;
    const char *pinned = f->lock_holder ? f->lock_holder : f->incumbent;
    for (size_t i = 0; pinned && i < f->n_line; i++) {
        if (!zkelect__name_has_token_as(ZKELECT_FORMAT_NATIVE, f->line[i], pinned))
            continue;
        char *first = f->line[i];
        f->line[i] = f->line[0];
        f->line[0] = first;
        /* Only the one pinned leads: the others wait for the lock. */
        for (size_t j = 1; j < f->n_line; j++)
            free(f->line[j]);
        f->n_line = 1;
        read_candidate(e);
        return;
    }
    report(e, NULL, 0, NULL);
}

static void meta_done(int rc, const char *value, int len, const struct Stat *stat, const void *data)
{
    zke_op_t *op = (zke_op_t *)data;
    struct zkelect *e = zkelect__op_begin(op);
    if (zkelect__op_finish(op)) {
        zke_follow_t *f = &e->follow;
        char **into = op->slot ? &f->incumbent : &f->lock_holder;
        if (rc == ZOK && len == ZKE_TOKEN_LEN)
            *into = strndup(value, (size_t)len);
        if (rc == ZOK && op->slot == 0) {
            f->lock_czxid = stat->czxid;
            f->lock_owner = stat->ephemeralOwner;
        }
        if (rc != ZOK && rc != ZNONODE)
            fail(e, "reading who leads", rc);
        else if (--f->meta_pending == 0)
            follow_pinned(e);
    }
    zkelect__op_end(op);
}

static void read_meta(struct zkelect *e, const char *name, size_t which, bool watch)
{
    char *path = zkelect__child_path(e, name);
    if (!path) {
        retry_later(e);
        return;
    }
    zke_op_t *op = start_op(e, path);
    zke_op_t *watch_op = op && watch ? start_op(e, path) : NULL;
    free(path);
    if (!op || (watch && !watch_op))
        return;
    op->slot = which;
    e->follow.meta_pending++;
    /* A creation watch too, for a lock not there yet: exists sets one. */
    if (watch_op && zkelect__zk_aexists(e->session->zh, watch_op->path, zkelect__watching(e, followed_event),
                                        zkelect__ignore_stat, watch_op) != ZOK) {
        zkelect__op_drop(watch_op);
    }
    int rc = zkelect__zk_awget(e->session->zh, op->path, NULL, meta_done, op);
    if (rc != ZOK)
        abandon(e, op, "reading who leads", rc);
}

static void exists_done(int rc, const struct Stat *stat, const void *data)
{
    (void)stat;
    zke_op_t *op = (zke_op_t *)data;
    struct zkelect *e = zkelect__op_begin(op);
    if (zkelect__op_finish(op)) {
        if (rc == ZNONODE)
            report(e, NULL, 0, NULL); /* the watch tells when the path appears */
        else if (rc == ZOK)
            zkelect__follow_start(e); /* created meanwhile */
        else
            fail(e, "watching for the election path", rc);
    }
    zkelect__op_end(op);
}

static void watch_for_path(struct zkelect *e)
{
    zke_op_t *op = start_op(e, NULL);
    if (!op)
        return;
    int rc = zkelect__zk_aexists(e->session->zh, e->path, zkelect__watching(e, followed_event), exists_done, op);
    if (rc != ZOK)
        abandon(e, op, "watching for the election path", rc);
}

static void follow_listed(int rc, const struct String_vector *names, const struct Stat *stat, const void *data)
{
    (void)stat;
    zke_op_t *op = (zke_op_t *)data;
    struct zkelect *e = zkelect__op_begin(op);
    if (zkelect__op_finish(op)) {
        forget_line(&e->follow);
        if (rc == ZNONODE) {
            watch_for_path(e);
        } else if (rc != ZOK) {
            fail(e, "listing the election", rc);
        } else if (!keep_line(e, names)) {
            zkelect__log(e, ZKELECT_LOG_ERROR, "out of memory; following the leader again later");
            retry_later(e);
        } else if (e->follow.priorities) {
            read_meta(e, ZKE_LOCK_NAME, 0, true);
            read_meta(e, ZKE_FLAG_NAME, 1, false);
        } else {
            read_candidate(e);
        }
    }
    zkelect__op_end(op);
}

/* The listing sets a child watch only when the line turned out empty (or
 * all impostors): otherwise the leader's node watch is enough, and a child
 * watch would wake the follower at every join. */
static void list_line(struct zkelect *e, bool watch_children)
{
    zke_op_t *op = start_op(e, NULL);
    if (!op)
        return;
    e->follow.line_watched = watch_children;
    set_phase(e, ZKE_CHECKING);
    int rc = zkelect__zk_alist(e->session->zh, e->path, watch_children ? zkelect__watching(e, followed_event) : NULL,
                               follow_listed, op);
    if (rc != ZOK)
        abandon(e, op, "listing the election", rc);
}

void zkelect__follow_start(struct zkelect *e)
{
    zke_follow_t *f = &e->follow;
    if (!zkelect__following(e) || e->stopping || e->phase == ZKE_FAILED)
        return;
    f->gen++;
    f->retry_at = 0;
    forget_line(f);
    if (!zkelect__session_ready(e)) {
        set_phase(e, ZKE_WAITING);
        return;
    }
    if (e->observer)
        zkelect__check_exposure(e);
    list_line(e, false);
}

void zkelect__follow_stale(struct zkelect *e)
{
    e->follow.gen++;
}

void zkelect__follow_tend(struct zkelect *e, int64_t now)
{
    if (e->follow.retry_at && now >= e->follow.retry_at)
        zkelect__follow_start(e);
}
