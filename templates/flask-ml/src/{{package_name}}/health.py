"""Liveness (`/health`: the process answers) and readiness (`/health/ready`: the model is loaded
and a warm-up prediction worked). Neither touches the model, so both answer during inference."""

from flask import Response, jsonify
from flask_openapi3 import APIBlueprint, Tag

from .errors import ErrorResponse
from .inference import current_service
from .schemas import Health, Readiness

bp = APIBlueprint("health", __name__, url_prefix="/health", abp_tags=[Tag(name="health")])


@bp.get(
    "",
    summary="Liveness: the process answers",
    responses={200: Health},
    operation_id="health-live",
)
def health() -> Response:
    return jsonify(status="ok")


@bp.get(
    "/ready",
    summary="Readiness: the model is loaded and warmed up",
    responses={200: Readiness, 503: ErrorResponse},
    operation_id="health-ready",
)
def ready() -> Response:
    service = current_service()
    if not service.ready:
        detail = "Model not loaded yet" if service.error is None else "Model failed to load"
        response = jsonify(detail=detail)
        response.status_code = 503
        response.headers["Retry-After"] = "1"
        return response
    return jsonify(status="ok", checks={"model": "ok"})
