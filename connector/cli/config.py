"""``iso10002 validate-config`` (every problem of the config, mapping, policy and waiver files)
and ``iso10002 init`` (a commented starter config)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from compliance_checks import BASELINE_POLICY, load_policy, load_waivers
from compliance_checks.configfile import ConfigError
from connector.cli.errors import fail
from connector.cli.exit_codes import ExitCode
from connector.config import load_config
from connector.platforms.registry import names
from connector.starter import starter_config
from mappings.loader import default_mapping_path, load_mapping


def validate_config(
    mapping: Annotated[list[Path] | None, typer.Option("--mapping", help="Mapping file; repeatable.")] = None,
    policy: Annotated[list[Path] | None, typer.Option("--policy", help="Policy file; repeatable.")] = None,
    waivers: Annotated[list[Path] | None, typer.Option("--waivers", help="Waivers file; repeatable.")] = None,
    config: Annotated[
        list[Path] | None,
        typer.Option("--config", "-c", help="Connector config (iso10002.yaml) with the policy, waivers "
                     "and mappings it names; repeatable."),
    ] = None,
) -> None:
    """Validate config, mapping, policy and waiver files; report every error (default: shipped files)."""
    if not (mapping or policy or waivers or config):
        mapping = [default_mapping_path("jira"), default_mapping_path("zendesk")]
        policy = [BASELINE_POLICY]
    console = Console(soft_wrap=True)  # one problem per line, whatever the terminal width
    checks: list[tuple[Path, Callable[[Path], object]]] = []
    for path in config or ():
        checks += [(path, load_config), *_named_by(path)]
    checks += [(p, load_mapping) for p in mapping or ()]
    checks += [(p, load_policy) for p in policy or ()]
    checks += [(p, load_waivers) for p in waivers or ()]
    problems = 0
    for path, loader in checks:
        try:
            loader(path)
        except ConfigError as exc:
            problems += len(exc.issues)
            for issue in exc.issues:
                console.print(f"[red]✗[/red] {issue}", highlight=False, markup=True)
        else:
            console.print(f"[green]✓[/green] {path}", highlight=False)
    if problems:
        raise fail(ExitCode.CONFIG, f"{problems} problem(s) found")


def _named_by(config: Path) -> list[tuple[Path, Callable[[Path], object]]]:
    """The policy, waivers and mapping files a valid connector config names."""
    try:
        loaded = load_config(config)
    except ConfigError:
        return []  # reported by the config's own check
    named: list[tuple[Path, Callable[[Path], object]]] = [(loaded.policy or BASELINE_POLICY, load_policy)]
    if loaded.waivers:
        named.append((loaded.waivers, load_waivers))
    return named + [(source.mapping, load_mapping) for source in loaded.sources]


def init(
    platform: Annotated[str, typer.Option("--platform", help="jira or zendesk.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write it.")] = Path("iso10002.yaml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter config for Jira or Zendesk."""
    if platform not in names():
        raise fail(ExitCode.CONFIG, f"--platform must be one of {', '.join(names())}")
    if out.exists() and not force:
        raise fail(ExitCode.CONFIG, f"{out} exists (use --force to overwrite)")
    out.write_text(starter_config(platform), encoding="utf-8")
    typer.echo(f"wrote {out}; fill in the source, then run: iso10002 sync -c {out}")
