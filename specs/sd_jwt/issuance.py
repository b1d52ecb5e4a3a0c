"""Issuing SD-JWTs (RFC 9901 sections 4 and 5): digests, recursive disclosures, decoys."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from specs.encoding import b64url_encode
from specs.errors import ClaimPath, MalformedInput
from specs.jose import sign_compact
from specs.ports import Random, Signer
from specs.sd_jwt.constants import (
    ARRAY_DIGEST_KEY,
    SALT_BYTES,
    SD_ALG_CLAIM,
    SD_DIGESTS_KEY,
    SEPARATOR,
)
from specs.sd_jwt.disclosure import Disclosure, hash_name, make_disclosure


@dataclass(frozen=True, slots=True, eq=False)
class SD:
    """Marks a claim value or an array element as selectively disclosable.

    ``{"address": SD({"locality": SD("Tokyo")})}`` makes ``address`` disclosable and, inside
    it, ``locality`` disclosable too (recursive disclosures, RFC 9901 section 6.3).
    """

    value: Any


@dataclass(slots=True)
class _Builder:
    random: Random
    sd_alg: str
    decoys: int
    salts: Mapping[ClaimPath, str]
    disclosures: list[Disclosure] = field(default_factory=list)

    def salt(self, path: ClaimPath) -> str:
        given = self.salts.get(path)
        if given is not None:
            return given
        return b64url_encode(self.random.bytes(SALT_BYTES))

    def decoy(self) -> str:
        # RFC 9901 section 4.2.5: a decoy is the digest over a random value.
        raw = b64url_encode(self.random.bytes(SALT_BYTES))
        return b64url_encode(hashlib.new(hash_name(self.sd_alg), raw.encode("ascii")).digest())

    def disclose(self, path: ClaimPath, name: str | None, value: Any) -> str:
        disclosure = make_disclosure(self.salt(path), name, value, self.sd_alg)
        self.disclosures.append(disclosure)
        return disclosure.digest

    def build(self, value: Any, path: ClaimPath) -> Any:
        if isinstance(value, SD):
            raise MalformedInput(
                "SD() must wrap an object member or array element", claim_path=path
            )
        if isinstance(value, Mapping):
            out: dict[str, Any] = {}
            digests: list[str] = []
            for name, item in value.items():
                if not isinstance(name, str):
                    raise MalformedInput("claim names must be strings", claim_path=path)
                if name in (SD_DIGESTS_KEY, ARRAY_DIGEST_KEY):
                    raise MalformedInput(
                        f"claim name {name!r} is reserved by SD-JWT", claim_path=(*path, name)
                    )
                here = (*path, name)
                if isinstance(item, SD):
                    digests.append(self.disclose(here, name, self.build(item.value, here)))
                else:
                    out[name] = self.build(item, here)
            if digests:
                digests.extend(self.decoy() for _ in range(self.decoys))
                # RFC 9901 section 4.2.4.1: sort so the order reveals nothing about the claims.
                out[SD_DIGESTS_KEY] = sorted(digests)
            return out
        if isinstance(value, list | tuple):
            items: list[Any] = []
            for index, item in enumerate(value):
                here = (*path, index)
                if isinstance(item, SD):
                    items.append(
                        {ARRAY_DIGEST_KEY: self.disclose(here, None, self.build(item.value, here))}
                    )
                else:
                    items.append(self.build(item, here))
            return items
        return value


def issue(
    claims: Mapping[str, Any],
    signer: Signer,
    *,
    random: Random,
    hash_alg: str = "sha-256",
    decoys: int = 0,
    header: Mapping[str, Any] | None = None,
    typ: str | None = None,
    salts: Mapping[ClaimPath, str] | None = None,
) -> str:
    """Issue an SD-JWT: sign the claims with ``SD`` markers turned into digests; end with ``~``.

    ``decoys`` decoy digests are added to every object that has disclosable claims.
    ``salts`` maps claim paths (``("address", "locality")``, ``("nationalities", 1)``) to
    fixed salts, for reproducing published examples; other salts come from ``random``.
    """
    if not isinstance(claims, Mapping):
        raise MalformedInput("SD-JWT claims must be a JSON object")
    if SD_ALG_CLAIM in claims:
        raise MalformedInput("claim name '_sd_alg' is set by the issuer function")
    if decoys < 0:
        raise MalformedInput("decoys must not be negative")
    hash_name(hash_alg)
    builder = _Builder(random, hash_alg, decoys, salts or {})
    payload = builder.build(claims, ())
    payload[SD_ALG_CLAIM] = hash_alg
    jwt = sign_compact(payload, signer, header=header, typ=typ)
    return SEPARATOR.join((jwt, *(d.encoded for d in builder.disclosures), ""))
