"""Serve one model folder over the Open Inference Protocol (KServe v2).

    /usr/bin/python3 serve.py --model-dir <dir> --model-name <name> \
        --host 127.0.0.1 --port 8080

<dir> is publish-model's artifact: the model files (under model/ or at the
top) and mlops-run.json. A folder whose files do not match the record's
sha256 digests is refused (exit 2) before anything listens. --port 0 takes
an ephemeral port; --port-file writes {"host", "port", "pid"} once bound.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from pathlib import Path

from serving_stack.listen import bind, write_json_atomically
from serving_stack.model_folder import ModelFolderError, verify


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model-dir", required=True, type=Path)
    parser.add_argument("--model-name", required=True)
    parser.add_argument("--model-version", default="",
                        help="default: the first 12 hex digits of the "
                             "model digest")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--port-file", type=Path)
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        folder = verify(args.model_dir.resolve())
    except ModelFolderError as error:
        print(f"serve: refusing {args.model_dir}: {error}", file=sys.stderr)
        return 2
    # Imported after the check: a refused folder is refused in a blink.
    import uvicorn

    from serving_stack.app import LoadedModel, create_app

    version = args.model_version or folder.digest.split(":")[1][:12]
    model = LoadedModel(folder=folder, name=args.model_name, version=version)
    try:
        sock = bind(args.host, args.port)
    except OSError as error:
        print(f"serve: cannot listen on {args.host}:{args.port}: {error}",
              file=sys.stderr)
        return 1
    port = sock.getsockname()[1]
    threading.Thread(target=model.load, name="load", daemon=True).start()
    if args.port_file:
        write_json_atomically(args.port_file, {"host": args.host,
                                               "port": port,
                                               "pid": os.getpid()})
    print(f"serve: {args.model_name} version {version} ({folder.digest}) "
          f"on http://{args.host}:{port}", flush=True)
    config = uvicorn.Config(create_app(model), log_level="warning",
                            access_log=False)
    uvicorn.Server(config).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
