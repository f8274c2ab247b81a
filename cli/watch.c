/* watch.c - `zkelect watch`: an observer that prints one line per leader
 * change, and costs the participants nothing (see zkelect_set_observer). */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

typedef struct watch_state {
    const cli_options_t *opt;
    atomic_long printed;
    atomic_bool refused; /* ZooKeeper refused access: the watch ends, exit 1 */
    int done_pipe[2];    /* written once --count lines are out, or on a refusal */
} watch_state_t;

static void finish(watch_state_t *w)
{
    if (write(w->done_pipe[1], "x", 1) < 0)
        cli_log(CLI_ERR, "cannot signal the end of the watch: %s", strerror(errno));
}

static void print_text(const zkelect_event_t *ev, const char *stamp)
{
    if (!ev->leader_id) {
        printf("%s no leader\n", stamp);
        return;
    }
    printf("%s leader %s epoch %" PRId64 " sequence %" PRId32, stamp, ev->leader_id, ev->epoch, ev->sequence);
    if (ev->leader_data_len && cli_is_text(ev->leader_data, ev->leader_data_len))
        printf(" data %.*s", (int)ev->leader_data_len, (const char *)ev->leader_data);
    putchar('\n');
}

static void print_json(const zkelect_event_t *ev, const char *stamp)
{
    printf("{\"time\":\"%s\",\"leader\":", stamp);
    cli_json_string(ev->leader_id, ev->leader_id ? strlen(ev->leader_id) : 0);
    printf(",\"epoch\":%" PRId64 ",\"sequence\":%" PRId32 ",\"data\":", ev->epoch, ev->sequence);
    bool text = ev->leader_data_len && cli_is_text(ev->leader_data, ev->leader_data_len);
    cli_json_string(text ? ev->leader_data : NULL, ev->leader_data_len);
    puts("}");
}

static void on_event(zkelect_t *e, const zkelect_event_t *ev, void *userdata)
{
    (void)e;
    watch_state_t *w = userdata;
    if (ev->type == ZKELECT_EV_ERROR) {
        /* The library has logged what failed and retries; a refusal will
         * not go away by itself. */
        if (ev->error == ZKELECT_EAUTH && !atomic_exchange(&w->refused, true)) {
            cli_explain_refusal(w->opt);
            finish(w);
        }
        return;
    }
    if (ev->type != ZKELECT_EV_LEADER || (w->opt->count && atomic_load(&w->printed) >= w->opt->count))
        return;
    char stamp[32];
    cli_timestamp(stamp, sizeof stamp);
    if (w->opt->json)
        print_json(ev, stamp);
    else
        print_text(ev, stamp);
    fflush(stdout);
    if (atomic_fetch_add(&w->printed, 1) + 1 == w->opt->count)
        finish(w);
}

/* Until SIGINT/SIGTERM, or until --count lines are out. */
static void wait_for_end(int signal_fd, int done_fd)
{
    struct pollfd fds[2] = {{.fd = signal_fd, .events = POLLIN}, {.fd = done_fd, .events = POLLIN}};
    while (poll(fds, 2, -1) < 0 && errno == EINTR)
        continue;
}

int cli_watch(const cli_options_t *opt)
{
    cli_quiet_zookeeper();
    watch_state_t w = {.opt = opt};
    atomic_init(&w.printed, 0);
    atomic_init(&w.refused, false);
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGHUP);
    /* Blocked before the library starts its threads, so they inherit it and
     * the signals reach the signalfd only. */
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    int signal_fd = signalfd(-1, &stop, SFD_CLOEXEC);
    if (signal_fd < 0 || pipe(w.done_pipe) < 0) {
        cli_log(CLI_ERR, "cannot set up: %s", strerror(errno));
        return CLI_EXIT_FAILURE;
    }
    zkelect_t *e;
    int rc = cli_connect(opt, true, on_event, &w, &e);
    if (rc == CLI_EXIT_OK) {
        wait_for_end(signal_fd, w.done_pipe[0]);
        bool closed = cli_destroy_bounded(e);
        if (atomic_load(&w.refused))
            rc = CLI_EXIT_FAILURE;
        if (!closed)
            cli_exit_now(rc);
    }
    close(signal_fd);
    close(w.done_pipe[0]);
    close(w.done_pipe[1]);
    return rc;
}
