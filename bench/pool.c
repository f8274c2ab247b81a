/* pool.c - N election participants of one implementation, each on its own
 * session, with every ELECTED timestamped first thing in its callback. */
#include "bench.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zkelect.h>

typedef struct member {
    struct bench_pool *pool;
    int idx;
    zkelect_t *e;
    naive_t *naive;
    bool joined, left, closed;
    int64_t joined_ns;
    /* --manual-dispatch: its own loop, ended by a byte on stop[1] */
    pthread_t loop;
    int stop[2];
    bool looping;
} member_t;

struct bench_pool {
    const bench_options_t *opt;
    bench_elected_fn on_elected;
    void *arg;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    member_t **members;
    int count, cap;
    int leader;        /* index of the last ELECTED, -1 before any */
    int64_t leader_ns; /* its time */
};

static void record_elected(int idx, int64_t t_ns, void *arg)
{
    bench_pool_t *p = arg;
    pthread_mutex_lock(&p->lock);
    p->leader = idx;
    p->leader_ns = t_ns;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
    if (p->on_elected)
        p->on_elected(idx, t_ns, p->arg);
}

static void on_event(zkelect_t *e, const zkelect_event_t *ev, void *userdata)
{
    int64_t t = bench_now_ns();
    (void)e;
    member_t *m = userdata;
    if (ev->type == ZKELECT_EV_ELECTED) {
        record_elected(m->idx, t, m->pool);
    } else if (ev->type == ZKELECT_EV_JOINED) {
        pthread_mutex_lock(&m->pool->lock);
        if (!m->joined) {
            m->joined = true;
            m->joined_ns = t;
        }
        pthread_cond_broadcast(&m->pool->cond);
        pthread_mutex_unlock(&m->pool->lock);
    } else if (ev->type == ZKELECT_EV_ERROR) {
        fprintf(stderr, "participant %d: %s\n", m->idx, ev->message);
    }
}

bench_pool_t *bench_pool_new(const bench_options_t *opt, bench_elected_fn on_elected, void *arg)
{
    bench_pool_t *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->opt = opt;
    p->on_elected = on_elected;
    p->arg = arg;
    p->leader = -1;
    pthread_mutex_init(&p->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cond, &attr);
    pthread_condattr_destroy(&attr);
    return p;
}

static bool wait_until(bench_pool_t *p, int64_t deadline_ns)
{
    struct timespec ts = {deadline_ns / 1000000000, deadline_ns % 1000000000};
    return pthread_cond_timedwait(&p->cond, &p->lock, &ts) == 0 || bench_now_ns() < deadline_ns;
}

/* A daemon's event loop, reduced to its election: poll, dispatch. */
static void *dispatch_loop(void *arg)
{
    member_t *m = arg;
    int fd = -1;
    zkelect_fd(m->e, &fd);
    struct pollfd fds[2] = {{.fd = fd, .events = POLLIN}, {.fd = m->stop[0], .events = POLLIN}};
    while (poll(fds, 2, -1) >= 0 && !(fds[1].revents & POLLIN))
        if (fds[0].revents & POLLIN)
            zkelect_dispatch(m->e, NULL);
    return NULL;
}

static int start_loop(member_t *m)
{
    if (pipe(m->stop) != 0)
        return ZKELECT_ESYS;
    if (pthread_create(&m->loop, NULL, dispatch_loop, m) != 0) {
        close(m->stop[0]);
        close(m->stop[1]);
        return ZKELECT_ESYS;
    }
    m->looping = true;
    return ZKELECT_OK;
}

/* The loop ends before the handle goes: zkelect_destroy() then runs what
 * is left on the calling thread. */
static void stop_loop(member_t *m)
{
    if (!m->looping)
        return;
    m->looping = false;
    (void)!write(m->stop[1], "x", 1);
    pthread_join(m->loop, NULL);
    close(m->stop[0]);
    close(m->stop[1]);
}

static int start_zkelect(bench_pool_t *p, member_t *m)
{
    char id[32];
    snprintf(id, sizeof id, "bench-%d", m->idx);
    int rc = zkelect_new(&m->e, p->opt->zk, p->opt->path, id);
    if (rc == ZKELECT_OK)
        rc = zkelect_set_callback(m->e, on_event, m);
    if (rc == ZKELECT_OK && p->opt->manual_dispatch)
        rc = zkelect_set_dispatch_mode(m->e, ZKELECT_DISPATCH_MANUAL);
    if (rc == ZKELECT_OK)
        rc = zkelect_set_session_timeout(m->e, p->opt->session_ms);
    if (rc == ZKELECT_OK && p->opt->priorities)
        rc = zkelect_set_priority(m->e, m->idx % 7 * 10);
    if (rc == ZKELECT_OK && p->opt->manual_dispatch)
        rc = start_loop(m);
    if (rc == ZKELECT_OK)
        rc = zkelect_start(m->e);
    if (rc != ZKELECT_OK)
        fprintf(stderr, "participant %d: %s\n", m->idx, zkelect_strerror(rc));
    return rc;
}

