"""The job change (転職) end to end: trust list, employer A's issuer, employer B's verifier, a wallet.

Every role runs as its operator would run it. The three services (the trust-list endpoint,
A's issuer, B's verifier) are real HTTP servers in their own processes on loopback; the
one-shot ``honnin`` commands (trust-list building, issuer import, verifier request/result,
wallet receive/present) run through the CLI's own command functions in this process, which
saves an interpreter start per command (pass ``cli=HonninCli(...)`` to run them as separate
processes). The wallet uses a SoftHSM2 test My Number Card. Nothing is faked: when a role's
command is missing, the demo stops before starting anything and names what is missing.

Scenarios: ``consent`` (B asks for its registered items, Sato agrees, B verifies and writes
its payroll CSV), ``over-ask`` (B also asks for the recipient's My Number and an item it is
not registered for; the wallet refuses both even though Sato says yes to everything) and
``both`` (the default: one after the other).
"""

from __future__ import annotations

import csv
import json
import os
import shlex
import time
import webbrowser
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from honnin.demo.commands import HonninCli, InProcessCli, honnin_argv, missing_commands
from honnin.demo.processes import DemoError, Service, ServiceGroup, free_port
from honnin.sample_data import FakeEmployer, SampleData
from specs.credentials import WITHHOLDING_SLIP_V1, WithholdingSlip
from specs.credentials.payroll_csv import write_payroll_csv

SCENARIOS = ("both", "consent", "over-ask")
DEFAULT_SCENARIO = "both"
# What B over-asks for: the recipient's My Number (never without a legal basis) and an item
# the trust list does not register B for (the slip has it; B may not ask for it).
OVER_ASKED: tuple[tuple[str, str, str], ...] = (
    ("recipient/my_number", "never_share", "the recipient's My Number (個人番号)"),
    ("recipient/address", "not_registered", "the recipient's address (住所)"),
)
YEAR_END = "year-end-adjustment"
WALLET_PASSPHRASE = "demo wallet passphrase"  # noqa: S105 - a throwaway demo wallet
CARD_PIN = "1234"
HOST = "127.0.0.1"
MAX_SHOWN_ARG = 90

# The commands of each role this demo runs (the contracts of issues 5 to 8).
REQUIRED_COMMANDS: tuple[tuple[str, ...], ...] = (
    ("card", "init-test"),
    ("trustlist", "init"),
    ("trustlist", "add-issuer"),
    ("trustlist", "add-verifier"),
    ("trustlist", "add-card-ca"),
    ("trustlist", "sign"),
    ("trustlist", "serve"),
    ("issuer", "init"),
    ("issuer", "serve"),
    ("issuer", "import"),
    ("verifier", "init"),
    ("verifier", "serve"),
    ("verifier", "request"),
    ("verifier", "result"),
    ("wallet", "init"),
    ("wallet", "receive"),
    ("wallet", "present"),
    ("wallet", "log"),
    ("wallet", "web"),
)


@dataclass
class Endpoints:
    """Loopback ports and base URLs of the services."""

    trust_port: int = field(default_factory=free_port)
    issuer_port: int = field(default_factory=free_port)
    verifier_port: int = field(default_factory=free_port)
    wallet_port: int = field(default_factory=free_port)  # the wallet page, when interactive

    @property
    def trust_list_url(self) -> str:
        """Where the signed trust list is served."""
        return f"http://{HOST}:{self.trust_port}/trustlist.jws"

    @property
    def issuer_url(self) -> str:
        """Employer A's credential issuer identifier."""
        return f"http://{HOST}:{self.issuer_port}"

    @property
    def verifier_url(self) -> str:
        """Employer B's verifier base URL."""
        return f"http://{HOST}:{self.verifier_port}"

    @property
    def wallet_url(self) -> str:
        """The wallet's local web page (interactive mode only)."""
        return f"http://{HOST}:{self.wallet_port}/"


