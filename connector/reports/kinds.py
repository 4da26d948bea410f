"""What ``iso10002 report`` can write: report kinds, formats and which formats each kind has.

Kept apart from the renderers so the command line can parse its options without importing
them (matplotlib, openpyxl, WeasyPrint cost seconds at start-up).
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    register = "register"
    kpi = "kpi"
    audit = "audit"
    review = "review"
    fca_return = "fca-return"
    asic_idr = "asic-idr"
    cfpb = "cfpb"

    @property
    def is_return(self) -> bool:
        return self in (Kind.fca_return, Kind.asic_idr, Kind.cfpb)


class Fmt(StrEnum):
    html = "html"
    pdf = "pdf"
    csv = "csv"
    xlsx = "xlsx"
    json = "json"


#: Kinds that read the trend baseline (``ReportInput.history``); the others never do.
TREND_KINDS = (Kind.kpi, Kind.review)
#: Formats of the regulator returns (a header of notes, then one table).
RETURN_FORMATS = (Fmt.csv, Fmt.json)
#: Formats written from a view's tables alone (no view-model needed).
TABLE_FORMATS = (Fmt.csv, Fmt.xlsx)
#: Formats of the register written from its slim rows (the HTML page streams them); only its
#: JSON needs the full view-model.
SLIM_REGISTER_FORMATS = (Fmt.csv, Fmt.xlsx, Fmt.html, Fmt.pdf)


def check_format(kind: Kind, fmt: Fmt) -> None:
    """Raise ``ValueError`` for a format the kind has no writer for."""
    if kind.is_return and fmt not in RETURN_FORMATS:
        raise ValueError(f"{kind.value} is written as {' or '.join(f.value for f in RETURN_FORMATS)}")
