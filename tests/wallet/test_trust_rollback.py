"""The wallet never goes back to an older trust list (ETSI TS 119 612 5.3.2, TS 119 602 6.3.2).

The wallet re-verifies its configured trust-list file each time it uses it. An older copy
put back in its place (validly signed, its next update not passed), or another list under
the number already accepted, is refused with ``Rollback``, also after the wallet is
reopened, and the message says to get the current list from the operator.

Sequence numbers count per operator (TS 119 612 5.3.2): the remembered list is scoped to the
configured operator anchors, so a person who points the wallet at another operator's list
and anchor is not locked out by the first operator's higher numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import event

from specs.encoding import dump_json_compact
from specs.errors import InvalidSignature, Rollback, UntrustedKey
from specs.keys import SoftwareSigner
from specs.ports import FixedClock, SeededRandom
from specs.trustlist import AcceptedTrustList, anchor_scope, sign_trust_list, token_digest
from specs.trustlist import constants as c
from wallet.holder import Wallet
from wallet.store import meta

from .conftest import PASSPHRASE, Pki, access_party, new_wallet, trust_document


@dataclass(frozen=True)
class Operator:
    """A trust-list operator: its signing key and certificate."""

    signer: SoftwareSigner
    cert: x509.Certificate


@pytest.fixture(scope="module")
def second_operator() -> Operator:
    """Another operator, whose own list numbering is far behind the first one's."""
    return Operator(*access_party("trust.other-operator.example", 20))


def signed_list(
    pki: Pki,
    sequence_number: int,
    *,
    name_en: str = "A Corporation",
    operator: Operator | None = None,
) -> str:
    """The test trust list under ``sequence_number`` (``name_en`` changes its content),
    signed by the test operator or ``operator``."""
    document = trust_document(pki)
    document[c.LIST_AND_SCHEME_INFORMATION][c.SEQUENCE_NUMBER] = sequence_number
    document[c.ISSUERS][0][c.LEGAL_NAME]["en"] = name_en
    if operator is None:
        return sign_trust_list(document, pki.operator, [pki.operator_cert])
    return sign_trust_list(document, operator.signer, [operator.cert])


@pytest.fixture
def wallet(
    tmp_path: Path, clock: FixedClock, trust_files: tuple[Path, Path]
) -> tuple[Wallet, Path]:
    """A new wallet and its trust-list file."""
    return new_wallet(tmp_path / "home", clock, trust_files), trust_files[0]


def test_an_older_list_file_is_refused_also_after_reopening(
    wallet: tuple[Wallet, Path], pki: Pki, clock: FixedClock
) -> None:
    holder, path = wallet
    new = signed_list(pki, 2)
    path.write_text(new, encoding="ascii")
    assert holder.trust_list().sequence_number == 2
    path.write_text(signed_list(pki, 1), encoding="ascii")
    with pytest.raises(Rollback) as refused:
        holder.trust_list()
    message = str(refused.value)
    assert "older than the accepted 2" in message
    assert "Get the current list from the trust-list operator" in message
    assert "https://trust.example.jp/trustlist.jws" in message
    assert str(path) in message
    holder.close()
    reopened = Wallet.open(holder.home, PASSPHRASE, clock=clock, random=SeededRandom("r"))
    try:
        with pytest.raises(Rollback, match="older than the accepted 2"):
            reopened.trust_list()
        assert reopened.store.accepted_trust_list() == AcceptedTrustList(
            2, token_digest(new), anchor_scope([pki.operator_cert])
        )
    finally:
        reopened.close()


def test_another_list_under_the_same_number_is_refused(
    wallet: tuple[Wallet, Path], pki: Pki
) -> None:
    holder, path = wallet
    try:
        path.write_text(signed_list(pki, 2), encoding="ascii")
        holder.trust_list()
        path.write_text(signed_list(pki, 2, name_en="A Corp. (renamed)"), encoding="ascii")
        with pytest.raises(Rollback, match="differs from the one accepted under the same number"):
            holder.trust_list()
    finally:
        holder.close()


