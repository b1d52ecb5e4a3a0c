"""Credential types: the withholding slip and the job-change family, defined once for every format.

Each type is an annotated frozen dataclass; its ``CredentialType`` derives the JSON Schema,
the SD-JWT VC Type Metadata (ja-JP, en-US), validation and selective-disclosure marking.
"""

from specs.credentials.check_digits import (
    check_corporate_number,
    check_individual_number,
    corporate_number_check_digit,
    individual_number_check_digit,
)
from specs.credentials.definition import Claim, ClaimInfo, CredentialType, Nested
from specs.credentials.education import (
    ENROLLMENT_CERTIFICATE_V1,
    GRADUATION_CERTIFICATE_V1,
    EnrollmentCertificate,
    GraduationCertificate,
)
from specs.credentials.employment import (
    EMPLOYMENT_CERTIFICATE_V1,
    SEPARATION_CERTIFICATE_V1,
    EmploymentCertificate,
    SeparationCertificate,
)
from specs.credentials.era import (
    EraYear,
    era_of_year,
    era_years_of_year,
    parse_era_year,
    to_date,
    to_era,
    to_gregorian_year,
)
from specs.credentials.registry import (
    CREDENTIAL_TYPES,
    credential_type,
    credential_type_by_vct,
    type_metadata_documents,
)
from specs.credentials.social_insurance import (
    BASIC_PENSION_NUMBER_V1,
    EMPLOYMENT_INSURANCE_NUMBER_V1,
    BasicPensionNumber,
    EmploymentInsuranceNumber,
)
from specs.credentials.type_metadata import accept_any, accept_type
from specs.credentials.withholding_slip import (
    WITHHOLDING_SLIP_V1,
    Dependents,
    DisabledDependents,
    LifeInsuranceBreakdown,
    MidYearChange,
    Payer,
    Recipient,
    RecipientStatus,
    WithholdingSlip,
)

__all__ = [
    "BASIC_PENSION_NUMBER_V1",
    "CREDENTIAL_TYPES",
    "EMPLOYMENT_CERTIFICATE_V1",
    "EMPLOYMENT_INSURANCE_NUMBER_V1",
    "ENROLLMENT_CERTIFICATE_V1",
    "GRADUATION_CERTIFICATE_V1",
    "SEPARATION_CERTIFICATE_V1",
    "WITHHOLDING_SLIP_V1",
    "BasicPensionNumber",
    "Claim",
    "ClaimInfo",
    "CredentialType",
    "Dependents",
    "DisabledDependents",
    "EmploymentCertificate",
    "EmploymentInsuranceNumber",
    "EnrollmentCertificate",
    "EraYear",
    "GraduationCertificate",
    "LifeInsuranceBreakdown",
    "MidYearChange",
    "Nested",
    "Payer",
    "Recipient",
    "RecipientStatus",
    "SeparationCertificate",
    "WithholdingSlip",
    "accept_any",
    "accept_type",
    "check_corporate_number",
    "check_individual_number",
    "corporate_number_check_digit",
    "credential_type",
    "credential_type_by_vct",
    "era_of_year",
    "era_years_of_year",
    "individual_number_check_digit",
    "parse_era_year",
    "to_date",
    "to_era",
    "to_gregorian_year",
    "type_metadata_documents",
]
