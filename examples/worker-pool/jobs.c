/* jobs.c - the pool's tree in ZooKeeper, the work itself (a CPU-bound hash
 * of the job's payload) and the reports the demo prints. */
#include "pool.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Each job is about this much real CPU work: FNV-1a over its payload,
 * iterated. */
#define WORK_ROUNDS 16000
#define PAYLOAD_LEN 256

void pool_path(char *buf, const pool_t *p, const char *fmt, ...)
{
    char tail[POOL_PATH_MAX / 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tail, sizeof tail, fmt, ap);
    va_end(ap);
    snprintf(buf, POOL_PATH_MAX, "%s/%s", p->root, tail);
}

/* The payload is a function of the job's name, so that anyone can check a
 * result after the job node is gone. */
static int payload_of(const char *job, char *buf)
{
    size_t n = strlen(job);
    for (size_t i = 0; i < PAYLOAD_LEN; i++)
        buf[i] = job[i % n];
    return PAYLOAD_LEN;
}

uint64_t pool_work_hash(const char *job)
{
    char payload[PAYLOAD_LEN];
    int len = payload_of(job, payload);
    uint64_t h = 14695981039346656037ULL;
    for (int round = 0; round < WORK_ROUNDS; round++)
        for (int i = 0; i < len; i++)
            h = (h ^ (unsigned char)payload[i] ^ (uint64_t)round) * 1099511628211ULL;
    return h;
}

static pthread_mutex_t connect_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t connect_cond = PTHREAD_COND_INITIALIZER;

static void session_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    (void)zh, (void)path, (void)ctx;
    if (type == ZOO_SESSION_EVENT) {
        pthread_mutex_lock(&connect_lock);
        pthread_cond_broadcast(&connect_cond);
        pthread_mutex_unlock(&connect_lock);
    }
    (void)state;
}

int pool_connect(pool_t *p)
{
    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
    p->zh = zookeeper_init(p->hosts, session_watcher, 4000, NULL, NULL, 0);
    if (!p->zh)
        return -1;
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 15;
    pthread_mutex_lock(&connect_lock);
    while (zoo_state(p->zh) != ZOO_CONNECTED_STATE &&
           pthread_cond_timedwait(&connect_cond, &connect_lock, &deadline) == 0)
        continue;
    pthread_mutex_unlock(&connect_lock);
    return zoo_state(p->zh) == ZOO_CONNECTED_STATE ? 0 : -1;
}

static int create_persistent(pool_t *p, const char *path)
{
    int rc = zoo_create(p->zh, path, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
    return rc == ZNODEEXISTS ? ZOK : rc;
}

int pool_ensure_tree(pool_t *p)
{
    char path[POOL_PATH_MAX];
    snprintf(path, sizeof path, "%s", p->root);
    for (char *slash = strchr(path + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        create_persistent(p, path);
        *slash = '/';
    }
    int rc = create_persistent(p, path);
    const char *dirs[] = {"workers", "jobs", "assign", "results"};
    for (size_t i = 0; i < 4 && rc == ZOK; i++) {
        pool_path(path, p, "%s", dirs[i]);
        rc = create_persistent(p, path);
    }
    return rc;
}

int pool_enqueue(pool_t *p, int count)
{
    for (int i = 0; i < count; i++) {
        char path[POOL_PATH_MAX], job[32];
        snprintf(job, sizeof job, "job-%06d", i);
        pool_path(path, p, "jobs/%s", job);
        int rc = zoo_create(p->zh, path, job, (int)strlen(job), &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
        if (rc != ZOK) {
            fprintf(stderr, "enqueue %s: %s\n", path, zerror(rc));
            return 1;
        }
    }
    return 0;
}

static int children(pool_t *p, const char *dir)
{
    char path[POOL_PATH_MAX];
    pool_path(path, p, "%s", dir);
    struct Stat stat;
    return zoo_exists(p->zh, path, 0, &stat) == ZOK ? stat.numChildren : -1;
}

/* "pending P assigned A done D workers W": one line for the demo's progress. */
int pool_status(pool_t *p)
{
    struct String_vector workers = {0};
    char path[POOL_PATH_MAX];
    pool_path(path, p, "assign");
    int assigned = 0;
    if (zoo_get_children(p->zh, path, 0, &workers) == ZOK) {
        for (int i = 0; i < workers.count; i++) {
            char dir[POOL_PATH_MAX];
            snprintf(dir, sizeof dir, "assign/%s", workers.data[i]);
            int n = children(p, dir);
            assigned += n > 0 ? n : 0;
        }
        deallocate_String_vector(&workers);
    }
    printf("pending %d assigned %d done %d workers %d\n", children(p, "jobs"), assigned, children(p, "results"),
           children(p, "workers"));
    return 0;
}

/* Every result is there once and right: "done D wrong W missing M". */
int pool_verify(pool_t *p, int expected)
{
    int wrong = 0, missing = 0;
    for (int i = 0; i < expected; i++) {
        char path[POOL_PATH_MAX], job[32], data[256];
        snprintf(job, sizeof job, "job-%06d", i);
        pool_path(path, p, "results/%s", job);
        int len = (int)sizeof data - 1;
        if (zoo_get(p->zh, path, 0, data, &len, NULL) != ZOK) {
            missing++;
            continue;
        }
        data[len < 0 ? 0 : len] = '\0';
        unsigned long long hash;
        if (sscanf(data, "%*s %*s %llx", &hash) != 1 || hash != pool_work_hash(job))
            wrong++;
    }
    printf("done %d wrong %d missing %d\n", expected - missing, wrong, missing);
    return wrong || missing ? 1 : 0;
}
