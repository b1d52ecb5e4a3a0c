"""Presenting credentials: the OpenID4VP 1.0 holder flow, consent first, sans-IO core.

``verify_incoming`` checks the signed Request Object against the access certificates the
trust list registers (so the verifier's identity and allowed items come from the trust
list, never from the request). ``prepare`` matches the DCQL query against stored
credentials and builds one consent screen per Credential Query (``wallet.consent``).
``respond`` applies the person's answer and returns the POST to make: a ``vp_token`` with
only the consented disclosures and a KB-JWT (``aud`` = client_id, the verifier's nonce,
plus the verifier's pairwise pseudonym) or, when declined or not allowed, the OpenID4VP
error response, so the verifier never waits for a timeout. ``refuse`` builds that error
for a request that verified but cannot be served. The async adapter at the end fetches
the request and posts the answer.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509

from specs.credentials import credential_type_by_vct
from specs.credentials.mdoc import credential_type_by_doctype
from specs.dcql import Candidate, CredentialQuery, DcqlQuery, match_query
from specs.errors import (
    ClaimPath,
    HonninError,
    NotFound,
    PolicyViolation,
    Unsupported,
    UntrustedVerifier,
)
from specs.limits import DEFAULT_LIMITS, Limits
from specs.openid4vp import (
    RequestLink,
    ResponseSubmission,
    VerifiedRequest,
    build_error_response,
    build_response,
    error_code_for,
    parse_request_link,
    verify_request,
)
from specs.openid4vp.constants import ERROR_ACCESS_DENIED
from specs.sd_jwt import create_kb_jwt, parse, present, unverified_processed
from specs.trustlist.model import IntendedUse, TrustList, VerifierEntry
from trustlist.evaluation import path_allowed, verifier_permissions
from wallet.consent import (
    ConsentScreen,
    RuleDecision,
    decide,
    is_my_number,
    path_covers,
    screen,
)
from wallet.constants import (
    FORMAT_DC_SD_JWT,
    KB_PSEUDONYM_CLAIM,
    OUTCOME_DECLINED,
    OUTCOME_DISCLOSED,
    OUTCOME_REFUSED,
    REFILL_THRESHOLD,
    STATUS_REVOKED,
    STATUS_SUSPENDED,
    STATUS_VALID,
)
from wallet.credential_status import unavailable_reason
from wallet.holder import Wallet
from wallet.mdoc_presentation import (
    FORMAT_MSO_MDOC,
    claim_paths,
    mdoc_candidate,
    present_mdoc,
    query_type,
)
from wallet.store import StoredCredential
from wallet.transport import WalletHttp, expect_ok
from wallet.w3c_presentation import (
    FORMAT_LDP_VC,
    ldp_candidate,
    ldp_claim_paths,
    ldp_query_type_ids,
    present_ldp_vc,
)


@dataclass(frozen=True, slots=True)
class QueryScreen:
    """One Credential Query, the stored credential that answers it, and its consent screen."""

    query_id: str
    credential: StoredCredential
    screen: ConsentScreen


@dataclass(frozen=True, slots=True)
class PendingPresentation:
    """A verified, allowed request waiting for the person's decision."""

    verified: VerifiedRequest
    verifier: VerifierEntry
    purpose_id: str
    purpose: str
    verifier_name: str
    screens: tuple[QueryScreen, ...]
    rule: RuleDecision
    my_number_legal_basis: str | None = None

    @property
    def verifier_id(self) -> str:
        """The verifier's trust-list identifier (key of pseudonyms, instances and rules)."""
        return self.verifier.entity_id


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the wallet decided, what it sends, and the log entry it writes."""

    outcome: str
    sent: str
    submission: ResponseSubmission | None
    message: str
    log_entry: dict[str, Any]
    disclosed: Mapping[str, tuple[ClaimPath, ...]] = field(default_factory=dict)
    refill: tuple[str, ...] = ()


def _label_path(path: Sequence[Any]) -> str:
    return "/".join("*" if p is None else str(p) for p in path)


def access_anchors(trust_list: TrustList) -> list[x509.Certificate]:
    """Every registered verifier access certificate: the only anchors a request may chain to."""
    return [cert for v in trust_list.verifiers for cert in v.access_certificates]


def verify_incoming(
    wallet: Wallet,
    link: RequestLink,
    request_object: str,
    trust_list: TrustList,
    *,
    limits: Limits = DEFAULT_LIMITS,
) -> VerifiedRequest:
    """Verify a Request Object's signature and chain against the trust list's verifiers."""
    anchors = access_anchors(trust_list)
    if not anchors:
        raise UntrustedVerifier("the trust list registers no verifier")
    return verify_request(link, request_object, anchors=anchors, clock=wallet.clock, limits=limits)


def _type_keys(credential_query: CredentialQuery) -> tuple[str, ...]:
    keys: list[str] = list(credential_query.vct_values)
    for vct in credential_query.vct_values:
        with contextlib.suppress(NotFound):
            keys.append(credential_type_by_vct(vct).id)
    mdoc_type = query_type(credential_query)
    if mdoc_type is not None:
        keys.extend((mdoc_type.vct, mdoc_type.id))
    keys.extend(ldp_query_type_ids(credential_query))
    return tuple(keys)


def _allowed(use: IntendedUse, type_keys: Iterable[str]) -> tuple[ClaimPath, ...] | None:
    for permission in use.credentials:
        if permission.credential_type in type_keys:
            return permission.claims
    return None


def _choose_use(
    verifier: VerifierEntry, queries: Sequence[CredentialQuery], purpose_id: str | None
) -> IntendedUse:
    if purpose_id is not None:
        use = next((u for u in verifier.intended_uses if u.purpose_id == purpose_id), None)
        if use is None:
            raise PolicyViolation(f"{verifier.entity_id!r} is not registered for {purpose_id!r}")
        return use
    # The request carries no purpose; the registered use that covers every queried type and
    # most of the requested items is the one the consent screen shows.
    best: tuple[int, IntendedUse] | None = None
    for use in verifier.intended_uses:
        score = 0
        for query in queries:
            allowed = _allowed(use, _type_keys(query))
            if allowed is None:
                score = -1
                break
            score += sum(path_allowed(c.path, allowed) for c in query.claims or ())
        if score >= 0 and (best is None or score > best[0]):
            best = (score, use)
    if best is None:
        raise PolicyViolation(
            f"{verifier.entity_id!r} is not registered to request these credential types"
        )
    return best[1]


def _verifier_entry(trust_list: TrustList, verified: VerifiedRequest) -> VerifierEntry:
    client_id = verified.request.client_id
    entry = next((v for v in trust_list.verifiers if v.client_id == client_id), None)
    if entry is None:
        raise UntrustedVerifier(f"client_id {client_id!r} is not registered in the trust list")
    return entry


def _labels(credential: StoredCredential, language: str) -> dict[ClaimPath, str]:
    try:
        kind = credential_type_by_vct(credential.vct)
    except NotFound:
        if credential.format != FORMAT_MSO_MDOC:
            return {}
        kind = credential_type_by_doctype(credential.vct)
    return {info.path: (info.ja if language == "ja" else info.en) for info in kind.claims()}


def _refused_by_policy(
    query: CredentialQuery, registered: Sequence[ClaimPath], legal_basis: str | None
) -> list[ClaimPath]:
    """Every queried claim the wallet refuses whatever the person says, held or not.

    The DCQL match drops claims the credential lacks (a slip never carries a My Number), so
    without this the screen would hide that the verifier asked for them at all.
    """
    refused = []
    for path in ldp_claim_paths(
        query, claim_paths(query, [claim.path for claim in query.claims or ()])
    ):
        if (is_my_number(path) and not legal_basis) or not any(
            path_covers(r, path) for r in registered
        ):
            refused.append(path)
    return refused


def _candidate(credential: StoredCredential) -> Candidate:
    if credential.format == FORMAT_MSO_MDOC:
        return mdoc_candidate(credential)
    if credential.format == FORMAT_LDP_VC:
        return ldp_candidate(credential)
    return Candidate(
        id=credential.id, format=credential.format, claims=credential.claims, vcts=(credential.vct,)
    )


def _not_offered(
    query: DcqlQuery, held: Sequence[StoredCredential], unsatisfied: Sequence[str], language: str
) -> str:
    """Why held credentials that would answer the unmet queries are not offered ("" if none)."""
    withheld = {c.id: c for c in held if c.status in (STATUS_REVOKED, STATUS_SUSPENDED)}
    if not withheld:
        return ""
    matches = match_query(query, [_candidate(c) for c in withheld.values()]).matches
    reasons = []
    for query_id in unsatisfied:
        for found in matches.get(query_id, ()):
            credential = withheld[found.credential_id]
            name = _display_name(credential, language)
            reasons.append(f"{name} {credential.id[:12]}: {unavailable_reason(credential)}")
    if not reasons:
        return ""
    return "; not offered: " + "; ".join(dict.fromkeys(reasons))


def _display_name(credential: StoredCredential, language: str) -> str:
    for item in credential.display.get("credential", []):
        if str(item.get("locale", "")).startswith(language):
            return str(item.get("name", credential.type_id))
    return credential.type_id


def prepare(
    wallet: Wallet,
    verified: VerifiedRequest,
    trust_list: TrustList,
    *,
    purpose_id: str | None = None,
) -> PendingPresentation:
    """Match a verified request against the wallet and build the consent screens.

    Raises ``UntrustedVerifier`` (not registered), ``PolicyViolation`` (a credential type it
    may not ask for), ``Unsupported`` (a format this wallet does not hold) or ``NotFound``
    (no stored credential answers the query): the caller sends the matching error response.
    """
    request = verified.request
    entry = _verifier_entry(trust_list, verified)
    queries = request.dcql_query.credentials
    for query in queries:
        if query.format not in (FORMAT_DC_SD_JWT, FORMAT_MSO_MDOC, FORMAT_LDP_VC):
            raise Unsupported(f"Credential Format {query.format!r} is not held by this wallet")
    use = _choose_use(entry, queries, purpose_id)
    permissions = verifier_permissions(
        trust_list,
        purpose_id=use.purpose_id,
        at=wallet.clock.now(),
        client_id=request.client_id,
        access_certificate=verified.certificate,
    )
    held = wallet.store.credentials()
    # Only valid credentials are offered: not one the issuer's status list marked revoked or
    # suspended at the last `honnin wallet status` (no list is fetched here: the issuer would
    # learn when the person presents, Token Status List draft section 12).
    stored = {c.id: c for c in held if c.status == STATUS_VALID}
    matched = match_query(request.dcql_query, [_candidate(c) for c in stored.values()])
    if not matched.satisfied:
        raise NotFound(
            "no stored credential answers the request: "
            + ", ".join(matched.unsatisfied)
            + _not_offered(request.dcql_query, held, matched.unsatisfied, wallet.profile.language)
        )
    language = wallet.profile.language
    name = entry.legal_name.ja if language == "ja" else entry.legal_name.en
    purpose = use.purpose.ja if language == "ja" else use.purpose.en
    legal_basis = (
        f"{permissions.my_number_legal_basis.law} {permissions.my_number_legal_basis.article}"
        if permissions.my_number_legal_basis is not None
        else None
    )
    rule = RuleDecision(wallet.store.rule(entry.entity_id, use.purpose_id))
    screens = []
    for query_id, found in matched.selection.items():
        credential = stored[found[0].credential_id]
        query = request.dcql_query.credential(query_id)
        registered = _allowed(use, _type_keys(query)) or ()
        screens.append(
            QueryScreen(
                query_id,
                credential,
                screen(
                    verifier_id=entry.entity_id,
                    verifier_name=name,
                    purpose=purpose,
                    credential_id=credential.id,
                    requested=[
                        *ldp_claim_paths(query, claim_paths(query, found[0].disclose)),
                        *_refused_by_policy(query, registered, legal_basis),
                    ],
                    registered=registered,
                    my_number_legal_basis=legal_basis,
                    labels=_labels(credential, language),
                    rule=rule,
                ),
            )
        )
    return PendingPresentation(
        verified=verified,
        verifier=entry,
        purpose_id=use.purpose_id,
        purpose=purpose,
        verifier_name=name,
        screens=tuple(screens),
        rule=rule,
        my_number_legal_basis=legal_basis,
    )


def _entry(
    wallet: Wallet,
    *,
    verifier_id: str,
    verifier_name: str,
    client_id: str,
    purpose_id: str | None,
    purpose: str | None,
    outcome: str,
    sent: str,
    credentials: list[dict[str, Any]],
    pseudonym: str | None,
    reason: str | None = None,
) -> dict[str, Any]:
    return {
        "time": wallet.clock.now().isoformat(),
        "verifier": verifier_id,
        "verifier_name": verifier_name,
        "client_id": client_id,
        "purpose_id": purpose_id,
        "purpose": purpose,
        "credentials": credentials,
        "pseudonym": pseudonym,
        "outcome": outcome,
        "sent": sent,
        "reason": reason,
    }


def refuse(
    wallet: Wallet,
    verified: VerifiedRequest,
    error: HonninError,
    trust_list: TrustList | None = None,
) -> Outcome:
    """The error response for a verified request the wallet cannot serve (nothing disclosed)."""
    # What the wallet holds, and why it is not offered, stays with the person: the verifier
    # learns only that nothing answers its request.
    description = (
        f"{error.code}: no credential the wallet can offer answers the request"
        if isinstance(error, NotFound)
        else None
    )
    submission = build_error_response(verified, error, description)
    code = error_code_for(error)
    name = verified.request.client_id
    verifier_id = verified.request.client_id
    if trust_list is not None:
        entry = next(
            (v for v in trust_list.verifiers if v.client_id == verified.request.client_id), None
        )
        if entry is not None:
            verifier_id = entry.entity_id
            name = entry.legal_name.ja if wallet.profile.language == "ja" else entry.legal_name.en
    entry_log = _entry(
        wallet,
        verifier_id=verifier_id,
        verifier_name=name,
        client_id=verified.request.client_id,
        purpose_id=None,
        purpose=None,
        outcome=OUTCOME_REFUSED,
        sent=f"error={code}",
        credentials=[],
        pseudonym=None,
        reason=f"{error.code}: {error.detail}",
    )
    return Outcome(
        outcome=OUTCOME_REFUSED,
        sent=f"error={code}",
        submission=submission,
        message=f"refused ({error.detail}); sent the error response {code!r} to the verifier",
        log_entry=entry_log,
    )


def _decline(wallet: Wallet, pending: PendingPresentation, why: str) -> Outcome:
    submission = build_error_response(pending.verified, ERROR_ACCESS_DENIED, "the person declined")
    entry = _entry(
        wallet,
        verifier_id=pending.verifier_id,
        verifier_name=pending.verifier_name,
        client_id=pending.verified.request.client_id,
        purpose_id=pending.purpose_id,
        purpose=pending.purpose,
        outcome=OUTCOME_DECLINED,
        sent=f"error={ERROR_ACCESS_DENIED}",
        credentials=[
            {
                "query_id": s.query_id,
                "credential_id": s.credential.id,
                "type": s.credential.type_id,
                "items": [],
            }
            for s in pending.screens
        ],
        pseudonym=None,
        reason=why,
    )
    return Outcome(
        outcome=OUTCOME_DECLINED,
        sent=f"error={ERROR_ACCESS_DENIED}",
        submission=submission,
        message=f"nothing was shared ({why}); sent the error response 'access_denied'",
        log_entry=entry,
    )


def respond(
    wallet: Wallet,
    pending: PendingPresentation,
    approvals: Mapping[str, Iterable[ClaimPath]] | None,
) -> Outcome:
    """Apply the person's answer (``None`` = declined) and build what goes to the verifier."""
    if pending.rule is RuleDecision.DENY:
        return _decline(wallet, pending, "a saved rule denies this verifier and purpose")
    if approvals is None:
        return _decline(wallet, pending, "the person declined")
    decisions = {
        s.query_id: decide(s.screen, [tuple(p) for p in approvals.get(s.query_id, ())])
        for s in pending.screens
    }
    if not any(d.disclosed for d in decisions.values()):
        return _decline(wallet, pending, "no item was approved")
    request = pending.verified.request
    pseudonym = wallet.pseudonym(pending.verifier_id)
    vp_token: dict[str, list[str | dict[str, Any]]] = {}
    logged: list[dict[str, Any]] = []
    refill: list[str] = []
    for item in pending.screens:
        decision = decisions[item.query_id]
        instance = wallet.store.instance_for(item.credential.id, pending.verifier_id)
        if instance is None:
            return _decline(
                wallet,
                pending,
                f"no unused instance of {item.credential.type_id} is left; refill it",
            )
        if wallet.store.instances_left(item.credential.id) <= REFILL_THRESHOLD:
            refill.append(item.credential.id)
        if item.credential.format == FORMAT_LDP_VC:
            vp_token[item.query_id] = [
                present_ldp_vc(wallet, instance, decision.disclosed, request, pseudonym)
            ]
        elif item.credential.format == FORMAT_MSO_MDOC:
            vp_token[item.query_id] = [
                present_mdoc(
                    wallet, item.credential, instance, decision.disclosed, request, pseudonym
                )
            ]
        else:
            shown = present(instance.credential, decision.disclosed)
            parsed = parse(shown)
            payload, _ = unverified_processed(parse(instance.credential))
            sd_alg = str(payload.get("_sd_alg", "sha-256"))
            kb_jwt = create_kb_jwt(
                parsed.sd_jwt_string(),
                wallet.keys.signer(instance.key_id),
                aud=request.client_id,
                nonce=request.nonce,
                clock=wallet.clock,
                sd_alg=sd_alg,
                extra_claims={KB_PSEUDONYM_CLAIM: pseudonym},
            )
            vp_token[item.query_id] = [
                parsed.with_parts(list(parsed.disclosures), kb_jwt).serialize()
            ]
        logged.append(
            {
                "query_id": item.query_id,
                "credential_id": item.credential.id,
                "type": item.credential.type_id,
                "items": [_label_path(p) for p in decision.disclosed],
                "withheld": {_label_path(p): r for p, r in decision.reasons.items()},
            }
        )
    submission = build_response(pending.verified, vp_token)
    entry = _entry(
        wallet,
        verifier_id=pending.verifier_id,
        verifier_name=pending.verifier_name,
        client_id=request.client_id,
        purpose_id=pending.purpose_id,
        purpose=pending.purpose,
        outcome=OUTCOME_DISCLOSED,
        sent="vp_token",
        credentials=logged,
        pseudonym=pseudonym,
    )
    items = ", ".join(i for c in logged for i in c["items"])
    return Outcome(
        outcome=OUTCOME_DISCLOSED,
        sent="vp_token",
        submission=submission,
        message=f"shared with {pending.verifier_name}: {items}",
        log_entry=entry,
        disclosed={q: d.disclosed for q, d in decisions.items()},
        refill=tuple(refill),
    )


