/* join.c - getting a node of ours into the line: create it (and the
 * election path, like mkdir -p), find it by its token when a create's reply
 * was lost, and check that a node we hold belongs to this session before it
 * counts. Then stand in line (line.c). Every function here runs with the
 * lock held; the completions and watchers take it themselves. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void announce_join(struct zkelect *e)
{
    zkelect__log(e, ZKELECT_LOG_INFO, "joined: node %s, epoch %lld", e->own_name, (long long)e->own_czxid);
    zkelect__queue_event(e, ZKELECT_EV_JOINED, ZKELECT_REASON_NONE, ZKELECT_OK, 0, "joined with node %s",
                         e->own_name);
    /* A path this join made has the ACL it was made with: no need to ask. */
    if (e->path_made)
        zkelect__judge_exposure(e, zkelect__parent_acl(e));
    else
        zkelect__check_exposure(e);
    e->path_made = false;
    zkelect__publish_state(e); /* the path exists now, if it did not at the connection */
    zkelect__arm_notice(e);
    zkelect__arm_requests(e);
}

/* czxid -1: not known yet (an adopted node); the ownership check learns it. */
static bool adopt_node(struct zkelect *e, const char *path, int64_t czxid)
{
    const char *name = strrchr(path, '/');
    name = name ? name + 1 : path;
    char *own_path = zkelect__child_path(e, name);
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

/* ------------------------------------------------- checking that it is ours */

static void own_node_event(struct zkelect *e, zhandle_t *zh, int type, const char *path)
{
    bool ours = zh == e->session->zh && e->own_path && path && strcmp(path, e->own_path) == 0;
    if (ours)
        e->own_watched = e->own_watch_armed = false;
    if (ours && !e->stopping && e->phase != ZKE_RELEASING) {
        if (type == ZOO_DELETED_EVENT) {
            e->driver->node_lost(e, "deleted by someone else");
        } else if (type == ZOO_CHANGED_EVENT && atomic_load(&e->leading)) {
            /* We never write our node but in the hand-over that removes
             * it: to our successor this write is one, and it may lead now. */
            zkelect__log(e, ZKELECT_LOG_WARN, "%s was written by someone else: stepping down at once, as our "
                         "successor may take the write for a hand-over", e->own_name);
            e->driver->give_up(e, ZKELECT_REASON_NODE_CHANGED);
        } else {
            if (type == ZOO_CHANGED_EVENT)
                zkelect__bound_broken(e, ZKELECT_REASON_NODE_CHANGED);
            e->driver->drive(e); /* changed: check it again, which also re-arms the watch */
        }
    }
}

static void check_done(int rc, const char *value, int len, const struct Stat *stat, const void *data)
{
    (void)value, (void)len;
    zke_op_t *op = (zke_op_t *)data;
    zke_session_t *s = op->session;
    struct zkelect *e = zkelect__op_begin(op);
    if (zkelect__op_finish(op) && e->own_path && strcmp(op->path, e->own_path) == 0) {
        zkelect__note_answer(e, op, rc);
        if (rc == ZOK && stat->ephemeralOwner == s->id) {
            /* The check that closes CURATOR-696: a node of ours, but of an
             * earlier session, must never make us leader. */
            bool announce = e->own_czxid < 0;
            if (stat->version != 0)
                zkelect__bound_broken(e, ZKELECT_REASON_NODE_CHANGED); /* written while we could not hear */
            e->own_czxid = stat->czxid;
            e->checked_ns = op->sent_ns;
            e->node_session = s->id;
            e->own_watched = true;
            if (announce)
                announce_join(e);
            zkelect__stand_in_line(e);
        } else if (rc == ZOK) {
            char why[64];
            snprintf(why, sizeof why, "it belongs to session 0x%llx, not ours",
                     (unsigned long long)stat->ephemeralOwner);
            e->driver->node_lost(e, why);
        } else if (rc == ZNONODE) {
            e->driver->node_lost(e, "not found");
        } else {
            zkelect__fail(e, "checking our node", rc);
        }
    }
    zkelect__op_end(op);
}

void zkelect__check_node(struct zkelect *e)
{
    zke_op_t *op = zkelect__start_op(e, e->own_path);
    if (!op)
        return;
    e->phase = ZKE_CHECKING;
    e->reads_sent++;
    e->own_watch_armed = true;
    /* The same read arms the watch that tells us if someone deletes our node. */
    int rc = zkelect__zk_awget(e->session->zh, e->own_path, zkelect__watching(e, own_node_event), check_done, op);
    if (rc != ZOK)
        zkelect__abandon(e, op, "checking our node", rc);
}

/* ----------------------------------------------- reading it, watching it */

static void read_own_done(int rc, const char *value, int len, const struct Stat *stat, const void *data)
{
    (void)value, (void)len;
    zke_op_t *op = (zke_op_t *)data;
    zke_session_t *s = op->session;
    struct zkelect *e = zkelect__op_begin(op);
    bool current = zkelect__op_finish(op) && e->own_path && strcmp(op->path, e->own_path) == 0;
    bool ours = current && rc == ZOK && stat->ephemeralOwner == s->id;
    bool lost = current && (rc == ZNONODE || (rc == ZOK && !ours));
    if (current)
        zkelect__note_answer(e, op, rc);
    if (ours && e->own_watch_armed)
        e->own_watched = true;
    if (lost) {
        e->driver->node_lost(e, rc == ZOK ? "owned by another session" : "not found on a read of it");
    } else if (current && atomic_load(&e->leading)) {
        if (ours && stat->version != 0) {
            /* The watch on our node says it first (join.c); this covers a
             * write made while the watch was being set again. */
            zkelect__log(e, ZKELECT_LOG_WARN,
                         "%s was written by someone else: its successor may take it for a hand-over; stepping down",
                         e->own_name);
            e->driver->give_up(e, ZKELECT_REASON_NODE_CHANGED);
        } else if (ours) {
            zkelect__extend_lease(e, op->sent_ns);
        } else if (!zkelect__transient(rc)) {
            zkelect__log(e, ZKELECT_LOG_WARN, "lease renewal failed: %s", zerror(rc));
        }
    }
    zkelect__op_end(op);
}

void zkelect__read_own_node(struct zkelect *e)
{
    if (!e->own_path || !zkelect__session_ready(e))
        return;
    zke_op_t *op = zkelect__op_new(e->session, e, e->own_path);
    if (!op)
        return;
    e->reads_sent++;
    /* Each read keeps the watch on our node armed. It takes the watch off
     * before it removes the node itself (election.c, release()), so that
     * its own removal notifies the successor only. */
    e->own_watch_armed = true;
    int rc = zkelect__zk_awget(e->session->zh, e->own_path, zkelect__watching(e, own_node_event), read_own_done, op);
    if (rc != ZOK) {
        zkelect__op_drop(op);
        zkelect__log(e, ZKELECT_LOG_WARN, "read of our node not sent: %s", zerror(rc));
    }
}

/* ------------------------------------------- finding it after a lost reply */

/* Our node may exist, named with our token. Adopt it rather than create a
 * second one, which would be an orphan that stalls the election until the
 * session ends. */
static void find_own(struct zkelect *e, const struct String_vector *names)
{
    for (int i = 0; i < names->count; i++) {
        if (!zkelect__name_has_token_as(e->format, names->data[i], e->token))
            continue;
        char *path = zkelect__child_path(e, names->data[i]);
        /* The czxid is learned by the ownership check that follows. */
        bool adopted = path && adopt_node(e, path, -1);
        free(path);
        if (!adopted) {
            zkelect__retry_later(e);
            return;
        }
        zkelect__log(e, ZKELECT_LOG_INFO, "adopted %s after a lost create reply", names->data[i]);
        zkelect__check_node(e);
        return;
    }
    e->create_unknown = false;
    e->driver->drive(e);
}

static void find_done(int rc, const struct String_vector *names, const struct Stat *stat, const void *data)
{
    (void)stat;
    zke_op_t *op = (zke_op_t *)data;
    struct zkelect *e = zkelect__op_begin(op);
    if (zkelect__op_finish(op)) {
        zkelect__note_answer(e, op, rc);
        if (rc == ZOK)
            find_own(e, names);
        else if (rc == ZNONODE)
            e->driver->node_lost(e, "the election path was deleted");
        else
            zkelect__fail(e, "listing the election", rc);
    }
    zkelect__op_end(op);
}

void zkelect__find_node(struct zkelect *e)
{
    zkelect__list_election(e, find_done);
}

/* ------------------------------------------------------------ creating it */

/* The election path is made like mkdir -p, but from the deepest level up:
 * its own parent is the one usually missing (a new shard under a root that
 * exists), and ZooKeeper logs every create, the refused ones too, so one
 * create that succeeds is cheaper than one per level. A level refused for
 * want of its parent sends the create of that parent, then the way back
 * down, one level at a time; a level another client made first is as good. */
static void ensure_level(struct zkelect *e, size_t len);

/* The level below the one of length len, toward the election path. */
static size_t next_level_down(const struct zkelect *e, size_t len)
{
    const char *slash = strchr(e->path + len + 1, '/');
    return slash ? (size_t)(slash - e->path) : strlen(e->path);
}

static void ensure_done(int rc, const char *name, const struct Stat *stat, const void *data)
{
    (void)stat;
    (void)name;
    zke_op_t *op = (zke_op_t *)data;
    struct zkelect *e = zkelect__op_begin(op);
    if (zkelect__op_finish(op)) {
        size_t len = strlen(op->path);
        const char *up = strrchr(op->path, '/');
        if (rc == ZNONODE && up && up != op->path)
            ensure_level(e, (size_t)(up - op->path));
        else if (rc != ZOK && rc != ZNODEEXISTS)
            zkelect__fail(e, "creating the election path", rc);
        else if (len == strlen(e->path)) {
            e->path_made = rc == ZOK;
            zkelect__create_node(e);
        }
        else
            ensure_level(e, next_level_down(e, len));
    }
    zkelect__op_end(op);
}

/* Create the first len bytes of the election path. */
static void ensure_level(struct zkelect *e, size_t len)
{
    char *level = strndup(e->path, len);
    zke_op_t *op = level ? zkelect__start_op(e, level) : NULL;
    free(level);
    if (!op) {
        if (!level)
            zkelect__retry_later(e);
        return;
    }
    int rc = zkelect__zk_acreate(e->session->zh, op->path, NULL, -1, zkelect__parent_acl(e), 0, ensure_done, op);
    if (rc != ZOK)
        zkelect__abandon(e, op, "creating the election path", rc);
}

static void ensure_path(struct zkelect *e)
{
    zkelect__log(e, ZKELECT_LOG_INFO, "creating the election path %s", e->path);
    ensure_level(e, strlen(e->path));
}

static void create_done(int rc, const char *name, const struct Stat *stat, const void *data)
{
    zke_op_t *op = (zke_op_t *)data;
    zke_session_t *s = op->session;
    struct zkelect *e = zkelect__op_begin(op);
    bool current = zkelect__op_finish(op);
    if (!current) {
        /* Given up, closed, retired or driven again meanwhile: a node created
         * now is nobody's candidacy, and would block the line until the
         * session ends. */
        if (rc == ZOK)
            zkelect__remove_node(s, e, op->zh, name, false);
    } else if (rc == ZOK) {
        e->retry_backoff_ms = 0;
        zkelect__note_answer(e, op, rc);
        if (adopt_node(e, name, stat->czxid)) {
            e->checked_ns = op->sent_ns;
            e->node_session = s->id;
            /* Watched from the start, sent with the listing: whatever
             * becomes of it is known from one notification. */
            zkelect__read_own_node(e);
            zkelect__stand_in_line(e);
        } else {
            zkelect__remove_node(s, e, op->zh, name, false);
            zkelect__retry_later(e);
        }
    } else if (rc == ZNONODE) {
        ensure_path(e);
    } else {
        if (rc == ZCONNECTIONLOSS || rc == ZOPERATIONTIMEOUT)
            e->create_unknown = true;
        zkelect__fail(e, "creating our node", rc);
    }
    zkelect__op_end(op);
}

void zkelect__create_node(struct zkelect *e)
{
    char prefix[ZKE_PREFIX_MAX];
    char *prefix_path;
    zkelect__priority_prepare(e);
    if (zkelect__node_prefix_with(e->format, e->token, e->priority, prefix, sizeof prefix) != ZKELECT_OK ||
        !(prefix_path = zkelect__child_path(e, prefix))) {
        zkelect__retry_later(e);
        return;
    }
    zke_op_t *op = zkelect__start_op(e, prefix_path);
    if (op) {
        e->phase = ZKE_CREATING;
        int rc = zkelect__zk_acreate(e->session->zh, prefix_path, e->payload, (int)e->payload_len,
                                     zkelect__node_acl(e), ZOO_EPHEMERAL | ZOO_SEQUENCE, create_done, op);
        if (rc != ZOK)
            zkelect__abandon(e, op, "creating our node", rc);
    }
    free(prefix_path);
}
