/* switchover.c - `zkelect resign` and `zkelect move`: ask the leader, from
 * any host, to step down or to hand over to a named standby, then follow
 * the election (as an observer) until the lead has changed. */
#include "cli.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Who leads, as the observer's LEADER events say. */
typedef struct seen {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    bool known;               /* a first LEADER came */
    char leader[ZKELECT_ID_MAX + 1]; /* "" for nobody */
    int64_t epoch;
} seen_t;

static void on_event(zkelect_t *e, const zkelect_event_t *ev, void *userdata)
{
    (void)e;
    seen_t *s = userdata;
    if (ev->type != ZKELECT_EV_LEADER)
        return;
    pthread_mutex_lock(&s->lock);
    snprintf(s->leader, sizeof s->leader, "%s", ev->leader_id ? ev->leader_id : "");
    s->epoch = ev->leader_id ? ev->epoch : -1;
    s->known = true;
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->lock);
}

/* Wait until done(s) or the deadline; true if done. Lock held. */
static bool wait_until(seen_t *s, bool (*done)(const seen_t *s, const void *arg), const void *arg,
                       const struct timespec *deadline)
{
    while (!done(s, arg))
        if (pthread_cond_timedwait(&s->changed, &s->lock, deadline) != 0)
            return done(s, arg);
    return true;
}

static bool known(const seen_t *s, const void *arg)
{
    (void)arg;
    return s->known;
}

/* A new term: another epoch (the same id may lead again, alone in line),
 * and for a move the one asked for. */
typedef struct target {
    int64_t old_epoch;
    const char *to; /* NULL: anyone */
} target_t;

static bool new_term(const seen_t *s, const void *arg)
{
    const target_t *t = arg;
    return s->leader[0] && s->epoch != t->old_epoch && (!t->to || strcmp(s->leader, t->to) == 0);
}

static int exit_code(int zrc)
{
    switch (zrc) {
    case ZKELECT_ENOLEADER: return CLI_EXIT_NO_LEADER;
    case ZKELECT_ENOPATH: return CLI_EXIT_NO_PATH;
    case ZKELECT_ENOTCONN: return CLI_EXIT_NO_ZK;
    default: return CLI_EXIT_FAILURE;
    }
}

/* `move` refuses a contender whose published state says it is unhealthy
 * (`zkelect run` takes an unhealthy standby out of line anyway). */
static int check_target(zkelect_t *e, const cli_options_t *opt)
{
    zkelect_participant_t *list;
    size_t count;
    int zrc = zkelect_participants(e, &list, &count);
    if (zrc != ZKELECT_OK)
        return zrc;
    for (size_t i = 0; i < count; i++) {
        if (strcmp(list[i].id, opt->to) != 0 || !list[i].state || !strstr(list[i].state, "unhealthy"))
            continue;
        cli_log(CLI_ERR, "%s is not healthy (\"%s\"): not moving the lead to it", opt->to, list[i].state);
        zrc = ZKELECT_ESTATE;
        break;
    }
    zkelect_participants_free(list, count);
    return zrc;
}

static int ask(zkelect_t *e, const cli_options_t *opt, bool move)
{
    int zrc = move ? check_target(e, opt) : ZKELECT_OK;
    if (zrc == ZKELECT_ESTATE)
        return CLI_EXIT_FAILURE; /* said why */
    if (zrc == ZKELECT_OK)
        zrc = move ? zkelect_request_move(e, opt->to) : zkelect_request_step_down(e, opt->leader);
    if (zrc == ZKELECT_OK)
        return CLI_EXIT_OK;
    if (zrc == ZKELECT_EAUTH)
        cli_explain_refusal(opt);
    else if (zrc == ZKELECT_ENOPATH)
        cli_log(CLI_ERR, "%s does not exist: no election there (a mistyped --path?)", opt->path);
    else
        cli_log(CLI_ERR, "%s: %s", move ? "cannot move the lead" : "cannot ask for a step-down",
                zkelect_strerror(zrc));
    return exit_code(zrc);
}

static int switchover(const cli_options_t *opt, bool move)
{
    cli_quiet_zookeeper();
    seen_t s = {.lock = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER, .epoch = -1};
    zkelect_t *e;
    int rc = cli_connect(opt, true, on_event, &s, &e);
    if (rc)
        return rc;
    pthread_mutex_lock(&s.lock);
    struct timespec first = cli_deadline_after(CLOCK_REALTIME, opt->connect_timeout_s);
    wait_until(&s, known, NULL, &first);
    target_t t = {.old_epoch = s.epoch, .to = move ? opt->to : NULL};
    char old[ZKELECT_ID_MAX + 1];
    snprintf(old, sizeof old, "%s", s.leader);
    pthread_mutex_unlock(&s.lock);
    rc = ask(e, opt, move);
    if (rc == CLI_EXIT_OK && move && strcmp(old, opt->to) == 0) {
        printf("%s leads already (epoch %" PRId64 ")\n", old, t.old_epoch);
    } else if (rc == CLI_EXIT_OK && opt->wait_s == 0) {
        printf("%s asked to %s\n", old[0] ? old : "the leader", move ? "hand over" : "step down");
    } else if (rc == CLI_EXIT_OK) {
        pthread_mutex_lock(&s.lock);
        struct timespec end = cli_deadline_after(CLOCK_REALTIME, opt->wait_s);
        bool done = wait_until(&s, new_term, &t, &end);
        if (done)
            printf("%s stepped down; %s leads (epoch %" PRId64 ")\n", old, s.leader, s.epoch);
        else
            cli_log(CLI_ERR, "%s asked, but after %g s %s%s leads (wanted: %s)", old[0] ? old : "the leader",
                    opt->wait_s, s.leader[0] ? s.leader : "nobody", s.epoch == t.old_epoch ? " still" : "",
                    move ? opt->to : "a new term");
        pthread_mutex_unlock(&s.lock);
        rc = done ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
    }
    fflush(stdout);
    return cli_close(e, rc);
}

int cli_resign(const cli_options_t *opt)
{
    return switchover(opt, false);
}

int cli_move(const cli_options_t *opt)
{
    return switchover(opt, true);
}
