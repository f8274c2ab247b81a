/* run.c - `zkelect-torture run`: sets the stage (a 3- or 5-member ensemble
 * on loopback, a proxy in front of each member for each participant, the
 * fenced store, the participants in processes of their own), lets
 * nemesis.c play, takes the stage down, and hands the logs to the checker
 * and the timeline. */
#include "orchestra.h"
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The participants: every way of taking part, and one `zkelect run`. */
static const struct {
    bool run, manual, shared, lease;
} mix[] = {
    {false, false, false, false}, /* thread dispatch, own session, strict */
    {false, false, false, true},  /* thread, own, lease */
    {false, true, false, true},   /* manual dispatch, own, lease */
    {false, false, true, false},  /* thread, shared session, strict */
    {false, true, false, false},  /* manual, own, strict */
    {true, false, false, true},    /* zkelect run (lease), a writer under it */
    {false, false, true, true},   /* thread, shared, lease */
};

/* ------------------------------------------------------------ the stage */

static int set_stage(stage_t *s)
{
    if (zk_ensemble_start_n(&s->ens, s->members, 200) != 0) {
        fprintf(stderr, "torture: the ensemble did not start\n");
        return -1;
    }
    char sock[600], log[600];
    snprintf(sock, sizeof sock, "%s/store.sock", s->dir);
    snprintf(log, sizeof log, "%s/store.log", s->dir);
    char *argv[] = {(char *)s->self, "store", sock, log, NULL};
    char err[600];
    snprintf(err, sizeof err, "%s/store.err", s->dir);
    s->store_pid = spawn_to_file(err, (const char *const *)argv, NULL, SPAWN_OWN_GROUP);
    int64_t deadline = torture_now() + 10 * NS_PER_S;
    while (access(sock, F_OK) != 0 && torture_now() < deadline)
        poll_pause();
    if (access(sock, F_OK) != 0)
        return -1;
    s->n_slots = s->weakened ? 2 : (int)(sizeof mix / sizeof mix[0]);
    for (int i = 0; i < s->n_slots; i++) {
        slot_t *slot = &s->slots[i];
        snprintf(slot->name, sizeof slot->name, "s%d", i);
        if (s->weakened) {
            slot->lease = true;
            slot->weaken = i == 0;
        } else {
            slot->run = mix[i].run;
            slot->manual = mix[i].manual;
            slot->shared = mix[i].shared;
            slot->lease = mix[i].lease;
            slot->priority = !s->priorities ? 0 : slot->run ? 30 : i % 3 * 10;
        }
        for (int m = 0; m < s->ens.n; m++) {
            slot->proxy[m] = proxy_start(s->ens.member[m].port);
            if (!slot->proxy[m])
                return -1;
            size_t used = strlen(slot->hosts);
            snprintf(slot->hosts + used, sizeof slot->hosts - used, "%s%s", m ? "," : "", proxy_hosts(slot->proxy[m]));
        }
    }
    if (zkelect_new(&s->watcher, s->ens.hosts, s->path, "torture-watcher") || zkelect_set_observer(s->watcher, 1) ||
        zkelect_set_query_timeout(s->watcher, 2000) || zkelect_start(s->watcher))
        return -1;
    if (!(s->admin = zk_connect(s->ens.hosts)))
        return -1;
    for (int i = 0; i < s->n_slots; i++) {
        stage_start_slot(s, &s->slots[i]);
        /* one after another: s0 leads first */
        deadline = torture_now() + 20 * NS_PER_S;
        size_t want = (size_t)i + 1, have = 0;
        while (have < want && torture_now() < deadline) {
            zkelect_participant_t *list = NULL;
            if (zkelect_participants(s->watcher, &list, &have) != ZKELECT_OK)
                have = 0;
            zkelect_participants_free(list, have);
            poll_pause();
        }
    }
    return 0;
}

/* Everyone leaves as asked: each must exit 0, and no node may stay. */
static long strike_stage(stage_t *s)
{
    long problems = 0;
    for (int i = 0; i < s->n_slots; i++) {
        slot_t *slot = &s->slots[i];
        if (slot->pid <= 0)
            continue;
        kill(slot->pid, SIGCONT);
        kill(slot->pid, SIGTERM);
    }
    int64_t deadline = torture_now() + 30 * NS_PER_S;
    for (;;) {
        stage_reap(s);
        bool running = false;
        for (int i = 0; i < s->n_slots; i++)
            running = running || s->slots[i].pid > 0;
        if (!running || torture_now() >= deadline)
            break;
        poll_pause();
    }
    for (int i = 0; i < s->n_slots; i++) {
        if (s->slots[i].pid > 0) {
            fprintf(stderr, "torture: %s did not exit within 30 s of SIGTERM\n", s->slots[i].id);
            kill(s->slots[i].pid, SIGKILL);
            problems++;
        }
    }
    zkelect_participant_t *list = NULL;
    size_t left = 0;
    int rc = zkelect_participants(s->watcher, &list, &left);
    zkelect_participants_free(list, left);
    if (rc != ZKELECT_OK || left != 0) {
        fprintf(stderr, "torture: %zu nodes left in %s after everyone left (%s)\n", left, s->path, zkelect_strerror(rc));
        problems++;
    }
    torture_record(s->log, "Z %" PRId64 " nodes-left %zu", torture_now(), left);
    zkelect_destroy(s->watcher);
    zk_close(s->admin);
    for (int i = 0; i < s->n_slots; i++)
        for (int m = 0; m < s->ens.n; m++)
            proxy_stop(s->slots[i].proxy[m]);
    kill(s->store_pid, SIGTERM);
    waitpid(s->store_pid, NULL, 0);
    zk_ensemble_stop(&s->ens);
    return problems + s->process_failures;
}

