/* clock.c - the one clock the command schedules by: CLOCK_BOOTTIME, the
 * library's lease clock, so that deadlines it reports compare directly; and
 * the deadlines of its waits on condition variables, on their own clock. */
#include "cli.h"

#include <time.h>

struct timespec cli_deadline_after(clockid_t clock, double seconds)
{
    struct timespec t;
    clock_gettime(clock, &t);
    long long ns = t.tv_nsec + (long long)(seconds * 1e9);
    t.tv_sec += (time_t)(ns / 1000000000LL);
    t.tv_nsec = (long)(ns % 1000000000LL);
    return t;
}

int64_t cli_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_BOOTTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
