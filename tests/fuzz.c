/* fuzz.c - libFuzzer target for everything that parses outside input without
 * a server: child names, line order, paths, host strings, participant ids.
 * scripts/test.sh builds it with clang and runs it for 30 s on the corpus in
 * tests/fuzz-corpus/ (one file per seed; new finds stay in a temp dir). */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CHILDREN 512

/* Curator and kazoo names: what parses ends in what the server prints, and
 * the host's order is a permutation sorted by that text. */
static void check_foreign_names(int format, const char *text)
{
    zke_child_t children[MAX_CHILDREN];
    size_t n = 0;
    char *copy = strdup(text);
    if (!copy)
        return;
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line && n < MAX_CHILDREN; line = strtok_r(NULL, "\n", &save)) {
        int32_t seq;
        if (!zkelect__parse_child(format, line, &seq))
            continue;
        char printed[16];
        snprintf(printed, sizeof printed, "%010d", seq);
        size_t pl = strlen(printed), ll = strlen(line);
        if (ll < pl || strcmp(line + ll - pl, printed) != 0)
            abort();
        children[n++] = (zke_child_t){.name = line, .seq = seq};
    }
    zkelect__order_children_as(format, children, n);
    for (size_t i = 1; i < n; i++) {
        char a[16], b[16];
        snprintf(a, sizeof a, "%010d", children[i - 1].seq);
        snprintf(b, sizeof b, "%010d", children[i].seq);
        if (strcmp(a, b) > 0)
            abort();
    }
    free(copy);
}

static void check_names(char *text)
{
    check_foreign_names(ZKELECT_FORMAT_CURATOR, text);
    check_foreign_names(ZKELECT_FORMAT_KAZOO, text);
    zke_child_t children[MAX_CHILDREN];
    size_t n = 0;
    int64_t sum_before = 0;
    for (char *line = strtok(text, "\n"); line && n < MAX_CHILDREN; line = strtok(NULL, "\n")) {
        int32_t seq;
        if (!zkelect__parse_name(line, &seq, NULL, NULL))
            continue;
        /* what parses must be what the server prints for that number */
        char printed[16];
        snprintf(printed, sizeof printed, "%010d", seq);
        const char *suffix = strrchr(line, '_') + 1;
        if (strcmp(printed, suffix) != 0)
            abort();
        children[n++] = (zke_child_t){.name = line, .seq = seq};
        sum_before += seq;
    }
    zkelect__order_children(children, n);
    int64_t sum_after = 0;
    for (size_t i = 0; i < n; i++)
        sum_after += children[i].seq;
    if (sum_after != sum_before)
        abort(); /* ordering lost or duplicated an element */
    /* within a window shorter than half the circle, the order is serial */
    bool narrow = true;
    for (size_t i = 1; i < n; i++)
        narrow &= (uint32_t)children[i].seq - (uint32_t)children[0].seq < (1u << 30);
    for (size_t i = 1; narrow && i < n; i++) {
        if (children[i].seq != children[i - 1].seq && !zkelect__seq_before(children[i - 1].seq, children[i].seq))
            abort();
    }
}

/* An ACL text is refused with a reason, or parsed into entries that each
 * have a known scheme and some permission, and none that grants nothing. */
static void check_acl(const char *text)
{
    struct ACL_vector acl;
    char why[256];
    int rc = zkelect__acl_parse(text, &acl, why, sizeof why);
    if (rc == ZKELECT_EINVAL && !why[0])
        abort();
    if (rc != ZKELECT_OK)
        return;
    if (acl.count < 1 || acl.count > 64)
        abort();
    for (int32_t i = 0; i < acl.count; i++) {
        if (!acl.data[i].id.scheme || !acl.data[i].id.id || acl.data[i].perms == 0 ||
            (acl.data[i].perms & ~ZOO_PERM_ALL))
            abort();
    }
    zkelect__acl_free(&acl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    const char *why = NULL;
    if (zkelect__validate_path(text, &why) != ZKELECT_OK && !why)
        abort();
    why = NULL;
    if (zkelect__validate_servers(text, &why) != ZKELECT_OK && !why)
        abort();
    why = NULL;
    if (text[0] && zkelect__validate_id(text, &why) != ZKELECT_OK && !why)
        abort();
    char explained[64];
    if (zkelect_check_arguments(text, text, text[0] ? text : NULL, explained, sizeof explained) != ZKELECT_OK &&
        !explained[0])
        abort();
    check_names(text);
    check_acl(text);
    free(text);
    return 0;
}
