"""The model behind a small interface: `load_model(path)`, then `predict` on a batch of rows.

The service only uses `Model` (name, version, feature count, `predict`), so any model fits
behind it: the demo below, or scikit-learn, ONNX Runtime, PyTorch (README: "Swap in your model").
The model is loaded once per worker process, never per request: loading reads and parses a
file, which would cost far more than a prediction.

The demo is an iris classifier whose weights are a small JSON file shipped in the package
(`artifacts/demo-model.json`): it scores each species by the squared distance of the flower to
the species' mean measurements. Plain Python: a 4 x 3 table needs no numpy.
"""

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

DEMO_MODEL_PATH = Path(__file__).resolve().parent / "artifacts" / "demo-model.json"
DEMO_FORMAT = "nearest-centroid/1"

Row = Sequence[float]


@dataclass(frozen=True, slots=True)
class Prediction:
    """One row's result: the most likely label and every label's score (summing to 1)."""

    label: str
    scores: dict[str, float]


class Model(Protocol):
    """What the service needs from a model. `predict` takes many rows at once (one call per
    micro-batch) and returns one Prediction per row, in the same order."""

    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...

    @property
    def n_features(self) -> int: ...

    def predict(self, rows: Sequence[Row]) -> list[Prediction]: ...


class ModelLoadError(Exception):
    """The model file is missing or not a valid model; the message is one line."""


@dataclass(frozen=True)
class NearestCentroidModel:
    """The demo model: softmax over minus the squared distance to each class centroid."""

    name: str
    version: str
    classes: tuple[str, ...]
    centroids: tuple[tuple[float, ...], ...]

    @property
    def n_features(self) -> int:
        return len(self.centroids[0])

    def predict(self, rows: Sequence[Row]) -> list[Prediction]:
        return [self._predict_one(row) for row in rows]

    def _predict_one(self, row: Row) -> Prediction:
        logits = [
            -sum((x - c) ** 2 for x, c in zip(row, centroid, strict=True))
            for centroid in self.centroids
        ]
        top = max(logits)
        weights = [math.exp(logit - top) for logit in logits]  # shifted: exp never overflows
        total = sum(weights)
        scores = {
            label: round(w / total, 6) for label, w in zip(self.classes, weights, strict=True)
        }
        return Prediction(label=self.classes[logits.index(top)], scores=scores)


def load_model(path: Path) -> Model:
    """Read the demo model's file. Raises ModelLoadError (one line) if it is missing or corrupt."""
    try:
        data = json.loads(path.read_bytes())
    except OSError as error:
        raise ModelLoadError(f"cannot read the model file {path}: {error.strerror}") from None
    except ValueError as error:
        raise ModelLoadError(f"the model file {path} is not valid JSON: {error}") from None
    try:
        if data["format"] != DEMO_FORMAT:
            raise ValueError(f"format {data['format']!r}, expected {DEMO_FORMAT!r}")
        classes = tuple(str(label) for label in data["classes"])
        centroids = tuple(tuple(float(x) for x in centroid) for centroid in data["centroids"])
        widths = {len(centroid) for centroid in centroids}
        if (
            len(classes) != len(centroids)
            or len(widths) != 1
            or not all(math.isfinite(x) for centroid in centroids for x in centroid)
        ):
            raise ValueError("classes and centroids do not match")
        return NearestCentroidModel(str(data["name"]), str(data["version"]), classes, centroids)
    except KeyError as error:
        raise ModelLoadError(f"the model file {path} is not a valid model: no {error}") from None
    except (TypeError, ValueError) as error:
        raise ModelLoadError(f"the model file {path} is not a valid model: {error}") from None


def file_checksum(path: Path) -> str:
    """The model file's SHA-256 (shown at GET /model: which file is being served)."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
