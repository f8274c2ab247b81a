/* query.c - what the host can ask: leadership, the lease, the line. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>


static bool holds_lease(const struct zkelect *e)
{
    return atomic_load(&e->leading) && zkelect__now_ns() < atomic_load(&e->lease_deadline);
}

int zkelect_is_leader(const zkelect_t *e)
{
    return e && holds_lease(e) ? 1 : 0;
}

int64_t zkelect_epoch(const zkelect_t *e)
{
    if (!e || !holds_lease(e))
        return -1;
    return atomic_load(&e->epoch);
}

int zkelect_lease_deadline(const zkelect_t *e, int64_t *deadline_ns)
{
    if (!e || !deadline_ns)
        return ZKELECT_EINVAL;
    int64_t deadline = atomic_load(&e->lease_deadline);
    if (!holds_lease(e))
        return ZKELECT_ENOLEADER;
    *deadline_ns = deadline;
    return ZKELECT_OK;
}

int zkelect_session_timeout(const zkelect_t *e)
{
    if (!e)
        return ZKELECT_EINVAL;
    int granted = atomic_load(&e->granted_ms);
    return granted > 0 ? granted : ZKELECT_ENOTCONN;
}

typedef bool (*condition_fn)(const struct zkelect *e);

static bool is_connected(const struct zkelect *e)
{
    return e->connected;
}

/* Lock held. */
static int wait_for(struct zkelect *e, condition_fn done, int timeout_ms, const char *what)
{
    if (!e->started || e->stopping) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "%s: not started", what);
        return ZKELECT_ESTATE;
    }
    if (zkelect__on_dispatch_thread(e)) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "%s: not allowed from a callback", what);
        return ZKELECT_ESTATE;
    }
    int64_t deadline = timeout_ms < 0 ? -1 : zkelect__now_ns() + (int64_t)timeout_ms * ZKE_MS;
    while (!done(e)) {
        if (e->stopping)
            return ZKELECT_ESTATE;
        if (deadline >= 0 && zkelect__now_ns() >= deadline)
            return ZKELECT_ETIMEDOUT;
        int64_t wake = deadline;
        /* Leadership can also end by the clock alone: wake at the lease
         * deadline to look again. */
        if (atomic_load(&e->leading) && (wake < 0 || atomic_load(&e->lease_deadline) < wake))
            wake = atomic_load(&e->lease_deadline);
        zkelect__cond_wait_until(&e->state_cond, e->lock, wake);
    }
    return ZKELECT_OK;
}

int zkelect_wait_leader(zkelect_t *e, int timeout_ms)
{
    if (!e)
        return ZKELECT_EINVAL;
    pthread_mutex_lock(e->lock);
    if (e->observer) {
        pthread_mutex_unlock(e->lock);
        zkelect__log(e, ZKELECT_LOG_ERROR, "zkelect_wait_leader: an observer never leads");
        return ZKELECT_ESTATE;
    }
    int rc = wait_for(e, holds_lease, timeout_ms, "zkelect_wait_leader");
    pthread_mutex_unlock(e->lock);
    return rc;
}

int zkelect_wait_connected(zkelect_t *e, int timeout_ms)
{
    if (!e)
        return ZKELECT_EINVAL;
    pthread_mutex_lock(e->lock);
    int rc = wait_for(e, is_connected, timeout_ms, "zkelect_wait_connected");
    pthread_mutex_unlock(e->lock);
    return rc;
}

int zkelect_node_path(zkelect_t *e, char *buf, size_t len)
{
    if (!e || !buf)
        return ZKELECT_EINVAL;
    pthread_mutex_lock(e->lock);
    int rc = ZKELECT_OK;
    if (!e->own_path || e->own_czxid < 0)
        rc = ZKELECT_ESTATE;
    else if (strlen(e->own_path) >= len)
        rc = ZKELECT_ERANGE;
    else
        memcpy(buf, e->own_path, strlen(e->own_path) + 1);
    pthread_mutex_unlock(e->lock);
    return rc;
}

/* ------------------------------------------------------ reading the line */

/* A synchronous read of the election, on the current session. The session is
 * pinned (zh_use) so the keeper cannot close it meanwhile. */
typedef struct line_reader {
    struct zkelect *e;
    zhandle_t *zh;
    int64_t session_id;
    char *own_name;
    struct String_vector names;
    zke_child_t *order;
    size_t count;
} line_reader_t;

static int reader_open(line_reader_t *r, struct zkelect *e, const char *what)
{
    memset(r, 0, sizeof *r);
    r->e = e;
    pthread_rwlock_rdlock(zkelect__zh_use(e));
    pthread_mutex_lock(e->lock);
    int rc = ZKELECT_OK;
    if (!e->started || e->stopping)
        rc = ZKELECT_ESTATE;
    else if (!e->zh || !e->connected)
        rc = ZKELECT_ENOTCONN;
    else if (e->own_name && !(r->own_name = strdup(e->own_name)))
        rc = ZKELECT_ENOMEM;
    r->zh = e->zh;
    r->session_id = e->session_id;
    pthread_mutex_unlock(e->lock);
    if (rc) {
        pthread_rwlock_unlock(zkelect__zh_use(e));
        zkelect__log(e, ZKELECT_LOG_ERROR, "%s: %s", what, zkelect_strerror(rc));
        return rc;
    }
    zkelect__set_log_owner(e);
    int zrc = zoo_get_children(r->zh, e->path, 0, &r->names);
    if (zrc == ZNONODE)
        return ZKELECT_OK; /* no election path: nobody in line */
    if (zrc != ZOK) {
        pthread_rwlock_unlock(zkelect__zh_use(e));
        zkelect__log(e, ZKELECT_LOG_ERROR, "%s: listing %s: %s", what, e->path, zerror(zrc));
        return zkelect__from_zk_error(zrc);
    }
    r->order = malloc((size_t)(r->names.count ? r->names.count : 1) * sizeof *r->order);
    if (!r->order) {
        deallocate_String_vector(&r->names);
        pthread_rwlock_unlock(zkelect__zh_use(e));
        return ZKELECT_ENOMEM;
    }
    for (int i = 0; i < r->names.count; i++) {
        int32_t seq;
        if (zkelect__parse_child(r->e->format, r->names.data[i], &seq))
            r->order[r->count++] = (zke_child_t){.name = r->names.data[i], .seq = seq};
    }
    zkelect__order_children_as(r->e->format, r->order, r->count);
    return ZKELECT_OK;
}

