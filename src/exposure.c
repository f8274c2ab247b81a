/* exposure.c - whether anyone at all may change the election: create or
 * delete contenders under the election path (its ACL grants world:anyone c
 * or d: ZooKeeper checks both against the parent), or write this
 * participant's node (an ACL of the host's that grants world:anyone w). A
 * participant checks at each join, an observer each time it starts
 * following; one WARNING says so, with the remedy, until the path is
 * closed; zkelect_stats() reports it (acl_open). Nothing else depends on
 * it: it is what an operator must know. Lock held, but in the completion. */
#include "internal.h"

#include <string.h>

static bool world_may(const struct ACL_vector *acl, int32_t perms)
{
    for (int i = 0; i < acl->count; i++) {
        const struct Id *id = &acl->data[i].id;
        if ((acl->data[i].perms & perms) && strcmp(id->scheme, "world") == 0 && strcmp(id->id, "anyone") == 0)
            return true;
    }
    return false;
}

static void perms_text(int32_t perms, char *out)
{
    const struct {
        int32_t perm;
        char letter;
    } letters[] = {{ZOO_PERM_CREATE, 'c'}, {ZOO_PERM_DELETE, 'd'}, {ZOO_PERM_READ, 'r'},
                   {ZOO_PERM_WRITE, 'w'}, {ZOO_PERM_ADMIN, 'a'}};
    for (size_t i = 0; i < sizeof letters / sizeof letters[0]; i++)
        if (perms & letters[i].perm)
            *out++ = letters[i].letter;
    *out = '\0';
}

static int32_t world_perms(const struct ACL_vector *acl)
{
    int32_t perms = 0;
    for (int i = 0; i < acl->count; i++)
        if (strcmp(acl->data[i].id.scheme, "world") == 0)
            perms |= acl->data[i].perms;
    return perms;
}

void zkelect__judge_exposure(struct zkelect *e, const struct ACL_vector *path_acl)
{
    bool path_open = world_may(path_acl, ZOO_PERM_CREATE | ZOO_PERM_DELETE);
    bool node_open = !e->observer && world_may(zkelect__node_acl(e), ZOO_PERM_WRITE);
    bool open = path_open || node_open;
    atomic_store(&e->acl_open, open ? 1 : 0);
    if (!open) {
        e->acl_warned = false; /* closed now: a later reopening is said again */
        return;
    }
    if (e->acl_warned)
        return;
    e->acl_warned = true;
    char perms[8];
    perms_text(world_perms(path_open ? path_acl : zkelect__node_acl(e)), perms);
    zkelect__log(e, ZKELECT_LOG_WARN,
                 "%s%s is open to anyone (world:anyone:%s): whoever can reach ZooKeeper can %s. Lock it: give "
                 "the participants credentials and the path an ACL of theirs (zkelect lockdown), see "
                 "docs/GUARANTEES.md \"The ACL of the election path\"",
                 path_open ? "the election path " : "this participant's node under ", e->path, perms,
                 path_open ? "add contenders or delete those in line, and so take over or stop the election"
                           : "write it, which its successor takes for a hand-over");
}

static void acl_done(int rc, struct ACL_vector *acl, struct Stat *stat, const void *data)
{
    (void)stat;
    zke_op_t *op = (zke_op_t *)data;
    struct zkelect *e = zkelect__op_begin(op);
    zkelect__op_finish(op);
    if (e && !e->stopping && rc == ZOK)
        zkelect__judge_exposure(e, acl);
    else if (e && !e->stopping && rc != ZNONODE && !zkelect__transient(rc))
        zkelect__log(e, ZKELECT_LOG_DEBUG, "reading the ACL of %s: %s", e->path, zerror(rc));
    zkelect__op_end(op);
}

void zkelect__check_exposure(struct zkelect *e)
{
    if (!zkelect__session_ready(e))
        return;
    zke_op_t *op = zkelect__op_new(e->session, e, e->path);
    if (!op)
        return; /* it only informs: the next join asks again */
    op->any_gen = true;
    if (zkelect__zk_aget_acl(e->session->zh, e->path, acl_done, op) != ZOK) {
        zkelect__op_drop(op);
    }
}
