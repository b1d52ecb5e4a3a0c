"""Issuing SD-JWTs (RFC 9901 sections 4 and 5): digests, recursive disclosures, decoys."""

from __future__ import annotations

import binascii
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from specs.encoding import b64url_encode
from specs.errors import ClaimPath, LimitExceeded, MalformedInput
from specs.jose import sign_compact
from specs.limits import DEFAULT_LIMITS, Limits
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


# --- Compiled issuance: one claims structure, many SD-JWTs with fresh salts -----------------
#
# Batch issuance (OpenID4VCI section 8.1) signs several instances of the same claims, each
# with its own salts, decoys and digests (unlinkability, RFC 9901 section 10.1). What does not
# depend on the salts (the claim structure, the JSON of every disclosed value, name checks) is
# done once by ``compile_claims``; ``IssuanceTemplate.render`` then draws all the salts of one
# instance with a single ``Random.bytes`` call and produces disclosures byte-identical to
# ``make_disclosure`` (same JSON form), in the same order as ``issue``.

_URLSAFE = bytes.maketrans(b"+/", b"-_")
_STATIC, _PLAIN, _LEAF, _NESTED = 0, 1, 2, 3


def _b64url(data: bytes) -> bytes:
    return binascii.b2a_base64(data, newline=False).rstrip(b"=").translate(_URLSAFE)


# The form ``make_disclosure`` uses (``json.dumps`` defaults, no NaN), built once.
_JSON = json.JSONEncoder(allow_nan=False)


def _json_bytes(value: Any, path: ClaimPath) -> bytes:
    try:
        return _JSON.encode(value).encode("ascii")
    except (TypeError, ValueError) as exc:
        raise MalformedInput(f"claim value is not JSON: {exc}", claim_path=path) from exc


def _plain(value: Any, path: ClaimPath) -> Any:
    """Copy a value without ``SD`` markers into JSON types, checking names as ``issue`` does."""
    if isinstance(value, SD):
        raise MalformedInput("SD() must wrap an object member or array element", claim_path=path)
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for name, item in value.items():
            if not isinstance(name, str):
                raise MalformedInput("claim names must be strings", claim_path=path)
            if name in (SD_DIGESTS_KEY, ARRAY_DIGEST_KEY):
                raise MalformedInput(
                    f"claim name {name!r} is reserved by SD-JWT", claim_path=(*path, name)
                )
            out[name] = _plain(item, (*path, name))
        return out
    if isinstance(value, list | tuple):
        return [_plain(item, (*path, index)) for index, item in enumerate(value)]
    return value


@dataclass(frozen=True, slots=True)
class _Disclosed:
    """One disclosure site: its salt slot, the JSON after the salt, or a node to render first."""

    slot: int
    # For a value without SD inside: everything after the salt, ``", <name>, <value>]``.
    tail: bytes
    # For a value with SD inside: ``", <name>, `` here and the value rendered per instance.
    node: _Object | _Array | None


@dataclass(frozen=True, slots=True)
class _Object:
    members: tuple[tuple[str, int, Any], ...]
    decoy_slots: tuple[int, ...]
    has_digests: bool


@dataclass(frozen=True, slots=True)
class _Array:
    items: tuple[tuple[int, Any], ...]


@dataclass(slots=True)
class _Compiler:
    decoys: int
    limits: Limits
    slots: int = 0
    disclosures: int = 0

    def take(self) -> int:
        self.slots += 1
        return self.slots - 1

    def disclosed(self, name: str | None, value: Any, path: ClaimPath) -> _Disclosed:
        self.disclosures += 1
        if self.disclosures > self.limits.max_disclosures:
            raise LimitExceeded(f"more than {self.limits.max_disclosures} disclosures")
        head = b'", ' if name is None else b'", ' + _json_bytes(name, path) + b", "
        dynamic, node = self.node(value, path)
        if dynamic:
            return _Disclosed(self.take(), head, node)
        return _Disclosed(self.take(), head + _json_bytes(node, path) + b"]", None)

    def node(self, value: Any, path: ClaimPath) -> tuple[bool, Any]:
        """Compile ``value``: (True, node) when it holds ``SD`` markers, else (False, a copy)."""
        if len(path) > self.limits.max_json_depth:
            raise LimitExceeded(
                f"claims nest deeper than {self.limits.max_json_depth}", claim_path=path
            )
        if isinstance(value, SD):
            raise MalformedInput(
                "SD() must wrap an object member or array element", claim_path=path
            )
        if isinstance(value, Mapping):
            members: list[tuple[str, int, Any]] = []
            has_digests = dynamic = False
            for name, item in value.items():
                if not isinstance(name, str):
                    raise MalformedInput("claim names must be strings", claim_path=path)
                if name in (SD_DIGESTS_KEY, ARRAY_DIGEST_KEY):
                    raise MalformedInput(
                        f"claim name {name!r} is reserved by SD-JWT", claim_path=(*path, name)
                    )
                here = (*path, name)
                if isinstance(item, SD):
                    has_digests = dynamic = True
                    members.append((name, _NESTED, self.disclosed(name, item.value, here)))
                    continue
                inner, compiled = self.node(item, here)
                dynamic = dynamic or inner
                members.append((name, _PLAIN if inner else _STATIC, compiled))
            if not dynamic:
                return False, {name: compiled for name, _, compiled in members}
            decoy_slots = tuple(self.take() for _ in range(self.decoys)) if has_digests else ()
            return True, _Object(tuple(members), decoy_slots, has_digests)
        if isinstance(value, list | tuple):
            items: list[tuple[int, Any]] = []
            dynamic = False
            for index, item in enumerate(value):
                here = (*path, index)
                if isinstance(item, SD):
                    dynamic = True
                    items.append((_NESTED, self.disclosed(None, item.value, here)))
                    continue
                inner, compiled = self.node(item, here)
                dynamic = dynamic or inner
                items.append((_PLAIN if inner else _STATIC, compiled))
            if not dynamic:
                return False, [compiled for _, compiled in items]
            return True, _Array(tuple(items))
        if not isinstance(value, str | int | bool | None):
            _json_bytes(value, path)  # floats too: NaN and infinities are not JSON
        return False, value


