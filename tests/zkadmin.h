/* zkadmin.h - a plain ZooKeeper handle of the test's own, to look at and
 * change the tree behind the library's back, and to expire a participant's
 * session for real. */
#ifndef ZKELECT_TEST_ZKADMIN_H
#define ZKELECT_TEST_ZKADMIN_H

#include <zkelect.h>

/* A plain ZooKeeper handle for the test to poke at the tree; waits for CONNECTED. */
void *zk_connect(const char *hosts);
void zk_close(void *zh);
/* Expire the session of a participant for real: a second handle on the same
 * session id and password, then closed. 0 on success. */
int expire_session(zkelect_t *e, const char *hosts);
/* Create path (its last node with flags, ZOO_EPHEMERAL say), and the
 * levels above it that are missing; ZOK, or ZooKeeper's error. */
int zk_make_path(void *zh, const char *path, int flags);
/* Number of children of path (-1 on error). */
int zk_child_count(void *zh, const char *path);
/* Delete path and everything below it. */
int zk_delete_recursive(void *zh, const char *path);
/* Delete path and its children in one transaction, as ZooKeeper's own
 * deleteall does below 1,000 children; tried again (up to 100 times) when a
 * child came or went between the listing and the transaction. ZOK, or
 * ZooKeeper's error. */
int zk_delete_children_and_path(void *zh, const char *path);
#endif
