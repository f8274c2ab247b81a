/* run.c - `zkelect run`: keep a command running only while this process
 * leads. One thread decides everything, in one poll loop: the library's
 * callbacks run there (manual dispatch, zkelect_fd()) and signals arrive on
 * a signalfd, so the command's state is never touched from two places.
 *
 * How the command stops depends on why (zkelect(1) has the table):
 * - leadership ended or is in doubt (REVOKED): SIGTERM, SIGKILL after
 *   --grace and never later than the earliest moment a successor can lead;
 * - a planned stop (SIGTERM or SIGINT to run, SIGUSR1, a failed health
 *   check) while this host still leads: SIGTERM, and --stop-timeout to exit,
 *   the node standing meanwhile so that no successor can start; only then
 *   is leadership handed over. Should leadership come into doubt meanwhile,
 *   the first rule takes over at once. */
#include "cli.h"
#include "health.h"
#include "metrics.h"
#include "notify.h"
#include "child.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

/* What the loop keeps of a library event. */
typedef struct run_event {
    int type, reason, error, takeover, ahead;
    int namesakes;            /* PARTICIPANTS: other contenders with this process's id */
    int64_t epoch;
    int64_t successor_not_before_ns;
    char other[ZKELECT_ID_MAX + 1]; /* ELECTED: whom it took over from; PLACE: whom it follows;
                                     * STEP_DOWN: who asks */
    char successor[ZKELECT_ID_MAX + 1]; /* STEP_DOWN: whom to hand over to, "" for the next in line */
} run_event_t;

/* Why the command is being stopped. */
typedef enum stop_why {
    STOP_NONE,      /* it is not: if it exits, it did so by itself */
    STOP_LOST,      /* leadership ended or is in doubt */
    STOP_SHUTDOWN,  /* SIGTERM or SIGINT to run: leave and exit once it is gone */
    STOP_STEP_DOWN, /* SIGUSR1 or a request: hand over once it is gone, and rejoin */
    STOP_UNHEALTHY  /* the health check failed: hand over once it is gone */
} stop_why_t;

typedef struct run_state {
    const cli_options_t *opt;
    zkelect_t *e;
    char id[ZKELECT_ID_MAX + 1]; /* the handle's: --id or the library's default */
    bool closing;              /* zkelect_destroy() is delivering the last events */
    int signal_fd;
    sigset_t original_mask;
    cli_child_t child;
    cli_health_t health;
    cli_notify_t notify;
    zkelect_stats_t stats;    /* the library's, as of the last tick */
    bool leading;
    int64_t epoch;
    bool joined;              /* a JOINED since start */
    bool connected_once;      /* the first connection was seen (and said) */
    int ahead;                /* contenders ahead at the last PLACE, 0 unknown */
    char following[ZKELECT_ID_MAX + 1]; /* whom this standby follows, "" unknown */
    char took_over[ZKELECT_ID_MAX + 96]; /* how the current term came, for the start line */
    bool in_line;             /* standing for election (not left for its health) */
    bool shutting_down;       /* exit once the command is gone */
    stop_why_t stopping_for;
    char step_down_why[2 * (size_t)ZKELECT_ID_MAX + 80]; /* STOP_STEP_DOWN: why, for the hand-over's line */
    int exit_code;
    int fast_exits;           /* the command's quick failures in a row */
    int64_t spawn_not_before; /* backoff after quick failures */
    uint64_t command_starts;
    int64_t connect_deadline_ns;
    int64_t last_connected_ns;  /* the last tick that found the session connected */
    int64_t next_tick_ns;     /* status, watchdog, connection: every second */
    int64_t next_metrics_ns;  /* the metrics file: at each change and every 10 s */
    bool changed;             /* since the metrics file was last written */
    bool exited;              /* the metrics' last word: zkelect_up 0 */
    bool staying_alone;       /* unhealthy, leading on: nobody else in line */
    bool namesakes_checked;   /* the line was looked at for other contenders with our id */
    const char *published;    /* the coarse state last given to zkelect_set_state(), NULL none */
} run_state_t;

/* Fast failures (the command died within this) back the next start off. */
#define QUICK_EXIT_NS ((int64_t)1000000000)
#define NS_PER_MS ((int64_t)1000000)
#define NS_PER_S ((int64_t)1000000000)
#define TICK_NS NS_PER_S
#define METRICS_PERIOD_NS (10 * NS_PER_S)

