/* pool.h - the worker pool: M workers share one election, and the leader
 * dispatches jobs to the others. Everything durable lives in ZooKeeper:
 *
 *   ROOT/election         the zkelect election (the leader is the dispatcher)
 *   ROOT/workers/ID       ephemeral: a live worker
 *   ROOT/jobs/J           persistent: a pending job, its payload as data
 *   ROOT/assign/ID/J      persistent: job J given to worker ID, data = epoch
 *   ROOT/results/J        persistent: the result of J ("worker epoch hash")
 *
 * Exactly once: a worker completes J with one multi-op that creates
 * results/J, deletes jobs/J and deletes its own assign/ID/J. Only the
 * current assignee can delete the assignment and only one create of
 * results/J can succeed, so a job is completed once even when a dispatcher
 * reassigns it to a second worker. Fencing: workers refuse assignments
 * stamped with an epoch older than one they have seen. */
#ifndef POOL_H
#define POOL_H

#include <stdbool.h>
#include <stdint.h>
#include <zkelect.h>
#include <zookeeper/zookeeper.h>

#define POOL_PATH_MAX 512 /* ROOT must be shorter than half of it */
#define POOL_BACKLOG 8 /* assignments a worker holds at most */

typedef struct pool {
    const char *hosts, *root, *id;
    zhandle_t *zh;   /* the worker's own session: registration and jobs */
    zkelect_t *election;
    watcher_fn wake; /* set on what a round reads, to start the next one */
    void *wake_ctx;
    int64_t max_epoch_seen;
    long completed, refused, lost_races;
} pool_t;

/* jobs.c: the tree, the work itself, and the reports */
int pool_connect(pool_t *p);
void pool_path(char *buf, const pool_t *p, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int pool_ensure_tree(pool_t *p);
uint64_t pool_work_hash(const char *job);
int pool_enqueue(pool_t *p, int count);
int pool_status(pool_t *p);
int pool_verify(pool_t *p, int expected);

/* dispatcher.c: one round of handing out pending jobs (the leader only) */
void pool_dispatch(pool_t *p, int64_t epoch);

/* worker.c: take on up to max_jobs of our assignments, do them, commit */
void pool_work_assignments(pool_t *p, int max_jobs);

/* out.c */
void pool_say(const pool_t *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
