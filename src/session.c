/* session.c - the ZooKeeper session: opening it, following its states, and
 * the keeper thread that renews the lease and replaces a dead session. */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

bool zkelect__session_ready(const struct zkelect *e)
{
    return e->zh && e->connected && !e->stopping && e->phase != ZKE_FAILED;
}

/* Only an unknown scheme is refused here (the session then dies: see
 * on_auth_failed()); a digest with a wrong password is accepted. */
static void auth_answered(int rc, const void *data)
{
    struct zkelect *e = (struct zkelect *)data;
    zkelect__set_log_owner(e);
    if (rc != ZOK)
        zkelect__log(e, ZKELECT_LOG_ERROR, "ZooKeeper refused the credentials: %s", zerror(rc));
}

int zkelect__session_open(struct zkelect *e)
{
    struct zkelect *previous_owner = e;
    zkelect__set_log_owner(e);
    /* The lock is held across zookeeper_init2() so that the watcher, which
     * may run on the new handle's thread before init returns, finds e->zh set. */
    pthread_mutex_lock(e->lock);
    /* The client's threads start with this thread's name, which tells their
     * log lines whose they are (log.c). */
    char own_name[16] = "", tagged[16];
    prctl(PR_GET_NAME, own_name);
    zkelect__zk_thread_name(e, tagged);
    prctl(PR_SET_NAME, tagged);
    errno = 0;
    zhandle_t *zh = zookeeper_init2(e->hosts, zkelect__session_watcher, e->session_timeout_ms, NULL, e, 0,
                                    zkelect__zk_log);
    int saved_errno = errno;
    prctl(PR_SET_NAME, own_name);
    if (zh) {
        e->zh = zh;
        e->connected = false;
        e->gen++;
        /* Sent before anything else on every connection of this handle. */
        if (e->auth_scheme &&
            zoo_add_auth(zh, e->auth_scheme, e->auth_credential, (int)e->auth_len, auth_answered, e) != ZOK)
            zkelect__log(e, ZKELECT_LOG_ERROR, "could not queue the credentials for scheme \"%s\"", e->auth_scheme);
    }
    pthread_mutex_unlock(e->lock);
    zkelect__set_log_owner(previous_owner);
    if (zh)
        return ZKELECT_OK;
    zkelect__log(e, ZKELECT_LOG_ERROR, "the ZooKeeper client refused to open a session for \"%s\": %s", e->hosts,
                 strerror(saved_errno));
    return saved_errno == ENOMEM ? ZKELECT_ENOMEM : ZKELECT_EZK;
}

static void on_connected(struct zkelect *e, zhandle_t *zh)
{
    const clientid_t *cid = zoo_client_id(zh);
    int granted = zoo_recv_timeout(zh);
    bool same_session = e->ever_connected && cid->client_id == e->session_id;
    /* Another server may grant a different timeout; the lease must use the
     * smallest one this session has had. */
    if (!same_session || granted < e->timeout_ms)
        e->timeout_ms = granted;
    if (!same_session) {
        e->answered_ns = 0; /* answers on another session prove nothing here */
        e->own_watched = e->own_watch_armed = false;
    }
    atomic_store(&e->granted_ms, e->timeout_ms);
    e->counters.connections++;
    if (!same_session)
        e->counters.sessions++;
    e->session_id = cid->client_id;
    e->connected = true;
    e->ever_connected = true;
    e->disconnected_since = 0;
    zkelect__log(e, ZKELECT_LOG_INFO, "connected: session 0x%llx, timeout %d ms%s", (unsigned long long)e->session_id,
                 e->timeout_ms, same_session ? " (same session)" : "");
    pthread_cond_broadcast(&e->state_cond);
    zkelect__wake_keeper(e);
    char **orphans = e->orphans;
    size_t n = e->n_orphans;
    e->orphans = NULL;
    e->n_orphans = 0;
    for (size_t i = 0; i < n; i++) {
        zkelect__delete_node(e, zh, orphans[i]);
        free(orphans[i]);
    }
    free(orphans);
    if (e->phase != ZKE_RELEASING)
        zkelect__restart(e);
    if (e->leader_events)
        zkelect__follow_start(e);
}

static void on_disconnected(struct zkelect *e)
{
    if (e->connected) {
        e->connected = false;
        e->disconnected_since = zkelect__now_ns();
        zkelect__log(e, ZKELECT_LOG_WARN, "disconnected from ZooKeeper; reconnecting");
    }
    /* Replies to what is in flight will be lost or stale; whatever they would
     * have told is learned again on reconnection. A create in flight may
     * still have happened: its node is then looked up by token. */
    if (e->phase == ZKE_CREATING)
        e->create_unknown = true;
    if (e->phase != ZKE_RELEASING && e->phase != ZKE_FAILED)
        e->phase = ZKE_WAITING;
    e->gen++;
    zkelect__follow_stale(e);
    if (e->policy == ZKELECT_POLICY_STRICT)
        zkelect__revoke(e, ZKELECT_REASON_SUSPENDED);
    zkelect__wake_keeper(e);
}

