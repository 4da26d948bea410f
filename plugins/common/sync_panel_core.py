"""Write each plugin's copy of the shared panel core (``plugins/common/panel-core.{js,css}``).

A Zendesk app zip and a Forge app load files from their own folder only, so each plugin ships a
generated copy (``panel.js``, ``panel.css``) beside its platform glue (``app.js``). The copies are
committed, so the folders work as they are (``zcli apps:server``, ``forge deploy``), and rewritten
by every build (``make plugins``, ``make zendesk-app``, the Jira plugin's ``npm run build``).

    python3 plugins/common/sync_panel_core.py           # write the copies
    python3 plugins/common/sync_panel_core.py --check   # exit 1 if a copy differs from the core

Standard library only: npm's ``prebuild`` runs it with whatever ``python3`` is on the PATH.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

COMMON = Path(__file__).resolve().parent
PLUGINS = COMMON.parent
#: Core file -> the plugin folders that ship it (as the name after the arrow).
CORE_FILES = {"panel-core.js": "panel.js", "panel-core.css": "panel.css"}
TARGETS = (PLUGINS / "zendesk" / "assets", PLUGINS / "jira" / "static" / "panel")


def header(core_name: str) -> str:
    """First line of a copy: says where to edit (both JS and CSS take /* */ comments)."""
    return (f"/* GENERATED from plugins/common/{core_name} by plugins/common/sync_panel_core.py:"
            " edit the core, not this copy. */\n")


def expected_copies(plugins: Path = PLUGINS) -> dict[Path, str]:
    """Every copy's path (under ``plugins``) and the text it must have."""
    copies: dict[Path, str] = {}
    for core_name, copy_name in CORE_FILES.items():
        text = header(core_name) + (COMMON / core_name).read_text(encoding="utf-8")
        for target in TARGETS:
            copies[plugins / target.relative_to(PLUGINS) / copy_name] = text
    return copies


def drifted(plugins: Path = PLUGINS) -> list[Path]:
    """Copies that are missing or differ from the core."""
    return [path for path, text in expected_copies(plugins).items()
            if not path.is_file() or path.read_text(encoding="utf-8") != text]


def write_copies(plugins: Path = PLUGINS) -> list[Path]:
    """Rewrite the copies that differ; returns the paths written."""
    written = drifted(plugins)
    copies = expected_copies(plugins)
    for path in written:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(copies[path], encoding="utf-8")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only report copies that differ (exit 1)")
    args = parser.parse_args(argv)
    if args.check:
        stale = drifted()
        for path in stale:
            sys.stderr.write(f"out of date: {path.relative_to(PLUGINS.parent)} (run make plugins)\n")
        return 1 if stale else 0
    for path in write_copies():
        sys.stdout.write(f"wrote {path.relative_to(PLUGINS.parent)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
