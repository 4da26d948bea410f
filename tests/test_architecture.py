"""Architecture rules: the core stays pure (no I/O clients, no environment, no clock)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import compliance_checks

ROOT = Path(__file__).resolve().parents[1]
PURE_PACKAGES = ("compliance_checks", "mappings", "report_templates")
FORBIDDEN_IMPORTS = {"requests", "jira", "schedule", "sqlalchemy", "starlette", "uvicorn", "connector"}
CLOCK_CALLS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
}


def _modules(*packages: str) -> list[Path]:
    return sorted(p for package in packages for p in (ROOT / package).rglob("*.py"))


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imported_roots(tree: ast.Module) -> set[str]:
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "__import__"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            roots.add(str(node.args[0].value).split(".")[0])
    return roots


_ENV = {"environ", "getenv", "environb"}


def _reads_environment(tree: ast.Module) -> bool:
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in _ENV
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
        ):
            return True
        if isinstance(node, ast.ImportFrom) and node.module == "os" and {a.name for a in node.names} & _ENV:
            return True
    return False


PURE = _modules(*PURE_PACKAGES)


def test_the_pure_packages_exist():
    assert len(PURE) > 20


@pytest.mark.parametrize("path", PURE, ids=lambda p: str(p.relative_to(ROOT)))
def test_pure_packages_import_no_io_clients(path):
    assert not (_imported_roots(_tree(path)) & FORBIDDEN_IMPORTS)


@pytest.mark.parametrize("path", PURE, ids=lambda p: str(p.relative_to(ROOT)))
def test_pure_packages_do_not_read_the_environment(path):
    assert not _reads_environment(_tree(path))


PRODUCT = _modules("connector", *PURE_PACKAGES)


def _uses_devtools(tree: ast.Module) -> bool:
    """An import of ``devtools``, or its module name in a string (``import_module``, ``-m``)."""
    named = any(isinstance(node, ast.Constant) and isinstance(node.value, str)
                and (node.value == "devtools" or node.value.startswith("devtools."))
                for node in ast.walk(tree))
    return named or "devtools" in _imported_roots(tree)


def test_the_product_packages_exist():
    assert len(PRODUCT) > len(PURE) + 50


@pytest.mark.parametrize("path", PRODUCT, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_product_does_not_use_the_development_tools(path):
    # devtools/ (sandboxes, generator, demo) is not in the wheel: an import would fail installed.
    assert not _uses_devtools(_tree(path))


def test_devtools_detector_finds_uses():
    assert _uses_devtools(ast.parse("from devtools.sandboxes.jira import make_state\n"))
    assert _uses_devtools(ast.parse("import devtools\n"))
    assert _uses_devtools(ast.parse("importlib.import_module('devtools.demo')\n"))
    assert not _uses_devtools(ast.parse("from connector import cli\nx = 'devtools are nice'\n"))


def _clock_calls(tree: ast.Module) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = (
                owner.id
                if isinstance(owner, ast.Name)
                else owner.attr
                if isinstance(owner, ast.Attribute)
                else ""
            )
            if (name, node.func.attr) in CLOCK_CALLS:
                found.append(f"{name}.{node.func.attr}() at line {node.lineno}")
    return found


CHECK_MODULES = [
    *_modules("compliance_checks/checks"),
    ROOT / "compliance_checks" / "registry.py",
    ROOT / "compliance_checks" / "engine.py",
]


@pytest.mark.parametrize("path", CHECK_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_checks_never_read_the_clock(path):
    assert _clock_calls(_tree(path)) == []


def test_clock_detector_finds_calls():
    tree = ast.parse("import datetime\nx = datetime.datetime.now()\ny = date.today()\n")
    assert _clock_calls(tree) == ["datetime.now() at line 2", "date.today() at line 3"]


def test_forbidden_import_detector_finds_imports():
    tree = ast.parse("import requests.adapters\nfrom connector.cli import app\nfrom . import x\n")
    assert _imported_roots(tree) == {"requests", "connector"}
    assert _reads_environment(ast.parse("import os\nv = os.environ['X']\n"))
    assert _reads_environment(ast.parse("from os import getenv\n"))


def _isort_key(name: str) -> tuple[int, str]:
    # ruff RUF022 ("isort-style"): SCREAMING_CASE constants, then CamelCase classes, then the rest
    if name.isupper() or re.fullmatch(r"[A-Z0-9_]+", name):
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


def test_package_all_is_sorted():
    names = list(compliance_checks.__all__)
    assert names == sorted(names, key=_isort_key)
    assert len(names) == len(set(names))


def test_package_all_is_complete():
    tree = _tree(ROOT / "compliance_checks" / "__init__.py")
    imported = {
        alias.asname or alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if not (alias.asname or alias.name).startswith("_")
    }
    assert imported == set(compliance_checks.__all__)
    for name in compliance_checks.__all__:
        assert getattr(compliance_checks, name) is not None


#: The store is a boundary: SQL is written in connector/store/ alone.
STORE_PACKAGE = ROOT / "connector" / "store"
OUTSIDE_STORE = [p for p in _modules("connector", *PURE_PACKAGES) if STORE_PACKAGE not in p.parents]


@pytest.mark.parametrize("path", OUTSIDE_STORE, ids=lambda p: str(p.relative_to(ROOT)))
def test_only_the_store_imports_sqlalchemy(path):
    assert "sqlalchemy" not in _imported_roots(_tree(path))

#: Development tools (sandboxes, generator, demo) are not the product's HTTP path.
_DEV_DIRS = {"sandbox", "demo", "generator"}
_PRODUCT = sorted(
    p for p in (ROOT / "connector").rglob("*.py") if not _DEV_DIRS & set(p.parts)
)


def _builds_session(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Attribute) and node.func.attr == "Session")
            or (isinstance(node.func, ast.Name) and node.func.id == "Session")
        )
        for node in ast.walk(tree)
    )


@pytest.mark.parametrize("path", _PRODUCT, ids=lambda p: str(p.relative_to(ROOT)))
def test_only_the_http_core_builds_sessions_and_nothing_uses_python_jira(path):
    # One HTTP core: timeouts, retries, counting and hooks cannot be bypassed by a second session.
    tree = _tree(path)
    if path.parent != ROOT / "connector" / "http":
        assert not _builds_session(tree), "build sessions with connector.http.build_session"
    assert "jira" not in _imported_roots(tree), "python-jira is not used (see connector/http)"


def test_session_detector_finds_calls():
    assert _builds_session(ast.parse("import requests\ns = requests.Session()"))
    assert not _builds_session(ast.parse("from connector.http import build_session\nbuild_session()"))


# -- platforms: no platform-name branch outside the per-platform folders ---------------------------
PLATFORM_NAMES = {"zendesk", "jira"}
PLATFORM_CONFIGS = {"ZendeskSourceConfig", "JiraSourceConfig"}
#: Where a platform's own code lives (and the development tools, which are moving out).
PLATFORM_FOLDERS = ("connector/platforms/", "mappings/formats/")


def _platform_literal(node: ast.expr) -> bool:
    """A platform's name, or a tuple/list/set holding one."""
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_platform_literal(e) for e in node.elts)
    return isinstance(node, ast.Constant) and node.value in PLATFORM_NAMES


