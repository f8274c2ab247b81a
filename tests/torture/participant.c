/* participant.c - one participant of a torture run, in a process of its
 * own. A sampler thread reads zkelect_is_leader() every millisecond; while
 * it reads 1 the participant writes to the store every 5 ms, with
 * zkelect_epoch(), read after is_leader() and checked again just before the
 * send. The orchestrator drives it with signals:
 *   SIGTERM  leave: zkelect_destroy(), exit 0
 *   SIGUSR1  zkelect_resign()
 *   SIGUSR2  destroy from a callback: an asynchronous lookup, and
 *            zkelect_destroy() inside its answer's callback (manual
 *            dispatch or a shared session, where the host can tell when
 *            the teardown is over; elsewhere a plain destroy)
 *   SIGHUP   expire its own session (a third party's close), if it is a
 *            follower two or more places back: a leader's expiry by a third
 *            party is what no lease can cover (A6). Those ahead may go
 *            while the close is under way, and the participant be elected
 *            on the node being closed: "X t expired EPOCH" names that node,
 *            and the checker sets a term on it aside as A6
 *   SIGRTMIN zkelect_leave();  SIGRTMIN + 1  zkelect_rejoin(): real-time
 *            signals, which queue, in that order: a leave and its rejoin
 *            sent while the process is stopped both arrive
 * Once a destroy from a callback is under way, commands other than SIGTERM
 * are ignored: the handle may be gone.
 * Weakened (--weaken), it is the participant the checker must catch: it
 * believes it leads from ELECTED until 1.5 s after REVOKED, and writes with
 * the cached epoch meanwhile. */
#include "torture.h"

#include "zkadmin.h" /* expire_session() */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <zkelect.h>

typedef struct part {
    const char *id, *zk, *zk_direct, *path, *store;
    bool manual, shared, lease, weaken;
    int priority;
    int timeout_ms;
    int log;
    int store_fd;
    struct sockaddr_un store_addr;
    zkelect_session_t *session;
    zkelect_t *e, *shadow;        /* shadow: a second election on a shared session */
    atomic_bool stopping;
    atomic_bool destroy_in_callback;
    bool destroyed;               /* by the callback: under use, written */
    pthread_rwlock_t use;         /* held to read by the sampler while it uses e */
    /* weakened: its belief, from the callbacks */
    atomic_llong believed_epoch;  /* -1: not leading */
    atomic_llong believe_until;   /* after a REVOKED, it goes on believing until then */
    atomic_llong node_epoch;      /* the epoch of its znode, from JOINED: -1 before */
} part_t;

static void on_event(zkelect_t *e, const zkelect_event_t *ev, void *userdata)
{
    part_t *p = userdata;
    if (e != p->e)
        return; /* the shadow election */
    torture_record(p->log, "E %" PRId64 " %d %d %" PRId64, torture_now(), ev->type, ev->reason, ev->epoch);
    if (ev->type == ZKELECT_EV_JOINED)
        atomic_store(&p->node_epoch, ev->epoch);
    if (ev->type == ZKELECT_EV_ELECTED) {
        atomic_store(&p->believed_epoch, ev->epoch);
        atomic_store(&p->believe_until, INT64_MAX);
    } else if (ev->type == ZKELECT_EV_REVOKED) {
        atomic_store(&p->believe_until, torture_now() + 1500 * NS_PER_MS);
    }
    if (atomic_load(&p->destroy_in_callback)) {
        /* The sampler lets go of e first. */
        pthread_rwlock_wrlock(&p->use);
        bool first = !p->destroyed;
        p->destroyed = true;
        pthread_rwlock_unlock(&p->use);
        if (first) {
            torture_record(p->log, "X %" PRId64 " destroy-in-callback", torture_now());
            zkelect_destroy(e); /* deferred until this callback returns */
            atomic_store(&p->stopping, true);
        }
    }
}

