"""The Open Inference Protocol (KServe v2 REST) app over one model folder.

Routes: GET /v2, /v2/health/live, /v2/health/ready, /v2/models/<m>[/ready],
POST /v2/models/<m>/infer (also under /versions/<v>), and GET /metrics.
The process listens at once and loads the model in the background: live
answers 200 from the start, ready only once the model has loaded (a model
that fails to load keeps the server live and never ready, with the reason).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

from .loaders import load_model
from .model_folder import ModelFolder

SERVER_NAME = "mlops-serving"
SERVER_VERSION = "1.0"
DATATYPES = {
    "BOOL": np.bool_,
    "INT8": np.int8,
    "INT16": np.int16,
    "INT32": np.int32,
    "INT64": np.int64,
    "UINT8": np.uint8,
    "UINT16": np.uint16,
    "UINT32": np.uint32,
    "UINT64": np.uint64,
    "FP16": np.float16,
    "FP32": np.float32,
    "FP64": np.float64,
}
MAX_ROWS = 10_000
# A version made slow on purpose, to rehearse deploy's checks (a load test
# over budget, a target timeout): a file of this name among the model files,
# listed in the run record like any other (so its bytes are verified too).
SLOWDOWN_FILE = "serving.json"
SLOWDOWN_LIMITS = {"inferenceDelayMs": 60_000, "startDelaySeconds": 600}


class BadRequest(Exception):
    """An inference request the protocol or the model cannot take (400)."""


@dataclass
class LoadedModel:
    """The model and its state; `estimator` is set once loading finished."""

    folder: ModelFolder
    name: str
    version: str
    estimator: Any = None
    error: str = ""
    inference_delay: float = 0
    loaded: threading.Event = field(default_factory=threading.Event)

    def load(self) -> None:
        try:
            slowdown = read_slowdown(self.folder)
            self.inference_delay = slowdown["inferenceDelayMs"] / 1000
            time.sleep(slowdown["startDelaySeconds"])
            # serving.json tunes the server; it is not a model file.
            estimator = load_model(
                [f for f in self.folder.files if f.name != SLOWDOWN_FILE]
            )
            self.estimator = estimator
        except Exception as error:  # noqa: BLE001 - reported by ready
            self.error = f"the model did not load: {error!r}"
            print(f"serve: {self.error}", flush=True)
        finally:
            self.loaded.set()

    @property
    def ready(self) -> bool:
        return self.estimator is not None

    @property
    def features(self) -> int:
        return int(getattr(self.estimator, "n_features_in_", -1))


def read_slowdown(folder: ModelFolder) -> dict[str, float]:
    """The model folder's serving.json: {"inferenceDelayMs": n} adds n ms to
    every inference, {"startDelaySeconds": n} holds readiness back n s.
    Absent: no delay. Anything else is a load error (never ready)."""
    found = [f for f in folder.files if f.name == SLOWDOWN_FILE]
    values = json.loads(found[0].read_text()) if found else {}
    if not isinstance(values, dict) or set(values) - set(SLOWDOWN_LIMITS):
        raise ValueError(f"{SLOWDOWN_FILE} must be an object with only "
                         f"{', '.join(SLOWDOWN_LIMITS)}")
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not 0 <= value <= SLOWDOWN_LIMITS[key]:
            raise ValueError(f"{SLOWDOWN_FILE}: {key} {value!r} must be a "
                             f"number from 0 to {SLOWDOWN_LIMITS[key]}")
    return {key: float(values.get(key, 0)) for key in SLOWDOWN_LIMITS}


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _input_array(body: Any, features: int) -> np.ndarray:
    if not isinstance(body, dict) or not isinstance(body.get("inputs"), list):
        raise BadRequest("the body must be a JSON object with an inputs list")
    if len(body["inputs"]) != 1:
        raise BadRequest("expected exactly one input tensor")
    tensor = body["inputs"][0]
    if not isinstance(tensor, dict):
        raise BadRequest("inputs[0] must be an object")
    datatype = tensor.get("datatype")
    if datatype not in DATATYPES:
        raise BadRequest(f"inputs[0].datatype {datatype!r} is not one of "
                         f"{', '.join(DATATYPES)}")
    shape = tensor.get("shape")
    if (
        not isinstance(shape, list)
        or len(shape) != 2
        or not all(isinstance(n, int) and n > 0 for n in shape)
    ):
        raise BadRequest("inputs[0].shape must be [rows, features]")
    if shape[0] > MAX_ROWS:
        raise BadRequest(f"at most {MAX_ROWS} rows a request")
    if features > 0 and shape[1] != features:
        raise BadRequest(
            f"inputs[0].shape {shape}: the model takes {features} features"
        )
    try:
        data = np.asarray(tensor.get("data"), dtype=DATATYPES[datatype])
        return data.reshape(shape)
    except (TypeError, ValueError) as error:
        raise BadRequest(f"inputs[0].data does not fit {shape}: {error}")


def _output(name: str, values: np.ndarray) -> dict[str, Any]:
    kind = {"i": "INT64", "u": "UINT64", "b": "BOOL", "f": "FP64"}
    datatype = kind.get(values.dtype.kind, "BYTES")
    data = values.astype(str) if datatype == "BYTES" else values
    return {
        "name": name,
        "datatype": datatype,
        "shape": list(values.shape),
        "data": data.ravel().tolist(),
    }


def _requested_outputs(body: dict[str, Any]) -> list[str]:
    wanted = [o.get("name") for o in body.get("outputs") or []
              if isinstance(o, dict)]
    names = wanted or ["predict"]
    for name in names:
        if name not in ("predict", "predict_proba"):
            raise BadRequest(f"unknown output {name!r}: predict, "
                             "predict_proba")
    return names


def create_app(model: LoadedModel) -> FastAPI:
    app = FastAPI(title=SERVER_NAME, openapi_url=None, docs_url=None,
                  redoc_url=None)
    registry = CollectorRegistry()
    requests_total = Counter(
        "inference_requests_total", "Inference requests by status code",
        ["model", "version", "code"], registry=registry,
    )
    duration = Histogram(
        "inference_request_duration_seconds",
        "Time to answer an inference request",
        ["model", "version"], registry=registry,
    )

    def unknown(name: str, version: str | None) -> JSONResponse | None:
        if name != model.name:
            return _error(404, f"model {name!r} is not served here: "
                               f"{model.name!r} is")
        if version is not None and version != model.version:
            return _error(404, f"version {version!r} of {name!r} is not "
                               f"served here: {model.version!r} is")
        return None

    def metadata(name: str, version: str | None = None) -> Any:
        missing = unknown(name, version)
        if missing:
            return missing
        features = model.features
        return {
            "name": model.name,
            "versions": [model.version],
            "platform": "sklearn",
            "inputs": [{"name": "input-0", "datatype": "FP64",
                        "shape": [-1, features]}],
            "outputs": [{"name": "predict", "datatype": "INT64",
                         "shape": [-1]}],
            # Beyond the protocol: what deploy and monitor check.
            "version": model.version,
            "digest": model.folder.digest,
            "ready": model.ready,
        }

    def model_ready(name: str, version: str | None = None) -> Any:
        missing = unknown(name, version)
        if missing:
            return missing
        if model.ready:
            return {"name": model.name, "ready": True}
        return JSONResponse({"name": model.name, "ready": False,
                             "error": model.error or "loading"},
                            status_code=503)

    async def infer(request: Request, name: str,
                    version: str | None = None) -> Response:
        missing = unknown(name, version)
        if missing:
            return missing  # not counted: names in URLs are unbounded
        started = time.perf_counter()
        try:
            response = await _infer(request)
        except Exception:  # noqa: BLE001 - counted, then a 500
            response = _error(500, "inference failed")
        duration.labels(model.name, model.version).observe(
            time.perf_counter() - started)
        requests_total.labels(model.name, model.version,
                              str(response.status_code)).inc()
        return response

    async def _infer(request: Request) -> Response:
        if not model.ready:
            return _error(503, model.error or "the model is loading")
        if model.inference_delay:
            await asyncio.sleep(model.inference_delay)
        try:
            body = json.loads(await request.body())
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            return _error(400, f"the body is not JSON: {error}")
        try:
            rows = _input_array(body, model.features)
            names = _requested_outputs(body)
        except BadRequest as error:
            return _error(400, str(error))
        outputs = []
        for output in names:
            values = np.asarray(getattr(model.estimator, output)(rows))
            outputs.append(_output(output, values))
        answer = {"model_name": model.name, "model_version": model.version,
                  "outputs": outputs}
        if isinstance(body.get("id"), str):
            answer["id"] = body["id"]
        return JSONResponse(answer)

    @app.get("/v2")
    def server_metadata() -> Any:
        return {"name": SERVER_NAME, "version": SERVER_VERSION,
                "extensions": []}

    @app.get("/v2/health/live")
    def live() -> Any:
        return {"live": True}

    @app.get("/v2/health/ready")
    def ready() -> Any:
        if model.ready:
            return {"ready": True}
        return JSONResponse({"ready": False,
                             "error": model.error or "loading"},
                            status_code=503)

    app.get("/v2/models/{name}")(metadata)
    app.get("/v2/models/{name}/versions/{version}")(metadata)
    app.get("/v2/models/{name}/ready")(model_ready)
    app.get("/v2/models/{name}/versions/{version}/ready")(model_ready)
    app.post("/v2/models/{name}/infer")(infer)
    app.post("/v2/models/{name}/versions/{version}/infer")(infer)

    @app.get("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(registry),
                        media_type=CONTENT_TYPE_LATEST)

    return app