def platform_branches(tree: ast.Module) -> list[int]:
    """Lines comparing against a platform's name (``== "jira"``, ``platform != "zendesk"``,
    ``in ("jira", "zendesk")``) or testing ``isinstance(x, ZendeskSourceConfig | JiraSourceConfig)``.
    Comparing two platform values (``mapping.platform != source.platform``) is not a branch."""
    lines = []
    for node in ast.walk(tree):
        compares = isinstance(node, ast.Compare) and any(
            _platform_literal(s) for s in (node.left, *node.comparators))
        checks_config = (
            isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "isinstance"
            and len(node.args) == 2
            and bool({n.id for n in ast.walk(node.args[1]) if isinstance(n, ast.Name)} & PLATFORM_CONFIGS))
        if compares or checks_config:
            lines.append(node.lineno)
    return lines


def test_the_branch_detector_sees_each_form() -> None:
    source = ('a = s.platform == "jira"\nb = "zendesk" != p\nc = isinstance(s, ZendeskSourceConfig)\n'
              'd = p in ("jira", "zendesk")\ne = m.platform != s.platform\n')
    assert platform_branches(ast.parse(source)) == [1, 2, 3, 4]


BRANCH_CHECKED = [p for p in _modules("connector", "mappings")
                  if not str(p.relative_to(ROOT)).startswith(PLATFORM_FOLDERS)]


@pytest.mark.parametrize("path", BRANCH_CHECKED, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_platform_name_branch_outside_the_platform_folders(path: Path) -> None:
    assert platform_branches(_tree(path)) == [], "ask connector.platforms.registry / mappings.formats"

#: What ``connector/reports`` keeps: command wiring, the file and store adapters (I/O), the
#: spool (scratch I/O), versions and hashes (reads files), the service's schedule glue and the
#: delivery of its reports (a folder, email).
REPORT_WIRING = {
    "__init__.py", "delivery.py", "files.py", "scheduled.py", "spool.py", "store.py", "versions.py",
}
_FILE_WRITES = {"write_text", "write_bytes", "mkdir", "touch"}


def test_connector_reports_keeps_only_wiring_and_io():
    assert {p.name for p in (ROOT / "connector" / "reports").glob("*.py")} == REPORT_WIRING


def _writes_files(tree: ast.Module) -> bool:
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Name) and node.func.id == "open":
            return True
        if isinstance(node.func, ast.Attribute) and node.func.attr in _FILE_WRITES:
            return True
    return False


