"""``iso10002 validate-config`` (every problem of the config, mapping, policy and waiver files)
and ``iso10002 init`` (a commented starter config)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from compliance_checks import BASELINE_POLICY, load_policy, load_waivers
from compliance_checks.configfile import ConfigError, ConfigIssue
from connector.cli.errors import fail
from connector.cli.exit_codes import ExitCode
from connector.cli.files import write_atomically
from connector.config import load_config
from connector.configuration import missing_mapping
from connector.pipeline import require_secrets
from connector.platforms.registry import names, platform_for
from connector.starter import STARTER_POLICY, placeholder_site, starter_config
from mappings.loader import default_mapping_path, load_mapping


def validate_config(
    mapping: Annotated[list[Path] | None, typer.Option("--mapping", help="Mapping file; repeatable.")] = None,
    policy: Annotated[list[Path] | None, typer.Option("--policy", help="Policy file; repeatable.")] = None,
    waivers: Annotated[list[Path] | None, typer.Option("--waivers", help="Waivers file; repeatable.")] = None,
    config: Annotated[
        list[Path] | None,
        typer.Option("--config", "-c", help="Connector config (iso10002.yaml): its sources, the mapping, "
                     "policy (with its packs) and waivers it names, and that every secret it names by "
                     "environment variable is set; repeatable."),
    ] = None,
    online: Annotated[bool, typer.Option(
        "--online", help="Also call each source of --config once (who am I) with its credentials.")] = False,
) -> None:
    """Validate config, mapping, policy and waiver files; report every error (default: shipped files).

    Exit 0 when everything is valid, 2 when anything is not (each problem on its own line, with
    its file and key path). Secret values are never read out, only whether they are set.
    --online: one authenticated read per source (Zendesk GET /api/v2/users/me, Jira GET myself),
    once the files are valid; an unreachable source or refused credentials is a problem too.
    """
    if not (mapping or policy or waivers or config):
        mapping = [default_mapping_path("jira"), default_mapping_path("zendesk")]
        policy = [BASELINE_POLICY]
    console = Console(soft_wrap=True)  # one problem per line, whatever the terminal width
    checks: list[tuple[Path, Callable[[Path], object]]] = []
    for path in config or ():
        checks += [(path, _config_check), *_named_by(path)]
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
                console.print(f"[red]✗[/red] {escape(str(issue))}", highlight=False, markup=True)
        else:
            console.print(f"[green]✓[/green] {escape(str(path))}", highlight=False)
    for path in config or ():
        _tell_placeholders(path, console)
    if online and not problems:
        problems += _probe_sources(config or [], console)
    if problems:
        raise fail(ExitCode.CONFIG, f"{problems} problem(s) found")


def _tell_placeholders(path: Path, console: Console) -> None:
    """Warn of a source still at the starter's placeholder address: valid as written (so that
    ``init`` then ``validate-config`` passes), but nothing to sync from until it is edited."""
    try:
        loaded = load_config(path)
    except ConfigError:
        return  # reported above
    for i, source in enumerate(loaded.sources):
        site = placeholder_site(source)
        if site is not None:
            console.print(f"[yellow]![/yellow] {escape(str(path))}: sources[{i}] ({escape(source.name)}): "
                          f"{escape(site)} is the starter's placeholder: put your helpdesk's address there "
                          "before the first run", highlight=False)


def _probe_sources(configs: list[Path], console: Console) -> int:
    """Call each source once; the number that failed (each printed with its key path)."""
    failed = 0
    for path in configs:
        for i, source in enumerate(load_config(path).sources):
            where = f"{path}: sources[{i}] ({source.name})"
            try:
                answer = platform_for(source.platform).probe(source)
            except Exception as exc:  # noqa: BLE001 - any failure is this source's problem, reported
                failed += 1
                console.print(f"[red]✗[/red] {escape(where)}: online check failed: {escape(str(exc))}",
                              highlight=False)
            else:
                console.print(f"[green]✓[/green] {escape(where)}: {escape(answer)}", highlight=False)
    return failed


def _config_check(path: Path) -> None:
    """The config file itself, then what only it can tell: each source's mapping is there and
    for that source's platform, and every secret it names is set."""
    loaded = load_config(path)
    issues: list[ConfigIssue] = []
    for i, source in enumerate(loaded.sources):
        if not source.mapping.is_file():
            issues.append(missing_mapping(source.mapping, f"sources[{i}]"))
            continue
        try:
            platform = load_mapping(source.mapping).spec.platform
        except ConfigError:
            continue  # reported by the mapping's own check
        if platform != source.platform:
            issues.append(ConfigIssue(str(path), f"sources[{i}].mapping",
                                      f"{source.mapping} is a {platform} mapping, but the source is "
                                      f"{source.platform}"))
    try:
        require_secrets(loaded, str(path))
    except ConfigError as exc:
        issues.extend(exc.issues)
    if issues:
        raise ConfigError(issues)


def _named_by(config: Path) -> list[tuple[Path, Callable[[Path], object]]]:
    """The policy, waivers and (existing) mapping files a valid connector config names."""
    try:
        loaded = load_config(config)
    except ConfigError:
        return []  # reported by the config's own check
    named: list[tuple[Path, Callable[[Path], object]]] = [(loaded.policy or BASELINE_POLICY, load_policy)]
    if loaded.waivers:
        named.append((loaded.waivers, load_waivers))
    return named + [(source.mapping, load_mapping) for source in loaded.sources if source.mapping.is_file()]


def init(
    platform: Annotated[str, typer.Option("--platform", help="jira or zendesk.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the config.")] = Path("iso10002.yaml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
) -> None:
    """Write a commented starter config, with the example mapping and a policy stub beside it.

    Writes --out, mappings/PLATFORM.yaml (the shipped example) and policy.yaml (extends the
    shipped baseline) next to it: together they pass validate-config -c once the secrets are
    set. Exit 2, writing nothing, when any of them exists (without --force).
    """
    if platform not in names():
        raise fail(ExitCode.CONFIG, f"--platform must be one of {', '.join(names())}")
    mapping = out.parent / "mappings" / f"{platform}.yaml"
    policy = out.parent / "policy.yaml"
    files = {
        out: starter_config(platform, policy=policy.name),
        mapping: default_mapping_path(platform).read_text(encoding="utf-8"),
        policy: STARTER_POLICY,
    }
    existing = [str(path) for path in files if path.exists()]
    if existing and not force:
        raise fail(ExitCode.CONFIG, f"{', '.join(existing)} already exist(s); nothing written "
                   "(use --force to overwrite)")
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, text)
        typer.echo(f"wrote {path}")
    typer.echo(
        f"next: fill in the source (URL, secrets by variable name) in {out}, set those variables, then:\n"
        f"  iso10002 validate-config -c {out}\n"
        f"  iso10002 run -c {out} --dry-run\n"
        f"  iso10002 run -c {out} --apply"
    )
    if recipes := platform_for(platform).queue_recipes():
        typer.echo(recipes)
