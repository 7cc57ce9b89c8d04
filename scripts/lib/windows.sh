# SPDX-License-Identifier: MIT
# Shared by scripts/build-windows and scripts/test.d/windows.sh: the Windows cross build with
# mingw-w64. Sourced after scripts/lib/common.sh, not run.

# Debian bookworm packages the Windows build (scripts/build-windows) and its Wine test stage
# (scripts/test.d/windows.sh) need.
# libz-mingw-w64-dev: zlib for the target (gzip input), linked statically.
HVSUP_WINDOWS_BUILD_PACKAGES=(g++-mingw-w64-x86-64-posix gcc-mingw-w64-x86-64-posix libz-mingw-w64-dev zip)
HVSUP_WINDOWS_PACKAGES=("${HVSUP_WINDOWS_BUILD_PACKAGES[@]}" wine wine64)

HVSUP_WINDOWS_CROSS_FILE="$HVSUP_ROOT/meson/x86_64-w64-mingw32.ini"

# The header-only libraries the Windows build takes from the build machine, as
# "<include name>:<header that must exist>".
HVSUP_WINDOWS_HEADER_LIBS=(boost:boost/version.hpp fmt:fmt/format-inl.h gsl:gsl/gsl catch2:catch2/catch.hpp)

# zstd for the target (zstd input): Debian has no mingw-w64 libzstd, so the Windows build
# compiles libzstd's decompressor from Debian's source package (subprojects/zstd.wrap, with
# our meson.build in subprojects/packagefiles/zstd). The upstream tarball is fetched with
# `apt-get source` into subprojects/packagefiles/ (ignored by git) and checked by apt
# (signed Sources index) and by meson (source_hash in the wrap).
HVSUP_ZSTD_SOURCE_PACKAGE=libzstd
HVSUP_ZSTD_TARBALL=libzstd_1.5.4+dfsg2.orig.tar.xz

# Makes sure apt knows the source packages of the build machine's Debian release: adds a
# deb-src entry for the archive its binary packages come from when there is none.
hvsup_apt_sources_enabled() {
  apt-cache showsrc "$HVSUP_ZSTD_SOURCE_PACKAGE" 2>/dev/null | grep -q "^Package: $HVSUP_ZSTD_SOURCE_PACKAGE\$" && return 0
  local codename uri
  codename="$(. /etc/os-release && echo "$VERSION_CODENAME")"
  uri="$(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT) $(CREATED_BY)' |
    awk -v r="$codename" '$2 == r && $3 == "main" && $4 == "Packages" { print $1; exit }')"
  if [ -z "$codename" ] || [ -z "$uri" ]; then
    echo "windows build: cannot tell which Debian archive to take the $HVSUP_ZSTD_SOURCE_PACKAGE source from" >&2
    return 1
  fi
  echo "== adding deb-src $uri $codename main (for the $HVSUP_ZSTD_SOURCE_PACKAGE source)"
  printf '%s\n' '# Added by hvsup scripts/lib/windows.sh: source packages (libzstd for the Windows build).' \
    'Types: deb-src' "URIs: $uri" "Suites: $codename ${codename}-updates" 'Components: main' \
    'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' > /etc/apt/sources.list.d/hvsup-deb-src.sources
  DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null || return 1
}

