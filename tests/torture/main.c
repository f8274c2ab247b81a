/* main.c - zkelect-torture's roles (see torture.h), and the two helpers
 * every role uses. */
#include "torture.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

int64_t torture_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

void torture_record(int fd, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (n > (int)sizeof line - 2)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    /* One write, O_APPEND: lines of one file never interleave, and a
     * process killed a moment later has lost nothing it wrote. */
    if (write(fd, line, (size_t)n) < 0)
        return;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: zkelect-torture run [--seconds S] [--seed N] [--members 3|5] [--session-timeout MS]\n"
                 "                           [--dir DIR] [--svg FILE] [--weakened] [--priorities]\n"
                 "       zkelect-torture check DIR [--session-timeout MS]\n"
                 "(participant, writer and store are started by run)\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } roles[] = {{"run", torture_run},       {"participant", torture_participant}, {"writer", torture_writer},
                 {"store", torture_store},   {"check", torture_check_main}};
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (strcmp(argv[1], roles[i].name) == 0)
            return roles[i].fn(argc - 1, argv + 1);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    usage(stderr);
    return 2;
}