static void on_expired(struct zkelect *e)
{
    zkelect__log(e, ZKELECT_LOG_WARN, "session 0x%llx expired; opening a new one", (unsigned long long)e->session_id);
    e->connected = false;
    e->counters.expiries++;
    zkelect__revoke(e, ZKELECT_REASON_EXPIRED);
    /* The server deleted every ephemeral of the session: nothing to clean. */
    zkelect__forget_node(e);
    for (size_t i = 0; i < e->n_orphans; i++)
        free(e->orphans[i]);
    e->n_orphans = 0;
    if (e->phase != ZKE_FAILED)
        e->phase = ZKE_WAITING;
    e->need_new_session = true;
    e->gen++;
    zkelect__follow_stale(e);
    zkelect__wake_keeper(e);
}

static void on_auth_failed(struct zkelect *e)
{
    e->connected = false;
    zkelect__revoke(e, ZKELECT_REASON_AUTH_FAILED);
    e->phase = ZKE_FAILED;
    e->gen++;
    zkelect__log(e, ZKELECT_LOG_ERROR, "ZooKeeper refused the session's credentials; the participant stops");
    zkelect__queue_event(e, ZKELECT_EV_ERROR, ZKELECT_REASON_NONE, ZKELECT_EAUTH, ZAUTHFAILED,
                         "authentication failed: the participant has stopped");
}

static void on_session_state(struct zkelect *e, zhandle_t *zh, int state)
{
    if (state == ZOO_CONNECTED_STATE)
        on_connected(e, zh);
    else if (state == ZOO_EXPIRED_SESSION_STATE)
        on_expired(e);
    else if (state == ZOO_AUTH_FAILED_STATE)
        on_auth_failed(e);
    else
        on_disconnected(e);
}

void zkelect__session_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    (void)path;
    struct zkelect *e = ctx;
    zkelect__set_log_owner(e);
    if (type != ZOO_SESSION_EVENT)
        return;
    pthread_mutex_lock(e->lock);
    if (zh == e->zh && !e->stopping) {
        on_session_state(e, zh, state);
        /* Every election a shared session carries follows its states. */
        for (struct zkelect *m = e->members; m; m = m->next_member) {
            if (!m->started)
                continue; /* zkelect_start() attaches it */
            m->zh = zh;
            zkelect__set_log_owner(m);
            if (!m->stopping)
                on_session_state(m, zh, state);
        }
        zkelect__set_log_owner(e);
    }
    pthread_mutex_unlock(e->lock);
}

void zkelect__session_attach(struct zkelect *m)
{
    struct zkelect *carrier = m->carrier;
    m->zh = carrier->zh;
    if (carrier->zh && carrier->connected)
        on_connected(m, carrier->zh);
}

/* ------------------------------------------------------------ keeper thread */


static int64_t earliest(int64_t a, int64_t b)
{
    if (a <= 0)
        return b;
    if (b <= 0)
        return a;
    return a < b ? a : b;
}

/* A session can be alive on the server while the client never reconnects to
 * it (an ensemble rebuilt empty refuses a client that has seen a newer zxid),
 * so after this long without a connection the handle is replaced. */
static int64_t give_up_reconnecting_at(const struct zkelect *e)
{
    if (!e->ever_connected || e->connected || !e->disconnected_since)
        return 0;
    return e->disconnected_since + 2 * (int64_t)e->timeout_ms * ZKE_MS;
}

/* The session's own fields, for the handle and each election it carries. */
static void drop_session(struct zkelect *e)
{
    e->zh = NULL;
    e->connected = false;
    e->disconnected_since = 0;
    e->gen++;
}

static void replace_session(struct zkelect *e)
{
    zhandle_t *old = e->zh;
    e->need_new_session = false;
    drop_session(e);
    for (struct zkelect *m = e->members; m; m = m->next_member)
        drop_session(m);
    pthread_mutex_unlock(e->lock);
    if (old)
        zookeeper_close(old);
    pthread_mutex_lock(e->lock);
    zkelect__ops_free_for(e, old);
    for (struct zkelect *m = e->members; m; m = m->next_member) {
        zkelect__ops_free_for(m, old);
        m->need_new_session = false;
    }
    bool stopping = e->stopping;
    pthread_mutex_unlock(e->lock);
    int rc = stopping ? ZKELECT_OK : zkelect__session_open(e);
    pthread_mutex_lock(e->lock);
    if (rc != ZKELECT_OK) {
        zkelect__queue_event(e, ZKELECT_EV_ERROR, ZKELECT_REASON_NONE, rc, 0,
                             "could not open a new ZooKeeper session: %s; retrying", zkelect_strerror(rc));
        e->need_new_session = true;
        e->session_backoff_ms = e->session_backoff_ms ? e->session_backoff_ms * 2 : 500;
        if (e->session_backoff_ms > 30000)
            e->session_backoff_ms = 30000;
        e->session_retry_at = zkelect__now_ns() + (int64_t)e->session_backoff_ms * ZKE_MS;
    } else {
        e->session_backoff_ms = 0;
        e->session_retry_at = 0;
    }
}

