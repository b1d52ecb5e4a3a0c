"""`honnin card`: My Number Card tools: test cards on SoftHSM2, certificate checks, key attestation."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from honnin.cli.output import console, fail, print_json, read_text_file, reported_errors
from specs.card.constants import (
    JPKI_USER_AUTHENTICATION_POLICY,
    JPKI_USER_AUTHENTICATION_TOKEN_LABEL,
)

app = typer.Typer(
    help=(
        "My Number Card tools: test cards on SoftHSM2, certificate checks, key attestation.\n\n"
        "A real card is reached through OpenSC's PKCS#11 module (see docs/card.md); a test card "
        "is a SoftHSM2 token made by `honnin card init-test`."
    ),
    no_args_is_help=True,
)

OPENSC_MODULE = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"
CARD_HINT = (
    "is the card in the reader, the module path right, and SOFTHSM2_CONF set for a test card?"
)

ModuleOption = Annotated[
    str,
    typer.Option(
        "--module",
        envvar="HONNIN_PKCS11_MODULE",
        help="PKCS#11 module: OpenSC's opensc-pkcs11.so for a real card, libsofthsm2.so for a test card.",
    ),
]
LabelOption = Annotated[
    str,
    typer.Option("--token-label", help="Token label of the JPKI user-authentication AP."),
]
ConfOption = Annotated[
    Path | None,
    typer.Option(
        "--softhsm-conf",
        envvar="SOFTHSM2_CONF",
        help="SoftHSM2 config of a test card (written by init-test).",
    ),
]
PinEnvOption = Annotated[
    str, typer.Option(help="Environment variable holding the PIN; prompted for if unset.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
FinalTryOption = Annotated[
    bool,
    typer.Option(
        "--allow-final-try",
        help="Try the PIN even when the card has one try left (a wrong PIN then locks it).",
    ),
]


def _use_softhsm_conf(conf: Path | None) -> None:
    if conf is not None:
        os.environ["SOFTHSM2_CONF"] = str(conf)


def _pin(pin_env: str) -> str:
    pin = os.environ.get(pin_env)
    if pin:
        return pin
    value: str = typer.prompt("Card PIN (user authentication, 4 digits)", hide_input=True)
    return value


def _describe(cert: x509.Certificate) -> dict[str, Any]:
    key = cert.public_key()
    policies: list[str] = []
    try:
        ext = cert.extensions.get_extension_for_class(x509.CertificatePolicies)
        policies = [p.policy_identifier.dotted_string for p in ext.value]
    except x509.ExtensionNotFound:
        pass
    return {
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "serial": format(cert.serial_number, "x"),
        "not_before": cert.not_valid_before_utc.isoformat(),
        "not_after": cert.not_valid_after_utc.isoformat(),
        "key": f"RSA-{getattr(key, 'key_size', '?')}",
        "policies": policies,
        "user_authentication_policy": JPKI_USER_AUTHENTICATION_POLICY in policies,
    }


def _print_description(info: dict[str, Any]) -> None:
    for name, value in info.items():
        console.print(f"[bold]{name}[/]: {value}")


@app.command("init-test")
def init_test(
    directory: Annotated[
        Path, typer.Argument(help="Directory for the test CA, CRL and SoftHSM2 tokens.")
    ],
    status: Annotated[str, typer.Option(help="Card status: valid, revoked or expired.")] = "valid",
    label: Annotated[
        str, typer.Option(help="Token label; give each card in one directory its own.")
    ] = JPKI_USER_AUTHENTICATION_TOKEN_LABEL,
    pin: Annotated[str, typer.Option(help="User PIN of the test card.")] = "1234",
    so_pin: Annotated[
        str, typer.Option(help="Security officer PIN of the test token.")
    ] = "12345678",
    as_json: JsonOption = False,
) -> None:
    """Create a test My Number Card: a SoftHSM2 token with an on-token RSA-2048 key and a
    JPKI-profile certificate from a test CA (created on first use), plus a fresh CRL.

    Writes DIR/ca/ca.pem, DIR/crl.pem, DIR/<label>.pem and DIR/softhsm2.conf. Use the card
    with: SOFTHSM2_CONF=DIR/softhsm2.conf honnin card show --module <libsofthsm2.so>.
    """
    from honnin.testcard import JpkiTestCa, SoftHsm, create_test_card

    if status not in {"valid", "revoked", "expired"}:
        fail(f"unknown status {status!r}", hint="use valid, revoked or expired", as_json=as_json)
    with reported_errors(as_json=as_json, hint="is softhsm2 installed (scripts/setup)?"):
        now = datetime.now(UTC)
        ca_dir = directory / "ca"
        ca = JpkiTestCa.load(ca_dir) if (ca_dir / "ca.pem").exists() else JpkiTestCa.create(now)
        hsm = SoftHsm(directory.resolve())
        hsm.write_config()
        os.environ["SOFTHSM2_CONF"] = str(hsm.config)
        card = create_test_card(
            hsm, ca, now=now, label=label, pin=pin, so_pin=so_pin, status=status
        )
        ca.save(ca_dir)
        crl = ca.issue_crl(now - timedelta(minutes=1))
        (directory / "crl.pem").write_bytes(crl.public_bytes(serialization.Encoding.PEM))
        slug = "-".join("".join(c if c.isalnum() else " " for c in label).lower().split())
        cert_path = directory / f"{slug}.pem"
        cert_path.write_bytes(card.certificate.public_bytes(serialization.Encoding.PEM))
    result = {
        "token_label": label,
        "status": status,
        "module": hsm.module,
        "softhsm2_conf": str(hsm.config),
        "certificate": str(cert_path),
        "ca": str(ca_dir / "ca.pem"),
        "crl": str(directory / "crl.pem"),
        "serial": format(card.certificate.serial_number, "x"),
    }
    if as_json:
        print_json(result)
        return
    console.print(f"[green]test card ready[/] ({status}): token {label!r}")
    _print_description(result)
    typer.echo(f"\nexport SOFTHSM2_CONF={hsm.config} HONNIN_PKCS11_MODULE={hsm.module}")


@app.command()
def show(
    module: ModuleOption = OPENSC_MODULE,
    token_label: LabelOption = JPKI_USER_AUTHENTICATION_TOKEN_LABEL,
    softhsm_conf: ConfOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show the card's user-authentication certificate (no PIN needed)."""
    from wallet.card import read_certificate

    _use_softhsm_conf(softhsm_conf)
    with reported_errors(as_json=as_json, hint=CARD_HINT):
        cert = read_certificate(module, token_label=token_label)
    info = _describe(cert)
    if as_json:
        print_json(info)
    else:
        _print_description(info)


