/* options.c - the command line of each subcommand, checked before anything
 * connects: a bad flag is a usage error (exit 2) with a message that says
 * which flag and why. */
#include "cli.h"
#include "child.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { OPT_ZK = 256, OPT_PATH, OPT_ID, OPT_DATA, OPT_TIMEOUT, OPT_GRACE, OPT_POLICY, OPT_ON_EXIT, OPT_CONNECT,
       OPT_JSON, OPT_COUNT, OPT_AUTH_FILE, OPT_FORMAT, OPT_ACL, OPT_STOP_TIMEOUT, OPT_HEALTH_CMD, OPT_HEALTH_INTERVAL,
       OPT_HEALTH_TIMEOUT, OPT_HEALTH_FAILURES, OPT_HEALTH_RISE, OPT_UNHEALTHY_LEADER, OPT_METRICS_FILE, OPT_CHECK, OPT_PRIORITY,
       OPT_PREEMPT_DELAY, OPT_TO, OPT_WAIT, OPT_TLS_CA, OPT_TLS_CERT, OPT_TLS_KEY, OPT_TLS_KEY_PASSWORD_FILE,
       OPT_SASL_MECHANISM, OPT_SASL_USER, OPT_SASL_PASSWORD_FILE, OPT_SASL_SERVICE, OPT_SASL_HOST };

static const struct option long_options[] = {
    {"zk", required_argument, NULL, OPT_ZK},
    {"path", required_argument, NULL, OPT_PATH},
    {"id", required_argument, NULL, OPT_ID},
    {"data", required_argument, NULL, OPT_DATA},
    {"session-timeout", required_argument, NULL, OPT_TIMEOUT},
    {"grace", required_argument, NULL, OPT_GRACE},
    {"policy", required_argument, NULL, OPT_POLICY},
    {"on-exit", required_argument, NULL, OPT_ON_EXIT},
    {"connect-timeout", required_argument, NULL, OPT_CONNECT},
    {"json", no_argument, NULL, OPT_JSON},
    {"count", required_argument, NULL, OPT_COUNT},
    {"auth-file", required_argument, NULL, OPT_AUTH_FILE},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"acl", required_argument, NULL, OPT_ACL},
    {"stop-timeout", required_argument, NULL, OPT_STOP_TIMEOUT},
    {"health-cmd", required_argument, NULL, OPT_HEALTH_CMD},
    {"health-interval", required_argument, NULL, OPT_HEALTH_INTERVAL},
    {"health-timeout", required_argument, NULL, OPT_HEALTH_TIMEOUT},
    {"health-failures", required_argument, NULL, OPT_HEALTH_FAILURES},
    {"health-rise", required_argument, NULL, OPT_HEALTH_RISE},
    {"unhealthy-leader", required_argument, NULL, OPT_UNHEALTHY_LEADER},
    {"check", no_argument, NULL, OPT_CHECK},
    {"priority", required_argument, NULL, OPT_PRIORITY},
    {"preempt-delay", required_argument, NULL, OPT_PREEMPT_DELAY},
    {"to", required_argument, NULL, OPT_TO},
    {"wait", required_argument, NULL, OPT_WAIT},
    {"metrics-file", required_argument, NULL, OPT_METRICS_FILE},
    {"tls-ca", required_argument, NULL, OPT_TLS_CA},
    {"tls-cert", required_argument, NULL, OPT_TLS_CERT},
    {"tls-key", required_argument, NULL, OPT_TLS_KEY},
    {"tls-key-password-file", required_argument, NULL, OPT_TLS_KEY_PASSWORD_FILE},
    {"sasl-mechanism", required_argument, NULL, OPT_SASL_MECHANISM},
    {"sasl-user", required_argument, NULL, OPT_SASL_USER},
    {"sasl-password-file", required_argument, NULL, OPT_SASL_PASSWORD_FILE},
    {"sasl-service", required_argument, NULL, OPT_SASL_SERVICE},
    {"sasl-host", required_argument, NULL, OPT_SASL_HOST},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

