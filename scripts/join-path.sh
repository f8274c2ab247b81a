#!/usr/bin/env bash
# join-path.sh [BUILD] - which files of src/ a join runs through, from
# zkelect_new() to ELECTED: one participant joins an empty election on a
# throwaway server (tests/zk-local) under valgrind's callgrind, and the
# files whose functions ran are listed with how many of their functions did
# (HACKING.md, "The path of one event", says why it matters). BUILD is a
# configured and built tree (default: build); valgrind is needed.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(cd "${1:-build}" && pwd)
lib=$build/src/.libs/libzkelect.so
[ -f "$lib" ] || { echo "join-path.sh: no $lib: configure and build first" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "join-path.sh: valgrind is needed" >&2; exit 1; }

work=$(mktemp -d)
cleanup() {
    "$build/tests/zk-local" stop "$work/zk" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/probe.c" <<'EOF'
#include <stdio.h>
#include <unistd.h>
#include <zkelect.h>

/* Join, wait to lead, and leave at once: the profile ends at ELECTED. */
int main(int argc, char **argv)
{
    zkelect_t *e;
    if (argc != 2 || zkelect_new(&e, argv[1], "/join-path/probe", "probe") != ZKELECT_OK ||
        zkelect_start(e) != ZKELECT_OK || zkelect_wait_leader(e, 10000) != ZKELECT_OK || zkelect_is_leader(e) != 1)
        return 1;
    _exit(0);
}
EOF
cc -g -I"$top/include" "$work/probe.c" -o "$work/probe" "$lib" -Wl,-rpath,"$build/src/.libs"

mkdir -p "$work/zk"
hosts=$("$build/tests/zk-local" start "$work/zk")
valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$work/probe" "$hosts" 2>/dev/null ||
    { echo "join-path.sh: the probe did not lead" >&2; exit 1; }

callgrind_annotate --inclusive=yes --threshold=100 "$work/cg.out" 2>/dev/null |
    grep -o "$top/src/[a-z_]*\.[ch]:[A-Za-z_0-9]*" | sed "s|$top/||" | sort -u |
    awk -F: '{ n[$1]++ } END { for (f in n) print n[f], f }' | sort -k2 >"$work/files"
echo "files of src/ a join runs through, with how many of their functions ran:"
cat "$work/files"
echo "$(wc -l <"$work/files") files"
