#!/bin/sh
# Only the public API is exported: nm -D of the shared library must list
# exactly the functions declared ZKELECT_EXPORT in zkelect.h, and the version
# script must name the same set. A build without the shared library (the
# sanitizer builds) checks the static one instead: its global functions of
# default visibility, the ones a shared library would export, must be the same.
set -e
src=${top_srcdir:-.}
build=${top_builddir:-.}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
lib=$(ls "$build"/src/.libs/libzkelect.so.* 2>/dev/null | head -n 1)
if [ -n "$lib" ]; then
    nm -D --defined-only "$lib" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' | sort >"$out/exported"
else
    lib=$build/src/.libs/libzkelect.a
    [ -f "$lib" ] || { echo "FAIL: neither libzkelect.so nor libzkelect.a in $build/src/.libs"; exit 1; }
    readelf -sW "$lib" | awk '$4 == "FUNC" && $5 == "GLOBAL" && $6 == "DEFAULT" && $7 != "UND" { print $8 }' |
        sort -u >"$out/exported"
fi
grep -v '#define ZKELECT_EXPORT' "$src/include/zkelect.h" | tr '\n' ' ' | grep -o 'ZKELECT_EXPORT[^(]*(' |
    sed 's/(//; s/.*[ *]//' | sort >"$out/declared"
sed -n 's/^[[:space:]]*\(zkelect_[a-z_]*\);$/\1/p' "$src/src/libzkelect.sym" | sort >"$out/listed"
status=0
if ! diff -u "$out/declared" "$out/exported"; then
    echo "FAIL: exported symbols differ from the header's ZKELECT_EXPORT declarations"
    status=1
fi
if ! diff -u "$out/declared" "$out/listed"; then
    echo "FAIL: src/libzkelect.sym differs from the header"
    status=1
fi
if [ $status -eq 0 ]; then
    echo "$(wc -l <"$out/exported") symbols exported, all public"
    echo "1 passed, 0 failed"
else
    echo "0 passed, 1 failed"
fi
exit $status
