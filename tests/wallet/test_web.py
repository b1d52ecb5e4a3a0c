"""The wallet page in real Chromium: receive, consent, read the history; keep a screenshot."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.support.servers import CHROMIUM_ARGS, serving
from wallet.web import create_app

from .conftest import ISSUER, VERIFIER_ORIGIN, World, make_client

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def test_click_through_receive_consent_history(world: World, chromium_path: str) -> None:
    app = create_app(
        world.wallet,
        lambda: make_client((ISSUER, world.issuer.app), (VERIFIER_ORIGIN, world.verifier.app)),
    )
    ARTIFACTS.mkdir(exist_ok=True)
    with serving(app) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 900, "height": 900})
        page.goto(base + "/")
        link, code = world.issuer.offer()
        page.fill("#offer", link)
        page.fill("#tx_code", code or "")
        page.click("#receive")
        assert "給与所得の源泉徴収票" in page.inner_text("#credentials")

        page.fill("#link", world.verifier.ask())
        page.click("#present")
        assert page.inner_text("#verifier") == "株式会社ビー"
        assert page.inner_text("#purpose") == "年末調整"
        page.screenshot(path=str(ARTIFACTS / "wallet-consent-ja.png"), full_page=True)
        page.uncheck("input[value='slip:源泉徴収税額']")
        page.click("#share")
        assert page.inner_text("#sent") == "vp_token"

        page.goto(base + "/history?lang=en")
        assert page.inner_text("#integrity") == "The history is intact"
        history = page.inner_text("#history")
        assert "支払金額" not in history or "payment_amount" in history
        assert "disclosed" in history
        page.screenshot(path=str(ARTIFACTS / "wallet-history-en.png"), full_page=True)
        browser.close()
    (entry,) = list(world.wallet.store.log())
    assert "withheld_tax" not in entry.entry["credentials"][0]["items"]
    assert "payment_amount" in entry.entry["credentials"][0]["items"]
    assert world.verifier.pseudonyms == [world.wallet.pseudonym("employer-b")]
