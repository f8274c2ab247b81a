/* time.c - the two clocks: CLOCK_BOOTTIME for the lease, CLOCK_MONOTONIC for waits. */
#include "internal.h"

#include <errno.h>
#include <time.h>

static int64_t clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t zkelect__now_ns(void)
{
    return clock_ns(CLOCK_BOOTTIME);
}

int64_t zkelect__earliest(int64_t a, int64_t b)
{
    if (a <= 0)
        return b;
    if (b <= 0)
        return a;
    return a < b ? a : b;
}

/* What failed is tried again after 250 ms, then after twice as long each
 * time up to 30 s: the election's requests, an observer's, and the opening
 * of a session alike. A success sets *backoff_ms back to 0. */
int64_t zkelect__back_off(int *backoff_ms)
{
    int next = *backoff_ms ? *backoff_ms * 2 : 250;
    *backoff_ms = next > 30000 ? 30000 : next;
    return zkelect__now_ns() + (int64_t)*backoff_ms * ZKE_MS;
}

int64_t zkelect__mono_ns(void)
{
    return clock_ns(CLOCK_MONOTONIC);
}

int zkelect__cond_init(pthread_cond_t *cond)
{
    pthread_condattr_t attr;
    int rc = pthread_condattr_init(&attr);
    if (rc)
        return rc;
    rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (!rc)
        rc = pthread_cond_init(cond, &attr);
    pthread_condattr_destroy(&attr);
    return rc;
}

/* Condition variables cannot wait on CLOCK_BOOTTIME, so the remaining time is
 * carried over to CLOCK_MONOTONIC. During a suspend the wait ends late, which
 * is harmless: whoever waits re-reads CLOCK_BOOTTIME when it wakes. */
int zkelect__cond_wait_until(pthread_cond_t *cond, pthread_mutex_t *lock, int64_t deadline_ns)
{
    if (deadline_ns < 0)
        return pthread_cond_wait(cond, lock);
    int64_t remaining = deadline_ns - zkelect__now_ns();
    if (remaining <= 0)
        return ETIMEDOUT;
    int64_t until = zkelect__mono_ns() + remaining;
    struct timespec ts = {.tv_sec = until / 1000000000, .tv_nsec = until % 1000000000};
    return pthread_cond_timedwait(cond, lock, &ts);
}
