/* output.c - what the command writes: log lines on stderr (timestamped, or
 * with journald's priority prefixes), and JSON strings on stdout. */
#include "cli.h"

#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int cli_verbosity;
static bool to_journal;

/* stderr is the journal when JOURNAL_STREAM names its device and inode
 * (systemd.exec(5)): the journal stamps lines itself and reads a "<N>"
 * prefix as the priority (sd-daemon(3)). */
static bool stderr_is_journal(void)
{
    const char *stream = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;
    if (!stream || sscanf(stream, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) != 0)
        return false;
    return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void cli_set_verbosity(int verbosity)
{
    cli_verbosity = verbosity;
    to_journal = stderr_is_journal();
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

void cli_log(int priority, const char *fmt, ...)
{
    if (priority > CLI_NOTICE + cli_verbosity)
        return;
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    /* One write per line, so that lines from the library's threads never
     * interleave with ours. */
    char line[1100];
    int n;
    if (to_journal) {
        n = snprintf(line, sizeof line, "<%d>%s\n", priority, text);
    } else {
        char stamp[32];
        cli_timestamp(stamp, sizeof stamp);
        n = snprintf(line, sizeof line, "%s zkelect[%d]: %s\n", stamp, (int)getpid(), text);
    }
    if (n > (int)sizeof line - 1) {
        n = (int)sizeof line - 1;
        line[n - 1] = '\n';
    }
    if (n > 0 && write(STDERR_FILENO, line, (size_t)n) < 0)
        return; /* nowhere left to report it */
}

/* The ZooKeeper client's own lines: shown as the client ranks them, or
 * only with -v (cli_quiet_zookeeper()); the last error is kept, for the
 * message that says no session could be had. */
static bool zookeeper_quiet;
static pthread_mutex_t last_error_lock = PTHREAD_MUTEX_INITIALIZER;
static char last_error[512];

void cli_quiet_zookeeper(void)
{
    zookeeper_quiet = true;
}

void cli_last_zookeeper_error(char *buf, size_t len)
{
    pthread_mutex_lock(&last_error_lock);
    snprintf(buf, len, "%s", last_error);
    pthread_mutex_unlock(&last_error_lock);
}

void cli_library_log(zkelect_t *e, int level, const char *message, void *userdata)
{
    (void)e, (void)userdata;
    /* The library's warnings and errors always show; its info with -v, its
     * debug with -vv. */
    static const int priority[] = {[ZKELECT_LOG_ERROR] = CLI_ERR, [ZKELECT_LOG_WARN] = CLI_WARNING,
                                   [ZKELECT_LOG_INFO] = CLI_INFO, [ZKELECT_LOG_DEBUG] = CLI_DEBUG};
    int p = level >= ZKELECT_LOG_ERROR && level <= ZKELECT_LOG_DEBUG ? priority[level] : CLI_DEBUG;
    if (strncmp(message, "zookeeper: ", 11) == 0) {
        /* What follows the client's "time:pid(thread):ZOO_ERROR@function@line: "
         * (the library logs it as a warning while the session is not
         * connected: it retries). */
        const char *text = strstr(message, "ZOO_ERROR@");
        text = text ? strstr(text, ": ") : NULL;
        if (text) {
            pthread_mutex_lock(&last_error_lock);
            snprintf(last_error, sizeof last_error, "%s", text + 2);
            pthread_mutex_unlock(&last_error_lock);
        }
        if (zookeeper_quiet && p < CLI_INFO)
            p = CLI_INFO;
    }
    cli_log(p, "%s", message);
}

const char *cli_signal_name(int sig)
{
    static const struct {
        int sig;
        const char *name;
    } names[] = {{SIGHUP, "SIGHUP"},   {SIGINT, "SIGINT"},   {SIGQUIT, "SIGQUIT"}, {SIGILL, "SIGILL"},
                 {SIGTRAP, "SIGTRAP"}, {SIGABRT, "SIGABRT"}, {SIGBUS, "SIGBUS"},   {SIGFPE, "SIGFPE"},
                 {SIGKILL, "SIGKILL"}, {SIGUSR1, "SIGUSR1"}, {SIGSEGV, "SIGSEGV"}, {SIGUSR2, "SIGUSR2"},
                 {SIGPIPE, "SIGPIPE"}, {SIGALRM, "SIGALRM"}, {SIGTERM, "SIGTERM"}, {SIGXCPU, "SIGXCPU"},
                 {SIGXFSZ, "SIGXFSZ"}, {SIGSYS, "SIGSYS"}};
    static _Thread_local char other[24];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].sig == sig)
            return names[i].name;
    snprintf(other, sizeof other, "signal %d", sig);
    return other;
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
