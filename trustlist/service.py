"""The publishing endpoint: serves the static output of ``publish`` with ETag and Cache-Control."""

from __future__ import annotations

import hashlib
from pathlib import Path

from fastapi import FastAPI, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from specs.trustlist.constants import TRUST_LIST_MEDIA_TYPE
from trustlist.build import ANCHOR_FILE, LIST_FILE, VERSIONS_DIR
from trustlist.transparency import LOG_FILE


class ServiceSettings(BaseModel):
    """Settings of the trust-list endpoint."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    public_dir: Path
    max_age_seconds: int = Field(default=300, ge=0, le=86400)


def _etag(data: bytes) -> str:
    return '"' + hashlib.sha256(data).hexdigest() + '"'


def _not_modified(request: Request, etag: str) -> bool:
    header = request.headers.get("if-none-match")
    if header is None:
        return False
    candidates = {part.strip().removeprefix("W/") for part in header.split(",")}
    return etag in candidates or "*" in candidates


def create_app(settings: ServiceSettings) -> FastAPI:
    """Create the FastAPI app that publishes the list, its versions, log and anchor."""
    app = FastAPI(title="honnin trust list", docs_url=None, redoc_url=None, openapi_url=None)

    def serve(request: Request, path: Path, media_type: str) -> Response:
        if not path.is_file():
            return Response(status_code=404)
        data = path.read_bytes()
        etag = _etag(data)
        headers = {
            "ETag": etag,
            "Cache-Control": f"public, max-age={settings.max_age_seconds}",
        }
        if _not_modified(request, etag):
            return Response(status_code=304, headers=headers)
        return Response(content=data, media_type=media_type, headers=headers)

    @app.get("/trustlist.jws")
    def trust_list(request: Request) -> Response:
        """The current signed trust list."""
        return serve(request, settings.public_dir / LIST_FILE, TRUST_LIST_MEDIA_TYPE)

    @app.get("/versions/{sequence_number}.jws")
    def version(request: Request, sequence_number: int) -> Response:
        """One earlier version of the list, by sequence number."""
        path = settings.public_dir / VERSIONS_DIR / f"{sequence_number}.jws"
        return serve(request, path, TRUST_LIST_MEDIA_TYPE)

    @app.get("/log.json")
    def log(request: Request) -> Response:
        """The transparency log with its signed head."""
        return serve(request, settings.public_dir / LOG_FILE, "application/json")

    @app.get("/operator.pem")
    def anchor(request: Request) -> Response:
        """The operator certificate (pin it out of band; this copy is for convenience)."""
        return serve(request, settings.public_dir / ANCHOR_FILE, "application/x-pem-file")

    return app