def _load_pem_certs(path: Path) -> list[x509.Certificate]:
    from specs.keys.x509 import load_pem_certificates

    return load_pem_certificates(path.read_bytes())


@app.command()
def check(
    certificate: Annotated[Path, typer.Argument(help="Card certificate (PEM), leaf first.")],
    ca: Annotated[
        list[Path], typer.Option("--ca", help="Trusted card CA certificate (PEM); repeatable.")
    ],
    crl: Annotated[
        list[Path], typer.Option("--crl", help="CRL of the card CA (PEM or DER); repeatable.")
    ],
    max_crl_age: Annotated[float, typer.Option(help="Oldest acceptable CRL, in hours.")] = 48.0,
    as_json: JsonOption = False,
) -> None:
    """Validate a card certificate: JPKI user-authentication profile, chain to a trusted
    card CA, validity now, and revocation against a fresh CRL."""
    from specs.card import CardPolicy, validate_card_certificate
    from specs.keys.x509 import load_crl

    with reported_errors(as_json=as_json):
        chain = _load_pem_certs(certificate)
        anchors = [c for path in ca for c in _load_pem_certs(path)]
        crls = [load_crl(path.read_bytes()) for path in crl]
        validated = validate_card_certificate(
            chain,
            anchors=anchors,
            crls=crls,
            at=datetime.now(UTC),
            policy=CardPolicy(max_crl_age_seconds=max_crl_age * 3600),
        )
    info = {"valid": True, **_describe(validated.certificate)}
    if as_json:
        print_json(info)
    else:
        console.print("[green]card certificate is valid[/]")
        _print_description(info)


