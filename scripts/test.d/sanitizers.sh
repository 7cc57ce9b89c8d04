#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The native test suites again under AddressSanitizer + UndefinedBehaviorSanitizer (+ the
# LeakSanitizer inside ASan), in a build directory of their own (HVSUP_ASAN_BUILD_DIR,
# default: $HVSUP_BUILD_DIR-asan, i.e. build-asan next to build/). Any report fails the stage:
# UBSan does not recover, ASan halts on the first error, leaks are checked at every exit.
#   1. meson test: every test() of the sanitized build (unit, C ABI, simulator suites);
#   2. pytest test/integration against the sanitized tools (processes);
#   3. the pytest files that load libhvsup.so into Python through ctypes, with the ASan
#      runtime preloaded and leak checking off (the Python interpreter itself is not built
#      with ASan, so its own allocations would be reported).
# Timings and how to reproduce a report: docs/testing-hardening.md.
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"

started=$SECONDS
asan_dir="${HVSUP_ASAN_BUILD_DIR:-${HVSUP_BUILD_DIR%/}-asan}"
# -O1 -g1: fast enough to build and run, with line numbers in the reports.
flags="-O1 -g1 -fno-sanitize-recover=all"
if [ ! -f "$asan_dir/build.ninja" ]; then
  echo "-- configuring $asan_dir"
  meson setup "$asan_dir" "$HVSUP_ROOT" --werror -Dbuildtype=plain \
    -Db_sanitize=address,undefined -Db_lundef=false \
    "-Dcpp_args=$flags" "-Dc_args=$flags" \
    -Dcpp_link_args=-fno-sanitize-recover=all -Dc_link_args=-fno-sanitize-recover=all >/dev/null || exit 1
fi
echo "-- building ($asan_dir)"
if ! ninja -C "$asan_dir" >"$asan_dir/ninja.log" 2>&1; then
  tail -n 60 "$asan_dir/ninja.log"
  exit 1
fi
built=$SECONDS

supp="$HVSUP_ROOT/test/sanitizers"
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:print_summary=1"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:print_summary=1"
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
# Tests that starve the process of file descriptors skip themselves under the sanitizers: the
# sanitizer runtime needs a pipe of its own to read memory (UBSan's vptr check then reports a
# bad vptr that is not there). They run in the normal suite.
export HVSUP_SANITIZED=1

failed=0
echo "-- meson test (sanitized)"
# Sanitized code runs a few times slower: longer per-test timeouts.
meson test -C "$asan_dir" --no-rebuild --print-errorlogs --num-processes 2 --timeout-multiplier 3 || failed=1
tested=$SECONDS

ctypes_tests=(test_hcn_capi.py test_image_oci.py test_sim_hcs.py test_guestinit.py test_guestinit_pid1.py
  test_vhdbuild_guest_init.py)
ignore=()
for t in "${ctypes_tests[@]}"; do ignore+=(--ignore "$HVSUP_ROOT/test/integration/$t"); done

echo "-- pytest test/integration (sanitized tools)"
HVSUP_BUILD_DIR="$asan_dir" /usr/bin/python3 -m pytest -q -p no:cacheprovider "${HVSUP_PYTEST_PARALLEL[@]}" "${ignore[@]}" \
  "$HVSUP_ROOT/test/integration" || failed=1
integrated=$SECONDS

echo "-- pytest: libhvsup.so in Python (ASan preloaded, leak checks off)"
libasan="$(${CC:-gcc} -print-file-name=libasan.so)"
libubsan="$(${CC:-gcc} -print-file-name=libubsan.so)"
ctypes_paths=()
for t in "${ctypes_tests[@]}"; do ctypes_paths+=("$HVSUP_ROOT/test/integration/$t"); done
HVSUP_BUILD_DIR="$asan_dir" LD_PRELOAD="$libasan:$libubsan" ASAN_OPTIONS="${ASAN_OPTIONS/detect_leaks=1/detect_leaks=0}" \
  /usr/bin/python3 -m pytest -q -p no:cacheprovider "${HVSUP_PYTEST_PARALLEL[@]}" "${ctypes_paths[@]}" || failed=1

echo "-- sanitizers stage: build $((built - started))s, meson test $((tested - built))s," \
  "pytest $((integrated - tested))s + $((SECONDS - integrated))s, total $((SECONDS - started))s"
exit "$failed"
