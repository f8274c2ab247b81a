/* shared.c - one ZooKeeper session carrying many elections: the public
 * life of a zkelect_session_t, which is the session object itself. Its
 * elections are ordinary ones (handle.c) that do not own it: the session
 * tells each of them what becomes of it, and runs all their events through
 * its one queue in one order. An election's state machine is the same on
 * its own session or a shared one, so every guarantee holds per election. */
#include "internal.h"

#include <stdlib.h>

int zkelect_session_new(zkelect_session_t **out, const char *zk_hosts)
{
    if (!out)
        return ZKELECT_EINVAL;
    *out = NULL;
    const char *why;
    int rc = zkelect__validate_servers(zk_hosts, &why);
    return rc ? rc : zkelect__session_alloc(out, zk_hosts);
}

int zkelect_session_start(zkelect_session_t *s)
{
    if (!s)
        return ZKELECT_EINVAL;
    int rc = zkelect__check_process(s, NULL, "zkelect_session_start");
    if (rc)
        return rc;
    pthread_mutex_lock(&s->lock);
    bool started = s->started || s->stopping;
    s->started = true;
    pthread_mutex_unlock(&s->lock);
    if (started) {
        zkelect__session_log(s, ZKELECT_LOG_ERROR, "zkelect_session_start: already started");
        return ZKELECT_ESTATE;
    }
    return zkelect__session_start(s);
}

int zkelect_new_on_session(zkelect_t **out, zkelect_session_t *s, const char *election_path,
                           const char *participant_id)
{
    if (!out)
        return ZKELECT_EINVAL;
    *out = NULL;
    if (!s)
        return ZKELECT_EINVAL;
    int rc = zkelect__check_process(s, NULL, "zkelect_new_on_session");
    if (rc)
        return rc;
    char generated[ZKELECT_ID_MAX + 1];
    const char *why;
    rc = zkelect__check_election(election_path, &participant_id, generated, sizeof generated, &why);
    if (rc) {
        /* Unlike zkelect_new(), there is a log function to say why: the session's. */
        zkelect__session_log(s, ZKELECT_LOG_ERROR, "zkelect_new_on_session: %s", why);
        return rc;
    }
    return zkelect__election_alloc(out, s, election_path, participant_id);
}

void zkelect_session_destroy(zkelect_session_t *s)
{
    if (!s || zkelect__check_process(s, NULL, "zkelect_session_destroy"))
        return;
    pthread_mutex_lock(&s->lock);
    if (s->started && zkelect__on_dispatch_thread(s)) {
        pthread_mutex_unlock(&s->lock);
        zkelect__session_log(s, ZKELECT_LOG_ERROR,
                             "zkelect_session_destroy: not allowed from a callback; the session is left as it is");
        return;
    }
    pthread_mutex_unlock(&s->lock);
    /* Elections still on it go first, each with its REVOKED(closed); those
     * destroyed from a callback are waited for until retired. */
    zkelect__elections_destroy_all(s);
    pthread_mutex_lock(&s->lock);
    if (!s->started) {
        pthread_mutex_unlock(&s->lock);
        zkelect__session_free(s);
        return;
    }
    zkelect__session_end(s);
}
