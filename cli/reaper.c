/* reaper.c - the whole process tree of what `zkelect run` runs, and nothing
 * of it left behind.
 *
 * The command is not zkelect's child but its grandchild: between them
 * stands a reaper, a forked copy of zkelect that runs no code but this
 * file's. The reaper is a child subreaper (PR_SET_CHILD_SUBREAPER): every
 * process the command starts that loses its parent, double-forked and
 * setsid() daemons included, becomes the reaper's child, never init's. It
 * leaves when the command exits or when zkelect asks, and first kills every
 * descendant it has. If zkelect dies, by SIGKILL too, the kernel tells the
 * reaper (PR_SET_PDEATHSIG) and it does the same: the tree is gone in
 * milliseconds, long before a successor can be elected (T). zkelect is a
 * subreaper too, so that should the reaper itself be killed, what it leaves
 * comes to zkelect, which kills it.
 *
 * The reaper is forked from a process with threads (the library's), so
 * until it exits it may only make async-signal-safe calls: no allocation,
 * no stdio; /proc is read with open, getdents64 and read into fixed
 * buffers. */
#include "cli.h"
#include "child.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* -------------------------------------------- finding one's children */

static bool parse_pid(const char *s, pid_t *pid)
{
    long v = 0;
    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > 100000000)
            return false;
        v = v * 10 + (*s - '0');
    }
    *pid = (pid_t)v;
    return true;
}

/* The parent of pid, from /proc/PID/stat ("pid (comm) state ppid ...",
 * comm may hold spaces and parentheses: the last ')' ends it); -1 if it is
 * gone. */
static pid_t parent_of(pid_t pid)
{
    char path[32] = "/proc/", buf[512];
    char *p = path + 6;
    char digits[12];
    int n = 0;
    for (pid_t v = pid; v > 0 && n < 11; v /= 10)
        digits[n++] = (char)('0' + v % 10);
    while (n > 0)
        *p++ = digits[--n];
    memcpy(p, "/stat", 6);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t len = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (len <= 0)
        return -1;
    buf[len] = '\0';
    char *close_paren = strrchr(buf, ')');
    if (!close_paren || close_paren[1] != ' ' || !close_paren[2] || close_paren[3] != ' ')
        return -1;
    long ppid = 0;
    for (const char *d = close_paren + 4; *d >= '0' && *d <= '9'; d++)
        ppid = ppid * 10 + (*d - '0');
    return (pid_t)ppid;
}

/* SIGKILL every child of this process but the spared ones, and collect
 * them. Their own children are then ours (we are a subreaper), for the
 * next round. Returns how many were killed. */
static int kill_children_once(const pid_t *spared, size_t n_spared)
{
    enum { MAX_KILLED = 1024 };
    pid_t killed[MAX_KILLED];
    size_t n_killed = 0;
    pid_t self = getpid();
    int dir = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return 0;
    char buf[4096];
    ssize_t len;
    while (n_killed < MAX_KILLED && (len = getdents64(dir, buf, sizeof buf)) > 0) {
        for (ssize_t off = 0; off < len && n_killed < MAX_KILLED;) {
            struct dirent64 *d = (struct dirent64 *)(buf + off);
            off += d->d_reclen;
            pid_t pid;
            if (!parse_pid(d->d_name, &pid) || parent_of(pid) != self)
                continue;
            bool spare = false;
            for (size_t i = 0; i < n_spared; i++)
                spare |= spared[i] == pid;
            if (!spare && kill(pid, SIGKILL) == 0)
                killed[n_killed++] = pid;
        }
    }
    close(dir);
    for (size_t i = 0; i < n_killed; i++)
        while (waitpid(killed[i], NULL, 0) < 0 && errno == EINTR)
            continue;
    return (int)n_killed;
}

void cli_kill_children(const pid_t *spared, size_t n_spared)
{
    /* Each round takes one generation: a killed process's children were
     * handed to us before it could be collected. */
    while (kill_children_once(spared, n_spared) > 0)
        continue;
}

/* ------------------------------------------------------------ the reaper */

/* Exec the command (in the reaper's child): it dies with the reaper, and
 * starts with default signal handling and zkelect's original mask. */
static void become_command(const cli_spawn_t *sp, pid_t reaper)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != reaper)
        _exit(CLI_EXIT_FAILURE);
    if (sp->output_fd >= 0) {
        dup2(sp->output_fd, STDOUT_FILENO);
        dup2(sp->output_fd, STDERR_FILENO);
    }
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    for (int sig = 1; sig < NSIG; sig++)
        sigaction(sig, &dfl, NULL);
    sigprocmask(SIG_SETMASK, sp->mask, NULL);
    execve(sp->file, sp->argv, sp->env);
    int err = errno;
    if (write(sp->error_fd, &err, sizeof err) < 0)
        _exit(CLI_EXIT_NO_EXEC);
    _exit(CLI_EXIT_NO_EXEC);
}

static void report(int fd, int value)
{
    while (write(fd, &value, sizeof value) < 0 && errno == EINTR)
        continue;
}

/* Collect whatever has exited; true once the command has, its wait status
 * in *status. */
static bool collect(pid_t command, int *status)
{
    bool gone = false;
    int raw;
    pid_t pid;
    while ((pid = waitpid(-1, &raw, WNOHANG)) > 0) {
        if (pid == command) {
            *status = raw;
            gone = true;
        }
    }
    return gone;
}

void cli_reaper_main(const cli_spawn_t *sp, pid_t zkelect)
{
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    prctl(PR_SET_PDEATHSIG, CLI_SIG_REAPER_KILL);
    if (getppid() != zkelect)
        _exit(CLI_EXIT_FAILURE); /* zkelect died before that: nothing was started */
    setpgid(0, 0);
    /* Everything waits on sigwaitinfo(): the signals zkelect sends its group
     * are for the command, and the reaper has nothing to do with them. */
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    pid_t command = fork();
    if (command == 0)
        become_command(sp, getppid());
    if (command < 0) {
        int err = errno;
        report(sp->error_fd, err);
        _exit(CLI_EXIT_NO_EXEC);
    }
    close(sp->error_fd); /* the command's copy alone tells zkelect of its exec */
    report(sp->status_fd, (int)command);
    int status = SIGKILL; /* killed, unless it exits first */
    bool gone = false;
    while (!gone) {
        siginfo_t si;
        int sig = sigwaitinfo(&all, &si);
        if (sig == SIGCHLD)
            gone = collect(command, &status);
        else if (sig == CLI_SIG_REAPER_KILL)
            break;
    }
    cli_kill_children(NULL, 0);
    if (!gone)
        collect(command, &status);
    report(sp->status_fd, status);
    _exit(0);
}
