#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The arm64 guest init stage (docs/guest.md "The arm64 build"):
#   1. cross-build hvsup-guestinit alone for aarch64 with Debian's g++-aarch64-linux-gnu
#      (hvsup_guestinit_arm64_build, as scripts/build-guestinit-arm64 does);
#      no compile command names the build machine's /usr/include (Boost comes through a
#      directory of one link);
#   2. its ELF headers: machine AArch64, statically linked (no PT_INTERP, no PT_DYNAMIC);
#   3. run it under qemu-aarch64-static in its test mode against the library's result service
#      over the emulation transport (test/integration/test_guestinit_arm64.py, none skipped).
# The host side is the native build's libhvsup.so in $HVSUP_BUILD_DIR (built by scripts/test).
# Environment: HVSUP_ARM64_BUILD_DIR (default: $HVSUP_BUILD_DIR-arm64, i.e. build-arm64 next to
# build/). Exits non-zero when anything fails; prints the time of each part.
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"

started=$SECONDS
hvsup_ensure_packages "${HVSUP_GUESTINIT_ARM64_PACKAGES[@]}" || exit 1
installed=$SECONDS
host_lib="$HVSUP_BUILD_DIR/libhvsup/libhvsup.so"
if [ ! -e "$host_lib" ]; then
  echo "guestinit_arm64: $host_lib is not built (run scripts/test, or ninja -C $HVSUP_BUILD_DIR)" >&2
  exit 1
fi
build="${HVSUP_ARM64_BUILD_DIR:-${HVSUP_BUILD_DIR%/}-arm64}"
mkdir -p "$build"
build="$(cd "$build" && pwd)"
init="$build/tools/hvsup-guestinit"
failed=0
fail() { echo "guestinit_arm64: FAIL: $*" >&2; failed=1; }

echo "-- cross-build ($build)"
hvsup_guestinit_arm64_build "$build" || exit 1
# Only the Boost link directory of the build machine's headers: no /usr/include of its own.
grep -q '/usr/include' "$build/compile_commands.json" &&
  fail "a cross compile command names the build machine's /usr/include"
built=$SECONDS

echo "-- ELF headers of $init"
machine="$(readelf -h "$init" | sed -n 's/^ *Machine: *//p')"
[ "$machine" = "AArch64" ] || fail "machine is '$machine', not AArch64"
segments="$(readelf -lW "$init")" || fail "readelf -l"
grep -qE '^ *INTERP ' <<<"$segments" && fail "a PT_INTERP program header: not a static executable"
grep -qE '^ *DYNAMIC ' <<<"$segments" && fail "a PT_DYNAMIC program header: not a static executable"
[ "$failed" -eq 0 ] && echo "   machine $machine, no PT_INTERP, no PT_DYNAMIC"
checked=$SECONDS

echo "-- under $(qemu-aarch64-static --version | head -n 1): test_guestinit_arm64.py"
output="$(HVSUP_BUILD_DIR="$HVSUP_BUILD_DIR" HVSUP_GUESTINIT_ARM64="$init" /usr/bin/python3 -m pytest -q \
  -p no:cacheprovider -rs "$HVSUP_ROOT/test/integration/test_guestinit_arm64.py" 2>&1)" || fail "test_guestinit_arm64.py"
echo "$output"
# Skipped here means not run: the stage installs qemu and names the init.
grep -q 'skipped' <<<"$output" && fail "test_guestinit_arm64.py skipped tests"

echo "-- guestinit_arm64 stage: packages $((installed - started))s, cross-build $((built - installed))s," \
  "ELF $((checked - built))s, qemu tests $((SECONDS - checked))s, total $((SECONDS - started))s"
exit "$failed"