@pytest.mark.parametrize(
    "path",
    _modules("report_templates/views", "report_templates/returns"),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_views_and_return_builders_write_no_files(path):
    assert not _writes_files(_tree(path)), "views build models; report_templates/writers write files"


@pytest.mark.parametrize("path", _modules("report_templates"), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_report_package_never_reads_the_clock(path):
    # The generation time is given (``RenderContext``), so a report's bytes depend on its inputs.
    assert _clock_calls(_tree(path)) == []


def _names_imported_from(tree: ast.Module, module: str) -> set[str]:
    return {alias.name for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == module for alias in node.names}


def test_one_evaluation_core_and_one_configuration_loader() -> None:
    # Files and store evaluate through connector/checking.py and load their configuration
    # through connector/configuration.py, so the two paths cannot drift apart again.
    core = {"evaluate", "WaiverApplier", "context_for"}
    loaders = {"load_policy", "load_waivers"}
    evaluating, loading = set(), set()
    for path in _modules("connector"):
        names = _names_imported_from(_tree(path), "compliance_checks")
        name = path.relative_to(ROOT).as_posix()
        if names & core:
            evaluating.add(name)
        if names & loaders:
            loading.add(name)
    assert evaluating == {"connector/checking.py"}
    # cli/config.py: ``validate-config`` checks each named file on its own.
    assert loading == {"connector/configuration.py", "connector/cli/config.py"}


#: What the sandboxes share lives once, in devtools/sandboxes/common/: a platform's sandbox
#: defines none of its names again (no Zendesk-vs-Jira twins of faults, traffic, auth, options).
_SANDBOXES = ROOT / "devtools" / "sandboxes"


def _defined_names(paths: list[Path]) -> set[str]:
    return {
        node.name
        for path in paths
        for node in _tree(path).body
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
    }


_SHARED = _defined_names(sorted((_SANDBOXES / "common").glob("*.py")))


@pytest.mark.parametrize("platform", ["jira", "zendesk"])
def test_the_sandboxes_define_nothing_the_common_folder_has(platform: str) -> None:
    assert {"Fault", "Traffic", "LoopbackServer", "basic_credentials"} <= _SHARED
    own = _defined_names(sorted((_SANDBOXES / platform).glob("*.py")))
    assert not own & _SHARED


def _exit_code_violations(tree: ast.Module) -> list[str]:
    """``EXIT_*`` constants defined, or ``typer.Exit``/``Exit`` called with a literal code."""
    found = []
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            for name in ast.walk(target):
                if isinstance(name, ast.Name) and name.id.startswith("EXIT_"):
                    found.append(f"line {node.lineno}: defines {name.id}")
        if isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called == "Exit" and any(isinstance(arg, ast.Constant) for arg in node.args):
                found.append(f"line {node.lineno}: Exit with a literal code")
    return found


def test_exit_code_rule_catches_a_local_constant_and_a_literal() -> None:
    tree = ast.parse("EXIT_X = 2\nA, EXIT_Y = 1, 3\nraise typer.Exit(4)\nraise Exit(code=ExitCode.OK)\n")
    assert _exit_code_violations(tree) == [
        "line 1: defines EXIT_X", "line 2: defines EXIT_Y", "line 3: Exit with a literal code"]


@pytest.mark.parametrize("path", _modules("connector/cli"), ids=lambda p: str(p.relative_to(ROOT)))
def test_cli_exit_codes_come_from_one_module(path: Path) -> None:
    # Every command exits with a connector.cli.exit_codes.ExitCode, so README's list is the code's.
    assert _exit_code_violations(_tree(path)) == []


def test_the_command_line_is_one_package() -> None:
    # Exit codes, error printing and --as-of parsing live once, in connector/cli.
    assert not (ROOT / "connector" / "cli.py").exists()
    assert not (ROOT / "connector" / "store_cli.py").exists()
    assert not (ROOT / "connector" / "commands.py").exists()
    for path in _modules("connector", "report_templates"):
        if "cli" in path.relative_to(ROOT).parts:
            continue
        source = path.read_text(encoding="utf-8")
        assert "typer" not in _imported_roots(_tree(path)), path
        assert "def _as_of(" not in source and "def parse_as_of(" not in source, path


def test_readme_lists_the_exit_codes() -> None:
    from connector.cli.exit_codes import ExitCode

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = readme[readme.index("Exit codes:"):]
    for code in ExitCode:
        assert f"`{code.value}`" in listed, code
