/* config.c - what the host sets before start: an election's settings,
 * and a session's (for a standalone handle, through its election). One rule
 * for all: before start only, and a clear error otherwise. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

int zkelect__configurable(struct zkelect *e, const char *what)
{
    if (!e)
        return ZKELECT_EINVAL;
    int rc = zkelect__check_process(e->session, e, what);
    if (rc)
        return rc;
    if (e->started) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "%s: only allowed before zkelect_start()", what);
        return ZKELECT_ESTATE;
    }
    return ZKELECT_OK;
}

static int session_configurable(zke_session_t *s, const char *what)
{
    if (!s)
        return ZKELECT_EINVAL;
    int rc = zkelect__check_process(s, NULL, what);
    if (rc)
        return rc;
    if (s->started) {
        zkelect__session_log(s, ZKELECT_LOG_ERROR, "%s: only allowed before the session starts", what);
        return ZKELECT_ESTATE;
    }
    return ZKELECT_OK;
}

/* What belongs to the session is set on a standalone handle, or on the
 * session itself: not on one of the elections a shared session carries. */
static int only_standalone(struct zkelect *e, const char *what, const char *instead)
{
    if (e->standalone)
        return ZKELECT_OK;
    zkelect__log(e, ZKELECT_LOG_ERROR, "%s: the election is on a shared session: use %s", what, instead);
    return ZKELECT_ESTATE;
}

const struct ACL_vector *zkelect__node_acl(const struct zkelect *e)
{
    return e->custom_acl.count > 0 ? &e->custom_acl : &e->acl;
}

const struct ACL_vector *zkelect__parent_acl(const struct zkelect *e)
{
    return e->custom_acl.count > 0 ? &e->custom_acl : &e->parent_acl;
}

bool zkelect__owner_writes_alone(const struct zkelect *e)
{
    return e->custom_acl.count == 0;
}

/* An "auth" entry names every identity of the creating session, its own
 * among them (session.c): with digest credentials it is written out as the
 * host's identity alone. Other schemes keep "auth". */
static struct Id auth_ids(const zke_session_t *s)
{
    if (s->auth_digest_id)
        return (struct Id){.scheme = (char *)"digest", .id = s->auth_digest_id};
    return ZOO_AUTH_IDS;
}

/* The same for the entries of a host's ACL (owned strings). */
static int expand_auth(struct ACL_vector *acl, const zke_session_t *s)
{
    if (!s->auth_digest_id)
        return ZKELECT_OK;
    for (int i = 0; i < acl->count; i++) {
        struct Id *id = &acl->data[i].id;
        if (strcmp(id->scheme, "auth") != 0)
            continue;
        char *scheme = strdup("digest"), *text = strdup(s->auth_digest_id);
        if (!scheme || !text) {
            free(scheme);
            free(text);
            return ZKELECT_ENOMEM;
        }
        free(id->scheme);
        free(id->id);
        id->scheme = scheme;
        id->id = text;
    }
    return ZKELECT_OK;
}

static void default_acl(struct zkelect *e)
{
    /* Our nodes: the session's own identity may do everything, the world may
     * only read. Nobody else can write one, so a write to one is a hand-over
     * by its owner (line.c). */
    e->acl_entries[0] = (struct ACL){.perms = ZOO_PERM_ALL,
                                     .id = {.scheme = (char *)"digest", .id = e->session->identity_id}};
    e->acl_entries[1] = (struct ACL){.perms = ZOO_PERM_READ, .id = ZOO_ANYONE_ID_UNSAFE};
    e->acl = (struct ACL_vector){.count = 2, .data = e->acl_entries};
    if (!e->session->auth_scheme) {
        e->parent_acl = ZOO_OPEN_ACL_UNSAFE;
        return;
    }
    /* Parents with credentials: whoever the credentials make the creator may
     * do everything (add and delete contenders), the world may only read. */
    e->parent_entries[0] = (struct ACL){.perms = ZOO_PERM_ALL, .id = auth_ids(e->session)};
    e->parent_entries[1] = (struct ACL){.perms = ZOO_PERM_READ, .id = ZOO_ANYONE_ID_UNSAFE};
    e->parent_acl = (struct ACL_vector){.count = 2, .data = e->parent_entries};
}

