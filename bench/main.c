/* main.c - zkelect-bench's command line; see zkelect-bench(1). */
#include "bench.h"

#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: zkelect-bench --zk HOSTS [options]\n"
            "Measure leader failover and its cost to ZooKeeper.\n\n"
            "  --zk HOSTS             ZooKeeper (mntr must be allowed for the server counters)\n"
            "  --path PATH            election path (default /zkelect-bench/<pid>)\n"
            "  -n, --participants N   participants, each on its own session (default 10)\n"
            "  -k, --failovers K      measured failovers (default 100; crash: 5)\n"
            "  --warmup W             failovers before measuring (default 5)\n"
            "  --session-timeout MS   default 600000, so that idle sessions do not ping during a\n"
            "                         measurement (the server must allow it: maxSessionTimeout); crash: 2000\n"
            "  --naive                the comparator: every participant watches all children\n"
            "  --manual-dispatch      each participant in manual dispatch, its callbacks run by a\n"
            "                         thread of the benchmark's polling zkelect_fd(), as a\n"
            "                         daemon's event loop would (default: the library's thread)\n"
            "  --priorities           mixed priorities (participant i has i %% 7 * 10): each join\n"
            "                         takes its place by priority, the line ordered by it\n"
            "  --crash                SIGKILL the leader's process instead of a graceful leave\n"
            "  --floor                the floor: one delete and one notification, raw client; with\n"
            "                         --shared, N parents and N ephemeral sequential nodes created\n"
            "                         pipelined on one raw session\n"
            "  --shared               N elections on one shared session: time until all lead,\n"
            "                         client memory per election\n"
            "  --idle SEC             also measure CPU and server traffic of N idle participants\n"
            "  --back-to-back         start each failover (and each floor round) as soon as the last\n"
            "                         is done, without waiting for the server's counters to settle:\n"
            "                         a busy machine's latency, no server costs\n"
            "  --json                 one JSON object on stdout\n"
            "  --quiet                no progress lines on stderr\n"
            "  --runner-mode          speak the runner protocol on stdin/stdout (zkelect-bench(1))\n");
}

enum { OPT_ZK = 256, OPT_PATH, OPT_WARMUP, OPT_TIMEOUT, OPT_NAIVE, OPT_CRASH, OPT_FLOOR, OPT_IDLE, OPT_JSON, OPT_QUIET,
       OPT_RUNNER, OPT_SHARED, OPT_BACK_TO_BACK, OPT_PRIORITIES, OPT_MANUAL };

static const struct option options[] = {
    {"zk", required_argument, NULL, OPT_ZK},
    {"path", required_argument, NULL, OPT_PATH},
    {"participants", required_argument, NULL, 'n'},
    {"failovers", required_argument, NULL, 'k'},
    {"warmup", required_argument, NULL, OPT_WARMUP},
    {"session-timeout", required_argument, NULL, OPT_TIMEOUT},
    {"naive", no_argument, NULL, OPT_NAIVE},
    {"priorities", no_argument, NULL, OPT_PRIORITIES},
    {"manual-dispatch", no_argument, NULL, OPT_MANUAL},
    {"crash", no_argument, NULL, OPT_CRASH},
    {"floor", no_argument, NULL, OPT_FLOOR},
    {"shared", no_argument, NULL, OPT_SHARED},
    {"idle", required_argument, NULL, OPT_IDLE},
    {"back-to-back", no_argument, NULL, OPT_BACK_TO_BACK},
    {"json", no_argument, NULL, OPT_JSON},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"runner-mode", no_argument, NULL, OPT_RUNNER},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static bool number(const char *s, int lo, int hi, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v < lo || v > hi)
        return false;
    *out = (int)v;
    return true;
}

/* Only the protocol's own options in runner mode: anything else is an
 * error (exit 2), as the protocol asks. */
