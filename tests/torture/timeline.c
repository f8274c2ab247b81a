/* timeline.c - a run at a glance, as SVG: one row per participant slot
 * (alive: grey; leading: green; disconnected: orange), the store's accepted
 * epochs (one colour per term), the faults as bands (red on the row they
 * hit, purple on the ensemble's row), the quiet phases shaded blue. */
#include "torture.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define WIDTH 1600.0
#define LEFT 90.0
#define ROW 26.0

typedef struct canvas {
    FILE *f;
    int64_t t0, t1;
    int rows;
} canvas_t;

static double x_of(const canvas_t *c, int64_t t)
{
    double span = (double)(c->t1 > c->t0 ? c->t1 - c->t0 : 1);
    return LEFT + (WIDTH - LEFT - 10) * (double)(t - c->t0) / span;
}

static double y_of(int row)
{
    return 30 + row * ROW;
}

static void bar(canvas_t *c, int row, int64_t from, int64_t to, const char *fill, double inset, const char *title)
{
    double x = x_of(c, from), w = x_of(c, to) - x;
    fprintf(c->f, "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='%s'>", x, y_of(row) + inset,
            w < 0.5 ? 0.5 : w, ROW - 2 * inset - 2, fill);
    if (title)
        fprintf(c->f, "<title>%s</title>", title);
    fputs("</rect>\n", c->f);
}

/* The slot of a participant id: "s3g2" is row 3. */
static int slot_row(const char *id)
{
    const char *s = id[0] == 'w' && id[1] == ':' ? id + 2 : id;
    return s[0] == 's' ? atoi(s + 1) : -1;
}

static void draw_participant(canvas_t *c, const char *name, FILE *f)
{
    int row = slot_row(name);
    char buf[512];
    int64_t down_since = 0, last = 0;
    while (fgets(buf, sizeof buf, f)) {
        long long a, b, e;
        int v;
        if (buf[0] == 'L' && sscanf(buf + 2, "%lld %lld %lld", &a, &b, &e) == 3) {
            char title[96];
            snprintf(title, sizeof title, "%.*s leads, epoch %lld", (int)strcspn(name, "."), name, e);
            bar(c, row, a, b, "#2e9e44", 3, title);
        } else if (buf[0] == 'C' && sscanf(buf + 2, "%lld %d", &a, &v) == 2) {
            if (!v && !down_since)
                down_since = a;
            else if (v && down_since) {
                bar(c, row, down_since, a, "#f0a030", 9, "disconnected");
                down_since = 0;
            }
        }
        if (sscanf(buf + 2, "%lld", &a) == 1)
            last = a;
    }
    if (down_since)
        bar(c, row, down_since, last, "#f0a030", 9, "disconnected");
}

static void draw_orchestrator(canvas_t *c, FILE *f, int ensemble_row)
{
    char buf[512];
    struct {
        int id, row;
        int64_t from;
        char what[64];
    } open[64];
    int n_open = 0;
    int64_t quiet_from = 0;
    int64_t started[16] = {0};
    while (fgets(buf, sizeof buf, f)) {
        long long t;
        int id, target, pid;
        char word[16], kind[32], rest[64] = "", slot[8], name[32];
        if (buf[0] == 'P' && sscanf(buf, "P %lld %7s %d %31s %15s", &t, slot, &pid, name, word) == 5) {
            int row = atoi(slot + 1);
            if (row >= 0 && row < 16) {
                if (!strcmp(word, "started"))
                    started[row] = t;
                else if (started[row]) {
                    bar(c, row, started[row], t, "#d8d8d8", 1, name);
                    started[row] = 0;
                }
            }
        } else if (buf[0] == 'Q' && sscanf(buf, "Q %lld %15s", &t, word) == 2) {
            if (!strcmp(word, "from"))
                quiet_from = t;
            else if (quiet_from)
                fprintf(c->f, "<rect x='%.1f' y='20' width='%.1f' height='%.1f' fill='#4a7fd0' opacity='0.12'/>\n",
                        x_of(c, quiet_from), x_of(c, t) - x_of(c, quiet_from), c->rows * ROW + 10);
        } else if (buf[0] == 'N' && sscanf(buf, "N %lld %15s %d %31s %d %63[^\n]", &t, word, &id, kind, &target,
                                           rest) >= 5) {
            bool member = !strncmp(kind, "member", 6) || !strcmp(kind, "quorum-lost");
            if (!strcmp(word, "start") && n_open < 64) {
                open[n_open].id = id;
                open[n_open].row = member ? ensemble_row : target;
                open[n_open].from = t;
                snprintf(open[n_open].what, sizeof open[0].what, "%s %s", kind, rest);
                n_open++;
            } else {
                for (int i = 0; i < n_open; i++) {
                    if (open[i].id != id)
                        continue;
                    bar(c, open[i].row, open[i].from, t, member ? "#8a3ab9" : "#d03030", 0, open[i].what);
                    open[i] = open[--n_open];
                    break;
                }
            }
        }
    }
}

/* A writer under `zkelect run` leads while it writes: its first to its last
 * write, on its slot's row. */
typedef struct writer_span {
    char who[64];
    long long from, to, epoch;
} writer_span_t;

static void draw_writer(canvas_t *c, const writer_span_t *w)
{
    char title[96];
    snprintf(title, sizeof title, "%s writes, epoch %lld", w->who, w->epoch);
    bar(c, slot_row(w->who), w->from, w->to, "#2e9e44", 3, title);
}

