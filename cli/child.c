/* child.c - starting, signalling and collecting what `run` runs (the
 * command, a health check), each under a reaper of its own (reaper.c), in
 * the reaper's process group: signals for it go to the group, and the
 * reaper sees that nothing it started outlives it, nor zkelect. */
#include "cli.h"
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static char **environment_with(char *const extra[])
{
    size_t n = 0, k = 0;
    while (environ[n])
        n++;
    while (extra[k])
        k++;
    char **env = calloc(n + k + 1, sizeof *env);
    if (!env)
        return NULL;
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        /* Ours win over inherited ones of the same name. */
        bool replaced = false;
        for (size_t j = 0; j < k && !replaced; j++) {
            size_t name_len = strcspn(extra[j], "=") + 1;
            replaced = strncmp(environ[i], extra[j], name_len) == 0;
        }
        if (!replaced)
            env[out++] = environ[i];
    }
    for (size_t j = 0; j < k; j++)
        env[out++] = extra[j];
    return env;
}

/* 0 if path is a regular file this process may execute, else an errno
 * value: what exec would say, known before joining. */
static int runnable(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return errno;
    if (S_ISDIR(st.st_mode))
        return EISDIR;
    if (!S_ISREG(st.st_mode))
        return EACCES;
    return access(path, X_OK) == 0 ? 0 : errno;
}

/* The program's full path, looked up in the parent: between fork() and
 * exec() only async-signal-safe calls are allowed, and a PATH search with
 * its string building is not one of them. NULL with errno if it cannot be
 * run. */
static char *resolve(const char *name)
{
    if (strchr(name, '/')) {
        int err = runnable(name);
        errno = err;
        return err ? NULL : strdup(name);
    }
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    for (const char *dir = path; dir; dir = strchr(dir, ':') ? strchr(dir, ':') + 1 : NULL) {
        size_t len = strcspn(dir, ":");
        char *candidate;
        if (asprintf(&candidate, "%.*s/%s", (int)len, len ? dir : ".", name) < 0)
            return NULL;
        if (runnable(candidate) == 0)
            return candidate;
        free(candidate);
    }
    errno = ENOENT;
    return NULL;
}

int cli_child_check(const char *name)
{
    errno = 0;
    char *file = resolve(name);
    int err = file ? 0 : errno ? errno : ENOMEM;
    free(file);
    return err;
}

/* The reapers alive (the command's and a health check's): what zkelect
 * itself kills when a reaper was killed must spare them. */
static pid_t reapers[4];

static void remember_reaper(pid_t pid, pid_t old)
{
    for (size_t i = 0; i < sizeof reapers / sizeof reapers[0]; i++) {
        if (reapers[i] == old) {
            reapers[i] = pid;
            return;
        }
    }
}

void cli_child_adopt_orphans(void)
{
    prctl(PR_SET_CHILD_SUBREAPER, 1);
}

/* The child reports a failed exec through a close-on-exec pipe: EOF means
 * the exec happened. */
static int exec_error(int error_fd)
{
    int err = 0;
    ssize_t n;
    while ((n = read(error_fd, &err, sizeof err)) < 0 && errno == EINTR)
        continue;
    return n == (ssize_t)sizeof err ? err : 0;
}

static bool read_int(int fd, int *value)
{
    ssize_t n;
    while ((n = read(fd, value, sizeof *value)) < 0 && errno == EINTR)
        continue;
    return n == (ssize_t)sizeof *value;
}

int cli_child_start(cli_child_t *c, char *const argv[], char *const extra_env[], const sigset_t *mask)
{
    return cli_child_start_to(c, argv, extra_env, mask, -1);
}

int cli_child_start_to(cli_child_t *c, char *const argv[], char *const extra_env[], const sigset_t *mask,
                       int output_fd)
{
    char *file = resolve(argv[0]);
    if (!file)
        return errno ? errno : ENOMEM;
    char **env = environment_with(extra_env);
    int error_pipe[2] = {-1, -1}, status_pipe[2] = {-1, -1};
    if (!env || pipe2(error_pipe, O_CLOEXEC) < 0 || pipe2(status_pipe, O_CLOEXEC) < 0) {
        int err = env ? errno : ENOMEM;
        for (int i = 0; i < 2; i++)
            if (error_pipe[i] >= 0)
                close(error_pipe[i]);
        free(env);
        free(file);
        return err;
    }
    cli_spawn_t sp = {.file = file, .argv = argv, .env = env, .mask = mask, .error_fd = error_pipe[1],
                      .status_fd = status_pipe[1], .output_fd = output_fd};
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0)
        cli_reaper_main(&sp, parent);
    int err = pid < 0 ? errno : 0;
    close(error_pipe[1]);
    close(status_pipe[1]);
    int command = 0;
    if (pid > 0)
        err = exec_error(error_pipe[0]);
    if (pid > 0 && !err && !read_int(status_pipe[0], &command))
        err = ECHILD;
    close(error_pipe[0]);
    free(env);
    free(file);
    if (pid > 0 && err)
        waitpid(pid, NULL, 0);
    if (err) {
        close(status_pipe[0]);
        return err;
    }
    remember_reaper(pid, 0);
    *c = (cli_child_t){.pid = pid, .command_pid = command, .status_fd = status_pipe[0], .started_ns = cli_now_ns()};
    return 0;
}

void cli_child_signal(const cli_child_t *c, int sig)
{
    if (c->pid > 0)
        kill(-c->pid, sig);
}

void cli_child_sigterm(cli_child_t *c)
{
    if (c->pid <= 0 || c->terminating)
        return;
    c->terminating = true;
    cli_child_signal(c, SIGTERM);
    /* A stopped child would never see the SIGTERM. */
    cli_child_signal(c, SIGCONT);
}

void cli_child_terminate(cli_child_t *c, int64_t kill_at_ns)
{
    if (c->pid <= 0)
        return;
    cli_child_sigterm(c);
    if (c->kill_at_ns == 0 || kill_at_ns < c->kill_at_ns)
        c->kill_at_ns = kill_at_ns;
}

void cli_child_kill(cli_child_t *c)
{
    if (c->pid <= 0 || c->killed)
        return;
    c->killed = true;
    c->terminating = true;
    kill(c->pid, CLI_SIG_REAPER_KILL);
    kill(c->pid, SIGCONT); /* a stopped reaper could not do it */
}

/* The reaper is gone: the command's status, as it reported it; if it was
 * killed before it could (by someone else), what it left behind came to
 * zkelect, which kills it. */
static int finish(cli_child_t *c, int reaper_status)
{
    int raw = 0;
    bool reported = read_int(c->status_fd, &raw);
    close(c->status_fd);
    remember_reaper(0, c->pid);
    if (!reported) {
        raw = reaper_status;
        cli_kill_children(reapers, sizeof reapers / sizeof reapers[0]);
    }
    c->pid = 0;
    return WIFEXITED(raw) ? WEXITSTATUS(raw) : WIFSIGNALED(raw) ? 128 + WTERMSIG(raw) : 1;
}

void cli_child_wait(cli_child_t *c)
{
    if (c->pid <= 0)
        return;
    int raw = 0;
    while (waitpid(c->pid, &raw, 0) < 0 && errno == EINTR)
        continue;
    (void)finish(c, raw);
}

bool cli_child_reap(cli_child_t *c, int *status)
{
    if (c->pid <= 0)
        return false;
    int raw;
    pid_t got = waitpid(c->pid, &raw, WNOHANG);
    if (got != c->pid)
        return false;
    *status = finish(c, raw);
    return true;
}
