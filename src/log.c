/* log.c - messages to the host's log function, never to stdout or stderr:
 * an election's, its session's, and the ZooKeeper client's own lines. */
#include "internal.h"

#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

static void vlog_to(zkelect_log_fn fn, int max_level, zkelect_t *handle, void *userdata, int level, const char *fmt,
                    va_list ap) ZKE_PRINTF(6, 0);

static void vlog_to(zkelect_log_fn fn, int max_level, zkelect_t *handle, void *userdata, int level, const char *fmt,
                    va_list ap)
{
    if (!fn || level > max_level)
        return;
    char message[1024];
    vsnprintf(message, sizeof message, fmt, ap);
    fn(handle, level, message, userdata);
}

void zkelect__log(struct zkelect *e, int level, const char *fmt, ...)
{
    if (!e)
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog_to(e->log_fn, e->log_level, e, e->log_userdata, level, fmt, ap);
    va_end(ap);
}

/* A shared session's own messages name no election. */
void zkelect__session_log(zke_session_t *s, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog_to(s->log_fn, s->log_level, s->owner, s->log_userdata, level, fmt, ap);
    va_end(ap);
}

void zkelect__log_about(zke_session_t *s, struct zkelect *e, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (e)
        vlog_to(e->log_fn, e->log_level, e, e->log_userdata, level, fmt, ap);
    else
        vlog_to(s->log_fn, s->log_level, s->owner, s->log_userdata, level, fmt, ap);
    va_end(ap);
}

/* ----------------------------------------------- the ZooKeeper client's lines
 *
 * The client's log callback carries no context, so the session is found
 * through the thread. On the threads that run zkelect's code (completions,
 * watchers, its own threads) zkelect marks itself as the owner each time its
 * code runs. The client's I/O thread never runs zkelect's code, yet it logs
 * what matters most (why a connection failed): it is found by its name.
 * Linux threads start with the name of the thread that creates them, so the
 * thread that calls zookeeper_init2() takes, for the length of that call, a
 * name that encodes the session; the client's two threads keep it. The
 * session outlives them: zookeeper_close() joins them before it is freed.
 * The client's messages are about the session: they go to the session's
 * log function (a standalone handle's own). */
static _Thread_local zke_session_t *log_owner;

zke_session_t *zkelect__set_log_owner(zke_session_t *s)
{
    zke_session_t *previous = log_owner;
    log_owner = s;
    return previous;
}

void zkelect__forget_log_owner(const zke_session_t *s)
{
    if (log_owner == s)
        log_owner = NULL;
}

/* "zk" + the pointer in 11 digits of base 64 + a check digit: 14 characters,
 * within the 15 a thread name may have. */
#define NAME_PREFIX "zk"
#define NAME_DIGITS 11
static const char digits64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-";

void zkelect__zk_thread_name(const zke_session_t *s, char *name)
{
    uint64_t v = (uint64_t)(uintptr_t)s;
    unsigned check = 0;
    memcpy(name, NAME_PREFIX, 2);
    for (int i = 0; i < NAME_DIGITS; i++) {
        unsigned d = (unsigned)(v >> (6 * i)) & 63;
        name[2 + i] = digits64[d];
        check ^= d;
    }
    name[2 + NAME_DIGITS] = digits64[check];
    name[3 + NAME_DIGITS] = '\0';
}