/* Leading, as this participant sees it, and the epoch to write with. */
static bool leading(part_t *p, int64_t *epoch)
{
    if (p->weaken) {
        *epoch = atomic_load(&p->believed_epoch);
        return *epoch >= 0 && torture_now() < atomic_load(&p->believe_until);
    }
    if (!zkelect_is_leader(p->e))
        return false;
    *epoch = zkelect_epoch(p->e);
    return *epoch >= 0;
}

static void send_write(part_t *p, int64_t epoch, long long seq)
{
    char msg[256];
    int n = snprintf(msg, sizeof msg, "%s/%d %" PRId64 " %" PRId64 " %lld", p->id, (int)getpid(), epoch,
                     torture_now(), seq);
    sendto(p->store_fd, msg, (size_t)n, 0, (struct sockaddr *)&p->store_addr, sizeof p->store_addr);
}

/* Every millisecond: the leadership as sampled; every 5 ms while leading, a
 * write; every 50 ms, the connection and the place in line. */
static void *sampler(void *arg)
{
    part_t *p = arg;
    int64_t first = 0, last = 0, cur_epoch = -1, next_write = 0, next_state = 0, next_progress = 0;
    long long seq = 0;
    int connected = -1, ahead = -2;
    struct timespec tick = {0, NS_PER_MS};
    while (!atomic_load(&p->stopping)) {
        pthread_rwlock_rdlock(&p->use);
        int64_t now = torture_now(), epoch;
        bool is = !p->destroyed && leading(p, &epoch);
        if (is && first && epoch != cur_epoch) {
            torture_record(p->log, "L %" PRId64 " %" PRId64 " %" PRId64, first, last, cur_epoch);
            first = 0;
        }
        if (is) {
            if (!first) {
                first = now;
                cur_epoch = epoch;
            }
            last = now;
            /* Checked again just before the send: a write is sent only while
             * the participant reads itself leader. */
            int64_t check;
            if (now >= next_write && leading(p, &check) && check == epoch) {
                send_write(p, epoch, seq++);
                next_write = now + 5 * NS_PER_MS;
            }
            if (now >= next_progress) {
                torture_record(p->log, "l %" PRId64 " %" PRId64 " %" PRId64, first, last, cur_epoch);
                next_progress = now + 50 * NS_PER_MS;
            }
        } else if (first) {
            torture_record(p->log, "L %" PRId64 " %" PRId64 " %" PRId64, first, last, cur_epoch);
            first = 0;
        }
        if (now >= next_state && !p->destroyed) {
            zkelect_stats_t st = {.size = sizeof st};
            if (zkelect_stats(p->e, &st) == ZKELECT_OK) {
                if (st.connected != connected)
                    torture_record(p->log, "C %" PRId64 " %d", now, connected = st.connected);
                if (st.ahead != ahead)
                    torture_record(p->log, "I %" PRId64 " %d", now, ahead = st.ahead);
            }
            next_state = now + 50 * NS_PER_MS;
        }
        pthread_rwlock_unlock(&p->use);
        nanosleep(&tick, NULL);
    }
    if (first)
        torture_record(p->log, "L %" PRId64 " %" PRId64 " %" PRId64, first, last, cur_epoch);
    return NULL;
}

/* ------------------------------------------------------------ the handle */

/* The library's own lines, but the ZooKeeper client's, on stderr (the
 * slot's .err file), stamped like the records: what a run's logs explain. */
static void log_line(zkelect_t *e, int level, const char *message, void *userdata)
{
    (void)e, (void)userdata;
    if (level <= ZKELECT_LOG_INFO && strncmp(message, "zookeeper:", 10) != 0)
        fprintf(stderr, "%" PRId64 " %d %s\n", torture_now(), level, message);
}

