/* lookup.c - reading the line from ZooKeeper for the host:
 * zkelect_get_leader(), zkelect_participants() and
 * zkelect_participants_async().
 *
 * One lookup is one listing of the election path, then the reads of the
 * contenders' nodes, all sent at once: two round trips whatever the number
 * of contenders (a leader lookup reads the first contender only, and the
 * next one only if that one is gone or an impostor). Everything is
 * asynchronous and bounded by the query timeout: a synchronous call waits
 * for the lookup's end or its deadline, an asynchronous one hears of it as
 * a ZKELECT_EV_PARTICIPANTS event, and the keeper ends it at its deadline.
 * A lookup outlives a caller that gave up: it is freed when its last
 * request has come back, or been dropped with its session. Lock held
 * everywhere but in the public calls. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define LOOKUPS_IN_FLIGHT_MAX 16

typedef struct slot {
    char *name;
    bool of_state; /* a participant's published state (state.c), not a contender */
    int state;     /* 0: not read yet or in flight; 1: read; -1: gone, or not a contender */
    zkelect_participant_t p;
} slot_t;

struct zke_lookup {
    struct zke_lookup *next; /* e->lookups */
    struct zkelect *e;       /* NULL once cancelled: the handle may be gone */
    bool leader_only;
    bool async;
    bool finished;
    int rc;
    int64_t deadline_ns;
    int refs;                /* the caller (sync, until it returns) and each request in flight */
    pthread_cond_t done;     /* sync: the end */
    char *own_name;
    slot_t *slots;
    size_t n;
    size_t next_leader;      /* leader_only: the first slot not known to be gone */
    size_t batch_end;        /* leader_only: slots before it are read or being read */
    bool priorities;         /* the election orders by priority (its flag is listed) */
    int meta_pending;        /* with priorities: the lock's and the flag's reads in flight */
    char *lock_holder;       /* their answers: the tokens of the leader, and of the incumbent */
    char *incumbent;
    int64_t lock_czxid;      /* the lock's: the current term's epoch */
    int64_t lock_owner;      /* the lock's session: its holder's, unless it is being moved */
};

static void lookup_unref(zke_lookup_t *l)
{
    if (--l->refs > 0)
        return;
    for (size_t i = 0; i < l->n; i++) {
        free(l->slots[i].name);
        free(l->slots[i].p.id);
        free(l->slots[i].p.node);
        free(l->slots[i].p.data);
        free(l->slots[i].p.state);
    }
    free(l->slots);
    free(l->own_name);
    free(l->lock_holder);
    free(l->incumbent);
    pthread_cond_destroy(&l->done);
    free(l);
}

static void unlink_lookup(zke_lookup_t *l)
{
    struct zkelect *e = l->e;
    zke_lookup_t *prev = NULL;
    for (zke_lookup_t *at = e->lookups; at; prev = at, at = at->next) {
        if (at != l)
            continue;
        if (prev)
            prev->next = l->next;
        else
            e->lookups = l->next;
        e->n_lookups--;
        return;
    }
}

/* A contender's published state is in the state node of its session: moved
 * into its entry, the node's slot then done with. */
static void attach_state(zke_lookup_t *l, zkelect_participant_t *p)
{
    for (size_t i = 0; i < l->n; i++) {
        slot_t *s = &l->slots[i];
        if (s->of_state && s->state == 1 && s->p.session_id == p->session_id) {
            p->state = s->p.state;
            s->p.state = NULL;
            s->state = -1;
            return;
        }
    }
}

/* With priorities, the contenders read are put in the election's order:
 * the lock's holder (else the incumbent) first, then by priority. Their
 * slots come first, in sequence order (keep_names()); the others keep
 * theirs. */
