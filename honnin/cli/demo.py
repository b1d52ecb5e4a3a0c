"""`honnin demo`: Run demos end to end on this machine.

Each demo is one command function below; it composes the libraries in ``specs`` (and later
the roles) and prints every step with rich, so that a person can follow it and a test can
check it.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from honnin.cli.output import console, fail
from specs.errors import HonninError
from specs.keys import SoftwareSigner
from specs.ports import FixedClock, SeededRandom
from specs.sd_jwt import SD, KeyBindingCheck, parse, present
from specs.sd_jwt_vc import StaticIssuerKey, StatusListReference, issue_sd_jwt_vc, verify_sd_jwt_vc

app = typer.Typer(help="Run demos end to end on this machine.", no_args_is_help=True)


def _step(number: int, title: str) -> None:
    console.rule(f"[bold]Step {number}[/]: {title}")


def _claims_table(title: str, claims: dict[str, Any]) -> Table:
    table = Table("claim", "value", title=title)
    for name, value in claims.items():
        text = json.dumps(value, ensure_ascii=False)
        table.add_row(name, text if len(text) <= 70 else text[:67] + "...")
    return table


WITHHOLDING_SLIP_VCT = "https://honnin.example/vct/withholding-slip/v1"
EMPLOYER_A = "https://employer-a.example"
EMPLOYER_B = "https://employer-b.example"


def _withholding_slip() -> dict[str, Any]:
    """A withholding-slip-like claim set (給与所得の源泉徴収票), every item disclosable."""
    return {
        "year": 2026,
        "recipient": SD(
            {
                "name": SD("佐藤 花子"),
                "name_kana": SD("サトウ ハナコ"),
                "address": SD("東京都千代田区霞が関1-1-1"),
            }
        ),
        "payment_amount": SD(3_150_000),
        "income_after_deduction": SD(2_105_000),
        "total_deductions": SD(980_000),
        "withheld_tax": SD(57_400),
        "social_insurance_premiums": SD(470_000),
        "leave_date": SD("2026-06-30"),
        "payer": {"name": "株式会社エー", "corporate_number": "1234567890123"},
    }


@app.command("sd-jwt")
def sd_jwt_demo() -> None:
    """Issue a withholding-slip-like SD-JWT VC, present two items with key binding, verify."""
    clock = FixedClock(datetime(2026, 7, 1, 9, 0, tzinfo=UTC))
    random = SeededRandom("honnin demo sd-jwt")

    _step(1, "keys")
    employer_a = SoftwareSigner.generate("ES256", kid="employer-a-2026")
    wallet_key = SoftwareSigner.generate("ES256")
    console.print(f"Employer A signs with ES256 key kid={employer_a.kid}")
    console.print("Sato's wallet holds its own ES256 key; only the public part goes to the issuer")

    _step(2, "Employer A issues the withholding slip (源泉徴収票) to Sato's wallet")
    credential = issue_sd_jwt_vc(
        _withholding_slip(),
        employer_a,
        vct=WITHHOLDING_SLIP_VCT,
        iss=EMPLOYER_A,
        clock=clock,
        random=random,
        holder_jwk=wallet_key.public_jwk,
        expires_in=400 * 86400,
        status=StatusListReference(idx=42, uri=f"{EMPLOYER_A}/status/2026"),
        kid=employer_a.kid,
        decoys=2,
    )
    issued = parse(credential)
    console.print(
        f"SD-JWT VC (typ dc+sd-jwt): {len(credential)} characters, "
        f"{len(issued.disclosures)} disclosures"
    )

    _step(3, "Employer B asks for two items; Sato consents; the wallet presents them")
    nonce = "demo-nonce-7f3a"
    reveal = [("payment_amount",), ("withheld_tax",)]
    console.print("requested: payment_amount (支払金額), withheld_tax (源泉徴収税額)")
    presentation = present(
        credential, reveal, holder_signer=wallet_key, aud=EMPLOYER_B, nonce=nonce, clock=clock
    )
    shown = parse(presentation)
    console.print(
        f"presentation: {len(shown.disclosures)} of {len(issued.disclosures)} disclosures, "
        "with a Key Binding JWT (kb+jwt) for Employer B"
    )

    _step(4, "Employer B verifies")
    clock.advance(5)
    result = verify_sd_jwt_vc(
        presentation,
        issuer_keys=StaticIssuerKey(employer_a.public_jwk, iss=EMPLOYER_A),
        clock=clock,
        key_binding=KeyBindingCheck(aud=EMPLOYER_B, nonce=nonce),
    )
    console.print("[bold green]verified[/]: issuer signature, disclosures, key binding, validity")
    disclosed = {".".join(map(str, p)): result.payload[str(p[0])] for p in result.disclosed}
    console.print(_claims_table("disclosed to Employer B", disclosed))
    console.print(
        f"type: {result.vct}   issuer: {result.iss}   status index: {result.status.idx if result.status else '-'}"
    )
    hidden = sorted(k for k in _withholding_slip() if k not in result.payload)
    console.print(f"not disclosed: {', '.join(hidden)}")

    _step(5, "a replayed presentation is refused")
    try:
        verify_sd_jwt_vc(
            presentation,
            issuer_keys=StaticIssuerKey(employer_a.public_jwk, iss=EMPLOYER_A),
            clock=clock,
            key_binding=KeyBindingCheck(aud=EMPLOYER_B, nonce="a-fresh-nonce"),
        )
    except HonninError as exc:
        console.print(f"[bold red]rejected[/] as expected: {escape(str(exc))} ({exc.code})")
    else:  # pragma: no cover - the demo's own check
        raise typer.Exit(1)
    console.print(Panel("demo sd-jwt finished: only the two requested items left the wallet"))


@app.command("job-change")
def job_change_demo(
    workdir: Annotated[
        Path | None,
        typer.Option(
            help="Work in this directory and keep it (default: a temporary one, removed)."
        ),
    ] = None,
    scenario: Annotated[
        str,
        typer.Option(
            help=(
                "both (default): consent, then over-ask. consent: B asks for its registered "
                "year-end items and Sato agrees. over-ask: B also asks for the recipient's My "
                "Number and address (beyond its registration) and the wallet refuses both even "
                "though Sato says yes to everything."
            )
        ),
    ] = "both",  # honnin.demo.DEFAULT_SCENARIO (not imported: keeps `honnin --help` fast)
    interactive: Annotated[
        bool,
        typer.Option(
            help=(
                "Serve the wallet's web page (`honnin wallet web`), open it and B's HR desk, "
                "and wait for you to answer each request there instead of auto-approving."
            )
        ),
    ] = False,
    ready_timeout: Annotated[
        float, typer.Option(help="Seconds to wait for each service to answer.")
    ] = 30.0,
) -> None:
    """The job change (転職) end to end: A issues the withholding slip, Sato's wallet shares it with B.

    Starts on loopback a trust-list endpoint, employer A's issuer and employer B's verifier
    (real processes, free ports), makes a SoftHSM2 test My Number Card and a wallet, then:
    A bulk-issues slips from a payroll CSV, Sato receives one, B asks for the year-end
    adjustment items, the wallet shows the consent screen and approves, B verifies and writes
    its payroll CSV; then B over-asks (My Number, address) and the wallet refuses both even
    with consent; the wallet log shows every disclosure and refusal. The one-shot role
    commands run in this process through the same command functions; every service process
    it started is stopped at the end, also on errors and Ctrl-C.
    """
    from honnin.demo import DemoError, JobChangeDemo, sigterm_as_interrupt

    keep = workdir is not None
    directory = (
        workdir.resolve() if workdir is not None else Path(tempfile.mkdtemp(prefix="honnin-demo-"))
    )
    try:
        with sigterm_as_interrupt():
            JobChangeDemo(
                directory,
                console=console,
                scenario=scenario,
                interactive=interactive,
                ready_timeout=ready_timeout,
            ).run()
    except DemoError as exc:
        fail(str(exc), hint=exc.hint)
    except KeyboardInterrupt:
        fail("interrupted; every process the demo started has been stopped")
    finally:
        if not keep:
            shutil.rmtree(directory, ignore_errors=True)
