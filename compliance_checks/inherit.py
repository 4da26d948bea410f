"""Policy inheritance: ``extends: <pack name or relative path>`` and the deep merge.

A policy file may name one parent. The parent is a shipped pack (``fca-disp`` ->
``policies/packs/fca-disp.yaml``), a shipped policy (``iso10002-baseline``) or a path relative to
the child file. Mappings merge key by key, so a child can override one value
(``checks.response-in-time.params.target.default``) and keep the rest; lists and scalars replace.

Every merged value remembers the file that set it last (``origins``), so an error found after
merging is reported against the file that wrote the offending key, not always the child.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compliance_checks.configfile import ConfigError, ConfigIssue, key_path, parse_yaml, read_text

POLICIES_DIR = Path(__file__).parent / "policies"
PACKS_DIR = POLICIES_DIR / "packs"
#: A runaway chain is a configuration mistake long before it is a real hierarchy.
MAX_DEPTH = 16

KeyPath = tuple[str, ...]


@dataclass(frozen=True)
class Layer:
    """One file of the chain, as written (``extends`` removed)."""

    source: str
    text: str
    data: dict[str, Any]


@dataclass(frozen=True)
class PolicyChain:
    """The merged policy data and where each value came from."""

    data: dict[str, Any]
    #: Parent first, the file that was loaded last.
    layers: tuple[Layer, ...]
    #: Key path -> the file that set it last.
    origins: dict[KeyPath, str]

    @property
    def sources(self) -> tuple[str, ...]:
        """The file loaded first, then its parent, grandparent..."""
        return tuple(layer.source for layer in reversed(self.layers))

    def origin(self, path: KeyPath) -> str | None:
        return self.origins.get(path)

    def attribute(self, issue: ConfigIssue) -> ConfigIssue:
        """The issue re-pointed at the file that wrote the longest matching key path."""
        best: tuple[int, str] | None = None
        for path, source in self.origins.items():
            text = key_path(path)
            matches = issue.key_path == text or issue.key_path.startswith((text + ".", text + "["))
            if matches and (best is None or len(text) > best[0]):
                best = (len(text), source)
        return issue if best is None else ConfigIssue(best[1], issue.key_path, issue.message)


def resolve_parent(ref: str, base_dir: Path) -> Path | None:
    """The file a parent reference names, or None when there is none."""
    as_path = Path(ref)
    if as_path.suffix in (".yaml", ".yml") or "/" in ref or "\\" in ref:
        candidate = as_path if as_path.is_absolute() else base_dir / as_path
        return candidate if candidate.is_file() else None
    for folder in (PACKS_DIR, POLICIES_DIR):
        candidate = folder / f"{ref}.yaml"
        if candidate.is_file():
            return candidate
    return None


def known_packs() -> list[str]:
    return sorted(p.stem for p in PACKS_DIR.glob("*.yaml"))


def load_chain(text: str, source: str) -> PolicyChain:
    """Read ``text`` and every parent it extends, then merge them (parent first).

    Raises ``ConfigError`` for a YAML error in any file, an unknown parent or a cycle.
    """
    layers: list[Layer] = []
    seen: list[str] = []
    current_text, current_source = text, source
    while True:
        data = parse_yaml(current_text, current_source)
        if data is None:
            raise ConfigError([ConfigIssue(current_source, "", "the file is empty")])
        if not isinstance(data, dict):
            raise ConfigError([ConfigIssue(current_source, "", "a policy file is a mapping of keys")])
        data = copy.deepcopy(data)  # YAML aliases share objects; merging must not alias them
        parent_ref = data.pop("extends", None)
        layers.append(Layer(current_source, current_text, data))
        seen.append(_identity(current_source))
        if parent_ref is None:
            break
        parent = _parent_path(parent_ref, current_source)
        if _identity(str(parent)) in seen:
            names = " -> ".join([*(Path(s).name for s in _sources(layers)), parent.name])
            raise ConfigError([ConfigIssue(current_source, "extends", f"inheritance cycle: {names}")])
        if len(layers) >= MAX_DEPTH:
            raise ConfigError(
                [ConfigIssue(current_source, "extends", f"more than {MAX_DEPTH} levels of extends")]
            )
        current_text, current_source = read_text(parent), str(parent)
    ordered = tuple(reversed(layers))
    merged: dict[str, Any] = {}
    origins: dict[KeyPath, str] = {}
    for layer in ordered:
        merged = deep_merge(merged, layer.data)
        _record_origins(layer.data, layer.source, (), origins)
    return PolicyChain(merged, ordered, origins)


def _sources(layers: list[Layer]) -> list[str]:
    return [layer.source for layer in layers]


def _identity(source: str) -> str:
    path = Path(source)
    return str(path.resolve()) if path.is_file() else source


def _parent_path(ref: object, child_source: str) -> Path:
    if not isinstance(ref, str) or not ref.strip():
        raise ConfigError(
            [ConfigIssue(child_source, "extends", "give a pack name or a relative path to a policy file")]
        )
    base_dir = Path(child_source).parent if Path(child_source).is_file() else Path.cwd()
    parent = resolve_parent(ref.strip(), base_dir)
    if parent is None:
        packs = ", ".join(known_packs())
        raise ConfigError(
            [
                ConfigIssue(
                    child_source,
                    "extends",
                    f"unknown parent policy {ref!r} (shipped packs: {packs}; or a path relative to "
                    "this file)",
                )
            ]
        )
    return parent


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``override`` on top of ``base``: mappings merge recursively; anything else replaces."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _record_origins(data: Any, source: str, prefix: KeyPath, origins: dict[KeyPath, str]) -> None:
    if not isinstance(data, dict):
        return
    for key, value in data.items():
        path = (*prefix, str(key))
        if not isinstance(value, dict):
            # A replaced subtree no longer comes from the parent.
            for stale in [p for p in origins if p[: len(path)] == path and p != path]:
                del origins[stale]
        origins[path] = source
        _record_origins(value, source, path, origins)


def value_at(data: dict[str, Any], path: KeyPath) -> tuple[bool, Any]:
    """(found, value) at a key path of merged data."""
    current: Any = data
    for key in path:
        if not isinstance(current, dict) or key not in current:
            return False, None
        current = current[key]
    return True, current
