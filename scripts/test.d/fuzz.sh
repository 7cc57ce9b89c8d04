#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# libFuzzer: builds the fuzz targets of test/fuzz with clang (ASan + UBSan, the library code
# instrumented too) in a build directory of their own (HVSUP_FUZZ_BUILD_DIR, default:
# $HVSUP_BUILD_DIR-fuzz), replays the regression inputs of test/fuzz/regressions, then fuzzes
# each target for HVSUP_FUZZ_SECONDS (default 20) from its seeds (test/fuzz/corpus/<target>)
# plus what earlier runs kept (<fuzz build>/fuzz-work/<target>/corpus), one target per core
# at a time (HVSUP_FUZZ_JOBS). Any crash, leak,
# sanitizer report, timeout or out-of-memory fails the stage; the input is saved under
# <fuzz build>/fuzz-work/<target>/artifacts/. docs/testing-hardening.md says how to reproduce.
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"

hvsup_ensure_packages clang libclang-rt-14-dev || exit 1
started=$SECONDS
fuzz_dir="${HVSUP_FUZZ_BUILD_DIR:-${HVSUP_BUILD_DIR%/}-fuzz}"
seconds="${HVSUP_FUZZ_SECONDS:-20}"
# Fuzzers running at once (each keeps one core busy); checked before the long build.
at_once="${HVSUP_FUZZ_JOBS:-$(nproc)}"
[ "$at_once" -ge 1 ] 2>/dev/null || { echo "fuzz: HVSUP_FUZZ_JOBS must be a positive number, not '$at_once'" >&2; exit 1; }
targets=(request result tar oci hcs hcn vhd)

flags="-O1 -g1 -fsanitize=fuzzer-no-link -fno-sanitize-recover=all"
if [ ! -f "$fuzz_dir/build.ninja" ]; then
  echo "-- configuring $fuzz_dir (clang)"
  CC=clang CXX=clang++ meson setup "$fuzz_dir" "$HVSUP_ROOT" --werror -Dtests=false -Dfuzz=true \
    -Dbuildtype=plain -Db_sanitize=address,undefined -Db_lundef=false \
    "-Dcpp_args=$flags" "-Dc_args=$flags" >/dev/null || exit 1
fi
echo "-- building the fuzz targets ($fuzz_dir)"
if ! ninja -C "$fuzz_dir" fuzz-targets >"$fuzz_dir/ninja.log" 2>&1; then
  tail -n 60 "$fuzz_dir/ninja.log"
  exit 1
fi
built=$SECONDS

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1"
# One target: its regression inputs, then HVSUP_FUZZ_SECONDS of fuzzing. Prints its report
# (one line, or the failure's tail) and returns non-zero on any failure.
fuzz_target() {  # TARGET
  local t="$1" exe work regressions t0 runs
  exe="$fuzz_dir/test/fuzz/fuzz-$t"
  work="$fuzz_dir/fuzz-work/$t"
  mkdir -p "$work/corpus" "$work/artifacts"
  regressions="$HVSUP_ROOT/test/fuzz/regressions/$t"
  if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions")" ]; then
    if ! "$exe" "$regressions"/* >"$work/regressions.log" 2>&1; then
      echo "fuzz $t: a regression input fails again:"
      tail -n 40 "$work/regressions.log"
      return 1
    fi
  fi
  t0=$SECONDS
  if "$exe" -max_total_time="$seconds" -rss_limit_mb=512 -timeout=10 -max_len=16384 \
      -artifact_prefix="$work/artifacts/" -print_final_stats=1 \
      "$work/corpus" "$HVSUP_ROOT/test/fuzz/corpus/$t" >"$work/fuzz.log" 2>&1; then
    runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log" | tail -n 1)"
    echo "fuzz $t: ok (${runs:-?} runs in $((SECONDS - t0))s)"
  else
    echo "fuzz $t: FAILED (input saved under $work/artifacts/):"
    grep -v '^#' "$work/fuzz.log" | tail -n 60
    return 1
  fi
}

# A fuzzer keeps one core busy: HVSUP_FUZZ_JOBS targets (default: one per core) run at once,
# each for its full HVSUP_FUZZ_SECONDS; the reports are printed in the targets' order.
reports="$(mktemp -d)"
trap 'rm -rf "$reports"' EXIT
pids=()
for t in "${targets[@]}"; do
  while [ "$(jobs -pr | wc -l)" -ge "$at_once" ]; do wait -n; done
  (fuzz_target "$t" >"$reports/$t" 2>&1; echo $? >"$reports/$t.status") &
  pids+=($!)
done
wait "${pids[@]}"
failed=0
for t in "${targets[@]}"; do
  cat "$reports/$t"
  [ "$(cat "$reports/$t.status" 2>/dev/null)" = 0 ] || failed=1
done
echo "-- fuzz stage: build $((built - started))s, fuzzing $((SECONDS - built))s, total $((SECONDS - started))s"
exit "$failed"
