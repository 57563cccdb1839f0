"""The composition root: builds the admin page, the Slack app and the scheduler into one process.

`bot` and `admin` never import each other; this module is the only place that knows both.
"""

from __future__ import annotations

import logging
import secrets
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from pymongo.errors import PyMongoError

from admin import AdminServices
from admin import create_app as create_admin_app
from segcore.errors import SegmentError
from segcore.ratelimit import RateLimiter
from segments.config import Settings
from segments.demo import admin_password, demo_notice, load_demo
from segments.services import Services, build_services

log = logging.getLogger("segments")


@dataclass
class Running:
    """What `serve` started, so that it can be stopped in order."""

    services: Services
    web: Flask
    bolt: Any = None
    socket: Any = None
    scheduler: Any = None
    notes: list[str] = field(default_factory=list)
    replayer: Any = None

    def stop(self) -> None:
        if self.replayer is not None:
            self.replayer.stop()
        if self.socket is not None:
            self.socket.close()
        if self.scheduler is not None:
            self.scheduler.shutdown()
        self.services.close()


def secret_key(settings: Settings) -> str:
    """SEGMENTS_SECRET_KEY, or a random key kept in the data folder so sessions survive a restart."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.data_dir) / "secret_key"
    try:
        if path.exists():
            return path.read_text().strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        path.write_text(key)
        path.chmod(0o600)
        return key
    except OSError:
        log.warning("could not keep a session key in %s; admin sessions end when the process stops", path)
        return secrets.token_hex(32)


def bot_config(settings: Settings) -> Any:
    """The Slack app's configuration, or None when Slack is not configured.

    One workspace needs SLACK_BOT_TOKEN; several need SLACK_CLIENT_ID/SECRET (OAuth, used only without a
    bot token). HTTP mode needs SLACK_SIGNING_SECRET; Socket Mode (SLACK_APP_TOKEN) does not, as its
    requests come over an authenticated socket, though Bolt still wants a value.
    """
    from bot import BotConfig, OAuthConfig
    from bot.services import SLACK_API_URL

    oauth = None
    if settings.slack_client_id and settings.slack_client_secret and not settings.slack_bot_token:
        oauth = OAuthConfig(client_id=settings.slack_client_id, client_secret=settings.slack_client_secret)
    secret = settings.slack_signing_secret or ("socket-mode-only" if settings.slack_app_token else None)
    if not secret or not (settings.slack_bot_token or oauth):
        return None
    api_url = settings.slack_api_url or SLACK_API_URL
    return BotConfig(
        bot_token=settings.slack_bot_token,
        signing_secret=secret,
        team_id=settings.team_id,
        api_url=api_url if api_url.endswith("/") else api_url + "/",
        oauth=oauth,
        campaign_managers=settings.campaign_managers,
        pii_viewers=settings.pii_viewers,
        workers=settings.slack_workers,
    )


def build_bolt(services: Services, config: Any) -> tuple[Any, Any]:
    """The Bolt app and its replayer of unfinished modal submissions (not started)."""
    from bot import BotServices, create_app, default_client_factory, replayer_for

    bot_services = BotServices(
        store=services.store,
        engine=services.audience,
        catalog=services.catalog,
        now=services.now,
        interpret=services.interpret,
        client_factory=default_client_factory(config.api_url),
        launch=services.launch_campaign,  # freezes, then delivers through the webhook when configured
    )
    return create_app(bot_services, config), replayer_for(bot_services, config)


def build_web(services: Services, bolt: Any = None, config: dict[str, Any] | None = None) -> Flask:
    """The admin page and JSON API, with Slack's HTTP endpoint mounted when a Bolt app is given."""
    settings = services.settings
    admin_services = AdminServices(
        store=services.store,
        engine=services.audience,
        catalog=services.catalog,
        now=services.now,
        interpret=services.interpret,
        team_id=settings.team_id,
        admin_password=admin_password(settings)[0],
        secret_key=secret_key(settings),
        launch=services.launch_campaign,
        trusted_proxies=settings.trusted_proxies,
        mirror_status=services.mirror.status if services.mirror is not None else None,
        slack_sign_in=_slack_sign_in(settings),
        pii_viewers=settings.pii_viewers,
        campaign_managers=settings.campaign_managers,
        demo_notice=lambda: demo_notice(settings, services),
        # Bursts of twice the rate (SECURITY.md); per process.
        api_rate_limit=RateLimiter(settings.api_rate_limit),
        event_rate_limit=RateLimiter(settings.event_rate_limit),
    )
    web = create_admin_app(admin_services, config)
    if bolt is not None:
        from bot.http import slack_blueprint

        web.register_blueprint(slack_blueprint(bolt))
    return web


