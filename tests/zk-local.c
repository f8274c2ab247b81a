/* zk-local - a throwaway standalone ZooKeeper on 127.0.0.1, for the demo,
 * the event-loop example's test and the benchmark: the tests' own launcher
 * (zkserver.c), with a server that outlives the command.
 *
 *   zk-local start DIR   start it with its data in DIR; prints "127.0.0.1:PORT"
 *   zk-local stop DIR    stop it (by the PID recorded in DIR) and remove DIR
 *
 * tickTime 200 ms. ZK_MAX_SESSION_TIMEOUT (ms, default 4000 = 20 ticks)
 * raises the longest session the server grants; ZK_JAVA_OPTS replaces the
 * JVM flags (the benchmarks set it empty, for the JVM's defaults). */
#include "zkserver.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(void)
{
    fprintf(stderr, "usage: zk-local start|stop DIR\n");
    return 2;
}

static int start(const char *dir)
{
    const char *max = getenv("ZK_MAX_SESSION_TIMEOUT");
    int max_session_ms = max ? atoi(max) : 4000;
    if (max_session_ms < 400) {
        fprintf(stderr, "zk-local: ZK_MAX_SESSION_TIMEOUT must be at least 400 ms\n");
        return 2;
    }
    zk_server_t s;
    if (zk_server_start_detached(&s, dir, 200, max_session_ms) != 0) {
        fprintf(stderr, "zk-local: no ZooKeeper serving in %s (see %s/server.log)\n", dir, dir);
        return 1;
    }
    char pid_file[300];
    snprintf(pid_file, sizeof pid_file, "%s/zookeeper.pid", dir);
    FILE *f = fopen(pid_file, "w");
    if (!f || fprintf(f, "%ld\n", (long)s.pid) < 0 || fclose(f) != 0) {
        fprintf(stderr, "zk-local: could not write %s: %s\n", pid_file, strerror(errno));
        zk_server_kill(&s);
        return 1;
    }
    printf("%s\n", s.hosts);
    return 0;
}

static int stop(const char *dir)
{
    char pid_file[300];
    snprintf(pid_file, sizeof pid_file, "%s/zookeeper.pid", dir);
    FILE *f = fopen(pid_file, "r");
    long pid = 0;
    if (f) {
        if (fscanf(f, "%ld", &pid) != 1)
            pid = 0;
        fclose(f);
    }
    if (pid > 0 && kill((pid_t)pid, SIGKILL) == 0) {
        /* Not our child: wait until it is gone, so that its port and files are free. */
        WAIT_FOR(kill((pid_t)pid, 0) != 0, 10 * SEC);
    }
    zk_server_t s = {.pid = 0};
    snprintf(s.dir, sizeof s.dir, "%s", dir);
    zk_server_stop(&s); /* removes the directory */
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3 || !argv[2][0])
        return usage();
    if (strcmp(argv[1], "start") == 0)
        return start(argv[2]);
    if (strcmp(argv[1], "stop") == 0)
        return stop(argv[2]);
    return usage();
}
