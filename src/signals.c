/* signals.c - the library's threads and the process's signals.
 *
 * A thread starts with the signal mask of the thread that creates it. The
 * library's dispatch and keeper threads, and the ZooKeeper client's I/O and
 * completion threads that zookeeper_init2() starts, are all created with
 * every asynchronous signal blocked: a signal sent to the process then
 * always goes to one of the host's threads. Without this, a host that
 * blocks SIGTERM after zkelect_start() to read it from a signalfd or
 * sigwait() would have it taken by a library thread, whose default action
 * kills the process without leaving the election. Signals a fault raises
 * in the thread itself (SIGSEGV and the like) stay unblocked: blocking them
 * would hide the fault. */
#include "internal.h"

#include <signal.h>

void zkelect__block_async_signals(sigset_t *saved)
{
    static const int raised_by_faults[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS};
    sigset_t async;
    sigfillset(&async);
    for (size_t i = 0; i < sizeof raised_by_faults / sizeof raised_by_faults[0]; i++)
        sigdelset(&async, raised_by_faults[i]);
    pthread_sigmask(SIG_BLOCK, &async, saved);
}

void zkelect__restore_signals(const sigset_t *saved)
{
    pthread_sigmask(SIG_SETMASK, saved, NULL);
}
