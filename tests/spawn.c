/* spawn.c - see spawn.h. */
#include "spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

/* In the child: what every spawned program gets, then the program. */
static void become(const char *const argv[], int flags)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (flags & SPAWN_OWN_GROUP)
        setpgid(0, 0);
    if ((flags & SPAWN_QUIET) && !getenv("ZKELECT_TEST_VERBOSE")) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, 2);
    }
    if (flags & SPAWN_SEARCH_PATH)
        execvp(argv[0], (char *const *)argv);
    else
        execv(argv[0], (char *const *)argv);
    _exit(127);
}

pid_t spawn_to_file(const char *out, const char *const argv[], const char *const env[], int flags)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    int fd = open(out, O_WRONLY | O_CREAT | O_APPEND, 0644);
    int null = open("/dev/null", O_RDONLY);
    if (fd < 0 || null < 0)
        _exit(126);
    dup2(null, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    for (int i = 0; env && env[i]; i++)
        putenv((char *)env[i]);
    become(argv, flags);
    return -1; /* not reached */
}

pid_t spawn_piped(const char *const argv[], int *to_child, int *from_child, int flags)
{
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0)
        return -1;
    if (pipe2(out, O_CLOEXEC) != 0) {
        close(in[0]), close(in[1]);
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        become(argv, flags);
    }
    close(in[0]);
    close(out[1]);
    if (pid < 0) {
        close(in[1]), close(out[0]);
        return -1;
    }
    *to_child = in[1];
    *from_child = out[0];
    return pid;
}
