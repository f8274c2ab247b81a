/* inspect.h - the few facts about the library's inside that a test needs
 * and the public API does not give: where an election stands in line, the
 * requests it sent, its session as ZooKeeper knows it. Read under the
 * library's lock in tests/inspect.c, and nowhere else in the tests. */
#ifndef ZKELECT_TEST_INSPECT_H
#define ZKELECT_TEST_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zkelect.h>
#include <zookeeper/zookeeper.h>

/* Requests an election sent since start (the fast path's tests count them). */
typedef struct inspect_requests {
    uint64_t reads;             /* gets, exists and listings */
    uint64_t lists;             /* listings of the election */
    uint64_t quick_takeovers;   /* elections without a round trip */
    uint64_t handoff_takeovers; /* of those, on a hand-over */
} inspect_requests_t;

inspect_requests_t inspect_requests(zkelect_t *e);

/* Where a participant stands: leading, or watching a predecessor (which
 * one); how many ahead at its last listing, and how many listings it sent;
 * how many notifications its predecessor watch brought; its own node
 * watched. */
typedef struct inspect_line {
    bool leading;
    bool watching;
    size_t ahead;
    uint64_t lists;
    uint64_t notices;
    bool own_watched;
    char predecessor[512]; /* "" when none */
} inspect_line_t;

inspect_line_t inspect_line(zkelect_t *e);
/* a's predecessor watch is on b's node. */
bool inspect_watches(zkelect_t *a, zkelect_t *b);

/* The election's session: its id (0 before any), whether it is connected,
 * whether a new one is due; the client's id and password; the port of the
 * server it is connected to (-1: none). */
int64_t inspect_session_id(zkelect_t *e, bool *connected, bool *replacing);
bool inspect_client_id(zkelect_t *e, clientid_t *cid);
int inspect_server_port(zkelect_t *e);
/* No request of the session's is in flight. */
bool inspect_session_idle(zkelect_session_t *s);

/* The participant id and the ACL set, as the handle keeps them. */
const char *inspect_id(zkelect_t *e);
const struct ACL_vector *inspect_acl(zkelect_t *e);

/* The ZooKeeper client's log lines: the thread name that routes them to
 * e's session (name[16]); a line logged as the client's own threads log
 * it, routed by the calling thread's name alone; the end of the rate
 * limiter's window. */
void inspect_zk_thread_name(zkelect_t *e, char *name);
void inspect_zk_client_logs(const char *line);
void inspect_end_log_window(zkelect_t *e);

#endif
