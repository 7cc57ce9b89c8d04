#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Python and Go bindings, tested the way their users get them (docs/bindings.md):
#   1. the meson build is installed into a temporary prefix (library, headers, tools, the
#      simulator); everything below uses that install, not the build tree;
#   2. simulator: a start/inspect/stop/delete lifecycle through the installed hvsup-cli and
#      hvsup-sim-env; as a meson subproject the simulator is off by default (configure only);
#   3. Python: mypy --strict on the package; ./scripts/build-python-wheel; the wheel installed
#      into a fresh venv (pip --no-index); the Python suite run from that venv against the
#      installed package and its bundled library; the example harness, type-checked against
#      the installed package (py.typed) and run against the installed simulator;
#   4. Go: the package suite with cgo (flags from pkg-config: hvsup.pc of the install) and
#      without cgo (hvsup-cli); the example module examples/microagent, a separate module that
#      requires the binding, built both ways and run against the installed simulator.
# Needs the build in $HVSUP_BUILD_DIR (scripts/test). Exits non-zero if any part fails.
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"

hvsup_ensure_packages python3 python3-pytest python3-venv python3-pip python3-setuptools python3-wheel \
  python3-mypy golang-go valgrind pkg-config || exit 1

started=$SECONDS
if [ ! -e "$HVSUP_BUILD_DIR/libhvsup/libhvsup.so" ]; then
  echo "bindings: $HVSUP_BUILD_DIR/libhvsup/libhvsup.so is not built" >&2
  exit 1
