# SPDX-License-Identifier: MIT
# Cross-compiling for arm64 (aarch64) gateways with Debian's cross compiler
# (crossbuild-essential-arm64) against the multiarch -dev packages
# (dpkg --add-architecture arm64; apt-get install libuv1-dev:arm64 ...),
# whose libraries and .pc files are under /usr/lib/aarch64-linux-gnu.
# Tests run under qemu-user (qemu-user-static): CMake prefixes each test
# executable with CMAKE_CROSSCOMPILING_EMULATOR. tools/test-arm64.sh uses it:
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/arm64-linux-gnu.cmake
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(WG_TRIPLET aarch64-linux-gnu)
set(CMAKE_C_COMPILER ${WG_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${WG_TRIPLET}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${WG_TRIPLET})

# pkg-config reads the arm64 .pc files only, never the build machine's.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/${WG_TRIPLET}/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

# Programs are the build machine's; libraries and headers the target's
# (the multiarch directories come first through CMAKE_LIBRARY_ARCHITECTURE).
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)

find_program(WG_QEMU NAMES qemu-aarch64-static qemu-aarch64)
if(WG_QEMU)
  # The arm64 loader and libraries are multiarch's (libc6:arm64, which the
  # -dev:arm64 packages bring), at the paths a binary names: no prefix.
  set(CMAKE_CROSSCOMPILING_EMULATOR ${WG_QEMU})
endif()
