/* metrics.c - `zkelect run --metrics-file`: the Prometheus text format that
 * node_exporter's textfile collector reads, written to PATH.tmp and renamed
 * over PATH, so that a reader never sees half a file. */
#include "metrics.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* The reasons as label values: the names of ZKELECT_REASON_*. */
static const char *const reason_labels[] = {
    [ZKELECT_REASON_RESIGNED] = "resigned",         [ZKELECT_REASON_SUSPENDED] = "suspended",
    [ZKELECT_REASON_EXPIRED] = "expired",           [ZKELECT_REASON_NODE_DELETED] = "node_deleted",
    [ZKELECT_REASON_CLOSED] = "closed",             [ZKELECT_REASON_LEASE_EXPIRED] = "lease_expired",
    [ZKELECT_REASON_AUTH_FAILED] = "auth_failed",   [ZKELECT_REASON_PREEMPTED] = "preempted",
    [ZKELECT_REASON_LEFT] = "left",                 [ZKELECT_REASON_NODE_CHANGED] = "node_changed",
};

/* A label value: backslash, double quote and newline escaped. */
static void put_label(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            fprintf(f, "\\%c", *s);
        else if (*s == '\n')
            fputs("\\n", f);
        else
            fputc(*s, f);
    }
}

static void header(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void labels(FILE *f, const cli_metrics_t *m)
{
    fputs("{path=\"", f);
    put_label(f, m->path);
    fputs("\",id=\"", f);
    put_label(f, m->id);
    fputc('"', f);
}

static void metric(FILE *f, const cli_metrics_t *m, const char *name, const char *type, const char *help,
                   const char *value)
{
    header(f, name, type, help);
    fputs(name, f);
    labels(f, m);
    fprintf(f, "} %s\n", value);
}

static void number(FILE *f, const cli_metrics_t *m, const char *name, const char *type, const char *help,
                   long long value)
{
    char text[32];
    snprintf(text, sizeof text, "%lld", value);
    metric(f, m, name, type, help, text);
}

static void write_all(FILE *f, const cli_metrics_t *m)
{
    const zkelect_stats_t *st = &m->stats;
    number(f, m, "zkelect_up", "gauge",
           "1 while zkelect run runs; 0 in the file it leaves when it stops (a file not rewritten for more than "
           "10 s is that of one killed).",
           m->up);
    number(f, m, "zkelect_leading", "gauge", "1 while this process leads the election.", st->leading);
    header(f, "zkelect_leader_info", "gauge", "1, labelled with the leader's id, from the process that leads.");
    if (st->leading) {
        fputs("zkelect_leader_info", f);
        labels(f, m);
        fputs(",leader=\"", f);
        put_label(f, m->id);
        fputs("\"} 1\n", f);
    }
    number(f, m, "zkelect_epoch", "gauge", "The fencing token of the current term; -1 when not leading.", st->epoch);
    number(f, m, "zkelect_connected", "gauge", "1 while the ZooKeeper session is connected.", st->connected);
    char text[32];
    snprintf(text, sizeof text, "%.3f", st->lease_remaining_ns < 0 ? -1.0 : (double)st->lease_remaining_ns / 1e9);
    metric(f, m, "zkelect_lease_remaining_seconds", "gauge",
           "Time left of the leadership lease; -1 when not leading.", text);
    number(f, m, "zkelect_position", "gauge",
           "Place in line at the last look (the line moves up unseen until the one ahead changes): 1 leads, 2 is "
           "next; 0 when not in line.",
           st->ahead < 0 ? 0 : st->ahead + 1);
    number(f, m, "zkelect_healthy", "gauge", "1 while the health check passes (always 1 without --health-cmd).",
           m->healthy);
    header(f, "zkelect_health_state", "gauge", "The health check's state: 1 for the one it is in.");
    static const char *const states[] = {"unknown", "healthy", "unhealthy"};
    for (int i = 0; i < 3; i++) {
        fputs("zkelect_health_state", f);
        labels(f, m);
        fprintf(f, ",state=\"%s\"} %d\n", states[i], m->health_state == i);
    }
    number(f, m, "zkelect_command_running", "gauge", "1 while the command runs.", m->command_running);
    number(f, m, "zkelect_acl_open", "gauge",
           "1 when anyone may add or delete contenders under the election path (zkelect lockdown closes it).",
           st->acl_open);
    number(f, m, "zkelect_terms_total", "counter", "Terms this process has led.", (long long)st->terms);
    header(f, "zkelect_revocations_total", "counter", "Ends of leadership, by reason.");
    for (size_t r = 0; r < sizeof reason_labels / sizeof reason_labels[0]; r++) {
        if (!reason_labels[r])
            continue;
        fputs("zkelect_revocations_total", f);
        labels(f, m);
        fprintf(f, ",reason=\"%s\"} %" PRIu64 "\n", reason_labels[r], st->revoked[r]);
    }
    number(f, m, "zkelect_reconnects_total", "counter", "Connections to ZooKeeper re-established.",
           st->connections > 0 ? (long long)st->connections - 1 : 0);
    number(f, m, "zkelect_session_expiries_total", "counter", "ZooKeeper sessions lost (expired).",
           (long long)st->expiries);
    number(f, m, "zkelect_child_restarts_total", "counter", "Starts of the command after its first.",
           m->command_starts > 0 ? (long long)m->command_starts - 1 : 0);
    number(f, m, "zkelect_health_check_failures_total", "counter", "Failed health checks.",
           (long long)m->health_failures);
    number(f, m, "zkelect_zookeeper_log_lines_dropped_total", "counter",
           "ZooKeeper client log lines dropped by the rate limit.", (long long)st->zk_log_dropped);
}

int cli_metrics_write(const char *file, const cli_metrics_t *m)
{
    char tmp[4200];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", file) >= sizeof tmp)
        return ENAMETOOLONG;
    FILE *f = fopen(tmp, "w");
    if (!f)
        return errno;
    write_all(f, m);
    int err = ferror(f) ? EIO : 0;
    if (fclose(f) != 0 && !err)
        err = errno;
    if (!err && rename(tmp, file) != 0)
        err = errno;
    if (err)
        remove(tmp);
    return err;
}
