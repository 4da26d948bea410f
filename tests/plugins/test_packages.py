"""Offline validation of the Zendesk app (zcli validates only against a live account) and the
Forge app's structure: manifest rules, package contents, the vendored SDK, the generated copies of
the shared panel core (plugins/common)."""

from __future__ import annotations

import importlib.util
import json
import re
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ZENDESK = ROOT / "plugins" / "zendesk"
JIRA = ROOT / "plugins" / "jira"
COMMON = ROOT / "plugins" / "common"


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tool() -> ModuleType:
    return _load("zendesk_app", ZENDESK / "scripts" / "zendesk_app.py")


def _sync() -> ModuleType:
    return _load("sync_panel_core", COMMON / "sync_panel_core.py")


def _copy(tmp: Path) -> Path:
    import shutil

    shutil.copytree(ZENDESK, tmp / "app", ignore=shutil.ignore_patterns("scripts"))
    return tmp / "app"


def _edit(app: Path, change: Any) -> None:
    manifest = json.loads((app / "manifest.json").read_text())
    change(manifest)
    (app / "manifest.json").write_text(json.dumps(manifest))


def _sidebar(manifest: dict[str, Any]) -> dict[str, Any]:
    sidebar: dict[str, Any] = manifest["location"]["support"]["ticket_sidebar"]
    return sidebar


def test_shipped_zendesk_app_is_valid() -> None:
    assert _tool().validate(ZENDESK) == []
    manifest = json.loads((ZENDESK / "manifest.json").read_text())
    assert manifest["frameworkVersion"] == "2.0"
    assert manifest["location"]["support"]["ticket_sidebar"]["url"] == "assets/iframe.html"
    params = {p["name"]: p for p in manifest["parameters"]}
    assert params["service_url"]["type"] == "url"
    assert params["api_token"]["secure"] is True and params["api_token"]["scopes"] == ["header"]


@pytest.mark.parametrize(("change", "problem"), [
    (lambda m: m.pop("frameworkVersion"), "missing frameworkVersion"),
    (lambda m: m.pop("author"), "missing author"),
    (lambda m: _sidebar(m).update(url="assets/nope.html"), "neither https"),
    (lambda m: _sidebar(m).update(url="http://evil.example/x"), "neither https"),
    (lambda m: m["parameters"].append({"name": "name", "type": "text"}), "may not be called 'name'"),
    (lambda m: m["parameters"].append({"name": "h", "type": "hidden", "required": True}), "hidden param"),
    (lambda m: m["parameters"][1].pop("secure"), "looks like a secret but is not secure"),
    (lambda m: m["parameters"][1].pop("scopes"), "secure parameter without scopes"),
    (lambda m: m["parameters"].append({"name": "o", "type": "oauth", "secure": True}), "cannot be secure"),
    (lambda m: m.update(defaultLocale="fr"), "translations/fr.json"),
    (lambda m: m.update(domainWhitelist=[]), "domainWhitelist"),
])
def test_validation_catches_broken_manifests(tmp_path: Path, change: Any, problem: str) -> None:
    app = _copy(tmp_path)
    _edit(app, change)
    problems = _tool().validate(app)
    assert any(problem in p for p in problems), problems


def test_missing_logo_is_reported(tmp_path: Path) -> None:
    app = _copy(tmp_path)
    (app / "assets" / "logo-small.png").unlink()
    assert "missing assets/logo-small.png" in _tool().validate(app)


def test_package_has_the_app_at_the_root_and_nothing_else(tmp_path: Path) -> None:
    out = tmp_path / "app.zip"
    names = _tool().package(out, ZENDESK)
    with zipfile.ZipFile(out) as zf:
        assert sorted(zf.namelist()) == sorted(names)
        assert zf.testzip() is None
        png = zf.read("assets/logo.png")
    assert png.startswith(b"\x89PNG")
    for required in ("manifest.json", "translations/en.json", "assets/iframe.html", "assets/app.js",
                     "assets/panel.js", "assets/vendor/zaf_sdk.js",
                     "assets/vendor/LICENSE-zendesk_app_framework_sdk.txt"):
        assert required in names
    assert not [n for n in names if n.startswith("scripts/") or n.endswith(".py")]
    again = tmp_path / "again.zip"
    _tool().package(again, ZENDESK)
    assert again.read_bytes() == out.read_bytes()  # reproducible
    mine = tmp_path / "mine.zip"
    _tool().package(mine, ZENDESK, domain="iso10002.acme.test")
    with zipfile.ZipFile(mine) as zf:
        assert json.loads(zf.read("manifest.json"))["domainWhitelist"] == ["iso10002.acme.test"]


