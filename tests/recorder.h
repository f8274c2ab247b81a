/* recorder.h - the events that participants' callbacks saw, in the order
 * they ran, to wait on (with deadlines) and to check: leadership terms never
 * overlap (the one-leader promise, as the tests see it). */
#ifndef ZKELECT_TEST_RECORDER_H
#define ZKELECT_TEST_RECORDER_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <zkelect.h>

/* ------------------------------------------------------ recorded events */

#define REC_MAX 8192

typedef struct rec_event {
    int who;       /* participant index */
    int type;      /* ZKELECT_EV_* */
    int reason;
    int error;     /* ZKELECT_E* of an ERROR */
    int64_t epoch;
    int takeover;  /* ELECTED */
    int ahead;     /* PLACE */
    char other[64]; /* ELECTED: the id taken over from; PLACE: the predecessor's id;
                     * STEP_DOWN: the requester's id; "" if none */
    char successor[64]; /* STEP_DOWN: the id asked to lead next, "" if none */
    int64_t t_ns;  /* CLOCK_MONOTONIC */
    pthread_t thread;
} rec_event_t;

typedef struct recorder {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    rec_event_t ev[REC_MAX];
    size_t n;
} recorder_t;

void rec_init(recorder_t *r);
void rec_destroy(recorder_t *r);
/* Empty it, for the next test. */
void rec_reset(recorder_t *r);
size_t rec_count(recorder_t *r);
/* Wait until an event of this type from this participant (-1: anyone) is
 * recorded at an index >= from. Returns its index, or -1 at the deadline. */
long rec_wait(recorder_t *r, int who, int type, size_t from, int timeout_ms);
/* How many events of this type (and participant, -1: any) from index from. */
size_t rec_tally(recorder_t *r, int who, int type, size_t from);
rec_event_t rec_get(recorder_t *r, size_t i);
/* Record ev of participant who: what a participant's callback does first. */
void rec_add(recorder_t *r, int who, const zkelect_event_t *ev);

/* The event log checker: leadership intervals (ELECTED..REVOKED, in the
 * order the callbacks ran) never overlap, REVOKED only follows ELECTED, and
 * epochs never go back (a participant re-elected after a lapse may keep its
 * epoch). Returns the number of violations; why describes the last one. */
int check_no_two_leaders(recorder_t *r, char *why, size_t len);
/* The same as a CUnit failure, with the last violation on stderr. */
void assert_no_two_leaders(recorder_t *r);
#endif
