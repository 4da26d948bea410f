"""Offline checks and packaging of the Zendesk app (zcli validates only against a live account).

``python plugins/zendesk/scripts/zendesk_app.py [--out dist/iso10002-zendesk-app.zip]`` validates the
app (the manifest rules of zendesk_apps_support ``validations/manifest.rb`` as summarised in the
research notes) and writes the zip Zendesk accepts (manifest.json, translations/, assets/ at the root).
"""

from __future__ import annotations

import argparse
import json
import sys
import zipfile
from pathlib import Path
from typing import Any

APP = Path(__file__).resolve().parents[1]
REQUIRED_KEYS = ("name", "author", "defaultLocale", "location", "frameworkVersion")
PARAM_TYPES = {"text", "password", "checkbox", "url", "number", "multiline", "hidden", "oauth"}
SECRET_WORDS = ("token", "key", "password", "secret")
#: What goes into the zip (the scripts and the vendoring tools stay out).
PACKAGED = ("manifest.json", "translations", "assets")


def _basics(app: Path, manifest: dict[str, Any]) -> list[str]:
    problems = [f"manifest: missing {key}" for key in REQUIRED_KEYS if key not in manifest]
    author = manifest.get("author") or {}
    problems += [f"manifest: author.{k} missing" for k in ("name", "email") if not author.get(k)]
    if manifest.get("frameworkVersion") != "2.0":
        problems.append("manifest: frameworkVersion must be \"2.0\"")
    problems += [f"missing {name}" for name in ("assets/logo.png", "assets/logo-small.png")
                 if not (app / name).is_file()]
    locale = manifest.get("defaultLocale")
    if locale and not (app / "translations" / f"{locale}.json").is_file():
        problems.append(f"missing translations/{locale}.json (defaultLocale)")
    return problems


def _locations(app: Path, manifest: dict[str, Any]) -> list[str]:
    urls: list[str] = []
    for product in (manifest.get("location") or {}).values():
        for spec in (product or {}).values():
            urls.append(spec if isinstance(spec, str) else str((spec or {}).get("url", "")))
    if not urls:
        return ["manifest: location names no app location"]
    return [f"location url {url!r} is neither https nor an existing assets/ file" for url in urls
            if not url.startswith(("https://", "http://localhost"))
            and (not url.startswith("assets/") or not (app / url).is_file())]


def _parameter(param: dict[str, Any]) -> list[str]:
    name, kind = str(param.get("name", "")), param.get("type", "text")
    problems: list[str] = []
    if name == "name":
        problems.append("parameter may not be called 'name'")
    if kind not in PARAM_TYPES:
        problems.append(f"parameter {name}: unknown type {kind!r}")
    if kind == "hidden" and param.get("required"):
        problems.append(f"parameter {name}: hidden parameters cannot be required")
    if kind == "oauth" and param.get("secure"):
        problems.append(f"parameter {name}: an oauth parameter cannot be secure")
    if any(word in name.lower() for word in SECRET_WORDS) and kind != "oauth" and not param.get("secure"):
        problems.append(f"parameter {name}: looks like a secret but is not secure")
    if param.get("secure") and not param.get("scopes"):
        problems.append(f"parameter {name}: secure parameter without scopes")
    return problems


def validate(app: Path = APP) -> list[str]:
    """Every problem found (empty when the app is valid)."""
    try:
        manifest: dict[str, Any] = json.loads((app / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [f"manifest.json: {exc}"]
    params = manifest.get("parameters") or []
    problems = _basics(app, manifest) + _locations(app, manifest)
    for param in params:
        problems += _parameter(param)
    if sum(1 for p in params if p.get("type") == "oauth") > 1:
        problems.append("at most one oauth parameter")
    if any(p.get("secure") for p in params) and not manifest.get("domainWhitelist"):
        problems.append("secure settings are only substituted for hosts in domainWhitelist: list the service")
    return problems


def package(out: Path, app: Path = APP, domain: str | None = None) -> list[str]:
    """Write the zip; returns the archive's member names. ``domain``: the service's host name,
    written into the packaged manifest's ``domainWhitelist`` (the Zendesk proxy substitutes the
    secure API key only for requests to listed hosts)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    names: list[str] = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for top in PACKAGED:
            path = app / top
            files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
            for file in files:
                name = file.relative_to(app).as_posix()
                info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))  # reproducible
                info.compress_type = zipfile.ZIP_DEFLATED
                data = file.read_bytes()
                if name == "manifest.json" and domain:
                    manifest = json.loads(data)
                    manifest["domainWhitelist"] = [domain]
                    data = (json.dumps(manifest, indent=2) + "\n").encode()
                zf.writestr(info, data)
                names.append(name)
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("dist/iso10002-zendesk-app.zip"))
    parser.add_argument("--domain", help="the service's host (domainWhitelist), e.g. iso10002.example.com")
    args = parser.parse_args(argv)
    problems = validate()
    for problem in problems:
        sys.stderr.write(f"invalid: {problem}\n")
    if problems:
        return 1
    names = package(args.out, domain=args.domain)
    sys.stdout.write(f"wrote {args.out} ({len(names)} files)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
