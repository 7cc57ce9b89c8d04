# SPDX-License-Identifier: MIT
"""Tar streams of many empty files (1000 per directory), written fast with raw ustar headers:
the many-entries memory test and bench/image_build use the same generator. No pytest here."""


def ustar_header(name, mode, typeflag, mtime=1700000000):
    h = bytearray(512)
    h[0:len(name)] = name
    h[100:108] = b"%07o\0" % mode
    h[108:116] = b"0000000\0"
    h[116:124] = b"0000000\0"
    h[124:136] = b"00000000000\0"
    h[136:148] = b"%011o\0" % mtime
    h[148:156] = b" " * 8
    h[156] = typeflag
    h[257:263] = b"ustar\0"
    h[263:265] = b"00"
    h[148:156] = b"%06o\0 " % sum(h)
    return bytes(h)


def many_entries_tar(n, out, per_dir=1000):
    """Writes a tar of n empty files, `per_dir` per directory, to the binary stream `out`."""
    buf = []
    for d in range((n + per_dir - 1) // per_dir):
        buf.append(ustar_header(b"d%05d/" % d, 0o755, ord("5")))
        for f in range(min(per_dir, n - d * per_dir)):
            buf.append(ustar_header(b"d%05d/file-%07d" % (d, d * per_dir + f), 0o644, ord("0")))
        if len(buf) > 4096:
            out.write(b"".join(buf))
            buf.clear()
    buf.append(bytes(1024))
    out.write(b"".join(buf))
