/* secure.c - TLS and SASL to ZooKeeper: the settings, checked and kept on
 * the session, and each ZooKeeper handle opened with them. Only a client
 * built with OpenSSL (zookeeper_init_ssl()) or Cyrus SASL
 * (zookeeper_init_sasl()) has them; configure finds out, and without them
 * the settings are refused with ZKELECT_ENOTSUP. */
#include "config.h"

/* The client's header declares its TLS and SASL calls only under the
 * macros its own build defined. */
#ifdef HAVE_ZOOKEEPER_INIT_SSL
#define HAVE_OPENSSL_H 1
#endif
#ifdef HAVE_ZOOKEEPER_INIT_SASL
#define HAVE_CYRUS_SASL_H 1
#endif

#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct zke_secure {
    /* TLS: "ca,cert,key[,password]", the one string the client takes */
    char *tls;
    size_t tls_len;
    /* SASL */
    char *mechanism, *user, *password_file, *service, *host;
#ifdef HAVE_ZOOKEEPER_INIT_SASL
    sasl_callback_t callbacks[5]; /* referenced by every handle: they live as long as the session */
    sasl_secret_t *secret;        /* the password as last read, for the SASL library */
    size_t secret_size;
    bool sasl_initialized;
    bool refusal_said;
#endif
};

#define GET_IT "build a client with TLS and SASL (scripts/secure-client.sh) and configure zkelect --with-zookeeper=PREFIX"

/* Zeroed through a volatile pointer, so that the compiler keeps it. */
static void wipe_stack(char *text, size_t len)
{
    volatile char *p = text;
    for (size_t i = 0; i < len; i++)
        p[i] = 0;
}

static void wipe(char *text, size_t len)
{
    if (!text)
        return;
    wipe_stack(text, len);
    free(text);
}

void zkelect__secure_free(zke_session_t *s)
{
    struct zke_secure *sec = s->secure;
    if (!sec)
        return;
    wipe(sec->tls, sec->tls_len);
    free(sec->mechanism);
    free(sec->user);
    free(sec->password_file);
    free(sec->service);
    free(sec->host);
#ifdef HAVE_ZOOKEEPER_INIT_SASL
    wipe((char *)sec->secret, sec->secret_size);
    if (sec->sasl_initialized)
        sasl_client_done();
#endif
    free(sec);
    s->secure = NULL;
}

#if defined(HAVE_ZOOKEEPER_INIT_SSL) || defined(HAVE_ZOOKEEPER_INIT_SASL)
static struct zke_secure *secure_of(zke_session_t *s)
{
    if (!s->secure)
        s->secure = calloc(1, sizeof *s->secure);
    return s->secure;
}

/* The client cannot do TLS and SASL on one connection (ZOOKEEPER-3482). */
static int refuse_both(zke_session_t *s, const char *what, const char *other)
{
    zkelect__session_log(s, ZKELECT_LOG_ERROR, "%s: %s is set: the ZooKeeper client cannot do TLS and SASL on one "
                         "connection (ZOOKEEPER-3482)", what, other);
    return ZKELECT_ENOTSUP;
}
#endif

/* ------------------------------------------------------------------ TLS */

#ifdef HAVE_ZOOKEEPER_INIT_SSL

static int readable(zke_session_t *s, const char *what, const char *role, const char *file)
{
    if (!file || !*file) {
        zkelect__session_log(s, ZKELECT_LOG_ERROR, "%s: no %s given", what, role);
        return ZKELECT_EINVAL;
    }
    if (strchr(file, ',')) {
        zkelect__session_log(s, ZKELECT_LOG_ERROR, "%s: the %s \"%s\" has a comma: the ZooKeeper client takes the "
                             "files as one comma-separated list", what, role, file);
        return ZKELECT_EINVAL;
    }
    if (access(file, R_OK) != 0) {
        zkelect__session_log(s, ZKELECT_LOG_ERROR, "%s: cannot read the %s \"%s\": %s", what, role, file,
                             strerror(errno));
        return ZKELECT_EINVAL;
    }
    return ZKELECT_OK;
}

