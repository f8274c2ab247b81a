/* dispatcher.c - what the leader does: give each pending job to a live
 * worker (itself included: the last one standing must still get the work
 * done), at most POOL_BACKLOG each, stamped with the leader's epoch. A new
 * dispatcher needs no hand-over: the tree is the whole state. */
#include "pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct worker_load {
    char *id;
    int backlog;
    bool live;
} worker_load_t;

static bool listed(const struct String_vector *v, const char *name)
{
    for (int i = 0; i < v->count; i++)
        if (strcmp(v->data[i], name) == 0)
            return true;
    return false;
}

/* Assignments of workers that are gone go back to the pending pool. The
 * worker, if it was only cut off, can no longer complete them: its commit
 * deletes its own assignment, which is no longer there. */
static void reclaim(pool_t *p, const char *worker, const struct String_vector *jobs)
{
    for (int i = 0; i < jobs->count; i++) {
        char path[POOL_PATH_MAX];
        pool_path(path, p, "assign/%s/%s", worker, jobs->data[i]);
        if (zoo_delete(p->zh, path, -1) == ZOK)
            pool_say(p, "reclaimed %s from %s", jobs->data[i], worker);
    }
}

/* Load per worker; collects every job currently assigned to a live one. */
static worker_load_t *survey(pool_t *p, const struct String_vector *live, const struct String_vector *dirs,
                             struct String_vector *assigned_jobs)
{
    worker_load_t *load = calloc((size_t)dirs->count + 1, sizeof *load);
    for (int i = 0; load && i < dirs->count; i++) {
        char path[POOL_PATH_MAX];
        pool_path(path, p, "assign/%s", dirs->data[i]);
        struct String_vector jobs = {0};
        if (zoo_wget_children(p->zh, path, p->wake, p->wake_ctx, &jobs) != ZOK)
            continue;
        load[i].id = dirs->data[i];
        load[i].live = listed(live, dirs->data[i]);
        load[i].backlog = jobs.count;
        if (!load[i].live) {
            reclaim(p, dirs->data[i], &jobs);
        } else {
            for (int j = 0; j < jobs.count; j++) {
                assigned_jobs->data = realloc(assigned_jobs->data, (size_t)(assigned_jobs->count + 1) * sizeof(char *));
                assigned_jobs->data[assigned_jobs->count++] = strdup(jobs.data[j]);
            }
        }
        deallocate_String_vector(&jobs);
    }
    return load;
}

static worker_load_t *least_loaded(worker_load_t *load, int n)
{
    worker_load_t *best = NULL;
    for (int i = 0; i < n; i++)
        if (load[i].id && load[i].live && load[i].backlog < POOL_BACKLOG && (!best || load[i].backlog < best->backlog))
            best = &load[i];
    return best;
}

static bool assign(pool_t *p, worker_load_t *w, const char *job, int64_t epoch)
{
    /* Fencing at the source: never write as a dispatcher that may no
     * longer lead. */
    if (!zkelect_is_leader(p->election))
        return false;
    char path[POOL_PATH_MAX], stamp[32];
    pool_path(path, p, "assign/%s/%s", w->id, job);
    snprintf(stamp, sizeof stamp, "%lld", (long long)epoch);
    int rc = zoo_create(p->zh, path, stamp, (int)strlen(stamp), &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
    if (rc == ZOK)
        w->backlog++;
    return rc == ZOK || rc == ZNODEEXISTS;
}

void pool_dispatch(pool_t *p, int64_t epoch)
{
    char path[POOL_PATH_MAX];
    struct String_vector live = {0}, dirs = {0}, pending = {0}, assigned = {0};
    pool_path(path, p, "workers");
    int rc = zoo_wget_children(p->zh, path, p->wake, p->wake_ctx, &live);
    pool_path(path, p, "assign");
    if (rc == ZOK)
        rc = zoo_get_children(p->zh, path, 0, &dirs);
    /* Assignments first, then the pending jobs: a job that is pending but
     * was in no assignment at the survey is truly unassigned (a job listed
     * first could be completed and unassigned in between, and be handed out
     * twice). */
    worker_load_t *load = rc == ZOK ? survey(p, &live, &dirs, &assigned) : NULL;
    pool_path(path, p, "jobs");
    if (load && zoo_get_children(p->zh, path, 0, &pending) != ZOK)
        pending.count = 0;
    int given = 0;
    for (int i = 0; load && i < pending.count; i++) {
        if (listed(&assigned, pending.data[i]))
            continue;
        worker_load_t *w = least_loaded(load, dirs.count);
        if (!w || !assign(p, w, pending.data[i], epoch))
            break;
        given++;
    }
    if (given)
        pool_say(p, "dispatched %d job(s) at epoch %lld", given, (long long)epoch);
    free(load);
    deallocate_String_vector(&assigned);
    deallocate_String_vector(&pending);
    deallocate_String_vector(&dirs);
    deallocate_String_vector(&live);
}