@dataclass(slots=True)
class _Render:
    salts: list[bytes]
    hasher: Any
    disclosures: list[str]

    def disclose(self, site: _Disclosed) -> str:
        tail = site.tail
        if site.node is not None:
            value = self.value(site.node)
            tail = tail + _JSON.encode(value).encode("ascii") + b"]"
        encoded = _b64url(b'["' + self.salts[site.slot] + tail)
        self.disclosures.append(encoded.decode("ascii"))
        return _b64url(self.hasher(encoded).digest()).decode("ascii")

    def value(self, node: _Object | _Array) -> Any:
        if isinstance(node, _Object):
            out: dict[str, Any] = {}
            digests: list[str] = []
            for name, kind, item in node.members:
                if kind == _STATIC:
                    out[name] = item
                elif kind == _PLAIN:
                    out[name] = self.value(item)
                else:
                    digests.append(self.disclose(item))
            if node.has_digests:
                # RFC 9901 section 4.2.5: a decoy is the digest over a random value.
                hasher = self.hasher
                digests.extend(
                    _b64url(hasher(self.salts[slot]).digest()).decode("ascii")
                    for slot in node.decoy_slots
                )
                # RFC 9901 section 4.2.4.1: sorted, so the order reveals nothing.
                out[SD_DIGESTS_KEY] = sorted(digests)
            return out
        items: list[Any] = []
        for kind, item in node.items:
            if kind == _STATIC:
                items.append(item)
            elif kind == _PLAIN:
                items.append(self.value(item))
            else:
                items.append({ARRAY_DIGEST_KEY: self.disclose(item)})
        return items


@dataclass(frozen=True, slots=True, eq=False)
class IssuanceTemplate:
    """Claims with ``SD`` markers compiled once, for issuing many SD-JWTs with fresh salts."""

    hash_alg: str
    salt_count: int
    _root: _Object
    _hasher: Any
    _names: frozenset[str]

    def render(
        self, random: Random, leading: Mapping[str, Any] | None = None
    ) -> tuple[dict[str, Any], list[str]]:
        """Return a fresh payload (new salts, decoys and digests) and its encoded disclosures.

        ``leading`` members (never disclosable, e.g. ``iss``, ``cnf``) come first, as when they
        precede the claims given to ``issue``.
        """
        raw = random.bytes(SALT_BYTES * self.salt_count) if self.salt_count else b""
        if len(raw) != SALT_BYTES * self.salt_count:
            raise MalformedInput("the random source returned too few bytes")
        salts = [_b64url(raw[i : i + SALT_BYTES]) for i in range(0, len(raw), SALT_BYTES)]
        render = _Render(salts, self._hasher, [])
        claims = render.value(self._root)
        payload: dict[str, Any] = {}
        if leading:
            for name, value in leading.items():
                if name in self._names or name in (SD_ALG_CLAIM, SD_DIGESTS_KEY):
                    raise MalformedInput(f"claim {name!r} is given twice", claim_path=(name,))
                payload[name] = _plain(value, (name,))
        payload.update(claims)
        payload[SD_ALG_CLAIM] = self.hash_alg
        return payload, render.disclosures

    def issue(
        self,
        signer: Signer,
        *,
        random: Random,
        leading: Mapping[str, Any] | None = None,
        header: Mapping[str, Any] | None = None,
        typ: str | None = None,
    ) -> str:
        """Issue one SD-JWT from the template (fresh salts); end with ``~``."""
        payload, disclosures = self.render(random, leading)
        jwt = sign_compact(payload, signer, header=header, typ=typ)
        return SEPARATOR.join((jwt, *disclosures, ""))


def compile_claims(
    claims: Mapping[str, Any],
    *,
    hash_alg: str = "sha-256",
    decoys: int = 0,
    limits: Limits = DEFAULT_LIMITS,
) -> IssuanceTemplate:
    """Compile claims with ``SD`` markers into a template (checked as ``issue`` checks them)."""
    if not isinstance(claims, Mapping):
        raise MalformedInput("SD-JWT claims must be a JSON object")
    if SD_ALG_CLAIM in claims:
        raise MalformedInput("claim name '_sd_alg' is set by the issuer function")
    if decoys < 0:
        raise MalformedInput("decoys must not be negative")
    hasher = getattr(hashlib, hash_name(hash_alg))
    compiler = _Compiler(decoys, limits)
    dynamic, root = compiler.node(claims, ())
    if not dynamic:
        root = _Object(tuple((name, _STATIC, item) for name, item in root.items()), (), False)
    names = frozenset(name for name, _, _ in root.members)
    return IssuanceTemplate(hash_alg, compiler.slots, root, hasher, names)
