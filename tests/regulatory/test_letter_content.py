"""Letter content the packs require (FCA final response and summary resolution), hand-worked.

Sources (pack YAML provenance, docs/regulatory.md "Letter content"):
- DISP 1.6.2R(1) (FCA Handbook, https://handbook.fca.org.uk/handbook/DISP/1/6.html): (a)-(c) the
  decision, reasons and remedy; (d) the FOS standard explanatory leaflet; (da) the FOS website
  address; (e) the right to refer now; (f) the time-limit waiver wording of DISP 1 Annex 3R.
- DISP 1 Annex 3R (version 2016-07-17): wordings (1) and (2) say "within six months of the date
  of this letter" (DISP 2.8.2R(1)).
- DISP 1.5.4R (version 2024-02-27): the summary resolution communication (1) says the complaint is
  resolved, (2) that the complainant may refer it to the FOS, (3) the Annex 3R wording, (4) the FOS
  website address.

Calendar: fca-disp, Europe/London, Mon-Fri 09:00-17:00, England and Wales bank holidays; receipt
counted from the day of receipt (DISP 1.5.1R).
"""

from __future__ import annotations

from datetime import datetime
from typing import get_args
from zoneinfo import ZoneInfo

from compliance_checks.checks.regime_common import Content
from compliance_checks.model import ComplainantResponse, LetterKind, Outcome, Stage
from mappings.derive import build_record
from mappings.schema import LetterContent
from tests.regulatory.helpers import FCA_FINAL_ELEMENTS, FCA_SUMMARY_ELEMENTS, letter, record, ref, run
from tests.regulatory.test_mapping_regulatory import facts, reply, spec

LONDON = ZoneInfo("Europe/London")


def at(day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=LONDON)


FOUR = {"decision": True, "reasons": True, "remedy": True, "ombudsman_rights": True}


def test_mapping_recognises_every_pack_element_but_the_holding_date():
    """One list of elements: what a pack may require is what a mapping may recognise."""
    assert set(get_args(LetterContent)) == {c.value for c in Content} - {"new_date"}


def _final(elements: dict[str, bool]):
    """Received Mon 2 Mar 10:00; decided Fri 20 Mar 10:00 (upheld); final response Fri 20 Mar
    11:00, within the 1-business-day grace (due Mon 23 Mar 17:00); checked Mon 23 Mar 10:00."""
    final = letter("final_response", "comment:40", at(20, 11), **FOUR, elements=elements)
    rec = record(
        at(2),
        stage=Stage.RESOLVED,
        decided=ref("changelog:7", at(20)),
        outcome=Outcome.UPHELD,
        letters=(final,),
    )
    return run("fca-disp", "final-response-content", rec, at(23))


def test_fca_final_response_with_every_disp_element_passes():
    result = _final(FCA_FINAL_ELEMENTS)
    assert result.status.value == "PASS", result.message
    assert "time_limit_six_months" in str(result.facts["required"])


def test_fca_final_response_without_the_six_month_wording_fails_naming_it():
    """The letter has the decision, reasons, remedy, referral rights, leaflet, website and waiver
    wording, but not "within six months of the date of this letter" (DISP 2.8.2R(1) as worded in
    DISP 1 Annex 3R): FAIL naming the six-month time limit."""
    elements = {k: v for k, v in FCA_FINAL_ELEMENTS.items() if k != "time_limit_six_months"}
    result = _final(elements)
    assert result.status.value == "FAIL", result.message
    assert "does not show: time limit six months" in result.message
    assert "DISP 1.6.2R" in result.message
    assert result.facts["missing"] == "time limit six months"


def test_fca_final_response_element_shown_false_or_unknown_is_not_evidenced():
    """A field saying "no" and an element the mapping cannot tell are both missing (never PASS)."""
    said_no = _final({**FCA_FINAL_ELEMENTS, "ombudsman_leaflet": False})
    unknown = _final({k: v for k, v in FCA_FINAL_ELEMENTS.items() if k != "ombudsman_website"})
    assert said_no.status.value == "FAIL" and said_no.facts["missing"] == "ombudsman leaflet"
    assert unknown.status.value == "FAIL" and unknown.facts["missing"] == "ombudsman website"


def _summary(*, ombudsman_rights: bool | None, elements: dict[str, bool]):
    """Received Mon 2 Mar 10:00; resolved and accepted Tue 3 Mar 10:00 (before the close of Thu 5
    Mar, the 3rd business day after the day of receipt, DISP 1.5.1R); summary resolution Tue 3 Mar
    11:00, within "promptly" (the pack's 1 business day: Wed 4 Mar 17:00); checked Wed 4 Mar 10:00."""
    src = letter(
        "summary_resolution", "comment:50", at(3, 11), ombudsman_rights=ombudsman_rights, elements=elements
    )
    rec = record(
        at(2),
        stage=Stage.RESOLVED,
        decided=ref("changelog:8", at(3)),
        complainant_response=ComplainantResponse.ACCEPTED,
        accepted=ref("changelog:9", at(3)),
        letters=(src,),
    )
    return run("fca-disp", "summary-resolution", rec, at(4))


def test_fca_summary_resolution_complete_passes():
    result = _summary(ombudsman_rights=True, elements=FCA_SUMMARY_ELEMENTS)
    assert result.status.value == "PASS", result.message


def test_fca_summary_resolution_without_referral_rights_fails():
    """The letter says the complaint is resolved, gives the waiver wording and the FOS website, but
    not that the complainant may refer it to the FOS (DISP 1.5.4R(2)): FAIL naming it."""
    result = _summary(ombudsman_rights=None, elements=FCA_SUMMARY_ELEMENTS)
    assert result.status.value == "FAIL", result.message
    assert "does not show: ombudsman rights" in result.message
    assert result.facts["missing"] == "ombudsman rights"


def test_fca_summary_resolution_without_waiver_wording_or_website_fails():
    result = _summary(ombudsman_rights=True, elements={"resolved_statement": True})
    assert result.status.value == "FAIL", result.message
    assert result.facts["missing"] == "consent to waive wording, ombudsman website"


def test_mapping_recognises_new_elements_by_marker_and_by_yes_no_field():
    """The same `content` rules recognise the new elements (Jira mapping, Jira Cloud REST v3
    issue shape `fields.customfield_*`): a marker in the public agent reply -> shown; a yes/no
    field saying "no" -> not shown; no rule or nothing found -> left out (not evidenced)."""
    block = """
regulatory:
  final_response:
    markers: ["[FR]"]
    content:
      time_limit_six_months: {markers: ["within six months of the date of this letter"]}
      ombudsman_leaflet: {field: {custom_field: customfield_10097}}
      ombudsman_website: {markers: ["financial-ombudsman.org.uk"]}
  acknowledgement:
    content:
      reg7_notice: {markers: ["[CHR NOTICE]"]}
"""
    events = [
        reply("comment:1", at(3), "Thank you, we have your complaint. [CHR NOTICE] Our process..."),
        reply("comment:2", at(20), "[FR] Refer within six months of the date of this letter."),
    ]
    rec = build_record(facts(events, {"customfield_10097": "no"}), spec(block))
    final = rec.final_response
    ack = rec.letter(LetterKind.ACKNOWLEDGEMENT)
    assert final is not None and ack is not None
    assert final.elements == {"time_limit_six_months": True, "ombudsman_leaflet": False}
    assert final.shows("ombudsman_website") is None and final.shows("consent_to_waive_wording") is None
    assert (ack.sent.ref(), ack.elements) == ("comment:1", {"reg7_notice": True})
