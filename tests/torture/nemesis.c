/* nemesis.c - the faults, seeded: in each cycle, a fault phase where
 * faults start at random moments, one or several at once, each healed after
 * a random time; then everything healed, and a quiet phase of 3 T in which
 * the checker expects one leader within 2 T + a tick and every live
 * participant back in line. Each fault is logged when it starts and when
 * it heals.
 *
 * ZooKeeper itself is watched too: a member whose data tree no longer
 * matches its leader's (mntr's digest mismatches; ZooKeeper 3.8.0 can lose
 * committed transactions on a member killed or paused during a sync) is
 * logged ("M t diverged member count") and rebuilt empty from the others
 * at the next heal ("M t rebuilt member"). What a diverged ZooKeeper serves
 * is outside what any client can guarantee; the checker sets it aside and
 * says so. */
#include "orchestra.h"

#include <dirent.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <zookeeper/zookeeper.h>

typedef enum kind {
    CUT,          /* the proxies in front of one participant: blackhole, reset, one way, delay */
    PAUSE,        /* SIGSTOP a participant, SIGCONT at the heal */
    KILL,         /* SIGKILL a participant; a new one at the heal */
    MEMBER_KILL,  /* kill -9 an ensemble member, start it again at the heal */
    QUORUM,       /* two members killed: no quorum */
    MEMBER_PAUSE, /* SIGSTOP a member */
    EXPIRE,       /* a follower's session closed by a third party */
    RESIGN,       /* the leader resigns (zkelect run: steps down) */
    LEAVE,        /* out of line, back at the heal */
    STOP,         /* a participant leaves and exits */
    DESTROY,      /* destroyed from inside a callback */
    FOREIGN_WRITE, /* a stranger writes the leader's node or a follower's */
    PATH_DELETE,  /* the election path and its children deleted in one transaction */
    ENSEMBLE_RESTART, /* every member killed, down past 2T, started again */
    ASK,          /* an operator asks the leader to step down (zkelect resign) */
    MOVE,         /* an operator moves the lead to a random contender (zkelect move; --priorities) */
    PRIORITY,     /* a participant's priority changes while it runs (--priorities) */
    KINDS
} kind_t;

static const char *const kind_names[KINDS] = {"cut", "pause", "kill", "member-kill", "quorum-lost", "member-pause",
                                              "expire", "resign", "leave", "stop", "destroy-in-callback",
                                              "foreign-write", "path-delete", "ensemble-restart",
                                              "ask-step-down", "move", "priority"};
static const char *const cut_modes[] = {"blackhole", "reset", "drop-replies", "drop-requests", "delay"};

typedef struct fault {
    bool active;
    int id;
    kind_t kind;
    int target, target2;
    int64_t heal_at;
} fault_t;

#define MAX_FAULTS 6

typedef struct play {
    stage_t *s;
    fault_t faults[MAX_FAULTS];
    int next_id;
} play_t;

static int64_t ms(int64_t n)
{
    return n * NS_PER_MS;
}

/* A duration shorter or longer than T. */
static int64_t around_t(stage_t *s)
{
    int64_t t = s->session_timeout_ms;
    return stage_random(s, 2) ? ms(t / 5 + (int64_t)stage_random(s, (uint64_t)t / 2))
                              : ms(t + t / 5 + (int64_t)stage_random(s, (uint64_t)t * 2));
}

static void note_at(play_t *p, const fault_t *f, int64_t t, const char *what, const char *detail)
{
    torture_record(p->s->log, "N %" PRId64 " %s %d %s %d %s", t, what, f->id, kind_names[f->kind], f->target, detail);
}

static void note(play_t *p, const fault_t *f, const char *what, const char *detail)
{
    note_at(p, f, torture_now(), what, detail);
}

/* ------------------------------------------------------------- targets */

/* A participant for a fault: the leader half the time (faults that miss
 * the leader change little), any live one otherwise. */
static slot_t *live_slot(stage_t *s, bool library_only)
{
    if (stage_random(s, 2) == 0) {
        slot_t *leader = stage_leader_slot(s);
        if (leader && !leader->paused && (!library_only || !leader->run))
            return leader;
    }
    int candidates[MAX_SLOTS], n = 0;
    for (int i = 0; i < s->n_slots; i++)
        if (s->slots[i].pid > 0 && !s->slots[i].paused && (!library_only || !s->slots[i].run))
            candidates[n++] = i;
    return n ? &s->slots[candidates[stage_random(s, (uint64_t)n)]] : NULL;
}

