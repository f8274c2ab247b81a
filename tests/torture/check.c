/* check.c - the checker, over the logs of a run (torture.h lists them):
 *  1. no two leaders at the same instant (a participant in one term, all of
 *     its processes): the intervals of samples
 *     reading zkelect_is_leader() == 1, and a writer's life under
 *     `zkelect run`, never overlap;
 *  2. the fence is the last line of defence, not the proof: a write sent
 *     while its sender led, with an epoch lower than one the store had
 *     accepted before that send, is a violation; a write merely in flight
 *     when its successor's first write landed, refused, is counted; two
 *     participants accepted with the same epoch is a violation;
 *  3. epochs strictly increase from one participant's term to the next;
 *  4. after each heal, one leader within the bound, and every live
 *     participant back in line at the end of the quiet phase;
 *  5. with priorities: after a failover, nobody of a higher priority stood
 *     in line, undisturbed, while a lower one took the lead
 *     (succession.c says what disturbs).
 * A violation prints the history around it, every process's records on
 * one clock.
 *
 * Three things are set aside, counted and reported, never hidden: a term a
 * participant was elected to on the node a third party was closing (A6 in
 * docs/GUARANTEES.md: no lease covers it); the writes of a `zkelect run`
 * writer resumed after a pause, when the store refused every one of them
 * (F5: a paused process cannot know; the fence must refuse, and did); and
 * whatever is found while ZooKeeper reported a member's tree diverged from
 * its leader's, from 30 s before its report until the member was rebuilt. */
#include "succession.h"
#include "torture.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

typedef struct line {
    int64_t t;
    char *text; /* "file: record" */
} line_t;

typedef enum aside { KEPT, ASIDE_A6, ASIDE_PAUSED } aside_t;

typedef struct interval {
    int64_t first, last, epoch;
    char who[64];      /* a process: "s3g2" or "s5g1/4242" */
    char identity[64]; /* a participant: "s3g2" (a run's writers share its id) */
    aside_t aside;
    /* a writer's: resumed after a silence that began at gap_from */
    int64_t gap_from;
    long accepted;
} interval_t;

typedef struct write {
    int64_t recv, send, epoch, highest_before;
    char who[64];
    int accepted;
    aside_t aside;
    size_t interval; /* a writer's: its interval, before they are sorted */
} write_t;

typedef struct term_key {
    char identity[64];
    int64_t epoch;
} term_key_t;

typedef struct window {
    char id[64]; /* the paused participant, or the diverged member */
    int fault;
    int64_t from, to;
} window_t;

typedef struct history {
    line_t *lines;
    size_t n_lines, cap_lines;
    interval_t *iv;
    size_t n_iv, cap_iv;
    write_t *w;
    size_t n_w, cap_w;
    int64_t quiet_from[4096], quiet_to[4096];
    int n_quiet;
    term_key_t a6[1024];   /* nodes a third party closed */
    int n_a6;
    window_t pauses[4096]; /* participants SIGSTOPped */
    int n_pauses;
    window_t deaf[8192];   /* who could not hear ZooKeeper: paused, cut off ("" everyone: a member down) */
    int n_deaf;
    int64_t t_ns;          /* the session timeout T */
    window_t diverged[64]; /* ZooKeeper members diverged, until rebuilt */
    int n_diverged;
    int64_t deletions[4096]; /* the election path deleted by the nemesis */
    int n_deletions;
    succession_t *succession;
    uint64_t seed;
    FILE *out;
    torture_report_t *report;
} history_t;

#define GROW(arr, n, cap)                                                       \
    do {                                                                        \
        if ((n) == (cap)) {                                                     \
            (cap) = (cap) ? 2 * (cap) : 1024;                                   \
            void *grown = realloc((arr), (cap) * sizeof *(arr));                \
            if (!grown) {                                                       \
                fprintf(stderr, "checker: out of memory\n");                   \
                exit(1);                                                        \
            }                                                                   \
            (arr) = grown;                                                      \
        }                                                                       \
    } while (0)

