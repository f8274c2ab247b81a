/* cli.h - the zkelect command: what its parts share. The command uses only
 * the public header: it is the library's first customer. */
#ifndef ZKELECT_CLI_H
#define ZKELECT_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <zkelect.h>

/* Exit codes, documented in zkelect(1). `run --on-exit exit` exits with the
 * command's own status instead. */
enum cli_exit {
    CLI_EXIT_OK = 0,
    CLI_EXIT_FAILURE = 1,  /* a runtime error (ZooKeeper refused, out of memory, ...) */
    CLI_EXIT_USAGE = 2,    /* bad command line */
    CLI_EXIT_NO_ZK = 3,    /* no session within --connect-timeout */
    CLI_EXIT_NO_LEADER = 4, /* status, resign, move: nobody leads */
    CLI_EXIT_NO_PATH = 5,  /* status, resign, move: the election path does not exist */
    CLI_EXIT_NO_EXEC = 127 /* run: the command could not be started */
};

enum cli_policy_choice { CLI_POLICY_STRICT, CLI_POLICY_LEASE };
enum cli_on_exit { CLI_ON_EXIT_RESIGN, CLI_ON_EXIT_EXIT };

typedef struct cli_options {
    const char *zk;
    const char *path;
    const char *id;
    const char *data;
    const char *acl; /* --acl, or NULL: the library's default */
    int session_timeout_ms;
    double grace_s;
    bool grace_given;
    int policy;
    int priority;    /* run: --priority */
    double preempt_delay_s; /* run: --preempt-delay (0: never preempt) */
    const char *to;  /* move: --to, the contender to hand over to */
    const char *leader; /* resign: --id, the participant expected to lead, or NULL */
    double wait_s;   /* resign, move: how long to wait for the new term (0: do not) */
    int format;      /* ZKELECT_FORMAT_* */
    int on_exit;
    double stop_timeout_s; /* run: a planned stop waits this long for the command (0: for ever) */
    const char *health_cmd; /* run: NULL, or the check to run with /bin/sh -c */
    double health_interval_s;
    double health_timeout_s;
    int health_failures;   /* failed checks in a row that make run stop standing */
    int health_rise;       /* passed checks in a row that make it stand again */
    bool stay_if_alone;    /* --unhealthy-leader stay-if-alone */
    bool check;            /* --check: say what is found, do not join */
    bool health_given;     /* one of the --health-* settings was given */
    const char *metrics_file; /* run: the Prometheus text file, or NULL */
    double connect_timeout_s;
    bool json;
    long count;      /* watch: stop after this many lines (0: never) */
    int verbosity;   /* -v count */
    char **command;  /* run: what follows "--" */
    char auth[1024]; /* --auth-file's first line, "SCHEME:CREDENTIAL", or "" */
    /* TLS or SASL to ZooKeeper (secure.c) */
    const char *tls_ca, *tls_cert, *tls_key;
    char tls_key_password[256]; /* --tls-key-password-file's first line, or "" */
    const char *sasl_mechanism, *sasl_user, *sasl_password_file, *sasl_service, *sasl_host;
} cli_options_t;

/* secure.c: --tls-* and --sasl-* (flag without its dashes): taken into
 * opt, or CLI_EXIT_USAGE with why; checked together, and with the library
 * (a client without TLS or SASL is a usage error); given to a handle. */
int cli_take_secure(const char *sub, const char *flag, const char *arg, cli_options_t *opt, char *why, size_t len);
int cli_check_secure(const cli_options_t *opt, char *why, size_t len);
int cli_apply_secure(zkelect_t *e, const cli_options_t *opt);

/* vetting.c: the first line of a secret's file (--flag PATH) into into,
 * warning if others may read it; 0 or errno. */
int cli_read_secret(const char *sub, const char *flag, const char *path, char *into, size_t size);
/* A setting asked of the library on a handle never started, so that a
 * mistake is a usage error with the library's reason: its return code, and
 * in why (CLI_LIBRARY_SAYS_MAX bytes are enough) its last error line
 * without the function's name (or the code's text). */