static int up_member(stage_t *s)
{
    int candidates[ZK_ENSEMBLE_MAX], n = 0;
    for (int m = 0; m < s->ens.n; m++)
        if (!s->member_down[m] && !s->member_paused[m])
            candidates[n++] = m;
    return n ? candidates[stage_random(s, (uint64_t)n)] : -1;
}

/* The member the election's leader is connected to, the ensemble's leader,
 * or any: the ones a careless fault would miss. */
static int member_target(stage_t *s)
{
    int choice = (int)stage_random(s, 3);
    if (choice == 0) {
        slot_t *leader = stage_leader_slot(s);
        for (int m = 0; leader && m < s->ens.n; m++)
            if (!s->member_down[m] && !s->member_paused[m] && proxy_connections(leader->proxy[m]) > 0)
                return m;
    } else if (choice == 1) {
        int m = zk_ensemble_leader(&s->ens);
        if (m >= 0 && !s->member_down[m] && !s->member_paused[m])
            return m;
    }
    return up_member(s);
}

static int members_down(const stage_t *s)
{
    int n = 0;
    for (int m = 0; m < s->ens.n; m++)
        n += s->member_down[m] || s->member_paused[m];
    return n;
}

/* The parent of pid, from /proc (-1: gone). */
static pid_t parent_of(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    const char *paren = strrchr(buf, ')');
    int ppid = -1;
    return paren && sscanf(paren + 1, " %*c %d", &ppid) == 1 ? (pid_t)ppid : -1;
}

/* A process and everything it started, its reaper's children and setsid()
 * daemons included: a frozen cgroup, a paused VM. A `zkelect run` stopped
 * alone while its command runs on is outside what it promises: it must run
 * to stop its command. */
static void signal_tree(pid_t pid, int sig)
{
    kill(pid, sig);
    DIR *d = opendir("/proc");
    struct dirent *ent;
    while (d && (ent = readdir(d))) {
        int child = atoi(ent->d_name);
        if (child > 0 && parent_of((pid_t)child) == pid)
            signal_tree((pid_t)child, sig);
    }
    if (d)
        closedir(d);
}

/* ------------------------------------------------------- start and heal */

static void set_cut(slot_t *slot, int members, proxy_mode_t mode, int delay_ms)
{
    for (int m = 0; m < members; m++) {
        proxy_set_delay(slot->proxy[m], delay_ms);
        proxy_set_mode(slot->proxy[m], mode);
    }
}

static bool start_participant_fault(play_t *p, fault_t *f)
{
    stage_t *s = p->s;
    bool library = f->kind == EXPIRE || f->kind == LEAVE || f->kind == DESTROY || f->kind == PRIORITY;
    if (f->kind == PRIORITY && !s->priorities)
        return false;
    slot_t *slot = f->kind == RESIGN ? stage_leader_slot(s) : live_slot(s, library);
    if (!slot || (f->kind == LEAVE && slot->left))
        return false;
    f->target = (int)(slot - s->slots);
    char detail[64] = "";
    switch (f->kind) {
    case CUT: {
        int mode = (int)stage_random(s, 5);
        static const proxy_mode_t modes[] = {PROXY_BLACKHOLE, PROXY_REFUSE, PROXY_DROP_REPLIES, PROXY_DROP_REQUESTS,
                                             PROXY_DELAY};
        int delay = 50 + (int)stage_random(s, 1500);
        set_cut(slot, s->ens.n, modes[mode], delay);
        snprintf(detail, sizeof detail, "%s%s%d", cut_modes[mode], mode == 4 ? "=" : "", mode == 4 ? delay : 0);
        break;
    }
    case PAUSE:
        signal_tree(slot->pid, SIGSTOP);
        slot->paused = true;
        break;
    case KILL:
        slot->killed = true;
        kill(slot->pid, SIGKILL);
        break;
    case EXPIRE:
        kill(slot->pid, SIGHUP);
        break;
    case RESIGN:
        kill(slot->pid, SIGUSR1);
        break;
    case LEAVE:
        kill(slot->pid, TORTURE_SIG_LEAVE);
        slot->left = true;
        break;
    case STOP:
        kill(slot->pid, SIGTERM);
        break;
    case DESTROY:
        kill(slot->pid, SIGUSR2);
        break;
    case PRIORITY:
        kill(slot->pid, TORTURE_SIG_PRIORITY);
        break;
    default:
        return false;
    }
    snprintf(detail + strlen(detail), sizeof detail - strlen(detail), "%s%s", detail[0] ? " " : "", slot->id);
    note(p, f, "start", detail);
    return true;
}

