/* clock.c - the one clock the command schedules by: CLOCK_BOOTTIME, the
 * library's lease clock, so that deadlines it reports compare directly. */
#include "cli.h"

#include <time.h>

int64_t cli_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_BOOTTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
