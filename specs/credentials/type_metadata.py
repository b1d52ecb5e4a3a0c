"""Version compatibility: which known credential type may process a presented (newer) type.

Type Metadata documents are parsed by ``specs.sd_jwt_vc`` (``parse_type_metadata``,
``resolve_type_metadata``); this module decides acceptance against the types we define.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from specs.credentials.constants import SD_ALLOWED
from specs.credentials.definition import ClaimInfo, CredentialType
from specs.errors import Unsupported
from specs.integrity import check_integrity
from specs.sd_jwt_vc import TypeMetadata


def accept_type(known: CredentialType[Any], presented: TypeMetadata) -> CredentialType[Any]:
    """Return ``known`` if a verifier knowing it may process ``presented``; else raise ``Unsupported``.

    Accepted: the same vct, or a type that directly ``extends`` it (with a matching
    ``extends#integrity`` when given) and only adds optional claims: every known claim keeps
    its ``sd`` when that was ``always``/``never`` and stays mandatory when it was
    (SD-JWT VC section 5.6.5.1), and no new claim is mandatory. The caller then validates
    the claims with ``known.parse``, which ignores the claims it does not know.
    """
    if presented.vct == known.vct:
        return known
    if presented.extends != known.vct:
        raise Unsupported(
            f"credential type {presented.vct} does not extend the known type {known.vct}"
        )
    if presented.extends_integrity is not None:
        # Section 6: the extended document is the one we know, byte for byte.
        check_integrity(known.metadata_bytes(), presented.extends_integrity)
    known_claims: dict[tuple[str | int | None, ...], ClaimInfo] = {
        info.path: info for info in known.claims()
    }
    for claim in presented.claims:
        path = tuple(claim.path)
        old = known_claims.get(path)
        if old is None:
            if claim.mandatory:
                raise Unsupported(
                    f"{presented.vct} adds the mandatory claim {list(path)}; a verifier of "
                    f"{known.vct} accepts only added optional claims"
                )
            continue
        if old.sd != SD_ALLOWED and claim.sd != old.sd:
            raise Unsupported(
                f"{presented.vct} changes sd of {list(path)} from {old.sd} to {claim.sd} "
                "(SD-JWT VC section 5.6.5.1)"
            )
        if old.mandatory and not claim.mandatory:
            raise Unsupported(
                f"{presented.vct} makes the mandatory claim {list(path)} optional "
                "(SD-JWT VC section 5.6.5.1)"
            )
    return known


def accept_any(
    known_types: Iterable[CredentialType[Any]], presented: TypeMetadata
) -> CredentialType[Any]:
    """Return the known type that accepts ``presented`` (same vct or directly extended)."""
    for known in known_types:
        if presented.vct == known.vct or presented.extends == known.vct:
            return accept_type(known, presented)
    raise Unsupported(f"no known credential type accepts {presented.vct}")


__all__ = ["accept_any", "accept_type"]
