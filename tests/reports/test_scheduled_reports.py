"""Scheduled reports: the last complete calendar period in the policy's time zone, written once
(atomically, named by the period, PDF included) and emailed over SMTP with STARTTLS.

The SMTP server is a real one on loopback (aiosmtpd) requiring STARTTLS before AUTH, with a
throwaway self-signed certificate made here (``cryptography``). The client side follows
RFC 3207 (STARTTLS, then EHLO again) and RFC 4954 (AUTH only over TLS).
"""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes
from email.message import Message
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import pytest
import yaml

from compliance_checks.configfile import ConfigError
from connector.config import AppConfig, load_config
from connector.pipeline import Pipeline, load_evaluator
from connector.reports import delivery, scheduled
from connector.reports.scheduled import last_complete, scheduled_reports
from connector.store import Store
from tests.zendesk import scenarios as sc

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")
aiosmtpd_smtp = pytest.importorskip("aiosmtpd.smtp")
x509 = pytest.importorskip("cryptography.x509")

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "s3cret-Pa55word-never-logged"


# -- periods -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "now", "tz", "label", "start", "end"),
    [
        ("month", datetime(2026, 1, 15, 12, tzinfo=UTC), "UTC", "2025-12",
         date(2025, 12, 1), date(2025, 12, 31)),
        ("month", datetime(2026, 3, 1, 0, 0, tzinfo=UTC), "UTC", "2026-02",
         date(2026, 2, 1), date(2026, 2, 28)),
        # 30 November 12:00 UTC is already 1 December in Auckland: November is complete there.
        ("month", datetime(2026, 11, 30, 12, tzinfo=UTC), "Pacific/Auckland", "2026-11",
         date(2026, 11, 1), date(2026, 11, 30)),
        ("month", datetime(2026, 11, 30, 12, tzinfo=UTC), "UTC", "2026-10",
         date(2026, 10, 1), date(2026, 10, 31)),
        ("quarter", datetime(2026, 2, 10, tzinfo=UTC), "UTC", "2025-Q4",
         date(2025, 10, 1), date(2025, 12, 31)),
        ("quarter", datetime(2026, 7, 1, tzinfo=UTC), "Europe/London", "2026-Q2",
         date(2026, 4, 1), date(2026, 6, 30)),
        # Blocks of 14 days from the anchor (Monday 2024-01-01); 2024-01-29 starts the third.
        ("days:14", datetime(2024, 1, 30, tzinfo=UTC), "UTC", "2024-01-15--2024-01-28",
         date(2024, 1, 15), date(2024, 1, 28)),
        ("days:14", datetime(2024, 1, 28, 23, tzinfo=UTC), "UTC", "2024-01-01--2024-01-14",
         date(2024, 1, 1), date(2024, 1, 14)),
    ],
)
def test_last_complete_period(spec: str, now: datetime, tz: str, label: str, start: date, end: date) -> None:
    got_label, period = last_complete(spec, now, tz, date(2024, 1, 1))
    assert (got_label, period.start, period.end, period.timezone) == (label, start, end, tz)


# -- configuration -------------------------------------------------------------------------


def _base(tmp: Path) -> dict[str, Any]:
    return {
        "sources": [{
            "platform": "zendesk", "name": "sandbox", "base_url": "http://127.0.0.1:9",
            "mapping": str(ROOT / "mappings" / "zendesk.yaml"),
            "auth": {"type": "oauth_client_credentials", "client_id_env": "ZD_ID",
                     "client_secret_env": "ZD_SECRET"},
        }],
        "store": {"url": f"sqlite:///{tmp / 'store.db'}"},
    }