static void order_slots(zke_lookup_t *l)
{
    size_t n = 0;
    while (n < l->n && !l->slots[n].of_state)
        n++;
    zke_child_t *line = n ? malloc(n * sizeof *line) : NULL;
    slot_t *moved = n ? malloc(n * sizeof *moved) : NULL;
    if (!line || !moved) {
        free(line);
        free(moved);
        return; /* the sequence order, then: said no worse than before */
    }
    for (size_t i = 0; i < n; i++)
        line[i] = (zke_child_t){.name = l->slots[i].name, .seq = l->slots[i].p.sequence,
                                .priority = zkelect__name_priority(l->slots[i].name), .place = i};
    const char *pinned = l->lock_holder;
    for (size_t i = 0; !pinned && l->incumbent && i < n; i++)
        if (l->slots[i].state == 1 && zkelect__name_has_token_as(ZKELECT_FORMAT_NATIVE, line[i].name, l->incumbent))
            pinned = l->incumbent;
    zkelect__order_by_priority(line, n, pinned);
    /* line[k].name still points at its slot's name: find the slot by it */
    for (size_t k = 0; k < n; k++)
        for (size_t i = 0; i < n; i++)
            if (l->slots[i].name == line[k].name)
                moved[k] = l->slots[i];
    memcpy(l->slots, moved, n * sizeof *moved);
    free(moved);
    free(line);
}

/* The first in line leads, but with priorities only once it holds the
 * lock (the lock moved to it by a switchover is not its own yet), or as
 * the incumbent while nobody holds one. */
static bool leads(const zke_lookup_t *l, const slot_t *s)
{
    if (!l->priorities)
        return true;
    if (l->lock_holder)
        return zkelect__name_has_token_as(ZKELECT_FORMAT_NATIVE, s->name, l->lock_holder) &&
               s->p.session_id == l->lock_owner;
    return l->incumbent && zkelect__name_has_token_as(ZKELECT_FORMAT_NATIVE, s->name, l->incumbent);
}

/* The contenders read, in line order, each with its state, then the states
 * of those out of line, moved out of the lookup into *list (NULL when there
 * are none). Contenders' slots come first (keep_names()). */
static int take_line(zke_lookup_t *l, zkelect_participant_t **list, size_t *count)
{
    *list = NULL;
    *count = 0;
    if (l->priorities)
        order_slots(l);
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++)
        n += l->slots[i].state == 1;
    if (n == 0)
        return ZKELECT_OK;
    zkelect_participant_t *out = calloc(n, sizeof *out);
    if (!out)
        return ZKELECT_ENOMEM;
    for (size_t i = 0; i < l->n; i++) {
        if (l->slots[i].state != 1)
            continue;
        out[*count] = l->slots[i].p;
        out[*count].is_leader = *count == 0 && !l->slots[i].of_state && leads(l, &l->slots[i]);
        out[*count].epoch = l->slots[i].of_state ? -1
                            : !l->priorities ? out[*count].czxid
                            : !out[*count].is_leader ? -1
                            : l->lock_holder ? l->lock_czxid
                                             : out[*count].czxid;
        memset(&l->slots[i].p, 0, sizeof l->slots[i].p);
        l->slots[i].state = -1;
        if (!l->slots[i].of_state)
            attach_state(l, &out[*count]);
        (*count)++;
    }
    *list = out;
    return ZKELECT_OK;
}

/* The lookup is over, with rc: wake the caller, or tell the host. */
static void finish(zke_lookup_t *l, int rc)
{
    if (l->finished || !l->e)
        return; /* over already, or cancelled with its election */
    l->finished = true;
    l->rc = rc;
    struct zkelect *e = l->e;
    unlink_lookup(l);
    if (!l->async) {
        pthread_cond_signal(&l->done);
        return;
    }
    if (e->stopping)
        return; /* REVOKED(closed) is the last event */
    zkelect_participant_t *list = NULL;
    size_t count = 0;
    if (rc == ZKELECT_OK)
        rc = take_line(l, &list, &count);
    zke_item_t *item = zkelect__queue_event(e, ZKELECT_EV_PARTICIPANTS, ZKELECT_REASON_NONE, rc, 0,
                                            "%zu contenders%s%s", count, rc ? ": " : "", rc ? zkelect_strerror(rc) : "");
    if (item) {
        item->participants = list;
        item->ev.participants = list;
        item->ev.participant_count = count;
    } else {
        zkelect_participants_free(list, count);
    }
}

static void request_gone(zke_op_t *op)
{
    zke_lookup_t *l = op->lookup;
    /* Dropped with its session, or never sent: the lookup cannot end well. */
    if (!op->answered && l->e && !l->finished)
        finish(l, ZKELECT_ENOTCONN);
    lookup_unref(l);
}

/* A request of the lookup, through the op list so that a session closed
 * meanwhile frees it (ops.c calls request_gone). NULL if it was not sent. */