fi
status=0
fail() { echo "bindings: FAILED: $*" >&2; status=1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# -- 1. install -------------------------------------------------------------------------------
echo "-- install into a temporary prefix"
destdir="$work/root"
meson install -C "$HVSUP_BUILD_DIR" --destdir "$destdir" --quiet >"$work/install.log" 2>&1 ||
  { cat "$work/install.log"; echo "bindings: meson install failed" >&2; exit 1; }
eval "$(meson introspect --buildoptions "$HVSUP_BUILD_DIR" | /usr/bin/python3 -c '
import json, sys
o = {x["name"]: x["value"] for x in json.load(sys.stdin)}
print("prefix=%s libdir=%s bindir=%s includedir=%s" % (o["prefix"], o["libdir"], o["bindir"], o["includedir"]))')"
root="$destdir$prefix"
case "$libdir" in /*) lib="$destdir$libdir" ;; *) lib="$root/$libdir" ;; esac
bin="$root/$bindir"
version="$(meson introspect --projectinfo "$HVSUP_BUILD_DIR" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')"
# hvsup.pc: meson installs it (pkgconfig module) once the packaging work is merged; until then
# an equivalent one is written for this prefix. PKG_CONFIG_SYSROOT_DIR maps the installed
# paths into the DESTDIR, for either file.
pcdir="$lib/pkgconfig"
if [ ! -f "$pcdir/hvsup.pc" ]; then
  mkdir -p "$pcdir"
  cat >"$pcdir/hvsup.pc" <<EOF
prefix=$prefix
includedir=\${prefix}/$includedir
libdir=\${prefix}/$libdir

Name: hvsup
Description: Windows Hyper-V supervisor for Linux micro-VMs (C ABI)
Version: $version
Libs: -L\${libdir} -lhvsup
Cflags: -I\${includedir}
EOF
fi
export PKG_CONFIG_PATH="$pcdir" PKG_CONFIG_SYSROOT_DIR="$destdir"
# A prefix outside the loader's path, as for any user-chosen prefix.
export LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PATH="$bin:$PATH"
pkg-config --exists hvsup || fail "pkg-config does not find hvsup"

# The installed simulator and a host for it: kernel file, fixed-VHD rootfs (vhdbuild).
sim="$work/sim"
eval "$(hvsup-sim-env "$sim")" || { echo "bindings: hvsup-sim-env failed" >&2; exit 1; }
# The host's state directories go only to the commands that use this host (the suites make
# their own per test); the library paths stay exported for the suites and the doc examples.
export -n HVSUP_SIM_DIR HVSUP_HVSOCK_EMULATION_DIR
on_sim=(env -u HVSUP_LIBRARY HVSUP_SIM_DIR="$HVSUP_SIM_DIR" HVSUP_HVSOCK_EMULATION_DIR="$HVSUP_HVSOCK_EMULATION_DIR")
printf 'kernel' >"$sim/Image"
vhdbuild --empty 8M -o "$sim/rootfs.vhd" >/dev/null || fail "vhdbuild --empty"

# -- 2. simulator -----------------------------------------------------------------------------
echo "-- simulator: lifecycle through the installed hvsup-cli"
for command in start inspect stop delete; do
  printf '{"command":"%s","identity":{"requestID":"r-%s","runtimeID":"cli-1","role":"workload","backend":"windows-hyperv"},"config":{"kernelPath":"%s","rootfsPath":"%s","stateDir":"%s"}}' \
    "$command" "$command" "$sim/Image" "$sim/rootfs.vhd" "$sim/state" |
    "${on_sim[@]}" hvsup-cli --hcs-library "$HVSUP_SIM_HCS_LIBRARY" --hcn-library "$HVSUP_SIM_HCN_LIBRARY" >"$work/cli.json" ||
    { cat "$work/cli.json"; fail "hvsup-cli $command against the installed simulator"; break; }
done
echo "-- simulator: off by default in a parent project (configure only)"
parent="$work/parent"
mkdir -p "$parent/subprojects"
ln -s "$HVSUP_ROOT" "$parent/subprojects/hvsup"
printf "project('parent', 'cpp', default_options : ['cpp_std=c++20'])\nsubproject('hvsup')\n" >"$parent/meson.build"
if meson setup "$parent/build" "$parent" >"$work/parent.log" 2>&1; then
  if meson introspect --targets "$parent/build" | grep -q 'hvsup-sim'; then
    fail "a subproject hvsup builds the simulator without -Dsim=true"
  fi
else
  cat "$work/parent.log"; fail "configuring a parent project with hvsup as a subproject"
fi

# -- 3. python --------------------------------------------------------------------------------
echo "-- python: mypy --strict"
/usr/bin/python3 -m mypy --strict --cache-dir "$work/mypy-cache" "$HVSUP_ROOT/bindings/python/src/hvsup" || fail "mypy"
echo "-- python: wheel, fresh venv"
wheel="$("$HVSUP_ROOT/scripts/build-python-wheel" --build-dir "$HVSUP_BUILD_DIR" --out "$work/dist" | tail -n1)" ||
  fail "build-python-wheel"
# --system-site-packages only lends the venv Debian's pytest (no index to install it from);
# hvsup itself exists nowhere but in the venv (test_package.py checks where it was loaded from).
/usr/bin/python3 -m venv --system-site-packages "$work/venv" &&
  "$work/venv/bin/python" -m pip install --quiet --no-index "$wheel" || fail "pip install $wheel"
echo "-- python: the suite from the venv, against the installed package"
(cd "$work" && env -u HVSUP_LIBRARY HVSUP_TEST_INSTALLED=1 HVSUP_BUILD_DIR="$HVSUP_BUILD_DIR" HVSUP_SIM_LIBDIR="$HVSUP_SIM_LIBDIR" \
  "$work/venv/bin/python" -m pytest -q -p no:cacheprovider "$HVSUP_ROOT/bindings/python/tests") || fail "python suite (venv)"
echo "-- python: the example harness"
harness="$HVSUP_ROOT/bindings/python/examples/harness.py"
(cd "$work" && /usr/bin/python3 -m mypy --strict --cache-dir "$work/mypy-cache" --python-executable "$work/venv/bin/python" "$harness") ||
  fail "mypy on the example against the installed package"
(cd "$work" && "${on_sim[@]}" "$work/venv/bin/python" "$harness" --kernel "$sim/Image" --rootfs "$sim/rootfs.vhd" \
  --state "$sim/state-py" --hcs-library "$HVSUP_SIM_HCS_LIBRARY" --hcn-library "$HVSUP_SIM_HCN_LIBRARY") ||
  fail "python example harness"

# -- 4. go ------------------------------------------------------------------------------------
# A Go cache per run, beside the install it links against: go 1.19 keeps the cgo flags that
# pkg-config gave (-L of this run's temporary prefix) in the cached package and does not ask
# pkg-config again, so a cache kept in the build directory linked the next run against a
# prefix that no longer existed ("cannot find -lhvsup").
go_cache="$work/go"
mkdir -p "$go_cache/cache" "$go_cache/path"
export GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOCACHE="$go_cache/cache" GOPATH="$go_cache/path"
echo "-- go: package suite with cgo (pkg-config hvsup)"
(cd "$HVSUP_ROOT/bindings/go" && CGO_ENABLED=1 HVSUP_BUILD_DIR="$HVSUP_BUILD_DIR" \
  sh -c 'go vet ./... && go test -count=1 ./...') || fail "go suite (cgo)"
echo "-- go: package suite without cgo (hvsup-cli)"
(cd "$HVSUP_ROOT/bindings/go" && CGO_ENABLED=0 HVSUP_CLI="$bin/hvsup-cli" \
  sh -c 'go vet ./... && go test -count=1 ./...') || fail "go suite (CGO_ENABLED=0)"
echo "-- go: the example module, built both ways"
for cgo in 1 0; do
  (cd "$HVSUP_ROOT/bindings/go/examples/microagent" && CGO_ENABLED=$cgo go vet ./... &&
    CGO_ENABLED=$cgo go build -o "$work/microagent-cgo$cgo" .) || { fail "go example build (CGO_ENABLED=$cgo)"; continue; }
  "${on_sim[@]}" "$work/microagent-cgo$cgo" -kernel "$sim/Image" -rootfs "$sim/rootfs.vhd" -state "$sim/state-go$cgo" \
    -hcs-library "$HVSUP_SIM_HCS_LIBRARY" -hcn-library "$HVSUP_SIM_HCN_LIBRARY" || fail "go example run (CGO_ENABLED=$cgo)"
done
if [ "$(go env CGO_ENABLED)" = 1 ] && command -v ldd >/dev/null; then
  # ldd's output is matched whole: `ldd | grep -q` under pipefail fails when grep stops
  # reading at its match and ldd, still writing, dies of SIGPIPE (seen 1 run in 2).
  case "$(ldd "$work/microagent-cgo1")" in
    *"$lib/libhvsup.so"*) ;;
    *) fail "the cgo example does not load the installed libhvsup" ;;
  esac
  case "$(ldd "$work/microagent-cgo0" 2>&1)" in  # (ldd fails on it: no pipe under pipefail)
    *"not a dynamic executable"*) ;;
    *) fail "the CGO_ENABLED=0 example is not static" ;;
  esac
fi

echo "-- bindings stage: $((SECONDS - started)) s"
exit "$status"