static void keep_line(history_t *h, int64_t t, const char *file, const char *text)
{
    GROW(h->lines, h->n_lines, h->cap_lines);
    char *copy = malloc(strlen(file) + strlen(text) + 3);
    sprintf(copy, "%s: %s", file, text);
    h->lines[h->n_lines++] = (line_t){t, copy};
}

/* An interval, or the growth of one still open ("l"). */
static void keep_interval(history_t *h, const char *who, const char *identity, int64_t first, int64_t last,
                          int64_t epoch)
{
    for (size_t i = h->n_iv; i-- > 0 && i + 64 > h->n_iv;) {
        interval_t *v = &h->iv[i];
        if (v->first == first && strcmp(v->who, who) == 0) {
            if (last > v->last)
                v->last = last;
            return;
        }
    }
    GROW(h->iv, h->n_iv, h->cap_iv);
    interval_t *v = &h->iv[h->n_iv++];
    *v = (interval_t){.first = first, .last = last, .epoch = epoch};
    snprintf(v->who, sizeof v->who, "%s", who);
    snprintf(v->identity, sizeof v->identity, "%s", identity);
}

static void read_participant(history_t *h, const char *file, FILE *f)
{
    char who[64];
    snprintf(who, sizeof who, "%.*s", (int)(strcspn(file, ".")), file);
    char buf[1024];
    while (fgets(buf, sizeof buf, f)) {
        buf[strcspn(buf, "\n")] = '\0';
        long long a, b, c;
        if ((buf[0] == 'L' || buf[0] == 'l') && sscanf(buf + 2, "%lld %lld %lld", &a, &b, &c) == 3) {
            keep_interval(h, who, who, a, b, c);
            if (buf[0] == 'L')
                keep_line(h, a, file, buf);
        } else if (sscanf(buf + 2, "%lld", &a) == 1) {
            keep_line(h, a, file, buf);
            succession_participant_line(h->succession, who, buf);
            if (buf[0] == 'X' && sscanf(buf + 2, "%*d expired %lld", &b) == 1 && h->n_a6 < 1024) {
                snprintf(h->a6[h->n_a6].identity, sizeof h->a6[0].identity, "%s", who);
                h->a6[h->n_a6++].epoch = b;
            }
        }
    }
}

/* The store's records: the writes, and the life of each writer under
 * `zkelect run` (its first to its last write). */
static void read_store(history_t *h, FILE *f)
{
    char buf[1024];
    while (fgets(buf, sizeof buf, f)) {
        buf[strcspn(buf, "\n")] = '\0';
        write_t w = {0};
        long long recv, epoch, send, seq, highest;
        if (sscanf(buf, "S %lld %63s %lld %lld %lld %d %lld", &recv, w.who, &epoch, &send, &seq, &w.accepted,
                   &highest) != 7)
            continue;
        w.recv = recv, w.send = send, w.epoch = epoch, w.highest_before = highest;
        GROW(h->w, h->n_w, h->cap_w);
        h->w[h->n_w++] = w;
        if (!w.accepted)
            keep_line(h, w.recv, "store", buf);
        /* a run's writer ("w:sNgM/pid"): a sample of its writes for the
         * history windows */
        if (strncmp(w.who, "w:", 2) == 0 && h->n_w % 100 == 0)
            keep_line(h, w.send, "store", buf);
    }
}

/* "N t start id pause target sXgY", "N t heal id pause target" */
/* A fault's window: opened at its start for id, closed at its heal. */
static void open_or_close(window_t *w, int *n, int cap, const char *what, int fault, int64_t t, const char *id)
{
    if (!strcmp(what, "start") && *n < cap) {
        w[*n] = (window_t){"", fault, t, INT64_MAX};
        snprintf(w[*n].id, sizeof w[0].id, "%s", id);
        ++*n;
    }
    for (int i = *n; !strcmp(what, "heal") && i-- > 0;)
        if (w[i].fault == fault)
            w[i].to = t;
}

/* "N t start|heal fault kind target detail...": the pauses (F5), and who
 * could not hear ZooKeeper meanwhile (A5 broken then is bounded by the
 * lease, not by a notification): a participant paused or cut off (its id
 * is the detail's last word), everyone while a member is down or paused. */
