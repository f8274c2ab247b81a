/* graceful.c - the main measurement: N participants join one after another;
 * then K times the leader leaves gracefully and a new participant joins at
 * the back, so the election stays at N. Failover latency is from the start
 * of the leader's close to the successor's ELECTED (both taken here);
 * server cost comes from the server's mntr counters around each failover. */
#include "bench.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct cost {
    double notifications, reads, writes, packets;
} cost_t;

static void add_cost(cost_t *sum, bench_counters_t a, bench_counters_t b)
{
    sum->notifications += (double)(b.notifications - a.notifications);
    sum->reads += (double)(b.reads - a.reads);
    sum->writes += (double)(b.writes - a.writes);
    sum->packets += (double)(b.packets_received - a.packets_received);
}

static void print_cost_json(const char *name, cost_t c, int n)
{
    printf("\"%s\":{\"notifications\":%.2f,\"reads\":%.2f,\"writes\":%.2f,\"packets_received\":%.2f}", name,
           c.notifications / n, c.reads / n, c.writes / n, c.packets / n);
}

typedef struct result {
    bench_stats_t failover;
    double join_ms;
    cost_t per_failover, per_rejoin;
    bool counted;
    long rss_per_participant_bytes;
    double idle_cpu_percent, idle_packets_per_s;
} result_t;

static void report(const bench_options_t *opt, const result_t *r)
{
    const char *impl = opt->naive ? "naive" : opt->priorities ? "zkelect-priorities" : "zkelect";
    int k = opt->failovers;
    if (opt->json) {
        printf("{\"implementation\":\"%s\",\"participants\":%d,\"failovers\":%d,\"session_timeout_ms\":%d,"
               "\"back_to_back\":%s,",
               impl, opt->participants, k, opt->session_ms, opt->back_to_back ? "true" : "false");
        if (!opt->naive)
            printf("\"dispatch\":\"%s\",", opt->manual_dispatch ? "manual" : "thread");
        printf("\"failover_ms\":{\"min\":%.3f,\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"max\":%.3f,\"mean\":%.3f},",
               r->failover.min, r->failover.p50, r->failover.p90, r->failover.p99, r->failover.max, r->failover.mean);
        printf("\"join_ms\":%.1f,\"rss_bytes_per_participant\":%ld,\"server_counters\":%s", r->join_ms,
               r->rss_per_participant_bytes, r->counted ? "true" : "false");
        if (r->counted) {
            putchar(',');
            print_cost_json("per_failover", r->per_failover, k);
            putchar(',');
            print_cost_json("per_rejoin", r->per_rejoin, k);
        }
        if (opt->idle_s > 0)
            printf(",\"idle\":{\"seconds\":%d,\"cpu_percent_of_one_core\":%.3f,\"server_packets_per_s\":%.2f}",
                   opt->idle_s, r->idle_cpu_percent, r->idle_packets_per_s);
        puts("}");
        return;
    }
    printf("%s, N = %d, %d graceful failovers, session timeout %d ms\n", impl, opt->participants, k, opt->session_ms);
    printf("  failover (ms)    min %.3f  p50 %.3f  p90 %.3f  p99 %.3f  max %.3f\n", r->failover.min, r->failover.p50,
           r->failover.p90, r->failover.p99, r->failover.max);
    printf("  join of N        %.1f ms\n", r->join_ms);
    if (r->counted)
        printf("  per failover     %.2f notifications, %.2f reads, %.2f writes, %.2f packets received\n"
               "  per rejoin       %.2f notifications, %.2f reads, %.2f writes, %.2f packets received\n",
               r->per_failover.notifications / k, r->per_failover.reads / k, r->per_failover.writes / k,
               r->per_failover.packets / k, r->per_rejoin.notifications / k, r->per_rejoin.reads / k,
               r->per_rejoin.writes / k, r->per_rejoin.packets / k);
    else if (opt->back_to_back)
        printf("  server counters  not read (--back-to-back)\n");
    else
        printf("  server counters  unavailable (the server must allow the mntr four-letter word)\n");
    printf("  memory           %ld bytes resident per participant\n", r->rss_per_participant_bytes);
    if (opt->idle_s > 0)
        printf("  idle %d s        %.3f%% of one core, %.2f packets/s at the server\n", opt->idle_s,
               r->idle_cpu_percent, r->idle_packets_per_s);
}

