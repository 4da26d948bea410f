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
    # cli.py: ``validate-config`` checks each named file on its own.
    assert loading == {"connector/configuration.py", "connector/cli.py"}