@pytest.mark.parametrize(
    ("reports", "key_path", "words"),
    [
        ({"period": "fortnight"}, "reports.period", "pattern"),
        ({"outputs": ["audit.docx"]}, "reports.outputs", "no format 'docx'"),
        ({"outputs": ["board.pdf"]}, "reports.outputs", "unknown report 'board'"),
        ({"email": {"host": "mail", "sender": "a@b", "to": ["x@y"], "starttls": False,
                    "username_env": "U", "password_env": "P"}}, "reports.email", "STARTTLS"),
        ({"email": {"host": "mail", "sender": "a@b", "to": ["x@y", "not an address"]}}, "reports.email.to",
         "not an email address"),
    ],
)
def test_bad_reports_config_names_file_and_key(tmp_path: Path, reports: dict[str, Any], key_path: str,
                                               words: str) -> None:
    path = tmp_path / "iso10002.yaml"
    path.write_text(yaml.safe_dump({**_base(tmp_path), "reports": reports}), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    text = str(caught.value)
    assert f"{path}: {key_path}" in text and words in text, text


# -- delivery to a directory ----------------------------------------------------------------


def test_a_failed_render_leaves_no_period_folder(tmp_path: Path) -> None:
    def render(folder: Path) -> list[Path]:
        (folder / "audit-2026-11.html").write_text("half", encoding="utf-8")
        raise RuntimeError("renderer crashed")

    with pytest.raises(RuntimeError):
        delivery.write_period(tmp_path, "2026-11", {"period": "2026-11"}, render)
    assert list(tmp_path.iterdir()) == []


def test_a_folder_without_manifest_is_never_written_over(tmp_path: Path) -> None:
    theirs = tmp_path / "2026-11"
    theirs.mkdir()
    (theirs / "notes.txt").write_text("someone else's", encoding="utf-8")
    with pytest.raises(FileExistsError, match=r"without delivered\.json"):
        delivery.write_period(tmp_path, "2026-11", {"period": "2026-11"}, lambda folder: [])
    assert [p.name for p in theirs.iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2026-11"]


# -- the service's step against a store and a real SMTP server -------------------------------


def _certificate(tmp: Path) -> tuple[Path, Path]:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "smtp.pem", tmp / "smtp.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@dataclass
class Mailbox:
    messages: list[Message] = field(default_factory=list)
    logins: list[tuple[bytes, bytes]] = field(default_factory=list)

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def authenticate(self, _server: Any, _session: Any, _envelope: Any, _mechanism: str, data: Any) -> Any:
        self.logins.append((data.login, data.password))
        ok = data.login == b"reports" and data.password == PASSWORD.encode()
        # handled=False: the server answers a refusal with 535 (aiosmtpd's AuthResult).
        return aiosmtpd_smtp.AuthResult(success=ok, handled=ok)


class _BoundController(aiosmtpd_controller.Controller):  # type: ignore[misc]
    """Serves on a socket the test bound (and keeps): no port is released and reused."""

    def __init__(self, handler: Any, sock: socket.socket, **kwargs: Any) -> None:
        super().__init__(handler, hostname="127.0.0.1", port=sock.getsockname()[1], **kwargs)
        self._sock = sock

    def _create_server(self) -> Any:
        return self.loop.create_server(self._factory_invoker, sock=self._sock)


@pytest.fixture
def smtp_server(tmp_path: Path) -> Iterator[tuple[Mailbox, int, Path]]:
    cert, key = _certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    box = Mailbox()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    controller = _BoundController(box, sock, tls_context=context, require_starttls=True,
                                  authenticator=box.authenticate, auth_require_tls=True)
    controller.start()
    try:
        yield box, sock.getsockname()[1], cert
    finally:
        controller.stop()


@dataclass
class Service:
    pipe: Pipeline
    now: datetime
    out: Path


@pytest.fixture(scope="module")
def store_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, datetime]]:
    """A store synced and checked from the Zendesk sandbox (its recorded-shape tickets)."""
    tmp = tmp_path_factory.mktemp("sched")
    server = sc.start_sandbox(tickets=12, seed=7, days=120)
    try:
        doc = {**_base(tmp), "sync": {"initial_since": "2025-01-01T00:00:00Z"}}
        config = AppConfig.model_validate(doc)
        store = Store(config.store.url)
        source = sc.sandbox_source(server)
        client = sc.sandbox_client(server, source)
        now = sc.virtual_now(server)
        pipe = Pipeline(config.model_copy(update={"sources": [source]}), store, load_evaluator(config),
                        clock=lambda: now, client_factory=lambda _s: client)
        pipe.sync()
        pipe.check(as_of=now)
        store.close()
        yield tmp, now
    finally:
        server.stop()


def _service(seed: tuple[Path, datetime], out: Path, **reports: Any) -> Service:
    tmp, now = seed
    config = AppConfig.model_validate({**_base(tmp), "reports": {"output_dir": str(out), **reports}})
    pipe = Pipeline(config, Store(config.store.url), load_evaluator(config), clock=lambda: now)
    return Service(pipe, now, out)


def _email(port: int, cert: Path, **extra: Any) -> dict[str, Any]:
    return {"host": "127.0.0.1", "port": port, "ca_file": str(cert), "username_env": "SMTP_USER",
            "password_env": "SMTP_PASSWORD", "sender": "complaints@example.com",
            "to": ["board@example.com", "auditor@example.com"], **extra}


