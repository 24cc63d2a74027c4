#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Debian package: tools/package.sh builds it and lintian finds no
# error; its control data, file list, conffile and maintainer scripts are
# as they should be; unpacked into a scratch root, its wardgated prints its
# version and accepts the packaged configuration, its wardgatectl runs, its
# unit names the packaged binary, and its manual pages render.
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/wardgate-package.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "package: FAIL: $*" >&2; exit 1; }

bash "$SRC/tools/package.sh" "$T/dist" >"$T/package.log" 2>&1 ||
  fail "tools/package.sh: $(tail -20 "$T/package.log")"
version=$(sed -n 's/^project(wardgate VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
deb=$T/dist/wardgate_${version}_$(dpkg --print-architecture).deb
[ -f "$deb" ] || fail "no $deb: $(ls "$T/dist")"
head -1 "$SRC/debian/changelog" | grep -q "^wardgate ($version)" ||
  fail "debian/changelog is not at version $version"
echo "package: $(basename "$deb"), lintian: $(grep -c '^[EWI]:' "$T/package.log" || true) tags"
grep '^[EWI]:' "$T/package.log" || true

dpkg-deb --info "$deb" >"$T/info"
for dep in libuv1 libmosquitto1 libcoap3 libsqlite3-0 libcjson1 libsystemd0; do
  grep -q "^ Depends:.*$dep" "$T/info" || fail "Depends lacks $dep: $(grep Depends "$T/info")"
done
dpkg-deb --contents "$deb" | awk '{ print $6 }' >"$T/files"
for f in ./usr/bin/wardgated ./usr/bin/wardgatectl ./etc/wardgate/wardgate.json \
  ./lib/systemd/system/wardgated.service ./usr/share/man/man8/wardgated.8.gz \
  ./usr/share/man/man5/wardgate.json.5.gz ./usr/share/man/man1/wardgatectl.1.gz \
  ./usr/share/doc/wardgate/copyright \
  ./usr/share/doc/wardgate/examples/mosquitto-gateway.conf \
  ./usr/share/doc/wardgate/examples/mosquitto-gateway.acl \
  ./usr/share/doc/wardgate/examples/mosquitto-hub.conf \
  ./usr/share/doc/wardgate/examples/mosquitto-hub.acl \
  ./usr/share/wardgate/wardgate-alarm; do
  grep -qx -- "$f" "$T/files" || fail "the package lacks $f"
done
! grep -q 'wardgate-sim' "$T/files" || fail "the simulator is packaged"

mkdir "$T/control" "$T/root"
dpkg-deb --control "$deb" "$T/control"
grep -qx /etc/wardgate/wardgate.json "$T/control/conffiles" || fail "no conffile"
grep -q 'deb-systemd-helper.*wardgated.service' "$T/control/postinst" ||
  fail "postinst does not enable the unit"
! grep -q 'deb-systemd-invoke.*start' "$T/control/postinst" ||
  fail "postinst starts the unconfigured daemon"
grep -q 'deb-systemd-helper purge' "$T/control/postrm" || fail "postrm does not purge the unit"
grep -q 'systemd-sysusers' "$T/control/postinst" || fail "postinst does not make the group"
grep -qx './usr/lib/sysusers.d/wardgate.conf' "$T/files" || fail "no sysusers.d file"

dpkg-deb -x "$deb" "$T/root"
"$T/root/usr/bin/wardgated" --version | grep -q "$version" || fail "wardgated --version"
"$T/root/usr/bin/wardgatectl" --version | grep -q "$version" || fail "wardgatectl --version"
"$T/root/usr/bin/wardgated" --check-config -c "$T/root/etc/wardgate/wardgate.json" ||
  fail "the packaged configuration is refused"
grep -qx 'ExecStart=/usr/bin/wardgated -c /etc/wardgate/wardgate.json' \
  "$T/root/lib/systemd/system/wardgated.service" || fail "the unit does not run /usr/bin/wardgated"
for m in "$T"/root/usr/share/man/man*/*.gz; do
  out=$(zcat "$m" | groff -man -ww -z 2>&1) || true
  [ -z "$out" ] || fail "$(basename "$m"): $out"
done
echo "package: ok"
