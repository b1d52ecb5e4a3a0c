"""honnin verifier role: OpenID4VP for the new employer, with payroll export.

``create_app(settings, deps)`` builds the FastAPI service; ``VerifierService`` is the
application layer the CLI drives; ``init_verifier`` provisions a deployment folder.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

    from verifier.service import VerifierDeps
    from verifier.settings import VerifierSettings


def create_app(settings: VerifierSettings, deps: VerifierDeps | None = None) -> FastAPI:
    """Build the verifier FastAPI app (see ``verifier.app.create_app``)."""
    from verifier.app import create_app as build

    return build(settings, deps)


def __getattr__(name: str) -> Any:
    if name in {"VerifierDeps", "VerifierService"}:
        from verifier import service

        return getattr(service, name)
    raise AttributeError(name)


__all__ = ["VerifierDeps", "VerifierService", "create_app"]
