"""Offline validation of the Zendesk app (zcli validates only against a live account) and the
Forge app's structure: manifest rules, package contents, the vendored SDK, shared renderer copies."""

from __future__ import annotations

import importlib.util
import json
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ZENDESK = ROOT / "plugins" / "zendesk"
JIRA = ROOT / "plugins" / "jira"


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("zendesk_app", ZENDESK / "scripts" / "zendesk_app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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


def test_shared_renderer_copies_are_identical() -> None:
    for name in ("panel.js", "panel.css"):
        zendesk, jira = ZENDESK / "assets" / name, JIRA / "static" / "panel" / name
        assert zendesk.read_bytes() == jira.read_bytes(), name


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