static void handle_event(run_state_t *r, const run_event_t *ev);

/* Runs in zkelect_dispatch(), called by the loop, or in zkelect_destroy(). */
static void on_event(zkelect_t *e, const zkelect_event_t *ev, void *userdata)
{
    (void)e;
    run_state_t *r = userdata;
    run_event_t out = {.type = ev->type, .reason = ev->reason, .error = ev->error, .takeover = ev->takeover,
                       .ahead = ev->ahead, .epoch = ev->epoch, .successor_not_before_ns = ev->successor_not_before_ns};
    const char *other = ev->type == ZKELECT_EV_ELECTED     ? ev->previous_id
                        : ev->type == ZKELECT_EV_PLACE     ? ev->predecessor_id
                        : ev->type == ZKELECT_EV_STEP_DOWN ? ev->requester_id
                                                           : NULL;
    snprintf(out.other, sizeof out.other, "%s", other ? other : "");
    if (ev->type == ZKELECT_EV_STEP_DOWN && ev->successor_id)
        snprintf(out.successor, sizeof out.successor, "%s", ev->successor_id);
    for (size_t i = 0; ev->type == ZKELECT_EV_PARTICIPANTS && i < ev->participant_count; i++)
        out.namesakes += !ev->participants[i].is_self && strcmp(ev->participants[i].id, r->id) == 0;
    handle_event(r, &out);
}

/* ------------------------------------------------------------ the command */

/* What the command and the health check find in their environment. */
typedef struct run_env {
    char epoch[64], id[ZKELECT_ID_MAX + 32], path[ZKELECT_PATH_MAX + 32], hosts[4096], role[32];
    char *list[6];
} run_env_t;

static char *const *environment(const run_state_t *r, run_env_t *env)
{
    snprintf(env->epoch, sizeof env->epoch, "ZKELECT_EPOCH=%" PRId64, r->leading ? r->epoch : -1);
    snprintf(env->id, sizeof env->id, "ZKELECT_ID=%s", r->id);
    snprintf(env->path, sizeof env->path, "ZKELECT_PATH=%s", r->opt->path);
    snprintf(env->hosts, sizeof env->hosts, "ZKELECT_ZK=%s", r->opt->zk);
    snprintf(env->role, sizeof env->role, "ZKELECT_ROLE=%s", r->leading ? "leader" : "standby");
    char *list[] = {env->epoch, env->id, env->path, env->hosts, env->role, NULL};
    memcpy(env->list, list, sizeof list);
    return env->list;
}

static void start_command(run_state_t *r)
{
    run_env_t env = {0};
    int rc = cli_child_start(&r->child, r->opt->command, environment(r, &env), &r->original_mask);
    if (rc) {
        cli_log(CLI_ERR, "cannot run %s: %s", r->opt->command[0], strerror(rc));
        r->exit_code = CLI_EXIT_NO_EXEC;
        r->shutting_down = true;
        return;
    }
    r->command_starts++;
    r->changed = true;
    cli_log(CLI_NOTICE, "leading (epoch %" PRId64 "%s): started %s, pid %d", r->epoch, r->took_over,
            r->opt->command[0], (int)r->child.command_pid);
}

static void maybe_start_command(run_state_t *r)
{
    if (!r->leading || r->shutting_down || r->child.pid > 0 || cli_now_ns() < r->spawn_not_before)
        return;
    /* The ELECTED may be stale by the time it is read. */
    if (!zkelect_is_leader(r->e))
        return;
    start_command(r);
}

/* Leadership ended or is in doubt: SIGTERM now, SIGKILL at the end of the
 * grace period, but never later than the earliest moment a successor can be
 * elected (less a margin); at once if one may lead already. */
static void stop_for_lost_leadership(run_state_t *r, int64_t successor_not_before_ns, bool successor_may_lead)
{
    if (r->child.pid <= 0)
        return;
    if (r->stopping_for == STOP_NONE)
        r->stopping_for = STOP_LOST;
    int64_t now = cli_now_ns();
    int64_t kill_at = now + (int64_t)(r->opt->grace_s * 1e9);
    if (successor_may_lead) {
        kill_at = now;
    } else if (successor_not_before_ns > 0) {
        int granted = zkelect_session_timeout(r->e);
        int64_t bound = successor_not_before_ns - cli_kill_margin_ns(granted > 0 ? granted : r->opt->session_timeout_ms);
        if (bound < kill_at)
            kill_at = bound;
    }
    if (kill_at <= now) {
        cli_log(CLI_WARNING, "killing pid %d now: a successor may be elected already", (int)r->child.command_pid);
        cli_child_kill(&r->child);
        return;
    }
    cli_log(CLI_NOTICE, "stopping pid %d: SIGTERM, SIGKILL in %.2f s unless it exits", (int)r->child.command_pid,
            (double)(kill_at - now) / 1e9);
    cli_child_terminate(&r->child, kill_at);
}

