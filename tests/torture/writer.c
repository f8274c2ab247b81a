/* writer.c - the command `zkelect run` supervises in a torture run: it
 * writes to the store every few milliseconds, with ZKELECT_EPOCH, for as
 * long as it runs, and ignores SIGTERM: only SIGKILL, at the end of the
 * grace or of the stop timeout, stops it. It believes it leads for as long
 * as it lives: that is what `run` promises, and what the store checks.
 * Like a pre-forking server it is three processes that all write: itself,
 * a child in the background, and a daemon in a session of its own (setsid,
 * outside its process group), each a writer of its own to the store: any
 * of them outliving the term is two leaders to the checker. */
#include "torture.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int torture_writer(int argc, char **argv)
{
    const char *epoch = getenv("ZKELECT_EPOCH"), *id = getenv("ZKELECT_ID");
    if (argc != 2 || !epoch || !id) {
        fprintf(stderr, "usage: zkelect-torture writer SOCKET (under zkelect run)\n");
        return 2;
    }
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", argv[1]);
    signal(SIGTERM, SIG_IGN);
    for (int i = 0; i < 2; i++) {
        pid_t child = fork();
        if (child == 0) {
            if (i == 1)
                setsid();
            break;
        }
    }
    /* Each process its own writer: a new one at each start. */
    char writer[128];
    snprintf(writer, sizeof writer, "w:%s/%d", id, (int)getpid());
    long long seq = 0;
    struct timespec pause = {0, 5 * NS_PER_MS};
    for (;;) {
        char msg[256];
        int n = snprintf(msg, sizeof msg, "%s %s %lld %lld", writer, epoch, (long long)torture_now(), seq++);
        sendto(fd, msg, (size_t)n, 0, (struct sockaddr *)&addr, sizeof addr);
        nanosleep(&pause, NULL);
    }
}
