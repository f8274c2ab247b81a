/* children.c - a listing of the election path as a line: the contenders in
 * the order their own format's clients see, for the election (line.c), the
 * follower (follow.c) and the lookups (lookup.c) alike; and the end of the
 * line as the host gets it (zkelect_participants_free()). */
#include "internal.h"

#include <stdlib.h>

zke_child_t *zkelect__line_of(int format, const struct String_vector *names, size_t *count,
                              void (*stranger)(void *ctx, const char *name), void *ctx)
{
    *count = 0;
    zke_child_t *line = malloc((size_t)(names->count > 0 ? names->count : 1) * sizeof *line);
    if (!line)
        return NULL;
    for (int i = 0; i < names->count; i++) {
        int32_t seq;
        if (zkelect__parse_child(format, names->data[i], &seq))
            line[(*count)++] = (zke_child_t){.name = names->data[i], .seq = seq,
                                             .priority = format == ZKELECT_FORMAT_NATIVE
                                                             ? zkelect__name_priority(names->data[i])
                                                             : 0};
        else if (stranger && !zkelect__is_service_node(names->data[i]))
            stranger(ctx, names->data[i]);
    }
    zkelect__order_children_as(format, line, *count);
    return line;
}

void zkelect_participants_free(zkelect_participant_t *list, size_t count)
{
    if (!list)
        return;
    for (size_t i = 0; i < count; i++) {
        free(list[i].id);
        free(list[i].node);
        free(list[i].data);
        free(list[i].state);
    }
    free(list);
}