static zke_op_t *send_op(zke_lookup_t *l, const char *path)
{
    struct zkelect *e = l->e;
    zke_op_t *op = zkelect__op_new(e->session, e, path);
    if (!op)
        return NULL;
    op->lookup = l;
    op->on_free = request_gone;
    l->refs++;
    return op;
}

/* ------------------------------------------------------------- the reads */

/* A completion's start: the lock taken, op answered; its lookup if still
 * waiting for answers, else NULL (ended, or its election gone). The
 * completion ends with zkelect__op_end(op) either way. */
static zke_lookup_t *lookup_answered(zke_op_t *op)
{
    zkelect__op_begin(op);
    zke_lookup_t *l = op->lookup;
    zkelect__op_finish(op);
    op->answered = true;
    return l->e && !l->finished ? l : NULL;
}

static void read_slot(zke_lookup_t *l, size_t i);

static void fill(zkelect_participant_t *p, int format, const char *name, const char *data, int len,
                 const struct Stat *stat)
{
    zke_node_data_t d = zkelect__node_data_split(data, len);
    p->id = strndup(d.id, d.id_len);
    p->node = strdup(name);
    if (d.rest_len && (p->data = malloc(d.rest_len)))
        memcpy(p->data, d.rest, p->data_len = d.rest_len);
    zkelect__parse_child(format, name, &p->sequence);
    p->priority = format == ZKELECT_FORMAT_NATIVE ? zkelect__name_priority(name) : 0;
    p->session_id = stat->ephemeralOwner;
    p->czxid = stat->czxid;
    p->ctime_ms = stat->ctime;
}

static bool filled(const zkelect_participant_t *p)
{
    return p->id && p->node && (p->data_len == 0 || p->data);
}

/* A state node: the id, NUL, the text. */
static void fill_state(zkelect_participant_t *p, const char *name, const char *data, int len,
                       const struct Stat *stat)
{
    zke_node_data_t d = zkelect__node_data_split(data, len);
    p->id = strndup(d.id, d.id_len);
    p->state = d.rest ? strndup(d.rest, d.rest_len) : strdup("");
    p->node = strdup(name);
    p->sequence = -1;
    p->session_id = stat->ephemeralOwner;
    p->czxid = stat->czxid;
    p->ctime_ms = stat->ctime;
}

/* A leader lookup reads the first contender alone; if that one is gone or
 * an impostor, the next ones in batches that double, all of a batch at
 * once: a flood of impostors ahead (anyone with CREATE on the path can make
 * one) costs a few round trips, not one each. */
#define LEADER_BATCH_MAX 256

static void read_leader_batch(zke_lookup_t *l)
{
    size_t from = l->batch_end, size = from == 0 ? 1 : from < LEADER_BATCH_MAX ? from * 2 : LEADER_BATCH_MAX;
    l->batch_end = from + size < l->n ? from + size : l->n;
    for (size_t i = from; i < l->batch_end && !l->finished; i++)
        read_slot(l, i);
}

/* All read, or (leader only) the first live contender found. */
static void maybe_finish(zke_lookup_t *l)
{
    if (l->leader_only) {
        while (l->next_leader < l->n && l->slots[l->next_leader].state == -1)
            l->next_leader++;
        if (l->next_leader >= l->n || l->slots[l->next_leader].state == 1)
            finish(l, ZKELECT_OK);
        else if (l->next_leader >= l->batch_end)
            read_leader_batch(l);
        return;
    }
    for (size_t i = 0; i < l->n; i++)
        if (l->slots[i].state == 0)
            return;
    if (l->meta_pending == 0)
        finish(l, ZKELECT_OK);
}

