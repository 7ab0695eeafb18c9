"""Request and response bodies (Pydantic v2), with validation that fits the model.

Every row has exactly FEATURE_COUNT finite numbers within [FEATURE_MIN, FEATURE_MAX]: NaN and
infinity (which Python's JSON parser accepts) are refused with 422 before they reach the model,
and so is a batch of more than MAX_BATCH_SIZE rows. Change these constants together with the
model: at start-up the service checks that the loaded model expects FEATURE_COUNT features.
"""

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

FEATURES = ("sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm")
FEATURE_COUNT = len(FEATURES)
FEATURE_MIN = 0.0
FEATURE_MAX = 100.0
MAX_BATCH_SIZE = 256
# A typical row: the docs' example, and the warm-up prediction run before the service is ready.
EXAMPLE_ROW = (5.1, 3.5, 1.4, 0.2)

Feature = Annotated[float, Field(ge=FEATURE_MIN, le=FEATURE_MAX, allow_inf_nan=False)]
FeatureRow = Annotated[
    list[Feature],
    Field(
        min_length=FEATURE_COUNT,
        max_length=FEATURE_COUNT,
        description=f"The {FEATURE_COUNT} features, in this order: {', '.join(FEATURES)}",
        examples=[list(EXAMPLE_ROW)],
    ),
]


class PredictRequest(BaseModel):
    """One row to predict."""

    model_config = ConfigDict(extra="forbid")

    features: FeatureRow


class BatchPredictRequest(BaseModel):
    """Up to MAX_BATCH_SIZE rows, predicted in one model call."""

    model_config = ConfigDict(extra="forbid")

    instances: Annotated[list[FeatureRow], Field(min_length=1, max_length=MAX_BATCH_SIZE)]


class PredictionOut(BaseModel):
    """The most likely label and every label's score (the scores sum to 1)."""

    label: str
    scores: dict[str, float]


class PredictResponse(BaseModel):
    prediction: PredictionOut
    model_version: str


class BatchPredictResponse(BaseModel):
    """One prediction per row, in the order of the request."""

    predictions: list[PredictionOut]
    model_version: str


class ModelInfo(BaseModel):
    """What is being served: enough to tell two deployments apart and to build a client."""

    name: str
    version: str
    file: str
    sha256: str
    features: list[str]
    max_batch_size: int
    input_schema: dict[str, Any]


class Health(BaseModel):
    status: str = "ok"


class Readiness(BaseModel):
    status: str = "ok"
    checks: dict[str, str]
