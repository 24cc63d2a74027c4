#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Debian package: tools/package.sh builds it and lintian finds no
# error; its control data, file list, conffile and maintainer scripts are
# as they should be; unpacked into a scratch root, its wardgated prints its
# version and accepts the packaged configuration, its wardgatectl runs, its
# unit names the packaged binary, and its manual pages render.
# With --arch arm64 (CTest: package_arm64), the same for the cross-built
# arm64 package: its binaries are AArch64, its Depends resolve to installed
# arm64 packages, and its programs run under qemu-user.
#   tests/package.sh [--arch ARCH]
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/wardgate-package.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "package: FAIL: $*" >&2; exit 1; }

arch=$(dpkg --print-architecture)
[ "${1:-}" != --arch ] || arch=${2:?--arch needs an architecture}
# The packaged programs run on this machine, or under qemu-user (with the
# arm64 loader and libraries of multiarch, at the paths the binary names).
run=()
case $arch in
  "$(dpkg --print-architecture)") ;;
  arm64) run=(qemu-aarch64-static) ;;
  *) fail "no way to run $arch programs here" ;;
esac
case $arch in
  amd64) machine='X86-64' ;;
  arm64) machine='AArch64' ;;
  *) fail "no ELF machine known for $arch" ;;
esac

bash "$SRC/tools/package.sh" --arch "$arch" "$T/dist" >"$T/package.log" 2>&1 ||
  fail "tools/package.sh: $(tail -20 "$T/package.log")"
version=$(sed -n 's/^project(wardgate VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
deb=$T/dist/wardgate_${version}_$arch.deb
[ -f "$deb" ] || fail "no $deb: $(ls "$T/dist")"
head -1 "$SRC/debian/changelog" | grep -q "^wardgate ($version)" ||
  fail "debian/changelog is not at version $version"
echo "package: $(basename "$deb"), lintian: $(grep -c '^[EWI]:' "$T/package.log" || true) tags"
grep '^[EWI]:' "$T/package.log" || true

dpkg-deb --info "$deb" >"$T/info"
grep -qx " Architecture: $arch" "$T/info" || fail "not $arch: $(grep Architecture "$T/info")"
for dep in libuv1 libmosquitto1 libcoap3 libsqlite3-0 libcjson1 libsystemd0 libssl3; do
  grep -q "^ Depends:.*\b$dep\b" "$T/info" || fail "Depends lacks $dep: $(grep Depends "$T/info")"
  dpkg-query -W -f='${Status}' "$dep:$arch" 2>/dev/null | grep -q 'install ok installed' ||
    fail "$dep:$arch, which the package depends on, is not installed"
done
# Its Depends as apt resolves them for $arch: nothing to remove, nothing
# missing (the libraries came with the -dev packages the build needed).
apt-get -s -o Debug::NoLocking=1 install --no-install-recommends "$deb" \
  >"$T/apt.log" 2>&1 || fail "apt cannot install it: $(cat "$T/apt.log")"
grep -q "^Inst wardgate:$arch " "$T/apt.log" || grep -q "^Inst wardgate " "$T/apt.log" ||
  fail "apt would not install wardgate for $arch: $(cat "$T/apt.log")"
! grep -q '^Remv ' "$T/apt.log" || fail "installing it removes packages: $(grep '^Remv ' "$T/apt.log")"
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
bin=$T/root/usr/bin # the package's executables, as unpacked here
for b in wardgated wardgatectl; do
  readelf -h "$bin/$b" | grep -q "Machine:.*$machine" ||
    fail "$b is not a $machine executable: $(file "$bin/$b")"
done
"${run[@]}" "$bin/wardgated" --version | grep -q "$version" || fail "wardgated --version"
"${run[@]}" "$bin/wardgatectl" --version | grep -q "$version" || fail "wardgatectl --version"
"${run[@]}" "$bin/wardgated" --check-config -c "$T/root/etc/wardgate/wardgate.json" ||
  fail "the packaged configuration is refused"
grep -qx 'ExecStart=/usr/bin/wardgated -c /etc/wardgate/wardgate.json' \
  "$T/root/lib/systemd/system/wardgated.service" || fail "the unit does not run /usr/bin/wardgated"
for m in "$T"/root/usr/share/man/man*/*.gz; do
  out=$(zcat "$m" | groff -man -ww -z 2>&1) || true
  [ -z "$out" ] || fail "$(basename "$m"): $out"
done
echo "package: $arch: ok"