static void read_fault_window(history_t *h, const char *buf)
{
    long long t;
    int fault;
    char what[16], kind[24];
    if (sscanf(buf, "N %lld %15s %d %23s", &t, what, &fault, kind) != 4)
        return;
    const char *last = strrchr(buf, ' ');
    const char *id = last ? last + 1 : "";
    if (!strcmp(kind, "pause"))
        open_or_close(h->pauses, &h->n_pauses, 4096, what, fault, t, id);
    if (!strcmp(kind, "pause") || !strcmp(kind, "cut"))
        open_or_close(h->deaf, &h->n_deaf, 8192, what, fault, t, id);
    else if (!strcmp(kind, "member-kill") || !strcmp(kind, "member-pause") || !strcmp(kind, "quorum-lost") ||
             !strcmp(kind, "ensemble-restart"))
        open_or_close(h->deaf, &h->n_deaf, 8192, what, fault, t, "");
}

/* "M t diverged member count", "M t rebuilt member rc" */
static void read_divergence(history_t *h, const char *buf)
{
    long long t;
    char what[16], member[16];
    if (sscanf(buf, "M %lld %15s %15s", &t, what, member) != 3)
        return;
    if (!strcmp(what, "diverged") && h->n_diverged < 64) {
        h->diverged[h->n_diverged++] = (window_t){"", 0, t - 30 * NS_PER_S, INT64_MAX};
        snprintf(h->diverged[h->n_diverged - 1].id, sizeof h->diverged[0].id, "%s", member);
        h->report->zk_diverged++;
    }
    for (int i = 0; !strcmp(what, "rebuilt") && i < h->n_diverged; i++)
        if (!strcmp(h->diverged[i].id, member) && h->diverged[i].to == INT64_MAX)
            h->diverged[i].to = t + 5 * NS_PER_S;
}

static void read_orchestrator(history_t *h, FILE *f)
{
    char buf[1024];
    while (fgets(buf, sizeof buf, f)) {
        buf[strcspn(buf, "\n")] = '\0';
        long long t;
        char word[32] = "";
        if (sscanf(buf + 2, "%lld %31s", &t, word) < 1)
            continue;
        keep_line(h, t, "nemesis", buf);
        unsigned long long seed;
        if (buf[0] == 'B' && sscanf(buf, "B %*d seed %llu", &seed) == 1)
            h->seed = seed;
        if (buf[0] == 'Q' && h->n_quiet < 4096) {
            if (!strcmp(word, "from"))
                h->quiet_from[h->n_quiet] = t, h->quiet_to[h->n_quiet] = 0;
            else if (!strcmp(word, "to"))
                h->quiet_to[h->n_quiet++] = t;
        }
        if (buf[0] == 'N') {
            read_fault_window(h, buf);
            succession_fault_line(h->succession, buf);
        }
        if (buf[0] == 'M')
            read_divergence(h, buf);
        if (buf[0] == 'N' && !strcmp(word, "start")) {
            char kind[24];
            if (sscanf(buf, "N %*d start %*d %23s", kind) == 1 && !strcmp(kind, "path-delete") &&
                h->n_deletions < 4096) {
                h->deletions[h->n_deletions++] = t;
                h->report->path_deletions++;
            }
            if (sscanf(buf, "N %*d start %*d %23s", kind) == 1) {
                torture_report_t *r = h->report;
                int k = 0;
                while (k < r->n_kinds && strcmp(r->kinds[k], kind) != 0)
                    k++;
                if (k == r->n_kinds && k < 16)
                    snprintf(r->kinds[r->n_kinds++], sizeof r->kinds[0], "%s", kind);
                if (k < 16)
                    r->faults_by_kind[k]++;
            }
        }
    }
}

/* The participant a store writer speaks for: "w:s5g1/4242" and "s3g2/77"
 * are s5g1 and s3g2. */
static void identity_of(const char *who, char *identity, size_t len)
{
    const char *id = strncmp(who, "w:", 2) == 0 ? who + 2 : who;
    snprintf(identity, len, "%.*s", (int)strcspn(id, "/"), id);
}

