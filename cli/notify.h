/* notify.h - telling systemd how `zkelect run` is doing (notify.c). */
#ifndef ZKELECT_CLI_NOTIFY_H
#define ZKELECT_CLI_NOTIFY_H

#include "cli.h"

#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

typedef struct cli_notify {
    int fd;                   /* -1 without NOTIFY_SOCKET */
    struct sockaddr_un addr;
    socklen_t addr_len;
    int64_t watchdog_ns;      /* half of WATCHDOG_USEC, or 0 */
    int64_t next_watchdog_ns;
    bool ready_sent;
    bool warned;              /* a failed send was logged once */
    char status[256];         /* the last STATUS= sent */
} cli_notify_t;

/* From NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID, which are then taken
 * out of the environment the command inherits. */
void cli_notify_init(cli_notify_t *n);
bool cli_notify_enabled(const cli_notify_t *n);
void cli_notify_ready(cli_notify_t *n);      /* once */
void cli_notify_stopping(cli_notify_t *n);
void cli_notify_status(cli_notify_t *n, const char *status); /* sent when it changed */
/* WATCHDOG=1 at half the interval, and only while healthy. */
void cli_notify_watchdog(cli_notify_t *n, int64_t now, bool healthy);
int64_t cli_notify_next_ns(const cli_notify_t *n);
void cli_notify_close(cli_notify_t *n);

#endif
