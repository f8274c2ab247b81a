/* events.c - the event queue and the dispatch thread, the one path by which
 * user callbacks run (manual dispatch, dispatch.c, drains the same queue). */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

/* Manual dispatch: the event fd is readable exactly while the queue holds
 * something, so a host loop wakes only when there is work. Lock held. */
static void event_fd_raise(struct zkelect *e)
{
    uint64_t one = 1;
    if (e->event_fd >= 0 && write(e->event_fd, &one, sizeof one) != (ssize_t)sizeof one)
        zkelect__log(e, ZKELECT_LOG_ERROR, "could not signal the event fd: the next event wakes the loop");
}

static void event_fd_clear(struct zkelect *e)
{
    uint64_t count;
    /* EAGAIN only means it was not raised: nothing to clear. */
    if (e->event_fd >= 0)
        (void)!read(e->event_fd, &count, sizeof count);
}

void zkelect__queue_item(struct zkelect *e, zke_item_t *item)
{
    /* The elections of a shared session share its queue: one order for all. */
    struct zkelect *q = zkelect__host(e);
    item->owner = e;
    item->next = NULL;
    if (q->queue_tail)
        q->queue_tail->next = item;
    else
        q->queue_head = item;
    q->queue_tail = item;
    if (q->queue_len++ == 0)
        event_fd_raise(q);
    pthread_cond_signal(&q->queue_cond);
}

zke_item_t *zkelect__queue_take(struct zkelect *e)
{
    zke_item_t *item = e->queue_head;
    if (!item)
        return NULL;
    e->queue_head = item->next;
    e->queue_len--;
    if (!e->queue_head) {
        e->queue_tail = NULL;
        event_fd_clear(e);
    }
    return item;
}

static void count_event(zke_counters_t *c, int type, int reason)
{
    if (type == ZKELECT_EV_ELECTED)
        c->terms++;
    else if (type == ZKELECT_EV_REVOKED && reason >= 0 && reason < ZKELECT_STATS_REASONS)
        c->revoked[reason]++;
    else if (type == ZKELECT_EV_JOINED)
        c->joins++;
    else if (type == ZKELECT_EV_ERROR)
        c->errors++;
    else if (type == ZKELECT_EV_LEADER)
        c->leader_changes++;
}

zke_item_t *zkelect__queue_event(struct zkelect *e, int type, int reason, int error, int zk_error,
                                 const char *fmt, ...)
{
    /* Counted even if memory runs out below: it happened all the same. */
    count_event(&e->counters, type, reason);
    zke_item_t *item = calloc(1, sizeof *item);
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (!item || !(item->text = strdup(text))) {
        free(item);
        zkelect__log(e, ZKELECT_LOG_ERROR, "out of memory: %s event lost (%s)", zkelect_event_name(type), text);
        return NULL;
    }
    item->kind = ZKE_ITEM_EVENT;
    item->ev.type = type;
    item->ev.reason = reason;
    item->ev.error = error;
    item->ev.zk_error = zk_error;
    item->ev.message = item->text;
    item->ev.epoch = -1;
    item->ev.sequence = e->own_path ? e->own_seq : -1;
    if (type == ZKELECT_EV_ELECTED || type == ZKELECT_EV_REVOKED || type == ZKELECT_EV_JOINED)
        item->ev.epoch = e->own_czxid;
    zkelect__queue_item(e, item);
    return item;
}

