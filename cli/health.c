/* health.c - `zkelect run --health-cmd`: the check that decides whether this
 * host stands for election. It runs with /bin/sh -c, as keepalived's and
 * Docker's checks do, one at a time, every --health-interval, in its own
 * process group, killed at --health-timeout; ZKELECT_ROLE tells it whether
 * this host leads (check the command itself) or stands by (check what the
 * command would need). The verdict: healthy after a check passes, unhealthy
 * after --health-failures failures in a row, unknown until one of those. */
#include "cli.h"
#include "health.h"

#include <stdio.h>
#include <string.h>

#define NS_PER_S 1000000000LL

void cli_health_init(cli_health_t *h, const cli_options_t *opt)
{
    /* The first check is due at once: a host stands only once one passes. */
    *h = (cli_health_t){.opt = opt, .verdict = opt->health_cmd ? CLI_HEALTH_UNKNOWN : CLI_HEALTH_OK, .next_ns = 1};
}

bool cli_health_enabled(const cli_health_t *h)
{
    return h->opt->health_cmd != NULL;
}

void cli_health_start(cli_health_t *h, int64_t now, char *const env[], const sigset_t *mask)
{
    if (!cli_health_enabled(h) || h->check.pid > 0 || now < h->next_ns)
        return;
    char *argv[] = {"/bin/sh", "-c", (char *)h->opt->health_cmd, NULL};
    h->next_ns = now + (int64_t)(h->opt->health_interval_s * NS_PER_S);
    int rc = cli_child_start(&h->check, argv, env, mask);
    if (rc) {
        snprintf(h->why, sizeof h->why, "cannot run /bin/sh: %s", strerror(rc));
        h->check.pid = 0;
        h->failed_at_start = true;
        return;
    }
    h->check_deadline_ns = now + (int64_t)(h->opt->health_timeout_s * NS_PER_S);
}

/* One result: passed, or failed for the reason in h->why. */
static bool judge(cli_health_t *h, bool passed)
{
    int before = h->verdict;
    h->checks++;
    if (passed) {
        h->failures_in_a_row = 0;
        h->verdict = CLI_HEALTH_OK;
    } else {
        h->failures++;
        h->failures_in_a_row++;
        if (h->failures_in_a_row >= h->opt->health_failures)
            h->verdict = CLI_HEALTH_FAILED;
        cli_log(CLI_WARNING, "health check failed (%s), %d in a row of %d", h->why, h->failures_in_a_row,
                h->opt->health_failures);
    }
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
    int status;
    if (cli_child_reap(&h->check, &status)) {
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
}
