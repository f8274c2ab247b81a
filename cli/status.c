/* status.c - `zkelect status`: the contenders in line order, as a table or
 * as one JSON document (format in zkelect(1)). */
#include "cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

static int64_t wall_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static void print_data_json(const zkelect_participant_t *p)
{
    fputs("\"data\":", stdout);
    if (p->data_len == 0 || cli_is_text(p->data, p->data_len)) {
        cli_json_string(p->data_len ? p->data : "", p->data_len);
        return;
    }
    /* Binary payloads go as hex, in their own field. */
    fputs("null,\"data_hex\":\"", stdout);
    for (size_t i = 0; i < p->data_len; i++)
        printf("%02x", ((const unsigned char *)p->data)[i]);
    putchar('"');
}

/* The contenders come first in the list, then those out of line. */
static size_t in_line(const zkelect_participant_t *list, size_t count)
{
    size_t n = 0;
    while (n < count && list[n].in_line)
        n++;
    return n;
}

static void print_json(const cli_options_t *opt, const zkelect_participant_t *list, size_t count, bool acl_open)
{
    int64_t now = wall_ms();
    size_t line = in_line(list, count);
    fputs("{\"path\":", stdout);
    cli_json_string(opt->path, strlen(opt->path));
    printf(",\"acl_open\":%s", acl_open ? "true" : "false");
    bool leads = line && list[0].is_leader;
    fputs(",\"leader\":", stdout);
    cli_json_string(leads ? list[0].id : NULL, leads ? strlen(list[0].id) : 0);
    /* next: who leads when the leader goes; while nobody does, the first */
    size_t next = leads ? 1 : 0;
    fputs(",\"next\":", stdout);
    cli_json_string(line > next ? list[next].id : NULL, line > next ? strlen(list[next].id) : 0);
    printf(",\"epoch\":%" PRId64 ",\"participants\":[", leads ? list[0].epoch : (int64_t)-1);
    for (size_t i = 0; i < count; i++) {
        const zkelect_participant_t *p = &list[i];
        if (i == line)
            fputs("],\"out_of_line\":[", stdout);
        printf("%s{", i && i != line ? "," : "");
        if (p->in_line)
            printf("\"position\":%zu,\"priority\":%d,", i + 1, p->priority);
        fputs("\"id\":", stdout);
        cli_json_string(p->id, strlen(p->id));
        fputs(",\"state\":", stdout);
        cli_json_string(p->state, p->state ? strlen(p->state) : 0);
        if (p->in_line) {
            putchar(',');
            print_data_json(p);
            printf(",\"node\":\"%s\",\"sequence\":%" PRId32 ",\"epoch\":%" PRId64 ",\"leader\":%s", p->node,
                   p->sequence, p->epoch, p->is_leader ? "true" : "false");
        }
        printf(",\"session_id\":\"0x%" PRIx64 "\",\"age_ms\":%" PRId64 "}", (uint64_t)p->session_id,
               now - p->ctime_ms);
    }
    puts(line == count ? "],\"out_of_line\":[]}" : "]}");
}

static void print_table(const cli_options_t *opt, const zkelect_participant_t *list, size_t count)
{
    size_t line = in_line(list, count);
    if (line == 0)
        printf("%s: nobody in line, nobody leads\n", opt->path);
    else if (!list[0].is_leader)
        printf("%s: %zu contender%s, nobody leads this instant (the lead is changing hands), next %s\n", opt->path,
               line, line == 1 ? "" : "s", list[0].id);
    else
        printf("%s: %zu contender%s, leader %s (epoch %" PRId64 ")%s%s\n", opt->path, line, line == 1 ? "" : "s",
               list[0].id, list[0].epoch, line > 1 ? ", next " : "", line > 1 ? list[1].id : "");
    if (count == 0)
        return;
    printf("%-3s %-24s %5s %-28s %-11s %-18s %-12s %9s  %s\n", "POS", "ID", "PRIO", "STATE", "SEQUENCE", "SESSION",
           "EPOCH", "AGE", "DATA");
    int64_t now = wall_ms();
    for (size_t i = 0; i < count; i++) {
        const zkelect_participant_t *p = &list[i];
        bool text = cli_is_text(p->data, p->data_len);
        char pos[24] = "-", seq[16] = "-", epoch[24] = "-", prio[16] = "-";
        if (p->in_line) {
            snprintf(pos, sizeof pos, "%zu", i + 1);
            snprintf(prio, sizeof prio, "%d", p->priority);
            snprintf(seq, sizeof seq, "%" PRId32, p->sequence);
            if (p->epoch >= 0)
                snprintf(epoch, sizeof epoch, "%" PRId64, p->epoch);
        }
        printf("%-3s %-24s %5s %-28s %-11s 0x%-16" PRIx64 " %-12s %8.1fs  %.*s\n", pos, p->id, prio,
               p->state ? p->state : (p->in_line ? "-" : "out of line"), seq, (uint64_t)p->session_id, epoch,
               (double)(now - p->ctime_ms) / 1000.0, text ? (int)p->data_len : 8,
               text && p->data ? (const char *)p->data : text ? "" : "(binary)");
    }
}

int cli_status(const cli_options_t *opt)
{
    cli_quiet_zookeeper();
    zkelect_t *e;
    int rc = cli_connect(opt, true, NULL, NULL, &e);
    if (rc)
        return rc;
    zkelect_participant_t *list;
    size_t count;
    int zrc = zkelect_participants(e, &list, &count);
    if (zrc == ZKELECT_ENOPATH) {
        cli_log(CLI_ERR, "%s does not exist: no election there (a mistyped --path?)", opt->path);
        return cli_close(e, CLI_EXIT_NO_PATH);
    }
    if (zrc != ZKELECT_OK) {
        if (zrc == ZKELECT_EAUTH)
            cli_explain_refusal(opt);
        else
            cli_log(CLI_ERR, "cannot read %s: %s", opt->path, zkelect_strerror(zrc));
        return cli_close(e, zrc == ZKELECT_ENOTCONN ? CLI_EXIT_NO_ZK : CLI_EXIT_FAILURE);
    }
    bool nobody_leads = count == 0 || !list[0].in_line || !list[0].is_leader;
    /* The library read the path's ACL before the line (one session answers
     * in order), and said in a WARNING if anyone may change the election. */
    zkelect_stats_t st = {.size = sizeof st};
    bool acl_open = zkelect_stats(e, &st) == ZKELECT_OK && st.acl_open;
    if (opt->json)
        print_json(opt, list, count, acl_open);
    else
        print_table(opt, list, count);

    fflush(stdout);
    zkelect_participants_free(list, count);
    return cli_close(e, nobody_leads ? CLI_EXIT_NO_LEADER : CLI_EXIT_OK);
}
