"""The nginx front: one listening port, one upstream that a deploy rewrites.

nginx runs with its own prefix, config, pid file and temp folders under the
stack's state folder (never the system service). A switch writes the new
upstream, runs `nginx -s reload` and waits until every worker that still
knew the old upstream has exited: only then may the old version stop,
since an old worker finishes the requests it accepted before it exits.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import subprocess
import time
from pathlib import Path

from .listen import terminate

CONFIG = """\
{user}worker_processes 2;
worker_shutdown_timeout 30s;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {prefix}/logs/access.log;
    client_body_temp_path {prefix}/temp/body;
    proxy_temp_path {prefix}/temp/proxy;
    fastcgi_temp_path {prefix}/temp/fastcgi;
    uwsgi_temp_path {prefix}/temp/uwsgi;
    scgi_temp_path {prefix}/temp/scgi;
    client_max_body_size 16m;
    # No idle client connections: on reload an old worker closes its idle
    # keep-alive connections at once, and a request a client is writing on
    # one that instant is lost (POST is not retried). One connection per
    # request costs a handshake; it is what makes the switch lose nothing.
    keepalive_timeout 0;
    include {prefix}/upstream.conf;
    server {{
        listen {listen};
        location / {{
            proxy_pass http://model;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_read_timeout 60s;
        }}
    }}
}}
"""
# Before any version is up the front answers 503 from a closed port.
NO_BACKEND = "127.0.0.1:9"


class FrontError(Exception):
    pass


def nginx_binary() -> str:
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(found):
        raise FrontError("nginx is not installed: apt-get install "
                         "nginx-light")
    return found


def _children(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # Fields after the command name (which may hold spaces): state ppid
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.add(int(entry))
    return found


class Front:
    def __init__(self, prefix: Path, host: str, port: int) -> None:
        self.prefix = prefix
        self.listen = f"{host}:{port}" if ":" not in host else \
            f"[{host}]:{port}"
        self.port = port
        self.nginx = nginx_binary()
        self.process: subprocess.Popen | None = None

    def _command(self, *extra: str) -> list[str]:
        return [self.nginx, "-p", str(self.prefix), "-c",
                str(self.prefix / "nginx.conf"), "-e",
                str(self.prefix / "logs/error.log"), *extra]

    def _write_upstream(self, backend: str) -> None:
        upstream = self.prefix / "upstream.conf"
        temporary = upstream.with_suffix(".tmp")
        temporary.write_text(f"upstream model {{ server {backend}; }}\n")
        os.replace(temporary, upstream)

    def start(self, backend: str = NO_BACKEND) -> None:
        for sub in ("logs", "temp"):
            (self.prefix / sub).mkdir(parents=True, exist_ok=True)
        user = ""
        if os.geteuid() == 0:
            # Workers drop to nobody: they must reach the temp folders.
            nobody = pwd.getpwnam("nobody")
            group = grp.getgrgid(nobody.pw_gid).gr_name
            user = f"user nobody {group};\n"
            os.chmod(self.prefix, 0o711)
            os.chown(self.prefix / "temp", nobody.pw_uid, nobody.pw_gid)
        (self.prefix / "nginx.conf").write_text(CONFIG.format(
            user=user, prefix=self.prefix, listen=self.listen))
        self._write_upstream(backend)
        test = subprocess.run(self._command("-t", "-q"), capture_output=True,
                              text=True)
        if test.returncode != 0:
            raise FrontError(f"nginx -t: {test.stderr.strip()}")
        self.process = subprocess.Popen(
            self._command("-g", "daemon off;"),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 10
        while not self._workers():
            if self.process.poll() is not None:
                raise FrontError(f"nginx exited: "
                                 f"{self.process.stderr.read().strip()}")
            if time.monotonic() > deadline:
                raise FrontError("nginx started no worker in 10 s")
            time.sleep(0.05)

    def _workers(self) -> set[int]:
        return _children(self.process.pid) if self.process else set()

    def switch(self, backend: str, timeout: float = 60) -> None:
        """Points the upstream at `backend`; returns once no worker that
        knew the previous upstream is left."""
        before = self._workers()
        previous = (self.prefix / "upstream.conf").read_text()
        self._write_upstream(backend)
        test = subprocess.run(self._command("-t", "-q"), capture_output=True,
                              text=True)
        if test.returncode != 0:
            (self.prefix / "upstream.conf").write_text(previous)
            raise FrontError(f"nginx -t: {test.stderr.strip()}")
        reload = subprocess.run(self._command("-s", "reload"),
                                capture_output=True, text=True)
        if reload.returncode != 0:
            raise FrontError(f"nginx -s reload: {reload.stderr.strip()}")
        deadline = time.monotonic() + timeout
        while True:
            current = self._workers()
            # New workers are up and every old one has finished and gone.
            if current and not current & before:
                return
            if time.monotonic() > deadline:
                raise FrontError(f"old nginx workers still running after "
                                 f"{timeout} s: {sorted(current & before)}")
            time.sleep(0.05)

    def stop(self) -> None:
        terminate(self.process, 10)
