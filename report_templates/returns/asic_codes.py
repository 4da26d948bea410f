"""The ASIC IDR code tables as far as our sources give them, with their source and confidence.

The IDR data dictionary's appendix ("Codes reference tables": product or service, complaint issue,
outcome...) is known from its table of contents only, so no official code list is shipped: every
table below is ``not retrieved`` and empty. A firm maps its own values to ASIC's codes in its
policy (``returns.asic_idr.codes.<element>``); the return's header says, per element, that the
official list is not in our sources. When a table here does list codes, a mapped code outside
it is written ``NOT_IN_TABLE:<code>`` instead of being passed on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class TableConfidence(StrEnum):
    CONFIRMED = "confirmed"
    UNCONFIRMED = "unconfirmed"
    #: The table exists in the official layout but its codes are not in our sources.
    NOT_RETRIEVED = "not retrieved"


@dataclass(frozen=True)
class CodeTable:
    """One coded data element: its column in the return, the official codes (code -> meaning)."""

    element: str
    column: str
    confidence: TableConfidence
    source: str
    codes: dict[str, str] = field(default_factory=dict)

    def header(self) -> str:
        if self.confidence is TableConfidence.NOT_RETRIEVED:
            return (
                f"{self.column}: official code table not in our sources ({self.source}); codes come from "
                f"returns.asic_idr.codes.{self.element} as configured, not checked against ASIC's list."
            )
        return f"{self.column}: {len(self.codes)} codes, {self.confidence.value} ({self.source})."


#: Versions looked for: the draft (CP 311 Attachment 2, May 2019: first page only, its Table 1 of
#: firm identifying elements), the pilot version (July 2021: contents page only, Appendix "Codes
#: reference tables" for product or service, complaint issue, outcome) and the current IDR data
#: reporting handbook and Excel template linked from asic.gov.au "Internal dispute resolution data
#: reporting" (not retrieved). None of them gave a code list.
_APPENDIX = (
    "IDR data dictionary, pilot version July 2021, Appendix: codes reference tables; contents page "
    "only, https://www.readkong.com/page/internal-dispute-resolution-data-dictionary-pilot-3162040; "
    "the current IDR data reporting handbook was not retrieved"
)
_ELEMENTS = (
    "element named in secondary sources (mondaq 1279968), values not listed; the IDR data reporting "
    "handbook was not retrieved"
)

#: Coded elements of the return, keyed by the policy's ``returns.asic_idr.codes`` table name.
TABLES: dict[str, CodeTable] = {
    t.element: t
    for t in (
        CodeTable("complaint_type", "Complaint type", TableConfidence.NOT_RETRIEVED, _ELEMENTS),
        CodeTable("status", "Current status", TableConfidence.NOT_RETRIEVED, _ELEMENTS),
        CodeTable("channel", "Receipt channel", TableConfidence.NOT_RETRIEVED, _ELEMENTS),
        CodeTable("product", "Product or service", TableConfidence.NOT_RETRIEVED, _APPENDIX),
        CodeTable("issue", "Issue", TableConfidence.NOT_RETRIEVED, _APPENDIX),
        CodeTable("outcome", "Outcome", TableConfidence.NOT_RETRIEVED, _APPENDIX),
    )
}


def checked(table: CodeTable | None, code: str) -> str:
    """``code`` as written in the return: marked when a known official list does not have it."""
    if table is None or not table.codes or code in table.codes:
        return code
    return f"NOT_IN_TABLE:{code}"