static void read_done(int rc, const char *value, int len, const struct Stat *stat, const void *data)
{
    zke_op_t *op = (zke_op_t *)data;
    zke_lookup_t *l = lookup_answered(op);
    if (l) {
        slot_t *s = &l->slots[op->slot];
        if (rc == ZOK && stat->ephemeralOwner != 0 && s->of_state) {
            fill_state(&s->p, s->name, value, len, stat);
            s->p.is_self = stat->ephemeralOwner == op->session->id;
            s->state = 1;
            if (!s->p.id || !s->p.state || !s->p.node)
                finish(l, ZKELECT_ENOMEM);
        } else if (rc == ZOK && stat->ephemeralOwner != 0) {
            fill(&s->p, l->e->format, s->name, value, len, stat);
            s->p.is_self = l->own_name && strcmp(l->own_name, s->name) == 0;
            s->p.in_line = 1;
            s->state = 1;
            if (!filled(&s->p))
                finish(l, ZKELECT_ENOMEM);
        } else if (rc == ZOK || rc == ZNONODE) {
            s->state = -1; /* a persistent impostor, or gone since the listing */
        } else {
            zkelect__log(l->e, ZKELECT_LOG_ERROR, "reading %s: %s", op->path, zerror(rc));
            finish(l, zkelect__from_zk_error(rc));
        }
        if (!l->finished)
            maybe_finish(l);
    }
    zkelect__op_end(op);
}

/* Read the child name of the election into slot, done its completion;
 * false (and the lookup finished with the error) if it could not be sent. */
static bool send_read(zke_lookup_t *l, const char *name, size_t slot, data_completion_t done)
{
    char *path = zkelect__child_path(l->e, name);
    zke_op_t *op = path ? send_op(l, path) : NULL;
    free(path);
    if (!op) {
        finish(l, ZKELECT_ENOMEM);
        return false;
    }
    op->slot = slot;
    int rc = zkelect__zk_awget(l->e->session->zh, op->path, NULL, done, op);
    if (rc != ZOK) {
        op->answered = true;
        zkelect__op_drop(op);
        finish(l, zkelect__from_zk_error(rc));
        return false;
    }
    return true;
}

/* Only the id comes first in a node: a leader lookup reads it whole all the
 * same, as the reply's size is the server's to choose. */
static void read_slot(zke_lookup_t *l, size_t i)
{
    send_read(l, l->slots[i].name, i, read_done);
}

/* The lock's or the flag's data: a token, or nothing. */
static void meta_done(int rc, const char *value, int len, const struct Stat *stat, const void *data)
{
    zke_op_t *op = (zke_op_t *)data;
    zke_lookup_t *l = lookup_answered(op);
    if (l) {
        char **into = op->slot ? &l->incumbent : &l->lock_holder;
        if (rc == ZOK && len == ZKE_TOKEN_LEN)
            *into = strndup(value, (size_t)len);
        if (rc == ZOK && !op->slot) {
            l->lock_czxid = stat->czxid;
            l->lock_owner = stat->ephemeralOwner;
        }
        if (rc != ZOK && rc != ZNONODE) {
            zkelect__log(l->e, ZKELECT_LOG_ERROR, "reading %s: %s", op->path, zerror(rc));
            finish(l, zkelect__from_zk_error(rc));
        } else {
            l->meta_pending--;
            maybe_finish(l);
        }
    }
    zkelect__op_end(op);
}

/* With priorities: who holds the lock, and who the incumbent is (slot 1). */
static void read_meta(zke_lookup_t *l, const char *name, size_t which)
{
    if (send_read(l, name, which, meta_done))
        l->meta_pending++;
}

/* ----------------------------------------------------------- the listing */

/* The contenders in line order, then (a full lookup of the native format)
 * the published states. */
static bool keep_names(zke_lookup_t *l, const struct String_vector *names)
{
    size_t n;
    zke_child_t *line = zkelect__line_of(l->e->format, names, &n, NULL, NULL);
    if (!line)
        return false;
    l->slots = calloc((size_t)(names->count > 0 ? names->count : 1), sizeof *l->slots);
    bool ok = l->slots != NULL;
    for (size_t i = 0; ok && i < n; i++)
        ok = (l->slots[l->n++].name = strdup(line[i].name)) != NULL;
    free(line);
    for (int i = 0; i < names->count && l->e->format == ZKELECT_FORMAT_NATIVE; i++)
        l->priorities = l->priorities || strcmp(names->data[i], ZKE_FLAG_NAME) == 0;
    /* With priorities the leader is known once all are read: the lock
     * names it, among contenders read at once (two round trips still). */
    if (l->priorities)
        l->leader_only = false;
    bool states = !l->leader_only && l->e->format == ZKELECT_FORMAT_NATIVE;
    for (int i = 0; ok && states && i < names->count; i++) {
        if (!zkelect__is_state_node(names->data[i]))
            continue;
        l->slots[l->n].of_state = true;
        ok = (l->slots[l->n++].name = strdup(names->data[i])) != NULL;
    }
    return ok;
}