/* A private key others may read is a key others may have. */
static void warn_if_exposed(zke_session_t *s, const char *what, const char *key_file)
{
    struct stat st;
    if (stat(key_file, &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)))
        zkelect__session_log(s, ZKELECT_LOG_WARN, "%s: the key file \"%s\" is open to its group or others (mode %03o):"
                             " make it 0600", what, key_file, (unsigned)(st.st_mode & 0777));
}

static int check_tls(zke_session_t *s, const char *what, const char *ca_file, const char *cert_file,
                     const char *key_file, const char *key_password)
{
    int rc = readable(s, what, "CA file", ca_file);
    if (!rc)
        rc = readable(s, what, "certificate file", cert_file);
    if (!rc)
        rc = readable(s, what, "key file", key_file);
    if (!rc && key_password && strchr(key_password, ',')) {
        zkelect__session_log(s, ZKELECT_LOG_ERROR, "%s: the key password has a comma, which the ZooKeeper client "
                             "cannot take", what);
        rc = ZKELECT_EINVAL;
    }
    return rc;
}

#endif

int zkelect__secure_set_tls(zke_session_t *s, const char *what, const char *ca_file, const char *cert_file,
                            const char *key_file, const char *key_password)
{
#ifndef HAVE_ZOOKEEPER_INIT_SSL
    (void)ca_file, (void)cert_file, (void)key_file, (void)key_password;
    zkelect__session_log(s, ZKELECT_LOG_ERROR, "%s: the ZooKeeper C client zkelect was built with has no TLS "
                         "(zookeeper_init_ssl): " GET_IT, what);
    return ZKELECT_ENOTSUP;
#else
    if (s->secure && s->secure->mechanism)
        return refuse_both(s, what, "SASL");
    int rc = check_tls(s, what, ca_file, cert_file, key_file, key_password);
    if (rc)
        return rc;
    warn_if_exposed(s, what, key_file);
    char *tls;
    int n = asprintf(&tls, "%s,%s,%s,%s", ca_file, cert_file, key_file, key_password ? key_password : "");
    struct zke_secure *sec = n < 0 ? NULL : secure_of(s);
    if (!sec) {
        if (n >= 0)
            wipe(tls, (size_t)n);
        return ZKELECT_ENOMEM;
    }
    if (!key_password)
        tls[n - 1] = '\0'; /* no trailing comma: the client would take "" as the password */
    wipe(sec->tls, sec->tls_len);
    sec->tls = tls;
    sec->tls_len = (size_t)n;
    return ZKELECT_OK;
#endif
}

/* ----------------------------------------------------------------- SASL */

#ifdef HAVE_ZOOKEEPER_INIT_SASL

static int dup_or_default(char **into, const char *value, const char *fallback)
{
    free(*into);
    *into = value || fallback ? strdup(value ? value : fallback) : NULL;
    return (value || fallback) && !*into ? ZKELECT_ENOMEM : ZKELECT_OK;
}

#endif

