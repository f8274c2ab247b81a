/* secure.c - TLS and SASL to ZooKeeper on the command line: --tls-* and
 * --sasl-*, checked before anything connects (the library is asked on a
 * handle never started, so that a client without TLS is a usage error
 * that says so), and given to each handle. Secrets come from files, never
 * from the command line, which every local user can read. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static int read_key_password(const char *sub, const char *path, cli_options_t *o, char *why, size_t len)
{
    int err = cli_read_secret(sub, "tls-key-password-file", path, o->tls_key_password, sizeof o->tls_key_password);
    if (err)
        snprintf(why, len, "--tls-key-password-file '%s': %s", path, strerror(err));
    else if (!o->tls_key_password[0])
        snprintf(why, len, "--tls-key-password-file '%s': its first line is empty", path);
    return err || !o->tls_key_password[0] ? CLI_EXIT_USAGE : CLI_EXIT_OK;
}

int cli_take_secure(const char *sub, const char *flag, const char *arg, cli_options_t *o, char *why, size_t len)
{
    if (!*arg) {
        snprintf(why, len, "--%s: empty", flag);
        return CLI_EXIT_USAGE;
    }
    if (!strcmp(flag, "tls-ca"))
        o->tls_ca = arg;
    else if (!strcmp(flag, "tls-cert"))
        o->tls_cert = arg;
    else if (!strcmp(flag, "tls-key"))
        o->tls_key = arg;
    else if (!strcmp(flag, "tls-key-password-file"))
        return read_key_password(sub, arg, o, why, len);
    else if (!strcmp(flag, "sasl-mechanism"))
        o->sasl_mechanism = arg;
    else if (!strcmp(flag, "sasl-user"))
        o->sasl_user = arg;
    else if (!strcmp(flag, "sasl-password-file"))
        o->sasl_password_file = arg;
    else if (!strcmp(flag, "sasl-service"))
        o->sasl_service = arg;
    else if (!strcmp(flag, "sasl-host"))
        o->sasl_host = arg;
    return CLI_EXIT_OK;
}

static bool wants_tls(const cli_options_t *o)
{
    return o->tls_ca || o->tls_cert || o->tls_key || o->tls_key_password[0];
}

static bool wants_sasl(const cli_options_t *o)
{
    return o->sasl_mechanism || o->sasl_user || o->sasl_password_file || o->sasl_service || o->sasl_host;
}

static int apply_secure(zkelect_t *e, const void *o)
{
    return cli_apply_secure(e, o);
}

/* The library's own answer, on a handle that is never started. */
static int probe(const cli_options_t *o, char *why, size_t len)
{
    char said[512];
    if (cli_ask_library(apply_secure, o, said, sizeof said) == ZKELECT_OK)
        return CLI_EXIT_OK;
    snprintf(why, len, "%s: %s", wants_tls(o) ? "--tls-*" : "--sasl-*", said);
    return CLI_EXIT_USAGE;
}

int cli_check_secure(const cli_options_t *o, char *why, size_t len)
{
    if (wants_tls(o) && wants_sasl(o)) {
        snprintf(why, len, "--tls-* and --sasl-* cannot be used together: the ZooKeeper C client cannot do both on "
                           "one connection (ZOOKEEPER-3482)");
        return CLI_EXIT_USAGE;
    }
    if (wants_tls(o) && (!o->tls_ca || !o->tls_cert || !o->tls_key)) {
        snprintf(why, len, "TLS needs --tls-ca, --tls-cert and --tls-key together (ZooKeeper's client always "
                           "presents a certificate)");
        return CLI_EXIT_USAGE;
    }
    if (wants_sasl(o) && !o->sasl_mechanism) {
        snprintf(why, len, "SASL needs --sasl-mechanism (DIGEST-MD5 or GSSAPI)");
        return CLI_EXIT_USAGE;
    }
    return wants_tls(o) || wants_sasl(o) ? probe(o, why, len) : CLI_EXIT_OK;
}

int cli_apply_secure(zkelect_t *e, const cli_options_t *o)
{
    if (wants_tls(o))
        return zkelect_set_tls(e, o->tls_ca, o->tls_cert, o->tls_key,
                               o->tls_key_password[0] ? o->tls_key_password : NULL);
    if (wants_sasl(o))
        return zkelect_set_sasl(e, o->sasl_mechanism, o->sasl_user, o->sasl_password_file, o->sasl_service,
                                o->sasl_host);
    return ZKELECT_OK;
}