static int make_election(part_t *p)
{
    int rc;
    if (p->shared) {
        rc = zkelect_session_new(&p->session, p->zk);
        if (!rc)
            rc = zkelect_session_set_timeout(p->session, p->timeout_ms);
        if (!rc)
            rc = zkelect_session_set_log(p->session, log_line, NULL);
        if (!rc)
            rc = zkelect_session_start(p->session);
        if (!rc)
            rc = zkelect_new_on_session(&p->e, p->session, p->path, p->id);
        /* A second election on the same session, unchecked: the session's
         * events reach both. */
        char shadow[512];
        snprintf(shadow, sizeof shadow, "%s-shadow", p->path);
        if (!rc)
            rc = zkelect_new_on_session(&p->shadow, p->session, shadow, p->id);
        if (!rc)
            rc = zkelect_set_callback(p->shadow, on_event, p);
        if (!rc)
            rc = zkelect_start(p->shadow);
    } else {
        rc = zkelect_new(&p->e, p->zk, p->path, p->id);
        if (!rc)
            rc = zkelect_set_session_timeout(p->e, p->timeout_ms);
        if (!rc)
            rc = zkelect_set_log(p->e, log_line, NULL);
        if (!rc && p->manual)
            rc = zkelect_set_dispatch_mode(p->e, ZKELECT_DISPATCH_MANUAL);
    }
    if (!rc)
        rc = zkelect_set_callback(p->e, on_event, p);
    if (!rc)
        rc = zkelect_set_disconnect_policy(p->e, p->lease ? ZKELECT_POLICY_LEASE : ZKELECT_POLICY_STRICT);
    if (!rc && p->priority)
        rc = zkelect_set_priority(p->e, p->priority);
    if (!rc)
        rc = zkelect_start(p->e);
    return rc;
}

/* A third party closes the session: only a follower well back in line, as
 * no lease covers a leader's (docs/GUARANTEES.md, A6). */
static void expire_self(part_t *p)
{
    zkelect_stats_t st = {.size = sizeof st};
    if (zkelect_stats(p->e, &st) != ZKELECT_OK || st.leading || st.ahead < 2) {
        torture_record(p->log, "X %" PRId64 " expire-skipped", torture_now());
        return;
    }
    int64_t epoch = atomic_load(&p->node_epoch);
    torture_record(p->log, "X %" PRId64 " expire %" PRId64, torture_now(), epoch);
    if (expire_session(p->e, p->zk_direct) != 0)
        torture_record(p->log, "X %" PRId64 " expire-failed", torture_now());
    else
        torture_record(p->log, "X %" PRId64 " expired %" PRId64, torture_now(), epoch);
}

static void on_signal(part_t *p, int sig)
{
    if (sig != SIGTERM && atomic_load(&p->destroy_in_callback)) {
        torture_record(p->log, "X %" PRId64 " ignored %d", torture_now(), sig);
        return;
    }
    if (sig == SIGTERM) {
        torture_record(p->log, "X %" PRId64 " stop", torture_now());
        atomic_store(&p->stopping, true);
    } else if (sig == SIGUSR1) {
        torture_record(p->log, "X %" PRId64 " resign", torture_now());
        zkelect_resign(p->e);
    } else if (sig == SIGUSR2) {
        bool callback = p->manual || p->shared;
        torture_record(p->log, "X %" PRId64 " %s", torture_now(), callback ? "destroy-from-callback" : "stop");
        atomic_store(&p->destroy_in_callback, callback);
        /* An event to destroy in: the answer to a lookup. */
        if (!callback || zkelect_participants_async(p->e) != ZKELECT_OK)
            atomic_store(&p->stopping, true);
    } else if (sig == SIGHUP) {
        expire_self(p);
    } else if (sig == TORTURE_SIG_PRIORITY) {
        /* as keepalived's track_script moves a weight: 0, 10, 20, 0, ... */
        p->priority = (p->priority + 10) % 30;
        torture_record(p->log, "X %" PRId64 " priority %d", torture_now(), p->priority);
        zkelect_set_priority(p->e, p->priority);
    } else if (sig == TORTURE_SIG_LEAVE) {
        torture_record(p->log, "X %" PRId64 " leave %d", torture_now(), zkelect_leave(p->e));
    } else if (sig == TORTURE_SIG_REJOIN) {
        torture_record(p->log, "X %" PRId64 " rejoin %d", torture_now(), zkelect_rejoin(p->e));
    }
}

