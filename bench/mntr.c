/* mntr.c - the server's own counters, through the "mntr" four-letter word
 * (the server must allow it: 4lw.commands.whitelist). With an ensemble, the
 * first server of the connect string is asked. */
#include "bench.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int connect_first(const char *hosts)
{
    char host[256];
    snprintf(host, sizeof host, "%s", hosts);
    host[strcspn(host, ",/")] = '\0';
    char *colon = strrchr(host, ':');
    if (!colon)
        return -1;
    *colon = '\0';
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res;
    if (getaddrinfo(host, colon + 1, &hints, &res) != 0)
        return -1;
    int fd = socket(res->ai_family, SOCK_STREAM, 0);
    struct timeval tv = {2, 0};
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

static int64_t value_of(const char *text, const char *key)
{
    size_t len = strlen(key);
    for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
        if (strncmp(line, key, len) == 0 && line[len] == '\t')
            return strtoll(line + len + 1, NULL, 10);
    return 0;
}

bench_counters_t bench_mntr(const char *hosts)
{
    bench_counters_t c = {0};
    int fd = connect_first(hosts);
    if (fd < 0)
        return c;
    char text[65536];
    size_t used = 0;
    ssize_t n = write(fd, "mntr", 4);
    while (n == 4 && used < sizeof text - 1 && (n = read(fd, text + used, sizeof text - 1 - used)) > 0)
        used += (size_t)n, n = 4;
    close(fd);
    text[used] = '\0';
    c.ok = strstr(text, "zk_version") != NULL;
    const char *watch_kinds[] = {"zk_sum_node_created_watch_count", "zk_sum_node_deleted_watch_count",
                                 "zk_sum_node_changed_watch_count", "zk_sum_node_children_watch_count"};
    for (int i = 0; i < 4; i++)
        c.notifications += value_of(text, watch_kinds[i]);
    c.reads = value_of(text, "zk_cnt_readlatency");
    c.writes = value_of(text, "zk_cnt_updatelatency");
    c.packets_received = value_of(text, "zk_packets_received");
    c.packets_sent = value_of(text, "zk_packets_sent");
    return c;
}

bench_counters_t bench_settled(const char *hosts)
{
    /* Quiet means four equal samples in a row, 5 ms apart: trailing
     * requests of the last change (a renewal, a watch re-armed, the notice
     * a join with a priority leaves an older contender, which a loaded
     * machine may answer more than 5 ms later) are counted with it. */
    bench_counters_t last = bench_mntr(hosts);
    for (int i = 0, same = 0; i < 200 && same < 3; i++) {
        struct timespec pause = {0, 5 * 1000 * 1000};
        nanosleep(&pause, NULL);
        bench_counters_t now = bench_mntr(hosts);
        /* Packets are not compared: sessions ping every T/3 regardless. */
        bool quiet = now.reads == last.reads && now.writes == last.writes && now.notifications == last.notifications;
        same = quiet ? same + 1 : 0;
        last = now;
    }
    return last;
}
