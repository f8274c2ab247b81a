/* handle.c - the public lifecycle: create, configure, start, resign, destroy. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


static int default_id(char *buf, size_t len)
{
    char host[256];
    if (gethostname(host, sizeof host) != 0)
        host[0] = '\0';
    host[sizeof host - 1] = '\0';
    snprintf(buf, len, "%.200s:%ld", host[0] ? host : "localhost", (long)getpid());
    return ZKELECT_OK;
}

static int init_sync(struct zkelect *e)
{
    if (pthread_mutex_init(&e->own_lock, NULL))
        return ZKELECT_ESYS;
    e->lock = &e->own_lock;
    if (zkelect__cond_init(&e->state_cond))
        goto no_state;
    if (zkelect__cond_init(&e->keeper_cond))
        goto no_keeper;
    if (zkelect__cond_init(&e->queue_cond))
        goto no_queue;
    if (pthread_mutex_init(&e->log_lock, NULL))
        goto no_log_lock;
    return ZKELECT_OK;
no_log_lock:
    pthread_cond_destroy(&e->queue_cond);
no_queue:
    pthread_cond_destroy(&e->keeper_cond);
no_keeper:
    pthread_cond_destroy(&e->state_cond);
no_state:
    pthread_mutex_destroy(&e->own_lock);
    return ZKELECT_ESYS;
}

static void destroy_sync(struct zkelect *e)
{
    pthread_mutex_destroy(&e->log_lock);
    pthread_cond_destroy(&e->queue_cond);
    pthread_cond_destroy(&e->keeper_cond);
    pthread_cond_destroy(&e->state_cond);
    pthread_mutex_destroy(&e->own_lock);
}

static int set_payload(struct zkelect *e, const void *data, size_t len)
{
    size_t id_len = strlen(e->id);
    size_t total = id_len + (len ? 1 + len : 0);
    char *payload = malloc(total ? total : 1);
    if (!payload)
        return ZKELECT_ENOMEM;
    memcpy(payload, e->id, id_len);
    if (len) {
        payload[id_len] = '\0';
        memcpy(payload + id_len + 1, data, len);
    }
    free(e->payload);
    e->payload = payload;
    e->payload_len = total;
    return ZKELECT_OK;
}

int zkelect__check_election(const char *election_path, const char **participant_id, char *generated, size_t len,
                            const char **why)
{
    *why = "could not make a participant id from the host name and pid";
    int rc = zkelect__validate_path(election_path, why);
    if (!rc && !*participant_id)
        rc = default_id(generated, len), *participant_id = generated;
    if (!rc)
        rc = zkelect__validate_id(*participant_id, why);
    return rc;
}

int zkelect_new(zkelect_t **out, const char *zk_hosts, const char *election_path, const char *participant_id)
{
    if (!out)
        return ZKELECT_EINVAL;
    *out = NULL;
    const char *why;
    char generated[ZKELECT_ID_MAX + 1];
    int rc = zkelect__validate_hosts(zk_hosts, &why);
    if (!rc)
        rc = zkelect__check_election(election_path, &participant_id, generated, sizeof generated, &why);
    return rc ? rc : zkelect__alloc(out, zk_hosts, election_path, participant_id);
}

int zkelect__alloc(struct zkelect **out, const char *zk_hosts, const char *election_path, const char *participant_id)
{
    int rc;
    struct zkelect *e = calloc(1, sizeof *e);
    if (!e)
        return ZKELECT_ENOMEM;
    e->hosts = strdup(zk_hosts);
    e->path = strdup(election_path);
    e->id = strdup(participant_id);
    if (!e->hosts || !e->path || !e->id || set_payload(e, NULL, 0) != ZKELECT_OK) {
        rc = ZKELECT_ENOMEM;
        goto fail;
    }
    rc = zkelect__token_new(e->token);
    if (rc)
        goto fail;
    rc = init_sync(e);
    if (rc)
        goto fail;
    e->ref = calloc(1, sizeof *e->ref);
    if (!e->ref) {
        destroy_sync(e);
        rc = ZKELECT_ENOMEM;
        goto fail;
    }
    e->ref->e = e;
    e->ref->lock = e->lock;
    e->session_timeout_ms = 10000;
    e->query_timeout_ms = 2000;
    e->policy = ZKELECT_POLICY_STRICT;
    e->lease_fraction = 2.0 / 3.0;
    e->log_level = ZKELECT_LOG_INFO;
    e->phase = ZKE_IDLE;
    e->own_seq = -1;
    e->own_czxid = -1;
    e->follow.leader_czxid = -1;
    e->event_fd = -1;
    e->ops.next = e->ops.prev = &e->ops;
    e->acl = ZOO_OPEN_ACL_UNSAFE;
    atomic_init(&e->leading, false);
    atomic_init(&e->lease_deadline, 0);
    atomic_init(&e->epoch, -1);
    atomic_init(&e->granted_ms, 0);
    *out = e;
    return ZKELECT_OK;
fail:
    free(e->hosts);
    free(e->path);
    free(e->id);
    free(e->payload);
    free(e);
    return rc;
}

/* Setters share one rule: before start only. */
static int configurable(struct zkelect *e, const char *what)
{
    if (!e)
        return ZKELECT_EINVAL;
    if (e->started) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "%s: only allowed before zkelect_start()", what);
        return ZKELECT_ESTATE;
    }
    return ZKELECT_OK;
}

