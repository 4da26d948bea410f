"""The ``returns`` block of a policy: code tables the regulator returns translate values with.

Each table maps a record value (product group, category, channel, outcome...; matched
case-insensitively) to the code the regulator's layout expects. Values missing from a table are
reported in the return as unmapped rather than guessed.
"""

from __future__ import annotations

from pydantic import Field

from compliance_checks.model import Frozen

CodeTable = dict[str, str]


def lookup(table: CodeTable, value: str | None) -> str | None:
    """The code for ``value`` (case-insensitive), or None when unmapped or empty."""
    if value is None:
        return None
    folded = {k.casefold(): v for k, v in table.items()}
    return folded.get(value.casefold())


class FcaReturnConfig(Frozen):
    """DISP 1 Annex 1R: record product group (or category) -> the return's product grouping."""

    product_groups: CodeTable = Field(default_factory=dict)
    #: Group used for a complaint whose product group is not in the table.
    unmapped_group: str = "Unmapped"


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
