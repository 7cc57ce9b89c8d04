#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the committed seed corpora under test/fuzz/corpus/<target>/ (small, hand-made).

Run it again after changing a seed here; the fuzz stage (scripts/test.d/fuzz.sh) copies the
seeds into a scratch corpus under the build directory, so fuzzing never writes here.
"""
import gzip
import io
import json
import pathlib
import struct
import tarfile

ROOT = pathlib.Path(__file__).resolve().parent / "corpus"


def put(target: str, name: str, data) -> None:
    d = ROOT / target
    d.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    (d / name).write_bytes(data)


def dumps(v) -> str:
    return json.dumps(v, separators=(",", ":"))


# --- request ---------------------------------------------------------------------------
full = {
    "command": "run",
    "identity": {"requestID": "req-1", "runtimeID": "agent-1", "role": "workload", "backend": "windows-hyperv"},
    "config": {
        "kernelPath": "/k/vmlinux", "rootfsPath": "/r/rootfs.vhd", "stateDir": "/s", "memoryMiB": 768, "cpuCount": 3,
        "disks": [{"name": "config", "path": "/c.vhd", "mountpoint": "/config", "mode": "ro"}],
        "vsockListeners": [{"port": 1024, "target": "/s/agent-1/result.json"}, {"port": 2000, "target": "127.0.0.1:9000"}],
        "mediation": {"enabled": True, "required": True, "port": 2048, "target": "127.0.0.1:9900", "failClosed": True},
        "network": {"mode": "nat", "portForwards": [{"protocol": "tcp", "hostPort": 8080, "guestPort": 80}],
                    "dns": ["1.1.1.1"], "routes": ["10.0.0.0/8"], "ip": "192.168.127.2/24", "gateway": "192.168.127.1"},
        "shellPort": 41584, "serialInput": True, "timeoutSeconds": 300,
    },
}
put("request", "run_full.json", dumps(full))
put("request", "inspect.json", dumps({"command": "inspect", "identity": {"runtimeID": "a"}, "config": {"stateDir": "/s"}}))
put("request", "host.json", dumps({"command": "doctor"}))
put("request", "user_net.json", dumps({"COMMAND": "start", "Identity": {"RUNTIMEID": "x-2", "backend": "windows-hyperv"},
                                       "config": {"KernelPath": "C:\\k", "ROOTFSPATH": "C:\\r.vhd", "stateDir": "C:\\s",
                                                  "network": {"mode": "user"}, "memoryMiB": None}}))
put("request", "bad_type.json", '{"command":"run","config":{"disks":[{"name":1}],"shellPort":70000}}')

# --- result ----------------------------------------------------------------------------
put("result", "snake.json", dumps({"started_at": "2024-05-01T10:00:00.123456789Z", "exited_at": "2024-05-01T10:00:05+02:00",
                                   "exit_code": 3, "stdout": "out\n", "stderr": "", "error": ""}))
put("result", "camel.json", dumps({"startedAt": "2024-05-01T10:00:00Z", "completedAt": "2024-05-01T10:00:01Z",
                                   "exitCode": -1, "error": "killed"}))
put("result", "bad_time.json", '{"started_at":"yesterday","exit_code":1e400}')

# --- hcs -------------------------------------------------------------------------------
put("hcs", "result_error.json", dumps({"Error": -2143878898, "ErrorMessage": "The system does not exist",
                                       "ErrorEvents": [{"Message": "compute system does not exist", "Provider": "x"}, 5]}))
put("hcs", "properties.json", dumps({"Id": "agent-1", "SystemType": "VirtualMachine", "Owner": "microagent",
                                     "RuntimeId": "0b5c5e2a-4a6b-4bd1-9a4b-1f2e3d4c5b6a", "State": "Running", "Stopped": False}))
put("hcs", "exit_status.json", dumps({"Status": 2147942405, "ExitType": "UnexpectedExit"}))
put("hcs", "service.json", dumps({"Properties": [{"SupportedSchemaVersions": [{"Major": 2, "Minor": 1}, {"Major": 1, "Minor": 0}]}]}))

# --- hcn -------------------------------------------------------------------------------
put("hcn", "network.json", dumps({
    "ID": "5f1c2a3b-0000-4000-8000-000000000001", "Name": "microagent-nat", "Type": "NAT", "Flags": 0,
    "MacPool": {"Ranges": [{"StartMacAddress": "00-15-5D-52-C0-00", "EndMacAddress": "00-15-5D-52-CF-FF"}]},
    "Ipams": [{"Type": "Static", "Subnets": [{"IpAddressPrefix": "192.168.127.0/24",
                                              "Routes": [{"NextHop": "192.168.127.1", "DestinationPrefix": "0.0.0.0/0", "Metric": 5}]}]}],
    "Dns": {"ServerList": ["1.1.1.1"]}, "SchemaVersion": {"Major": 2, "Minor": 0}}))
put("hcn", "endpoint.json", dumps({
    "ID": "5f1c2a3b-0000-4000-8000-000000000002", "Name": "microagent-agent-1",
    "HostComputeNetwork": "5f1c2a3b-0000-4000-8000-000000000001",
    "IpConfigurations": [{"IpAddress": "192.168.127.2", "PrefixLength": 24}], "MacAddress": "00-15-5D-52-C0-02",
    "Routes": [{"NextHop": "192.168.127.1", "DestinationPrefix": "0.0.0.0/0"}], "SchemaVersion": {"Major": 2, "Minor": 0}}))
put("hcn", "error_record.json", dumps({"Success": False, "Error": "Invalid JSON document string. {{\"x\"}}", "ErrorCode": 2151350299}))
put("hcn", "error_text.txt", "  \nThe network was not found.\x01")


# --- tar -------------------------------------------------------------------------------
def tar_bytes(fmt, members) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        for info, data in members:
            info.mtime = 1700000000
            t.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def member(name, kind=tarfile.REGTYPE, data=None, **kw):
    info = tarfile.TarInfo(name)
    info.type = kind
    if data is not None:
        info.size = len(data)
    for k, v in kw.items():
        setattr(info, k, v)
    return info, data


def strip_end(b: bytes) -> bytes:
    # The two zero blocks and the record padding are optional for the reader; leaving them
    # out keeps the seeds small.
    return b.rstrip(b"\0") + b"\0" * ((-len(b.rstrip(b"\0"))) % 512)


put("tar", "ustar.tar", strip_end(tar_bytes(tarfile.USTAR_FORMAT, [
    member("etc/", tarfile.DIRTYPE, mode=0o755),
    member("etc/hosts", data=b"127.0.0.1 localhost\n", mode=0o644),
    member("etc/link", tarfile.SYMTYPE, linkname="hosts"),
    member("etc/hard", tarfile.LNKTYPE, linkname="etc/hosts"),
    member("dev/null", tarfile.CHRTYPE, devmajor=1, devminor=3),
    member("fifo", tarfile.FIFOTYPE),
])))
put("tar", "pax.tar", strip_end(tar_bytes(tarfile.PAX_FORMAT, [
    member("d/" + "long" * 40, data=b"x", pax_headers={"mtime": "1700000000.5", "SCHILY.xattr.user.a": "v", "uid": "70000"}),
])))
put("tar", "gnu.tar", strip_end(tar_bytes(tarfile.GNU_FORMAT, [
    member("g/" + "n" * 120, data=b"y"),
    member("g/l", tarfile.SYMTYPE, linkname="t" * 130),
])))
put("tar", "whiteout.tar", strip_end(tar_bytes(tarfile.USTAR_FORMAT, [
    member("a/.wh..wh..opq", data=b""),
    member("a/.wh.b", data=b""),
    member("c", data=b"z"),
])))
put("tar", "sparse_acl.tar", strip_end(tar_bytes(tarfile.PAX_FORMAT, [
    member("s01", data=b"ab", pax_headers={"GNU.sparse.size": "9000", "GNU.sparse.map": "10,1,8000,1"}),
    member("s00", data=b"cd", pax_headers={"GNU.sparse.size": "5000", "GNU.sparse.numblocks": "1",
                                           "GNU.sparse.offset": "4096", "GNU.sparse.numbytes": "2"}),
    member("GNUSparseFile.0/s10", data=b"1\n100\n1\n".ljust(512, b"\0") + b"e",
           pax_headers={"GNU.sparse.major": "1", "GNU.sparse.minor": "0", "GNU.sparse.realsize": "200",
                        "GNU.sparse.name": "s10"}),
    member("acl", data=b"f", pax_headers={"SCHILY.acl.access": "user::rw-,user:bob:r--:1001,group::r--,mask::r--,other::r--",
                                          "mtime": "-100.25"}),
])))

# --- oci -------------------------------------------------------------------------------
A, B, C = ("sha256:" + ch * 64 for ch in "abc")
index = dumps({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": A}]})
manifest = dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                  "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": B},
                             {"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": C}]})
layer1 = strip_end(tar_bytes(tarfile.USTAR_FORMAT, [member("a/f", data=b"1"), member("a/g", data=b"2")]))
layer2 = strip_end(tar_bytes(tarfile.USTAR_FORMAT, [member("a/.wh.f", data=b"")]))
put("oci", "layout.bin", "\n%%\n".join([index, manifest]).encode() + b"\n%%\n" + layer1 + b"\n%%\n" + layer2)
gz_manifest = dumps({"layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": B}]})
put("oci", "layout_gzip.bin", "\n%%\n".join([index, gz_manifest]).encode() + b"\n%%\n" + gzip.compress(layer1, mtime=0))
nested = dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [{"digest": B}]})
put("oci", "nested_index.bin", "\n%%\n".join([index, nested, manifest]))
put("oci", "zstd.bin", "\n%%\n".join([index, dumps({"layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+zstd",
                                                                   "digest": B}]})]))


# --- vhd -------------------------------------------------------------------------------
def vhd_footer(current_size: int) -> bytes:
    f = bytearray(512)
    f[0:8] = b"conectix"
    struct.pack_into(">IIQI4sIIQQHBBI", f, 8, 2, 0x00010000, 0xFFFFFFFFFFFFFFFF, 0, b"win ", 0x000A0000,
                     0x5769326B, current_size, current_size, 4, 16, 63, 2)
    f[68:84] = bytes(range(16))
    struct.pack_into(">I", f, 64, (~sum(f)) & 0xFFFFFFFF)
    return bytes(f)


def superblock() -> bytes:
    sb = bytearray(1024)
    struct.pack_into("<IIIII", sb, 0, 16, 64, 0, 40, 5)  # inodes, blocks, r_blocks, free blocks, free inodes
    struct.pack_into("<I", sb, 0x18, 0)                    # log block size (1 KiB)
    struct.pack_into("<II", sb, 0x20, 8192, 0)             # blocks / fragments per group
    struct.pack_into("<I", sb, 0x28, 16)                   # inodes per group
    struct.pack_into("<HH", sb, 0x38, 0xEF53, 1)           # magic, clean
    struct.pack_into("<H", sb, 0x58, 256)                  # inode size
    struct.pack_into("<III", sb, 0x5C, 0x3C, 0x2C2, 0x47B)
    sb[0x68:0x78] = bytes(range(16, 32))
    sb[0x78:0x80] = b"rootfs\0\0"
    return bytes(sb)


disk = b"\0" * 1024 + superblock()
put("vhd", "fixed.vhd", disk + vhd_footer(len(disk)))
put("vhd", "raw_ext4.img", disk)
put("vhd", "footer_only.vhd", vhd_footer(0))