int zkelect_set_callback(zkelect_t *e, zkelect_callback_fn cb, void *userdata)
{
    int rc = configurable(e, "zkelect_set_callback");
    if (rc)
        return rc;
    e->cb = cb;
    e->cb_userdata = userdata;
    return ZKELECT_OK;
}

/* What belongs to the session cannot be set on one of its elections. */
static int not_on_shared_session(struct zkelect *e, const char *what, const char *instead)
{
    if (!e->carrier)
        return ZKELECT_OK;
    zkelect__log(e, ZKELECT_LOG_ERROR, "%s: the election is on a shared session: use %s", what, instead);
    return ZKELECT_ESTATE;
}

int zkelect_set_session_timeout(zkelect_t *e, int timeout_ms)
{
    int rc = configurable(e, "zkelect_set_session_timeout");
    if (!rc)
        rc = not_on_shared_session(e, "zkelect_set_session_timeout", "zkelect_session_set_timeout()");
    if (rc)
        return rc;
    if (timeout_ms < 100 || timeout_ms > 3600000) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "session timeout %d ms is outside 100..3600000", timeout_ms);
        return ZKELECT_EINVAL;
    }
    e->session_timeout_ms = timeout_ms;
    return ZKELECT_OK;
}

/* Curator and kazoo store the id alone as the node data: no room for more. */
static int payload_fits_format(struct zkelect *e, int format, size_t data_len, const char *what)
{
    if (format == ZKELECT_FORMAT_NATIVE || data_len == 0)
        return ZKELECT_OK;
    zkelect__log(e, ZKELECT_LOG_ERROR, "%s: the %s format stores only the participant id as node data", what,
                 zkelect__format_name(format));
    return ZKELECT_EINVAL;
}

int zkelect_set_query_timeout(zkelect_t *e, int timeout_ms)
{
    int rc = configurable(e, "zkelect_set_query_timeout");
    if (rc)
        return rc;
    if (timeout_ms < 1 || timeout_ms > 3600000) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "query timeout %d ms is outside 1..3600000", timeout_ms);
        return ZKELECT_EINVAL;
    }
    e->query_timeout_ms = timeout_ms;
    return ZKELECT_OK;
}

int zkelect_set_format(zkelect_t *e, int format)
{
    int rc = configurable(e, "zkelect_set_format");
    if (rc)
        return rc;
    if (format != ZKELECT_FORMAT_NATIVE && format != ZKELECT_FORMAT_CURATOR && format != ZKELECT_FORMAT_KAZOO) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "unknown node format %d", format);
        return ZKELECT_EINVAL;
    }
    size_t id_len = strlen(e->id);
    rc = payload_fits_format(e, format, e->payload_len - id_len, "zkelect_set_format");
    if (rc)
        return rc;
    e->format = format;
    return ZKELECT_OK;
}

int zkelect_set_data(zkelect_t *e, const void *data, size_t len)
{
    int rc = configurable(e, "zkelect_set_data");
    if (rc)
        return rc;
    rc = payload_fits_format(e, e->format, len, "zkelect_set_data");
    if (rc)
        return rc;
    if (len && !data) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "zkelect_set_data: data is NULL but len is %zu", len);
        return ZKELECT_EINVAL;
    }
    if (len > ZKELECT_DATA_MAX) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "zkelect_set_data: %zu bytes is more than ZKELECT_DATA_MAX (%d)", len,
                     ZKELECT_DATA_MAX);
        return ZKELECT_ETOOBIG;
    }
    return set_payload(e, data, len);
}

