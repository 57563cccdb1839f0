"""The Slack app: thin Bolt listeners over segcore.

    app = create_app(services, config)       # a slack_bolt.App
    blueprint = slack_blueprint(app)          # POST /slack/events for HTTP mode (Flask)
    handler = start_socket_mode(app, token)   # or Socket Mode, in a thread
    replayer = replayer_for(services, config).start()  # redoes submissions a dead process acked
    replayer.stop()                           # before closing the database
"""

from bot.app import WorkspaceMismatch, check_workspace, create_app, replayer_for
from bot.services import BotConfig, BotServices, OAuthConfig, default_client_factory

__all__ = [
    "BotConfig",
    "BotServices",
    "OAuthConfig",
    "WorkspaceMismatch",
    "check_workspace",
    "create_app",
    "default_client_factory",
    "replayer_for",
]
