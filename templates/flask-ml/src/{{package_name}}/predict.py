"""`POST /predict` (one row), `POST /predict/batch` (many) and `GET /model` (what is served)."""

from flask import Response
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel

from .errors import ErrorResponse
from .inference import NotReadyError, current_service
from .model import Prediction
from .schemas import (
    FEATURES,
    MAX_BATCH_SIZE,
    BatchPredictRequest,
    BatchPredictResponse,
    ModelInfo,
    PredictionOut,
    PredictRequest,
    PredictResponse,
)

bp = APIBlueprint("model", __name__, abp_tags=[Tag(name="model")])


def json_response(model: BaseModel, status: int = 200) -> Response:
    return Response(model.model_dump_json(), status=status, mimetype="application/json")


def _out(prediction: Prediction) -> PredictionOut:
    return PredictionOut(label=prediction.label, scores=prediction.scores)


def _version() -> str:
    model = current_service().model
    return model.version if model is not None else ""


@bp.post(
    "/predict",
    summary="Predict one row",
    responses={200: PredictResponse, 503: ErrorResponse, 504: ErrorResponse},
    operation_id="predict",
)
def predict(body: PredictRequest) -> Response:
    [prediction] = current_service().predict([body.features])
    return json_response(PredictResponse(prediction=_out(prediction), model_version=_version()))


@bp.post(
    "/predict/batch",
    summary="Predict up to MAX_BATCH_SIZE rows; one prediction per row, in order",
    responses={200: BatchPredictResponse, 503: ErrorResponse, 504: ErrorResponse},
    operation_id="predict-batch",
)
def predict_batch(body: BatchPredictRequest) -> Response:
    predictions = current_service().predict(body.instances)
    return json_response(
        BatchPredictResponse(predictions=[_out(p) for p in predictions], model_version=_version())
    )


@bp.get(
    "/model",
    summary="The model being served: name, version, the file's SHA-256 and the input schema",
    responses={200: ModelInfo, 503: ErrorResponse},
    operation_id="model-info",
)
def model_info() -> Response:
    service = current_service()
    model = service.model
    if model is None:
        raise NotReadyError("The model is not loaded yet")
    return json_response(
        ModelInfo(
            name=model.name,
            version=model.version,
            file=service.path.name,
            sha256=service.checksum,
            features=list(FEATURES),
            max_batch_size=MAX_BATCH_SIZE,
            input_schema=PredictRequest.model_json_schema(),
        )
    )
