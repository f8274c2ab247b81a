/* dispatch.c - manual dispatch: callbacks run on the host's thread, from its
 * own event loop, instead of on the library's dispatch thread. */
#include "internal.h"

#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

int zkelect_set_dispatch_mode(zkelect_t *e, int mode)
{
    if (!e)
        return ZKELECT_EINVAL;
    if (e->started) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "zkelect_set_dispatch_mode: only allowed before zkelect_start()");
        return ZKELECT_ESTATE;
    }
    if (e->carrier) {
        zkelect__log(e, ZKELECT_LOG_ERROR,
                     "zkelect_set_dispatch_mode: elections on a shared session use the session's dispatch thread");
        return ZKELECT_ESTATE;
    }
    if (mode != ZKELECT_DISPATCH_THREAD && mode != ZKELECT_DISPATCH_MANUAL) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "unknown dispatch mode %d", mode);
        return ZKELECT_EINVAL;
    }
    if (mode == ZKELECT_DISPATCH_MANUAL && e->event_fd < 0) {
        e->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (e->event_fd < 0) {
            zkelect__log(e, ZKELECT_LOG_ERROR, "zkelect_set_dispatch_mode: could not create an eventfd");
            return ZKELECT_ESYS;
        }
    } else if (mode == ZKELECT_DISPATCH_THREAD && e->event_fd >= 0) {
        close(e->event_fd);
        e->event_fd = -1;
    }
    e->manual_dispatch = mode == ZKELECT_DISPATCH_MANUAL;
    return ZKELECT_OK;
}

int zkelect_fd(zkelect_t *e, int *fd)
{
    if (!e || !fd)
        return ZKELECT_EINVAL;
    /* Fixed from zkelect_set_dispatch_mode() on: no lock needed. */
    if (!e->manual_dispatch) {
        *fd = -1;
        zkelect__log(e, ZKELECT_LOG_ERROR, "zkelect_fd: the handle is not in ZKELECT_DISPATCH_MANUAL mode");
        return ZKELECT_ESTATE;
    }
    *fd = e->event_fd;
    return ZKELECT_OK;
}

/* Run up to budget items, or until a callback destroys the handle when
 * stop_at_destroy. Lock held. Returns the number of callbacks run. */
static unsigned run_items(struct zkelect *e, size_t budget, bool stop_at_destroy)
{
    unsigned delivered = 0;
    while (budget-- > 0) {
        zke_item_t *item = zkelect__queue_take(e);
        if (!item)
            break;
        if (item->kind == ZKE_ITEM_EVENT) {
            zkelect__deliver(e, item);
            delivered++;
        } else if (item->kind == ZKE_ITEM_RELEASE) {
            zkelect__release(item->owner, item);
        }
        zkelect__item_free(item);
        if (stop_at_destroy && e->destroy_deferred)
            break;
    }
    return delivered;
}

unsigned zkelect__manual_destroy(struct zkelect *e)
{
    e->dispatching = true;
    e->dispatcher = pthread_self();
    /* What was queued, REVOKED(closed) last, still reaches the host, on the
     * thread that destroys, as the thread mode delivers it before joining. */
    unsigned delivered = run_items(e, SIZE_MAX, false);
    pthread_mutex_unlock(e->lock);
    zkelect__teardown(e);
    zkelect__free(e);
    return delivered;
}

int zkelect_dispatch(zkelect_t *e, unsigned *dispatched)
{
    if (dispatched)
        *dispatched = 0;
    if (!e)
        return ZKELECT_EINVAL;
    pthread_mutex_lock(e->lock);
    const char *why = NULL;
    if (!e->manual_dispatch)
        why = "the handle is not in ZKELECT_DISPATCH_MANUAL mode";
    else if (e->dispatching)
        why = "already dispatching (called from a callback, or from two threads at once)";
    if (why) {
        pthread_mutex_unlock(e->lock);
        zkelect__log(e, ZKELECT_LOG_ERROR, "zkelect_dispatch: %s", why);
        return ZKELECT_ESTATE;
    }
    e->dispatching = true;
    e->dispatcher = pthread_self();
    /* Only what is queued now: a callback that causes more events (a resign,
     * say) cannot keep the host's loop here for ever. */
    unsigned delivered = run_items(e, e->queue_len, true);
    if (e->destroy_deferred)
        delivered += zkelect__manual_destroy(e);
    else {
        e->dispatching = false;
        pthread_mutex_unlock(e->lock);
    }
    if (dispatched)
        *dispatched = delivered;
    return ZKELECT_OK;
}
