# SPDX-License-Identifier: MIT
"""hvsup/hcn.h: the HCN primitives (the managed NAT network, network lookup, endpoints), for
callers with their own supervisor logic. Documents are HCN's own v2 properties, as dicts."""
import ctypes
import json
import os
from typing import Any, Dict, Optional, Union

from . import _abi
from ._handle import OwnedHandle
from ._native import Library, encode_optional, library


class Hcn(OwnedHandle):
    """A loaded HCN API (hvsup_hcn_open). provider_library: an explicit
    computenetwork.dll-compatible library (e.g. the simulator); None = System32, which a POSIX
    host lacks (UnsupportedError). May be used from several threads."""

    _free_function = "hvsup_hcn_free"

    def __init__(self, provider_library: Union[str, "os.PathLike[str]", None] = None,
                 lib: Optional[Library] = None) -> None:
        super().__init__(lib or library())
        options = _abi.HcnOptions()
        self._lib.function("hvsup_hcn_options_init")(ctypes.byref(options), _abi.HCN_OPTIONS_VERSION)
        options.provider_library = encode_optional(provider_library)
        self._lib.call("hvsup_hcn_open", ctypes.byref(self._handle), ctypes.byref(options))

    def _document(self, name: str, *args: Any) -> Dict[str, Any]:
        document: Dict[str, Any] = json.loads(self._lib.call_for_string(name, self._handle, *args))
        return document

    def probe(self) -> None:
        """Lists networks once; raises HvsupError (HostError, ...) unless HCN answers."""
        self._lib.call("hvsup_hcn_probe", self._handle)

    def ensure_nat_network(self) -> Dict[str, Any]:
        """The managed NAT network "microagent-nat", created on the first free /24 when absent
        (ConflictError when none is free). Never deleted by the library."""
        return self._document("hvsup_hcn_ensure_nat_network")

    def find_network(self, name: str) -> Dict[str, Any]:
        """A network (or Hyper-V switch) by its HCN name; NotFoundError when there is none."""
        return self._document("hvsup_hcn_find_network", encode_optional(name))

    def create_endpoint(self, network_id: str, name: str, replace_stale: bool = False) -> Dict[str, Any]:
        """An endpoint on a network (HCN assigns ID, address and MAC). replace_stale deletes
        endpoints already carrying `name` first. The caller owns it: delete_endpoint()."""
        flags = _abi.HCN_ENDPOINT_REPLACE_STALE if replace_stale else 0
        return self._document("hvsup_hcn_create_endpoint", encode_optional(network_id), encode_optional(name),
                              flags)

    def delete_endpoint(self, endpoint_id: str) -> None:
        """Deletes an endpoint; "" or an endpoint that no longer exists is success."""
        self._lib.call("hvsup_hcn_delete_endpoint", self._handle, encode_optional(endpoint_id))

    def endpoint_properties(self, endpoint_id: str) -> Dict[str, Any]:
        """An endpoint's properties; NotFoundError when it does not exist, InvalidArgumentError
        when the id is not a GUID."""
        return self._document("hvsup_hcn_query_endpoint", encode_optional(endpoint_id))
