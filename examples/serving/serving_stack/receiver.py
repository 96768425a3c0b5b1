"""The deploy receiver: a signed webhook in, a rolling update out.

POST /deploy (Standard Webhooks headers) with
    {"type": "model.deploy", "data": {"model": "<name>",
     "version": "<version>", "reference": "<registry>/<repo>@sha256:<hex>"}}
pulls the model by digest, starts it beside the running version, waits for
its readiness, switches the nginx front and stops the old version. It
answers 200 once switched, 4xx/5xx with the reason when not (traffic then
stays where it was), or 202 with a status URL (GET /deploys/<id>) when the
deploy takes longer than --sync-timeout or the sender asked for it with
`Prefer: respond-async`.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from .front import Front, FrontError
from .listen import terminate
from .model_folder import ModelFolderError
from .puller import PullError, Reference, pull
from .webhooks import Verifier, WebhookRejected

SERVE = Path(__file__).resolve().parent.parent / "serve.py"
VERSION_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$")
# deploy sends model.deploy, and model.rollback when it redeploys what ran
# before: both switch the same way.
EVENT_TYPES = ("model.deploy", "model.rollback")
# How long a rollback waits for the deploy it preempts to stop its version.
PREEMPT_WAIT = 40


class DeployFailed(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Version:
    version: str
    digest: str
    folder: Path
    process: subprocess.Popen
    port: int

    def stop(self) -> None:
        terminate(self.process, 30)


@dataclass
class Deploy:
    id: str
    webhook_id: str
    version: str
    reference: str
    state: str = "accepted"
    reason: str = ""
    status: int = 202
    started_at: float = field(default_factory=time.time)
    finished_at: float | None = None
    previous: str | None = None
    ready_timeout: float | None = None
    done: threading.Event = field(default_factory=threading.Event)
    # Set when a rollback preempts this deploy (the sender gave up on it).
    superseded: threading.Event = field(default_factory=threading.Event)
    # The status URL carries it: only the sender of a signed webhook (who
    # got the URL in the answer) can read how its deploy went.
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    @property
    def status_url(self) -> str:
        return f"/deploys/{self.id}?token={self.token}"

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id, "webhookId": self.webhook_id,
            "version": self.version, "reference": self.reference,
            "state": self.state, "reason": self.reason,
            "httpStatus": self.status, "previousVersion": self.previous,
            "startedAt": self.started_at, "finishedAt": self.finished_at,
            "statusUrl": self.status_url,
        }


@dataclass
class Settings:
    model_name: str
    state_dir: Path
    ready_timeout: float = 120
    sync_timeout: float = 25
    registry_username: str = ""
    registry_password: str = ""
    # The registry the credentials are for; deploys pull from it and from
    # allowed_registries only (hosts as in a reference: host[:port]).
    registry: str = ""
    allowed_registries: tuple[str, ...] = ()

    def allows(self, registry: str) -> bool:
        return registry.lower() in self.registries

    @property
    def registries(self) -> tuple[str, ...]:
        hosts = ((self.registry,) if self.registry else ()) + \
            self.allowed_registries
        return tuple(dict.fromkeys(h.lower() for h in hosts))


def _get(url: str, timeout: float = 2) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


class Stack:
    """The running version, the front and the deploys; one at a time."""

    def __init__(self, settings: Settings, front: Front) -> None:
        self.settings = settings
        self.front = front
        self.current: Version | None = None
        self.deploys: dict[str, Deploy] = {}
        self.running: Deploy | None = None
        self._lock = threading.Lock()

    def start_version(self, folder: Path, version: str, digest: str,
                      ready_timeout: float | None = None,
                      superseded: threading.Event | None = None) -> Version:
        ready_timeout = ready_timeout or self.settings.ready_timeout
        run = self.settings.state_dir / "run"
        run.mkdir(exist_ok=True)
        stem = f"{version}-{secrets.token_hex(4)}"
        port_file, log_path = run / f"{stem}.port.json", run / f"{stem}.log"
        with log_path.open("w") as log:
            process = subprocess.Popen(
                [sys.executable, str(SERVE), "--model-dir", str(folder),
                 "--model-name", self.settings.model_name,
                 "--model-version", version, "--host", "127.0.0.1",
                 "--port", "0", "--port-file", str(port_file)],
                stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + ready_timeout
        port = 0
        try:
            while True:
                code = process.poll()
                if code is not None:
                    tail = log_path.read_text()[-1500:].strip()
                    raise DeployFailed(422 if code == 2 else 500,
                                       f"version {version} exited with "
                                       f"{code}: {tail}")
                if not port and port_file.exists():
                    port = json.loads(port_file.read_text())["port"]
                url = (f"http://127.0.0.1:{port}/v2/models/"
                       f"{self.settings.model_name}/ready")
                if port and _get(url) == 200:
                    return Version(version, digest, folder, process, port)
                if superseded is not None and superseded.is_set():
                    raise DeployFailed(
                        409, f"version {version} was superseded by a "
                             "rollback before it became ready: traffic "
                             "stays on the running version")
                if time.monotonic() > deadline:
                    raise DeployFailed(
                        504, f"version {version} was not ready after "
                             f"{ready_timeout:g} s: traffic "
                             "stays on the running version")
                time.sleep(0.1)
        except BaseException:
            Version(version, digest, folder, process, port).stop()
            raise

    def _run(self, deploy: Deploy) -> None:
        folder = None
        try:
            name = f"{deploy.version}-{deploy.id}"
            folder = self.settings.state_dir / "versions" / name
            deploy.state = "pulling"
            try:
                # Credentials go to the registry they are for, never to
                # another allowed one.
                own = Reference.parse(deploy.reference).registry.lower() \
                    == self.settings.registry.lower()
                manifest = pull(deploy.reference, folder,
                                self.settings.registry_username if own else "",
                                self.settings.registry_password if own else "")
            except PullError as error:
                raise DeployFailed(502, f"pull: {error}") from None
            except ModelFolderError as error:
                raise DeployFailed(422, f"pull: {error}") from None
            del manifest
            deploy.state = "starting"
            digest = deploy.reference.rsplit("@", 1)[1]
            new = self.start_version(folder, deploy.version, digest,
                                     deploy.ready_timeout, deploy.superseded)
            deploy.state = "switching"
            try:
                self.front.switch(f"127.0.0.1:{new.port}")
            except FrontError as error:
                new.stop()
                old = self.current
                self.front.switch(f"127.0.0.1:{old.port}" if old else
                                  "127.0.0.1:9")
                raise DeployFailed(500, f"switch: {error}") from None
            old, self.current = self.current, new
            if old:
                old.stop()
                self.forget(old.folder)
            deploy.state, deploy.status = "succeeded", 200
        except DeployFailed as error:
            deploy.state, deploy.status = "failed", error.status
            deploy.reason = str(error)
        except Exception as error:  # noqa: BLE001 - a bug: say so
            deploy.state, deploy.status = "failed", 500
            deploy.reason = f"internal error: {error!r}"
        finally:
            if deploy.state == "failed" and folder is not None:
                self.forget(folder)
            deploy.finished_at = time.time()
            took = deploy.finished_at - deploy.started_at
            print(f"receiver: deploy {deploy.id} {deploy.version} "
                  f"{deploy.state} in {took:.3f} s {deploy.reason}",
                  flush=True)
            with self._lock:
                self.running = None
            deploy.done.set()

    def begin(self, webhook_id: str,
              request: DeployRequest) -> Deploy | JSONResponse:
        # A rollback puts back what ran before: it preempts a deploy that is
        # still starting (its sender timed out and gave up on it) rather than
        # wait for it to switch traffic to a version nobody wants any more.
        running = self.running
        if request.rollback and running and not running.superseded.is_set():
            running.superseded.set()
            running.done.wait(PREEMPT_WAIT)
        with self._lock:
            if self.running:
                return JSONResponse(
                    {"error": "a deploy is in progress",
                     **self.running.view()}, status_code=409)
            deploy = Deploy(id=secrets.token_hex(8), webhook_id=webhook_id,
                            version=request.version,
                            reference=request.reference,
                            ready_timeout=request.ready_timeout)
            deploy.previous = self.current.version if self.current else None
            self.deploys[deploy.id] = deploy
            self.running = deploy
        threading.Thread(target=self._run, args=(deploy,),
                         name=f"deploy-{deploy.id}", daemon=True).start()
        return deploy

    def by_webhook_id(self, webhook_id: str | None) -> Deploy | None:
        return next((d for d in list(self.deploys.values())
                     if d.webhook_id == webhook_id), None)

    def forget(self, folder: Path) -> None:
        """Removes a pulled folder (never a folder the operator gave)."""
        if folder.parent == self.settings.state_dir / "versions":
            shutil.rmtree(folder, ignore_errors=True)

    def stop(self) -> None:
        if self.current:
            self.current.stop()
        self.front.stop()


@dataclass(frozen=True)
class DeployRequest:
    version: str
    reference: str
    ready_timeout: float | None
    rollback: bool = False


def _payload(body: bytes, settings: Settings) -> DeployRequest:
    model_name = settings.model_name
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DeployFailed(400, f"the body is not JSON: {error}") from None
    data = payload.get("data") if isinstance(payload, dict) else None
    if payload.get("type") not in EVENT_TYPES or not isinstance(data, dict):
        raise DeployFailed(400, "expected {\"type\": \"model.deploy\" or "
                                "\"model.rollback\", "
                                "\"data\": {model, version, reference}}")
    if data.get("model") != model_name:
        raise DeployFailed(422, f"data.model {data.get('model')!r}: this "
                                f"receiver serves {model_name!r}")
    version = data.get("version")
    if not isinstance(version, str) or not VERSION_NAME.match(version):
        raise DeployFailed(422, f"data.version {version!r} must be 1-128 "
                                "letters, digits, '.', '_', '+' or '-'")
    reference = data.get("reference")
    if not isinstance(reference, str) or \
            not re.search(r"@sha256:[0-9a-f]{64}$", reference):
        raise DeployFailed(422, f"data.reference {reference!r} must end in "
                                "@sha256:<64 hex>: deploys pull by digest")
    try:
        registry = Reference.parse(reference).registry
    except PullError as error:
        raise DeployFailed(422, f"data.reference: {error}") from None
    if not settings.allows(registry):
        raise DeployFailed(403, f"data.reference {reference!r}: registry "
                                f"{registry!r} is not one this receiver "
                                "pulls from ("
                                f"{', '.join(settings.registries)}); allow "
                                "it with stack.py --allow-registry "
                                f"{registry}")
    timeout = data.get("readyTimeoutSeconds")
    if timeout is not None and not (
        isinstance(timeout, (int, float)) and not isinstance(timeout, bool)
        and 0 < timeout <= settings.ready_timeout
    ):
        raise DeployFailed(422, f"data.readyTimeoutSeconds {timeout!r} must "
                                "be a number of seconds above 0 and at most "
                                f"the receiver's {settings.ready_timeout:g}")
    return DeployRequest(version, reference, timeout,
                         payload["type"] == "model.rollback")


def create_receiver(stack: Stack, verifier: Verifier) -> FastAPI:
    app = FastAPI(title="mlops-serving receiver", openapi_url=None,
                  docs_url=None, redoc_url=None)
    settings = stack.settings

    @app.post("/deploy")
    async def deploy(request: Request) -> JSONResponse:
        body = await request.body()
        try:
            webhook_id = verifier.verify(request.headers, body)
            deploy_request = _payload(body, settings)
        except (WebhookRejected, DeployFailed) as error:
            # A sender's retry reuses the webhook-id (Standard Webhooks):
            # refuse to run it again, but say where the first one is.
            known = stack.by_webhook_id(request.headers.get("webhook-id"))
            extra = known.view() if known and error.status == 409 else {}
            return JSONResponse({**extra, "error": str(error)},
                                status_code=error.status)
        loop = asyncio.get_running_loop()
        # begin() may wait for a preempted deploy to stop: off the loop.
        started = await loop.run_in_executor(None, stack.begin, webhook_id,
                                             deploy_request)
        if isinstance(started, JSONResponse):
            return started
        prefer = request.headers.get("prefer", "").lower()
        if "respond-async" not in prefer:
            await loop.run_in_executor(None, started.done.wait,
                                       settings.sync_timeout)
        if started.done.is_set():
            return JSONResponse(started.view(), status_code=started.status)
        return JSONResponse(started.view(), status_code=202,
                            headers={"Location": started.status_url})

    @app.get("/deploys/{deploy_id}")
    def status(deploy_id: str, token: str = "") -> JSONResponse:
        found = stack.deploys.get(deploy_id)
        # A wrong token answers as an unknown id: it tells nothing.
        if not found or not secrets.compare_digest(
                token.encode(), found.token.encode()):
            return JSONResponse({"error": f"no deploy {deploy_id!r}"},
                                status_code=404)
        return JSONResponse(found.view())

    @app.get("/current")
    def current() -> JSONResponse:
        now = stack.current
        return JSONResponse({
            "model": settings.model_name,
            "version": now.version if now else None,
            "digest": now.digest if now else None,
            "front": f"http://{stack.front.listen}",
        })

    @app.get("/healthz")
    def healthz() -> dict[str, bool]:
        return {"live": True}

    return app
