"""Registry values of the honnin trust-list format.

The document is a simplified JSON profile of ETSI TS 119 602 (Lists of Trusted Entities,
"LoTE") with the relying-party registration attributes of the EUDI framework for verifiers.
Member names are the snake_case forms of the TS 119 602 / TS 119 612 element names where one
exists; the clause of the source is cited next to each.
"""

from __future__ import annotations

# JWS "typ" of a signed trust list and of a signed transparency-log head (RFC 7515 4.1.9).
TRUST_LIST_TYP = "honnin-trustlist+jws"
LOG_HEAD_TYP = "honnin-trustlist-log-head+jws"
# Media type served by the publishing endpoint (RFC 6838 structured suffix +jws).
TRUST_LIST_MEDIA_TYPE = "application/honnin-trustlist+jws"

# TS 119 602 clause 6.3.1 LoTEVersionIdentifier: the version of this profile.
LOTE_VERSION_IDENTIFIER = 1
# TS 119 602 clause 6.3.3 LoTEType: identifies this kind of list.
LOTE_TYPE = "https://honnin.dev/trustlist/lote-type/jp-user-mediated-sharing/v1"

# Top-level members.
LIST_AND_SCHEME_INFORMATION = "list_and_scheme_information"  # TS 119 602 6.3
ISSUERS = "issuers"  # trusted entities issuing credentials
VERIFIERS = "verifiers"  # registered relying parties (EUDI RP registration)
CARD_CAS = "card_cas"  # JPKI certification authorities of the My Number Card
STATUS_LIST_PROVIDERS = "status_list_providers"  # signers of status lists
ENTITY_CATEGORIES = (ISSUERS, VERIFIERS, CARD_CAS, STATUS_LIST_PROVIDERS)

# ListAndSchemeInformation members (TS 119 602 clause 6.3.x).
VERSION = "lote_version_identifier"  # 6.3.1
SEQUENCE_NUMBER = "lote_sequence_number"  # 6.3.2
TYPE = "lote_type"  # 6.3.3
OPERATOR_NAME = "scheme_operator_name"  # 6.3.4
TERRITORY = "scheme_territory"  # 6.3.10
POLICY = "policy_or_legal_notice"  # 6.3.11
ISSUE_TIME = "list_issue_date_time"  # 6.3.14
NEXT_UPDATE = "next_update"  # 6.3.15
DISTRIBUTION_POINTS = "distribution_points"  # 6.3.16

# Trusted-entity members (TS 119 602 clause 6.5/6.6, simplified).
ENTITY_ID = "entity_id"
LEGAL_NAME = "legal_name"  # TEName
NAME = "name"
CORPORATE_NUMBER = "corporate_number"  # 法人番号 (13 digits, Act on My Number art. 39)
DIGITAL_IDENTITY = "digital_identity"  # ServiceDigitalIdentity
JWKS = "jwks"
X509_CERTIFICATES = "x509_certificates"
CREDENTIAL_TYPES = "credential_types"
STATUS_HISTORY = "status_history"  # ServiceStatus + ServiceHistory
STATUS = "status"  # ServiceStatus
STATUS_STARTING_TIME = "status_starting_time"  # StatusStartingTime
CLIENT_ID = "client_id"  # OpenID4VP client identifier
ACCESS_CERTIFICATES = "access_certificates"  # EUDI relying-party access certificates
INTENDED_USES = "intended_uses"  # EUDI RP registration "intended use"
PURPOSE_ID = "purpose_id"
PURPOSE = "purpose"
CREDENTIALS = "credentials"
CREDENTIAL_TYPE = "credential_type"
CLAIMS = "claims"  # claim paths as in DCQL (OpenID4VP section 7)
MY_NUMBER_LEGAL_BASIS = "my_number_legal_basis"
LAW = "law"
ARTICLE = "article"
CRL_DISTRIBUTION_POINTS = "crl_distribution_points"  # RFC 5280 4.2.1.13
URI_PREFIXES = "uri_prefixes"

# Service status values (TS 119 612 clause 5.5.4, the two a LoTE needs).
STATUS_GRANTED = "granted"
STATUS_WITHDRAWN = "withdrawn"
STATUSES = (STATUS_GRANTED, STATUS_WITHDRAWN)

# Claim names that carry a My Number (個人番号); requesting one needs a legal basis
# (番号法 art. 19 limits who may receive it).
MY_NUMBER_CLAIMS = frozenset({"my_number", "individual_number", "kojin_bango"})

# Signature algorithms accepted for trust lists and log heads.
ALLOWED_ALGS = frozenset({"ES256", "ES384", "ES512", "EdDSA", "PS256"})

# Transparency log (honnin profile): hash of each entry chains to the previous one.
LOG_HASH = "sha256"
LOG_GENESIS = "0" * 64
