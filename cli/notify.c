/* notify.c - systemd's notification protocol (sd_notify(3)), spoken
 * directly: one datagram of "KEY=VALUE" lines to the socket that
 * NOTIFY_SOCKET names (a path, or "@" for the abstract namespace). Without
 * NOTIFY_SOCKET everything here does nothing. */
#include "notify.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NS_PER_US 1000LL

void cli_notify_init(cli_notify_t *n)
{
    *n = (cli_notify_t){.fd = -1};
    const char *path = getenv("NOTIFY_SOCKET");
    size_t len = path ? strlen(path) : 0;
    if (len == 0 || len >= sizeof n->addr.sun_path || (path[0] != '/' && path[0] != '@'))
        return;
    n->addr.sun_family = AF_UNIX;
    memcpy(n->addr.sun_path, path, len);
    if (path[0] == '@')
        n->addr.sun_path[0] = '\0';
    n->addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
    n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (n->fd < 0) {
        cli_log(CLI_WARNING, "NOTIFY_SOCKET is set, but no socket: %s", strerror(errno));
        return;
    }
    /* The watchdog is ours only if systemd meant this process. */
    const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
    long long interval = usec ? atoll(usec) : 0;
    if (interval > 0 && (!pid || atoll(pid) == (long long)getpid()))
        n->watchdog_ns = interval * NS_PER_US / 2;
    /* Not for the command: its own notifications would speak for us. */
    unsetenv("NOTIFY_SOCKET");
    unsetenv("WATCHDOG_USEC");
    unsetenv("WATCHDOG_PID");
}

bool cli_notify_enabled(const cli_notify_t *n)
{
    return n->fd >= 0;
}

static void send_text(cli_notify_t *n, const char *text)
{
    if (n->fd < 0)
        return;
    if (sendto(n->fd, text, strlen(text), MSG_NOSIGNAL, (const struct sockaddr *)&n->addr, n->addr_len) < 0 &&
        !n->warned) {
        n->warned = true;
        cli_log(CLI_WARNING, "cannot notify systemd: %s", strerror(errno));
    }
}

void cli_notify_ready(cli_notify_t *n)
{
    if (n->ready_sent)
        return;
    n->ready_sent = true;
    send_text(n, "READY=1");
}

void cli_notify_stopping(cli_notify_t *n)
{
    send_text(n, "STOPPING=1");
}

void cli_notify_status(cli_notify_t *n, const char *status)
{
    if (n->fd < 0 || strcmp(status, n->status) == 0)
        return;
    snprintf(n->status, sizeof n->status, "%s", status);
    char text[sizeof n->status + 8];
    snprintf(text, sizeof text, "STATUS=%s", status);
    send_text(n, text);
}

void cli_notify_watchdog(cli_notify_t *n, int64_t now, bool healthy)
{
    if (n->fd < 0 || n->watchdog_ns == 0 || !healthy || now < n->next_watchdog_ns)
        return;
    n->next_watchdog_ns = now + n->watchdog_ns;
    send_text(n, "WATCHDOG=1");
}

int64_t cli_notify_next_ns(const cli_notify_t *n)
{
    return n->fd >= 0 && n->watchdog_ns ? n->next_watchdog_ns : 0;
}

void cli_notify_close(cli_notify_t *n)
{
    if (n->fd >= 0)
        close(n->fd);
    n->fd = -1;
}