void zkelect__queue_leader(struct zkelect *e, const char *data, int len, int64_t czxid, int32_t seq)
{
    size_t n = data && len > 0 ? (size_t)len : 0;
    size_t id_len = strnlen(data ? data : "", n);
    zke_item_t *item =
        data ? zkelect__queue_event(e, ZKELECT_EV_LEADER, ZKELECT_REASON_NONE, ZKELECT_OK, 0,
                                    "leader: %.*s, epoch 0x%llx", (int)id_len, data, (unsigned long long)czxid)
             : zkelect__queue_event(e, ZKELECT_EV_LEADER, ZKELECT_REASON_NONE, ZKELECT_OK, 0, "nobody leads");
    if (!item)
        return;
    item->ev.epoch = data ? czxid : -1;
    item->ev.sequence = data ? seq : -1;
    if (!data)
        return;
    /* One copy holds both: the id, a NUL the id may lack, the payload. */
    item->leader = malloc(n + 1);
    if (!item->leader) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "out of memory: the LEADER event goes without the leader's id");
        return;
    }
    memcpy(item->leader, data, id_len);
    item->leader[id_len] = '\0';
    if (id_len < n)
        memcpy(item->leader + id_len + 1, data + id_len + 1, n - id_len - 1);
    item->ev.leader_id = item->leader;
    item->ev.leader_data = id_len + 1 < n ? item->leader + id_len + 1 : NULL;
    item->ev.leader_data_len = id_len + 1 < n ? n - id_len - 1 : 0;
}

void zkelect__item_free(zke_item_t *item)
{
    free(item->text);
    free(item->leader);
    free(item->path);
    zkelect_participants_free(item->participants, item->ev.participant_count);
    free(item);
}

void zkelect__queue_free_all(struct zkelect *e)
{
    zke_item_t *item;
    while ((item = zkelect__queue_take(e)))
        zkelect__item_free(item);
}

bool zkelect__on_dispatch_thread(const struct zkelect *e)
{
    e = zkelect__host(e);
    if (e->manual_dispatch)
        return e->dispatching && pthread_equal(pthread_self(), e->dispatcher);
    return e->started && pthread_equal(pthread_self(), e->dispatch_thread);
}

/* NULL once the queue is empty and the handle stopping (see queue_teardown). */
static zke_item_t *pop(struct zkelect *e)
{
    while (!e->queue_head) {
        if (e->stopping)
            return NULL;
        pthread_cond_wait(&e->queue_cond, e->lock);
    }
    return zkelect__queue_take(e);
}

/* The node of a resigned term is deleted only now, after its REVOKED callback
 * returned: the host has stopped before any successor can be elected. */
void zkelect__release(struct zkelect *e, const zke_item_t *item)
{
    if (item->unwatch && item->zh == e->zh && e->connected)
        zkelect__unwatch_node(e, item->zh, item->path);
    /* Also when a destroy followed the resign: an election on a shared
     * session keeps the session, and with it a node not deleted now. */
    zkelect__remove_node(e, item->zh, item->path, item->hand_over);
    if (e->stopping)
        return;
    e->phase = ZKE_WAITING;
    zkelect__restart(e);
}

void *zkelect__dispatch_main(void *arg)
{
    struct zkelect *e = arg;
    prctl(PR_SET_NAME, "zke-dispatch"); /* what ps -L and top -H show */
    zkelect__set_log_owner(e);
    pthread_mutex_lock(e->lock);
    for (;;) {
        zke_item_t *item = pop(e);
        if (!item || item->kind == ZKE_ITEM_TEARDOWN) {
            if (item)
                zkelect__item_free(item);
            pthread_mutex_unlock(e->lock);
            if (zkelect__teardown(e)) {
                /* Destroyed from a callback: nobody waits to join us. */
                pthread_detach(pthread_self());
                zkelect__free(e);
            }
            return NULL;
        }
        if (item->kind == ZKE_ITEM_RELEASE) {
            zkelect__release(item->owner, item);
            zkelect__item_free(item);
            continue;
        }
        if (item->kind == ZKE_ITEM_RETIRE) {
            zkelect__retire(item->owner);
            zkelect__item_free(item);
            continue;
        }
        zkelect__deliver(e, item);
        zkelect__item_free(item);
    }
}

void zkelect__deliver(struct zkelect *e, const zke_item_t *item)
{
    struct zkelect *to = item->owner;
    zkelect_callback_fn cb = to->cb;
    void *userdata = to->cb_userdata;
    pthread_mutex_unlock(e->lock);
    if (cb)
        cb(to, &item->ev, userdata);
    zkelect__set_log_owner(e);
    pthread_mutex_lock(e->lock);
}
