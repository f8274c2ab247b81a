/* runner.c - the runner protocol of docs/bench-protocol.md (--runner-mode),
 * so that a harness can measure zkelect side by side with other libraries:
 * events on stdout, one whole line each, commands on stdin. */
#include "bench.h"

#include <stdarg.h>
#include <string.h>

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

/* A participant's ELECTED can come before the joining thread has printed its
 * JOINED (the callback runs on zkelect's thread, JOINED is printed once the
 * join returns): it waits here, so that lines come in protocol order. Joins
 * are one at a time, so only the newest participant can be in that gap. */
typedef struct order {
    int joined_upto;   /* JOINED printed for every index up to this one */
    int held_idx;      /* an ELECTED waiting for its JOINED, or -1 */
    long long held_ns;
} order_t;

static void vemit_locked(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
static void vemit_locked(const char *fmt, va_list ap)
{
    vprintf(fmt, ap);
    fputc('\n', stdout);
    fflush(stdout);
}

static void emit_locked(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void emit_locked(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vemit_locked(fmt, ap);
    va_end(ap);
}

static void emit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void emit(const char *fmt, ...)
{
    va_list ap;
    pthread_mutex_lock(&out_lock);
    va_start(ap, fmt);
    vemit_locked(fmt, ap);
    va_end(ap);
    pthread_mutex_unlock(&out_lock);
}

static void on_elected(int idx, int64_t t_ns, void *arg)
{
    order_t *o = arg;
    pthread_mutex_lock(&out_lock);
    if (idx > o->joined_upto) {
        o->held_idx = idx;
        o->held_ns = (long long)t_ns;
    } else {
        emit_locked("ELECTED %d %lld", idx, (long long)t_ns);
    }
    pthread_mutex_unlock(&out_lock);
}

static int join_one(bench_pool_t *pool, order_t *o)
{
    int64_t t;
    int idx = bench_pool_join(pool, &t);
    if (idx < 0) {
        emit("ERROR participant could not join");
        return idx;
    }
    pthread_mutex_lock(&out_lock);
    emit_locked("JOINED %d %lld", idx, (long long)t);
    o->joined_upto = idx;
    if (o->held_idx == idx) {
        emit_locked("ELECTED %d %lld", idx, o->held_ns);
        o->held_idx = -1;
    }
    pthread_mutex_unlock(&out_lock);
    return idx;
}

/* The protocol's three steps: zkelect_leave() deletes the node and keeps
 * the session; the successor's ELECTED (at most 2 s); zkelect_destroy()
 * closes the session. */
static void close_leader(bench_pool_t *pool)
{
    int leader = bench_pool_wait_leader(pool, -1, 0, 30000, NULL);
    if (leader < 0) {
        emit("ERROR no leader to close within 30 s");
        return;
    }
    int64_t t0 = bench_now_ns();
    emit("CLOSING %d %lld", leader, (long long)t0);
    bench_pool_leave(pool, leader);
    bench_pool_wait_leader(pool, leader, t0, 2000, NULL);
    bench_pool_close(pool, leader);
    emit("CLOSED %d %lld", leader, (long long)bench_now_ns());
}

int bench_runner(const bench_options_t *opt)
{
    order_t order = {.joined_upto = -1, .held_idx = -1};
    bench_pool_t *pool = bench_pool_new(opt, on_elected, &order);
    if (!pool) {
        emit("ERROR out of memory");
        return 1;
    }
    emit("JOINING %lld", (long long)bench_now_ns());
    for (int i = 0; i < opt->participants; i++) {
        if (join_one(pool, &order) < 0) {
            bench_pool_free(pool);
            return 1;
        }
    }
    emit("READY %lld", (long long)bench_now_ns());
    char line[256];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strcmp(line, "close") == 0)
            close_leader(pool);
        else if (strcmp(line, "rejoin") == 0)
            join_one(pool, &order);
        else if (strcmp(line, "quit") == 0)
            break;
        else if (line[0])
            emit("# unknown command: %s", line);
    }
    bench_pool_free(pool);
    emit("BYE %lld", (long long)bench_now_ns());
    return 0;
}