/* Next in line: renewals keep a recent answer at hand, so that the
 * predecessor's departure can be taken over without a round trip. */
static bool on_standby(const struct zkelect *e)
{
    return !atomic_load(&e->leading) && e->phase == ZKE_WATCHING && e->n_ahead == 1;
}

static void check_lease(struct zkelect *e, int64_t now)
{
    if (!atomic_load(&e->leading)) {
        if (on_standby(e) && now >= e->next_renew_ns) {
            zkelect__renew(e);
            e->next_renew_ns = now + zkelect__renew_interval_ns(e);
        }
        return;
    }
    if (now >= atomic_load(&e->lease_deadline)) {
        zkelect__log(e, ZKELECT_LOG_WARN, "lease deadline passed without a reply from ZooKeeper");
        zkelect__revoke(e, ZKELECT_REASON_LEASE_EXPIRED);
        /* Still first in line and the session alive? A fresh check says so,
         * and leadership comes back with the same epoch. */
        if (zkelect__session_ready(e))
            zkelect__restart(e);
        return;
    }
    if (now >= e->next_renew_ns) {
        /* Without a connection there is nothing to send; the reconnection
         * re-checks the node anyway. Either way the next renewal is T/4 on. */
        if (zkelect__session_ready(e))
            zkelect__renew(e);
        e->next_renew_ns = now + zkelect__renew_interval_ns(e);
    }
}

/* When one election next needs the keeper. */
static int64_t election_wakeup(const struct zkelect *e)
{
    /* A join retry waits for the new session when one is due. */
    int64_t wake = zkelect__host(e)->need_new_session ? 0 : e->retry_at;
    if (atomic_load(&e->leading)) {
        wake = earliest(wake, atomic_load(&e->lease_deadline));
        wake = earliest(wake, e->next_renew_ns);
    } else if (on_standby(e)) {
        wake = earliest(wake, e->next_renew_ns);
    }
    wake = earliest(wake, e->follow.retry_at);
    return earliest(wake, zkelect__lookups_deadline(e));
}

static int64_t next_wakeup(const struct zkelect *e, int64_t now)
{
    int64_t wake = election_wakeup(e);
    for (const struct zkelect *m = e->members; m; m = m->next_member)
        wake = earliest(wake, election_wakeup(m));
    wake = earliest(wake, give_up_reconnecting_at(e));
    if (e->need_new_session)
        wake = earliest(wake, e->session_retry_at);
    if (wake <= 0)
        return -1;
    /* A deadline already past must never make this loop spin with the lock
     * held: whatever it was for has been handled above, or is waiting for
     * an event that signals keeper_cond. */
    return wake > now ? wake : now + ZKE_MS;
}

/* One election's timers: its lease, its standby renewal, its join retry. */
static void tend(struct zkelect *e, int64_t now)
{
    zkelect__set_log_owner(e);
    check_lease(e, now);
    zkelect__lookups_expire(e, now);
    zkelect__follow_tend(e, now);
    if (e->retry_at && now >= e->retry_at && !zkelect__host(e)->need_new_session) {
        e->retry_at = 0;
        if (e->phase == ZKE_WAITING)
            zkelect__restart(e);
    }
}

static void give_up_session(struct zkelect *e)
{
    e->counters.expiries++;
    zkelect__revoke(e, ZKELECT_REASON_SUSPENDED);
    zkelect__forget_node(e);
}

void *zkelect__keeper_main(void *arg)
{
    struct zkelect *e = arg;
    prctl(PR_SET_NAME, "zke-keeper"); /* what ps -L and top -H show */
    zkelect__set_log_owner(e);
    pthread_mutex_lock(e->lock);
    while (!e->stopping) {
        int64_t now = zkelect__now_ns();
        int64_t give_up = give_up_reconnecting_at(e);
        if (give_up && now >= give_up) {
            zkelect__log(e, ZKELECT_LOG_WARN, "no connection for twice the session timeout; opening a new session");
            give_up_session(e);
            for (struct zkelect *m = e->members; m; m = m->next_member)
                give_up_session(m);
            e->need_new_session = true;
        }
        if (e->need_new_session && now >= e->session_retry_at) {
            replace_session(e);
            continue;
        }
        tend(e, now);
        for (struct zkelect *m = e->members; m; m = m->next_member)
            tend(m, now);
        zkelect__set_log_owner(e);
        zkelect__cond_wait_until(&e->keeper_cond, e->lock, next_wakeup(e, zkelect__now_ns()));
    }
    pthread_mutex_unlock(e->lock);
    return NULL;
}
