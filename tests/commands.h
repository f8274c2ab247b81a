/* commands.h - programs the tests run as a user runs them: the zkelect and
 * zkelect-bench binaries and shell commands, each in its own process, its
 * output in a scratch directory, and waits on what they write, with
 * deadlines. */
#ifndef ZKELECT_TEST_COMMANDS_H
#define ZKELECT_TEST_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "spawn.h"

/* The binaries under test, from $top_builddir. */
extern char zkelect_bin[1024];
extern char bench_bin[1024];

/* Find the binaries and make a scratch directory /tmp/zkelect-NAME.XXXXXX.
 * 0 on success. commands_clean() removes it (ZKELECT_TEST_KEEP keeps it). */
int commands_init(const char *name);
int commands_clean(void);
/* The scratch directory, and a path in it (one of 64 rotating buffers). */
const char *scratch_dir(void);
const char *scratch(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The exit status (or 128 + signal), or -1 if still running at the deadline. */
int wait_exit(pid_t pid, int timeout_ms);
/* SIGTERM, and SIGKILL if it is still there 10 s later. */
void stop(pid_t pid);

/* A file's contents (free it), "" if there is none. */
char *slurp(const char *path);
/* Lines of path that contain needle. */
int count_lines(const char *path, const char *needle);
bool wait_lines(const char *path, const char *needle, int at_least, int timeout_ms);
/* Milliseconds since midnight UTC of the nth (0-based) log line of zkelect
 * containing needle ("2026-11-26T23:59:01.123Z ..."), or -1. */
long stamp_ms(const char *path, const char *needle, int nth);
/* Run a shell command line, capturing stdout; returns the exit status. */
int capture(char *out, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The pid written in a file. */
pid_t read_pid(const char *path);
/* Gone, or a zombie: it runs no more. */
bool is_dead(pid_t pid);
bool wait_dead(pid_t pid, int timeout_ms);

/* Poll `zkelect status --json` until the election has this many contenders. */
bool wait_contenders(const char *hosts, const char *path, int n, int timeout_ms);
/* `zkelect run --zk hosts --path path --id id --session-timeout 2000 [extra]
 * -- /bin/sh -c script`, its output in NAME-ID.log. */
pid_t start_runner(const char *name, const char *id, const char *hosts, const char *path, const char *script,
                   const char *const extra[]);

#endif
