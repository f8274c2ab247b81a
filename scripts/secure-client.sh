#!/usr/bin/env bash
# secure-client.sh PREFIX - build the ZooKeeper C client with TLS (OpenSSL)
# and SASL (Cyrus SASL) into PREFIX (headers in PREFIX/include, the library
# in PREFIX/lib), for `configure --with-zookeeper=PREFIX`. Debian's libzookeeper-mt is built
# without both; a distribution whose client has them needs none of this.
#
# The source is the one the npm registry's `zookeeper` package (the Node.js
# binding) carries, deps/zookeeper-client-c.tar.gz: the ZooKeeper C client
# 3.8.2, generated files included. Both archives are pinned by SHA-256;
# nothing else is fetched (the build needs libssl-dev and libsasl2-dev from
# Debian, installed if missing). Run again, it does nothing if PREFIX holds
# the client already.
set -euo pipefail

prefix=${1:?usage: scripts/secure-client.sh PREFIX}
NPM_PACKAGE=zookeeper@7.3.0
NPM_SHA256=4a54e62f1617ccb3da5e5b03bfce57a7369c36aa1da34b10be20829d1faff21d
CLIENT_SHA256=19a5f0574fcb9c07bfb4d7b0b0c40a3fb760d8c0e1728444014b8ccb758b82e7

source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

lib=$prefix/lib/libzookeeper_mt.so
if [ -f "$lib" ] && nm -D "$lib" | grep -q ' T zookeeper_init_ssl$' && nm -D "$lib" | grep -q ' T zookeeper_init_sasl$'; then
    echo "==> the ZooKeeper C client with TLS and SASL is in $prefix"
    exit 0
fi
need_packages build-essential libssl-dev libsasl2-dev libsasl2-modules
command -v npm >/dev/null || need_packages npm # some machines have it from Node.js's own packages

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "==> fetching $NPM_PACKAGE from the npm registry"
(cd "$work" && npm pack --silent "$NPM_PACKAGE" >/dev/null)
tgz=$(ls "$work"/zookeeper-*.tgz)
check() {
    local got
    got=$(sha256sum "$1" | cut -d' ' -f1)
    [ "$got" = "$2" ] || { echo "secure-client.sh: $1 has SHA-256 $got, expected $2" >&2; exit 1; }
}
check "$tgz" "$NPM_SHA256"
tar -xzf "$tgz" -C "$work" package/deps/zookeeper-client-c.tar.gz
check "$work/package/deps/zookeeper-client-c.tar.gz" "$CLIENT_SHA256"
tar --warning=no-unknown-keyword -xzf "$work/package/deps/zookeeper-client-c.tar.gz" -C "$work"

echo "==> building the ZooKeeper C client 3.8.2 with OpenSSL and Cyrus SASL into $prefix"
cd "$work/zookeeper-client-c"
./configure --prefix="$prefix" --without-cppunit --with-openssl --with-sasl --disable-static \
    CFLAGS="-O2 -g -w" >"$work/configure.log" 2>&1 || { cat "$work/configure.log"; exit 1; }
# The multi-threaded library and the headers: the rest (the single-threaded
# library, the shells) is not needed.
make -j"$(nproc)" libzookeeper_mt.la >"$work/make.log" 2>&1 || { tail -40 "$work/make.log"; exit 1; }
make install-pkgincludeHEADERS >/dev/null
mkdir -p "$prefix/lib"
./libtool --mode=install install -c libzookeeper_mt.la "$prefix/lib" >/dev/null
nm -D "$lib" | grep -q ' T zookeeper_init_ssl$' || { echo "secure-client.sh: no TLS in the client built" >&2; exit 1; }
nm -D "$lib" | grep -q ' T zookeeper_init_sasl$' || { echo "secure-client.sh: no SASL in the client built" >&2; exit 1; }
echo "==> done: configure zkelect with --with-zookeeper=$prefix"