@dataclass
class DemoOutcome:
    """What the demo established, for callers and tests."""

    workdir: Path
    disclosed: list[str] = field(default_factory=list)
    # Over-ask: each item the wallet refused, with the consent engine's reason.
    refused: dict[str, str] = field(default_factory=dict)
    over_ask_received: list[str] = field(default_factory=list)
    payroll_csv: Path | None = None
    log_entries: int = 0
    seconds: float = 0.0


def _payroll(employer: FakeEmployer) -> tuple[str, WithholdingSlip]:
    """A's payroll export: Sato (who leaves on 30 June) first, then four colleagues."""
    sample = SampleData(seed=2026)
    sato = sample.person()
    slip = sample.withholding_slip(sato, employer, leave_date=date(2026, 6, 30))
    slips = [slip, *sample.payroll(4, employer=employer)]
    return write_payroll_csv(slips), slip


class JobChangeDemo:
    """Runs the job-change story step by step and prints each step."""

    def __init__(
        self,
        workdir: Path,
        *,
        console: Console,
        scenario: str = DEFAULT_SCENARIO,
        interactive: bool = False,
        ready_timeout: float = 30.0,
        cli: HonninCli | InProcessCli | None = None,
    ) -> None:
        if scenario not in SCENARIOS:
            raise DemoError(f"unknown scenario {scenario!r}", hint=f"use {', '.join(SCENARIOS)}")
        self.workdir = workdir
        self.console = console
        self.scenario = scenario
        self.interactive = interactive
        self.ready_timeout = ready_timeout
        self.step_number = 0
        self.endpoints = Endpoints()
        self.card_env: dict[str, str] = {}
        self.service_env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120"}
        self.cli = cli if cli is not None else InProcessCli({"NO_COLOR": "1", "COLUMNS": "120"})
        self.outcome = DemoOutcome(workdir=workdir)
        self.pending_services: list[Service] = []

    # -- output -------------------------------------------------------------------------

    def step(self, title: str) -> None:
        """Print the heading of the next step."""
        self.step_number += 1
        self.console.rule(f"[bold]Step {self.step_number}[/]: {title}")

    def show_command(self, args: Sequence[str], note: str = "") -> None:
        """Print a command line the way the operator would type it."""
        # Links and item lists run to hundreds of characters; the full text is in the files.
        shown = [a if len(a) <= MAX_SHOWN_ARG else a[: MAX_SHOWN_ARG - 3] + "..." for a in args]
        line = f"$ honnin {shlex.join(shown)}"
        self.console.print(f"[dim]{escape(line)}[/]{note}", highlight=False)

    def honnin(self, *args: str, env: dict[str, str] | None = None) -> Any:
        """Show and run ``honnin args --json``; return its parsed output."""
        self.show_command(args)
        out = self.cli.json([*args, "--json"], env=env)
        if self.cli.last_stderr.strip():  # a warning the command printed, e.g. over-asking
            self.console.print(escape(self.cli.last_stderr.strip()), style="yellow")
        return out

    # -- the story ----------------------------------------------------------------------

    def check_commands(self) -> None:
        """Fail before starting anything if a role's command is not installed."""
        absent = missing_commands(REQUIRED_COMMANDS)
        if absent:
            raise DemoError(
                "the job-change demo needs these honnin commands, which this installation "
                f"does not have yet: {', '.join(absent)}",
                hint="the roles (issuer/, verifier/, wallet/) provide them; update the checkout",
            )

    def run(self) -> DemoOutcome:
        """Run the whole story; every process started is stopped when this returns or raises."""
        started = time.monotonic()
        self.check_commands()
        self.workdir.mkdir(parents=True, exist_ok=True)
        employer_a = SampleData(seed=1).employer()
        employer_b = SampleData(seed=2).employer()
        payroll_text, slip = _payroll(employer_a)
        self.console.print(
            Panel(
                f"{slip.recipient.name} leaves [bold]{employer_a.name}[/] (A) on 30 June and joins "
                f"[bold]{employer_b.name}[/] (B) in July. For the year-end adjustment (年末調整) "
                "B needs A's withholding slip (給与所得の源泉徴収票) for January to June.\n"
                f"scenario: {self.scenario}; working directory: {self.workdir}",
                title="honnin demo job-change",
            )
        )
        with ServiceGroup(self.workdir / "logs", env=self.service_env) as services:
            self.services = services
            self.prepare_card()
            self.prepare_roles(employer_a, employer_b)
            self.wait_for_services()
            offer = self.issue(payroll_text, slip)
            self.receive(offer)
            if self.interactive:
                self.start_wallet_page()
            if self.scenario in ("consent", "both"):
                self.share()
            if self.scenario in ("over-ask", "both"):
                self.over_ask()
            if self.interactive:
                services.stop(self.wallet_page)  # the log command opens the wallet itself
            self.show_log()
        self.outcome.seconds = time.monotonic() - started
        self.console.print(
            Panel(
                self.summary()
                + "\nevery process the demo started is stopped; "
                + f"files are in {self.workdir}"
                + f"\ntook {self.outcome.seconds:.1f} s",
                title="[green]demo job-change finished[/]",
            )
        )
        return self.outcome

    def summary(self) -> str:
        """One line per scenario: what B received, what the wallet refused."""
        lines = []
        if self.scenario in ("consent", "both"):
            lines.append(
                f"consent: B verified {len(self.outcome.disclosed)} items and wrote its payroll "
                f"CSV ({self.outcome.payroll_csv.name if self.outcome.payroll_csv else '-'})"
            )
        if self.scenario in ("over-ask", "both"):
            refused = ", ".join(f"{p} ({r})" for p, r in self.outcome.refused.items())
            lines.append(f"over-ask: the wallet refused {refused}; B received neither")
        return "\n".join(lines)

    def start_service(self, name: str, args: Sequence[str], port: int, ready_url: str) -> None:
        """Start one service on loopback in the background; ``wait_for_services`` waits."""
        args = [*args, "--host", HOST, "--port", str(port)]
        self.show_command(args, "  [dim](a service: started in the background)[/]")
        self.pending_services.append(
            self.services.start(name, [*honnin_argv(), *args], ready_url=ready_url, wait=False)
        )

    def wait_for_services(self) -> None:
        """Wait until every service started so far answers HTTP."""
        self.step("the trust-list endpoint, A's issuer and B's verifier answer on loopback")
        started = time.monotonic()
        for service in self.pending_services:
            self.services.wait_ready(service, self.ready_timeout)
            self.console.print(
                f"{service.name} answers at {service.url} "
                f"(waited {time.monotonic() - started:.1f} s)"
            )
        self.pending_services.clear()

    def prepare_card(self) -> None:
        """Make the test My Number Card (SoftHSM2 token, JPKI-profile certificate, CRL)."""
        self.step("the person's My Number Card (a SoftHSM2 test card with a JPKI test certificate)")
        card = self.honnin("card", "init-test", str(self.workdir / "card"), "--pin", CARD_PIN)
        self.card = card
        self.card_env = {
            "SOFTHSM2_CONF": card["softhsm2_conf"],
            "HONNIN_PKCS11_MODULE": card["module"],
        }
        self.console.print(
            f"token {card['token_label']!r}, certificate serial {card['serial']} "
            "(user-authentication certificate, 利用者証明用電子証明書)"
        )

    def prepare_roles(self, employer_a: FakeEmployer, employer_b: FakeEmployer) -> None:
        """Set up the trust-list operator, A's issuer and B's verifier; register; sign; serve."""
        from verifier.purposes import purpose

        trust = self.workdir / "trust"
        issuer_dir = self.workdir / "issuer-a"
        verifier_dir = self.workdir / "verifier-b"
        e = self.endpoints

        self.step("the trust-list operator sets up its signing key")
        self.honnin(
            "trustlist", "init", str(trust),
            "--name-ja", "本人トラストリスト(デモ)", "--name-en", "honnin demo trust list",
            "--policy-uri", "https://trust.honnin.example/policy",
        )  # fmt: skip
        anchor = trust / "operator" / "operator.pem"

        self.step(f"employer A ({employer_a.name}) sets up its issuer and starts it")
        self.issuer_info = self.honnin(
            "issuer", "init", str(issuer_dir), "--name", f"{employer_a.name}/Employer A",
            "--url", e.issuer_url, "--types", "withholding-slip",
        )  # fmt: skip
        self.issuer_config = Path(self.issuer_info["config"])
        self.start_service(
            "issuer-a",
            ["issuer", "serve", "--config", str(self.issuer_config)],
            e.issuer_port,
            f"{e.issuer_url}/.well-known/openid-credential-issuer",
        )

        self.step(f"employer B ({employer_b.name}) sets up its verifier and starts it")
        self.verifier_info = self.honnin(
            "verifier", "init", str(verifier_dir), "--name", employer_b.name,
            "--name-en", "Employer B", "--url", e.verifier_url,
            "--trust-list", e.trust_list_url, "--trust-list-anchor", str(anchor),
        )  # fmt: skip
        self.verifier_config = verifier_dir / "verifier.toml"
        client_id = str(self.verifier_info["client_id"])
        self.console.print(f"B's client_id: {client_id}")
        self.start_service(
            "verifier-b",
            ["verifier", "serve", "--config", str(self.verifier_config)],
            e.verifier_port,
            e.verifier_url + "/healthz",
        )

        self.step("the operator registers A, B and the card CA, signs the list and serves it")
        items = purpose(YEAR_END).requested_paths
        claims = ",".join("/".join("*" if p is None else str(p) for p in path) for path in items)
        self.honnin(
            "trustlist", "add-issuer", str(trust), "--id", "employer-a",
            "--name-ja", employer_a.name, "--name-en", "Employer A",
            "--corporate-number", employer_a.corporate_number,
            "--credential-types", WITHHOLDING_SLIP_V1.vct,
            "--cert", str(self.issuer_info["certificate"]),
        )  # fmt: skip
        self.honnin(
            "trustlist", "add-verifier", str(trust), "--id", "employer-b",
            "--name-ja", employer_b.name, "--name-en", "Employer B",
            "--corporate-number", employer_b.corporate_number, "--client-id", client_id,
            "--purpose", f"{YEAR_END}={WITHHOLDING_SLIP_V1.vct}:{claims}",
            "--cert", str(self.verifier_info["access_certificate"]),
        )  # fmt: skip
        self.honnin(
            "trustlist", "add-card-ca", str(trust), "--id", "jpki-test",
            "--name-ja", "JPKI テスト認証局", "--name-en", "JPKI test CA",
            "--cert", self.card["ca"], "--crl-uri", "https://crl.jpki-test.example/auth.crl",
        )  # fmt: skip
        signed = self.honnin("trustlist", "sign", str(trust))
        self.trust_dir = trust
        self.anchor = anchor
        table = Table("entity", "registered for")
        table.add_row("employer-a (issuer)", "withholding slip (源泉徴収票)")
        table.add_row(
            "employer-b (verifier)",
            f"{YEAR_END}: {len(items)} slip items, no address, no My Number (no legal basis)",
        )
        table.add_row("jpki-test (card CA)", "user-authentication certificates")
        self.console.print(table)
        self.console.print(
            f"trust list {signed['sequence_number']} signed, digest {signed['digest']}"
        )
        self.start_service(
            "trust-list", ["trustlist", "serve", str(trust)], e.trust_port, e.trust_list_url
        )

    def issue(self, payroll_text: str, slip: WithholdingSlip) -> dict[str, str]:
        """A imports the payroll CSV: one credential offer per person, tx_codes apart."""
        self.step("A bulk-issues withholding slips from its payroll CSV")
        payroll = self.workdir / "payroll-a.csv"
        payroll.write_text(payroll_text, encoding="utf-8")
        offers_dir, codes_dir = self.workdir / "offers", self.workdir / "tx-codes"
        result = self.honnin(
            "issuer", "import", str(payroll), "--config", str(self.issuer_config),
            "--offers-dir", str(offers_dir), "--tx-codes-dir", str(codes_dir), "--qr", "none",
        )  # fmt: skip
        if result.get("errors"):
            raise DemoError(f"A's payroll import reported bad rows: {result['errors']}")
        offers = _read_csv(offers_dir / "offers.csv")
        codes = {row["offer_id"]: row["tx_code"] for row in _read_csv(codes_dir / "tx-codes.csv")}
        table = Table("CSV line", "name", "offer link (to the person)", "tx_code")
        for row in offers:
            table.add_row(row["line"], row["name"], row["offer_uri"][:40] + "...", "(by letter)")
        self.console.print(table)
        mine = next((row for row in offers if row["name"] == slip.recipient.name), None)
        if mine is None:
            raise DemoError(f"no offer was created for {slip.recipient.name}")
        tx_code = codes[mine["offer_id"]]
        self.console.print(
            f"{slip.recipient.name} gets the offer link (QR code or e-mail) and, by a separate "
            f"letter ({codes_dir.name}/), the transaction code {tx_code}"
        )
        return {"offer_uri": mine["offer_uri"], "tx_code": tx_code}

    def receive(self, offer: dict[str, str]) -> None:
        """The wallet, unlocked with the card, receives the slip (OpenID4VCI pre-authorized code)."""
        self.step("the person's wallet receives the slip, bound to the card")
        self.wallet_dir = self.workdir / "wallet"
        self.wallet_env = {
            **self.card_env,
            "HONNIN_WALLET_PASSPHRASE": WALLET_PASSPHRASE,
            "HONNIN_CARD_PIN": CARD_PIN,
        }
        # The wallet fetches the signed list from the operator's endpoint and pins its anchor.
        self.wallet_dir.mkdir(parents=True, exist_ok=True)
        trust_list = self.wallet_dir / "trustlist.jws"
        self.console.print(f"[dim]GET {self.endpoints.trust_list_url}[/]", highlight=False)
        response = httpx.get(self.endpoints.trust_list_url, timeout=10)
        response.raise_for_status()
        trust_list.write_bytes(response.content)
        pin_file = self.workdir / "card" / "pin.txt"
        pin_file.write_text(CARD_PIN + "\n", encoding="utf-8")
        self.honnin(
            "wallet", "init", "--home", str(self.wallet_dir),
            "--trust-list", str(trust_list), "--trust-list-anchor", str(self.anchor),
            "--card-module", self.card["module"], "--card-label", self.card["token_label"],
            "--pin-file", str(pin_file),
            env=self.wallet_env,
        )  # fmt: skip
        received = self.honnin(
            "wallet", "receive", "--home", str(self.wallet_dir), offer["offer_uri"],
            "--tx-code", offer["tx_code"],
            env=self.wallet_env,
        )  # fmt: skip
        for item in received:
            self.console.print(
                f"stored {item['type']} ({item['instances']} instances, one per verifier), "
                f"issuer notified: {item['issuer_notified']}"
            )

    def start_wallet_page(self) -> None:
        """Interactive mode: serve the wallet's page on loopback and open it and B's HR desk."""
        self.step("the wallet's web page and B's HR desk open in your browser")
        args = ["wallet", "web", "--home", str(self.wallet_dir)]
        args += ["--host", HOST, "--port", str(self.endpoints.wallet_port)]
        self.show_command(args, "  [dim](a service: the person's own page)[/]")
        self.wallet_page = self.services.start(
            "wallet-web",
            [*honnin_argv(), *args],
            ready_url=self.endpoints.wallet_url,
            timeout=self.ready_timeout,
            env=self.wallet_env,
        )
        hr_token = self.verifier_config.parent / "hr-token.txt"
        self.console.print(
            f"wallet page: {self.endpoints.wallet_url}\n"
            f"B's HR desk: {self.endpoints.verifier_url}/hr (HR token in {hr_token})"
        )
        webbrowser.open(self.endpoints.wallet_url)
        webbrowser.open(self.endpoints.verifier_url + "/hr")

    def request(self, *also: str) -> dict[str, str]:
        """B's HR desk creates a request for the year-end items (and, over-asking, ``also``)."""
        extra = [arg for path in also for arg in ("--also-request", path)]
        request = self.honnin(
            "verifier", "request", "--config", str(self.verifier_config), "--purpose", YEAR_END,
            *extra,
        )  # fmt: skip
        self.console.print(
            f"request link (QR code at B's HR desk): {request['request_link'][:80]}..."
        )
        return dict(request)

    def present(self, request_link: str, approve: str = "all") -> dict[str, Any]:
        """The wallet shows the consent screen; the person approves ``approve``; print it."""
        if self.interactive:
            self.console.print(
                f"[bold]paste this request link into the wallet page[/] "
                f"({self.endpoints.wallet_url}), look at the consent screen and answer:\n"
                f"{request_link}",
                soft_wrap=True,
            )
            return {}
        args = ["wallet", "present", "--home", str(self.wallet_dir), request_link]
        presented = dict(self.honnin(*args, "--approve", approve, env=self.wallet_env))
        table = Table(
            "item", "left the wallet?", title=f"answer to {presented.get('verifier_name')}"
        )
        for credential in presented.get("credentials", []):
            for item in credential.get("items", []):
                table.add_row(item, "[green]yes[/]")
            for item, reason in credential.get("withheld", {}).items():
                table.add_row(item, f"[red]no[/]: {reason}")
        self.console.print(table)
        self.console.print(str(presented.get("message", "")), highlight=False)
        return presented

    def share(self) -> None:
        """B asks for the year-end items; the wallet shows the consent screen; B verifies."""
        self.step("B asks for the year-end-adjustment items")
        request = self.request()
        self.step("the wallet shows the consent screen and (in this demo) the person approves")
        self.present(request["request_link"])
        self.step("B verifies the presentation and writes its payroll CSV")
        result = self.result(request["transaction_id"])
        self.outcome.disclosed = sorted(result.get("claims", {}))
        self.write_payroll(result)

    def result(self, transaction_id: str) -> dict[str, Any]:
        """Wait for B's verification result and print every check."""
        from verifier.service import IN_PROGRESS

        deadline = time.monotonic() + (600 if self.interactive else 30)
        args = ["verifier", "result", "--config", str(self.verifier_config), transaction_id]
        self.show_command(args)
        while True:
            result = dict(self.cli.json([*args, "--json"]))
            if result.get("outcome") not in IN_PROGRESS:  # pending or being verified
                break
            if time.monotonic() > deadline:
                raise DemoError("B received no answer in time")
            time.sleep(1)
        if result.get("outcome") != "verified":
            raise DemoError(f"B's verification did not succeed: {json.dumps(result)[:1500]}")
        checks = Table("check", "outcome", title="B's verification")
        for check in result.get("checks", []):
            checks.add_row(str(check.get("name")), str(check.get("outcome")))
        self.console.print(checks)
        return result

    def write_payroll(self, result: dict[str, Any]) -> None:
        """B's payroll import file, written by B's export code from the verified result."""
        from verifier.export import export_csv

        out = self.workdir / "payroll-b.csv"
        out.write_text(export_csv([result]), encoding="utf-8")
        self.outcome.payroll_csv = out
        rows = _read_csv(out)
        preview = Table("column", "value", title=f"B's payroll CSV ({out.name})")
        for name, value in (rows[0] if rows else {}).items():
            preview.add_row(name, value)
        self.console.print(preview)

    def over_ask(self) -> None:
        """B also asks for the recipient's My Number and an unregistered item; both refused."""
        self.step("B over-asks: the recipient's My Number (個人番号) and address as well")
        self.console.print(
            "B's operator uses `--also-request`, which puts items beyond B's trust-list "
            "registration into the request (for testing how wallets refuse them)."
        )
        request = self.request(*(path for path, _, _ in OVER_ASKED))
        self.step("the person says yes to every item; the wallet still refuses two")
        # Every requested item by name, the over-asked ones included: consent is not enough.
        approve = ",".join([*self.registered_items(), *(path for path, _, _ in OVER_ASKED)])
        presented = self.present(request["request_link"], approve=approve)
        self.step("B verifies what it received: the over-asked items are not in it")
        result = self.result(request["transaction_id"])
        received = sorted(result.get("claims", {}))
        self.outcome.over_ask_received = received
        if self.interactive:  # the person answered on the wallet page: its log has the answer
            log = self.honnin("wallet", "log", "--home", str(self.wallet_dir), env=self.wallet_env)
            presented = dict(log[-1]) if log else {}
        withheld = {
            path: reason
            for credential in presented.get("credentials", [])
            for path, reason in credential.get("withheld", {}).items()
        }
        table = Table("over-asked item", "refused by the wallet because", "in B's result")
        for path, expected, label in OVER_ASKED:
            reason = withheld.get(path)
            if reason != expected:
                raise DemoError(
                    f"the wallet did not refuse {path} as {expected} (it answered {reason!r})"
                )
            if any(c == path or c.startswith(path + "/") for c in received):
                raise DemoError(f"B's result holds the over-asked item {path}")
            table.add_row(f"{path}\n{label}", _WHY.get(reason or "", "-"), "no")
            self.outcome.refused[path] = reason or "refused"
        self.console.print(table)
        self.console.print(
            f"B's result: {result.get('outcome')}, {len(received)} items, none of "
            f"{', '.join(path for path, _, _ in OVER_ASKED)}"
        )

    def registered_items(self) -> list[str]:
        """The year-end purpose's item names (what B is registered to ask for)."""
        from verifier.purposes import purpose

        return ["/".join(map(str, p)) for p in purpose(YEAR_END).requested_paths]

    def show_log(self) -> None:
        """The wallet's hash-chained disclosure log shows what left the wallet, to whom."""
        self.step("the wallet's log: what was disclosed, to whom, why (hash chain verified)")
        log = self.honnin("wallet", "log", "--home", str(self.wallet_dir), env=self.wallet_env)
        entries = log.get("entries", log) if isinstance(log, dict) else log
        table = Table("#", "time", "verifier", "purpose", "outcome", "sent", "withheld")
        for entry in entries:
            items = [i for c in entry.get("credentials", []) for i in c.get("items", [])]
            withheld = [
                f"{path} ({reason})"
                for c in entry.get("credentials", [])
                for path, reason in c.get("withheld", {}).items()
            ]
            table.add_row(
                str(entry.get("seq", "")),
                str(entry.get("time", ""))[:19],
                str(entry.get("verifier_name", entry.get("verifier", ""))),
                str(entry.get("purpose", "")),
                str(entry.get("outcome", "")),
                f"{len(items)} items",
                ", ".join(withheld) or "-",
            )
        self.console.print(table)
        verified = self.honnin(
            "wallet", "log", "--verify", "--home", str(self.wallet_dir), env=self.wallet_env
        )
        self.console.print(f"disclosure log intact: {verified['entries']} entries")
        self.outcome.log_entries = len(entries)


_WHY = {
    "never_share": "My Number: no legal basis for B in the trust list (同意があっても出来ない連携)",
    "not_registered": "B is not registered for it in the trust list",
    "not_consented": "the person did not agree",
}


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))
