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
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from compliance_checks.configfile import ConfigError
from connector.config import AppConfig, load_config
from connector.pipeline import Pipeline, load_evaluator
from connector.reports import delivery, scheduled
from connector.reports.scheduled import complete_periods, scheduled_reports
from connector.store import Store
from report_templates.render import render_reports
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
    [(got_label, period)] = complete_periods(spec, now, tz, date(2024, 1, 1), 1)
    assert (got_label, period.start, period.end, period.timezone) == (label, start, end, tz)


@pytest.mark.parametrize(
    ("spec", "now", "tz", "labels"),
    [
        # Across a year end, oldest first.
        ("month", datetime(2026, 2, 3, tzinfo=UTC), "UTC", ["2025-11", "2025-12", "2026-01"]),
        ("quarter", datetime(2026, 2, 10, tzinfo=UTC), "UTC", ["2025-Q2", "2025-Q3", "2025-Q4"]),
        # 31 March 23:30 UTC is 1 April in Auckland: Q1 is complete there.
        ("quarter", datetime(2026, 3, 31, 23, 30, tzinfo=UTC), "Pacific/Auckland",
         ["2025-Q3", "2025-Q4", "2026-Q1"]),
        ("days:14", datetime(2024, 2, 13, tzinfo=UTC), "UTC",
         ["2024-01-01--2024-01-14", "2024-01-15--2024-01-28", "2024-01-29--2024-02-11"]),
        ("days:7", datetime(2024, 1, 22, tzinfo=UTC), "UTC",
         ["2024-01-01--2024-01-07", "2024-01-08--2024-01-14", "2024-01-15--2024-01-21"]),
    ],
)
def test_complete_periods_oldest_first_and_contiguous(spec: str, now: datetime, tz: str,
                                                      labels: list[str]) -> None:
    periods = complete_periods(spec, now, tz, date(2024, 1, 1), 3)
    assert [label for label, _ in periods] == labels
    for (_, earlier), (_, later) in pairwise(periods):
        assert later.start == earlier.end + timedelta(days=1)
    assert periods[-1] == complete_periods(spec, now, tz, date(2024, 1, 1), 1)[0]


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
        ({"catch_up": -1}, "reports.catch_up", "greater than or equal to 0"),
        ({"catch_up": 25}, "reports.catch_up", "less than or equal to 24"),
        ({"catch_up": "3"}, "reports.catch_up", "valid integer"),
        ({"catch_up": True}, "reports.catch_up", "valid integer"),
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
    [(label, _period)] = complete_periods("quarter", service.now, tz, date(2024, 1, 1), 1)
    with caplog.at_level(logging.DEBUG):
        [folder] = scheduled_reports(service.pipe, service.now)
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


# -- catching up missed periods (the service was down or failing when they ended) ------------