/* A planned stop while this host still leads: SIGTERM, and --stop-timeout
 * for the command to exit, the node standing all along. */
static void stop_as_planned(run_state_t *r, stop_why_t why)
{
    r->stopping_for = why;
    double timeout = r->opt->stop_timeout_s;
    if (timeout > 0) {
        cli_log(CLI_NOTICE, "stopping pid %d: SIGTERM, SIGKILL in %g s unless it exits; this host leads until then",
                (int)r->child.command_pid, timeout);
        cli_child_terminate(&r->child, cli_now_ns() + (int64_t)(timeout * 1e9));
    } else {
        cli_log(CLI_NOTICE, "stopping pid %d: SIGTERM; this host leads until it exits", (int)r->child.command_pid);
        cli_child_sigterm(&r->child);
    }
}

/* Hand the leadership over: resign (rejoin at the back), or leave the line
 * while the health check fails. */
static void hand_over(run_state_t *r, const char *why)
{
    if (cli_health_enabled(&r->health) && r->health.verdict == CLI_HEALTH_FAILED) {
        cli_log(CLI_NOTICE, "%s: handing over, and out of line until a health check passes", why);
        zkelect_leave(r->e);
        r->in_line = false;
    } else {
        cli_log(CLI_NOTICE, "%s: handing over, and rejoining at the back of the line", why);
        zkelect_resign(r->e);
    }
    r->changed = true;
}

static void exited_by_itself(run_state_t *r, int status, int64_t lived)
{
    if (r->opt->on_exit == CLI_ON_EXIT_EXIT) {
        r->exit_code = status;
        r->shutting_down = true;
        return;
    }
    /* A command that ends within a second, however it ends, is not left
     * to start again at once, here or (after the resign) on the next host:
     * a crash loop would bounce the leadership around the fleet. */
    r->fast_exits = lived < QUICK_EXIT_NS ? r->fast_exits + 1 : 0;
    if (r->fast_exits) {
        int64_t backoff_ms = 100LL << (r->fast_exits < 8 ? r->fast_exits : 8);
        r->spawn_not_before = cli_now_ns() + backoff_ms * NS_PER_MS;
        cli_log(status ? CLI_WARNING : CLI_NOTICE,
                "it ended within a second, %d time(s) in a row: its next start here waits %" PRId64 " ms",
                r->fast_exits, backoff_ms);
    }
    if (r->leading) {
        cli_log(CLI_NOTICE, "resigning: the next in line takes over");
        zkelect_resign(r->e);
    }
}

static void command_exited(run_state_t *r, int status)
{
    stop_why_t why = r->stopping_for;
    r->stopping_for = STOP_NONE;
    r->changed = true;
    int64_t lived = cli_now_ns() - r->child.started_ns;
    char how[64];
    if (status > 128 && status < 128 + NSIG)
        snprintf(how, sizeof how, "was killed by %s", cli_signal_name(status - 128));
    else
        snprintf(how, sizeof how, "exited with status %d", status);
    cli_log(CLI_NOTICE, "%s %s after %.3f s%s", r->opt->command[0], how, (double)lived / 1e9,
            why == STOP_NONE ? ", by itself" : "");
    if (r->shutting_down)
        return;
    if (why == STOP_NONE)
        exited_by_itself(r, status, lived);
    else if (why == STOP_STEP_DOWN)
        hand_over(r, r->step_down_why);
    else if (why == STOP_UNHEALTHY)
        hand_over(r, "stepped down: the health check failed");
}

/* A planned stop, then the hand-over (to the one asked for, if any: the
 * library remembers it for zkelect_resign()). */
