#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Proves that scripts/check-abi catches an incompatible change: relinks libhvsup.so from the
# build's own objects twice, once with the real export list (must pass) and once with
# hvsup_plan hidden (a removed function, as a careless edit of hvsup.map would do: must fail
# with "INCOMPATIBLE"). Then shows what the symbol versions are for: a program using a function
# of hvsup.map's newest version node, started with a library without that node (the previous
# release's stand-in, relinked without the node's functions), stops at load time naming the
# node. Linking only, apart from that one-line program.
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

# The previous release's stand-in: the functions of hvsup.map's newest node made local and the
# node gone, so the library offers only the versions before it.
map="$root/libhvsup/capi/hvsup.map"
newest="$(sed -n 's/^\(HVSUP_[0-9.]*\) {.*/\1/p' "$map" | tail -n1)"
mapfile -t newest_names < <(sed -n "/^$newest {/,/^}/s/^ *\(hvsup_[a-z0-9_]*\);/\1/p" "$map")
if [ "$newest" = "HVSUP_1" ] || [ "${#newest_names[@]}" -eq 0 ]; then
  echo "negative-control: hvsup.map has no node after HVSUP_1 listing functions; nothing to check" >&2
  exit 1
fi
{
  sed -n "/^$newest {/q;p" "$map" | sed '/^ *local:/q'
  printf '    %s;\n' "${newest_names[@]}"
  echo '    *;'
  echo '};'
} > "$work/previous.map"
mkdir -p "$work/previous"
relink "$work/previous.map" "$work/previous/$soname" || exit 1
if nm -D --defined-only "$work/previous/$soname" | grep -qw "${newest_names[0]}"; then
  echo "negative-control: ${newest_names[0]} is still exported by the previous release's stand-in" >&2
  exit 1
fi

# A program that uses the newest node's first function, linked against this build's library:
# it starts with that library, and with the previous one the loader stops it, naming the node.
# (Through a volatile pointer: the compiler may not drop the reference; the function is not called.)
printf '%s\n' "extern void ${newest_names[0]}(void);" \
  "int main(void) { void (*volatile f)(void) = ${newest_names[0]}; return f == 0; }" > "$work/uses_newest.c"
cc -o "$work/uses_newest" "$work/uses_newest.c" -L"$build/libhvsup" -lhvsup || exit 1
if ! LD_LIBRARY_PATH="$build/libhvsup" "$work/uses_newest" 2>"$work/current.log"; then
  echo "negative-control: the program does not start with the library it was built against:" >&2
  cat "$work/current.log" >&2
  exit 1
fi
if LD_LIBRARY_PATH="$work/previous" "$work/uses_newest" 2>"$work/previous.log" ||
   ! grep -q "version \`$newest' not found" "$work/previous.log"; then
  echo "negative-control: with the previous release's library the program did not stop at load naming $newest:" >&2
  cat "$work/previous.log" >&2
  exit 1
fi
echo "negative-control: a program using ${newest_names[0]} ($newest) refuses to start with a library without $newest"
