/* queue.c - the event queue: a plain FIFO per session, one order for all of
 * its elections. An item carries what to run: deliver an event to the
 * host's callback, or a step of the library that must wait for the events
 * before it (release a node, retire an election), registered by the file
 * that queued it. One function runs the items, on the dispatch thread
 * (session.c) and inside zkelect_dispatch() (dispatch.c) alike. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Manual dispatch: the event fd is readable exactly while the queue holds
 * something, so a host loop wakes only when there is work. Lock held. */
static void event_fd_raise(zke_session_t *s)
{
    uint64_t one = 1;
    if (s->event_fd >= 0 && write(s->event_fd, &one, sizeof one) != (ssize_t)sizeof one)
        zkelect__session_log(s, ZKELECT_LOG_ERROR, "could not signal the event fd: the next event wakes the loop");
}

static void event_fd_clear(zke_session_t *s)
{
    uint64_t count;
    /* EAGAIN only means it was not raised: nothing to clear. */
    if (s->event_fd >= 0)
        (void)!read(s->event_fd, &count, sizeof count);
}

void zkelect__queue_item(zke_session_t *s, struct zkelect *owner, zke_item_t *item)
{
    item->session = s;
    item->owner = owner;
    item->next = NULL;
    if (s->queue_tail)
        s->queue_tail->next = item;
    else
        s->queue_head = item;
    s->queue_tail = item;
    if (s->queue_len++ == 0)
        event_fd_raise(s);
    pthread_cond_signal(&s->queue_cond);
}

/* The first item, or NULL; clears the event fd when the queue empties. */
static zke_item_t *take(zke_session_t *s)
{
    zke_item_t *item = s->queue_head;
    if (!item)
        return NULL;
    s->queue_head = item->next;
    s->queue_len--;
    if (!s->queue_head) {
        s->queue_tail = NULL;
        event_fd_clear(s);
    }
    return item;
}

/* Run the host's callback: the lock is released while it runs. */
static void deliver(zke_item_t *item)
{
    zke_session_t *s = item->session;
    struct zkelect *to = item->owner;
    zkelect_callback_fn cb = to->cb;
    void *userdata = to->cb_userdata;
    pthread_mutex_unlock(&s->lock);
    if (cb)
        cb(to, &item->ev, userdata);
    pthread_mutex_lock(&s->lock);
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
    item->run = deliver;
    item->ev.type = type;
    item->ev.reason = reason;
    item->ev.error = error;
    item->ev.zk_error = zk_error;
    item->ev.message = item->text;
    item->ev.epoch = -1;
    item->ev.sequence = e->own_path ? e->own_seq : -1;
    if (type == ZKELECT_EV_ELECTED || type == ZKELECT_EV_REVOKED)
        item->ev.epoch = e->term_epoch;
    else if (type == ZKELECT_EV_JOINED)
        item->ev.epoch = e->own_czxid;
    zkelect__queue_item(e->session, e, item);
    return item;
}

const char *zkelect__item_keep(zke_item_t *item, const char *text)
{
    if (!text)
        return NULL;
    free(item->leader);
    item->leader = strdup(text);
    return item->leader;
}

void zkelect__queue_leader(struct zkelect *e, const char *data, int len, int64_t czxid, int32_t seq)
{
    zke_node_data_t d = zkelect__node_data_split(data, len);
    zke_item_t *item =
        data ? zkelect__queue_event(e, ZKELECT_EV_LEADER, ZKELECT_REASON_NONE, ZKELECT_OK, 0,
                                    "leader: %.*s, epoch %lld", (int)d.id_len, d.id, (long long)czxid)
             : zkelect__queue_event(e, ZKELECT_EV_LEADER, ZKELECT_REASON_NONE, ZKELECT_OK, 0, "nobody leads");
    if (!item)
        return;
    item->ev.epoch = data ? czxid : -1;
    item->ev.sequence = data ? seq : -1;
    if (!data)
        return;
    /* One copy holds both: the id, a NUL the id may lack, the payload. */
    size_t copy_len;
    item->leader = zkelect__node_data_join(d.id, d.id_len, d.rest, d.rest_len, true, &copy_len);
    if (!item->leader) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "out of memory: the LEADER event goes without the leader's id");
        return;
    }
    item->ev.leader_id = item->leader;
    item->ev.leader_data = d.rest_len ? item->leader + d.id_len + 1 : NULL;
    item->ev.leader_data_len = d.rest_len;
}

void zkelect__item_free(zke_item_t *item)
{
    free(item->text);
    free(item->leader);
    free(item->path);
    free(item->lock_path);
    free(item->move_to);
    zkelect_participants_free(item->participants, item->ev.participant_count);
    free(item);
}

void zkelect__queue_free_all(zke_session_t *s)
{
    zke_item_t *item;
    while ((item = take(s)))
        zkelect__item_free(item);
}

unsigned zkelect__queue_run(zke_session_t *s, size_t budget)
{
    zke_session_t *previous_owner = zkelect__set_log_owner(s);
    unsigned delivered = 0;
    zke_item_t *item;
    while (budget-- > 0 && (item = take(s))) {
        delivered += item->run == deliver;
        item->run(item);
        zkelect__item_free(item);
        /* A callback may have worked with other handles on this thread. */
        zkelect__set_log_owner(s);
    }
    zkelect__set_log_owner(previous_owner);
    return delivered;
}

bool zkelect__on_dispatch_thread(const zke_session_t *s)
{
    if (s->manual_dispatch)
        return s->dispatching && pthread_equal(pthread_self(), s->dispatcher);
    return s->dispatch_running && pthread_equal(pthread_self(), s->dispatch_thread);
}