/* A stranger (no credentials) writes a contender's node, the leader's half
 * the time, as an operator's script "touching" nodes would. By default
 * ZooKeeper refuses it (only the node's own session may write it); the
 * answer is logged. */
static bool start_foreign_write(play_t *p, fault_t *f)
{
    stage_t *s = p->s;
    if (members_down(s) > 0)
        return false; /* the stranger's handle may be on a member that does not answer */
    zkelect_participant_t *list = NULL;
    size_t n = 0;
    if (zkelect_participants(s->watcher, &list, &n) != ZKELECT_OK || n == 0) {
        zkelect_participants_free(list, n);
        return false;
    }
    size_t which = stage_random(s, 2) == 0 ? 0 : stage_random(s, n);
    char node[256], detail[128];
    snprintf(node, sizeof node, "%s/%s", s->path, list[which].node);
    int rc = zoo_set(s->admin, node, "touched", 7, -1);
    snprintf(detail, sizeof detail, "%s %s rc=%d", which == 0 ? "leader" : "follower", list[which].id, rc);
    zkelect_participants_free(list, n);
    f->target = -1;
    if (rc == ZOK || rc == ZNOAUTH)
        note(p, f, "start", detail);
    return rc == ZOK || rc == ZNOAUTH;
}

/* An operator, from another host, asks the leader to step down, or (in an
 * election with priorities) to hand over to a contender picked at random:
 * the watcher's handle asks, as `zkelect resign` and `zkelect move` do. */
static bool start_request(play_t *p, fault_t *f)
{
    stage_t *s = p->s;
    if (f->kind == MOVE && !s->priorities)
        return false;
    zkelect_participant_t *list = NULL;
    size_t n = 0;
    if (zkelect_participants(s->watcher, &list, &n) != ZKELECT_OK || n < 2 || !list[0].is_leader) {
        zkelect_participants_free(list, n);
        return false;
    }
    size_t to = 1 + stage_random(s, n - 1);
    char detail[160];
    int rc = f->kind == MOVE ? zkelect_request_move(s->watcher, list[to].id)
                             : zkelect_request_step_down(s->watcher, list[0].id);
    snprintf(detail, sizeof detail, "%s%s%s rc=%d", list[0].id, f->kind == MOVE ? " to " : "",
             f->kind == MOVE ? list[to].id : "", rc);
    zkelect_participants_free(list, n);
    f->target = -1;
    if (rc == ZKELECT_OK)
        note(p, f, "start", detail);
    return rc == ZKELECT_OK;
}

/* An operator deletes the election path with everything in it, in one
 * transaction (as ZooKeeper's deleteall does): every node goes at once, and
 * the leader learns it from its own watch in the same round of
 * notifications that may elect a successor. The checker bounds the
 * overlap (docs/GUARANTEES.md, A5). */
static bool start_path_delete(play_t *p, fault_t *f)
{
    stage_t *s = p->s;
    if (members_down(s) > 0)
        return false;
    f->target = -1;
    /* Noted at the time it was sent: the checker's window opens there. */
    int64_t sent = torture_now();
    if (zk_delete_children_and_path(s->admin, s->path) != ZOK)
        return false;
    note_at(p, f, sent, "start", "deleted");
    return true;
}

/* Every member killed at once (a power cut, maintenance), and kept down
 * past 2T: the participants give their connections up and reconnect to
 * their sessions, which ZooKeeper restores from disk when it returns. */
static bool start_ensemble_restart(play_t *p, fault_t *f)
{
    stage_t *s = p->s;
    if (members_down(s) > 0)
        return false;
    for (int m = 0; m < s->ens.n; m++) {
        zk_server_kill(&s->ens.member[m]);
        s->member_down[m] = true;
    }
    int64_t t = s->session_timeout_ms;
    f->heal_at = torture_now() + ms(2 * t + t / 4 + (int64_t)stage_random(s, (uint64_t)t));
    f->target = -1;
    note(p, f, "start", "all members");
    return true;
}