int zkelect__settle_acl(struct zkelect *e)
{
    default_acl(e);
    return expand_auth(&e->custom_acl, e->session);
}

/* ----------------------------------------------------------- the session's */

static int set_session_timeout(zke_session_t *s, int timeout_ms)
{
    char why[512];
    if (zkelect__check_setting("session_timeout", timeout_ms, why, sizeof why)) {
        zkelect__session_log(s, ZKELECT_LOG_ERROR, "%s", why);
        return ZKELECT_EINVAL;
    }
    s->requested_ms = timeout_ms;
    return ZKELECT_OK;
}

static int set_auth(zke_session_t *s, const char *scheme, const void *credential, size_t len, const char *what)
{
    if (!scheme || !scheme[0] || !credential || len == 0 || len > 65536) {
        zkelect__session_log(s, ZKELECT_LOG_ERROR,
                             "%s: scheme and credential must be set (credential 1..65536 bytes)", what);
        return ZKELECT_EINVAL;
    }
    char *scheme_copy = strdup(scheme);
    char *credential_copy = malloc(len + 1);
    char *digest_id = NULL;
    int rc = scheme_copy && credential_copy ? ZKELECT_OK : ZKELECT_ENOMEM;
    if (!rc) {
        memcpy(credential_copy, credential, len);
        credential_copy[len] = '\0';
    }
    /* "user:password" text: its id names the host in ACLs (see auth_ids()). */
    if (!rc && strcmp(scheme, "digest") == 0 && strlen(credential_copy) == len && strchr(credential_copy, ':')) {
        digest_id = malloc(len + 32);
        rc = digest_id ? zkelect__digest_id(credential_copy, digest_id, len + 32) : ZKELECT_ENOMEM;
    }
    if (rc) {
        free(scheme_copy);
        free(credential_copy);
        free(digest_id);
        return rc;
    }
    free(s->auth_scheme);
    free(s->auth_credential);
    free(s->auth_digest_id);
    s->auth_scheme = scheme_copy;
    s->auth_credential = credential_copy;
    s->auth_len = len;
    s->auth_digest_id = digest_id;
    return ZKELECT_OK;
}

static int set_log_level(zke_session_t *s, int level)
{
    if (level < ZKELECT_LOG_ERROR || level > ZKELECT_LOG_DEBUG) {
        zkelect__session_log(s, ZKELECT_LOG_ERROR, "log level %d is outside ZKELECT_LOG_ERROR..ZKELECT_LOG_DEBUG",
                             level);
        return ZKELECT_EINVAL;
    }
    s->log_level = level;
    return ZKELECT_OK;
}

int zkelect_session_set_timeout(zkelect_session_t *s, int timeout_ms)
{
    int rc = session_configurable(s, "zkelect_session_set_timeout");
    return rc ? rc : set_session_timeout(s, timeout_ms);
}

int zkelect_session_set_auth(zkelect_session_t *s, const char *scheme, const void *credential, size_t len)
{
    int rc = session_configurable(s, "zkelect_session_set_auth");
    return rc ? rc : set_auth(s, scheme, credential, len, "zkelect_session_set_auth");
}

int zkelect_session_set_tls(zkelect_session_t *s, const char *ca_file, const char *cert_file, const char *key_file,
                            const char *key_password)
{
    int rc = session_configurable(s, "zkelect_session_set_tls");
    return rc ? rc
              : zkelect__secure_set_tls(s, "zkelect_session_set_tls", ca_file, cert_file, key_file, key_password);
}

int zkelect_session_set_sasl(zkelect_session_t *s, const char *mechanism, const char *user, const char *password_file,
                             const char *service, const char *host)
{
    int rc = session_configurable(s, "zkelect_session_set_sasl");
    return rc ? rc
              : zkelect__secure_set_sasl(s, "zkelect_session_set_sasl", mechanism, user, password_file, service, host);
}

int zkelect_session_set_log(zkelect_session_t *s, zkelect_log_fn fn, void *userdata)
{
    int rc = session_configurable(s, "zkelect_session_set_log");
    if (rc)
        return rc;
    s->log_fn = fn;
    s->log_userdata = userdata;
    return ZKELECT_OK;
}