static zke_session_t *owner_from_thread_name(void)
{
    char name[16] = "";
    if (prctl(PR_GET_NAME, name) != 0 || strlen(name) != 3 + NAME_DIGITS || memcmp(name, NAME_PREFIX, 2) != 0)
        return NULL;
    uint64_t v = 0;
    unsigned check = 0;
    for (int i = NAME_DIGITS; i >= 0; i--) {
        const char *at = strchr(digits64, name[2 + i]);
        if (!at || !*at)
            return NULL;
        unsigned d = (unsigned)(at - digits64);
        if (i == NAME_DIGITS) {
            check ^= d;
            continue;
        }
        v = v << 6 | d;
        check ^= d;
    }
    /* The session's address, as zkelect__zk_thread_name() wrote it. */
    return check == 0 ? (zke_session_t *)(uintptr_t)v : NULL; // NOLINT(performance-no-int-to-ptr)
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

/* A connection that fails over and over makes the client log a few lines
 * every retry (tens a second, for as long as the server is away). While the
 * session is not connected, each distinct line (its text after the
 * client's time, pid and thread) reaches the host once, as a warning: the
 * library is retrying, and the cause has been said; its repeats are
 * dropped until the session is connected again. Beyond that, at most
 * ZK_LOG_BURST lines reach the host per ZK_LOG_WINDOW_NS. What was dropped
 * is said at the end of each window, by the keeper if no line comes. */
#define ZK_LOG_BURST 20
#define ZK_LOG_WINDOW_NS (10000 * ZKE_MS)

static uint64_t text_hash(const char *message)
{
    const char *text = strstr(message, "ZOO_");
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const char *p = text ? text : message; *p && *p != '\n'; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    return h;
}

/* Log lock held. */
static bool seen_while_disconnected(zke_session_t *s, const char *message)
{
    uint64_t h = text_hash(message);
    for (size_t i = 0; i < s->zk_log_seen_count; i++)
        if (s->zk_log_seen[i] == h)
            return true;
    s->zk_log_seen[s->zk_log_seen_count++ % ZKE_ZK_LOG_SEEN] = h;
    if (s->zk_log_seen_count > ZKE_ZK_LOG_SEEN)
        s->zk_log_seen_count = ZKE_ZK_LOG_SEEN;
    return false;
}

/* The lines dropped in a window that has ended, to be said now; 0 if the
 * window is still open or dropped nothing. Log lock held. */
static uint64_t end_window(zke_session_t *s, int64_t now)
{
    if (now - s->zk_log_window_ns < ZK_LOG_WINDOW_NS)
        return 0;
    uint64_t dropped = s->zk_log_dropped;
    s->zk_log_dropped = 0;
    s->zk_log_window_ns = now;
    s->zk_log_lines = 0;
    return dropped;
}

static void say_dropped(zke_session_t *s, uint64_t dropped)
{
    if (dropped)
        zkelect__session_log(s, ZKELECT_LOG_WARN,
                             "zookeeper: %llu more lines of the ZooKeeper client were dropped in %d s (repeats "
                             "while disconnected, and beyond %d in a window)",
                             (unsigned long long)dropped, (int)(ZK_LOG_WINDOW_NS / 1000000000), ZK_LOG_BURST);
}

/* Whether this line may go out, and at which level; *dropped gets the count
 * of lines dropped in the window that just ended, to be said first. */
static bool admit(zke_session_t *s, const char *message, int *level, uint64_t *dropped)
{
    int64_t now = zkelect__now_ns();
    pthread_mutex_lock(&s->log_lock);
    *dropped = end_window(s, now);
    bool ok = true;
    if (!s->zk_log_connected && *level <= ZKELECT_LOG_WARN) {
        ok = !seen_while_disconnected(s, message);
        *level = ZKELECT_LOG_WARN;
    }
    ok = ok && s->zk_log_lines < ZK_LOG_BURST;
    if (ok) {
        s->zk_log_lines++;
    } else {
        s->zk_log_dropped++;
        s->zk_log_dropped_total++;
    }
    pthread_mutex_unlock(&s->log_lock);
    return ok;
}

void zkelect__zk_log_connected(zke_session_t *s, bool connected)
{
    pthread_mutex_lock(&s->log_lock);
    s->zk_log_connected = connected;
    s->zk_log_seen_count = 0; /* the next outage says its causes again */
    pthread_mutex_unlock(&s->log_lock);
}

int64_t zkelect__zk_log_flush(zke_session_t *s, int64_t now)
{
    pthread_mutex_lock(&s->log_lock);
    uint64_t dropped = end_window(s, now);
    int64_t next = s->zk_log_dropped ? s->zk_log_window_ns + ZK_LOG_WINDOW_NS : 0;
    pthread_mutex_unlock(&s->log_lock);
    say_dropped(s, dropped);
    return next;
}

void zkelect__zk_log(const char *message)
{
    zke_session_t *s = log_owner;
    if (!s)
        s = log_owner = owner_from_thread_name();
    int level = zk_level(message);
    if (!s || !s->log_fn || level > s->log_level)
        return;
    uint64_t dropped;
    bool ok = admit(s, message, &level, &dropped);
    say_dropped(s, dropped);
    if (!ok)
        return;
    /* ZooKeeper's own prefix (time, pid, thread, level) is kept: it is what
     * its documentation and bug reports refer to. */
    size_t len = strlen(message);
    while (len > 0 && (message[len - 1] == '\n' || message[len - 1] == '\r'))
        len--;
    zkelect__session_log(s, level, "zookeeper: %.*s", (int)len, message);
}
