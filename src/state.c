/* state.c - the state a participant publishes for those who look at the
 * election (zkelect_set_state(): "standing", "unhealthy since 10:02:03",
 * "stopping"): an ephemeral node of its own beside the contenders,
 * "zks_<token>", holding its id, a NUL and the text. It stays while the
 * participant is out of line, so that zkelect_participants() shows every
 * instance that runs, in line or not; it goes with the session, or at the
 * destroy. Nobody watches it: publishing costs one write, and nothing to
 * the election. Native format only (Curator counts every child of the
 * path). Lock held, but in the completions. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "id", NUL, the text: as a contender's node holds its id and payload. */
static char *node_data(const struct zkelect *e, size_t *len)
{
    return zkelect__node_data_join(e->id, strlen(e->id), e->state, strlen(e->state), true, len);
}

static void written(int rc, const struct Stat *stat, const void *data);
static void created(int rc, const char *name, const struct Stat *stat, const void *data);

static zke_op_t *start(struct zkelect *e)
{
    zke_op_t *op = zkelect__op_new(e->session, e, e->state_path);
    if (op)
        op->any_gen = true;
    return op;
}

/* Create it, or write it if this session made it already. */
static void send_state(struct zkelect *e)
{
    size_t len = 0;
    char *data = node_data(e, &len);
    zke_op_t *op = data ? start(e) : NULL;
    int rc = ZSYSTEMERROR;
    if (op && e->state_exists)
        rc = zkelect__zk_aset(e->session->zh, e->state_path, data, (int)len, written, op);
    else if (op)
        rc = zkelect__zk_acreate(e->session->zh, e->state_path, data, (int)len, zkelect__node_acl(e), ZOO_EPHEMERAL,
                                 created, op);
    free(data);
    if (op && rc != ZOK) {
        zkelect__op_drop(op);
    }
    e->state_sent = op && rc == ZOK;
}

static void answered(struct zkelect *e, int rc)
{
    e->state_sent = false;
    if (rc == ZOK && !e->state && e->state_exists)
        zkelect__state_remove(e); /* removed while its create was in flight */
    else if (rc == ZOK && e->state_dirty)
        zkelect__publish_state(e); /* changed while this was in flight */
    else if (rc != ZOK && rc != ZNONODE && !zkelect__transient(rc))
        zkelect__log(e, ZKELECT_LOG_WARN, "publishing the state \"%s\": %s", e->state, zerror(rc));
}

static void created(int rc, const char *name, const struct Stat *stat, const void *data)
{
    (void)name, (void)stat;
    zke_op_t *op = (zke_op_t *)data;
    struct zkelect *e = zkelect__op_begin(op);
    if (zkelect__op_finish(op)) {
        /* There already: made earlier on this session (a reconnection). */
        e->state_exists = rc == ZOK || rc == ZNODEEXISTS;
        if (rc == ZNODEEXISTS)
            e->state_dirty = true;
        answered(e, rc == ZNODEEXISTS ? ZOK : rc);
    }
    zkelect__op_end(op);
}

static void written(int rc, const struct Stat *stat, const void *data)
{
    (void)stat;
    zke_op_t *op = (zke_op_t *)data;
    struct zkelect *e = zkelect__op_begin(op);
    if (zkelect__op_finish(op)) {
        if (rc == ZNONODE) {
            e->state_exists = false; /* gone (deleted by someone): made again */
            e->state_dirty = true;
        }
        answered(e, rc == ZNONODE ? ZOK : rc);
    }
    zkelect__op_end(op);
}

void zkelect__publish_state(struct zkelect *e)
{
    if (!e->state || !e->state_path || e->stopping)
        return;
    e->state_dirty = true;
    if (e->state_sent || !zkelect__session_ready(e))
        return; /* after the one in flight, or at the next connection */
    e->state_dirty = false;
    send_state(e);
}

void zkelect__state_session_changed(struct zkelect *e, bool new_session)
{
    if (new_session)
        e->state_exists = false; /* it went with the session before */
    e->state_sent = false;
    zkelect__publish_state(e);
}

/* The node's name, made once: a token of its own, for the handle's life. */
static int name_node(struct zkelect *e)
{
    char token[ZKE_TOKEN_LEN + 1];
    int rc = e->state_path ? ZKELECT_OK : zkelect__token_new(token);
    if (!rc && !e->state_path && asprintf(&e->state_path, "%s/" ZKE_STATE_PREFIX "%s", e->path, token) < 0) {
        e->state_path = NULL;
        rc = ZKELECT_ENOMEM;
    }
    return rc;
}

/* Why this handle may not publish this state, as a return code and words. */
static int refusal(const struct zkelect *e, const char *state, const char **why)
{
    if (e->observer) {
        *why = "an observer takes no part in the election";
        return ZKELECT_ESTATE;
    }
    if (e->format != ZKELECT_FORMAT_NATIVE) {
        *why = "only the native format can publish a state (Curator and kazoo count every child of the path)";
        return ZKELECT_ESTATE;
    }
    return state && *state ? zkelect__validate_state(state, why) : ZKELECT_OK;
}

/* The new text, and the node's name the first time: NULL for none. */
static int prepare(struct zkelect *e, const char *state, char **copy, const char **why)
{
    *copy = NULL;
    int rc = refusal(e, state, why);
    if (rc || !state || !*state)
        return rc;
    if (!(*copy = strdup(state)) || name_node(e) != ZKELECT_OK) {
        free(*copy);
        *copy = NULL;
        *why = "out of memory";
        return ZKELECT_ENOMEM;
    }
    return ZKELECT_OK;
}

int zkelect_set_state(zkelect_t *e, const char *state)
{
    if (!e)
        return ZKELECT_EINVAL;
    int rc = zkelect__check_process(e->session, e, "zkelect_set_state");
    if (rc)
        return rc;
    pthread_mutex_lock(&e->session->lock);
    char *copy;
    const char *why = NULL;
    rc = prepare(e, state, &copy, &why);
    if (rc) {
        pthread_mutex_unlock(&e->session->lock);
        zkelect__log(e, ZKELECT_LOG_ERROR, "zkelect_set_state: %s", why);
        return rc;
    }
    free(e->state);
    e->state = copy;
    if (!copy)
        zkelect__state_remove(e);
    else if (e->started)
        zkelect__publish_state(e);
    pthread_mutex_unlock(&e->session->lock);
    return ZKELECT_OK;
}

void zkelect__state_remove(struct zkelect *e)
{
    if (e->state_path && e->state_exists)
        zkelect__remove_node(e->session, e, e->session->zh, e->state_path, false);
    e->state_exists = false;
}
