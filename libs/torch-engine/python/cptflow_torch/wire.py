"""The trainer <-> rank-0 channel: protobuf messages (proto/cptflow.proto, Torch*) framed by a
uint32 little-endian length. The few messages are encoded by hand from the wire format so the
worker needs no protobuf package next to torch; field numbers must follow the .proto file."""
from __future__ import annotations

import socket
import struct
import threading

VARINT, FIXED64, LEN = 0, 1, 2


def _varint(n: int) -> bytes:
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def decode(buf: bytes) -> dict[int, list]:
    """Field number -> values (int for varints, float for doubles, bytes for length-delimited)."""
    fields: dict[int, list] = {}
    pos = 0
    while pos < len(buf):
        key, pos = _read_varint(buf, pos)
        number, kind = key >> 3, key & 7
        if kind == VARINT:
            value, pos = _read_varint(buf, pos)
        elif kind == FIXED64:
            value = struct.unpack_from("<d", buf, pos)[0]
            pos += 8
        elif kind == LEN:
            length, pos = _read_varint(buf, pos)
            value = bytes(buf[pos : pos + length])
            pos += length
        elif kind == 5:
            value = struct.unpack_from("<f", buf, pos)[0]
            pos += 4
        else:
            raise ValueError(f"unsupported protobuf wire type {kind}")
        fields.setdefault(number, []).append(value)
    return fields


def first(fields: dict[int, list], number: int, default=None):
    values = fields.get(number)
    return values[-1] if values else default


def text(fields: dict[int, list], number: int) -> str:
    return first(fields, number, b"").decode("utf-8")


def encode(*fields: tuple[int, object]) -> bytes:
    """(number, value) pairs: int -> varint, float -> double, bytes/str -> length-delimited; None skipped."""
    out = bytearray()
    for number, value in fields:
        if value is None:
            continue
        if isinstance(value, bool) or isinstance(value, int):
            out += _varint(number << 3 | VARINT) + _varint(int(value))
        elif isinstance(value, float):
            out += _varint(number << 3 | FIXED64) + struct.pack("<d", value)
        else:
            data = value.encode("utf-8") if isinstance(value, str) else bytes(value)
            out += _varint(number << 3 | LEN) + _varint(len(data)) + data
    return bytes(out)


class Channel:
    """One framed connection; sends may come from the heartbeat thread and the main loop."""

    MAX_FRAME = 1 << 31

    def __init__(self, address: str):
        host, port = address.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.lock = threading.Lock()

    def send(self, payload: bytes) -> None:
        with self.lock:
            self.sock.sendall(struct.pack("<I", len(payload)) + payload)

    def receive(self) -> bytes | None:
        header = self._exactly(4)
        if header is None:
            return None
        (length,) = struct.unpack("<I", header)
        if length >= self.MAX_FRAME:
            raise ValueError(f"frame of {length} bytes")
        return self._exactly(length)

    def _exactly(self, n: int) -> bytes | None:
        chunks = bytearray()
        while len(chunks) < n:
            chunk = self.sock.recv(min(n - len(chunks), 1 << 20))
            if not chunk:
                return None
            chunks += chunk
        return bytes(chunks)
