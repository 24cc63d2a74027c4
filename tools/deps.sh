# SPDX-License-Identifier: MIT
# Sourced by tools/demo.sh and tools/test.sh: installs the Debian 12 packages
# a step needs when they are missing.

WG_PKGS_BUILD="cmake pkg-config gcc make libc6-dev libuv1-dev libmosquitto-dev
  libcoap3-dev libsqlite3-dev libcjson-dev libsystemd-dev uthash-dev
  libssl-dev"
WG_PKGS_RUN="mosquitto mosquitto-clients libcoap3-bin sqlite3"
# tools/package.sh: the Debian package and its check.
WG_PKGS_PACKAGE="debhelper dpkg-dev lintian"
WG_PKGS_TEST="mosquitto mosquitto-clients libcoap3-bin sqlite3 clang-format
  openssl clang libclang-rt-14-dev groff-base faketime python3
  python3-jsonschema doxygen procps"
# What the heavier tests install for themselves when missing (the hub
# console in chromium, systemd-analyze for the unit's sandboxing, the
# RabbitMQ hub); tools/test.sh installs them before the suite starts, and
# nodejs with npm too where no npm is found (NodeSource's nodejs has its own).
WG_PKGS_TEST_HEAVY="chromium systemd rabbitmq-server"

# tools/test-arm64.sh and tools/package.sh --arch arm64: Debian's cross
# compiler, qemu-user and the arm64 -dev packages of multiarch (wg_need_arm64
# adds the architecture first). uthash-dev is Multi-Arch: same, so a cross
# build's Build-Depends want its arm64 copy; pkgconf:arm64 brings
# aarch64-linux-gnu-pkg-config, which debhelper's cross cmake build calls.
WG_PKGS_ARM64="crossbuild-essential-arm64 qemu-user-static libuv1-dev:arm64
  libmosquitto-dev:arm64 libcoap3-dev:arm64 libsqlite3-dev:arm64
  libcjson-dev:arm64 libsystemd-dev:arm64 libssl-dev:arm64 uthash-dev:arm64
  pkgconf:arm64"

# wg_need_arm64: what tools/test-arm64.sh and tools/package.sh --arch arm64
# need.
wg_need_arm64() {
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  dpkg --print-foreign-architectures | grep -qx arm64 ||
    $sudo dpkg --add-architecture arm64
  # shellcheck disable=SC2086
  wg_need_packages $WG_PKGS_ARM64
}

# wg_need_packages PKG...: apt-get install those not installed yet.
wg_need_packages() {
  local missing="" p sudo=""
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
      missing="$missing $p"
  done
  [ -n "$missing" ] || return 0
  [ "$(id -u)" = 0 ] || sudo=sudo
  echo "Installing:$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  # Two installs at once (tests run in parallel) wait for each other's
  # lock instead of failing.
  $sudo apt-get -o DPkg::Lock::Timeout=600 update -q >&2
  # shellcheck disable=SC2086
  $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -q \
    --no-install-recommends $missing >&2
}
