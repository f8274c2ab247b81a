/* order.c - the settings of the line's order, from the public API:
 * zkelect_set_priority() (priority.c reorders) and zkelect_set_preemption()
 * (switchover.c asks a leader of lower priority to step down). Above the
 * state machines, as the other setters (config.c) are. */
#include "internal.h"

/* The checks of the settings of the order (zkelect_set_priority(),
 * zkelect_set_preemption()): the process, the range, a participant in the
 * native format. ZKELECT_OK with the lock held; else the code, the reason
 * logged, the lock not held. */
static int order_setting(struct zkelect *e, const char *what, const char *setting, int value)
{
    int rc = zkelect__check_process(e->session, e, what);
    if (rc)
        return rc;
    char why[256];
    if (zkelect__check_setting(setting, value, why, sizeof why) != ZKELECT_OK) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "%s: %s", what, why);
        return ZKELECT_EINVAL;
    }
    pthread_mutex_lock(&e->session->lock);
    const char *refused = e->observer ? "an observer takes no part in the election"
                          : e->format != ZKELECT_FORMAT_NATIVE
                              ? "only the native format can carry a priority (Curator and kazoo order by "
                                "join alone)"
                              : NULL;
    if (!refused)
        return ZKELECT_OK;
    pthread_mutex_unlock(&e->session->lock);
    zkelect__log(e, ZKELECT_LOG_ERROR, "%s: %s", what, refused);
    return ZKELECT_ESTATE;
}

int zkelect_set_priority(zkelect_t *e, int priority)
{
    if (!e)
        return ZKELECT_EINVAL;
    int rc = order_setting(e, "zkelect_set_priority", "priority", priority);
    if (rc)
        return rc;
    bool changed = e->priority != priority;
    e->priority = priority;
    if (changed && e->started)
        zkelect__priority_changed(e);
    pthread_mutex_unlock(&e->session->lock);
    return ZKELECT_OK;
}

int zkelect_set_preemption(zkelect_t *e, int delay_ms)
{
    if (!e)
        return ZKELECT_EINVAL;
    int rc = order_setting(e, "zkelect_set_preemption", "preemption", delay_ms);
    if (rc)
        return rc;
    e->preempt_delay_ms = delay_ms;
    zkelect__forget_preemption(e);
    if (e->started && e->phase == ZKE_WATCHING)
        zkelect__consider_preemption(e);
    pthread_mutex_unlock(&e->session->lock);
    return ZKELECT_OK;
}