static void step_down(run_state_t *r, const char *why)
{
    if (r->shutting_down || r->stopping_for != STOP_NONE)
        return;
    if (!r->leading) {
        cli_log(CLI_NOTICE, "%s: not leading, nothing to hand over", why);
        return;
    }
    snprintf(r->step_down_why, sizeof r->step_down_why, "stepped down: %s", why);
    cli_log(CLI_NOTICE, "%s: stepping down", why);
    if (r->child.pid > 0)
        stop_as_planned(r, STOP_STEP_DOWN);
    else
        hand_over(r, r->step_down_why);
}

/* Asked from elsewhere (zkelect resign, zkelect move, a preemption). */
static void on_step_down_request(run_state_t *r, const run_event_t *ev)
{
    char why[2 * (size_t)ZKELECT_ID_MAX + 64];
    if (ev->reason == ZKELECT_REASON_PREEMPTED)
        snprintf(why, sizeof why, "preempted by %s, of higher priority", ev->other);
    else if (ev->successor[0])
        snprintf(why, sizeof why, "asked by %s to hand over to %s", ev->other, ev->successor);
    else
        snprintf(why, sizeof why, "asked by %s to step down", ev->other);
    step_down(r, why);
}

/* ------------------------------------------------------------- the events */

static void announce_ready(run_state_t *r)
{
    /* Joined the line, or decided not to stand for now: started either way. */
    if (r->connected_once && (r->joined || r->health.verdict == CLI_HEALTH_FAILED))
        cli_notify_ready(&r->notify);
}

/* "after X, who handed over", for the line that starts the command. */
static void describe_takeover(run_state_t *r, const run_event_t *ev)
{
    if (!ev->other[0]) {
        snprintf(r->took_over, sizeof r->took_over, ", first in line");
        return;
    }
    snprintf(r->took_over, sizeof r->took_over, ", after %s, %s", ev->other,
             ev->takeover == ZKELECT_TAKEOVER_HANDOVER ? "who handed over" : "whose session ended or node was deleted");
}

static void handle_event(run_state_t *r, const run_event_t *ev)
{
    switch (ev->type) {
    case ZKELECT_EV_JOINED:
        r->joined = true;
        r->ahead = 0;
        r->following[0] = '\0';
        cli_log(CLI_NOTICE, "in line for %s (epoch it would lead with: %" PRId64 ")", r->opt->path, ev->epoch);
        announce_ready(r);
        /* Ids need not be unique, but two hosts alike make the logs,
         * status and the metrics ambiguous: said once, after a look. */
        if (!r->namesakes_checked && !r->closing)
            r->namesakes_checked = zkelect_participants_async(r->e) == ZKELECT_OK;
        break;
    case ZKELECT_EV_PARTICIPANTS:
        if (ev->namesakes > 0)
            cli_log(CLI_WARNING, "%d other contender(s) in %s have the id %s: give each host an id of its own "
                    "(--id)", ev->namesakes, r->opt->path, r->id);
        break;
    case ZKELECT_EV_PLACE:
        r->ahead = ev->ahead;
        snprintf(r->following, sizeof r->following, "%s", ev->other);
        cli_log(CLI_NOTICE, "standby: %d ahead at the last look, following %s", ev->ahead, ev->other);
        break;
    case ZKELECT_EV_ELECTED:
        r->leading = true;
        r->epoch = ev->epoch;
        describe_takeover(r, ev);
        maybe_start_command(r);
        break;
    case ZKELECT_EV_REVOKED:
        r->leading = false;
        cli_log(CLI_NOTICE, "leadership lost (%s)", zkelect_reason_name(ev->reason));
        stop_for_lost_leadership(r, ev->successor_not_before_ns,
                                 ev->successor_not_before_ns == 0 && ev->reason != ZKELECT_REASON_RESIGNED &&
                                     ev->reason != ZKELECT_REASON_LEFT && ev->reason != ZKELECT_REASON_CLOSED);
        break;
    case ZKELECT_EV_STEP_DOWN:
        on_step_down_request(r, ev);
        break;
    case ZKELECT_EV_STOP_NOW:
        /* The node of the term that ended went early (deleted or written by
         * someone else): the kill cannot wait for the bound REVOKED gave. */
        if (r->child.pid > 0 && !r->leading) {
            cli_log(CLI_WARNING, "our node was %s by someone else: a successor may lead already",
                    ev->reason == ZKELECT_REASON_NODE_CHANGED ? "written" : "deleted");
            stop_for_lost_leadership(r, 0, true);
        }
        break;
    case ZKELECT_EV_ERROR:
        /* The library has logged what failed; a refusal will not go away by
         * itself, so say what to fix and stop. */
        if (ev->error == ZKELECT_EAUTH) {
            cli_explain_refusal(r->opt);
            r->exit_code = CLI_EXIT_FAILURE;
            r->shutting_down = true;
        }
        break;
    default:
        break;
    }
    r->changed = true;
}

