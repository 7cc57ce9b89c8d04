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

# Configures (once) and builds the native tree. Extra meson options may be passed.
hvsup_build() {
  if [ ! -f "$HVSUP_BUILD_DIR/build.ninja" ]; then
    meson setup "$HVSUP_BUILD_DIR" "$HVSUP_ROOT" --werror "$@" >/dev/null
  fi
  ninja -C "$HVSUP_BUILD_DIR" >/dev/null
}

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
