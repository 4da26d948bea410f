"""The ``returns`` block of a policy: code tables the regulator returns translate values with.

Each table maps a record value (product group, category, channel, outcome...) to the code the
regulator's layout expects. Keys and values are matched after ``normalise``: the same option reads
``current_account`` on Zendesk (a dropdown tag) and ``Current account`` on Jira (the option name).
Values missing from a table are reported in the return as unmapped rather than guessed.
"""

from __future__ import annotations

from pydantic import Field

from compliance_checks.model import Frozen, normalise

CodeTable = dict[str, str]


def lookup(table: CodeTable, value: str | None) -> str | None:
    """The code for ``value`` (matched after ``normalise``), or None when unmapped or empty."""
    if value is None:
        return None
    folded = {normalise(k): v for k, v in table.items()}
    return folded.get(normalise(value))


class FcaReturnConfig(Frozen):
    """DISP 1 Annex 1R: record product group (or category, or product) -> the return's grouping;
    record product -> the form's product; record category -> the form's main cause; and the
    return details the form asks for (left ``None`` they are printed as still to fill in)."""

    product_groups: CodeTable = Field(default_factory=dict)
    #: Groupings reported in the payment services and e-money return (DISP 1 Annex 1AD).
    payment_services_return: list[str] = Field(default_factory=list)
    #: Group used for a complaint whose product group is not in the table.
    unmapped_group: str = "Unmapped"
    #: Record product -> the form's product row under its grouping (DISP 1 Annex 1R, Table 1).
    products: CodeTable = Field(default_factory=dict)
    unmapped_product: str = "Unmapped product"
    #: Record payment service, else product, else subcategory -> the service grouping of the
    #: payment services and e-money return (DISP 1 Annex 1AD, Table 1; DISP 1 Annex 1AA notes).
    services: CodeTable = Field(default_factory=dict)
    unmapped_service: str = "Unmapped service"
    #: Record category -> the form's main cause of complaint (complaints opened, by cause).
    causes: CodeTable = Field(default_factory=dict)
    unmapped_cause: str = "Unmapped cause"
    #: The reporting firm's FCA firm reference number (FRN).
    firm_reference: str | None = None
    #: FRNs of the other group entities the return covers; ``[]``: the return covers this firm only.
    group_firms: list[str] | None = None
    #: Consent to the FCA publishing the data before the firm does (DISP 1.10A); never assumed.
    consent_to_publish: bool | None = None


class AsicIdrConfig(Frozen):
    """ASIC IDR data reporting: code tables per data element."""

    brand: str | None = None
    codes: dict[str, CodeTable] = Field(default_factory=dict)


class CfpbConfig(Frozen):
    """CFPB public-database vocabulary: channel -> 'Submitted via', product -> 'Product'."""

    company: str | None = None
    codes: dict[str, CodeTable] = Field(default_factory=dict)


class ReturnsConfig(Frozen):
    fca: FcaReturnConfig = Field(default_factory=FcaReturnConfig)
    asic_idr: AsicIdrConfig = Field(default_factory=AsicIdrConfig)
    cfpb: CfpbConfig = Field(default_factory=CfpbConfig)