/* ------------------------------------------------------------ options */

static int parse(stage_t *s, int argc, char **argv, const char **svg)
{
    s->seconds = 60;
    s->members = 3;
    s->session_timeout_ms = 2000;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    s->seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)getpid();
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(k, "--weakened")) {
            s->weakened = true;
            continue;
        }
        if (!strcmp(k, "--priorities")) {
            s->priorities = true;
            continue;
        }
        if (!v)
            return -1;
        i++;
        if (!strcmp(k, "--seconds")) s->seconds = atoi(v);
        else if (!strcmp(k, "--seed")) s->seed = strtoull(v, NULL, 10);
        else if (!strcmp(k, "--members")) s->members = atoi(v);
        else if (!strcmp(k, "--session-timeout")) s->session_timeout_ms = atoi(v);
        else if (!strcmp(k, "--dir")) snprintf(s->dir, sizeof s->dir, "%s", v);
        else if (!strcmp(k, "--svg")) *svg = v;
        else return -1;
    }
    if (s->seconds < 10 || (s->members != 3 && s->members != 5) || s->session_timeout_ms < 1000 ||
        s->session_timeout_ms > 60000)
        return -1;
    return 0;
}

static stage_t *interrupted_stage;

static void on_interrupt(int sig)
{
    (void)sig;
    if (interrupted_stage)
        interrupted_stage->interrupted = 1;
}

/* Ctrl-C ends a long run early, as its end would: faults healed, the
 * processes stopped, the checker over what ran, the report. */
static void end_early_on_interrupt(stage_t *s)
{
    interrupted_stage = s;
    struct sigaction sa = {.sa_handler = on_interrupt};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int torture_run(int argc, char **argv)
{
    static stage_t s;
    const char *svg = NULL;
    if (parse(&s, argc, argv, &svg) != 0) {
        fprintf(stderr, "usage: zkelect-torture run [--seconds S >= 10] [--seed N] [--members 3|5]\n"
                        "         [--session-timeout MS] [--dir DIR] [--svg FILE] [--weakened] [--priorities]\n");
        return 2;
    }
    s.rng = s.seed;
    static char self[1024];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = '\0';
    s.self = self;
    const char *builddir = getenv("top_builddir");
    snprintf(s.zkelect_bin, sizeof s.zkelect_bin, "%s/cli/zkelect", builddir ? builddir : ".");
    if (!s.dir[0]) {
        snprintf(s.dir, sizeof s.dir, "/tmp/zkelect-torture.XXXXXX");
        if (!mkdtemp(s.dir))
            return 1;
    } else if (mkdir(s.dir, 0755) != 0 && errno != EEXIST) {
        perror(s.dir);
        return 1;
    }
    snprintf(s.path, sizeof s.path, "/torture/election");
    char log[600];
    snprintf(log, sizeof log, "%s/orchestrator.log", s.dir);
    s.log = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    printf("zkelect-torture: seed %" PRIu64 ", %d s, %d members, T = %d ms, %s; logs in %s\n", s.seed, s.seconds,
           s.members, s.session_timeout_ms,
           s.weakened ? "the weakened participant" : s.priorities ? "7 participants of 4 priorities" : "7 participants",
           s.dir);
    fflush(stdout);
    torture_record(s.log, "B %" PRId64 " seed %" PRIu64 " seconds %d members %d timeout %d weakened %d", torture_now(),
                   s.seed, s.seconds, s.members, s.session_timeout_ms, s.weakened);
    end_early_on_interrupt(&s);
    if (set_stage(&s) != 0) {
        fprintf(stderr, "torture: could not set the stage; see %s\n", s.dir);
        strike_stage(&s);
        return 1;
    }
    if (s.weakened)
        nemesis_weakened(&s);
    else
        nemesis_play(&s);
    long problems = strike_stage(&s);
    close(s.log);
    torture_report_t report;
    int bound_ms = 2 * s.session_timeout_ms + 1000;
    long violations = torture_check(s.dir, s.session_timeout_ms, bound_ms, &report, stdout) + problems;
    char svg_path[700];
    snprintf(svg_path, sizeof svg_path, "%s/timeline.svg", s.dir);
    if (torture_timeline(s.dir, svg ? svg : svg_path) == 0)
        printf("timeline: %s\n", svg ? svg : svg_path);
    if (s.interrupted)
        printf("zkelect-torture: interrupted: the report covers what ran\n");
    printf("zkelect-torture: seed %" PRIu64 ": %ld violation%s\n", s.seed, violations, violations == 1 ? "" : "s");
    return violations ? 1 : 0;
}