static bool start_member_fault(play_t *p, fault_t *f)
{
    stage_t *s = p->s;
    /* Never all members at once: the data must survive. */
    int allowed = s->ens.n - 1 - members_down(s);
    if (allowed < (f->kind == QUORUM ? 2 : 1))
        return false;
    f->target = member_target(s);
    if (f->target < 0)
        return false;
    char detail[64];
    snprintf(detail, sizeof detail, "%s", f->target == zk_ensemble_leader(&s->ens) ? "zk-leader" : "member");
    if (f->kind == MEMBER_PAUSE) {
        zk_server_pause(&s->ens.member[f->target], true);
        s->member_paused[f->target] = true;
    } else {
        zk_server_kill(&s->ens.member[f->target]);
        s->member_down[f->target] = true;
    }
    if (f->kind == QUORUM) {
        s->member_down[f->target] = true;
        f->target2 = up_member(s);
        if (f->target2 >= 0) {
            zk_server_kill(&s->ens.member[f->target2]);
            s->member_down[f->target2] = true;
        }
    }
    note(p, f, "start", detail);
    return true;
}

static void heal(play_t *p, fault_t *f)
{
    stage_t *s = p->s;
    f->active = false;
    slot_t *slot = f->target >= 0 && f->target < s->n_slots ? &s->slots[f->target] : NULL;
    switch (f->kind) {
    case CUT:
        set_cut(slot, s->ens.n, PROXY_PASS, 0);
        break;
    case PAUSE:
        if (slot->pid > 0)
            signal_tree(slot->pid, SIGCONT);
        slot->paused = false;
        break;
    case LEAVE:
        if (slot->pid > 0 && slot->left)
            kill(slot->pid, TORTURE_SIG_REJOIN);
        slot->left = false;
        break;
    case MEMBER_PAUSE:
        zk_server_pause(&s->ens.member[f->target], false);
        s->member_paused[f->target] = false;
        break;
    case QUORUM:
    case MEMBER_KILL:
        for (int k = 0; k < 2; k++) {
            int m = k ? f->target2 : f->target;
            if (m >= 0 && zk_server_restart(&s->ens.member[m], false) == 0)
                s->member_down[m] = false;
        }
        break;
    case ENSEMBLE_RESTART:
        for (int m = 0; m < s->ens.n; m++)
            if (s->member_down[m] && zk_server_restart(&s->ens.member[m], false) == 0)
                s->member_down[m] = false;
        break;
    default:
        break; /* the rest heal when their slot gets a new process */
    }
    note(p, f, "heal", "");
}

static void start_random_fault(play_t *p)
{
    stage_t *s = p->s;
    fault_t *f = NULL;
    for (int i = 0; i < MAX_FAULTS && !f; i++)
        if (!p->faults[i].active)
            f = &p->faults[i];
    if (!f)
        return;
    *f = (fault_t){.active = true, .id = ++p->next_id, .kind = (kind_t)stage_random(s, KINDS), .target2 = -1};
    f->heal_at = torture_now() + around_t(s);
    bool started;
    if (f->kind == MEMBER_KILL || f->kind == QUORUM || f->kind == MEMBER_PAUSE)
        started = start_member_fault(p, f);
    else if (f->kind == FOREIGN_WRITE)
        started = start_foreign_write(p, f);
    else if (f->kind == PATH_DELETE)
        started = start_path_delete(p, f);
    else if (f->kind == ENSEMBLE_RESTART)
        started = start_ensemble_restart(p, f);
    else if (f->kind == ASK || f->kind == MOVE)
        started = start_request(p, f);
    else
        started = start_participant_fault(p, f);
    if (!started)
        f->active = false;
}

/* --------------------------------------------------------- the cycles */

/* Processes that ended (killed, stopped, destroyed) are replaced, now and
 * then during a fault phase ("participants come and go"), always at the
 * heal. */
static void refill(stage_t *s, bool all)
{
    stage_reap(s);
    for (int i = 0; i < s->n_slots; i++)
        if (s->slots[i].pid <= 0 && (all || stage_random(s, 50) == 0))
            stage_start_slot(s, &s->slots[i]);
}

/* Every second: has a serving member found its tree diverged? A paused or
 * stopped member is not asked (it would not answer for a second). */
static void watch_digests(stage_t *s)
{
    if (torture_now() < s->next_digest_check)
        return;
    s->next_digest_check = torture_now() + NS_PER_S;
    for (int m = 0; m < s->ens.n; m++) {
        if (s->member_down[m] || s->member_paused[m] || s->member_diverged[m])
            continue;
        long mismatches = zk_server_digest_mismatches(&s->ens.member[m]);
        if (mismatches > 0) {
            torture_record(s->log, "M %" PRId64 " diverged %d %ld", torture_now(), m, mismatches);
            s->member_diverged[m] = true;
        }
    }
}

static void rebuild_diverged(stage_t *s)
{
    for (int m = 0; m < s->ens.n; m++) {
        if (!s->member_diverged[m] || s->member_down[m])
            continue;
        int rc = zk_server_rebuild_empty(&s->ens.member[m]);
        torture_record(s->log, "M %" PRId64 " rebuilt %d %d", torture_now(), m, rc);
        s->member_diverged[m] = rc != 0;
    }
}

