/* succession.c - the checker's rule for elections with priorities: the
 * leader after a failover is the highest priority in line (G28).
 *
 * A contender C outranks the new leader W, and W's term is a violation, when
 * all of this held and nothing the documentation names as a race did:
 *   - C is not W, nor the leader that went (it rejoins behind its
 *     successor, by design);
 *   - C joined (its latest JOINED) at least a second before W's term began
 *     and joined no more until a second after: its node stood throughout,
 *     and a join racing the hand-over is allowed to lose it;
 *   - C received no command (no X record: stop, leave, priority, expire...)
 *     in that time, no fault named it (pause, cut, kill, ...), and it read
 *     itself connected throughout;
 *   - no member of the ensemble was down or paused, nor the path deleted,
 *     from 2T before (C may have been on that member, deaf without knowing,
 *     and its session about to expire) to a second after;
 *   - neither C's nor W's priority changed in that time, and C's is
 *     strictly higher (equal priorities go by age);
 *   - W was not the one a move named in the 10 s before its term.
 * The `zkelect run` slot has no participant log: it is neither judged nor a
 * rival (its priority is the highest; its own terms are the preemptions). */
#include "succession.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

typedef struct mark {
    int64_t t;
    char kind; /* J joined, P priority, X another command, O out of line, D disconnected, U connected */
    int value; /* P: the priority */
} mark_t;

/* A participant's marks, together: each comes from one file, read whole. */
typedef struct who {
    char identity[32];
    size_t first, n;
} who_t;

typedef struct touch {
    char identity[32]; /* "": everyone (a member down or paused) */
    int fault;
    int64_t from, to;
} touch_t;

typedef struct move {
    char target[32];
    int64_t t;
} move_t;

struct succession {
    mark_t *marks;
    size_t n_marks, cap_marks;
    who_t whos[4096];
    int n_whos;
    touch_t touches[8192];
    int n_touches;
    move_t moves[1024];
    int n_moves;
    long judged;
    bool priorities; /* any participant had one */
    int64_t t_ns;    /* the session timeout T */
};

succession_t *succession_new(int64_t session_timeout_ns)
{
    succession_t *s = calloc(1, sizeof(succession_t));
    if (s)
        s->t_ns = session_timeout_ns;
    return s;
}

void succession_free(succession_t *s)
{
    if (s)
        free(s->marks);
    free(s);
}

static void add_mark(succession_t *s, const char *identity, int64_t t, char kind, int value)
{
    who_t *w = s->n_whos ? &s->whos[s->n_whos - 1] : NULL;
    if (!w || strcmp(w->identity, identity) != 0) {
        if (s->n_whos == 4096)
            return;
        w = &s->whos[s->n_whos++];
        *w = (who_t){.first = s->n_marks};
        snprintf(w->identity, sizeof w->identity, "%s", identity);
    }
    if (s->n_marks == s->cap_marks) {
        size_t cap = s->cap_marks ? 2 * s->cap_marks : 1024;
        mark_t *grown = realloc(s->marks, cap * sizeof *grown);
        if (!grown)
            return; /* fewer marks: fewer terms judged, never a false finding */
        s->marks = grown, s->cap_marks = cap;
    }
    s->marks[s->n_marks++] = (mark_t){.t = t, .kind = kind, .value = value};
    w->n++;
}

void succession_participant_line(succession_t *s, const char *identity, const char *line)
{
    long long t;
    int a, b;
    if (line[0] == 'E' && sscanf(line, "E %lld %d", &t, &a) == 2 && a == 4 /* ZKELECT_EV_JOINED */)
        add_mark(s, identity, t, 'J', 0);
    else if (line[0] == 'X' && sscanf(line, "X %lld priority %d", &t, &b) == 2) {
        add_mark(s, identity, t, 'P', b);
        s->priorities = s->priorities || b != 0;
    }
    else if (line[0] == 'X' && sscanf(line, "X %lld", &t) == 1)
        add_mark(s, identity, t, 'X', 0);
    else if (line[0] == 'C' && sscanf(line, "C %lld %d", &t, &a) == 2)
        add_mark(s, identity, t, a ? 'U' : 'D', 0);
    else if (line[0] == 'I' && sscanf(line, "I %lld %d", &t, &a) == 2 && a < 0)
        add_mark(s, identity, t, 'O', 0);
}

static void open_touch(succession_t *s, const char *identity, int fault, int64_t t)
{
    if (s->n_touches == 8192)
        return;
    touch_t *w = &s->touches[s->n_touches++];
    *w = (touch_t){.fault = fault, .from = t, .to = INT64_MAX};
    snprintf(w->identity, sizeof w->identity, "%s", identity);
}

/* "N t start|heal fault kind target detail": the faults that name a
 * participant (its id is the detail's last word), those that make members
 * deaf, and the moves ("LEADER to TARGET rc=0"). */
