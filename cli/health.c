/* health.c - `zkelect run --health-cmd`: the check that decides whether this
 * host stands for election. It runs with /bin/sh -c, as keepalived's and
 * Docker's checks do, one at a time, every --health-interval, under a
 * reaper of its own, killed at --health-timeout; ZKELECT_ROLE tells it
 * whether this host leads (check the command itself) or stands by (check
 * what the command would need). The verdict: healthy after --health-rise
 * passes in a row, unhealthy after --health-failures failures in a row,
 * unknown until one of those. What the check prints goes to a pipe: its
 * first line is said with the failure, as the reason the check gives. */
#include "cli.h"
#include "health.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define NS_PER_S 1000000000LL

void cli_health_init(cli_health_t *h, const cli_options_t *opt)
{
    /* The first check is due at once: a host stands only once checks pass. */
    *h = (cli_health_t){.opt = opt, .verdict = opt->health_cmd ? CLI_HEALTH_UNKNOWN : CLI_HEALTH_OK, .next_ns = 1,
                        .output = {-1, -1}};
}

bool cli_health_enabled(const cli_health_t *h)
{
    return h->opt->health_cmd != NULL;
}

static void close_output(cli_health_t *h)
{
    for (int i = 0; i < 2; i++) {
        if (h->output[i] >= 0)
            close(h->output[i]);
        h->output[i] = -1;
    }
}

void cli_health_start(cli_health_t *h, int64_t now, char *const env[], const sigset_t *mask)
{
    if (!cli_health_enabled(h) || h->check.pid > 0 || now < h->next_ns)
        return;
    char *argv[] = {"/bin/sh", "-c", (char *)h->opt->health_cmd, NULL};
    h->next_ns = now + (int64_t)(h->opt->health_interval_s * NS_PER_S);
    h->said[0] = '\0';
    h->said_len = 0;
    int rc = pipe2(h->output, O_CLOEXEC | O_NONBLOCK) == 0 ? 0 : errno;
    if (!rc)
        rc = cli_child_start_to(&h->check, argv, env, mask, h->output[1]);
    if (h->output[1] >= 0) {
        close(h->output[1]); /* the check's copy is the one that counts */
        h->output[1] = -1;
    }
    if (rc) {
        snprintf(h->why, sizeof h->why, "cannot run /bin/sh: %s", strerror(rc));
        close_output(h);
        h->check.pid = 0;
        h->failed_at_start = true;
        return;
    }
    h->check_deadline_ns = now + (int64_t)(h->opt->health_timeout_s * NS_PER_S);
}

int cli_health_output_fd(const cli_health_t *h)
{
    return h->output[0];
}

void cli_health_read_output(cli_health_t *h)
{
    char buf[4096];
    ssize_t n;
    while (h->output[0] >= 0 && (n = read(h->output[0], buf, sizeof buf)) > 0) {
        /* The first line is kept; the rest is read only to keep the pipe
         * from filling up and blocking the check. */
        for (ssize_t i = 0; i < n && h->said_len + 1 < sizeof h->said && !h->said_complete; i++) {
            if (buf[i] == '\n')
                h->said_complete = true;
            else
                h->said[h->said_len++] = buf[i];
        }
        h->said[h->said_len] = '\0';
    }
}

/* One result: passed, or failed for the reason in h->why. Said once per
 * change: the first failure of a run of them, the verdict when it changes. */
static bool judge(cli_health_t *h, bool passed)
{
    int before = h->verdict;
    h->checks++;
    if (passed) {
        h->passes_in_a_row++;
        if (h->failures_in_a_row > 0)
            cli_log(CLI_INFO, "health check passed after %d failure(s)", h->failures_in_a_row);
        h->failures_in_a_row = 0;
        if (h->passes_in_a_row >= h->opt->health_rise)
            h->verdict = CLI_HEALTH_OK;
    } else {
        h->failures++;
        h->failures_in_a_row++;
        h->passes_in_a_row = 0;
        if (h->failures_in_a_row >= h->opt->health_failures)
            h->verdict = CLI_HEALTH_FAILED;
        if (h->said[0])
            snprintf(h->why + strlen(h->why), sizeof h->why - strlen(h->why), ": %s", h->said);
        cli_log(h->failures_in_a_row == 1 ? CLI_WARNING : CLI_INFO, "health check failed (%s), %d in a row of %d",
                h->why, h->failures_in_a_row, h->opt->health_failures);
    }
    if (h->verdict != before && h->verdict == CLI_HEALTH_OK && before == CLI_HEALTH_FAILED)
        cli_log(CLI_NOTICE, "healthy again: %d check(s) passed in a row", h->passes_in_a_row);
    return h->verdict != before;
}

bool cli_health_collect(cli_health_t *h, int64_t now)
{
    if (h->failed_at_start) {
        h->failed_at_start = false;
        return judge(h, false);
    }
    if (h->check.pid <= 0)
        return false;
    cli_health_read_output(h);
    int status;
    if (cli_child_reap(&h->check, &status)) {
        cli_health_read_output(h);
        close_output(h);
        h->said_complete = false;
        if (h->timed_out)
            snprintf(h->why, sizeof h->why, "no result within %g s", h->opt->health_timeout_s);
        else
            snprintf(h->why, sizeof h->why, "exit status %d", status);
        bool passed = status == 0 && !h->timed_out;
        h->timed_out = false;
        return judge(h, passed);
    }
    if (now >= h->check_deadline_ns && !h->timed_out) {
        /* Collected, as a failure, once the kill has taken effect. */
        h->timed_out = true;
        cli_child_kill(&h->check);
    }
    return false;
}

int64_t cli_health_next_ns(const cli_health_t *h)
{
    if (!cli_health_enabled(h))
        return 0;
    if (h->check.pid > 0)
        return h->timed_out ? 0 : h->check_deadline_ns;
    return h->next_ns;
}

void cli_health_stop(cli_health_t *h)
{
    cli_child_kill(&h->check);
    cli_child_wait(&h->check);
    close_output(h);
}
