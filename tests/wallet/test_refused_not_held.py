"""Over-asked items the credential does not even hold still show on the screen as refused.

The DCQL match drops a claim the slip lacks (its recipient's copy never carries a My
Number), so without listing it the person would not see that the verifier asked for it.
"""

from __future__ import annotations

from typing import Any

from specs.credentials import WITHHOLDING_SLIP_V1
from wallet.consent import ItemStatus
from wallet.constants import OUTCOME_DISCLOSED
from wallet.presenting import respond

from .conftest import World
from .test_flow import pending_for, receive_slip, send

# A fullest set with the over-asked items first; the wallet falls back to the second.
OVER_ASKING_QUERY: dict[str, Any] = {
    "credentials": [
        {
            "id": "slip",
            "format": "dc+sd-jwt",
            "meta": {"vct_values": [WITHHOLDING_SLIP_V1.vct]},
            "claims": [
                {"id": "pay", "path": ["payment_amount"]},
                {"id": "tax", "path": ["withheld_tax"]},
                {"id": "mn", "path": ["recipient", "my_number"]},
                {"id": "birth", "path": ["recipient", "birth_date"]},
            ],
            "claim_sets": [["pay", "tax", "mn", "birth"], ["pay", "tax"]],
        }
    ]
}


def test_my_number_and_unregistered_items_are_listed_and_refused_even_with_consent(
    world: World,
) -> None:
    receive_slip(world)
    pending = pending_for(world, world.verifier.ask(OVER_ASKING_QUERY))
    (item,) = pending.screens
    statuses = {i.path: i.status for i in item.screen.items}
    assert statuses == {
        ("payment_amount",): ItemStatus.SHAREABLE,
        ("withheld_tax",): ItemStatus.SHAREABLE,
        ("recipient", "my_number"): ItemStatus.NEVER_SHARE,
        ("recipient", "birth_date"): ItemStatus.NOT_REGISTERED,
    }
    # The person says yes to every line of the screen; the wallet still refuses two.
    everything = {item.query_id: [i.path for i in item.screen.items]}
    outcome = respond(world.wallet, pending, everything)
    assert outcome.outcome == OUTCOME_DISCLOSED
    assert outcome.disclosed == {"slip": (("payment_amount",), ("withheld_tax",))}
    send(world, outcome)
    (result,) = world.verifier.results
    assert result.ok, result.to_json()
    assert set(result.claims["slip"][0]) == {("payment_amount",), ("withheld_tax",)}
    (logged,) = [e for e in world.wallet.store.log() if e.entry["outcome"] == OUTCOME_DISCLOSED]
    assert logged.entry["credentials"][0]["withheld"] == {
        "recipient/my_number": "never_share",
        "recipient/birth_date": "not_registered",
    }


def test_a_registered_item_the_slip_lacks_is_not_put_on_the_screen(world: World) -> None:
    query = {
        "credentials": [
            {
                **OVER_ASKING_QUERY["credentials"][0],
                "claims": [
                    {"id": "pay", "path": ["payment_amount"]},
                    {"id": "tax", "path": ["withheld_tax"]},
                    {"id": "addr", "path": ["recipient", "address", "nowhere"]},
                ],
                "claim_sets": [["pay", "tax", "addr"], ["pay", "tax"]],
            }
        ]
    }
    receive_slip(world)
    pending = pending_for(world, world.verifier.ask(query))
    (item,) = pending.screens
    # recipient/address is registered, so its (absent) child is neither shown nor refused.
    assert [i.path for i in item.screen.items] == [("payment_amount",), ("withheld_tax",)]