/* A writer silent this long was stopped: it writes every 5 ms. */
#define WRITER_GAP (250 * NS_PER_MS)

static bool paused_across(const history_t *h, const char *identity, int64_t from, int64_t to)
{
    for (int i = 0; i < h->n_pauses; i++)
        if (!strcmp(h->pauses[i].id, identity) && h->pauses[i].from <= to && h->pauses[i].to >= from)
            return true;
    return false;
}

/* A writer resumed after a pause of its participant, every write of it
 * refused: the fence did what it is for (F5). */
static void set_aside_fenced_writers(history_t *h)
{
    for (size_t i = 0; i < h->n_iv; i++) {
        interval_t *v = &h->iv[i];
        if (v->gap_from && !v->accepted && paused_across(h, v->identity, v->gap_from, v->first))
            v->aside = ASIDE_PAUSED;
    }
    for (size_t i = 0; i < h->n_w; i++)
        if (strncmp(h->w[i].who, "w:", 2) == 0 && h->iv[h->w[i].interval].aside == ASIDE_PAUSED) {
            h->w[i].aside = ASIDE_PAUSED;
            h->report->fenced_after_pause++;
        }
}

/* The writers' lives under `zkelect run`: each process's writes with one
 * epoch, split where it fell silent. Writes come in the store's order; a few
 * writers are live at once. */
static void writer_intervals(history_t *h)
{
    enum { RECENT = 16 };
    size_t recent[RECENT];
    int n_recent = 0;
    for (size_t i = 0; i < h->n_w; i++) {
        write_t *w = &h->w[i];
        if (strncmp(w->who, "w:", 2) != 0)
            continue;
        interval_t *v = NULL;
        int64_t gap_from = 0;
        for (int k = n_recent; k-- > 0 && !v;) {
            interval_t *u = &h->iv[recent[k]];
            if (strcmp(u->who, w->who) != 0 || u->epoch != w->epoch)
                continue;
            if (w->send - u->last > WRITER_GAP) {
                gap_from = u->last;
                break;
            }
            v = u;
        }
        if (v) {
            if (w->send > v->last)
                v->last = w->send;
            if (w->send < v->first)
                v->first = w->send;
            v->accepted += w->accepted;
            w->interval = (size_t)(v - h->iv);
            continue;
        }
        char identity[64];
        identity_of(w->who, identity, sizeof identity);
        GROW(h->iv, h->n_iv, h->cap_iv);
        h->iv[h->n_iv] = (interval_t){.first = w->send, .last = w->send, .epoch = w->epoch, .gap_from = gap_from,
                                      .accepted = w->accepted};
        snprintf(h->iv[h->n_iv].who, sizeof h->iv[0].who, "%s", w->who);
        snprintf(h->iv[h->n_iv].identity, sizeof h->iv[0].identity, "%s", identity);
        w->interval = h->n_iv;
        if (n_recent == RECENT)
            memmove(recent, recent + 1, (RECENT - 1) * sizeof recent[0]), n_recent--;
        recent[n_recent++] = h->n_iv++;
    }
    set_aside_fenced_writers(h);
}

static bool closed_by_third_party(const history_t *h, const char *identity, int64_t epoch)
{
    for (int i = 0; i < h->n_a6; i++)
        if (h->a6[i].epoch == epoch && !strcmp(h->a6[i].identity, identity))
            return true;
    return false;
}

/* A term on a node a third party was closing, and its writes (A6). */
static void set_aside_a6(history_t *h)
{
    for (size_t i = 0; i < h->n_iv; i++)
        if (closed_by_third_party(h, h->iv[i].identity, h->iv[i].epoch) && h->iv[i].aside == KEPT) {
            h->iv[i].aside = ASIDE_A6;
            h->report->a6_terms++;
        }
    char identity[64];
    for (size_t i = 0; i < h->n_w; i++) {
        identity_of(h->w[i].who, identity, sizeof identity);
        if (h->w[i].aside == KEPT && closed_by_third_party(h, identity, h->w[i].epoch)) {
            h->w[i].aside = ASIDE_A6;
            h->report->a6_writes++;
        }
    }
}

