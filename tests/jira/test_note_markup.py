"""Ticket-controlled text in our notes stays text: on Data Center no character of it can start
wiki markup (property test over arbitrary text, in finding messages, complaint-part ids and
remediations) and it reads back unchanged; on Cloud the ADF holds only text nodes without marks."""

from __future__ import annotations

import html
import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from connector.platforms.jira.notes import note_text, to_adf, to_wiki
from tests.jira.helpers import finding

MARKER = "[iso10002]"
#: Wiki markup pieces mixed into arbitrary text, so every trigger is drawn often.
MARKUP = st.sampled_from([
    "!http://evil.example/x.png!", "-x-", "+x+", "^x^", "~x~", "??x??", "\\\\", "*b*", "_i_",
    "{{m}}", "{code}", "{noformat}", "{quote}", "{color:red}", "{panel}", "[link|http://x]",
    "|t|", "||h||", "# ", "* ", "- ", "----", "---", "--", "h1. ", "bq. ", "&mdash;", "&#42;",
    ":)", ";)", "(x)", "(!)", "(/)", "(y)", "\n", "\r\n", "\t", "\x00", "\x1b", "\u2028",
])
TEXT = st.lists(st.one_of(MARKUP, st.text(max_size=5)), max_size=8).map("".join)
ENTITY = re.compile(r"&#[0-9]+;")


def _literal_only(escaped: str) -> None:
    """Outside numeric entities: letters, digits, spaces, commas and non-ASCII text only."""
    rest = ENTITY.sub("", escaped)
    for char in rest:
        assert char.isprintable(), repr(char)
        assert not char.isascii() or char.isalnum() or char in " ,", (char, escaped)


def _note(message: str, part: str) -> str:
    # Messages quote ticket text (e.g. a late complaint part's id); so may a remediation.
    f = finding("CMP-1", message=f"Part {part} is late: {message}", remediation=part)
    return note_text([f], resolved=False, marker=MARKER)


@settings(max_examples=200, deadline=None)
@given(TEXT, TEXT)
def test_no_ticket_text_can_start_wiki_markup(message: str, part: str) -> None:
    text = _note(message, part)
    wiki = to_wiki(text, marker=MARKER)
    lines = wiki.splitlines()
    assert lines[0].startswith(MARKER)
    _literal_only(lines[0][len(MARKER):])
    for line in lines[1:]:
        _literal_only(line.removeprefix("* "))  # our own bullets are the only markup


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_the_escape_reads_back_as_the_text(line: str) -> None:
    line = "".join(line.splitlines())
    wiki = to_wiki(f"{MARKER} {line}", marker=MARKER)
    shown = html.unescape(wiki.strip()[len(MARKER):])
    expected = "".join(c if c.isprintable() else "\ufffd" for c in f" {line}".rstrip())
    assert shown == expected


ADF_TYPES = {"doc", "paragraph", "text", "hardBreak", "bulletList", "listItem"}


def _nodes(node: Any) -> list[dict[str, Any]]:
    out = [node]
    for child in node.get("content") or ():
        out.extend(_nodes(child))
    return out


@settings(max_examples=200, deadline=None)
@given(TEXT, TEXT)
def test_cloud_adf_holds_ticket_text_in_plain_text_nodes(message: str, part: str) -> None:
    text = _note(message, part)
    nodes = _nodes(to_adf(text))
    assert {n["type"] for n in nodes} <= ADF_TYPES
    for n in nodes:
        assert "marks" not in n and "attrs" not in n
        assert set(n) <= {"type", "version", "content", "text"}
    texts = "".join(n["text"] for n in nodes if n["type"] == "text")
    assert texts.replace(" ", "") == "".join(
        line.removeprefix("- ").rstrip() for line in text.splitlines() if line.strip()
    ).replace(" ", "")
