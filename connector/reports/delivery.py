"""Delivery of the scheduled reports: a period's folder (appears whole or not at all) and email.

The folder ``<output_dir>/<period label>/`` holds the files and ``delivered.json`` (the
manifest: period, as-of, each file's sha256, and when and to whom it was emailed). The folder
is rendered beside it under a hidden name and renamed into place, so a crash leaves no
half-written period; the manifest is what makes the service skip a delivered period after a
restart.
"""

from __future__ import annotations

import hashlib
import json
import logging
import mimetypes
import os
import shutil
import smtplib
import ssl
import tempfile
from collections.abc import Callable, Mapping
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from connector.platforms.zendesk.secrets import SecretSource
from connector.service_config import ReportEmailConfig

log = logging.getLogger(__name__)

MANIFEST = "delivered.json"
_PARTIAL = ".partial-"


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The period folder's manifest, or None when the period was never written."""
    path = folder / MANIFEST
    if not path.is_file():
        return None
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return manifest


def write_manifest(folder: Path, manifest: Mapping[str, Any]) -> None:
    """Replace the manifest atomically (write beside it, then rename)."""
    tmp = folder / f"{_PARTIAL}{MANIFEST}"
    tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, folder / MANIFEST)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_period(output_dir: Path, label: str, manifest: Mapping[str, Any],
                 render: Callable[[Path], list[Path]]) -> Path:
    """Render into a hidden folder beside the final one, add the manifest, rename into place."""
    final = output_dir / label
    if final.exists():  # not ours (ours always has a manifest): never written over
        raise FileExistsError(f"{final} exists without {MANIFEST}: move it away to deliver {label}")
    output_dir.mkdir(parents=True, exist_ok=True)
    for stale in output_dir.glob(f"{_PARTIAL}{label}-*"):  # left by a crash mid-render
        shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{_PARTIAL}{label}-", dir=output_dir))
    try:
        paths = render(tmp)
        files = {p.name: _sha256(p) for p in paths}
        write_manifest(tmp, {**manifest, "files": files, "emailed": None})
        os.rename(tmp, final)  # fails if another writer got there first: never overwrite
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def _message(config: ReportEmailConfig, subject: str, body: str, files: list[Path]) -> EmailMessage:
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = ", ".join(config.to)
    message["Subject"] = subject
    total = sum(p.stat().st_size for p in files)
    attach = total <= config.max_attachment_bytes
    listing = "\n".join(f"  {p.name}" for p in files)
    where = "attached" if attach else f"too large to attach ({total} bytes); in {files[0].parent}"
    message.set_content(f"{body}\n\nReports ({where}):\n{listing}\n")
    if attach:
        for path in files:
            kind, _, sub = (mimetypes.guess_type(path.name)[0] or "application/octet-stream").partition("/")
            message.add_attachment(path.read_bytes(), maintype=kind, subtype=sub, filename=path.name)
    return message


def send_email(config: ReportEmailConfig, subject: str, body: str, files: list[Path],
               environ: Mapping[str, str] | None = None) -> None:
    """Send the reports by SMTP: STARTTLS (certificate and host name verified) before login."""
    message = _message(config, subject, body, files)
    secrets = SecretSource(config.secrets_file, environ)
    with smtplib.SMTP(config.host, config.port, timeout=config.timeout_seconds) as smtp:
        smtp.ehlo()
        if config.starttls:
            context = ssl.create_default_context(cafile=config.ca_file)
            smtp.starttls(context=context)
            smtp.ehlo()
        if config.username_env and config.password_env:
            smtp.login(secrets.get(config.username_env).get_secret_value(),
                       secrets.get(config.password_env).get_secret_value())
        smtp.send_message(message)


def email_period(folder: Path, config: ReportEmailConfig, subject: str, body: str, now: datetime,
                 environ: Mapping[str, str] | None = None) -> None:
    """Email a written period unless its manifest says it was emailed; then record it."""
    manifest = read_manifest(folder)
    if manifest is None or manifest.get("emailed"):
        return
    files = [folder / name for name in sorted(manifest["files"])]
    send_email(config, subject, body, files, environ)
    write_manifest(folder, {**manifest, "emailed": {"to": list(config.to), "at": now.isoformat()}})
    log.info("scheduled reports %s emailed to %d recipient(s)", folder.name, len(config.to))