/* ------------------------------------------------------------ the signals */

static void on_stop_signal(run_state_t *r, int sig)
{
    if (r->shutting_down && r->child.pid > 0) {
        cli_log(CLI_WARNING, "second %s: killing pid %d now", cli_signal_name(sig), (int)r->child.command_pid);
        cli_child_kill(&r->child);
        return;
    }
    if (r->shutting_down)
        return;
    r->shutting_down = true;
    cli_notify_stopping(&r->notify);
    cli_log(CLI_NOTICE, "%s: stopping, then leaving the election", cli_signal_name(sig));
    if (r->child.pid > 0)
        stop_as_planned(r, STOP_SHUTDOWN);
}

static void on_step_down_signal(run_state_t *r)
{
    step_down(r, "SIGUSR1");
}

static void read_signals(run_state_t *r)
{
    struct signalfd_siginfo si;
    while (read(r->signal_fd, &si, sizeof si) == (ssize_t)sizeof si) {
        int sig = (int)si.ssi_signo;
        if (sig == SIGCHLD)
            continue; /* reaped below, whatever woke us */
        if (sig == SIGTERM || sig == SIGINT)
            on_stop_signal(r, sig);
        else if (sig == SIGUSR1)
            on_step_down_signal(r);
        else
            cli_child_signal(&r->child, sig);
        r->changed = true;
    }
}

/* ------------------------------------------------------------ the health */

/* Another host stands in line (it passed its own checks to be there). Asks
 * ZooKeeper, at most the query timeout; on no answer, assume one does. */
static bool another_host_in_line(run_state_t *r)
{
    zkelect_participant_t *list = NULL;
    size_t n = 0;
    int rc = zkelect_participants(r->e, &list, &n);
    zkelect_participants_free(list, n);
    return rc != ZKELECT_OK || n > 1;
}

/* --unhealthy-leader stay-if-alone: an unhealthy leader leads on while it is
 * the only host in line. True while it does so. */
static bool stays_alone(run_state_t *r)
{
    if (!r->opt->stay_if_alone || !r->leading || another_host_in_line(r)) {
        if (r->staying_alone)
            cli_log(CLI_NOTICE, "another host stands in line now: stepping down after all");
        r->staying_alone = false;
        return false;
    }
    if (!r->staying_alone)
        cli_log(CLI_WARNING, "unhealthy, but no other host stands in line: leading on (--unhealthy-leader "
                "stay-if-alone), and stepping down as soon as one does");
    r->staying_alone = true;
    return true;
}

static void on_health_verdict(run_state_t *r)
{
    r->changed = true;
    if (r->shutting_down)
        return;
    if (r->health.verdict == CLI_HEALTH_FAILED && stays_alone(r))
        return;
    r->staying_alone = false;
    if (r->health.verdict == CLI_HEALTH_OK) {
        if (!r->in_line) {
            cli_log(CLI_NOTICE, "health check passed: standing for election");
            zkelect_rejoin(r->e);
            r->in_line = true;
        }
        return;
    }
    if (r->health.verdict != CLI_HEALTH_FAILED)
        return;
    if (r->child.pid > 0 && r->stopping_for == STOP_NONE) {
        cli_log(CLI_WARNING, "health check failed %d times in a row: stepping down", r->health.failures_in_a_row);
        stop_as_planned(r, STOP_UNHEALTHY);
    } else if (r->leading && r->child.pid <= 0) {
        hand_over(r, "the health check failed");
    } else if (r->in_line && !r->leading) {
        cli_log(CLI_WARNING, "health check failed %d times in a row: out of line until %d pass(es) in a row",
                r->health.failures_in_a_row, r->opt->health_rise);
        zkelect_leave(r->e);
        r->in_line = false;
    }
    announce_ready(r);
}

static void tend_health(run_state_t *r, int64_t now)
{
    uint64_t checks = r->health.checks;
    bool changed = cli_health_collect(&r->health, now);
    /* A leader staying alone looks again at each check that fails. */
    if (changed || (r->staying_alone && r->health.checks != checks))
        on_health_verdict(r);
    if (!r->shutting_down) {
        run_env_t env = {0};
        cli_health_start(&r->health, now, environment(r, &env), &r->original_mask);
    }
}