# Puts the zstd source tarball where subprojects/zstd.wrap looks for it (once per checkout).
hvsup_windows_zstd_source() {
  local dest="$HVSUP_ROOT/subprojects/packagefiles/$HVSUP_ZSTD_TARBALL" tmp
  [ -f "$dest" ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "windows build: $dest is missing; run as root (apt-get source) or put it there" >&2
    return 1
  fi
  hvsup_apt_sources_enabled || return 1
  tmp="$(mktemp -d)"
  # --download-only: apt checks the files against the signed index; only the tarball is kept.
  if ! (cd "$tmp" && apt-get source --download-only -q "$HVSUP_ZSTD_SOURCE_PACKAGE" >/dev/null 2>&1) ||
    [ ! -f "$tmp/$HVSUP_ZSTD_TARBALL" ]; then
    echo "windows build: apt-get source $HVSUP_ZSTD_SOURCE_PACKAGE did not give $HVSUP_ZSTD_TARBALL" \
      "(got: $(ls "$tmp" | tr '\n' ' '))" >&2
    rm -rf "$tmp"
    return 1
  fi
  mv "$tmp/$HVSUP_ZSTD_TARBALL" "$dest"
  rm -rf "$tmp"
}

# Writes BUILD/cross-headers/ (links to the build machine's Boost, fmt, GSL and Catch2 headers,
# nothing else, so no glibc header can leak into the Windows build) and BUILD/cross-local.ini,
# the machine file naming it and the Wine exe_wrapper. Each library is looked up in the native
# compiler's include path.
hvsup_windows_cross_headers() {
  local build="$1" shim="$1/cross-headers" entry name probe dir found
  mkdir -p "$shim"
  local dirs=()
  while IFS= read -r dir; do dirs+=("$dir"); done < <(
    echo | g++ -xc++ -E -v - 2>&1 | sed -n '/^#include <...> search starts here:/,/^End of search list./p' |
      sed -e '1d' -e '$d' -e 's/^ *//')
  for entry in "${HVSUP_WINDOWS_HEADER_LIBS[@]}"; do
    name="${entry%%:*}" probe="${entry#*:}" found=""
    for dir in "${dirs[@]}"; do
      if [ -e "$dir/$probe" ]; then found="$dir/$name"; break; fi
    done
    if [ -z "$found" ]; then
      echo "windows build: header-only library $name ($probe) not found on the build machine" >&2
      return 1
    fi
    ln -sfn "$found" "$shim/$name"
  done
  # Meson does not put ccache in front of compilers a machine file names: do it here when this
  # machine has ccache (a developer's rebuilds; a fresh CI machine has neither ccache nor a cache).
  local compilers=()
  if command -v ccache >/dev/null; then
    compilers=("c = ['ccache', 'x86_64-w64-mingw32-gcc-posix']" "cpp = ['ccache', 'x86_64-w64-mingw32-g++-posix']")
  fi
  printf '%s\n' '# Generated by scripts/lib/windows.sh; see meson/x86_64-w64-mingw32.ini.' \
    '[binaries]' "exe_wrapper = ['$HVSUP_ROOT/scripts/lib/wine64']" "${compilers[@]}" \
    '[properties]' "hvsup_cross_headers = '$shim'" > "$build/cross-local.ini"
}

# Configures (once) and builds the Windows tree in BUILD. Extra meson options may be passed.
hvsup_windows_build() {
  local build="$1"; shift
  mkdir -p "$build"
  hvsup_windows_cross_headers "$build" || return 1
  hvsup_windows_zstd_source || return 1
  if [ ! -f "$build/build.ninja" ]; then
    meson setup "$build" "$HVSUP_ROOT" --werror \
      --cross-file "$HVSUP_WINDOWS_CROSS_FILE" --cross-file "$build/cross-local.ini" "$@" >"$build/setup.log" 2>&1 ||
      { tail -n 30 "$build/setup.log" >&2; return 1; }
  fi
  # ninja reports compiler errors on stdout: keep them out of the way unless the build fails.
  if ! ninja -C "$build" -j "${HVSUP_NINJA_JOBS:-2}" >"$build/ninja.log" 2>&1; then
    tail -n 80 "$build/ninja.log" >&2
    return 1
  fi
}

# The licence the Windows zip carries (HVSUP_WINDOWS_LICENSE_FILE: another file, for the test
# of its absence).
HVSUP_WINDOWS_LICENSE_FILE="${HVSUP_WINDOWS_LICENSE_FILE:-$HVSUP_ROOT/LICENSE}"
hvsup_windows_license_present() {
  [ -f "$HVSUP_WINDOWS_LICENSE_FILE" ] && return 0
  echo "build-windows: $HVSUP_WINDOWS_LICENSE_FILE is missing; the zip must carry the licence" >&2
  return 1
}

# The files of the Windows zip besides the build's own install (scripts/build-windows): the
# licence at the top (LICENSE at the repository root; its absence is an error, not a zip
# without one), the Go module and Python package sources (their tests, caches and build
# output left out), the PowerShell examples. ROOT is the zip's top directory.
hvsup_windows_dist_extras() {
  local root="$1" f
  hvsup_windows_license_present || return 1
  cp "$HVSUP_WINDOWS_LICENSE_FILE" "$root/LICENSE"
  # bindings/go keeps its place relative to include/ (the cgo header path of a checkout,
  # ${SRCDIR}/../../../include, then names the zip's include/).
  while IFS= read -r f; do
    install -D -m 0644 "$HVSUP_ROOT/bindings/$f" "$root/bindings/$f"
  done < <(cd "$HVSUP_ROOT/bindings" && find go python -type f \
      ! -name '*_test.go' ! -path '*/tests/*' ! -path '*/__pycache__/*' ! -name '*.pyc' \
      ! -path '*/build/*' ! -path '*/dist/*' ! -path '*.egg-info/*' | LC_ALL=C sort)
  [ -f "$root/bindings/go/go.mod" ] || { echo "build-windows: no Go module in bindings/go" >&2; return 1; }
  mkdir -p "$root/examples"
  cp "$HVSUP_ROOT"/examples/windows/*.ps1 "$root/examples/"
}