def approve_all(pending: PendingPresentation) -> dict[str, tuple[ClaimPath, ...]]:
    """Approvals for every shareable item (the refused ones stay refused)."""
    return {s.query_id: s.screen.shareable for s in pending.screens}


def approve_names(pending: PendingPresentation, names: Iterable[str]) -> dict[str, list[ClaimPath]]:
    """Approvals by item name: ``payment_amount`` or a path ``recipient/address``."""
    wanted = set(names)
    out: dict[str, list[ClaimPath]] = {}
    for s in pending.screens:
        out[s.query_id] = [
            i.path
            for i in s.screen.items
            if _label_path(i.path) in wanted or (i.path and str(i.path[-1]) in wanted)
        ]
    return out


# --- the adapter: fetch, post, log ---


async def fetch_request(
    http: WalletHttp, link_text: str, *, limits: Limits = DEFAULT_LIMITS
) -> tuple[RequestLink, str]:
    """Parse a request link and fetch its Request Object (or take it by value)."""
    link = parse_request_link(link_text.strip(), limits)
    if link.request is not None:
        return link, link.request
    assert link.request_uri is not None
    if link.request_uri_method == "post":
        reply = await http.post_form(link.request_uri, {})
    else:
        reply = await http.get(link.request_uri)
    expect_ok(reply, link.request_uri, "request_uri")
    return link, reply.body.decode("ascii", "replace").strip()


async def deliver(wallet: Wallet, http: WalletHttp, outcome: Outcome) -> dict[str, Any]:
    """Log an outcome, POST it to the verifier's response endpoint, record the answer.

    The entry is in the disclosure log before anything leaves the wallet: when it cannot be
    written nothing is sent, so nothing is ever disclosed without its log entry. A POST
    cannot be taken back, so the verifier's answer is recorded after it, beside the entry.
    Returns the entry with the answer (``response_status``, ``delivery_error``).
    """
    entry = dict(outcome.log_entry)
    logged = wallet.store.append_log(entry)
    if outcome.submission is None:
        return entry
    delivery: dict[str, Any]
    try:
        reply = await http.post_form(outcome.submission.response_uri, outcome.submission.form)
        delivery = {"response_status": reply.status}
    except HonninError as exc:
        delivery = {"response_status": None, "delivery_error": exc.detail}
    wallet.store.record_delivery(logged.seq, delivery)
    return {**entry, **delivery}


__all__ = [
    "Outcome",
    "PendingPresentation",
    "QueryScreen",
    "access_anchors",
    "approve_all",
    "approve_names",
    "deliver",
    "fetch_request",
    "prepare",
    "refuse",
    "respond",
    "verify_incoming",
]