enum { CLI_LIBRARY_SAYS_MAX = 512 };
int cli_ask_library(int (*setting)(zkelect_t *e, const void *arg), const void *arg, char *why, size_t len);

/* options.c: parse argv for one subcommand (argv[0] is the subcommand).
 * Returns CLI_EXIT_OK, or CLI_EXIT_USAGE after printing why; *done is set
 * when --help was answered. */
int cli_parse(const char *subcommand, int argc, char **argv, cli_options_t *opt, bool *done);
void cli_usage(const char *subcommand, bool to_stdout);

/* output.c: log lines have syslog's priorities; notice and more severe
 * always show, info with -v, debug with -vv. */
enum cli_priority { CLI_ERR = 3, CLI_WARNING = 4, CLI_NOTICE = 5, CLI_INFO = 6, CLI_DEBUG = 7 };
/* Also decides the format: timestamped lines, or "<N>" prefixes when stderr is the journal. */
void cli_set_verbosity(int verbosity);
void cli_log(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The library's log function: routes its messages through cli_log. */
void cli_library_log(zkelect_t *e, int level, const char *message, void *userdata);
/* The ZooKeeper client's own lines only with -v (status and watch, which
 * are not daemons); and the last of its errors, or "". */
void cli_quiet_zookeeper(void);
void cli_last_zookeeper_error(char *buf, size_t len);
/* "2026-11-26T23:59:01.123Z" (UTC), into buf of at least 32 bytes. */
void cli_timestamp(char *buf, size_t len);
/* Print s (len bytes) as a JSON string: "..." with escapes, or null. */
void cli_json_string(const char *s, size_t len);
/* "SIGKILL", or "signal N". */
const char *cli_signal_name(int sig);
/* True if the bytes are valid UTF-8 with no NUL. */
bool cli_is_text(const void *data, size_t len);

/* connect.c: a handle configured from the options (observer or
 * participant) and started; cli_connect() also waits for a session, at most
 * --connect-timeout. They return an exit code; on success *out is the handle.
 * manual: callbacks run in zkelect_dispatch() (the caller's loop watches
 * zkelect_fd()), not on the library's thread. id (NULL: not wanted) gets
 * the handle's id before it starts: --id, or the library's default. */
int cli_start(const cli_options_t *opt, bool observer, bool manual, zkelect_callback_fn cb, void *userdata,
              zkelect_t **out, char id[ZKELECT_ID_MAX + 1]);
int cli_connect(const cli_options_t *opt, bool observer, zkelect_callback_fn cb, void *userdata, zkelect_t **out);
/* The message for no session within --connect-timeout (exit 3). */
void cli_no_session(const cli_options_t *opt);
/* One line on what to fix when ZooKeeper refused access: the credentials
 * (--auth-file) or the ACL. */
void cli_explain_refusal(const cli_options_t *opt);

/* closing.c: a command's handle destroyed, waiting at most 5 s (the
 * ZooKeeper client's TLS handshake has no deadline). cli_destroy_bounded()
 * is true once destroyed, false when it gave up (said in the log): the
 * caller then ends the process with cli_exit_now(), which skips the exit
 * handlers. cli_close() is the two: it returns status, or exits with it. */
bool cli_destroy_bounded(zkelect_t *e);
_Noreturn void cli_exit_now(int status);
int cli_close(zkelect_t *e, int status);

/* clock.c */
int64_t cli_now_ns(void); /* CLOCK_BOOTTIME, the library's lease clock */
/* seconds from now on clock: the deadline of a pthread_cond_timedwait() on
 * a condition variable of that clock */
struct timespec cli_deadline_after(clockid_t clock, double seconds);

/* The subcommands. */
int cli_run(const cli_options_t *opt);
int cli_status(const cli_options_t *opt);
int cli_watch(const cli_options_t *opt);
int cli_lockdown(const cli_options_t *opt);
int cli_resign(const cli_options_t *opt);
int cli_move(const cli_options_t *opt);
/* run --check */
int cli_check(const cli_options_t *opt);

#endif
