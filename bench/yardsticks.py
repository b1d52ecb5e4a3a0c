"""Check-free yardsticks: what this machine's Python costs around the bare signature checks.

The issues set targets as ratios to the bare ES256 verifies a verification needs. Python
spends time around those verifies that no verifier can avoid (splitting, base64url and
JSON or CBOR decoding, hashing, building the signed bytes), and runs the verifies with
colder caches than a tight loop of them does. Each function here does only that unavoidable
work, with C decoders and no checks at all, so that a benchmark can report in the same run
how far the machine lets any Python verifier get: the ratio a target asks for is out of
reach when the yardstick alone exceeds it. They are NOT verifiers; nothing may use them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from specs.keys.jwk import raw_to_der_ecdsa


def sd_jwt_python_floor(
    presentation: str, issuer_public: ec.EllipticCurvePublicKey, holder_public: Any
) -> Callable[[], Any]:
    """Return the least any Python verifier of this presentation must do: a yardstick only.

    Split it, base64url-decode and JSON-parse every part (C decoders, no hooks), hash every
    disclosure and the sd_hash input, convert both signatures to DER and check them
    back to back, place the top-level disclosed claims (nested ones are decoded, not placed). No header, digest, claim or time rule is checked:
    this is NOT a verifier, it shows what the machine's Python costs around the two verifies.
    """
    scan = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
    to_standard = bytes.maketrans(b"-_", b"+/")
    algorithm = ec.ECDSA(hashes.SHA256())

    def b64(part: bytes) -> bytes:
        return binascii.a2b_base64(part.translate(to_standard) + b"==")

    def parse_json(raw: bytes) -> Any:
        return scan(raw.decode(), 0)[0]

    def run() -> dict[str, Any]:
        raw = presentation.encode()
        parts = raw.split(b"~")
        issuer_jwt, disclosures, kb_jwt = parts[0], parts[1:-1], parts[-1]
        head, payload, signature = issuer_jwt.split(b".")
        kb_head, kb_payload, kb_signature = kb_jwt.split(b".")
        parse_json(b64(head))
        parse_json(b64(kb_head))
        issuer_public.verify(
            raw_to_der_ecdsa(b64(signature)), issuer_jwt[: -len(signature) - 1], algorithm
        )
        holder_public.verify(
            raw_to_der_ecdsa(b64(kb_signature)), kb_jwt[: -len(kb_signature) - 1], algorithm
        )
        claims = parse_json(b64(payload))
        parse_json(b64(kb_payload))
        hashlib.sha256(raw[: -len(kb_jwt)]).digest()
        by_digest = {}
        for disclosure in disclosures:
            digest = base64.urlsafe_b64encode(hashlib.sha256(disclosure).digest()).rstrip(b"=")
            by_digest[digest.decode()] = parse_json(b64(disclosure))
        out = {k: v for k, v in claims.items() if k != "_sd"}
        for digest in claims["_sd"]:
            found = by_digest.get(digest)
            if found is not None:
                out[found[1]] = found[2]
        return out

    return run


def mdoc_python_floor(
    response: bytes, ds_key: Any, device_key: Any, transcript: bytes
) -> Callable[[], object]:
    """Return the least any Python verifier of this warm response must do: a yardstick only.

    Decode the DeviceResponse and the MSO with cbor2's C decoder, hash every disclosed
    IssuerSignedItem and look its digest up, encode both COSE Sig_structures (the
    DeviceAuthentication one included) and check both signatures back to back, with the keys
    already built (as a warm verifier has them). No structure, validity or digest rule is
    enforced: this is NOT a verifier, it shows what the machine's Python costs around the two
    verifies.
    """
    algorithm = ec.ECDSA(hashes.SHA256())
    transcript_value = cbor2.loads(transcript)

    def run() -> dict[str, object]:
        document = cbor2.loads(response)["documents"][0]
        issuer_signed, device_signed = document["issuerSigned"], document["deviceSigned"]
        protected, _, payload, signature = issuer_signed["issuerAuth"]
        ds_key.verify(
            raw_to_der_ecdsa(signature),
            cbor2.dumps(["Signature1", protected, b"", payload]),
            algorithm,
        )
        device_protected, _, _, device_signature = device_signed["deviceAuth"]["deviceSignature"]
        authentication = cbor2.dumps(
            cbor2.CBORTag(
                24,
                cbor2.dumps(
                    [
                        "DeviceAuthentication",
                        transcript_value,
                        document["docType"],
                        device_signed["nameSpaces"],
                    ]
                ),
            )
        )
        device_key.verify(
            raw_to_der_ecdsa(device_signature),
            cbor2.dumps(["Signature1", device_protected, b"", authentication]),
            algorithm,
        )
        mso = cbor2.loads(cbor2.loads(payload).value)
        disclosed: dict[str, object] = {}
        for namespace, items in issuer_signed["nameSpaces"].items():
            digests = mso["valueDigests"][namespace]
            for tagged in items:
                item = cbor2.loads(tagged.value)
                if digests[item["digestID"]] == hashlib.sha256(cbor2.dumps(tagged)).digest():
                    disclosed[item["elementIdentifier"]] = item["elementValue"]
        return disclosed

    return run