int zkelect__secure_set_sasl(zke_session_t *s, const char *what, const char *mechanism, const char *user,
                             const char *password_file, const char *service, const char *host)
{
#ifndef HAVE_ZOOKEEPER_INIT_SASL
    (void)mechanism, (void)user, (void)password_file, (void)service, (void)host;
    zkelect__session_log(s, ZKELECT_LOG_ERROR, "%s: the ZooKeeper C client zkelect was built with has no SASL "
                         "(zookeeper_init_sasl): " GET_IT, what);
    return ZKELECT_ENOTSUP;
#else
    if (s->secure && s->secure->tls)
        return refuse_both(s, what, "TLS");
    if (!mechanism || !*mechanism) {
        zkelect__session_log(s, ZKELECT_LOG_ERROR, "%s: no SASL mechanism given (DIGEST-MD5, GSSAPI)", what);
        return ZKELECT_EINVAL;
    }
    if (password_file && access(password_file, R_OK) != 0) {
        zkelect__session_log(s, ZKELECT_LOG_ERROR, "%s: cannot read the password file \"%s\": %s", what,
                             password_file, strerror(errno));
        return ZKELECT_EINVAL;
    }
    struct zke_secure *sec = secure_of(s);
    int rc = sec ? ZKELECT_OK : ZKELECT_ENOMEM;
    if (!rc)
        rc = dup_or_default(&sec->mechanism, mechanism, NULL);
    if (!rc)
        rc = dup_or_default(&sec->user, user, NULL);
    if (!rc)
        rc = dup_or_default(&sec->password_file, password_file, NULL);
    if (!rc)
        rc = dup_or_default(&sec->service, service, "zookeeper");
    if (!rc)
        rc = dup_or_default(&sec->host, host, "zk-sasl-md5");
    if (rc && sec) {
        free(sec->mechanism);
        sec->mechanism = NULL; /* not half set */
    }
    return rc;
#endif
}

/* ------------------------------------------------------ opening a handle */

#ifdef HAVE_ZOOKEEPER_INIT_SSL
/* zookeeper_init_ssl() splits the string with strtok(), whose state is the
 * process's: two sessions opening at once must not interleave. (The host's
 * own strtok() is not protected: the header says so.) */
static pthread_mutex_t strtok_guard = PTHREAD_MUTEX_INITIALIZER;

static zhandle_t *open_tls(zke_session_t *s, watcher_fn watcher, const clientid_t *resume)
{
    pthread_mutex_lock(&strtok_guard);
    zhandle_t *zh = zookeeper_init_ssl(s->servers, s->secure->tls, watcher, s->requested_ms, resume, s,
                                       ZOO_NO_LOG_CLIENTENV);
    pthread_mutex_unlock(&strtok_guard);
    if (zh)
        zoo_set_log_callback(zh, zkelect__zk_log);
    return zh;
}
#endif

#ifdef HAVE_ZOOKEEPER_INIT_SASL
/* The SASL library asks for the user and the password through callbacks
 * (the client's own helper would prompt on the terminal without a file). */
static int sasl_user(void *context, int id, const char **result, unsigned *len)
{
    const struct zke_secure *sec = context;
    if (!result || (id != SASL_CB_USER && id != SASL_CB_AUTHNAME))
        return SASL_BADPARAM;
    *result = sec->user ? sec->user : "";
    if (len)
        *len = (unsigned)strlen(*result);
    return SASL_OK;
}

static int sasl_realm(void *context, int id, const char **available, const char **result)
{
    (void)context, (void)id;
    *result = available && available[0] ? available[0] : NULL;
    return SASL_OK;
}

/* The first line of the password file, read at each authentication: a
 * rotated password is taken at the next connection. */
static int sasl_password(sasl_conn_t *conn, void *context, int id, sasl_secret_t **out)
{
    struct zke_secure *sec = context;
    if (!conn || !out || id != SASL_CB_PASS || !sec->password_file)
        return SASL_BADPARAM;
    FILE *f = fopen(sec->password_file, "re");
    char line[1024];
    bool got = f && fgets(line, sizeof line, f);
    if (f)
        fclose(f);
    if (!got)
        return SASL_FAIL;
    size_t len = strcspn(line, "\r\n");
    wipe((char *)sec->secret, sec->secret_size);
    sec->secret_size = sizeof(sasl_secret_t) + len + 1;
    sec->secret = calloc(1, sec->secret_size);
    if (sec->secret) {
        sec->secret->len = len;
        memcpy(sec->secret->data, line, len);
    }
    wipe_stack(line, sizeof line);
    *out = sec->secret;
    return sec->secret ? SASL_OK : SASL_NOMEM;
}