int zkelect_set_observer(zkelect_t *e, int observer)
{
    int rc = configurable(e, "zkelect_set_observer");
    if (rc)
        return rc;
    e->observer = observer != 0;
    return ZKELECT_OK;
}

int zkelect_set_leader_events(zkelect_t *e, int on)
{
    int rc = configurable(e, "zkelect_set_leader_events");
    if (rc)
        return rc;
    e->leader_events = on != 0;
    return ZKELECT_OK;
}

int zkelect_set_disconnect_policy(zkelect_t *e, int policy)
{
    int rc = configurable(e, "zkelect_set_disconnect_policy");
    if (rc)
        return rc;
    if (policy != ZKELECT_POLICY_STRICT && policy != ZKELECT_POLICY_LEASE) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "unknown disconnect policy %d", policy);
        return ZKELECT_EINVAL;
    }
    e->policy = policy;
    return ZKELECT_OK;
}

int zkelect_set_lease_fraction(zkelect_t *e, double fraction)
{
    int rc = configurable(e, "zkelect_set_lease_fraction");
    if (rc)
        return rc;
    if (!(fraction > 0.0 && fraction < 1.0)) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "lease fraction %g is not strictly between 0 and 1", fraction);
        return ZKELECT_EINVAL;
    }
    e->lease_fraction = fraction;
    return ZKELECT_OK;
}

int zkelect_set_auth(zkelect_t *e, const char *scheme, const void *credential, size_t len)
{
    int rc = configurable(e, "zkelect_set_auth");
    if (!rc)
        rc = not_on_shared_session(e, "zkelect_set_auth", "zkelect_session_set_auth()");
    if (rc)
        return rc;
    if (!scheme || !scheme[0] || !credential || len == 0 || len > 65536) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "zkelect_set_auth: scheme and credential must be set (credential 1..65536 bytes)");
        return ZKELECT_EINVAL;
    }
    char *scheme_copy = strdup(scheme);
    char *credential_copy = malloc(len);
    if (!scheme_copy || !credential_copy) {
        free(scheme_copy);
        free(credential_copy);
        return ZKELECT_ENOMEM;
    }
    memcpy(credential_copy, credential, len);
    free(e->auth_scheme);
    free(e->auth_credential);
    e->auth_scheme = scheme_copy;
    e->auth_credential = credential_copy;
    e->auth_len = len;
    /* The creator (whoever these credentials make us) may do everything,
     * the world may only read. */
    e->acl_entries[0] = (struct ACL){.perms = ZOO_PERM_ALL, .id = ZOO_AUTH_IDS};
    e->acl_entries[1] = (struct ACL){.perms = ZOO_PERM_READ, .id = ZOO_ANYONE_ID_UNSAFE};
    e->acl = (struct ACL_vector){.count = 2, .data = e->acl_entries};
    return ZKELECT_OK;
}

int zkelect_set_acl(zkelect_t *e, const char *acl)
{
    int rc = configurable(e, "zkelect_set_acl");
    if (rc)
        return rc;
    struct ACL_vector parsed;
    char why[256];
    rc = zkelect__acl_parse(acl, &parsed, why, sizeof why);
    if (rc) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "zkelect_set_acl: %s", rc == ZKELECT_ENOMEM ? "out of memory" : why);
        return rc;
    }
    zkelect__acl_free(&e->custom_acl);
    e->custom_acl = parsed;
    return ZKELECT_OK;
}

int zkelect_set_log(zkelect_t *e, zkelect_log_fn fn, void *userdata)
{
    int rc = configurable(e, "zkelect_set_log");
    if (rc)
        return rc;
    e->log_fn = fn;
    e->log_userdata = userdata;
    return ZKELECT_OK;
}

int zkelect_set_log_level(zkelect_t *e, int level)
{
    int rc = configurable(e, "zkelect_set_log_level");
    if (rc)
        return rc;
    if (level < ZKELECT_LOG_ERROR || level > ZKELECT_LOG_DEBUG) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "log level %d is outside ZKELECT_LOG_ERROR..ZKELECT_LOG_DEBUG", level);
        return ZKELECT_EINVAL;
    }
    e->log_level = level;
    return ZKELECT_OK;
}

/* ------------------------------------------------------------------- start */