void cli_usage(const char *subcommand, bool to_stdout)
{
    FILE *out = to_stdout ? stdout : stderr;
    const char *common = "  --zk HOSTS               ZooKeeper, \"host:port[,host:port...][/chroot]\"\n"
                         "  --path PATH              the election's znode path, e.g. /services/billing/leader\n"
                         "  --connect-timeout TIME   give up if no session within TIME (default 10s)\n"
                         "  --auth-file FILE         credentials, \"SCHEME:CREDENTIAL\" on its first line\n"
                         "                           (e.g. digest:user:password); kept out of the process list\n"
                         "  --tls-ca FILE, --tls-cert FILE, --tls-key FILE [--tls-key-password-file FILE]\n"
                         "                           mutual TLS to ZooKeeper's secureClientPort (PEM files)\n"
                         "  --sasl-mechanism DIGEST-MD5|GSSAPI [--sasl-user NAME] [--sasl-password-file FILE]\n"
                         "    [--sasl-service NAME] [--sasl-host NAME]\n"
                         "                           SASL authentication (see zkelect(1), \"Connecting securely\")\n"
                         "  --format native|curator|kazoo\n"
                         "                           node format: zkelect's (default), Curator LeaderLatch's\n"
                         "                           or kazoo Election's, to share the election with them\n"
                         "  -v, --verbose            more log lines on stderr (twice: debug)\n"
                         "  -h, --help               this help\n";
    if (strcmp(subcommand, "run") == 0) {
        fprintf(out, "usage: zkelect run --zk HOSTS --path PATH [options] -- CMD [ARGS...]\n"
                     "Run CMD only while this process leads the election; stop it when leadership ends.\n"
                     "A TIME is a number with a unit (500ms, 10s, 2m, 1h) or a bare number of seconds\n"
                     "(of milliseconds for --session-timeout).\n\n%s"
                     "  --id ID                  participant id, 1 to 255 bytes (default: HOSTNAME:PID)\n"
                     "  --priority N             -1000 to 1000 (default 0): when the leader goes, the highest\n"
                     "                           priority in line leads next; the leader is not displaced\n"
                     "                           unless --preempt-delay is given\n"
                     "  --preempt-delay TIME     with a higher priority than the leader's: after standing next\n"
                     "                           in line (healthy) for TIME, ask the leader to step down\n"
                     "  --data STR               payload stored with the participant (e.g. host:port)\n"
                     "  --session-timeout TIME   ZooKeeper session timeout T (default 10s)\n"
                     "  --policy lease|strict    on disconnection: keep leading until the lease ends\n"
                     "                           (lease, default) or stop at once (strict)\n"
                     "  --grace TIME             leadership lost: SIGTERM to SIGKILL (default 3s, at most 0.4 T)\n"
                     "  --stop-timeout TIME      planned stop (SIGTERM, SIGUSR1, failed health): how long CMD\n"
                     "                           may take to exit while this host still leads (default 90s;\n"
                     "                           0: no limit)\n"
                     "  --on-exit resign|exit    when CMD exits by itself: rejoin the line (resign,\n"
                     "                           default) or leave and exit with CMD's status (exit)\n"
                     "  --health-cmd CMD         a check run with /bin/sh -c (ZKELECT_ROLE=leader|standby);\n"
                     "                           after failures in a row the leader steps down and a\n"
                     "                           standby leaves the line, until checks pass again\n"
                     "  --health-interval TIME   between checks (default 5s)\n"
                     "  --health-timeout TIME    a check still running then has failed (default 5s)\n"
                     "  --health-failures N      failures in a row that make a host unhealthy (default 3)\n"
                     "  --health-rise N          passes in a row that make it healthy again (default 1)\n"
                     "  --unhealthy-leader step-down|stay-if-alone\n"
                     "                           an unhealthy leader hands over (step-down, default), or keeps\n"
                     "                           leading while no other host stands in line (stay-if-alone)\n"
                     "  --check                  check the command line, the command, ZooKeeper and the\n"
                     "                           path, say what was found, and exit without joining\n"
                     "  --metrics-file PATH      Prometheus text file, rewritten at each change and every 10 s\n"
                     "  --acl ACL                ACL of the nodes it creates, \"scheme:id:perms,...\"\n"
                     "                           (e.g. auth::cdrwa,world:anyone:r; see zkelect_set_acl(3))\n",
                common);
    } else if (strcmp(subcommand, "status") == 0) {
        fprintf(out, "usage: zkelect status --zk HOSTS --path PATH [--json]\n"
                     "Print the contenders in line order; the first one leads.\n\n%s"
                     "  --json                   one JSON document (see zkelect(1))\n",
                common);
    } else if (strcmp(subcommand, "lockdown") == 0) {
        fprintf(out, "usage: zkelect lockdown --zk HOSTS --path PATH --auth-file FILE [--acl ACL]\n"
                     "Close an election path that anyone may change: give it the ACL \"the identity of\n"
                     "--auth-file may do everything, anyone may read\" (or --acl), creating it if missing.\n"
                     "The participants then need that identity's credentials (--auth-file) to join.\n\n%s"
                     "  --acl ACL                the ACL to give it instead, \"scheme:id:perms,...\"\n",
                common);
    } else if (strcmp(subcommand, "resign") == 0) {
        fprintf(out, "usage: zkelect resign --zk HOSTS --path PATH [--id ID] [--wait TIME]\n"
                     "Ask the leader, wherever it runs, to step down (as SIGUSR1 to its zkelect run does),\n"
                     "and wait for the next term. Needs CREATE on PATH.\n\n%s"
                     "  --id ID                  only if ID leads (refused otherwise)\n"
                     "  --wait TIME              wait this long for a new leader (default 60s; 0: do not wait)\n",
                common);
    } else if (strcmp(subcommand, "move") == 0) {
        fprintf(out, "usage: zkelect move --zk HOSTS --path PATH --to ID [--wait TIME]\n"
                     "Ask the leader to hand over to the standby ID (a planned switchover), and wait until\n"
                     "ID leads. Refused if ID is not in line or says it is unhealthy. Needs CREATE on PATH.\n\n%s"
                     "  --to ID                  the contender to lead next\n"
                     "  --wait TIME              wait this long for ID to lead (default 60s; 0: do not wait)\n",
                common);
    } else if (strcmp(subcommand, "watch") == 0) {
        fprintf(out, "usage: zkelect watch --zk HOSTS --path PATH [--json] [--count N]\n"
                     "Print a line each time the leader changes, without taking part.\n\n%s"
                     "  --json                   one JSON object per line\n"
                     "  --count N                exit after N lines\n",
                common);
    } else {
        fprintf(out, "usage: zkelect COMMAND [options]\n"
                     "Leader election on Apache ZooKeeper.\n\n"
                     "commands:\n"
                     "  run      run a command only while leader:  zkelect run --zk H --path P -- CMD...\n"
                     "  status   show the contenders and the leader\n"
                     "  watch    follow leader changes\n"
                     "  lockdown close an election path that anyone may change\n"
                     "  resign   ask the leader to step down, from any host\n"
                     "  move     hand the lead over to a named standby, from any host\n\n"
                     "zkelect COMMAND --help shows a command's options; zkelect --version its version.\n"
                     "See zkelect(1).\n");
    }
}

