/* dispatch.c - manual dispatch: callbacks run on the host's thread, from its
 * own event loop, instead of on the library's dispatch thread. The queue
 * and how it runs are queue.c's; this is the public face of it. */
#include "internal.h"

#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

int zkelect_set_dispatch_mode(zkelect_t *e, int mode)
{
    int rc = zkelect__configurable(e, "zkelect_set_dispatch_mode");
    if (rc)
        return rc;
    zke_session_t *s = e->session;
    if (!e->standalone) {
        zkelect__log(e, ZKELECT_LOG_ERROR,
                     "zkelect_set_dispatch_mode: elections on a shared session use the session's dispatch thread");
        return ZKELECT_ESTATE;
    }
    if (mode != ZKELECT_DISPATCH_THREAD && mode != ZKELECT_DISPATCH_MANUAL) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "unknown dispatch mode %d", mode);
        return ZKELECT_EINVAL;
    }
    if (mode == ZKELECT_DISPATCH_MANUAL && s->event_fd < 0) {
        s->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (s->event_fd < 0) {
            zkelect__log(e, ZKELECT_LOG_ERROR, "zkelect_set_dispatch_mode: could not create an eventfd");
            return ZKELECT_ESYS;
        }
    } else if (mode == ZKELECT_DISPATCH_THREAD && s->event_fd >= 0) {
        close(s->event_fd);
        s->event_fd = -1;
    }
    s->manual_dispatch = mode == ZKELECT_DISPATCH_MANUAL;
    return ZKELECT_OK;
}

int zkelect_fd(zkelect_t *e, int *fd)
{
    if (!e || !fd)
        return ZKELECT_EINVAL;
    int rc = zkelect__check_process(e->session, e, "zkelect_fd");
    if (rc) {
        *fd = -1;
        return rc;
    }
    /* Fixed from zkelect_set_dispatch_mode() on: no lock needed. */
    if (!e->session->manual_dispatch) {
        *fd = -1;
        zkelect__log(e, ZKELECT_LOG_ERROR, "zkelect_fd: the handle is not in ZKELECT_DISPATCH_MANUAL mode");
        return ZKELECT_ESTATE;
    }
    *fd = e->session->event_fd;
    return ZKELECT_OK;
}

int zkelect_dispatch(zkelect_t *e, unsigned *dispatched)
{
    if (dispatched)
        *dispatched = 0;
    if (!e)
        return ZKELECT_EINVAL;
    zke_session_t *s = e->session;
    int rc = zkelect__check_process(s, e, "zkelect_dispatch");
    if (rc)
        return rc;
    pthread_mutex_lock(&s->lock);
    const char *why = NULL;
    if (!s->manual_dispatch)
        why = "the handle is not in ZKELECT_DISPATCH_MANUAL mode";
    else if (s->dispatching)
        why = "already dispatching (called from a callback, or from two threads at once)";
    if (why) {
        pthread_mutex_unlock(&s->lock);
        zkelect__log(e, ZKELECT_LOG_ERROR, "zkelect_dispatch: %s", why);
        return ZKELECT_ESTATE;
    }
    s->dispatching = true;
    s->dispatcher = pthread_self();
    /* Only what is queued now: a callback that causes more events (a resign,
     * say) cannot keep the host's loop here for ever. */
    unsigned delivered = zkelect__queue_run(s, s->queue_len);
    if (s->stopping) {
        /* A callback destroyed the handle: the rest runs, then it goes. */
        delivered += zkelect__session_end_here(s);
    } else {
        s->dispatching = false;
        pthread_mutex_unlock(&s->lock);
    }
    if (dispatched)
        *dispatched = delivered;
    return ZKELECT_OK;
}
