/* child.h - the child process that `zkelect run` keeps alive only while
 * it leads, and the bound on how long it may outlive its leadership. */
#ifndef ZKELECT_CLI_CHILD_H
#define ZKELECT_CLI_CHILD_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * The timing rule. Leadership is a lease D = a + f*T (zkelect.h); the server
 * cannot elect a successor before a + T. `run` uses f = 0.5, so a lease that
 * runs out leaves (1 - f) * T = 0.5 T before a successor is possible, and it
 * keeps T / 10 of that as a margin for the kill to take effect and for clock
 * rate differences. Hence SIGTERM when leadership ends (or is in doubt) and
 * SIGKILL no later than a + T - T/10: a grace period of at most 0.4 T is
 * always honoured; a longer one is refused.
 */
#define CLI_LEASE_FRACTION 0.5
#define CLI_DEFAULT_GRACE_S 3.0
/* A planned stop (SIGTERM or SIGUSR1 to run, a failed health check) while
 * the session is alive: the node stands until the command is gone, so no
 * successor can be elected meanwhile and nothing bounds the wait but this,
 * systemd's DefaultTimeoutStopSec. */
#define CLI_DEFAULT_STOP_TIMEOUT_S 90.0
static inline int cli_max_grace_ms(int session_timeout_ms)
{
    return session_timeout_ms * 2 / 5;
}
static inline int64_t cli_kill_margin_ns(int session_timeout_ms)
{
    return (int64_t)session_timeout_ms * 100000; /* T / 10, in ns */
}

/* What `run` runs (the command, a health check) is started by a reaper
 * (reaper.c): a process of its own between zkelect and the command, in
 * whose process group the command runs. Signals for the command go to the
 * group; the reaper ignores them. This one asks the reaper to kill every
 * descendant and exit; the kernel sends it too when zkelect dies. */
#define CLI_SIG_REAPER_KILL (SIGRTMIN + 1)

typedef struct cli_child {
    pid_t pid;          /* the reaper (and the process group); 0: no child */
    pid_t command_pid;  /* the command itself, for the logs */
    int status_fd;      /* the reaper reports the command's pid, then its wait status */
    int64_t started_ns;
    int64_t kill_at_ns; /* SIGKILL due then; 0: none scheduled */
    bool terminating;   /* SIGTERM sent */
    bool killed;        /* SIGKILL sent */
} cli_child_t;

/* What the reaper needs to start the command: prepared before the fork, as
 * the reaper may not allocate. */
typedef struct cli_spawn {
    const char *file;   /* resolved in PATH */
    char *const *argv;
    char *const *env;
    const sigset_t *mask;
    int error_fd;       /* close-on-exec: the exec's errno, or EOF once it happened */
    int status_fd;      /* the command's pid, then its wait status */
    int output_fd;      /* the command's stdout and stderr, or -1: zkelect's */
} cli_spawn_t;

/* reaper.c: the reaper's life, in the child of fork() (it never returns). */
void cli_reaper_main(const cli_spawn_t *sp, pid_t zkelect);
/* SIGKILL every descendant of this process (which must be a child
 * subreaper) but the spared children and theirs, and collect them.
 * Async-signal-safe. */
void cli_kill_children(const pid_t *spared, size_t n_spared);

/* Start argv[0] (searched in PATH) under a reaper, in the reaper's process
 * group, with the given environment additions ("NAME=value",
 * NULL-terminated) and the signal mask the zkelect process started with.
 * Returns 0 or an errno value (the exec's own error, e.g. ENOENT, is
 * reported here too). */
int cli_child_start(cli_child_t *c, char *const argv[], char *const extra_env[], const sigset_t *mask);
/* The same with the command's stdout and stderr going to output_fd. */
int cli_child_start_to(cli_child_t *c, char *const argv[], char *const extra_env[], const sigset_t *mask,
                       int output_fd);
/* 0 if name can be run (found in PATH, executable), else an errno value:
 * checked before joining, so that a typo does not take the leadership. */
int cli_child_check(const char *name);
/* SIGTERM the child's group (once) and make sure SIGKILL follows by
 * kill_at_ns at the latest. */
void cli_child_terminate(cli_child_t *c, int64_t kill_at_ns);
/* SIGTERM the child's group (once), and nothing after: a planned stop
 * with no time limit. */
void cli_child_sigterm(cli_child_t *c);
/* Have the reaper kill the command and every process it started, now. */
void cli_child_kill(cli_child_t *c);
/* Forward a signal to the command's group. */
void cli_child_signal(const cli_child_t *c, int sig);
/* Collect the child if it has exited: true and the command's status (exit
 * code, or 128 + signal number). Nothing it started is left running: the
 * reaper saw to it, or, if the reaper was killed, zkelect does. */
bool cli_child_reap(cli_child_t *c, int *status);
/* Wait for the child to exit (after a kill), and collect it. */
void cli_child_wait(cli_child_t *c);
/* Make zkelect a child subreaper: what a killed reaper leaves comes to it. */
void cli_child_adopt_orphans(void);

#endif
