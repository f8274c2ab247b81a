/* check.c - `zkelect run --check`: what joining would meet, without
 * joining: the command line (already parsed), the command, ZooKeeper, the
 * election path and its ACL. Each line says what was found; the exit status
 * is the one `run` would end with at the first problem. */
#include "cli.h"
#include "child.h"

#include <stdio.h>
#include <string.h>

int cli_check(const cli_options_t *opt)
{
    int err = cli_child_check(opt->command[0]);
    if (err) {
        printf("command: %s cannot be run: %s\n", opt->command[0], strerror(err));
        return CLI_EXIT_NO_EXEC;
    }
    printf("command: %s can be run\n", opt->command[0]);
    cli_quiet_zookeeper();
    zkelect_t *e;
    int rc = cli_connect(opt, true, NULL, NULL, &e);
    if (rc != CLI_EXIT_OK) {
        printf("zookeeper: not reached within %g s\n", opt->connect_timeout_s);
        return rc;
    }
    int granted = zkelect_session_timeout(e);
    printf("zookeeper: connected to %s, session timeout %d ms", opt->zk, granted);
    if (granted != opt->session_timeout_ms)
        printf(" (granted by the server instead of the %d ms asked for)", opt->session_timeout_ms);
    putchar('\n');
    zkelect_participant_t *list = NULL;
    size_t n = 0;
    int zrc = zkelect_participants(e, &list, &n);
    if (zrc == ZKELECT_OK && n > 0)
        printf("path: %s, %zu contender%s, %s leads\n", opt->path, n, n == 1 ? "" : "s", list[0].id);
    else if (zrc == ZKELECT_OK)
        printf("path: %s, nobody in line\n", opt->path);
    else if (zrc == ZKELECT_ENOPATH)
        printf("path: %s does not exist yet: the first to join creates it\n", opt->path);
    else if (zrc == ZKELECT_EAUTH)
        cli_explain_refusal(opt);
    else
        printf("path: %s cannot be read: %s\n", opt->path, zkelect_strerror(zrc));
    for (size_t i = 0; i < n; i++)
        if (opt->id && strcmp(list[i].id, opt->id) == 0)
            printf("id: %s is in line already (place %zu): ids need not be unique, but the logs and status "
                   "then name two hosts alike\n", opt->id, i + 1);
    zkelect_participants_free(list, n);
    zkelect_stats_t st = {.size = sizeof st};
    if (zrc == ZKELECT_ENOPATH && opt->acl)
        printf("acl: joining would create the path with --acl %s\n", opt->acl);
    else if (zrc == ZKELECT_ENOPATH)
        printf("acl: joining would create the path open to anyone (world:anyone:cdrwa); zkelect lockdown "
               "creates it closed\n");
    else if (zrc == ZKELECT_OK && zkelect_stats(e, &st) == ZKELECT_OK)
        printf("acl: %s\n", st.acl_open ? "open to anyone: whoever can reach ZooKeeper can add or delete contenders "
                                          "(zkelect lockdown closes it)"
                                        : "only the identities its ACL names may add or delete contenders");
    int status = CLI_EXIT_OK;
    if (zrc != ZKELECT_OK && zrc != ZKELECT_ENOPATH)
        status = zrc == ZKELECT_ENOTCONN ? CLI_EXIT_NO_ZK : CLI_EXIT_FAILURE;
    else
        printf("ok: would join %s as %s\n", opt->path, opt->id ? opt->id : "HOSTNAME:PID");
    return cli_close(e, status);
}
