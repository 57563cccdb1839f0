"""The app factory: a Bolt ``App`` wired to the product's services, in one or many workspaces."""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.ack_in_place import AckInPlaceExecutor, ack_in_place
from bot.listeners import register_listeners
from bot.listeners.views import JOURNALED
from bot.oauth_store import MongoInstallationStore, MongoOAuthStateStore
from bot.payload_shape import refuse_malformed
from bot.pending import PendingSubmissions
from bot.replay import Replayer
from bot.services import BotConfig, BotServices
from bot.stores import ConversationStore, DeliveryLog, DraftStore
from bot.tenancy import single_workspace_guard
from segcore.errors import SegmentError
from segcore.storage.workspaces import mark_installed

log = logging.getLogger("segments.bot")


class WorkspaceMismatch(SegmentError):
    """SLACK_TEAM_ID names a different workspace than the bot token belongs to."""


def check_workspace(client: WebClient, team_id: str) -> str:
    """Ask Slack (auth.test) which workspace the token belongs to; refuse to serve another one's data."""
    try:
        result = client.auth_test()
    except SlackApiError as exc:
        raise WorkspaceMismatch(
            f"Slack refused the bot token ({exc.response.get('error')}): check SLACK_BOT_TOKEN."
        ) from None
    team, name = str(result.get("team_id")), str(result.get("team") or "?")
    if team_id not in ("", "local") and team != team_id:
        raise WorkspaceMismatch(
            f"SLACK_TEAM_ID is {team_id}, but the bot token belongs to workspace {name} ({team}). "
            "Set SLACK_TEAM_ID to the token's workspace, or use that workspace's token."
        )
    return f"Serving Slack workspace {name} ({team}) with the data of team {team_id or 'local'}."


class Indexes:
    """The bot's own indexes (TTLs, the thread key). Created at start-up; when the database is down then,
    the app still starts (and tells users the database is down), and the next request tries again."""

    def __init__(self, services: BotServices) -> None:
        self.services = services
        self.ready = False
        self.lock = threading.Lock()

    def ensure(self) -> None:
        if self.ready:
            return
        with self.lock:
            if self.ready:
                return
            db, now = self.services.store.db, self.services.now
            try:
                for store in (DeliveryLog(db, now), DraftStore(db, now), ConversationStore(db, now)):
                    store.ensure_indexes()
                MongoInstallationStore(db).ensure_indexes()
                MongoOAuthStateStore(db).ensure_indexes()
                PendingSubmissions(db).ensure_indexes()
            except Exception as exc:
                log.error("could not create the Slack app's indexes (database down?): %r", exc)
                return
            self.ready = True


def ensure_indexes(services: BotServices) -> Indexes:
    indexes = Indexes(services)
    indexes.ensure()
    return indexes


def _installed_again(services: BotServices, team_id: str) -> None:
    # Slack accepted the bot token just now, so the app is installed: a workspace marked uninstalled
    # (app_uninstalled, tokens_revoked) gets its scheduled posts back.
    try:
        mark_installed(services.store.db, team_id, services.now())
    except Exception as exc:
        log.warning("could not record that workspace %s has the app (database down?): %r", team_id, exc)


def client_for_team(services: BotServices, config: BotConfig) -> Callable[[str], WebClient]:
    """A Slack client for a workspace, outside any request: the bot token (one workspace), or the
    workspace's installation (OAuth)."""
    if config.oauth is None:
        client = services.client_factory(config.bot_token)
        return lambda team_id: client
    installations = MongoInstallationStore(services.store.db, client_id=config.oauth.client_id)

    def for_team(team_id: str) -> WebClient:
        bot = installations.find_bot(enterprise_id=None, team_id=team_id)
        if bot is None or not bot.bot_token:
            raise SegmentError(f"The app is not installed in workspace {team_id}.")
        return services.client_factory(bot.bot_token)

    return for_team


def replayer_for(services: BotServices, config: BotConfig) -> Replayer:
    """The thread (not started) that replays modal submissions acked by a process that died before finishing
    them; whoever runs the app starts it and stops it before closing the database."""
    return Replayer(services, JOURNALED, client_for_team(services, config))


def create_app(services: BotServices, config: BotConfig) -> App:
    """A Bolt app for ``config``. Request signatures are always verified."""
    kwargs: dict[str, Any] = {
        "signing_secret": config.signing_secret,
        "process_before_response": config.process_before_response,
        "token_verification_enabled": False,  # check_workspace below does it, with a clearer message
        "name": "segments",
    }
    if config.oauth is not None:
        db = services.store.db
        kwargs["oauth_settings"] = OAuthSettings(
            client_id=config.oauth.client_id,
            client_secret=config.oauth.client_secret,
            scopes=list(config.oauth.scopes),
            user_scopes=list(config.oauth.user_scopes),
            redirect_uri=config.oauth.redirect_uri,
            install_path=config.oauth.install_path,
            redirect_uri_path=config.oauth.redirect_uri_path,
            installation_store=MongoInstallationStore(db, client_id=config.oauth.client_id),
            state_store=MongoOAuthStateStore(db, expiration_seconds=config.oauth.state_expiration_seconds),
        )
        kwargs["client"] = services.client_factory(None)
    else:
        client = services.client_factory(config.bot_token)
        if config.verify_workspace:
            log.info(check_workspace(client, config.team_id))
            _installed_again(services, config.team_id)
        kwargs["client"] = client
    if not config.process_before_response:
        # Bolt's own default pool size, with commands and submissions run in the request's thread.
        kwargs["listener_executor"] = AckInPlaceExecutor(
            ThreadPoolExecutor(max_workers=5, thread_name_prefix="bolt-listeners"))
    app = App(**kwargs)
    indexes = ensure_indexes(services)
    # Slow work (counting, sampling, saving) runs here, never on Bolt's listener pool, so acks never queue.
    work = ThreadPoolExecutor(max_workers=config.workers, thread_name_prefix="segments-slack")

    app.use(refuse_malformed)
    if config.oauth is None and config.team_id not in ("", "local"):
        app.use(single_workspace_guard(config))

    @app.use
    def provide_services(context: Any, next: Any) -> None:
        context["segments_services"] = services
        context["segments_config"] = config
        context["segments_work"] = work
        context["segments_indexes"] = indexes
        next()

    app.use(ack_in_place)  # last: it marks the thread for the listener Bolt runs next

    @app.error
    def last_resort(error: Exception, body: dict[str, Any], logger: logging.Logger,
                    response: BoltResponse | None) -> BoltResponse | None:
        ref = secrets.token_hex(4)
        logger.error("ref=%s unhandled error in a Slack listener (type=%s): %r", ref, body.get("type"), error)
        if response is not None and response.status >= 500:
            # A listener failed before its ack: in practice a payload Slack would not send (fields missing).
            # Answer 400 with a reference, never a 500 (which Slack retries) and never the error's text.
            return BoltResponse(status=400, body=f"Could not handle this request (reference {ref}).")
        return None

    register_listeners(app)
    return app