static const char *option_name(int opt)
{
    for (const struct option *o = long_options; o->name; o++)
        if (o->val == opt)
            return o->name;
    return "?";
}

static bool allowed(const char *subcommand, int opt)
{
    bool run = strcmp(subcommand, "run") == 0;
    bool asks = strcmp(subcommand, "resign") == 0 || strcmp(subcommand, "move") == 0;
    switch (opt) {
    case OPT_ACL:
        return run || strcmp(subcommand, "lockdown") == 0;
    case OPT_ID:
        return run || strcmp(subcommand, "resign") == 0;
    case OPT_TO:
        return strcmp(subcommand, "move") == 0;
    case OPT_WAIT:
        return asks;
    case OPT_DATA: case OPT_TIMEOUT: case OPT_GRACE: case OPT_POLICY: case OPT_ON_EXIT:
    case OPT_STOP_TIMEOUT: case OPT_HEALTH_CMD: case OPT_HEALTH_INTERVAL: case OPT_HEALTH_TIMEOUT:
    case OPT_HEALTH_FAILURES: case OPT_HEALTH_RISE: case OPT_UNHEALTHY_LEADER: case OPT_METRICS_FILE:
    case OPT_CHECK: case OPT_PRIORITY: case OPT_PREEMPT_DELAY:
        return run;
    case OPT_JSON:
        return !run && !asks && strcmp(subcommand, "lockdown") != 0;
    case OPT_COUNT:
        return strcmp(subcommand, "watch") == 0;
    default:
        return true;
    }
}

