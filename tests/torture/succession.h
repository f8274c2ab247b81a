/* succession.h - the checker's rule for elections with priorities
 * (succession.c): after a failover, nobody of a higher priority stood in
 * line, undisturbed, while a lower one took the lead. */
#ifndef ZKELECT_TORTURE_SUCCESSION_H
#define ZKELECT_TORTURE_SUCCESSION_H

#include "torture.h"

typedef struct succession succession_t;

/* T, the session timeout, bounds how long a deaf contender keeps its node. */
succession_t *succession_new(int64_t session_timeout_ns);
void succession_free(succession_t *s);
/* Every line of a participant's log (identity "s3g2"), in file order. */
void succession_participant_line(succession_t *s, const char *identity, const char *line);
/* Every "N" line of the orchestrator's log. */
void succession_fault_line(succession_t *s, const char *line);
/* leader's term began at t, after went's: the rival who outranked it, with
 * both priorities, or NULL (none, or the term is not judged). */
const char *succession_outranked(succession_t *s, const char *went, const char *leader, int64_t t, int *leader_priority,
                                 int *rival_priority);
/* Terms judged, or -1 if no participant had a priority. */
long succession_judged(const succession_t *s);

#endif