def _month_after(moment: datetime, months: int) -> datetime:
    """06:00 UTC on the 3rd of the month ``months`` after ``moment``'s."""
    index = moment.year * 12 + moment.month - 1 + months
    return datetime(index // 12, index % 12 + 1, 3, 6, tzinfo=UTC)


def _month_label(moment: datetime, months: int) -> str:
    return f"{_month_after(moment, months):%Y-%m}"


def _rendered(monkeypatch: pytest.MonkeyPatch, fail: frozenset[str] = frozenset()) -> list[str]:
    """The labels rendered, in order (``fail``: labels whose rendering raises)."""
    order: list[str] = []

    def recording(jobs: Any, data: Any, **kwargs: Any) -> list[Path]:
        label = jobs[0].out.name.removeprefix(f"{jobs[0].kind}-").removesuffix(f".{jobs[0].fmt.value}")
        order.append(label)
        if label in fail:
            raise RuntimeError(f"renderer crashed on {label}")
        result: list[Path] = render_reports(jobs, data, **kwargs)
        return result

    monkeypatch.setattr(scheduled, "render_reports", recording)
    return order


def _late(folder: Path) -> object:
    return delivery.read_manifest(folder)["late"]  # type: ignore[index]


@pytest.mark.slow
def test_service_down_over_two_month_ends_writes_both_oldest_first_and_nothing_before_the_first_run(
    store_service: tuple[Path, datetime], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    service = _service(store_service, tmp_path / "out", period="month", outputs=["audit.json"], catch_up=5)
    first_run = service.now  # the fixture's only evaluation run started then
    tz = service.pipe.evaluator.policy.spec.calendar.timezone
    assert first_run.astimezone(ZoneInfo(tz)).month == first_run.month  # labels below are UTC months
    order = _rendered(monkeypatch)
    [before] = scheduled_reports(service.pipe, first_run)  # the last complete period, as before
    assert before.name == _month_label(first_run, -1) and _late(before) is False

    # Down from then until two month ends later: both missed months, oldest first; not the
    # months before the first run, although catch_up (5) reaches them.
    order.clear()
    later = _month_after(first_run, 2)
    folders = scheduled_reports(service.pipe, later)
    missed, last = _month_label(first_run, 0), _month_label(first_run, 1)
    assert order == [missed, last]
    assert [f.name for f in folders] == [missed, last]
    assert sorted(p.name for p in service.out.iterdir()) == sorted([before.name, missed, last])
    assert (_late(folders[0]), _late(folders[1])) == (True, False)
    assert delivery.read_manifest(folders[0])["as_of"] == later.astimezone(ZoneInfo(tz)).isoformat()  # type: ignore[index]

    # A delivered period is not rendered again.
    order.clear()
    assert scheduled_reports(service.pipe, later) == folders
    assert order == []


@pytest.mark.slow
def test_catch_up_limit_is_respected(
    store_service: tuple[Path, datetime], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    order = _rendered(monkeypatch)
    first_run = store_service[1]
    later = _month_after(first_run, 5)  # five month ends missed since the first run
    one = _service(store_service, tmp_path / "one", period="month", outputs=["audit.json"], catch_up=1)
    expected = [_month_label(first_run, k) for k in (3, 4)]
    assert [f.name for f in scheduled_reports(one.pipe, later)] == expected
    none = _service(store_service, tmp_path / "none", period="month", outputs=["audit.json"], catch_up=0)
    assert [f.name for f in scheduled_reports(none.pipe, later)] == [_month_label(first_run, 4)]
    assert order == [_month_label(first_run, k) for k in (3, 4, 4)]


@pytest.mark.slow
def test_catch_up_of_quarters_and_blocks_of_days(
    store_service: tuple[Path, datetime], tmp_path: Path,
) -> None:
    first_run = store_service[1]
    quarters = _service(store_service, tmp_path / "q", period="quarter", outputs=["audit.json"])
    tz = quarters.pipe.evaluator.policy.spec.calendar.timezone
    first_day = first_run.astimezone(ZoneInfo(tz)).date()
    later = _month_after(first_run, 6)  # the first run's quarter and the next one have ended since
    expected = complete_periods("quarter", later, tz, date(2024, 1, 1), 2)
    assert expected[0][1].start <= first_day <= expected[0][1].end
    folders = scheduled_reports(quarters.pipe, later)
    assert [f.name for f in folders] == [label for label, _ in expected]
    assert [_late(f) for f in folders] == [True, False]

    weeks = _service(store_service, tmp_path / "w", period="days:7", outputs=["audit.json"], catch_up=2)
    later = first_run + timedelta(days=30)
    expected = complete_periods("days:7", later, tz, date(2024, 1, 1), 3)
    assert expected[0][1].end >= first_day  # all three ended after the first run
    folders = scheduled_reports(weeks.pipe, later)
    assert [f.name for f in folders] == [label for label, _ in expected]
    assert [_late(f) for f in folders] == [True, True, False]


@pytest.mark.slow
def test_a_failing_period_does_not_stop_the_others(
    store_service: tuple[Path, datetime], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    first_run = store_service[1]
    later = _month_after(first_run, 2)
    missed, last = _month_label(first_run, 0), _month_label(first_run, 1)
    service = _service(store_service, tmp_path / "out", period="month", outputs=["audit.json"])
    order = _rendered(monkeypatch, fail=frozenset({missed}))
    with caplog.at_level(logging.INFO), pytest.raises(RuntimeError, match=f"crashed on {missed}"):
        scheduled_reports(service.pipe, later)
    assert order == [missed, last]
    assert [p.name for p in service.out.iterdir()] == [last]  # the newer one delivered all the same
    assert f"scheduled reports for {missed} failed (RuntimeError)" in caplog.text

    # Both failing: each tried, both reported at the end.
    both = _service(store_service, tmp_path / "both", period="month", outputs=["audit.json"])
    order = _rendered(monkeypatch, fail=frozenset({missed, last}))
    with pytest.raises(ExceptionGroup) as caught:
        scheduled_reports(both.pipe, later)
    assert order == [missed, last]
    assert f"{missed}, {last}" in str(caught.value) and len(caught.value.exceptions) == 2

    # The next run delivers the one that failed, as caught up.
    order = _rendered(monkeypatch)
    folders = scheduled_reports(service.pipe, later)
    assert order == [missed] and [f.name for f in folders] == [missed, last]
    assert _late(folders[0]) is True


@pytest.mark.slow
def test_the_runner_reports_a_failed_catch_up_and_goes_on(
    store_service: tuple[Path, datetime], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from connector.service.runner import ServiceRunner

    first_run = store_service[1]
    later = _month_after(first_run, 2)
    service = _service(store_service, tmp_path / "out", period="month", outputs=["audit.json"])
    service.pipe.clock = lambda: later
    _rendered(monkeypatch, fail=frozenset({_month_label(first_run, 0), _month_label(first_run, 1)}))
    runner = ServiceRunner(service.pipe)
    runner.run_step("reports", runner.reports_step)
    assert runner.health.last_error == "reports: ExceptionGroup"


@pytest.mark.slow
def test_a_caught_up_period_is_emailed_saying_so(
    store_service: tuple[Path, datetime], smtp_server: tuple[Mailbox, int, Path], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    box, port, cert = smtp_server
    monkeypatch.setenv("SMTP_USER", "reports")
    monkeypatch.setenv("SMTP_PASSWORD", PASSWORD)
    first_run = store_service[1]
    service = _service(store_service, tmp_path / "out", period="month", outputs=["audit.json"],
                       email=_email(port, cert))
    scheduled_reports(service.pipe, _month_after(first_run, 2))
    missed, last = box.messages
    assert _month_label(first_run, 0) in missed["Subject"] and "caught up late" in missed["Subject"]
    assert "Caught up late" in missed.get_payload()[0].get_payload()  # type: ignore[index,union-attr]
    assert _month_label(first_run, 1) in last["Subject"] and "caught up" not in last["Subject"].lower()
