/* strset.c - a sorted set of strings: the names an election has learned to
 * skip. An election path may hold thousands of strangers; lookups must not
 * be linear. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* Index of name, or of where it would go. */
static size_t position(const zke_strset_t *set, const char *name, bool *found)
{
    size_t lo = 0, hi = set->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = strcmp(set->items[mid], name);
        if (cmp == 0) {
            *found = true;
            return mid;
        }
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

bool zkelect__strset_has(const zke_strset_t *set, const char *name)
{
    bool found;
    position(set, name, &found);
    return found;
}

int zkelect__strset_add(zke_strset_t *set, const char *name)
{
    bool found;
    size_t at = position(set, name, &found);
    if (found)
        return 0;
    if (set->count == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 16;
        char **grown = realloc(set->items, cap * sizeof *grown);
        if (!grown)
            return -1;
        set->items = grown;
        set->cap = cap;
    }
    char *copy = strdup(name);
    if (!copy)
        return -1;
    memmove(set->items + at + 1, set->items + at, (set->count - at) * sizeof *set->items);
    set->items[at] = copy;
    set->count++;
    return 1;
}

void zkelect__strset_free(zke_strset_t *set)
{
    for (size_t i = 0; i < set->count; i++)
        free(set->items[i]);
    free(set->items);
    memset(set, 0, sizeof *set);
}