/* A duration: a number with a unit (ms, s, m, h), or a bare number in
 * bare_unit seconds (1 for seconds, 0.001 for milliseconds); in seconds,
 * within lo..hi. */
static bool parse_duration(const char *s, double bare_unit, double lo, double hi, double *out)
{
    static const struct {
        const char *suffix;
        double seconds;
    } units[] = {{"ms", 0.001}, {"s", 1}, {"m", 60}, {"h", 3600}};
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || !isfinite(v))
        return false;
    double unit = *end ? 0 : bare_unit;
    for (size_t i = 0; i < sizeof units / sizeof units[0] && !unit; i++)
        if (strcmp(end, units[i].suffix) == 0)
            unit = units[i].seconds;
    if (!unit || v * unit < lo || v * unit > hi)
        return false;
    *out = v * unit;
    return true;
}

static bool parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

__attribute__((format(printf, 2, 3))) static int bad(const char *subcommand, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    fprintf(stderr, "zkelect %s: %s\nTry 'zkelect %s --help'.\n", subcommand, text, subcommand);
    return CLI_EXIT_USAGE;
}

static int read_auth_file(const char *sub, const char *path, cli_options_t *o)
{
    int err = cli_read_secret(sub, "auth-file", path, o->auth, sizeof o->auth);
    if (err)
        return bad(sub, "--auth-file '%s': %s", path, strerror(err));
    const char *colon = strchr(o->auth, ':');
    if (!colon || colon == o->auth || colon - o->auth >= 64 || colon[1] == '\0') {
        o->auth[0] = '\0';
        return bad(sub, "--auth-file '%s': expected SCHEME:CREDENTIAL on its first line", path);
    }
    return CLI_EXIT_OK;
}

/* The file is replaced by a rename in its directory: that must exist and
 * take writes, which is checked now rather than at the first write. */
static int take_metrics_file(const char *sub, const char *arg, cli_options_t *o)
{
    char dir[4096];
    const char *slash = strrchr(arg, '/');
    if (!*arg || (slash && !slash[1]))
        return bad(sub, "--metrics-file '%s': expected a file name", arg);
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash == arg ? 1 : slash - arg) : 1, slash ? arg : ".");
    if (access(dir, W_OK | X_OK) != 0)
        return bad(sub, "--metrics-file '%s': cannot write in %s: %s", arg, dir, strerror(errno));
    struct stat st;
    if (stat(arg, &st) == 0 && !S_ISREG(st.st_mode))
        return bad(sub, "--metrics-file '%s': it is %s, not a file", arg, S_ISDIR(st.st_mode) ? "a directory" : "not a regular file");
    o->metrics_file = arg;
    return CLI_EXIT_OK;
}

static int set_acl(zkelect_t *e, const void *acl)
{
    return zkelect_set_acl(e, acl);
}

static int check_acl(const char *sub, const char *acl)
{
    char why[CLI_LIBRARY_SAYS_MAX];
    return cli_ask_library(set_acl, acl, why, sizeof why) ? bad(sub, "--acl '%s': %s", acl, why) : CLI_EXIT_OK;
}

