#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Proves that scripts/check-abi catches an incompatible change: relinks libhvsup.so from the
# build's own objects twice, once with the real export list (must pass) and once with
# hvsup_plan hidden (a removed function, as a careless edit of hvsup.map would do: must fail
# with "INCOMPATIBLE"). Linking only: nothing is recompiled.
#   negative-control.sh BUILD_DIR WORK_DIR
set -uo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
build="$1"
work="$2"
mkdir -p "$work"
library="$build/libhvsup/libhvsup.so"
soname="$(readelf -d "$library" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')"
# The same shared libraries the real one needs (fmt may be a system or a subproject build).
needed=()
while read -r lib; do needed+=("-l:$lib"); done < <(readelf -d "$library" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p')
libdirs=()
for dir in "$build"/subprojects/*/; do [ -d "$dir" ] && libdirs+=("-L$dir"); done

# The layers' static libraries (libhvsup/meson.build links them whole into libhvsup.so).
archives=()
for layer in core protocol image hcs hcn hvsock supervisor capi; do
  archive="$build/libhvsup/libhvsup_$layer.a"
  [ -f "$archive" ] || { echo "negative-control: $archive is missing (not built?)" >&2; exit 1; }
  archives+=("$archive")
done

relink() {  # relink MAP OUT
  c++ -shared -fPIC -Wl,--no-undefined -Wl,-soname,"$soname" \
    -Wl,--whole-archive "${archives[@]}" -Wl,--no-whole-archive \
    -Wl,--version-script="$1" "${libdirs[@]}" "${needed[@]}" -pthread -o "$2"
}

# Control: the unmodified export list passes, so a failure below is the removal's doing.
relink "$root/libhvsup/capi/hvsup.map" "$work/libhvsup.so" || exit 1
if ! "$root/scripts/check-abi" "$work/libhvsup.so" >"$work/same.log" 2>&1; then
  echo "negative-control: the relinked, unchanged library fails the check:" >&2
  cat "$work/same.log" >&2
  exit 1
fi

# An exact name under local: beats the hvsup_* wildcard under global: (ld's matching order).
sed 's/^\(  *\)local:/\1local:\n\1  hvsup_plan;/' "$root/libhvsup/capi/hvsup.map" > "$work/removed.map"
relink "$work/removed.map" "$work/libhvsup-removed.so" || exit 1
if nm -D --defined-only "$work/libhvsup-removed.so" | grep -qw hvsup_plan; then
  echo "negative-control: hvsup_plan is still exported; the control proves nothing" >&2
  exit 1
fi
"$root/scripts/check-abi" "$work/libhvsup-removed.so" >"$work/removed.log" 2>&1
status=$?
if [ "$status" -ne 1 ] || ! grep -q "INCOMPATIBLE" "$work/removed.log" || ! grep -q "hvsup_plan" "$work/removed.log"; then
  echo "negative-control: check-abi did not reject a library without hvsup_plan (status $status):" >&2
  cat "$work/removed.log" >&2
  exit 1
fi
echo "negative-control: a library without hvsup_plan is rejected; the unchanged one passes"
