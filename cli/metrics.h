/* metrics.h - the Prometheus text file of `zkelect run --metrics-file`. */
#ifndef ZKELECT_CLI_METRICS_H
#define ZKELECT_CLI_METRICS_H

#include "cli.h"

typedef struct cli_metrics {
    const char *path, *id;     /* the labels every metric carries */
    zkelect_stats_t stats;     /* the library's */
    int up;                    /* 1 while running; 0 in the last file */
    int healthy;               /* the health check's verdict (1 without one) */
    int health_state;          /* enum cli_health_verdict */
    int command_running;
    uint64_t command_starts;
    uint64_t health_failures;
} cli_metrics_t;

/* Write them to file, atomically. 0 or an errno value. */
int cli_metrics_write(const char *file, const cli_metrics_t *m);

#endif
