"""What the servers share: listening sockets bound before a server starts
(so port 0, an ephemeral port, works and the caller learns the port from a
file), files written whole, and stopping a child process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
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


def terminate(process: subprocess.Popen | None, grace: float) -> None:
    """SIGTERM (nginx: fast shutdown; uvicorn: finish what it is
    answering), then SIGKILL after `grace` seconds."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
