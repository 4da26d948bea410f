"""Jira's markup of the internal note: rendered once as text, then shaped as ADF (Cloud) or
wiki (DC)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from typing import Any

from compliance_checks.findings import Finding
from connector.notes import render_note

TEMPLATE = "writeback_note.txt.j2"
#: What wiki markup never reads: letters, digits (any script), space, comma. Every other ASCII
#: character can start or end markup somewhere (*b* _i_ ??c?? -d- +u+ ^s^ ~s~ {{m}} {code}
#: [link] !image! |table| # list, ---- rule, \\ break, &mdash; entity, :) (x) emoticons,
#: h1. bq. blocks, http:// links), so it is written as a numeric entity, which the renderer
#: shows literally and which starts nothing.
_WIKI_SAFE_ASCII = frozenset(" ,")
_NOT_PRINTABLE = "\ufffd"


def note_text(
    findings: Sequence[Finding], *, resolved: bool, marker: str, zone: tzinfo | None = None
) -> str:
    """The note text (content from :mod:`connector.notes`, times in the policy's ``zone``); it
    always starts with ``marker``."""
    text = render_note(TEMPLATE, findings, resolved=resolved, marker=marker, zone=zone)
    text = text.strip() + "\n"
    if not text.startswith(marker):
        raise ValueError(f"{TEMPLATE} must start with the marker {marker!r}")
    return text


def _blocks(text: str) -> list[list[str]]:
    blocks: list[list[str]] = [[]]
    for line in text.splitlines():
        if line.strip():
            blocks[-1].append(line.rstrip())
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def _is_list(block: list[str]) -> bool:
    return all(line.startswith("- ") for line in block)


def _paragraph(lines: list[str]) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    for i, line in enumerate(lines):
        if i:
            content.append({"type": "hardBreak"})
        content.append({"type": "text", "text": line})
    return {"type": "paragraph", "content": content}


def to_adf(text: str) -> dict[str, Any]:
    """Atlassian Document Format for REST v3: paragraphs and bullet lists."""
    content: list[dict[str, Any]] = []
    for block in _blocks(text):
        if _is_list(block):
            items = [{"type": "listItem", "content": [_paragraph([line[2:]])]} for line in block]
            content.append({"type": "bulletList", "content": items})
        else:
            content.append(_paragraph(block))
    return {"type": "doc", "version": 1, "content": content}


def _wiki_char(char: str) -> str:
    if not char.isprintable():
        return _NOT_PRINTABLE  # control characters: no entity shows them
    if char.isascii() and not (char.isalnum() or char in _WIKI_SAFE_ASCII):
        return f"&#{ord(char)};"
    return char


def _wiki_escape(text: str) -> str:
    """``text`` shown literally by the wiki renderer: no character of it can start markup."""
    return "".join(map(_wiki_char, text))


def to_wiki(text: str, *, marker: str) -> str:
    """Jira wiki markup for REST v2 / Data Center. The marker stays verbatim (it is how the
    mapping recognises our note); everything else is escaped."""
    out: list[str] = []
    for block in _blocks(text):
        if _is_list(block):
            out.extend("* " + _wiki_escape(line[2:]) for line in block)
        else:
            for line in block:
                if line.startswith(marker):
                    out.append(marker + _wiki_escape(line[len(marker) :]))
                else:
                    out.append(_wiki_escape(line))
        out.append("")
    return "\n".join(out).strip() + "\n"


def body_text(body: object) -> str:
    """Plain text of a comment body (wiki string or ADF document), for marker checks."""
    if isinstance(body, str):
        return body
    parts: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "text" and isinstance(node.get("text"), str):
                parts.append(node["text"])
            for child in node.get("content") or []:
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(body)
    return "".join(parts)