static void serve(part_t *p, int sfd)
{
    int efd = -1;
    if (p->manual)
        zkelect_fd(p->e, &efd);
    while (!atomic_load(&p->stopping)) {
        struct pollfd fds[2] = {{.fd = sfd, .events = POLLIN}, {.fd = efd, .events = POLLIN}};
        if (poll(fds, efd >= 0 ? 2 : 1, 100) < 0 && errno != EINTR)
            break;
        if (fds[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si)
                on_signal(p, (int)si.ssi_signo);
        }
        if (efd >= 0 && (fds[1].revents & POLLIN))
            zkelect_dispatch(p->e, NULL); /* may destroy the handle, from a callback */
    }
}

static int parse(part_t *p, int argc, char **argv)
{
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--id")) p->id = v;
        else if (!strcmp(k, "--zk")) p->zk = v;
        else if (!strcmp(k, "--zk-direct")) p->zk_direct = v;
        else if (!strcmp(k, "--path")) p->path = v;
        else if (!strcmp(k, "--store")) p->store = v;
        else if (!strcmp(k, "--timeout")) p->timeout_ms = atoi(v);
        else if (!strcmp(k, "--dispatch")) p->manual = !strcmp(v, "manual");
        else if (!strcmp(k, "--session")) p->shared = !strcmp(v, "shared");
        else if (!strcmp(k, "--policy")) p->lease = !strcmp(v, "lease");
        else if (!strcmp(k, "--weaken")) p->weaken = !strcmp(v, "yes");
        else if (!strcmp(k, "--priority")) p->priority = atoi(v);
        else if (!strcmp(k, "--log")) p->log = open(v, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        else return -1;
    }
    return p->id && p->zk && p->zk_direct && p->path && p->store && p->log > 0 && p->timeout_ms > 0 ? 0 : -1;
}

void torture_command_signals(sigset_t *set)
{
    sigemptyset(set);
    int commands[] = {SIGTERM, SIGUSR1, SIGUSR2, SIGHUP, TORTURE_SIG_LEAVE, TORTURE_SIG_REJOIN, TORTURE_SIG_PRIORITY};
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        sigaddset(set, commands[i]);
}

int torture_participant(int argc, char **argv)
{
    static part_t p;
    pthread_rwlock_init(&p.use, NULL);
    atomic_init(&p.believed_epoch, -1);
    atomic_init(&p.believe_until, 0);
    atomic_init(&p.node_epoch, -1);
    if (parse(&p, argc, argv) != 0) {
        fprintf(stderr, "participant: bad arguments\n");
        return 2;
    }
    p.store_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    p.store_addr.sun_family = AF_UNIX;
    snprintf(p.store_addr.sun_path, sizeof p.store_addr.sun_path, "%s", p.store);
    /* Already blocked when the stage started it; blocked here too for a
     * participant started by hand. The library's threads inherit the mask;
     * that they block signals of their own accord is tests/signals.c's. */
    sigset_t sigs;
    torture_command_signals(&sigs);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    /* Its priority, for the checker's succession rule (0: none set). */
    torture_record(p.log, "X %" PRId64 " priority %d", torture_now(), p.priority);
    int rc = make_election(&p);
    if (rc) {
        fprintf(stderr, "participant %s: %s\n", p.id, zkelect_strerror(rc));
        return 1;
    }
    int sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
    pthread_t sampling;
    pthread_create(&sampling, NULL, sampler, &p);
    serve(&p, sfd);
    atomic_store(&p.stopping, true);
    pthread_join(sampling, NULL);
    /* A callback may be destroying it on the session's thread right now. */
    pthread_rwlock_wrlock(&p.use);
    bool mine = !p.destroyed;
    p.destroyed = true;
    pthread_rwlock_unlock(&p.use);
    if (mine)
        zkelect_destroy(p.e);
    if (p.shadow)
        zkelect_destroy(p.shadow);
    zkelect_session_destroy(p.session);
    torture_record(p.log, "X %" PRId64 " exit", torture_now());
    close(sfd);
    close(p.store_fd);
    close(p.log);
    return 0;
}