static void reader_close(line_reader_t *r)
{
    free(r->order);
    free(r->own_name);
    if (r->names.data)
        deallocate_String_vector(&r->names);
    pthread_rwlock_unlock(zkelect__zh_use(r->e));
}

/* Read one contender's znode. ZKELECT_ENOLEADER if it vanished or is not a
 * contender (persistent). */
static int read_child(line_reader_t *r, const char *name, char *buf, int *len, struct Stat *stat)
{
    char path[ZKELECT_PATH_MAX + 1024];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", r->e->path, name) >= sizeof path)
        return ZKELECT_ENOLEADER; /* a name no client of ours would create */
    int zrc = zoo_get(r->zh, path, 0, buf, len, stat);
    if (zrc == ZNONODE || (zrc == ZOK && stat->ephemeralOwner == 0))
        return ZKELECT_ENOLEADER;
    if (zrc != ZOK) {
        zkelect__log(r->e, ZKELECT_LOG_ERROR, "reading %s: %s", path, zerror(zrc));
        return zkelect__from_zk_error(zrc);
    }
    return ZKELECT_OK;
}

int zkelect_get_leader(zkelect_t *e, char *id_buf, size_t id_len)
{
    if (!e || !id_buf || id_len == 0)
        return ZKELECT_EINVAL;
    id_buf[0] = '\0';
    line_reader_t r;
    int rc = reader_open(&r, e, "zkelect_get_leader");
    if (rc)
        return rc;
    rc = ZKELECT_ENOLEADER;
    for (size_t i = 0; i < r.count && rc == ZKELECT_ENOLEADER; i++) {
        /* Only the id is needed, and it comes first: a short read is enough. */
        char data[ZKELECT_ID_MAX + 1];
        int len = (int)sizeof data - 1;
        struct Stat stat;
        rc = read_child(&r, r.order[i].name, data, &len, &stat);
        if (rc == ZKELECT_OK) {
            data[len < 0 ? 0 : len] = '\0';
            size_t need = strlen(data) + 1;
            if (need > id_len) {
                zkelect__log(e, ZKELECT_LOG_ERROR, "zkelect_get_leader: the id needs %zu bytes", need);
                rc = ZKELECT_ERANGE;
            } else {
                memcpy(id_buf, data, need);
            }
        }
    }
    reader_close(&r);
    return rc;
}

static int fill_participant(zkelect_participant_t *p, int format, const char *name, const char *data, int len,
                            const struct Stat *stat)
{
    size_t n = len < 0 ? 0 : (size_t)len;
    size_t id_len = strnlen(data, n);
    p->id = strndup(data, id_len);
    p->node = strdup(name);
    if (id_len + 1 < n) {
        p->data_len = n - id_len - 1;
        p->data = malloc(p->data_len);
        if (p->data)
            memcpy(p->data, data + id_len + 1, p->data_len);
    }
    zkelect__parse_child(format, name, &p->sequence);
    p->session_id = stat->ephemeralOwner;
    p->czxid = stat->czxid;
    p->ctime_ms = stat->ctime;
    return p->id && p->node && (p->data_len == 0 || p->data) ? ZKELECT_OK : ZKELECT_ENOMEM;
}

int zkelect_participants(zkelect_t *e, zkelect_participant_t **list, size_t *count)
{
    if (!e || !list || !count)
        return ZKELECT_EINVAL;
    *list = NULL;
    *count = 0;
    line_reader_t r;
    int rc = reader_open(&r, e, "zkelect_participants");
    if (rc)
        return rc;
    size_t cap = ZKELECT_ID_MAX + 1 + ZKELECT_DATA_MAX;
    char *buf = malloc(cap);
    zkelect_participant_t *out = calloc(r.count ? r.count : 1, sizeof *out);
    size_t n = 0;
    if (!buf || !out)
        rc = ZKELECT_ENOMEM;
    for (size_t i = 0; i < r.count && rc == ZKELECT_OK; i++) {
        int len = (int)cap;
        struct Stat stat;
        int read = read_child(&r, r.order[i].name, buf, &len, &stat);
        if (read == ZKELECT_ENOLEADER)
            continue; /* left meanwhile, or not a contender */
        rc = read;
        if (rc == ZKELECT_OK) {
            zkelect_participant_t *p = &out[n++];
            rc = fill_participant(p, e->format, r.order[i].name, buf, len, &stat);
            p->is_leader = n == 1;
            p->is_self = r.own_name && strcmp(r.own_name, r.order[i].name) == 0;
        }
    }
    free(buf);
    reader_close(&r);
    if (rc != ZKELECT_OK) {
        zkelect_participants_free(out, n);
        return rc;
    }
    if (n == 0) {
        free(out);
        out = NULL;
    }
    *list = out;
    *count = n;
    return ZKELECT_OK;
}

void zkelect_participants_free(zkelect_participant_t *list, size_t count)
{
    if (!list)
        return;
    for (size_t i = 0; i < count; i++) {
        free(list[i].id);
        free(list[i].node);
        free(list[i].data);
    }
    free(list);
}
