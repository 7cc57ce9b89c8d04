#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The packaging stage: hvsup as a user installs and links it.
#   1. licence headers: every source file carries an SPDX line (scripts/spdx-headers --check);
#      docs/c-api.md names every public header and every exported function;
#   2. install the tree already built in $HVSUP_BUILD_DIR (no rebuild) with --destdir, then
#      build and run outside consumers against the install: a plain C program through
#      `pkg-config --cflags --libs hvsup` and a CMake project through pkg_check_modules;
#   3. a Meson project that builds hvsup as a subproject with default_library=static (only the
#      library may be compiled for it);
#   4. the ABI against the committed baseline of the last release (scripts/check-abi), plus a
#      negative control: a library that lost an export must fail the check.
# Each consumer runs against the HCS simulator built in $HVSUP_BUILD_DIR/test/sim.
# Exits non-zero when anything fails; prints the time of each part.
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"

hvsup_ensure_packages pkg-config cmake abigail-tools || exit 1

started=$SECONDS
build="$HVSUP_BUILD_DIR"
sim_lib="$build/test/sim/libhvsup-sim-computecore.so"
consumer_src="$HVSUP_ROOT/test/packaging"
work="$build/packaging"
for needed in "$build/libhvsup/libhvsup.so" "$sim_lib"; do
  if [ ! -e "$needed" ]; then
    echo "packaging: $needed is not built (run scripts/test, or ninja -C $build)" >&2
    exit 1
  fi
done
rm -rf "$work"
mkdir -p "$work"
failed=0
fail() { echo "packaging: FAIL: $*" >&2; failed=1; }

# Runs a consumer and checks its one-line verdict ("consumer ok (KIND) VERSION").
run_consumer() {  # run_consumer NAME EXPECTED_KIND PROGRAM
  local output
  if ! output="$("$3" "$sim_lib" 2>&1)"; then
    fail "$1 consumer: $output"
  elif [[ "$output" != "consumer ok ($2) "* ]]; then
    fail "$1 consumer: expected a $2 link, got: $output"
  else
    echo "   $1: $output"
  fi
}

echo "-- SPDX licence headers"
"$HVSUP_ROOT/scripts/spdx-headers" --check || fail "files without an SPDX-License-Identifier line"

echo "-- docs/c-api.md covers every public header and export"
for header in "$HVSUP_ROOT"/include/hvsup/*.h "$HVSUP_ROOT"/include/hvsup/version.h.in; do
  name="hvsup/$(basename "$header" .in)"
  grep -qF "\`$name\`" "$HVSUP_ROOT/docs/c-api.md" || fail "docs/c-api.md does not cover $name"
done
for export in $(sed -n 's/^HVSUP_API[^(]* \**\(hvsup_[a-z0-9_]*\)(.*/\1/p' "$HVSUP_ROOT"/include/hvsup/*.h); do
  grep -qw "$export" "$HVSUP_ROOT/docs/c-api.md" || fail "docs/c-api.md does not mention $export"
done

echo "-- install ($build -> $work/root)"
dest="$work/root"
meson install -C "$build" --no-rebuild --destdir "$dest" --quiet >/dev/null || { fail "meson install"; exit 1; }
prefix="$(meson introspect --buildoptions "$build" | /usr/bin/python3 -c \
  'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')"
for installed in include/hvsup/version.h share/doc/hvsup/LICENSE; do
  [ -f "$dest$prefix/$installed" ] || fail "$prefix/$installed is not installed"
