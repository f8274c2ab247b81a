/* limits.c - the range of each numeric setting, and why its ends are where
 * they are: one table for the setters and for zkelect_check_setting(), so
 * that a host (the zkelect command among them) checks a value as the
 * library will, with the library's reason, before it has a handle. No
 * setting in range makes a participant that can never lead. */
#include "internal.h"

#include <math.h> /* isnan: a macro */
#include <stdio.h>
#include <string.h>

typedef struct setting {
    const char *name;      /* the setter's name, without zkelect_set_ */
    double min, max;
    bool integer;
    const char *unit;
    const char *below;     /* what goes wrong under min */
    const char *above;     /* what goes wrong over max */
} setting_t;

static const setting_t settings[] = {
    {"session_timeout", ZKELECT_SESSION_TIMEOUT_MIN, ZKELECT_SESSION_TIMEOUT_MAX, true, " ms",
     "shorter than any server grants (twice its tickTime, at least)",
     "more than an hour: a dead leader's node would stand that long"},
    {"lease_fraction", ZKELECT_LEASE_FRACTION_MIN, ZKELECT_LEASE_FRACTION_MAX, false, "",
     "the lease would end before its renewal, sent every T/4, could answer: the participant could lose "
     "leadership between renewals, or never win it",
     "less than T/10 would be left between the end of the lease and the earliest moment the server can "
     "expire the session, for the host to stop and for the clocks' rate errors"},
    {"query_timeout", ZKELECT_QUERY_TIMEOUT_MIN, ZKELECT_QUERY_TIMEOUT_MAX, true, " ms",
     "no lookup's two round trips fit in it", "more than an hour"},
    {"priority", ZKELECT_PRIORITY_MIN, ZKELECT_PRIORITY_MAX, true, "", "below the lowest priority",
     "above the highest priority"},
    {"preemption", 0, ZKELECT_PREEMPTION_MAX, true, " ms", "a delay cannot be negative (0: no preemption)",
     "more than a day: say 0 for no preemption"},
};

static const setting_t *find(const char *name)
{
    for (size_t i = 0; name && i < sizeof settings / sizeof settings[0]; i++)
        if (strcmp(settings[i].name, name) == 0)
            return &settings[i];
    return NULL;
}

int zkelect__check_setting(const char *name, double value, char *why, size_t len)
{
    const setting_t *s = find(name);
    const char *reason = NULL;
    if (!s) {
        if (why && len)
            snprintf(why, len, "%s: no such setting (session_timeout, lease_fraction, query_timeout, priority, "
                     "preemption)",
                     name ? name : "(null)");
        return ZKELECT_EINVAL;
    }
    bool in_range = value >= s->min && value <= s->max; /* false for NaN */
    if (!in_range)
        reason = isnan(value) ? "not a number" : value < s->min ? s->below : s->above;
    else if (s->integer && value != (double)(long long)value) /* in range: the cast is exact */
        reason = "not a whole number";
    if (why && len) {
        if (!reason)
            why[0] = '\0';
        else if (!in_range)
            snprintf(why, len, "%s %.15g%s is outside %.15g..%.15g%s: %s", name, value, s->unit, s->min, s->max,
                     s->unit, reason);
        else
            snprintf(why, len, "%s %.15g%s: %s", name, value, s->unit, reason);
    }
    return reason ? ZKELECT_EINVAL : ZKELECT_OK;
}

int zkelect_check_setting(const char *setting, double value, char *why, size_t len)
{
    return zkelect__check_setting(setting, value, why, len);
}
