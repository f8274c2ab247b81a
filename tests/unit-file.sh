#!/bin/sh
# The systemd unit in examples/systemd/ as systemd reads it: no error from
# `systemd-analyze verify`, an exposure of at most 2.0 ("OK") from
# `systemd-analyze security`, a stable --id, and no restart loop on a bad
# flag (2) or a missing program (127). The unit's /usr/bin/zkelect is
# pointed at the build's. Run by make check.
set -e
src=${top_srcdir:-.}
build=${top_builddir:-.}
# Without systemd-analyze (a build chroot) it skips; scripts/test.sh counts
# a skip as a failure, and installs it.
command -v systemd-analyze >/dev/null || { echo "SKIP: systemd-analyze not found (Debian: systemd)"; exit 77; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
bin=$(cd "$build/cli" && pwd)/zkelect
sed "s|/usr/bin/zkelect|$bin|" "$src/examples/systemd/zkelect@.service" >"$out/zkelect@.service"
ln -s zkelect@.service "$out/zkelect@billing.service"
failed=0
check() {
    if [ "$1" = ok ]; then echo "PASS: $2"; else echo "FAIL: $2"; failed=$((failed + 1)); fi
}
if systemd-analyze verify --man=no "$out/zkelect@billing.service" >"$out/verify.log" 2>&1 && [ ! -s "$out/verify.log" ]; then
    check ok "systemd-analyze verify"
else
    cat "$out/verify.log"
    check no "systemd-analyze verify"
fi
exposure=$(systemd-analyze security --offline=true "$out/zkelect@billing.service" 2>/dev/null |
    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
if [ -n "$exposure" ] && awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }'; then
    check ok "systemd-analyze security: exposure $exposure"
else
    check no "systemd-analyze security: exposure '${exposure}', wanted at most 2.0"
fi
grep -q -- '--id %H ' "$out/zkelect@.service" && check ok "a stable --id" || check no "a stable --id"
grep -q '^RestartPreventExitStatus=2 127$' "$out/zkelect@.service" && check ok "RestartPreventExitStatus" ||
    check no "RestartPreventExitStatus"
# The ExecStart line, as systemd splits it (the EnvironmentFile's values
# set): zkelect accepts it (--check stops at ZooKeeper: exit 3, not 2).
ExecStart=$(sed -n 's/^ExecStart=//p' "$out/zkelect@.service")
ZK=127.0.0.1:1 DAEMON=/bin/true ZKELECT_OPTIONS="--connect-timeout 200ms"
cmd=$(printf '%s' "$ExecStart" | sed -e "s|\${ZK}|$ZK|" -e "s|%i|billing|g" -e "s|%H|$(hostname)|" \
    -e "s|\$ZKELECT_OPTIONS|$ZKELECT_OPTIONS|" -e "s|\$ZKELECT_TLS||" -e "s|\$DAEMON|$DAEMON|" -e 's| -- | --check -- |')
set +e
# shellcheck disable=SC2086 # split into words as systemd does
$cmd >"$out/check.log" 2>&1
rc=$?
set -e
if [ $rc -eq 3 ] && grep -q 'command: /bin/true can be run' "$out/check.log"; then
    check ok "ExecStart accepted by zkelect run --check"
else
    cat "$out/check.log"
    check no "ExecStart accepted by zkelect run --check (exit $rc)"
fi
echo "$((5 - failed)) passed, $failed failed"
[ $failed -eq 0 ]