done
for header in "$HVSUP_ROOT"/include/hvsup/*.h; do
  [ -f "$dest$prefix/include/hvsup/$(basename "$header")" ] || fail "public header $(basename "$header") is not installed"
done
pc="$(find "$dest" -name hvsup.pc)"
[ -n "$pc" ] || { fail "hvsup.pc is not installed"; exit 1; }
# The .pc names the real prefix; the sysroot maps its -I/-L into the destdir (a staged install).
export PKG_CONFIG_PATH="$(dirname "$pc")" PKG_CONFIG_SYSROOT_DIR="$dest"
export PKG_CONFIG_LIBDIR="$PKG_CONFIG_PATH"  # only this install: no system hvsup.pc
lib_dir="$(dirname "$(dirname "$pc")")"
installed_done=$SECONDS

echo "-- C program via pkg-config"
cflags=""
libs=""
cflags="$(pkg-config --cflags hvsup)" && libs="$(pkg-config --libs hvsup)" || fail "pkg-config --cflags --libs hvsup"
[ "$(pkg-config --modversion hvsup)" = "$(meson introspect --projectinfo "$build" | /usr/bin/python3 -c \
  'import json,sys; print(json.load(sys.stdin)["version"])')" ] || fail "hvsup.pc version is not the project version"
# shellcheck disable=SC2086 # pkg-config output is a list of flags
if cc -std=c89 -pedantic -Wall -Werror -Wno-long-long $cflags "$consumer_src/consumer/consumer.c" $libs \
    -o "$work/c-consumer" 2>"$work/c-consumer.log"; then
  LD_LIBRARY_PATH="$lib_dir" run_consumer "pkg-config C" shared "$work/c-consumer"
else
  fail "the C consumer did not build: $(cat "$work/c-consumer.log")"
fi
c_done=$SECONDS

echo "-- CMake project via pkg_check_modules"
if cmake -S "$consumer_src/cmake" -B "$work/cmake" -G Ninja >"$work/cmake.log" 2>&1 &&
   cmake --build "$work/cmake" >>"$work/cmake.log" 2>&1; then
  LD_LIBRARY_PATH="$lib_dir" run_consumer "CMake" shared "$work/cmake/consumer"
else
  fail "the CMake consumer did not build: $(tail -20 "$work/cmake.log")"
fi
cmake_done=$SECONDS
unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR

echo "-- Meson project with hvsup as a static subproject"
meson_project="$work/meson-subproject"
mkdir -p "$meson_project/subprojects"
cp "$consumer_src/meson-subproject/meson.build" "$consumer_src/consumer/consumer.c" "$meson_project/"
ln -s "$HVSUP_ROOT" "$meson_project/subprojects/hvsup"
# buildtype=plain (no -g, -O0): the cheapest compile of the library's objects, which this build
# cannot share with $HVSUP_BUILD_DIR's (other paths, so other ccache keys).
if meson setup "$meson_project/build" "$meson_project" --werror --force-fallback-for=hvsup --buildtype=plain \
     >"$work/meson-subproject.log" 2>&1 &&
   ninja -C "$meson_project/build" >>"$work/meson-subproject.log" 2>&1; then
  run_consumer "Meson subproject" static "$meson_project/build/consumer"
  # The consumer carries the library inside it; nothing but the library was compiled.
  readelf -d "$meson_project/build/consumer" | grep -q 'libhvsup' && fail "the static consumer needs libhvsup.so"
  extra="$(cd "$meson_project/build" && find subprojects/hvsup -type f -executable -o -name '*.so' | grep -v '\.p/' || true)"
  [ -z "$extra" ] || fail "the subproject built more than the library: $extra"
  # The hvsup.pc a static-only build would install: HVSUP_STATIC, and the libraries to link.
  static_pc="$meson_project/build/meson-private/hvsup.pc"
  grep -q '^Cflags:.*-DHVSUP_STATIC' "$static_pc" || fail "the static hvsup.pc does not define HVSUP_STATIC"
  grep -q '^Requires:.*libzstd' "$static_pc" || fail "the static hvsup.pc does not require libzstd"
  grep -q -- '-isystem' "$static_pc" && fail "the static hvsup.pc leaks the build's -isystem flags"
else
  fail "the Meson subproject consumer did not build: $(tail -30 "$work/meson-subproject.log")"
fi
meson_done=$SECONDS

echo "-- ABI against the last release's baseline"
"$HVSUP_ROOT/scripts/check-abi" "$build/libhvsup/libhvsup.so" || fail "ABI check against test/packaging/abi"
# Negative control: the same check must reject a library that lost an export.
"$HVSUP_ROOT/test/packaging/abi/negative-control.sh" "$build" "$work/abi-negative" ||
  fail "the ABI check accepted an incompatible library"
abi_done=$SECONDS

echo "-- packaging stage: install $((installed_done - started))s, C $((c_done - installed_done))s," \
  "CMake $((cmake_done - c_done))s, Meson subproject $((meson_done - cmake_done))s," \
  "ABI $((abi_done - meson_done))s, total $((SECONDS - started))s"
exit "$failed"