def test_the_same_list_again_and_a_newer_one_are_accepted(
    wallet: tuple[Wallet, Path], pki: Pki
) -> None:
    holder, path = wallet
    try:
        first = holder.trust_list()  # the fixture's list 1
        assert holder.trust_list() == first
        newer = signed_list(pki, 5)
        path.write_text(newer, encoding="ascii")
        assert holder.trust_list().sequence_number == 5
        assert holder.store.accepted_trust_list() == AcceptedTrustList(
            5, token_digest(newer), anchor_scope([pki.operator_cert])
        )
    finally:
        holder.close()


def test_a_changed_record_of_the_accepted_list_does_not_open(
    wallet: tuple[Wallet, Path], pki: Pki
) -> None:
    """The record is sealed: rewriting it in the file (to lower the number) is detected."""
    holder, _path = wallet
    try:
        holder.trust_list()
        engine = holder.store._engine
        with engine.begin() as conn:
            conn.execute(
                meta.update()
                .where(meta.c.name == "trust_list_accepted")
                .values(value=b"\x01" + b"\x00" * 60)
            )
        with pytest.raises(InvalidSignature):
            holder.trust_list()
    finally:
        holder.close()


def test_two_processes_never_lower_the_accepted_list(
    tmp_path: Path, pki: Pki, clock: FixedClock, trust_files: tuple[Path, Path]
) -> None:
    """The web page accepts list 3 between the CLI's check of list 2 and its write."""
    cli = new_wallet(tmp_path / "home", clock, trust_files)
    page = Wallet.open(cli.home, PASSPHRASE, clock=clock, random=SeededRandom("page"))
    page_list = tmp_path / "page-list.jws"
    list_3 = signed_list(pki, 3)
    page_list.write_text(list_3, encoding="ascii")
    page.update_profile(trust_list=str(page_list))
    try:
        cli.trust_list()  # list 1 accepted
        trust_files[0].write_text(signed_list(pki, 2), encoding="ascii")
        done: list[int] = []

        def page_first(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if not done and statement.lstrip().upper().startswith("UPDATE WALLET_META"):
                done.append(page.trust_list().sequence_number)

        event.listen(cli.store._engine, "before_cursor_execute", page_first)
        try:
            with pytest.raises(Rollback, match="older than the accepted 3"):
                cli.trust_list()
        finally:
            event.remove(cli.store._engine, "before_cursor_execute", page_first)
        assert done == [3]
        assert cli.store.accepted_trust_list() == AcceptedTrustList(
            3, token_digest(list_3), anchor_scope([pki.operator_cert])
        )
    finally:
        cli.close()
        page.close()


# --- the person points the wallet at another operator's list ---


def test_another_operators_lower_numbered_list_is_accepted_after_re_pointing(
    wallet: tuple[Wallet, Path],
    pki: Pki,
    clock: FixedClock,
    tmp_path: Path,
    second_operator: Operator,
) -> None:
    """The mark follows the profile's anchors: the second operator's list 2 after the first
    one's list 7, then the first operator's list 5 after switching back (re-pointing the
    profile is an explicit act of the person, so the first mark is not kept); under one
    anchor an older list is still refused, also after reopening."""
    holder, path = wallet
    first_anchor = Path(str(holder.profile.trust_list_anchor))
    path.write_text(signed_list(pki, 7), encoding="ascii")
    assert holder.trust_list().sequence_number == 7
    theirs_path, theirs_anchor = tmp_path / "other-list.jws", tmp_path / "other-operator.pem"
    theirs = signed_list(pki, 2, operator=second_operator)
    theirs_path.write_text(theirs, encoding="ascii")
    theirs_anchor.write_bytes(second_operator.cert.public_bytes(serialization.Encoding.PEM))
    holder.update_profile(trust_list=str(theirs_path), trust_list_anchor=str(theirs_anchor))
    assert holder.trust_list().sequence_number == 2
    assert holder.store.accepted_trust_list() == AcceptedTrustList(
        2, token_digest(theirs), anchor_scope([second_operator.cert])
    )
    list_5 = signed_list(pki, 5)
    path.write_text(list_5, encoding="ascii")
    holder.update_profile(trust_list=str(path), trust_list_anchor=str(first_anchor))
    assert holder.trust_list().sequence_number == 5
    path.write_text(signed_list(pki, 4), encoding="ascii")
    with pytest.raises(Rollback, match="older than the accepted 5"):
        holder.trust_list()
    holder.close()
    reopened = Wallet.open(holder.home, PASSPHRASE, clock=clock, random=SeededRandom("r"))
    try:
        with pytest.raises(Rollback, match="older than the accepted 5"):
            reopened.trust_list()
        assert reopened.store.accepted_trust_list() == AcceptedTrustList(
            5, token_digest(list_5), anchor_scope([pki.operator_cert])
        )
    finally:
        reopened.close()


def test_a_record_without_a_scope_is_replaced_by_the_next_list(
    wallet: tuple[Wallet, Path], pki: Pki
) -> None:
    """A record written by an earlier build (number and digest only) counts as another
    operator's: the configured list 1 is accepted after it and becomes the mark."""
    holder, path = wallet
    try:
        record = dump_json_compact({"sequence_number": 9, "digest": "d" * 64}).encode("utf-8")
        sealed = holder.store._sealer.seal("meta", "trust_list_accepted", record)
        with holder.store._engine.begin() as conn:
            conn.execute(meta.insert().values(name="trust_list_accepted", value=sealed))
        assert holder.store.accepted_trust_list() == AcceptedTrustList(9, "d" * 64, "")
        assert holder.trust_list().sequence_number == 1
        assert holder.store.accepted_trust_list() == AcceptedTrustList(
            1, token_digest(path.read_text(encoding="ascii")), anchor_scope([pki.operator_cert])
        )
    finally:
        holder.close()


# --- Wallet.use_trust_list: switch only to a list that verifies ---


def _pem(cert: x509.Certificate, path: Path) -> Path:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def test_use_trust_list_switches_to_another_operators_list(
    wallet: tuple[Wallet, Path], pki: Pki, tmp_path: Path, second_operator: Operator
) -> None:
    holder, _ = wallet
    other = tmp_path / "other.jws"
    other.write_text(signed_list(pki, 2, operator=second_operator), encoding="ascii")
    anchor = _pem(second_operator.cert, tmp_path / "other.pem")
    assert holder.use_trust_list(other, anchor).sequence_number == 2
    assert holder.profile.trust_list == str(other.resolve())
    reopened = Wallet.open(holder.home, PASSPHRASE, clock=holder.clock, random=SeededRandom("r"))
    try:
        assert reopened.profile.trust_list_anchor == str(anchor.resolve())
    finally:
        reopened.close()


def test_use_trust_list_changes_nothing_when_the_list_does_not_verify(
    wallet: tuple[Wallet, Path], pki: Pki, tmp_path: Path, second_operator: Operator
) -> None:
    holder, _ = wallet
    before = holder.profile
    signed_by_other = tmp_path / "other.jws"
    signed_by_other.write_text(signed_list(pki, 2, operator=second_operator), encoding="ascii")
    first_anchor = _pem(pki.operator_cert, tmp_path / "first.pem")
    with pytest.raises(UntrustedKey):  # the other operator's list under the first anchor
        holder.use_trust_list(signed_by_other, first_anchor)
    assert holder.profile == before
    holder.trust_list()  # list 1 accepted under the first anchor
    older = tmp_path / "older.jws"
    older.write_text(signed_list(pki, 1, name_en="Changed"), encoding="ascii")  # same number
    with pytest.raises(Rollback):
        holder.use_trust_list(older, first_anchor)
    assert holder.profile == before
    assert holder.trust_list().sequence_number == 1
