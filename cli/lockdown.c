/* lockdown.c - `zkelect lockdown`: close an election path that anyone may
 * change, giving it the ACL of the identity in --auth-file (or --acl). */
#include "cli.h"

#include <stdio.h>

int cli_lockdown(const cli_options_t *opt)
{
    cli_quiet_zookeeper();
    zkelect_t *e;
    int rc = cli_connect(opt, true, NULL, NULL, &e);
    if (rc)
        return rc;
    int zrc = zkelect_lock_path(e);
    if (zrc == ZKELECT_OK) {
        printf("%s is locked: %s\n", opt->path,
               opt->acl ? "its ACL is --acl's"
                        : "only the identity of --auth-file may add or delete contenders; anyone may read");
    } else if (zrc == ZKELECT_EAUTH) {
        cli_log(CLI_ERR, "ZooKeeper refused to change the ACL of %s: the identity of --auth-file needs ADMIN on it "
                "(ask whoever its ACL names, or a superuser)", opt->path);
    } else {
        cli_log(CLI_ERR, "cannot lock %s: %s", opt->path, zkelect_strerror(zrc));
    }
    return cli_close(e, zrc == ZKELECT_OK ? CLI_EXIT_OK : zrc == ZKELECT_ENOTCONN ? CLI_EXIT_NO_ZK : CLI_EXIT_FAILURE);
}