/* ------------------------------------------------- status, watchdog, metrics */

static void describe(const run_state_t *r, char *buf, size_t len)
{
    const zkelect_stats_t *st = &r->stats;
    if (r->shutting_down || r->stopping_for >= STOP_SHUTDOWN) {
        const char *what = r->stopping_for == STOP_STEP_DOWN   ? "stepping down"
                           : r->stopping_for == STOP_UNHEALTHY ? "stepping down (health check failed)"
                                                               : "stopping";
        if (r->child.pid > 0)
            snprintf(buf, len, "%s: waiting for pid %d to exit", what, (int)r->child.command_pid);
        else
            snprintf(buf, len, "%s", what);
    } else if (!r->connected_once) {
        snprintf(buf, len, "connecting to ZooKeeper");
    } else if (r->leading && !st->connected) {
        snprintf(buf, len, "leading, epoch %" PRId64 ", disconnected, lease ends in %.1f s", r->epoch,
                 st->lease_remaining_ns > 0 ? (double)st->lease_remaining_ns / 1e9 : 0.0);
    } else if (r->leading) {
        snprintf(buf, len, "leading, epoch %" PRId64 "%s", r->epoch, r->child.pid > 0 ? "" : ", command not running");
    } else if (cli_health_enabled(&r->health) && r->health.verdict == CLI_HEALTH_UNKNOWN) {
        snprintf(buf, len, "checking health before standing for election");
    } else if (!r->in_line) {
        snprintf(buf, len, "unhealthy (%s): not standing for election", r->health.why);
    } else if (!st->connected) {
        snprintf(buf, len, "standby, disconnected");
    } else if (r->following[0]) {
        /* Known at the last look only: the line moves up unseen (one
         * notification per change is the rule), so it says whom it follows. */
        snprintf(buf, len, "standby, following %s (%d ahead at the last look)", r->following, r->ahead);
    } else if (st->ahead >= 0) {
        snprintf(buf, len, "standby, %d ahead at the last look", st->ahead);
    } else {
        snprintf(buf, len, "standby, joining the line");
    }
}

/* What `zkelect status` shows beside this host: the coarse state, which
 * changes only when the host's role does (one write to ZooKeeper each). */
static const char *coarse_state(const run_state_t *r)
{
    if (r->shutting_down || r->stopping_for >= STOP_SHUTDOWN)
        return r->stopping_for == STOP_STEP_DOWN || r->stopping_for == STOP_UNHEALTHY ? "stepping down" : "stopping";
    if (r->leading)
        return r->staying_alone ? "leading, unhealthy (alone in line)" : "leading";
    if (cli_health_enabled(&r->health) && r->health.verdict == CLI_HEALTH_UNKNOWN)
        return "checking health";
    if (!r->in_line)
        return "unhealthy";
    return "standby";
}

static void publish_state(run_state_t *r)
{
    const char *now = coarse_state(r);
    if (!r->connected_once || now == r->published || r->opt->format != ZKELECT_FORMAT_NATIVE)
        return;
    r->published = now;
    char since[32], text[ZKELECT_ID_MAX + 1];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%SZ", &tm);
    int n = snprintf(text, sizeof text, "%s since %s", now, since);
    /* The check's words, when they are text the library takes: UTF-8,
     * control characters made spaces. */
    if (strcmp(now, "unhealthy") == 0 && r->health.why[0]) {
        char why[180];
        size_t len = strnlen(r->health.why, sizeof why - 1);
        memcpy(why, r->health.why, len);
        why[len] = '\0';
        for (char *c = why; *c; c++)
            if ((unsigned char)*c < 0x20 || *c == 0x7f)
                *c = ' ';
        while (len > 0 && !cli_is_text(why, len)) /* a character cut at the end */
            why[--len] = '\0';
        snprintf(text + n, sizeof text - (size_t)n, ": %s", why);
    }
    int rc = zkelect_set_state(r->e, text);
    if (rc)
        cli_log(CLI_WARNING, "cannot publish the state \"%s\": %s", text, zkelect_strerror(rc));
}

/* The session counts as healthy while connected, or disconnected for less
 * than its timeout (across a new session too): past that, systemd's
 * watchdog may restart run. */
