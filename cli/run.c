/* run.c - `zkelect run`: keep a command running only while this process
 * leads. One thread decides everything: the library's callback only passes
 * events down a pipe, and signals arrive on a signalfd, so the child's
 * state is never touched from two places. */
#include "cli.h"
#include "supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

/* What the callback passes to the main loop: small enough for one atomic
 * pipe write. */
typedef struct run_event {
    int type, reason, error;
    int64_t epoch;
    int64_t successor_not_before_ns;
} run_event_t;

typedef struct run_state {
    const cli_options_t *opt;
    zkelect_t *e;
    int event_pipe[2];
    int signal_fd;
    sigset_t original_mask;
    cli_child_t child;
    bool leading;
    int64_t epoch;
    bool stopping;
    int exit_code;
    int fast_exits;          /* the command's quick failures in a row */
    int64_t spawn_not_before; /* backoff after quick failures */
} run_state_t;

/* Fast failures (the command died within this) back the next start off. */
#define QUICK_EXIT_NS ((int64_t)1000000000)
#define NS_PER_MS ((int64_t)1000000)

static void on_event(zkelect_t *e, const zkelect_event_t *ev, void *userdata)
{
    (void)e;
    run_state_t *r = userdata;
    run_event_t out = {ev->type, ev->reason, ev->error, ev->epoch, ev->successor_not_before_ns};
    /* The loop reads as fast as it can; a full pipe only slows delivery. */
    while (write(r->event_pipe[1], &out, sizeof out) < 0 && errno == EINTR)
        continue;
}

/* ------------------------------------------------------------ the command */

static void start_command(run_state_t *r)
{
    char epoch[64], id[ZKELECT_ID_MAX + 32], path[ZKELECT_PATH_MAX + 32], hosts[4096];
    snprintf(epoch, sizeof epoch, "ZKELECT_EPOCH=%" PRId64, r->epoch);
    snprintf(id, sizeof id, "ZKELECT_ID=%s", r->opt->id);
    snprintf(path, sizeof path, "ZKELECT_PATH=%s", r->opt->path);
    snprintf(hosts, sizeof hosts, "ZKELECT_ZK=%s", r->opt->zk);
    char *env[] = {epoch, id, path, hosts, NULL};
    int rc = cli_child_start(&r->child, r->opt->command, env, &r->original_mask);
    if (rc) {
        cli_log(0, "cannot run %s: %s", r->opt->command[0], strerror(rc));
        r->exit_code = CLI_EXIT_NO_EXEC;
        r->stopping = true;
        return;
    }
    cli_log(0, "leading (epoch %" PRId64 "): started %s, pid %d", r->epoch, r->opt->command[0], (int)r->child.pid);
}

static void maybe_start_command(run_state_t *r)
{
    if (!r->leading || r->stopping || r->child.pid > 0 || cli_now_ns() < r->spawn_not_before)
        return;
    /* The ELECTED may be stale by the time it is read. */
    if (!zkelect_is_leader(r->e))
        return;
    start_command(r);
}

/* SIGTERM now, SIGKILL at the end of the grace period, but never later than
 * the earliest moment a successor can be elected (less a margin). */
static void stop_command(run_state_t *r, int64_t successor_not_before_ns, bool successor_may_lead)
{
    if (r->child.pid <= 0)
        return;
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
        cli_log(0, "killing pid %d now: a successor may be elected already", (int)r->child.pid);
        cli_child_kill(&r->child);
        return;
    }
    if (!r->child.terminating)
        cli_log(0, "stopping pid %d: SIGTERM, SIGKILL in %.2f s unless it exits", (int)r->child.pid,
                (double)(kill_at - now) / 1e9);
    cli_child_terminate(&r->child, kill_at);
}

static void command_exited(run_state_t *r, int status)
{
    bool asked = r->child.terminating;
    int64_t lived = cli_now_ns() - r->child.started_ns;
    cli_log(0, "%s exited with status %d%s", r->opt->command[0], status, asked ? "" : " by itself");
    if (asked || r->stopping)
        return;
    if (r->opt->on_exit == CLI_ON_EXIT_EXIT) {
        r->exit_code = status;
        r->stopping = true;
        return;
    }
    r->fast_exits = lived < QUICK_EXIT_NS ? r->fast_exits + 1 : 0;
    if (r->fast_exits) {
        int64_t backoff_ms = 100LL << (r->fast_exits < 8 ? r->fast_exits : 8);
        r->spawn_not_before = cli_now_ns() + backoff_ms * NS_PER_MS;
        cli_log(0, "it failed quickly %d time(s) in a row: next start no sooner than in %" PRId64 " ms",
                r->fast_exits, backoff_ms);
    }
    if (r->leading) {
        cli_log(0, "resigning: the next in line takes over");
        zkelect_resign(r->e);
    }
}

/* ------------------------------------------------------------- the events */

static void handle_event(run_state_t *r, const run_event_t *ev)
{
    switch (ev->type) {
    case ZKELECT_EV_JOINED:
        cli_log(1, "in line for %s", r->opt->path);
        break;
    case ZKELECT_EV_ELECTED:
        r->leading = true;
        r->epoch = ev->epoch;
        maybe_start_command(r);
        break;
    case ZKELECT_EV_REVOKED:
        r->leading = false;
        cli_log(0, "leadership lost (%s)", zkelect_reason_name(ev->reason));
        stop_command(r, ev->successor_not_before_ns,
                     ev->successor_not_before_ns == 0 && ev->reason != ZKELECT_REASON_RESIGNED &&
                         ev->reason != ZKELECT_REASON_CLOSED);
        break;
    case ZKELECT_EV_ERROR:
        /* The library has logged what failed; a refusal will not go away by
         * itself, so say what to fix and stop. */
        if (ev->error == ZKELECT_EAUTH) {
            cli_explain_refusal(r->opt);
            r->exit_code = CLI_EXIT_FAILURE;
            r->stopping = true;
        }
        break;
    default:
        break;
    }
}

