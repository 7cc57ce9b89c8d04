#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The image builder on a real Debian rootfs: builds (once) a debootstrap --variant=minbase
# tree under the build dir, then runs test/integration/test_image_rootfs.py. When the tree
# cannot be built (no debootstrap, no mirror), says so and passes: the other image tests
# cover every file kind with generated fixtures.
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"

cache="$HVSUP_BUILD_DIR/bench-cache"
tree="$cache/minbase"
mkdir -p "$cache"
if [ ! -d "$tree" ]; then
  if ! command -v debootstrap >/dev/null; then
    echo "image_rootfs: skipped: debootstrap is not installed"
    exit 0
  fi
  echo "image_rootfs: building the minbase tree (once) in $tree"
  rm -rf "$tree.tmp"
  if ! timeout 1200 debootstrap --variant=minbase bookworm "$tree.tmp" http://deb.debian.org/debian \
      >"$cache/minbase.log" 2>&1; then
    echo "image_rootfs: skipped: debootstrap failed (see $cache/minbase.log)"
    rm -rf "$tree.tmp"
    exit 0
  fi
  mv "$tree.tmp" "$tree"
fi
HVSUP_BUILD_DIR="$HVSUP_BUILD_DIR" /usr/bin/python3 -m pytest -q -p no:cacheprovider \
  "$HVSUP_ROOT/test/integration/test_image_rootfs.py"
