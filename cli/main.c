/* main.c - `zkelect COMMAND [options]`: picks the subcommand. */
#include "config.h"
#include "cli.h"

#include <stdio.h>
#include <string.h>

typedef int (*command_fn)(const cli_options_t *opt);

static const struct {
    const char *name;
    command_fn fn;
} commands[] = {
    {"run", cli_run},
    {"status", cli_status},
    {"watch", cli_watch},
    {"lockdown", cli_lockdown},
    {"resign", cli_resign},
    {"move", cli_move},
};

int main(int argc, char **argv)
{
    if (argc < 2) {
        cli_usage("", false);
        return CLI_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        cli_usage(argc > 2 && strcmp(name, "help") == 0 ? argv[2] : "", true);
        return CLI_EXIT_OK;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
        printf("zkelect %s (libzkelect %s)\n", PACKAGE_VERSION, zkelect_version());
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(name, commands[i].name) != 0)
            continue;
        cli_options_t opt;
        bool done;
        int rc = cli_parse(name, argc - 1, argv + 1, &opt, &done);
        if (rc != CLI_EXIT_OK || done)
            return rc;
        cli_set_verbosity(opt.verbosity);
        return commands[i].fn(&opt);
    }
    fprintf(stderr, "zkelect: unknown command '%s'\nTry 'zkelect --help'.\n", name);
    return CLI_EXIT_USAGE;
}