/* Ask the dispatch thread to tear down after what is queued. Lock held. */
static void queue_teardown(struct zkelect *e, zke_item_t *item)
{
    e->stopping = true;
    if (item) {
        item->kind = ZKE_ITEM_TEARDOWN;
        zkelect__queue_item(e, item);
    } else {
        /* No memory for the marker: the dispatch thread also tears down when
         * it finds the queue empty once stopping is set. */
        pthread_cond_signal(&e->queue_cond);
    }
}

static void finish_dispatch(struct zkelect *e)
{
    if (e->manual_dispatch) {
        zkelect__teardown(e);
        return;
    }
    zke_item_t *item = calloc(1, sizeof *item);
    pthread_mutex_lock(e->lock);
    queue_teardown(e, item);
    pthread_mutex_unlock(e->lock);
    pthread_join(e->dispatch_thread, NULL);
}

const struct ACL_vector *zkelect__node_acl(const struct zkelect *e)
{
    return e->custom_acl.count > 0 ? &e->custom_acl : &e->acl;
}

/* "auth" grants to the identities the creator's session proved, and a
 * session without credentials has none: the server would refuse every
 * create (ZINVALIDACL). Caught at start, where both settings are known. */
static int acl_has_identity(struct zkelect *e)
{
    const struct zkelect *owner = e->carrier ? e->carrier : e;
    if (e->observer || !zkelect__acl_names_creator(&e->custom_acl) || owner->auth_scheme)
        return ZKELECT_OK;
    zkelect__log(e, ZKELECT_LOG_ERROR,
                 "zkelect_start: the ACL grants to \"auth\" (the creator), but the session has no credentials (%s)",
                 e->carrier ? "zkelect_session_set_auth()" : "zkelect_set_auth()");
    return ZKELECT_EAUTH;
}

/* The dispatch thread (thread mode), the keeper thread, and the first
 * session, whose client starts its own two threads. */
static int start_threads(struct zkelect *e, bool *dispatching)
{
    *dispatching = e->manual_dispatch; /* manual: the host dispatches, nothing to start */
    if (!e->manual_dispatch && pthread_create(&e->dispatch_thread, NULL, zkelect__dispatch_main, e) != 0) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "zkelect_start: could not create the dispatch thread");
        return ZKELECT_ESYS;
    }
    *dispatching = true;
    if (pthread_create(&e->keeper_thread, NULL, zkelect__keeper_main, e) != 0) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "zkelect_start: could not create the keeper thread");
        return ZKELECT_ESYS;
    }
    e->keeper_running = true;
    return zkelect__session_open(e);
}

int zkelect_start(zkelect_t *e)
{
    if (!e)
        return ZKELECT_EINVAL;
    int rc = acl_has_identity(e);
    if (rc)
        return rc;
    if (e->carrier)
        return zkelect__member_start(e);
    pthread_mutex_lock(e->lock);
    if (e->started || e->stopping) {
        pthread_mutex_unlock(e->lock);
        zkelect__log(e, ZKELECT_LOG_ERROR, "zkelect_start: already started");
        return ZKELECT_ESTATE;
    }
    e->started = true;
    e->phase = ZKE_WAITING;
    pthread_mutex_unlock(e->lock);

    /* Every thread started from here (ours and the ZooKeeper client's)
     * leaves the process's signals to the host's threads: see signals.c. */
    sigset_t host_mask;
    bool dispatching;
    zkelect__block_async_signals(&host_mask);
    rc = start_threads(e, &dispatching);
    zkelect__restore_signals(&host_mask);
    if (rc != ZKELECT_OK) {
        /* Undo, so that the handle is as it was before the call. */
        if (dispatching)
            finish_dispatch(e);
        pthread_mutex_lock(e->lock);
        e->started = e->stopping = false;
        e->phase = ZKE_IDLE;
        pthread_mutex_unlock(e->lock);
    }
    return rc;
}

/* ------------------------------------------------------------ resign, destroy */

/* Stop leading and give up our place: REVOKED first, the delete after its
 * delivery (see release() in events.c), then a new candidacy at the back
 * unless the participant has left. Lock held. */