/* ------------------------------------------------------------ reporting */

static int by_time(const void *a, const void *b)
{
    int64_t x = ((const line_t *)a)->t, y = ((const line_t *)b)->t;
    return x < y ? -1 : x > y;
}

static int64_t t0_of(const history_t *h)
{
    return h->n_lines ? h->lines[0].t : 0;
}

/* The history around t, every process's records on one clock: a second
 * either side, and of the store's stream of writes only the nearest. */
static void window(history_t *h, int64_t t)
{
    FILE *out = h->out;
    int64_t t0 = t0_of(h);
    fprintf(out, "    history around +%.3f s (seed %" PRIu64 "):\n", (double)(t - t0) / 1e9, h->seed);
    int printed = 0;
    for (size_t i = 0; i < h->n_lines && printed < 60; i++) {
        int64_t d = h->lines[i].t - t;
        bool store = strncmp(h->lines[i].text, "store", 5) == 0;
        if (d < -NS_PER_S || d > NS_PER_S || (store && (d < -30 * NS_PER_MS || d > 30 * NS_PER_MS)))
            continue;
        fprintf(out, "      +%.3f %s\n", (double)(h->lines[i].t - t0) / 1e9, h->lines[i].text);
        printed++;
    }
}

static void violation(history_t *h, int64_t t, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool zookeeper_diverged(const history_t *h, int64_t t)
{
    for (int i = 0; i < h->n_diverged; i++)
        if (h->diverged[i].from <= t && t <= h->diverged[i].to)
            return true;
    return false;
}

static void violation(history_t *h, int64_t t, const char *fmt, ...)
{
    bool aside = zookeeper_diverged(h, t);
    long n = aside ? ++h->report->zk_set_aside : ++h->report->violations;
    /* The first few say enough; the count says the rest
     * (ZKELECT_TORTURE_SHOW=N shows N). */
    const char *show = getenv("ZKELECT_TORTURE_SHOW");
    if (n > (show ? atol(show) : 8))
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(h->out, "%s at +%.3f s: ", aside ? "SET ASIDE (ZooKeeper diverged)" : "VIOLATION",
            (double)(t - t0_of(h)) / 1e9);
    vfprintf(h->out, fmt, ap);
    va_end(ap);
    fputc('\n', h->out);
    if (n == 1 && !aside)
        window(h, t);
}

/* ------------------------------------------------------------ the checks */

static int by_first(const void *a, const void *b)
{
    int64_t x = ((const interval_t *)a)->first, y = ((const interval_t *)b)->first;
    return x < y ? -1 : x > y;
}

/* identity could not hear ZooKeeper around the deletion at d: until then
 * it learns nothing, and its lease, not a notification, ends its term. */
static bool deaf_at(const history_t *h, const char *identity, int64_t d)
{
    int64_t until = d + TORTURE_DELETION_BOUND_MS * NS_PER_MS;
    for (int i = 0; i < h->n_deaf; i++)
        if ((!h->deaf[i].id[0] || !strcmp(h->deaf[i].id, identity)) && h->deaf[i].from <= until && h->deaf[i].to >= d)
            return true;
    return false;
}

/* The bound after the deletion at d for identity: the round of
 * notifications it hears it in, or, deaf, T: its lease (f·T) and the kill
 * bound of `zkelect run` (a + T − T/10) both end by d + T. */
static int64_t deletion_bound(const history_t *h, const char *identity, int64_t d)
{
    return deaf_at(h, identity, d) ? h->t_ns : TORTURE_DELETION_BOUND_MS * NS_PER_MS;
}

/* The path deletion at most its bound for identity before t, or -1. */
static int64_t deleted_before(const history_t *h, const char *identity, int64_t t)
{
    for (int i = h->n_deletions; i-- > 0;)
        if (h->deletions[i] <= t && t - h->deletions[i] <= deletion_bound(h, identity, h->deletions[i]))
            return h->deletions[i];
    return -1;
}

/* Two leaders, u the earlier: u's term over within its bound after a
 * deletion of the path before v's began, that is A5 broken, which the
 * guarantee bounds: counted and measured, not a violation. */
static bool deletion_overlap(history_t *h, const interval_t *u, const interval_t *v)
{
    int64_t d = deleted_before(h, u->identity, v->first);
    if (d < 0 || u->last - d > deletion_bound(h, u->identity, d))
        return false;
    double ms = (double)(u->last - v->first) / 1e6;
    bool deaf = deaf_at(h, u->identity, d);
    if (deaf)
        h->report->deaf_deletion_overlaps++;
    else
        h->report->deletion_overlaps++;
    double *max = deaf ? &h->report->max_deaf_deletion_overlap_ms : &h->report->max_deletion_overlap_ms;
    if (ms > *max)
        *max = ms;
    return true;
}

/* One leader: the same participant in the same term, whichever of its
 * processes (a `zkelect run` writer is three: itself, a child, a setsid()
 * daemon). */
static bool same_leader(const interval_t *u, const interval_t *v)
{
    return strcmp(u->identity, v->identity) == 0 && u->epoch == v->epoch;
}

/* 5: a new term's leader was not outranked by one who stood in line. */
static void check_succession(history_t *h, const char *went, const interval_t *v)
{
    int mine, theirs;
    const char *rival = succession_outranked(h->succession, went, v->identity, v->first, &mine, &theirs);
    if (rival)
        violation(h, v->first, "after %s, %s (priority %d) leads although %s (priority %d) stood in line, connected "
                  "and left alone, from a second before to a second after", went[0] ? went : "nobody", v->who, mine,
                  rival, theirs);
}

/* 1 and 3: leadership intervals never overlap; epochs grow from one
 * participant's term to the next. */
static void check_intervals(history_t *h)
{
    qsort(h->iv, h->n_iv, sizeof *h->iv, by_first);
    h->report->leader_intervals = (long)h->n_iv;
    int64_t last_epoch = -1;
    const char *last_identity = "";
    for (size_t i = 0; i < h->n_iv; i++) {
        const interval_t *v = &h->iv[i];
        if (v->aside)
            continue;
        for (size_t k = i; k-- > 0;) {
            const interval_t *u = &h->iv[k];
            if (!u->aside && u->last >= v->first && !same_leader(u, v) && !deletion_overlap(h, u, v)) {
                violation(h, v->first, "two leaders: %s (epoch %" PRId64 ") led until +%.3f s, %s (epoch %" PRId64
                          ") from +%.3f s",
                          u->who, u->epoch, (double)(u->last - t0_of(h)) / 1e9, v->who, v->epoch,
                          (double)(v->first - t0_of(h)) / 1e9);
                break;
            }
            if (v->first - u->first > 600 * NS_PER_S)
                break; /* no term lasts that long in a run */
        }
        bool same = strcmp(v->identity, last_identity) == 0;
        if (v->epoch < last_epoch || (v->epoch == last_epoch && !same))
            violation(h, v->first, "epoch %" PRId64 " of %s after epoch %" PRId64 " of %s", v->epoch, v->who,
                      last_epoch, last_identity);
        if (v->epoch != last_epoch)
            check_succession(h, last_identity, v);
        if (v->epoch != last_epoch)
            h->report->terms++;
        last_epoch = v->epoch;
        last_identity = v->identity;
    }
}

/* 2: the fence. The store takes writes in the order of its records. */
static void check_writes(history_t *h)
{
    int64_t *max_accepted = malloc((h->n_w ? h->n_w : 1) * sizeof *max_accepted);
    int64_t highest = -1;
    for (size_t i = 0; i < h->n_w; i++) {
        if (h->w[i].accepted && h->w[i].epoch > highest)
            highest = h->w[i].epoch;
        max_accepted[i] = highest;
    }
    for (size_t i = 0; i < h->n_w; i++) {
        const write_t *w = &h->w[i];
        h->report->writes++;
        /* the highest epoch accepted before this write was sent */
        size_t lo = 0, hi = h->n_w;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (h->w[mid].recv < w->send)
                lo = mid + 1;
            else
                hi = mid;
        }
        int64_t before = lo ? max_accepted[lo - 1] : -1;
        if (w->aside)
            continue;
        char identity[64];
        identity_of(w->who, identity, sizeof identity);
        if (w->epoch < before && deleted_before(h, identity, w->send) >= 0)
            h->report->deletion_writes++;
        else if (w->epoch < before)
            violation(h, w->send, "%s sent a write with epoch %" PRId64 " while leading, after the store had accepted "
                      "epoch %" PRId64, w->who, w->epoch, before);
        else if (w->accepted)
            h->report->accepted++;
        else
            h->report->refused_in_flight++;
    }
    /* One participant per accepted epoch: accepted epochs never go down,
     * so the first write of each names its owner. */
    int64_t owned_epoch = -1;
    char owner[64] = "", who[64];
    for (size_t i = 0; i < h->n_w; i++) {
        if (!h->w[i].accepted || h->w[i].aside)
            continue;
        identity_of(h->w[i].who, who, sizeof who);
        if (h->w[i].epoch != owned_epoch) {
            owned_epoch = h->w[i].epoch;
            snprintf(owner, sizeof owner, "%s", who);
        } else if (strcmp(owner, who) != 0) {
            violation(h, h->w[i].recv, "epoch %" PRId64 " accepted from %s and from %s", owned_epoch, owner, who);
            snprintf(owner, sizeof owner, "%s", who);
        }
    }
    free(max_accepted);
}

