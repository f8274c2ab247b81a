/* signals.c - the library's threads leave the process's signals to the
 * host. This program is the host: it starts participants, then blocks
 * SIGTERM in its only thread of its own, as a daemon that reads signals
 * from a signalfd does, and sends itself SIGTERM. Were any library or
 * ZooKeeper thread to leave it unblocked, the kernel would hand it there and
 * its default action would end this program, and the test with it.
 * No raw ZooKeeper handle of the test's own is open while it runs: its
 * threads would not block signals. */
#include "harness.h"

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

static zk_server_t server;
static recorder_t rec;

/* The thread each SIGUSR2 ran on, counted: any other than the host's main
 * thread is a failure. */
static pthread_t main_thread;
static atomic_int handled_on_main, handled_elsewhere;

static void on_usr2(int sig)
{
    (void)sig;
    if (pthread_equal(pthread_self(), main_thread))
        atomic_fetch_add(&handled_on_main, 1);
    else
        atomic_fetch_add(&handled_elsewhere, 1);
}

/* Send SIGTERM to the process with it blocked here: it must wait in the
 * signalfd, taken by nobody. */
static void sigterm_reaches_signalfd(void)
{
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    CU_ASSERT_EQUAL_FATAL(pthread_sigmask(SIG_BLOCK, &term, NULL), 0);
    int fd = signalfd(-1, &term, SFD_CLOEXEC);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(kill(getpid(), SIGTERM), 0);
    struct signalfd_siginfo si;
    CU_ASSERT_EQUAL(read(fd, &si, sizeof si), (ssize_t)sizeof si);
    CU_ASSERT_EQUAL(si.ssi_signo, SIGTERM);
    close(fd);
    CU_ASSERT_EQUAL(pthread_sigmask(SIG_UNBLOCK, &term, NULL), 0);
}

/* With a handler installed and the signal unblocked only in the host's
 * thread, every one of many signals runs the handler there. */
static void handlers_run_on_host_thread(void)
{
    atomic_store(&handled_on_main, 0);
    atomic_store(&handled_elsewhere, 0);
    struct sigaction sa = {.sa_handler = on_usr2};
    sigemptyset(&sa.sa_mask);
    CU_ASSERT_EQUAL_FATAL(sigaction(SIGUSR2, &sa, NULL), 0);
    for (int i = 0; i < 200; i++)
        kill(getpid(), SIGUSR2);
    WAIT_FOR(atomic_load(&handled_on_main) != 0, 5 * SEC);
    signal(SIGUSR2, SIG_DFL);
    CU_ASSERT(atomic_load(&handled_on_main) > 0);
    CU_ASSERT_EQUAL(atomic_load(&handled_elsewhere), 0);
}

static void test_threads_leave_signals_to_host(void)
{
    rec_reset(&rec);
    static participant_t ps[2];
    CU_ASSERT_EQUAL_FATAL(participant_start(&ps[0], 0, &rec, server.hosts, "/zkelect-signals/thread"), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_leader(ps[0].e, 10 * SEC), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(participant_start(&ps[1], 1, &rec, server.hosts, "/zkelect-signals/thread"), ZKELECT_OK);
    CU_ASSERT_FATAL(rec_wait(&rec, 1, ZKELECT_EV_JOINED, 0, 10 * SEC) >= 0);
    sigterm_reaches_signalfd();
    handlers_run_on_host_thread();
    CU_ASSERT_EQUAL(zkelect_is_leader(ps[0].e), 1);
    participant_destroy(&ps[0]);
    participant_destroy(&ps[1]);
}

static void test_manual_dispatch_leaves_signals_to_host(void)
{
    rec_reset(&rec);
    static participant_t p;
    CU_ASSERT_EQUAL_FATAL(participant_new(&p, 0, &rec, server.hosts, "/zkelect-signals/manual"), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_set_dispatch_mode(p.e, ZKELECT_DISPATCH_MANUAL), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(p.e), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_leader(p.e, 10 * SEC), ZKELECT_OK);
    sigterm_reaches_signalfd();
    handlers_run_on_host_thread();
    participant_destroy(&p);
}

/* A shared session starts its threads, and a replaced session its client's,
 * the same way: an expiry makes the keeper open a new session. */
static void test_shared_session_and_new_session_leave_signals_to_host(void)
{
    rec_reset(&rec);
    zkelect_session_t *s;
    CU_ASSERT_EQUAL_FATAL(zkelect_session_new(&s, server.hosts), ZKELECT_OK);
    CU_ASSERT_EQUAL(zkelect_session_set_timeout(s, 4000), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_session_start(s), ZKELECT_OK);
    static participant_t p;
    CU_ASSERT_EQUAL_FATAL(participant_new_on(&p, 0, &rec, s, "/zkelect-signals/shared"), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_start(p.e), ZKELECT_OK);
    CU_ASSERT_EQUAL_FATAL(zkelect_wait_leader(p.e, 10 * SEC), ZKELECT_OK);
    size_t mark = rec_count(&rec);
    CU_ASSERT_EQUAL_FATAL(expire_session(p.e, server.hosts), 0);
    CU_ASSERT(rec_wait(&rec, 0, ZKELECT_EV_ELECTED, mark, 15 * SEC) >= 0);
    sigterm_reaches_signalfd();
    handlers_run_on_host_thread();
    participant_destroy(&p);
    zkelect_session_destroy(s);
}

int main(void)
{
    main_thread = pthread_self();
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    rec_init(&rec);
    /* no admin handle: its client's threads would take the signals */
    suite_server_use(&server, NULL);
    CU_pSuite s = CU_add_suite("signals", suite_server_init, suite_server_clean);
    ADD_TEST(s, test_threads_leave_signals_to_host);
    ADD_TEST(s, test_manual_dispatch_leaves_signals_to_host);
    ADD_TEST(s, test_shared_session_and_new_session_leave_signals_to_host);
    int failed = run_registered_tests();
    rec_destroy(&rec);
    return failed ? 1 : 0;
}
