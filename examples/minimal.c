/* minimal.c - the smallest useful participant: lead while elected.
 * Usage: minimal HOSTS PATH [ID]   e.g. minimal 127.0.0.1:2181 /demo/leader a */
#include <signal.h>
#include <stdio.h>
#include <zkelect.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void on_event(zkelect_t *e, const zkelect_event_t *ev, void *userdata)
{
    (void)e, (void)userdata;
    if (ev->type == ZKELECT_EV_ELECTED)
        printf("leading, epoch %lld\n", (long long)ev->epoch);
    else if (ev->type == ZKELECT_EV_REVOKED)
        printf("stopped leading: %s\n", zkelect_reason_name(ev->reason));
    else if (ev->type == ZKELECT_EV_ERROR)
        fprintf(stderr, "error: %s\n", ev->message);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s HOSTS PATH [ID]\n", argv[0]);
        return 2;
    }
    zkelect_t *e;
    char why[256];
    int rc = zkelect_new(&e, argv[1], argv[2], argc > 3 ? argv[3] : NULL);
    if (rc != ZKELECT_OK && zkelect_check_arguments(argv[1], argv[2], argc > 3 ? argv[3] : NULL, why, sizeof why)) {
        fprintf(stderr, "zkelect: %s\n", why); /* e.g. election_path: path must be absolute */
        return 2;
    }
    if (rc == ZKELECT_OK)
        rc = zkelect_set_callback(e, on_event, NULL);
    if (rc == ZKELECT_OK)
        rc = zkelect_start(e);
    if (rc != ZKELECT_OK) {
        fprintf(stderr, "zkelect: %s\n", zkelect_strerror(rc));
        zkelect_destroy(e);
        return 1;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    while (!stop)
        zkelect_wait_leader(e, 200); /* a real daemon does its work here */
    zkelect_destroy(e); /* leaves at once: the next in line takes over */
    return 0;
}
