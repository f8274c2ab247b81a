/* asking.c - zkelect_request_step_down() and zkelect_request_move(), from
 * any handle on the election: the line read, the leader (and for a move
 * the chosen one) found in it, and the request placed as the leader's
 * request node, in one transaction with a check that the leader's node
 * still stands (and, for a move, the flag made if it is missing). The
 * call waits for that transaction; the leader's answer is switchover.c's. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct asking {
    pthread_cond_t done;
    int refs;
    int rc;
    int failed_at;  /* the first operation that failed, -1 if none */
    bool finished;
} asking_t;

static void asking_unref(asking_t *a)
{
    if (--a->refs > 0)
        return;
    pthread_cond_destroy(&a->done);
    free(a);
}

static void asking_gone(zke_op_t *op)
{
    asking_t *a = op->context;
    if (!a->finished) {
        a->rc = ZCONNECTIONLOSS;
        a->finished = true;
        pthread_cond_signal(&a->done);
    }
    asking_unref(a);
}

static void asked(int rc, const void *data)
{
    zke_op_t *op = (zke_op_t *)data;
    zkelect__op_begin(op);
    zkelect__op_finish(op);
    asking_t *a = op->context;
    a->rc = rc;
    a->failed_at = -1;
    for (int i = 0; rc != ZOK && i < op->n_results && a->failed_at < 0; i++)
        if (op->results[i].err != ZOK && op->results[i].err != ZRUNTIMEINCONSISTENCY)
            a->failed_at = i;
    a->finished = true;
    pthread_cond_signal(&a->done);
    zkelect__op_end(op);
}

/* One transaction, waited for until the deadline. Lock held. Returns
 * ZooKeeper's code (ZOPERATIONTIMEOUT at the deadline) and which
 * operation failed. */
static int transact(struct zkelect *e, zoo_op_t *ops, int n, int64_t deadline, int *failed_at)
{
    asking_t *a = calloc(1, sizeof *a);
    zke_op_t *op = a && zkelect__cond_init(&a->done) == 0 ? zkelect__op_new(e->session, e, NULL) : NULL;
    zoo_op_result_t *results = op ? calloc((size_t)n, sizeof *results) : NULL;
    if (!results) {
        if (op) {
            zkelect__op_drop(op);
            pthread_cond_destroy(&a->done);
        }
        free(a);
        return ZSYSTEMERROR;
    }
    a->refs = 2;
    op->any_gen = true;
    op->context = a;
    op->on_free = asking_gone;
    op->results = results;
    op->n_results = n;
    int rc = zkelect__zk_amulti(e->session->zh, n, ops, results, asked, op);
    if (rc != ZOK) {
        a->finished = true;
        zkelect__op_drop(op);
    }
    while (rc == ZOK && !a->finished && zkelect__cond_wait_until(&a->done, &e->session->lock, deadline) == 0)
        continue;
    if (rc == ZOK)
        rc = a->finished ? a->rc : ZOPERATIONTIMEOUT;
    *failed_at = a->finished ? a->failed_at : -1;
    a->finished = true; /* a late answer changes nothing */
    asking_unref(a);
    return rc;
}

typedef struct request {
    const char *what;     /* the API function, for the log */
    const char *verb;
    const char *leader_id; /* resign: the one expected to lead, or NULL */
    const char *to_id;    /* move: the one to lead next */
} request_t;

static const zkelect_participant_t *find_in_line(const zkelect_participant_t *list, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (list[i].in_line && strcmp(list[i].id, id) == 0)
            return &list[i];
    return NULL;
}

/* Whom the request is for, from the line as read: the leader; and for a
 * move, the chosen one. ZKELECT_OK, or the code with the reason logged. */
static int address(struct zkelect *e, const request_t *r, const zkelect_participant_t *list, size_t n,
                   const zkelect_participant_t **leader, const zkelect_participant_t **to)
{
    *leader = n > 0 && list[0].in_line && list[0].is_leader ? &list[0] : NULL;
    *to = r->to_id ? find_in_line(list, n, r->to_id) : NULL;
    const char *who = r->leader_id ? r->leader_id : r->to_id;
    if (!*leader) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "%s: nobody leads %s", r->what, e->path);
        return ZKELECT_ENOLEADER;
    }
    if (r->leader_id && strcmp((*leader)->id, r->leader_id) != 0) {
        bool in_line = find_in_line(list, n, who) != NULL;
        zkelect__log(e, ZKELECT_LOG_ERROR, "%s: %s %s; %s leads", r->what, who,
                     in_line ? "is in line but does not lead" : "is not in line", (*leader)->id);
        return in_line ? ZKELECT_ESTATE : ZKELECT_EINVAL;
    }
    if (r->to_id && !*to) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "%s: %s is not in line in %s (out of line for its health, or gone)",
                     r->what, who, e->path);
        return ZKELECT_EINVAL;
    }
    return ZKELECT_OK;
}

/* The request, made as the leader's notice, with the leader's node
 * checked in the same transaction (it still stands: the request is for
 * it) and, for a move, the flag made if missing. */
