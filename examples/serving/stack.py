"""Start the whole serving stack: the nginx front and the deploy receiver.

    MLOPS_WEBHOOK_SECRET=whsec_... /usr/bin/python3 stack.py \
        --model-name digits --front-port 8080 --receiver-port 8081 \
        [--model-dir <first model folder>]

Traffic goes to the front (http://<host>:<front-port>/v2/...); deploys to
the receiver (POST http://<receiver-host>:<receiver-port>/deploy). Every
file (nginx config, pid, logs, pulled versions) lives under --state-dir.
Port 0 picks an ephemeral port; --ports-file then says which were taken.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import sys
import tempfile
from pathlib import Path

import uvicorn

from serving_stack.front import Front, FrontError
from serving_stack.listen import bind, write_json_atomically
from serving_stack.model_folder import ModelFolderError, verify
from serving_stack.receiver import (
    DeployFailed,
    Settings,
    Stack,
    create_receiver,
)
from serving_stack.webhooks import Verifier

SECRET_VARIABLE = "MLOPS_WEBHOOK_SECRET"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model-name", required=True)
    parser.add_argument("--model-dir", type=Path,
                        help="a model folder to serve until the first deploy")
    parser.add_argument("--model-version", default="initial")
    parser.add_argument("--host", default="127.0.0.1",
                        help="the front's address")
    parser.add_argument("--front-port", type=int, default=8080)
    parser.add_argument("--receiver-host", default="127.0.0.1")
    parser.add_argument("--receiver-port", type=int, default=8081)
    parser.add_argument("--state-dir", type=Path)
    parser.add_argument("--ready-timeout", type=float, default=120,
                        help="seconds a new version has to become ready")
    parser.add_argument("--sync-timeout", type=float, default=25,
                        help="seconds /deploy waits before answering 202")
    parser.add_argument("--ports-file", type=Path)
    parser.add_argument(
        "--registry", default=os.environ.get("MLOPS_REGISTRY", ""),
        help="host[:port] of the registry deploys pull from (env "
             "MLOPS_REGISTRY); MLOPS_REGISTRY_USERNAME/PASSWORD are for it")
    parser.add_argument(
        "--allow-registry", action="append", default=[
            h for h in re.split(r"[\s,]+",
                                os.environ.get("MLOPS_ALLOWED_REGISTRIES", ""))
            if h],
        metavar="HOST[:PORT]",
        help="another registry deploys may pull from, anonymously "
             "(repeatable; env MLOPS_ALLOWED_REGISTRIES, comma-separated)")
    return parser.parse_args(argv)


def free_port(host: str) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        verifier = Verifier(os.environ.get(SECRET_VARIABLE, ""))
    except ValueError as error:
        print(f"stack: {SECRET_VARIABLE}: {error}", file=sys.stderr)
        return 2
    if not (args.registry or args.allow_registry):
        print("stack: no registry to pull from: set --registry <host[:port]> "
              "(or MLOPS_REGISTRY), e.g. --registry ghcr.io; deploys naming "
              "any other registry are refused", file=sys.stderr)
        return 2
    state = args.state_dir or Path(tempfile.mkdtemp(prefix="mlops-serving-"))
    state.mkdir(parents=True, exist_ok=True)
    (state / "versions").mkdir(exist_ok=True)
    settings = Settings(
        model_name=args.model_name, state_dir=state.resolve(),
        ready_timeout=args.ready_timeout, sync_timeout=args.sync_timeout,
        registry_username=os.environ.get("MLOPS_REGISTRY_USERNAME", ""),
        registry_password=os.environ.get("MLOPS_REGISTRY_PASSWORD", ""),
        registry=args.registry, allowed_registries=tuple(args.allow_registry))
    front_port = args.front_port or free_port(args.host)
    stack = Stack(settings, Front(state / "nginx", args.host, front_port))
    # SIGTERM ends uvicorn's loop; the finally below stops the children.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        receiver = bind(args.receiver_host, args.receiver_port)
        stack.front.start()
        if args.model_dir:
            folder = verify(args.model_dir.resolve())
            first = stack.start_version(folder.root, args.model_version,
                                        folder.digest)
            stack.front.switch(f"127.0.0.1:{first.port}")
            stack.current = first
        if args.ports_file:
            write_json_atomically(args.ports_file, {
                "front": front_port,
                "receiver": receiver.getsockname()[1],
                "pid": os.getpid(), "stateDir": str(settings.state_dir)})
        print(f"stack: front http://{stack.front.listen}, receiver "
              f"http://{args.receiver_host}:{receiver.getsockname()[1]}",
              flush=True)
        config = uvicorn.Config(create_receiver(stack, verifier),
                                log_level="warning", access_log=False)
        uvicorn.Server(config).run(sockets=[receiver])
    except (FrontError, ModelFolderError, DeployFailed, OSError) as error:
        print(f"stack: {error}", file=sys.stderr)
        return 1
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
