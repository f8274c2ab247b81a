/* connect.c - one handle, configured from the command line and connected,
 * for every subcommand; errors become exit codes with a message that says
 * what to fix. */
#include "cli.h"
#include "child.h"

#include <netdb.h>
#include <stdio.h>
#include <string.h>

static int configure(const cli_options_t *opt, bool observer, bool manual, zkelect_callback_fn cb, void *userdata,
                     zkelect_t *e)
{
    int rc = zkelect_set_log(e, cli_library_log, NULL);
    if (rc == ZKELECT_OK && manual)
        rc = zkelect_set_dispatch_mode(e, ZKELECT_DISPATCH_MANUAL);
    if (rc == ZKELECT_OK)
        rc = zkelect_set_log_level(e, opt->verbosity >= 2 ? ZKELECT_LOG_DEBUG : ZKELECT_LOG_INFO);
    if (rc == ZKELECT_OK)
        rc = zkelect_set_observer(e, observer);
    if (rc == ZKELECT_OK)
        rc = zkelect_set_callback(e, cb, userdata);
    if (rc == ZKELECT_OK)
        rc = zkelect_set_session_timeout(e, opt->session_timeout_ms);
    if (rc == ZKELECT_OK && !observer)
        rc = zkelect_set_lease_fraction(e, CLI_LEASE_FRACTION);
    if (rc == ZKELECT_OK && !observer)
        rc = zkelect_set_disconnect_policy(e, opt->policy == CLI_POLICY_LEASE ? ZKELECT_POLICY_LEASE
                                                                              : ZKELECT_POLICY_STRICT);
    if (rc == ZKELECT_OK)
        rc = zkelect_set_format(e, opt->format);
    if (rc == ZKELECT_OK && opt->priority && !observer)
        rc = zkelect_set_priority(e, opt->priority);
    if (rc == ZKELECT_OK && opt->preempt_delay_s > 0 && !observer)
        rc = zkelect_set_preemption(e, (int)(opt->preempt_delay_s * 1000));
    /* run stops its command first, then resigns (run.c) */
    if (rc == ZKELECT_OK && !observer)
        rc = zkelect_set_step_down_mode(e, ZKELECT_STEP_DOWN_BY_HOST);
    if (rc == ZKELECT_OK && opt->data)
        rc = zkelect_set_data(e, opt->data, strlen(opt->data));
    if (rc == ZKELECT_OK && opt->acl)
        rc = zkelect_set_acl(e, opt->acl);
    if (rc == ZKELECT_OK)
        rc = cli_apply_secure(e, opt);
    if (rc == ZKELECT_OK && opt->auth[0]) {
        /* "digest:user:password": the scheme ends at the first colon. */
        char scheme[64];
        size_t len = strcspn(opt->auth, ":");
        snprintf(scheme, sizeof scheme, "%.*s", (int)len, opt->auth);
        const char *credential = opt->auth + len + 1;
        rc = zkelect_set_auth(e, scheme, credential, strlen(credential));
    }
    return rc;
}

/* zkelect_new() cannot log why it refused an argument;
 * zkelect_check_arguments() says it, as "<argument>: <reason>". */
static int explain_new_failure(const cli_options_t *opt, int rc)
{
    static const struct {
        const char *argument, *flag;
    } flags[] = {{"zk_hosts", "--zk"}, {"election_path", "--path"}, {"participant_id", "--id"}};
    char why[256];
    if (zkelect_check_arguments(opt->zk, opt->path, opt->id, why, sizeof why) == ZKELECT_OK) {
        fprintf(stderr, "zkelect: cannot create the participant: %s\n", zkelect_strerror(rc));
        return rc == ZKELECT_ENOMEM || rc == ZKELECT_ESYS ? CLI_EXIT_FAILURE : CLI_EXIT_USAGE;
    }
    size_t n = strcspn(why, ":");
    const char *flag = "argument";
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        if (strlen(flags[i].argument) == n && strncmp(why, flags[i].argument, n) == 0)
            flag = flags[i].flag;
    }
    fprintf(stderr, "zkelect: invalid %s: %s\n", flag, why[n] ? why + n + 2 : why);
    return CLI_EXIT_USAGE;
}