static int place_request(struct zkelect *e, const request_t *r, const zkelect_participant_t *leader,
                         const zkelect_participant_t *to, int64_t deadline)
{
    char token[ZKE_TOKEN_LEN + 1], text[ZKE_MESSAGE_MAX];
    int len = zkelect__encode_request(text, sizeof text, r->verb, to ? to->node : "", to ? to->id : "", e->id);
    char *leader_path = zkelect__child_path(e, leader->node);
    char *flag = zkelect__child_path(e, ZKE_FLAG_NAME);
    char *notice = zkelect__token_of(leader->node, token) ? zkelect__request_path(e, leader->session_id) : NULL;
    int rc = len < 0 || !leader_path || !flag || !notice ? ZSYSTEMERROR : ZNODEEXISTS;
    bool with_flag = to != NULL;
    while (rc == ZNODEEXISTS && zkelect__now_ns() < deadline) {
        zoo_op_t ops[3];
        int k = 0, failed_at;
        zoo_check_op_init(&ops[k++], leader_path, -1);
        if (with_flag)
            zoo_create_op_init(&ops[k++], flag, token, ZKE_TOKEN_LEN, zkelect__parent_acl(e), 0, NULL, 0);
        zoo_create_op_init(&ops[k++], notice, text, len, zkelect__node_acl(e), ZOO_EPHEMERAL, NULL, 0);
        rc = transact(e, ops, k, deadline, &failed_at);
        if (rc == ZNODEEXISTS && with_flag && failed_at == 1) {
            with_flag = false; /* the election orders by priority already */
        } else if (rc == ZNODEEXISTS) {
            /* The leader has a notice it has not read yet: wait for it to go. */
            int64_t pause = zkelect__now_ns() + 20 * ZKE_MS;
            pthread_cond_t idle;
            if (zkelect__cond_init(&idle) == 0) {
                zkelect__cond_wait_until(&idle, &e->session->lock, pause < deadline ? pause : deadline);
                pthread_cond_destroy(&idle);
            }
        }
    }
    free(leader_path);
    free(flag);
    free(notice);
    return rc == ZNODEEXISTS ? ZOPERATIONTIMEOUT : rc;
}

static int refuse(struct zkelect *e, const request_t *r)
{
    int rc = zkelect__check_process(e->session, e, r->what);
    if (rc)
        return rc;
    const char *id = r->leader_id ? r->leader_id : r->to_id;
    const char *why = NULL;
    if (e->format != ZKELECT_FORMAT_NATIVE)
        rc = ZKELECT_ESTATE, why = "only the native format's contenders read requests";
    else if (id && (!id[0] || strlen(id) > ZKELECT_ID_MAX))
        rc = ZKELECT_EINVAL, why = id[0] ? "the id is longer than 255 bytes" : "the id is empty";
    else if (zkelect__on_dispatch_thread(e->session))
        rc = ZKELECT_ESTATE, why = "not allowed from a callback (it waits for ZooKeeper)";
    if (rc)
        zkelect__log(e, ZKELECT_LOG_ERROR, "%s: %s", r->what, why);
    return rc;
}

static int send_request(struct zkelect *e, const request_t *r)
{
    int rc = refuse(e, r);
    if (rc)
        return rc;
    zkelect_participant_t *list;
    size_t n;
    rc = zkelect_participants(e, &list, &n);
    if (rc)
        return rc;
    const zkelect_participant_t *leader, *to;
    rc = address(e, r, list, n, &leader, &to);
    if (rc == ZKELECT_OK && to == leader) {
        zkelect__log(e, ZKELECT_LOG_INFO, "%s: %s leads already", r->what, to->id);
    } else if (rc == ZKELECT_OK) {
        pthread_mutex_lock(&e->session->lock);
        int64_t deadline = zkelect__now_ns() + (int64_t)e->query_timeout_ms * ZKE_MS;
        int zrc = zkelect__session_ready(e) ? place_request(e, r, leader, to, deadline) : ZCONNECTIONLOSS;
        pthread_mutex_unlock(&e->session->lock);
        rc = zkelect__from_zk_error(zrc);
        if (zrc == ZNONODE)
            rc = ZKELECT_ESTATE; /* the leader went meanwhile */
        if (zrc != ZOK)
            zkelect__log(e, ZKELECT_LOG_ERROR, "%s: asking %s: %s", r->what, leader->id,
                         zrc == ZNONODE ? "it no longer leads" : zerror(zrc));
        else
            zkelect__log(e, ZKELECT_LOG_INFO, "%s: %s asked to %s", r->what, leader->id,
                         to ? "hand over" : "step down");
    }
    zkelect_participants_free(list, n);
    return rc;
}

/* ----------------------------------------------------------------- the API */

int zkelect_request_step_down(zkelect_t *e, const char *leader_id)
{
    if (!e)
        return ZKELECT_EINVAL;
    request_t r = {"zkelect_request_step_down", ZKE_VERB_RESIGN, leader_id, NULL};
    return send_request(e, &r);
}

int zkelect_request_move(zkelect_t *e, const char *to_id)
{
    if (!e)
        return ZKELECT_EINVAL;
    if (!to_id) {
        zkelect__log(e, ZKELECT_LOG_ERROR, "zkelect_request_move: no contender named to move to");
        return ZKELECT_EINVAL;
    }
    request_t r = {"zkelect_request_move", ZKE_VERB_MOVE, NULL, to_id};
    return send_request(e, &r);
}