void zkelect__give_up_place(struct zkelect *e, int reason)
{
    zkelect__revoke(e, reason);
    if (e->own_path) {
        zke_item_t *item = calloc(1, sizeof *item);
        if (item) {
            /* The delete waits behind the REVOKED just queued: see release(). */
            item->kind = ZKE_ITEM_RELEASE;
            item->path = e->own_path;
            item->zh = e->zh;
            item->unwatch = e->own_watch_armed;
            item->hand_over = zkelect__may_hand_over(e);
            e->own_path = NULL;
            zkelect__forget_node(e);
            e->phase = ZKE_RELEASING;
            e->gen++;
            zkelect__queue_item(e, item);
        } else {
            /* No memory to defer the delete: the node stays until the
             * session ends, and a new candidacy starts behind it. */
            zkelect__log(e, ZKELECT_LOG_ERROR, "out of memory: %s is left to the session", e->own_path);
            zkelect__forget_node(e);
            zkelect__restart(e);
        }
    } else if (!e->create_unknown) {
        /* A create in flight becomes stale: its completion deletes the node. */
        e->gen++;
        zkelect__forget_node(e);
        zkelect__restart(e);
    }
}

/* Resign and leave share their checks. Returns ZKELECT_OK with the lock
 * held if the call can proceed; otherwise the lock is released. */
static int may_give_up(struct zkelect *e, const char *what)
{
    pthread_mutex_lock(e->lock);
    int rc = ZKELECT_OK;
    const char *why = NULL;
    if (!e->started || e->stopping) {
        rc = ZKELECT_ESTATE;
        why = "not started";
    } else if (e->observer) {
        rc = ZKELECT_ESTATE;
        why = "an observer takes no part in the election";
    }
    if (rc != ZKELECT_OK) {
        pthread_mutex_unlock(e->lock);
        zkelect__log(e, ZKELECT_LOG_ERROR, "%s: %s", what, why);
    }
    return rc;
}

int zkelect_resign(zkelect_t *e)
{
    if (!e)
        return ZKELECT_EINVAL;
    int rc = may_give_up(e, "zkelect_resign");
    if (rc != ZKELECT_OK)
        return rc;
    if (e->left) {
        pthread_mutex_unlock(e->lock);
        zkelect__log(e, ZKELECT_LOG_ERROR, "zkelect_resign: the participant has left the election");
        return ZKELECT_ESTATE;
    }
    if (e->phase != ZKE_RELEASING && e->phase != ZKE_FAILED) {
        zkelect__log(e, ZKELECT_LOG_INFO, "resigning: rejoining at the back of the line");
        zkelect__give_up_place(e, ZKELECT_REASON_RESIGNED);
    }
    pthread_mutex_unlock(e->lock);
    return ZKELECT_OK;
}

int zkelect_leave(zkelect_t *e)
{
    if (!e)
        return ZKELECT_EINVAL;
    int rc = may_give_up(e, "zkelect_leave");
    if (rc != ZKELECT_OK)
        return rc;
    if (!e->left) {
        zkelect__log(e, ZKELECT_LOG_INFO, "leaving the election; the session stays open");
        e->left = true;
        zkelect__give_up_place(e, ZKELECT_REASON_LEFT);
    }
    pthread_mutex_unlock(e->lock);
    return ZKELECT_OK;
}

int zkelect_rejoin(zkelect_t *e)
{
    if (!e)
        return ZKELECT_EINVAL;
    int rc = may_give_up(e, "zkelect_rejoin");
    if (rc != ZKELECT_OK)
        return rc;
    if (!e->left) {
        pthread_mutex_unlock(e->lock);
        zkelect__log(e, ZKELECT_LOG_ERROR, "zkelect_rejoin: the participant has not left the election");
        return ZKELECT_ESTATE;
    }
    zkelect__log(e, ZKELECT_LOG_INFO, "rejoining the election at the back of the line");
    e->left = false;
    /* A node still being released is deleted first: the delete then starts
     * the new candidacy (see zkelect__release). */
    if (e->phase != ZKE_RELEASING && e->phase != ZKE_FAILED) {
        e->phase = ZKE_WAITING;
        zkelect__restart(e);
    }
    pthread_mutex_unlock(e->lock);
    return ZKELECT_OK;
}

void zkelect__ignore_void(int rc, const void *data)
{
    (void)rc;
    zke_op_t *op = (zke_op_t *)data;
    struct zkelect *e = zkelect__op_lock(op);
    zkelect__op_finish(op);
    zkelect__op_free(op);
    pthread_mutex_unlock(e->lock);
}