static void track_writer(canvas_t *c, writer_span_t *w, const char *who, long long send, long long epoch)
{
    if (strncmp(who, "w:", 2) != 0)
        return;
    if (strcmp(w->who, who) != 0 || w->epoch != epoch) {
        if (w->who[0])
            draw_writer(c, w);
        snprintf(w->who, sizeof w->who, "%s", who);
        w->from = send;
        w->epoch = epoch;
    }
    w->to = send;
}

static void draw_store(canvas_t *c, FILE *f, int row)
{
    static const char *const colours[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2"};
    char buf[512];
    long long epoch = -1, from = 0, to = 0;
    int colour = 0;
    writer_span_t writer = {0};
    while (fgets(buf, sizeof buf, f)) {
        long long recv, e, send;
        int accepted;
        char who[64];
        if (sscanf(buf, "S %lld %63s %lld %lld %*d %d", &recv, who, &e, &send, &accepted) != 5)
            continue;
        track_writer(c, &writer, who, send, e);
        if (!accepted)
            continue;
        if (e != epoch) {
            if (epoch >= 0) {
                char title[64];
                snprintf(title, sizeof title, "epoch %lld accepted", epoch);
                bar(c, row, from, to, colours[colour++ % 6], 4, title);
            }
            epoch = e;
            from = recv;
        }
        to = recv;
    }
    if (epoch >= 0)
        bar(c, row, from, to, colours[colour % 6], 4, "accepted");
    if (writer.who[0])
        draw_writer(c, &writer);
}

/* The run's span: the orchestrator's first and last records. */
static void span(const char *dir, canvas_t *c)
{
    char path[1024], buf[512];
    snprintf(path, sizeof path, "%s/orchestrator.log", dir);
    FILE *f = fopen(path, "r");
    long long t;
    while (f && fgets(buf, sizeof buf, f)) {
        if (sscanf(buf + 2, "%lld", &t) == 1) {
            if (!c->t0 || t < c->t0)
                c->t0 = t;
            if (t > c->t1)
                c->t1 = t;
        }
    }
    if (f)
        fclose(f);
}

/* The slots the run had: those its processes started in. */
static int count_slots(const char *dir)
{
    char path[1024], buf[512], slot[16];
    snprintf(path, sizeof path, "%s/orchestrator.log", dir);
    FILE *f = fopen(path, "r");
    int n = 1;
    while (f && fgets(buf, sizeof buf, f))
        if (sscanf(buf, "P %*d %15s", slot) == 1 && slot[0] == 's' && atoi(slot + 1) + 1 > n)
            n = atoi(slot + 1) + 1;
    if (f)
        fclose(f);
    return n < 16 ? n : 16;
}

int torture_timeline(const char *dir, const char *svg)
{
    canvas_t c = {0};
    span(dir, &c);
    c.f = fopen(svg, "w");
    if (!c.f || !c.t0)
        return -1;
    int slots = count_slots(dir), ensemble_row = slots, store_row = slots + 1;
    c.rows = slots + 2;
    double height = y_of(c.rows) + 30;
    fprintf(c.f, "<svg xmlns='http://www.w3.org/2000/svg' width='%.0f' height='%.0f' font-family='sans-serif' "
                 "font-size='11'>\n<rect width='100%%' height='100%%' fill='white'/>\n",
            WIDTH, height);
    for (int r = 0; r < c.rows; r++) {
        const char *label = r == ensemble_row ? "ensemble" : r == store_row ? "store" : NULL;
        if (label)
            fprintf(c.f, "<text x='5' y='%.1f'>%s</text>\n", y_of(r) + 16, label);
        else
            fprintf(c.f, "<text x='5' y='%.1f'>s%d</text>\n", y_of(r) + 16, r);
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/orchestrator.log", dir);
    FILE *f = fopen(path, "r");
    if (f) {
        draw_orchestrator(&c, f, ensemble_row);
        fclose(f);
    }
    DIR *d = opendir(dir);
    struct dirent *ent;
    while (d && (ent = readdir(d))) {
        size_t n = strlen(ent->d_name);
        if (ent->d_name[0] != 's' || n < 5 || strcmp(ent->d_name + n - 4, ".log") != 0 || !strcmp(ent->d_name, "store.log"))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
        if ((f = fopen(path, "r"))) {
            draw_participant(&c, ent->d_name, f);
            fclose(f);
        }
    }
    if (d)
        closedir(d);
    snprintf(path, sizeof path, "%s/store.log", dir);
    if ((f = fopen(path, "r"))) {
        draw_store(&c, f, store_row);
        fclose(f);
    }
    int seconds = (int)((c.t1 - c.t0) / NS_PER_S);
    int step = seconds > 600 ? 300 : seconds > 120 ? 30 : 10;
    for (int s = 0; s <= seconds; s += step) {
        double x = x_of(&c, c.t0 + (int64_t)s * NS_PER_S);
        fprintf(c.f, "<line x1='%.1f' y1='22' x2='%.1f' y2='%.1f' stroke='#ccc'/><text x='%.1f' y='%.1f'>%ds</text>\n",
                x, x, y_of(c.rows), x + 2, y_of(c.rows) + 14, s);
    }
    fprintf(c.f, "<text x='%.0f' y='14'>leading: green, disconnected: orange, faults: red (participant) and purple "
                 "(ensemble), quiet phases: blue</text>\n</svg>\n",
            LEFT);
    fclose(c.f);
    return 0;
}