int bench_pool_join(bench_pool_t *p, int64_t *joined_ns)
{
    member_t *m = calloc(1, sizeof *m);
    if (!m)
        return -1;
    pthread_mutex_lock(&p->lock);
    if (p->count == p->cap) {
        int cap = p->cap ? p->cap * 2 : 64;
        member_t **grown = realloc(p->members, (size_t)cap * sizeof *grown);
        if (!grown) {
            pthread_mutex_unlock(&p->lock);
            free(m);
            return -1;
        }
        p->members = grown;
        p->cap = cap;
    }
    m->pool = p;
    m->idx = p->count;
    p->members[p->count++] = m;
    pthread_mutex_unlock(&p->lock);
    if (p->opt->naive) {
        m->naive = naive_join(p->opt, m->idx, record_elected, p);
        if (!m->naive)
            return -1;
        pthread_mutex_lock(&p->lock);
        m->joined = true;
        m->joined_ns = bench_now_ns();
        pthread_mutex_unlock(&p->lock);
    } else if (start_zkelect(p, m) != ZKELECT_OK) {
        return -1;
    }
    int64_t deadline = bench_now_ns() + 30 * (int64_t)1000000000;
    pthread_mutex_lock(&p->lock);
    while (!m->joined && wait_until(p, deadline))
        continue;
    bool joined = m->joined;
    if (joined_ns)
        *joined_ns = m->joined_ns;
    pthread_mutex_unlock(&p->lock);
    return joined ? m->idx : -1;
}

/* The last ELECTED, if it is not `not`, came at `since` or later, and its
 * participant has not been closed. Lock held. */
static bool current_leader(const bench_pool_t *p, int not, int64_t since)
{
    const member_t *m = p->leader >= 0 ? p->members[p->leader] : NULL;
    return m && p->leader != not && p->leader_ns >= since && !m->left && !m->closed;
}

int bench_pool_wait_leader(bench_pool_t *p, int not, int64_t since, int timeout_ms, int64_t *elected_ns)
{
    int64_t deadline = bench_now_ns() + (int64_t)timeout_ms * 1000000;
    pthread_mutex_lock(&p->lock);
    while (!current_leader(p, not, since) && wait_until(p, deadline))
        continue;
    int leader = current_leader(p, not, since) ? p->leader : -1;
    if (elected_ns)
        *elected_ns = p->leader_ns;
    pthread_mutex_unlock(&p->lock);
    return leader;
}

void bench_pool_leave(bench_pool_t *p, int idx)
{
    pthread_mutex_lock(&p->lock);
    member_t *m = idx >= 0 && idx < p->count && !p->members[idx]->closed ? p->members[idx] : NULL;
    if (m)
        m->left = true;
    pthread_mutex_unlock(&p->lock);
    if (m && m->naive)
        naive_leave(m->naive);
    else if (m)
        zkelect_leave(m->e);
}

void bench_pool_close(bench_pool_t *p, int idx)
{
    pthread_mutex_lock(&p->lock);
    member_t *m = idx >= 0 && idx < p->count ? p->members[idx] : NULL;
    bool open = m && !m->closed;
    if (open)
        m->closed = true;
    pthread_mutex_unlock(&p->lock);
    if (!open)
        return;
    if (m->naive) {
        naive_close(m->naive);
    } else {
        stop_loop(m);
        zkelect_destroy(m->e);
    }
}

void bench_pool_free(bench_pool_t *p)
{
    if (!p)
        return;
    /* Followers first, so that closing them elects nobody. */
    pthread_mutex_lock(&p->lock);
    int leader = p->leader;
    pthread_mutex_unlock(&p->lock);
    for (int i = p->count - 1; i >= 0; i--)
        if (i != leader)
            bench_pool_close(p, i);
    bench_pool_close(p, leader);
    for (int i = 0; i < p->count; i++)
        free(p->members[i]);
    free(p->members);
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->lock);
    free(p);
}
