"""The Slack app: thin Bolt listeners over segcore.

    app = create_app(services, config)       # a slack_bolt.App
    blueprint = slack_blueprint(app)          # POST /slack/events for HTTP mode (Flask)
    handler = start_socket_mode(app, token)   # or Socket Mode, in a thread
"""

from bot.app import WorkspaceMismatch, check_workspace, create_app
from bot.services import BotConfig, BotServices, OAuthConfig, bot_config_from_settings, default_client_factory

__all__ = [
    "BotConfig",
    "BotServices",
    "OAuthConfig",
    "WorkspaceMismatch",
    "bot_config_from_settings",
    "check_workspace",
    "create_app",
    "default_client_factory",
]
