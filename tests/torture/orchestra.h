/* orchestra.h - what the orchestrator's parts share: run.c sets the stage
 * (ensemble, proxies, store, the participants' processes) and takes it
 * down; nemesis.c plays the faults on it; stage.c is what both call on (the
 * random numbers, the participants' processes). run.c calls nemesis.c, never the reverse. */
#ifndef ZKELECT_TORTURE_ORCHESTRA_H
#define ZKELECT_TORTURE_ORCHESTRA_H

#include "torture.h"

#include "zkadmin.h"
#include "zkserver.h"
#include "proxy.h"

#include <signal.h>
#include <sys/types.h>
#include <zkelect.h>

#define MAX_SLOTS 8

/* A place for one participant process at a time. */
typedef struct slot {
    char name[16];            /* "s0" */
    bool run;                 /* `zkelect run` wrapping a writer */
    bool manual, shared, lease, weaken;
    int priority;             /* --priorities: its contenders' priority */
    proxy_t *proxy[ZK_ENSEMBLE_MAX]; /* one in front of each member */
    char hosts[512];          /* the proxies' addresses */
    pid_t pid;                /* 0: empty */
    int gen;
    char id[32];              /* the current process's participant id */
    bool paused;              /* SIGSTOPped */
    bool left;                /* out of line (TORTURE_SIG_LEAVE) */
    bool killed;              /* its end was not asked for: any status will do */
} slot_t;

typedef struct stage {
    const char *self;         /* this binary */
    char zkelect_bin[1024];
    char dir[512];
    char path[64];            /* the election */
    int session_timeout_ms;
    int members;
    int seconds;
    uint64_t seed, rng;
    bool weakened;
    bool priorities;          /* --priorities: contenders of different priorities, a preempting one, moves */
    int log;                  /* the orchestrator's records */
    zk_ensemble_t ens;
    bool member_down[ZK_ENSEMBLE_MAX], member_paused[ZK_ENSEMBLE_MAX];
    /* A member whose tree ZooKeeper found diverged from its leader's (a
     * digest mismatch): rebuilt from the others at the next heal. */
    bool member_diverged[ZK_ENSEMBLE_MAX];
    int64_t next_digest_check;
    pid_t store_pid;
    slot_t slots[MAX_SLOTS];
    int n_slots;
    zkelect_t *watcher;       /* an observer on the ensemble itself */
    void *admin;              /* a plain ZooKeeper handle, a stranger's: no credentials */
    long process_failures;    /* processes that ended badly on their own */
    volatile sig_atomic_t interrupted; /* SIGINT or SIGTERM: heal, check what ran, report */
} stage_t;

/* stage.c */
void stage_start_slot(stage_t *s, slot_t *slot);
/* Collect the slots' processes that ended; log them. */
void stage_reap(stage_t *s);
/* The slot whose process leads now (by the watcher), or NULL. */
slot_t *stage_leader_slot(stage_t *s);
/* A random number in [0, n). */
uint64_t stage_random(stage_t *s, uint64_t n);

/* nemesis.c: faults until s->seconds have passed, then everything healed. */
void nemesis_play(stage_t *s);
/* The weakened scenario: the leader, weakened, resigns; the checker must
 * catch it. */
void nemesis_weakened(stage_t *s);
/* A quiet phase: everything healed, then the checks' records. */
void nemesis_quiet(stage_t *s);

#endif
