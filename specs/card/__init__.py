"""The My Number Card as honnin sees it: the JPKI user-authentication certificate profile and
card certificate validation (chain to a trusted card CA, revocation by CRL)."""

from specs.card.certificate import (
    DEFAULT_CARD_POLICY,
    CardPolicy,
    check_algorithm,
    check_user_authentication_profile,
)
from specs.card.validation import ValidatedCard, validate_card_certificate

__all__ = [
    "DEFAULT_CARD_POLICY",
    "CardPolicy",
    "ValidatedCard",
    "check_algorithm",
    "check_user_authentication_profile",
    "validate_card_certificate",
]
