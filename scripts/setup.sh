#!/usr/bin/env bash
# setup.sh - shared by examples/worker-pool/demo and test.sh: install what a fresh Debian
# machine lacks, bootstrap the autotools, configure and build out of tree.
# Source it; it defines functions and changes nothing by itself.

ZKELECT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Packages to build, test and run the demo. The ZooKeeper server is Debian's
# (a Java program); nothing is downloaded from anywhere else.
ZKELECT_BUILD_PACKAGES=(build-essential autoconf automake libtool pkg-config autoconf-archive
                        libzookeeper-mt-dev zookeeper default-jre-headless procps)
ZKELECT_TEST_PACKAGES=(libcunit1-dev libevent-dev libcurator-recipes-java default-jdk-headless python3-kazoo jq clang libclang-rt-14-dev valgrind cppcheck clang-tidy
                       debhelper lintian abigail-tools rpm)

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

need_packages() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "==> installing: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

bootstrap() {
    if [ ! -x "$ZKELECT_ROOT/configure" ] || [ "$ZKELECT_ROOT/configure.ac" -nt "$ZKELECT_ROOT/configure" ] ||
       [ "$ZKELECT_ROOT/Makefile.am" -nt "$ZKELECT_ROOT/Makefile.in" ]; then
        echo "==> bootstrapping (autoreconf -fi)"
        (cd "$ZKELECT_ROOT" && autoreconf -fi >/dev/null)
    fi
}

# build_in DIR [configure options...]: an out-of-tree build in $ZKELECT_ROOT/DIR.
build_in() {
    local dir="$ZKELECT_ROOT/$1"
    shift
    mkdir -p "$dir"
    if [ ! -f "$dir/Makefile" ] || [ "$ZKELECT_ROOT/configure" -nt "$dir/Makefile" ]; then
        echo "==> configuring ${dir#"$ZKELECT_ROOT"/} $*"
        (cd "$dir" && "$ZKELECT_ROOT/configure" -q "$@")
    fi
    echo "==> building ${dir#"$ZKELECT_ROOT"/}"
    make -C "$dir" -s -j"$(nproc)" >/dev/null
}
