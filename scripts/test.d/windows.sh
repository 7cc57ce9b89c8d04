#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Windows stage: cross-build with mingw-w64, then run the Windows programs under Wine,
# headless, in a Wine prefix of its own inside the Windows build directory.
#   1. meson test: every test() of the Windows build (unit, c-abi, test/windows/*), each .exe
#      run through scripts/lib/wine64; among them the VERSIONINFO of hvsup.dll and the tools
#      read back with GetFileVersionInfoW (test/windows/version_info_win_test.cpp, "[version]");
#   2. pytest test/windows: the tools driven as processes under Wine, and the zip
#      scripts/build-windows makes from this build, unpacked and listed (test_dist_zip.py).
# Environment: HVSUP_WINDOWS_BUILD_DIR (default: $HVSUP_BUILD_DIR-win64, i.e. build-win64 next
# to build/). Exits non-zero when anything fails. Timings: docs/windows.md.
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$HVSUP_ROOT/scripts/lib/windows.sh"

started=$SECONDS
hvsup_ensure_packages "${HVSUP_WINDOWS_PACKAGES[@]}" || exit 1
HVSUP_WINDOWS_BUILD_DIR="${HVSUP_WINDOWS_BUILD_DIR:-${HVSUP_BUILD_DIR%/}-win64}"
mkdir -p "$HVSUP_WINDOWS_BUILD_DIR"
HVSUP_WINDOWS_BUILD_DIR="$(cd "$HVSUP_WINDOWS_BUILD_DIR" && pwd)"
export HVSUP_WINDOWS_BUILD_DIR

echo "-- cross-build ($HVSUP_WINDOWS_BUILD_DIR)"
# -O2 without debug information (-Ddebug=false; the project default is debugoptimized): with
# DWARF, hvsup.dll is about 140 MB, Wine loads every section of it into the process (so every
# Wine process of the stage starts about 130 MiB bigger than with the DLL users get, which
# scripts/build-windows strips), and writing the debug information is a large part of the
# cross-build's time. Nothing in the stage reads it. Only a new build directory takes the option.
hvsup_windows_build "$HVSUP_WINDOWS_BUILD_DIR" -Ddebug=false || exit 1
built=$SECONDS

export WINEPREFIX="$HVSUP_WINDOWS_BUILD_DIR/wineprefix"
export WINEARCH=win64 WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
unset DISPLAY WAYLAND_DISPLAY
wineserver_bin="$(command -v wineserver || echo /usr/lib/wine/wineserver64)"
# One wineserver for the whole stage (each Wine start is then well under a second); this
# prefix's server only, stopped again on exit. The server and the prefix's services
# (services.exe, rpcss, ...) are started here with their output going nowhere: a Wine
# service started by a test would inherit that test's stdout, and meson/pytest would wait
# for that pipe to close until their timeout.
"$wineserver_bin" -p </dev/null >/dev/null 2>&1
trap '"$wineserver_bin" -k </dev/null >/dev/null 2>&1 || true' EXIT
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  echo "-- creating Wine prefix $WINEPREFIX"
  # (Without wine32, wineboot notes that syswow64\rundll32.exe is missing; harmless.)
  "$HVSUP_ROOT/scripts/lib/wine64" wineboot --init </dev/null >/dev/null 2>&1
else
  "$HVSUP_ROOT/scripts/lib/wine64" wineboot </dev/null >/dev/null 2>&1
fi
prefix_ready=$SECONDS

failed=0
echo "-- meson test (Windows executables under wine64)"
meson test -C "$HVSUP_WINDOWS_BUILD_DIR" --print-errorlogs --num-processes 2 || failed=1
tested=$SECONDS

echo "-- pytest test/windows (tools under wine64)"
/usr/bin/python3 -m pytest -q -p no:cacheprovider "$HVSUP_ROOT/test/windows" || failed=1

echo "-- windows stage: build $((built - started))s, prefix $((prefix_ready - built))s," \
  "meson test $((tested - prefix_ready))s, pytest $((SECONDS - tested))s, total $((SECONDS - started))s"
exit "$failed"
