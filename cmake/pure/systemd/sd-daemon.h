/* SPDX-License-Identifier: MIT */
/*
 * Found first on the include path of a pure stage (CMakeLists.txt,
 * wg_pure_library): a pure stage does no I/O and reads no clock, so it has
 * no use for <systemd/sd-daemon.h>. Hand the stage the data instead (docs/ARCHITECTURE.md).
 */
#error "<systemd/sd-daemon.h> is not for a pure stage (docs/ARCHITECTURE.md)"
