"""B's HR page in real Chromium: sign in, start a request, see the QR, see the verified result."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from specs.ports import FixedClock
from tests.support.servers import CHROMIUM_ARGS, free_port, serving
from wallet.qr import read_qr

from .conftest import World, build_world

pytestmark = pytest.mark.chromium

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture
def served(tmp_path: Path, clock: FixedClock) -> Iterator[tuple[World, str]]:
    """A world whose verifier B is also served by uvicorn on a loopback port (stopped after)."""
    port = free_port()
    world = build_world(tmp_path, clock, verifier_urls={"b": f"http://127.0.0.1:{port}"})
    with world, serving(world.verifier_app("b"), port) as url:
        yield world, url


def test_hr_page_request_qr_and_verified_result(
    served: tuple[World, str], chromium_path: str
) -> None:
    world, url = served
    world.receive(world.offer())
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 900})
            page.goto(f"{url}/hr")
            page.fill("input[name=token]", "not the token")
            page.click("button[type=submit]")
            expect(page.get_by_role("alert")).to_contain_text("wrong HR desk token")
            page.fill("input[name=token]", world.verifiers["b"].hr_token)
            page.click("button[type=submit]")

            page.click("#start")
            expect(page.locator("#outcome")).to_have_text("pending")
            expect(page.locator("#qr svg")).to_be_visible()
            link = page.locator("#same-device").get_attribute("href")
            assert link is not None
            assert link.startswith("openid4vp://")
            page.screenshot(path=str(ARTIFACTS / "verifier-hr-qr.png"), full_page=True)
            # The QR a phone would scan carries the same link (read back with the wallet's reader).
            page.locator("#qr").screenshot(path=str(ARTIFACTS / "verifier-hr-qr-code.png"))
            assert read_qr(ARTIFACTS / "verifier-hr-qr-code.png") == link

            # The person's wallet answers (in-process, the same app uvicorn serves).
            world.present(link)

            # The pending page refreshes itself every 3 s until the answer is in.
            expect(page.locator("#outcome")).to_have_text("verified", timeout=10_000)
            expect(page.locator("#issuer")).to_contain_text("Employer A")
            outcomes = page.locator("#checks td:nth-child(2)").all_inner_texts()
            assert len(outcomes) >= 8
            assert set(outcomes) == {"passed"}
            amount = str(world.slip_claims["payment_amount"])
            expect(page.locator("#claims")).to_contain_text(amount)
            expect(page.locator("#qr")).to_have_count(0)
            page.screenshot(path=str(ARTIFACTS / "verifier-hr-verified.png"), full_page=True)
        finally:
            browser.close()
