#!/usr/bin/env bash
# setup.sh - shared by examples/worker-pool/demo and test.sh: install what a fresh Debian
# machine lacks, bootstrap the autotools, configure and build out of tree.
# Source it; it defines functions and changes nothing by itself.
#
# Either script may run first, or after the other was interrupted: a build
# directory is configured again whenever what configure would find has
# changed since it last ran (see configuration()).

ZKELECT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Packages to build, test and run the demo. The ZooKeeper server is Debian's
# (a Java program); nothing is downloaded from anywhere else.
ZKELECT_BUILD_PACKAGES=(build-essential autoconf automake libtool pkg-config autoconf-archive
                        libzookeeper-mt-dev zookeeper default-jre-headless procps)
ZKELECT_TEST_PACKAGES=(libcunit1-dev libevent-dev libcurator-recipes-java default-jdk-headless python3-kazoo jq clang libclang-rt-14-dev valgrind cppcheck clang-tidy
                       debhelper lintian abigail-tools rpm git python3 systemd)

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

# autoreconf again when its inputs are newer than its outputs, or when a run
# of it did not finish (the marker is removed only after a success).
bootstrap() {
    local root=$ZKELECT_ROOT marker=$ZKELECT_ROOT/.bootstrap-incomplete
    [ -f "$root/configure.ac" ] || return 0 # a release tarball: configure is shipped
    if [ -f "$marker" ] || [ ! -x "$root/configure" ] || [ ! -f "$root/Makefile.in" ] ||
       [ "$root/configure.ac" -nt "$root/configure" ] || [ "$root/Makefile.am" -nt "$root/Makefile.in" ]; then
        echo "==> bootstrapping (autoreconf -fi)"
        : >"$marker"
        (cd "$root" && autoreconf -fi >/dev/null) || return 1
        rm -f "$marker"
    fi
}

# What a configuration depends on, one fact per line: configure itself, the
# options and environment it was given, the compiler, and what it finds of
# the optional packages it looks for with pkg-config (read from
# configure.ac, so that a new one is covered). A build directory configured
# before CUnit was installed then differs in its "pkg cunit" line.
configuration() {
    local cc=${CC:-cc} arg module
    for arg in "$@"; do
        case $arg in CC=*) cc=${arg#CC=} ;; esac
    done
    echo "configure $(cksum <"$ZKELECT_ROOT/configure")"
    echo "options$(printf ' %q' "$@")"
    echo "environment CC=${CC-} CFLAGS=${CFLAGS-} CPPFLAGS=${CPPFLAGS-} LDFLAGS=${LDFLAGS-}" \
         "PKG_CONFIG_PATH=${PKG_CONFIG_PATH-} PKG_CONFIG_LIBDIR=${PKG_CONFIG_LIBDIR-}"
    echo "compiler $($cc --version 2>/dev/null | head -n 1)"
    for module in $(sed -n 's/^ *PKG_CHECK_MODULES(\[[A-Z_]*\], *\[\([^]]*\)\].*/\1/p' "$ZKELECT_ROOT/configure.ac"); do
        echo "pkg $module $(pkg-config --modversion "$module" 2>/dev/null || echo absent)"
    done
}

# configured DIR [configure options...]: DIR is configured with exactly these.
configured() {
    local dir=$1
    shift
    [ -f "$dir/Makefile" ] && [ -f "$dir/zkelect-configuration" ] &&
        [ "$(cat "$dir/zkelect-configuration")" = "$(configuration "$@")" ]
}

# Configure DIR (absolute) with the given options unless its recorded
# configuration is the one wanted. The record is written only once configure
# has succeeded, so an interrupted configure is redone.
configure_in() {
    local dir=$1 record=$1/zkelect-configuration wanted
    shift
    configured "$dir" "$@" && return 0
    wanted=$(configuration "$@")
    echo "==> configuring ${dir#"$ZKELECT_ROOT"/} $*"
    # make does not see flags change: what was compiled with other options
    # (the demo's, without --enable-werror, before the test command) is
    # compiled again. A new package found (CUnit) changes no flag.
    local flags='^(options|environment|compiler)' again=false
    if [ -f "$dir/Makefile" ] && [ -f "$record" ] &&
        [ "$(grep -E "$flags" "$record")" != "$(grep -E "$flags" <<<"$wanted")" ]; then
        again=true
    fi
    mkdir -p "$dir"
    rm -f "$record"
    # configure picks bash for itself, libtool and make's recipes; dash,
    # where there is one, runs them with a sixth less CPU (libtool runs
    # once per file compiled), and the build is the same.
    local shell=/bin/sh
    [ -x /bin/dash ] && shell=/bin/dash
    (cd "$dir" && CONFIG_SHELL=$shell "$shell" "$ZKELECT_ROOT/configure" -q "$@") || return 1
    if $again; then
        make -C "$dir" -s clean >/dev/null || return 1
    fi
    printf '%s\n' "$wanted" >"$record"
}

# with_lock DIR COMMAND...: run COMMAND (a program or a function) holding
# the lock of the build directory DIR, so that two makes never work in one
# directory at once (test.sh runs steps side by side; the demo may run
# beside it).
with_lock() {
    local dir="$ZKELECT_ROOT/$1"
    shift
    mkdir -p "$dir"
    (
        flock -x 9
        "$@"
    ) 9>"$dir/.lock"
}

configure_and_make() {
    local dir=$1
    shift
    configure_in "$dir" "$@" || return 1
    echo "==> building ${dir#"$ZKELECT_ROOT"/}"
    make -C "$dir" -s -j"$(nproc)" >/dev/null
}

# build_in DIR [configure options...]: an out-of-tree build in $ZKELECT_ROOT/DIR,
# configured with exactly these options.
build_in() {
    local dir=$1
    shift
    with_lock "$dir" configure_and_make "$ZKELECT_ROOT/$dir" "$@"
}

# build_any DIR: the same, but a directory configured with other options (by
# test.sh, say) is kept as long as nothing else in its configuration changed;
# a new one gets the defaults. The demo builds this way.
build_any() {
    local record="$ZKELECT_ROOT/$1/zkelect-configuration" options=()
    # The options are recorded shell-quoted (printf %q): read them back whole.
    [ -f "$record" ] && eval "options=($(sed -n 's/^options//p' "$record"))"
    build_in "$1" "${options[@]}"
}