static void set_callbacks(struct zke_secure *sec)
{
    typedef int (*any_fn)(void);
    sasl_callback_t list[] = {{SASL_CB_USER, (any_fn)(void (*)(void))sasl_user, sec},
                              {SASL_CB_AUTHNAME, (any_fn)(void (*)(void))sasl_user, sec},
                              {SASL_CB_GETREALM, (any_fn)(void (*)(void))sasl_realm, sec},
                              {SASL_CB_PASS, (any_fn)(void (*)(void))sasl_password, sec},
                              {SASL_CB_LIST_END, NULL, NULL}};
    memcpy(sec->callbacks, list, sizeof list);
}

static zhandle_t *open_sasl(zke_session_t *s, watcher_fn watcher, const clientid_t *resume)
{
    struct zke_secure *sec = s->secure;
    if (!sec->sasl_initialized) {
        int rc = sasl_client_init(NULL);
        if (rc != SASL_OK) {
            zkelect__session_log(s, ZKELECT_LOG_ERROR, "the SASL library would not start: %s",
                                 sasl_errstring(rc, NULL, NULL));
            errno = EINVAL;
            return NULL;
        }
        sec->sasl_initialized = true;
    }
    set_callbacks(sec);
    zoo_sasl_params_t params = {.service = sec->service, .host = sec->host, .mechlist = sec->mechanism,
                                .callbacks = sec->callbacks};
    return zookeeper_init_sasl(s->servers, watcher, s->requested_ms, resume, s, 0, zkelect__zk_log, &params);
}
#endif

/* The client marks a refused SASL authentication in its handle's state,
 * and tells no watcher (3.8.2): the keeper looks, every quarter of a
 * second while such a session is not connected. */
int64_t zkelect__sasl_check_at(const zke_session_t *s, int64_t now)
{
#ifdef HAVE_ZOOKEEPER_INIT_SASL
    const struct zke_secure *sec = s->secure;
    if (sec && sec->mechanism && !sec->refusal_said && s->zh && !s->connected)
        return now + 250 * ZKE_MS;
#endif
    (void)s, (void)now;
    return 0;
}

bool zkelect__sasl_refused(zke_session_t *s)
{
#ifdef HAVE_ZOOKEEPER_INIT_SASL
    struct zke_secure *sec = s->secure;
    if (!sec || !sec->mechanism || sec->refusal_said || !s->zh || s->connected ||
        zoo_state(s->zh) != ZOO_AUTH_FAILED_STATE)
        return false;
    sec->refusal_said = true;
    zkelect__session_log(s, ZKELECT_LOG_ERROR, "ZooKeeper refused the SASL authentication (mechanism %s, user %s): "
                         "check the user, the password file and the server's JAAS configuration", sec->mechanism,
                         sec->user ? sec->user : "(none)");
    return true;
#else
    (void)s;
    return false;
#endif
}

static zhandle_t *open_handle(zke_session_t *s, watcher_fn watcher, const clientid_t *resume)
{
#ifdef HAVE_ZOOKEEPER_INIT_SSL
    if (s->secure && s->secure->tls)
        return open_tls(s, watcher, resume);
#endif
#ifdef HAVE_ZOOKEEPER_INIT_SASL
    if (s->secure && s->secure->mechanism)
        return open_sasl(s, watcher, resume);
#endif
    return zookeeper_init2(s->servers, watcher, s->requested_ms, resume, s, 0, zkelect__zk_log);
}

zhandle_t *zkelect__zk_open(zke_session_t *s, watcher_fn watcher, const clientid_t *resume)
{
    zhandle_t *zh = open_handle(s, watcher, resume);
    /* By default the client resolves the servers' names each time its I/O
     * thread goes round, before it sends what was asked: a getaddrinfo()
     * (a netlink round trip even for an address) on the way of every
     * request, a failover's included. Connected, the address in use is
     * the one that works; the client still resolves afresh whenever it
     * connects, so a name moved to other servers is followed then. */
    if (zh)
        zoo_set_servers_resolution_delay(zh, -1);
    return zh;
}
