"""Liveness (`/health`: the process answers) and readiness (`/health/ready`: the model is loaded
and a warm-up prediction worked). Neither touches the model, so both answer during inference."""

from fastapi import APIRouter, HTTPException, Response, status

from ..errors import ErrorResponse
from ..schemas import Health, Readiness
from .predict import ServiceDep

router = APIRouter(prefix="/health", tags=["health"])


@router.get("", operation_id="health-live")
async def health() -> Health:
    """The process is up. Does no I/O, so it stays cheap for frequent probes."""
    return Health()


@router.head("", include_in_schema=False)
async def health_head() -> Response:
    """`HEAD /health`, for probes and uptime checkers that send HEAD (FastAPI adds none itself)."""
    return Response()


@router.get("/ready", operation_id="health-ready", responses={503: {"model": ErrorResponse}})
async def ready(service: ServiceDep) -> Readiness:
    """The model is loaded and warmed up: send traffic."""
    if not service.ready:
        detail = "Model not loaded yet" if service.error is None else "Model failed to load"
        raise HTTPException(
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
            detail=detail,
            headers={"Retry-After": "1"},
        )
    return Readiness(checks={"model": "ok"})