int zkelect_session_set_log_level(zkelect_session_t *s, int level)
{
    int rc = session_configurable(s, "zkelect_session_set_log_level");
    return rc ? rc : set_log_level(s, level);
}

/* --------------------------------------------------------- the election's */

static int set_payload(struct zkelect *e, const void *data, size_t len)
{
    size_t total;
    char *payload = zkelect__node_data_join(e->id, strlen(e->id), data, len, false, &total);
    if (!payload)
        return ZKELECT_ENOMEM;
    free(e->payload);
    e->payload = payload;
    e->payload_len = total;
    return ZKELECT_OK;
}

int zkelect_set_callback(zkelect_t *e, zkelect_callback_fn cb, void *userdata)
{
    int rc = zkelect__configurable(e, "zkelect_set_callback");
    if (rc)
        return rc;
    e->cb = cb;
    e->cb_userdata = userdata;
    return ZKELECT_OK;
}

int zkelect_set_session_timeout(zkelect_t *e, int timeout_ms)
{
    int rc = zkelect__configurable(e, "zkelect_set_session_timeout");
    if (!rc)
        rc = only_standalone(e, "zkelect_set_session_timeout", "zkelect_session_set_timeout()");
    return rc ? rc : set_session_timeout(e->session, timeout_ms);
}

/* Curator and kazoo store the id alone as the node data: no room for more. */
static int payload_fits_format(struct zkelect *e, int format, size_t data_len, const char *what)
{
    if (format == ZKELECT_FORMAT_NATIVE || data_len == 0)
        return ZKELECT_OK;
    zkelect__log(e, ZKELECT_LOG_ERROR, "%s: the %s format stores only the participant id as node data", what,
                 zkelect__format_name(format));
    return ZKELECT_EINVAL;
}

/* The setting's range (limits.c): ZKELECT_OK, or the reason logged and
 * ZKELECT_EINVAL. */
static int in_range(struct zkelect *e, const char *setting, double value)
{
    char why[512];
    if (zkelect__check_setting(setting, value, why, sizeof why) == ZKELECT_OK)
        return ZKELECT_OK;
    zkelect__log(e, ZKELECT_LOG_ERROR, "%s", why);
    return ZKELECT_EINVAL;
}

int zkelect_set_query_timeout(zkelect_t *e, int timeout_ms)
{
    int rc = zkelect__configurable(e, "zkelect_set_query_timeout");
    if (rc == ZKELECT_OK)
        rc = in_range(e, "query_timeout", timeout_ms);
    if (rc == ZKELECT_OK)
        e->query_timeout_ms = timeout_ms;
    return rc;
}

int zkelect_set_format(zkelect_t *e, int format)
{
    int rc = zkelect__configurable(e, "zkelect_set_format");
    if (rc)
        return rc;
    if (format != ZKELECT_FORMAT_NATIVE && format != ZKELECT_FORMAT_CURATOR && format != ZKELECT_FORMAT_KAZOO) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "unknown node format %d", format);
        return ZKELECT_EINVAL;
    }
    if (format != ZKELECT_FORMAT_NATIVE && e->priority != 0) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "zkelect_set_format: a priority is set (%d), which only the native "
                     "format carries", e->priority);
        return ZKELECT_ESTATE;
    }
    size_t id_len = strlen(e->id);
    rc = payload_fits_format(e, format, e->payload_len - id_len, "zkelect_set_format");
    if (rc)
        return rc;
    e->format = format;
    return ZKELECT_OK;
}

int zkelect_set_data(zkelect_t *e, const void *data, size_t len)
{
    int rc = zkelect__configurable(e, "zkelect_set_data");
    if (rc)
        return rc;
    rc = payload_fits_format(e, e->format, len, "zkelect_set_data");
    if (rc)
        return rc;
    if (len && !data) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "zkelect_set_data: data is NULL but len is %zu", len);
        return ZKELECT_EINVAL;
    }
    if (len > ZKELECT_DATA_MAX) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "zkelect_set_data: %zu bytes is more than ZKELECT_DATA_MAX (%d)", len,
                     ZKELECT_DATA_MAX);
        return ZKELECT_ETOOBIG;
    }
    return set_payload(e, data, len);
}

