"""A first run shows something: the demo workspace and a password to sign in with.

Only on the embedded database (no MONGODB_URI): a deployment on a real MongoDB never gets demo people
or a generated password, whatever else is set.
"""

from __future__ import annotations

import logging
import secrets
import threading
from datetime import UTC, datetime
from pathlib import Path

from segcore import demo
from segments.config import Settings
from segments.services import Services

log = logging.getLogger("segments")

# Enough people for every example sentence to find someone; seeded in a few seconds on the embedded server.
DEMO_PEOPLE = 2000
DEMO_SEED = 0


def load_demo(settings: Settings, services: Services) -> list[str]:
    """Load the demo into the default workspace when the embedded database is empty; the console lines."""
    if settings.mongodb_uri or not settings.demo_enabled:
        return []
    db = services.store.db
    team = settings.team_id
    known = demo.demo_of(db, team)
    if known is not None:
        line = demo.notice(known)
        return [line] if line else []
    now = datetime.now(UTC)
    if not demo.database_is_empty(db) or not demo.claim(db, team, now):
        return []
    # `segments seed` itself, so the demo holds what seeding writes: people and their events.
    from segments.cli.data_cmd import seed_workspace

    seeded = seed_workspace(services.store, team, DEMO_PEOPLE, DEMO_SEED, now)
    demo.record_loaded(db, team, seeded.user_ids, 0)
    log.info("loaded the demo workspace %s: %d people", team, len(seeded.user_ids))
    # Their events take minutes on the embedded server (measured: 230 s for 47,700 under load), so they are
    # written after the start; the people are there at once, and the banner counts the events when done.
    threading.Thread(target=_events_later, args=(services, team, list(seeded.user_ids), now),
                     name="segments-demo-events", daemon=True).start()
    loaded = demo.notice(demo.demo_of(db, team))
    return [
        f"{loaded} (loaded now: the embedded database was empty; SEGMENTS_DEMO=off to start empty; their "
        "demo events are being written in the background)",
        'Try it: sign in to the admin page and type "spent over 5k in Pune", or run '
        '`segments ask "visited in the last month"`.',
    ]


def _events_later(services: Services, team: str, user_ids: list[str], now: datetime) -> None:
    from segments.cli.events_import import write_demo_events

    try:
        written = write_demo_events(services.store, team, user_ids, DEMO_SEED, now)
        demo.record_events(services.store.db, team, written)
        log.info("wrote %d demo events into workspace %s", written, team)
    except Exception as exc:  # a stop during the write (or the database going away) ends it: never a crash
        log.warning("the demo events were not all written: %r", exc)


def demo_notice(settings: Settings, services: Services) -> str | None:
    """The admin page's banner while the demo is in the default workspace."""
    if settings.mongodb_uri:
        return None
    return demo.notice(demo.demo_of(services.store.db, settings.team_id))


def admin_password(settings: Settings) -> tuple[str | None, str | None]:
    """SEGMENTS_ADMIN_PASSWORD; on the embedded database without it, a generated one kept in the data
    folder (so it survives restarts), with the console line that tells it. (password, line)"""
    if settings.admin_password:
        return settings.admin_password, None
    if settings.mongodb_uri:
        return None, "Admin page: set SEGMENTS_ADMIN_PASSWORD to sign in."
    path = Path(settings.data_dir) / "admin_password"
    try:
        password = path.read_text().strip() if path.exists() else ""
        if not password:
            path.parent.mkdir(parents=True, exist_ok=True)
            password = secrets.token_urlsafe(12)
            path.write_text(password + "\n")
            path.chmod(0o600)
    except OSError:
        log.warning("could not keep an admin password in %s; set SEGMENTS_ADMIN_PASSWORD", path)
        return None, "Admin page: set SEGMENTS_ADMIN_PASSWORD to sign in."
    return password, (f"Admin page: sign in with the password {password} (generated for this data folder, "
                      f"kept in {path}; set SEGMENTS_ADMIN_PASSWORD to choose your own).")
