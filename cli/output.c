/* output.c - what the command writes: timestamped log lines on stderr, and
 * JSON strings on stdout. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int cli_verbosity;

void cli_set_verbosity(int verbosity)
{
    cli_verbosity = verbosity;
}

void cli_timestamp(char *buf, size_t len)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char date[24];
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    /* tv_usec is below 10^6: the milliseconds take three digits. */
    snprintf(buf, len, "%s.%03uZ", date, (unsigned)(tv.tv_usec / 1000) % 1000u);
}

void cli_log(int level, const char *fmt, ...)
{
    if (level > cli_verbosity)
        return;
    char stamp[32], text[1024];
    cli_timestamp(stamp, sizeof stamp);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    /* One write per line, so that lines from the library's threads never
     * interleave with ours. */
    char line[1100];
    int n = snprintf(line, sizeof line, "%s zkelect[%d]: %s\n", stamp, (int)getpid(), text);
    if (n > (int)sizeof line - 1)
        n = (int)sizeof line - 1;
    if (n > 0 && write(STDERR_FILENO, line, (size_t)n) < 0)
        return; /* nowhere left to report it */
}

void cli_library_log(zkelect_t *e, int level, const char *message, void *userdata)
{
    (void)e, (void)userdata;
    /* The library's warnings and errors always show; its info with -v, its
     * debug with -vv. */
    int ours = level <= ZKELECT_LOG_WARN ? 0 : level == ZKELECT_LOG_INFO ? 1 : 2;
    cli_log(ours, "%s", message);
}

bool cli_is_text(const void *data, size_t len)
{
    const unsigned char *s = data;
    for (size_t i = 0; i < len;) {
        unsigned char c = s[i];
        size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (n == 0 || c == 0 || (n == 2 && c < 0xC2) || c > 0xF4 || i + n > len)
            return false;
        unsigned char c1 = n > 1 ? s[i + 1] : 0x80;
        /* No overlong forms, no surrogates, nothing above U+10FFFF. */
        if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F) || (c == 0xF0 && c1 < 0x90) ||
            (c == 0xF4 && c1 > 0x8F))
            return false;
        for (size_t k = 1; k < n; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
        i += n;
    }
    return true;
}

void cli_json_string(const char *s, size_t len)
{
    if (!s) {
        fputs("null", stdout);
        return;
    }
    putchar('"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c == '\n')
            fputs("\\n", stdout);
        else if (c == '\t')
            fputs("\\t", stdout);
        else if (c < 0x20 || c == 0x7f)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}