/* 4: after each heal, a leader within the bound; every live participant in
 * line at the quiet phase's check. */
static void check_liveness(history_t *h, int bound_ms)
{
    for (int q = 0; q < h->n_quiet; q++) {
        int64_t from = h->quiet_from[q];
        int64_t first = INT64_MAX;
        for (size_t i = 0; i < h->n_iv; i++) {
            const interval_t *v = &h->iv[i];
            if (!v->aside && v->last >= from && (v->first > from ? v->first : from) < first)
                first = v->first > from ? v->first : from;
        }
        h->report->quiet_phases++;
        double waited = first == INT64_MAX ? -1 : (double)(first - from) / 1e6;
        if (waited > h->report->max_ms_without_leader)
            h->report->max_ms_without_leader = waited;
        if (first == INT64_MAX || first - from > (int64_t)bound_ms * NS_PER_MS)
            violation(h, from, "no leader within %d ms after the heal (%s)", bound_ms,
                      first == INT64_MAX ? "none at all" : "later");
    }
    for (size_t i = 0; i < h->n_lines; i++) {
        const char *text = h->lines[i].text;
        const char *a = strstr(text, ": A ");
        if (!a || strncmp(text, "nemesis", 7) != 0)
            continue;
        int rc = -1;
        sscanf(a + 4, "%*d rc %d", &rc);
        const char *expected = strstr(a, "expected"), *present = strstr(a, "| present");
        if (rc != 0 || !expected || !present) {
            violation(h, h->lines[i].t, "the contenders could not be read at the end of a quiet phase (%d)", rc);
            continue;
        }
        char ids[512];
        snprintf(ids, sizeof ids, "%.*s", (int)(present - expected - 8), expected + 8);
        for (char *save = NULL, *id = strtok_r(ids, " ", &save); id; id = strtok_r(NULL, " ", &save)) {
            char needle[64];
            snprintf(needle, sizeof needle, " %s", id);
            const char *at = strstr(present, needle);
            if (!at || (at[strlen(needle)] != ' ' && at[strlen(needle)] != '\0'))
                violation(h, h->lines[i].t, "%s is alive but not in line at the end of a quiet phase", id);
        }
    }
}

