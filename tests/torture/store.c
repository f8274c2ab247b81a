/* store.c - the fenced store: a Unix datagram socket that takes
 * "writer epoch sent seq" and accepts the write only if its epoch is at
 * least the highest it has accepted. It answers nothing: a writer cannot
 * tell an accepted write from a refused one, as with a real resource whose
 * answer is lost. Every attempt is logged, accepted or not. SIGTERM ends
 * it. */
#include "torture.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int torture_store(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: zkelect-torture store SOCKET LOG\n");
        return 2;
    }
    int log = open(argv[2], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", argv[1]);
    unlink(argv[1]);
    if (log < 0 || fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        fprintf(stderr, "store: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    /* Big enough for a few seconds of writes while the checker is not
     * reading: a write lost here would look like one never sent. */
    int size = 8 * 1024 * 1024;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    sigprocmask(SIG_BLOCK, &term, NULL);
    int sfd = signalfd(-1, &term, SFD_CLOEXEC);
    int64_t highest = -1;
    long accepted = 0, refused = 0;
    for (;;) {
        struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = sfd, .events = POLLIN}};
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            break;
        if (p[0].revents & POLLIN) {
            char msg[256];
            ssize_t n = recv(fd, msg, sizeof msg - 1, 0);
            if (n <= 0)
                continue;
            msg[n] = '\0';
            int64_t now = torture_now();
            char writer[128];
            long long epoch, sent, seq;
            if (sscanf(msg, "%127s %lld %lld %lld", writer, &epoch, &sent, &seq) != 4)
                continue;
            bool ok = epoch >= highest;
            torture_record(log, "S %" PRId64 " %s %lld %lld %lld %d %" PRId64, now, writer, epoch, sent, seq, ok,
                           highest);
            if (ok) {
                highest = epoch;
                accepted++;
            } else {
                refused++;
            }
        }
        if (p[1].revents & POLLIN)
            break;
    }
    fprintf(stderr, "store: %ld accepted, %ld refused\n", accepted, refused);
    close(log);
    unlink(argv[1]);
    return 0;
}