void cli_explain_refusal(const cli_options_t *opt)
{
    if (opt->sasl_mechanism) {
        cli_log(CLI_ERR, "ZooKeeper refused to authenticate this client, or refused its SASL identity access to %s: "
                "check --sasl-user, --sasl-password-file, the server's JAAS configuration and the ACL of the path",
                opt->path);
        return;
    }
    cli_log(CLI_ERR, "ZooKeeper refused access to %s: %s%s", opt->path,
            opt->auth[0] ? "the credentials of --auth-file may not do this (check them and the ACL of the path)"
                         : "it needs credentials (--auth-file) that the ACL of the path allows",
            opt->acl ? ", or the server does not accept --acl (a scheme it has no provider for)" : "");
}

int cli_start(const cli_options_t *opt, bool observer, bool manual, zkelect_callback_fn cb, void *userdata,
              zkelect_t **out, char id[ZKELECT_ID_MAX + 1])
{
    zkelect_t *e;
    *out = NULL;
    int rc = zkelect_new(&e, opt->zk, opt->path, opt->id);
    if (rc != ZKELECT_OK)
        return explain_new_failure(opt, rc);
    if (id)
        rc = zkelect_id(e, id, ZKELECT_ID_MAX + 1);
    if (rc == ZKELECT_OK)
        rc = configure(opt, observer, manual, cb, userdata, e);
    if (rc == ZKELECT_OK)
        rc = zkelect_start(e);
    if (rc != ZKELECT_OK) {
        cli_log(CLI_ERR, "cannot start: %s", zkelect_strerror(rc));
        zkelect_destroy(e);
        return rc == ZKELECT_EINVAL || rc == ZKELECT_ETOOBIG ? CLI_EXIT_USAGE : CLI_EXIT_FAILURE;
    }
    *out = e;
    return CLI_EXIT_OK;
}

/* The hosts of --zk whose names do not resolve, "a, b", or "". */
static void unresolved_hosts(const char *zk, char *out, size_t len)
{
    out[0] = '\0';
    for (const char *s = zk; *s && *s != '/';) {
        size_t n = strcspn(s, ",/");
        char host[256];
        const char *colon = memrchr(s, ':', n);
        snprintf(host, sizeof host, "%.*s", (int)(colon ? (size_t)(colon - s) : n), s);
        if (host[0] == '[')
            memmove(host, host + 1, strlen(host)), host[strcspn(host, "]")] = '\0';
        struct addrinfo *ai = NULL;
        if (getaddrinfo(host, NULL, NULL, &ai) != 0)
            snprintf(out + strlen(out), len - strlen(out), "%s%s", out[0] ? ", " : "", host);
        else
            freeaddrinfo(ai);
        s += n;
        s += *s == ',';
    }
}

void cli_no_session(const cli_options_t *opt)
{
    char why[512], unresolved[512];
    cli_last_zookeeper_error(why, sizeof why);
    unresolved_hosts(opt->zk, unresolved, sizeof unresolved);
    if (unresolved[0])
        cli_log(CLI_ERR, "cannot reach ZooKeeper at %s within %g s: %s does not resolve", opt->zk,
                opt->connect_timeout_s, unresolved);
    else
        cli_log(CLI_ERR, "cannot reach ZooKeeper at %s within %g s%s%s", opt->zk, opt->connect_timeout_s,
                why[0] ? "; the client's last error: " : "", why);
}

int cli_connect(const cli_options_t *opt, bool observer, zkelect_callback_fn cb, void *userdata, zkelect_t **out)
{
    zkelect_t *e;
    int rc = cli_start(opt, observer, false, cb, userdata, &e, NULL);
    if (rc != CLI_EXIT_OK)
        return rc;
    rc = zkelect_wait_connected(e, (int)(opt->connect_timeout_s * 1000));
    if (rc == ZKELECT_EAUTH) {
        cli_log(CLI_ERR, "ZooKeeper refused to authenticate this client: check %s",
                opt->sasl_mechanism ? "--sasl-user, --sasl-password-file and the server's JAAS configuration"
                                    : "the scheme of --auth-file");
        return cli_close(e, CLI_EXIT_FAILURE);
    }
    if (rc != ZKELECT_OK) {
        cli_no_session(opt);
        return cli_close(e, CLI_EXIT_NO_ZK);
    }
    cli_log(CLI_INFO, "connected to %s, session timeout %d ms", opt->zk, zkelect_session_timeout(e));
    *out = e;
    return CLI_EXIT_OK;
}