@app.command()
def attest(
    nonce: Annotated[str, typer.Option(help="The issuer's nonce (c_nonce) to attest over.")],
    keystore: Annotated[
        Path, typer.Option(help="Presentation key store file (created if missing).")
    ],
    count: Annotated[
        int, typer.Option(min=1, max=64, help="How many fresh P-256 keys to attest.")
    ] = 4,
    module: ModuleOption = OPENSC_MODULE,
    token_label: LabelOption = JPKI_USER_AUTHENTICATION_TOKEN_LABEL,
    softhsm_conf: ConfOption = None,
    pin_env: PinEnvOption = "HONNIN_CARD_PIN",
    passphrase_env: Annotated[
        str, typer.Option(help="Environment variable holding the key store passphrase.")
    ] = "HONNIN_KEYSTORE_PASSPHRASE",  # noqa: S107 - a variable name, not a secret
    allow_final_try: FinalTryOption = False,
    as_json: JsonOption = False,
) -> None:
    """Generate COUNT fresh presentation keys and have the card sign a key attestation
    (typ key-attestation+jwt, x5c = card certificate) over them and NONCE."""
    from specs.ports import SystemClock
    from wallet.card import Pkcs11Signer, PresentationKeyStore, attest_new_keys

    passphrase = os.environ.get(passphrase_env) or typer.prompt(
        "Key store passphrase", hide_input=True
    )
    _use_softhsm_conf(softhsm_conf)
    with reported_errors(as_json=as_json, hint=CARD_HINT):
        store = (
            PresentationKeyStore.open(keystore, passphrase)
            if keystore.exists()
            else PresentationKeyStore.create(keystore, passphrase)
        )
        with Pkcs11Signer.open(
            module, _pin(pin_env), token_label=token_label, allow_final_try=allow_final_try
        ) as card:
            token, jwks = attest_new_keys(
                store, card, card.chain, count=count, nonce=nonce, clock=SystemClock()
            )
    if as_json:
        print_json({"key_attestation": token, "attested_keys": jwks})
    else:
        typer.echo(token)


@app.command("verify-attestation")
def verify_attestation(
    attestation: Annotated[
        Path, typer.Argument(help="File with the key attestation JWT; - reads stdin.")
    ],
    nonce: Annotated[str, typer.Option(help="The nonce the issuer handed out.")],
    ca: Annotated[
        list[Path], typer.Option("--ca", help="Trusted card CA certificate (PEM); repeatable.")
    ],
    crl: Annotated[list[Path], typer.Option("--crl", help="CRL of the card CA; repeatable.")],
    as_json: JsonOption = False,
) -> None:
    """Verify a card key attestation as an issuer does and print the attested keys."""
    from specs.key_attestation import verify_key_attestation
    from specs.keys.x509 import load_crl
    from specs.ports import SystemClock

    with reported_errors(as_json=as_json, hint="check the nonce, CA and CRL"):
        result = verify_key_attestation(
            read_text_file(attestation),
            card_cas=[c for path in ca for c in _load_pem_certs(path)],
            crls=[load_crl(path.read_bytes()) for path in crl],
            expected_nonce=nonce,
            clock=SystemClock(),
        )
    out = {
        "attested_keys": list(result.attested_keys),
        "expires_at": result.expires_at.isoformat(),
        "card_serial": format(result.card.certificate.serial_number, "x"),
    }
    if as_json:
        print_json(out)
    else:
        console.print(f"[green]attestation verified[/]: {len(result.attested_keys)} keys")
        print_json(out)


@app.command()
def pseudonym(
    verifier: Annotated[
        str, typer.Argument(help="Verifier identifier (client_id or trust-list id).")
    ],
    epoch: Annotated[int, typer.Option(min=0, help="Epoch; raise it to unlink this verifier.")] = 0,
    module: ModuleOption = OPENSC_MODULE,
    token_label: LabelOption = JPKI_USER_AUTHENTICATION_TOKEN_LABEL,
    softhsm_conf: ConfOption = None,
    pin_env: PinEnvOption = "HONNIN_CARD_PIN",
    allow_final_try: FinalTryOption = False,
    as_json: JsonOption = False,
) -> None:
    """Print the wallet's pairwise pseudonym for VERIFIER, recovered from the card."""
    from specs.pseudonyms import recover_pseudonym_secret
    from wallet.card import Pkcs11Signer

    _use_softhsm_conf(softhsm_conf)
    with (
        reported_errors(as_json=as_json, hint=CARD_HINT),
        Pkcs11Signer.open(
            module, _pin(pin_env), token_label=token_label, allow_final_try=allow_final_try
        ) as card,
    ):
        value = recover_pseudonym_secret(card).pseudonym(verifier, epoch)
    if as_json:
        print_json({"verifier": verifier, "epoch": epoch, "pseudonym": value})
    else:
        typer.echo(value)
