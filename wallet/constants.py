"""The wallet's own names and defaults (file layout, outcomes, refill threshold)."""

from __future__ import annotations

# Files of a wallet home directory.
STORE_FILE = "wallet.db"
KEYS_FILE = "keys.json"
PROFILE_FILE = "wallet.json"
PASSPHRASE_ENV = "HONNIN_WALLET_PASSPHRASE"  # noqa: S105 (a variable name)
HOME_ENV = "HONNIN_WALLET_HOME"

# Batch issuance (OpenID4VCI section 8.2 batch_credential_issuance): how many instances to
# ask for, and when to ask the person to refill (one instance per verifier, DOMAIN.md).
DEFAULT_BATCH_SIZE = 4
REFILL_THRESHOLD = 1

# Disclosure log outcomes.
OUTCOME_DISCLOSED = "disclosed"
OUTCOME_DECLINED = "declined"
OUTCOME_REFUSED = "refused"

# Credential statuses in the store.
STATUS_VALID = "valid"
STATUS_SUPERSEDED = "superseded"
# What the issuer's status list last said (``honnin wallet status``); never offered.
STATUS_SUSPENDED = "suspended"
STATUS_REVOKED = "revoked"
# Fetching one status list: at most this long (the body size is bounded by ``Limits``).
STATUS_LIST_TIMEOUT_SECONDS = 10.0

# The KB-JWT claim carrying the verifier's pairwise pseudonym (house decision; RFC 9901
# section 4.3 allows additional KB-JWT claims).
KB_PSEUDONYM_CLAIM = "pseudonym"

# Notification events (OpenID4VCI section 11.1).
EVENT_CREDENTIAL_ACCEPTED = "credential_accepted"
EVENT_CREDENTIAL_DELETED = "credential_deleted"

# OpenID4VCI credential format identifier this wallet stores and presents (Appendix A.3).
FORMAT_DC_SD_JWT = "dc+sd-jwt"

LANGUAGES = ("ja", "en")
