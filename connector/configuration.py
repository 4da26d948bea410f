"""Loading what an evaluation runs with: mapping(s), policy (with its packs) and waivers.

The one place every command loads them (``check``, ``explain``, ``report``, ``writeback``,
``run``, ``serve``; from files or from the store), so they all apply the same validations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from compliance_checks import BASELINE_POLICY, NO_WAIVERS, load_policy, load_waivers
from compliance_checks.configfile import ConfigError, ConfigIssue
from connector.config import AppConfig
from connector.evaluation import Evaluator
from connector.platforms.registry import platform_for
from mappings.loader import LoadedMapping, default_mapping_path, load_mapping


@dataclass(frozen=True)
class MappingChoice:
    """The mapping one source is read with."""

    name: str  # the source name (export files: the platform)
    platform: str  # what the source is; the mapping must be for it
    path: Path | None  # None: the shipped mapping for the platform
    chosen_by: str  # what set the platform, for the error message ("--platform", "sources[0]")
    site: str | None = None  # the source's site URL (ticket links for stored payloads)


def load_evaluator(config: AppConfig) -> Evaluator:
    """Policy, waivers and every configured source's mapping (raises ``ConfigError`` naming
    every problem's file and key)."""
    choices = [MappingChoice(s.name, s.platform, s.mapping, f"sources[{i}]",
                             platform_for(s.platform).site_url(s))
               for i, s in enumerate(config.sources)]
    return load_configuration(choices, config.policy, config.waivers)


def load_file_evaluator(
    platform: str, mapping: Path | None, policy: Path | None, waivers: Path | None
) -> Evaluator:
    """The configuration for export files of ``platform`` (``--mapping``/``--policy``/``--waivers``)."""
    return load_configuration([MappingChoice(platform, platform, mapping, "--platform")], policy, waivers)


def missing_mapping(path: Path, chosen_by: str) -> ConfigIssue:
    """The issue for a mapping file that is not there, saying which key named it and where
    a relative path is looked up."""
    where = f"{chosen_by}.mapping" if chosen_by.startswith("sources[") else chosen_by
    return ConfigIssue(str(path), "", f"no such mapping file (named by {where}; a relative path is "
                       "looked up next to the config file, then in the working directory)")


def load_configuration(
    mappings: Sequence[MappingChoice], policy: Path | None, waivers: Path | None
) -> Evaluator:
    """Load and validate everything, reporting every problem at once (``ConfigError``)."""
    issues: list[ConfigIssue] = []
    loaded: dict[str, LoadedMapping] = {}
    for choice in mappings:
        if choice.path is not None and not choice.path.is_file():
            issues.append(missing_mapping(choice.path, choice.chosen_by))
            continue
        try:
            mapping = load_mapping(choice.path or default_mapping_path(choice.platform))
        except ConfigError as exc:
            issues.extend(exc.issues)
            continue
        if mapping.spec.platform != choice.platform:
            why = f"is {mapping.spec.platform}, but {choice.chosen_by} is {choice.platform}"
            issues.append(ConfigIssue(mapping.source, "platform", why))
        loaded[choice.name] = replace(mapping, site=choice.site)
    try:
        loaded_policy = load_policy(policy or BASELINE_POLICY)
    except ConfigError as exc:
        issues.extend(exc.issues)
    try:
        loaded_waivers = load_waivers(waivers) if waivers else NO_WAIVERS
    except ConfigError as exc:
        issues.extend(exc.issues)
    if issues:
        raise ConfigError(issues)
    return Evaluator(loaded_policy, loaded_waivers, loaded)