int zkelect_set_observer(zkelect_t *e, int observer)
{
    int rc = zkelect__configurable(e, "zkelect_set_observer");
    if (rc)
        return rc;
    e->observer = observer != 0;
    return ZKELECT_OK;
}

int zkelect_set_leader_events(zkelect_t *e, int on)
{
    int rc = zkelect__configurable(e, "zkelect_set_leader_events");
    if (rc)
        return rc;
    e->leader_events = on != 0;
    return ZKELECT_OK;
}

int zkelect_set_disconnect_policy(zkelect_t *e, int policy)
{
    int rc = zkelect__configurable(e, "zkelect_set_disconnect_policy");
    if (rc)
        return rc;
    if (policy != ZKELECT_POLICY_STRICT && policy != ZKELECT_POLICY_LEASE) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "unknown disconnect policy %d", policy);
        return ZKELECT_EINVAL;
    }
    e->policy = policy;
    return ZKELECT_OK;
}

int zkelect_set_lease_fraction(zkelect_t *e, double fraction)
{
    int rc = zkelect__configurable(e, "zkelect_set_lease_fraction");
    if (rc == ZKELECT_OK)
        rc = in_range(e, "lease_fraction", fraction);
    if (rc == ZKELECT_OK)
        e->lease_fraction = fraction;
    return rc;
}

int zkelect_set_auth(zkelect_t *e, const char *scheme, const void *credential, size_t len)
{
    int rc = zkelect__configurable(e, "zkelect_set_auth");
    if (!rc)
        rc = only_standalone(e, "zkelect_set_auth", "zkelect_session_set_auth()");
    return rc ? rc : set_auth(e->session, scheme, credential, len, "zkelect_set_auth");
}

int zkelect_set_tls(zkelect_t *e, const char *ca_file, const char *cert_file, const char *key_file,
                    const char *key_password)
{
    int rc = zkelect__configurable(e, "zkelect_set_tls");
    if (!rc)
        rc = only_standalone(e, "zkelect_set_tls", "zkelect_session_set_tls()");
    return rc ? rc : zkelect__secure_set_tls(e->session, "zkelect_set_tls", ca_file, cert_file, key_file, key_password);
}

int zkelect_set_sasl(zkelect_t *e, const char *mechanism, const char *user, const char *password_file,
                     const char *service, const char *host)
{
    int rc = zkelect__configurable(e, "zkelect_set_sasl");
    if (!rc)
        rc = only_standalone(e, "zkelect_set_sasl", "zkelect_session_set_sasl()");
    return rc ? rc
              : zkelect__secure_set_sasl(e->session, "zkelect_set_sasl", mechanism, user, password_file, service, host);
}

int zkelect_set_acl(zkelect_t *e, const char *acl)
{
    int rc = zkelect__configurable(e, "zkelect_set_acl");
    if (rc)
        return rc;
    struct ACL_vector parsed;
    char why[256];
    rc = zkelect__acl_parse(acl, &parsed, why, sizeof why);
    if (rc) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "zkelect_set_acl: %s", rc == ZKELECT_ENOMEM ? "out of memory" : why);
        return rc;
    }
    zkelect__acl_free(&e->custom_acl);
    e->custom_acl = parsed;
    return ZKELECT_OK;
}

/* A standalone handle's log settings are its session's too: the session's
 * messages, and the ZooKeeper client's, reach the same function. */
int zkelect_set_log(zkelect_t *e, zkelect_log_fn fn, void *userdata)
{
    int rc = zkelect__configurable(e, "zkelect_set_log");
    if (rc)
        return rc;
    e->log_fn = fn;
    e->log_userdata = userdata;
    if (e->standalone) {
        e->session->log_fn = fn;
        e->session->log_userdata = userdata;
    }
    return ZKELECT_OK;
}

int zkelect_set_log_level(zkelect_t *e, int level)
{
    int rc = zkelect__configurable(e, "zkelect_set_log_level");
    if (rc)
        return rc;
    if (level < ZKELECT_LOG_ERROR || level > ZKELECT_LOG_DEBUG) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "log level %d is outside ZKELECT_LOG_ERROR..ZKELECT_LOG_DEBUG", level);
        return ZKELECT_EINVAL;
    }
    e->log_level = level;
    if (e->standalone)
        e->session->log_level = level;
    return ZKELECT_OK;
}
