/* bench.h - zkelect-bench: how fast a new leader takes over, and what a
 * leader change costs the ZooKeeper ensemble. It drives zkelect (or, with
 * --naive, an election in which every participant watches all children) with
 * N participants, each on its own session, in one process; crash failovers
 * use one process per participant (the runner mode, see runner.c). */
#ifndef ZKELECT_BENCH_H
#define ZKELECT_BENCH_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct bench_options {
    const char *zk, *path;
    int participants;     /* N */
    int failovers;        /* K */
    int warmup;           /* failovers not recorded */
    int session_ms;
    int idle_s;           /* --idle: measure N idle participants for this long */
    bool naive, crash, floor, shared, json, runner, quiet;
    bool back_to_back;    /* failovers one after another, no server counters between them */
    bool priorities;      /* participant i has priority i % 7 * 10: the line reorders at every join */
    bool manual_dispatch; /* each participant's callbacks in a poll loop of its own, on zkelect_fd() */
} bench_options_t;

/* ------------------------------------------------------------ clock.c */
int64_t bench_now_ns(void); /* CLOCK_MONOTONIC */

/* ------------------------------------------------------------ pool.c
 * N participants of one implementation, joined one after another, each on
 * its own session. Every ELECTED is timestamped first thing in the callback
 * and recorded; the pool knows the current leader. */
typedef struct bench_pool bench_pool_t;
typedef void (*bench_elected_fn)(int idx, int64_t t_ns, void *arg);

bench_pool_t *bench_pool_new(const bench_options_t *opt, bench_elected_fn on_elected, void *arg);
/* Add one participant (the next index) and wait until its node exists.
 * Returns its index, or -1. */
int bench_pool_join(bench_pool_t *p, int64_t *joined_ns);
/* Wait for a leader other than `not` (-1: any) elected after `since`; its
 * index and the time of its ELECTED, or -1 at the deadline. */
int bench_pool_wait_leader(bench_pool_t *p, int not, int64_t since, int timeout_ms, int64_t *elected_ns);
/* Leave the election: the node is deleted at once; the session stays. */
void bench_pool_leave(bench_pool_t *p, int idx);
/* Close the participant's session (after leaving, or instead). */
void bench_pool_close(bench_pool_t *p, int idx);
void bench_pool_free(bench_pool_t *p); /* closes all */

/* naive.c: the comparator, behind the same pool (used when opt->naive). */
typedef struct naive naive_t;
naive_t *naive_join(const bench_options_t *opt, int idx, bench_elected_fn on_elected, void *arg);
void naive_leave(naive_t *n);
void naive_close(naive_t *n);

/* ------------------------------------------------------------ mntr.c */
typedef struct bench_counters {
    int64_t notifications; /* watches triggered (sum of zk_sum_node_*_watch_count) */
    int64_t reads, writes; /* zk_cnt_readlatency, zk_cnt_updatelatency */
    int64_t packets_received, packets_sent;
    bool ok;
} bench_counters_t;
bench_counters_t bench_mntr(const char *hosts);
/* The counters once the server is quiet: two equal samples in a row. */
bench_counters_t bench_settled(const char *hosts);

/* ------------------------------------------------------------ stats.c */
typedef struct bench_stats {
    double min, p50, p90, p99, max, mean;
    int count;
} bench_stats_t;
bench_stats_t bench_stats(double *values, int count);
/* Resident memory of this process, in KiB. */
long bench_rss_kib(void);
/* CPU time (user + system) of this process, in ns. */
int64_t bench_cpu_ns(void);

/* The modes. Each returns an exit status. */
int bench_graceful(const bench_options_t *opt);
int bench_crash(const bench_options_t *opt, const char *self);
int bench_runner(const bench_options_t *opt);
int bench_floor(const bench_options_t *opt);
int bench_shared_floor(const bench_options_t *opt);
int bench_shared(const bench_options_t *opt);

/* progress lines on stderr, unless --quiet */
void bench_progress(const bench_options_t *opt, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
