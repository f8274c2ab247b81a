/* inspect.c - tests/inspect.h: the one place the tests read the library's
 * inside, each fact under the lock that guards it. */
#include "inspect.h"

#include "internal.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

inspect_requests_t inspect_requests(zkelect_t *e)
{
    pthread_mutex_lock(&e->session->lock);
    inspect_requests_t r = {e->reads_sent, e->lists_sent, e->quick_takeovers, e->handoff_takeovers};
    pthread_mutex_unlock(&e->session->lock);
    return r;
}

inspect_line_t inspect_line(zkelect_t *e)
{
    inspect_line_t l = {.predecessor = ""};
    pthread_mutex_lock(&e->session->lock);
    l.leading = e->phase == ZKE_LEADING;
    l.watching = e->phase == ZKE_WATCHING;
    l.ahead = e->n_ahead;
    l.lists = e->lists_sent;
    l.notices = e->predecessor_notices;
    l.own_watched = e->own_watched;
    if (e->watched_path && strlen(e->watched_path) < sizeof l.predecessor)
        strcpy(l.predecessor, e->watched_path);
    pthread_mutex_unlock(&e->session->lock);
    return l;
}

bool inspect_watches(zkelect_t *a, zkelect_t *b)
{
    char node[512];
    return zkelect_node_path(b, node, sizeof node) == ZKELECT_OK && strcmp(inspect_line(a).predecessor, node) == 0;
}

int64_t inspect_session_id(zkelect_t *e, bool *connected, bool *replacing)
{
    zke_session_t *s = e->session;
    pthread_mutex_lock(&s->lock);
    int64_t id = s->id;
    if (connected)
        *connected = s->zh && s->connected;
    if (replacing)
        *replacing = s->need_new_session;
    pthread_mutex_unlock(&s->lock);
    return id;
}

bool inspect_client_id(zkelect_t *e, clientid_t *cid)
{
    zke_session_t *s = e->session;
    pthread_mutex_lock(&s->lock);
    bool ok = s->zh != NULL;
    if (ok)
        *cid = *zoo_client_id(s->zh);
    pthread_mutex_unlock(&s->lock);
    return ok;
}

int inspect_server_port(zkelect_t *e)
{
    zke_session_t *s = e->session;
    struct sockaddr_storage addr;
    socklen_t len = sizeof addr;
    int port = -1;
    pthread_mutex_lock(&s->lock);
    if (s->zh && zookeeper_get_connected_host(s->zh, (struct sockaddr *)&addr, &len))
        port = ntohs(((struct sockaddr_in *)&addr)->sin_port);
    pthread_mutex_unlock(&s->lock);
    return port;
}

bool inspect_session_idle(zkelect_session_t *s)
{
    pthread_mutex_lock(&s->lock);
    bool idle = s->ops.next == &s->ops;
    pthread_mutex_unlock(&s->lock);
    return idle;
}

const char *inspect_id(zkelect_t *e)
{
    return e->id; /* fixed at zkelect_new() */
}

const struct ACL_vector *inspect_acl(zkelect_t *e)
{
    return &e->custom_acl; /* set before start only */
}

void inspect_zk_thread_name(zkelect_t *e, char *name)
{
    zkelect__zk_thread_name(e->session, name);
}

void inspect_zk_client_logs(const char *line)
{
    zkelect__set_log_owner(NULL); /* as on the client's threads, which never run ours */
    zkelect__zk_log(line);
}

void inspect_end_log_window(zkelect_t *e)
{
    zke_session_t *s = e->session;
    pthread_mutex_lock(&s->lock);
    pthread_mutex_lock(&s->log_lock);
    s->zk_log_window_ns -= 10000 * ZKE_MS;
    pthread_mutex_unlock(&s->log_lock);
    pthread_cond_signal(&s->keeper_cond); /* as if its window had ended in time */
    pthread_mutex_unlock(&s->lock);
}