static bool is_log(const char *name, const char *suffix)
{
    size_t n = strlen(name), k = strlen(suffix);
    return n > k && strcmp(name + n - k, suffix) == 0;
}

static int read_dir(history_t *h, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    struct dirent *ent;
    while ((ent = readdir(d))) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
        FILE *f = NULL;
        if (!strcmp(ent->d_name, "store.log") || !strcmp(ent->d_name, "orchestrator.log") ||
            (ent->d_name[0] == 's' && is_log(ent->d_name, ".log")))
            f = fopen(path, "r");
        if (!f)
            continue;
        if (!strcmp(ent->d_name, "store.log"))
            read_store(h, f);
        else if (!strcmp(ent->d_name, "orchestrator.log"))
            read_orchestrator(h, f);
        else
            read_participant(h, ent->d_name, f);
        fclose(f);
    }
    closedir(d);
    return 0;
}

long torture_check(const char *dir, int session_timeout_ms, int bound_ms, torture_report_t *report, FILE *out)
{
    static history_t h;
    memset(&h, 0, sizeof h);
    h.t_ns = (int64_t)session_timeout_ms * NS_PER_MS;
    memset(report, 0, sizeof *report);
    h.out = out;
    h.report = report;
    h.succession = succession_new(h.t_ns);
    if (!h.succession || read_dir(&h, dir) != 0) {
        fprintf(out, "checker: cannot read %s\n", dir);
        succession_free(h.succession);
        return 1;
    }
    qsort(h.lines, h.n_lines, sizeof *h.lines, by_time);
    writer_intervals(&h);
    set_aside_a6(&h);
    check_intervals(&h);
    check_writes(&h);
    check_liveness(&h, bound_ms);
    fprintf(out, "faults injected:");
    for (int k = 0; k < report->n_kinds; k++)
        fprintf(out, " %s %ld%s", report->kinds[k], report->faults_by_kind[k], k + 1 < report->n_kinds ? "," : "");
    fprintf(out, "\nwrites checked: %ld (%ld accepted, %ld refused in flight); %ld terms, %ld leadership intervals\n",
            report->writes, report->accepted, report->refused_in_flight, report->terms, report->leader_intervals);
    fprintf(out, "after %ld heals: a leader within %.0f ms at most (bound %d ms)\n", report->quiet_phases,
            report->max_ms_without_leader, bound_ms);
    fprintf(out, "set aside: %ld term%s (%ld writes) elected on a node a third party was closing (A6); "
            "%ld writes of paused writers, all refused (F5); %ld finding%s while ZooKeeper had diverged "
            "(%ld time%s)\n",
            report->a6_terms, report->a6_terms == 1 ? "" : "s", report->a6_writes, report->fenced_after_pause,
            report->zk_set_aside, report->zk_set_aside == 1 ? "" : "s", report->zk_diverged,
            report->zk_diverged == 1 ? "" : "s");
    fprintf(out, "the election path deleted %ld times: two leaders %ld times within %d ms after, for %.3f ms at "
            "most; %ld times while the old leader could not hear (paused, cut off, its member down), within T, "
            "for %.3f ms at most; %ld stale writes sent in those windows\n",
            report->path_deletions, report->deletion_overlaps, TORTURE_DELETION_BOUND_MS,
            report->max_deletion_overlap_ms, report->deaf_deletion_overlaps, report->max_deaf_deletion_overlap_ms,
            report->deletion_writes);
    report->successions_judged = succession_judged(h.succession);
    if (report->successions_judged >= 0)
        fprintf(out, "priorities: %ld terms after a failover judged, each led by the highest priority in line "
                "unless a violation says otherwise (the others were within a second of a fault, a command, a join "
                "or a move)\n", report->successions_judged);
    fprintf(out, "violations: %ld\n", report->violations);
    for (size_t i = 0; i < h.n_lines; i++)
        free(h.lines[i].text);
    free(h.lines);
    free(h.iv);
    free(h.w);
    succession_free(h.succession);
    return report->violations;
}

int torture_check_main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: zkelect-torture check DIR [--session-timeout MS]\n");
        return 2;
    }
    int t = argc >= 4 && !strcmp(argv[2], "--session-timeout") ? atoi(argv[3]) : 2000;
    torture_report_t report;
    return torture_check(argv[1], t, 2 * t + 1000, &report, stdout) ? 1 : 0;
}
