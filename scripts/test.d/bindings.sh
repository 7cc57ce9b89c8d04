#!/usr/bin/env bash
# Python (ctypes) and Go (cgo) bindings: installs what is missing, then runs both suites against
# the library in $HVSUP_BUILD_DIR (built by scripts/test). Exits non-zero if either fails.
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"

hvsup_ensure_packages python3 python3-pytest golang-go valgrind || exit 1

lib_dir="$HVSUP_BUILD_DIR/libhvsup"
if [ ! -e "$lib_dir/libhvsup.so" ]; then
  echo "bindings: $lib_dir/libhvsup.so is not built" >&2
  exit 1
fi
status=0

echo "-- python bindings (pytest)"
HVSUP_LIBRARY="$lib_dir/libhvsup.so" HVSUP_BUILD_DIR="$HVSUP_BUILD_DIR" \
  /usr/bin/python3 -m pytest -q -p no:cacheprovider "$HVSUP_ROOT/bindings/python/tests" || status=1

if [ -f "$HVSUP_ROOT/bindings/go/go.mod" ]; then
  echo "-- go bindings (go test)"
  go_cache="$HVSUP_BUILD_DIR/go"
  mkdir -p "$go_cache/cache" "$go_cache/path"
  (
    cd "$HVSUP_ROOT/bindings/go" &&
    env GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE="$go_cache/cache" GOPATH="$go_cache/path" \
      CGO_ENABLED=1 CGO_LDFLAGS="-L$lib_dir -Wl,-rpath,$lib_dir" \
      HVSUP_LIBRARY="$lib_dir/libhvsup.so" HVSUP_BUILD_DIR="$HVSUP_BUILD_DIR" \
      sh -c 'go vet ./... && go test -count=1 ./...'
  ) || status=1
fi

exit "$status"
