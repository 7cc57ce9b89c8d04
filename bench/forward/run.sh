#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds and runs bench/forward. Extra arguments go to forward-bench (--mib N, --latency-rounds N,
# --concurrent N, --repeat N, --endpoints zerocopy|copy). Needs socat (in HVSUP_PACKAGES).
# Recorded numbers and how to read them: docs/hvsock.md, "Benchmark".
set -euo pipefail
. "$(dirname "$0")/../../scripts/lib/common.sh"
hvsup_ensure_packages socat
hvsup_build
exec "$HVSUP_BUILD_DIR/bench/forward/forward-bench" --listener "$HVSUP_BUILD_DIR/tools/hvsock-listener" \
  --socat "$(command -v socat)" "$@"