static void read_events(run_state_t *r)
{
    run_event_t ev;
    while (read(r->event_pipe[0], &ev, sizeof ev) == (ssize_t)sizeof ev)
        handle_event(r, &ev);
}

static void read_signals(run_state_t *r)
{
    struct signalfd_siginfo si;
    while (read(r->signal_fd, &si, sizeof si) == (ssize_t)sizeof si) {
        int sig = (int)si.ssi_signo;
        if (sig == SIGCHLD)
            continue; /* reaped below, whatever woke us */
        if (sig == SIGTERM || sig == SIGINT) {
            if (r->stopping && r->child.pid > 0) {
                cli_log(0, "second %s: killing pid %d now", strsignal(sig), (int)r->child.pid);
                cli_child_kill(&r->child);
            } else if (!r->stopping) {
                cli_log(0, "%s: stopping, then leaving the election", strsignal(sig));
                r->stopping = true;
                stop_command(r, 0, false);
            }
        } else {
            cli_child_signal(&r->child, sig);
        }
    }
}

/* ------------------------------------------------------------- the loop */

static int poll_timeout_ms(const run_state_t *r)
{
    int64_t next = 0;
    if (r->child.pid > 0 && r->child.kill_at_ns && !r->child.killed)
        next = r->child.kill_at_ns;
    else if (r->child.pid <= 0 && r->leading && !r->stopping && r->spawn_not_before)
        next = r->spawn_not_before;
    if (next == 0)
        return -1;
    int64_t wait = next - cli_now_ns();
    return wait <= 0 ? 0 : (int)((wait + NS_PER_MS - 1) / NS_PER_MS);
}

static void loop(run_state_t *r)
{
    struct pollfd fds[2] = {{.fd = r->signal_fd, .events = POLLIN}, {.fd = r->event_pipe[0], .events = POLLIN}};
    while (!(r->stopping && r->child.pid <= 0)) {
        if (poll(fds, 2, poll_timeout_ms(r)) < 0 && errno != EINTR) {
            cli_log(0, "poll: %s", strerror(errno));
            cli_child_kill(&r->child);
            r->stopping = true;
        }
        read_signals(r);
        read_events(r);
        int status;
        if (cli_child_reap(&r->child, &status))
            command_exited(r, status);
        if (r->child.pid > 0 && r->child.kill_at_ns && cli_now_ns() >= r->child.kill_at_ns && !r->child.killed) {
            cli_log(0, "pid %d still running at the end of its grace: SIGKILL", (int)r->child.pid);
            cli_child_kill(&r->child);
        }
        maybe_start_command(r);
    }
}

static int setup(run_state_t *r)
{
    sigset_t handled;
    sigemptyset(&handled);
    int signals[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
        sigaddset(&handled, signals[i]);
    /* Blocked before the library starts its threads, so they inherit the
     * mask and every signal lands on the signalfd. */
    pthread_sigmask(SIG_BLOCK, &handled, &r->original_mask);
    r->signal_fd = signalfd(-1, &handled, SFD_NONBLOCK | SFD_CLOEXEC);
    if (r->signal_fd < 0 || pipe2(r->event_pipe, O_CLOEXEC) < 0) {
        cli_log(0, "cannot set up: %s", strerror(errno));
        return CLI_EXIT_FAILURE;
    }
    /* Events are read until the pipe is empty: the read end must not block. */
    fcntl(r->event_pipe[0], F_SETFL, O_NONBLOCK);
    return CLI_EXIT_OK;
}

static void warn_if_grace_too_long(const run_state_t *r)
{
    int granted = zkelect_session_timeout(r->e);
    if (granted > 0 && r->opt->grace_s * 1000 > cli_max_grace_ms(granted))
        cli_log(0, "the server granted a %d ms session timeout: the command may be killed %.2f s after SIGTERM",
                granted, cli_max_grace_ms(granted) / 1000.0);
}

int cli_run(const cli_options_t *given)
{
    /* The id is needed for the command's environment: make the library's
     * default ("hostname:pid") explicit. */
    cli_options_t with_id = *given;
    char default_id[ZKELECT_ID_MAX + 1];
    if (!with_id.id) {
        char host[200] = "localhost";
        gethostname(host, sizeof host - 1);
        host[sizeof host - 1] = '\0';
        snprintf(default_id, sizeof default_id, "%s:%d", host, (int)getpid());
        with_id.id = default_id;
    }
    const cli_options_t *opt = &with_id;
    run_state_t r = {.opt = opt, .epoch = -1, .signal_fd = -1, .event_pipe = {-1, -1}};
    int err = cli_child_check(opt->command[0]);
    if (err) {
        cli_log(0, "cannot run %s: %s", opt->command[0], strerror(err));
        return CLI_EXIT_NO_EXEC;
    }
    int rc = setup(&r);
    if (rc == CLI_EXIT_OK)
        rc = cli_connect(opt, false, on_event, &r, &r.e);
    if (rc == CLI_EXIT_OK) {
        warn_if_grace_too_long(&r);
        cli_log(1, "joining %s", opt->path);
        loop(&r);
        /* The command is dead: leave, deleting the node at once. */
        zkelect_destroy(r.e);
        read_events(&r);
        rc = r.exit_code;
        cli_log(1, "left the election; exit status %d", rc);
    }
    if (r.signal_fd >= 0)
        close(r.signal_fd);
    if (r.event_pipe[0] >= 0) {
        close(r.event_pipe[0]);
        close(r.event_pipe[1]);
    }
    return rc;
}