static bool session_healthy(const run_state_t *r, int64_t now)
{
    int t_ms = r->stats.session_timeout_ms > 0 ? r->stats.session_timeout_ms : r->opt->session_timeout_ms;
    return r->stats.connected || !r->connected_once || now - r->last_connected_ns < (int64_t)t_ms * NS_PER_MS;
}

static void write_metrics(run_state_t *r)
{
    cli_metrics_t m = {.path = r->opt->path, .id = r->id, .stats = r->stats, .up = !r->exited,
                       .healthy = r->health.verdict != CLI_HEALTH_FAILED, .health_state = r->health.verdict,
                       .command_running = r->child.pid > 0,
                       .command_starts = r->command_starts, .health_failures = r->health.failures};
    int err = cli_metrics_write(r->opt->metrics_file, &m);
    if (err)
        cli_log(CLI_WARNING, "cannot write --metrics-file %s: %s", r->opt->metrics_file, strerror(err));
}

static void first_connection(run_state_t *r)
{
    r->connected_once = true;
    int granted = r->stats.session_timeout_ms;
    cli_log(CLI_NOTICE, "connected to %s, session timeout %d ms%s", r->opt->zk, granted,
            granted != r->opt->session_timeout_ms ? " (granted by the server instead of the one asked for)" : "");
    if (r->opt->grace_s * 1000 > cli_max_grace_ms(granted))
        cli_log(CLI_WARNING,
                "--grace %g s is more than 0.4 x the %d ms session timeout the server granted: a command that does "
                "not stop by itself is killed %.2f s after SIGTERM",
                r->opt->grace_s, granted, cli_max_grace_ms(granted) / 1000.0);
    announce_ready(r);
}

static void tick(run_state_t *r, int64_t now)
{
    int ahead_before = r->stats.ahead;
    r->stats = (zkelect_stats_t){.size = sizeof r->stats};
    zkelect_stats(r->e, &r->stats);
    if (r->stats.connected)
        r->last_connected_ns = now;
    r->changed |= r->stats.ahead != ahead_before; /* the metrics say the place as soon as it is known */
    if (now >= r->next_tick_ns || r->changed) {
        r->next_tick_ns = now + TICK_NS;
        if (!r->connected_once && r->stats.connected)
            first_connection(r);
        char status[ZKELECT_ID_MAX + 256];
        describe(r, status, sizeof status);
        cli_notify_status(&r->notify, status);
        publish_state(r);
    }
    if (!r->connected_once && now >= r->connect_deadline_ns && !r->shutting_down) {
        cli_no_session(r->opt);
        r->exit_code = CLI_EXIT_NO_ZK;
        r->shutting_down = true;
    }
    cli_notify_watchdog(&r->notify, now, session_healthy(r, now));
    if (r->opt->metrics_file && (r->changed || now >= r->next_metrics_ns)) {
        write_metrics(r);
        r->next_metrics_ns = now + METRICS_PERIOD_NS;
    }
    r->changed = false;
}

/* ------------------------------------------------------------- the loop */

static int64_t earliest(int64_t a, int64_t b)
{
    return a <= 0 ? b : b <= 0 ? a : a < b ? a : b;
}

static int poll_timeout_ms(const run_state_t *r)
{
    int64_t next = 0;
    if (r->child.pid > 0 && r->child.kill_at_ns && !r->child.killed)
        next = r->child.kill_at_ns;
    else if (r->child.pid <= 0 && r->leading && !r->shutting_down && r->spawn_not_before)
        next = r->spawn_not_before;
    next = earliest(next, cli_health_next_ns(&r->health));
    next = earliest(next, cli_notify_next_ns(&r->notify));
    if (!r->connected_once)
        next = earliest(next, r->connect_deadline_ns);
    if (cli_notify_enabled(&r->notify) || r->opt->metrics_file || !r->connected_once)
        next = earliest(next, r->next_tick_ns);
    if (next == 0)
        return -1;
    int64_t wait = next - cli_now_ns();
    return wait <= 0 ? 0 : wait > 60 * NS_PER_S ? 60000 : (int)((wait + NS_PER_MS - 1) / NS_PER_MS);
}