void succession_fault_line(succession_t *s, const char *line)
{
    long long t;
    int fault;
    char what[16], kind[24], target[32];
    if (sscanf(line, "N %lld %15s %d %23s", &t, what, &fault, kind) != 4)
        return;
    if (!strcmp(what, "heal")) {
        for (int i = 0; i < s->n_touches; i++)
            if (s->touches[i].fault == fault)
                s->touches[i].to = t;
        return;
    }
    if (!strcmp(kind, "move")) {
        const char *to = strstr(line, " to ");
        if (to && sscanf(to + 4, "%31s", target) == 1 && s->n_moves < 1024) {
            snprintf(s->moves[s->n_moves].target, sizeof s->moves[0].target, "%s", target);
            s->moves[s->n_moves++].t = t;
        }
    } else if (!strcmp(kind, "foreign-write") && !strstr(line, " rc=0")) {
        return; /* refused (the node's ACL): nothing changed */
    } else if (!strcmp(kind, "member-kill") || !strcmp(kind, "member-pause") || !strcmp(kind, "quorum-lost") ||
               !strcmp(kind, "ensemble-restart") || !strcmp(kind, "path-delete") || !strcmp(kind, "foreign-write")) {
        open_touch(s, "", fault, t); /* everyone's line may change under it */
    } else if (strcmp(kind, "ask-step-down") != 0) {
        const char *last = strrchr(line, ' ');
        open_touch(s, last ? last + 1 : "", fault, t);
    }
}

/* A fault named identity between from and to; or, identity "", one that
 * touched everyone then. */
static bool touched(const succession_t *s, const char *identity, int64_t from, int64_t to)
{
    for (int i = 0; i < s->n_touches; i++) {
        const touch_t *w = &s->touches[i];
        if (!strcmp(w->identity, identity) && w->from <= to && w->to >= from)
            return true;
    }
    return false;
}

/* identity's priority at t, or -1 if it changed within [from, to] or none
 * is known (not a participant of this run's kind). */
static const who_t *find_who(const succession_t *s, const char *identity)
{
    for (int i = 0; i < s->n_whos; i++)
        if (!strcmp(s->whos[i].identity, identity))
            return &s->whos[i];
    return NULL;
}

static int steady_priority(const succession_t *s, const who_t *w, int64_t from, int64_t to)
{
    int priority = -1;
    for (size_t i = w->first; i < w->first + w->n; i++) {
        const mark_t *m = &s->marks[i];
        if (m->kind != 'P' || m->t > to)
            continue;
        if (m->t >= from)
            return -1;
        priority = m->value; /* marks come in each file's order: the latest wins */
    }
    return priority;
}

/* identity stood in line, connected and left alone, from a second before
 * t to a second after: its latest JOINED before that, nothing since. */
static bool stood_in_line(const succession_t *s, const who_t *w, int64_t t)
{
    int64_t from = t - NS_PER_S, to = t + NS_PER_S, joined = -1;
    bool connected = false;
    for (size_t i = w->first; i < w->first + w->n; i++) {
        const mark_t *m = &s->marks[i];
        if (m->t > to)
            continue;
        if (m->t >= from && m->kind != 'U')
            return false; /* a join, a command, a disconnection in the window */
        if (m->kind == 'J')
            joined = m->t;
        if (m->kind == 'U' || m->kind == 'D')
            connected = m->kind == 'U';
        if ((m->kind == 'X' || m->kind == 'O') && m->t > joined)
            joined = -1; /* a command (a leave, ...) or out of line since the join */
    }
    return joined >= 0 && connected && !touched(s, w->identity, joined, to) &&
           !touched(s, "", t - 2 * s->t_ns - NS_PER_S, to);
}

static bool moved_to(const succession_t *s, const char *identity, int64_t t)
{
    for (int i = 0; i < s->n_moves; i++)
        if (!strcmp(s->moves[i].target, identity) && s->moves[i].t <= t && t - s->moves[i].t <= 10 * NS_PER_S)
            return true;
    return false;
}

const char *succession_outranked(succession_t *s, const char *went, const char *leader, int64_t t, int *leader_priority,
                                 int *rival_priority)
{
    int64_t from = t - NS_PER_S, to = t + NS_PER_S;
    const who_t *w = find_who(s, leader);
    int mine = w ? steady_priority(s, w, from, to) : -1;
    if (mine < 0 || moved_to(s, leader, t) || touched(s, "", from, to))
        return NULL;
    s->judged++;
    for (int i = 0; i < s->n_whos; i++) {
        const who_t *rival = &s->whos[i];
        if (rival == w || !strcmp(rival->identity, went))
            continue;
        int theirs = steady_priority(s, rival, from, to);
        if (theirs > mine && stood_in_line(s, rival, t)) {
            *leader_priority = mine, *rival_priority = theirs;
            return rival->identity;
        }
    }
    return NULL;
}

long succession_judged(const succession_t *s)
{
    return s->priorities ? s->judged : -1;
}
