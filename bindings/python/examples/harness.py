# SPDX-License-Identifier: MIT
"""An example harness on the hvsup Python package: start a runtime, inspect it, stop and delete
it, one line per step. Off Windows it runs against the installed simulator:

    eval "$(hvsup-sim-env /tmp/sim)"
    python3 harness.py --kernel /tmp/sim/Image --rootfs /tmp/sim/rootfs.vhd --state /tmp/sim/state \\
        --hcs-library "$HVSUP_SIM_HCS_LIBRARY" --hcn-library "$HVSUP_SIM_HCN_LIBRARY"

On Windows leave out --hcs-library and --hcn-library (System32's HCS and HCN)."""
import argparse
import sys
from typing import Any, Dict, List, Optional

import hvsup


def lifecycle(kernel: str, rootfs: str, state: str, hcs_library: Optional[str], hcn_library: Optional[str],
              runtime: str = "agent-1") -> List[str]:
    lines = [f"hvsup {hvsup.__version__} (library {hvsup.version()}, ABI {hvsup.abi_version()})"]
    with hvsup.Context(hcs_library=hcs_library, hcn_library=hcn_library) as ctx:
        for command in ("start", "inspect", "stop", "delete"):
            request: Dict[str, Any] = {
                "command": command,
                "identity": {"requestID": f"req-{command}", "runtimeID": runtime, "role": "workload",
                             "backend": "windows-hyperv"},
                "config": {"kernelPath": kernel, "rootfsPath": rootfs, "stateDir": state},
            }
            response = ctx.supervise(request)
            if not response["ok"]:
                raise RuntimeError(f"{command}: {response.get('error')}")
            lines.append(f"{command}: {response['event']['state']}")
    return lines


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kernel", required=True)
    parser.add_argument("--rootfs", required=True)
    parser.add_argument("--state", required=True)
    parser.add_argument("--hcs-library")
    parser.add_argument("--hcn-library")
    args = parser.parse_args(argv)
    try:
        for line in lifecycle(args.kernel, args.rootfs, args.state, args.hcs_library, args.hcn_library):
            print(line)
    except (hvsup.HvsupError, RuntimeError) as e:
        print(f"harness: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
