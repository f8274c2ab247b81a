#!/bin/sh
# version.sh - the package version lives in AC_INIT; the header's macros,
# the RPM spec and (in a git checkout) debian/changelog must agree with it.
set -u
srcdir=${top_srcdir:-.}
builddir=${top_builddir:-.}
version=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$builddir/config.h")
header=$(awk '/#define ZKELECT_VERSION_(MAJOR|MINOR|PATCH)/ { v = v (v ? "." : "") $3 } END { print v }' \
    "$srcdir/include/zkelect.h")
spec=$(sed -n 's/^Version: *//p' "$builddir/zkelect.spec")
failed=0
check() {
    if [ "$2" = "$version" ]; then echo "ok: $1 says $2"; else echo "FAIL: $1 says '$2', AC_INIT says $version"; failed=1; fi
}
check "include/zkelect.h" "$header"
check "zkelect.spec" "$spec"
if [ -f "$srcdir/debian/changelog" ]; then
    check "debian/changelog" "$(sed -n '1s/^zkelect (\([^-)]*\).*/\1/p' "$srcdir/debian/changelog")"
fi
exit $failed
