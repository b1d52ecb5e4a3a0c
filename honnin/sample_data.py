"""Deterministic fake people, employers and payroll rows for demos, tests and benchmarks.

Names, kana and addresses come from Faker's ``ja_JP`` locale; amounts follow the shape of
Japanese payroll (employment income deduction, social insurance, basic deduction,
progressive income tax with the 2.1% reconstruction surtax). They are plausible, not a tax
calculator. The same seed always yields the same data (with the locked Faker version).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from faker import Faker

from specs.credentials import (
    BasicPensionNumber,
    Dependents,
    EmploymentCertificate,
    EmploymentInsuranceNumber,
    EnrollmentCertificate,
    GraduationCertificate,
    LifeInsuranceBreakdown,
    MidYearChange,
    Payer,
    Recipient,
    SeparationCertificate,
    WithholdingSlip,
    corporate_number_check_digit,
    era_of_year,
)
from specs.credentials.constants import LSA22_ITEMS
from specs.credentials.employment import EMPLOYMENT_TYPES
from specs.credentials.payroll_csv import write_payroll_csv

_POSITIONS = ("主任", "係長", "課長", "部長", "エンジニア", "営業担当", "事務担当")
_DEPARTMENTS = ("総務部", "経理部", "営業部", "開発部", "人事部", "製造部")
_FACULTIES = (("工学部", "情報工学科"), ("経済学部", "経済学科"), ("文学部", "日本文学科"))
_TAX_BRACKETS = (  # 所得税法第89条: (upper bound of taxable income, rate %, deduction)
    (1_949_000, 5, 0),
    (3_299_000, 10, 97_500),
    (6_949_000, 20, 427_500),
    (8_999_000, 23, 636_000),
    (17_999_000, 33, 1_536_000),
    (39_999_000, 40, 2_796_000),
    (10**12, 45, 4_796_000),
)


@dataclass(frozen=True, slots=True)
class FakePerson:
    """A fake person: name, kana, birth date, address."""

    name: str
    name_kana: str
    birth_date: date
    address: str


@dataclass(frozen=True, slots=True)
class FakeEmployer:
    """A fake employer with a corporate number whose check digit is correct."""

    name: str
    corporate_number: str
    address: str
    phone: str

    def payer(self) -> Payer:
        """Return the employer as the payer of a withholding slip."""
        return Payer(self.name, self.corporate_number, self.address, self.phone)


def employment_income_deduction(payment: int, tax_year: int) -> int:
    """Return the employment income deduction (給与所得控除, 所得税法第28条) for ``payment``."""
    minimum = 650_000 if tax_year >= 2025 else 550_000
    if payment <= 1_800_000:
        formula = payment * 4 // 10 - 100_000
    elif payment <= 3_600_000:
        formula = payment * 3 // 10 + 80_000
    elif payment <= 6_600_000:
        formula = payment * 2 // 10 + 440_000
    elif payment <= 8_500_000:
        formula = payment // 10 + 1_100_000
    else:
        formula = 1_950_000
    return min(payment, max(minimum, formula))


def basic_deduction(total_income: int, tax_year: int) -> int:
    """Return the basic deduction (基礎控除, 所得税法第86条; the 2025 reform from 令和7年分)."""
    if tax_year < 2025:
        return 480_000
    for limit, amount in (
        (1_320_000, 950_000),
        (3_360_000, 880_000),
        (4_890_000, 680_000),
        (6_550_000, 630_000),
        (23_500_000, 580_000),
    ):
        if total_income <= limit:
            return amount
    return 480_000


def income_tax(taxable: int) -> int:
    """Return income tax with the reconstruction surtax, rounded down to 100 yen."""
    taxable = taxable // 1000 * 1000
    for limit, rate, deduction in _TAX_BRACKETS:
        if taxable <= limit:
            base = max(0, taxable * rate // 100 - deduction)
            return base * 1021 // 1000 // 100 * 100
    raise AssertionError("unreachable: the last bracket is unbounded")


class SampleData:
    """A seeded source of fake people, employers, slips, certificates and payroll CSV."""

    def __init__(self, seed: int = 0) -> None:
        self._faker = Faker("ja_JP")
        self._faker.seed_instance(seed)
        self._random = random.Random(seed)

    def person(self, *, born_between: tuple[int, int] = (1960, 2003)) -> FakePerson:
        """Return a fake person with a name and its katakana reading."""
        female = self._random.random() < 0.5
        last, last_kana, _ = self._faker.last_name_pair()
        pair = (
            self._faker.first_name_female_pair() if female else self._faker.first_name_male_pair()
        )
        first, first_kana, _ = pair
        start = date(born_between[0], 1, 1)
        days = (date(born_between[1], 12, 31) - start).days
        return FakePerson(
            name=f"{last}\u3000{first}",
            name_kana=f"{last_kana}\u3000{first_kana}",
            birth_date=start + timedelta(days=self._random.randrange(days)),
            address=self._faker.address(),
        )

    def corporate_number(self) -> str:
        """Return a fake 13-digit corporate number with a correct check digit."""
        # 会社法人等番号: registry office code, organisation kind (01 = 株式会社), serial.
        base = f"{self._random.randrange(100, 5000):04d}01{self._random.randrange(10**6):06d}"
        return f"{corporate_number_check_digit(base)}{base}"

    def employer(self) -> FakeEmployer:
        """Return a fake employer."""
        return FakeEmployer(
            name=self._faker.company(),
            corporate_number=self.corporate_number(),
            address=self._faker.address(),
            phone=f"03-{self._random.randrange(10**4):04d}-{self._random.randrange(10**4):04d}",
        )

    def withholding_slip(
        self,
        person: FakePerson,
        employer: FakeEmployer,
        *,
        tax_year: int = 2026,
        leave_date: date | None = None,
    ) -> WithholdingSlip:
        """Return a consistent withholding slip; a ``leave_date`` makes it a leaver's slip."""
        r = self._random
        months = leave_date.month if leave_date is not None else 12
        monthly = r.randrange(180, 650) * 1000
        bonus = r.choice((0, 1, 2)) * monthly * (months // 6) if months >= 6 else 0
        payment = monthly * months + bonus
        income = payment - employment_income_deduction(payment, tax_year)
        social = payment * r.randrange(140, 155) // 1000
        year_end_adjusted = leave_date is None
        has_spouse = year_end_adjusted and r.random() < 0.3
        spouse = 380_000 if has_spouse else 0
        dependents = (
            Dependents(specific=r.choice((0, 0, 1)), other=r.choice((0, 0, 1, 2)))
            if year_end_adjusted
            else None
        )
        dependents_deduction = (
            0 if dependents is None else dependents.specific * 630_000 + dependents.other * 380_000
        )
        life_premiums = r.choice((0, 0, 60_000, 120_000)) if year_end_adjusted else 0
        life = min(life_premiums // 2 + 20_000, 40_000) * 2 if life_premiums else 0
        earthquake = r.choice((0, 0, 15_000, 50_000)) if year_end_adjusted else 0
        basic = basic_deduction(income, tax_year) if year_end_adjusted else 0
        total = social + life + earthquake + spouse + basic + dependents_deduction
        withheld = min(income_tax(max(0, income - total)), payment)
        breakdown = (
            LifeInsuranceBreakdown(new_life=life_premiums // 2, care_medical=life_premiums // 2)
            if life_premiums
            else None
        )
        return WithholdingSlip(
            tax_year=tax_year,
            tax_year_era=str(era_of_year(tax_year)),
            recipient=Recipient(
                address=person.address,
                name=person.name,
                name_kana=person.name_kana,
                birth_date=person.birth_date,
                position=r.choice((None, *_POSITIONS)),
            ),
            payer=employer.payer(),
            category="給料・賞与",
            payment_amount=payment,
            income_after_deduction=income,
            total_income_deductions=total,
            withheld_tax=withheld,
            has_deductible_spouse=has_spouse if year_end_adjusted else None,
            spouse_deduction=spouse or None,
            dependents=dependents,
            social_insurance_premiums=social,
            life_insurance_deduction=life or None,
            earthquake_insurance_deduction=earthquake or None,
            life_insurance_breakdown=breakdown,
            basic_deduction=basic or None,
            mid_year_change=(
                MidYearChange("leave", leave_date) if leave_date is not None else None
            ),
            remarks="年末調整未済" if not year_end_adjusted else None,
        )

    def payroll(
        self, count: int, *, employer: FakeEmployer | None = None, tax_year: int = 2026
    ) -> list[WithholdingSlip]:
        """Return ``count`` slips of one employer; about a third are mid-year leavers."""
        employer = employer or self.employer()
        slips = []
        for _ in range(count):
            leave = None
            if self._random.random() < 0.33:
                month = self._random.randrange(1, 12)
                leave = date(tax_year, month + 1, 1) - timedelta(days=1)
            slips.append(
                self.withholding_slip(self.person(), employer, tax_year=tax_year, leave_date=leave)
            )
        return slips

    def payroll_csv(
        self, count: int, *, employer: FakeEmployer | None = None, tax_year: int = 2026
    ) -> str:
        """Return the payroll CSV text of ``count`` fake slips."""
        return write_payroll_csv(self.payroll(count, employer=employer, tax_year=tax_year))

    def employment_certificate(
        self, person: FakePerson, employer: FakeEmployer, *, as_of: date
    ) -> EmploymentCertificate:
        """Return a certificate of employment for ``person`` as of ``as_of``."""
        start = max(
            person.birth_date + timedelta(days=365 * 18),
            as_of - timedelta(days=self._random.randrange(30, 3650)),
        )
        return EmploymentCertificate(
            name=person.name,
            name_kana=person.name_kana,
            birth_date=person.birth_date,
            employer_name=employer.name,
            employer_corporate_number=employer.corporate_number,
            employer_address=employer.address,
            employment_start_date=min(start, as_of),
            employment_type=self._random.choice(EMPLOYMENT_TYPES[:4]),
            department=self._random.choice(_DEPARTMENTS),
            position=self._random.choice(_POSITIONS),
            as_of_date=as_of,
        )

    def separation_certificate(
        self,
        person: FakePerson,
        employer: FakeEmployer,
        *,
        leave_date: date,
        requested: tuple[str, ...] = LSA22_ITEMS[:3],
    ) -> SeparationCertificate:
        """Return a certificate of separation stating only the ``requested`` items."""
        start = leave_date - timedelta(days=self._random.randrange(200, 3650))
        period = "employment_period" in requested
        return SeparationCertificate(
            name=person.name,
            name_kana=person.name_kana,
            employer_name=employer.name,
            employer_corporate_number=employer.corporate_number,
            requested_items=requested,
            issue_date=leave_date + timedelta(days=7),
            employment_start_date=start if period else None,
            employment_end_date=leave_date if period else None,
            type_of_work="ソフトウェア開発" if "type_of_work" in requested else None,
            position=self._random.choice(_POSITIONS) if "position" in requested else None,
            wages=f"月給 {self._random.randrange(20, 60)}0,000円" if "wages" in requested else None,
            reason_for_leaving="自己都合による退職" if "reason_for_leaving" in requested else None,
        )

    def employment_insurance_number(self, person: FakePerson) -> EmploymentInsuranceNumber:
        """Return an employment insurance card for ``person``."""
        r = self._random
        return EmploymentInsuranceNumber(
            insured_number=f"{r.randrange(10**4):04d}-{r.randrange(10**6):06d}-{r.randrange(10)}",
            name=person.name,
            name_kana=person.name_kana,
            birth_date=person.birth_date,
            issuing_office="飯田橋公共職業安定所",
            acquisition_date=person.birth_date + timedelta(days=365 * 22 + r.randrange(365)),
        )

    def basic_pension_number(self, person: FakePerson) -> BasicPensionNumber:
        """Return a basic pension number notice for ``person``."""
        r = self._random
        return BasicPensionNumber(
            basic_pension_number=f"{r.randrange(10**4):04d}-{r.randrange(10**6):06d}",
            name=person.name,
            name_kana=person.name_kana,
            birth_date=person.birth_date,
            issue_date=person.birth_date + timedelta(days=365 * 20 + r.randrange(365)),
        )

    def enrollment_certificate(self, person: FakePerson, *, as_of: date) -> EnrollmentCertificate:
        """Return a certificate of enrollment at a fake university."""
        faculty, department = self._random.choice(_FACULTIES)
        entered = date(max(person.birth_date.year + 18, as_of.year - 3), 4, 1)
        entered = min(entered, as_of)
        return EnrollmentCertificate(
            name=person.name,
            name_kana=person.name_kana,
            birth_date=person.birth_date,
            school_name=f"{self._faker.city()}大学",
            enrollment_date=entered,
            as_of_date=as_of,
            faculty=faculty,
            department=department,
            grade=min(4, as_of.year - entered.year + (1 if as_of.month >= 4 else 0)) or 1,
            expected_graduation_date=date(entered.year + 4, 3, 31),
        )

    def graduation_certificate(self, person: FakePerson) -> GraduationCertificate:
        """Return a certificate of graduation from a fake university at 22."""
        faculty, department = self._random.choice(_FACULTIES)
        graduated = date(person.birth_date.year + 23, 3, 25)
        return GraduationCertificate(
            name=person.name,
            name_kana=person.name_kana,
            birth_date=person.birth_date,
            school_name=f"{self._faker.city()}大学",
            graduation_date=graduated,
            issue_date=graduated + timedelta(days=self._random.randrange(1, 3000)),
            faculty=faculty,
            department=department,
            degree="学士",
            enrollment_date=date(graduated.year - 4, 4, 1),
        )


__all__ = [
    "FakeEmployer",
    "FakePerson",
    "SampleData",
    "basic_deduction",
    "employment_income_deduction",
    "income_tax",
]