def test_sdk_is_bundled_not_fetched() -> None:
    page = (ZENDESK / "assets" / "iframe.html").read_text()
    assert "zdassets.com" not in page and 'src="vendor/zaf_sdk.js"' in page
    sdk = (ZENDESK / "assets" / "vendor" / "zaf_sdk.js").read_text()
    assert "zendesk_app_framework_sdk 2.0.11" in sdk and "window.ZAFClient" in sdk
    for asset in (ZENDESK / "assets").glob("*.js"):
        assert "https://" not in asset.read_text(), asset  # nothing fetched from elsewhere
    app = (ZENDESK / "assets" / "app.js").read_text()
    assert "secure: true" in app and "{{setting.api_token}}" in app


def test_each_plugin_ships_the_panel_core_as_generated() -> None:
    sync = _sync()
    assert sync.drifted() == [], "run make plugins"
    core = (COMMON / "panel-core.js").read_text()
    for folder in (ZENDESK / "assets", JIRA / "static" / "panel"):
        copy = (folder / "panel.js").read_text()
        assert copy.startswith("/* GENERATED from plugins/common/panel-core.js") and copy.endswith(core)
        assert "window.IsoPanel" in copy
        assert "ZAFClient" not in copy and "ForgeBridge" not in copy  # platform glue stays in app.js


def test_a_drifted_copy_is_reported_then_rewritten(tmp_path: Path) -> None:
    import shutil

    sync = _sync()
    plugins = tmp_path / "plugins"
    for name in ("zendesk", "jira"):
        shutil.copytree(ROOT / "plugins" / name, plugins / name,
                        ignore=shutil.ignore_patterns("node_modules"))
    edited = plugins / "jira" / "static" / "panel" / "panel.css"
    edited.write_text(edited.read_text() + ".local-fix { color: red; }\n")
    (plugins / "zendesk" / "assets" / "panel.js").unlink()
    stale = sorted(sync.drifted(plugins))
    assert stale == sorted([edited, plugins / "zendesk" / "assets" / "panel.js"])
    assert sorted(sync.write_copies(plugins)) == stale
    assert sync.drifted(plugins) == []
    assert ".local-fix" not in edited.read_text()


def test_builds_regenerate_the_copies() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^zendesk-app: .*\bplugins\b", makefile, re.M)
    assert re.search(r"^jira-app: .*\bplugins\b", makefile, re.M)
    scripts = json.loads((JIRA / "package.json").read_text())["scripts"]
    assert scripts["prebuild"] == "python3 ../common/sync_panel_core.py"  # npm runs it before build


def test_packaged_panel_is_the_core(tmp_path: Path) -> None:
    out = tmp_path / "app.zip"
    _tool().package(out, ZENDESK)
    with zipfile.ZipFile(out) as zf:
        for core_name, copy_name in (("panel-core.js", "panel.js"), ("panel-core.css", "panel.css")):
            core = (COMMON / core_name).read_bytes()
            assert zf.read(f"assets/{copy_name}").endswith(core), copy_name


def test_forge_manifest_wires_panel_endpoint_and_remote() -> None:
    manifest = yaml.safe_load((JIRA / "manifest.yml").read_text())
    panel = manifest["modules"]["jira:issuePanel"][0]
    resources = {r["key"]: r["path"] for r in manifest["resources"]}
    assert (JIRA / resources[panel["resource"]] / "index.html").is_file()
    endpoints = {e["key"]: e for e in manifest["modules"]["endpoint"]}
    endpoint = endpoints[panel["resolver"]["endpoint"]]
    remotes = {r["key"]: r for r in manifest["remotes"]}
    assert "compute" in remotes[endpoint["remote"]]["operations"]
    assert remotes[endpoint["remote"]]["baseUrl"].startswith("https://")
    assert manifest["app"]["id"].startswith("ari:cloud:ecosystem::app/")
    page = (JIRA / "static" / "panel" / "index.html").read_text()
    assert 'src="vendor/forge-bridge.js"' in page and "https://" not in page


def test_panel_scripts_never_parse_service_text_as_html() -> None:
    """Ticket text (finding messages, evidence notes) is untrusted: the core and the platform glue
    build nodes and set textContent; no HTML-parsing sink appears in code (comments aside)."""
    sinks = re.compile(r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write|"
                       r"\bnew Function\b|\beval\(")
    for script in (COMMON / "panel-core.js", ZENDESK / "assets" / "app.js",
                   JIRA / "static" / "panel" / "app.js"):
        code = re.sub(r"/\*.*?\*/|(?m:^\s*//[^\n]*)", "", script.read_text(encoding="utf-8"), flags=re.S)
        assert not sinks.search(code), script
