"""`POST /predict` (one row), `POST /predict/batch` (many) and `GET /model` (what is served)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from ..errors import ErrorResponse
from ..inference import ModelService, NotReadyError
from ..model import Prediction
from ..schemas import (
    FEATURES,
    MAX_BATCH_SIZE,
    BatchPredictRequest,
    BatchPredictResponse,
    ModelInfo,
    PredictionOut,
    PredictRequest,
    PredictResponse,
)

router = APIRouter(tags=["model"])


def get_service(request: Request) -> ModelService:
    service: ModelService = request.app.state.model_service
    return service


ServiceDep = Annotated[ModelService, Depends(get_service)]

UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {"model": ErrorResponse, "description": "Model not ready, or too busy"},
    504: {"model": ErrorResponse, "description": "Prediction timed out"},
}


def _out(prediction: Prediction) -> PredictionOut:
    return PredictionOut(label=prediction.label, scores=prediction.scores)


def _version(service: ModelService) -> str:
    return service.model.version if service.model is not None else ""


@router.post("/predict", operation_id="predict", responses=UNAVAILABLE)
async def predict(body: PredictRequest, service: ServiceDep) -> PredictResponse:
    """Predict one row."""
    [prediction] = await service.predict([body.features])
    return PredictResponse(prediction=_out(prediction), model_version=_version(service))


@router.post("/predict/batch", operation_id="predict-batch", responses=UNAVAILABLE)
async def predict_batch(body: BatchPredictRequest, service: ServiceDep) -> BatchPredictResponse:
    """Predict up to MAX_BATCH_SIZE rows; one prediction per row, in order."""
    predictions = await service.predict(body.instances)
    return BatchPredictResponse(
        predictions=[_out(p) for p in predictions], model_version=_version(service)
    )


@router.get("/model", operation_id="model-info", responses={503: UNAVAILABLE[503]})
async def model_info(service: ServiceDep) -> ModelInfo:
    """The model being served: name, version, the file's SHA-256 and the input schema."""
    model = service.model
    if model is None:
        raise NotReadyError("The model is not loaded yet")
    return ModelInfo(
        name=model.name,
        version=model.version,
        file=service.path.name,
        sha256=service.checksum,
        features=list(FEATURES),
        max_batch_size=MAX_BATCH_SIZE,
        input_schema=PredictRequest.model_json_schema(),
    )