static void lookup_listed(int rc, const struct String_vector *names, const struct Stat *stat, const void *data)
{
    (void)stat;
    zke_op_t *op = (zke_op_t *)data;
    zke_lookup_t *l = lookup_answered(op);
    if (l) {
        if (rc == ZNONODE) {
            finish(l, ZKELECT_ENOPATH);
        } else if (rc != ZOK) {
            zkelect__log(l->e, ZKELECT_LOG_ERROR, "listing %s: %s", l->e->path, zerror(rc));
            finish(l, zkelect__from_zk_error(rc));
        } else if (!keep_names(l, names)) {
            finish(l, ZKELECT_ENOMEM);
        } else if (l->leader_only) {
            if (l->n == 0)
                finish(l, ZKELECT_OK);
            else
                read_leader_batch(l);
        } else {
            if (l->priorities) {
                read_meta(l, ZKE_LOCK_NAME, 0);
                read_meta(l, ZKE_FLAG_NAME, 1);
            }
            for (size_t i = 0; i < l->n && !l->finished; i++)
                read_slot(l, i);
            if (l->n == 0 && l->meta_pending == 0)
                finish(l, ZKELECT_OK);
        }
    }
    zkelect__op_end(op);
}

/* ------------------------------------------------------------ starting one */

static int refuse(struct zkelect *e, const char *what)
{
    int rc = ZKELECT_OK;
    const char *why = NULL;
    if (!e->started || e->stopping)
        rc = ZKELECT_ESTATE, why = "not started";
    else if (!zkelect__session_ready(e))
        rc = ZKELECT_ENOTCONN, why = zkelect_strerror(ZKELECT_ENOTCONN);
    else if (e->n_lookups >= LOOKUPS_IN_FLIGHT_MAX)
        rc = ZKELECT_ESTATE, why = "16 lookups are in flight already";
    if (rc)
        zkelect__log(e, ZKELECT_LOG_ERROR, "%s: %s", what, why);
    return rc;
}

/* A lookup, its listing sent, and a reference to it for the caller
 * (lookup_unref() when done with it); NULL, with *rc, if it could not
 * begin. */
static zke_lookup_t *begin(struct zkelect *e, bool leader_only, bool async, const char *what, int *rc)
{
    *rc = refuse(e, what);
    if (*rc)
        return NULL;
    zke_lookup_t *l = calloc(1, sizeof *l);
    if (!l || zkelect__cond_init(&l->done) != 0) {
        free(l);
        *rc = ZKELECT_ENOMEM;
        return NULL;
    }
    l->refs = 1;
    l->e = e;
    l->leader_only = leader_only;
    l->async = async;
    l->deadline_ns = zkelect__now_ns() + (int64_t)e->query_timeout_ms * ZKE_MS;
    l->next = e->lookups;
    e->lookups = l;
    e->n_lookups++;
    zke_op_t *op = NULL;
    int zrc = ZSYSTEMERROR;
    if (!e->own_name || (l->own_name = strdup(e->own_name)))
        op = send_op(l, NULL);
    if (op)
        zrc = zkelect__zk_alist(e->session->zh, e->path, NULL, lookup_listed, op);
    if (zrc == ZOK)
        return l;
    *rc = op ? zkelect__from_zk_error(zrc) : ZKELECT_ENOMEM;
    zkelect__log(e, ZKELECT_LOG_ERROR, "%s: listing %s: %s", what, e->path, op ? zerror(zrc) : "out of memory");
    /* Over before it began: no event for it, the caller has the code. */
    l->finished = true;
    unlink_lookup(l);
    if (op) {
        op->answered = true;
        zkelect__op_drop(op);
    }
    lookup_unref(l);
    return NULL;
}

/* Wait for the end of a synchronous lookup, or give up at its deadline.
 * Returns its rc; the lookup stays the caller's until lookup_unref(). */