/* An "auth" entry grants to the creator's identity: only credentials make one. */
static bool names_creator(const char *acl)
{
    for (const char *s = acl; s; s = strchr(s, ',')) {
        s += *s == ',';
        s += strspn(s, " ");
        if (strncmp(s, "auth:", 5) == 0)
            return true;
    }
    return false;
}

static int take(const char *sub, int opt, const char *arg, cli_options_t *o)
{
    long n;
    switch (opt) {
    case OPT_ZK: o->zk = arg; break;
    case OPT_PATH: o->path = arg; break;
    case OPT_ID:
        *(strcmp(sub, "resign") == 0 ? &o->leader : &o->id) = arg;
        break;
    case OPT_DATA: o->data = arg; break;
    case OPT_JSON: o->json = true; break;
    case OPT_AUTH_FILE: return read_auth_file(sub, arg, o);
    case OPT_TLS_CA: case OPT_TLS_CERT: case OPT_TLS_KEY: case OPT_TLS_KEY_PASSWORD_FILE: case OPT_SASL_MECHANISM:
    case OPT_SASL_USER: case OPT_SASL_PASSWORD_FILE: case OPT_SASL_SERVICE: case OPT_SASL_HOST: {
        char why[600];
        return cli_take_secure(sub, option_name(opt), arg, o, why, sizeof why) ? bad(sub, "%s", why) : CLI_EXIT_OK;
    }
    case OPT_ACL:
        o->acl = arg;
        return check_acl(sub, arg);
    case 'v': o->verbosity++; break;
    case OPT_CHECK: o->check = true; break;
    case OPT_TIMEOUT: {
        double seconds;
        char why[512];
        if (!parse_duration(arg, 0.001, 0, 1e9, &seconds))
            return bad(sub, "--session-timeout '%s': expected a time, e.g. 10s or 10000 (ms)", arg);
        if (zkelect_check_setting("session_timeout", seconds * 1000, why, sizeof why) != ZKELECT_OK)
            return bad(sub, "--session-timeout '%s': %s", arg, why);
        o->session_timeout_ms = (int)(seconds * 1000);
        break;
    }
    case OPT_GRACE:
        if (!parse_duration(arg, 1, 0, 3600, &o->grace_s))
            return bad(sub, "--grace '%s': expected a time from 0 to 1h, e.g. 3s or 500ms", arg);
        o->grace_given = true;
        break;
    case OPT_CONNECT:
        if (!parse_duration(arg, 1, 0.1, 86400, &o->connect_timeout_s))
            return bad(sub, "--connect-timeout '%s': expected a time from 100ms to 24h, e.g. 10s", arg);
        break;
    case OPT_STOP_TIMEOUT:
        if (!parse_duration(arg, 1, 0, 86400, &o->stop_timeout_s))
            return bad(sub, "--stop-timeout '%s': expected a time from 0 (no limit) to 24h, e.g. 90s", arg);
        break;
    case OPT_HEALTH_CMD:
        if (!*arg)
            return bad(sub, "%s", "--health-cmd is empty");
        o->health_cmd = arg;
        break;
    case OPT_HEALTH_INTERVAL:
        if (!parse_duration(arg, 1, 0.1, 86400, &o->health_interval_s))
            return bad(sub, "--health-interval '%s': expected a time from 100ms to 24h, e.g. 5s", arg);
        o->health_given = true;
        break;
    case OPT_HEALTH_TIMEOUT:
        if (!parse_duration(arg, 1, 0.1, 86400, &o->health_timeout_s))
            return bad(sub, "--health-timeout '%s': expected a time from 100ms to 24h, e.g. 5s", arg);
        o->health_given = true;
        break;
    case OPT_HEALTH_FAILURES:
        if (!parse_long(arg, 1, 1000, &n))
            return bad(sub, "--health-failures '%s': expected a number, 1 to 1000", arg);
        o->health_failures = (int)n;
        o->health_given = true;
        break;
    case OPT_HEALTH_RISE:
        if (!parse_long(arg, 1, 1000, &n))
            return bad(sub, "--health-rise '%s': expected a number, 1 to 1000", arg);
        o->health_rise = (int)n;
        o->health_given = true;
        break;
    case OPT_PRIORITY: {
        char why[256];
        if (!parse_long(arg, -1000000000L, 1000000000L, &n))
            return bad(sub, "--priority '%s': expected a whole number, %d to %d", arg, ZKELECT_PRIORITY_MIN,
                       ZKELECT_PRIORITY_MAX);
        if (zkelect_check_setting("priority", (double)n, why, sizeof why) != ZKELECT_OK)
            return bad(sub, "--priority '%s': %s", arg, why);
        o->priority = (int)n;
        break;
    }
    case OPT_PREEMPT_DELAY:
        if (!parse_duration(arg, 1, 0, ZKELECT_PREEMPTION_MAX / 1000.0, &o->preempt_delay_s))
            return bad(sub, "--preempt-delay '%s': expected a time from 0 (never) to 24h, e.g. 30s", arg);
        break;
    case OPT_TO:
        if (!*arg || strlen(arg) > ZKELECT_ID_MAX)
            return bad(sub, "--to '%s': expected a participant id, 1 to %d bytes", arg, ZKELECT_ID_MAX);
        o->to = arg;
        break;
    case OPT_WAIT:
        if (!parse_duration(arg, 1, 0, 86400, &o->wait_s))
            return bad(sub, "--wait '%s': expected a time from 0 (do not wait) to 24h, e.g. 60s", arg);
        break;
    case OPT_UNHEALTHY_LEADER:
        if (strcmp(arg, "step-down") != 0 && strcmp(arg, "stay-if-alone") != 0)
            return bad(sub, "--unhealthy-leader '%s': expected step-down or stay-if-alone", arg);
        o->stay_if_alone = strcmp(arg, "stay-if-alone") == 0;
        o->health_given = true;
        break;
    case OPT_METRICS_FILE:
        return take_metrics_file(sub, arg, o);
    case OPT_COUNT:
        if (!parse_long(arg, 1, 1000000000L, &o->count))
            return bad(sub, "--count '%s': expected a positive number", arg);
        break;
    case OPT_POLICY:
        if (strcmp(arg, "strict") != 0 && strcmp(arg, "lease") != 0)
            return bad(sub, "--policy '%s': expected strict or lease", arg);
        o->policy = strcmp(arg, "strict") == 0 ? CLI_POLICY_STRICT : CLI_POLICY_LEASE;
        break;
    case OPT_FORMAT:
        if (strcmp(arg, "native") == 0)
            o->format = ZKELECT_FORMAT_NATIVE;
        else if (strcmp(arg, "curator") == 0)
            o->format = ZKELECT_FORMAT_CURATOR;
        else if (strcmp(arg, "kazoo") == 0)
            o->format = ZKELECT_FORMAT_KAZOO;
        else
            return bad(sub, "--format '%s': expected native, curator or kazoo", arg);
        break;
    case OPT_ON_EXIT:
        if (strcmp(arg, "resign") != 0 && strcmp(arg, "exit") != 0)
            return bad(sub, "--on-exit '%s': expected resign or exit", arg);
        o->on_exit = strcmp(arg, "resign") == 0 ? CLI_ON_EXIT_RESIGN : CLI_ON_EXIT_EXIT;
        break;
    default:
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

/* The grace period must end before a successor can be elected; see
 * child.h for the bound. */
static int check_grace(cli_options_t *o)
{
    double max_s = cli_max_grace_ms(o->session_timeout_ms) / 1000.0;
    if (!o->grace_given) {
        o->grace_s = CLI_DEFAULT_GRACE_S < max_s ? CLI_DEFAULT_GRACE_S : max_s;
        return CLI_EXIT_OK;
    }
    if (o->grace_s > max_s) {
        fprintf(stderr,
                "zkelect run: --grace %g s is too long for a %d ms session timeout: the command must be dead\n"
                "before a successor can be elected, so the grace period can be at most %.2f s (0.4 x the\n"
                "session timeout). Lower --grace or raise --session-timeout.\n",
                o->grace_s, o->session_timeout_ms, max_s);
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

static int check_required(const char *sub, cli_options_t *o, int argc, char **argv)
{
    if (!o->zk)
        return bad(sub, "%s", "--zk HOSTS is required");
    if (!o->path)
        return bad(sub, "%s", "--path PATH is required");
    bool run = strcmp(sub, "run") == 0;
    if (o->data && o->format != ZKELECT_FORMAT_NATIVE)
        return bad(sub, "%s", "--data cannot be used with --format curator or kazoo: their nodes hold only the id");
    if (o->priority && o->format != ZKELECT_FORMAT_NATIVE)
        return bad(sub, "%s", "--priority cannot be used with --format curator or kazoo: their clients order by join "
                              "alone");
    if (o->acl && names_creator(o->acl) && !o->auth[0])
        return bad(sub, "%s", "--acl grants to \"auth\" (the creator), which needs credentials: add --auth-file");
    if (strcmp(sub, "lockdown") == 0 && !o->auth[0] && !o->acl)
        return bad(sub, "%s", "nothing to lock the path to: give --auth-file (its identity gets the path) or --acl");
    char why[600];
    if (cli_check_secure(o, why, sizeof why))
        return bad(sub, "%s", why);
    if (strcmp(sub, "move") == 0 && !o->to)
        return bad(sub, "%s", "--to ID is required: the contender to hand over to");
    if (o->preempt_delay_s > 0 && !o->priority)
        return bad(sub, "%s", "--preempt-delay needs --priority: only a higher priority than the leader's preempts");
    if (run && optind >= argc)
        return bad(sub, "%s", "no command to run: add -- CMD [ARGS...]");
    if (o->health_given && !o->health_cmd)
        return bad(sub, "%s",
                   "--health-interval, --health-timeout, --health-failures, --health-rise and --unhealthy-leader "
                   "need --health-cmd");
    if (!run && optind < argc)
        return bad(sub, "unexpected argument '%s'", argv[optind]);
    if (run) {
        o->command = argv + optind;
        return check_grace(o);
    }
    return CLI_EXIT_OK;
}

int cli_parse(const char *sub, int argc, char **argv, cli_options_t *o, bool *done)
{
    memset(o, 0, sizeof *o);
    o->session_timeout_ms = 10000;
    o->connect_timeout_s = 10;
    /* run rides out a blip (a ZooKeeper member restarting) by default: the
     * lease is as safe as strict, and does not bounce the command. */
    o->policy = CLI_POLICY_LEASE;
    o->on_exit = CLI_ON_EXIT_RESIGN;
    o->stop_timeout_s = CLI_DEFAULT_STOP_TIMEOUT_S;
    o->health_interval_s = 5;
    o->health_timeout_s = 5;
    o->health_failures = 3;
    o->health_rise = 1;
    o->wait_s = 60;
    *done = false;
    optind = 1;
    opterr = 0;
    /* '+': stop at the first non-option, so that the command's own flags
     * are never taken for ours even without "--". */
    int opt;
    while ((opt = getopt_long(argc, argv, "+vh", long_options, NULL)) != -1) {
        if (opt == 'h') {
            cli_usage(sub, true);
            *done = true;
            return CLI_EXIT_OK;
        }
        if (opt == '?' || opt == ':') {
            char flag[3] = {'-', (char)optopt, '\0'};
            const char *what = optopt > 0 && optopt < 256 ? flag : argv[optind - 1];
            return bad(sub, "unknown option or missing value: '%s'", what);
        }
        if (!allowed(sub, opt))
            return bad(sub, "'--%s' does not apply to this command", option_name(opt));
        int rc = take(sub, opt, optarg, o);
        if (rc)
            return rc;
    }
    return check_required(sub, o, argc, argv);
}
