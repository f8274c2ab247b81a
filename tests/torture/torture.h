/* torture.h - zkelect-torture: hours of randomized, combined faults against
 * a real ensemble, participants in their own processes, and a fenced store
 * that must never accept a write from a stale leader.
 *
 * One binary, five roles (main.c picks one):
 *   run          the orchestrator: ensemble, proxies, store, participants,
 *                the nemesis; then the checker and the timeline (run.c,
 *                stage.c, nemesis.c)
 *   participant  one election participant, sampling zkelect_is_leader() and
 *                writing to the store while it reads 1 (participant.c)
 *   writer       the command under `zkelect run`: writes with ZKELECT_EPOCH
 *                for as long as it runs (writer.c)
 *   store        the fenced store: accepts a write only if its epoch is at
 *                least the highest it has accepted (store.c)
 *   check DIR    the checker alone, over the logs of a run (check.c)
 *
 * Every process logs to its own file in the run's directory, one record per
 * line, times in CLOCK_MONOTONIC nanoseconds (one clock for all):
 *   participant  E t type reason epoch      an event delivered to the callback
 *                L first last epoch          an interval of samples reading 1
 *                l first last epoch          the same, still open (every 50 ms)
 *                C t connected               the session connected or not
 *                I t ahead                   place in line changed (-1: out)
 *                X t what                    a command received (resign, ...);
 *                                            "priority N": its priority, at
 *                                            the start and at each change;
 *                                            "expired EPOCH": its session was
 *                                            closed by a third party, its
 *                                            node had that epoch
 *   store        S recv writer epoch send seq accepted highest_before
 *   orchestrator N t start|heal id kind target detail    the nemesis
 *                Q t from|to                 a quiet phase: all faults healed
 *                A t ids...                  the contenders in line at a check
 *                P t slot pid name started|exited status
 *                M t diverged|rebuilt member ...  ZooKeeper's own faults
 */
#ifndef ZKELECT_TORTURE_H
#define ZKELECT_TORTURE_H

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* The orchestrator's commands to a participant that must not merge when
 * the process is stopped: real-time signals queue, the lower first. */
#define TORTURE_SIG_LEAVE (SIGRTMIN)
#define TORTURE_SIG_REJOIN (SIGRTMIN + 1)
#define TORTURE_SIG_PRIORITY (SIGRTMIN + 2) /* the next priority (--priorities) */
/* Every signal a participant takes as a command. The stage starts it with
 * them blocked (a mask survives exec): one sent while it is still starting
 * waits for its signalfd instead of killing it by the default action. */
void torture_command_signals(sigset_t *set);

#define NS_PER_MS 1000000LL
#define NS_PER_S 1000000000LL

/* CLOCK_MONOTONIC in ns: every record's clock. */
int64_t torture_now(void);
/* Append one line to fd, whole (one write). */
void torture_record(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The roles. */
int torture_run(int argc, char **argv);
int torture_participant(int argc, char **argv);
int torture_writer(int argc, char **argv);
int torture_store(int argc, char **argv);
int torture_check_main(int argc, char **argv);

/* The checker (check.c) over the run directory dir; the report goes to out.
 * T is the session timeout in ms, bound_ms the time a leader must be back
 * within after a heal. Returns the number of violations. */
typedef struct torture_report {
    long writes, accepted, refused_in_flight;
    long terms, leader_intervals;
    long quiet_phases;
    double max_ms_without_leader; /* after a heal, until one leads */
    long faults_by_kind[16];
    char kinds[16][24];
    int n_kinds;
    long violations;
    /* Set aside, outside the guarantees, and said so: */
    long a6_terms, a6_writes;  /* elected on a node a third party was closing (A6) */
    long fenced_after_pause;   /* a paused writer's writes, all refused (F5) */
    long zk_diverged;          /* times a member's tree diverged from its leader's */
    long zk_set_aside;         /* findings while ZooKeeper was diverged */
    /* The election path deleted by an operator (A5 broken): two leaders for
     * the time between two notifications of one round, bounded. */
    long path_deletions;
    long deletion_overlaps, deletion_writes; /* overlaps and stale writes within the bound after one */
    double max_deletion_overlap_ms;
    long deaf_deletion_overlaps; /* the old leader could not hear the deletion: bounded by T */
    double max_deaf_deletion_overlap_ms;
    /* With priorities: the terms after a failover judged by the rule of
     * succession (check.c 5), -1 without priorities. */
    long successions_judged;
} torture_report_t;

/* How long after the election path's deletion two leaders may overlap, in
 * the torture's checker: the leader learns it from its own watch, in the
 * round of notifications that may elect a successor (GUARANTEES.md, A5).
 * A leader that cannot hear then (paused, cut off, its member down) ends
 * its term by its lease, and its command by the kill bound: within T. */
#define TORTURE_DELETION_BOUND_MS 200
long torture_check(const char *dir, int session_timeout_ms, int bound_ms, torture_report_t *report, FILE *out);

/* The timeline (timeline.c): an SVG of the run in dir. 0 on success. */
int torture_timeline(const char *dir, const char *svg);

#endif