def _slack_sign_in(settings: Settings) -> Any:
    if not (settings.slack_client_id and settings.slack_client_secret):
        return None
    from admin.slack_signin import SlackSignIn

    return SlackSignIn(settings.slack_client_id, settings.slack_client_secret, api_url=settings.slack_api_url)


def build_scheduler(services: Services) -> Any:
    from scheduler import SchedulerConfig
    from scheduler import build_scheduler as make
    from scheduler.compose import notifier_from_settings
    from scheduler.config import parse_digest_time

    settings = services.settings
    config = SchedulerConfig(
        snapshot_interval=_minutes(settings.snapshot_minutes),
        digest_time=parse_digest_time(settings.digest_time),
        digest_channel=settings.digest_channel,
        campaign_manager_ids=settings.campaign_managers,
        webhook_url=settings.webhook_url,
        webhook_secret=settings.webhook_secret,
    )
    notifier = notifier_from_settings(settings, services.store)  # per workspace under OAuth
    return make(services.store, services.audience, notifier, config)


def _minutes(n: int) -> Any:
    from datetime import timedelta

    return timedelta(minutes=max(n, 1))


def start(settings: Settings, *, with_scheduler: bool | None = None) -> Running:
    """Build and start everything `segments serve` runs (not the HTTP server itself)."""
    services = build_services(settings)
    notes: list[str] = []
    try:
        notes.extend(_first_run(settings, services))
        bolt = None
        socket = None
        replayer = None
        slack = bot_config(settings)
        if slack is not None:
            bolt, replayer = build_bolt(services, slack)
            replayer.start()
            if settings.slack_app_token:
                from bot.socket import start_socket_mode

                socket = start_socket_mode(bolt, settings.slack_app_token)
                notes.append("Slack: Socket Mode (SLACK_APP_TOKEN is set).")
                web = build_web(services)
            else:
                notes.append("Slack: HTTP mode at POST /slack/events.")
                web = build_web(services, bolt)
        else:
            notes.append(
                "Slack: not configured (set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET, or SLACK_APP_TOKEN "
                "for Socket Mode); the admin page and API run without it."
            )
            web = build_web(services)
        scheduler = None
        if settings.scheduler_enabled if with_scheduler is None else with_scheduler:
            scheduler = build_scheduler(services)
            scheduler.start()
            notes.append("Scheduler: on (snapshots, scheduled launches, digest).")
    except BaseException:
        if replayer is not None:
            replayer.stop()
        services.close()
        raise
    return Running(services, web, bolt, socket, scheduler, notes, replayer)


def _first_run(settings: Settings, services: Services) -> list[str]:
    """The console lines that make a first run usable: the demo workspace, and how to sign in."""
    lines = []
    try:
        lines.extend(load_demo(settings, services))
    except (SegmentError, PyMongoError) as exc:
        log.warning("could not load the demo workspace: %s", exc)
        lines.append(f"Demo data: not loaded ({exc}).")
    password_line = admin_password(settings)[1]
    if password_line:
        lines.append(password_line)
    return lines


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def serve(settings: Settings, port: int | None = None, host: str = "127.0.0.1") -> None:
    """Run until interrupted, on a threaded HTTP server (production uses gunicorn and segments.wsgi)."""
    from werkzeug.serving import make_server

    running = start(settings)
    port = settings.port if port is None else port
    try:
        server = make_server(host, port, running.web, threaded=True)
    except OSError as exc:
        running.stop()
        raise SegmentError(f"Cannot listen on {host}:{port}: {exc.strerror}. Choose another --port.") from None
    where = running.services.store.server
    print(f"Segments is running at http://{host}:{port}/ (health: /api/health)", flush=True)
    if where is not None:
        print(f"Database: embedded server on {where.host}:{where.port}, data in {where.data_dir}", flush=True)
    else:
        print("Database: MONGODB_URI", flush=True)
    for note in running.notes:
        print(note, flush=True)
    # SIGTERM (Render, systemd, `timeout`) stops as cleanly as Ctrl-C: the embedded database is shut down.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        running.stop()
