/* crash.c - crash failover: P runner processes (this program in runner
 * mode, one participant each, own process group), the leader's process
 * SIGKILLed; latency from the kill to another process's ELECTED. Bounded
 * below by the session timeout: the server must expire the dead session. */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROCESSES 3

typedef struct proc {
    pid_t pid;
    int out;        /* its stdout */
    int in;         /* its stdin, kept open: EOF would mean quit */
    char buf[4096];
    size_t used;
    int64_t elected_ns; /* its last ELECTED, 0 if none */
    bool ready;
} proc_t;

static int spawn(proc_t *p, const bench_options_t *opt, const char *self)
{
    int out[2], in[2];
    /* Close-on-exec: a later runner must not inherit this one's stdin, or
     * closing it would never reach this one as EOF. */
    if (pipe2(out, O_CLOEXEC) < 0 || pipe2(in, O_CLOEXEC) < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[1]);
        close(out[0]);
        char session[16];
        snprintf(session, sizeof session, "%d", opt->session_ms);
        execl(self, self, "--runner-mode", "--zk", opt->zk, "--path", opt->path, "--participants", "1",
              "--session-timeout", session, (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    *p = (proc_t){.pid = pid, .out = out[0], .in = in[1]};
    return pid > 0 ? 0 : -1;
}

/* Read what is there and act on whole lines. */
static void drain(proc_t *p)
{
    ssize_t n = read(p->out, p->buf + p->used, sizeof p->buf - 1 - p->used);
    if (n <= 0)
        return;
    p->used += (size_t)n;
    p->buf[p->used] = '\0';
    char *line = p->buf, *nl;
    while ((nl = strchr(line, '\n'))) {
        *nl = '\0';
        long long t;
        if (strncmp(line, "READY", 5) == 0)
            p->ready = true;
        else if (sscanf(line, "ELECTED %*d %lld", &t) == 1)
            p->elected_ns = t;
        else if (strncmp(line, "ERROR", 5) == 0)
            fprintf(stderr, "zkelect-bench: runner %d: %s\n", (int)p->pid, line);
        line = nl + 1;
    }
    p->used = strlen(line);
    memmove(p->buf, line, p->used + 1);
}

/* Poll all the processes until done(procs) or the deadline. */
static bool wait_for(proc_t *procs, bool (*done)(proc_t *, void *), void *arg, int timeout_ms)
{
    int64_t deadline = bench_now_ns() + (int64_t)timeout_ms * 1000000;
    while (!done(procs, arg)) {
        int64_t left = (deadline - bench_now_ns()) / 1000000;
        if (left <= 0)
            return false;
        struct pollfd fds[PROCESSES];
        for (int i = 0; i < PROCESSES; i++)
            fds[i] = (struct pollfd){.fd = procs[i].pid > 0 ? procs[i].out : -1, .events = POLLIN};
        if (poll(fds, PROCESSES, (int)left) < 0 && errno != EINTR)
            return false;
        for (int i = 0; i < PROCESSES; i++)
            if (fds[i].revents & POLLIN)
                drain(&procs[i]);
    }
    return true;
}

static bool is_ready(proc_t *procs, void *arg)
{
    return procs[*(int *)arg].ready;
}

typedef struct after {
    int64_t since;
    int killed;
    int who;
} after_t;

static bool elected_after(proc_t *procs, void *arg)
{
    after_t *a = arg;
    for (int i = 0; i < PROCESSES; i++) {
        if (i != a->killed && procs[i].pid > 0 && procs[i].elected_ns > a->since) {
            a->who = i;
            return true;
        }
    }
    return false;
}

static void stop(proc_t *p, int sig)
{
    if (p->pid <= 0)
        return;
    if (sig)
        kill(-p->pid, sig);
    close(p->in); /* EOF: the runner closes its sessions and exits */
    waitpid(p->pid, NULL, 0);
    close(p->out);
    p->pid = 0;
}

static int start(proc_t *procs, int i, const bench_options_t *opt, const char *self)
{
    if (spawn(&procs[i], opt, self) != 0 || !wait_for(procs, is_ready, &i, 30000)) {
        fprintf(stderr, "zkelect-bench: runner process %d did not get ready\n", i);
        return -1;
    }
    return 0;
}

int bench_crash(const bench_options_t *opt, const char *self)
{
    proc_t procs[PROCESSES] = {0};
    double *latencies = calloc((size_t)opt->failovers, sizeof *latencies);
    int status = 1;
    for (int i = 0; i < PROCESSES; i++)
        if (start(procs, i, opt, self) != 0)
            goto out;
    for (int k = 0; k < opt->failovers; k++) {
        after_t any = {.since = 0, .killed = -1};
        if (!wait_for(procs, elected_after, &any, 30000))
            goto out;
        /* The latest ELECTED is the leader. */
        int leader = any.who;
        for (int i = 0; i < PROCESSES; i++)
            if (procs[i].pid > 0 && procs[i].elected_ns > procs[leader].elected_ns)
                leader = i;
        struct timespec settle = {0, 300 * 1000 * 1000};
        nanosleep(&settle, NULL);
        after_t next = {.since = bench_now_ns(), .killed = leader};
        stop(&procs[leader], SIGKILL);
        if (!wait_for(procs, elected_after, &next, opt->session_ms * 5 + 10000)) {
            fprintf(stderr, "zkelect-bench: no successor after the crash\n");
            goto out;
        }
        latencies[k] = (double)(procs[next.who].elected_ns - next.since) / 1e6;
        bench_progress(opt, "crash %d of %d: successor after %.1f ms", k + 1, opt->failovers, latencies[k]);
        if (start(procs, leader, opt, self) != 0)
            goto out;
    }
    bench_stats_t s = bench_stats(latencies, opt->failovers);
    if (opt->json)
        printf("{\"implementation\":\"zkelect\",\"mode\":\"crash\",\"processes\":%d,\"failovers\":%d,"
               "\"session_timeout_ms\":%d,\"failover_ms\":{\"min\":%.1f,\"p50\":%.1f,\"p90\":%.1f,\"p99\":%.1f,"
               "\"max\":%.1f,\"mean\":%.1f}}\n",
               PROCESSES, opt->failovers, opt->session_ms, s.min, s.p50, s.p90, s.p99, s.max, s.mean);
    else
        printf("zkelect, crash (SIGKILL of the leader's process), %d processes, session timeout %d ms\n"
               "  failover (ms)    min %.1f  p50 %.1f  p90 %.1f  p99 %.1f  max %.1f\n",
               PROCESSES, opt->session_ms, s.min, s.p50, s.p90, s.p99, s.max);
    status = 0;
out:
    for (int i = 0; i < PROCESSES; i++)
        stop(&procs[i], 0);
    free(latencies);
    return status;
}