static int wait_end(struct zkelect *e, zke_lookup_t *l)
{
    while (!l->finished) {
        if (zkelect__cond_wait_until(&l->done, &e->session->lock, l->deadline_ns) != 0 && !l->finished) {
            finish(l, ZKELECT_ETIMEDOUT);
            zkelect__log(e, ZKELECT_LOG_WARN, "no answer from ZooKeeper within the query timeout (%d ms)",
                         e->query_timeout_ms);
        }
    }
    return l->rc;
}

int zkelect_get_leader(zkelect_t *e, char *id_buf, size_t id_len)
{
    if (!e || !id_buf || id_len == 0)
        return ZKELECT_EINVAL;
    id_buf[0] = '\0';
    int rc = zkelect__check_process(e->session, e, "zkelect_get_leader");
    if (rc)
        return rc;
    pthread_mutex_lock(&e->session->lock);
    zke_lookup_t *l = begin(e, true, false, "zkelect_get_leader", &rc);
    if (l)
        rc = wait_end(e, l);
    if (l && rc == ZKELECT_OK && l->priorities) {
        order_slots(l);
        l->next_leader = 0;
        while (l->next_leader < l->n && l->slots[l->next_leader].state != 1)
            l->next_leader++;
    }
    if (l && rc == ZKELECT_OK) {
        const slot_t *s = l->next_leader < l->n && !l->slots[l->next_leader].of_state ? &l->slots[l->next_leader]
                                                                                        : NULL;
        if (!s || s->state != 1 || !leads(l, s)) {
            rc = ZKELECT_ENOLEADER;
        } else if (strlen(s->p.id) + 1 > id_len) {
            zkelect__log(e, ZKELECT_LOG_ERROR, "zkelect_get_leader: the id needs %zu bytes", strlen(s->p.id) + 1);
            rc = ZKELECT_ERANGE;
        } else {
            memcpy(id_buf, s->p.id, strlen(s->p.id) + 1);
        }
    }
    if (l)
        lookup_unref(l);
    pthread_mutex_unlock(&e->session->lock);
    return rc;
}

int zkelect_participants(zkelect_t *e, zkelect_participant_t **list, size_t *count)
{
    if (!e || !list || !count)
        return ZKELECT_EINVAL;
    *list = NULL;
    *count = 0;
    int rc = zkelect__check_process(e->session, e, "zkelect_participants");
    if (rc)
        return rc;
    pthread_mutex_lock(&e->session->lock);
    zke_lookup_t *l = begin(e, false, false, "zkelect_participants", &rc);
    if (l)
        rc = wait_end(e, l);
    if (l && rc == ZKELECT_OK)
        rc = take_line(l, list, count);
    if (l)
        lookup_unref(l);
    pthread_mutex_unlock(&e->session->lock);
    return rc;
}

int zkelect_participants_async(zkelect_t *e)
{
    if (!e)
        return ZKELECT_EINVAL;
    int rc = zkelect__check_process(e->session, e, "zkelect_participants_async");
    if (rc)
        return rc;
    pthread_mutex_lock(&e->session->lock);
    zke_lookup_t *l = begin(e, false, true, "zkelect_participants_async", &rc);
    if (l) {
        zkelect__tend_soon(e); /* it ends the lookup at its deadline */
        lookup_unref(l);         /* the requests in flight keep it */
    }
    pthread_mutex_unlock(&e->session->lock);
    return rc;
}


/* --------------------------------------------------- the keeper's part */

int64_t zkelect__lookups_deadline(const struct zkelect *e)
{
    int64_t first = 0;
    for (const zke_lookup_t *l = e->lookups; l; l = l->next)
        if (l->async && (first == 0 || l->deadline_ns < first))
            first = l->deadline_ns;
    return first;
}

void zkelect__lookups_expire(struct zkelect *e, int64_t now)
{
    zke_lookup_t *l = e->lookups;
    while (l) {
        zke_lookup_t *next = l->next;
        if (l->async && now >= l->deadline_ns) {
            zkelect__log(e, ZKELECT_LOG_WARN, "zkelect_participants_async: no answer within the query timeout (%d ms)",
                         e->query_timeout_ms);
            finish(l, ZKELECT_ETIMEDOUT);
        }
        l = next;
    }
}

void zkelect__lookups_cancel(struct zkelect *e)
{
    while (e->lookups) {
        zke_lookup_t *l = e->lookups;
        finish(l, ZKELECT_ESTATE); /* no event: the handle is stopping */
        l->e = NULL;
    }
}
