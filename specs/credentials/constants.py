"""Registry values of honnin's credential types (names, vct values, sd values, eras)."""

from __future__ import annotations

from datetime import date

# Base of every honnin ``vct`` (SD-JWT VC section 2.2.2.1: a collision-resistant name, here
# a URL). ``honnin.example`` is a reserved example domain (RFC 2606 / RFC 6761): the vct is
# an identifier; consumers resolve its type metadata from the registry in
# ``specs.credentials.registry`` (SD-JWT VC section 5.3.2) or a deployment's own mirror,
# never by fetching this host. A type's vct is ``{VCT_BASE}/{type id}/{version}``.
VCT_BASE = "https://honnin.example/credentials"

# Prefix of the ISO 18013-5 / 23220-2 mdoc namespace of a type: ``{prefix}.{id}.{version}``
# with dashes turned into underscores, e.g. ``jp.honnin.withholding_slip.1``.
MDOC_NAMESPACE_PREFIX = "jp.honnin"
# The namespace of what the wallet itself signs in an mdoc's DeviceSigned (ISO 18013-5
# 8.3.2.1.2.2 DeviceNameSpaces, authorized by the MSO keyAuthorizations): the verifier's
# pairwise pseudonym, as the KB-JWT claim ``pseudonym`` carries it for SD-JWT VC.
MDOC_DEVICE_NAMESPACE = "jp.honnin.wallet.1"
MDOC_PSEUDONYM_ELEMENT = "pseudonym"

# JSON Schema dialect of every schema (JSON Schema draft 2020-12, Core section 8.1.1).
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

# SD-JWT VC section 5.6.4: values of the claim metadata property ``sd``.
SD_ALWAYS = "always"
SD_ALLOWED = "allowed"
SD_NEVER = "never"
SD_VALUES: frozenset[str] = frozenset({SD_ALWAYS, SD_ALLOWED, SD_NEVER})

# SD-JWT VC sections 5.2, 5.5, 5.6: member names of a Type Metadata document.
META_VCT = "vct"
META_NAME = "name"
META_DESCRIPTION = "description"
META_EXTENDS = "extends"
META_EXTENDS_INTEGRITY = "extends#integrity"
META_DISPLAY = "display"
META_CLAIMS = "claims"
META_LOCALE = "locale"
META_LABEL = "label"
META_PATH = "path"
META_SD = "sd"
META_MANDATORY = "mandatory"

# SD-JWT VC section 2.2.2: claim names the credential payload reserves for itself.
CLAIM_VCT = "vct"
CLAIM_VCT_INTEGRITY = "vct#integrity"

# Display locales of every type (BCP 47 / RFC 5646 tags).
LOCALE_JA = "ja-JP"
LOCALE_EN = "en-US"

# The short ids of the registry (``CREDENTIAL_TYPES`` keys).
WITHHOLDING_SLIP = "withholding-slip"  # 給与所得の源泉徴収票
EMPLOYMENT_CERTIFICATE = "employment-certificate"  # 在職証明書
SEPARATION_CERTIFICATE = "separation-certificate"  # 退職証明書
EMPLOYMENT_INSURANCE_NUMBER = "employment-insurance-number"  # 雇用保険被保険者証
BASIC_PENSION_NUMBER = "basic-pension-number"  # 基礎年金番号通知書
ENROLLMENT_CERTIFICATE = "enrollment-certificate"  # 在学証明書
GRADUATION_CERTIFICATE = "graduation-certificate"  # 卒業証明書

# Japanese eras (元号) with their first day, newest first. 令和 began 2019-05-01 (政令第143号,
# 平成31年); 平成 began 1989-01-08; 昭和 1926-12-25; 大正 1912-07-30. Older eras are not
# needed for living people's records and are rejected.
ERA_REIWA = "令和"
ERA_HEISEI = "平成"
ERA_SHOWA = "昭和"
ERA_TAISHO = "大正"
ERAS: tuple[tuple[str, date], ...] = (
    (ERA_REIWA, date(2019, 5, 1)),
    (ERA_HEISEI, date(1989, 1, 8)),
    (ERA_SHOWA, date(1926, 12, 25)),
    (ERA_TAISHO, date(1912, 7, 30)),
)
# Romanised initials as used on forms and in payroll exports (R8 = 令和8年).
ERA_INITIALS: dict[str, str] = {"R": ERA_REIWA, "H": ERA_HEISEI, "S": ERA_SHOWA, "T": ERA_TAISHO}
# The first year of an era is written 元年 (gannen) on official forms.
GANNEN = "元"

# Corporate Number Act enforcement ordinance (法人番号の指定等に関する省令 第2条): 13 digits, the
# first a check digit. Individual number (個人番号, 番号法施行令 第8条 / 総務省令第85号 第5条):
# 12 digits, the last a check digit.
CORPORATE_NUMBER_LENGTH = 13
INDIVIDUAL_NUMBER_LENGTH = 12

# Legal maxima of deductions on the withholding slip (所得税法 第76条, 第77条; current law).
MAX_LIFE_INSURANCE_DEDUCTION = 120_000  # 生命保険料控除 (新旧合計の上限)
MAX_EARTHQUAKE_INSURANCE_DEDUCTION = 50_000  # 地震保険料控除 (旧長期損害保険料を含む上限)

# Labor Standards Act article 22(1) (労働基準法第22条第1項): the items a certificate of
# separation may state, and only when the worker asks for them (article 22(3)).
LSA22_EMPLOYMENT_PERIOD = "employment_period"  # 使用期間
LSA22_TYPE_OF_WORK = "type_of_work"  # 業務の種類
LSA22_POSITION = "position"  # その事業における地位
LSA22_WAGES = "wages"  # 賃金
LSA22_REASON_FOR_LEAVING = "reason_for_leaving"  # 退職の事由 (解雇の場合はその理由を含む)
LSA22_ITEMS: tuple[str, ...] = (
    LSA22_EMPLOYMENT_PERIOD,
    LSA22_TYPE_OF_WORK,
    LSA22_POSITION,
    LSA22_WAGES,
    LSA22_REASON_FOR_LEAVING,
)
