/* stats.c - order statistics of measured latencies. */
#include "bench.h"

#include <stdlib.h>

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted values. */
static double rank(const double *sorted, int count, double pct)
{
    int i = (int)(pct / 100.0 * count + 0.999999) - 1;
    return sorted[i < 0 ? 0 : i >= count ? count - 1 : i];
}

bench_stats_t bench_stats(double *values, int count)
{
    bench_stats_t s = {0};
    if (count <= 0)
        return s;
    qsort(values, (size_t)count, sizeof *values, by_value);
    double sum = 0;
    for (int i = 0; i < count; i++)
        sum += values[i];
    s.count = count;
    s.min = values[0];
    s.max = values[count - 1];
    s.mean = sum / count;
    s.p50 = rank(values, count, 50);
    s.p90 = rank(values, count, 90);
    s.p99 = rank(values, count, 99);
    return s;
}
