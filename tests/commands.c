/* commands.c - see commands.h. */
#include "commands.h"
#include "spawn.h"
#include "harness.h"

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

char zkelect_bin[1024];
char bench_bin[1024];
static char work[256];

int commands_init(const char *name)
{
    const char *builddir = getenv("top_builddir");
    snprintf(zkelect_bin, sizeof zkelect_bin, "%s/cli/zkelect", builddir ? builddir : ".");
    snprintf(bench_bin, sizeof bench_bin, "%s/bench/zkelect-bench", builddir ? builddir : ".");
    snprintf(work, sizeof work, "/tmp/zkelect-%s.XXXXXX", name);
    if (access(zkelect_bin, X_OK) != 0 || !mkdtemp(work)) {
        fprintf(stderr, "cannot run %s or create a scratch directory\n", zkelect_bin);
        return -1;
    }
    return 0;
}

int commands_clean(void)
{
    if (getenv("ZKELECT_TEST_KEEP")) {
        printf("\nlogs kept in %s\n", work);
        return 0;
    }
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", work);
    return system(cmd) == 0 ? 0 : -1;
}

const char *scratch_dir(void)
{
    return work;
}

const char *scratch(const char *fmt, ...)
{
    static char paths[64][512];
    static int next;
    char name[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    char *p = paths[next++ % 64];
    snprintf(p, sizeof paths[0], "%s/%s", work, name);
    return p;
}

int wait_exit(pid_t pid, int timeout_ms)
{
    int64_t deadline = mono_ns() + (int64_t)timeout_ms * 1000000;
    do {
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        poll_pause();
    } while (mono_ns() < deadline);
    return -1;
}

void stop(pid_t pid)
{
    if (pid > 0 && kill(pid, SIGTERM) == 0 && wait_exit(pid, 10 * 1000) < 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
}

char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return strdup("");
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, n, mem);
    fclose(f);
    fclose(mem);
    return buf;
}

int count_lines(const char *path, const char *needle)
{
    char *text = slurp(path);
    int n = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        n += strstr(line, needle) != NULL;
    free(text);
    return n;
}

bool wait_lines(const char *path, const char *needle, int at_least, int timeout_ms)
{
    int64_t deadline = mono_ns() + (int64_t)timeout_ms * 1000000;
    do {
        if (count_lines(path, needle) >= at_least)
            return true;
        poll_pause();
    } while (mono_ns() < deadline);
    return false;
}

long stamp_ms(const char *path, const char *needle, int nth)
{
    char *text = slurp(path);
    long ms = -1;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line && ms < 0; line = strtok_r(NULL, "\n", &save)) {
        int h, m, s, milli;
        if (strstr(line, needle) && nth-- == 0 && sscanf(line, "%*10sT%d:%d:%d.%dZ", &h, &m, &s, &milli) == 4)
            ms = ((h * 60L + m) * 60 + s) * 1000 + milli;
    }
    free(text);
    return ms;
}

int capture(char *out, size_t len, const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    size_t n = fread(out, 1, len - 1, p);
    out[n] = '\0';
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

pid_t read_pid(const char *path)
{
    char *text = slurp(path);
    pid_t pid = (pid_t)atoi(text);
    free(text);
    return pid;
}

bool is_dead(pid_t pid)
{
    char path[64], stat[256] = "";
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return true;
    bool read = fgets(stat, sizeof stat, f) != NULL;
    fclose(f);
    /* An orphan is reaped by whatever adopted it, which may take its time,
     * but a zombie runs no more. */
    const char *state = read ? strrchr(stat, ')') : NULL;
    return !read || (state && (state[2] == 'Z' || state[2] == 'X'));
}

bool wait_dead(pid_t pid, int timeout_ms)
{
    int64_t deadline = mono_ns() + (int64_t)timeout_ms * 1000000;
    do {
        if (is_dead(pid))
            return true;
        poll_pause();
    } while (mono_ns() < deadline);
    return false;
}

bool wait_contenders(const char *hosts, const char *path, int n, int timeout_ms)
{
    int64_t deadline = mono_ns() + (int64_t)timeout_ms * 1000000;
    char out[64];
    do {
        if (capture(out, sizeof out, "'%s' status --zk %s --path %s --json | jq '.participants | length'",
                    zkelect_bin, hosts, path) == 0 &&
            atoi(out) == n)
            return true;
        poll_pause();
    } while (mono_ns() < deadline);
    return false;
}

pid_t start_runner(const char *name, const char *id, const char *hosts, const char *path, const char *script,
                   const char *const extra[])
{
    const char *argv[48] = {zkelect_bin, "run", "--zk", hosts, "--path", path, "--id", id, "--session-timeout", "2000"};
    int n = 10;
    for (int i = 0; extra && extra[i] && n < 42; i++)
        argv[n++] = extra[i];
    argv[n++] = "--";
    argv[n++] = "/bin/sh";
    argv[n++] = "-c";
    argv[n++] = script;
    argv[n] = NULL;
    return spawn_to_file(scratch("%s-%s.log", name, id), argv, NULL, 0);
}