static int join_all(const bench_options_t *opt, bench_pool_t *pool, result_t *r)
{
    long rss0 = bench_rss_kib();
    int64_t t0 = bench_now_ns();
    for (int i = 0; i < opt->participants; i++) {
        if (bench_pool_join(pool, NULL) < 0) {
            fprintf(stderr, "zkelect-bench: participant %d could not join\n", i);
            return -1;
        }
        if ((i + 1) % 100 == 0)
            bench_progress(opt, "%d of %d joined", i + 1, opt->participants);
    }
    r->join_ms = (double)(bench_now_ns() - t0) / 1e6;
    r->rss_per_participant_bytes = (bench_rss_kib() - rss0) * 1024 / opt->participants;
    return bench_pool_wait_leader(pool, -1, 0, 30000, NULL) >= 0 ? 0 : -1;
}

static void measure_idle(const bench_options_t *opt, result_t *r)
{
    bench_progress(opt, "idle for %d s", opt->idle_s);
    bench_counters_t c0 = bench_mntr(opt->zk);
    int64_t cpu0 = bench_cpu_ns(), t0 = bench_now_ns();
    struct timespec idle = {opt->idle_s, 0};
    nanosleep(&idle, NULL);
    int64_t elapsed = bench_now_ns() - t0;
    bench_counters_t c1 = bench_mntr(opt->zk);
    r->idle_cpu_percent = 100.0 * (double)(bench_cpu_ns() - cpu0) / (double)elapsed;
    r->idle_packets_per_s = (double)(c1.packets_received - c0.packets_received) / ((double)elapsed / 1e9);
}

static int one_failover(const bench_options_t *opt, bench_pool_t *pool, result_t *r, double *latency_ms, bool count)
{
    int leader = bench_pool_wait_leader(pool, -1, 0, 30000, NULL);
    bench_counters_t c0 = count ? bench_settled(opt->zk) : (bench_counters_t){0};
    int64_t t0 = bench_now_ns(), elected;
    /* Leave, and close the session once the successor leads: a session
     * closed at once is a second write the successor's read can queue
     * behind, which measures the close rather than the election (every
     * runner of bench-protocol.md defers it the same way). */
    bench_pool_leave(pool, leader);
    int next = bench_pool_wait_leader(pool, leader, t0, 30000, &elected);
    bench_pool_close(pool, leader);
    if (next < 0) {
        fprintf(stderr, "zkelect-bench: no successor within 30 s\n");
        return -1;
    }
    *latency_ms = (double)(elected - t0) / 1e6;
    bench_counters_t c1 = count ? bench_settled(opt->zk) : (bench_counters_t){0};
    if (bench_pool_join(pool, NULL) < 0)
        return -1;
    if (count) {
        add_cost(&r->per_failover, c0, c1);
        add_cost(&r->per_rejoin, c1, bench_settled(opt->zk));
    }
    return 0;
}

int bench_graceful(const bench_options_t *opt)
{
    result_t r = {0};
    bench_pool_t *pool = bench_pool_new(opt, NULL, NULL);
    double *latencies = calloc((size_t)opt->failovers + 1, sizeof *latencies);
    int status = 1;
    bench_progress(opt, "%s: %d participants joining %s at %s", opt->naive ? "naive" : "zkelect", opt->participants,
                   opt->path, opt->zk);
    if (!pool || !latencies || join_all(opt, pool, &r) != 0)
        goto out;
    bench_progress(opt, "joined in %.1f ms", r.join_ms);
    r.counted = !opt->back_to_back && bench_mntr(opt->zk).ok;
    if (opt->idle_s > 0)
        measure_idle(opt, &r);
    for (int i = 0; i < opt->warmup + opt->failovers; i++) {
        double ms;
        bool recorded = i >= opt->warmup;
        if (one_failover(opt, pool, &r, &ms, recorded && r.counted) != 0)
            goto out;
        if (recorded)
            latencies[i - opt->warmup] = ms;
        if ((i + 1) % 10 == 0)
            bench_progress(opt, "%d of %d failovers, last %.3f ms", i + 1, opt->warmup + opt->failovers, ms);
    }
    r.failover = bench_stats(latencies, opt->failovers);
    report(opt, &r);
    status = 0;
out:
    free(latencies);
    bench_pool_free(pool);
    return status;
}
