/* child.c - starting, signalling and collecting the command `run` supervises.
 * The child gets its own process group, so that a shell script's own
 * children are stopped with it: "never two copies" covers the whole group;
 * and it is killed if zkelect itself dies. */
#include "cli.h"
#include "supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/prctl.h>
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

/* The program's full path, looked up in the parent: between fork() and
 * exec() only async-signal-safe calls are allowed, and a PATH search with
 * its string building is not one of them. */
static char *resolve(const char *name)
{
    if (strchr(name, '/'))
        return strdup(name);
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    for (const char *dir = path; dir; dir = strchr(dir, ':') ? strchr(dir, ':') + 1 : NULL) {
        size_t len = strcspn(dir, ":");
        char *candidate;
        if (asprintf(&candidate, "%.*s/%s", (int)len, len ? dir : ".", name) < 0)
            return NULL;
        if (access(candidate, X_OK) == 0)
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

/* In the child, before exec: async-signal-safe calls only. */
static void become_command(const char *file, char *const argv[], char *const env[], const sigset_t *mask,
                           pid_t parent, int error_fd)
{
    /* If zkelect dies, even by SIGKILL, its command must not run on
     * unsupervised: the next leader's copy would overlap with it. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(CLI_EXIT_FAILURE);
    setpgid(0, 0);
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    for (int sig = 1; sig < NSIG; sig++)
        sigaction(sig, &dfl, NULL);
    sigprocmask(SIG_SETMASK, mask, NULL);
    execve(file, argv, env);
    int err = errno;
    if (write(error_fd, &err, sizeof err) < 0)
        _exit(CLI_EXIT_NO_EXEC);
    _exit(CLI_EXIT_NO_EXEC);
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

int cli_child_start(cli_child_t *c, char *const argv[], char *const extra_env[], const sigset_t *mask)
{
    char *file = resolve(argv[0]);
    if (!file)
        return errno ? errno : ENOMEM;
    char **env = environment_with(extra_env);
    int error_pipe[2];
    if (!env || pipe2(error_pipe, O_CLOEXEC) < 0) {
        int err = env ? errno : ENOMEM;
        free(env);
        free(file);
        return err;
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0)
        become_command(file, argv, env, mask, parent, error_pipe[1]);
    int err = pid < 0 ? errno : 0;
    close(error_pipe[1]);
    if (pid > 0)
        err = exec_error(error_pipe[0]);
    close(error_pipe[0]);
    free(env);
    free(file);
    if (pid > 0 && err)
        waitpid(pid, NULL, 0);
    if (err)
        return err;
    *c = (cli_child_t){.pid = pid, .started_ns = cli_now_ns()};
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
    cli_child_signal(c, SIGKILL);
}

void cli_child_wait(cli_child_t *c)
{
    if (c->pid <= 0)
        return;
    while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
        continue;
    kill(-c->pid, SIGKILL);
    c->pid = 0;
}

bool cli_child_reap(cli_child_t *c, int *status)
{
    if (c->pid <= 0)
        return false;
    int raw;
    pid_t got = waitpid(c->pid, &raw, WNOHANG);
    if (got != c->pid)
        return false;
    /* The group outlives its leader if the command left children behind:
     * they must not run on after leadership is gone. */
    kill(-c->pid, SIGKILL);
    *status = WIFEXITED(raw) ? WEXITSTATUS(raw) : WIFSIGNALED(raw) ? 128 + WTERMSIG(raw) : 1;
    c->pid = 0;
    return true;
}
