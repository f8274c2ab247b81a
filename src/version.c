/* version.c - the version of the library that is loaded. */
#include "config.h"
#include "internal.h"

const char *zkelect_version(void)
{
    return PACKAGE_VERSION;
}
