"""The issuer role: an OpenID4VCI credential issuer with status lists and bulk issuance.

``create_app(settings, deps) -> FastAPI`` builds the HTTP service; ``IssuerService`` is the
same deployment without HTTP (CLI, bulk import, benchmarks).
"""

from issuer.app import create_app
from issuer.service import IssuedOffer, IssuerDeps, IssuerService, StatusChange

__all__ = ["IssuedOffer", "IssuerDeps", "IssuerService", "StatusChange", "create_app"]