static void heal_all(play_t *p)
{
    stage_t *s = p->s;
    /* The whole ensemble stays down past 2T, whatever the phase's end. */
    for (int i = 0; i < MAX_FAULTS; i++)
        while (p->faults[i].active && p->faults[i].kind == ENSEMBLE_RESTART && torture_now() < p->faults[i].heal_at &&
               !s->interrupted) {
            stage_reap(s);
            poll_pause();
        }
    for (int i = 0; i < MAX_FAULTS; i++)
        if (p->faults[i].active)
            heal(p, &p->faults[i]);
    for (int m = 0; m < s->ens.n; m++) {
        if (s->member_down[m] && zk_server_restart(&s->ens.member[m], false) == 0)
            s->member_down[m] = false;
        if (s->member_paused[m]) {
            zk_server_pause(&s->ens.member[m], false);
            s->member_paused[m] = false;
        }
    }
    rebuild_diverged(s);
    /* Healed once every member serves again. */
    int64_t deadline = torture_now() + 90 * NS_PER_S;
    for (int m = 0; m < s->ens.n; m++)
        while (!zk_server_serving(&s->ens.member[m]) && torture_now() < deadline)
            poll_pause();
    refill(s, true);
}

void nemesis_quiet(stage_t *s)
{
    int64_t t = s->session_timeout_ms;
    int64_t from = torture_now();
    torture_record(s->log, "Q %" PRId64 " from", from);
    /* One leader by 2 T + a tick, every live participant in line T later. */
    int64_t check_at = from + ms(3 * t + 1200);
    while (torture_now() < check_at) {
        stage_reap(s);
        watch_digests(s);
        poll_pause();
    }
    char expected[512] = "", present[512] = "";
    for (int i = 0; i < s->n_slots; i++) {
        slot_t *slot = &s->slots[i];
        if (slot->pid > 0 && !slot->left)
            snprintf(expected + strlen(expected), sizeof expected - strlen(expected), " %s", slot->id);
    }
    zkelect_participant_t *list = NULL;
    size_t n = 0;
    int rc = zkelect_participants(s->watcher, &list, &n);
    for (size_t i = 0; rc == ZKELECT_OK && i < n; i++)
        snprintf(present + strlen(present), sizeof present - strlen(present), " %s", list[i].id);
    zkelect_participants_free(list, n);
    torture_record(s->log, "A %" PRId64 " rc %d expected%s | present%s", torture_now(), rc, expected, present);
    torture_record(s->log, "Q %" PRId64 " to", torture_now());
}

void nemesis_play(stage_t *s)
{
    static play_t p;
    p.s = s;
    int64_t end = torture_now() + (int64_t)s->seconds * NS_PER_S;
    int64_t t = s->session_timeout_ms;
    while (torture_now() < end && !s->interrupted) {
        int64_t phase_end = torture_now() + ms(3 * t + (int64_t)stage_random(s, (uint64_t)(3 * t)));
        int64_t next = torture_now() + ms((int64_t)stage_random(s, (uint64_t)t / 2));
        while (torture_now() < phase_end && !s->interrupted) {
            int64_t now = torture_now();
            if (now >= next) {
                /* one or several at once */
                int burst = 1 + (int)stage_random(s, 3);
                for (int i = 0; i < burst; i++)
                    start_random_fault(&p);
                next = now + ms(t / 4 + (int64_t)stage_random(s, (uint64_t)t));
            }
            for (int i = 0; i < MAX_FAULTS; i++)
                if (p.faults[i].active && now >= p.faults[i].heal_at)
                    heal(&p, &p.faults[i]);
            refill(s, false);
            watch_digests(s);
            poll_pause();
        }
        heal_all(&p);
        nemesis_quiet(s);
    }
}

void nemesis_weakened(stage_t *s)
{
    static play_t p;
    p.s = s;
    /* s0, weakened, leads; it resigns; s1 takes over at once while s0 goes
     * on writing with its old epoch for 1.5 s. */
    int64_t deadline = torture_now() + 20 * NS_PER_S;
    while (stage_leader_slot(s) != &s->slots[0] && torture_now() < deadline)
        poll_pause();
    fault_t f = {.active = true, .id = ++p.next_id, .kind = RESIGN, .target2 = -1};
    if (start_participant_fault(&p, &f))
        heal(&p, &f);
    nemesis_quiet(s);
}
