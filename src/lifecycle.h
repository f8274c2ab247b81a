/* lifecycle.h - the session and the public API: what starts, configures and ends the
 * objects. Included by internal.h, last */
#ifndef ZKELECT_LIFECYCLE_H
#define ZKELECT_LIFECYCLE_H

/* ============================================= the session and the public API */

/* --------------------------------------------------------------------- secure.c */

/* TLS or SASL for every connection of s, checked (ZKELECT_ENOTSUP when the
 * client lacks it); what names the public call in the log. */
ZKE_HIDDEN int zkelect__secure_set_tls(zke_session_t *s, const char *what, const char *ca_file, const char *cert_file,
                                       const char *key_file, const char *key_password);
ZKE_HIDDEN int zkelect__secure_set_sasl(zke_session_t *s, const char *what, const char *mechanism, const char *user,
                                        const char *password_file, const char *service, const char *host);
/* A ZooKeeper handle for s, with TLS or SASL if set; on the session of
 * resume (NULL: a new one). NULL and errno as zookeeper_init2(). */
ZKE_HIDDEN zhandle_t *zkelect__zk_open(zke_session_t *s, watcher_fn watcher, const clientid_t *resume);
ZKE_HIDDEN void zkelect__secure_free(zke_session_t *s);
/* A refused SASL authentication, which the client tells no watcher: when
 * to look next (0: no need), and whether it happened, said once. Lock held. */
ZKE_HIDDEN int64_t zkelect__sasl_check_at(const zke_session_t *s, int64_t now);
ZKE_HIDDEN bool zkelect__sasl_refused(zke_session_t *s);

/* -------------------------------------------------------------------- session.c */

/* A session with its defaults (servers already validated), and its end:
 * a standalone handle's election goes with it. */
ZKE_HIDDEN int zkelect__session_alloc(zke_session_t **out, const char *servers);
ZKE_HIDDEN void zkelect__session_free(zke_session_t *s);
/* Start the dispatch thread (thread mode), the keeper, and the first
 * ZooKeeper session, the caller having marked s started (under the lock,
 * so that only one start goes on); on failure, as it was before. */
ZKE_HIDDEN int zkelect__session_start(zke_session_t *s);
/* An election starts on s: it joins the session's current state. Lock held. */
ZKE_HIDDEN void zkelect__session_attach(zke_session_t *s, struct zkelect *e);
/* The session is ending: the keeper exits, the dispatch thread ends once
 * the queue is empty. Lock held. */
ZKE_HIDDEN void zkelect__session_stop(zke_session_t *s);
/* Stop the keeper, let the answers in flight come back (briefly), close
 * the ZooKeeper handle. Lock NOT held; not on the keeper. */
ZKE_HIDDEN void zkelect__session_teardown(zke_session_t *s);
/* End a started session whose elections have all retired: what is queued
 * runs, then it is torn down and freed; from a callback, by the thread
 * that runs it, once the callback returns. Lock held, released. */
ZKE_HIDDEN void zkelect__session_end(zke_session_t *s);
/* Manual dispatch: run the queue to its end on this thread, tear down and
 * free; the callbacks run. Lock held, released. */
ZKE_HIDDEN unsigned zkelect__session_end_here(zke_session_t *s);

/* --------------------------------------------------------------------- config.c */

/* Setters share one rule: before start only. */
ZKE_HIDDEN int zkelect__configurable(struct zkelect *e, const char *what);
/* The ACL of e's own nodes and of the missing parents of its path that it
 * creates: zkelect_set_acl()'s, or the defaults (set at start). */
ZKE_HIDDEN const struct ACL_vector *zkelect__node_acl(const struct zkelect *e);
ZKE_HIDDEN const struct ACL_vector *zkelect__parent_acl(const struct zkelect *e);
/* At start, when the credentials are known: the default ACLs, and "auth"
 * entries of the host's written out (see config.c). */
ZKE_HIDDEN int zkelect__settle_acl(struct zkelect *e);
/* Only the session that makes a node of e's may write it: e's nodes have the
 * default ACL. A participant whose election is set up so trusts a data
 * change of its predecessor as a hand-over (line.c). */
ZKE_HIDDEN bool zkelect__owner_writes_alone(const struct zkelect *e);

/* --------------------------------------------------------------------- handle.c */

/* Start an election on a started session. */
ZKE_HIDDEN int zkelect__election_start(struct zkelect *e);
/* Close e and retire it from its session (REVOKED(closed) its last event),
 * and free it; from a callback, the retirement frees it once the callback
 * returns. */
ZKE_HIDDEN void zkelect__election_destroy(struct zkelect *e);
/* The same for every election still on s, all closed at once, then waited
 * for together; returns once none is left on s. Not from a callback. */
ZKE_HIDDEN void zkelect__elections_destroy_all(zke_session_t *s);

#endif /* ZKELECT_LIFECYCLE_H */
