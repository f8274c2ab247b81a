/* spawn.h - the one way the tests start a program: fork, exec, its output
 * where the test says, and dead when the test program dies. */
#ifndef ZKELECT_TEST_SPAWN_H
#define ZKELECT_TEST_SPAWN_H

#include <sys/types.h>

/* How a spawned program is placed. */
enum {
    SPAWN_OWN_GROUP = 1 << 0, /* a process group of its own: a SIGSTOP to it stops nothing else */
    SPAWN_QUIET = 1 << 1,     /* stderr to /dev/null (ZKELECT_TEST_VERBOSE keeps it) */
    SPAWN_SEARCH_PATH = 1 << 2, /* argv[0] is looked up in PATH */
};

/* Start argv (argv[0] a path, or a name with SPAWN_SEARCH_PATH): stdin
 * from /dev/null, stdout and stderr appended to out, env ("NAME=value"
 * entries, NULL-terminated, may be NULL) added to its environment. It is
 * killed (SIGKILL) when the thread that started it ends. The pid, or -1. */
pid_t spawn_to_file(const char *out, const char *const argv[], const char *const env[], int flags);

/* Start argv with pipes for its stdin (*to_child, the write end) and stdout
 * (*from_child, the read end), both close-on-exec in the test program;
 * stderr as the test program's. The pid, or -1 (no pipe left open). */
pid_t spawn_piped(const char *const argv[], int *to_child, int *from_child, int flags);

#endif
