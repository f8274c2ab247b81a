/* health.h - the health check of `zkelect run --health-cmd` (health.c). */
#ifndef ZKELECT_CLI_HEALTH_H
#define ZKELECT_CLI_HEALTH_H

#include "cli.h"
#include "child.h"

enum cli_health_verdict { CLI_HEALTH_UNKNOWN, CLI_HEALTH_OK, CLI_HEALTH_FAILED };

typedef struct cli_health {
    const cli_options_t *opt;
    cli_child_t check;          /* the check in flight, if any */
    int64_t next_ns;            /* when the next check starts */
    int64_t check_deadline_ns;  /* when the one in flight has failed */
    bool timed_out;             /* it was killed at its deadline */
    bool failed_at_start;       /* /bin/sh could not be started: judged at the next collect */
    int verdict;                /* enum cli_health_verdict; OK without --health-cmd */
    int failures_in_a_row, passes_in_a_row;
    uint64_t checks, failures;  /* since start, for the metrics */
    int output[2];              /* the check's stdout and stderr: a pipe, read end first */
    char said[160];             /* the first line the check printed */
    size_t said_len;
    bool said_complete;         /* that line has ended */
    char why[256];              /* the last failure, for the log */
} cli_health_t;

void cli_health_init(cli_health_t *h, const cli_options_t *opt);
bool cli_health_enabled(const cli_health_t *h);
/* Start a check if one is due, with these environment additions. */
void cli_health_start(cli_health_t *h, int64_t now, char *const env[], const sigset_t *mask);
/* Collect a finished check, or kill one past its timeout. True when the
 * verdict changed. */
bool cli_health_collect(cli_health_t *h, int64_t now);
/* What the check prints, to be read when it is readable (-1: no check). */
int cli_health_output_fd(const cli_health_t *h);
void cli_health_read_output(cli_health_t *h);
/* When health.c next needs the loop (0: nothing scheduled). */
int64_t cli_health_next_ns(const cli_health_t *h);
/* Kill and collect a check in flight (at exit). */
void cli_health_stop(cli_health_t *h);

#endif
