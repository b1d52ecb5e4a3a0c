"""The job change end to end: A issues, the wallet receives and consents, B verifies."""

from __future__ import annotations

from typing import Any

import httpx

from verifier.pipeline import PASSED, STEPS
from verifier.purposes import YEAR_END_ADJUSTMENT, purpose
from wallet.consent import ItemStatus
from wallet.constants import OUTCOME_DISCLOSED, STATUS_VALID

from .conftest import World


def leaves(claims: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    """The value at ``path`` as B's result shows it: every leaf under its slash path."""
    node: Any = claims
    for part in path:
        node = node[part]
    out: dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(f"{prefix}/{key}", item)
        else:
            out[prefix] = value

    walk("/".join(map(str, path)), node)
    return out


def test_job_change(job_world: World) -> None:
    world = job_world
    offer = world.offer()
    assert offer["offer_uri"].startswith("openid-credential-offer://")
    assert len(offer["tx_code"]) == 6

    (received,) = world.receive(offer)
    assert received.instances == 4
    assert received.notified
    stored = world.wallet.store.credential(received.credential.id)
    assert stored.status == STATUS_VALID
    assert stored.issuer == "https://issuer-a.example"
    assert stored.claims["payment_amount"] == world.slip_claims["payment_amount"]

    request = world.hr_request("b")
    pending = world.pending(request["request_link"])
    # The consent screen names B and the purpose from the trust list, not from the request.
    assert pending.verifier_id == "employer-b"
    assert pending.verifier_name == "株式会社ビー"
    assert pending.purpose == "年末調整"
    (screen,) = pending.screens
    assert screen.credential.id == stored.id
    assert {i.status for i in screen.screen.items} == {ItemStatus.SHAREABLE}
    labels = {i.path: i.label for i in screen.screen.items}
    assert labels[("payment_amount",)] == "支払金額"

    _, outcome, entry = world.present(request["request_link"])
    assert outcome.outcome == OUTCOME_DISCLOSED
    assert entry["response_status"] == 200

    result = world.hr_result("b", request["transaction_id"])
    assert result["outcome"] == "verified", result
    checks = {c["name"]: c["outcome"] for c in result["checks"]}
    assert set(checks) >= {*STEPS, "dcql_satisfied"}
    assert set(checks.values()) == {PASSED}, result["checks"]

    # B received exactly what the wallet disclosed, and that is only what B asked for.
    disclosed = outcome.disclosed[screen.query_id]
    assert set(disclosed) <= set(purpose(YEAR_END_ADJUSTMENT).requested_paths)
    expected: dict[str, Any] = {}
    for path in disclosed:
        expected.update(leaves(world.slip_claims, path))
    assert result["claims"] == expected
    assert "recipient/address" not in result["claims"]
    assert result["issuer"]["entity_id"] == "employer-a"
    assert result["pseudonym"] == world.wallet.pseudonym("employer-b")

    # B's payroll imports the result as structured data.
    async def export(client: httpx.AsyncClient) -> httpx.Response:
        deployment = world.verifiers["b"]
        return await client.get(
            f"{deployment.url}/hr/transactions/{request['transaction_id']}/export.json",
            headers={"Authorization": f"Bearer {deployment.hr_token}"},
        )

    reply = world.run(export)
    assert reply.status_code == 200
    (record,) = reply.json()["records"]
    assert record["payment_amount"] == world.slip_claims["payment_amount"]
    assert record["pseudonym"] == result["pseudonym"]

    # The wallet's log verifies and shows what went to whom.
    assert world.wallet.store.verify_log() == 1
    (logged,) = list(world.wallet.store.log())
    assert logged.entry["outcome"] == OUTCOME_DISCLOSED
    assert logged.entry["verifier"] == "employer-b"
    assert logged.entry["pseudonym"] == result["pseudonym"]
    assert logged.entry["credentials"][0]["items"] == ["/".join(map(str, p)) for p in disclosed]