static void loop(run_state_t *r)
{
    int events_fd = -1;
    zkelect_fd(r->e, &events_fd);
    struct pollfd fds[3] = {{.fd = r->signal_fd, .events = POLLIN}, {.fd = events_fd, .events = POLLIN}};
    while (!(r->shutting_down && r->child.pid <= 0)) {
        /* A check's output is read as it comes, so that it never blocks. */
        fds[2] = (struct pollfd){.fd = cli_health_output_fd(&r->health), .events = POLLIN};
        if (poll(fds, 3, poll_timeout_ms(r)) < 0 && errno != EINTR) {
            cli_log(CLI_ERR, "poll: %s", strerror(errno));
            cli_child_kill(&r->child);
            r->shutting_down = true;
        }
        read_signals(r);
        if (fds[1].revents & POLLIN)
            zkelect_dispatch(r->e, NULL);
        cli_health_read_output(&r->health);
        int status;
        if (cli_child_reap(&r->child, &status))
            command_exited(r, status);
        int64_t now = cli_now_ns();
        if (r->child.pid > 0 && r->child.kill_at_ns && now >= r->child.kill_at_ns && !r->child.killed) {
            cli_log(CLI_WARNING, "pid %d still running at the end of its time to stop: SIGKILL", (int)r->child.command_pid);
            cli_child_kill(&r->child);
        }
        tend_health(r, now);
        maybe_start_command(r);
        tick(r, now);
    }
}

static int setup(run_state_t *r)
{
    sigset_t handled;
    sigemptyset(&handled);
    int signals[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
        sigaddset(&handled, signals[i]);
    /* Blocked before the library starts its threads (which leave signals to
     * ours anyway): every one lands on the signalfd. */
    pthread_sigmask(SIG_BLOCK, &handled, &r->original_mask);
    r->signal_fd = signalfd(-1, &handled, SFD_NONBLOCK | SFD_CLOEXEC);
    if (r->signal_fd < 0) {
        cli_log(CLI_ERR, "cannot set up: %s", strerror(errno));
        return CLI_EXIT_FAILURE;
    }
    cli_notify_init(&r->notify);
    cli_health_init(&r->health, r->opt);
    return CLI_EXIT_OK;
}

static void teardown(run_state_t *r)
{
    cli_health_stop(&r->health);
    if (r->opt->metrics_file) {
        /* The last word: down, not leading, nothing running. An alert on a
         * lost connection leaves out what is down on purpose. */
        r->exited = true;
        r->stats.leading = r->stats.connected = 0;
        r->stats.epoch = -1;
        r->stats.lease_remaining_ns = -1;
        r->stats.ahead = -1;
        write_metrics(r);
    }
    cli_notify_close(&r->notify);
    if (r->signal_fd >= 0)
        close(r->signal_fd);
}

int cli_run(const cli_options_t *opt)
{
    run_state_t r = {.opt = opt, .epoch = -1, .signal_fd = -1, .in_line = true};
    /* What a killed reaper leaves of the command's tree comes to us. */
    cli_child_adopt_orphans();
    if (opt->check)
        return cli_check(opt);
    int err = cli_child_check(opt->command[0]);
    if (err) {
        cli_log(CLI_ERR, "cannot run %s: %s", opt->command[0], strerror(err));
        return CLI_EXIT_NO_EXEC;
    }
    int rc = setup(&r);
    bool closed = true;
    if (rc == CLI_EXIT_OK)
        rc = cli_start(opt, false, true, on_event, &r, &r.e, r.id);
    if (rc == CLI_EXIT_OK) {
        /* With a health check, this host stands only once a check passes. */
        if (cli_health_enabled(&r.health)) {
            zkelect_leave(r.e);
            r.in_line = false;
        }
        r.connect_deadline_ns = cli_now_ns() + (int64_t)(opt->connect_timeout_s * 1e9);
        r.next_tick_ns = cli_now_ns();
        cli_log(CLI_INFO, "joining %s", opt->path);
        loop(&r);
        /* The command is gone: leave, handing the node over at once. */
        r.stats = (zkelect_stats_t){.size = sizeof r.stats};
        zkelect_stats(r.e, &r.stats);
        /* What is still queued is delivered here, REVOKED(closed) last:
         * said, but nothing more asked of the handle that is going. */
        r.closing = true;
        closed = cli_destroy_bounded(r.e);
        r.e = NULL;
        rc = r.exit_code;
        cli_log(CLI_INFO, "left the election; exit status %d", rc);
    }
    teardown(&r);
    if (!closed)
        cli_exit_now(rc);
    return rc;
}