static bool runner_allows(int opt)
{
    return opt == OPT_ZK || opt == OPT_PATH || opt == 'n' || opt == OPT_TIMEOUT || opt == OPT_RUNNER;
}

static int parse(int argc, char **argv, bench_options_t *o)
{
    int timeout = -1, failovers = -1, opt;
    bool bad = false, runner = false;
    for (int i = 1; i < argc; i++)
        runner |= strcmp(argv[i], "--runner-mode") == 0;
    opterr = 0;
    while (!bad && (opt = getopt_long(argc, argv, "n:k:h", options, NULL)) != -1) {
        if (runner && !runner_allows(opt)) {
            fprintf(stderr, "zkelect-bench: option %s is not part of the runner protocol\n", argv[optind - 1]);
            return 2;
        }
        switch (opt) {
        case OPT_ZK: o->zk = optarg; break;
        case OPT_PATH: o->path = optarg; break;
        case 'n': bad = !number(optarg, 1, 100000, &o->participants); break;
        case 'k': bad = !number(optarg, 1, 1000000, &failovers); break;
        case OPT_WARMUP: bad = !number(optarg, 0, 100000, &o->warmup); break;
        case OPT_TIMEOUT: bad = !number(optarg, 100, 3600000, &timeout); break;
        case OPT_IDLE: bad = !number(optarg, 1, 86400, &o->idle_s); break;
        case OPT_NAIVE: o->naive = true; break;
        case OPT_PRIORITIES: o->priorities = true; break;
        case OPT_MANUAL: o->manual_dispatch = true; break;
        case OPT_CRASH: o->crash = true; break;
        case OPT_FLOOR: o->floor = true; break;
        case OPT_SHARED: o->shared = true; break;
        case OPT_BACK_TO_BACK: o->back_to_back = true; break;
        case OPT_JSON: o->json = true; break;
        case OPT_QUIET: o->quiet = true; break;
        case OPT_RUNNER: o->runner = true; break;
        case 'h': usage(stdout); exit(0);
        default: bad = true; break;
        }
    }
    if (bad || optind < argc || !o->zk) {
        fprintf(stderr, "zkelect-bench: %s\n", !o->zk && !bad ? "--zk HOSTS is required" : "bad argument");
        usage(stderr);
        return 2;
    }
    o->failovers = failovers > 0 ? failovers : o->crash ? 5 : 100;
    o->session_ms = timeout > 0 ? timeout : o->crash ? 2000 : 600000;
    if (o->crash && o->naive) {
        fprintf(stderr, "zkelect-bench: --crash measures zkelect only\n");
        return 2;
    }
    if (o->manual_dispatch && (o->naive || o->shared || o->floor || o->crash)) {
        fprintf(stderr, "zkelect-bench: --manual-dispatch is for zkelect's graceful failover runs\n");
        return 2;
    }
    if (o->priorities && (o->naive || o->shared || o->floor)) {
        fprintf(stderr, "zkelect-bench: --priorities is for zkelect's failover and crash runs\n");
        return 2;
    }
    return 0;
}

int main(int argc, char **argv)
{
    bench_options_t opt = {.participants = 10, .warmup = 5};
    int rc = parse(argc, argv, &opt);
    if (rc)
        return rc;
    char path[128];
    if (!opt.path) {
        snprintf(path, sizeof path, "/zkelect-bench/%d", (int)getpid());
        opt.path = path;
    }
    signal(SIGPIPE, SIG_IGN);
    /* Each participant holds a socket and a pipe of the ZooKeeper client. */
    struct rlimit files;
    if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        setrlimit(RLIMIT_NOFILE, &files);
    }
    if (opt.runner)
        return bench_runner(&opt);
    if (opt.crash)
        return bench_crash(&opt, "/proc/self/exe");
    if (opt.floor && opt.shared)
        return bench_shared_floor(&opt);
    if (opt.floor)
        return bench_floor(&opt);
    if (opt.shared)
        return bench_shared(&opt);
    return bench_graceful(&opt);
}
