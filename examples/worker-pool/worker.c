/* worker.c - what every worker does with the jobs given to it: refuse the
 * stale ones, do the work, and commit the result exactly once. */
#include "pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void drop(pool_t *p, const char *job)
{
    char path[POOL_PATH_MAX];
    pool_path(path, p, "assign/%s/%s", p->id, job);
    zoo_delete(p->zh, path, -1);
}

/* One transaction: the result appears, the job and our assignment go. If
 * another worker finished the job first, or the assignment was taken back,
 * nothing happens. */
static int commit(pool_t *p, const char *job, int64_t epoch, uint64_t hash)
{
    char result[POOL_PATH_MAX], pending[POOL_PATH_MAX], mine[POOL_PATH_MAX], data[128];
    pool_path(result, p, "results/%s", job);
    pool_path(pending, p, "jobs/%s", job);
    pool_path(mine, p, "assign/%s/%s", p->id, job);
    snprintf(data, sizeof data, "%s %lld %016llx", p->id, (long long)epoch, (unsigned long long)hash);
    zoo_op_t ops[3];
    zoo_op_result_t results[3];
    char created[POOL_PATH_MAX];
    zoo_create_op_init(&ops[0], result, data, (int)strlen(data), &ZOO_OPEN_ACL_UNSAFE, 0, created, sizeof created);
    zoo_delete_op_init(&ops[1], pending, -1);
    zoo_delete_op_init(&ops[2], mine, -1);
    return zoo_multi(p->zh, 3, ops, results);
}

static void work_one(pool_t *p, const char *job)
{
    char path[POOL_PATH_MAX], stamp[32];
    pool_path(path, p, "assign/%s/%s", p->id, job);
    int len = (int)sizeof stamp - 1;
    if (zoo_get(p->zh, path, 0, stamp, &len, NULL) != ZOK)
        return; /* taken back meanwhile */
    stamp[len < 0 ? 0 : len] = '\0';
    int64_t epoch = strtoll(stamp, NULL, 10);
    if (epoch < p->max_epoch_seen) {
        p->refused++;
        pool_say(p, "refused %s: stamped with epoch %lld, older than %lld", job, (long long)epoch,
                 (long long)p->max_epoch_seen);
        drop(p, job);
        return;
    }
    p->max_epoch_seen = epoch;
    uint64_t hash = pool_work_hash(job);
    int rc = commit(p, job, epoch, hash);
    if (rc == ZOK) {
        p->completed++;
        pool_say(p, "done %s epoch %lld", job, (long long)epoch);
    } else {
        p->lost_races++;
        pool_say(p, "not committed %s: %s (done elsewhere or taken back)", job, zerror(rc));
        drop(p, job);
    }
}

void pool_work_assignments(pool_t *p, int max_jobs)
{
    char path[POOL_PATH_MAX];
    pool_path(path, p, "assign/%s", p->id);
    struct String_vector jobs = {0};
    if (zoo_wget_children(p->zh, path, p->wake, p->wake_ctx, &jobs) != ZOK)
        return;
    for (int i = 0; i < jobs.count && i < max_jobs; i++)
        work_one(p, jobs.data[i]);
    deallocate_String_vector(&jobs);
}
