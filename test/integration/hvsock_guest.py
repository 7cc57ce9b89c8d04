# SPDX-License-Identifier: MIT
"""A simulated guest for the Hyper-V socket emulation transport (docs/hvsock.md)."""
import os
import pathlib
import socket
import threading
import time

TEMPLATE_TAIL = "-facb-11e6-bd58-64006a7986d3"


def service_id(port: int) -> str:
    return f"{port:08x}{TEMPLATE_TAIL}"


def port_file(emulation_dir: pathlib.Path, vm: str, side: str, port: int) -> pathlib.Path:
    return emulation_dir / vm / side / f"{service_id(port)}.port"


def read_port(path: pathlib.Path):
    try:
        return int(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def write_port_file(path: pathlib.Path, port: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_text(f"{port}\n")
    os.replace(tmp, path)


def recv_all(sock: socket.socket) -> bytes:
    chunks = []
    while True:
        data = sock.recv(65536)
        if not data:
            return b"".join(chunks)
        chunks.append(data)


class GuestService:
    """Listens on guest vsock `port` (host->guest connections) and echoes each connection."""

    def __init__(self, emulation_dir, vm, port, handler=None):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(128)
        self.file = port_file(pathlib.Path(emulation_dir), vm, "guest", port)
        write_port_file(self.file, self.listener.getsockname()[1])
        self.handler = handler or self.echo
        self.errors = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @staticmethod
    def echo(conn):
        conn.sendall(recv_all(conn))
        conn.shutdown(socket.SHUT_WR)

    def _serve(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn):
        with conn:
            try:
                self.handler(conn)
            except OSError as e:
                self.errors.append(e)

    def close(self):
        self.file.unlink(missing_ok=True)
        self.listener.close()


def connect_to_host(emulation_dir, vm, port, timeout=10.0) -> socket.socket:
    """A guest->host connection to host vsock `port`; waits for the host to listen."""
    path = port_file(pathlib.Path(emulation_dir), vm, "host", port)
    deadline = time.monotonic() + timeout
    while True:
        p = read_port(path)
        if p is not None:
            return socket.create_connection(("127.0.0.1", p), timeout=timeout)
        if time.monotonic() > deadline:
            raise ConnectionRefusedError(f"{path} does not exist")
        time.sleep(0.02)


def wait_listening(port: int, timeout=20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
