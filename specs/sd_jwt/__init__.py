"""SD-JWT (RFC 9901): selective disclosure for JWTs, with key binding.

Issue, present and verify::

    from specs.sd_jwt import SD, issue, present, verify, KeyBindingCheck

    sd_jwt = issue(
        {"iss": "https://issuer.example", "given_name": SD("Taro"),
         "address": SD({"locality": SD("Chiyoda"), "country": "JP"}),
         "nationalities": [SD("JP"), SD("US")], "cnf": {"jwk": holder.public_jwk}},
        issuer_signer, random=SystemRandom(), decoys=2,
    )                                             # "<jwt>~<disclosure>~...~"
    presentation = present(sd_jwt, [("address", "locality"), ("nationalities", 1)],
                           holder_signer=holder, aud="https://verifier.example",
                           nonce="n-0S6", clock=SystemClock())
    result = verify(presentation, issuer_signer.public_jwk, clock=SystemClock(),
                    key_binding=KeyBindingCheck(aud="https://verifier.example", nonce="n-0S6"))
    result.payload      # processed claims, without _sd / _sd_alg / "..."
    result.disclosed    # claim paths that were disclosed, e.g. ("address", "locality")
    result.key_binding  # the KB-JWT payload (None without key binding)

Public API:

- ``SD(value)``: marks an object member value or an array element as selectively disclosable;
  nest ``SD`` inside the wrapped value for recursive disclosures.
- ``issue(claims, signer, *, random, hash_alg="sha-256", decoys=0, header=None, typ=None,
  salts=None) -> str``: the compact SD-JWT with every disclosure, ending in ``~``.
- ``parse(value, *, limits) -> SdJwt``: split compact text, JSON text or a JSON object
  (NOT verified); ``SdJwt.compact()``, ``.serialize()``, ``.sd_jwt_string()``.
- ``present(sd_jwt, reveal, *, holder_signer=None, aud=None, nonce=None, clock=None) -> str``:
  ``reveal`` holds claim paths (tuples; ``None`` matches every array index). A path reveals the
  claim and everything below it; its parents' disclosures come along. Unknown paths raise
  ``NotFound``.
- ``verify(presentation, issuer_key, *, clock, key_binding=None, require_key_binding=None,
  allowed_algs=..., expected_typ=None, accepted_sd_algs=..., leeway_seconds=60, limits=...)
  -> VerifiedSdJwt``: every check of RFC 9901 section 7.1 and 7.3; raises ``HonninError``
  subclasses (``InvalidSignature``, ``DigestMismatch``, ``MalformedInput``, ``LimitExceeded``,
  ``Expired``, ``NotYetValid``, ``AudienceMismatch``, ``NonceMismatch``, ``Unsupported``).
- ``unverified_sd_jwt(presentation, *, decode_payload=True, limits) -> UnverifiedSdJwt``: split
  and decode (NOT verified) the issuer JWT's header and payload and the disclosures, once;
  ``verify_parsed(unverified, issuer_key, ...)`` then runs every check of ``verify`` without
  decoding the issuer JWT again (a verifier that needs ``iss``/``vct``/``x5c`` first).
- ``KeyBindingCheck(aud, nonce, max_age_seconds=300, leeway_seconds=60, allowed_algs=...)``.
- ``to_json_serialization(sd_jwt, general=False)`` / ``parse_json_serialization(doc)``: the
  JWS JSON serialization of section 8 (``verify`` and ``present`` accept it directly).
- Lower level: ``Disclosure``, ``make_disclosure``, ``parse_disclosure``, ``digest``,
  ``sd_hash``, ``create_kb_jwt``, ``verify_kb_jwt``, ``process_payload``, ``unverified_processed``.
"""

from specs.sd_jwt.disclosure import Disclosure, digest, make_disclosure, parse_disclosure
from specs.sd_jwt.issuance import SD, issue
from specs.sd_jwt.key_binding import KeyBindingCheck, create_kb_jwt, sd_hash, verify_kb_jwt
from specs.sd_jwt.presentation import present, select_disclosures, unverified_processed
from specs.sd_jwt.processing import ProcessedPayload, index_disclosures, process_payload
from specs.sd_jwt.serialization import (
    SdJwt,
    parse,
    parse_compact,
    parse_json_serialization,
    to_json_serialization,
)
from specs.sd_jwt.verification import (
    UnverifiedSdJwt,
    VerifiedSdJwt,
    check_time_claims,
    unverified_sd_jwt,
    verify,
    verify_parsed,
)

__all__ = [
    "SD",
    "Disclosure",
    "KeyBindingCheck",
    "ProcessedPayload",
    "SdJwt",
    "UnverifiedSdJwt",
    "VerifiedSdJwt",
    "check_time_claims",
    "create_kb_jwt",
    "digest",
    "index_disclosures",
    "issue",
    "make_disclosure",
    "parse",
    "parse_compact",
    "parse_disclosure",
    "parse_json_serialization",
    "present",
    "process_payload",
    "sd_hash",
    "select_disclosures",
    "to_json_serialization",
    "unverified_processed",
    "unverified_sd_jwt",
    "verify",
    "verify_kb_jwt",
    "verify_parsed",
]
