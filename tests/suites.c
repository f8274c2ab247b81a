/* suites.c - a test program's suites, its server and its run: see
 * harness.h. */
#include "harness.h"

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

/* --------------------------------------------------------- suites */

static zk_server_t *suite_server;
static void **suite_admin;

int suite_server_init(void)
{
    if (zk_server_start(suite_server, 200) != 0)
        return -1;
    if (!suite_admin)
        return 0;
    *suite_admin = zk_connect(suite_server->hosts);
    return *suite_admin ? 0 : -1;
}

int suite_server_clean(void)
{
    if (suite_admin)
        zk_close(*suite_admin);
    zk_server_stop(suite_server);
    return 0;
}

void suite_server_use(zk_server_t *s, void **admin)
{
    suite_server = s;
    suite_admin = admin;
}

/* ------------------------------------------------------ each test's own */

const char *test_election(recorder_t *r, const char *name)
{
    static char path[256];
    snprintf(path, sizeof path, "/zkelect-tests/%s", name);
    rec_reset(r);
    return path;
}

void observe_for(int ms)
{
    int64_t until = mono_ns() + (int64_t)ms * 1000000;
    while (mono_ns() < until)
        poll_pause();
}

double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int64_t ms_since(int64_t t0_ns)
{
    return (mono_ns() - t0_ns) / 1000000;
}

/* -------------------------------------------------------------- running */

bool test_selected(const char *name)
{
    const char *only = getenv("ZKELECT_TEST_ONLY");
    if (!only)
        return true;
    char words[512];
    snprintf(words, sizeof words, "%s", only);
    char *save = NULL;
    for (char *w = strtok_r(words, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
        if (strstr(name, w))
            return true;
    }
    return false;
}

int run_registered_tests(void)
{
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    int failed = (int)(CU_get_number_of_failures() + CU_get_number_of_suites_failed());
    /* A program that ran no test (a ZKELECT_TEST_ONLY that matches nothing,
     * say) proves nothing: it fails. */
    if (CU_get_number_of_tests_run() == 0) {
        fprintf(stderr, "no test ran\n");
        failed++;
    }
    CU_cleanup_registry();
    return failed;
}

int run_suites(const test_suite_t *suites)
{
    signal(SIGPIPE, SIG_IGN); /* a proxy's peer may go first */
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    for (const test_suite_t *suite = suites; suite->name; suite++) {
        CU_pSuite s = CU_add_suite(suite->name, suite->init, suite->clean);
        for (const CU_TestInfo *t = suite->tests; s && t->pName; t++) {
            if (test_selected(t->pName))
                CU_add_test(s, t->pName, t->pTestFunc);
        }
    }
    return run_registered_tests() ? 1 : 0;
}

int run_server_suite(const char *suite, zk_server_t *server, void **admin, recorder_t *rec, const CU_TestInfo *tests)
{
    rec_init(rec);
    suite_server_use(server, admin);
    const test_suite_t suites[] = {{suite, suite_server_init, suite_server_clean, tests}, {NULL, NULL, NULL, NULL}};
    int status = run_suites(suites);
    rec_destroy(rec);
    return status;
}
