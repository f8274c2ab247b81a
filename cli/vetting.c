/* vetting.c - what the options name, vetted before anything connects: a
 * secret read from its file, a setting tried on the library. Used by the
 * option parser (options.c) and the TLS and SASL options (secure.c). */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* Secrets come from files, never from the command line, which any local
 * user can read in the process list. */
int cli_read_secret(const char *sub, const char *flag, const char *path, char *into, size_t size)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return errno;
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077))
        fprintf(stderr, "zkelect %s: warning: --%s '%s' can be read by other users (chmod 600)\n", sub, flag, path);
    bool read = fgets(into, (int)size, f) != NULL;
    fclose(f);
    into[read ? strcspn(into, "\r\n") : 0] = '\0';
    return 0;
}

/* Keeps the library's last error line, in a buffer of CLI_LIBRARY_SAYS_MAX bytes. */
static void keep_message(zkelect_t *e, int level, const char *message, void *userdata)
{
    (void)e;
    if (level == ZKELECT_LOG_ERROR)
        snprintf(userdata, CLI_LIBRARY_SAYS_MAX, "%s", message);
}

int cli_ask_library(int (*setting)(zkelect_t *e, const void *arg), const void *arg, char *why, size_t len)
{
    zkelect_t *probe = NULL;
    char said[CLI_LIBRARY_SAYS_MAX] = "";
    int rc = zkelect_new(&probe, "127.0.0.1:2181", "/zkelect-probe", NULL);
    if (rc == ZKELECT_OK)
        rc = zkelect_set_log(probe, keep_message, said);
    if (rc == ZKELECT_OK)
        rc = setting(probe, arg);
    zkelect_destroy(probe);
    /* "zkelect_set_acl: the entry ..." reads as the flag's reason */
    const char *colon = strstr(said, ": ");
    snprintf(why, len, "%s", rc == ZKELECT_OK ? "" : colon ? colon + 2 : said[0] ? said : zkelect_strerror(rc));
    return rc;
}
