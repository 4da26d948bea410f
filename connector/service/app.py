"""The HTTP side of the service (starlette): webhooks, the ticket API, health and metrics."""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connector import metrics
from connector.config import SourceConfig
from connector.pipeline import Pipeline
from connector.platforms.base import Platform
from connector.platforms.registry import platform_for, platforms
from connector.service.panel_api import PanelApi
from connector.service.runner import ServiceRunner
from connector.service.ui import ui_mount
from connector.service.webhooks import Nudge, WebhookRejected, delivery_key
from connector.store.deliveries import first_delivery

log = logging.getLogger(__name__)
Environ = Callable[[str], str | None]


def _source_for(pipeline: Pipeline, platform: str, name: str | None) -> SourceConfig | None:
    candidates = [s for s in pipeline.sources if s.platform == platform and (name is None or s.name == name)]
    return candidates[0] if len(candidates) == 1 else None


def own_accounts(pipeline: Pipeline, source: SourceConfig) -> set[str]:
    """Accounts whose events are our own writes (never worth a refresh)."""
    ids = {str(a) for a in pipeline.evaluator.mappings[source.name].spec.actors.connector_accounts}
    return ids | platform_for(source.platform).own_accounts(source)


class ServiceApp:
    """The request handlers. Secrets are read from the environment once, here, never logged."""

    def __init__(self, pipeline: Pipeline, runner: ServiceRunner, environ: Environ) -> None:
        self.pipeline = pipeline
        self.runner = runner
        self.hooks = pipeline.config.webhooks
        #: Per platform: its webhook block and secret (None: not configured).
        self.secrets = {p.name: environ(hook.secret_env) for p in platforms()
                        if (hook := getattr(self.hooks, p.name, None)) is not None}
        self.api_keys = [k for k in (environ(name) for name in pipeline.config.api.keys_env) if k]
        self.own = {s.name: own_accounts(pipeline, s) for s in pipeline.sources}

    @staticmethod
    def clock() -> datetime:
        return datetime.now(UTC)

    # -- webhooks -------------------------------------------------------------------------
    async def _body(self, request: Request, *signature_headers: str) -> bytes:
        """The raw body, read only when the signature headers are there and only up to the cap
        (an unsigned or oversized body is refused before it is buffered)."""
        if not all(request.headers.get(h) for h in signature_headers):
            raise WebhookRejected(401, "missing signature headers", body_unread=True)
        limit = self.hooks.max_body_bytes
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            raise WebhookRejected(413, f"body larger than {limit} bytes", body_unread=True)
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise WebhookRejected(413, f"body larger than {limit} bytes", body_unread=True)
        return bytes(body)

    async def _accept(self, platform: str, source: SourceConfig, signed_timestamp: str | None, body: bytes,
                      nudge: Nudge) -> Response:
        if nudge.actor is not None and nudge.actor in self.own[source.name]:
            metrics.WEBHOOKS.labels(platform, "own").inc()
            return JSONResponse({"status": "ignored", "reason": "our own change"})
        key = delivery_key(platform, signed_timestamp, body)
        if not await run_in_threadpool(first_delivery, self.pipeline.store, key, source.name, self.clock()):
            metrics.WEBHOOKS.labels(platform, "duplicate").inc()
            return JSONResponse({"status": "duplicate"})
        self.runner.enqueue(source.name, nudge.ticket)
        metrics.WEBHOOKS.labels(platform, "queued").inc()
        return JSONResponse({"status": "queued", "ticket": nudge.ticket}, status_code=202)

    @staticmethod
    def _rejected(platform: str, exc: WebhookRejected) -> Response:
        metrics.WEBHOOKS.labels(platform, "rejected").inc()
        log.warning("%s webhook rejected: %s", platform, exc.reason)
        headers = {"Connection": "close"} if exc.body_unread else None
        return JSONResponse({"error": exc.reason}, status_code=exc.status, headers=headers)

    def webhook(self, platform: Platform) -> Callable[[Request], Awaitable[Response]]:
        """The handler of ``/webhooks/<platform>``: verified, then the ticket is queued."""
        name = platform.name

        async def receive(request: Request) -> Response:
            hook = getattr(self.hooks, name, None)
            source = _source_for(self.pipeline, name, hook.source if hook else None)
            secret = self.secrets.get(name)
            if hook is None or source is None or not secret:
                return JSONResponse({"error": f"{name.capitalize()} webhooks are not configured"},
                                    status_code=404)
            try:
                body = await self._body(request, *platform.webhook_headers)
                delivery = platform.verify_webhook(secret, body, request.headers, self.clock(),
                                                   timedelta(seconds=hook.max_age_seconds))
            except WebhookRejected as exc:
                return self._rejected(name, exc)
            return await self._accept(name, source, delivery.signed_timestamp, body, delivery.nudge)

        return receive

    async def healthz(self, _request: Request) -> Response:
        health = self.runner.health
        # A source whose last sync left tickets unstored is degraded (counts only, no text).
        quarantined = {name: len(ids) for name, ids in sorted(health.quarantined.items()) if ids}
        status = "stopping" if self.runner.stop.is_set() else "degraded" if quarantined else "ok"
        return JSONResponse({
            "status": status,
            "quarantined": quarantined,
            "last_step": health.last_step,
            "last_step_at": health.last_step_at.isoformat() if health.last_step_at else None,
            "last_error": health.last_error,
            "queued_refreshes": self.runner.refreshes.qsize(),
        })

    async def metrics(self, _request: Request) -> Response:
        try:
            await run_in_threadpool(self.pipeline.refresh_findings_metric)
        except Exception as exc:  # noqa: BLE001 - a store hiccup must not hide the other metrics
            log.warning("findings metric not refreshed: %s", type(exc).__name__)
        return Response(generate_latest(metrics.REGISTRY), media_type=CONTENT_TYPE_LATEST)


def build_app(pipeline: Pipeline, runner: ServiceRunner, environ: Environ = os.environ.get) -> Starlette:
    handlers = ServiceApp(pipeline, runner, environ)
    # The per-ticket API (and refresh) the in-helpdesk panels read: connector/service/panel_api.py.
    panel = PanelApi(pipeline, runner.enqueue, handlers.api_keys, clock=handlers.clock)
    origins = list(pipeline.config.api.cors_origins)
    middleware = [Middleware(CORSMiddleware, allow_origins=origins, allow_methods=["GET", "POST"],
                             allow_headers=["Authorization", "Content-Type"], max_age=600)] if origins else []
    return Starlette(routes=[
        *(Route(f"/webhooks/{p.name}", handlers.webhook(p), methods=["POST"]) for p in platforms()),
        *panel.routes(),
        Route("/healthz", handlers.healthz, methods=["GET"]),
        Route("/metrics", handlers.metrics, methods=["GET"]),
        # The dashboard (connector/service/ui.py), when ui users or a trusted proxy are configured.
        *ui_mount(pipeline, panel, environ(pipeline.config.ui.session_secret_env), handlers.clock),
    ], middleware=middleware)

