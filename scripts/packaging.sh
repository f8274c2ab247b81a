#!/usr/bin/env bash
# packaging.sh BUILD_DIR - what a distribution does with a release, checked:
#   1. the Debian packages (libzkelect1, libzkelect-dev, zkelect) built from
#      the `make dist` tarball in BUILD_DIR with dpkg-buildpackage, and
#      lintian with no errors;
#   2. examples/minimal.c built against the unpacked packages with nothing
#      but `pkg-config --cflags --libs zkelect`;
#   3. the RPM built from the same tarball with rpmbuild (its spec inside);
#   4. the library's ABI compared with abi/libzkelect.abi: an incompatible
#      change fails unless the soname changed.
# Prints "ok: ..." or "FAIL: ..." per check; exits non-zero if any failed.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:?usage: packaging.sh BUILD_DIR}" && pwd)
work=$(mktemp -d /tmp/zkelect-packaging.XXXXXX)
trap 'rm -rf "$work"' EXIT
failed=0
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; failed=1; }

version=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$build/config.h")
tarball=$build/zkelect-$version.tar.gz
[ -f "$tarball" ] || make -C "$build" -s dist >/dev/null
[ -f "$tarball" ] || { echo "FAIL: no $tarball"; exit 1; }

echo "==> Debian packages from $(basename "$tarball")"
tar -C "$work" -xzf "$tarball"
cp "$tarball" "$work/zkelect_$version.orig.tar.gz"
cp -r "$root/debian" "$work/zkelect-$version/"
if (cd "$work/zkelect-$version" && dpkg-buildpackage -us -uc -b) >"$work/dpkg.log" 2>&1; then
    ok "dpkg-buildpackage: $(cd "$work" && ls ./*.deb | grep -v dbgsym | xargs -n1 basename | tr '\n' ' ')"
else
    tail -n 30 "$work/dpkg.log"
    fail "dpkg-buildpackage"
fi
for pkg in libzkelect1 libzkelect-dev zkelect; do
    ls "$work/${pkg}_"*.deb >/dev/null 2>&1 || fail "no $pkg package"
done
changes=$(ls "$work"/*.changes 2>/dev/null | head -1)
if [ -n "$changes" ]; then
    lintian --fail-on error --no-tag-display-limit "$changes" >"$work/lintian.log" 2>&1 &&
        { ok "lintian: no errors ($(grep -c "^W:" "$work/lintian.log") warnings)"; grep -E "^W:" "$work/lintian.log"; } ||
        { grep -E '^E:' "$work/lintian.log"; fail "lintian reports errors"; }
fi

echo "==> an example built against the unpacked packages, with pkg-config only"
mkdir -p "$work/root"
for deb in "$work"/libzkelect1_*.deb "$work"/libzkelect-dev_*.deb "$work"/zkelect_*.deb; do
    [ -f "$deb" ] && dpkg -x "$deb" "$work/root"
done
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
export PKG_CONFIG_PATH="$work/root/usr/lib/$multiarch/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$work/root"
flags=$(pkg-config --cflags --libs zkelect 2>&1)
if cc -std=c11 -Wall -Wextra -Werror "$root/examples/minimal.c" $flags -o "$work/minimal" 2>"$work/cc.log" &&
    readelf -d "$work/minimal" | grep -q 'libzkelect.so.1'; then
    ok "examples/minimal.c built with: pkg-config --cflags --libs zkelect ($flags)"
else
    cat "$work/cc.log"
    fail "examples/minimal.c against the packages"
fi
# Statically: libzkelect.a plus what Libs.private says it needs.
static_libs=$(pkg-config --static --libs zkelect | sed 's/-lzkelect\b//')
if cc -std=c11 "$root/examples/minimal.c" $(pkg-config --cflags zkelect) "$work/root/usr/lib/$multiarch/libzkelect.a" \
    $static_libs -o "$work/minimal-static" 2>"$work/cc-static.log" && ! readelf -d "$work/minimal-static" | grep -q libzkelect; then
    ok "examples/minimal.c linked with libzkelect.a and pkg-config --static ($static_libs)"
else
    cat "$work/cc-static.log"
    fail "static link with pkg-config --static"
fi
LD_LIBRARY_PATH="$work/root/usr/lib/$multiarch" "$work/root/usr/bin/zkelect" --version >/dev/null &&
    ok "the packaged zkelect runs" || fail "the packaged zkelect does not run"
# man 3 of every exported function leads to zkelect(3)
pages=0
for f in $(sed -n 's/^[[:space:]]*\(zkelect_[a-z_]*\);$/\1/p' "$root/src/libzkelect.sym"); do
    page=$(ls "$work/root/usr/share/man/man3/$f.3"* 2>/dev/null | head -1)
    [ -n "$page" ] && MANPATH="$work/root/usr/share/man" man -w "$f" 2>/dev/null | grep -qF 'man3/zkelect.3' ||
        fail "man 3 $f does not lead to zkelect(3)"
    pages=$((pages + 1))
done
ok "man 3 of each of the $pages exported functions leads to zkelect(3)"
unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR

echo "==> RPM from the same tarball"
if rpmbuild -tb --nodeps --define "_topdir $work/rpm" "$tarball" >"$work/rpm.log" 2>&1; then
    ok "rpmbuild: $(find "$work/rpm/RPMS" -name '*.rpm' -printf '%f ' 2>/dev/null)"
else
    tail -n 30 "$work/rpm.log"
    fail "rpmbuild"
fi

echo "==> ABI against abi/libzkelect.abi"
# The build's own library: the packaged one is stripped of the DWARF that
# abidiff reads types from.
library=$(ls "$build"/src/.libs/libzkelect.so.*.*.* | head -1)
abidiff --headers-dir2 "$root/include" "$root/abi/libzkelect.abi" "$library" >"$work/abidiff.log" 2>&1
status=$?
# abidiff's status is a bit field (4: the ABIs differ, 8: a symbol was
# removed) and calls a changed signature a mere difference: what breaks
# callers is anything removed or changed; additions are compatible.
broken=$(grep -E '(changes summary|symbols changes summary):' "$work/abidiff.log" |
    sed -E 's/.*: *([0-9]+) Removed(, ([0-9]+) Changed)?.*/\1 \3/' | awk '{ n += $1 + $2 } END { print n + 0 }')
old_soname=$(sed -n "s/.*soname='\([^']*\)'.*/\1/p" "$root/abi/libzkelect.abi" | head -1)
new_soname=$(readelf -d "$library" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
if [ $((status & ~12)) -ne 0 ]; then
    cat "$work/abidiff.log"
    fail "abidiff could not compare (status $status)"
elif { [ "$broken" -gt 0 ] || [ $((status & 8)) -ne 0 ]; } && [ "$old_soname" = "$new_soname" ]; then
    cat "$work/abidiff.log"
    fail "an incompatible ABI change without a soname bump ($new_soname): see RELEASING.md"
else
    ok "ABI: $( [ $status -eq 0 ] && echo "unchanged" || echo "compatible changes only") against abi/libzkelect.abi ($new_soname)"
fi
exit $failed