@pytest.mark.slow
def test_period_rendered_once_in_pdf_and_emailed_over_starttls(
    store_service: tuple[Path, datetime], smtp_server: tuple[Mailbox, int, Path], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    box, port, cert = smtp_server
    monkeypatch.setenv("SMTP_USER", "reports")
    monkeypatch.setenv("SMTP_PASSWORD", PASSWORD)
    service = _service(store_service, tmp_path / "out", period="quarter",
                       outputs=["kpi.pdf", "audit.json", "register.xlsx"], email=_email(port, cert))
    tz = service.pipe.evaluator.policy.spec.calendar.timezone
    label, _period = last_complete("quarter", service.now, tz, date(2024, 1, 1))
    with caplog.at_level(logging.DEBUG):
        folder = scheduled_reports(service.pipe, service.now)
    assert folder == service.out / label
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"kpi-{label}.pdf", f"audit-{label}.json", f"register-{label}.xlsx", "delivered.json"])
    assert (folder / f"kpi-{label}.pdf").read_bytes().startswith(b"%PDF-")
    assert [p.name for p in service.out.iterdir()] == [label]  # no partial folder left beside it

    assert box.logins == [(b"reports", PASSWORD.encode())]
    [mail] = box.messages
    assert mail["To"] == "board@example.com, auditor@example.com"
    assert label in mail["Subject"]
    attached = sorted(part.get_filename() for part in mail.walk() if part.get_filename())
    assert attached == sorted([f"kpi-{label}.pdf", f"audit-{label}.json", f"register-{label}.xlsx"])
    assert PASSWORD not in caplog.text and "SMTP_PASSWORD" not in caplog.text

    # A restart (a new pipeline, the same folder): the delivered period is neither rendered nor sent again.
    def no_render(*_a: object, **_k: object) -> list[Path]:
        raise AssertionError("a delivered period was rendered again")

    monkeypatch.setattr(scheduled, "render_reports", no_render)
    again = _service(store_service, service.out, period="quarter",
                     outputs=["kpi.pdf", "audit.json", "register.xlsx"], email=_email(port, cert))
    scheduled_reports(again.pipe, again.now)
    assert len(box.messages) == 1


@pytest.mark.slow
def test_a_failed_email_is_retried_without_rendering_again(
    store_service: tuple[Path, datetime], smtp_server: tuple[Mailbox, int, Path], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    box, port, cert = smtp_server
    monkeypatch.setenv("SMTP_USER", "reports")
    monkeypatch.setenv("SMTP_PASSWORD", "wrong-password")
    service = _service(store_service, tmp_path / "out", period="month", outputs=["audit.json"],
                       email=_email(port, cert))
    with pytest.raises(smtplib.SMTPAuthenticationError) as caught:
        scheduled_reports(service.pipe, service.now)
    assert "wrong-password" not in str(caught.value)
    [folder] = service.out.iterdir()
    assert delivery.read_manifest(folder)["emailed"] is None  # type: ignore[index]
    assert box.messages == []

    def no_render(*_a: object, **_k: object) -> list[Path]:
        raise AssertionError("a written period was rendered again")

    monkeypatch.setattr(scheduled, "render_reports", no_render)
    monkeypatch.setenv("SMTP_PASSWORD", PASSWORD)
    scheduled_reports(service.pipe, service.now)
    assert len(box.messages) == 1
    emailed = delivery.read_manifest(folder)["emailed"]  # type: ignore[index]
    assert emailed["to"] == ["board@example.com", "auditor@example.com"]


@pytest.mark.slow
def test_the_server_certificate_is_verified(
    store_service: tuple[Path, datetime], smtp_server: tuple[Mailbox, int, Path], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without the CA that signed it, the self-signed certificate is refused before any login."""
    box, port, _cert = smtp_server
    monkeypatch.setenv("SMTP_USER", "reports")
    monkeypatch.setenv("SMTP_PASSWORD", PASSWORD)
    email = {k: v for k, v in _email(port, _cert).items() if k != "ca_file"}
    service = _service(store_service, tmp_path / "out", outputs=["audit.json"], email=email)
    with pytest.raises(ssl.SSLCertVerificationError):
        scheduled_reports(service.pipe, service.now)
    assert box.logins == [] and box.messages == []


def test_serve_names_unset_smtp_credentials_by_key_never_value(tmp_path: Path) -> None:
    from connector.pipeline import MissingSecret, require_service_secrets

    email = {"host": "mail", "sender": "a@b", "to": ["x@y"], "username_env": "SMTP_USER",
             "password_env": "SMTP_PASSWORD"}
    reports = {"schedule": "daily 06:00", "email": email}
    config = AppConfig.model_validate({**_base(tmp_path), "reports": reports})
    with pytest.raises(MissingSecret) as caught:
        require_service_secrets(config, "iso10002.yaml", {"SMTP_USER": "reports"})
    expected = "iso10002.yaml: reports.email.password_env: secret SMTP_PASSWORD is not set"
    assert str(caught.value).strip() == expected
    require_service_secrets(config, "iso10002.yaml", {"SMTP_USER": "reports", "SMTP_PASSWORD": PASSWORD})
