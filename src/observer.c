/* observer.c - following an election without taking part: list the line,
 * read the first contender with a watch on its node, report the leader when
 * it changes. Only the observer pays for its watch: the participants' one
 * notification per leader change is untouched. Runs with e->lock held, like
 * election.c; the completions and watchers take it themselves. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void list_line(struct zkelect *e, bool watch_children);
static void read_candidate(struct zkelect *e);

void zkelect__observer_forget(struct zkelect *e)
{
    for (size_t i = 0; i < e->n_line; i++)
        free(e->line[i]);
    free(e->line);
    e->line = NULL;
    e->n_line = 0;
    e->line_pos = 0;
}

static void report(struct zkelect *e, const char *data, int len, const struct Stat *stat)
{
    int64_t czxid = data ? stat->czxid : -1;
    if (e->leader_reported && czxid == e->leader_czxid)
        return;
    e->leader_reported = true;
    e->leader_czxid = czxid;
    int32_t seq = -1;
    if (data)
        zkelect__parse_child(e->format, e->line[e->line_pos], &seq);
    zkelect__queue_leader(e, data, len, czxid, seq);
    e->phase = ZKE_WATCHING;
}

/* Any change to what we watch sends us back to the listing: the line is
 * short-lived state and re-reading it is the only way to be right. */
static void watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    (void)state;
    if (type == ZOO_SESSION_EVENT)
        return;
    struct zkelect *e = zkelect__watched(ctx);
    if (!e)
        return;
    /* Watches of earlier rounds cannot be taken back on the server; a stray
     * one costs one listing. */
    if (!e->stopping && zh == e->zh) {
        zkelect__log(e, ZKELECT_LOG_DEBUG, "observed change on %s (event %d)", path ? path : "?", type);
        zkelect__restart(e);
    }
    pthread_mutex_unlock(e->lock);
}

static void candidate_done(int rc, const char *value, int len, const struct Stat *stat, const void *data)
{
    zke_op_t *op = (zke_op_t *)data;
    struct zkelect *e = zkelect__op_lock(op);
    if (zkelect__op_finish(op)) {
        if (rc == ZOK && stat->ephemeralOwner != 0) {
            report(e, value, len, stat);
        } else if (rc == ZOK || rc == ZNONODE) {
            /* A persistent node named like a contender, or one that left
             * since the listing: the next one in line may lead. */
            e->line_pos++;
            read_candidate(e);
        } else {
            zkelect__fail(e, "reading the leader's node", rc);
        }
    }
    zkelect__op_free(op);
    pthread_mutex_unlock(e->lock);
}

static void read_candidate(struct zkelect *e)
{
    if (e->line_pos >= e->n_line) {
        if (e->line_watched) {
            report(e, NULL, 0, NULL); /* the child watch tells when someone joins */
            return;
        }
        list_line(e, true);
        return;
    }
    char *path;
    if (asprintf(&path, "%s/%s", e->path, e->line[e->line_pos]) < 0) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "out of memory; observing again later");
        zkelect__retry_later(e);
        return;
    }
    zke_op_t *op = zkelect__start_op(e, path);
    free(path);
    if (!op)
        return;
    int rc = zkelect__zk_awget(e->zh, op->path, watcher, e->ref, candidate_done, op);
    if (rc != ZOK)
        zkelect__abandon(e, op, "reading the leader's node", rc);
}

static bool keep_line(struct zkelect *e, const struct String_vector *names)
{
    zke_child_t *order = malloc((size_t)(names->count ? names->count : 1) * sizeof *order);
    if (!order)
        return false;
    size_t n = 0;
    for (int i = 0; i < names->count; i++) {
        int32_t seq;
        if (zkelect__parse_child(e->format, names->data[i], &seq))
            order[n++] = (zke_child_t){.name = names->data[i], .seq = seq};
    }
    zkelect__order_children_as(e->format, order, n);
    e->line = calloc(n ? n : 1, sizeof *e->line);
    bool ok = e->line != NULL;
    for (size_t i = 0; ok && i < n; i++)
        ok = (e->line[e->n_line++] = strdup(order[i].name)) != NULL;
    free(order);
    return ok;
}

static void exists_done(int rc, const struct Stat *stat, const void *data)
{
    (void)stat;
    zke_op_t *op = (zke_op_t *)data;
    struct zkelect *e = zkelect__op_lock(op);
    if (zkelect__op_finish(op)) {
        if (rc == ZNONODE)
            report(e, NULL, 0, NULL); /* the watch tells when the path appears */
        else if (rc == ZOK)
            zkelect__restart(e); /* created meanwhile */
        else
            zkelect__fail(e, "watching for the election path", rc);
    }
    zkelect__op_free(op);
    pthread_mutex_unlock(e->lock);
}

static void watch_for_path(struct zkelect *e)
{
    zke_op_t *op = zkelect__start_op(e, NULL);
    if (!op)
        return;
    int rc = zkelect__zk_aexists(e->zh, e->path, watcher, e->ref, exists_done, op);
    if (rc != ZOK)
        zkelect__abandon(e, op, "watching for the election path", rc);
}

static void list_done(int rc, const struct String_vector *names, const struct Stat *stat, const void *data)
{
    (void)stat;
    zke_op_t *op = (zke_op_t *)data;
    struct zkelect *e = zkelect__op_lock(op);
    if (zkelect__op_finish(op)) {
        zkelect__observer_forget(e);
        if (rc == ZNONODE) {
            watch_for_path(e);
        } else if (rc != ZOK) {
            zkelect__fail(e, "listing the election", rc);
        } else if (!keep_line(e, names)) {
            zkelect__log(e, ZKELECT_LOG_ERROR, "out of memory; observing again later");
            zkelect__retry_later(e);
        } else {
            read_candidate(e);
        }
    }
    zkelect__op_free(op);
    pthread_mutex_unlock(e->lock);
}

/* The listing sets a child watch only when the line turned out empty (or
 * all impostors): otherwise the leader's node watch is enough, and a child
 * watch would wake the observer at every join. */
static void list_line(struct zkelect *e, bool watch_children)
{
    zke_op_t *op = zkelect__start_op(e, NULL);
    if (!op)
        return;
    e->line_watched = watch_children;
    e->phase = ZKE_CHECKING;
    int rc = zkelect__zk_alist(e->zh, e->path, watch_children ? watcher : NULL, e->ref, list_done, op);
    if (rc != ZOK)
        zkelect__abandon(e, op, "listing the election", rc);
}

void zkelect__observe(struct zkelect *e)
{
    zkelect__observer_forget(e);
    list_line(e, false);
}
