"""Listening sockets bound before a server starts, so port 0 (an
ephemeral port) works and the caller learns the port from a file."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import Any


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


def write_json_atomically(path: Path, value: Any) -> None:
    """Readers see the whole file or none of it (write, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(value, indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, path)
