/* failover.c - one participant in its own process, printing each event with
 * a timestamp: the fault tests run several and kill the leader.
 * Usage: failover HOSTS PATH ID [SESSION_TIMEOUT_MS] */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>
#include <zkelect.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void say(const char *id, const char *what)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    localtime_r(&tv.tv_sec, &tm);
    printf("%02d:%02d:%02d.%03ld %-9s %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec, (long)tv.tv_usec / 1000, id, what);
    fflush(stdout);
}

static void on_event(zkelect_t *e, const zkelect_event_t *ev, void *userdata)
{
    (void)e;
    char line[256];
    if (ev->type == ZKELECT_EV_ELECTED)
        snprintf(line, sizeof line, "ELECTED   epoch 0x%llx: leading now", (unsigned long long)ev->epoch);
    else if (ev->type == ZKELECT_EV_REVOKED)
        snprintf(line, sizeof line, "REVOKED   epoch 0x%llx: %s", (unsigned long long)ev->epoch,
                 zkelect_reason_name(ev->reason));
    else if (ev->type == ZKELECT_EV_JOINED)
        snprintf(line, sizeof line, "JOINED    sequence %d: in line", ev->sequence);
    else
        snprintf(line, sizeof line, "ERROR     %s", ev->message);
    say(userdata, line);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s HOSTS PATH ID [SESSION_TIMEOUT_MS]\n", argv[0]);
        return 2;
    }
    zkelect_t *e;
    int rc = zkelect_new(&e, argv[1], argv[2], argv[3]);
    if (rc == ZKELECT_OK)
        rc = zkelect_set_callback(e, on_event, argv[3]);
    if (rc == ZKELECT_OK && argc > 4)
        rc = zkelect_set_session_timeout(e, atoi(argv[4]));
    if (rc == ZKELECT_OK)
        rc = zkelect_start(e);
    if (rc != ZKELECT_OK) {
        fprintf(stderr, "%s: %s\n", argv[3], zkelect_strerror(rc));
        zkelect_destroy(e);
        return 1;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    while (!stop) {
        /* A real service would do its leader-only work here, checking
         * zkelect_is_leader() (or the epoch) before each side effect. */
        zkelect_wait_leader(e, 100);
        if (zkelect_is_leader(e) == 0) {
            struct timespec pause = {0, 50 * 1000 * 1000};
            nanosleep(&pause, NULL);
        }
    }
    say(argv[3], "LEAVING   on signal");
    zkelect_destroy(e);
    return 0;
}
