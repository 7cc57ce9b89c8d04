# SPDX-License-Identifier: MIT
# Shared by scripts/demo, scripts/test and .ci/run: package installation and the build.
# Sourced, not run.

HVSUP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HVSUP_BUILD_DIR="${HVSUP_BUILD_DIR:-$HVSUP_ROOT/build}"

# Debian bookworm packages the native build and tests need.
HVSUP_PACKAGES=(
  meson ninja-build pkg-config g++
  libboost1.81-dev libboost-json1.81-dev libfmt-dev catch2 libmsgsl-dev zlib1g-dev
  python3 python3-pytest e2fsprogs qemu-utils busybox-static binutils
  socat time iproute2
)

# Installs whatever of the given packages is missing (root only; apt-get update once).
hvsup_ensure_packages() {
  local missing=()
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  echo "== installing: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing packages (${missing[*]}); run as root or install them" >&2
    return 1
  fi
  if [ ! -f /tmp/.hvsup-apt-updated ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null && touch /tmp/.hvsup-apt-updated
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

# Makes DIR a directory of links to header-only libraries of the build machine and nothing
# else, for a cross compiler that must not see the build machine's glibc or other headers
# (the Windows build, scripts/lib/windows.sh; the arm64 guest init, scripts/build-guestinit-arm64).
# Each ENTRY is "<include name>:<header that must exist>", looked up in the native compiler's
# include path; DIR/<include name> links to the directory found.
hvsup_cross_header_links() {  # DIR ENTRY...
  local shim="$1" entry name probe dir found
  shift
  mkdir -p "$shim"
  local dirs=()
  while IFS= read -r dir; do dirs+=("$dir"); done < <(
    echo | g++ -xc++ -E -v - 2>&1 | sed -n '/^#include <...> search starts here:/,/^End of search list./p' |
      sed -e '1d' -e '$d' -e 's/^ *//')
  for entry in "$@"; do
    name="${entry%%:*}" probe="${entry#*:}" found=""
    for dir in "${dirs[@]}"; do
      if [ -e "$dir/$probe" ]; then found="$dir/$name"; break; fi
    done
    if [ -z "$found" ]; then
      echo "cross build: header-only library $name ($probe) not found on the build machine" >&2
      return 1
    fi
    ln -sfn "$found" "$shim/$name"
  done
}

# Configures (once) and builds the native tree. Extra meson options may be passed.
hvsup_build() {
  if [ ! -f "$HVSUP_BUILD_DIR/build.ninja" ]; then
    meson setup "$HVSUP_BUILD_DIR" "$HVSUP_ROOT" --werror "$@" >/dev/null
  fi
  ninja -C "$HVSUP_BUILD_DIR" >/dev/null
}

# pytest-xdist runs the pytest suites' files in parallel (scripts/test, scripts/test.d/sanitizers.sh):
# most of their time is spent waiting for the processes they drive (the CPU is idle two thirds
# of a serial run), so workers beyond the core count still shorten the run. --dist loadgroup
# hands out single tests, except that tests marked with one xdist_group share a worker (a
# module fixture that is costly to make is then made once). The long randomized suites are
# sharded (test_crash_consistency.py, test_random_sequences.py) so that no one test is the tail.
# HVSUP_PYTEST_WORKERS=0 runs serially (one process; for a debugger or a bisect).
HVSUP_PACKAGES+=(python3-pytest-xdist)
HVSUP_PYTEST_PARALLEL=(-n "${HVSUP_PYTEST_WORKERS:-4}" --dist loadgroup)

# The image builder's rootfs test and benchmark build a Debian minbase tree (scripts/test.d/image_rootfs.sh).
HVSUP_PACKAGES+=(debootstrap)

# The fuzz stage builds libFuzzer targets with clang (scripts/test.d/fuzz.sh); the sanitizer
# stage uses g++'s ASan/UBSan runtimes (scripts/test.d/sanitizers.sh).
HVSUP_PACKAGES+=(clang libclang-rt-14-dev)
# zstd-compressed tars and OCI layers (libhvsup/image).
HVSUP_PACKAGES+=(libzstd-dev)
# The zstd CLI makes the zstd test fixtures (test/integration/test_image_oci.py).
HVSUP_PACKAGES+=(zstd)
# bsdtar (sparse and ACL archives) and setfacl/getfacl judge the tar input tests
# (test/integration/test_image_tar.py).
HVSUP_PACKAGES+=(libarchive-tools acl)
# The bindings stage (scripts/test.d/bindings.sh) builds the Python wheel offline with Debian's
# setuptools + wheel (scripts/build-python-wheel), installs it into a fresh venv with pip,
# type-checks the package with mypy, and builds the Go binding with golang-go (cgo flags from
# pkg-config).
HVSUP_PACKAGES+=(python3-venv python3-pip python3-setuptools python3-wheel python3-mypy golang-go valgrind)
# help2man writes the tools' man pages from their --help and --version (tools/meson.build).
HVSUP_PACKAGES+=(help2man)
# The packaging stage builds an outside CMake project against the install (cmake) and compares
# the library's ABI with the last release's baseline (abidw/abidiff from abigail-tools)
# (scripts/test.d/packaging.sh, docs/abi.md).
HVSUP_PACKAGES+=(cmake abigail-tools)

# The guest init for arm64 (docs/guest.md "The arm64 build"): cross-built alone
# (-Dguest_init_only=true) with Debian's aarch64 cross compiler, whose packages bring glibc and
# libstdc++ for the target; Boost.JSON's headers are the build machine's. The arm64 stage
# (scripts/test.d/guestinit_arm64.sh) also runs it under qemu-user (qemu-aarch64-static) and
# reads its ELF header (readelf).
HVSUP_GUESTINIT_ARM64_BUILD_PACKAGES=(meson ninja-build g++ libboost1.81-dev g++-aarch64-linux-gnu)
HVSUP_GUESTINIT_ARM64_PACKAGES=("${HVSUP_GUESTINIT_ARM64_BUILD_PACKAGES[@]}" qemu-user-static binutils
  python3 python3-pytest)

# Configures (once) and builds the arm64 guest init in BUILD (BUILD/tools/hvsup-guestinit).
# Writes BUILD/cross-headers/ (a link to the build machine's Boost headers, nothing else) and
# BUILD/cross-local.ini, the machine file naming it (meson/aarch64-linux-gnu.ini). Extra meson
# options may be passed (for a new BUILD).
hvsup_guestinit_arm64_build() {  # BUILD [MESON OPTION...]
  local build="$1"; shift
  mkdir -p "$build"
  hvsup_cross_header_links "$build/cross-headers" boost:boost/version.hpp || return 1
  # As for the Windows build: meson puts no ccache in front of compilers a machine file names.
  local compilers=()
  if command -v ccache >/dev/null; then
    compilers=("c = ['ccache', 'aarch64-linux-gnu-gcc']" "cpp = ['ccache', 'aarch64-linux-gnu-g++']")
  fi
  printf '%s\n' '# Generated by scripts/lib/common.sh; see meson/aarch64-linux-gnu.ini.' \
    '[binaries]' "${compilers[@]}" \
    '[properties]' "hvsup_cross_headers = '$build/cross-headers'" > "$build/cross-local.ini.new"
  # Replaced only when it changed: a new machine file makes ninja reconfigure.
  if cmp -s "$build/cross-local.ini.new" "$build/cross-local.ini"; then
    rm -f "$build/cross-local.ini.new"
  else
    mv "$build/cross-local.ini.new" "$build/cross-local.ini"
  fi
  if [ ! -f "$build/build.ninja" ]; then
    meson setup "$build" "$HVSUP_ROOT" --werror -Dguest_init_only=true \
      --cross-file "$HVSUP_ROOT/meson/aarch64-linux-gnu.ini" --cross-file "$build/cross-local.ini" "$@" \
      >"$build/setup.log" 2>&1 || { tail -n 30 "$build/setup.log" >&2; return 1; }
  fi
  if ! ninja -C "$build" -j "${HVSUP_NINJA_JOBS:-2}" >"$build/ninja.log" 2>&1; then
    tail -n 80 "$build/ninja.log" >&2
    return 1
  fi
}
