/* log.c - messages to the host's log function, never to stdout or stderr. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

void zkelect__log(struct zkelect *e, int level, const char *fmt, ...)
{
    if (!e || !e->log_fn || level > e->log_level)
        return;
    char message[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    /* A shared session's own messages name no election. */
    e->log_fn(e->is_carrier ? NULL : e, level, message, e->log_userdata);
}

/* The ZooKeeper client's log callback carries no context, so the handle is
 * found through the thread: zkelect marks itself as the owner of a thread
 * each time its code runs on it (completions, watchers, its own threads).
 * Messages the client logs from its I/O thread, which never runs our code,
 * cannot be attributed and are dropped rather than printed. */
static _Thread_local struct zkelect *log_owner;

void zkelect__set_log_owner(struct zkelect *e)
{
    /* The client's messages are about the session: an election on a shared
     * session passes them to the session's log function, which also outlives
     * the election. */
    log_owner = e ? zkelect__host(e) : NULL;
}

static int zk_level(const char *message)
{
    if (strstr(message, "ZOO_ERROR"))
        return ZKELECT_LOG_ERROR;
    if (strstr(message, "ZOO_WARN"))
        return ZKELECT_LOG_WARN;
    if (strstr(message, "ZOO_INFO"))
        return ZKELECT_LOG_INFO;
    return ZKELECT_LOG_DEBUG;
}

void zkelect__zk_log(const char *message)
{
    struct zkelect *e = log_owner;
    if (!e)
        return;
    /* ZooKeeper's own prefix (time, pid, thread, level) is kept: it is what
     * its documentation and bug reports refer to. */
    size_t len = strlen(message);
    while (len > 0 && (message[len - 1] == '\n' || message[len - 1] == '\r'))
        len--;
    zkelect__log(e, zk_level(message), "zookeeper: %.*s", (int)len, message);
}