static void teardown_node(struct zkelect *e)
{
    /* A node deleted before the close reaches a successor at once; ZooKeeper
     * answers in order, so the close follows the delete. Without a
     * connection nothing can be sent, and the node goes with the session. */
    if (e->zh && e->connected && e->own_path) {
        if (e->own_watch_armed)
            zkelect__unwatch_node(e, e->zh, e->own_path);
        zkelect__remove_node(e, e->zh, e->own_path, zkelect__may_hand_over(e));
    }
}

/* The ZooKeeper client neither calls nor frees the completions of requests
 * still in flight when a handle is closed, so the close waits, briefly, for
 * the answers to what was sent: at once on a live connection. A connection
 * that has gone silent cannot be waited for; its requests then leak inside
 * the client (tests/valgrind.supp). Lock held. */
#define DRAIN_MAX_MS 500

static void drain_requests(struct zkelect *e)
{
    int64_t deadline = zkelect__now_ns() + (int64_t)DRAIN_MAX_MS * 1000000;
    while (e->ops.next != &e->ops && e->connected) {
        if (zkelect__cond_wait_until(&e->state_cond, e->lock, deadline) != 0)
            break;
    }
}

bool zkelect__teardown(struct zkelect *e)
{
    pthread_mutex_lock(e->lock);
    e->stopping = true;
    zkelect__wake_keeper(e);
    /* The delete goes out first: the successor waits for nothing else. */
    teardown_node(e);
    pthread_mutex_unlock(e->lock);
    if (e->keeper_running) {
        pthread_join(e->keeper_thread, NULL);
        e->keeper_running = false;
    }
    pthread_mutex_lock(e->lock);
    drain_requests(e);
    zhandle_t *zh = e->zh;
    e->zh = NULL;
    pthread_mutex_unlock(e->lock);
    if (zh)
        zookeeper_close(zh);
    pthread_mutex_lock(e->lock);
    zkelect__lookups_cancel(e);
    zkelect__ops_free_for(e, NULL);
    zkelect__queue_free_all(e);
    bool deferred = e->destroy_deferred;
    pthread_mutex_unlock(e->lock);
    return deferred;
}

void zkelect__free(struct zkelect *e)
{
    zkelect__forget_node(e);
    zkelect__follow_forget(e);
    zkelect__strset_free(&e->impostors);
    zkelect__strset_free(&e->strangers);
    for (size_t i = 0; i < e->n_orphans; i++)
        free(e->orphans[i]);
    free(e->orphans);
    destroy_sync(e);
    /* A retired member's ref stays with its session, which frees it. */
    if (!e->retired)
        free(e->ref);
    while (e->refs) {
        zke_ref_t *next = e->refs->next;
        free(e->refs);
        e->refs = next;
    }
    if (e->event_fd >= 0)
        close(e->event_fd);
    free(e->auth_scheme);
    free(e->auth_credential);
    zkelect__acl_free(&e->custom_acl);
    free(e->hosts);
    free(e->path);
    free(e->id);
    free(e->payload);
    free(e);
}

void zkelect__begin_close(struct zkelect *e)
{
    /* From here on no completion can advance the election: REVOKED(closed)
     * is the last event. */
    e->stopping = true;
    e->phase = ZKE_CLOSING;
    zkelect__revoke(e, ZKELECT_REASON_CLOSED);
    pthread_cond_broadcast(&e->state_cond);
    zkelect__wake_keeper(e);
    e->destroy_deferred = zkelect__on_dispatch_thread(e);
}

void zkelect_destroy(zkelect_t *e)
{
    if (!e)
        return;
    if (e->carrier) {
        zkelect__member_destroy(e);
        return;
    }
    zke_item_t *item = calloc(1, sizeof *item);
    pthread_mutex_lock(e->lock);
    if (!e->started) {
        pthread_mutex_unlock(e->lock);
        free(item);
        zkelect__free(e);
        return;
    }
    if (e->stopping) {
        pthread_mutex_unlock(e->lock);
        free(item);
        return; /* a deferred destroy is already under way */
    }
    zkelect__begin_close(e);
    if (e->manual_dispatch) {
        free(item);
        if (e->destroy_deferred)
            pthread_mutex_unlock(e->lock); /* zkelect_dispatch() finishes it */
        else
            (void)zkelect__manual_destroy(e);
        return;
    }
    queue_teardown(e, item);
    bool deferred = e->destroy_deferred;
    pthread_mutex_unlock(e->lock);
    if (deferred)
        return; /* torn down by the dispatch thread once the callback returns */
    pthread_join(e->dispatch_thread, NULL);
    zkelect__free(e);
}
